/* qemu-supervisor: the per-domain supervisor process. Flow: the starting vmdeck process
 * forks; the child setsid()s and forks again; the grandchild (the supervisor) closes every
 * inherited fd but a report pipe, spawns QEMU (no shell) with stderr in qemu.log, connects
 * to QEMU's supervisor QMP socket, reads the serial PTY path (query-chardev), writes the live
 * XML and the state file, sends `cont`, and reports "OK" or QEMU's error through the pipe.
 * Then QMP events and SIGCHLD (signalfd) flow into its poll loop: state file updates and
 * lifecycle actions. "restart" (on_poweroff, on_crash) runs a new QEMU with the same argv
 * once the old one has exited, as Xen starts a new domain in place of the old one;
 * on_reboot=destroy is QEMU's -no-reboot; rename-restart is restart with the old console log
 * saved aside as NAME.crashed.log. When QEMU exits for good the runtime files go away, except
 * when it died unexpectedly (a signal, a non-zero exit, no SHUTDOWN event): then the state
 * file stays as a 'crashed' record with the reason, until the next start or a destroy.
 * Adoption: a new supervisor for a QEMU whose supervisor was killed watches it through a
 * pidfd (it is not our child, so its exit status is unknown) and reconnects to the
 * supervisor QMP socket, which QEMU serves again once the dead supervisor's connection closed.
 * Report pipe protocol, one line each: "SUP <pid>", "QEMU <pid>", then "OK" or "ERR <msg>". */
#include "drivers/qemu/qemu-supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/qemu/qemu-argv.h"
#include "drivers/qemu/qmp.h"
#include "engine/store.h"

extern char **environ;

/* How long QMP commands of the supervisor may take. */
#define SUP_QMP_TIMEOUT_MS 10000
/* How long QEMU gets to bring up its monitor after being spawned. */
#define SUP_MONITOR_TIMEOUT_MS 30000
/* Grace time between forwarding SIGTERM to QEMU and SIGKILL. */
#define SUP_KILL_GRACE_MS 5000

/* Actions requested by events, run from the main loop (not inside the QMP reader). */
enum {
    SUP_ACT_QUIT = 1 << 0,  /* quit: on_crash destroy / restart */
    SUP_ACT_RESET = 1 << 1, /* system_reset + cont: a reboot whose power-off kept QEMU */
};

/* The supervisor's whole state. */
struct sup {
    const struct qemu_supervisor_spec *spec;
    struct domain_def *live;
    struct qemu_state st;
    struct qmp *qmp;
    pid_t qemu;
    int report_fd;
    int sfd;
    bool exited;
    int status;
    unsigned pending;
    bool restart;      /* run QEMU again once this one has exited (lifecycle "restart") */
    bool terminating;  /* a termination signal came: never restart */
    long long kill_at; /* monotonic ms for SIGKILL after a forwarded SIGTERM; 0 = none */
    bool adopted;      /* QEMU is not our child: watched through pidfd, status unknown */
    int pidfd;         /* adopted QEMU's pidfd, -1 otherwise */
    bool saw_shutdown; /* a SHUTDOWN event came: QEMU's exit is expected */
    bool save_log;     /* rename-restart: keep the console log aside before the new boot */
    bool reboot;       /* SIGUSR1 asked for a reboot: the next guest power-off boots again */
    bool monitor_fds;  /* QEMU's argv takes the monitors as fds QEMU_ARGV_MON_FD_* */
    int mon_listen[2]; /* those listening sockets until QEMU has them; -1 otherwise */
};

