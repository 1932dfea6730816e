/* test-driver: an in-memory hypervisor for demos, UI tests and benches, like libvirt's test
 * driver. test:///default starts with "test" (running, id 1) and "test2" (shut off), both
 * built by the real domain XML parser; connections of one process share it (as in libvirt)
 * until the last one closes. test:///PATH.xml builds a new one for each connection from a
 * node file (test-node.c). Definitions and state changes flow through struct domain_def
 * copies held in memory; nothing is written to disk. */
#include "drivers/test/test-driver.h"

#include "drivers/driver.h"
#include "drivers/test/test-capabilities.h"
#include "drivers/test/test-network.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* One domain: its persistent definition (NULL when transient), its live definition (NULL
 * when shut off) and its state. */
struct test_driver_domain {
    struct domain_def *def;
    struct domain_def *live;
    enum engine_domain_state state;
    struct timespec started;      /* CLOCK_REALTIME of the start (running domains) */
    struct timespec paused_since; /* CLOCK_REALTIME of the pause; 0: since the start */
    double paused_total;          /* seconds spent paused before, since the start */
    char *pty; /* a real PTY (the slave end, /dev/pts/N) the node file named: the console */
    struct test_driver_domain *next;
};

static pthread_mutex_t test_driver_lock = PTHREAD_MUTEX_INITIALIZER;
static struct test_driver_state *test_driver_shared;

/* The tty every started pty gets: there is no real PTY behind it. */
#define TEST_TTY "/dev/pts/test"

/* "test": running, id 1, with a disk, a user NIC and a pty serial console. */
static const char test_domain_xml[] =
    "<domain type='qemu' id='1'>\n"
    "  <name>test</name>\n"
    "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
    "  <memory unit='MiB'>1024</memory>\n"
    "  <currentMemory unit='MiB'>512</currentMemory>\n"
    "  <vcpu>2</vcpu>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='pc'>hvm</type>\n"
    "    <boot dev='hd'/>\n"
    "  </os>\n"
    "  <features><acpi/><apic/></features>\n"
    "  <clock offset='utc'/>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
    "    <disk type='file' device='disk'>\n"
    "      <source file='/guest/diskimage1'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <interface type='user'>\n"
    "      <mac address='52:54:00:aa:bb:01'/>\n"
    "      <model type='virtio'/>\n"
    "    </interface>\n"
    "    <serial type='pty'>\n"
    "      <source path='" TEST_TTY "'/>\n"
    "      <target port='0'/>\n"
    "    </serial>\n"
    "    <console type='pty' tty='" TEST_TTY "'>\n"
    "      <target type='serial' port='0'/>\n"
    "    </console>\n"
    "    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>\n"
    "  </devices>\n"
    "</domain>\n";

/* "test2": shut off, a cdrom installer setup with a network NIC. */
static const char test2_domain_xml[] = "<domain type='qemu'>\n"
                                       "  <name>test2</name>\n"
                                       "  <uuid>3a9dd6bf-26b4-4c3e-8a47-6d5c7f0e2b11</uuid>\n"
                                       "  <memory unit='MiB'>512</memory>\n"
                                       "  <vcpu>1</vcpu>\n"
                                       "  <os>\n"
                                       "    <type arch='x86_64' machine='pc'>hvm</type>\n"
                                       "    <boot dev='cdrom'/>\n"
                                       "    <boot dev='hd'/>\n"
                                       "  </os>\n"
                                       "  <devices>\n"
                                       "    <disk type='file' device='disk'>\n"
                                       "      <source file='/guest/test2.img'/>\n"
                                       "      <target dev='hda'/>\n"
                                       "    </disk>\n"
                                       "    <disk type='file' device='cdrom'>\n"
                                       "      <source file='/guest/install.iso'/>\n"
                                       "      <target dev='hdc'/>\n"
                                       "      <readonly/>\n"
                                       "    </disk>\n"
                                       "    <interface type='network'>\n"
                                       "      <mac address='52:54:00:aa:bb:02'/>\n"
                                       "      <source network='default'/>\n"
                                       "    </interface>\n"
                                       "    <serial type='pty'/>\n"
                                       "  </devices>\n"
                                       "</domain>\n";

