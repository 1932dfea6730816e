/* engine: the public API the UI and the CLI verbs use. A connection is opened by URI; the
 * engine picks the driver from the URI at run time, turns a missing driver entry into one
 * "not supported" error, and formats/parses XML so drivers only see struct domain_def.
 * The UI includes this header and nothing from drivers/. */
#ifndef VMDECK_ENGINE_H
#define VMDECK_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/vmerr.h"

struct engine_conn;

enum engine_domain_state {
    ENGINE_DOMAIN_NOSTATE = 0,
    ENGINE_DOMAIN_RUNNING,
    ENGINE_DOMAIN_BLOCKED,
    ENGINE_DOMAIN_PAUSED,
    ENGINE_DOMAIN_SHUTDOWN, /* being shut down */
    ENGINE_DOMAIN_SHUTOFF,
    ENGINE_DOMAIN_CRASHED,
};

#define ENGINE_NAME_MAX 256

/* What a list row shows about one domain. */
struct engine_domain_info {
    char name[ENGINE_NAME_MAX];
    char uuid[37];
    int id; /* -1 when not running */
    enum engine_domain_state state;
    unsigned vcpus;
    unsigned long long memory_kib;     /* current memory */
    unsigned long long max_memory_kib; /* <memory> */
    bool persistent;
    bool has_console; /* a serial console PTY is available now */
    bool autostart;   /* marked to start with `vmdeck autostart` */
    char state_reason[160]; /* why: "QEMU (pid 12) was killed by signal 9 (Killed)"; "" */
    long long start_time; /* running: wall clock (Unix seconds) it started; 0 = unknown/off */
    int vnc_port;         /* running with VNC graphics: its TCP port; -1 (or 0) = none */
};

/* Flags for engine_domain_list. */
enum {
    ENGINE_LIST_ACTIVE = 1 << 0,
    ENGINE_LIST_INACTIVE = 1 << 1,
    ENGINE_LIST_ALL = ENGINE_LIST_ACTIVE | ENGINE_LIST_INACTIVE,
};

/* Flags for engine_domain_get_xml. */
enum {
    ENGINE_XML_INACTIVE = 1 << 0, /* the persistent config, not the live XML */
};

/* What a network list row shows about one network. */
struct engine_network_info {
    char name[ENGINE_NAME_MAX];
    char uuid[37];
    bool active;
    bool persistent;
    bool autostart;
    char bridge[16]; /* "virbr0"; "" when none is assigned */
    char forward[8]; /* "nat", "route", or "none" (isolated) */
    char subnet[64]; /* first <ip> as "192.168.122.0/24"; "" when none */
    char dhcp[100];  /* its first DHCP range "192.168.122.2-192.168.122.254"; "" if none */
    char forward_dev[16];   /* <forward dev=...>: the uplink NAT/routing goes out of; "" = any */
    char state_reason[160]; /* why an inactive network is not running ("bridge 'virbr1' is
                               gone", "dnsmasq (pid 42) died"); "" */
};

/* The URI used when none is given: $VMDECK_DEFAULT_URI, else qemu:///system for root,
 * qemu:///session otherwise. */
const char *engine_default_uri(void);
/* Open a connection (uri NULL = default). NULL on error. */
struct engine_conn *engine_open(const char *uri, struct vmerr *err);
/* Close a connection and free it. NULL is fine. */
void engine_close(struct engine_conn *conn);
/* The connection's canonical URI. */
const char *engine_uri(const struct engine_conn *conn);
/* The driver's name ("qemu", "test"). */
const char *engine_driver_name(const struct engine_conn *conn);

/* Human name of a state as virsh prints it ("running", "shut off", ...). */
const char *engine_domain_state_name(enum engine_domain_state state);

/* List domains: active ones by id, then inactive ones by name. Caller frees *out. */
int engine_domain_list(struct engine_conn *conn, unsigned flags,
                       struct engine_domain_info **out, size_t *count, struct vmerr *err);
/* Look up one domain by name (or by uuid text). */
int engine_domain_lookup(struct engine_conn *conn, const char *name,
                         struct engine_domain_info *info, struct vmerr *err);
/* Define (or redefine) a domain from XML; source names the XML in messages. On success
 * *name_out (if not NULL) receives the domain's name, which the caller frees. */
int engine_domain_define_xml(struct engine_conn *conn, const char *xml, const char *source,
                             char **name_out, struct vmerr *err);
