/* view-list: the list screen. engine_domain_list's and engine_network_list's rows flow in on
 * each refresh (watch fd, SIGCHLD, after actions); each list keeps its own filter, sort
 * column and selection (followed by name across refreshes) in struct list_state, and is
 * drawn through its column table (columns.c) under a tab line showing which list is active.
 * The domain columns are the table below; the network ones live in view-networks.c. With
 * the split on, the details of the selection share the body (beside or below the list). A
 * failed list keeps the previous rows and puts the engine's error in the status line. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui/ui.h"

enum {
    LIST_SPARK_CELLS = 10,      /* sparkline part of the CPU column */
    LIST_SPLIT_SIDE_COLS = 140, /* from this width the split is side by side */
    LIST_SPLIT_MIN_ROWS = 14,   /* below this body height a stacked split shows the list only */
    LIST_FILTER_MAX = 127,
    LIST_TABS_FULL_COLS = 60, /* narrower: "Dom" and "Net" tab labels, room for the filter */
};

/* ---- domain cells ---- */

/* Name. */
static void list_name_text(const struct tui *tui, const void *row, char *buf, size_t len,
                           enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    snprintf(buf, len, "%s", ((const struct engine_domain_info *)row)->name);
}

/* Id, "-" when not running. */
static void list_id_text(const struct tui *tui, const void *row, char *buf, size_t len,
                         enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    const struct engine_domain_info *d = row;
    if (d->id >= 0)
        snprintf(buf, len, "%d", d->id);
    else
        snprintf(buf, len, "-");
}

/* State: symbol + name in the state's colour. */
static void list_state_text(const struct tui *tui, const void *row, char *buf, size_t len,
                            enum draw_colour *colour)
{
    const struct engine_domain_info *d = row;
    draw_state_label(d->state, tui->utf8, buf, len);
    *colour = draw_state_colour(d->state);
}

/* vCPUs. */
static void list_vcpus_text(const struct tui *tui, const void *row, char *buf, size_t len,
                            enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    snprintf(buf, len, "%u", ((const struct engine_domain_info *)row)->vcpus);
}

/* Memory. */
static void list_memory_text(const struct tui *tui, const void *row, char *buf, size_t len,
                             enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    draw_memory(buf, len, ((const struct engine_domain_info *)row)->memory_kib);
}

/* The latest CPU % of a domain, -1 when there is none. */
static double list_cpu_now(const struct tui *tui, const struct engine_domain_info *d)
{
    if (d->id < 0)
        return -1;
    const struct sampler_history *h = sampler_history(tui, d->name);
    return h && h->n ? h->v[SAMPLER_CPU][h->n - 1] : -1;
}

/* CPU: a sparkline of the last minute and the latest %. */
static void list_cpu_text(const struct tui *tui, const void *row, char *buf, size_t len,
                          enum draw_colour *colour)
{
    const struct engine_domain_info *d = row;
    const struct sampler_history *h = d->id >= 0 ? sampler_history(tui, d->name) : NULL;
    if (!h || h->n == 0) {
        snprintf(buf, len, "%s", d->id >= 0 ? "..." : "");
        return;
    }
    char spark[LIST_SPARK_CELLS * 4 + 1];
    double max = 100.0 * (d->vcpus ? d->vcpus : 1);
    sparkline_render(h->v[SAMPLER_CPU], h->n, LIST_SPARK_CELLS, max, tui->utf8, spark,
                     sizeof(spark));
    double now = h->v[SAMPLER_CPU][h->n - 1];
    snprintf(buf, len, "%s %3.0f%%", spark, now < 0 ? 0 : now);
    *colour = DRAW_SPARKLINE;
}

/* Uptime of a running domain. */
static void list_uptime_text(const struct tui *tui, const void *row, char *buf, size_t len,
                             enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    const struct engine_domain_info *d = row;
    view_details_uptime(buf, len, d->id >= 0 ? d->start_time : 0);
}

/* Console/VNC: what can be attached now. */
static void list_console_text(const struct tui *tui, const void *row, char *buf, size_t len,
                              enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    const struct engine_domain_info *d = row;
    if (d->id < 0) {
        snprintf(buf, len, "-");
        return;
    }
    char vnc[32] = "";
    if (d->vnc_port > 0)
        snprintf(vnc, sizeof(vnc), "vnc:%d", d->vnc_port);
    snprintf(buf, len, "%s%s%s", d->has_console ? "serial" : "",
             d->has_console && vnc[0] ? " " : "", vnc[0] || d->has_console ? vnc : "-");
}