/* Milliseconds on the monotonic clock. */
static long long qemu_supervisor_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write one printf-formatted line to the report pipe (if it is still open). */
static void __attribute__((format(printf, 2, 3)))
qemu_supervisor_report(struct sup *s, const char *fmt, ...)
{
    if (s->report_fd < 0)
        return;
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    for (int i = 0; i < n; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    line[n++] = '\n';
    for (int off = 0; off < n;) {
        ssize_t w = write(s->report_fd, line + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (int)w;
    }
}

/* The last non-empty line of QEMU's log (its own error message), or "" if none. */
static void qemu_supervisor_log_tail(const char *path, char *out, size_t len)
{
    out[0] = '\0';
    char *text = store_read_file(path, NULL, NULL);
    if (!text)
        return;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        text[--n] = '\0';
    char *line = strrchr(text, '\n');
    snprintf(out, len, "%s", line ? line + 1 : text);
    free(text);
}

/* Reap QEMU if it has exited (non-blocking, or blocking when wait is true). */
static void qemu_supervisor_reap(struct sup *s, bool wait)
{
    if (s->exited || s->qemu <= 0)
        return;
    if (s->adopted) {
        struct pollfd pfd = {.fd = s->pidfd, .events = POLLIN};
        int r;
        while ((r = poll(&pfd, 1, wait ? -1 : 0)) < 0 && errno == EINTR)
            ;
        if (r != 0) {
            s->exited = true;
            s->status = -1; /* unknown: not our child */
        }
        return;
    }
    int status;
    pid_t r;
    while ((r = waitpid(s->qemu, &status, wait ? 0 : WNOHANG)) < 0 && errno == EINTR)
        ;
    if (r == s->qemu || (r < 0 && errno == ECHILD)) {
        s->exited = true;
        s->status = r == s->qemu ? status : 0;
    }
}

/* Abort a start: kill QEMU, report why (with QEMU's last stderr line), remove the runtime
 * files and exit. */
static void __attribute__((noreturn)) qemu_supervisor_fail(struct sup *s, const char *why)
{
    if (s->qemu > 0 && !s->exited) {
        kill(s->qemu, SIGKILL);
        qemu_supervisor_reap(s, true);
    }
    qmp_close(s->qmp);
    char tail[800];
    qemu_supervisor_log_tail(s->spec->paths->qemu_log, tail, sizeof(tail));
    if (tail[0])
        qemu_supervisor_report(s, "ERR %s: %s", why, tail);
    else
        qemu_supervisor_report(s, "ERR %s", why);
    if (!s->spec->adopt || s->st.qemu_pid != s->spec->adopt->qemu_pid)
        qemu_state_cleanup(s->spec->paths); /* an adopted QEMU's files stay */
    _exit(1);
}

/* Write the state file; a failure is not fatal (the next change rewrites it). */
static void qemu_supervisor_write_state(struct sup *s, enum engine_domain_state state)
{
    s->st.state = state;
    qemu_state_write(s->spec->paths->state, &s->st, NULL);
}

/* Bool member key of obj (false when absent). */
static bool qemu_supervisor_json_bool(struct json_object *obj, const char *key)
{
    struct json_object *v;
    return obj && json_object_object_get_ex(obj, key, &v) && json_object_get_boolean(v);
}

/* String member key of obj, or "". */
static const char *qemu_supervisor_json_str(struct json_object *obj, const char *key)
{
    struct json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v))
        return "";
    const char *s = json_object_get_string(v);
    return s ? s : "";
}

/* QMP event handler: state changes and lifecycle actions. */
static void qemu_supervisor_event(void *opaque, const char *event, struct json_object *data)
{
    struct sup *s = opaque;
    const struct domain_def *def = s->spec->def;
    if (!event)
        return;
    if (!strcmp(event, "STOP")) {
        if (s->st.state == ENGINE_DOMAIN_RUNNING)
            qemu_supervisor_write_state(s, ENGINE_DOMAIN_PAUSED);
    } else if (!strcmp(event, "RESUME")) {
        qemu_supervisor_write_state(s, ENGINE_DOMAIN_RUNNING);
    } else if (!strcmp(event, "SHUTDOWN")) {
        /* QEMU exits next; a guest power-off under on_poweroff=restart starts it again */
        bool guest = qemu_supervisor_json_bool(data, "guest");
        const char *reason = qemu_supervisor_json_str(data, "reason");
        bool poweroff = guest && !strcmp(reason, "guest-shutdown");
        if (poweroff && s->reboot) {
            /* the power-off that a reboot asked for: boot again. With on_poweroff=preserve
             * QEMU stays (-no-shutdown) and is reset in place; otherwise a new QEMU. */
            s->reboot = false;
            if (def->on_poweroff == DOMAIN_LIFECYCLE_PRESERVE) {
                s->pending |= SUP_ACT_RESET;
                return;
            }
            s->restart = true;
        } else if (poweroff && (def->on_poweroff == DOMAIN_LIFECYCLE_RESTART ||
                                def->on_poweroff == DOMAIN_LIFECYCLE_RENAME_RESTART)) {
            s->restart = true;
            s->save_log = def->on_poweroff == DOMAIN_LIFECYCLE_RENAME_RESTART;
        }
        s->saw_shutdown = true;
        if (s->st.state != ENGINE_DOMAIN_CRASHED)
            qemu_supervisor_write_state(s, ENGINE_DOMAIN_SHUTDOWN);
    } else if (!strcmp(event, "GUEST_PANICKED")) {
        snprintf(s->st.reason, sizeof(s->st.reason), "guest kernel panicked");
        qemu_supervisor_write_state(s, ENGINE_DOMAIN_CRASHED);
        if (def->on_crash == DOMAIN_LIFECYCLE_RESTART ||
            def->on_crash == DOMAIN_LIFECYCLE_RENAME_RESTART) {
            s->restart = true;
            s->save_log = def->on_crash == DOMAIN_LIFECYCLE_RENAME_RESTART;
        }
        if (def->on_crash != DOMAIN_LIFECYCLE_PRESERVE)
            s->pending |= SUP_ACT_QUIT;
    }
}

