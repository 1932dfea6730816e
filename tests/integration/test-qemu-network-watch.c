/* test-qemu-network-watch: what the TUI relies on when another process starts or stops a
 * network. In a private network namespace (root; skipped otherwise) this process holds a
 * qemu:///system connection and its engine_watch_fd while the vmdeck binary runs
 * net-start, net-destroy and net-autostart: each must make the watch fd readable within a
 * second (no polling), and the next lookup must show the new state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "testutil.h"

#define URI "qemu:///system"

extern char **environ;

/* An isolated network: a bridge with an address, no DHCP. */
static const char wnet_xml[] = "<network>\n"
                               "  <name>wnet</name>\n"
                               "  <bridge name='vmdwatch0'/>\n"
                               "  <ip address='10.91.0.1' prefix='24'/>\n"
                               "</network>\n";

/* What the tests share. */
struct fixture {
    char *dir;
    struct engine_conn *conn;
    bool skip;
};

/* Run argv (no shell), output to /dev/null; its exit status, -1 if it could not run. */
static int run(const char *const *argv)
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Run the vmdeck binary with verb and name on URI; its exit status. */
static int vmdeck(const char *verb, const char *opt, const char *name)
{
    const char *argv[] = {testutil_vmdeck_bin(), "-c", URI, verb, opt ? opt : name,
                          opt ? name : NULL,     NULL};
    return run(argv);
}

/* Group setup: a network namespace of our own, isolated dirs, a connection, wnet defined. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    *state = f;
    if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
        print_message("skipped: not root (no private network namespace)\n");
        f->skip = true;
        return 0;
    }
    const char *up[] = {"ip", "link", "set", "lo", "up", NULL};
    if (run(up) != 0)
        fail_msg("'ip link set lo up' failed in the new namespace");
    f->dir = testutil_isolate("qnetw");
    struct vmerr err = {0};
    f->conn = engine_open(URI, &err);
    if (!f->conn || engine_network_define_xml(f->conn, wnet_xml, "wnet.xml", NULL, &err) < 0) {
        print_error("%s: %s\n", URI, err.message);
        return -1;
    }
    return 0;
}

/* Group teardown: stop the network, remove the dirs. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    if (!f->skip) {
        struct vmerr err;
        engine_network_destroy(f->conn, "wnet", &err);
        engine_close(f->conn);
        testutil_rm_rf(f->dir);
        free(f->dir);
    }
    free(f);
    return 0;
}

/* Whether fd turns readable within ms milliseconds. */
static bool readable_within(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Look wnet up or fail the test. */
static struct engine_network_info wnet(struct engine_conn *conn)
{
    struct engine_network_info info;
    struct vmerr err = {0};
    if (engine_network_lookup(conn, "wnet", &info, &err) < 0)
        fail_msg("lookup wnet: %s", err.message);
    return info;
}

/* Start, destroy and autostart from other processes each wake the watch fd. */
static void test_watch_sees_other_processes(void **state)
{
    struct fixture *f = *state;
    if (f->skip)
        skip();
    int fd = engine_watch_fd(f->conn);
    assert_true(fd >= 0);
    engine_watch_drain(f->conn);
    assert_false(readable_within(fd, 100)); /* quiet while nothing happens */

    assert_int_equal(vmdeck("net-start", NULL, "wnet"), 0);
    assert_true(readable_within(fd, 1000));
    engine_watch_drain(f->conn);
    struct engine_network_info info = wnet(f->conn);
    assert_true(info.active);
    assert_string_equal(info.bridge, "vmdwatch0");
    assert_string_equal(info.state_reason, "");

    assert_int_equal(vmdeck("net-autostart", NULL, "wnet"), 0);
    assert_true(readable_within(fd, 1000));
    engine_watch_drain(f->conn);
    assert_true(wnet(f->conn).autostart);

    assert_int_equal(vmdeck("net-destroy", NULL, "wnet"), 0);
    assert_true(readable_within(fd, 1000));
    engine_watch_drain(f->conn);
    assert_false(wnet(f->conn).active);

    assert_int_equal(vmdeck("net-autostart", "--disable", "wnet"), 0);
    assert_true(readable_within(fd, 1000));
    engine_watch_drain(f->conn);
    assert_false(wnet(f->conn).autostart);
}

/* Run the tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watch_sees_other_processes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
