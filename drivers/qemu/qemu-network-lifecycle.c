/* qemu-network-lifecycle: starting and stopping networks, like libvirt's network driver but
 * without a daemon. A start takes the persistent definition, checks it against the host
 * (bridge name free, no overlapping route, tools installed), then makes the bridge with its
 * addresses, the nft table, IPv4 forwarding and dnsmasq, in that order, and writes the
 * live definition RUNTIME_DIR/networks/NAME.xml last; any failure undoes what was made. A
 * destroy undoes all of it. Every vmdeck process reads the same runtime files, and the
 * engine's inotify watch sees the live definition come and go. */
#include "drivers/qemu/qemu-network.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/network-def.h"
#include "engine/store.h"

/* RUNTIME_DIR/networks/NAME.SUFFIX. */
char *qemu_network_run_path(struct engine_conn *conn, const char *name, const char *suffix)
{
    return store_printf("%s/networks/%s.%s", conn->runtime_dir, name, suffix);
}

/* The live definition, NULL when there is none (or it does not parse). */
struct network_def *qemu_network_load_live(struct engine_conn *conn, const char *name)
{
    if (!network_name_valid(name))
        return NULL;
    char *path = qemu_network_run_path(conn, name, "xml");
    struct network_def *def = access(path, F_OK) == 0 ? network_def_parse_file(path, NULL) : NULL;
    free(path);
    return def;
}

/* Whether live's pieces are all there; why says which one is missing. */
static bool qemu_network_live_ok(struct engine_conn *conn, const struct network_def *live,
                                 char *why, size_t len)
{
    if (!live->bridge || !qemu_network_ifname_exists(live->bridge)) {
        snprintf(why, len, "bridge '%s' is gone", live->bridge ? live->bridge : "");
        return false;
    }
    if (qemu_network_dnsmasq_needed(live) && !qemu_network_dnsmasq_pid(conn, live)) {
        snprintf(why, len, "its dnsmasq is not running (net-destroy, then net-start)");
        return false;
    }
    return true;
}

/* Active: a live definition whose bridge and dnsmasq are there. */
bool qemu_network_is_active(struct engine_conn *conn, const char *name, char *why, size_t len)
{
    if (why && len)
        why[0] = '\0';
    struct network_def *live = qemu_network_load_live(conn, name);
    if (!live)
        return false;
    char ignored[160];
    bool ok = qemu_network_live_ok(conn, live, why ? why : ignored, why ? len : sizeof(ignored));
    network_def_free(live);
    return ok;
}

/* Remove everything a start of def made (dnsmasq, nft table, bridge, the live file); the
 * first failure goes to err but the rest is still removed. */
static int qemu_network_teardown(struct engine_conn *conn, const struct network_def *def,
                                 struct vmerr *err)
{
    struct vmerr e1, e2, e3;
    vmerr_clear(&e1);
    vmerr_clear(&e2);
    vmerr_clear(&e3);
    int rc = 0;
    rc |= qemu_network_dnsmasq_stop(conn, def, &e1);
    rc |= qemu_network_nft_delete(conn, def, &e2);
    rc |= qemu_network_bridge_delete(def, &e3);
    char *live = qemu_network_run_path(conn, def->name, "xml");
    if (rc == 0)
        unlink(live); /* kept when something is left, so a second destroy can retry */
    free(live);
    if (rc < 0 && err) {
        const struct vmerr *first = e1.code ? &e1 : e2.code ? &e2 : &e3;
        vmerr_set(err, first->code, "%s", first->message);
    }
    return rc < 0 ? -1 : 0;
}

/* The host tools def needs, each checked before anything is made. */
static int qemu_network_check_tools(const struct network_def *def, struct vmerr *err)
{
    const char *tools[3] = {"ip", "nft", qemu_network_dnsmasq_needed(def) ? "dnsmasq" : NULL};
    const char *packages[3] = {"iproute2", "nftables", "dnsmasq-base"};
    for (int i = 0; i < 3; i++) {
        char path[64];
        if (tools[i] && !qemu_network_tool_path(tools[i], path, sizeof(path)))
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "network '%s': cannot start: %s is not installed (package %s)",
                             def->name, tools[i], packages[i]);
    }
    return 0;
}

