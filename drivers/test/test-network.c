/* test-network: the test driver's networks, in memory. Definitions flow in as struct
 * network_def from the engine, are checked against the other networks (name, uuid, bridge
 * name) and kept as a persistent definition plus, for an active network, a live one;
 * copies and list rows flow back out. Nothing is written to disk. test:///default starts
 * with libvirt's 'default' network, built by the real network XML parser. */
#include "drivers/test/test-network.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/test/test-driver.h"
#include "engine/domain-def.h"

/* One network: its persistent definition (NULL when transient) and its live definition
 * (NULL when inactive). */
struct test_network {
    struct network_def *def;
    struct network_def *live;
    bool autostart;
    struct test_network *next;
};

/* The networks of one test hypervisor (see test-driver.h). */
struct test_network_state {
    struct test_network *networks; /* in definition order */
};

static pthread_mutex_t test_network_mutex = PTHREAD_MUTEX_INITIALIZER;

/* libvirt's test driver 'default' network, with a fixed uuid so runs are reproducible. */
static const char test_network_default_xml[] =
    "<network>\n"
    "  <name>default</name>\n"
    "  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\n"
    "  <forward mode='nat'/>\n"
    "  <bridge name='virbr0' stp='on' delay='0'/>\n"
    "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
    "    <dhcp>\n"
    "      <range start='192.168.122.2' end='192.168.122.254'/>\n"
    "    </dhcp>\n"
    "  </ip>\n"
    "</network>\n";

/* Free one network record. */
static void test_network_free(struct test_network *n)
{
    network_def_free(n->def);
    network_def_free(n->live);
    free(n);
}

/* Append a record at the end of the list. */
static void test_network_append(struct test_network_state *st, struct test_network *n)
{
    struct test_network **p = &st->networks;
    while (*p)
        p = &(*p)->next;
    *p = n;
}

/* Free a network state and every record in it. NULL is fine. */
void test_network_state_free(struct test_network_state *st)
{
    if (!st)
        return;
    while (st->networks) {
        struct test_network *n = st->networks;
        st->networks = n->next;
        test_network_free(n);
    }
    free(st);
}

/* A new network state: empty, or (builtin) with the active, persistent 'default' network. */
struct test_network_state *test_network_state_new(bool builtin, struct vmerr *err)
{
    struct test_network_state *st = calloc(1, sizeof(*st));
    if (!st) {
        vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
        return NULL;
    }
    if (!builtin)
        return st;
    struct network_def *def =
        network_def_parse_string(test_network_default_xml, "test driver: default", err);
    if (!def || test_network_add(st, def, true, err) < 0) {
        test_network_state_free(st);
        return NULL;
    }
    return st;
}

/* The definition that describes a network now: the live one when active. */
static const struct network_def *test_network_current(const struct test_network *n)
{
    return n->live ? n->live : n->def;
}

/* Find a network by name, or by uuid text when no name matches (lock held). */
static struct test_network *test_network_find(struct test_network_state *st, const char *name)
{
    for (struct test_network *n = st->networks; n; n = n->next)
        if (!strcmp(test_network_current(n)->name, name))
            return n;
    unsigned char uuid[16];
    if (domain_uuid_parse(name, uuid) == 0)
        for (struct test_network *n = st->networks; n; n = n->next)
            if (!memcmp(test_network_current(n)->uuid, uuid, 16))
                return n;
    return NULL;
}

/* Find a network or fail with VMERR_NO_NETWORK (lock held). */
static struct test_network *test_network_get(struct test_network_state *st, const char *name,
                                             struct vmerr *err)
{
    struct test_network *n = test_network_find(st, name);
    if (!n)
        vmerr_set(err, VMERR_NO_NETWORK, "network '%s' not found", name);
    return n;
}

/* Fill a list row from a record. */
static void test_network_fill_info(const struct test_network *n, struct engine_network_info *info)
{
    network_def_info(test_network_current(n), info);
    info->active = n->live != NULL;
    info->persistent = n->def != NULL;
    info->autostart = n->autostart;
}

/* Every network, active and inactive. */
int test_network_list(struct engine_conn *conn, struct engine_network_info **out, size_t *count,
                      struct vmerr *err)
{
    struct test_network_state *st = test_driver_networks(conn);
    pthread_mutex_lock(&test_network_mutex);
    size_t n = 0;
    for (struct test_network *t = st->networks; t; t = t->next)
        n++;
    struct engine_network_info *all = calloc(n ? n : 1, sizeof(*all));
    if (!all) {
        pthread_mutex_unlock(&test_network_mutex);
        return vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    }
    size_t i = 0;
    for (struct test_network *t = st->networks; t; t = t->next)
        test_network_fill_info(t, &all[i++]);
    pthread_mutex_unlock(&test_network_mutex);
    *out = all;
    *count = n;
    return 0;
}

