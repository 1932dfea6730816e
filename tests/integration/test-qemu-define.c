/* test-qemu-define: persistent definitions of the QEMU driver on disk: define writes
 * CONFIG_DIR/qemu/NAME.xml atomically with generated MACs that stay stable, name/uuid
 * clashes are refused, lookup works by name and by uuid, a hand-broken config file still
 * lists (and its XML error names the line), the engine's inotify watch fires on define and
 * undefine, and only qemu:///session and qemu:///system are accepted. No guest is booted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/store.h"
#include "testutil.h"

#define URI "qemu:///session"

/* A small domain; uuid and interfaces vary per test. */
static char *domain_xml(const char *name, const char *uuid, const char *devices)
{
    return store_printf("<domain type='qemu'>\n"
                        "  <name>%s</name>\n"
                        "%s%s%s"
                        "  <memory>65536</memory>\n"
                        "  <vcpu>1</vcpu>\n"
                        "  <os><type>hvm</type></os>\n"
                        "  <devices>\n%s  </devices>\n"
                        "</domain>\n",
                        name, uuid ? "  <uuid>" : "", uuid ? uuid : "", uuid ? "</uuid>\n" : "",
                        devices ? devices : "");
}

/* What the tests share: isolated dirs and a connection. */
struct fixture {
    char *dir;
    char *config; /* VMDECK_CONFIG_DIR/qemu */
    struct engine_conn *conn;
};

/* Group setup. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_isolate("qdef");
    f->config = store_printf("%s/qemu", getenv("VMDECK_CONFIG_DIR"));
    struct vmerr err = {0};
    f->conn = engine_open(URI, &err);
    if (!f->conn) {
        print_error("open: %s\n", err.message);
        return -1;
    }
    *state = f;
    return 0;
}

/* Group teardown. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    engine_close(f->conn);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f->config);
    free(f);
    return 0;
}

/* The MAC in the first <mac address='...'/> of xml, or "" (buf >= 18 bytes). */
static const char *first_mac(const char *xml, char *buf)
{
    const char *m = strstr(xml, "<mac address='");
    buf[0] = '\0';
    if (m)
        snprintf(buf, 18, "%s", m + 14);
    return buf;
}

/* Dirs are private; define generates a 52:54:00 MAC that stays across reads and redefines. */
static void test_define_mac(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->config, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    struct vmerr err = {0};
    char *xml =
        domain_xml("nic", "aa4e1e2c-0d1b-4d6a-9a0e-5b8f3c2d1e00", "    <interface type='user'/>\n");
    assert_int_equal(engine_domain_define_xml(f->conn, xml, "nic.xml", NULL, &err), 0);
    free(xml);
    char *path = store_printf("%s/nic.xml", f->config);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *on_disk = testutil_read(path);
    char mac1[18], mac2[18];
    first_mac(on_disk, mac1);
    assert_int_equal(strncmp(mac1, "52:54:00:", 9), 0);
    assert_int_equal(strlen(mac1), 17);
    char *dumped = engine_domain_get_xml(f->conn, "nic", ENGINE_XML_INACTIVE, &err);
    assert_non_null(dumped);
    assert_string_equal(first_mac(dumped, mac2), mac1);
    /* redefining from the dumped XML keeps the MAC */
    assert_int_equal(engine_domain_define_xml(f->conn, dumped, "dump", NULL, &err), 0);
    free(on_disk);
    on_disk = testutil_read(path);
    assert_string_equal(first_mac(on_disk, mac2), mac1);
    free(on_disk);
    free(dumped);
    free(path);
}

/* Same name with another uuid, or same uuid under another name: refused, nothing changes. */
static void test_define_clash(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    char *path = store_printf("%s/nic.xml", f->config);
    char *before = testutil_read(path);
    char *xml = domain_xml("nic", "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", NULL);
    assert_int_equal(engine_domain_define_xml(f->conn, xml, "x.xml", NULL, &err), -1);
    assert_int_equal(err.code, VMERR_DUPLICATE);
    assert_non_null(strstr(err.message, "aa4e1e2c-0d1b-4d6a-9a0e-5b8f3c2d1e00"));
    free(xml);
    xml = domain_xml("other", "aa4e1e2c-0d1b-4d6a-9a0e-5b8f3c2d1e00", NULL);
    vmerr_clear(&err);
    assert_int_equal(engine_domain_define_xml(f->conn, xml, "y.xml", NULL, &err), -1);
    assert_int_equal(err.code, VMERR_DUPLICATE);
    assert_non_null(strstr(err.message, "'nic'"));
    free(xml);
    char *after = testutil_read(path);
    assert_string_equal(before, after);
    char *other = store_printf("%s/other.xml", f->config);
    assert_int_equal(access(other, F_OK), -1);
    free(other);
    free(before);
    free(after);
    free(path);
    /* invalid XML: an XML error, nothing written */
    vmerr_clear(&err);
    assert_int_equal(engine_domain_define_xml(f->conn, "<domain type='qemu'><name>bad</nam>",
                                              "bad.xml", NULL, &err),
                     -1);
    assert_int_equal(err.code, VMERR_XML);
    /* a xen domain does not belong on a qemu connection */
    char *xen = store_printf("<domain type='xen'><name>xen1</name><memory>65536</memory>"
                             "<vcpu>1</vcpu><os><type>hvm</type></os></domain>");
    vmerr_clear(&err);
    assert_int_equal(engine_domain_define_xml(f->conn, xen, "xen.xml", NULL, &err), -1);
    assert_non_null(strstr(err.message, "xen1"));
    free(xen);
}

