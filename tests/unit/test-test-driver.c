/* test-test-driver: the in-memory test driver through the real engine API (engine_open
 * with test:///default, the same calls the UI and CLI make) and its driver table for the
 * struct-level checks: the default domains, lookups, define/undefine, lifecycle state
 * changes, the errors real drivers give, live vs inactive XML, and that nothing reaches
 * the disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/driver.h"
#include "engine/domain-def.h"
#include "engine/engine.h"
#include "testutil.h"

/* A domain to define: name and uuid given, 256 MiB. */
#define NEW_XML(name, uuid, mib)                                                                   \
    "<domain type='qemu'>\n"                                                                       \
    "  <name>" name "</name>\n"                                                                    \
    "  <uuid>" uuid "</uuid>\n"                                                                    \
    "  <memory unit='MiB'>" mib "</memory>\n"                                                      \
    "  <vcpu>1</vcpu>\n"                                                                           \
    "  <os><type>hvm</type></os>\n"                                                                \
    "  <devices><serial type='pty'/></devices>\n"                                                  \
    "</domain>\n"

/* Per-test fixture: isolated state dirs and one open connection. */
struct fixture {
    char *dir;
    struct engine_conn *conn;
};

/* Open test:///default in fresh dirs. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_isolate("testdrv");
    struct vmerr err = {0};
    f->conn = engine_open("test:///default", &err);
    if (!f->conn)
        fail_msg("engine_open: %s", err.message);
    *state = f;
    return 0;
}

/* Count the entries of a directory (0 when it does not exist). */
static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Close the connection, check nothing was written to the state dirs, remove them. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    engine_close(f->conn);
    char path[512];
    snprintf(path, sizeof(path), "%s/config", f->dir);
    assert_int_equal(dir_entries(path), 0);
    snprintf(path, sizeof(path), "%s/run", f->dir);
    assert_int_equal(dir_entries(path), 0);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Look a domain up, failing the test if it is not there. */
static struct engine_domain_info lookup(struct engine_conn *conn, const char *name)
{
    struct engine_domain_info info;
    struct vmerr err = {0};
    if (engine_domain_lookup(conn, name, &info, &err) < 0)
        fail_msg("lookup %s: %s", name, err.message);
    return info;
}

/* Assert a call failed with code and a message containing text. */
static void assert_failed(int rc, const struct vmerr *err, enum vmerr_code code, const char *text)
{
    assert_int_equal(rc, -1);
    assert_int_equal(err->code, code);
    if (!strstr(err->message, text))
        fail_msg("message \"%s\" does not contain \"%s\"", err->message, text);
}

/* Define xml or fail the test. */
static void define(struct engine_conn *conn, const char *xml)
{
    struct vmerr err = {0};
    char *name = NULL;
    if (engine_domain_define_xml(conn, xml, "new.xml", &name, &err) < 0)
        fail_msg("define: %s", err.message);
    free(name);
}

