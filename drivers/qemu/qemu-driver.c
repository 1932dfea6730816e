/* qemu-driver: the QEMU driver table. Persistent definitions flow to and from
 * CONFIG_DIR/NAME.xml; the truth about running domains flows from the runtime dir (state
 * files written by supervisors, see qemu-state.h) checked against live processes, so any
 * vmdeck process can die and the next one sees the same picture. Lifecycle commands go to
 * QEMU through its client QMP socket (shutdown, suspend, resume, reboot) or signals
 * (destroy); start hands the argv to a new supervisor. Every operation on a domain holds
 * its lock file (flock). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "drivers/driver.h"
#include "drivers/qemu/qemu-argv.h"
#include "drivers/qemu/qemu-capabilities.h"
#include "drivers/qemu/qemu-network.h"
#include "drivers/qemu/qemu-state.h"
#include "drivers/qemu/qemu-stats.h"
#include "drivers/qemu/qemu-summary.h"
#include "drivers/qemu/qemu-supervisor.h"
#include "drivers/qemu/qemu-tap.h"
#include "drivers/qemu/qmp.h"
#include "engine/store.h"

/* How long start waits for the supervisor's verdict. */
#define QEMU_START_TIMEOUT_MS 60000
/* How long a client QMP command may take. */
#define QEMU_QMP_TIMEOUT_MS 10000
/* How long destroy waits after SIGTERM before SIGKILL, and after SIGKILL. */
#define QEMU_TERM_GRACE_MS 5000
/* How long suspend/resume wait for the supervisor to record the new state. */
#define QEMU_STATE_WAIT_MS 5000

/* Sleep for ms milliseconds. */
static void qemu_driver_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Milliseconds on the monotonic clock. */
static long long qemu_driver_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Accept qemu:///session and qemu:///system; create the dirs. */
static int qemu_driver_open(struct engine_conn *conn, struct vmerr *err)
{
    if (strcmp(conn->path, "session") && strcmp(conn->path, "system"))
        return vmerr_set(err, VMERR_URI,
                         "connection URI '%s': the qemu driver serves qemu:///session and "
                         "qemu:///system",
                         conn->uri);
    char *locks = store_printf("%s/locks", conn->runtime_dir);
    int rc = 0;
    if (store_mkdir_p(conn->config_dir, 0700, err) < 0 ||
        store_mkdir_p(conn->runtime_dir, 0700, err) < 0 || store_mkdir_p(locks, 0700, err) < 0)
        rc = -1;
    free(locks);
    return rc;
}

/* Nothing to free: the driver keeps no per-connection state in memory. */
static void qemu_driver_close(struct engine_conn *conn)
{
    (void)conn;
}

/* CONFIG_DIR/NAME.xml. */
static char *qemu_driver_config_path(struct engine_conn *conn, const char *name)
{
    return store_printf("%s/%s.xml", conn->config_dir, name);
}

/* The persistent definition of name; VMERR_NO_DOMAIN if there is none. */
static struct domain_def *qemu_driver_load(struct engine_conn *conn, const char *name,
                                           struct vmerr *err)
{
    if (!domain_name_valid(name)) {
        vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
        return NULL;
    }
    char *path = qemu_driver_config_path(conn, name);
    if (access(path, F_OK) < 0) {
        vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
        free(path);
        return NULL;
    }
    /* a file unchanged since it passed the schema (its summary says so) skips that pass */
    struct domain_def *def = qemu_summary_current(conn->config_dir, name)
                                 ? domain_def_parse_file_validated(path, err)
                                 : domain_def_parse_file(path, err);
    free(path);
    if (def)
        def->id = -1;
    return def;
}

/* Take the domain's operation lock; returns the fd for qd_unlock. */
static int qemu_driver_lock(const struct qemu_paths *p, struct vmerr *err)
{
    return store_lock(p->lock, err);
}

