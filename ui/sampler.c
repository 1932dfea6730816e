/* sampler: live stats for what is on screen. Once a second, and only while the last draw
 * showed stats (the list's CPU column, the details graphs), engine_domain_stats is called
 * for the running domains shown (the list's visible rows and the details' domain); rates
 * and CPU % are computed from the previous sample and kept for a minute per domain. With
 * nothing on screen needing stats there is no timer at all. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui/ui.h"

enum {
    SAMPLER_PERIOD_MS = 1000,
    SAMPLER_MAX_SHOWN = 256, /* domains sampled per tick (more rows than any screen has) */
};

/* One domain's history and its last raw sample. */
struct sampler_entry {
    char name[ENGINE_NAME_MAX];
    struct sampler_history h;
    struct engine_domain_stats last;
    bool have_last;
    bool last_full;    /* last is a full sample (memory, disks, NICs), not a light one */
    long long seen_ms; /* when it was last sampled: off screen for a minute, it is dropped */
};

/* Every domain's history and when the next sample is due. */
struct sampler {
    struct sampler_entry *entries;
    size_t n;
    long long due_ms; /* monotonic; 0 = sample at once */
};

/* Now on the monotonic clock in milliseconds. */
static long long sampler_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The sampler of tui, created on first use. */
static struct sampler *sampler_get(struct tui *tui)
{
    if (!tui->sampler) {
        tui->sampler = calloc(1, sizeof(*tui->sampler));
        if (!tui->sampler)
            abort(); /* memory exhaustion is not recoverable */
    }
    return tui->sampler;
}

/* Free the sampler. */
void sampler_free(struct tui *tui)
{
    if (!tui->sampler)
        return;
    free(tui->sampler->entries);
    free(tui->sampler);
    tui->sampler = NULL;
}

/* The entry of name; created when create is set, else NULL when there is none. */
static struct sampler_entry *sampler_find(struct sampler *s, const char *name, bool create)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->entries[i].name, name))
            return &s->entries[i];
    if (!create)
        return NULL;
    struct sampler_entry *grown = realloc(s->entries, (s->n + 1) * sizeof(*grown));
    if (!grown)
        abort();
    s->entries = grown;
    struct sampler_entry *e = &s->entries[s->n++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    return e;
}

/* Append one value per metric to a history, dropping the oldest past a minute. */
static void sampler_push(struct sampler_history *h, const double *v)
{
    if (h->n == SAMPLER_HISTORY) {
        for (int m = 0; m < SAMPLER_METRICS; m++)
            memmove(h->v[m], h->v[m] + 1, (SAMPLER_HISTORY - 1) * sizeof(double));
        h->n--;
    }
    for (int m = 0; m < SAMPLER_METRICS; m++)
        h->v[m][h->n] = v[m];
    h->n++;
}

/* Per-second rate of a counter between two samples ms apart; -1 when it went back. */
static double sampler_rate(unsigned long long prev, unsigned long long cur, long long ms)
{
    if (ms <= 0 || cur < prev)
        return -1;
    return (double)(cur - prev) * 1000.0 / (double)ms;
}

/* Take one sample of name and add it to its history: a full one (memory, disk and NIC
 * rates) for the details' graphs, a light one (CPU only, no QMP round trips) for list rows;
 * what a light sample lacks is recorded as missing (-1). */