/* Remove live-only data from a definition (id, tty paths). */
static void test_driver_strip_live(struct domain_def *def)
{
    def->id = -1;
    for (size_t i = 0; i < def->nserials; i++) {
        free(def->serials[i].tty);
        def->serials[i].tty = NULL;
    }
    for (size_t i = 0; i < def->nconsoles; i++) {
        free(def->consoles[i].tty);
        def->consoles[i].tty = NULL;
    }
}

/* Free one domain record. */
static void test_driver_domain_free(struct test_driver_domain *d)
{
    domain_def_free(d->def);
    domain_def_free(d->live);
    free(d->pty);
    free(d);
}

/* Free the whole state. NULL is fine. */
static void test_driver_state_free(struct test_driver_state *st)
{
    if (!st)
        return;
    while (st->domains) {
        struct test_driver_domain *d = st->domains;
        st->domains = d->next;
        test_driver_domain_free(d);
    }
    test_network_state_free(st->networks);
    free(st);
}

/* Append a domain record at the end of the list. */
static void test_driver_state_append(struct test_driver_state *st, struct test_driver_domain *d)
{
    struct test_driver_domain **p = &st->domains;
    while (*p)
        p = &(*p)->next;
    *p = d;
}

/* Give a new live definition what a start assigns: a VNC port for autoport graphics
 * (5900 + id, as QEMU's display numbers go) and the start time. */
static void test_driver_live_setup(struct test_driver_domain *d)
{
    for (size_t i = 0; i < d->live->ngraphics; i++)
        if (d->live->graphics[i].type == DOMAIN_GRAPHICS_VNC && d->live->graphics[i].port < 0)
            d->live->graphics[i].port = 5900 + d->live->id;
    clock_gettime(CLOCK_REALTIME, &d->started);
    d->paused_since = (struct timespec){0, 0};
    d->paused_total = 0;
}

