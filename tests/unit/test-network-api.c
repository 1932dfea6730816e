/* test-network-api: the engine's network API (engine_network_*) against the real drivers:
 * test:///default (the in-memory 'default' network, define/undefine/list/dump, live vs
 * persistent definitions, shared state, nothing on disk) and qemu:///session in isolated
 * state dirs (files in CONFIG_DIR/qemu/networks, modes, uuid lookups, broken files,
 * autostart marks, bridge names, and concurrent defines from several processes serialised by
 * the define lock). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/schema.h"
#include "testutil.h"

/* A network with a name, a uuid and an optional bridge element. */
#define NET_XML(name, uuid, bridge)                                                                \
    "<network>\n"                                                                                  \
    "  <name>" name "</name>\n"                                                                    \
    "  <uuid>" uuid "</uuid>\n" bridge "  <ip address='10.9.0.1' prefix='24'>\n"                   \
    "    <dhcp><range start='10.9.0.10' end='10.9.0.20'/></dhcp>\n"                                \
    "  </ip>\n"                                                                                    \
    "</network>\n"

#define UUID_A "a0000000-0000-4000-8000-00000000000a"
#define UUID_B "b0000000-0000-4000-8000-00000000000b"

/* What the test driver's 'default' network dumps as. */
static const char default_xml[] = "<network>\n"
                                  "  <name>default</name>\n"
                                  "  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\n"
                                  "  <forward mode='nat'/>\n"
                                  "  <bridge name='virbr0' stp='on' delay='0'/>\n"
                                  "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
                                  "    <dhcp>\n"
                                  "      <range start='192.168.122.2' end='192.168.122.254'/>\n"
                                  "    </dhcp>\n"
                                  "  </ip>\n"
                                  "</network>\n";

/* Per-test fixture: isolated state dirs and one open connection. */
struct fixture {
    char *dir;
    struct engine_conn *conn;
};

/* Open uri in fresh state dirs. */
static struct fixture *fixture_open(const char *uri)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_isolate("netapi");
    struct vmerr err = {0};
    f->conn = engine_open(uri, &err);
    if (!f->conn)
        fail_msg("engine_open %s: %s", uri, err.message);
    return f;
}

/* test:///default in fresh dirs. */
static int setup_test(void **state)
{
    *state = fixture_open("test:///default");
    return 0;
}

/* qemu:///session in fresh dirs. */
static int setup_qemu(void **state)
{
    *state = fixture_open("qemu:///session");
    return 0;
}

/* Close the connection and remove the state dirs. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    engine_close(f->conn);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Count the entries of a directory, hidden ones too (0 when it does not exist). */
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

/* Define xml or fail the test. */
static void define_ok(struct engine_conn *conn, const char *xml)
{
    struct vmerr err = {0};
    char *name = NULL;
    if (engine_network_define_xml(conn, xml, "net.xml", &name, &err) < 0) {
        char line[1400];
        fail_msg("define: %s", vmerr_line(&err, line, sizeof(line)));
    }
    free(name);
}

/* Define xml, expecting failure with code and words in the message. */
static void define_fails(struct engine_conn *conn, const char *xml, enum vmerr_code code,
                         const char *words)
{
    struct vmerr err = {0};
    char *name = NULL;
    assert_int_equal(engine_network_define_xml(conn, xml, "net.xml", &name, &err), -1);
    assert_null(name);
    if (err.code != code || !strstr(err.message, words))
        fail_msg("define: got code %d '%s', want code %d with '%s'", err.code, err.message, code,
                 words);
}

/* Look a network up or fail the test. */
static struct engine_network_info lookup(struct engine_conn *conn, const char *name)
{
    struct engine_network_info info;
    struct vmerr err = {0};
    if (engine_network_lookup(conn, name, &info, &err) < 0)
        fail_msg("lookup %s: %s", name, err.message);
    return info;
}

/* The names listed with flags, comma-separated, into buf. */
static const char *list_names(struct engine_conn *conn, unsigned flags, char *buf, size_t len)
{
    struct engine_network_info *nets = NULL;
    size_t n = 0;
    struct vmerr err = {0};
    if (engine_network_list(conn, flags, &nets, &n, &err) < 0)
        fail_msg("list: %s", err.message);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? "," : "", nets[i].name);
    free(nets);
    return buf;
}

