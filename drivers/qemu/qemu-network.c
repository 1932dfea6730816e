/* qemu-network: network definitions of the QEMU driver on disk (layout in qemu-network.h).
 * Definitions flow in as struct network_def from the engine, are checked against the
 * other definitions (name, uuid, bridge name) under the define lock, get a free virbrN
 * bridge name when they have none, and are written atomically as XML; list rows and
 * copies flow back out from the files. A definition that no longer parses still gets a
 * list row, so it can be seen and undefined. */
#include "drivers/qemu/qemu-network.h"

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/domain-def.h"
#include "engine/store.h"

/* CONFIG_DIR/networks. */
static char *qemu_network_dir(struct engine_conn *conn)
{
    return store_printf("%s/networks", conn->config_dir);
}

/* CONFIG_DIR/networks/NAME.xml. */
static char *qemu_network_path(struct engine_conn *conn, const char *name)
{
    return store_printf("%s/networks/%s.xml", conn->config_dir, name);
}

/* CONFIG_DIR/networks/autostart/NAME.xml. */
static char *qemu_network_autostart_path(struct engine_conn *conn, const char *name)
{
    return store_printf("%s/networks/autostart/%s.xml", conn->config_dir, name);
}

/* Take the lock file RUNTIME_DIR/locks/networks/FILE; returns the fd for store_unlock. */
static int qemu_network_lock_file(struct engine_conn *conn, const char *file, struct vmerr *err)
{
    char *dir = store_printf("%s/locks/networks", conn->runtime_dir);
    int fd = -1;
    if (store_mkdir_p(dir, 0700, err) == 0) {
        char *path = store_printf("%s/%s", dir, file);
        fd = store_lock(path, err);
        free(path);
    }
    free(dir);
    return fd;
}

/* Take one network's operation lock. */
int qemu_network_lock(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    char *file = store_printf("%s.lock", name);
    int fd = qemu_network_lock_file(conn, file, err);
    free(file);
    return fd;
}

/* Add the NAME of every valid NAME.xml in dir to names (skipping ones already there); a
 * missing dir adds nothing. */
static int qemu_network_scan(const char *dir, char ***names, size_t *n, size_t *cap,
                             struct vmerr *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        return e == ENOENT ? 0 : vmerr_set_errno(err, e, "cannot read %s", dir);
    }
    size_t before = *n;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len <= 4 || strcmp(de->d_name + len - 4, ".xml"))
            continue;
        char *name = strndup(de->d_name, len - 4);
        if (!name)
            abort(); /* memory exhaustion is not recoverable */
        bool seen = false;
        for (size_t i = 0; i < before && !seen; i++)
            seen = !strcmp((*names)[i], name);
        if (seen || !network_name_valid(name)) { /* temp files, hidden files */
            free(name);
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *names = realloc(*names, *cap * sizeof(**names));
            if (!*names)
                abort();
        }
        (*names)[(*n)++] = name;
    }
    closedir(d);
    return 0;
}

/* The names of the networks that have a definition file or a live definition (freed with
 * qemu_network_names_free); missing dirs are an empty list. */
static int qemu_network_names(struct engine_conn *conn, char ***out, size_t *count,
                              struct vmerr *err)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    char *dir = qemu_network_dir(conn);
    char *run = store_printf("%s/networks", conn->runtime_dir);
    int rc = qemu_network_scan(dir, &names, &n, &cap, err);
    if (rc == 0)
        rc = qemu_network_scan(run, &names, &n, &cap, err);
    free(dir);
    free(run);
    *out = names;
    *count = n;
    return rc;
}

/* Free a name list. */
static void qemu_network_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The definition of the network called name; VMERR_NO_NETWORK if there is none. */
struct network_def *qemu_network_load(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    if (!network_name_valid(name)) {
        vmerr_set(err, VMERR_NO_NETWORK, "network '%s' not found", name);
        return NULL;
    }
    char *path = qemu_network_path(conn, name);
    struct network_def *def = NULL;
    if (access(path, F_OK) < 0)
        vmerr_set(err, VMERR_NO_NETWORK, "network '%s' not found", name);
    else
        def = network_def_parse_file(path, err);
    free(path);
    return def;
}

/* The persistent definition of name, else its live one (a transient network). */
static struct network_def *qemu_network_load_any(struct engine_conn *conn, const char *name)
{
    struct network_def *def = qemu_network_load(conn, name, NULL);
    return def ? def : qemu_network_load_live(conn, name);
}

/* The name of the network whose uuid is text, or NULL; caller frees. */
static char *qemu_network_name_by_uuid(struct engine_conn *conn, const char *text)
{
    unsigned char want[16];
    if (domain_uuid_parse(text, want) < 0)
        return NULL;
    size_t n = 0;
    char **names = NULL;
    qemu_network_names(conn, &names, &n, NULL);
    char *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        struct network_def *def = qemu_network_load_any(conn, names[i]);
        if (def && !memcmp(def->uuid, want, 16))
            found = strdup(names[i]);
        network_def_free(def);
    }
    qemu_network_names_free(names, n);
    return found;
}

