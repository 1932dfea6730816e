/* qemu-state: the runtime-dir layout of the QEMU driver and the state file the supervisor
 * keeps current. Layout under the connection's runtime dir:
 *   NAME.state          state file (key=value lines), rewritten atomically by the supervisor;
 *                       at the top so the engine's inotify watch sees every change
 *   NAME.d/             per-domain dir (0700): supervisor.lock (flock held while the
 *                       supervisor lives), monitor.sock + qmp.sock (QMP, 0600),
 *                       console.log, qemu.log (QEMU's stdout/stderr), live.xml,
 *                       argv (QEMU's argv, NUL-separated, for a supervisor that adopts QEMU)
 *   NAME.crashed.log    console log of the last crash or rename-restart, kept aside
 *   locks/NAME.lock     per-domain operation lock; connection-wide locks start with a dot
 *                       (domain names cannot): locks/.next-id (+ .lock) the id counter,
 *                       locks/.disks.lock around the disk-in-use check of starts
 * The suffixes .state, .d and .lock keep any two domain names from colliding. */
#ifndef VMDECK_QEMU_STATE_H
#define VMDECK_QEMU_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "engine/vmerr.h"

/* Every runtime path of one domain (all malloc'd). */
struct qemu_paths {
    char *state;      /* RUNTIME/NAME.state */
    char *dir;        /* RUNTIME/NAME.d */
    char *alive;      /* NAME.d/supervisor.lock */
    char *qmp_sup;    /* NAME.d/monitor.sock: the supervisor's QMP */
    char *qmp_client; /* NAME.d/qmp.sock: QMP for short-lived vmdeck clients */
    char *console_log;
    char *qemu_log;
    char *live_xml;
    char *lock; /* RUNTIME/locks/NAME.lock */
    char *argv; /* NAME.d/argv */
    char *crash_log; /* RUNTIME/NAME.crashed.log */
};

/* What the state file says about a running domain. */
struct qemu_state {
    enum engine_domain_state state;
    int id;
    pid_t supervisor_pid;
    unsigned long long supervisor_start; /* /proc starttime, guards against pid reuse */
    pid_t qemu_pid;
    unsigned long long qemu_start;
    char tty[64]; /* first serial port's PTY, "" if none */
    int vnc_port; /* -1 if none */
    char reason[160]; /* why the state is what it is ("QEMU was killed by signal 9"); "" */
};

/* Fill p with the paths of domain name under runtime_dir. */
void qemu_state_paths(const char *runtime_dir, const char *name, struct qemu_paths *p);
/* Free the strings of p. */
void qemu_state_paths_free(struct qemu_paths *p);
/* The state file's name for a state ("running", "paused", ...). */
const char *qemu_state_to_string(enum engine_domain_state s);
/* Write st to path atomically. */
int qemu_state_write(const char *path, const struct qemu_state *st, struct vmerr *err);
/* Read a state file: 0 on success, 1 if there is none, -1 on error (err set). */
int qemu_state_read(const char *path, struct qemu_state *st, struct vmerr *err);
/* Whether the supervisor holding the lock file at alive_path is still running. */
bool qemu_state_supervisor_alive(const char *alive_path);
/* The /proc starttime of a live (not zombie) process; 0 if it is gone or a zombie. */
unsigned long long qemu_state_proc_start(pid_t pid);
/* Wall-clock time (Unix seconds) of a /proc starttime; 0 when unknown. */
long long qemu_state_start_wallclock(unsigned long long ticks);
/* Whether pid is still the live process that had starttime start. */
bool qemu_state_pid_matches(pid_t pid, unsigned long long start);
/* Turn the runtime files into a 'crashed' record: the console log moves aside to
 * NAME.crashed.log, the state file says crashed with reason, the per-domain dir goes. */
void qemu_state_crash_record(const struct qemu_paths *p, const struct qemu_state *st,
                             const char *reason);
/* Remove the per-domain dir (its files first) and then the state file. */
void qemu_state_cleanup(const struct qemu_paths *p);

#endif
