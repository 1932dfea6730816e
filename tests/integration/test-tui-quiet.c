/* test-tui-quiet: the pty harness of issue 5's "Over SSH" part. The real vmdeck binary runs
 * its TUI on a pseudo-terminal (forkpty, TERM=xterm-256color, 80x24) over the QEMU driver
 * with private config/runtime dirs; the harness counts every byte vmdeck writes to the
 * terminal and samples /proc/PID/schedstat every 20 ms to count wake-ups (a run of 20 ms
 * slots in which vmdeck ran is one wake-up). Checked: after start-up settles, 5 idle seconds
 * with no stats on screen (every domain shut off) write 0 bytes and make 0 wake-ups, and so
 * do the Networks list, help and details views (also the Networks list while a guest runs:
 * stats are sampled only while they are on screen); each change made by another process (a
 * second vmdeck CLI process undefining, defining, starting and destroying a real test
 * guest) is seen through inotify and repainted with at most 256 bytes; with a running
 * guest on screen (stats visible) the TUI wakes up at most once a second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

extern char **environ;

#define URI "qemu:///system"
#define REPAINT_MAX_BYTES 256
#define IDLE_MS 5000
#define SAMPLE_MS 20
/* Output has settled when the terminal stays silent this long. */
#define SETTLE_MS 700

/* The TUI on its pty: child pid, master fd, and what it wrote so far. */
struct fixture {
    char *dir;
    pid_t pid;
    int master;
    char screen[65536]; /* the last bytes written (for messages) */
    size_t len;
    size_t total;
};

/* Write text to DIR/name; returns the path (caller frees). */
static char *write_file(const struct fixture *f, const char *name, const char *text)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", f->dir, name) > 0);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* Run `vmdeck -c URI ARGS...` as another process (its output to /dev/null); fail the test
 * unless it exits 0. */
static void cli(const char *a1, const char *a2)
{
    const char *argv[] = {testutil_vmdeck_bin(), "-c", URI, a1, a2, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        fail_msg("spawn vmdeck %s: %s", a1, strerror(rc));
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("vmdeck %s %s failed (status %d)", a1, a2, status);
}

/* How many times the TUI process has been scheduled so far (/proc/PID/schedstat's third
 * field: timeslices run on a CPU). */
static unsigned long long runs_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *fp = fopen(path, "r");
    unsigned long long on_cpu = 0, waited = 0, runs = 0;
    if (!fp || fscanf(fp, "%llu %llu %llu", &on_cpu, &waited, &runs) != 3)
        fail_msg("cannot read %s", path);
    fclose(fp);
    return runs;
}

/* Read what the TUI wrote, if anything, within wait_ms; returns the byte count (0 on
 * timeout). */
static size_t pump(struct fixture *f, int wait_ms)
{
    struct pollfd p = {.fd = f->master, .events = POLLIN};
    if (poll(&p, 1, wait_ms) <= 0)
        return 0;
    char buf[8192];
    ssize_t n = read(f->master, buf, sizeof(buf));
    if (n <= 0)
        fail_msg("the TUI's terminal closed (vmdeck exited?)");
    if (f->len + (size_t)n >= sizeof(f->screen))
        f->len = 0;
    memcpy(f->screen + f->len, buf, (size_t)n);
    f->len += (size_t)n;
    f->screen[f->len] = '\0';
    f->total += (size_t)n;
    return (size_t)n;
}

/* Collect output until the terminal has been silent for quiet_ms (at most max_ms in all);
 * returns the bytes written meanwhile. */
static size_t settle(struct fixture *f, int quiet_ms, int max_ms)
{
    long long end = testutil_now_ms() + max_ms, last = testutil_now_ms();
    size_t bytes = 0;
    while (testutil_now_ms() < end && testutil_now_ms() - last < quiet_ms) {
        size_t n = pump(f, 10);
        if (n) {
            bytes += n;
            last = testutil_now_ms();
        }
    }
    return bytes;
}

