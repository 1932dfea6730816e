/* test-console-isolation: a guest cannot reach the terminal vmdeck runs on. The real vmdeck
 * binary runs `vmdeck console iso` on a pty this test controls (forkpty, TERM=xterm-256color,
 * 80x24), attached to the serial console of a real TCG test guest (qemu:///system with
 * private config/runtime dirs). Through the guest's shell the test makes the guest print,
 * with printf and octal escapes: OSC 0/2 titles, an OSC 52 clipboard write, DCS (sixel),
 * APC and PM strings, 8-bit C1 controls (DCS, CSI, OSC, PM, APC), DA, secondary DA, DSR and
 * DECRQSS queries, mouse-reporting and bracketed-paste mode switches and an alternate screen
 * switch, then a cursor position query (DSR 6) whose reply the guest reads back with `read`
 * and prints. Checked on everything vmdeck wrote to its terminal meanwhile: none of those
 * sequences (as 7-bit ESC forms, raw 8-bit C1 bytes or UTF-8 encoded C1 code points), and
 * the guest got a cursor position report (CPR=row;col printed by the guest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

extern char **environ;

#define URI "qemu:///system"
#define NAME "iso"
#define OUT_CAP (1 << 20)

/* What the guest prints: every hostile sequence, then the CPR query read back. Typed at the
 * guest's shell prompt (its echo shows the escapes as harmless text: backslash, digits). */
static const char hostile_cmd[] =
    "stty -echo -icanon; printf '"
    "\\033]0;pwn0\\007\\033]2;pwn2\\033\\\\\\033]52;c;cHduZWQ=\\007"
    "\\033Pq#0;2;0;0;0#0~~\\033\\\\\\033_apc\\033\\\\\\033^pm\\033\\\\"
    "\\220c1dcs\\234\\2331m\\2350;c1osc\\234\\236c1pm\\234\\237c1apc\\234"
    "\\033[c\\033[>c\\033[5n\\033P$qm\\033\\\\"
    "\\033[?1000h\\033[?1002h\\033[?1006h\\033[?2004h"
    "\\033[?1049hALT\\033[?1049l\\033[0m"
    "\\033[6n'; read -t 5 -n 300 -d R x; stty sane; echo; echo \"CPR=${x##*[}END\"\r";

/* Sequences that must never reach vmdeck's terminal from the guest. */
static const struct {
    const char *bytes;
    const char *what;
} forbidden[] = {
    {"\033]0;", "OSC 0 (title)"},
    {"\033]2;", "OSC 2 (title)"},
    {"\033]52;", "OSC 52 (clipboard)"},
    {"\033P", "DCS"},
    {"\033_", "APC"},
    {"\033^", "PM"},
    {"\033[?1000h", "mouse reporting on (1000)"},
    {"\033[?1002h", "mouse reporting on (1002)"},
    {"\033[?1006h", "SGR mouse mode on (1006)"},
    {"\033[?2004h", "bracketed paste on (2004)"},
    {"\033[?1049h", "alternate screen on (1049)"},
};

/* vmdeck on its pty and everything it wrote since mark. */
struct fixture {
    char *dir;
    pid_t pid;
    int master;
    char *out;
    size_t len;
};

