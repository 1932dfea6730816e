/* test-network-lifecycle: engine_network_start / _destroy / _set_autostart /
 * _autostart_run against the test driver (test:///default): state changes seen by list and
 * lookup, live vs persistent XML after a redefine, errors for starting an active network
 * or stopping an inactive one (one line naming it, nothing changed), transient networks
 * vanishing on destroy, autostart marks and the boot-time autostart run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "testutil.h"

/* An isolated network with a DHCP range, no <forward>. */
#define LAN_XML(addr)                                                                              \
    "<network>\n"                                                                                  \
    "  <name>lan</name>\n"                                                                         \
    "  <uuid>c0000000-0000-4000-8000-00000000000c</uuid>\n"                                        \
    "  <bridge name='vmdlan0'/>\n"                                                                 \
    "  <ip address='" addr ".1' prefix='24'>\n"                                                    \
    "    <dhcp><range start='" addr ".10' end='" addr ".20'/></dhcp>\n"                            \
    "  </ip>\n"                                                                                    \
    "</network>\n"

/* Per-test fixture: isolated state dirs and one test:///default connection. */
struct fixture {
    char *dir;
    struct engine_conn *conn;
};

/* Open test:///default in fresh state dirs. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_isolate("netlife");
    struct vmerr err = {0};
    f->conn = engine_open("test:///default", &err);
    if (!f->conn)
        fail_msg("engine_open: %s", err.message);
    *state = f;
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

/* Look a network up or fail the test. */
static struct engine_network_info lookup(struct engine_conn *conn, const char *name)
{
    struct engine_network_info info;
    struct vmerr err = {0};
    if (engine_network_lookup(conn, name, &info, &err) < 0)
        fail_msg("lookup %s: %s", name, err.message);
    return info;
}

/* Fail the test unless rc is 0. */
static void expect_ok(int rc, const struct vmerr *err, const char *what)
{
    if (rc != 0)
        fail_msg("%s: %s", what, err->message);
}

/* Fail the test unless rc is -1 with code and exactly message. */
static void expect_err(int rc, const struct vmerr *err, enum vmerr_code code, const char *message)
{
    assert_int_equal(rc, -1);
    assert_int_equal(err->code, code);
    assert_string_equal(err->message, message);
}

/* 'default' stops and starts; list filters follow the state. */
static void test_destroy_start_default(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    expect_ok(engine_network_destroy(f->conn, "default", &err), &err, "destroy");
    struct engine_network_info info = lookup(f->conn, "default");
    assert_false(info.active);
    assert_true(info.persistent);
    assert_string_equal(info.bridge, "virbr0");
    assert_string_equal(info.forward, "nat");
    assert_string_equal(info.forward_dev, "");
    struct engine_network_info *nets = NULL;
    size_t n = 9;
    assert_int_equal(engine_network_list(f->conn, ENGINE_LIST_ACTIVE, &nets, &n, &err), 0);
    assert_int_equal(n, 0);
    free(nets);
    expect_err(engine_network_destroy(f->conn, "default", &err), &err, VMERR_OPERATION_INVALID,
               "network 'default' is not active");
    expect_ok(engine_network_start(f->conn, "default", &err), &err, "start");
    assert_true(lookup(f->conn, "default").active);
    expect_err(engine_network_start(f->conn, "default", &err), &err, VMERR_OPERATION_INVALID,
               "network 'default' is already active");
    assert_true(lookup(f->conn, "default").active);
}

/* Missing networks are named in the error. */
static void test_missing(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    expect_err(engine_network_start(f->conn, "nope", &err), &err, VMERR_NO_NETWORK,
               "network 'nope' not found");
    expect_err(engine_network_destroy(f->conn, "nope", &err), &err, VMERR_NO_NETWORK,
               "network 'nope' not found");
    expect_err(engine_network_set_autostart(f->conn, "nope", true, &err), &err, VMERR_NO_NETWORK,
               "network 'nope' not found");
}

