/* qemu-stats: what flows into a stats sample of a running domain. CPU time is utime+stime of
 * the QEMU process (/proc/PID/stat), memory is its VmRSS (/proc/PID/status) plus the
 * balloon's "actual" when the guest has a balloon (QMP query-balloon); disks come from QMP
 * query-blockstats matched to target devs through query-block's file names; NICs on a tap
 * (network, bridge, ethernet) read /sys/class/net/TAP/statistics, swapped to the guest's
 * view (the tap's tx is what the guest received). QEMU keeps no counters for user (SLIRP)
 * and socket (mcast/server/client) netdevs: those NICs are marked unavailable, not zero. */
#include "drivers/qemu/qemu-stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/qemu/qemu-state.h"
#include "drivers/qemu/qmp.h"
#include "engine/store.h"

/* How long a stats QMP command may take. */
#define QEMU_STATS_QMP_TIMEOUT_MS 5000

/* Milliseconds on the monotonic clock. */
static long long qemu_stats_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* utime+stime (fields 14 and 15 of /proc/PID/stat) in nanoseconds; 0 if unreadable. */
static unsigned long long qemu_stats_cpu_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    char *text = store_read_file(path, NULL, NULL);
    if (!text)
        return 0;
    unsigned long long ut = 0, st = 0;
    char *p = strrchr(text, ')');
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        ut = st = 0;
    free(text);
    long hz = sysconf(_SC_CLK_TCK);
    return (ut + st) * (1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100));
}

/* VmRSS of pid in KiB; 0 if unreadable. */
static unsigned long long qemu_stats_rss_kib(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    char *text = store_read_file(path, NULL, NULL);
    unsigned long long kib = 0;
    char *line = text ? strstr(text, "\nVmRSS:") : NULL;
    if (line)
        kib = strtoull(line + 7, NULL, 10);
    free(text);
    return kib;
}

/* Unsigned integer member key of obj (0 when absent). */
static unsigned long long qemu_stats_json_u64(struct json_object *obj, const char *key)
{
    struct json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v))
        return 0;
    return (unsigned long long)json_object_get_int64(v);
}

/* String member key of obj, or "". */
static const char *qemu_stats_json_str(struct json_object *obj, const char *key)
{
    struct json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v))
        return "";
    const char *s = json_object_get_string(v);
    return s ? s : "";
}

/* The target dev of the disk whose source is the file QEMU names for block device dev
 * (from query-block), else dev without its "drive-" prefix. */
static void qemu_stats_disk_name(const struct domain_def *live, struct json_object *blocks,
                                 const char *dev, char *out, size_t len)
{
    const char *file = "";
    size_t n = blocks && json_object_is_type(blocks, json_type_array)
                   ? json_object_array_length(blocks)
                   : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *b = json_object_array_get_idx(blocks, i), *ins;
        if (!strcmp(qemu_stats_json_str(b, "device"), dev) &&
            json_object_object_get_ex(b, "inserted", &ins))
            file = qemu_stats_json_str(ins, "file");
    }
    for (size_t i = 0; live && i < live->ndisks; i++)
        if (file[0] && live->disks[i].source && !strcmp(live->disks[i].source, file) &&
            live->disks[i].target_dev) {
            snprintf(out, len, "%s", live->disks[i].target_dev);
            return;
        }
    snprintf(out, len, "%s", strncmp(dev, "drive-", 6) ? dev : dev + 6);
}

/* Disk counters and balloon from QMP on the client monitor. */
static int qemu_stats_qmp(const char *name, const struct qemu_paths *p,
                          const struct domain_def *live, struct engine_domain_stats *out,
                          struct vmerr *err)
{
    struct vmerr e;
    struct qmp *qmp = qmp_connect(p->qmp_client, QEMU_STATS_QMP_TIMEOUT_MS, &e);
    if (!qmp)
        return vmerr_set(err, VMERR_OPERATION_FAILED, "domain '%s': cannot reach QEMU: %s", name,
                         e.message);
    struct json_object *blocks = qmp_command(qmp, "query-block", NULL, QEMU_STATS_QMP_TIMEOUT_MS,
                                             NULL);
    struct json_object *ret =
        qmp_command(qmp, "query-blockstats", NULL, QEMU_STATS_QMP_TIMEOUT_MS, &e);
    int rc = 0;
    if (!ret) {
        rc = vmerr_set(err, e.code, "domain '%s': query-blockstats: %s", name, e.message);
    } else {
        size_t n = json_object_is_type(ret, json_type_array) ? json_object_array_length(ret) : 0;
        for (size_t i = 0; i < n && out->nblock < ENGINE_STATS_MAX_DEVS; i++) {
            struct json_object *b = json_object_array_get_idx(ret, i), *stats;
            const char *dev = qemu_stats_json_str(b, "device");
            if (!dev[0] || !json_object_object_get_ex(b, "stats", &stats))
                continue;
            struct engine_block_stats *bs = &out->block[out->nblock++];
            qemu_stats_disk_name(live, blocks, dev, bs->dev, sizeof(bs->dev));
            bs->rd_bytes = qemu_stats_json_u64(stats, "rd_bytes");
            bs->wr_bytes = qemu_stats_json_u64(stats, "wr_bytes");
            bs->rd_ops = qemu_stats_json_u64(stats, "rd_operations");
            bs->wr_ops = qemu_stats_json_u64(stats, "wr_operations");
        }
        json_object_put(ret);
    }
    json_object_put(blocks);
    struct json_object *balloon =
        rc == 0 ? qmp_command(qmp, "query-balloon", NULL, QEMU_STATS_QMP_TIMEOUT_MS, NULL) : NULL;
    if (balloon) { /* an error reply means there is no balloon device */
        out->balloon = true;
        out->balloon_kib = qemu_stats_json_u64(balloon, "actual") / 1024;
        json_object_put(balloon);
    }
    qmp_close(qmp);
    return rc;
}