/* Remove a domain's persistent definition. */
int engine_domain_undefine(struct engine_conn *conn, const char *name, struct vmerr *err);
/* Lifecycle. start fails with VMERR_OPERATION_INVALID on a running domain. */
int engine_domain_start(struct engine_conn *conn, const char *name, struct vmerr *err);
int engine_domain_shutdown(struct engine_conn *conn, const char *name, struct vmerr *err);
int engine_domain_destroy(struct engine_conn *conn, const char *name, struct vmerr *err);
int engine_domain_reboot(struct engine_conn *conn, const char *name, struct vmerr *err);
/* Hard reset (the guest gets no say; `reboot` asks it through ACPI). */
int engine_domain_reset(struct engine_conn *conn, const char *name, struct vmerr *err);
int engine_domain_suspend(struct engine_conn *conn, const char *name, struct vmerr *err);
int engine_domain_resume(struct engine_conn *conn, const char *name, struct vmerr *err);
/* XML of a domain: live when running (with id and console tty), else persistent. */
char *engine_domain_get_xml(struct engine_conn *conn, const char *name, unsigned flags,
                            struct vmerr *err);
/* Open the domain's first serial console: *fd is a non-blocking read/write fd on its PTY
 * (the caller closes it). */
int engine_domain_console_open(struct engine_conn *conn, const char *name, int *fd,
                               struct vmerr *err);

/* ---- Lifecycle helpers (engine-lifecycle.c) ---- */

/* Called while engine_domain_shutdown_wait waits: milliseconds waited so far. */
typedef void (*engine_wait_fn)(void *opaque, const char *name, int waited_ms);
/* ACPI shutdown, then wait until the domain is shut off (woken by the watch fd). A guest
 * still up after timeout_ms is VMERR_TIMEOUT: "domain 'x' did not power off within N s; it
 * is still running" (nothing is killed). progress (may be NULL) is called about every
 * 200 ms. */
int engine_domain_shutdown_wait(struct engine_conn *conn, const char *name, int timeout_ms,
                                engine_wait_fn progress, void *opaque, struct vmerr *err);
/* Undefine; a running (or paused) domain is destroyed first. */
int engine_domain_undefine_force(struct engine_conn *conn, const char *name, struct vmerr *err);
/* Mark (on) or unmark a domain for autostart: CONFIG_DIR/autostart/NAME.xml, a link to its
 * config as libvirt keeps it. */
int engine_domain_set_autostart(struct engine_conn *conn, const char *name, bool on,
                                struct vmerr *err);
/* Whether name is marked for autostart. */
bool engine_domain_get_autostart(struct engine_conn *conn, const char *name);
/* Called by engine_autostart_run for each marked domain: err NULL when it started (or was
 * running already: already true). */
typedef void (*engine_autostart_fn)(void *opaque, const char *name, bool already,
                                    const struct vmerr *err);
/* Start every domain marked for autostart that is not running; report each. Returns the
 * number that failed to start (0 = all fine), or -1 when the list itself fails. */
int engine_autostart_run(struct engine_conn *conn, engine_autostart_fn report, void *opaque,
                         struct vmerr *err);

/* ---- Stats (engine-stats.c) ---- */

#define ENGINE_STATS_MAX_DEVS 16

/* One disk's counters since QEMU started (QMP query-blockstats). */
struct engine_block_stats {
    char dev[32]; /* target dev: "vda", "hda" */
    unsigned long long rd_bytes, wr_bytes, rd_ops, wr_ops;
};

/* One NIC's counters, seen from the guest (rx = what the guest received). */
struct engine_net_stats {
    char dev[32];   /* host device (tap name) or "" */
    char type[16];  /* "user", "network", "bridge", "ethernet", "mcast", ... */
    char mac[18];
    bool available; /* false: this backend has no counters (QEMU's user/socket netdevs) */
    unsigned long long rx_bytes, tx_bytes, rx_packets, tx_packets;
};

/* One sample of a running domain's resource use. */
struct engine_domain_stats {
    enum engine_domain_state state;
    long long sampled_ms;            /* monotonic clock of the sample */
    unsigned long long cpu_time_ns;  /* QEMU process user+system CPU time */
    double cpu_percent;              /* over the interval asked for; -1 when not sampled */
    unsigned vcpus;
    unsigned long long rss_kib;      /* QEMU process resident set (VmRSS) */
    bool balloon;                    /* the guest has a balloon device */
    unsigned long long balloon_kib;  /* balloon "actual": memory the guest has now */
    unsigned long long max_memory_kib;
    size_t nblock;
    struct engine_block_stats block[ENGINE_STATS_MAX_DEVS];
    size_t nnet;
    struct engine_net_stats net[ENGINE_STATS_MAX_DEVS];
};

/* Sample a running domain. interval_ms > 0: CPU time is sampled twice that far apart and
 * cpu_percent filled (100 = one host CPU busy); 0: one sample, cpu_percent -1 (compute it
 * from two samples with engine_domain_stats_cpu_percent, as the TUI does). */
