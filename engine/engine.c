/* engine: URI -> driver selection, state-dir layout, and the public API's dispatch into the
 * driver table. XML text is parsed and formatted here, so drivers only see domain_def and
 * network_def.
 * A NULL driver entry becomes one "not supported" error in driver_missing(). */
#include "engine/engine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <termios.h>
#include <unistd.h>

#include "drivers/driver.h"
#include "engine/capabilities.h"
#include "engine/domain-def.h"
#include "engine/store.h"

/* virsh's names for domain states, indexed by enum engine_domain_state. */
static const char *const state_names[] = {
    [ENGINE_DOMAIN_NOSTATE] = "no state", [ENGINE_DOMAIN_RUNNING] = "running",
    [ENGINE_DOMAIN_BLOCKED] = "idle",     [ENGINE_DOMAIN_PAUSED] = "paused",
    [ENGINE_DOMAIN_SHUTDOWN] = "in shutdown", [ENGINE_DOMAIN_SHUTOFF] = "shut off",
    [ENGINE_DOMAIN_CRASHED] = "crashed",
};

/* Human name of a domain state. */
const char *engine_domain_state_name(enum engine_domain_state state)
{
    if ((size_t)state < sizeof(state_names) / sizeof(state_names[0]) && state_names[state])
        return state_names[state];
    return "unknown";
}

/* The default URI: $VMDECK_DEFAULT_URI, else system for root and session for others. */
const char *engine_default_uri(void)
{
    const char *env = getenv("VMDECK_DEFAULT_URI");
    if (env && *env)
        return env;
    return geteuid() == 0 ? "qemu:///system" : "qemu:///session";
}

/* The one place a missing driver entry is turned into an error. */
static int driver_missing(struct engine_conn *conn, const char *op, struct vmerr *err)
{
    return vmerr_set(err, VMERR_NO_SUPPORT, "%s is not supported by the %s driver", op,
                     conn->driver->name);
}

/* Base directory for config or runtime state of a connection (without the driver part). */
static char *state_base_dir(const char *path, bool runtime)
{
    const char *env = getenv(runtime ? "VMDECK_RUNTIME_DIR" : "VMDECK_CONFIG_DIR");
    if (env && *env)
        return strdup(env);
    if (!strcmp(path, "system"))
        return strdup(runtime ? "/run/vmdeck" : "/etc/vmdeck");
    const char *home = getenv("HOME");
    if (!home || !*home)
        home = "/";
    if (runtime) {
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (xdg && *xdg && access(xdg, W_OK) == 0)
            return store_printf("%s/vmdeck", xdg);
        return store_printf("%s/.cache/vmdeck/run", home);
    }
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg)
        return store_printf("%s/vmdeck", xdg);
    return store_printf("%s/.config/vmdeck", home);
}

/* The path part of a URI after "scheme://": "system", "session", "default" for one name;
 * an absolute file path ("/srv/node.xml", as in libvirt's test:///srv/node.xml) when it has
 * more than one component or names an .xml file. Repeated slashes count as one, a query
 * ("?...") and trailing slashes are dropped. */
static char *uri_path(const char *rest)
{
    while (*rest == '/')
        rest++;
    size_t len = strcspn(rest, "?");
    while (len > 0 && rest[len - 1] == '/')
        len--;
    bool file = memchr(rest, '/', len) || (len > 4 && !strncmp(rest + len - 4, ".xml", 4));
    if (!file)
        return strndup(rest, len);
    char *path = malloc(len + 2);
    if (!path)
        abort(); /* memory exhaustion is not recoverable */
    size_t o = 0;
    path[o++] = '/';
    for (size_t i = 0; i < len; i++)
        if (rest[i] != '/' || path[o - 1] != '/')
            path[o++] = rest[i];
    path[o] = '\0';
    return path;
}