/* The name of the network that name (a name or a uuid) refers to, defined or live; caller
 * frees. NULL with VMERR_NO_NETWORK when there is none. */
char *qemu_network_resolve(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    if (network_name_valid(name)) {
        char *path = qemu_network_path(conn, name);
        char *live = qemu_network_run_path(conn, name, "xml");
        bool exists = access(path, F_OK) == 0 || access(live, F_OK) == 0;
        free(path);
        free(live);
        if (exists)
            return strdup(name);
    }
    char *by_uuid = qemu_network_name_by_uuid(conn, name);
    if (!by_uuid)
        vmerr_set(err, VMERR_NO_NETWORK, "network '%s' not found", name);
    return by_uuid;
}

/* A list row for name (the live definition's fields while it has one); a definition that
 * does not parse gets a row with the name only. */
static void qemu_network_describe(struct engine_conn *conn, const char *name,
                                  struct engine_network_info *info)
{
    struct network_def *live = qemu_network_load_live(conn, name);
    struct network_def *def = live ? live : qemu_network_load(conn, name, NULL);
    if (def) {
        network_def_info(def, info);
    } else {
        memset(info, 0, sizeof(*info));
        snprintf(info->name, sizeof(info->name), "%s", name);
    }
    network_def_free(def);
    char *autostart = qemu_network_autostart_path(conn, name);
    info->autostart = access(autostart, F_OK) == 0;
    free(autostart);
    char *path = qemu_network_path(conn, name);
    info->persistent = access(path, F_OK) == 0;
    free(path);
    info->active =
        qemu_network_is_active(conn, name, info->state_reason, sizeof(info->state_reason));
}

/* Every defined network. */
int qemu_network_list(struct engine_conn *conn, struct engine_network_info **out, size_t *count,
                      struct vmerr *err)
{
    size_t n = 0;
    char **names = NULL;
    if (qemu_network_names(conn, &names, &n, err) < 0)
        return -1;
    struct engine_network_info *infos = calloc(n ? n : 1, sizeof(*infos));
    if (!infos)
        abort(); /* memory exhaustion is not recoverable */
    for (size_t i = 0; i < n; i++)
        qemu_network_describe(conn, names[i], &infos[i]);
    qemu_network_names_free(names, n);
    *out = infos;
    *count = n;
    return 0;
}

/* One network by name (or uuid). */
int qemu_network_lookup(struct engine_conn *conn, const char *name,
                        struct engine_network_info *info, struct vmerr *err)
{
    char *real = qemu_network_resolve(conn, name, err);
    if (!real)
        return -1;
    qemu_network_describe(conn, real, info);
    free(real);
    return 0;
}

/* What network_bridge_pick and the bridge check look at: the other definitions. */
struct qemu_network_others {
    struct network_def **defs;
    size_t n;
    bool host; /* also count interfaces that exist on the host as taken */
};

/* The other definition that uses bridge name br, or NULL. */
static const struct network_def *qemu_network_bridge_user(const struct qemu_network_others *o,
                                                          const char *br)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->defs[i]->bridge && !strcmp(o->defs[i]->bridge, br))
            return o->defs[i];
    return NULL;
}

/* network_bridge_pick's test: taken by another definition or, like libvirt, by an
 * interface of the host. */
static bool qemu_network_bridge_taken(const char *br, void *opaque)
{
    const struct qemu_network_others *o = opaque;
    return qemu_network_bridge_user(o, br) || (o->host && if_nametoindex(br) != 0);
}

/* Check def's name, uuid and bridge against the other definitions and give it a bridge name
 * when it has none (the caller holds the define lock). */
static int qemu_network_check(struct engine_conn *conn, struct network_def *def, struct vmerr *err)
{
    size_t n = 0;
    char **names = NULL;
    if (qemu_network_names(conn, &names, &n, err) < 0)
        return -1;
    struct qemu_network_others o = {calloc(n ? n : 1, sizeof(*o.defs)), 0, true};
    if (!o.defs)
        abort(); /* memory exhaustion is not recoverable */
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct network_def *other = qemu_network_load(conn, names[i], NULL);
        if (!other)
            continue; /* a broken definition: redefining its name replaces it */
        bool same_name = !strcmp(names[i], def->name);
        bool same_uuid = !memcmp(other->uuid, def->uuid, 16);
        char ouuid[37];
        domain_uuid_format(other->uuid, ouuid);
        if (same_name && !same_uuid)
            rc = vmerr_set(err, VMERR_DUPLICATE, "network '%s' is already defined with uuid %s",
                           def->name, ouuid);
        else if (!same_name && same_uuid)
            rc =
                vmerr_set(err, VMERR_DUPLICATE, "network '%s' already has uuid %s", names[i], uuid);
        if (same_name)
            network_def_free(other);
        else
            o.defs[o.n++] = other;
    }
    const struct network_def *user = NULL;
    char br[16];
    if (rc == 0 && def->bridge && (user = qemu_network_bridge_user(&o, def->bridge)))
        rc = vmerr_set(err, VMERR_DUPLICATE,
                       "network '%s': bridge name '%s' is already used by network '%s'", def->name,
                       def->bridge, user->name);
    else if (rc == 0 && !def->bridge &&
             network_bridge_pick(qemu_network_bridge_taken, &o, br, sizeof(br)) < 0)
        rc = vmerr_set(err, VMERR_OPERATION_FAILED, "network '%s': no free bridge name left",
                       def->name);
    else if (rc == 0 && !def->bridge && !(def->bridge = strdup(br)))
        abort(); /* memory exhaustion is not recoverable */
    for (size_t i = 0; i < o.n; i++)
        network_def_free(o.defs[i]);
    free(o.defs);
    qemu_network_names_free(names, n);
    return rc;
}

