/* view-details: one domain's or network's details, full screen (Enter) or in the list's
 * split. On open and on every refresh the engine's facts (engine_domain_lookup /
 * engine_network_lookup) and XML flow in; the XML is parsed with the engine's own model to
 * put the important fields in words (disks, NICs, graphics, consoles, lifecycle, boot; for a
 * network its addresses and the domains using it). The page is: those lines, live graphs
 * of the last minute from the sampler (running domains), then the XML, which also scrolls
 * sideways. Line kinds are a leading tag byte: 'H' heading, 'T' text, 'U' the uptime line
 * (computed when drawn), 'G' the graphs' place. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/domain-def.h"
#include "ui/ui.h"

enum {
    DETAILS_TAB = 8,
    DETAILS_LABEL_W = 13,
    DETAILS_GRAPH_CELLS = 60,
};

/* The graphs: label, metric, and whether the value is a byte rate (else % / KiB). */
static const struct {
    const char *label;
    enum sampler_metric metric;
} details_graphs[] = {
    {"CPU", SAMPLER_CPU},
    {"Memory", SAMPLER_MEM},
    {"Disk read", SAMPLER_BLOCK_RD},
    {"Disk write", SAMPLER_BLOCK_WR},
    {"Net rx", SAMPLER_NET_RX},
    {"Net tx", SAMPLER_NET_TX},
};

#define DETAILS_NGRAPHS (sizeof(details_graphs) / sizeof(details_graphs[0]))

/* Free the lines. */
static void view_details_free_lines(struct tui *tui)
{
    for (size_t i = 0; i < tui->details_nlines; i++)
        free(tui->details_lines[i]);
    free(tui->details_lines);
    tui->details_lines = NULL;
    tui->details_nlines = 0;
}

/* Append one line of kind tag from len bytes of s (tabs expanded, CRs dropped). */
static void view_details_add(struct tui *tui, char tag, const char *s, size_t len)
{
    size_t tabs = 0;
    for (size_t i = 0; i < len; i++)
        tabs += s[i] == '\t';
    char *line = malloc(len + tabs * DETAILS_TAB + 2);
    if (!line)
        abort(); /* memory exhaustion is not recoverable */
    size_t o = 0;
    line[o++] = tag;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\t') {
            do
                line[o++] = ' ';
            while ((o - 1) % DETAILS_TAB);
        } else if (s[i] != '\r') {
            line[o++] = s[i];
        }
    }
    line[o] = '\0';
    char **grown = realloc(tui->details_lines, (tui->details_nlines + 1) * sizeof(char *));
    if (!grown)
        abort();
    tui->details_lines = grown;
    tui->details_lines[tui->details_nlines++] = line;
}

