/* test-qemu-net: NICs on real guests under TCG. Two guests on one multicast segment
 * (<interface type='mcast'>, one virtio-net, one e1000) ping each other, and a server/client
 * pair (QEMU socket netdevs on 127.0.0.1) do the same. Addresses come from the kernel cmdline
 * (vmdeck.ip=, read by the test guest's /init). As root the test runs in a fresh network
 * namespace (lo up, 224.0.0.0/4 routed to lo), so it touches no host interface and no port
 * on the host; otherwise it needs a multicast route in the current namespace or skips. Also
 * the guest's vmdeck.dhcp=1 (a lease from SLIRP) and vmdeck.noacpid=1 switches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/store.h"
#include "testutil.h"

#define URI "qemu:///session"
/* A TCG boot takes ~5 s alone; two at once on 2 busy cores take longer. */
#define SHELL_TIMEOUT_MS 90000
#define PING_TIMEOUT_MS 30000

extern char **environ;

/* What the tests share. */
struct fixture {
    char *dir;
    struct engine_conn *conn;
    bool netns; /* in a namespace of our own */
    bool skip;  /* neither a namespace of our own nor a multicast route here */
};

/* Run argv (no shell) and return its exit status, -1 if it could not run. */
static int run(const char *const *argv)
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", 0, 0);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* A fresh network namespace with lo up and multicast routed to lo (root only). */
static bool net_private_namespace(void)
{
    if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
        return false;
    const char *up[] = {"ip", "link", "set", "lo", "up", NULL};
    const char *route[] = {"ip", "route", "add", "224.0.0.0/4", "dev", "lo", NULL};
    if (run(up) != 0 || run(route) != 0)
        fail_msg("new network namespace: 'ip link set lo up' or 'ip route add 224.0.0.0/4 "
                 "dev lo' failed");
    return true;
}

/* Group setup: private namespace (or a multicast route here), isolated dirs, a connection. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->netns = net_private_namespace();
    if (!f->netns) {
        const char *get[] = {"ip", "route", "get", "230.0.0.1", NULL};
        if (run(get) != 0) {
            print_message("skipped: not root (no private network namespace) and no route for "
                          "multicast 230.0.0.1 here\n");
            f->skip = true;
            *state = f;
            return 0;
        }
        print_message("not root: using this network namespace's multicast route\n");
    }
    f->dir = testutil_isolate("qnet");
    struct vmerr err = {0};
    f->conn = engine_open(URI, &err);
    if (!f->conn) {
        print_error("open %s: %s\n", URI, err.message);
        return -1;
    }
    *state = f;
    return 0;
}

/* Group teardown: destroy whatever still runs, remove the dirs. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->skip) {
        free(f);
        return 0;
    }
    const char *names[] = {"mc1", "mc2", "sv", "cl", "dh"};
    struct vmerr err;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        engine_domain_destroy(f->conn, names[i], &err);
        engine_domain_undefine(f->conn, names[i], &err);
    }
    engine_close(f->conn);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Define and start guest name with one NIC (iface is the <interface> XML) and address ip. */
static void net_start(struct fixture *f, const char *name, const char *ip, const char *iface)
{
    char *cmdline = store_printf("vmdeck.ip=%s/24", ip);
    char *xml = testutil_guest_xml(name, "--cmdline", cmdline, "--device", iface, NULL);
    free(cmdline);
    struct vmerr err = {0};
    if (engine_domain_define_xml(f->conn, xml, name, NULL, &err) < 0)
        fail_msg("define %s: %s\n%s", name, err.message, xml);
    free(xml);
    if (engine_domain_start(f->conn, name, &err) < 0)
        fail_msg("start %s: %s", name, err.message);
}

/* The guest's console once its shell answers. */
static int net_shell(struct fixture *f, const char *name)
{
    struct vmerr err = {0};
    int fd = -1;
    if (engine_domain_console_open(f->conn, name, &fd, &err) < 0)
        fail_msg("console %s: %s", name, err.message);
    static char buf[65536];
    size_t len = 0;
    long long deadline = testutil_now_ms() + SHELL_TIMEOUT_MS;
    while (testutil_now_ms() < deadline) {
        testutil_write_all(fd, "echo $((6*7))marker\n");
        if (testutil_read_until(fd, buf, sizeof(buf), &len, "42marker", 3000))
            return fd;
    }
    fail_msg("the shell of %s did not answer within %d ms; console shows:\n%s", name,
             SHELL_TIMEOUT_MS, buf);
    return -1;
}

