/* qemu-state: runtime paths of a domain, and the state file that flows from the supervisor
 * (writer) to every vmdeck process (readers) as key=value lines. Liveness of a supervisor is
 * an flock it holds for its whole life, so a crashed supervisor is detected without races on
 * reused pids; QEMU's pid is checked together with its /proc starttime. */
#include "drivers/qemu/qemu-state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "engine/store.h"

/* State names as stored in the state file, indexed by enum engine_domain_state. */
static const char *const state_names[] = {
    [ENGINE_DOMAIN_NOSTATE] = "nostate",   [ENGINE_DOMAIN_RUNNING] = "running",
    [ENGINE_DOMAIN_BLOCKED] = "blocked",   [ENGINE_DOMAIN_PAUSED] = "paused",
    [ENGINE_DOMAIN_SHUTDOWN] = "shutdown", [ENGINE_DOMAIN_SHUTOFF] = "shutoff",
    [ENGINE_DOMAIN_CRASHED] = "crashed",
};

/* The state file spelling of a state. */
const char *qemu_state_to_string(enum engine_domain_state s)
{
    if ((size_t)s < sizeof(state_names) / sizeof(state_names[0]) && state_names[s])
        return state_names[s];
    return "nostate";
}

/* Parse a state file spelling; -1 if unknown. */
static int qemu_state_from_string(const char *s)
{
    for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
        if (state_names[i] && !strcmp(state_names[i], s))
            return (int)i;
    return -1;
}

/* Build every path of one domain. */
void qemu_state_paths(const char *runtime_dir, const char *name, struct qemu_paths *p)
{
    p->state = store_printf("%s/%s.state", runtime_dir, name);
    p->dir = store_printf("%s/%s.d", runtime_dir, name);
    p->alive = store_printf("%s/supervisor.lock", p->dir);
    p->qmp_sup = store_printf("%s/monitor.sock", p->dir);
    p->qmp_client = store_printf("%s/qmp.sock", p->dir);
    p->console_log = store_printf("%s/console.log", p->dir);
    p->qemu_log = store_printf("%s/qemu.log", p->dir);
    p->live_xml = store_printf("%s/live.xml", p->dir);
    p->lock = store_printf("%s/locks/%s.lock", runtime_dir, name);
    p->argv = store_printf("%s/argv", p->dir);
    p->crash_log = store_printf("%s/%s.crashed.log", runtime_dir, name);
}

/* Free the path strings. */
void qemu_state_paths_free(struct qemu_paths *p)
{
    free(p->state);
    free(p->dir);
    free(p->alive);
    free(p->qmp_sup);
    free(p->qmp_client);
    free(p->console_log);
    free(p->qemu_log);
    free(p->live_xml);
    free(p->lock);
    free(p->argv);
    free(p->crash_log);
    memset(p, 0, sizeof(*p));
}

/* Serialise st and write it atomically. */
int qemu_state_write(const char *path, const struct qemu_state *st, struct vmerr *err)
{
    char *text = store_printf("state=%s\nid=%d\nsupervisor_pid=%ld\nsupervisor_start=%llu\n"
                              "qemu_pid=%ld\nqemu_start=%llu\ntty=%s\nvnc_port=%d\nreason=%s\n",
                              qemu_state_to_string(st->state), st->id, (long)st->supervisor_pid,
                              st->supervisor_start, (long)st->qemu_pid, st->qemu_start, st->tty,
                              st->vnc_port, st->reason);
    int rc = store_write_runtime(path, text, strlen(text), err);
    free(text);
    return rc;
}