/* XML of a network or fail the test; caller frees. */
static char *get_xml(struct engine_conn *conn, const char *name, unsigned flags)
{
    struct vmerr err = {0};
    char *xml = engine_network_get_xml(conn, name, flags, &err);
    if (!xml)
        fail_msg("get_xml %s: %s", name, err.message);
    return xml;
}

/* An operation on a missing network fails with VMERR_NO_NETWORK naming it. */
static void expect_no_network(const struct vmerr *err, const char *name)
{
    char want[300];
    snprintf(want, sizeof(want), "network '%s' not found", name);
    assert_int_equal(err->code, VMERR_NO_NETWORK);
    assert_string_equal(err->message, want);
}

/* ---- test:///default ---- */

/* The default network is there, active, as libvirt's test driver has it. */
static void test_test_default(void **state)
{
    struct fixture *f = *state;
    char buf[512];
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "default");
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ACTIVE, buf, sizeof(buf)), "default");
    assert_string_equal(list_names(f->conn, ENGINE_LIST_INACTIVE, buf, sizeof(buf)), "");
    struct engine_network_info info = lookup(f->conn, "default");
    assert_true(info.active);
    assert_true(info.persistent);
    assert_false(info.autostart);
    assert_string_equal(info.uuid, "dd8fe884-6c02-601e-7551-cca97df1c5df");
    assert_string_equal(info.bridge, "virbr0");
    assert_string_equal(info.forward, "nat");
    assert_string_equal(info.subnet, "192.168.122.0/24");
    assert_string_equal(info.dhcp, "192.168.122.2-192.168.122.254");
    info = lookup(f->conn, "dd8fe8846c02601e7551cca97df1c5df"); /* by uuid */
    assert_string_equal(info.name, "default");
    char *xml = get_xml(f->conn, "default", 0);
    assert_string_equal(xml, default_xml);
    free(xml);
    xml = get_xml(f->conn, "default", ENGINE_XML_INACTIVE);
    assert_string_equal(xml, default_xml);
    free(xml);
}

/* Define, list (sorted, filtered), dump and undefine; errors for missing networks. */
static void test_test_define_undefine(void **state)
{
    struct fixture *f = *state;
    define_ok(f->conn, NET_XML("lab", UUID_A, ""));
    define_ok(f->conn, NET_XML("a-first", UUID_B, "  <bridge name='br-a'/>\n"));
    char buf[512];
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)),
                        "a-first,default,lab");
    assert_string_equal(list_names(f->conn, ENGINE_LIST_INACTIVE, buf, sizeof(buf)), "a-first,lab");
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ACTIVE, buf, sizeof(buf)), "default");
    struct engine_network_info info = lookup(f->conn, "lab");
    assert_false(info.active);
    assert_true(info.persistent);
    assert_string_equal(info.bridge, "virbr1"); /* virbr0 belongs to 'default' */
    assert_string_equal(info.forward, "none");
    char *xml = get_xml(f->conn, "lab", 0);
    assert_non_null(strstr(xml, "<bridge name='virbr1' stp='on' delay='0'/>"));
    free(xml);

    struct vmerr err = {0};
    assert_int_equal(engine_network_undefine(f->conn, "lab", &err), 0);
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "a-first,default");
    assert_int_equal(engine_network_undefine(f->conn, "lab", &err), -1);
    expect_no_network(&err, "lab");
    assert_int_equal(engine_network_lookup(f->conn, "lab", &info, &err), -1);
    expect_no_network(&err, "lab");
    assert_null(engine_network_get_xml(f->conn, "lab", 0, &err));
    expect_no_network(&err, "lab");
    /* undefine by uuid */
    assert_int_equal(engine_network_undefine(f->conn, UUID_B, &err), 0);
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "default");
}

/* Names, uuids and bridge names must not clash; bad XML defines nothing. */
static void test_test_clashes(void **state)
{
    struct fixture *f = *state;
    define_ok(f->conn, NET_XML("lab", UUID_A, ""));
    define_fails(f->conn, NET_XML("lab", UUID_B, ""), VMERR_DUPLICATE,
                 "network 'lab' already exists with uuid " UUID_A);
    define_fails(f->conn, NET_XML("other", UUID_A, ""), VMERR_DUPLICATE,
                 "network 'lab' already has uuid " UUID_A);
    define_fails(f->conn, NET_XML("other", UUID_B, "  <bridge name='virbr0'/>\n"), VMERR_DUPLICATE,
                 "network 'other': bridge name 'virbr0' is already used by network 'default'");
    define_fails(f->conn, "<network>\n  <name>x</name>\n  <bridge stp='1'/>\n</network>\n",
                 VMERR_XML, "<bridge> stp='1' must be 'on' or 'off'");
    char buf[512];
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "default,lab");
    /* redefining with the same name and uuid keeps the bridge it names */
    define_ok(f->conn, NET_XML("lab", UUID_A, "  <bridge name='virbr1' stp='off'/>\n"));
    char *xml = get_xml(f->conn, "lab", 0);
    assert_non_null(strstr(xml, "<bridge name='virbr1' stp='off' delay='0'/>"));
    free(xml);
}