/* Run `vmdeck -c URI a1 a2` as another process (output to /dev/null); true if it exits 0. */
static bool cli(const char *a1, const char *a2)
{
    const char *argv[] = {testutil_vmdeck_bin(), "-c", URI, a1, a2, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return false;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Append what vmdeck wrote within wait_ms to f->out; returns the byte count. */
static size_t pump(struct fixture *f, int wait_ms)
{
    struct pollfd p = {.fd = f->master, .events = POLLIN};
    if (poll(&p, 1, wait_ms) <= 0)
        return 0;
    char buf[8192];
    ssize_t n = read(f->master, buf, sizeof(buf));
    if (n <= 0)
        fail_msg("vmdeck's terminal closed (vmdeck exited?)");
    if (f->len + (size_t)n >= OUT_CAP)
        fail_msg("vmdeck wrote more than %d bytes", OUT_CAP);
    memcpy(f->out + f->len, buf, (size_t)n);
    f->len += (size_t)n;
    f->out[f->len] = '\0';
    return (size_t)n;
}

/* The text of vmdeck's output since from, with CSI and two- or three-byte escape
 * sequences (cursor moves, colours, cursor save/restore, charsets) removed, so words drawn in
 * pieces can be searched; caller frees. */
static char *plain_text(const struct fixture *f, size_t from)
{
    char *t = malloc(f->len - from + 1);
    assert_non_null(t);
    size_t k = 0;
    for (size_t i = from; i < f->len; i++) {
        if (f->out[i] == '\033' && i + 1 < f->len && f->out[i + 1] == '[') {
            i += 2;
            while (i < f->len &&
                   !((unsigned char)f->out[i] >= 0x40 && (unsigned char)f->out[i] <= 0x7e))
                i++;
            continue;
        }
        if (f->out[i] == '\033' && i + 1 < f->len) { /* ESC 7, ESC 8, ESC ( B ... */
            i += f->out[i + 1] == '(' || f->out[i + 1] == ')' ? 2 : 1;
            continue;
        }
        t[k++] = f->out[i];
    }
    t[k] = '\0';
    return t;
}

/* Type s into vmdeck (the keys go to the guest). */
static void type(struct fixture *f, const char *s)
{
    size_t n = strlen(s);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(f->master, s + off, n - off);
        if (w < 0)
            fail_msg("cannot type into vmdeck's terminal");
        off += (size_t)w;
        pump(f, 5);
    }
}

/* The guest's printed report in text: "CPR=" followed by a digit (the command's echo has
 * "CPR=$"), or NULL. */
static const char *find_cpr(const char *t)
{
    const char *cpr = strstr(t, "CPR=");
    while (cpr && !isdigit((unsigned char)cpr[4]))
        cpr = strstr(cpr + 4, "CPR=");
    return cpr;
}

/* Wait until the plain text since from holds the guest's report; the screen so far goes
 * into the failure message. */
static void wait_cpr(struct fixture *f, size_t from, int max_ms)
{
    long long end = testutil_now_ms() + max_ms;
    for (;;) {
        char *t = plain_text(f, from);
        bool found = find_cpr(t) && strstr(find_cpr(t), "END");
        if (found || testutil_now_ms() > end) {
            static char shown[OUT_CAP];
            snprintf(shown, sizeof(shown), "%s", t);
            free(t);
            if (!found)
                fail_msg("the guest printed no cursor position report; vmdeck showed:\n%s", shown);
            return;
        }
        free(t);
        pump(f, 100);
    }
}

/* Isolated dirs, the test guest defined and started, vmdeck attached to its console. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->dir = testutil_isolate("iso");
    f->master = -1;
    f->out = malloc(OUT_CAP);
    assert_non_null(f->out);
    *state = f;
    char *xml = testutil_guest_xml(NAME, NULL);
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s.xml", f->dir, NAME) > 0);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(xml, fp);
    fclose(fp);
    free(xml);
    bool ok = cli("define", path) && cli("start", NAME);
    free(path);
    if (!ok)
        return -1;
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    f->pid = forkpty(&f->master, NULL, NULL, &ws);
    if (f->pid < 0)
        return -1;
    if (f->pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LANG", "C.UTF-8", 1);
        unsetenv("LC_ALL");
        unsetenv("NO_COLOR");
        const char *argv[] = {testutil_vmdeck_bin(), "-c", URI, "console", NAME, NULL};
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    fcntl(f->master, F_SETFL, O_NONBLOCK);
    return 0;
}

/* Detach (Ctrl-]; SIGKILL if vmdeck does not go), destroy the guest, remove the dirs. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->pid > 0) {
        if (write(f->master, "\035", 1) != 1)
            kill(f->pid, SIGTERM);
        long long end = testutil_now_ms() + 5000;
        int status;
        while (waitpid(f->pid, &status, WNOHANG) == 0) {
            if (testutil_now_ms() > end) {
                kill(f->pid, SIGKILL);
                waitpid(f->pid, &status, 0);
                break;
            }
            char buf[4096];
            struct pollfd p = {.fd = f->master, .events = POLLIN};
            if (poll(&p, 1, 20) > 0 && read(f->master, buf, sizeof(buf)) <= 0)
                usleep(20000);
        }
    }
    if (f->master >= 0)
        close(f->master);
    cli("destroy", NAME);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f->out);
    free(f);
    return 0;
}

/* The first C1 control in s[0..n) as raw 8-bit byte (not part of a UTF-8 sequence) or as
 * a UTF-8 encoded code point U+0080..U+009F; -1 when there is none. */
static long c1_at(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char b = s[i];
        size_t len = b < 0x80             ? 1
                     : (b & 0xe0) == 0xc0 ? 2
                     : (b & 0xf0) == 0xe0 ? 3
                     : (b & 0xf8) == 0xf0 ? 4
                                          : 0;
        if (len == 0 || i + len > n)
            return (long)i; /* a stray byte 0x80..0xbf (C1 among them) or a cut sequence */
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return (long)i;
        if (len == 2 && b == 0xc2 && s[i + 1] < 0xa0)
            return (long)i;
        i += len;
    }
    return -1;
}

/* The guest's hostile output never reaches the terminal; its CPR query is answered. */
static void test_isolation(void **state)
{
    struct fixture *f = *state;
    /* the shell answers (the guest boots in a few seconds under TCG) */
    long long end = testutil_now_ms() + 120000;
    for (;;) {
        size_t from = f->len;
        type(f, "echo $((6*7))ready\r");
        long long round = testutil_now_ms() + 3000;
        char *t = NULL;
        bool up = false;
        while (!up && testutil_now_ms() < round) {
            pump(f, 100);
            t = plain_text(f, from);
            up = strstr(t, "42ready") != NULL;
            free(t);
        }
        if (up)
            break;
        if (testutil_now_ms() > end) {
            t = plain_text(f, 0);
            fail_msg("the guest's shell never answered; vmdeck showed:\n%s", t);
        }
    }
    while (pump(f, 500))
        ;
    size_t mark = f->len;
    type(f, hostile_cmd);
    wait_cpr(f, mark, 30000);
    while (pump(f, 500)) /* the last frame */
        ;
    char *t = plain_text(f, mark);
    const char *cpr = find_cpr(t);
    int row = 0, col = 0;
    if (sscanf(cpr, "CPR=%d;%dEND", &row, &col) != 2 || row < 1 || col < 1)
        fail_msg("the guest's report is not row;col: %.40s", cpr);
    print_message("guest got CPR %d;%d; vmdeck wrote %zu bytes meanwhile\n", row, col,
                  f->len - mark);
    free(t);
    const char *out = f->out + mark;
    size_t n = f->len - mark;
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
        if (memmem(out, n, forbidden[i].bytes, strlen(forbidden[i].bytes)))
            fail_msg("the guest's %s reached vmdeck's terminal", forbidden[i].what);
    long at = c1_at((const unsigned char *)out, n);
    if (at >= 0)
        fail_msg("a C1 control (byte 0x%02x at %ld) reached vmdeck's terminal",
                 (unsigned char)out[at], at);
}

/* Run the isolation test against a real guest. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