int engine_domain_stats(struct engine_conn *conn, const char *name, int interval_ms,
                        struct engine_domain_stats *out, struct vmerr *err);
/* A light sample for lists refreshed every second: state, sampled_ms, cpu_time_ns and
 * rss_kib only (no QMP round trips; other fields zero, cpu_percent -1). Drivers without a
 * light path take a full sample. */
int engine_domain_stats_cpu(struct engine_conn *conn, const char *name,
                            struct engine_domain_stats *out, struct vmerr *err);
/* CPU % between two samples of the same domain (100 = one host CPU); -1 if not comparable. */
double engine_domain_stats_cpu_percent(const struct engine_domain_stats *prev,
                                       const struct engine_domain_stats *cur);

/* The connection's capabilities XML (host CPU; per guest arch: emulator, machines and the
 * domain types that really run here), in libvirt's format; caller frees. */
char *engine_capabilities_xml(struct engine_conn *conn, struct vmerr *err);

/* domxml-to-native: the command line the driver would run for the domain XML in file path
 * (format: "qemu-argv"), without starting anything; NULL-terminated, caller frees with
 * engine_strv_free. */
char **engine_domain_native_argv(struct engine_conn *conn, const char *format, const char *path,
                                 struct vmerr *err);
/* Free a NULL-terminated array of strings. NULL is fine. */
void engine_strv_free(char **v);

/* List networks (flags: ENGINE_LIST_ACTIVE / ENGINE_LIST_INACTIVE), sorted by name.
 * Caller frees *out. */
int engine_network_list(struct engine_conn *conn, unsigned flags, struct engine_network_info **out,
                        size_t *count, struct vmerr *err);
/* Look up one network by name (or by uuid text); VMERR_NO_NETWORK if there is none. */
int engine_network_lookup(struct engine_conn *conn, const char *name,
                          struct engine_network_info *info, struct vmerr *err);
/* Define (or redefine) a network from XML; source names the XML in messages. On success
 * *name_out (if not NULL) receives the network's name, which the caller frees. */
int engine_network_define_xml(struct engine_conn *conn, const char *xml, const char *source,
                              char **name_out, struct vmerr *err);
/* Remove a network's persistent definition (an active one becomes transient). */
int engine_network_undefine(struct engine_conn *conn, const char *name, struct vmerr *err);
/* XML of a network: the live definition when active, else (or with ENGINE_XML_INACTIVE)
 * the persistent one. */
char *engine_network_get_xml(struct engine_conn *conn, const char *name, unsigned flags,
                             struct vmerr *err);

/* ---- Network lifecycle ---- */

/* Start a defined network (bridge, addresses, DHCP, forwarding); VMERR_OPERATION_INVALID
 * when it is active already. Nothing is left half-made on failure. */
int engine_network_start(struct engine_conn *conn, const char *name, struct vmerr *err);
/* Stop an active network and remove everything its start made; a transient network is
 * gone afterwards. VMERR_OPERATION_INVALID when it is not active. */
int engine_network_destroy(struct engine_conn *conn, const char *name, struct vmerr *err);
/* Mark (on) or unmark a persistent network for `vmdeck autostart`. */
int engine_network_set_autostart(struct engine_conn *conn, const char *name, bool on,
                                 struct vmerr *err);
/* Start every network marked for autostart that is not active; report each (like
 * engine_autostart_run). Returns the number that failed, or -1 when the list fails. */
int engine_network_autostart_run(struct engine_conn *conn, engine_autostart_fn report,
                                 void *opaque, struct vmerr *err);

/* What `vmdeck validate` found in one XML file. */
struct engine_validation {
    char kind[16];              /* root element: "domain", "network", "capabilities"; "" */
    char name[ENGINE_NAME_MAX]; /* the domain's or network's name when valid, else "" */
    struct vmerr *errors;       /* every problem found (file, line, field), by line */
    size_t nerrors;
};

/* Check an XML file with the validator define uses (hostile-input guards, the model's own
 * checks, the RelaxNG schema), choosing the dialect by the root element, and collect every
 * problem the schema finds too: 0 when valid, -1 when v->errors has problems. No
 * connection is needed. Free v with engine_validate_clear. */
int engine_validate_file(const char *path, struct engine_validation *v);
/* Free what engine_validate_file put in v. */
void engine_validate_clear(struct engine_validation *v);

/* An fd that becomes readable when any domain may have changed state or definition (from
 * this process or another); -1 if the driver has none. Call engine_watch_drain after it
 * polls readable. */
int engine_watch_fd(struct engine_conn *conn);
/* Consume pending change notifications on the watch fd. */
void engine_watch_drain(struct engine_conn *conn);

#endif
