/* engine-stats: per-domain resource counters. A sample flows from the driver's domain_stats
 * entry (QEMU: /proc of the QEMU process, QMP query-blockstats/query-balloon, tap counters)
 * to the caller; CPU % is computed here from two samples of the process CPU time. */
#include <stdio.h>
#include <time.h>

#include "drivers/driver.h"
#include "engine/engine.h"

/* One sample, or two interval_ms apart for CPU %. */
int engine_domain_stats(struct engine_conn *conn, const char *name, int interval_ms,
                        struct engine_domain_stats *out, struct vmerr *err)
{
    if (!conn->driver->domain_stats)
        return vmerr_set(err, VMERR_NO_SUPPORT, "the %s driver does not support domain stats",
                         conn->driver->name);
    struct engine_domain_stats first;
    if (conn->driver->domain_stats(conn, name, &first, err) < 0)
        return -1;
    first.cpu_percent = -1;
    if (interval_ms <= 0) {
        *out = first;
        return 0;
    }
    struct timespec ts = {interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    if (conn->driver->domain_stats(conn, name, out, err) < 0)
        return -1;
    out->cpu_percent = engine_domain_stats_cpu_percent(&first, out);
    return 0;
}

/* A light sample: the driver's CPU-only path, else a full sample. */
int engine_domain_stats_cpu(struct engine_conn *conn, const char *name,
                            struct engine_domain_stats *out, struct vmerr *err)
{
    int (*fn)(struct engine_conn *, const char *, struct engine_domain_stats *, struct vmerr *) =
        conn->driver->domain_stats_cpu ? conn->driver->domain_stats_cpu
                                       : conn->driver->domain_stats;
    if (!fn)
        return vmerr_set(err, VMERR_NO_SUPPORT, "the %s driver does not support domain stats",
                         conn->driver->name);
    if (fn(conn, name, out, err) < 0)
        return -1;
    out->cpu_percent = -1;
    return 0;
}

/* CPU time used between the samples over the wall time between them. */
double engine_domain_stats_cpu_percent(const struct engine_domain_stats *prev,
                                       const struct engine_domain_stats *cur)
{
    long long ms = cur->sampled_ms - prev->sampled_ms;
    if (ms <= 0 || cur->cpu_time_ns < prev->cpu_time_ns)
        return -1;
    return (double)(cur->cpu_time_ns - prev->cpu_time_ns) / 1e6 / (double)ms * 100.0;
}
