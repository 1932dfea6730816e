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
    fprintf(ctx->out, "Domain: '%s'\n", name);
    fprintf(ctx->out, "  state.state=%s\n", engine_domain_state_name(st.state));
    fprintf(ctx->out, "  cpu.time=%llu\n", st.cpu_time_ns);
    fprintf(ctx->out, "  cpu.percent=%.1f\n", st.cpu_percent < 0 ? 0.0 : st.cpu_percent);
    fprintf(ctx->out, "  vcpu.current=%u\n", st.vcpus);
    fprintf(ctx->out, "  balloon.maximum=%llu\n", st.max_memory_kib);
    if (st.balloon)
        fprintf(ctx->out, "  balloon.current=%llu\n", st.balloon_kib);
    fprintf(ctx->out, "  balloon.rss=%llu\n", st.rss_kib);
    fprintf(ctx->out, "  block.count=%zu\n", st.nblock);
    for (size_t i = 0; i < st.nblock; i++) {
        const struct engine_block_stats *b = &st.block[i];
        fprintf(ctx->out, "  block.%zu.name=%s\n", i, b->dev);
        fprintf(ctx->out, "  block.%zu.rd.reqs=%llu\n", i, b->rd_ops);
        fprintf(ctx->out, "  block.%zu.rd.bytes=%llu\n", i, b->rd_bytes);
        fprintf(ctx->out, "  block.%zu.wr.reqs=%llu\n", i, b->wr_ops);
        fprintf(ctx->out, "  block.%zu.wr.bytes=%llu\n", i, b->wr_bytes);
    }
    fprintf(ctx->out, "  net.count=%zu\n", st.nnet);
    for (size_t i = 0; i < st.nnet; i++) {
        const struct engine_net_stats *n = &st.net[i];
        fprintf(ctx->out, "  net.%zu.name=%s\n", i, n->dev[0] ? n->dev : "-");
        fprintf(ctx->out, "  net.%zu.type=%s\n", i, n->type);
        if (n->mac[0])
            fprintf(ctx->out, "  net.%zu.mac=%s\n", i, n->mac);
        if (!n->available) {
            fprintf(ctx->out, "  net.%zu.available=no\n", i);
            continue;
        }
        fprintf(ctx->out, "  net.%zu.rx.bytes=%llu\n", i, n->rx_bytes);
        fprintf(ctx->out, "  net.%zu.rx.pkts=%llu\n", i, n->rx_packets);
        fprintf(ctx->out, "  net.%zu.tx.bytes=%llu\n", i, n->tx_bytes);
        fprintf(ctx->out, "  net.%zu.tx.pkts=%llu\n", i, n->tx_packets);
    }
    fputc('\n', ctx->out);
    return 0;
}
