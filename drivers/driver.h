/* driver: the interface every hypervisor driver implements (like libvirt's driver tables
 * or htop's Platform). The engine chooses a driver at run time from the URI's scheme and
 * calls through this table; a NULL entry means "not supported" and the engine turns it into
 * one error in one place (engine.c). Drivers see struct domain_def, never XML text. */
#ifndef VMDECK_DRIVER_H
#define VMDECK_DRIVER_H

#include <stdbool.h>

#include "engine/domain-def.h"
#include "engine/engine.h"
#include "engine/network-def.h"
#include "engine/vmerr.h"

struct capabilities;

/* The connection as drivers see it. Created by the engine, filled by driver->open. */
struct engine_conn {
    const struct driver *driver;
    char *uri;         /* canonical URI, e.g. "qemu:///session" */
    char *path;        /* URI path without slashes: "session", "system", "default" */
    char *config_dir;  /* persistent definitions: <base>/<driver>; created 0700 */
    char *runtime_dir; /* live state: <base>/<driver>; created 0700 */
    int watch_fd;      /* inotify fd managed by the engine, -1 until asked for */
    void *priv;        /* driver-private state */
};

struct driver {
    const char *name;   /* "qemu", "test" */
    const char *scheme; /* URI scheme it serves: "qemu", "test" */
    /* Accept or refuse the URI path ("session", "system", "default") and set up conn->priv.
     * The engine has already set conn->uri, config_dir and runtime_dir. */
    int (*open)(struct engine_conn *conn, struct vmerr *err);
    void (*close)(struct engine_conn *conn);

    /* Every domain (active and inactive), in any order; caller frees *out. */
    int (*domain_list)(struct engine_conn *conn, struct engine_domain_info **out,
                       size_t *count, struct vmerr *err);
    /* One domain by name; VMERR_NO_DOMAIN if none. */
    int (*domain_lookup)(struct engine_conn *conn, const char *name,
                         struct engine_domain_info *info, struct vmerr *err);
    /* Store def as the persistent definition (takes ownership of def, also on error). */
    int (*domain_define)(struct engine_conn *conn, struct domain_def *def, struct vmerr *err);
    int (*domain_undefine)(struct engine_conn *conn, const char *name, struct vmerr *err);
    int (*domain_start)(struct engine_conn *conn, const char *name, struct vmerr *err);
    int (*domain_shutdown)(struct engine_conn *conn, const char *name, struct vmerr *err);
    int (*domain_destroy)(struct engine_conn *conn, const char *name, struct vmerr *err);
    /* Graceful reboot (ACPI power button, then boot again), returning once requested. */
    int (*domain_reboot)(struct engine_conn *conn, const char *name, struct vmerr *err);
    /* Hard reset, like pressing the reset button. */
    int (*domain_reset)(struct engine_conn *conn, const char *name, struct vmerr *err);
    int (*domain_suspend)(struct engine_conn *conn, const char *name, struct vmerr *err);
    int (*domain_resume)(struct engine_conn *conn, const char *name, struct vmerr *err);
    /* A new copy of the live definition (live = true, running domains: with id and ttys)
     * or the persistent one; caller frees with domain_def_free. */
    struct domain_def *(*domain_get_def)(struct engine_conn *conn, const char *name, bool live,
                                         struct vmerr *err);
    /* Path of the first serial console's PTY of a running domain; caller frees. */
    char *(*domain_console_path)(struct engine_conn *conn, const char *name,
                                 struct vmerr *err);

    /* Networks. Every network (active and inactive), in any order; caller frees *out. */
    int (*network_list)(struct engine_conn *conn, struct engine_network_info **out, size_t *count,
                        struct vmerr *err);
    /* One network by name (or uuid text); VMERR_NO_NETWORK if none. */
    int (*network_lookup)(struct engine_conn *conn, const char *name,
                          struct engine_network_info *info, struct vmerr *err);
    /* Store def as the persistent definition, assigning a bridge name when it has none
     * (takes ownership of def, also on error). */
    int (*network_define)(struct engine_conn *conn, struct network_def *def, struct vmerr *err);
    /* Remove a network's persistent definition; VMERR_NO_NETWORK if none. */
    int (*network_undefine)(struct engine_conn *conn, const char *name, struct vmerr *err);
    /* A new copy of the live definition (live = true, active networks) or the persistent
     * one; caller frees with network_def_free. */
    struct network_def *(*network_get_def)(struct engine_conn *conn, const char *name, bool live,
                                           struct vmerr *err);
    /* Start a defined, inactive network (VMERR_OPERATION_INVALID when active); undo
     * everything on failure. */
    int (*network_start)(struct engine_conn *conn, const char *name, struct vmerr *err);
    /* Stop an active network (VMERR_OPERATION_INVALID when inactive). */
    int (*network_destroy)(struct engine_conn *conn, const char *name, struct vmerr *err);
    /* Mark or unmark a persistent network for autostart. */
    int (*network_set_autostart)(struct engine_conn *conn, const char *name, bool on,
                                 struct vmerr *err);

    /* One sample of a running domain's counters (cpu_percent left -1; the engine computes
     * it); VMERR_OPERATION_INVALID when it is not running. */
    int (*domain_stats)(struct engine_conn *conn, const char *name,
                        struct engine_domain_stats *out, struct vmerr *err);
    /* The light sample of engine_domain_stats_cpu (state, time, CPU time, RSS); NULL = the
     * engine takes a full domain_stats sample instead. */
    int (*domain_stats_cpu)(struct engine_conn *conn, const char *name,
                            struct engine_domain_stats *out, struct vmerr *err);

    /* What this host can run for this driver (see engine/capabilities.h); caller frees with
     * capabilities_free. */
    struct capabilities *(*capabilities)(struct engine_conn *conn, struct vmerr *err);
    /* domxml-to-native qemu-argv: the argv a start of def would run (nothing is started);
     * NULL-terminated, caller frees each string and the array. */
    char **(*domain_native_argv)(struct engine_conn *conn, const struct domain_def *def,
                                 struct vmerr *err);
};

/* Every driver compiled in, NULL-terminated (drivers/drivers.c). */
extern const struct driver *const driver_table[];

extern const struct driver qemu_driver;
extern const struct driver test_driver;

#endif