/* ---- domain comparisons ---- */

/* Three-way compare of two numbers. */
#define LIST_CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

/* By name. */
static int list_name_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return strcmp(((const struct engine_domain_info *)a)->name,
                  ((const struct engine_domain_info *)b)->name);
}

/* By id, stopped domains last. */
static int list_id_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    unsigned ia = (unsigned)((const struct engine_domain_info *)a)->id;
    unsigned ib = (unsigned)((const struct engine_domain_info *)b)->id;
    return LIST_CMP(ia, ib);
}

/* By state, in the enum's order (running first). */
static int list_state_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return LIST_CMP(((const struct engine_domain_info *)a)->state,
                    ((const struct engine_domain_info *)b)->state);
}

/* By vCPUs. */
static int list_vcpus_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return LIST_CMP(((const struct engine_domain_info *)a)->vcpus,
                    ((const struct engine_domain_info *)b)->vcpus);
}

/* By memory. */
static int list_memory_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return LIST_CMP(((const struct engine_domain_info *)a)->memory_kib,
                    ((const struct engine_domain_info *)b)->memory_kib);
}

/* By the latest CPU %, busiest last (F6 then I puts the busiest on top). */
static int list_cpu_cmp(const struct tui *tui, const void *a, const void *b)
{
    return LIST_CMP(list_cpu_now(tui, a), list_cpu_now(tui, b));
}

/* By uptime (stopped domains have none). */
static int list_uptime_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    const struct engine_domain_info *da = a, *db = b;
    long long now = time(NULL);
    long long ua = da->id >= 0 && da->start_time ? now - da->start_time : -1;
    long long ub = db->id >= 0 && db->start_time ? now - db->start_time : -1;
    return LIST_CMP(ua, ub);
}

/* By what can be attached: nothing, VNC, serial, both. */
static int list_console_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    const struct engine_domain_info *da = a, *db = b;
    int ka = da->id < 0 ? 0 : (da->has_console ? 2 : 0) + (da->vnc_port > 0);
    int kb = db->id < 0 ? 0 : (db->has_console ? 2 : 0) + (db->vnc_port > 0);
    return LIST_CMP(ka, kb);
}

/* The domain columns, left to right. */
static const struct column list_domain_cols[] = {
    {"name", "Name", 8, true, false, 0, false, list_name_text, list_name_cmp},
    {"id", "Id", 4, false, true, 3, false, list_id_text, list_id_cmp},
    {"state", "State", 11, false, false, 0, false, list_state_text, list_state_cmp},
    {"vcpus", "vCPUs", 5, false, true, 5, false, list_vcpus_text, list_vcpus_cmp},
    {"memory", "Memory", 9, false, true, 4, false, list_memory_text, list_memory_cmp},
    {"cpu", "CPU", LIST_SPARK_CELLS + 5, false, false, 6, true, list_cpu_text, list_cpu_cmp},
    {"uptime", "Uptime", 10, false, true, 2, false, list_uptime_text, list_uptime_cmp},
    {"console", "Console/VNC", 15, false, false, 1, false, list_console_text, list_console_cmp},
};

const struct column_table view_list_domain_table = {
    list_domain_cols, sizeof(list_domain_cols) / sizeof(list_domain_cols[0]), 0};

/* ---- list state ---- */

/* The column table of a tab. */
static const struct column_table *view_list_table(enum list_tab tab)
{
    return tab == LIST_TAB_NETWORKS ? &view_networks_table : &view_list_domain_table;
}

/* The rows of a tab: base pointer, count and row size. */
static const char *view_list_rows(const struct tui *tui, enum list_tab tab, size_t *n, size_t *size)
{
    if (tab == LIST_TAB_NETWORKS) {
        *n = tui->nnetworks;
        *size = sizeof(*tui->networks);
        return (const char *)tui->networks;
    }
    *n = tui->ndomains;
    *size = sizeof(*tui->domains);
    return (const char *)tui->domains;
}

/* Name of row index i of a tab (both row types start with their name). */
static const char *view_list_row_name(const struct tui *tui, enum list_tab tab, size_t i)
{
    return tab == LIST_TAB_NETWORKS ? tui->networks[i].name : tui->domains[i].name;
}