/* Take the domain's lock only if nobody holds it; -1 if busy or on error. */
static int qemu_driver_trylock(const struct qemu_paths *p)
{
    int fd = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Clean up after a supervisor that died: kill its QEMU if that is still the same process,
 * remove the runtime files. The caller holds the domain lock. */
static void qemu_driver_reap_stale(const struct qemu_paths *p)
{
    struct qemu_state st;
    if (qemu_state_read(p->state, &st, NULL) == 0 && qemu_state_supervisor_alive(p->alive))
        return; /* alive after all */
    if (qemu_state_read(p->state, &st, NULL) == 0 && st.qemu_pid > 0 &&
        qemu_state_pid_matches(st.qemu_pid, st.qemu_start)) {
        kill(st.qemu_pid, SIGKILL);
        for (int i = 0; i < 200 && qemu_state_pid_matches(st.qemu_pid, st.qemu_start); i++)
            qemu_driver_sleep_ms(10);
    }
    qemu_state_cleanup(p);
}

/* A new supervisor for the live QEMU of st whose supervisor died (kill -9): it watches QEMU
 * through a pidfd and takes over its supervisor QMP socket. The caller holds the lock. */
static int qemu_driver_adopt(const char *name, const struct qemu_paths *p,
                             const struct qemu_state *st, struct vmerr *err)
{
    struct domain_def *live = domain_def_parse_file(p->live_xml, err);
    if (!live)
        return -1;
    char **argv = qemu_supervisor_load_argv(p->argv);
    char *none[] = {NULL};
    struct qemu_supervisor_spec spec = {.def = live,
                                        .argv = argv ? argv : none,
                                        .paths = p,
                                        .id = st->id,
                                        .vnc_port = st->vnc_port,
                                        .adopt = st};
    int rc = qemu_supervisor_start(&spec, QEMU_QMP_TIMEOUT_MS, err);
    if (rc < 0 && err)
        vmerr_set(err, err->code,
                  "domain '%s': cannot adopt QEMU %ld after its supervisor "
                  "died: %s",
                  name, (long)st->qemu_pid, err->message);
    qemu_argv_free(argv);
    domain_def_free(live);
    return rc;
}

/* With the lock held, make sense of a state file whose supervisor is gone: a live QEMU is
 * adopted by a new supervisor (1, or 1 as recorded if that fails: destroy still works); a
 * dead one becomes a 'crashed' record (2); unreadable files are removed (0). */
static int qemu_driver_recover(const char *name, const struct qemu_paths *p, struct qemu_state *st)
{
    int rc = qemu_state_read(p->state, st, NULL);
    if (rc == 1)
        return 0;
    if (rc < 0) {
        qemu_state_cleanup(p);
        return 0;
    }
    if (qemu_state_supervisor_alive(p->alive))
        return 1;
    bool qemu_alive = qemu_state_pid_matches(st->qemu_pid, st->qemu_start);
    if (qemu_state_pid_matches(st->supervisor_pid, st->supervisor_start)) /* finishing up */
        return st->state == ENGINE_DOMAIN_CRASHED ? 2 : qemu_alive ? 1 : 0;
    if (qemu_alive) {
        struct vmerr e;
        vmerr_clear(&e);
        if (qemu_driver_adopt(name, p, st, &e) == 0)
            qemu_state_read(p->state, st, NULL);
        return 1;
    }
    if (st->state != ENGINE_DOMAIN_CRASHED || access(p->dir, F_OK) == 0) {
        char why[sizeof(st->reason)];
        snprintf(why, sizeof(why), "QEMU (pid %ld) and its supervisor (pid %ld) are gone",
                 (long)st->qemu_pid, (long)st->supervisor_pid);
        qemu_state_crash_record(p, st, why);
        qemu_state_read(p->state, st, NULL);
    }
    return 2;
}

/* Whether name is running now: 1 (st filled), 2 (a 'crashed' record: QEMU died on its own,
 * st has the reason), 0 (not running), -1 on error. A dead supervisor's live QEMU is adopted
 * here (see qemu_driver_recover). locked: the caller holds the domain lock. */
static int qemu_driver_probe(const char *name, const struct qemu_paths *p, struct qemu_state *st,
                             bool locked, struct vmerr *err)
{
    int rc = qemu_state_read(p->state, st, err);
    if (rc == 1)
        return 0;
    if (rc == 0 && qemu_state_supervisor_alive(p->alive))
        return st->state == ENGINE_DOMAIN_CRASHED &&
                       !qemu_state_pid_matches(st->qemu_pid, st->qemu_start)
                   ? 2 /* the supervisor is writing the crashed record */
                   : 1;
    if (rc < 0 && !locked)
        return 0; /* being written by someone: not running as far as we can tell */
    if (rc == 0 && st->state == ENGINE_DOMAIN_CRASHED && access(p->dir, F_OK) < 0)
        return 2;
    /* The supervisor is gone (or the state file is unreadable) but files remain. */
    if (locked)
        return qemu_driver_recover(name, p, st);
    int fd = qemu_driver_trylock(p);
    if (fd < 0) /* someone else is at it: go by the record */
        return rc == 0 && qemu_state_pid_matches(st->qemu_pid, st->qemu_start) ? 1 : 0;
    int r = qemu_driver_recover(name, p, st);
    store_unlock(fd);
    return r;
}

/* Fill a list row from a definition and (if running) its state. */
static void qemu_driver_info(const char *name, const struct domain_def *def, int probed,
                             const struct qemu_state *st, struct engine_domain_info *info)
{
    bool running = probed == 1;
    memset(info, 0, sizeof(*info));
    snprintf(info->name, sizeof(info->name), "%s", name);
    info->id = running ? st->id : -1;
    info->state = running ? st->state : probed == 2 ? ENGINE_DOMAIN_CRASHED : ENGINE_DOMAIN_SHUTOFF;
    if (probed == 1 || probed == 2)
        snprintf(info->state_reason, sizeof(info->state_reason), "%s", st->reason);
    info->persistent = true;
    info->has_console = running && st->tty[0];
    info->vnc_port = running ? st->vnc_port : -1;
    info->start_time = running ? qemu_state_start_wallclock(st->qemu_start) : 0;
    if (def) {
        domain_uuid_format(def->uuid, info->uuid);
        info->vcpus = def->vcpus;
        info->memory_kib = def->current_memory_kib ? def->current_memory_kib : def->memory_kib;
        info->max_memory_kib = def->memory_kib;
    }
}

/* The live definition of a running domain (from live.xml, with id and tty from st). */
static struct domain_def *qemu_driver_live_def(const struct qemu_paths *p,
                                               const struct qemu_state *st, struct vmerr *err)
{
    struct domain_def *def = domain_def_parse_file(p->live_xml, err);
    if (!def)
        return NULL;
    def->id = st->id;
    if (st->tty[0]) {
        struct domain_chr *first = def->nserials    ? &def->serials[0]
                                   : def->nconsoles ? &def->consoles[0]
                                                    : NULL;
        if (first && !first->tty)
            first->tty = strdup(st->tty);
    }
    return def;
}

/* Look up name (a defined domain) and describe it. */
static int qemu_driver_describe(struct engine_conn *conn, const char *name,
                                struct engine_domain_info *info, struct vmerr *err)
{
    struct qemu_paths p;
    qemu_state_paths(conn->runtime_dir, name, &p);
    struct qemu_state st;
    int probed = qemu_driver_probe(name, &p, &st, false, NULL);
    bool running = probed == 1;
    struct domain_def *def = running ? qemu_driver_live_def(&p, &st, NULL) : NULL;
    if (!def) {
        struct vmerr perr;
        def = qemu_summary_load(conn->config_dir, name, &perr); /* no XML parse if cached */
        if (!def && perr.code == VMERR_NO_DOMAIN) {
            qemu_state_paths_free(&p);
            if (err)
                *err = perr;
            return -1;
        }
    }
    qemu_driver_info(name, def, probed, &st, info); /* a broken config still gets a row */
    domain_def_free(def);
    qemu_state_paths_free(&p);
    return 0;
}

/* The domain names that have a config file, in directory order (*out freed with
 * qemu_driver_names_free). */
static int qemu_driver_names(struct engine_conn *conn, char ***out, size_t *count,
                             struct vmerr *err)
{
    *out = NULL;
    *count = 0;
    DIR *d = opendir(conn->config_dir);
    if (!d)
        return vmerr_set_errno(err, errno, "cannot read %s", conn->config_dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len <= 4 || strcmp(de->d_name + len - 4, ".xml"))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = realloc(names, cap * sizeof(*names));
            if (!names)
                abort();
        }
        names[n++] = strndup(de->d_name, len - 4);
    }
    closedir(d);
    *out = names;
    *count = n;
    return 0;
}