/* Split "scheme:///path" into a driver and path; NULL with an error if it does not parse. */
static const struct driver *uri_driver(const char *uri, char **path_out, struct vmerr *err)
{
    const char *sep = strstr(uri, "://");
    if (!sep) {
        vmerr_set(err, VMERR_URI, "connection URI '%s' is not of the form scheme:///path", uri);
        return NULL;
    }
    size_t slen = (size_t)(sep - uri);
    const char *rest = sep + 3;
    if (*rest != '/') {
        vmerr_set(err, VMERR_URI, "connection URI '%s': remote hosts are not supported", uri);
        return NULL;
    }
    for (size_t i = 0; driver_table[i]; i++) {
        const struct driver *d = driver_table[i];
        if (strlen(d->scheme) == slen && !strncmp(d->scheme, uri, slen)) {
            *path_out = uri_path(rest);
            return d;
        }
    }
    vmerr_set(err, VMERR_URI, "no driver for connection URI '%s' (known: qemu, test)", uri);
    return NULL;
}

/* Open a connection: choose the driver, lay out its dirs, let it accept the URI. */
struct engine_conn *engine_open(const char *uri, struct vmerr *err)
{
    if (!uri)
        uri = engine_default_uri();
    char *path = NULL;
    const struct driver *drv = uri_driver(uri, &path, err);
    if (!drv)
        return NULL;
    struct engine_conn *conn = calloc(1, sizeof(*conn));
    conn->driver = drv;
    conn->path = path;
    conn->uri = store_printf(path[0] == '/' ? "%s://%s" : "%s:///%s", drv->scheme, path);
    conn->watch_fd = -1;
    char *cbase = state_base_dir(path, false), *rbase = state_base_dir(path, true);
    conn->config_dir = store_printf("%s/%s", cbase, drv->name);
    conn->runtime_dir = store_printf("%s/%s", rbase, drv->name);
    free(cbase);
    free(rbase);
    if (drv->open(conn, err) < 0) {
        conn->driver = NULL; /* open failed: do not call close */
        engine_close(conn);
        return NULL;
    }
    return conn;
}

/* Close a connection and free everything it holds. */
void engine_close(struct engine_conn *conn)
{
    if (!conn)
        return;
    if (conn->driver && conn->driver->close)
        conn->driver->close(conn);
    if (conn->watch_fd >= 0)
        close(conn->watch_fd);
    free(conn->uri);
    free(conn->path);
    free(conn->config_dir);
    free(conn->runtime_dir);
    free(conn);
}

/* The connection's canonical URI. */
const char *engine_uri(const struct engine_conn *conn)
{
    return conn->uri;
}

/* The name of the driver serving the connection. */
const char *engine_driver_name(const struct engine_conn *conn)
{
    return conn->driver->name;
}

/* Order for lists: running domains by id, then inactive ones by name. */
static int domain_info_compare(const void *a, const void *b)
{
    const struct engine_domain_info *x = a, *y = b;
    bool xa = x->id >= 0, ya = y->id >= 0;
    if (xa != ya)
        return xa ? -1 : 1;
    if (xa && x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* strcmp for qsort/bsearch over an array of strings. */
static int engine_name_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names with an autostart mark (CONFIG_DIR/autostart/NAME.xml), sorted: one readdir
 * per list instead of one access() per domain (1,000 domains: ~1 ms less). */
static char **engine_autostart_marks(struct engine_conn *conn, size_t *count)
{
    *count = 0;
    char *dir = store_printf("%s/autostart", conn->config_dir);
    DIR *d = opendir(dir);
    free(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".xml"))
            continue;
        if (n == cap && !(names = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names))))
            abort(); /* memory exhaustion is not recoverable */
        if (!(names[n++] = strndup(e->d_name, len - 4)))
            abort();
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), engine_name_compare);
    *count = n;
    return names;
}

