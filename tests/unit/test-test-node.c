/* test-test-node: test:///PATH.xml through the real engine API: a libvirt-style node file
 * (inline and file='...' definitions, <test:runstate>, libvirt's skipped elements) gives
 * the domains and networks it describes in the states it asks for; each connection gets
 * its own copy while test:///default keeps its built-in domains; every bad file is one
 * error naming the file and the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "engine/engine.h"
#include "testutil.h"

/* The node file of most tests: two inline domains (one shut off), one by file, a network,
 * and libvirt's <cpu>/<memory> elements. */
static const char node_xml[] = "<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
                               "  <!-- like libvirt's examples/xml/test/testnode.xml -->\n"
                               "  <domain type='qemu'>\n"
                               "    <name>web1</name>\n"
                               "    <memory unit='MiB'>256</memory>\n"
                               "    <os><type arch='x86_64'>hvm</type></os>\n"
                               "  </domain>\n"
                               "  <domain type='qemu'>\n"
                               "    <name>db1</name>\n"
                               "    <memory unit='MiB'>512</memory>\n"
                               "    <vcpu>2</vcpu>\n"
                               "    <os><type>hvm</type></os>\n"
                               "    <test:runstate>5</test:runstate>\n"
                               "  </domain>\n"
                               "  <domain file='extra.xml'/>\n"
                               "  <network>\n"
                               "    <name>lan</name>\n"
                               "    <bridge name='br9'/>\n"
                               "    <ip address='10.9.0.1' prefix='24'/>\n"
                               "  </network>\n"
                               "  <cpu><mhz>6000</mhz></cpu>\n"
                               "  <memory>8192000</memory>\n"
                               "</node>\n";

/* The domain extra.xml holds: paused. */
static const char extra_xml[] =
    "<domain type='kvm'>\n"
    "  <name>extra</name>\n"
    "  <memory>131072</memory>\n"
    "  <os><type>hvm</type></os>\n"
    "  <test:runstate xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>3</test:runstate>\n"
    "</domain>\n";

/* Per-test fixture: a temp dir for node files. */
struct fixture {
    char *dir;
};

/* Make the temp dir. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_tmpdir("node");
    *state = f;
    return 0;
}

/* Remove the temp dir. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Write text to DIR/name; returns the path (caller frees). */
static char *write_file(struct fixture *f, const char *name, const char *text)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", f->dir, name) > 0);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* Open test://PATH; NULL with err filled when it fails. */
static struct engine_conn *open_node(const char *path, struct vmerr *err)
{
    char uri[512];
    snprintf(uri, sizeof(uri), "test://%s", path);
    return engine_open(uri, err);
}