/* The two default domains, as list and lookup show them. */
static void test_defaults(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    struct engine_domain_info *all = NULL;
    size_t n = 0;
    assert_int_equal(engine_domain_list(f->conn, ENGINE_LIST_ALL, &all, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(all[0].name, "test"); /* active first */
    assert_int_equal(all[0].id, 1);
    assert_int_equal(all[0].state, ENGINE_DOMAIN_RUNNING);
    assert_string_equal(engine_domain_state_name(all[0].state), "running");
    assert_int_equal(all[0].vcpus, 2);
    assert_int_equal(all[0].memory_kib, 512 * 1024);
    assert_int_equal(all[0].max_memory_kib, 1024 * 1024);
    assert_true(all[0].persistent);
    assert_false(all[0].has_console);
    assert_string_equal(all[0].uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    assert_string_equal(all[1].name, "test2");
    assert_int_equal(all[1].id, -1);
    assert_int_equal(all[1].state, ENGINE_DOMAIN_SHUTOFF);
    assert_string_equal(engine_domain_state_name(all[1].state), "shut off");
    free(all);

    assert_int_equal(engine_domain_list(f->conn, ENGINE_LIST_ACTIVE, &all, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(all[0].name, "test");
    free(all);
    assert_int_equal(engine_domain_list(f->conn, ENGINE_LIST_INACTIVE, &all, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(all[0].name, "test2");
    free(all);

    /* by uuid text too, with or without dashes */
    struct engine_domain_info info = lookup(f->conn, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    assert_string_equal(info.name, "test");
    info = lookup(f->conn, "6695eb01f6a4830479aa97f2502e193f");
    assert_string_equal(info.name, "test");
    assert_string_equal(engine_driver_name(f->conn), "test");
    assert_string_equal(engine_uri(f->conn), "test:///default");
}

/* Unknown names and wrong states give the errors the real drivers give. */
static void test_errors(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    struct engine_domain_info info;
    assert_failed(engine_domain_lookup(f->conn, "nope", &info, &err), &err, VMERR_NO_DOMAIN,
                  "no domain named 'nope'");
    assert_failed(engine_domain_start(f->conn, "nope", &err), &err, VMERR_NO_DOMAIN,
                  "no domain named 'nope'");
    assert_failed(engine_domain_undefine(f->conn, "nope", &err), &err, VMERR_NO_DOMAIN,
                  "no domain named 'nope'");
    assert_failed(engine_domain_start(f->conn, "test", &err), &err, VMERR_OPERATION_INVALID,
                  "domain 'test' is already running");
    assert_failed(engine_domain_destroy(f->conn, "test2", &err), &err, VMERR_OPERATION_INVALID,
                  "domain 'test2' is not running");
    assert_failed(engine_domain_shutdown(f->conn, "test2", &err), &err, VMERR_OPERATION_INVALID,
                  "domain 'test2' is not running");
    assert_failed(engine_domain_reboot(f->conn, "test2", &err), &err, VMERR_OPERATION_INVALID,
                  "domain 'test2' is not running");
    assert_failed(engine_domain_suspend(f->conn, "test2", &err), &err, VMERR_OPERATION_INVALID,
                  "domain 'test2' is not running");
    assert_failed(engine_domain_resume(f->conn, "test", &err), &err, VMERR_OPERATION_INVALID,
                  "domain 'test' is not paused");
    int fd = -1;
    assert_failed(engine_domain_console_open(f->conn, "test", &fd, &err), &err,
                  VMERR_OPERATION_INVALID, "domain 'test' has no real console on the test driver");
    assert_int_equal(fd, -1);
    assert_failed(engine_domain_console_open(f->conn, "nope", &fd, &err), &err, VMERR_NO_DOMAIN,
                  "no domain named 'nope'");
    /* a bad definition is refused by the parser and changes nothing */
    assert_failed(engine_domain_define_xml(f->conn, "<domain type='qemu'>\n<nmae/>\n</domain>",
                                           "bad.xml", NULL, &err),
                  &err, VMERR_XML, "unknown element <nmae> in <domain>");
    assert_int_equal(err.line, 2);
    /* states did not move */
    assert_int_equal(lookup(f->conn, "test").state, ENGINE_DOMAIN_RUNNING);
    assert_int_equal(lookup(f->conn, "test2").state, ENGINE_DOMAIN_SHUTOFF);
}

/* Only test:///default exists. */
static void test_open_paths(void **state)
{
    (void)state;
    struct vmerr err = {0};
    assert_null(engine_open("test:///other", &err));
    assert_int_equal(err.code, VMERR_URI);
    assert_non_null(strstr(err.message, "'other'"));
}

/* start / shutdown / destroy / reboot / suspend / resume move the state; ids grow. */
static void test_lifecycle(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    assert_int_equal(engine_domain_start(f->conn, "test2", &err), 0);
    struct engine_domain_info info = lookup(f->conn, "test2");
    assert_int_equal(info.state, ENGINE_DOMAIN_RUNNING);
    assert_int_equal(info.id, 2);
    assert_int_equal(engine_domain_shutdown(f->conn, "test2", &err), 0);
    info = lookup(f->conn, "test2");
    assert_int_equal(info.state, ENGINE_DOMAIN_SHUTOFF);
    assert_int_equal(info.id, -1);
    assert_int_equal(engine_domain_start(f->conn, "test2", &err), 0);
    assert_int_equal(lookup(f->conn, "test2").id, 3); /* a new id per start */

    assert_int_equal(engine_domain_suspend(f->conn, "test2", &err), 0);
    assert_int_equal(lookup(f->conn, "test2").state, ENGINE_DOMAIN_PAUSED);
    assert_failed(engine_domain_suspend(f->conn, "test2", &err), &err, VMERR_OPERATION_INVALID,
                  "domain 'test2' is already paused");
    assert_int_equal(engine_domain_resume(f->conn, "test2", &err), 0);
    assert_int_equal(lookup(f->conn, "test2").state, ENGINE_DOMAIN_RUNNING);

    /* on_reboot restart (the default): still running with the same id */
    assert_int_equal(engine_domain_reboot(f->conn, "test2", &err), 0);
    info = lookup(f->conn, "test2");
    assert_int_equal(info.state, ENGINE_DOMAIN_RUNNING);
    assert_int_equal(info.id, 3);

    /* a paused domain can be destroyed */
    assert_int_equal(engine_domain_suspend(f->conn, "test", &err), 0);
    assert_int_equal(engine_domain_destroy(f->conn, "test", &err), 0);
    info = lookup(f->conn, "test");
    assert_int_equal(info.state, ENGINE_DOMAIN_SHUTOFF);
    assert_int_equal(info.id, -1);
    assert_int_equal(engine_domain_start(f->conn, "test", &err), 0);
    assert_int_equal(lookup(f->conn, "test").id, 4);

    /* on_reboot destroy: reboot stops the domain */
    define(f->conn, "<domain type='qemu'><name>once</name><memory>1024</memory>"
                    "<os><type>hvm</type></os><on_reboot>destroy</on_reboot></domain>");
    assert_int_equal(engine_domain_start(f->conn, "once", &err), 0);
    assert_int_equal(lookup(f->conn, "once").id, 5);
    assert_int_equal(engine_domain_reboot(f->conn, "once", &err), 0);
    assert_int_equal(lookup(f->conn, "once").state, ENGINE_DOMAIN_SHUTOFF);
}

/* define, redefine, duplicates and undefine (also of a running domain). */
static void test_define_undefine(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    char *name = NULL;
    assert_int_equal(engine_domain_define_xml(
                         f->conn, NEW_XML("web", "11111111-2222-4333-8444-555555555555", "256"),
                         "web.xml", &name, &err),
                     0);
    assert_string_equal(name, "web");
    free(name);
    struct engine_domain_info info = lookup(f->conn, "web");
    assert_int_equal(info.state, ENGINE_DOMAIN_SHUTOFF);
    assert_int_equal(info.max_memory_kib, 256 * 1024);
    assert_true(info.persistent);

    /* same name, other uuid; same uuid, other name */
    assert_failed(engine_domain_define_xml(
                      f->conn, NEW_XML("web", "99999999-2222-4333-8444-555555555555", "256"),
                      "x.xml", NULL, &err),
                  &err, VMERR_DUPLICATE,
                  "domain 'web' already exists with uuid 11111111-2222-4333-8444-555555555555");
    assert_failed(engine_domain_define_xml(
                      f->conn, NEW_XML("web2", "11111111-2222-4333-8444-555555555555", "256"),
                      "x.xml", NULL, &err),
                  &err, VMERR_DUPLICATE, "domain 'web' already has uuid");
    assert_failed(engine_domain_lookup(f->conn, "web2", &info, &err), &err, VMERR_NO_DOMAIN,
                  "web2");

    /* same name and uuid: replaces the persistent definition */
    define(f->conn, NEW_XML("web", "11111111-2222-4333-8444-555555555555", "512"));
    assert_int_equal(lookup(f->conn, "web").max_memory_kib, 512 * 1024);

    /* redefining a running domain changes its next boot, not the running one */
    assert_int_equal(engine_domain_start(f->conn, "web", &err), 0);
    define(f->conn, NEW_XML("web", "11111111-2222-4333-8444-555555555555", "768"));
    assert_int_equal(lookup(f->conn, "web").max_memory_kib, 512 * 1024);
    char *live = engine_domain_get_xml(f->conn, "web", 0, &err);
    char *next = engine_domain_get_xml(f->conn, "web", ENGINE_XML_INACTIVE, &err);
    assert_non_null(strstr(live, "<memory unit='KiB'>524288</memory>"));
    assert_non_null(strstr(next, "<memory unit='KiB'>786432</memory>"));
    free(live);
    free(next);
    assert_int_equal(engine_domain_destroy(f->conn, "web", &err), 0);
    assert_int_equal(lookup(f->conn, "web").max_memory_kib, 768 * 1024);

    /* undefine a shut-off domain: gone */
    assert_int_equal(engine_domain_undefine(f->conn, "web", &err), 0);
    assert_failed(engine_domain_lookup(f->conn, "web", &info, &err), &err, VMERR_NO_DOMAIN,
                  "no domain named 'web'");

    /* undefine a running one: transient until it stops, then gone */
    assert_int_equal(engine_domain_undefine(f->conn, "test", &err), 0);
    info = lookup(f->conn, "test");
    assert_false(info.persistent);
    assert_int_equal(info.state, ENGINE_DOMAIN_RUNNING);
    assert_failed(engine_domain_undefine(f->conn, "test", &err), &err, VMERR_OPERATION_INVALID,
                  "domain 'test' is transient");
    char *xml = engine_domain_get_xml(f->conn, "test", ENGINE_XML_INACTIVE, &err);
    assert_non_null(xml); /* a transient domain's config is its live one */
    assert_null(strstr(xml, "id='1'"));
    free(xml);
    assert_int_equal(engine_domain_shutdown(f->conn, "test", &err), 0);
    assert_failed(engine_domain_lookup(f->conn, "test", &info, &err), &err, VMERR_NO_DOMAIN,
                  "no domain named 'test'");
    struct engine_domain_info *all = NULL;
    size_t n = 0;
    assert_int_equal(engine_domain_list(f->conn, ENGINE_LIST_ALL, &all, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(all[0].name, "test2");
    free(all);

    /* a transient domain made persistent again by define */
    assert_int_equal(engine_domain_start(f->conn, "test2", &err), 0);
    assert_int_equal(engine_domain_undefine(f->conn, "test2", &err), 0);
    char *inactive = engine_domain_get_xml(f->conn, "test2", ENGINE_XML_INACTIVE, &err);
    assert_int_equal(engine_domain_define_xml(f->conn, inactive, "again.xml", NULL, &err), 0);
    free(inactive);
    assert_true(lookup(f->conn, "test2").persistent);
    assert_int_equal(engine_domain_destroy(f->conn, "test2", &err), 0);
    assert_int_equal(lookup(f->conn, "test2").state, ENGINE_DOMAIN_SHUTOFF);
}

/* Live XML has the id and the pty path; the inactive XML has neither. */
static void test_get_xml_live_inactive(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    char *live = engine_domain_get_xml(f->conn, "test", 0, &err);
    assert_non_null(live);
    assert_non_null(strstr(live, "<domain type='qemu' id='1'>\n  <name>test</name>\n"));
    assert_non_null(strstr(live, "    <console type='pty' tty='/dev/pts/test'>\n"
                                 "      <source path='/dev/pts/test'/>\n"
                                 "      <target type='serial' port='0'/>\n"));
    assert_non_null(strstr(live, "    <serial type='pty'>\n"
                                 "      <source path='/dev/pts/test'/>\n"
                                 "      <target port='0'/>\n"));
    char *inactive = engine_domain_get_xml(f->conn, "test", ENGINE_XML_INACTIVE, &err);
    assert_non_null(inactive);
    assert_non_null(strstr(inactive, "<domain type='qemu'>\n"));
    assert_null(strstr(inactive, "/dev/pts/test"));
    assert_null(strstr(inactive, "id="));
    /* the live XML parses back to the same live XML */
    struct domain_def *def = domain_def_parse_string(live, "live", &err);
    assert_non_null(def);
    char *again = domain_def_format(def, 0);
    assert_string_equal(live, again);
    free(again);
    domain_def_free(def);
    free(live);
    free(inactive);

    /* a shut-off domain's "live" XML is its config; started, it gets an id and ttys */
    live = engine_domain_get_xml(f->conn, "test2", 0, &err);
    assert_non_null(strstr(live, "<domain type='qemu'>\n"));
    assert_null(strstr(live, "tty="));
    free(live);
    assert_int_equal(engine_domain_start(f->conn, "test2", &err), 0);
    live = engine_domain_get_xml(f->conn, "test2", 0, &err);
    assert_non_null(strstr(live, "<domain type='qemu' id='2'>\n"));
    assert_non_null(strstr(live, "tty='/dev/pts/test'"));
    free(live);
    assert_null(engine_domain_get_xml(f->conn, "nope", 0, &err));
    assert_int_equal(err.code, VMERR_NO_DOMAIN);
}

/* The driver's get_def at struct level: a copy, live only when asked and running. */
static void test_get_def_struct(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    const struct driver *drv = f->conn->driver;
    assert_ptr_equal(drv, &test_driver);
    struct domain_def *live = drv->domain_get_def(f->conn, "test", true, &err);
    struct domain_def *cfg = drv->domain_get_def(f->conn, "test", false, &err);
    assert_non_null(live);
    assert_non_null(cfg);
    assert_int_equal(live->id, 1);
    assert_string_equal(live->consoles[0].tty, "/dev/pts/test");
    assert_string_equal(live->serials[0].tty, "/dev/pts/test");
    assert_int_equal(cfg->id, -1);
    assert_null(cfg->consoles[0].tty);
    assert_null(cfg->serials[0].tty);
    assert_int_equal(live->ndisks, 1);
    assert_string_equal(live->disks[0].source, "/guest/diskimage1");
    assert_int_equal(live->nnets, 1);
    assert_int_equal(live->nets[0].type, DOMAIN_NET_USER);
    /* it is a copy: changing it changes nothing in the driver */
    live->vcpus = 64;
    domain_def_free(live);
    assert_int_equal(lookup(f->conn, "test").vcpus, 2);
    domain_def_free(cfg);
    assert_null(drv->domain_get_def(f->conn, "nope", true, &err));
    assert_int_equal(err.code, VMERR_NO_DOMAIN);
}

/* Connections in one process share the state until the last closes, like libvirt's. */
static void test_shared_state(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    struct engine_conn *second = engine_open("test:///default", &err);
    assert_non_null(second);
    assert_int_equal(engine_domain_start(f->conn, "test2", &err), 0);
    assert_int_equal(lookup(second, "test2").state, ENGINE_DOMAIN_RUNNING);
    engine_close(second);
    assert_int_equal(lookup(f->conn, "test2").state, ENGINE_DOMAIN_RUNNING);
    /* all closed: the next open starts from the defaults again */
    engine_close(f->conn);
    f->conn = engine_open("test:///default", &err);
    assert_non_null(f->conn);
    assert_int_equal(lookup(f->conn, "test2").state, ENGINE_DOMAIN_SHUTOFF);
}

/* Run every test, each with a fresh connection. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_define_undefine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_xml_live_inactive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_def_struct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_state, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