/* Free a name list. */
static void qemu_driver_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Every defined domain with its current state. */
static int qemu_driver_domain_list(struct engine_conn *conn, struct engine_domain_info **out,
                                   size_t *count, struct vmerr *err)
{
    size_t n = 0;
    char **names = NULL;
    if (qemu_driver_names(conn, &names, &n, err) < 0)
        return -1;
    struct engine_domain_info *infos = calloc(n ? n : 1, sizeof(*infos));
    if (!infos)
        abort();
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (qemu_driver_describe(conn, names[i], &infos[kept], NULL) == 0)
            kept++;
    qemu_driver_names_free(names, n);
    *out = infos;
    *count = kept;
    return 0;
}

/* The name of the domain whose uuid is text, or NULL; caller frees. */
static char *qemu_driver_name_by_uuid(struct engine_conn *conn, const char *text)
{
    unsigned char want[16];
    if (domain_uuid_parse(text, want) < 0)
        return NULL;
    size_t n = 0;
    char **names = NULL;
    qemu_driver_names(conn, &names, &n, NULL);
    char *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        struct domain_def *def = qemu_driver_load(conn, names[i], NULL);
        if (def && !memcmp(def->uuid, want, 16))
            found = strdup(names[i]);
        domain_def_free(def);
    }
    qemu_driver_names_free(names, n);
    return found;
}

/* One domain by name (or uuid). */
static int qemu_driver_domain_lookup(struct engine_conn *conn, const char *name,
                                     struct engine_domain_info *info, struct vmerr *err)
{
    struct vmerr e;
    vmerr_clear(&e);
    if (qemu_driver_describe(conn, name, info, &e) == 0)
        return 0;
    char *by_uuid = e.code == VMERR_NO_DOMAIN ? qemu_driver_name_by_uuid(conn, name) : NULL;
    if (by_uuid) {
        int rc = qemu_driver_describe(conn, by_uuid, info, err);
        free(by_uuid);
        return rc;
    }
    if (err)
        *err = e;
    return -1;
}