/* Seconds from a to b. */
static double test_driver_seconds(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Seconds of the current pause up to now (a domain loaded paused: since its start). */
static double test_driver_pause_now(const struct test_driver_domain *d, const struct timespec *now)
{
    if (d->state != ENGINE_DOMAIN_PAUSED)
        return 0;
    return test_driver_seconds(d->paused_since.tv_sec ? &d->paused_since : &d->started, now);
}

/* Build test:///default's state from the XML above with the real parser. */
static struct test_driver_state *test_driver_state_new(struct vmerr *err)
{
    struct test_driver_state *st = calloc(1, sizeof(*st));
    if (!st) {
        vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
        return NULL;
    }
    if (!(st->networks = test_network_state_new(true, err))) {
        free(st);
        return NULL;
    }
    struct domain_def *live = domain_def_parse_string(test_domain_xml, "test driver: test", err);
    struct domain_def *def2 =
        live ? domain_def_parse_string(test2_domain_xml, "test driver: test2", err) : NULL;
    struct domain_def *def = live ? domain_def_copy(live) : NULL;
    struct test_driver_domain *d1 = calloc(1, sizeof(*d1)), *d2 = calloc(1, sizeof(*d2));
    if (!live || !def2 || !def || !d1 || !d2) {
        if (live && def2 && (!def || !d1 || !d2))
            vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
        domain_def_free(live);
        domain_def_free(def2);
        domain_def_free(def);
        free(d1);
        free(d2);
        test_driver_state_free(st);
        return NULL;
    }
    test_driver_strip_live(def);
    *d1 = (struct test_driver_domain){.def = def, .live = live, .state = ENGINE_DOMAIN_RUNNING};
    *d2 = (struct test_driver_domain){.def = def2, .state = ENGINE_DOMAIN_SHUTOFF};
    test_driver_live_setup(d1);
    test_driver_state_append(st, d1);
    test_driver_state_append(st, d2);
    st->next_id = 2;
    return st;
}

/* A new hypervisor filled from the node file at path (a test:///PATH.xml connection). */
static struct test_driver_state *test_driver_state_load(const char *path, struct vmerr *err)
{
    struct test_driver_state *st = calloc(1, sizeof(*st));
    if (!st || !(st->networks = test_network_state_new(false, err))) {
        if (!st)
            vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
        free(st);
        return NULL;
    }
    st->next_id = 1;
    st->refs = 1;
    if (test_node_load(st, path, err) < 0) {
        test_driver_state_free(st);
        return NULL;
    }
    return st;
}

/* test:///default: share the built-in state between connections. test:///PATH (the engine
 * keeps the leading '/' of a file path): a state of its own loaded from that node file. */
static int test_driver_open(struct engine_conn *conn, struct vmerr *err)
{
    if (conn->path[0] == '/') {
        conn->priv = test_driver_state_load(conn->path, err);
        return conn->priv ? 0 : -1;
    }
    if (strcmp(conn->path, "default"))
        return vmerr_set(err, VMERR_URI,
                         "test driver: unknown URI path '%s' (test:///default, or "
                         "test:///PATH/TO/NODE.xml)",
                         conn->path);
    pthread_mutex_lock(&test_driver_lock);
    if (!test_driver_shared)
        test_driver_shared = test_driver_state_new(err);
    struct test_driver_state *st = test_driver_shared;
    if (st)
        st->refs++;
    pthread_mutex_unlock(&test_driver_lock);
    if (!st)
        return -1;
    conn->priv = st;
    return 0;
}

/* Drop this connection's reference; the state goes with the last one. */
static void test_driver_close(struct engine_conn *conn)
{
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_state *st = conn->priv;
    if (st && --st->refs == 0) {
        if (st == test_driver_shared)
            test_driver_shared = NULL;
        test_driver_state_free(st);
    }
    pthread_mutex_unlock(&test_driver_lock);
    conn->priv = NULL;
}

/* The networks of the hypervisor behind conn. */
struct test_network_state *test_driver_networks(struct engine_conn *conn)
{
    return ((struct test_driver_state *)conn->priv)->networks;
}

/* The definition that describes a domain now: the live one when running. */
static const struct domain_def *test_driver_domain_current(const struct test_driver_domain *d)
{
    return d->live ? d->live : d->def;
}

/* Find a domain by name, or by uuid text when no name matches. */
static struct test_driver_domain *test_driver_find(struct test_driver_state *st, const char *name)
{
    for (struct test_driver_domain *d = st->domains; d; d = d->next)
        if (!strcmp(test_driver_domain_current(d)->name, name))
            return d;
    unsigned char uuid[16];
    if (domain_uuid_parse(name, uuid) == 0)
        for (struct test_driver_domain *d = st->domains; d; d = d->next)
            if (!memcmp(test_driver_domain_current(d)->uuid, uuid, 16))
                return d;
    return NULL;
}

/* Find a domain or fail with VMERR_NO_DOMAIN. */
static struct test_driver_domain *test_driver_get(struct test_driver_state *st, const char *name,
                                                  struct vmerr *err)
{
    struct test_driver_domain *d = test_driver_find(st, name);
    if (!d)
        vmerr_set(err, VMERR_NO_DOMAIN, "no domain named '%s'", name);
    return d;
}

/* Fill a list row from a domain record. */
static void test_driver_fill_info(const struct test_driver_domain *d,
                                  struct engine_domain_info *info)
{
    const struct domain_def *def = test_driver_domain_current(d);
    memset(info, 0, sizeof(*info));
    snprintf(info->name, sizeof(info->name), "%s", def->name);
    domain_uuid_format(def->uuid, info->uuid);
    info->id = d->live ? d->live->id : -1;
    info->state = d->state;
    info->vcpus = def->vcpus;
    info->memory_kib = def->current_memory_kib;
    info->max_memory_kib = def->memory_kib;
    info->persistent = d->def != NULL;
    info->has_console = d->live && d->pty; /* only a node file's real PTY is one */
    info->vnc_port = -1;
    if (d->live) {
        info->start_time = d->started.tv_sec;
        for (size_t i = 0; i < d->live->ngraphics && info->vnc_port < 0; i++)
            if (d->live->graphics[i].type == DOMAIN_GRAPHICS_VNC)
                info->vnc_port = d->live->graphics[i].port;
    }
}

/* Every domain, active and inactive. */
static int test_driver_domain_list(struct engine_conn *conn, struct engine_domain_info **out,
                                   size_t *count, struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    size_t n = 0;
    for (struct test_driver_domain *d = st->domains; d; d = d->next)
        n++;
    struct engine_domain_info *all = calloc(n ? n : 1, sizeof(*all));
    if (!all) {
        pthread_mutex_unlock(&test_driver_lock);
        return vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    }
    size_t i = 0;
    for (struct test_driver_domain *d = st->domains; d; d = d->next)
        test_driver_fill_info(d, &all[i++]);
    pthread_mutex_unlock(&test_driver_lock);
    *out = all;
    *count = n;
    return 0;
}

/* One domain by name (or uuid). */
static int test_driver_domain_lookup(struct engine_conn *conn, const char *name,
                                     struct engine_domain_info *info, struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_domain *d = test_driver_get(st, name, err);
    if (d)
        test_driver_fill_info(d, info);
    pthread_mutex_unlock(&test_driver_lock);
    return d ? 0 : -1;
}

/* Define or redefine (same name and uuid) a persistent domain; takes def. */
static int test_driver_domain_define(struct engine_conn *conn, struct domain_def *def,
                                     struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    test_driver_strip_live(def);
    pthread_mutex_lock(&test_driver_lock);
    int rc = 0;
    struct test_driver_domain *same = NULL;
    for (struct test_driver_domain *d = st->domains; d && rc == 0; d = d->next) {
        const struct domain_def *cur = test_driver_domain_current(d);
        bool name_eq = !strcmp(cur->name, def->name);
        bool uuid_eq = !memcmp(cur->uuid, def->uuid, 16);
        char other[37];
        domain_uuid_format(cur->uuid, other);
        if (name_eq && !uuid_eq)
            rc = vmerr_set(err, VMERR_DUPLICATE, "domain '%s' already exists with uuid %s",
                           def->name, other);
        else if (uuid_eq && !name_eq)
            rc =
                vmerr_set(err, VMERR_DUPLICATE, "domain '%s' already has uuid %s", cur->name, uuid);
        else if (name_eq)
            same = d;
    }
    if (rc == 0 && same) {
        domain_def_free(same->def); /* a running domain keeps its live def until it stops */
        same->def = def;
        def = NULL;
    } else if (rc == 0) {
        struct test_driver_domain *d = calloc(1, sizeof(*d));
        if (!d) {
            rc = vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
        } else {
            d->def = def;
            d->state = ENGINE_DOMAIN_SHUTOFF;
            def = NULL;
            test_driver_state_append(st, d);
        }
    }
    pthread_mutex_unlock(&test_driver_lock);
    domain_def_free(def);
    return rc;
}

/* Give a domain a live definition (a copy with the next id and the ttys) (lock held). */
static int test_driver_make_live(struct test_driver_state *st, struct test_driver_domain *d,
                                 struct vmerr *err)
{
    if (!(d->live = domain_def_copy(d->def)))
        return vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    d->live->id = st->next_id++;
    const char *tty = d->pty ? d->pty : TEST_TTY;
    for (size_t i = 0; i < d->live->nserials; i++)
        d->live->serials[i].tty = strdup(tty);
    for (size_t i = 0; i < d->live->nconsoles; i++)
        d->live->consoles[i].tty = strdup(tty);
    test_driver_live_setup(d);
    return 0;
}

/* The PTY a node file's domain names as its console (first <serial>'s source path, else
 * first <console tty=...>) when it is an existing character device under /dev/pts/; a copy,
 * or NULL (the domain then gets the dummy TEST_TTY as before). The node file names the
 * slave end: the console opens it as vmdeck opens a QEMU guest's, and whoever holds the
 * master plays the guest (writes there are console output, vmdeck's keys come out there). */
static char *test_driver_real_pty(const struct domain_def *def)
{
    const char *tty = def->nserials ? def->serials[0].tty : NULL;
    if (!tty && def->nconsoles)
        tty = def->consoles[0].tty;
    struct stat sb;
    if (!tty || strncmp(tty, "/dev/pts/", 9) || stat(tty, &sb) < 0 || !S_ISCHR(sb.st_mode))
        return NULL;
    char *copy = strdup(tty);
    if (!copy)
        abort(); /* memory exhaustion is not recoverable */
    return copy;
}

/* Append the domains of a node file to a fresh state (see test-driver.h). */
int test_driver_add_domains(struct test_driver_state *st, struct test_driver_loaded *doms, size_t n,
                            struct vmerr *err)
{
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_domain **tail = &st->domains;
    while (*tail)
        tail = &(*tail)->next;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct domain_def *def = doms[i].def;
        doms[i].def = NULL;
        struct test_driver_domain *d = rc == 0 ? calloc(1, sizeof(*d)) : NULL;
        if (!d) {
            if (rc == 0)
                rc = vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
            domain_def_free(def);
            continue;
        }
        d->pty = test_driver_real_pty(def);
        test_driver_strip_live(def);
        d->def = def;
        d->state = doms[i].state;
        enum engine_domain_state s = d->state;
        bool live = s == ENGINE_DOMAIN_RUNNING || s == ENGINE_DOMAIN_PAUSED ||
                    s == ENGINE_DOMAIN_BLOCKED || s == ENGINE_DOMAIN_SHUTDOWN;
        if (live && (rc = test_driver_make_live(st, d, err)) < 0) {
            test_driver_domain_free(d);
            continue;
        }
        *tail = d;
        tail = &d->next;
    }
    pthread_mutex_unlock(&test_driver_lock);
    return rc;
}