/* Redefining an active network changes its persistent definition only; undefining it
 * leaves it active and transient. */
static void test_test_live_vs_persistent(void **state)
{
    struct fixture *f = *state;
    define_ok(f->conn, "<network>\n"
                       "  <name>default</name>\n"
                       "  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\n"
                       "  <bridge name='virbr0'/>\n"
                       "  <ip address='192.168.122.1' prefix='24'>\n"
                       "    <dhcp><range start='192.168.122.100' end='192.168.122.200'/></dhcp>\n"
                       "  </ip>\n"
                       "</network>\n");
    char *live = get_xml(f->conn, "default", 0);
    assert_string_equal(live, default_xml);
    free(live);
    char *inactive = get_xml(f->conn, "default", ENGINE_XML_INACTIVE);
    assert_non_null(strstr(inactive, "<range start='192.168.122.100' end='192.168.122.200'/>"));
    assert_null(strstr(inactive, "<forward"));
    free(inactive);
    struct engine_network_info info = lookup(f->conn, "default");
    assert_string_equal(info.forward, "nat"); /* the row describes the live network */

    struct vmerr err = {0};
    assert_int_equal(engine_network_undefine(f->conn, "default", &err), 0);
    info = lookup(f->conn, "default");
    assert_true(info.active);
    assert_false(info.persistent);
    inactive = get_xml(f->conn, "default", ENGINE_XML_INACTIVE);
    assert_string_equal(inactive, default_xml); /* a transient network has only its live def */
    free(inactive);
    assert_int_equal(engine_network_undefine(f->conn, "default", &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_INVALID);
    assert_string_equal(err.message, "network 'default' is transient; it has no persistent "
                                     "definition to undefine");
}

/* Connections of one process share the networks until the last one closes; nothing is
 * written to disk. */
static void test_test_shared_state(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    struct engine_conn *second = engine_open("test:///default", &err);
    assert_non_null(second);
    define_ok(second, NET_XML("lab", UUID_A, ""));
    char buf[512];
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "default,lab");
    engine_close(second);
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "default,lab");
    engine_close(f->conn);
    f->conn = engine_open("test:///default", &err);
    assert_non_null(f->conn);
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "default");
    char path[600];
    snprintf(path, sizeof(path), "%s/config", f->dir);
    assert_int_equal(dir_entries(path), 0);
    snprintf(path, sizeof(path), "%s/run", f->dir);
    assert_int_equal(dir_entries(path), 0);
}

/* ---- qemu:///session ---- */

/* A path under the fixture's config dir for the qemu driver. */
static char *config_path(struct fixture *f, const char *rel)
{
    char *p = NULL;
    if (asprintf(&p, "%s/config/qemu/%s", f->dir, rel) < 0)
        fail_msg("asprintf");
    return p;
}

/* Write text to path. */
static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

/* A definition lands in CONFIG_DIR/qemu/networks/NAME.xml (0600 in a 0700 dir), exactly as
 * dumped; the network is inactive; domains do not see the networks dir. */
