/* test-qemu-crash: a real guest kernel panic under TCG. The guest (on_crash=restart) is made
 * to panic by `echo c > /proc/sysrq-trigger` typed on its console; the test guest's pvpanic
 * module tells QEMU (GUEST_PANICKED), the supervisor runs a new QEMU, and the guest boots
 * again: the ready marker shows up a second time in the console log, the domain runs with
 * the same id under a new QEMU process, and its new console answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/qemu/qemu-state.h"
#include "engine/engine.h"
#include "engine/store.h"
#include "testutil.h"

#define URI "qemu:///session"
#define BOOT_TIMEOUT_MS 90000

/* What the test shares. */
struct fixture {
    char *dir;
    char *runtime; /* VMDECK_RUNTIME_DIR/qemu */
    struct engine_conn *conn;
};

/* Group setup: isolated dirs and a connection. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_isolate("qcrash");
    f->runtime = store_printf("%s/qemu", getenv("VMDECK_RUNTIME_DIR"));
    struct vmerr err = {0};
    f->conn = engine_open(URI, &err);
    if (!f->conn) {
        print_error("open %s: %s\n", URI, err.message);
        return -1;
    }
    *state = f;
    return 0;
}

/* Group teardown: nothing left running; remove the dirs. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    struct vmerr err;
    engine_domain_destroy(f->conn, "crasher", &err);
    engine_domain_undefine(f->conn, "crasher", &err);
    engine_close(f->conn);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f->runtime);
    free(f);
    return 0;
}

/* Occurrences of needle in the file at path (0 if unreadable). */
static int crash_count(const char *path, const char *needle)
{
    char *text = store_read_file(path, NULL, NULL);
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    free(text);
    return n;
}

/* Wait until needle occurs want times in the file at path; fail with its text if not. */
static void crash_wait_count(const char *path, const char *needle, int want, const char *what)
{
    long long deadline = testutil_now_ms() + BOOT_TIMEOUT_MS;
    while (crash_count(path, needle) < want && testutil_now_ms() < deadline)
        usleep(100000);
    if (crash_count(path, needle) < want) {
        char *log = store_read_file(path, NULL, NULL);
        fail_msg("%s within %d ms; console.log:\n%s", what, BOOT_TIMEOUT_MS, log);
    }
}

/* The console of name once its shell answers. */
static int crash_shell(struct engine_conn *conn, const char *name)
{
    struct vmerr err = {0};
    int fd = -1;
    if (engine_domain_console_open(conn, name, &fd, &err) < 0)
        fail_msg("console %s: %s", name, err.message);
    static char buf[65536];
    size_t len = 0;
    for (int attempt = 0; attempt < 20; attempt++) {
        testutil_write_all(fd, "echo $((6*7))marker\n");
        if (testutil_read_until(fd, buf, sizeof(buf), &len, "42marker", 3000))
            return fd;
    }
    fail_msg("the shell of %s did not answer; console shows:\n%s", name, buf);
    return -1;
}

/* on_crash=restart: a kernel panic brings the guest back under a new QEMU. */
static void test_crash_restart(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    char *xml = testutil_guest_xml("crasher", "--on-crash", "restart", NULL);
    if (engine_domain_define_xml(f->conn, xml, "crasher.xml", NULL, &err) < 0)
        fail_msg("define: %s", err.message);
    free(xml);
    if (engine_domain_start(f->conn, "crasher", &err) < 0)
        fail_msg("start: %s", err.message);
    struct qemu_paths p;
    qemu_state_paths(f->runtime, "crasher", &p);
    struct qemu_state first, second;
    assert_int_equal(qemu_state_read(p.state, &first, NULL), 0);
    crash_wait_count(p.console_log, "VMDECK-GUEST-READY", 1, "crasher did not boot");

    int fd = crash_shell(f->conn, "crasher");
    long long t0 = testutil_now_ms();
    testutil_write_all(fd, "echo c > /proc/sysrq-trigger\n");
    crash_wait_count(p.console_log, "Kernel panic", 1, "no kernel panic on the console");
    crash_wait_count(p.console_log, "VMDECK-GUEST-READY", 2,
                     "crasher did not boot again after its kernel panicked");
    close(fd);
    print_message("panic to ready again: %lld ms\n", testutil_now_ms() - t0);

    struct engine_domain_info info;
    if (engine_domain_lookup(f->conn, "crasher", &info, &err) < 0)
        fail_msg("lookup: %s", err.message);
    assert_int_equal(info.state, ENGINE_DOMAIN_RUNNING);
    assert_int_equal(info.id, first.id);
    assert_int_equal(qemu_state_read(p.state, &second, NULL), 0);
    assert_int_equal(second.supervisor_pid, first.supervisor_pid);
    assert_true(second.qemu_pid != first.qemu_pid);
    assert_false(qemu_state_pid_matches(first.qemu_pid, first.qemu_start));
    assert_true(qemu_state_pid_matches(second.qemu_pid, second.qemu_start));

    fd = crash_shell(f->conn, "crasher"); /* the new QEMU's PTY */
    close(fd);
    if (engine_domain_destroy(f->conn, "crasher", &err) < 0)
        fail_msg("destroy: %s", err.message);
    assert_false(qemu_state_pid_matches(second.qemu_pid, second.qemu_start));
    qemu_state_paths_free(&p);
}

/* Run the crash test against real QEMU. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_restart),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