/* Lookup by name and uuid; list rows of defined domains. */
static void test_lookup_list(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    struct engine_domain_info info;
    assert_int_equal(engine_domain_lookup(f->conn, "nic", &info, &err), 0);
    assert_string_equal(info.uuid, "aa4e1e2c-0d1b-4d6a-9a0e-5b8f3c2d1e00");
    assert_int_equal(info.id, -1);
    assert_int_equal(info.state, ENGINE_DOMAIN_SHUTOFF);
    assert_int_equal(info.max_memory_kib, 65536);
    assert_true(info.persistent);
    assert_false(info.has_console);
    memset(&info, 0, sizeof(info));
    assert_int_equal(engine_domain_lookup(f->conn, "AA4E1E2C0D1B4D6A9A0E5B8F3C2D1E00", &info, &err),
                     0);
    assert_string_equal(info.name, "nic");
    vmerr_clear(&err);
    assert_int_equal(engine_domain_lookup(f->conn, "nosuch", &info, &err), -1);
    assert_int_equal(err.code, VMERR_NO_DOMAIN);
    assert_non_null(strstr(err.message, "'nosuch'"));
    vmerr_clear(&err);
    assert_int_equal(engine_domain_start(f->conn, "nosuch", &err), -1);
    assert_int_equal(err.code, VMERR_NO_DOMAIN);
    vmerr_clear(&err);
    assert_int_equal(engine_domain_destroy(f->conn, "nic", &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_INVALID);
    assert_string_equal(err.message, "domain 'nic' is not running");
    vmerr_clear(&err);
    int fd = -1;
    assert_int_equal(engine_domain_console_open(f->conn, "nic", &fd, &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_INVALID);
}

/* A config file broken by hand still gets a list row; its XML error names file and line. */
static void test_broken_config(void **state)
{
    struct fixture *f = *state;
    char *path = store_printf("%s/broken.xml", f->config);
    const char *text = "<domain type='qemu'>\n  <name>broken</name>\n  <memory>lots</memory>\n"
                       "</domain>\n";
    struct vmerr err = {0};
    assert_int_equal(store_write_atomic(path, text, strlen(text), &err), 0);
    struct engine_domain_info *list = NULL;
    size_t n = 0;
    assert_int_equal(engine_domain_list(f->conn, ENGINE_LIST_ALL, &list, &n, &err), 0);
    bool seen_broken = false, seen_nic = false;
    for (size_t i = 0; i < n; i++) {
        seen_broken |= !strcmp(list[i].name, "broken") && list[i].state == ENGINE_DOMAIN_SHUTOFF;
        seen_nic |= !strcmp(list[i].name, "nic");
    }
    free(list);
    assert_true(seen_broken && seen_nic);
    vmerr_clear(&err);
    assert_null(engine_domain_get_xml(f->conn, "broken", ENGINE_XML_INACTIVE, &err));
    assert_int_equal(err.code, VMERR_XML);
    assert_int_equal(err.line, 3);
    vmerr_clear(&err);
    assert_int_equal(engine_domain_start(f->conn, "broken", &err), -1);
    assert_int_equal(err.code, VMERR_XML);
    /* the file is still there, untouched */
    char *still = testutil_read(path);
    assert_string_equal(still, text);
    free(still);
    assert_int_equal(engine_domain_undefine(f->conn, "broken", &err), 0);
    assert_int_equal(access(path, F_OK), -1);
    free(path);
}

/* Whether the engine's watch fd becomes readable within ms. */
static bool watch_fires(struct engine_conn *conn, int ms)
{
    struct pollfd pfd = {.fd = engine_watch_fd(conn), .events = POLLIN};
    bool fired = poll(&pfd, 1, ms) == 1;
    engine_watch_drain(conn);
    return fired;
}

/* define and undefine wake the engine's inotify watch; undefine of a missing domain fails. */
static void test_watch_undefine(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    assert_true(engine_watch_fd(f->conn) >= 0);
    engine_watch_drain(f->conn);
    assert_false(watch_fires(f->conn, 50)); /* idle: nothing */
    char *xml = domain_xml("watched", NULL, NULL);
    assert_int_equal(engine_domain_define_xml(f->conn, xml, "w.xml", NULL, &err), 0);
    free(xml);
    assert_true(watch_fires(f->conn, 1000));
    assert_int_equal(engine_domain_undefine(f->conn, "watched", &err), 0);
    assert_true(watch_fires(f->conn, 1000));
    vmerr_clear(&err);
    assert_int_equal(engine_domain_undefine(f->conn, "watched", &err), -1);
    assert_int_equal(err.code, VMERR_NO_DOMAIN);
    assert_int_equal(engine_domain_undefine(f->conn, "nic", &err), 0);
}

/* qemu:///system is accepted (its dirs come from VMDECK_*_DIR here), other paths are not. */
static void test_uris(void **state)
{
    (void)state;
    struct vmerr err = {0};
    struct engine_conn *c = engine_open("qemu:///system", &err);
    assert_non_null(c);
    assert_string_equal(engine_driver_name(c), "qemu");
    engine_close(c);
    assert_null(engine_open("qemu:///default", &err));
    assert_int_equal(err.code, VMERR_URI);
    assert_non_null(strstr(err.message, "qemu:///session"));
}

/* The tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_define_mac),     cmocka_unit_test(test_define_clash),
        cmocka_unit_test(test_lookup_list),    cmocka_unit_test(test_broken_config),
        cmocka_unit_test(test_watch_undefine), cmocka_unit_test(test_uris),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