/* Rebuild a tab's filtered, sorted order and find its selection again by name. */
static void view_list_reorder(struct tui *tui, enum list_tab tab)
{
    struct list_state *ls = &tui->lists[tab];
    const struct column_table *t = view_list_table(tab);
    size_t n, size;
    const char *rows = view_list_rows(tui, tab, &n, &size);
    size_t *order = realloc(ls->order, (n ? n : 1) * sizeof(*order));
    if (!order)
        abort(); /* memory exhaustion is not recoverable */
    ls->order = order;
    ls->norder = 0;
    for (size_t i = 0; i < n; i++)
        if (columns_match(tui, t, rows + i * size, ls->filter))
            order[ls->norder++] = i;
    columns_sort(tui, t, rows, size, order, ls->norder, ls->sort_col, ls->sort_desc);
    size_t sel = ls->sel < ls->norder ? ls->sel : (ls->norder ? ls->norder - 1 : 0);
    for (size_t p = 0; p < ls->norder; p++)
        if (!strcmp(view_list_row_name(tui, tab, order[p]), ls->sel_name)) {
            sel = p;
            break;
        }
    ls->sel = sel;
    if (ls->norder)
        snprintf(ls->sel_name, sizeof(ls->sel_name), "%s",
                 view_list_row_name(tui, tab, order[sel]));
    tui->dirty |= TUI_DIRTY_BODY;
}

/* Re-read the domain and network lists, keeping each selection on the same name. */
void view_list_refresh(struct tui *tui)
{
    struct engine_domain_info *doms = NULL;
    size_t n = 0;
    struct vmerr err = {0};
    tui->dirty |= TUI_DIRTY_HEADER | TUI_DIRTY_BODY;
    if (engine_domain_list(tui->conn, ENGINE_LIST_ALL, &doms, &n, &err) < 0) {
        status_error(tui, &err);
        tui->lists[LIST_TAB_DOMAINS].failed = true;
    } else {
        tui->lists[LIST_TAB_DOMAINS].failed = false;
        free(tui->domains);
        tui->domains = doms;
        tui->ndomains = n;
        sampler_prune(tui);
    }
    view_list_reorder(tui, LIST_TAB_DOMAINS);
    struct engine_network_info *nets = NULL;
    n = 0;
    struct vmerr nerr = {0};
    if (engine_network_list(tui->conn, ENGINE_LIST_ALL, &nets, &n, &nerr) < 0) {
        if (tui->tab == LIST_TAB_NETWORKS)
            status_error(tui, &nerr);
        tui->lists[LIST_TAB_NETWORKS].failed = true;
    } else {
        tui->lists[LIST_TAB_NETWORKS].failed = false;
        free(tui->networks);
        tui->networks = nets;
        tui->nnetworks = n;
    }
    view_list_reorder(tui, LIST_TAB_NETWORKS);
}

/* Rows available for list rows (the list's area minus tab line and column header). */
int view_list_page(struct tui *tui)
{
    if (!tui->body)
        return 1;
    int rows = tui->list_rows > 0 ? tui->list_rows : getmaxy(tui->body) - 2;
    return rows > 0 ? rows : 0;
}

/* Select row position pos of the shown list (clamped). */
void view_list_select_row(struct tui *tui, long pos)
{
    struct list_state *ls = &tui->lists[tui->tab];
    if (ls->norder == 0)
        return;
    if (pos < 0)
        pos = 0;
    if ((size_t)pos >= ls->norder)
        pos = (long)ls->norder - 1;
    if ((size_t)pos != ls->sel)
        tui->dirty |= TUI_DIRTY_BODY;
    ls->sel = (size_t)pos;
    snprintf(ls->sel_name, sizeof(ls->sel_name), "%s",
             view_list_row_name(tui, tui->tab, ls->order[pos]));
}

/* Move the selection by delta rows. */
void view_list_move(struct tui *tui, long delta)
{
    view_list_select_row(tui, (long)tui->lists[tui->tab].sel + delta);
}

/* Move the selection to the first or last row. */
void view_list_move_to(struct tui *tui, bool end)
{
    view_list_select_row(tui, end ? (long)tui->lists[tui->tab].norder - 1 : 0);
}