/* Append a formatted line of kind tag. */
static void view_details_addf(struct tui *tui, char tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void view_details_addf(struct tui *tui, char tag, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    view_details_add(tui, tag, buf, strlen(buf));
}

/* Append "Label:  value". */
static void view_details_fact(struct tui *tui, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void view_details_fact(struct tui *tui, const char *label, const char *fmt, ...)
{
    char value[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    char lab[64];
    snprintf(lab, sizeof(lab), "%s:", label);
    view_details_addf(tui, 'T', "%-*s %s", DETAILS_LABEL_W, lab, value);
}

/* Append the XML text's lines under a heading. */
static void view_details_add_xml(struct tui *tui, const char *text)
{
    view_details_add(tui, 'H', "XML (Left/Right scroll sideways)", 32);
    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        view_details_add(tui, 'T', text, len);
        text += len + (nl ? 1 : 0);
    }
}

/* "3d 04:05:06", "04:05:06", "-" from a start time. */
void view_details_uptime(char *buf, size_t len, long long start_time)
{
    long long now = time(NULL);
    if (start_time <= 0 || now < start_time) {
        snprintf(buf, len, "-");
        return;
    }
    long long s = now - start_time;
    if (s >= 86400)
        snprintf(buf, len, "%lldd %02lld:%02lld", s / 86400, s % 86400 / 3600, s % 3600 / 60);
    else
        snprintf(buf, len, "%02lld:%02lld:%02lld", s / 3600, s % 3600 / 60, s % 60);
}

/* The domain's devices in words, from its parsed XML. */
static void view_details_domain_words(struct tui *tui, const struct domain_def *def)
{
    char boot[128] = "";
    for (size_t i = 0; i < def->os.nboot; i++)
        snprintf(boot + strlen(boot), sizeof(boot) - strlen(boot), "%s%s", i ? ", " : "",
                 domain_boot_dev_to_string(def->os.boot[i]));
    if (def->os.kernel)
        view_details_fact(tui, "Boot", "kernel %s%s%s", def->os.kernel,
                          def->os.cmdline ? " cmdline: " : "",
                          def->os.cmdline ? def->os.cmdline : "");
    else
        view_details_fact(tui, "Boot", "%s", boot[0] ? boot : "hd (default)");
    view_details_fact(tui, "Machine", "%s %s, %s", def->os.arch ? def->os.arch : "host arch",
                      def->os.machine ? def->os.machine : "default machine",
                      domain_virt_type_to_string(def->type));
    view_details_fact(tui, "Lifecycle", "poweroff: %s, reboot: %s, crash: %s",
                      domain_lifecycle_to_string(def->on_poweroff),
                      domain_lifecycle_to_string(def->on_reboot),
                      domain_lifecycle_to_string(def->on_crash));
    view_details_add(tui, 'H', "Disks", 5);
    for (size_t i = 0; i < def->ndisks; i++) {
        const struct domain_disk *d = &def->disks[i];
        view_details_addf(
            tui, 'T', "  %-6s %-6s %s (%s, %s%s%s)", d->target_dev,
            domain_disk_device_to_string(d->device), d->source ? d->source : "(empty)",
            d->target_bus ? d->target_bus : "default bus", d->readonly ? "read-only" : "read-write",
            d->shareable ? ", shareable" : "",
            d->driver_type ? (!strcmp(d->driver_type, "qcow2") ? ", qcow2" : "") : "");
    }
    if (def->ndisks == 0)
        view_details_add(tui, 'T', "  none", 6);
    view_details_add(tui, 'H', "Network interfaces", 18);
    for (size_t i = 0; i < def->nnets; i++) {
        const struct domain_net *n = &def->nets[i];
        char mac[24] = "no MAC";
        if (n->has_mac)
            snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1],
                     n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
        const char *src = n->source_network   ? n->source_network
                          : n->source_bridge  ? n->source_bridge
                          : n->source_dev     ? n->source_dev
                          : n->source_address ? n->source_address
                                              : "";
        view_details_addf(tui, 'T', "  %-8s %s%s%s%s  model %s  IP %s%s%s",
                          domain_net_type_to_string(n->type), src[0] ? "source " : "", src,
                          src[0] ? "  " : "", mac, n->model ? n->model : "default",
                          n->ip ? n->ip : "unknown", n->target_dev ? "  dev " : "",
                          n->target_dev ? n->target_dev : "");
    }
    if (def->nnets == 0)
        view_details_add(tui, 'T', "  none", 6);
    view_details_add(tui, 'H', "Graphics and consoles", 21);
    for (size_t i = 0; i < def->ngraphics; i++) {
        const struct domain_graphics *g = &def->graphics[i];
        char port[32];
        if (g->port >= 0)
            snprintf(port, sizeof(port), "port %d", g->port);
        else
            snprintf(port, sizeof(port), "port chosen at start");
        view_details_addf(tui, 'T', "  %-8s %s%s%s", domain_graphics_type_to_string(g->type),
                          g->type == DOMAIN_GRAPHICS_VNC ? port : "", g->listen ? "  listen " : "",
                          g->listen ? g->listen : "");
    }
    for (size_t i = 0; i < def->nserials; i++)
        view_details_addf(tui, 'T', "  serial%-2d %s%s%s", def->serials[i].port,
                          domain_chr_type_to_string(def->serials[i].type),
                          def->serials[i].tty ? " " : "",
                          def->serials[i].tty ? def->serials[i].tty : "");
    if (def->ngraphics == 0 && def->nserials == 0)
        view_details_add(tui, 'T', "  none", 6);
}

/* Build the lines of a domain: facts, devices in words, graphs' place, XML. */
static int view_details_load_domain(struct tui *tui, const char *name, struct vmerr *err)
{
    struct engine_domain_info info;
    if (engine_domain_lookup(tui->conn, name, &info, err) < 0)
        return -1;
    tui->details_info = info;
    tui->details_network = false;
    snprintf(tui->details_name, sizeof(tui->details_name), "%s", info.name);
    view_details_free_lines(tui);
    char buf[512];
    view_details_fact(tui, "Name", "%s", info.name);
    view_details_fact(tui, "State", "%s%s%s",
                      draw_state_label(info.state, tui->utf8, buf, sizeof(buf)),
                      info.state_reason[0] ? " - " : "", info.state_reason);
    if (info.id >= 0)
        view_details_fact(tui, "Id", "%d", info.id);
    else
        view_details_fact(tui, "Id", "-");
    view_details_fact(tui, "UUID", "%s", info.uuid);
    view_details_add(tui, 'U', "", 0);
    view_details_fact(tui, "vCPUs", "%u", info.vcpus);
    char mem[32], max[32];
    draw_memory(mem, sizeof(mem), info.memory_kib);
    draw_memory(max, sizeof(max), info.max_memory_kib);
    view_details_fact(tui, "Memory", "%s (%llu KiB), max %s", mem, info.memory_kib, max);
    view_details_fact(tui, "Persistent", "%s, autostart %s", info.persistent ? "yes" : "no",
                      info.autostart ? "yes" : "no");
    char vnc[64] = "";
    if (info.vnc_port > 0)
        snprintf(vnc, sizeof(vnc), "; VNC on port %d", info.vnc_port);
    view_details_fact(tui, "Console", "%s%s",
                      info.has_console ? "serial console available (press c)"
                      : info.id < 0    ? "not available (the domain is not running)"
                                       : "no serial PTY",
                      vnc);
    struct vmerr xerr = {0};
    char *xml = engine_domain_get_xml(tui->conn, name, 0, &xerr);
    struct domain_def *def = xml ? domain_def_parse_string(xml, name, &xerr) : NULL;
    if (def)
        view_details_domain_words(tui, def);
    domain_def_free(def);
    tui->details_words = tui->details_nlines;
    view_details_add(tui, 'H', "Live stats, last minute", 23);
    view_details_add(tui, 'G', "", 0);
    if (xml) {
        view_details_add_xml(tui, xml);
        free(xml);
    } else {
        char line[1400];
        view_details_addf(tui, 'T', "(XML not available: %s)",
                          vmerr_line(&xerr, line, sizeof(line)));
    }
    tui->dirty |= TUI_DIRTY_BODY | TUI_DIRTY_HEADER;
    return 0;
}

/* Build the lines of a network: facts, the domains using it, XML. */
static int view_details_load_network(struct tui *tui, const char *name, struct vmerr *err)
{
    struct engine_network_info info;
    if (engine_network_lookup(tui->conn, name, &info, err) < 0)
        return -1;
    tui->details_net = info;
    tui->details_network = true;
    snprintf(tui->details_name, sizeof(tui->details_name), "%s", info.name);
    view_details_free_lines(tui);
    view_details_fact(tui, "Name", "%s", info.name);
    view_details_fact(tui, "UUID", "%s", info.uuid);
    view_details_fact(tui, "Active", "%s", info.active ? "yes" : "no");
    view_details_fact(tui, "Persistent", "%s", info.persistent ? "yes" : "no");
    view_details_fact(tui, "Autostart", "%s", info.autostart ? "yes" : "no");
    view_details_fact(tui, "Bridge", "%s", info.bridge[0] ? info.bridge : "none");
    view_details_fact(tui, "Forward", "%s",
                      !info.forward[0] || !strcmp(info.forward, "none") ? "none (isolated)"
                                                                        : info.forward);
    view_details_fact(tui, "IP", "%s", info.subnet[0] ? info.subnet : "none");
    view_details_fact(tui, "DHCP range", "%s", info.dhcp[0] ? info.dhcp : "none");
    view_details_add(tui, 'H', "Domains using it", 16);
    size_t users = 0;
    for (size_t i = 0; i < tui->ndomains; i++) {
        char *xml = engine_domain_get_xml(tui->conn, tui->domains[i].name, 0, NULL);
        struct domain_def *def = xml ? domain_def_parse_string(xml, NULL, NULL) : NULL;
        for (size_t k = 0; def && k < def->nnets; k++)
            if (def->nets[k].source_network && !strcmp(def->nets[k].source_network, info.name)) {
                char st[64];
                view_details_addf(
                    tui, 'T', "  %-20s %s", tui->domains[i].name,
                    draw_state_label(tui->domains[i].state, tui->utf8, st, sizeof(st)));
                users++;
                break;
            }
        domain_def_free(def);
        free(xml);
    }
    if (users == 0)
        view_details_add(tui, 'T', "  none", 6);
    tui->details_words = tui->details_nlines;
    struct vmerr xerr = {0};
    char *xml = engine_network_get_xml(tui->conn, name, 0, &xerr);
    if (xml) {
        view_details_add_xml(tui, xml);
        free(xml);
    } else {
        char line[1400];
        view_details_addf(tui, 'T', "(XML not available: %s)",
                          vmerr_line(&xerr, line, sizeof(line)));
    }
    tui->dirty |= TUI_DIRTY_BODY | TUI_DIRTY_HEADER;
    return 0;
}

/* Open the details of domain name. */
int view_details_open(struct tui *tui, const char *name, struct vmerr *err)
{
    char copy[ENGINE_NAME_MAX];
    snprintf(copy, sizeof(copy), "%s", name);
    if (view_details_load_domain(tui, copy, err) < 0)
        return -1;
    tui->details_top = 0;
    tui->details_left = 0;
    return 0;
}

/* Open the details of network name. */
int view_details_open_network(struct tui *tui, const char *name, struct vmerr *err)
{
    char copy[ENGINE_NAME_MAX];
    snprintf(copy, sizeof(copy), "%s", name);
    if (view_details_load_network(tui, copy, err) < 0)
        return -1;
    tui->details_top = 0;
    tui->details_left = 0;
    return 0;
}

/* Re-read the shown object (after a refresh); back to the list if it is gone. */
void view_details_reload(struct tui *tui)
{
    if (!tui->details_name[0])
        return;
    char name[ENGINE_NAME_MAX];
    snprintf(name, sizeof(name), "%s", tui->details_name);
    struct vmerr err = {0};
    int rc = tui->details_network ? view_details_load_network(tui, name, &err)
                                  : view_details_load_domain(tui, name, &err);
    if (rc < 0) {
        if (tui->view == TUI_VIEW_DETAILS)
            status_error(tui, &err);
        view_details_close(tui);
        if (tui->view == TUI_VIEW_DETAILS)
            tui_set_view(tui, TUI_VIEW_LIST);
    }
}

/* Forget the shown object. */
void view_details_close(struct tui *tui)
{
    view_details_free_lines(tui);
    tui->details_name[0] = '\0';
    tui->details_network = false;
    tui->details_top = tui->details_left = 0;
}

/* Rows the graphs take: one per graph while running, else one note. */
static size_t view_details_graph_rows(const struct tui *tui)
{
    return tui->details_info.id >= 0 ? DETAILS_NGRAPHS : 1;
}

/* Total rows of the page. */
static size_t view_details_total(const struct tui *tui)
{
    size_t n = tui->details_nlines;
    if (!tui->details_network && n > 0)
        n += view_details_graph_rows(tui) - 1; /* the 'G' line stands for them */
    return n;
}

/* Largest useful top line for the body's height. */
static size_t view_details_max_top(struct tui *tui)
{
    size_t rows = tui->body ? (size_t)getmaxy(tui->body) : 1;
    size_t total = view_details_total(tui);
    return total > rows ? total - rows : 0;
}

/* Scroll by delta lines. */
void view_details_scroll(struct tui *tui, long delta)
{
    long top = (long)tui->details_top + delta;
    if (top < 0)
        top = 0;
    if ((size_t)top > view_details_max_top(tui))
        top = (long)view_details_max_top(tui);
    if ((size_t)top != tui->details_top)
        tui->dirty |= TUI_DIRTY_BODY;
    tui->details_top = (size_t)top;
}

/* Scroll to the top or the bottom. */
void view_details_scroll_to(struct tui *tui, bool end)
{
    tui->details_top = end ? view_details_max_top(tui) : 0;
    tui->dirty |= TUI_DIRTY_BODY;
}

/* Scroll the XML sideways by delta columns. */
void view_details_hscroll(struct tui *tui, long delta)
{
    long left = (long)tui->details_left + delta;
    if (left < 0)
        left = 0;
    if (left > 4096)
        left = 4096;
    tui->details_left = (size_t)left;
    tui->dirty |= TUI_DIRTY_BODY;
}

/* A value of metric m for a graph's label: "42%", "512 MiB", "1.0 MiB/s". */
static void view_details_value(char *buf, size_t len, enum sampler_metric m, double v)
{
    if (v < 0) {
        snprintf(buf, len, "-");
    } else if (m == SAMPLER_CPU) {
        snprintf(buf, len, "%.0f%%", v);
    } else if (m == SAMPLER_MEM) {
        draw_memory(buf, len, (unsigned long long)v);
    } else {
        char kib[24];
        draw_memory(kib, sizeof(kib), (unsigned long long)(v / 1024));
        snprintf(buf, len, "%s/s", v < 1024 ? "0 KiB" : kib);
    }
}

/* Draw graph g at row y: label, the minute's sparkline scaled to its peak (CPU: to the
 * vCPUs), the latest value and the peak. */
static void view_details_graph(struct tui *tui, WINDOW *w, int y, size_t g)
{
    draw_text(w, y, 1, DETAILS_LABEL_W, details_graphs[g].label, A_BOLD);
    const struct sampler_history *h = sampler_history(tui, tui->details_name);
    int cols = getmaxx(w);
    int cells = cols - 1 - DETAILS_LABEL_W - 1 - 24;
    if (cells > DETAILS_GRAPH_CELLS)
        cells = DETAILS_GRAPH_CELLS;
    if (!h || h->n == 0) {
        draw_text(w, y, DETAILS_LABEL_W + 2, cols - DETAILS_LABEL_W - 2, "sampling...", A_NORMAL);
        return;
    }
    enum sampler_metric m = details_graphs[g].metric;
    double peak = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->v[m][i] > peak)
            peak = h->v[m][i];
    double scale = peak;
    if (m == SAMPLER_CPU)
        scale = 100.0 * (tui->details_info.vcpus ? tui->details_info.vcpus : 1);
    else if (m == SAMPLER_MEM && tui->details_info.max_memory_kib)
        scale = (double)tui->details_info.max_memory_kib;
    int x = DETAILS_LABEL_W + 2;
    if (cells > 4) {
        char spark[DETAILS_GRAPH_CELLS * 4 + 1];
        sparkline_render(h->v[m], h->n, cells, scale, tui->utf8, spark, sizeof(spark));
        x += draw_text(w, y, x, cells, spark, draw_attr(DRAW_GRAPH)) + 1;
    }
    char now[32], top[32], text[80];
    view_details_value(now, sizeof(now), m, h->v[m][h->n - 1]);
    view_details_value(top, sizeof(top), m, peak);
    snprintf(text, sizeof(text), "%s (peak %s)", now, top);
    draw_text(w, y, x, cols - x, text, A_NORMAL);
}