/* List domains filtered by active/inactive flags. */
int engine_domain_list(struct engine_conn *conn, unsigned flags,
                       struct engine_domain_info **out, size_t *count, struct vmerr *err)
{
    if (!conn->driver->domain_list)
        return driver_missing(conn, "listing domains", err);
    struct engine_domain_info *all = NULL;
    size_t n = 0;
    if (conn->driver->domain_list(conn, &all, &n, err) < 0)
        return -1;
    size_t nmarks = 0, kept = 0;
    char **marks = engine_autostart_marks(conn, &nmarks);
    for (size_t i = 0; i < n; i++) {
        const char *key = all[i].name;
        all[i].autostart = marks &&
                           bsearch(&key, marks, nmarks, sizeof(*marks), engine_name_compare) &&
                           engine_domain_get_autostart(conn, key); /* the link resolves */
        bool active = all[i].id >= 0;
        if ((active && (flags & ENGINE_LIST_ACTIVE)) || (!active && (flags & ENGINE_LIST_INACTIVE)))
            all[kept++] = all[i];
    }
    for (size_t i = 0; i < nmarks; i++)
        free(marks[i]);
    free(marks);
    if (kept > 1)
        qsort(all, kept, sizeof(*all), domain_info_compare);
    *out = all;
    *count = kept;
    return 0;
}

/* Look up one domain by name. */
int engine_domain_lookup(struct engine_conn *conn, const char *name,
                         struct engine_domain_info *info, struct vmerr *err)
{
    if (!conn->driver->domain_lookup)
        return driver_missing(conn, "looking up domains", err);
    if (conn->driver->domain_lookup(conn, name, info, err) < 0)
        return -1;
    info->autostart = engine_domain_get_autostart(conn, info->name);
    return 0;
}

/* Parse XML, check the name, hand the definition to the driver. */
int engine_domain_define_xml(struct engine_conn *conn, const char *xml, const char *source,
                             char **name_out, struct vmerr *err)
{
    if (!conn->driver->domain_define)
        return driver_missing(conn, "defining domains", err);
    struct domain_def *def = domain_def_parse_string(xml, source, err);
    if (!def)
        return -1;
    char *name = strdup(def->name);
    if (conn->driver->domain_define(conn, def, err) < 0) {
        if (err && err->code == VMERR_XML && !err->file[0] && source) /* a driver check */
            snprintf(err->file, sizeof(err->file), "%s", source);
        free(name);
        return -1;
    }
    if (name_out)
        *name_out = name;
    else
        free(name);
    return 0;
}

/* Remove a persistent definition. */
int engine_domain_undefine(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    if (!conn->driver->domain_undefine)
        return driver_missing(conn, "undefining domains", err);
    if (conn->driver->domain_undefine(conn, name, err) < 0)
        return -1;
    engine_domain_set_autostart(conn, name, false, NULL); /* the mark goes with the config */
    return 0;
}

/* Define one lifecycle entry point: check the table entry, then call it. */
#define ENGINE_LIFECYCLE_OP(fn, member, what)                                                \
    int fn(struct engine_conn *conn, const char *name, struct vmerr *err)                     \
    {                                                                                        \
        if (!conn->driver->member)                                                           \
            return driver_missing(conn, what, err);                                          \
        return conn->driver->member(conn, name, err);                                        \
    }

/* Start, shut down, destroy, reboot, reset, suspend and resume a domain. */
ENGINE_LIFECYCLE_OP(engine_domain_start, domain_start, "starting domains")
ENGINE_LIFECYCLE_OP(engine_domain_shutdown, domain_shutdown, "shutting down domains")
ENGINE_LIFECYCLE_OP(engine_domain_destroy, domain_destroy, "destroying domains")
ENGINE_LIFECYCLE_OP(engine_domain_reboot, domain_reboot, "rebooting domains")
ENGINE_LIFECYCLE_OP(engine_domain_reset, domain_reset, "resetting domains")
ENGINE_LIFECYCLE_OP(engine_domain_suspend, domain_suspend, "suspending domains")
ENGINE_LIFECYCLE_OP(engine_domain_resume, domain_resume, "resuming domains")

/* Live or persistent XML of a domain, formatted by the engine. */
char *engine_domain_get_xml(struct engine_conn *conn, const char *name, unsigned flags,
                            struct vmerr *err)
{
    if (!conn->driver->domain_get_def) {
        driver_missing(conn, "getting domain XML", err);
        return NULL;
    }
    bool inactive = flags & ENGINE_XML_INACTIVE;
    struct domain_def *def = conn->driver->domain_get_def(conn, name, !inactive, err);
    if (!def)
        return NULL;
    char *xml = domain_def_format(def, inactive ? DOMAIN_DEF_FORMAT_INACTIVE : 0);
    domain_def_free(def);
    return xml;
}