/* Parse a state file. */
int qemu_state_read(const char *path, struct qemu_state *st, struct vmerr *err)
{
    memset(st, 0, sizeof(*st));
    st->state = ENGINE_DOMAIN_NOSTATE;
    st->id = -1;
    st->vnc_port = -1;
    struct vmerr rerr;
    char *text = store_read_file(path, NULL, &rerr);
    if (!text) {
        if (errno == ENOENT)
            return 1;
        if (err)
            *err = rerr;
        return -1;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (!strcmp(k, "state")) {
            int s = qemu_state_from_string(v);
            st->state = s < 0 ? ENGINE_DOMAIN_NOSTATE : (enum engine_domain_state)s;
        } else if (!strcmp(k, "id")) {
            st->id = atoi(v);
        } else if (!strcmp(k, "supervisor_pid")) {
            st->supervisor_pid = (pid_t)atol(v);
        } else if (!strcmp(k, "supervisor_start")) {
            st->supervisor_start = strtoull(v, NULL, 10);
        } else if (!strcmp(k, "qemu_pid")) {
            st->qemu_pid = (pid_t)atol(v);
        } else if (!strcmp(k, "qemu_start")) {
            st->qemu_start = strtoull(v, NULL, 10);
        } else if (!strcmp(k, "tty")) {
            snprintf(st->tty, sizeof(st->tty), "%s", v);
        } else if (!strcmp(k, "vnc_port")) {
            st->vnc_port = atoi(v);
        } else if (!strcmp(k, "reason")) {
            snprintf(st->reason, sizeof(st->reason), "%s", v);
        }
    }
    free(text);
    if (st->id < 0 || st->state == ENGINE_DOMAIN_NOSTATE) {
        vmerr_set(err, VMERR_INTERNAL, "state file %s is malformed", path);
        return -1;
    }
    return 0;
}

/* A supervisor holds an exclusive flock on its lock file while it lives: if a shared lock
 * can be taken (or the file is gone), nobody holds it any more. */
bool qemu_state_supervisor_alive(const char *alive_path)
{
    int fd = open(alive_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool alive = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return alive;
}

/* Wall-clock time (Unix seconds) of a /proc starttime (clock ticks after boot): the boot
 * time from /proc/stat's btime, read once, plus the ticks; 0 when unknown. */
long long qemu_state_start_wallclock(unsigned long long ticks)
{
    static long long btime = -1;
    if (ticks == 0)
        return 0;
    if (btime < 0) {
        btime = 0;
        char *text = store_read_file("/proc/stat", NULL, NULL);
        const char *b = text ? strstr(text, "\nbtime ") : NULL;
        if (b)
            btime = strtoll(b + 7, NULL, 10);
        free(text);
    }
    long hz = sysconf(_SC_CLK_TCK);
    if (btime == 0 || hz <= 0)
        return 0;
    return btime + (long long)(ticks / (unsigned long long)hz);
}

/* Field 22 (starttime) of /proc/PID/stat, 0 when the process is gone or a zombie. */
unsigned long long qemu_state_proc_start(pid_t pid)
{
    if (pid <= 0)
        return 0;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    char *text = store_read_file(path, NULL, NULL);
    if (!text)
        return 0;
    unsigned long long start = 0;
    char *p = strrchr(text, ')');
    if (p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X') {
        p += 2; /* field 3: state */
        for (int field = 3; field < 22 && p; field++) {
            p = strchr(p, ' ');
            if (p)
                p++;
        }
        if (p)
            start = strtoull(p, NULL, 10);
    }
    free(text);
    return start;
}

/* Whether pid still names the process that started at start. */
bool qemu_state_pid_matches(pid_t pid, unsigned long long start)
{
    unsigned long long now = qemu_state_proc_start(pid);
    return now != 0 && now == start;
}

/* Remove the per-domain dir first, the state file last, so a reader that still sees the
 * state file never finds a half-new per-domain dir. */
void qemu_state_cleanup(const struct qemu_paths *p)
{
    store_remove_dir(p->dir, NULL);
    unlink(p->state);
}

/* The crashed record: state file first (crashed, with the reason), then the dir goes, so a
 * reader never sees a 'running' state file without its supervisor. */
void qemu_state_crash_record(const struct qemu_paths *p, const struct qemu_state *st,
                             const char *reason)
{
    struct qemu_state c = *st;
    c.state = ENGINE_DOMAIN_CRASHED;
    c.tty[0] = '\0';
    snprintf(c.reason, sizeof(c.reason), "%s", reason);
    rename(p->console_log, p->crash_log);
    qemu_state_write(p->state, &c, NULL);
    store_remove_dir(p->dir, NULL);
}