/* One network by name (or uuid). */
int test_network_lookup(struct engine_conn *conn, const char *name,
                        struct engine_network_info *info, struct vmerr *err)
{
    struct test_network_state *st = test_driver_networks(conn);
    pthread_mutex_lock(&test_network_mutex);
    struct test_network *n = test_network_get(st, name, err);
    if (n)
        test_network_fill_info(n, info);
    pthread_mutex_unlock(&test_network_mutex);
    return n ? 0 : -1;
}

/* Whether another network (not the one called self) uses bridge name br (lock held). */
static struct test_network *test_network_bridge_user(struct test_network_state *st, const char *br,
                                                     const char *self)
{
    for (struct test_network *n = st->networks; n; n = n->next) {
        const struct network_def *defs[2] = {n->def, n->live};
        for (int i = 0; i < 2; i++)
            if (defs[i] && strcmp(defs[i]->name, self) && defs[i]->bridge &&
                !strcmp(defs[i]->bridge, br))
                return n;
    }
    return NULL;
}

/* Which state and network network_bridge_pick asks about. */
struct test_network_pick {
    struct test_network_state *st;
    const char *self;
};

/* network_bridge_pick's test: a bridge name taken by another network. */
static bool test_network_bridge_taken(const char *br, void *opaque)
{
    const struct test_network_pick *pick = opaque;
    return test_network_bridge_user(pick->st, br, pick->self) != NULL;
}

/* Check def against the other networks and give it a bridge name (lock held); the record
 * with the same name and uuid, if any, goes to *same. */
static int test_network_check(struct test_network_state *st, struct network_def *def,
                              struct test_network **same, struct vmerr *err)
{
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    *same = NULL;
    for (struct test_network *n = st->networks; n; n = n->next) {
        const struct network_def *cur = test_network_current(n);
        bool name_eq = !strcmp(cur->name, def->name);
        bool uuid_eq = !memcmp(cur->uuid, def->uuid, 16);
        char other[37];
        domain_uuid_format(cur->uuid, other);
        if (name_eq && !uuid_eq)
            return vmerr_set(err, VMERR_DUPLICATE, "network '%s' already exists with uuid %s",
                             def->name, other);
        if (uuid_eq && !name_eq)
            return vmerr_set(err, VMERR_DUPLICATE, "network '%s' already has uuid %s", cur->name,
                             uuid);
        if (name_eq)
            *same = n;
    }
    if (def->bridge) {
        struct test_network *user = test_network_bridge_user(st, def->bridge, def->name);
        if (user)
            return vmerr_set(err, VMERR_DUPLICATE,
                             "network '%s': bridge name '%s' is already used by network '%s'",
                             def->name, def->bridge, test_network_current(user)->name);
        return 0;
    }
    char br[16];
    struct test_network_pick pick = {st, def->name};
    if (network_bridge_pick(test_network_bridge_taken, &pick, br, sizeof(br)) < 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED, "network '%s': no free bridge name left",
                         def->name);
    def->bridge = strdup(br);
    if (!def->bridge)
        return vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    return 0;
}

/* Define or redefine (same name and uuid) a persistent network; takes def. */
int test_network_define(struct engine_conn *conn, struct network_def *def, struct vmerr *err)
{
    struct test_network_state *st = test_driver_networks(conn);
    pthread_mutex_lock(&test_network_mutex);
    struct test_network *same = NULL;
    int rc = test_network_check(st, def, &same, err);
    if (rc == 0 && same) {
        network_def_free(same->def); /* an active network keeps its live def */
        same->def = def;
        def = NULL;
    } else if (rc == 0) {
        struct test_network *n = calloc(1, sizeof(*n));
        if (!n) {
            rc = vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
        } else {
            n->def = def;
            def = NULL;
            test_network_append(st, n);
        }
    }
    pthread_mutex_unlock(&test_network_mutex);
    network_def_free(def);
    return rc;
}