/* Check that def's name and uuid do not clash with another definition (uuids from the
 * summaries, so defining the 1,000th domain does not parse 999 XML files). */
static int qemu_driver_check_unique(struct engine_conn *conn, const struct domain_def *def,
                                    struct vmerr *err)
{
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    size_t n = 0;
    char **names = NULL;
    qemu_driver_names(conn, &names, &n, NULL);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct domain_def *other = qemu_summary_load(conn->config_dir, names[i], NULL);
        if (!other)
            continue;
        bool same_name = !strcmp(names[i], def->name);
        bool same_uuid = !memcmp(other->uuid, def->uuid, 16);
        char ouuid[37];
        domain_uuid_format(other->uuid, ouuid);
        if (same_name && !same_uuid)
            rc = vmerr_set(err, VMERR_DUPLICATE, "domain '%s' is already defined with uuid %s",
                           def->name, ouuid);
        else if (!same_name && same_uuid)
            rc = vmerr_set(err, VMERR_DUPLICATE, "domain '%s' already has uuid %s", names[i], uuid);
        domain_def_free(other);
    }
    qemu_driver_names_free(names, n);
    return rc;
}

/* Give every NIC without a MAC a fresh 52:54:00:xx:xx:xx one (unique within the domain). */
static void qemu_driver_generate_macs(struct domain_def *def)
{
    for (size_t i = 0; i < def->nnets; i++) {
        struct domain_net *n = &def->nets[i];
        while (!n->has_mac) {
            unsigned char r[3];
            if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
                unsigned long x =
                    (unsigned long)qemu_driver_now_ms() ^ ((unsigned long)getpid() << 8);
                r[0] = (unsigned char)x;
                r[1] = (unsigned char)(x >> 8);
                r[2] = (unsigned char)(x >> 16);
            }
            unsigned char mac[6] = {0x52, 0x54, 0x00, r[0], r[1], r[2]};
            bool clash = false;
            for (size_t j = 0; j < def->nnets; j++)
                clash |= j != i && def->nets[j].has_mac && !memcmp(def->nets[j].mac, mac, 6);
            if (!clash) {
                memcpy(n->mac, mac, 6);
                n->has_mac = true;
            }
        }
    }
}

/* Store def as the persistent definition. */
static int qemu_driver_domain_define(struct engine_conn *conn, struct domain_def *def,
                                     struct vmerr *err)
{
    if (!domain_name_valid(def->name)) {
        vmerr_set(err, VMERR_INVALID_ARG, "'%s' is not a valid domain name", def->name);
        domain_def_free(def);
        return -1;
    }
    if (def->type == DOMAIN_VIRT_XEN) {
        vmerr_set(err, VMERR_INVALID_ARG,
                  "domain '%s': type 'xen' cannot be defined on %s (use xen:///system)", def->name,
                  conn->uri);
        domain_def_free(def);
        return -1;
    }
    if (qemu_capabilities_check_define(conn->runtime_dir, def, err) < 0) {
        domain_def_free(def);
        return -1;
    }
    struct qemu_paths p;
    qemu_state_paths(conn->runtime_dir, def->name, &p);
    int lock = qemu_driver_lock(&p, err);
    int rc = -1;
    if (lock < 0)
        goto out;
    if (qemu_driver_check_unique(conn, def, err) < 0)
        goto out;
    qemu_driver_generate_macs(def);
    def->id = -1;
    char *xml = domain_def_format(def, DOMAIN_DEF_FORMAT_INACTIVE);
    if (!xml) {
        vmerr_set(err, VMERR_INTERNAL, "domain '%s': cannot format its XML", def->name);
        goto out;
    }
    char *path = qemu_driver_config_path(conn, def->name);
    rc = store_write_atomic(path, xml, strlen(xml), err);
    if (rc == 0) /* def passed the schema: the list and start can trust the file */
        qemu_summary_update(conn->config_dir, def);
    free(path);
    free(xml);
out:
    store_unlock(lock);
    qemu_state_paths_free(&p);
    domain_def_free(def);
    return rc;
}

/* Remove a stopped domain's definition. */
static int qemu_driver_domain_undefine(struct engine_conn *conn, const char *name,
                                       struct vmerr *err)
{
    if (!domain_name_valid(name))
        return vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    struct qemu_paths p;
    qemu_state_paths(conn->runtime_dir, name, &p);
    int lock = qemu_driver_lock(&p, err);
    int rc = -1;
    struct qemu_state st;
    if (lock < 0)
        goto out;
    char *path = qemu_driver_config_path(conn, name);
    if (access(path, F_OK) < 0)
        vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    else if (qemu_driver_probe(name, &p, &st, true, err) == 1)
        vmerr_set(err, VMERR_OPERATION_INVALID,
                  "domain '%s' is running; destroy or shut it down before undefining it (or "
                  "undefine --force)",
                  name);
    else if (unlink(path) < 0)
        vmerr_set_errno(err, errno, "domain '%s': cannot remove %s", name, path);
    else
        rc = 0;
    if (rc == 0)
        qemu_summary_remove(conn->config_dir, name);
    if (rc == 0) { /* a crashed record and its console log go with the definition */
        qemu_state_cleanup(&p);
        unlink(p.crash_log);
    }
    free(path);
out:
    store_unlock(lock);
    qemu_state_paths_free(&p);
    return rc;
}