/* Run actions that events asked for. */
static void qemu_supervisor_run_pending(struct sup *s)
{
    unsigned act = s->pending;
    s->pending = 0;
    if (s->qmp && (act & SUP_ACT_QUIT) &&
        qmp_command_simple(s->qmp, "quit", NULL, SUP_QMP_TIMEOUT_MS, NULL) < 0)
        kill(s->qemu, SIGTERM);
    if (s->qmp && (act & SUP_ACT_RESET) &&
        (qmp_command_simple(s->qmp, "system_reset", NULL, SUP_QMP_TIMEOUT_MS, NULL) < 0 ||
         qmp_command_simple(s->qmp, "cont", NULL, SUP_QMP_TIMEOUT_MS, NULL) < 0))
        kill(s->qemu, SIGTERM);
}

/* SIGUSR1 (qemu-driver.c's reboot): press the ACPI power button and remember that the
 * power-off it leads to is a reboot, like libvirt's reboot of a QEMU guest. */
static void qemu_supervisor_request_reboot(struct sup *s)
{
    if (!s->qmp || s->exited)
        return;
    s->reboot = qmp_command_simple(s->qmp, "system_powerdown", NULL, SUP_QMP_TIMEOUT_MS, NULL) == 0;
}

/* Block the signals the loop reads through a signalfd; default the rest. */
static int qemu_supervisor_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && !sigismember(&set, sig))
            signal(sig, sig == SIGPIPE ? SIG_IGN : SIG_DFL);
    sigprocmask(SIG_SETMASK, &set, NULL);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* posix_spawn QEMU: stdin /dev/null, stdout+stderr to qemu.log, default signals. */
