/* qemu-argv: struct domain_def in, the qemu-system-<arch> argument vector out. Building the
 * argv is a pure function of the definition and the options passed in (paths, the chosen
 * VNC port, whether KVM is usable), so it is unit-testable with fake paths; the few helpers
 * that look at the host (emulator lookup, /dev/kvm probe, free VNC port) are separate. */
#ifndef VMDECK_QEMU_ARGV_H
#define VMDECK_QEMU_ARGV_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/domain-def.h"
#include "engine/vmerr.h"

/* The KVM device node the probe looks at by default. */
#define QEMU_KVM_DEVICE "/dev/kvm"

/* Resolve a virtual network name to the host bridge it is attached to (NULL if the network
 * is unknown or inactive). The returned string must stay valid until qemu_argv_build
 * returns. */
typedef const char *(*qemu_argv_network_fn)(void *opaque, const char *network);

/* Tap backends (interface types network, bridge, ethernet) reach QEMU as open fds: the k-th
 * tap interface is fd QEMU_ARGV_TAP_FD_BASE + k in QEMU ("-netdev tap,fd=100"). */
#define QEMU_ARGV_TAP_FD_BASE 100
/* With opts->monitor_fds the two QMP monitors are listening sockets the supervisor made and
 * hands over at these fds ("-chardev socket,fd=98,server=on"), so it can connect before QEMU
 * is up instead of polling for QEMU to create the socket files. */
#define QEMU_ARGV_MON_FD_SUP 98
#define QEMU_ARGV_MON_FD_CLIENT 99
/* XML namespace of vmdeck's own extension elements (children of <domain>). */
#define QEMU_ARGV_VMDECK_NS "https://vmdeck.dev/xmlns/domain/1"

/* Everything qemu_argv_build needs besides the definition. */
struct qemu_argv_opts {
    const char *emulator;   /* argv[0]: resolved emulator path */
    const char *run_dir;    /* per-domain runtime dir: console logs live here */
    const char *qmp_sup;    /* QMP socket of the supervisor */
    const char *qmp_client; /* QMP socket for short-lived clients */
    bool monitor_fds;       /* the monitors come as fds QEMU_ARGV_MON_FD_* (not paths) */
    bool kvm_usable;        /* result of qemu_argv_kvm_probe */
    const char *kvm_reason; /* why KVM is not usable (probe message), for the error */
    int vnc_port;           /* TCP port for an autoport VNC display; -1 if none chosen */
    qemu_argv_network_fn network_bridge; /* NULL: no virtual networks available */
    void *network_opaque;
};

/* Build the NULL-terminated argv for def; NULL with err set when def cannot be expressed
 * (unsupported virt type, bus, network, KVM unusable). Free with qemu_argv_free. */
char **qemu_argv_build(const struct domain_def *def, const struct qemu_argv_opts *opts,
                       struct vmerr *err);
/* Free an argv from qemu_argv_build. NULL is fine. */
void qemu_argv_free(char **argv);

/* The emulator binary's name for an architecture ("qemu-system-x86_64" for NULL/x86_64,
 * "qemu-system-i386" for i386..i686); caller frees. */
char *qemu_argv_emulator_name(const char *arch);
/* The emulator to run for def: <emulator> if given (must be an executable file), else
 * qemu-system-<arch> found on $PATH. Caller frees; NULL with err set. */
char *qemu_argv_find_emulator(const struct domain_def *def, struct vmerr *err);
/* Whether KVM works through device (normally QEMU_KVM_DEVICE): opens it, checks the API
 * version and creates a VM. On false, why holds a one-line reason naming the device. */
bool qemu_argv_kvm_probe(const char *device, char *why, size_t why_len);
/* The first TCP port from 5900 on which listen_addr (NULL = 127.0.0.1) can be bound now;
 * -1 with err set if none up to 65535. */
int qemu_argv_free_vnc_port(const char *listen_addr, struct vmerr *err);
/* QEMU option-value escaping: every ',' doubled; caller frees. */
char *qemu_argv_escape(const char *value);

/* Whether interface n is a tap backend (network, bridge, ethernet). */
bool qemu_argv_net_is_tap(const struct domain_net *n);
/* The host bridge of a network or bridge interface (network names resolved through
 * network_bridge); NULL with err set ("network 'default' is not active"). */
const char *qemu_argv_net_bridge(const struct domain_def *def, const struct domain_net *n,
                                 qemu_argv_network_fn network_bridge, void *opaque,
                                 struct vmerr *err);
/* The ",hostfwd=..." options of user interface index, from <vmdeck:hostfwd> elements (see
 * doc/xml-format.md); "" when there are none. Caller frees; NULL with err set. */
char *qemu_argv_hostfwd(const struct domain_def *def, size_t index, struct vmerr *err);
struct engine_conn;
/* The argv a start of def would run on conn, nothing started (domxml-to-native; in
 * qemu-argv-native.c). NULL with err set. */
char **qemu_argv_native(struct engine_conn *conn, const struct domain_def *def, struct vmerr *err);
/* Host checks for the display at start time: SDL needs DISPLAY or WAYLAND_DISPLAY. */
int qemu_argv_check_display(const struct domain_def *def, struct vmerr *err);

#endif