/* Next domain id of this connection: a counter file under its own lock. */
static int qemu_driver_next_id(struct engine_conn *conn, struct vmerr *err)
{
    char *lockpath = store_printf("%s/locks/.next-id.lock", conn->runtime_dir);
    char *path = store_printf("%s/locks/.next-id", conn->runtime_dir);
    int lock = store_lock(lockpath, err);
    int id = -1;
    if (lock >= 0) {
        char *text = store_read_file(path, NULL, NULL);
        id = text ? atoi(text) : 0;
        free(text);
        if (id < 1)
            id = 1;
        char next[32];
        snprintf(next, sizeof(next), "%d\n", id + 1);
        if (store_write_runtime(path, next, strlen(next), err) < 0)
            id = -1;
        store_unlock(lock);
    }
    free(lockpath);
    free(path);
    return id;
}

/* Check that a UNIX socket path fits in sun_path. */
static int qemu_driver_check_socket_path(const char *name, const char *path, struct vmerr *err)
{
    struct sockaddr_un sa;
    if (strlen(path) < sizeof(sa.sun_path))
        return 0;
    return vmerr_set(err, VMERR_OPERATION_FAILED,
                     "domain '%s': socket path %s is %zu bytes, longer than a UNIX socket allows "
                     "(%zu); use a shorter domain name or VMDECK_RUNTIME_DIR",
                     name, path, strlen(path), sizeof(sa.sun_path) - 1);
}

/* Whether disks a and b are the same file (same inode) and may not be used together: one
 * of them writable and not both shareable. */
static bool qemu_driver_disk_conflict(const struct domain_disk *a, const struct domain_disk *b)
{
    if (!a->source || !b->source || (a->readonly && b->readonly) || (a->shareable && b->shareable))
        return false;
    struct stat sa, sb;
    if (stat(a->source, &sa) < 0 || stat(b->source, &sb) < 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Refuse def when a running domain of this connection uses one of its disk images in a way
 * that conflicts (see qemu_driver_disk_conflict). The caller holds locks/.disks.lock. */
static int qemu_driver_check_disks(struct engine_conn *conn, const struct domain_def *def,
                                   struct vmerr *err)
{
    size_t n = 0;
    char **names = NULL;
    qemu_driver_names(conn, &names, &n, NULL);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!strcmp(names[i], def->name))
            continue;
        struct qemu_paths p;
        qemu_state_paths(conn->runtime_dir, names[i], &p);
        struct qemu_state st;
        struct domain_def *other = NULL;
        if (qemu_state_read(p.state, &st, NULL) == 0 && qemu_state_supervisor_alive(p.alive))
            other = domain_def_parse_file(p.live_xml, NULL);
        for (size_t a = 0; other && a < def->ndisks && rc == 0; a++)
            for (size_t b = 0; b < other->ndisks && rc == 0; b++)
                if (qemu_driver_disk_conflict(&def->disks[a], &other->disks[b]))
                    rc = vmerr_set(err, VMERR_OPERATION_INVALID,
                                   "domain '%s': disk %s (%s) is in use by running domain '%s' "
                                   "as %s%s; both must be <shareable/> (or both read-only)",
                                   def->name, def->disks[a].target_dev, def->disks[a].source,
                                   names[i], other->disks[b].target_dev,
                                   other->disks[b].readonly ? " (read-only)" : " (read-write)");
        domain_def_free(other);
        qemu_state_paths_free(&p);
    }
    qemu_driver_names_free(names, n);
    return rc;
}

