/* test-qemu-lifecycle: the QEMU driver end to end against real QEMU under TCG and the test
 * guest (tests/guest/build-guest.sh): define, start, list, live XML, console I/O, suspend,
 * resume, ACPI shutdown, a guest that outlives the vmdeck process that started it (and a
 * `vmdeck console` killed with SIGKILL), destroy, and a start that QEMU refuses. State
 * changes are awaited through the engine's inotify watch fd, as the UI does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/qemu/qemu-state.h"
#include "engine/engine.h"
#include "engine/store.h"
#include "testutil.h"

#define URI "qemu:///session"
/* Generous bounds: a TCG boot takes ~7 s, ACPI power-off ~1 s after the button. */
#define BOOT_TIMEOUT_MS 120000
#define STATE_TIMEOUT_MS 60000

/* What the tests share. */
struct fixture {
    char *dir;     /* isolated config + runtime parent */
    char *runtime; /* VMDECK_RUNTIME_DIR/qemu */
    char *xml;     /* demo.xml text */
    struct engine_conn *conn;
    pid_t supervisors[8]; /* every supervisor seen, checked gone at the end */
    unsigned long long sup_starts[8];
    size_t nsup;
};

/* Fail with the error's message. */
static void check_ok(int rc, const struct vmerr *err, const char *what)
{
    if (rc < 0)
        fail_msg("%s: %s", what, err->message);
}

/* Current state of name (SHUTOFF if it does not exist). */
static enum engine_domain_state state_of(struct engine_conn *conn, const char *name, int *id)
{
    struct engine_domain_info info;
    struct vmerr err = {0};
    if (engine_domain_lookup(conn, name, &info, &err) < 0)
        fail_msg("lookup %s: %s", name, err.message);
    if (id)
        *id = info.id;
    return info.state;
}

/* Wait until name is in state want, woken by the engine's inotify watch (no polling). */
static void wait_state(struct engine_conn *conn, const char *name, enum engine_domain_state want,
                       int timeout_ms)
{
    int wfd = engine_watch_fd(conn);
    assert_true(wfd >= 0);
    long long deadline = testutil_now_ms() + timeout_ms;
    for (;;) {
        enum engine_domain_state s = state_of(conn, name, NULL);
        if (s == want)
            return;
        long long left = deadline - testutil_now_ms();
        if (left <= 0)
            fail_msg("domain %s: still '%s' after %d ms, expected '%s'", name,
                     engine_domain_state_name(s), timeout_ms, engine_domain_state_name(want));
        struct pollfd pfd = {.fd = wfd, .events = POLLIN};
        poll(&pfd, 1, (int)left);
        engine_watch_drain(conn);
    }
}

/* Record the supervisor of the running domain name (from its state file). */
static void note_supervisor(struct fixture *f, const char *name, struct qemu_state *out)
{
    struct qemu_paths p;
    qemu_state_paths(f->runtime, name, &p);
    struct qemu_state st;
    assert_int_equal(qemu_state_read(p.state, &st, NULL), 0);
    assert_true(qemu_state_pid_matches(st.supervisor_pid, st.supervisor_start));
    assert_true(qemu_state_pid_matches(st.qemu_pid, st.qemu_start));
    if (f->nsup < sizeof(f->supervisors) / sizeof(f->supervisors[0])) {
        f->supervisors[f->nsup] = st.supervisor_pid;
        f->sup_starts[f->nsup++] = st.supervisor_start;
    }
    if (out)
        *out = st;
    qemu_state_paths_free(&p);
}

/* Names of processes whose command line mentions text (our runtime dir); "" if none. */
static void procs_mentioning(const char *text, char *out, size_t len)
{
    out[0] = '\0';
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        pid_t pid = (pid_t)atol(de->d_name);
        if (pid <= 0 || pid == getpid() || !qemu_state_proc_start(pid))
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
        size_t n = 0;
        char *cmd = store_read_file(path, &n, NULL);
        if (!cmd)
            continue;
        for (size_t i = 0; i + 1 < n; i++)
            if (!cmd[i])
                cmd[i] = ' ';
        if (strstr(cmd, text)) {
            size_t used = strlen(out);
            snprintf(out + used, len - used, "[%ld] %.200s; ", (long)pid, cmd);
        }
        free(cmd);
    }
    if (d)
        closedir(d);
}