/* From the guest on fd (called name), ping ip; fail with the console text if no reply. */
static void net_ping(int fd, const char *name, const char *ip)
{
    char cmd[160], buf[16384];
    size_t len = 0;
    /* the marker is computed, so the echoed command line never matches it */
    snprintf(cmd, sizeof(cmd), "ping -c 2 -W 3 %s && echo ping-$((40+2))-ok || echo ping-failed\n",
             ip);
    long long t0 = testutil_now_ms();
    testutil_write_all(fd, cmd);
    if (!testutil_read_until(fd, buf, sizeof(buf), &len, "ping-42-ok", PING_TIMEOUT_MS))
        fail_msg("%s could not ping %s; console shows:\n%s", name, ip, buf);
    print_message("%s -> %s answered (%lld ms)\n", name, ip, testutil_now_ms() - t0);
}

/* Both guests of a pair answer each other's pings, then are destroyed. */
static void net_pair(struct fixture *f, const char *a, const char *ip_a, const char *b,
                     const char *ip_b)
{
    int fa = net_shell(f, a), fb = net_shell(f, b);
    net_ping(fa, a, ip_b);
    net_ping(fb, b, ip_a);
    close(fa);
    close(fb);
    struct vmerr err = {0};
    if (engine_domain_destroy(f->conn, a, &err) < 0 || engine_domain_destroy(f->conn, b, &err) < 0)
        fail_msg("destroy: %s", err.message);
}

/* Two guests on one multicast segment (virtio-net and e1000) ping each other. */
static void test_mcast(void **state)
{
    struct fixture *f = *state;
    if (f->skip)
        skip();
    net_start(f, "mc1", "10.0.5.1",
              "<interface type='mcast'><mac address='52:54:00:05:00:01'/>"
              "<source address='230.0.0.1' port='5558'/><model type='virtio'/></interface>");
    net_start(f, "mc2", "10.0.5.2",
              "<interface type='mcast'><mac address='52:54:00:05:00:02'/>"
              "<source address='230.0.0.1' port='5558'/><model type='e1000'/></interface>");
    net_pair(f, "mc1", "10.0.5.1", "mc2", "10.0.5.2");
}

/* A server/client socket pair (the server starts first: the client connects at start). */
static void test_server_client(void **state)
{
    struct fixture *f = *state;
    if (f->skip)
        skip();
    net_start(f, "sv", "10.0.6.1",
              "<interface type='server'><mac address='52:54:00:06:00:01'/>"
              "<source address='127.0.0.1' port='5559'/><model type='virtio'/></interface>");
    net_start(f, "cl", "10.0.6.2",
              "<interface type='client'><mac address='52:54:00:06:00:02'/>"
              "<source address='127.0.0.1' port='5559'/><model type='virtio'/></interface>");
    net_pair(f, "sv", "10.0.6.1", "cl", "10.0.6.2");
}

/* The guest's own switches: vmdeck.dhcp=1 leases an address from SLIRP's DHCP server
 * (10.0.2.15), vmdeck.noacpid=1 leaves acpid out. */
static void test_dhcp_noacpid(void **state)
{
    struct fixture *f = *state;
    if (f->skip)
        skip();
    char *xml =
        testutil_guest_xml("dh", "--cmdline", "vmdeck.dhcp=1 vmdeck.noacpid=1", "--device",
                           "<interface type='user'><model type='virtio'/></interface>", NULL);
    struct vmerr err = {0};
    if (engine_domain_define_xml(f->conn, xml, "dh", NULL, &err) < 0 ||
        engine_domain_start(f->conn, "dh", &err) < 0)
        fail_msg("define + start dh: %s", err.message);
    free(xml);
    int fd = net_shell(f, "dh");
    char buf[16384];
    size_t len = 0;
    testutil_write_all(fd, "pidof acpid || echo acpid-$((40+2))-absent\n");
    if (!testutil_read_until(fd, buf, sizeof(buf), &len, "acpid-42-absent", PING_TIMEOUT_MS))
        fail_msg("acpid runs despite vmdeck.noacpid=1; console shows:\n%s", buf);
    len = 0;
    /* udhcpc runs in the background: wait for its lease on eth0 */
    long long deadline = testutil_now_ms() + PING_TIMEOUT_MS;
    bool bound = false;
    while (!bound && testutil_now_ms() < deadline) {
        testutil_write_all(fd,
                           "ip -4 addr show eth0 | grep -q 10.0.2.15/24 && echo lease-$((4*4))\n");
        bound = testutil_read_until(fd, buf, sizeof(buf), &len, "lease-16", 2000);
    }
    if (!bound)
        fail_msg("dh got no DHCP lease 10.0.2.15/24 on eth0; console shows:\n%s", buf);
    close(fd);
    if (engine_domain_destroy(f->conn, "dh", &err) < 0)
        fail_msg("destroy dh: %s", err.message);
}

/* Run the NIC tests against real QEMU. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mcast),
        cmocka_unit_test(test_server_client),
        cmocka_unit_test(test_dhcp_noacpid),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
