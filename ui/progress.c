/* progress: operations that may take longer than the eye likes (starting a real QEMU
 * guest, reboot, autostart, shutdown --wait, waiting for a guest to power off) run without
 * blocking the event loop. A verb runs as a job in a forked child on its own connection
 * (the state lives on disk, so the child's change is everyone's); its output and result come
 * back through a socket pair the loop polls. A wait for a guest to power off is a check of the
 * domain's state after every wake-up (the watch fd wakes the loop on each state change).
 * After 200 ms a spinner with the elapsed seconds takes the status line, redrawn ten times a
 * second; Esc stops waiting, and the operation itself goes on. With nothing in progress
 * there is no timer at all. Connections kept in memory (test:///) run verbs in-process:
 * a child's changes would be lost, and they finish at once anyway. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ui/ui.h"

enum {
    PROGRESS_SHOW_MS = 200,  /* quicker operations show no spinner */
    PROGRESS_FRAME_MS = 100, /* spinner frame */
    PROGRESS_ORPHANS = 32,   /* children we stopped waiting for, reaped later */
};

/* What is being waited for. */
enum progress_kind {
    PROGRESS_NONE = 0,
    PROGRESS_JOB,     /* a verb in a child process */
    PROGRESS_SHUTOFF, /* a domain powering off */
};

/* The result record a job's child writes before its output. */
struct progress_trailer {
    int rc;
    struct vmerr err;
    size_t outlen;
};

struct progress {
    enum progress_kind kind;
    char title[300]; /* the spinner's text: "start web1" */
    char what[300];  /* what is waited for, short: "'start web1'", "the shutdown of 'x'" */
    long long started_ms, deadline_ms;
    pid_t pid; /* the job's child */
    int fd;    /* our end of its socket pair, -1 when none */
    char *buf; /* everything read from it */
    size_t len, cap;
    progress_done_fn done;
    char name[ENGINE_NAME_MAX]; /* the domain a shutoff wait is about */
    bool shown;                 /* the spinner is on screen */
    pid_t orphans[PROGRESS_ORPHANS];
};

/* Spinner frames, UTF-8 and ASCII. */
static const char *const progress_frames_utf8[] = {"⠋", "⠙", "⠹", "⠸", "⠼",
                                                   "⠴", "⠦", "⠧", "⠇", "⠏"};
static const char *const progress_frames_ascii[] = {"|", "/", "-", "\\"};

/* Milliseconds on the monotonic clock. */
static long long progress_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The progress state, made on first use. */
static struct progress *progress_get(struct tui *tui)
{
    if (!tui->progress) {
        tui->progress = calloc(1, sizeof(*tui->progress));
        if (!tui->progress)
            abort(); /* memory exhaustion is not recoverable */
        tui->progress->fd = -1;
    }
    return tui->progress;
}

/* Whether an operation is being waited for. */
bool progress_active(struct tui *tui)
{
    return tui->progress && tui->progress->kind != PROGRESS_NONE;
}

/* Begin waiting for something called title. */
static void progress_begin(struct progress *p, enum progress_kind kind, const char *title,
                           const char *what)
{
    p->kind = kind;
    snprintf(p->title, sizeof(p->title), "%s", title);
    snprintf(p->what, sizeof(p->what), "%s", what);
    p->started_ms = progress_now_ms();
    p->shown = false;
    p->len = 0;
}

/* Stop waiting: forget the job (remembering its child for reaping), clear the line. */
static void progress_end(struct tui *tui)
{
    struct progress *p = tui->progress;
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    if (p->pid > 0) {
        for (size_t i = 0; i < PROGRESS_ORPHANS; i++) {
            if (p->orphans[i] == 0) {
                p->orphans[i] = p->pid;
                break;
            }
        }
        p->pid = 0;
    }
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
    p->kind = PROGRESS_NONE;
    if (p->shown)
        tui->dirty |= TUI_DIRTY_STATUS;
    p->shown = false;
}

/* Refuse a second operation while one is waited for. */
static int progress_busy(struct tui *tui, struct vmerr *err)
{
    if (!progress_active(tui))
        return 0;
    return vmerr_set(err, VMERR_OPERATION_INVALID, "busy: still waiting for %s (Esc stops waiting)",
                     tui->progress->what);
}

/* In the child: run the verb on a new connection to uri, write the trailer and the output
 * to fd, and exit. Nothing may reach the terminal, so stdio points at /dev/null. */