static void qemu_supervisor_spawn(struct sup *s)
{
    const struct qemu_paths *p = s->spec->paths;
    int logfd = open(p->qemu_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0)
        qemu_supervisor_fail(s, "cannot create qemu.log");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, logfd, 1);
    posix_spawn_file_actions_adddup2(&fa, logfd, 2);
    if (s->monitor_fds) {
        posix_spawn_file_actions_adddup2(&fa, s->mon_listen[0], QEMU_ARGV_MON_FD_SUP);
        posix_spawn_file_actions_adddup2(&fa, s->mon_listen[1], QEMU_ARGV_MON_FD_CLIENT);
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigemptyset(&all);
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaddset(&all, sig);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(&s->qemu, s->spec->argv[0], &fa, &attr, s->spec->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(logfd);
    if (rc != 0) {
        s->qemu = 0;
        char why[600];
        snprintf(why, sizeof(why), "cannot run %s: %s", s->spec->argv[0], strerror(rc));
        qemu_supervisor_fail(s, why);
    }
}

/* A listening UNIX socket at path (replacing a stale file); -1 on failure. */
static int qemu_supervisor_listen_one(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    strcpy(sa.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Make the two monitor sockets QEMU will serve (see QEMU_ARGV_MON_FD_SUP). */
static void qemu_supervisor_listen(struct sup *s)
{
    const struct qemu_paths *p = s->spec->paths;
    s->mon_listen[0] = qemu_supervisor_listen_one(p->qmp_sup);
    s->mon_listen[1] = qemu_supervisor_listen_one(p->qmp_client);
    if (s->mon_listen[0] < 0 || s->mon_listen[1] < 0) {
        char why[300];
        snprintf(why, sizeof(why), "cannot create the QMP sockets in %s: %s", p->dir,
                 strerror(errno));
        qemu_supervisor_fail(s, why);
    }
}

/* Fail with how QEMU ended (it exited before its monitor answered). */
static void __attribute__((noreturn)) qemu_supervisor_fail_exit(struct sup *s)
{
    char why[64];
    if (WIFSIGNALED(s->status))
        snprintf(why, sizeof(why), "QEMU was killed by signal %d", WTERMSIG(s->status));
    else
        snprintf(why, sizeof(why), "QEMU exited with status %d", WEXITSTATUS(s->status));
    qemu_supervisor_fail(s, why);
}

/* Connect to the supervisor monitor QEMU got as a listening fd: the connection waits in
 * the backlog until QEMU is up and greets; once our copies of the listeners are closed,
 * QEMU dying before that ends the connection, so there is nothing to poll. */
static void qemu_supervisor_connect_fd(struct sup *s)
{
    struct vmerr e;
    vmerr_clear(&e);
    int fd = qmp_socket_connect(s->spec->paths->qmp_sup, &e);
    for (int i = 0; i < 2; i++) {
        close(s->mon_listen[i]);
        s->mon_listen[i] = -1;
    }
    if (fd >= 0)
        s->qmp = qmp_open_fd(fd, s->spec->paths->qmp_sup, SUP_MONITOR_TIMEOUT_MS, &e);
    if (s->qmp)
        return;
    qemu_supervisor_reap(s, false);
    if (!s->exited) { /* it may be on its way out: give it a moment to say how it ended */
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        qemu_supervisor_reap(s, false);
    }
    if (s->exited)
        qemu_supervisor_fail_exit(s);
    char why[1200];
    snprintf(why, sizeof(why), "QEMU's monitor did not answer: %s", e.message);
    qemu_supervisor_fail(s, why);
}

/* Connect to the supervisor monitor, waiting for QEMU to create it (or to die trying);
 * for an argv that names socket paths (one saved before monitors were passed as fds). */
static void qemu_supervisor_connect(struct sup *s)
{
    if (s->monitor_fds) {
        qemu_supervisor_connect_fd(s);
        return;
    }
    long long deadline = qemu_supervisor_now_ms() + SUP_MONITOR_TIMEOUT_MS;
    struct vmerr e;
    vmerr_clear(&e);
    while (!s->qmp) {
        qemu_supervisor_reap(s, false);
        if (s->exited)
            qemu_supervisor_fail_exit(s);
        long long left = deadline - qemu_supervisor_now_ms();
        if (left <= 0) {
            char why[1200];
            snprintf(why, sizeof(why), "QEMU's monitor did not come up within %d s (%s)",
                     SUP_MONITOR_TIMEOUT_MS / 1000, e.message);
            qemu_supervisor_fail(s, why);
        }
        s->qmp = qmp_connect(s->spec->paths->qmp_sup, (int)left, &e);
        if (!s->qmp) { /* QEMU creates the socket ~30 ms after exec: retry every 1 ms */
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

/* Whether argv passes the monitors as fds (QEMU_ARGV_MON_FD_SUP) rather than paths. */
static bool qemu_supervisor_argv_monitor_fds(char *const *argv)
{
    char want[64];
    snprintf(want, sizeof(want), "socket,id=charmonitor,fd=%d,", QEMU_ARGV_MON_FD_SUP);
    for (; *argv; argv++)
        if (!strncmp(*argv, want, strlen(want)))
            return true;
    return false;
}

/* Fill the live definition's serial/console PTY paths from query-chardev. */
static void qemu_supervisor_read_ptys(struct sup *s)
{
    struct vmerr e;
    struct json_object *ret = qmp_command(s->qmp, "query-chardev", NULL, SUP_QMP_TIMEOUT_MS, &e);
    if (!ret) {
        char why[1100];
        snprintf(why, sizeof(why), "cannot read the serial PTY: %s", e.message);
        qemu_supervisor_fail(s, why);
    }
    struct domain_def *live = s->live;
    size_t n = json_object_is_type(ret, json_type_array) ? json_object_array_length(ret) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(ret, i);
        const char *label = qemu_supervisor_json_str(c, "label"),
                   *file = qemu_supervisor_json_str(c, "filename");
        int port;
        if (sscanf(label, "charserial%d", &port) != 1 || strncmp(file, "pty:", 4) != 0)
            continue;
        const char *tty = file + 4;
        for (size_t k = 0; k < live->nserials; k++)
            if (live->serials[k].port == port) {
                free(live->serials[k].tty);
                live->serials[k].tty = strdup(tty);
            }
        bool first = live->nserials ? live->serials[0].port == port
                                    : live->nconsoles && live->consoles[0].port == port;
        if (first) {
            snprintf(s->st.tty, sizeof(s->st.tty), "%s", tty);
            if (live->nconsoles) {
                free(live->consoles[0].tty);
                live->consoles[0].tty = strdup(tty);
            }
        }
    }
    json_object_put(ret);
}

/* Save QEMU's argv (NUL-separated) for a supervisor that may have to adopt this QEMU. */
static void qemu_supervisor_save_argv(struct sup *s)
{
    size_t len = 0;
    for (char *const *a = s->spec->argv; *a; a++)
        len += strlen(*a) + 1;
    char *buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    size_t off = 0;
    for (char *const *a = s->spec->argv; *a; a++) {
        size_t n = strlen(*a) + 1;
        memcpy(buf + off, *a, n);
        off += n;
    }
    store_write_runtime(s->spec->paths->argv, buf, len, NULL);
    free(buf);
}

/* Read a saved argv back (the list is NULL-terminated, as qemu_argv_free expects). */
char **qemu_supervisor_load_argv(const char *path)
{
    size_t len = 0;
    char *buf = store_read_file(path, &len, NULL);
    if (!buf || len == 0) {
        free(buf);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\0';
    char **argv = calloc(n + 1, sizeof(*argv));
    if (!argv)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < len && k < n; i += strlen(buf + i) + 1)
        argv[k++] = strdup(buf + i);
    free(buf);
    return argv;
}

/* Bring the domain up: spawn, connect, read PTYs, write live XML + state, cont, report (the
 * report pipe is closed after the first boot; a restart reports nothing). */
static void qemu_supervisor_boot(struct sup *s)
{
    const struct qemu_paths *p = s->spec->paths;
    s->exited = false;
    s->restart = false;
    s->saw_shutdown = false;
    s->adopted = false;
    s->qmp = NULL;
    s->st.reason[0] = '\0';
    if (s->save_log) { /* rename-restart: the old console log is kept aside */
        rename(p->console_log, p->crash_log);
        s->save_log = false;
    }
    s->monitor_fds = qemu_supervisor_argv_monitor_fds(s->spec->argv);
    if (s->monitor_fds) {
        qemu_supervisor_listen(s);
    } else {
        unlink(p->qmp_sup);
        unlink(p->qmp_client);
    }
    qemu_supervisor_spawn(s);
    qemu_supervisor_report(s, "QEMU %ld", (long)s->qemu);
    qemu_supervisor_save_argv(s); /* while QEMU initialises: off the start's critical path */
    s->st.qemu_pid = s->qemu;
    s->st.qemu_start = qemu_state_proc_start(s->qemu);
    qemu_supervisor_connect(s);
    qemu_supervisor_read_ptys(s);
    s->live->id = s->spec->id;
    for (size_t i = 0; i < s->live->ngraphics; i++)
        if (s->live->graphics[i].type == DOMAIN_GRAPHICS_VNC && s->spec->vnc_port > 0)
            s->live->graphics[i].port = s->spec->vnc_port;
    char *xml = domain_def_format(s->live, 0);
    struct vmerr e;
    if (!xml || store_write_runtime(p->live_xml, xml, strlen(xml), &e) < 0) {
        free(xml);
        qemu_supervisor_fail(s, "cannot write the live XML");
    }
    free(xml);
    s->st.state = ENGINE_DOMAIN_RUNNING;
    qmp_set_event_handler(s->qmp, qemu_supervisor_event, s);
    if (qmp_command_simple(s->qmp, "cont", NULL, SUP_QMP_TIMEOUT_MS, &e) < 0) {
        char why[1100];
        snprintf(why, sizeof(why), "cannot start the CPUs: %s", e.message);
        qemu_supervisor_fail(s, why);
    }
    /* <currentMemory> below <memory>: the balloon device (qemu-argv.c) gets its target */
    if (s->live->current_memory_kib && s->live->current_memory_kib < s->live->memory_kib) {
        struct json_object *args = json_object_new_object();
        json_object_object_add(args, "value",
                               json_object_new_int64((int64_t)s->live->current_memory_kib * 1024));
        if (qmp_command_simple(s->qmp, "balloon", args, SUP_QMP_TIMEOUT_MS, &e) < 0) {
            char why[1100];
            snprintf(why, sizeof(why), "cannot set the balloon target: %s", e.message);
            qemu_supervisor_fail(s, why);
        }
    }
    if (qemu_state_write(p->state, &s->st, &e) < 0) {
        char why[1100];
        snprintf(why, sizeof(why), "cannot write the state file: %s", e.message);
        qemu_supervisor_fail(s, why);
    }
    qemu_supervisor_report(s, "OK");
    if (s->report_fd >= 0)
        close(s->report_fd);
    s->report_fd = -1;
}

/* Handle pending signals: reap QEMU, forward termination requests to it. */
static void qemu_supervisor_signal(struct sup *s)
{
    struct signalfd_siginfo si;
    while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) {
            qemu_supervisor_reap(s, false);
        } else if (si.ssi_signo == SIGUSR1) {
            qemu_supervisor_request_reboot(s);
        } else if (si.ssi_signo == SIGUSR2) {
            s->reboot = false; /* a shutdown was asked for: the next power-off is final */
        } else if (!s->exited) {
            s->terminating = true;
            kill(s->qemu, s->kill_at ? SIGKILL : SIGTERM);
            if (!s->kill_at)
                s->kill_at = qemu_supervisor_now_ms() + SUP_KILL_GRACE_MS;
        }
    }
}

/* Follow QEMU until it exits: signals, QMP events, pending actions, the SIGKILL deadline. */
static void qemu_supervisor_watch(struct sup *s)
{
    while (!s->exited) {
        struct pollfd pfd[3] = {{.fd = s->sfd, .events = POLLIN},
                                {.fd = s->qmp ? qmp_fd(s->qmp) : -1, .events = POLLIN},
                                {.fd = s->adopted ? s->pidfd : -1, .events = POLLIN}};
        int timeout = -1;
        if (s->kill_at) {
            long long left = s->kill_at - qemu_supervisor_now_ms();
            timeout = left < 0 ? 0 : (int)left;
        }
        if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
            qemu_supervisor_reap(s, true); /* cannot watch any more: wait for QEMU */
        if (pfd[0].revents)
            qemu_supervisor_signal(s);
        if (pfd[2].revents)
            qemu_supervisor_reap(s, false);
        if (s->qmp && pfd[1].revents && qmp_read_events(s->qmp, NULL) < 0) {
            qmp_close(s->qmp); /* QEMU is going away; SIGCHLD follows */
            s->qmp = NULL;
        }
        if (s->pending)
            qemu_supervisor_run_pending(s);
        if (s->kill_at && !s->exited && qemu_supervisor_now_ms() >= s->kill_at) {
            kill(s->qemu, SIGKILL);
            s->kill_at = 0;
        }
    }
}

/* Adopt the QEMU named by spec->adopt: pidfd, supervisor QMP, its real run state, the state
 * file with this supervisor's pid, then report. */
static void qemu_supervisor_adopt(struct sup *s)
{
    const struct qemu_state *old = s->spec->adopt;
    s->adopted = true;
    s->qemu = old->qemu_pid;
    s->st.qemu_pid = old->qemu_pid;
    s->st.qemu_start = old->qemu_start;
    snprintf(s->st.tty, sizeof(s->st.tty), "%s", old->tty);
    s->pidfd = (int)syscall(SYS_pidfd_open, old->qemu_pid, 0);
    if (s->pidfd < 0 || !qemu_state_pid_matches(old->qemu_pid, old->qemu_start)) {
        qemu_supervisor_report(s, "ERR QEMU (pid %ld) is gone", (long)old->qemu_pid);
        _exit(1);
    }
    struct vmerr e;
    s->qmp = qmp_connect(s->spec->paths->qmp_sup, SUP_QMP_TIMEOUT_MS, &e);
    struct json_object *ret =
        s->qmp ? qmp_command(s->qmp, "query-status", NULL, SUP_QMP_TIMEOUT_MS, &e) : NULL;
    if (!ret) {
        qemu_supervisor_report(s, "ERR cannot reach QEMU's monitor: %s", e.message);
        _exit(1);
    }
    bool running = qemu_supervisor_json_bool(ret, "running");
    const char *status = qemu_supervisor_json_str(ret, "status");
    s->st.state = running                             ? ENGINE_DOMAIN_RUNNING
                  : !strcmp(status, "guest-panicked") ? ENGINE_DOMAIN_CRASHED
                                                      : ENGINE_DOMAIN_PAUSED;
    if (s->st.state == ENGINE_DOMAIN_CRASHED)
        snprintf(s->st.reason, sizeof(s->st.reason), "%s", old->reason);
    json_object_put(ret);
    qmp_set_event_handler(s->qmp, qemu_supervisor_event, s);
    if (qemu_state_write(s->spec->paths->state, &s->st, &e) < 0) {
        qemu_supervisor_report(s, "ERR cannot write the state file: %s", e.message);
        _exit(1);
    }
    qemu_supervisor_report(s, "OK");
    close(s->report_fd);
    s->report_fd = -1;
}

/* The supervisor's life after the fork: boot the guest, then watch it until QEMU exits. */
static void __attribute__((noreturn))
qemu_supervisor_main(const struct qemu_supervisor_spec *spec, int report_fd)
{
    struct sup s = {
        .spec = spec, .report_fd = report_fd, .sfd = -1, .pidfd = -1, .mon_listen = {-1, -1}};
    s.sfd = qemu_supervisor_signals();
    qemu_supervisor_report(&s, "SUP %ld", (long)getpid());
    int alive = open(spec->paths->alive, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (alive < 0 || flock(alive, LOCK_EX | LOCK_NB) < 0)
        qemu_supervisor_fail(&s, "cannot take the supervisor lock");
    if (s.sfd < 0)
        qemu_supervisor_fail(&s, "cannot create a signalfd");
    s.live = domain_def_copy(spec->def);
    if (!s.live)
        qemu_supervisor_fail(&s, "out of memory");
    s.st.id = spec->id;
    s.st.supervisor_pid = getpid();
    s.st.supervisor_start = qemu_state_proc_start(getpid());
    s.st.vnc_port = spec->vnc_port;
    if (spec->adopt)
        qemu_supervisor_adopt(&s);
    else
        qemu_supervisor_boot(&s);
    bool crashed = false;
    for (;;) {
        qemu_supervisor_watch(&s);
        qemu_supervisor_reap(&s, true);
        if (s.qmp) /* a SHUTDOWN event may still sit in the socket */
            qmp_read_events(s.qmp, NULL);
        qmp_close(s.qmp);
        s.qmp = NULL;
        bool known = !s.adopted;
        bool clean_exit = known && WIFEXITED(s.status) && WEXITSTATUS(s.status) == 0;
        if (!s.terminating && !s.saw_shutdown && !(clean_exit && s.restart)) {
            crashed = true; /* QEMU died on its own: keep a 'crashed' record */
            break;
        }
        if (!s.restart || s.terminating || !(clean_exit || (!known && s.saw_shutdown)))
            break;
        qemu_supervisor_boot(&s); /* lifecycle "restart": a new QEMU in place of the old */
    }
    if (crashed) {
        char why[sizeof(s.st.reason)];
        if (s.adopted)
            snprintf(why, sizeof(why), "QEMU (pid %ld) exited unexpectedly", (long)s.qemu);
        else if (WIFSIGNALED(s.status))
            snprintf(why, sizeof(why), "QEMU (pid %ld) was killed by signal %d (%s)", (long)s.qemu,
                     WTERMSIG(s.status), strsignal(WTERMSIG(s.status)));
        else
            snprintf(why, sizeof(why), "QEMU (pid %ld) exited with status %d", (long)s.qemu,
                     WEXITSTATUS(s.status));
        qemu_state_crash_record(spec->paths, &s.st, why);
        _exit(0);
    }
    qemu_state_cleanup(spec->paths);
    _exit(0);
}

/* In the forked child: new session, second fork, fds reset, then the supervisor proper. */
static void __attribute__((noreturn))
qemu_supervisor_child(const struct qemu_supervisor_spec *spec, int wfd)
{
    setsid();
    pid_t pid = fork();
    if (pid != 0)
        _exit(pid < 0 ? 1 : 0);
    /* tap fds (qemu-tap.c) move to QEMU_ARGV_TAP_FD_BASE + k, without FD_CLOEXEC, so every
     * QEMU this supervisor spawns (restarts too) finds them where its argv says */
    int taps[64];
    size_t ntaps = spec->ntap_fds < 64 ? spec->ntap_fds : 64;
    for (size_t i = 0; i < ntaps; i++)
        if ((taps[i] = fcntl(spec->tap_fds[i], F_DUPFD_CLOEXEC, QEMU_ARGV_TAP_FD_BASE + 64)) < 0)
            _exit(1);
    if (wfd != 3 && dup2(wfd, 3) < 0)
        _exit(1);
    fcntl(3, F_SETFD, FD_CLOEXEC);
    for (size_t i = 0; i < ntaps; i++)
        if (dup2(taps[i], QEMU_ARGV_TAP_FD_BASE + (int)i) < 0)
            _exit(1);
    close_range(4, QEMU_ARGV_TAP_FD_BASE - 1, 0);
    close_range(QEMU_ARGV_TAP_FD_BASE + (unsigned)ntaps, ~0U, 0);
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        if (nul > 3)
            close(nul);
    }
    if (chdir("/") < 0)
        _exit(1);
    umask(0177);
    qemu_supervisor_main(spec, 3);
}

/* Parse the report lines received so far; returns 1 on OK, -1 on ERR (err set), 0 if
 * undecided. */
static int qemu_supervisor_parse_report(char *buf, pid_t *sup_pid, pid_t *qemu_pid,
                                        const char *name, struct vmerr *err)
{
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "SUP ", 4))
            *sup_pid = (pid_t)atol(line + 4);
        else if (!strncmp(line, "QEMU ", 5))
            *qemu_pid = (pid_t)atol(line + 5);
        else if (!strcmp(line, "OK"))
            return 1;
        else if (!strncmp(line, "ERR ", 4))
            return vmerr_set(err, VMERR_OPERATION_FAILED, "domain '%s': failed to start: %s", name,
                             line + 4);
    }
    return 0;
}