/* demo.xml with its name replaced and each (from, to) pair of substrings swapped once. */
static char *variant(const char *xml, const char *name, const char *from1, const char *to1,
                     const char *from2, const char *to2)
{
    const char *ns = strstr(xml, "<name>"), *ne = strstr(xml, "</name>");
    assert_true(ns && ne);
    char *out = store_printf("%.*s<name>%s%s", (int)(ns - xml), xml, name, ne);
    const char *from[2] = {from1, from2}, *to[2] = {to1, to2};
    for (int i = 0; i < 2; i++) {
        if (!from[i])
            continue;
        char *at = strstr(out, from[i]);
        if (!at)
            fail_msg("demo.xml has no '%s'", from[i]);
        char *next = store_printf("%.*s%s%s", (int)(at - out), out, to[i], at + strlen(from[i]));
        free(out);
        out = next;
    }
    return out;
}

/* Group setup: isolated dirs, the guest's demo.xml, a connection. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_isolate("qlife");
    f->runtime = store_printf("%s/qemu", getenv("VMDECK_RUNTIME_DIR"));
    char *xmlpath = store_printf("%s/demo.xml", testutil_guest_dir());
    f->xml = store_read_file(xmlpath, NULL, NULL);
    if (!f->xml) {
        print_error("no test guest at %s (run tests/guest/build-guest.sh)\n", xmlpath);
        free(xmlpath);
        return -1;
    }
    free(xmlpath);
    struct vmerr err = {0};
    f->conn = engine_open(URI, &err);
    if (!f->conn) {
        print_error("open %s: %s\n", URI, err.message);
        return -1;
    }
    *state = f;
    return 0;
}

/* Group teardown: nothing may be left running; remove the dirs. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    struct vmerr err;
    struct engine_domain_info *doms = NULL;
    size_t n = 0;
    /* every domain a test defined, also one a failed test left running */
    if (engine_domain_list(f->conn, ENGINE_LIST_ALL, &doms, &n, &err) == 0)
        for (size_t i = 0; i < n; i++)
            engine_domain_destroy(f->conn, doms[i].name, &err); /* no-op when shut off */
    free(doms);
    engine_close(f->conn);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f->runtime);
    free(f->xml);
    free(f);
    return 0;
}

/* Occurrences of needle in the file at path (0 if unreadable). */
static int count_in_file(const char *path, const char *needle)
{
    char *text = store_read_file(path, NULL, NULL);
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    free(text);
    return n;
}

/* Open the console and get an answer from the guest shell (it may start a moment after the
 * ready line); returns the console fd. */
static int console_shell(struct engine_conn *conn, const char *name)
{
    struct vmerr err = {0};
    int fd = -1;
    check_ok(engine_domain_console_open(conn, name, &fd, &err), &err, "console open");
    static char buf[65536];
    size_t len = 0;
    for (int attempt = 0; attempt < 20; attempt++) {
        testutil_write_all(fd, "echo $((6*7))marker\n");
        if (testutil_read_until(fd, buf, sizeof(buf), &len, "42marker", 3000))
            return fd;
    }
    fail_msg("the guest shell of %s did not answer; console shows:\n%s", name, buf);
    return -1;
}

/* define + start: list shows it running with an id; the live XML has the id and the tty;
 * a second start is refused. */