static void test_qemu_define_files(void **state)
{
    struct fixture *f = *state;
    char buf[512];
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "");
    define_ok(f->conn, NET_XML("lab", UUID_A, "  <bridge name='br-lab' forwardDelay='2'/>\n"));
    char *file = config_path(f, "networks/lab.xml"), *dir = config_path(f, "networks");
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char *text = testutil_read(file);
    char *xml = get_xml(f->conn, "lab", 0);
    assert_string_equal(text, xml);
    assert_non_null(strstr(xml, "<bridge name='br-lab' stp='on' delay='2'/>"));
    char *inactive = get_xml(f->conn, "lab", ENGINE_XML_INACTIVE);
    assert_string_equal(inactive, xml);
    free(inactive);
    free(xml);
    free(text);
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "lab");
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ACTIVE, buf, sizeof(buf)), "");
    struct engine_network_info info = lookup(f->conn, UUID_A);
    assert_string_equal(info.name, "lab");
    assert_false(info.active);
    assert_true(info.persistent);
    assert_false(info.autostart);
    assert_string_equal(info.subnet, "10.9.0.0/24");
    assert_string_equal(info.dhcp, "10.9.0.10-10.9.0.20");
    struct engine_domain_info *doms = NULL;
    size_t n = 9;
    struct vmerr err = {0};
    assert_int_equal(engine_domain_list(f->conn, ENGINE_LIST_ALL, &doms, &n, &err), 0);
    assert_int_equal(n, 0);
    free(doms);
    /* a second connection (another vmdeck process would do the same) sees it */
    struct engine_conn *second = engine_open("qemu:///session", &err);
    assert_non_null(second);
    info = lookup(second, "lab");
    assert_string_equal(info.bridge, "br-lab");
    engine_close(second);
    free(file);
    free(dir);
}

/* Bridge names are picked among free virbrN names (other networks and host interfaces
 * excluded); clashes of names, uuids and bridges are refused. */
static void test_qemu_bridges_and_clashes(void **state)
{
    struct fixture *f = *state;
    define_ok(f->conn, NET_XML("one", UUID_A, ""));
    define_ok(f->conn, NET_XML("two", UUID_B, ""));
    struct engine_network_info one = lookup(f->conn, "one"), two = lookup(f->conn, "two");
    assert_int_equal(strncmp(one.bridge, "virbr", 5), 0);
    assert_int_equal(strncmp(two.bridge, "virbr", 5), 0);
    assert_string_not_equal(one.bridge, two.bridge);
    assert_int_equal(if_nametoindex(one.bridge), 0);
    assert_int_equal(if_nametoindex(two.bridge), 0);
    define_fails(f->conn, NET_XML("one", UUID_B, ""), VMERR_DUPLICATE,
                 "network 'one' is already defined with uuid " UUID_A);
    define_fails(f->conn, NET_XML("three", UUID_A, ""), VMERR_DUPLICATE,
                 "network 'one' already has uuid " UUID_A);
    char bridge[100], xml[1024];
    snprintf(bridge, sizeof(bridge), "  <bridge name='%s'/>\n", one.bridge);
    snprintf(xml, sizeof(xml),
             "<network><name>three</name>%s<ip address='10.1.0.1' prefix='16'/></network>", bridge);
    char want[200];
    snprintf(want, sizeof(want), "bridge name '%s' is already used by network 'one'", one.bridge);
    define_fails(f->conn, xml, VMERR_DUPLICATE, want);
    /* redefinition with the same name and uuid replaces the file */
    define_ok(f->conn, NET_XML("one", UUID_A, "  <bridge name='br-one'/>\n"));
    assert_string_equal(lookup(f->conn, "one").bridge, "br-one");
    char buf[512];
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "one,two");
}

/* Undefine removes the file and the autostart mark; a broken file still gets a row, can be
 * undefined, and its dump names the file and line. */
static void test_qemu_undefine_broken_autostart(void **state)
{
    struct fixture *f = *state;
    define_ok(f->conn, NET_XML("lab", UUID_A, ""));
    char *autodir = config_path(f, "networks/autostart");
    char *mark = config_path(f, "networks/autostart/lab.xml");
    assert_int_equal(mkdir(autodir, 0700), 0);
    write_file(mark, "");
    assert_true(lookup(f->conn, "lab").autostart);
    struct vmerr err = {0};
    assert_int_equal(engine_network_undefine(f->conn, UUID_A, &err), 0);
    assert_int_not_equal(access(mark, F_OK), 0);
    char *file = config_path(f, "networks/lab.xml");
    assert_int_not_equal(access(file, F_OK), 0);
    assert_int_equal(engine_network_undefine(f->conn, "lab", &err), -1);
    expect_no_network(&err, "lab");
    assert_int_equal(engine_network_undefine(f->conn, "../lab", &err), -1);
    expect_no_network(&err, "../lab");

    char *broken = config_path(f, "networks/broken.xml");
    write_file(broken, "<network>\n  <name>broken</name>\n  <bridge stp='sometimes'/>\n"
                       "</network>\n");
    char buf[512];
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "broken");
    struct engine_network_info info = lookup(f->conn, "broken");
    assert_string_equal(info.uuid, "");
    assert_null(engine_network_get_xml(f->conn, "broken", 0, &err));
    assert_int_equal(err.code, VMERR_XML);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.file, broken);
    /* defining the same name again replaces the broken file */
    define_ok(f->conn, NET_XML("broken", UUID_B, ""));
    assert_string_equal(lookup(f->conn, "broken").uuid, UUID_B);
    assert_int_equal(engine_network_undefine(f->conn, "broken", &err), 0);
    assert_string_equal(list_names(f->conn, ENGINE_LIST_ALL, buf, sizeof(buf)), "");
    free(autodir);
    free(mark);
    free(file);
    free(broken);
}