/* Fork the supervisor and wait for its verdict. */
int qemu_supervisor_start(const struct qemu_supervisor_spec *spec, int timeout_ms,
                          struct vmerr *err)
{
    const char *name = spec->def->name;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return vmerr_set_errno(err, errno, "domain '%s': cannot create a pipe", name);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return vmerr_set_errno(err, e, "domain '%s': cannot fork the supervisor", name);
    }
    if (pid == 0) {
        close(p[0]);
        qemu_supervisor_child(spec, p[1]);
    }
    close(p[1]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    char buf[4096];
    size_t len = 0;
    long long deadline = qemu_supervisor_now_ms() + timeout_ms;
    int verdict = 0;
    pid_t sup_pid = 0, qemu_pid = 0;
    for (;;) {
        long long left = deadline - qemu_supervisor_now_ms();
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            vmerr_set(err, VMERR_TIMEOUT, "domain '%s': QEMU did not start within %d s", name,
                      timeout_ms / 1000);
            verdict = -2;
            break;
        }
        ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == sizeof(buf) - 1)
            break; /* a well-behaved supervisor never says this much */
    }
    close(p[0]);
    buf[len] = '\0';
    if (verdict == 0) {
        verdict = qemu_supervisor_parse_report(buf, &sup_pid, &qemu_pid, name, err);
        if (verdict == 0)
            vmerr_set(err, VMERR_OPERATION_FAILED,
                      "domain '%s': the supervisor exited without reporting", name);
    } else {
        struct vmerr ignored; /* the timeout message stays; only the pids are wanted */
        qemu_supervisor_parse_report(buf, &sup_pid, &qemu_pid, name, &ignored);
    }
    if (verdict == 1)
        return 0;
    if (verdict == 0 || verdict == -2) {
        /* no verdict: make sure nothing half-started stays behind */
        if (sup_pid > 0)
            kill(sup_pid, SIGKILL);
        if (qemu_pid > 0 && !spec->adopt)
            kill(qemu_pid, SIGKILL);
    }
    if (!spec->adopt)
        qemu_state_cleanup(spec->paths);
    return -1;
}