/* Everything start does once the domain lock is held and the domain is known stopped. */
static int qemu_driver_start_locked(struct engine_conn *conn, const char *name,
                                    const struct qemu_paths *p, struct vmerr *err)
{
    struct domain_def *def = qemu_driver_load(conn, name, err);
    if (!def)
        return -1;
    int rc = -1;
    char **argv = NULL;
    char *emulator = NULL;
    char *disks_lock_path = NULL;
    int disks_lock = -1;
    struct qemu_tap_resolver resolver = {.conn = conn};
    struct qemu_tap_set taps = {0};
    if (qemu_capabilities_check_start(conn->runtime_dir, def, err) < 0 ||
        qemu_argv_check_display(def, err) < 0)
        goto out;
    emulator = qemu_argv_find_emulator(def, err);
    if (!emulator)
        goto out;
    if (qemu_driver_check_socket_path(name, p->qmp_sup, err) < 0 ||
        qemu_driver_check_socket_path(name, p->qmp_client, err) < 0)
        goto out;
    char kvm_why[256] = "";
    bool kvm = def->type == DOMAIN_VIRT_KVM &&
               qemu_argv_kvm_probe(QEMU_KVM_DEVICE, kvm_why, sizeof(kvm_why));
    int vnc_port = -1;
    if (def->ngraphics > 0 && def->graphics[0].type == DOMAIN_GRAPHICS_VNC) {
        if (def->graphics[0].autoport || def->graphics[0].port < 0) {
            vnc_port = qemu_argv_free_vnc_port(def->graphics[0].listen, err);
            if (vnc_port < 0)
                goto out;
        } else {
            vnc_port = def->graphics[0].port;
        }
    }
    struct qemu_argv_opts opts = {
        .emulator = emulator,
        .run_dir = p->dir,
        .qmp_sup = p->qmp_sup,
        .qmp_client = p->qmp_client,
        .monitor_fds = true,
        .kvm_usable = kvm,
        .kvm_reason = kvm_why,
        .vnc_port = vnc_port,
        .network_bridge = qemu_tap_network_bridge,
        .network_opaque = &resolver,
    };
    argv = qemu_argv_build(def, &opts, err);
    if (!argv)
        goto out;
    /* disk images: checked against running domains under one lock per connection, held
     * until this domain's live XML exists */
    disks_lock_path = store_printf("%s/locks/.disks.lock", conn->runtime_dir);
    disks_lock = store_lock(disks_lock_path, err);
    if (disks_lock < 0 || qemu_driver_check_disks(conn, def, err) < 0)
        goto out;
    if (qemu_tap_open(def, &resolver, &taps, err) < 0)
        goto out;
    int id = qemu_driver_next_id(conn, err);
    if (id < 0)
        goto out;
    qemu_state_cleanup(p);
    if (store_mkdir_p(p->dir, 0700, err) < 0)
        goto out;
    struct qemu_supervisor_spec spec = {.def = def,
                                        .argv = argv,
                                        .paths = p,
                                        .id = id,
                                        .vnc_port = vnc_port,
                                        .tap_fds = taps.fds,
                                        .ntap_fds = taps.n};
    rc = qemu_supervisor_start(&spec, QEMU_START_TIMEOUT_MS, err);
out:
    if (disks_lock >= 0)
        store_unlock(disks_lock);
    free(disks_lock_path);
    qemu_tap_close(&taps);
    qemu_tap_resolver_clear(&resolver);
    qemu_argv_free(argv);
    free(emulator);
    domain_def_free(def);
    return rc;
}

/* Start a defined domain under a new supervisor. */
static int qemu_driver_domain_start(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    if (!domain_name_valid(name))
        return vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    struct qemu_paths p;
    qemu_state_paths(conn->runtime_dir, name, &p);
    int lock = qemu_driver_lock(&p, err);
    int rc = -1;
    struct qemu_state st;
    if (lock < 0)
        goto out;
    int r = qemu_driver_probe(name, &p, &st, true, err);
    if (r == 1)
        vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' is already running", name);
    else if (r == 0 || r == 2) /* start_locked clears a crashed record */
        rc = qemu_driver_start_locked(conn, name, &p, err);
out:
    store_unlock(lock);
    qemu_state_paths_free(&p);
    return rc;
}

/* Lock a domain that must be running; returns the lock fd (>= 0) with *st filled, or -1.
 * crashed (if not NULL): a crashed record is returned locked too, with *crashed set. */
static int qemu_driver_lock_running(struct engine_conn *conn, const char *name,
                                    struct qemu_paths *p, struct qemu_state *st, bool *crashed,
                                    struct vmerr *err)
{
    if (!domain_name_valid(name))
        return vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    qemu_state_paths(conn->runtime_dir, name, p);
    char *path = qemu_driver_config_path(conn, name);
    bool defined = access(path, F_OK) == 0;
    free(path);
    if (!defined && access(p->state, F_OK) < 0)
        return vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    int lock = qemu_driver_lock(p, err);
    if (lock < 0)
        return -1;
    int r = qemu_driver_probe(name, p, st, true, err);
    if (crashed)
        *crashed = r == 2;
    if (r == 1 || (r == 2 && crashed))
        return lock;
    if (r == 0 || r == 2)
        vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' is not running", name);
    store_unlock(lock);
    return -1;
}