/* Name of the selected row of tab, NULL when that list is not shown or has no rows. */
static const char *view_list_selected_in(struct tui *tui, enum list_tab tab)
{
    const struct list_state *ls = &tui->lists[tab];
    if (tui->tab != tab || ls->norder == 0)
        return NULL;
    return view_list_row_name(tui, tab, ls->order[ls->sel]);
}

/* Name of the selected domain. */
const char *view_list_selected(struct tui *tui)
{
    return view_list_selected_in(tui, LIST_TAB_DOMAINS);
}

/* Name of the selected network. */
const char *view_list_selected_network(struct tui *tui)
{
    return view_list_selected_in(tui, LIST_TAB_NETWORKS);
}

/* Names of the running domains the list shows now. */
size_t view_list_visible_running(struct tui *tui, const char **names, size_t max)
{
    const struct list_state *ls = &tui->lists[LIST_TAB_DOMAINS];
    size_t n = 0;
    if (tui->tab != LIST_TAB_DOMAINS)
        return 0;
    size_t rows = (size_t)view_list_page(tui);
    for (size_t p = ls->top; p < ls->norder && p < ls->top + rows && n < max; p++) {
        const struct engine_domain_info *d = &tui->domains[ls->order[p]];
        if (d->id >= 0)
            names[n++] = d->name;
    }
    return n;
}

/* Switch to list tab. */
void view_list_set_tab(struct tui *tui, enum list_tab tab)
{
    if (tab >= LIST_TAB_COUNT || tab == tui->tab)
        return;
    tui->tab = tab;
    tui->dirty |= TUI_DIRTY_ALL;
}

/* Tab / ]: the next list. */
void view_list_next_tab(struct tui *tui)
{
    view_list_set_tab(tui, (enum list_tab)((tui->tab + 1) % LIST_TAB_COUNT));
}

/* [: the previous list. */
void view_list_prev_tab(struct tui *tui)
{
    view_list_set_tab(tui, (enum list_tab)((tui->tab + LIST_TAB_COUNT - 1) % LIST_TAB_COUNT));
}

/* Sort the shown list by the column step places after the current one. */
static void view_list_sort_step(struct tui *tui, int step)
{
    struct list_state *ls = &tui->lists[tui->tab];
    size_t n = view_list_table(tui->tab)->ncols;
    ls->sort_col = (ls->sort_col + n + (size_t)(step + (int)n)) % n;
    view_list_reorder(tui, tui->tab);
    status_set(tui, false, "Sorted by %s%s", view_list_table(tui->tab)->cols[ls->sort_col].title,
               ls->sort_desc ? " (reversed)" : "");
}

/* > / F6: sort by the next column. */
void view_list_sort_next(struct tui *tui)
{
    view_list_sort_step(tui, 1);
}

/* <: sort by the previous column. */
void view_list_sort_prev(struct tui *tui)
{
    view_list_sort_step(tui, -1);
}

/* I: reverse the sort order. */
void view_list_sort_reverse(struct tui *tui)
{
    tui->lists[tui->tab].sort_desc = !tui->lists[tui->tab].sort_desc;
    view_list_sort_step(tui, 0);
}

/* / or F4: start typing a filter (what was typed before stays, to be edited). */
void view_list_filter_start(struct tui *tui)
{
    tui->lists[tui->tab].filter_editing = true;
    tui->dirty |= TUI_DIRTY_BODY;
}

/* Esc: clear the filter. */
void view_list_filter_clear(struct tui *tui)
{
    struct list_state *ls = &tui->lists[tui->tab];
    ls->filter_editing = false;
    if (!ls->filter[0])
        return;
    ls->filter[0] = '\0';
    view_list_reorder(tui, tui->tab);
}

/* Feed a key to the filter being typed: text edits it live, Backspace deletes, Enter keeps
 * it, Esc clears it; movement keys still move. True if the key was taken. */
