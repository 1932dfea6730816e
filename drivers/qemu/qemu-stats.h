/* qemu-stats: counters of a running QEMU domain for the driver table's domain_stats entry. */
#ifndef VMDECK_QEMU_STATS_H
#define VMDECK_QEMU_STATS_H

#include "drivers/driver.h"

/* One sample of name's counters: CPU time and RSS of the QEMU process (/proc), balloon
 * actual and per-disk counters (QMP), per-NIC tap counters (/sys/class/net). */
int qemu_stats_domain(struct engine_conn *conn, const char *name, struct engine_domain_stats *out,
                      struct vmerr *err);
/* The light sample (engine_domain_stats_cpu): CPU time and RSS from /proc, no QMP. */
int qemu_stats_domain_cpu(struct engine_conn *conn, const char *name,
                          struct engine_domain_stats *out, struct vmerr *err);

#endif