/* Run one QMP command on the domain's client monitor. */
static int qemu_driver_qmp(const char *name, const struct qemu_paths *p, const char *command,
                           struct vmerr *err)
{
    struct vmerr e;
    struct qmp *qmp = qmp_connect(p->qmp_client, QEMU_QMP_TIMEOUT_MS, &e);
    if (!qmp)
        return vmerr_set(err, VMERR_OPERATION_FAILED, "domain '%s': cannot reach QEMU: %s", name,
                         e.message);
    int rc = qmp_command_simple(qmp, command, NULL, QEMU_QMP_TIMEOUT_MS, &e);
    qmp_close(qmp);
    if (rc < 0)
        return vmerr_set(err, e.code, "domain '%s': %s", name, e.message);
    return 0;
}

/* Wait (bounded) until the supervisor has recorded state want. */
static void qemu_driver_wait_state(const struct qemu_paths *p, enum engine_domain_state want)
{
    long long deadline = qemu_driver_now_ms() + QEMU_STATE_WAIT_MS;
    struct qemu_state st;
    while (qemu_driver_now_ms() < deadline) {
        if (qemu_state_read(p->state, &st, NULL) != 0 || st.state == want)
            return;
        qemu_driver_sleep_ms(5);
    }
}

/* Send a QMP command to a running domain, optionally waiting for a state it leads to. */
static int qemu_driver_simple_op(struct engine_conn *conn, const char *name, const char *command,
                                 int want_state, struct vmerr *err)
{
    struct qemu_paths p = {0};
    struct qemu_state st;
    int lock = qemu_driver_lock_running(conn, name, &p, &st, NULL, err);
    int rc = -1;
    if (lock >= 0) {
        rc = qemu_driver_qmp(name, &p, command, err);
        if (rc == 0 && want_state >= 0)
            qemu_driver_wait_state(&p, (enum engine_domain_state)want_state);
        store_unlock(lock);
    }
    qemu_state_paths_free(&p);
    return rc;
}

/* ACPI power button; returns once QEMU has it (the guest powers off in its own time). A
 * reboot asked for earlier and not yet done is cancelled first (SIGUSR2 to the supervisor,
 * as libvirt clears its fake-reboot flag), so this power-off is final. */
static int qemu_driver_domain_shutdown(struct engine_conn *conn, const char *name,
                                       struct vmerr *err)
{
    struct qemu_paths p = {0};
    struct qemu_state st;
    qemu_state_paths(conn->runtime_dir, name, &p);
    if (qemu_state_read(p.state, &st, NULL) == 0 &&
        qemu_state_pid_matches(st.supervisor_pid, st.supervisor_start))
        kill(st.supervisor_pid, SIGUSR2);
    qemu_state_paths_free(&p);
    return qemu_driver_simple_op(conn, name, "system_powerdown", -1, err);
}

/* Hard reset of the guest. */
static int qemu_driver_domain_reset(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    return qemu_driver_simple_op(conn, name, "system_reset", -1, err);
}

/* Reboot as libvirt does for QEMU: the supervisor (asked with SIGUSR1) presses the ACPI power
 * button and boots the guest again when it has powered off. Returns once asked; a guest that
 * ignores ACPI does not reboot (reset does it the hard way). */
static int qemu_driver_domain_reboot(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct qemu_paths p = {0};
    struct qemu_state st;
    int lock = qemu_driver_lock_running(conn, name, &p, &st, NULL, err);
    int rc = -1;
    if (lock >= 0) {
        if (!qemu_state_pid_matches(st.supervisor_pid, st.supervisor_start) ||
            kill(st.supervisor_pid, SIGUSR1) < 0)
            vmerr_set(err, VMERR_OPERATION_FAILED,
                      "domain '%s': its supervisor (pid %ld) is gone; try reset or destroy", name,
                      (long)st.supervisor_pid);
        else
            rc = 0;
        store_unlock(lock);
    }
    qemu_state_paths_free(&p);
    return rc;
}

/* Pause the vCPUs. */
static int qemu_driver_domain_suspend(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    return qemu_driver_simple_op(conn, name, "stop", ENGINE_DOMAIN_PAUSED, err);
}

/* Resume the vCPUs. */
static int qemu_driver_domain_resume(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    return qemu_driver_simple_op(conn, name, "cont", ENGINE_DOMAIN_RUNNING, err);
}

/* Wait until the supervisor of st is gone (its lock released and its process exited). */
static bool qemu_driver_wait_gone(const struct qemu_paths *p, const struct qemu_state *st, int ms)
{
    long long deadline = qemu_driver_now_ms() + ms;
    for (;;) {
        bool alive = qemu_state_supervisor_alive(p->alive) ||
                     qemu_state_pid_matches(st->supervisor_pid, st->supervisor_start);
        if (!alive)
            return true;
        if (qemu_driver_now_ms() >= deadline)
            return false;
        qemu_driver_sleep_ms(5);
    }
}

/* Destroy: SIGTERM to the supervisor, which passes it on to QEMU (SIGKILL after a grace
 * time) and will not restart it; wait until the supervisor has cleaned up. Should the
 * supervisor not manage, QEMU and then the supervisor get SIGKILL from here. */
