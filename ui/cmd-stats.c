/* cmd-stats: `vmdeck domstats NAME`. One engine_domain_stats call (two CPU samples half a
 * second apart) flows out as virsh-like "key=value" lines under "Domain: 'NAME'". NICs whose
 * backend keeps no counters print net.N.available=no instead of zeros. */
#include <stdio.h>

#include "ui/ui.h"

/* How far apart the two CPU samples are. */
#define CMD_STATS_INTERVAL_MS 500

/* `domstats NAME`. */
int cmd_stats_run(struct cmd_ctx *ctx, struct vmerr *err)
{
    struct engine_domain_stats st;
    const char *name = ctx->argv[0];
    if (engine_domain_stats(ctx->conn, name, CMD_STATS_INTERVAL_MS, &st, err) < 0)
        return -1;
    printf("Domain: '%s'\n", name);
    printf("  state.state=%s\n", engine_domain_state_name(st.state));
    printf("  cpu.time=%llu\n", st.cpu_time_ns);
    printf("  cpu.percent=%.1f\n", st.cpu_percent < 0 ? 0.0 : st.cpu_percent);
    printf("  vcpu.current=%u\n", st.vcpus);
    printf("  balloon.maximum=%llu\n", st.max_memory_kib);
    if (st.balloon)
        printf("  balloon.current=%llu\n", st.balloon_kib);
    printf("  balloon.rss=%llu\n", st.rss_kib);
    printf("  block.count=%zu\n", st.nblock);
    for (size_t i = 0; i < st.nblock; i++) {
        const struct engine_block_stats *b = &st.block[i];
        printf("  block.%zu.name=%s\n", i, b->dev);
        printf("  block.%zu.rd.reqs=%llu\n", i, b->rd_ops);
        printf("  block.%zu.rd.bytes=%llu\n", i, b->rd_bytes);
        printf("  block.%zu.wr.reqs=%llu\n", i, b->wr_ops);
        printf("  block.%zu.wr.bytes=%llu\n", i, b->wr_bytes);
    }
    printf("  net.count=%zu\n", st.nnet);
    for (size_t i = 0; i < st.nnet; i++) {
        const struct engine_net_stats *n = &st.net[i];
        printf("  net.%zu.name=%s\n", i, n->dev[0] ? n->dev : "-");
        printf("  net.%zu.type=%s\n", i, n->type);
        if (n->mac[0])
            printf("  net.%zu.mac=%s\n", i, n->mac);
        if (!n->available) {
            printf("  net.%zu.available=no\n", i);
            continue;
        }
        printf("  net.%zu.rx.bytes=%llu\n", i, n->rx_bytes);
        printf("  net.%zu.rx.pkts=%llu\n", i, n->rx_packets);
        printf("  net.%zu.tx.bytes=%llu\n", i, n->tx_bytes);
        printf("  net.%zu.tx.pkts=%llu\n", i, n->tx_packets);
    }
    putchar('\n');
    return 0;
}