static void progress_child(const char *uri, int argc, char **argv, int fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    struct progress_trailer t = {.rc = -1};
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    struct engine_conn *conn = engine_open(uri, &t.err);
    if (conn && f)
        t.rc = cmd_run_words(conn, argc, argv, f, &t.err);
    if (f)
        fclose(f);
    t.outlen = out ? len : 0;
    /* MSG_NOSIGNAL: if the UI stopped reading, the write fails instead of killing us (and
     * SIGPIPE keeps its default for what the operation spawns, QEMU's supervisor) */
    if (send(fd, &t, sizeof(t), MSG_NOSIGNAL) == (ssize_t)sizeof(t)) {
        for (size_t done = 0; done < t.outlen;) {
            ssize_t n = send(fd, out + done, t.outlen - done, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += (size_t)n;
        }
    }
    engine_close(conn);
    free(out);
    _exit(0);
}

/* Run verb words as a job (see ui.h). */
int progress_run_words(struct tui *tui, const char *title, int argc, char **argv,
                       progress_done_fn done, struct vmerr *err)
{
    if (progress_busy(tui, err) < 0)
        return -1;
    if (engine_watch_fd(tui->conn) < 0) {
        /* in memory: only this process sees the state, and nothing here takes long */
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (!f)
            abort(); /* memory exhaustion is not recoverable */
        struct vmerr verr = {0};
        int rc = cmd_run_words(tui->conn, argc, argv, f, &verr);
        fclose(f);
        done(tui, title, rc, out ? out : "", &verr);
        free(out);
        return 0;
    }
    int pfd[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pfd) < 0)
        return vmerr_set_errno(err, errno, "%s: cannot create a socket pair", title);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        return vmerr_set_errno(err, e, "%s: cannot fork", title);
    }
    if (pid == 0) {
        close(pfd[0]);
        progress_child(engine_uri(tui->conn), argc, argv, pfd[1]);
    }
    close(pfd[1]);
    fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
    struct progress *p = progress_get(tui);
    char what[300];
    snprintf(what, sizeof(what), "'%.290s'", title);
    progress_begin(p, PROGRESS_JOB, title, what);
    p->pid = pid;
    p->fd = pfd[0];
    p->done = done;
    return 0;
}

/* Wait for name to be shut off (see ui.h). */
int progress_wait_shutoff(struct tui *tui, const char *name, int timeout_ms, struct vmerr *err)
{
    if (progress_busy(tui, err) < 0)
        return -1;
    struct progress *p = progress_get(tui);
    char title[300];
    snprintf(title, sizeof(title), "Domain '%.200s' is being shutdown, waiting for it to power off",
             name);
    char what[300];
    snprintf(what, sizeof(what), "the shutdown of '%.200s'", name);
    progress_begin(p, PROGRESS_SHUTOFF, title, what);
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->deadline_ms = p->started_ms + timeout_ms;
    progress_tick(tui); /* an in-memory guest is off already */
    return 0;
}

/* Esc: stop waiting; the operation continues. */
void progress_stop(struct tui *tui)
{
    if (!progress_active(tui))
        return;
    struct progress *p = tui->progress;
    if (p->kind == PROGRESS_SHUTOFF)
        status_set(tui, false,
                   "Stopped waiting: domain '%s' is still shutting down (the request stands)",
                   p->name);
    else
        status_set(tui, false, "Stopped waiting for %s: it goes on in the background", p->what);
    progress_end(tui);
    tui->dirty |= TUI_DIRTY_DATA;
}

/* poll() fd of a running job. */
int progress_fd(struct tui *tui)
{
    return progress_active(tui) ? tui->progress->fd : -1;
}

/* The job's socket closed: collect the child, hand its result to done. */
static void progress_finish_job(struct tui *tui)
{
    struct progress *p = tui->progress;
    while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    p->pid = 0;
    struct progress_trailer t;
    memset(&t, 0, sizeof(t));
    const char *out = "";
    if (p->len >= sizeof(t)) {
        memcpy(&t, p->buf, sizeof(t));
        if (t.outlen > p->len - sizeof(t))
            t.outlen = p->len - sizeof(t);
        p->buf[sizeof(t) + t.outlen] = '\0';
        out = p->buf + sizeof(t);
    } else {
        t.rc = -1;
        vmerr_set(&t.err, VMERR_INTERNAL, "%s: the worker process died without an answer",
                  p->title);
    }
    char title[300];
    snprintf(title, sizeof(title), "%s", p->title);
    char *copy = strdup(out);
    if (!copy)
        abort(); /* memory exhaustion is not recoverable */
    progress_done_fn done = p->done;
    progress_end(tui);
    tui->dirty |= TUI_DIRTY_DATA;
    done(tui, title, t.rc, copy, &t.err);
    free(copy);
}

