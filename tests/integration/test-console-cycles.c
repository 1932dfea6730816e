/* test-console-cycles: 1,000 attach/detach cycles of a serial console leave nothing behind.
 * A test:///PATH.xml node file names the slave end of a real pty as a running domain's
 * console; this test holds the master (the guest end). Each cycle opens the console through
 * the engine (engine_domain_console_open), attaches the console view to it on an ncurses
 * screen over /dev/null (newterm), lets the "guest" print a coloured line that the view
 * reads and draws, types a key that must come out at the guest end, then detaches
 * (view_console_close) and also opens and closes the engine's fd alone. Checked: after a
 * warm-up, the fds open in this process (/proc/self/fd) are the same before and after the
 * 1,000 cycles, and VmRSS grows by at most RSS_MARGIN_KIB (skipped under ASan, whose
 * quarantine keeps freed memory resident; LeakSanitizer checks the same thing there). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "engine/engine.h"
#include "testutil.h"
#include "ui/ui.h"

#define CYCLES 1000
#define WARMUP 50
#define RSS_MARGIN_KIB 256

#if defined(__SANITIZE_ADDRESS__)
#define RSS_CHECKED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_CHECKED 0
#endif
#endif
#ifndef RSS_CHECKED
#define RSS_CHECKED 1
#endif

/* The guest end, the connection and the screen the view draws on. */
struct fixture {
    char *dir;
    int master;
    struct engine_conn *conn;
    FILE *out, *in;
    SCREEN *scr;
    struct tui *tui;
};

/* Names of the fds open now, as one string ("0 1 2 5 "), to compare sets. */
static void fd_list(char *buf, size_t cap)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int self = dirfd(d);
    size_t len = 0;
    buf[0] = '\0';
    int fds[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && atoi(e->d_name) != self && n < 256)
            fds[n++] = atoi(e->d_name);
    closedir(d);
    for (size_t i = 0; i < n; i++) /* readdir order is not promised: sort */
        for (size_t j = i + 1; j < n; j++)
            if (fds[j] < fds[i]) {
                int t = fds[i];
                fds[i] = fds[j];
                fds[j] = t;
            }
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%d ", fds[i]);
}

/* VmRSS of this process in KiB. */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = atol(line + 6);
    fclose(f);
    assert_true(kib > 0);
    return kib;
}

/* A raw pty pair, its master non-blocking; the node file naming its slave; the connection;
 * an 80x24 ncurses screen over /dev/null with the TUI's body window. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->dir = testutil_tmpdir("cycles");
    f->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(f->master >= 0);
    assert_int_equal(grantpt(f->master), 0);
    assert_int_equal(unlockpt(f->master), 0);
    struct termios tio;
    assert_int_equal(tcgetattr(f->master, &tio), 0);
    cfmakeraw(&tio);
    assert_int_equal(tcsetattr(f->master, TCSANOW, &tio), 0);
    assert_int_equal(fcntl(f->master, F_SETFL, O_NONBLOCK), 0);
    char *node = NULL, uri[600];
    assert_true(asprintf(&node, "%s/node.xml", f->dir) > 0);
    FILE *fp = fopen(node, "w");
    assert_non_null(fp);
    fprintf(fp,
            "<node>\n  <domain type='qemu'><name>cyc</name><memory>131072</memory>\n"
            "    <os><type>hvm</type></os>\n"
            "    <devices><serial type='pty'><source path='%s'/></serial></devices>\n"
            "  </domain>\n</node>\n",
            ptsname(f->master));
    fclose(fp);
    snprintf(uri, sizeof(uri), "test://%s", node);
    free(node);
    struct vmerr err = {0};
    if (!(f->conn = engine_open(uri, &err)))
        fail_msg("%s", err.message);
    setlocale(LC_ALL, "C.UTF-8");
    f->out = fopen("/dev/null", "w");
    f->in = fopen("/dev/null", "r");
    assert_non_null(f->out);
    assert_non_null(f->in);
    f->scr = newterm("xterm-256color", f->out, f->in);
    assert_non_null(f->scr);
    set_term(f->scr);
    resizeterm(24, 80);
    f->tui = calloc(1, sizeof(*f->tui));
    assert_non_null(f->tui);
    f->tui->conn = f->conn;
    f->tui->utf8 = true;
    f->tui->view = TUI_VIEW_CONSOLE;
    f->tui->body = newwin(21, 80, 1, 0);
    assert_non_null(f->tui->body);
    *state = f;
    return 0;
}

/* Close everything setup made and remove the temp dir. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    view_console_close(f->tui, NULL);
    delwin(f->tui->body);
    free(f->tui);
    endwin();
    delscreen(f->scr);
    fclose(f->out);
    fclose(f->in);
    engine_close(f->conn);
    close(f->master);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Feed the view what its fd has (poll, then view_console_io) until nothing is left; the
 * first poll waits up to wait_ms. */
static void pump_view(struct tui *tui, int wait_ms)
{
    for (int spins = 0; spins < 50; spins++) {
        short events = 0;
        int fd = view_console_fd(tui, &events);
        if (fd < 0)
            fail_msg("the console detached by itself");
        struct pollfd p = {.fd = fd, .events = events};
        if (poll(&p, 1, spins == 0 ? wait_ms : 0) <= 0)
            return;
        view_console_io(tui, p.revents);
    }
}

/* One cycle: engine open/close alone, then open, attach the view, guest output in, a key
 * out, draw, detach. */
static void cycle(struct fixture *f, int i)
{
    struct vmerr err = {0};
    int fd = -1;
    if (engine_domain_console_open(f->conn, "cyc", &fd, &err) < 0)
        fail_msg("cycle %d: %s", i, err.message);
    close(fd);
    if (engine_domain_console_open(f->conn, "cyc", &fd, &err) < 0)
        fail_msg("cycle %d: %s", i, err.message);
    if (view_console_open(f->tui, "cyc", fd, &err) < 0)
        fail_msg("cycle %d: %s", i, err.message);
    char line[128];
    snprintf(line, sizeof(line), "\x1b[1;3%dmboot line %d\x1b[0m\r\n", i % 8, i);
    testutil_write_all(f->master, line);
    pump_view(f->tui, 1000);
    view_console_key(f->tui, 'k', false);
    pump_view(f->tui, 0);
    char got[256];
    size_t len = 0;
    if (!testutil_read_until(f->master, got, sizeof(got), &len, "k", 2000))
        fail_msg("cycle %d: the key never reached the guest end", i);
    view_console_draw(f->tui, i % 2 == 0);
    view_console_place_cursor(f->tui);
    wnoutrefresh(f->tui->body);
    doupdate();
    view_console_close(f->tui, NULL);
}

/* 1,000 cycles keep the fd set and (without ASan) the RSS. */
static void test_cycles(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < WARMUP; i++)
        cycle(f, i);
    char before[2048], after[2048];
    fd_list(before, sizeof(before));
    long rss0 = rss_kib();
    for (int i = 0; i < CYCLES; i++)
        cycle(f, i);
    fd_list(after, sizeof(after));
    long rss1 = rss_kib();
    print_message("fds before: %s after: %s; VmRSS %ld -> %ld KiB\n", before, after, rss0, rss1);
    assert_string_equal(before, after);
    if (RSS_CHECKED && rss1 - rss0 > RSS_MARGIN_KIB)
        fail_msg("VmRSS grew by %ld KiB over %d cycles (margin %d KiB)", rss1 - rss0, CYCLES,
                 RSS_MARGIN_KIB);
}

/* Run the cycles on a fresh pty and screen. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
