/* qemu-supervisor: one small process per running domain (like podman's conmon). The starting
 * vmdeck process hands it the argv and the live definition; it owns the QEMU child, keeps
 * the state file current from QMP events, applies on_poweroff / on_reboot / on_crash and
 * removes the runtime files when QEMU exits. It outlives every vmdeck process. */
#ifndef VMDECK_QEMU_SUPERVISOR_H
#define VMDECK_QEMU_SUPERVISOR_H

#include "drivers/qemu/qemu-state.h"
#include "engine/domain-def.h"
#include "engine/vmerr.h"

/* What a supervisor needs to run one domain. */
struct qemu_supervisor_spec {
    const struct domain_def *def;   /* the definition being started (becomes the live XML) */
    char *const *argv;              /* from qemu_argv_build */
    const struct qemu_paths *paths; /* runtime paths; paths->dir must exist */
    int id;                         /* domain id */
    int vnc_port;                   /* VNC TCP port in use, -1 if none */
    const int *tap_fds;             /* open taps (qemu-tap.c), kept for QEMU at */
    size_t ntap_fds;                /* QEMU_ARGV_TAP_FD_BASE + k; at most 64 */
    /* Adoption: NULL for a start; else the state file of a QEMU whose supervisor died. The
     * new supervisor watches that QEMU through a pidfd instead of spawning one. */
    const struct qemu_state *adopt;
};

/* Fork the supervisor (setsid + double fork, all inherited fds closed) and wait up to
 * timeout_ms for its report: 0 once the guest runs, or -1 with QEMU's own error message
 * (the last line of its stderr) in err. On failure nothing is left running (for an adoption:
 * the QEMU being adopted is left alone). */
int qemu_supervisor_start(const struct qemu_supervisor_spec *spec, int timeout_ms,
                          struct vmerr *err);

/* Read the argv a supervisor saved in path (NUL-separated); NULL-terminated, caller frees
 * with qemu_argv_free. NULL if missing or empty. */
char **qemu_supervisor_load_argv(const char *path);

#endif