/* Wait until the TUI has written text (in its last output), at most max_ms. */
static void wait_for(struct fixture *f, const char *text, int max_ms)
{
    long long end = testutil_now_ms() + max_ms;
    while (!strstr(f->screen, text))
        if (testutil_now_ms() > end || (!pump(f, 50) && testutil_now_ms() > end))
            fail_msg("the TUI never showed '%s'", text);
}

/* What one idle period looked like. */
struct idle {
    size_t bytes;
    int wakeups; /* runs of SAMPLE_MS slots in which the TUI ran */
};

/* Watch the TUI for ms without touching it: bytes written and wake-ups. */
static struct idle watch_idle(struct fixture *f, int ms)
{
    struct idle r = {0};
    unsigned long long runs = runs_of(f->pid);
    bool was_running = false;
    long long end = testutil_now_ms() + ms;
    while (testutil_now_ms() < end) {
        r.bytes += pump(f, SAMPLE_MS);
        unsigned long long now = runs_of(f->pid);
        bool running = now != runs;
        if (running && !was_running) /* a stats sample may span slots: one wake-up */
            r.wakeups++;
        was_running = running;
        runs = now;
    }
    return r;
}

/* The TUI's output for one change made by another process: wait for its first byte (the
 * change arrives through inotify), then until the terminal is silent again. */
static size_t change_bytes(struct fixture *f, const char *what)
{
    long long end = testutil_now_ms() + 30000;
    size_t bytes;
    while (!(bytes = pump(f, 50)))
        if (testutil_now_ms() > end)
            fail_msg("%s: the TUI wrote nothing within 30 s (the change was not seen)", what);
    return bytes + settle(f, 400, 10000);
}

/* Isolated dirs, two shut-off guests defined through the CLI, the TUI on a 80x24 pty. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_isolate("quiet");
    f->master = -1;
    *state = f;
    const char *names[] = {"alpha", "bravo"};
    for (size_t i = 0; i < 2; i++) {
        char *xml = testutil_guest_xml(names[i], NULL);
        char file[64];
        snprintf(file, sizeof(file), "%s.xml", names[i]);
        char *path = write_file(f, file, xml);
        cli("define", path);
        free(path);
        free(xml);
    }
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    f->pid = forkpty(&f->master, NULL, NULL, &ws);
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LANG", "C.UTF-8", 1);
        unsetenv("LC_ALL");
        unsetenv("NO_COLOR");
        const char *argv[] = {testutil_vmdeck_bin(), "-c", URI, NULL};
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    fcntl(f->master, F_SETFL, O_NONBLOCK);
    return 0;
}

/* Quit the TUI (q; SIGKILL if it does not go), destroy any guest, remove the dirs. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->pid > 0) {
        if (write(f->master, "q", 1) != 1)
            kill(f->pid, SIGTERM);
        int status;
        long long end = testutil_now_ms() + 5000;
        while (waitpid(f->pid, &status, WNOHANG) == 0) {
            if (testutil_now_ms() > end) {
                kill(f->pid, SIGKILL);
                waitpid(f->pid, &status, 0);
                break;
            }
            char buf[4096]; /* drain the restore sequence; the pty ends with the TUI */
            struct pollfd p = {.fd = f->master, .events = POLLIN};
            if (poll(&p, 1, 20) > 0 && read(f->master, buf, sizeof(buf)) <= 0)
                usleep(20000);
        }
    }
    if (f->master >= 0)
        close(f->master);
    const char *argv[] = {testutil_vmdeck_bin(), "-c", URI, "destroy", "alpha", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) == 0)
        waitpid(pid, NULL, 0);
    posix_spawn_file_actions_destroy(&fa);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Type keys into the TUI and let it redraw. */
static void keys(struct fixture *f, const char *k)
{
    if (write(f->master, k, strlen(k)) != (ssize_t)strlen(k))
        fail_msg("cannot type into the TUI's terminal");
    settle(f, 400, 10000);
}