/* Unlink and free a domain record. */
static void test_driver_remove(struct test_driver_state *st, struct test_driver_domain *gone)
{
    for (struct test_driver_domain **p = &st->domains; *p; p = &(*p)->next)
        if (*p == gone) {
            *p = gone->next;
            test_driver_domain_free(gone);
            return;
        }
}

/* Remove the persistent definition; a running domain becomes transient. */
static int test_driver_domain_undefine(struct engine_conn *conn, const char *name,
                                       struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    int rc = -1;
    struct test_driver_domain *d = test_driver_get(st, name, err);
    if (d && !d->def) {
        vmerr_set(err, VMERR_OPERATION_INVALID,
                  "domain '%s' is transient; it has no "
                  "persistent definition to undefine",
                  name);
    } else if (d && d->live) {
        domain_def_free(d->def);
        d->def = NULL;
        rc = 0;
    } else if (d) {
        test_driver_remove(st, d);
        rc = 0;
    }
    pthread_mutex_unlock(&test_driver_lock);
    return rc;
}

/* Start a shut-off domain: its live def is a copy of the persistent one with a new id. */
static int test_driver_domain_start(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    int rc = -1;
    struct test_driver_domain *d = test_driver_get(st, name, err);
    if (d && d->live) {
        vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' is already running", name);
    } else if (d && test_driver_make_live(st, d, err) == 0) {
        d->state = ENGINE_DOMAIN_RUNNING;
        rc = 0;
    }
    pthread_mutex_unlock(&test_driver_lock);
    return rc;
}