/* Run define of name/uuid in a child process; its exit status says what happened:
 * 0 defined, 1 duplicate, 2 other error. */
static pid_t define_in_child(const char *name, const char *uuid)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    struct vmerr err = {0};
    struct engine_conn *conn = engine_open("qemu:///session", &err);
    char xml[512];
    snprintf(xml, sizeof(xml), "<network><name>%s</name><uuid>%s</uuid></network>", name, uuid);
    int rc = conn ? engine_network_define_xml(conn, xml, "child.xml", NULL, &err) : -1;
    engine_close(conn);
    _exit(rc == 0 ? 0 : err.code == VMERR_DUPLICATE ? 1 : 2);
}

/* Processes defining at the same time are serialised: of several networks with one uuid,
 * exactly one is defined; networks without a bridge all get different bridge names. */
static void test_qemu_concurrent_defines(void **state)
{
    struct fixture *f = *state;
    enum { KIDS = 6, ROUNDS = 5 };
    for (int round = 0; round < ROUNDS; round++) {
        pid_t pids[KIDS];
        char uuid[40];
        snprintf(uuid, sizeof(uuid), "c0000000-0000-4000-8000-0000000000%02d", round);
        for (int k = 0; k < KIDS; k++) {
            char name[32];
            snprintf(name, sizeof(name), "race%d-%d", round, k);
            pids[k] = define_in_child(name, uuid);
            assert_true(pids[k] > 0);
        }
        int defined = 0, duplicates = 0;
        for (int k = 0; k < KIDS; k++) {
            int status = 0;
            assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
            assert_true(WIFEXITED(status));
            defined += WEXITSTATUS(status) == 0;
            duplicates += WEXITSTATUS(status) == 1;
        }
        assert_int_equal(defined, 1);
        assert_int_equal(duplicates, KIDS - 1);
    }
    pid_t pids[KIDS];
    for (int k = 0; k < KIDS; k++) {
        char name[32], uuid[40];
        snprintf(name, sizeof(name), "par%d", k);
        snprintf(uuid, sizeof(uuid), "d0000000-0000-4000-8000-0000000000%02d", k);
        pids[k] = define_in_child(name, uuid);
    }
    for (int k = 0; k < KIDS; k++) {
        int status = 0;
        assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    struct engine_network_info *nets = NULL;
    size_t n = 0;
    struct vmerr err = {0};
    assert_int_equal(engine_network_list(f->conn, ENGINE_LIST_ALL, &nets, &n, &err), 0);
    assert_int_equal(n, ROUNDS + KIDS);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(nets[i].bridge, nets[j].bridge);
    free(nets);
}

/* Free the compiled schemas so leak checkers see a clean exit. */
static int teardown_group(void **state)
{
    schema_cleanup();
    return 0;
}

/* Run every test of this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_test_default, setup_test, teardown),
        cmocka_unit_test_setup_teardown(test_test_define_undefine, setup_test, teardown),
        cmocka_unit_test_setup_teardown(test_test_clashes, setup_test, teardown),
        cmocka_unit_test_setup_teardown(test_test_live_vs_persistent, setup_test, teardown),
        cmocka_unit_test_setup_teardown(test_test_shared_state, setup_test, teardown),
        cmocka_unit_test_setup_teardown(test_qemu_define_files, setup_qemu, teardown),
        cmocka_unit_test_setup_teardown(test_qemu_bridges_and_clashes, setup_qemu, teardown),
        cmocka_unit_test_setup_teardown(test_qemu_undefine_broken_autostart, setup_qemu, teardown),
        cmocka_unit_test_setup_teardown(test_qemu_concurrent_defines, setup_qemu, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_group);
}
