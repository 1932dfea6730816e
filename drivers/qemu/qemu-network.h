/* qemu-network: persistent network definitions of the QEMU driver, one file per network:
 *   CONFIG_DIR/networks/NAME.xml             the definition (today's libvirt spelling)
 *   CONFIG_DIR/networks/autostart/NAME.xml   present when the network starts with the host
 *   RUNTIME_DIR/locks/networks/NAME.lock     per-network operation lock (flock)
 *   RUNTIME_DIR/locks/networks/.define.lock  held while a define checks names, uuids and
 *                                            bridge names against the other networks
 * Network names never start with '.', so the define lock cannot collide with a network.
 * Networks are not started yet: every network is inactive. The driver table in
 * qemu-driver.c points at these functions. */
#ifndef VMDECK_QEMU_NETWORK_H
#define VMDECK_QEMU_NETWORK_H

#include <stdbool.h>
#include <stddef.h>

#include "drivers/driver.h"

/* The driver table's network entries (see drivers/driver.h). */
/* Every network, active and inactive. */
int qemu_network_list(struct engine_conn *conn, struct engine_network_info **out, size_t *count,
                      struct vmerr *err);
/* One network by name or uuid text. */
int qemu_network_lookup(struct engine_conn *conn, const char *name,
                        struct engine_network_info *info, struct vmerr *err);
/* Define or redefine a network (takes def, also on error). */
int qemu_network_define(struct engine_conn *conn, struct network_def *def, struct vmerr *err);
/* Remove a network's persistent definition. */
int qemu_network_undefine(struct engine_conn *conn, const char *name, struct vmerr *err);
/* A copy of the live or persistent definition; caller frees. */
struct network_def *qemu_network_get_def(struct engine_conn *conn, const char *name, bool live,
                                         struct vmerr *err);

#endif