/* Stop a domain (called with the lock held): drop the live def; transient ones vanish. */
static void test_driver_stop(struct test_driver_state *st, struct test_driver_domain *d)
{
    domain_def_free(d->live);
    d->live = NULL;
    d->state = ENGINE_DOMAIN_SHUTOFF;
    if (!d->def)
        test_driver_remove(st, d);
}

/* The active domain called name, or NULL with VMERR_NO_DOMAIN / VMERR_OPERATION_INVALID. */
static struct test_driver_domain *test_driver_get_active(struct test_driver_state *st,
                                                         const char *name, struct vmerr *err)
{
    struct test_driver_domain *d = test_driver_get(st, name, err);
    if (d && !d->live) {
        vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' is not running", name);
        return NULL;
    }
    return d;
}

/* Graceful shutdown: the in-memory guest powers off at once. */
static int test_driver_domain_shutdown(struct engine_conn *conn, const char *name,
                                       struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_domain *d = test_driver_get_active(st, name, err);
    if (d)
        test_driver_stop(st, d);
    pthread_mutex_unlock(&test_driver_lock);
    return d ? 0 : -1;
}

/* Hard stop. */
static int test_driver_domain_destroy(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    return test_driver_domain_shutdown(conn, name, err);
}

/* Reboot: applies on_reboot (destroy stops the domain; the others keep it running). */
static int test_driver_domain_reboot(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_domain *d = test_driver_get_active(st, name, err);
    if (d && d->live->on_reboot == DOMAIN_LIFECYCLE_DESTROY)
        test_driver_stop(st, d);
    else if (d)
        d->state = ENGINE_DOMAIN_RUNNING;
    pthread_mutex_unlock(&test_driver_lock);
    return d ? 0 : -1;
}

