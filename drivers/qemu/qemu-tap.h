/* qemu-tap: tap devices for interfaces of type network, bridge and ethernet. vmdeck opens
 * each tap itself (needs root: CAP_NET_ADMIN), so QEMU never needs privileges; the fds are
 * handed to the supervisor, which keeps them for QEMU at QEMU_ARGV_TAP_FD_BASE + k. */
#ifndef VMDECK_QEMU_TAP_H
#define VMDECK_QEMU_TAP_H

#include <stddef.h>

#include "drivers/driver.h"
#include "drivers/qemu/qemu-argv.h"
#include "engine/domain-def.h"
#include "engine/vmerr.h"

/* The taps opened for one start, in interface order (the k-th tap interface is fds[k]). */
struct qemu_tap_set {
    int *fds;
    size_t n;
};

/* Resolves network names to bridges for qemu_argv_build and qemu_tap_open: only a network
 * that net-start made active has one. Strings returned stay valid until
 * qemu_tap_resolver_clear. */
struct qemu_tap_resolver {
    struct engine_conn *conn;
    char **bridges;
    size_t n;
};

/* qemu_argv_network_fn over a struct qemu_tap_resolver (opaque). */
const char *qemu_tap_network_bridge(void *opaque, const char *network);
/* Free the strings a resolver handed out. */
void qemu_tap_resolver_clear(struct qemu_tap_resolver *r);

/* Open a tap for every tap interface of def: name from <target dev> or the first free vnetN
 * (written back into def, so the live XML shows it), MAC fe:xx... (the guest's with the first
 * byte 0xfe, as libvirt does, so the bridge never takes the guest's address), attached to its
 * bridge (network, bridge) and up, or for ethernet the <script path> run as [script, tapname]
 * (no shell) and required to exit 0. On error nothing stays open. */
int qemu_tap_open(struct domain_def *def, struct qemu_tap_resolver *r, struct qemu_tap_set *out,
                  struct vmerr *err);
/* Close the fds of a set (the taps vanish once QEMU and the supervisor close theirs too). */
void qemu_tap_close(struct qemu_tap_set *set);

#endif