/* Read what the job's child wrote; at its end, finish. */
void progress_io(struct tui *tui)
{
    struct progress *p = tui->progress;
    if (!p || p->fd < 0)
        return;
    for (;;) {
        if (p->cap - p->len < 4097) {
            p->cap = p->cap ? p->cap * 2 : 16384;
            p->buf = realloc(p->buf, p->cap);
            if (!p->buf)
                abort(); /* memory exhaustion is not recoverable */
        }
        ssize_t n = read(p->fd, p->buf + p->len, p->cap - p->len - 1);
        if (n > 0) {
            p->len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        break; /* end of the stream (or an error): the child is done */
    }
    progress_finish_job(tui);
}

/* Milliseconds until the spinner needs drawing, -1 when nothing is in progress. */
int progress_timeout_ms(struct tui *tui)
{
    if (!progress_active(tui))
        return -1;
    long long now = progress_now_ms(), at;
    struct progress *p = tui->progress;
    if (!p->shown)
        at = p->started_ms + PROGRESS_SHOW_MS;
    else
        at = now + PROGRESS_FRAME_MS - (now - p->started_ms) % PROGRESS_FRAME_MS;
    if (p->kind == PROGRESS_SHUTOFF && p->deadline_ms < at)
        at = p->deadline_ms;
    return at <= now ? 0 : (int)(at - now);
}

/* Check a shutoff wait: done, crashed, or given up. */
static void progress_check_shutoff(struct tui *tui)
{
    struct progress *p = tui->progress;
    struct engine_domain_info info;
    struct vmerr err = {0};
    char name[ENGINE_NAME_MAX];
    snprintf(name, sizeof(name), "%s", p->name);
    if (engine_domain_lookup(tui->conn, name, &info, &err) < 0) {
        progress_end(tui);
        status_error(tui, &err);
    } else if (info.state == ENGINE_DOMAIN_SHUTOFF) {
        long long secs = (progress_now_ms() - p->started_ms) / 1000;
        progress_end(tui);
        if (secs > 0)
            status_set(tui, false, "Domain '%s' is shut off (after %lld s)", name, secs);
        else
            status_set(tui, false, "Domain '%s' is shut off", name);
    } else if (info.state == ENGINE_DOMAIN_CRASHED && info.id < 0) {
        progress_end(tui);
        status_set(tui, true, "error: domain '%s' crashed while shutting down: %s", name,
                   info.state_reason[0] ? info.state_reason : "no reason recorded");
    } else if (progress_now_ms() >= p->deadline_ms) {
        long long secs = (p->deadline_ms - p->started_ms + 999) / 1000;
        progress_end(tui);
        status_set(tui, true, "error: domain '%s' did not power off within %lld s; it is still %s",
                   name, secs, engine_domain_state_name(info.state));
    } else {
        return;
    }
    tui->dirty |= TUI_DIRTY_DATA;
}

/* Reap children we stopped waiting for. */
static void progress_reap(struct progress *p)
{
    for (size_t i = 0; i < PROGRESS_ORPHANS; i++)
        if (p->orphans[i] > 0 && waitpid(p->orphans[i], NULL, WNOHANG) != 0)
            p->orphans[i] = 0;
}

/* After every wake-up: reap, check a shutoff wait, show or advance the spinner. */
void progress_tick(struct tui *tui)
{
    struct progress *p = tui->progress;
    if (!p)
        return;
    progress_reap(p);
    if (p->kind == PROGRESS_SHUTOFF)
        progress_check_shutoff(tui);
    if (p->kind == PROGRESS_NONE)
        return;
    if (progress_now_ms() - p->started_ms >= PROGRESS_SHOW_MS) {
        p->shown = true;
        tui->dirty |= TUI_DIRTY_STATUS;
    }
}

/* Draw "⠹ start web1: 2.4 s  (Esc stops waiting)". */
void progress_draw(struct tui *tui)
{
    struct progress *p = tui->progress;
    WINDOW *w = tui->status;
    long long ms = progress_now_ms() - p->started_ms;
    size_t nframes = tui->utf8 ? sizeof(progress_frames_utf8) / sizeof(progress_frames_utf8[0])
                               : sizeof(progress_frames_ascii) / sizeof(progress_frames_ascii[0]);
    size_t frame = (size_t)(ms / PROGRESS_FRAME_MS) % nframes;
    const char *sym = tui->utf8 ? progress_frames_utf8[frame] : progress_frames_ascii[frame];
    char line[512];
    snprintf(line, sizeof(line), "%s %s: %lld.%lld s  (Esc stops waiting)", sym, p->title,
             ms / 1000, (ms % 1000) / 100);
    draw_blank_line(w, 0, draw_attr(DRAW_INFO));
    draw_text(w, 0, 1, getmaxx(w) - 1, line, draw_attr(DRAW_INFO));
}

/* Whether the spinner is on screen (status.c draws it then). */
bool progress_shown(struct tui *tui)
{
    return progress_active(tui) && tui->progress->shown;
}

/* At exit: stop waiting for everything; children finish on their own. */
void progress_free(struct tui *tui)
{
    if (!tui->progress)
        return;
    if (progress_active(tui))
        progress_end(tui);
    free(tui->progress);
    tui->progress = NULL;
}