static int qemu_driver_domain_destroy(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct qemu_paths p = {0};
    struct qemu_state st;
    bool crashed = false;
    int lock = qemu_driver_lock_running(conn, name, &p, &st, &crashed, err);
    if (lock < 0) {
        qemu_state_paths_free(&p);
        return -1;
    }
    int rc = 0;
    if (crashed) { /* destroy of a crashed record: the record goes, the domain is shut off */
        qemu_state_cleanup(&p);
        store_unlock(lock);
        qemu_state_paths_free(&p);
        return 0;
    }
    if (qemu_state_pid_matches(st.supervisor_pid, st.supervisor_start))
        kill(st.supervisor_pid, SIGTERM);
    if (!qemu_driver_wait_gone(&p, &st, 2 * QEMU_TERM_GRACE_MS)) {
        struct qemu_state now;
        if (qemu_state_read(p.state, &now, NULL) == 0 &&
            qemu_state_pid_matches(now.qemu_pid, now.qemu_start))
            kill(now.qemu_pid, SIGKILL);
        if (!qemu_driver_wait_gone(&p, &st, QEMU_TERM_GRACE_MS)) {
            if (qemu_state_pid_matches(st.supervisor_pid, st.supervisor_start))
                kill(st.supervisor_pid, SIGKILL);
            if (!qemu_driver_wait_gone(&p, &st, QEMU_TERM_GRACE_MS))
                rc = vmerr_set(err, VMERR_TIMEOUT,
                               "domain '%s': supervisor %ld did not exit after SIGKILL", name,
                               (long)st.supervisor_pid);
        }
    }
    if (rc == 0 && (access(p.state, F_OK) == 0 || access(p.dir, F_OK) == 0))
        qemu_driver_reap_stale(&p);
    store_unlock(lock);
    qemu_state_paths_free(&p);
    return rc;
}

/* Live (running domains) or persistent definition. */
static struct domain_def *qemu_driver_domain_get_def(struct engine_conn *conn, const char *name,
                                                     bool live, struct vmerr *err)
{
    if (live && domain_name_valid(name)) {
        struct qemu_paths p;
        qemu_state_paths(conn->runtime_dir, name, &p);
        struct qemu_state st;
        struct domain_def *def = NULL;
        if (qemu_driver_probe(name, &p, &st, false, NULL) == 1)
            def = qemu_driver_live_def(&p, &st, err);
        qemu_state_paths_free(&p);
        if (def)
            return def;
    }
    return qemu_driver_load(conn, name, err);
}

/* The first serial port's PTY of a running domain. */
static char *qemu_driver_domain_console_path(struct engine_conn *conn, const char *name,
                                             struct vmerr *err)
{
    if (!domain_name_valid(name)) {
        vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
        return NULL;
    }
    struct qemu_paths p;
    qemu_state_paths(conn->runtime_dir, name, &p);
    struct qemu_state st;
    char *path = NULL;
    char *cfg = qemu_driver_config_path(conn, name);
    bool defined = access(cfg, F_OK) == 0;
    free(cfg);
    if (qemu_driver_probe(name, &p, &st, false, NULL) != 1) {
        if (defined)
            vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' is not running", name);
        else
            vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    } else if (!st.tty[0]) {
        vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' has no serial console", name);
    } else {
        path = strdup(st.tty);
    }
    qemu_state_paths_free(&p);
    return path;
}

/* The QEMU driver's table. */
const struct driver qemu_driver = {
    .name = "qemu",
    .scheme = "qemu",
    .open = qemu_driver_open,
    .close = qemu_driver_close,
    .domain_list = qemu_driver_domain_list,
    .domain_lookup = qemu_driver_domain_lookup,
    .domain_define = qemu_driver_domain_define,
    .domain_undefine = qemu_driver_domain_undefine,
    .domain_start = qemu_driver_domain_start,
    .domain_shutdown = qemu_driver_domain_shutdown,
    .domain_destroy = qemu_driver_domain_destroy,
    .domain_reboot = qemu_driver_domain_reboot,
    .domain_reset = qemu_driver_domain_reset,
    .domain_suspend = qemu_driver_domain_suspend,
    .domain_resume = qemu_driver_domain_resume,
    .domain_get_def = qemu_driver_domain_get_def,
    .domain_console_path = qemu_driver_domain_console_path,
    .domain_stats = qemu_stats_domain,
    .domain_stats_cpu = qemu_stats_domain_cpu,
    .capabilities = qemu_capabilities_conn,
    .domain_native_argv = qemu_argv_native,
    .network_list = qemu_network_list,
    .network_lookup = qemu_network_lookup,
    .network_define = qemu_network_define,
    .network_undefine = qemu_network_undefine,
    .network_get_def = qemu_network_get_def,
    .network_start = qemu_network_start,
    .network_destroy = qemu_network_destroy,
    .network_set_autostart = qemu_network_set_autostart,
};