static void test_start(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    char *name = NULL;
    check_ok(engine_domain_define_xml(f->conn, f->xml, "demo.xml", &name, &err), &err, "define");
    assert_string_equal(name, "demo");
    free(name);
    assert_int_equal(state_of(f->conn, "demo", NULL), ENGINE_DOMAIN_SHUTOFF);

    long long t0 = testutil_now_ms();
    check_ok(engine_domain_start(f->conn, "demo", &err), &err, "start");
    print_message("start took %lld ms\n", testutil_now_ms() - t0);

    struct engine_domain_info *list = NULL;
    size_t n = 0;
    check_ok(engine_domain_list(f->conn, ENGINE_LIST_ACTIVE, &list, &n, &err), &err, "list");
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "demo");
    assert_int_equal(list[0].state, ENGINE_DOMAIN_RUNNING);
    assert_true(list[0].id >= 1);
    assert_true(list[0].has_console);
    assert_int_equal(list[0].max_memory_kib, 131072);
    int id = list[0].id;
    free(list);
    note_supervisor(f, "demo", NULL);

    char *xml = engine_domain_get_xml(f->conn, "demo", 0, &err);
    assert_non_null(xml);
    char want[64];
    snprintf(want, sizeof(want), "id='%d'", id);
    if (!strstr(xml, want) || !strstr(xml, "/dev/pts/"))
        fail_msg("live XML lacks %s or the console tty:\n%s", want, xml);
    free(xml);
    xml = engine_domain_get_xml(f->conn, "demo", ENGINE_XML_INACTIVE, &err);
    assert_non_null(xml);
    assert_null(strstr(xml, "/dev/pts/"));
    free(xml);

    vmerr_clear(&err);
    assert_int_equal(engine_domain_start(f->conn, "demo", &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_INVALID);
    assert_string_equal(err.message, "domain 'demo' is already running");
    vmerr_clear(&err);
    assert_int_equal(engine_domain_undefine(f->conn, "demo", &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_INVALID);
}

/* The serial console: the guest's ready line, then a command and its output. */
static void test_console(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    int fd = -1;
    check_ok(engine_domain_console_open(f->conn, "demo", &fd, &err), &err, "console open");
    static char buf[65536];
    size_t len = 0;
    long long t0 = testutil_now_ms();
    if (!testutil_read_until(fd, buf, sizeof(buf), &len, "VMDECK-GUEST-READY", BOOT_TIMEOUT_MS))
        fail_msg("no VMDECK-GUEST-READY on the console; got:\n%s", buf);
    print_message("guest ready after %lld ms\n", testutil_now_ms() - t0);
    len = 0;
    buf[0] = '\0';
    /* The shell may start a moment after the ready line; repeat until it answers. */
    bool answered = false;
    for (int attempt = 0; attempt < 20 && !answered; attempt++) {
        testutil_write_all(fd, "echo $((6*7))marker\n");
        answered = testutil_read_until(fd, buf, sizeof(buf), &len, "42marker", 3000);
    }
    if (!answered)
        fail_msg("the guest shell did not answer; console shows:\n%s", buf);
    close(fd);
}

/* suspend -> paused, resume -> running (QMP stop/cont through the client monitor). */
static void test_suspend_resume(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    check_ok(engine_domain_suspend(f->conn, "demo", &err), &err, "suspend");
    assert_int_equal(state_of(f->conn, "demo", NULL), ENGINE_DOMAIN_PAUSED);
    check_ok(engine_domain_resume(f->conn, "demo", &err), &err, "resume");
    assert_int_equal(state_of(f->conn, "demo", NULL), ENGINE_DOMAIN_RUNNING);
}

/* ACPI shutdown: the guest powers itself off; supervisor and QEMU go away. */
static void test_shutdown(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    struct qemu_state st;
    note_supervisor(f, "demo", &st);
    /* ACPI power-off needs acpid in the guest: say so plainly rather than time out */
    int fd = console_shell(f->conn, "demo");
    testutil_write_all(fd, "pidof acpid >/dev/null && echo acpid-$((40+2))-up\n");
    static char buf[8192];
    size_t len = 0;
    bool acpid = testutil_read_until(fd, buf, sizeof(buf), &len, "acpid-42-up", 3000);
    close(fd);
    if (!acpid)
        fail_msg("no acpid runs in the test guest, so it cannot act on the ACPI power button "
                 "(busybox acpid exits at once when /var/log is missing; see "
                 "tests/guest/build-guest.sh)");
    long long t0 = testutil_now_ms();
    check_ok(engine_domain_shutdown(f->conn, "demo", &err), &err, "shutdown");
    wait_state(f->conn, "demo", ENGINE_DOMAIN_SHUTOFF, STATE_TIMEOUT_MS);
    print_message("ACPI shutdown took %lld ms\n", testutil_now_ms() - t0);
    long long deadline = testutil_now_ms() + 5000;
    while (testutil_now_ms() < deadline && qemu_state_pid_matches(st.qemu_pid, st.qemu_start))
        usleep(10000);
    assert_false(qemu_state_pid_matches(st.qemu_pid, st.qemu_start));
    vmerr_clear(&err);
    assert_int_equal(engine_domain_shutdown(f->conn, "demo", &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_INVALID);
}

/* A guest outlives the vmdeck process that started it, and a `vmdeck console` killed with
 * SIGKILL; a fresh connection still sees it running and QEMU still answers QMP. */
static void test_survives_client(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    if (state_of(f->conn, "demo", NULL) != ENGINE_DOMAIN_SHUTOFF) /* an earlier test failed */
        check_ok(engine_domain_destroy(f->conn, "demo", &err), &err, "destroy leftover");
    int sync[2];
    assert_int_equal(pipe(sync), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* a separate vmdeck process: its own connection, starts the domain, then lingers */
        close(sync[0]);
        struct vmerr err = {0};
        struct engine_conn *c = engine_open(URI, &err);
        int rc = c ? engine_domain_start(c, "demo", &err) : -1;
        char verdict = rc == 0 ? 'Y' : 'N';
        if (write(sync[1], &verdict, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(sync[1]);
    char verdict = 0;
    assert_int_equal(read(sync[0], &verdict, 1), 1);
    close(sync[0]);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(verdict, 'Y');

    /* `vmdeck console demo` on a pty, then SIGKILL */
    int master = -1;
    pid_t vm = forkpty(&master, NULL, NULL, NULL);
    assert_true(vm >= 0);
    if (vm == 0) {
        setenv("TERM", "xterm-256color", 1);
        execl(testutil_vmdeck_bin(), "vmdeck", "-c", URI, "console", "demo", (char *)NULL);
        _exit(127);
    }
    static char buf[65536];
    size_t len = 0;
    fcntl(master, F_SETFL, O_NONBLOCK);
    testutil_read_until(master, buf, sizeof(buf), &len, "\x1b[", 5000); /* its screen came up */
    int status = 0;
    assert_int_equal(waitpid(vm, &status, WNOHANG), 0); /* still attached */
    kill(vm, SIGKILL);
    waitpid(vm, &status, 0);
    close(master);

    struct engine_conn *fresh = engine_open(URI, &err);
    assert_non_null(fresh);
    int id = -1;
    assert_int_equal(state_of(fresh, "demo", &id), ENGINE_DOMAIN_RUNNING);
    assert_true(id >= 2); /* ids increase per start */
    note_supervisor(f, "demo", NULL);
    check_ok(engine_domain_suspend(fresh, "demo", &err), &err, "QMP stop after client death");
    check_ok(engine_domain_resume(fresh, "demo", &err), &err, "QMP cont after client death");
    assert_int_equal(state_of(fresh, "demo", NULL), ENGINE_DOMAIN_RUNNING);
    engine_close(fresh);
}

/* Whether path is a directory with no entries. */
static bool dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    struct dirent *de;
    bool empty = true;
    while (empty && (de = readdir(d)))
        empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
    closedir(d);
    return empty;
}

/* destroy: shut off at once, runtime dir clean, no QEMU or supervisor left. */
static void test_destroy(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    struct qemu_state st;
    note_supervisor(f, "demo", &st);
    long long t0 = testutil_now_ms();
    check_ok(engine_domain_destroy(f->conn, "demo", &err), &err, "destroy");
    print_message("destroy took %lld ms\n", testutil_now_ms() - t0);
    assert_int_equal(state_of(f->conn, "demo", NULL), ENGINE_DOMAIN_SHUTOFF);
    assert_false(qemu_state_pid_matches(st.qemu_pid, st.qemu_start));
    for (size_t i = 0; i < f->nsup; i++)
        assert_false(qemu_state_pid_matches(f->supervisors[i], f->sup_starts[i]));
    char procs[2048];
    procs_mentioning(f->runtime, procs, sizeof(procs));
    if (procs[0])
        fail_msg("processes left behind: %s", procs);
    /* only the lock dir and the (empty) dir of active networks remain in the runtime dir */
    DIR *d = opendir(f->runtime);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "locks"))
            continue;
        char *sub = store_printf("%s/%s", f->runtime, de->d_name);
        bool empty_networks = !strcmp(de->d_name, "networks") && dir_is_empty(sub);
        free(sub);
        if (!empty_networks)
            fail_msg("runtime dir still has %s", de->d_name);
    }
    closedir(d);
    vmerr_clear(&err);
    assert_int_equal(engine_domain_destroy(f->conn, "demo", &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_INVALID);
}

/* A start that QEMU refuses reports QEMU's own message and leaves the config unchanged. (A
 * missing kernel is caught before QEMU runs, see test-qemu-checks; a kernel file of zeros
 * with an initrd gets past that check and QEMU refuses it.) */
static void test_failed_start(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    const char *ks = strstr(f->xml, "<kernel>"), *ke = strstr(f->xml, "</kernel>");
    assert_true(ks && ke);
    char *kernel = strndup(ks, (size_t)(ke - ks));
    char zeros[4096] = {0};
    char *bad = store_printf("%s/zeros.img", f->dir), *badk = store_printf("<kernel>%s", bad);
    assert_int_equal(store_write_atomic(bad, zeros, sizeof(zeros), &err), 0);
    char *xml = variant(f->xml, "broken", kernel, badk, NULL, NULL);
    free(kernel);
    free(badk);
    free(bad);
    check_ok(engine_domain_define_xml(f->conn, xml, "broken.xml", NULL, &err), &err, "define");
    free(xml);
    char *before = engine_domain_get_xml(f->conn, "broken", ENGINE_XML_INACTIVE, &err);
    assert_non_null(before);
    vmerr_clear(&err);
    assert_int_equal(engine_domain_start(f->conn, "broken", &err), -1);
    print_message("failed start says: %s\n", err.message);
    assert_int_equal(err.code, VMERR_OPERATION_FAILED);
    assert_non_null(strstr(err.message, "domain 'broken'"));
    assert_non_null(strstr(err.message, "linux kernel too old to load a ram disk"));
    char *after = engine_domain_get_xml(f->conn, "broken", ENGINE_XML_INACTIVE, &err);
    assert_non_null(after);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(state_of(f->conn, "broken", NULL), ENGINE_DOMAIN_SHUTOFF);
    char *leftover = store_printf("%s/broken.d", f->runtime);
    assert_int_equal(access(leftover, F_OK), -1);
    free(leftover);
    char procs[2048];
    procs_mentioning(f->runtime, procs, sizeof(procs));
    if (procs[0])
        fail_msg("processes left behind: %s", procs);
    check_ok(engine_domain_undefine(f->conn, "broken", &err), &err, "undefine");
}

/* A supervisor killed with SIGKILL: the guest keeps running; the next look at the domain (a
 * fresh connection, as the next vmdeck process) adopts QEMU under a new supervisor, shows it
 * running, and suspend/resume and ACPI shutdown still work through it. */
static void test_supervisor_killed(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    check_ok(engine_domain_start(f->conn, "demo", &err), &err, "start");
    struct qemu_state st;
    note_supervisor(f, "demo", &st);
    f->nsup--; /* killed on purpose below */
    kill(st.supervisor_pid, SIGKILL);
    long long deadline = testutil_now_ms() + 5000;
    while (testutil_now_ms() < deadline &&
           qemu_state_pid_matches(st.supervisor_pid, st.supervisor_start))
        usleep(10000);
    assert_true(qemu_state_pid_matches(st.qemu_pid, st.qemu_start)); /* the guest lives on */
    struct engine_conn *fresh = engine_open(URI, &err);
    assert_non_null(fresh);
    int id = -1;
    assert_int_equal(state_of(fresh, "demo", &id), ENGINE_DOMAIN_RUNNING);
    assert_int_equal(id, st.id);
    struct qemu_state adopted;
    note_supervisor(f, "demo", &adopted);
    assert_true(adopted.supervisor_pid != st.supervisor_pid);
    assert_int_equal(adopted.qemu_pid, st.qemu_pid);
    check_ok(engine_domain_suspend(fresh, "demo", &err), &err, "suspend after adoption");
    assert_int_equal(state_of(fresh, "demo", NULL), ENGINE_DOMAIN_PAUSED);
    check_ok(engine_domain_resume(fresh, "demo", &err), &err, "resume after adoption");
    int fd = console_shell(fresh, "demo"); /* acpid is up once the shell answers */
    close(fd);
    check_ok(engine_domain_shutdown(fresh, "demo", &err), &err, "shutdown after adoption");
    wait_state(fresh, "demo", ENGINE_DOMAIN_SHUTOFF, STATE_TIMEOUT_MS);
    deadline = testutil_now_ms() + 5000;
    while (testutil_now_ms() < deadline &&
           (qemu_state_pid_matches(st.qemu_pid, st.qemu_start) ||
            qemu_state_pid_matches(adopted.supervisor_pid, adopted.supervisor_start)))
        usleep(10000);
    assert_false(qemu_state_pid_matches(st.qemu_pid, st.qemu_start));
    assert_false(qemu_state_pid_matches(adopted.supervisor_pid, adopted.supervisor_start));
    char *leftover = store_printf("%s/demo.state", f->runtime);
    assert_int_equal(access(leftover, F_OK), -1);
    free(leftover);
    char procs[2048];
    procs_mentioning(f->runtime, procs, sizeof(procs));
    if (procs[0])
        fail_msg("processes left behind: %s", procs);
    engine_close(fresh);
}

/* QEMU killed with SIGKILL behind vmdeck's back: within one second every connection sees
 * 'crashed' with the signal as the reason (woken by inotify); the record stays (inactive, no
 * id) until a destroy clears it, and a start replaces it. */
static void test_qemu_killed(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    check_ok(engine_domain_start(f->conn, "demo", &err), &err, "start");
    struct qemu_state st;
    note_supervisor(f, "demo", &st);
    struct engine_conn *other = engine_open(URI, &err);
    assert_non_null(other);
    long long t0 = testutil_now_ms();
    kill(st.qemu_pid, SIGKILL);
    wait_state(other, "demo", ENGINE_DOMAIN_CRASHED, 1000);
    print_message("crash seen after %lld ms\n", testutil_now_ms() - t0);
    struct engine_domain_info info;
    check_ok(engine_domain_lookup(f->conn, "demo", &info, &err), &err, "lookup");
    assert_int_equal(info.state, ENGINE_DOMAIN_CRASHED);
    assert_int_equal(info.id, -1);
    if (!strstr(info.state_reason, "killed by signal 9"))
        fail_msg("crash reason: '%s'", info.state_reason);
    long long deadline = testutil_now_ms() + 5000;
    while (testutil_now_ms() < deadline &&
           qemu_state_pid_matches(st.supervisor_pid, st.supervisor_start))
        usleep(10000);
    assert_false(qemu_state_pid_matches(st.supervisor_pid, st.supervisor_start));
    /* still crashed for a later process; the console log is kept aside */
    assert_int_equal(state_of(other, "demo", NULL), ENGINE_DOMAIN_CRASHED);
    char *log = store_printf("%s/demo.crashed.log", f->runtime);
    assert_true(count_in_file(log, "VMDECK-GUEST-READY") + 1 > 0 && access(log, F_OK) == 0);
    check_ok(engine_domain_destroy(other, "demo", &err), &err, "destroy the crashed record");
    assert_int_equal(state_of(f->conn, "demo", NULL), ENGINE_DOMAIN_SHUTOFF);
    unlink(log);
    free(log);
    engine_close(other);
}

/* on_poweroff=restart: a guest power-off brings up a new QEMU in place of the old one (same
 * domain id, new PTY); on_reboot=destroy: a guest reboot ends QEMU, the domain shuts off. */
static void test_lifecycle_actions(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    char *xml = variant(f->xml, "cycler", "<on_poweroff>destroy</on_poweroff>",
                        "<on_poweroff>restart</on_poweroff>", "<on_reboot>restart</on_reboot>",
                        "<on_reboot>destroy</on_reboot>");
    check_ok(engine_domain_define_xml(f->conn, xml, "cycler.xml", NULL, &err), &err, "define");
    free(xml);
    check_ok(engine_domain_start(f->conn, "cycler", &err), &err, "start");
    struct qemu_state first, second;
    note_supervisor(f, "cycler", &first);
    struct qemu_paths p;
    qemu_state_paths(f->runtime, "cycler", &p);
    long long deadline = testutil_now_ms() + BOOT_TIMEOUT_MS;
    while (count_in_file(p.console_log, "VMDECK-GUEST-READY") < 1 && testutil_now_ms() < deadline)
        usleep(100000);
    int fd = console_shell(f->conn, "cycler");
    testutil_write_all(fd, "poweroff -f\n");
    close(fd);
    /* console.log is appended to across the restart: the second boot shows up there */
    deadline = testutil_now_ms() + BOOT_TIMEOUT_MS;
    while (count_in_file(p.console_log, "VMDECK-GUEST-READY") < 2 && testutil_now_ms() < deadline)
        usleep(100000);
    if (count_in_file(p.console_log, "VMDECK-GUEST-READY") < 2) {
        char *log = store_read_file(p.console_log, NULL, NULL);
        fail_msg("cycler did not boot again after powering off; console.log:\n%s", log);
    }
    int id = -1;
    assert_int_equal(state_of(f->conn, "cycler", &id), ENGINE_DOMAIN_RUNNING);
    assert_int_equal(id, first.id);
    assert_int_equal(qemu_state_read(p.state, &second, NULL), 0);
    assert_int_equal(second.supervisor_pid, first.supervisor_pid);
    assert_true(second.qemu_pid != first.qemu_pid);
    assert_false(qemu_state_pid_matches(first.qemu_pid, first.qemu_start));
    fd = console_shell(f->conn, "cycler"); /* the new QEMU's PTY */
    testutil_write_all(fd, "reboot -f\n");
    wait_state(f->conn, "cycler", ENGINE_DOMAIN_SHUTOFF, STATE_TIMEOUT_MS);
    close(fd);
    deadline = testutil_now_ms() + 5000;
    while (testutil_now_ms() < deadline &&
           (qemu_state_pid_matches(second.qemu_pid, second.qemu_start) ||
            qemu_state_pid_matches(first.supervisor_pid, first.supervisor_start)))
        usleep(10000);
    assert_false(qemu_state_pid_matches(second.qemu_pid, second.qemu_start));
    assert_false(qemu_state_pid_matches(first.supervisor_pid, first.supervisor_start));
    qemu_state_paths_free(&p);
    check_ok(engine_domain_undefine(f->conn, "cycler", &err), &err, "undefine");
}

/* Wait until the guest's marker has appeared n times in its console log; fail showing the
 * log otherwise. */
static void wait_boots(const struct qemu_paths *p, int n, const char *what)
{
    long long deadline = testutil_now_ms() + BOOT_TIMEOUT_MS;
    while (count_in_file(p->console_log, "VMDECK-GUEST-READY") < n && testutil_now_ms() < deadline)
        usleep(100000);
    if (count_in_file(p->console_log, "VMDECK-GUEST-READY") < n) {
        char *log = store_read_file(p->console_log, NULL, NULL);
        fail_msg("%s: no boot #%d; console.log:\n%s", what, n, log);
    }
}

/* reboot asks the guest through ACPI and boots it again once it has powered off (a new
 * QEMU under the same supervisor and id; with on_poweroff=preserve the same QEMU, reset);
 * reset restarts the guest at once in the same QEMU. */
static void test_reboot_reset(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    const char *names[2] = {"rebooter", "rebooter2"};
    for (int preserve = 0; preserve < 2; preserve++) {
        const char *name = names[preserve];
        char *xml = variant(f->xml, name, preserve ? "<on_poweroff>destroy</on_poweroff>" : NULL,
                            preserve ? "<on_poweroff>preserve</on_poweroff>" : NULL, NULL, NULL);
        check_ok(engine_domain_define_xml(f->conn, xml, "rebooter.xml", NULL, &err), &err,
                 "define");
        free(xml);
        check_ok(engine_domain_start(f->conn, name, &err), &err, "start");
        struct qemu_state first, second;
        note_supervisor(f, name, &first);
        struct qemu_paths p;
        qemu_state_paths(f->runtime, name, &p);
        wait_boots(&p, 1, "first boot");
        check_ok(engine_domain_reboot(f->conn, name, &err), &err, "reboot");
        wait_boots(&p, 2, "reboot");
        int id = -1;
        assert_int_equal(state_of(f->conn, name, &id), ENGINE_DOMAIN_RUNNING);
        assert_int_equal(id, first.id);
        assert_int_equal(qemu_state_read(p.state, &second, NULL), 0);
        assert_int_equal(second.supervisor_pid, first.supervisor_pid);
        if (preserve) /* -no-shutdown kept QEMU: reset in place */
            assert_int_equal(second.qemu_pid, first.qemu_pid);
        else
            assert_true(second.qemu_pid != first.qemu_pid);
        check_ok(engine_domain_reset(f->conn, name, &err), &err, "reset");
        wait_boots(&p, 3, "reset");
        struct qemu_state third;
        assert_int_equal(qemu_state_read(p.state, &third, NULL), 0);
        assert_int_equal(third.qemu_pid, second.qemu_pid);
        assert_int_equal(state_of(f->conn, name, NULL), ENGINE_DOMAIN_RUNNING);
        check_ok(engine_domain_destroy(f->conn, name, &err), &err, "destroy");
        qemu_state_paths_free(&p);
        check_ok(engine_domain_undefine(f->conn, name, &err), &err, "undefine");
    }
}

/* A shutdown cancels a reboot the guest has not acted on: with acpid off the guest ignores
 * both presses; its own power-off afterwards ends the domain instead of booting it again. */
static void test_shutdown_cancels_reboot(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    char *xml =
        variant(f->xml, "deaf", "console=ttyS0", "console=ttyS0 vmdeck.noacpid=1", NULL, NULL);
    check_ok(engine_domain_define_xml(f->conn, xml, "deaf.xml", NULL, &err), &err, "define");
    free(xml);
    check_ok(engine_domain_start(f->conn, "deaf", &err), &err, "start");
    struct qemu_paths p;
    qemu_state_paths(f->runtime, "deaf", &p);
    wait_boots(&p, 1, "first boot");
    int fd = console_shell(f->conn, "deaf");
    check_ok(engine_domain_reboot(f->conn, "deaf", &err), &err, "reboot");
    check_ok(engine_domain_shutdown(f->conn, "deaf", &err), &err, "shutdown");
    usleep(500000);
    assert_int_equal(state_of(f->conn, "deaf", NULL), ENGINE_DOMAIN_RUNNING); /* ignored both */
    testutil_write_all(fd, "poweroff -f\n");
    wait_state(f->conn, "deaf", ENGINE_DOMAIN_SHUTOFF, STATE_TIMEOUT_MS);
    close(fd);
    usleep(1000000); /* and it stays off: no second boot follows */
    assert_int_equal(state_of(f->conn, "deaf", NULL), ENGINE_DOMAIN_SHUTOFF);
    qemu_state_paths_free(&p);
    check_ok(engine_domain_undefine(f->conn, "deaf", &err), &err, "undefine");
}

/* A runtime path too long for a UNIX socket is a clear error before anything runs. */
static void test_long_socket_path(void **state)
{
    struct fixture *f = *state;
    struct vmerr err = {0};
    char name[121];
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    char *xml = variant(f->xml, name, NULL, NULL, NULL, NULL);
    check_ok(engine_domain_define_xml(f->conn, xml, "long.xml", NULL, &err), &err, "define");
    free(xml);
    assert_int_equal(engine_domain_start(f->conn, name, &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_FAILED);
    assert_non_null(strstr(err.message, "longer than a UNIX socket allows"));
    assert_int_equal(state_of(f->conn, name, NULL), ENGINE_DOMAIN_SHUTOFF);
    check_ok(engine_domain_undefine(f->conn, name, &err), &err, "undefine");
}

/* The tests, in lifecycle order. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_console),
        cmocka_unit_test(test_suspend_resume),
        cmocka_unit_test(test_shutdown),
        cmocka_unit_test(test_survives_client),
        cmocka_unit_test(test_destroy),
        cmocka_unit_test(test_failed_start),
        cmocka_unit_test(test_supervisor_killed),
        cmocka_unit_test(test_qemu_killed),
        cmocka_unit_test(test_lifecycle_actions),
        cmocka_unit_test(test_reboot_reset),
        cmocka_unit_test(test_shutdown_cancels_reboot),
        cmocka_unit_test(test_long_socket_path),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