/* Read /sys/class/net/dev/statistics/file; 0 if unreadable. */
static unsigned long long qemu_stats_sysfs(const char *dev, const char *file, bool *ok)
{
    char *path = store_printf("/sys/class/net/%s/statistics/%s", dev, file);
    char *text = store_read_file(path, NULL, NULL);
    free(path);
    if (!text) {
        *ok = false;
        return 0;
    }
    unsigned long long v = strtoull(text, NULL, 10);
    free(text);
    return v;
}

/* Per-NIC counters: taps from sysfs (guest's view), the rest unavailable. */
static void qemu_stats_nets(const struct domain_def *live, struct engine_domain_stats *out)
{
    for (size_t i = 0; live && i < live->nnets && out->nnet < ENGINE_STATS_MAX_DEVS; i++) {
        const struct domain_net *n = &live->nets[i];
        struct engine_net_stats *ns = &out->net[out->nnet++];
        snprintf(ns->type, sizeof(ns->type), "%s", domain_net_type_to_string(n->type));
        if (n->has_mac)
            snprintf(ns->mac, sizeof(ns->mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
                     n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
        bool tap = n->type == DOMAIN_NET_NETWORK || n->type == DOMAIN_NET_BRIDGE ||
                   n->type == DOMAIN_NET_ETHERNET;
        if (!tap || !n->target_dev)
            continue;
        snprintf(ns->dev, sizeof(ns->dev), "%s", n->target_dev);
        bool ok = true;
        ns->rx_bytes = qemu_stats_sysfs(n->target_dev, "tx_bytes", &ok);
        ns->tx_bytes = qemu_stats_sysfs(n->target_dev, "rx_bytes", &ok);
        ns->rx_packets = qemu_stats_sysfs(n->target_dev, "tx_packets", &ok);
        ns->tx_packets = qemu_stats_sysfs(n->target_dev, "rx_packets", &ok);
        ns->available = ok;
    }
}

/* Read name's state into st if it is running (0), else -1 with err: not running / not
 * found. */
static int qemu_stats_running(struct engine_conn *conn, const char *name,
                              const struct qemu_paths *p, struct qemu_state *st,
                              struct vmerr *err)
{
    if (qemu_state_read(p->state, st, NULL) == 0 && qemu_state_supervisor_alive(p->alive) &&
        qemu_state_pid_matches(st->qemu_pid, st->qemu_start))
        return 0;
    char *cfg = store_printf("%s/%s.xml", conn->config_dir, name);
    if (access(cfg, F_OK) == 0)
        vmerr_set(err, VMERR_OPERATION_INVALID, "domain '%s' is not running", name);
    else
        vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    free(cfg);
    return -1;
}

/* One sample of a running domain. */
int qemu_stats_domain(struct engine_conn *conn, const char *name, struct engine_domain_stats *out,
                      struct vmerr *err)
{
    memset(out, 0, sizeof(*out));
    out->cpu_percent = -1;
    if (!domain_name_valid(name))
        return vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    struct qemu_paths p;
    qemu_state_paths(conn->runtime_dir, name, &p);
    struct qemu_state st;
    int rc = -1;
    if (qemu_stats_running(conn, name, &p, &st, err) < 0)
        goto out;
    struct domain_def *live = domain_def_parse_file(p.live_xml, NULL);
    out->state = st.state;
    out->sampled_ms = qemu_stats_now_ms();
    out->cpu_time_ns = qemu_stats_cpu_ns(st.qemu_pid);
    out->rss_kib = qemu_stats_rss_kib(st.qemu_pid);
    if (live) {
        out->vcpus = live->vcpus;
        out->max_memory_kib = live->memory_kib;
    }
    qemu_stats_nets(live, out);
    rc = qemu_stats_qmp(name, &p, live, out, err);
    domain_def_free(live);
out:
    qemu_state_paths_free(&p);
    return rc;
}

/* The light sample: state file and /proc only (no live XML parse, no QMP). */
int qemu_stats_domain_cpu(struct engine_conn *conn, const char *name,
                          struct engine_domain_stats *out, struct vmerr *err)
{
    memset(out, 0, sizeof(*out));
    out->cpu_percent = -1;
    if (!domain_name_valid(name))
        return vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
    struct qemu_paths p;
    qemu_state_paths(conn->runtime_dir, name, &p);
    struct qemu_state st;
    int rc = qemu_stats_running(conn, name, &p, &st, err);
    if (rc == 0) {
        out->state = st.state;
        out->sampled_ms = qemu_stats_now_ms();
        out->cpu_time_ns = qemu_stats_cpu_ns(st.qemu_pid);
        out->rss_kib = qemu_stats_rss_kib(st.qemu_pid);
    }
    qemu_state_paths_free(&p);
    return rc;
}