/* Open the first serial console's PTY in raw, non-blocking mode. */
int engine_domain_console_open(struct engine_conn *conn, const char *name, int *fd,
                               struct vmerr *err)
{
    if (!conn->driver->domain_console_path)
        return driver_missing(conn, "serial consoles", err);
    char *path = conn->driver->domain_console_path(conn, name, err);
    if (!path)
        return -1;
    int f = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (f < 0) {
        vmerr_set_errno(err, errno, "domain '%s': cannot open console %s", name, path);
        free(path);
        return -1;
    }
    struct termios tio;
    if (tcgetattr(f, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(f, TCSANOW, &tio);
    }
    free(path);
    *fd = f;
    return 0;
}

/* Order for network lists: by name. */
static int network_info_compare(const void *a, const void *b)
{
    const struct engine_network_info *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* List networks filtered by active/inactive flags, sorted by name. */
int engine_network_list(struct engine_conn *conn, unsigned flags, struct engine_network_info **out,
                        size_t *count, struct vmerr *err)
{
    if (!conn->driver->network_list)
        return driver_missing(conn, "listing networks", err);
    struct engine_network_info *all = NULL;
    size_t n = 0;
    if (conn->driver->network_list(conn, &all, &n, err) < 0)
        return -1;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if ((all[i].active && (flags & ENGINE_LIST_ACTIVE)) ||
            (!all[i].active && (flags & ENGINE_LIST_INACTIVE)))
            all[kept++] = all[i];
    if (kept > 1)
        qsort(all, kept, sizeof(*all), network_info_compare);
    *out = all;
    *count = kept;
    return 0;
}

/* Look up one network by name or uuid. */
int engine_network_lookup(struct engine_conn *conn, const char *name,
                          struct engine_network_info *info, struct vmerr *err)
{
    if (!conn->driver->network_lookup)
        return driver_missing(conn, "looking up networks", err);
    return conn->driver->network_lookup(conn, name, info, err);
}

/* Parse network XML and hand the definition to the driver. */
int engine_network_define_xml(struct engine_conn *conn, const char *xml, const char *source,
                              char **name_out, struct vmerr *err)
{
    if (!conn->driver->network_define)
        return driver_missing(conn, "defining networks", err);
    struct network_def *def = network_def_parse_string(xml, source, err);
    if (!def)
        return -1;
    char *name = strdup(def->name);
    if (!name)
        abort(); /* memory exhaustion is not recoverable */
    if (conn->driver->network_define(conn, def, err) < 0) {
        free(name);
        return -1;
    }
    if (name_out)
        *name_out = name;
    else
        free(name);
    return 0;
}

/* Remove a network's persistent definition. */
int engine_network_undefine(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    if (!conn->driver->network_undefine)
        return driver_missing(conn, "undefining networks", err);
    return conn->driver->network_undefine(conn, name, err);
}

/* Live or persistent XML of a network, formatted by the engine. */
char *engine_network_get_xml(struct engine_conn *conn, const char *name, unsigned flags,
                             struct vmerr *err)
{
    if (!conn->driver->network_get_def) {
        driver_missing(conn, "getting network XML", err);
        return NULL;
    }
    struct network_def *def =
        conn->driver->network_get_def(conn, name, !(flags & ENGINE_XML_INACTIVE), err);
    if (!def)
        return NULL;
    char *xml = network_def_format(def);
    network_def_free(def);
    if (!xml)
        vmerr_set(err, VMERR_INTERNAL, "network '%s': cannot format its XML", name);
    return xml;
}

/* Start a defined network through the driver. */
int engine_network_start(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    if (!conn->driver->network_start)
        return driver_missing(conn, "starting networks", err);
    return conn->driver->network_start(conn, name, err);
}

/* Stop an active network through the driver. */
int engine_network_destroy(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    if (!conn->driver->network_destroy)
        return driver_missing(conn, "stopping networks", err);
    return conn->driver->network_destroy(conn, name, err);
}

/* Mark or unmark a network for autostart through the driver. */
int engine_network_set_autostart(struct engine_conn *conn, const char *name, bool on,
                                 struct vmerr *err)
{
    if (!conn->driver->network_set_autostart)
        return driver_missing(conn, "network autostart", err);
    return conn->driver->network_set_autostart(conn, name, on, err);
}

/* Start the marked networks that are not active, reporting each. */
int engine_network_autostart_run(struct engine_conn *conn, engine_autostart_fn report,
                                 void *opaque, struct vmerr *err)
{
    struct engine_network_info *nets = NULL;
    size_t n = 0;
    if (engine_network_list(conn, ENGINE_LIST_ALL, &nets, &n, err) < 0)
        return -1;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!nets[i].autostart)
            continue;
        bool already = nets[i].active;
        struct vmerr e;
        vmerr_clear(&e);
        int rc = already ? 0 : engine_network_start(conn, nets[i].name, &e);
        if (rc < 0 && e.code == VMERR_OPERATION_INVALID) /* raced with another start */
            already = true, rc = 0;
        failed += rc < 0;
        if (report)
            report(opaque, nets[i].name, already, rc < 0 ? &e : NULL);
    }
    free(nets);
    return failed;
}

