/* view-list: the domain list. engine_domain_list's rows flow in on each refresh (watch fd,
 * SIGCHLD, after actions); the selection follows the domain's name across refreshes, and the
 * rows are drawn as columns name, id, state (symbol + colour), vcpus, memory. A failed list
 * keeps the previous rows and puts the engine's error in the status line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

/* Fixed column widths (the name column takes what is left). */
enum {
    LIST_ID_W = 5,
    LIST_STATE_W = 15,
    LIST_VCPUS_W = 6,
    LIST_MEM_W = 11,
    LIST_NAME_MIN = 8,
};

/* Re-read the domain list from the engine, keeping the selection on the same name. */
void view_list_refresh(struct tui *tui)
{
    struct engine_domain_info *doms = NULL;
    size_t n = 0;
    struct vmerr err = {0};
    tui->dirty |= TUI_DIRTY_HEADER | TUI_DIRTY_BODY;
    if (engine_domain_list(tui->conn, ENGINE_LIST_ALL, &doms, &n, &err) < 0) {
        status_error(tui, &err);
        tui->list_failed = true;
        return;
    }
    tui->list_failed = false;
    free(tui->domains);
    tui->domains = doms;
    tui->ndomains = n;
    size_t sel = tui->sel < n ? tui->sel : (n ? n - 1 : 0);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(doms[i].name, tui->sel_name)) {
            sel = i;
            break;
        }
    tui->sel = sel;
    snprintf(tui->sel_name, sizeof(tui->sel_name), "%s", n ? doms[sel].name : "");
}

/* Rows available for domains (the body minus the column header). */
int view_list_page(struct tui *tui)
{
    if (!tui->body)
        return 1;
    int rows = getmaxy(tui->body) - 1;
    return rows > 0 ? rows : 0;
}

/* Set the selection to index i (clamped) and remember its name. */
static void view_list_select(struct tui *tui, long i)
{
    if (tui->ndomains == 0)
        return;
    if (i < 0)
        i = 0;
    if ((size_t)i >= tui->ndomains)
        i = (long)tui->ndomains - 1;
    if ((size_t)i != tui->sel)
        tui->dirty |= TUI_DIRTY_BODY;
    tui->sel = (size_t)i;
    snprintf(tui->sel_name, sizeof(tui->sel_name), "%s", tui->domains[i].name);
}

/* Move the selection by delta rows. */
void view_list_move(struct tui *tui, long delta)
{
    view_list_select(tui, (long)tui->sel + delta);
}

/* Move the selection to the first or last domain. */
void view_list_move_to(struct tui *tui, bool end)
{
    view_list_select(tui, end ? (long)tui->ndomains - 1 : 0);
}

/* Name of the selected domain, NULL when the list is empty. */
const char *view_list_selected(struct tui *tui)
{
    if (tui->ndomains == 0)
        return NULL;
    return tui->domains[tui->sel].name;
}

/* Draw one cell right-aligned in width columns. */
static void view_list_right(WINDOW *w, int y, int x, int width, const char *s, attr_t a)
{
    int sw = draw_width(s);
    int pad = width - 1 - sw;
    draw_text(w, y, x + (pad > 0 ? pad : 0), width - 1, s, a);
}

/* Draw the list into the body window. */
void view_list_draw(struct tui *tui)
{
    WINDOW *w = tui->body;
    if (!w)
        return;
    werase(w);
    int cols = getmaxx(w);
    int name_w = cols - 1 - LIST_ID_W - LIST_STATE_W - LIST_VCPUS_W - LIST_MEM_W;
    if (name_w < LIST_NAME_MIN)
        name_w = LIST_NAME_MIN;
    int x_id = 1 + name_w, x_state = x_id + LIST_ID_W, x_vcpus = x_state + LIST_STATE_W,
        x_mem = x_vcpus + LIST_VCPUS_W;

    attr_t hdr = draw_attr(DRAW_COLUMNS);
    draw_blank_line(w, 0, hdr);
    draw_text(w, 0, 1, name_w - 1, "Name", hdr);
    view_list_right(w, 0, x_id, LIST_ID_W, "Id", hdr);
    draw_text(w, 0, x_state + 1, LIST_STATE_W - 1, "State", hdr);
    view_list_right(w, 0, x_vcpus, LIST_VCPUS_W, "vCPUs", hdr);
    view_list_right(w, 0, x_mem, LIST_MEM_W, "Memory", hdr);

    int rows = view_list_page(tui);
    if (tui->ndomains == 0) {
        draw_text(w, 2, 2, cols - 2,
                  tui->list_failed ? "Could not list domains (see the status line)."
                                   : "No domains. Define one with: vmdeck define FILE.xml",
                  A_NORMAL);
        return;
    }
    if (tui->sel < tui->top)
        tui->top = tui->sel;
    if (rows > 0 && tui->sel >= tui->top + (size_t)rows)
        tui->top = tui->sel - (size_t)rows + 1;
    if (tui->top >= tui->ndomains)
        tui->top = 0;
    for (int r = 0; r < rows && tui->top + (size_t)r < tui->ndomains; r++) {
        size_t i = tui->top + (size_t)r;
        const struct engine_domain_info *d = &tui->domains[i];
        bool sel = i == tui->sel;
        attr_t base = sel ? draw_attr(DRAW_SELECTED) : A_NORMAL;
        int y = r + 1;
        if (sel)
            draw_blank_line(w, y, base);
        char buf[64];
        draw_text(w, y, 1, name_w - 1, d->name, base);
        if (d->id >= 0)
            snprintf(buf, sizeof(buf), "%d", d->id);
        else
            snprintf(buf, sizeof(buf), "-");
        view_list_right(w, y, x_id, LIST_ID_W, buf, base);
        attr_t st = sel ? base : draw_attr(draw_state_colour(d->state));
        draw_text(w, y, x_state + 1, LIST_STATE_W - 1,
                  draw_state_label(d->state, tui->utf8, buf, sizeof(buf)), st);
        snprintf(buf, sizeof(buf), "%u", d->vcpus);
        view_list_right(w, y, x_vcpus, LIST_VCPUS_W, buf, base);
        draw_memory(buf, sizeof(buf), d->memory_kib);
        view_list_right(w, y, x_mem, LIST_MEM_W, buf, base);
    }
}