/* Check def against the host, then make its pieces; undo on failure. */
static int qemu_network_bring_up(struct engine_conn *conn, const struct network_def *def,
                                 struct vmerr *err)
{
    if (!def->bridge)
        return vmerr_set(err, VMERR_OPERATION_INVALID, "network '%s' has no bridge name",
                         def->name);
    if (qemu_network_ifname_exists(def->bridge))
        return vmerr_set(err, VMERR_OPERATION_INVALID,
                         "network '%s': bridge name '%s' is already used by an interface on this "
                         "host",
                         def->name, def->bridge);
    if (qemu_network_check_routes(def, err) < 0 || qemu_network_check_tools(def, err) < 0)
        return -1;
    char *dir = store_printf("%s/networks", conn->runtime_dir);
    int rc = store_mkdir_p(dir, 0700, err);
    free(dir);
    if (rc < 0 || qemu_network_bridge_create(def, err) < 0)
        return -1;
    if (qemu_network_nft_add(conn, def, err) < 0 ||
        (def->forward != NETWORK_FORWARD_NONE && qemu_network_enable_forwarding(def, err) < 0) ||
        (qemu_network_dnsmasq_needed(def) && qemu_network_dnsmasq_start(conn, def, err) < 0))
        goto undo;
    char *xml = network_def_format(def);
    char *live = qemu_network_run_path(conn, def->name, "xml");
    rc = xml ? store_write_atomic(live, xml, strlen(xml), err)
             : vmerr_set(err, VMERR_INTERNAL, "network '%s': cannot format its XML", def->name);
    free(xml);
    free(live);
    if (rc == 0)
        return 0;
undo:
    qemu_network_teardown(conn, def, NULL);
    return -1;
}

/* Start a defined network (leftovers of one whose bridge or dnsmasq vanished are removed
 * first). */
int qemu_network_start(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    char *real = qemu_network_resolve(conn, name, err);
    if (!real)
        return -1;
    int rc = -1, lock = qemu_network_lock(conn, real, err);
    struct network_def *def = NULL, *live = NULL;
    if (lock < 0)
        goto out;
    live = qemu_network_load_live(conn, real);
    char why[160];
    if (live && qemu_network_live_ok(conn, live, why, sizeof(why))) {
        vmerr_set(err, VMERR_OPERATION_INVALID, "network '%s' is already active", real);
        goto out;
    }
    if (live && qemu_network_teardown(conn, live, err) < 0)
        goto out;
    def = qemu_network_load(conn, real, err); /* a transient one ends with its leftovers */
    if (def)
        rc = qemu_network_bring_up(conn, def, err);
out:
    if (lock >= 0)
        store_unlock(lock);
    network_def_free(def);
    network_def_free(live);
    free(real);
    return rc;
}

/* Stop a network: everything its start made goes, even when part of it had vanished. */
int qemu_network_destroy(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    char *real = qemu_network_resolve(conn, name, err);
    if (!real)
        return -1;
    int rc = -1, lock = qemu_network_lock(conn, real, err);
    struct network_def *live = NULL;
    if (lock >= 0) {
        live = qemu_network_load_live(conn, real);
        if (!live)
            vmerr_set(err, VMERR_OPERATION_INVALID, "network '%s' is not active", real);
        else
            rc = qemu_network_teardown(conn, live, err);
        store_unlock(lock);
    }
    network_def_free(live);
    free(real);
    return rc;
}

/* The bridge of an active network, else NULL; caller frees. */
char *qemu_network_active_bridge(struct engine_conn *conn, const char *name)
{
    struct network_def *live = qemu_network_load_live(conn, name);
    char why[160];
    char *br = live && live->bridge && qemu_network_live_ok(conn, live, why, sizeof(why))
                   ? strdup(live->bridge)
                   : NULL;
    network_def_free(live);
    return br;
}