/* Reset: the domain keeps running (its guest starts over, which the test driver has none of). */
static int test_driver_domain_reset(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_domain *d = test_driver_get_active(st, name, err);
    if (d)
        d->state = ENGINE_DOMAIN_RUNNING;
    pthread_mutex_unlock(&test_driver_lock);
    return d ? 0 : -1;
}

/* Pause (suspend) or resume an active domain; pausing twice or resuming a running one fails. */
static int test_driver_set_paused(struct engine_conn *conn, const char *name, bool pause,
                                  struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_domain *d = test_driver_get_active(st, name, err);
    int rc = d ? 0 : -1;
    if (d && pause && d->state == ENGINE_DOMAIN_PAUSED)
        rc = vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' is already paused", name);
    else if (d && !pause && d->state != ENGINE_DOMAIN_PAUSED)
        rc = vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' is not paused", name);
    else if (d) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        d->paused_total += test_driver_pause_now(d, &now); /* resuming: the pause ends */
        d->paused_since = now;
        d->state = pause ? ENGINE_DOMAIN_PAUSED : ENGINE_DOMAIN_RUNNING;
    }
    pthread_mutex_unlock(&test_driver_lock);
    return rc;
}

/* Suspend a running domain. */
static int test_driver_domain_suspend(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    return test_driver_set_paused(conn, name, true, err);
}

/* Resume a paused domain. */
static int test_driver_domain_resume(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    return test_driver_set_paused(conn, name, false, err);
}

/* A copy of the live def (when asked and running) or the persistent one (the live one for
 * a transient domain). */
static struct domain_def *test_driver_domain_get_def(struct engine_conn *conn, const char *name,
                                                     bool live, struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    struct domain_def *copy = NULL;
    struct test_driver_domain *d = test_driver_get(st, name, err);
    if (d) {
        const struct domain_def *src = (live && d->live) || !d->def ? d->live : d->def;
        copy = domain_def_copy(src);
        if (!copy)
            vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    }
    pthread_mutex_unlock(&test_driver_lock);
    return copy;
}

/* The console PTY of a running domain: the real one its node file named; the others have
 * only the dummy tty and are refused with a clear reason. */
static char *test_driver_domain_console_path(struct engine_conn *conn, const char *name,
                                             struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    char *path = NULL;
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_domain *d = test_driver_get_active(st, name, err);
    if (d && d->pty) {
        if (!(path = strdup(d->pty)))
            vmerr_set(err, VMERR_INTERNAL, "test driver: out of memory");
    } else if (d) {
        vmerr_set(err, VMERR_OPERATION_INVALID,
                  "domain '%s' has no real console on the test driver", name);
    }
    pthread_mutex_unlock(&test_driver_lock);
    return path;
}

/* Simulated counters of an active domain, like libvirt's test driver, over its time spent
 * running (paused time does not count): CPU time follows a
 * load that swings between 10% and 90% of one host CPU with a 63 s period (busy at
 * 0.5 + 0.4 sin(t/10) CPUs, integrated), disks read 1 MiB/s and write 256 KiB/s, NICs
 * receive 64 KiB/s and send 16 KiB/s, all counted from the domain's start. */