bool view_list_filter_key(struct tui *tui, wint_t ch, bool is_key)
{
    struct list_state *ls = &tui->lists[tui->tab];
    if (tui->view != TUI_VIEW_LIST || !ls->filter_editing)
        return false;
    size_t len = strlen(ls->filter);
    if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 0x7f || ch == 0x08))) {
        while (len > 0 && (ls->filter[len - 1] & 0xc0) == 0x80)
            len--; /* drop a whole UTF-8 character */
        if (len > 0)
            ls->filter[len - 1] = '\0';
    } else if (!is_key && (ch == '\r' || ch == '\n')) {
        ls->filter_editing = false;
        tui->dirty |= TUI_DIRTY_BODY;
        return true;
    } else if (!is_key && ch == 0x1b) {
        view_list_filter_clear(tui);
        return true;
    } else if (!is_key && ch >= 0x20) {
        char mb[MB_LEN_MAX + 1];
        mbstate_t st;
        memset(&st, 0, sizeof(st));
        size_t n = wcrtomb(mb, (wchar_t)ch, &st);
        if (n == (size_t)-1 || len + n > LIST_FILTER_MAX)
            return true;
        memcpy(ls->filter + len, mb, n);
        ls->filter[len + n] = '\0';
    } else {
        return false;
    }
    view_list_reorder(tui, tui->tab);
    return true;
}

/* Enter: full-screen details of the selected domain or network. */
void view_list_open_details(struct tui *tui)
{
    bool net = tui->tab == LIST_TAB_NETWORKS;
    const char *name = net ? view_list_selected_network(tui) : view_list_selected(tui);
    if (!name) {
        status_set(tui, true, "No %s selected", net ? "network" : "domain");
        return;
    }
    struct vmerr err = {0};
    if ((net ? view_details_open_network(tui, name, &err) : view_details_open(tui, name, &err)) <
        0) {
        status_error(tui, &err);
        return;
    }
    tui_set_view(tui, TUI_VIEW_DETAILS);
}

/* v: split on or off. */
void view_list_split_toggle(struct tui *tui)
{
    tui->split = !tui->split;
    if (!tui->split)
        view_details_close(tui);
    tui->dirty |= TUI_DIRTY_BODY;
}

/* ---- drawing ---- */

/* The tab line: the lists (active one highlighted), then the filter and the sort column. */
static void view_list_draw_tabs(struct tui *tui, WINDOW *w)
{
    static const char *const names[LIST_TAB_COUNT] = {"Domains", "Networks"};
    static const char *const short_names[LIST_TAB_COUNT] = {"Dom", "Net"};
    size_t counts[LIST_TAB_COUNT] = {tui->ndomains, tui->nnetworks};
    int cols = getmaxx(w), x = 1;
    for (int t = 0; t < LIST_TAB_COUNT; t++) {
        char label[64];
        snprintf(label, sizeof(label), " %s (%zu) ",
                 cols < LIST_TABS_FULL_COLS ? short_names[t] : names[t], counts[t]);
        attr_t a = draw_attr(t == (int)tui->tab ? DRAW_TAB_ACTIVE : DRAW_TAB);
        tui->tab_x[t] = x;
        tui->tab_w[t] = draw_text(w, 0, x, cols - x, label, a);
        x += tui->tab_w[t] + 1;
    }
    const struct list_state *ls = &tui->lists[tui->tab];
    const struct column_table *t = view_list_table(tui->tab);
    char filter[200] = "", sort[96], both[300];
    if (ls->filter_editing || ls->filter[0])
        snprintf(filter, sizeof(filter), "filter: %s%s ", ls->filter,
                 ls->filter_editing ? "_" : "");
    snprintf(sort, sizeof(sort), "sort: %s %s ", t->cols[ls->sort_col].title,
             ls->sort_desc ? (tui->utf8 ? "\u25bc" : "v") : (tui->utf8 ? "\u25b2" : "^"));
    snprintf(both, sizeof(both), "%s%s%s", filter, filter[0] ? " " : "", sort);
    /* Narrow: the filter (what hides rows) matters more than the sort column. */
    const char *right = both;
    if (draw_width(both) > cols - x - 1)
        right = filter[0] ? filter : sort;
    int rw = draw_width(right);
    int rx = cols - rw > x + 1 ? cols - rw : x + 1;
    draw_text(w, 0, rx, cols - rx, right, filter[0] ? draw_attr(DRAW_FILTER) : A_NORMAL);
}

/* Draw the shown list into w (tab line, titles, rows); returns whether a stats column with a
 * running domain in it was drawn. */