/* The driver's capabilities document, formatted by the engine. */
char *engine_capabilities_xml(struct engine_conn *conn, struct vmerr *err)
{
    if (!conn->driver->capabilities) {
        driver_missing(conn, "capabilities", err);
        return NULL;
    }
    struct capabilities *caps = conn->driver->capabilities(conn, err);
    if (!caps)
        return NULL;
    char *xml = capabilities_format(caps);
    capabilities_free(caps);
    return xml;
}

/* Parse the domain XML file and ask the driver for its native command line. */
char **engine_domain_native_argv(struct engine_conn *conn, const char *format, const char *path,
                                 struct vmerr *err)
{
    if (strcmp(format, "qemu-argv")) {
        vmerr_set(err, VMERR_INVALID_ARG, "unsupported native format '%s' (expected qemu-argv)",
                  format);
        return NULL;
    }
    if (!conn->driver->domain_native_argv) {
        driver_missing(conn, "domxml-to-native", err);
        return NULL;
    }
    struct domain_def *def = domain_def_parse_file(path, err);
    if (!def)
        return NULL;
    char **argv = conn->driver->domain_native_argv(conn, def, err);
    domain_def_free(def);
    return argv;
}

/* Free a NULL-terminated string array. */
void engine_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* inotify over the config and runtime dirs: every define, undefine and state-file rename
 * shows up there (drivers keep state files at the top of runtime_dir). */
int engine_watch_fd(struct engine_conn *conn)
{
    if (conn->watch_fd >= 0)
        return conn->watch_fd;
    if (!strcmp(conn->driver->name, "test"))
        return -1; /* in-memory: nothing on disk to watch */
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0)
        return -1;
    uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE;
    inotify_add_watch(fd, conn->config_dir, mask);
    inotify_add_watch(fd, conn->runtime_dir, mask);
    /* networks keep definitions, marks and live state one level down */
    const char *const network_dirs[] = {"%s/networks", "%s/networks/autostart", "%s/networks"};
    for (int i = 0; i < 3; i++) {
        char *dir = store_printf(network_dirs[i], i < 2 ? conn->config_dir : conn->runtime_dir);
        if (store_mkdir_p(dir, 0700, NULL) == 0)
            inotify_add_watch(fd, dir, mask);
        free(dir);
    }
    conn->watch_fd = fd;
    return fd;
}

/* Read and discard pending inotify events. */
void engine_watch_drain(struct engine_conn *conn)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    if (conn->watch_fd < 0)
        return;
    while (read(conn->watch_fd, buf, sizeof(buf)) > 0)
        ;
}