/* A redefine of an active network changes only the persistent XML until it restarts. */
static void test_redefine_applies_on_restart(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    expect_ok(engine_network_define_xml(f->conn, LAN_XML("10.7.0"), "lan.xml", NULL, &err), &err,
              "define");
    assert_false(lookup(f->conn, "lan").active);
    expect_ok(engine_network_start(f->conn, "lan", &err), &err, "start");
    assert_string_equal(lookup(f->conn, "lan").subnet, "10.7.0.0/24");
    expect_ok(engine_network_define_xml(f->conn, LAN_XML("10.8.0"), "lan.xml", NULL, &err), &err,
              "redefine");
    struct engine_network_info info = lookup(f->conn, "lan");
    assert_true(info.active);
    assert_string_equal(info.subnet, "10.7.0.0/24"); /* the live one */
    char *inactive = engine_network_get_xml(f->conn, "lan", ENGINE_XML_INACTIVE, &err);
    assert_non_null(strstr(inactive, "10.8.0.1"));
    free(inactive);
    expect_ok(engine_network_destroy(f->conn, "lan", &err), &err, "destroy");
    expect_ok(engine_network_start(f->conn, "lan", &err), &err, "start again");
    info = lookup(f->conn, "lan");
    assert_string_equal(info.subnet, "10.8.0.0/24");
    assert_string_equal(info.dhcp, "10.8.0.10-10.8.0.20");
    assert_string_equal(info.forward, "none");
}

/* Undefining an active network leaves it transient; destroying it then removes it. */
static void test_transient_goes_on_destroy(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    expect_ok(engine_network_undefine(f->conn, "default", &err), &err, "undefine");
    struct engine_network_info info = lookup(f->conn, "default");
    assert_true(info.active);
    assert_false(info.persistent);
    expect_err(engine_network_set_autostart(f->conn, "default", true, &err), &err,
               VMERR_OPERATION_INVALID,
               "network 'default' is transient; it cannot be marked for autostart");
    expect_ok(engine_network_destroy(f->conn, "default", &err), &err, "destroy");
    expect_err(engine_network_lookup(f->conn, "default", &info, &err), &err, VMERR_NO_NETWORK,
               "network 'default' not found");
}

/* What engine_network_autostart_run reported, as "name:started|already|error" lines. */
static void record(void *opaque, const char *name, bool already, const struct vmerr *err)
{
    char *buf = opaque;
    snprintf(buf + strlen(buf), 512 - strlen(buf), "%s:%s\n", name,
             err       ? "error"
             : already ? "already"
                       : "started");
}

/* Autostart marks are seen by lookup; the run starts the marked inactive ones only. */
static void test_autostart(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    expect_ok(engine_network_define_xml(f->conn, LAN_XML("10.7.0"), "lan.xml", NULL, &err), &err,
              "define");
    expect_ok(engine_network_set_autostart(f->conn, "lan", true, &err), &err, "mark lan");
    expect_ok(engine_network_set_autostart(f->conn, "default", true, &err), &err, "mark default");
    assert_true(lookup(f->conn, "lan").autostart);
    char buf[512] = "";
    assert_int_equal(engine_network_autostart_run(f->conn, record, buf, &err), 0);
    assert_string_equal(buf, "default:already\nlan:started\n");
    assert_true(lookup(f->conn, "lan").active);
    expect_ok(engine_network_destroy(f->conn, "lan", &err), &err, "destroy");
    expect_ok(engine_network_set_autostart(f->conn, "lan", false, &err), &err, "unmark");
    assert_false(lookup(f->conn, "lan").autostart);
    buf[0] = '\0';
    assert_int_equal(engine_network_autostart_run(f->conn, record, buf, &err), 0);
    assert_string_equal(buf, "default:already\n");
    assert_false(lookup(f->conn, "lan").active);
}

/* Run the tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_destroy_start_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redefine_applies_on_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transient_goes_on_destroy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autostart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