static int test_driver_domain_stats(struct engine_conn *conn, const char *name,
                                    struct engine_domain_stats *out, struct vmerr *err)
{
    struct test_driver_state *st = conn->priv;
    pthread_mutex_lock(&test_driver_lock);
    struct test_driver_domain *d = test_driver_get_active(st, name, err);
    if (!d) {
        pthread_mutex_unlock(&test_driver_lock);
        return -1;
    }
    struct timespec now, mono;
    clock_gettime(CLOCK_REALTIME, &now);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    /* Only time running counts: a paused guest uses no CPU and does no I/O. */
    double t =
        test_driver_seconds(&d->started, &now) - d->paused_total - test_driver_pause_now(d, &now);
    if (t < 0)
        t = 0;
    memset(out, 0, sizeof(*out));
    out->state = d->state;
    out->sampled_ms = (long long)mono.tv_sec * 1000 + mono.tv_nsec / 1000000;
    out->cpu_time_ns = (unsigned long long)((0.5 * t + 4.0 * (1.0 - cos(t / 10.0))) * 1e9);
    out->cpu_percent = -1;
    out->vcpus = d->live->vcpus;
    out->rss_kib = d->live->current_memory_kib;
    out->balloon = true;
    out->balloon_kib = d->live->current_memory_kib;
    out->max_memory_kib = d->live->memory_kib;
    unsigned long long secs = (unsigned long long)t;
    for (size_t i = 0; i < d->live->ndisks && out->nblock < ENGINE_STATS_MAX_DEVS; i++) {
        struct engine_block_stats *b = &out->block[out->nblock++];
        snprintf(b->dev, sizeof(b->dev), "%s", d->live->disks[i].target_dev);
        b->rd_bytes = secs * 1048576;
        b->wr_bytes = d->live->disks[i].readonly ? 0 : secs * 262144;
        b->rd_ops = b->rd_bytes / 4096;
        b->wr_ops = b->wr_bytes / 4096;
    }
    for (size_t i = 0; i < d->live->nnets && out->nnet < ENGINE_STATS_MAX_DEVS; i++) {
        const struct domain_net *n = &d->live->nets[i];
        struct engine_net_stats *s = &out->net[out->nnet++];
        snprintf(s->dev, sizeof(s->dev), "vnet%zu", i);
        snprintf(s->type, sizeof(s->type), "%s", domain_net_type_to_string(n->type));
        snprintf(s->mac, sizeof(s->mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1],
                 n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
        s->available = true;
        s->rx_bytes = secs * 65536;
        s->tx_bytes = secs * 16384;
        s->rx_packets = s->rx_bytes / 1500;
        s->tx_packets = s->tx_bytes / 1500;
    }
    pthread_mutex_unlock(&test_driver_lock);
    return 0;
}

const struct driver test_driver = {
    .name = "test",
    .scheme = "test",
    .open = test_driver_open,
    .close = test_driver_close,
    .domain_list = test_driver_domain_list,
    .domain_lookup = test_driver_domain_lookup,
    .domain_define = test_driver_domain_define,
    .domain_undefine = test_driver_domain_undefine,
    .domain_start = test_driver_domain_start,
    .domain_shutdown = test_driver_domain_shutdown,
    .domain_destroy = test_driver_domain_destroy,
    .domain_reboot = test_driver_domain_reboot,
    .domain_reset = test_driver_domain_reset,
    .domain_suspend = test_driver_domain_suspend,
    .domain_resume = test_driver_domain_resume,
    .domain_get_def = test_driver_domain_get_def,
    .domain_console_path = test_driver_domain_console_path,
    .network_list = test_network_list,
    .network_lookup = test_network_lookup,
    .network_define = test_network_define,
    .network_undefine = test_network_undefine,
    .network_get_def = test_network_get_def,
    .network_start = test_network_start,
    .network_destroy = test_network_destroy,
    .network_set_autostart = test_network_set_autostart,
    .capabilities = test_capabilities_get,
    .domain_stats = test_driver_domain_stats,
};