static bool view_list_draw_in(struct tui *tui, WINDOW *w)
{
    werase(w);
    view_list_draw_tabs(tui, w);
    const struct column_table *t = view_list_table(tui->tab);
    struct list_state *ls = &tui->lists[tui->tab];
    int xs[16], ws[16];
    columns_layout(t, getmaxx(w), xs, ws);
    columns_draw_row(tui, w, 1, t, xs, ws, NULL, false);
    int rows = getmaxy(w) - 2;
    tui->list_rows = rows > 0 ? rows : 0;
    tui->list_cols = getmaxx(w);
    size_t n, size;
    const char *base = view_list_rows(tui, tui->tab, &n, &size);
    if (ls->norder == 0) {
        const char *msg = ls->failed ? "Could not read the list (see the status line)."
                          : n > 0    ? "Nothing matches the filter (Esc clears it)."
                          : tui->tab == LIST_TAB_NETWORKS
                              ? "No networks. Define one with: vmdeck net-define FILE.xml"
                              : "No domains. Define one with: vmdeck define FILE.xml";
        draw_text(w, 3, 2, getmaxx(w) - 2, msg, A_NORMAL);
        return false;
    }
    if (ls->sel < ls->top)
        ls->top = ls->sel;
    if (rows > 0 && ls->sel >= ls->top + (size_t)rows)
        ls->top = ls->sel - (size_t)rows + 1;
    if (ls->top >= ls->norder)
        ls->top = 0;
    bool stats = false;
    for (int r = 0; r < rows && ls->top + (size_t)r < ls->norder; r++) {
        size_t p = ls->top + (size_t)r;
        const void *row = base + ls->order[p] * size;
        columns_draw_row(tui, w, r + 2, t, xs, ws, row, p == ls->sel);
        if (tui->tab == LIST_TAB_DOMAINS && ((const struct engine_domain_info *)row)->id >= 0)
            for (size_t c = 0; c < t->ncols; c++)
                stats |= t->cols[c].stats && ws[c] > 0;
    }
    return stats;
}

/* Keep the split's details on the list's selection. */
static void view_list_sync_details(struct tui *tui)
{
    bool net = tui->tab == LIST_TAB_NETWORKS;
    const char *name = net ? view_list_selected_network(tui) : view_list_selected(tui);
    if (!name) {
        view_details_close(tui);
        return;
    }
    if (!strcmp(name, tui->details_name) && tui->details_network == net)
        return;
    struct vmerr err = {0};
    if ((net ? view_details_open_network(tui, name, &err) : view_details_open(tui, name, &err)) < 0)
        view_details_close(tui);
}

/* Draw the list (and with the split the selection's details) into the body window. */
void view_list_draw(struct tui *tui)
{
    WINDOW *w = tui->body;
    if (!w)
        return;
    int rows = getmaxy(w), cols = getmaxx(w);
    bool side = cols >= LIST_SPLIT_SIDE_COLS;
    if (!tui->split || (!side && rows < LIST_SPLIT_MIN_ROWS)) {
        tui->stats_shown = view_list_draw_in(tui, w);
        return;
    }
    unsigned dirty = tui->dirty;
    view_list_sync_details(tui);
    tui->dirty = dirty; /* drawing everything now anyway */
    werase(w);
    int lr = side ? rows : rows / 2, lc = side ? cols / 2 : cols;
    WINDOW *lw = derwin(w, lr, lc, 0, 0);
    WINDOW *dw = side ? derwin(w, rows, cols - lc - 1, 0, lc + 1)
                      : derwin(w, rows - lr - 1, cols, lr + 1, 0);
    if (!lw || !dw) {
        if (lw)
            delwin(lw);
        if (dw)
            delwin(dw);
        tui->stats_shown = view_list_draw_in(tui, w);
        return;
    }
    bool stats = view_list_draw_in(tui, lw);
    /* The dividing line as text, not ACS: the alternate charset is not there on every
     * terminal a non-UTF-8 locale runs in. */
    attr_t border = draw_attr(DRAW_BORDER);
    if (side) {
        for (int y = 0; y < rows; y++)
            draw_text(w, y, lc, 1, tui->utf8 ? "\u2502" : "|", border);
    } else {
        for (int x = 0; x < cols; x++)
            draw_text(w, lr, x, 1, tui->utf8 ? "\u2500" : "-", border);
    }
    if (tui->details_name[0]) {
        view_details_draw_in(tui, dw);
        stats |= !tui->details_network && tui->details_info.id >= 0;
    } else {
        draw_text(dw, 1, 2, getmaxx(dw) - 2, "Nothing selected.", A_NORMAL);
    }
    delwin(lw);
    delwin(dw);
    tui->stats_shown = stats;
}
