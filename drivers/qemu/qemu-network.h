/* qemu-network: persistent network definitions of the QEMU driver, one file per network:
 *   CONFIG_DIR/networks/NAME.xml             the definition (today's libvirt spelling)
 *   CONFIG_DIR/networks/autostart/NAME.xml   present when the network starts with the host
 *   RUNTIME_DIR/locks/networks/NAME.lock     per-network operation lock (flock)
 *   RUNTIME_DIR/locks/networks/.define.lock  held while a define checks names, uuids and
 *                                            bridge names against the other networks
 *   RUNTIME_DIR/networks/NAME.xml            the live definition of a started network
 *   RUNTIME_DIR/networks/NAME.dnsmasq.conf   its dnsmasq config; .pid, .leases beside it
 *   RUNTIME_DIR/networks/NAME.nft            the nft ruleset loaded as table ip vmdeck-...
 * Network names never start with '.', so the define lock cannot collide with a network.
 * A network is active while its live definition exists, its bridge exists on the host and
 * (with DHCP) its dnsmasq runs (qemu-network-lifecycle.c). The driver table in
 * qemu-driver.c points at these functions. */
#ifndef VMDECK_QEMU_NETWORK_H
#define VMDECK_QEMU_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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
/* Start, stop, mark for autostart (qemu-network-lifecycle.c). */
int qemu_network_start(struct engine_conn *conn, const char *name, struct vmerr *err);
int qemu_network_destroy(struct engine_conn *conn, const char *name, struct vmerr *err);
int qemu_network_set_autostart(struct engine_conn *conn, const char *name, bool on,
                               struct vmerr *err);
/* The bridge of an active network (a copy the caller frees), else NULL; used by domain
 * starts for <interface type='network'>. */
char *qemu_network_active_bridge(struct engine_conn *conn, const char *name);

/* ---- Internal to drivers/qemu/qemu-network*.c ---- */

/* Take one network's operation lock; the fd goes to store_unlock. */
int qemu_network_lock(struct engine_conn *conn, const char *name, struct vmerr *err);
/* The name a network name or uuid text refers to (defined or running); caller frees. */
char *qemu_network_resolve(struct engine_conn *conn, const char *name, struct vmerr *err);
/* The persistent definition of name; VMERR_NO_NETWORK when there is none. */
struct network_def *qemu_network_load(struct engine_conn *conn, const char *name,
                                      struct vmerr *err);
/* RUNTIME_DIR/networks/NAME.SUFFIX (suffix "xml", "pid", ...); caller frees. */
char *qemu_network_run_path(struct engine_conn *conn, const char *name, const char *suffix);
/* The live definition of name (RUNTIME_DIR/networks/NAME.xml), NULL when it has none. */
struct network_def *qemu_network_load_live(struct engine_conn *conn, const char *name);
/* Whether name is active; when it has a live definition but is not (its bridge or
 * dnsmasq is gone), why says so. */
bool qemu_network_is_active(struct engine_conn *conn, const char *name, char *why, size_t len);

/* Host tools (qemu-network-exec.c). */
/* The full path of tool ("ip", "nft", "dnsmasq") into buf; false when not installed. */
bool qemu_network_tool_path(const char *tool, char *buf, size_t len);
/* Run argv (argv[0] a tool name), NULL-terminated, without a shell; 0 when it exits 0, else
 * -1 with its first output line (or how it ended) in why. */
int qemu_network_exec(const char *const argv[], char *why, size_t whylen);

/* The bridge and its addresses (qemu-network-bridge.c). */
/* Whether an interface called name exists on the host. */
bool qemu_network_ifname_exists(const char *name);
/* Refuse a start whose IPv4 subnets overlap a route of the host (one line naming both). */
int qemu_network_check_routes(const struct network_def *def, struct vmerr *err);
/* Create the bridge (stp, delay, mac), add every <ip> address and bring it up; on error
 * the bridge is deleted again. */
int qemu_network_bridge_create(const struct network_def *def, struct vmerr *err);
/* Delete the bridge (its addresses go with it); a missing bridge is fine. */
int qemu_network_bridge_delete(const struct network_def *def, struct vmerr *err);
/* Turn on IPv4 forwarding (for nat and route networks). */
int qemu_network_enable_forwarding(const struct network_def *def, struct vmerr *err);

/* The nft table (qemu-network-nft.c). */
/* Write and load table ip vmdeck-NAME for def (nat, route or isolated). */
int qemu_network_nft_add(struct engine_conn *conn, const struct network_def *def,
                         struct vmerr *err);
/* Delete the table; a missing one is fine. */
int qemu_network_nft_delete(struct engine_conn *conn, const struct network_def *def,
                            struct vmerr *err);
/* The table's name for def ("vmdeck-NAME", or vmdeck-UUID for names nft cannot take). */
void qemu_network_nft_table(const struct network_def *def, char *buf, size_t len);

/* dnsmasq (qemu-network-dnsmasq.c). */
/* Whether def needs dnsmasq (an IPv4 or IPv6 <ip> with <dhcp>). */
bool qemu_network_dnsmasq_needed(const struct network_def *def);
/* Write the config and start dnsmasq on the bridge; it is running when this returns 0. */
int qemu_network_dnsmasq_start(struct engine_conn *conn, const struct network_def *def,
                               struct vmerr *err);
/* Stop dnsmasq by its pid file (checked to be our dnsmasq) and wait until it is gone. */
int qemu_network_dnsmasq_stop(struct engine_conn *conn, const struct network_def *def,
                              struct vmerr *err);
/* The pid of def's running dnsmasq, 0 when it is not running. */
pid_t qemu_network_dnsmasq_pid(struct engine_conn *conn, const struct network_def *def);

#endif