/* Store def as NAME.xml: under the define lock and the network's lock, after the checks. */
int qemu_network_define(struct engine_conn *conn, struct network_def *def, struct vmerr *err)
{
    int rc = -1, glock = -1, lock = -1;
    char *dir = qemu_network_dir(conn), *path = NULL, *xml = NULL;
    if (!network_name_valid(def->name)) {
        vmerr_set(err, VMERR_INVALID_ARG, "'%s' is not a valid network name", def->name);
        goto out;
    }
    if (store_mkdir_p(dir, 0700, err) < 0 ||
        (glock = qemu_network_lock_file(conn, ".define.lock", err)) < 0 ||
        (lock = qemu_network_lock(conn, def->name, err)) < 0 ||
        qemu_network_check(conn, def, err) < 0)
        goto out;
    xml = network_def_format(def);
    if (!xml) {
        vmerr_set(err, VMERR_INTERNAL, "network '%s': cannot format its XML", def->name);
        goto out;
    }
    path = qemu_network_path(conn, def->name);
    rc = store_write_atomic(path, xml, strlen(xml), err);
out:
    if (lock >= 0)
        store_unlock(lock);
    if (glock >= 0)
        store_unlock(glock);
    free(path);
    free(xml);
    free(dir);
    network_def_free(def);
    return rc;
}

/* Remove NAME.xml (and its autostart mark) under the network's lock. */
int qemu_network_undefine(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    char *real = qemu_network_resolve(conn, name, err);
    if (!real)
        return -1;
    int lock = qemu_network_lock(conn, real, err);
    int rc = -1;
    if (lock >= 0) {
        char *path = qemu_network_path(conn, real);
        char *autostart = qemu_network_autostart_path(conn, real);
        int e = unlink(path) < 0 ? errno : 0;
        if (e == ENOENT) /* transient, or undefined by someone else meanwhile */
            vmerr_set(err, VMERR_OPERATION_INVALID,
                      "network '%s' is transient; it has no persistent definition to undefine",
                      real);
        else if (e)
            vmerr_set_errno(err, e, "network '%s': cannot remove %s", real, path);
        else if (unlink(autostart) < 0 && errno != ENOENT)
            vmerr_set_errno(err, errno, "network '%s': cannot remove %s", real, autostart);
        else
            rc = 0;
        free(path);
        free(autostart);
        store_unlock(lock);
    }
    free(real);
    return rc;
}

/* A copy of the live definition (when asked and the network has one) or the persistent
 * one (the live one for a transient network). */
struct network_def *qemu_network_get_def(struct engine_conn *conn, const char *name, bool live,
                                         struct vmerr *err)
{
    char *real = qemu_network_resolve(conn, name, err);
    if (!real)
        return NULL;
    struct network_def *def = live ? qemu_network_load_live(conn, real) : NULL;
    if (!def) {
        char *path = qemu_network_path(conn, real);
        bool persistent = access(path, F_OK) == 0;
        free(path);
        def = persistent ? qemu_network_load(conn, real, err) : qemu_network_load_live(conn, real);
        if (!def && !persistent)
            vmerr_set(err, VMERR_NO_NETWORK, "network '%s' not found", name);
    }
    free(real);
    return def;
}

/* Mark (a link CONFIG_DIR/networks/autostart/NAME.xml -> ../NAME.xml, as libvirt keeps it)
 * or unmark a persistent network. */
int qemu_network_set_autostart(struct engine_conn *conn, const char *name, bool on,
                               struct vmerr *err)
{
    char *real = qemu_network_resolve(conn, name, err);
    if (!real)
        return -1;
    char *path = qemu_network_path(conn, real);
    char *mark = qemu_network_autostart_path(conn, real);
    char *dir = store_printf("%s/networks/autostart", conn->config_dir);
    char *target = store_printf("../%s.xml", real);
    int rc = 0;
    if (access(path, F_OK) < 0)
        rc = vmerr_set(err, VMERR_OPERATION_INVALID,
                       "network '%s' is transient; it cannot be marked for autostart", real);
    else if (!on && unlink(mark) < 0 && errno != ENOENT)
        rc = vmerr_set_errno(err, errno, "network '%s': cannot remove %s", real, mark);
    else if (on && store_mkdir_p(dir, 0700, err) < 0)
        rc = -1;
    else if (on && symlink(target, mark) < 0 && errno != EEXIST)
        rc = vmerr_set_errno(err, errno, "network '%s': cannot create %s", real, mark);
    free(path);
    free(mark);
    free(dir);
    free(target);
    free(real);
    return rc;
}