static void sampler_sample(struct tui *tui, const char *name, bool full)
{
    struct engine_domain_stats cur;
    struct vmerr err = {0};
    if ((full ? engine_domain_stats(tui->conn, name, 0, &cur, &err)
              : engine_domain_stats_cpu(tui->conn, name, &cur, &err)) < 0)
        return; /* stopped meanwhile or no stats here: the list refresh tells the state */
    struct sampler_entry *e = sampler_find(sampler_get(tui), name, true);
    if (e->have_last) {
        const struct engine_domain_stats *p = &e->last;
        long long ms = cur.sampled_ms - p->sampled_ms;
        double v[SAMPLER_METRICS];
        for (int m = 0; m < SAMPLER_METRICS; m++)
            v[m] = -1;
        v[SAMPLER_CPU] = engine_domain_stats_cpu_percent(p, &cur);
        if (full)
            v[SAMPLER_MEM] = (double)(cur.balloon ? cur.balloon_kib : cur.rss_kib);
        unsigned long long prd = 0, pwr = 0, rd = 0, wr = 0, prx = 0, ptx = 0, rx = 0, tx = 0;
        for (size_t i = 0; i < p->nblock; i++) {
            prd += p->block[i].rd_bytes;
            pwr += p->block[i].wr_bytes;
        }
        for (size_t i = 0; i < cur.nblock; i++) {
            rd += cur.block[i].rd_bytes;
            wr += cur.block[i].wr_bytes;
        }
        for (size_t i = 0; i < p->nnet; i++) {
            prx += p->net[i].rx_bytes;
            ptx += p->net[i].tx_bytes;
        }
        for (size_t i = 0; i < cur.nnet; i++) {
            rx += cur.net[i].rx_bytes;
            tx += cur.net[i].tx_bytes;
        }
        if (full && e->last_full) {
            v[SAMPLER_BLOCK_RD] = sampler_rate(prd, rd, ms);
            v[SAMPLER_BLOCK_WR] = sampler_rate(pwr, wr, ms);
            v[SAMPLER_NET_RX] = sampler_rate(prx, rx, ms);
            v[SAMPLER_NET_TX] = sampler_rate(ptx, tx, ms);
        }
        sampler_push(&e->h, v);
    }
    e->last = cur;
    e->have_last = true;
    e->last_full = full;
    e->seen_ms = sampler_now_ms();
}

/* Drop the histories of domains not sampled for a minute (scrolled away, filtered out): a
 * stale minute would read as current, and memory stays bounded by what is on screen. */
static void sampler_forget_stale(struct sampler *s, long long now)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++)
        if (now - s->entries[i].seen_ms <= SAMPLER_HISTORY * SAMPLER_PERIOD_MS)
            s->entries[kept++] = s->entries[i];
    s->n = kept;
}

/* Milliseconds until the next sample is due, -1 when nothing on screen needs stats. */
int sampler_timeout_ms(struct tui *tui)
{
    if (!tui->stats_shown || (tui->view != TUI_VIEW_LIST && tui->view != TUI_VIEW_DETAILS))
        return -1;
    struct sampler *s = sampler_get(tui);
    long long left = s->due_ms - sampler_now_ms();
    if (left < 0)
        return 0;
    return left > SAMPLER_PERIOD_MS ? SAMPLER_PERIOD_MS : (int)left;
}

/* Sample the domains on screen if a sample is due. */
void sampler_tick(struct tui *tui)
{
    if (sampler_timeout_ms(tui) != 0)
        return;
    struct sampler *s = sampler_get(tui);
    long long now = sampler_now_ms();
    if (now < s->due_ms)
        return;
    /* The next one a period after the previous due time, not after now, so samples stay a
     * second apart whatever else wakes the loop; after a pause start afresh. */
    s->due_ms = s->due_ms && now - s->due_ms < SAMPLER_PERIOD_MS ? s->due_ms + SAMPLER_PERIOD_MS
                                                                 : now + SAMPLER_PERIOD_MS;
    sampler_forget_stale(s, now);
    const char *names[SAMPLER_MAX_SHOWN];
    size_t n = 0;
    if (tui->view == TUI_VIEW_LIST)
        n = view_list_visible_running(tui, names, SAMPLER_MAX_SHOWN);
    bool details = tui->details_name[0] && !tui->details_network &&
                   (tui->view == TUI_VIEW_DETAILS || (tui->view == TUI_VIEW_LIST && tui->split));
    for (size_t i = 0; i < n; i++)
        if (!details || strcmp(names[i], tui->details_name))
            sampler_sample(tui, names[i], false);
    if (details && tui->details_info.id >= 0)
        sampler_sample(tui, tui->details_name, true);
    tui->dirty |= TUI_DIRTY_BODY;
}

/* The history of name, NULL when it has none. */
const struct sampler_history *sampler_history(const struct tui *tui, const char *name)
{
    if (!tui->sampler)
        return NULL;
    struct sampler_entry *e = sampler_find(tui->sampler, name, false);
    return e ? &e->h : NULL;
}

/* Forget the history of domains that are not running any more (after a list refresh). */
void sampler_prune(struct tui *tui)
{
    struct sampler *s = tui->sampler;
    if (!s)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        bool running = false;
        for (size_t d = 0; d < tui->ndomains && !running; d++)
            running = tui->domains[d].id >= 0 && !strcmp(tui->domains[d].name, s->entries[i].name);
        if (running)
            s->entries[kept++] = s->entries[i];
    }
    s->n = kept;
}