/* After keys, the view they open must idle silently: no bytes; wake-ups at most max. */
static void check_view_idle(struct fixture *f, const char *k, const char *what, int max_wakeups)
{
    keys(f, k);
    struct idle idle = watch_idle(f, 3000);
    printf("  3 s idle, %-24s %4zu bytes, %d wake-ups\n", what, idle.bytes, idle.wakeups);
    if (max_wakeups == 0 && idle.bytes != 0)
        fail_msg("idle in %s: %zu bytes written", what, idle.bytes);
    if (idle.wakeups > max_wakeups)
        fail_msg("idle in %s: %d wake-ups in 3 s (at most %d)", what, idle.wakeups, max_wakeups);
}

/* Check one change's repaint against the bound, printing what it cost. */
static void check_repaint(size_t bytes, const char *what)
{
    printf("  %-34s %4zu bytes\n", what, bytes);
    if (bytes > REPAINT_MAX_BYTES)
        fail_msg("%s: %zu bytes written, more than %d", what, bytes, REPAINT_MAX_BYTES);
}

/* Idle silence, minimal repaints of other processes' changes, wake-ups with stats. */
static void test_quiet(void **state)
{
    struct fixture *f = *state;
    wait_for(f, "bravo", 15000);
    settle(f, SETTLE_MS, 15000);
    printf("  first frame and start-up:          %4zu bytes\n", f->total);

    struct idle idle = watch_idle(f, IDLE_MS);
    printf("  5 s idle, no stats on screen:      %4zu bytes, %d wake-ups\n", idle.bytes,
           idle.wakeups);
    if (idle.bytes != 0)
        fail_msg("idle: %zu bytes written in %d ms", idle.bytes, IDLE_MS);
    if (idle.wakeups != 0)
        fail_msg("idle with no stats on screen: %d wake-ups in %d ms", idle.wakeups, IDLE_MS);

    /* the other views idle silently too when they show no stats */
    check_view_idle(f, "\t", "Networks list:", 0);
    check_view_idle(f, "\t", "back to Domains:", 0);
    check_view_idle(f, "?", "help:", 0);
    check_view_idle(f, "\x1b", "back from help:", 0);
    check_view_idle(f, "\r", "details (shut off):", 0);
    check_view_idle(f, "\x1b", "back from details:", 0);

    cli("undefine", "bravo");
    check_repaint(change_bytes(f, "undefine"), "undefine bravo (other process)");

    char *xml = testutil_guest_xml("charlie", NULL);
    char *path = write_file(f, "charlie.xml", xml);
    cli("define", path);
    free(path);
    free(xml);
    check_repaint(change_bytes(f, "define"), "define charlie (other process)");

    idle = watch_idle(f, 2000);
    if (idle.bytes != 0 || idle.wakeups != 0)
        fail_msg("idle after the changes: %zu bytes, %d wake-ups", idle.bytes, idle.wakeups);

    cli("start", "alpha");
    check_repaint(change_bytes(f, "start"), "start alpha (other process)");

    /* A running guest on screen: stats may be sampled, at most once a second. */
    idle = watch_idle(f, IDLE_MS);
    printf("  5 s with a running guest:          %4zu bytes, %d wake-ups\n", idle.bytes,
           idle.wakeups);
    if (idle.wakeups > IDLE_MS / 1000 + 1)
        fail_msg("with stats on screen: %d wake-ups in %d ms (at most 1 a second)", idle.wakeups,
                 IDLE_MS);

    /* stats only while visible: the Networks list shows none, a running guest's details do */
    check_view_idle(f, "\t", "Networks, guest running:", 0);
    check_view_idle(f, "\t", "Domains, guest running:", 4);
    check_view_idle(f, "\r", "details, guest running:", 4);
    check_view_idle(f, "\x1b", "back from details:", 4);

    cli("destroy", "alpha");
    check_repaint(change_bytes(f, "destroy"), "destroy alpha (other process)");

    idle = watch_idle(f, 3000);
    printf("  3 s idle after destroy:            %4zu bytes, %d wake-ups\n", idle.bytes,
           idle.wakeups);
    if (idle.bytes != 0 || idle.wakeups != 0)
        fail_msg("idle after destroy: %zu bytes, %d wake-ups", idle.bytes, idle.wakeups);
}

/* Run the harness: one TUI, every check in order (they build on each other). */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quiet, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