/* Draw page row i at row y of w. */
static void view_details_row(struct tui *tui, WINDOW *w, int y, size_t i)
{
    int cols = getmaxx(w);
    size_t graphs = tui->details_network ? 0 : view_details_graph_rows(tui);
    size_t gpos = tui->details_words + 1; /* the 'G' line follows the stats heading */
    size_t line = i;
    if (graphs && i >= gpos) {
        if (i < gpos + graphs) {
            if (tui->details_info.id >= 0)
                view_details_graph(tui, w, y, i - gpos);
            else
                draw_text(w, y, 1, cols - 1, "  none (the domain is not running)", A_NORMAL);
            return;
        }
        line = i - (graphs - 1);
    }
    if (line >= tui->details_nlines)
        return;
    const char *s = tui->details_lines[line];
    if (s[0] == 'H') {
        draw_blank_line(w, y, draw_attr(DRAW_COLUMNS));
        draw_text(w, y, 1, cols - 1, s + 1, draw_attr(DRAW_COLUMNS));
    } else if (s[0] == 'U') {
        char up[64], text[96];
        view_details_uptime(up, sizeof(up),
                            tui->details_info.id >= 0 ? tui->details_info.start_time : 0);
        snprintf(text, sizeof(text), "%-*s %s", DETAILS_LABEL_W, "Uptime:", up);
        draw_text(w, y, 1, cols - 1, text, A_NORMAL);
    } else if (line >= tui->details_words) {
        draw_text(w, y, 1, cols - 1, draw_skip_cols(s + 1, (int)tui->details_left), A_NORMAL);
    } else {
        draw_text(w, y, 1, cols - 1, s + 1, A_NORMAL);
    }
}

/* Draw the page into w. */
void view_details_draw_in(struct tui *tui, WINDOW *w)
{
    werase(w);
    size_t total = view_details_total(tui);
    size_t rows = (size_t)getmaxy(w);
    size_t max_top = total > rows ? total - rows : 0;
    if (tui->details_top > max_top)
        tui->details_top = max_top;
    for (size_t r = 0; r < rows && tui->details_top + r < total; r++)
        view_details_row(tui, w, (int)r, tui->details_top + r);
}

/* Draw the page into the body window; stats are on screen while a running domain is. */
void view_details_draw(struct tui *tui)
{
    if (!tui->body)
        return;
    view_details_draw_in(tui, tui->body);
    tui->stats_shown = !tui->details_network && tui->details_name[0] && tui->details_info.id >= 0;
}