/* The domains, networks and states the node file describes. */
static void test_node_loads(void **state)
{
    struct fixture *f = *state;
    free(write_file(f, "extra.xml", extra_xml));
    char *path = write_file(f, "node.xml", node_xml);
    struct vmerr err = {0};
    struct engine_conn *conn = open_node(path, &err);
    assert_non_null(conn);
    char canon[512];
    snprintf(canon, sizeof(canon), "test://%s", path);
    assert_string_equal(engine_uri(conn), canon);

    struct engine_domain_info *doms = NULL;
    size_t n = 0;
    assert_int_equal(engine_domain_list(conn, ENGINE_LIST_ALL, &doms, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(doms[0].name, "web1"); /* running by default, as in libvirt */
    assert_int_equal(doms[0].state, ENGINE_DOMAIN_RUNNING);
    assert_int_equal(doms[0].id, 1);
    assert_int_equal(doms[0].memory_kib, 256 * 1024);
    assert_string_equal(doms[1].name, "extra");
    assert_int_equal(doms[1].state, ENGINE_DOMAIN_PAUSED);
    assert_int_equal(doms[1].id, 2);
    assert_string_equal(doms[2].name, "db1");
    assert_int_equal(doms[2].state, ENGINE_DOMAIN_SHUTOFF);
    assert_int_equal(doms[2].id, -1);
    assert_int_equal(doms[2].vcpus, 2);
    free(doms);

    struct engine_network_info *nets = NULL;
    assert_int_equal(engine_network_list(conn, ENGINE_LIST_ALL, &nets, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(nets[0].name, "lan");
    assert_true(nets[0].active);
    assert_string_equal(nets[0].bridge, "br9");
    assert_string_equal(nets[0].subnet, "10.9.0.0/24");
    free(nets);

    /* the hypervisor works as test:///default's does */
    assert_int_equal(engine_domain_start(conn, "db1", &err), 0);
    assert_int_equal(engine_domain_resume(conn, "extra", &err), 0);
    struct engine_domain_info info;
    assert_int_equal(engine_domain_lookup(conn, "db1", &info, &err), 0);
    assert_int_equal(info.state, ENGINE_DOMAIN_RUNNING);
    assert_int_equal(info.id, 3);

    /* a second connection to the same file starts from the file again */
    struct engine_conn *again = open_node(path, &err);
    assert_non_null(again);
    assert_int_equal(engine_domain_lookup(again, "db1", &info, &err), 0);
    assert_int_equal(info.state, ENGINE_DOMAIN_SHUTOFF);
    engine_close(again);

    /* test:///default still has its built-in domains, not the file's */
    struct engine_conn *def = engine_open("test:///default", &err);
    assert_non_null(def);
    assert_int_equal(engine_domain_lookup(def, "test", &info, &err), 0);
    assert_int_equal(engine_domain_lookup(def, "web1", &info, &err), -1);
    assert_int_equal(err.code, VMERR_NO_DOMAIN);
    struct engine_network_info ninfo;
    assert_int_equal(engine_network_lookup(def, "default", &ninfo, &err), 0);
    assert_int_equal(engine_network_lookup(conn, "default", &ninfo, &err), -1);
    engine_close(def);
    engine_close(conn);
    free(path);
}

/* Both spellings of a file URI (test:///path and libvirt's test:////path) open the file. */
static void test_node_uri_spellings(void **state)
{
    struct fixture *f = *state;
    free(write_file(f, "extra.xml", extra_xml));
    char *path = write_file(f, "node.xml", node_xml);
    char uri[512];
    snprintf(uri, sizeof(uri), "test:///%s", path); /* four slashes in all */
    struct vmerr err = {0};
    struct engine_conn *conn = engine_open(uri, &err);
    assert_non_null(conn);
    struct engine_domain_info info;
    assert_int_equal(engine_domain_lookup(conn, "web1", &info, &err), 0);
    engine_close(conn);
    conn = engine_open("test:///nosuchname", &err);
    assert_null(conn);
    assert_int_equal(err.code, VMERR_URI);
    free(path);
}

/* One bad node file: the error names the file, the line and says what is wrong. */
static void expect_error(struct fixture *f, const char *text, int line, const char *words)
{
    free(write_file(f, "extra.xml", extra_xml));
    char *path = write_file(f, "bad.xml", text);
    struct vmerr err = {0};
    struct engine_conn *conn = open_node(path, &err);
    char buf[1400];
    vmerr_line(&err, buf, sizeof(buf));
    if (conn || err.line != line || !strstr(err.message, words) || strcmp(err.file, path))
        fail_msg("expected %s:%d: ...%s..., got %s", path, line, words, conn ? "success" : buf);
    engine_close(conn);
    free(path);
}

/* Every kind of bad file is one error with its line. */
static void test_node_errors(void **state)
{
    struct fixture *f = *state;
    expect_error(f,
                 "<node>\n  <domain type='qemu'>\n    <name>a</name>\n    <vcpu>x</vcpu>\n"
                 "    <memory>1024</memory><os><type>hvm</type></os>\n  </domain>\n</node>\n",
                 4, "'x' is not a number");
    expect_error(f, "<node>\n\n  <cpuu/>\n</node>\n", 3, "did you mean <cpu>");
    expect_error(f,
                 "<node>\n  <domain type='qemu'><name>a</name><memory>1024</memory>\n"
                 "    <os><type>hvm</type></os></domain>\n"
                 "  <domain type='qemu'><name>a</name><memory>1024</memory>\n"
                 "    <os><type>hvm</type></os></domain>\n</node>\n",
                 4, "domain 'a' is defined twice");
    expect_error(f, "<node>\n  <domain type='qemu'>\n", 2, "not well formed");
    expect_error(f, "<domain type='qemu'/>\n", 1, "expected <node>");
    expect_error(f,
                 "<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
                 "  <domain type='qemu'><name>a</name><memory>1024</memory>\n"
                 "    <os><type>hvm</type></os>\n    <test:runstate>9</test:runstate>\n"
                 "  </domain>\n</node>\n",
                 4, "out of range");
    expect_error(f,
                 "<node>\n  <network><name>n</name><bridge name='b0'/></network>\n"
                 "  <network><name>m</name><bridge name='b0'/></network>\n</node>\n",
                 3, "already used by network 'n'");
    expect_error(f, "<!DOCTYPE node [<!ENTITY a 'b'>]>\n<node/>\n", 1, "DOCTYPE");
    expect_error(f, "<?xml version='1.0'?>\n<!-- a comment -->\n<!DOCTYPE node>\n<node/>\n", 3,
                 "DOCTYPE");
    expect_error(f,
                 "<node>\n  <domain type='qemu'><name>a</name><memory>1024</memory>\n"
                 "    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
                 "    <os><type>hvm</type></os></domain>\n"
                 "  <domain type='qemu'><name>b</name><memory>1024</memory>\n"
                 "    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
                 "    <os><type>hvm</type></os></domain>\n</node>\n",
                 5, "have the same uuid");
    expect_error(f, "<node>\n  hello\n</node>\n", 1, "text is not allowed");
    expect_error(f,
                 "<node>\n  <domain type='qemu'><name>a</name><memory>1024</memory>\n"
                 "    <os><type>hvm</type></os><devcies/></domain>\n</node>\n",
                 3, "did you mean <devices>");
    expect_error(f, "<node>\n  <foo:x xmlns:foo='urn:x'/>\n</node>\n", 2, "unknown element");
    expect_error(f,
                 "<node>\n  <domain file='extra.xml'>\n    <name>x</name>\n  </domain>\n"
                 "</node>\n",
                 2, "must be empty");
    expect_error(f, "<node>\n  <domain type='qemu'>\xff</domain>\n</node>\n", 2, "UTF-8");

    /* an error inside a file='...' definition names that file and its line */
    free(write_file(f, "broken.xml",
                    "<domain type='qemu'>\n  <name>b</name>\n  <vcpu>y</vcpu>\n"
                    "  <memory>1024</memory><os><type>hvm</type></os>\n"
                    "</domain>\n"));
    char *node = write_file(f, "node2.xml", "<node>\n  <domain file='broken.xml'/>\n</node>\n");
    struct vmerr e2 = {0};
    assert_null(open_node(node, &e2));
    char *broken = NULL;
    assert_true(asprintf(&broken, "%s/broken.xml", f->dir) > 0);
    assert_string_equal(e2.file, broken);
    assert_int_equal(e2.line, 3);
    assert_non_null(strstr(e2.message, "'y' is not a number"));
    free(broken);
    free(node);

    /* a file='...' that is missing names the file it looked for */
    char *path = write_file(f, "missing.xml", "<node>\n  <domain file='nope.xml'/>\n</node>\n");
    struct vmerr err = {0};
    assert_null(open_node(path, &err));
    assert_non_null(strstr(err.message, "nope.xml"));
    free(path);
    /* so does a missing node file */
    assert_null(engine_open("test:///nonexistent/dir/node.xml", &err));
    assert_non_null(strstr(err.message, "cannot read /nonexistent/dir/node.xml"));
}

/* A node file over the 1 MiB one definition may have (4,000 domains, ~1.3 MB) loads. */
static void test_node_large(void **state)
{
    struct fixture *f = *state;
    size_t cap = 4 * 1024 * 1024, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "<node>\n");
    for (int i = 0; i < 4000; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "  <domain type='qemu'>\n    <name>vm%04d</name>\n"
                                "    <memory unit='MiB'>256</memory>\n    <vcpu>1</vcpu>\n"
                                "    <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
                                "    <devices><serial type='pty'/></devices>\n"
                                "    <!-- padding so the file is over 1 MiB .............. -->\n"
                                "  </domain>\n",
                                i);
    len += (size_t)snprintf(text + len, cap - len, "</node>\n");
    assert_true(len > 1024 * 1024);
    char *path = write_file(f, "large.xml", text);
    free(text);
    struct vmerr err = {0};
    struct engine_conn *conn = open_node(path, &err);
    if (!conn)
        fail_msg("%s", err.message);
    struct engine_domain_info *doms = NULL;
    size_t n = 0;
    assert_int_equal(engine_domain_list(conn, ENGINE_LIST_ALL, &doms, &n, &err), 0);
    assert_int_equal(n, 4000);
    assert_string_equal(doms[3999].name, "vm3999");
    assert_int_equal(doms[3999].id, 4000);
    free(doms);
    engine_close(conn);
    free(path);
}

/* A running domain whose node file names an existing PTY (the slave end) gets it as its
 * console: bytes the "guest" writes into the master come out of the console fd, bytes
 * written to the console fd come out of the master; a dummy tty is still refused. */
static void test_node_real_pty(void **state)
{
    struct fixture *f = *state;
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    struct termios tio;
    assert_int_equal(tcgetattr(master, &tio), 0);
    cfmakeraw(&tio);
    assert_int_equal(tcsetattr(master, TCSANOW, &tio), 0);
    assert_int_equal(fcntl(master, F_SETFL, O_NONBLOCK), 0);
    char text[2048];
    snprintf(text, sizeof(text),
             "<node>\n"
             "  <domain type='qemu'><name>ttyvm</name><memory>131072</memory>\n"
             "    <os><type>hvm</type></os>\n"
             "    <devices><serial type='pty'><source path='%s'/></serial></devices>\n"
             "  </domain>\n"
             "  <domain type='qemu'><name>fake</name><memory>131072</memory>\n"
             "    <os><type>hvm</type></os>\n"
             "    <devices><console type='pty' tty='/dev/pts/test'/></devices>\n"
             "  </domain>\n"
             "</node>\n",
             ptsname(master));
    char *path = write_file(f, "pty.xml", text);
    struct vmerr err = {0};
    struct engine_conn *conn = open_node(path, &err);
    if (!conn)
        fail_msg("%s", err.message);
    struct engine_domain_info info;
    assert_int_equal(engine_domain_lookup(conn, "ttyvm", &info, &err), 0);
    assert_true(info.has_console);
    char *xml = engine_domain_get_xml(conn, "ttyvm", 0, &err);
    assert_non_null(xml);
    assert_non_null(strstr(xml, ptsname(master)));
    free(xml);
    int fd = -1;
    if (engine_domain_console_open(conn, "ttyvm", &fd, &err) < 0)
        fail_msg("%s", err.message);
    testutil_write_all(master, "guest says hi\r\n");
    char buf[256];
    size_t len = 0;
    assert_true(testutil_read_until(fd, buf, sizeof(buf), &len, "guest says hi", 5000));
    testutil_write_all(fd, "key-from-vmdeck");
    len = 0;
    assert_true(testutil_read_until(master, buf, sizeof(buf), &len, "key-from-vmdeck", 5000));
    close(fd);
    assert_int_equal(engine_domain_lookup(conn, "fake", &info, &err), 0);
    assert_false(info.has_console);
    assert_int_equal(engine_domain_console_open(conn, "fake", &fd, &err), -1);
    assert_non_null(strstr(err.message, "no real console"));
    engine_close(conn);
    close(master);
    free(path);
}

/* Run every node-file test, each in a fresh temp dir. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_node_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_uri_spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_real_pty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