/* Remove the persistent definition; an active network becomes transient. */
int test_network_undefine(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct test_network_state *st = test_driver_networks(conn);
    pthread_mutex_lock(&test_network_mutex);
    int rc = -1;
    struct test_network *n = test_network_get(st, name, err);
    if (n && !n->def) {
        vmerr_set(err, VMERR_OPERATION_INVALID,
                  "network '%s' is transient; it has no persistent definition to undefine", name);
    } else if (n && n->live) {
        network_def_free(n->def);
        n->def = NULL;
        n->autostart = false;
        rc = 0;
    } else if (n) {
        for (struct test_network **p = &st->networks; *p; p = &(*p)->next)
            if (*p == n) {
                *p = n->next;
                break;
            }
        test_network_free(n);
        rc = 0;
    }
    pthread_mutex_unlock(&test_network_mutex);
    return rc;
}

/* A copy of the live def (when asked and active) or the persistent one (the live one for a
 * transient network). */
struct network_def *test_network_get_def(struct engine_conn *conn, const char *name, bool live,
                                         struct vmerr *err)
{
    struct test_network_state *st = test_driver_networks(conn);
    pthread_mutex_lock(&test_network_mutex);
    struct network_def *copy = NULL;
    struct test_network *n = test_network_get(st, name, err);
    if (n) {
        const struct network_def *src = (live && n->live) || !n->def ? n->live : n->def;
        copy = network_def_copy(src);
        if (!copy)
            vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    }
    pthread_mutex_unlock(&test_network_mutex);
    return copy;
}

/* Start an inactive network: its persistent definition becomes the live one. */
int test_network_start(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct test_network_state *st = test_driver_networks(conn);
    pthread_mutex_lock(&test_network_mutex);
    int rc = -1;
    struct test_network *n = test_network_get(st, name, err);
    if (n && n->live) {
        vmerr_set(err, VMERR_OPERATION_INVALID, "network '%s' is already active",
                  test_network_current(n)->name);
    } else if (n && !(n->live = network_def_copy(n->def))) {
        vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    } else if (n) {
        rc = 0;
    }
    pthread_mutex_unlock(&test_network_mutex);
    return rc;
}

/* Stop an active network; a transient one disappears with it. */
int test_network_destroy(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct test_network_state *st = test_driver_networks(conn);
    pthread_mutex_lock(&test_network_mutex);
    int rc = -1;
    struct test_network *n = test_network_get(st, name, err);
    if (n && !n->live) {
        vmerr_set(err, VMERR_OPERATION_INVALID, "network '%s' is not active", n->def->name);
    } else if (n && n->def) {
        network_def_free(n->live);
        n->live = NULL;
        rc = 0;
    } else if (n) {
        for (struct test_network **p = &st->networks; *p; p = &(*p)->next)
            if (*p == n) {
                *p = n->next;
                break;
            }
        test_network_free(n);
        rc = 0;
    }
    pthread_mutex_unlock(&test_network_mutex);
    return rc;
}

/* Mark or unmark a persistent network for autostart. */
int test_network_set_autostart(struct engine_conn *conn, const char *name, bool on,
                               struct vmerr *err)
{
    struct test_network_state *st = test_driver_networks(conn);
    pthread_mutex_lock(&test_network_mutex);
    int rc = -1;
    struct test_network *n = test_network_get(st, name, err);
    if (n && !n->def) {
        vmerr_set(err, VMERR_OPERATION_INVALID,
                  "network '%s' is transient; it cannot be marked for autostart", name);
    } else if (n) {
        n->autostart = on;
        rc = 0;
    }
    pthread_mutex_unlock(&test_network_mutex);
    return rc;
}

/* Add a network loaded from a node file: checked like a define (name, uuid, bridge), active
 * or not; takes def, also on error. */
int test_network_add(struct test_network_state *st, struct network_def *def, bool active,
                     struct vmerr *err)
{
    pthread_mutex_lock(&test_network_mutex);
    struct test_network *same = NULL;
    int rc = test_network_check(st, def, &same, err);
    struct test_network *n = NULL;
    if (rc == 0 && same)
        rc = vmerr_set(err, VMERR_DUPLICATE, "network '%s' is defined twice", def->name);
    if (rc == 0 && !(n = calloc(1, sizeof(*n))))
        rc = vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    if (rc == 0 && active && !(n->live = network_def_copy(def)))
        rc = vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    if (rc == 0) {
        n->def = def;
        def = NULL;
        test_network_append(st, n);
        n = NULL;
    }
    pthread_mutex_unlock(&test_network_mutex);
    free(n);
    network_def_free(def);
    return rc;
}
