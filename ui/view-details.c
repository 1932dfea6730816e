/* view-details: one domain's details. engine_domain_lookup's facts (state, id, uuid, vcpus,
 * memory, console availability) and engine_domain_get_xml's text flow in when the view
 * opens and on every refresh; they are drawn as one scrollable page (facts, a rule, then
 * the XML, which also scrolls sideways). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

/* Lines of facts above the XML, and the rule line after them. */
enum {
    DETAILS_FACTS = 8,
    DETAILS_HEAD = DETAILS_FACTS + 1,
    DETAILS_TAB = 8,
};

/* Free the XML lines. */
static void view_details_free_lines(struct tui *tui)
{
    for (size_t i = 0; i < tui->details_nlines; i++)
        free(tui->details_lines[i]);
    free(tui->details_lines);
    tui->details_lines = NULL;
    tui->details_nlines = 0;
}

/* Append one line (tabs expanded) of len bytes from s to the XML lines. */
static void view_details_add_line(struct tui *tui, const char *s, size_t len)
{
    size_t tabs = 0;
    for (size_t i = 0; i < len; i++)
        tabs += s[i] == '\t';
    char *line = malloc(len + tabs * DETAILS_TAB + 1);
    if (!line)
        abort(); /* memory exhaustion is not recoverable */
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\t') {
            do
                line[o++] = ' ';
            while (o % DETAILS_TAB);
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

/* Split text into the XML lines. */
static void view_details_set_text(struct tui *tui, const char *text)
{
    view_details_free_lines(tui);
    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        view_details_add_line(tui, text, len);
        text += len + (nl ? 1 : 0);
    }
}

/* Fetch facts and XML of the shown domain; -1 with err if the domain is gone. */
static int view_details_load(struct tui *tui, const char *name, struct vmerr *err)
{
    struct engine_domain_info info;
    if (engine_domain_lookup(tui->conn, name, &info, err) < 0)
        return -1;
    tui->details_info = info;
    snprintf(tui->details_name, sizeof(tui->details_name), "%s", info.name);
    struct vmerr xerr = {0};
    char *xml = engine_domain_get_xml(tui->conn, name, 0, &xerr);
    if (xml) {
        view_details_set_text(tui, xml);
        free(xml);
    } else {
        char line[1400], text[1500];
        snprintf(text, sizeof(text), "(XML not available: %s)",
                 vmerr_line(&xerr, line, sizeof(line)));
        view_details_set_text(tui, text);
    }
    tui->dirty |= TUI_DIRTY_BODY | TUI_DIRTY_HEADER;
    return 0;
}

/* Open the details of name. */
int view_details_open(struct tui *tui, const char *name, struct vmerr *err)
{
    char copy[ENGINE_NAME_MAX];
    snprintf(copy, sizeof(copy), "%s", name);
    if (view_details_load(tui, copy, err) < 0)
        return -1;
    tui->details_top = 0;
    tui->details_left = 0;
    return 0;
}

/* Re-read the shown domain (after a refresh); back to the list if it is gone. */
void view_details_reload(struct tui *tui)
{
    if (!tui->details_name[0])
        return;
    char name[ENGINE_NAME_MAX];
    snprintf(name, sizeof(name), "%s", tui->details_name);
    struct vmerr err = {0};
    if (view_details_load(tui, name, &err) < 0) {
        status_error(tui, &err);
        view_details_close(tui);
        if (tui->view == TUI_VIEW_DETAILS)
            tui_set_view(tui, TUI_VIEW_LIST);
    }
}

/* Forget the shown domain. */
void view_details_close(struct tui *tui)
{
    view_details_free_lines(tui);
    tui->details_name[0] = '\0';
    tui->details_top = tui->details_left = 0;
}

/* Total lines of the page. */
static size_t view_details_total(struct tui *tui)
{
    return DETAILS_HEAD + tui->details_nlines;
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

/* Draw fact line i: label, value, and the value's attributes. */
static void view_details_fact(struct tui *tui, WINDOW *w, int y, size_t i)
{
    const struct engine_domain_info *d = &tui->details_info;
    char value[512];
    const char *label = "";
    attr_t a = A_NORMAL;
    switch (i) {
    case 0:
        label = "Name";
        snprintf(value, sizeof(value), "%s", d->name);
        a = A_BOLD;
        break;
    case 1:
        label = "State";
        draw_state_label(d->state, tui->utf8, value, sizeof(value));
        a = draw_attr(draw_state_colour(d->state));
        break;
    case 2:
        label = "Id";
        if (d->id >= 0)
            snprintf(value, sizeof(value), "%d", d->id);
        else
            snprintf(value, sizeof(value), "-");
        break;
    case 3:
        label = "UUID";
        snprintf(value, sizeof(value), "%s", d->uuid);
        break;
    case 4:
        label = "vCPUs";
        snprintf(value, sizeof(value), "%u", d->vcpus);
        break;
    case 5: {
        label = "Memory";
        char mem[32], max[32];
        draw_memory(mem, sizeof(mem), d->memory_kib);
        draw_memory(max, sizeof(max), d->max_memory_kib);
        snprintf(value, sizeof(value), "%s (%llu KiB), max %s", mem, d->memory_kib, max);
        break;
    }
    case 6:
        label = "Persistent";
        snprintf(value, sizeof(value), "%s", d->persistent ? "yes" : "no");
        break;
    case 7:
        label = "Console";
        snprintf(value, sizeof(value), "%s",
                 d->has_console ? "serial console available (press c)"
                 : d->id < 0    ? "not available (the domain is not running)"
                                : "not available (the domain has no serial PTY)");
        break;
    default:
        return;
    }
    char lab[32];
    snprintf(lab, sizeof(lab), "%s:", label);
    draw_text(w, y, 1, 12, lab, A_BOLD);
    draw_text(w, y, 14, getmaxx(w) - 14, value, a);
}

/* Draw the page into the body window. */
void view_details_draw(struct tui *tui)
{
    WINDOW *w = tui->body;
    if (!w)
        return;
    werase(w);
    if (tui->details_top > view_details_max_top(tui))
        tui->details_top = view_details_max_top(tui);
    int rows = getmaxy(w), cols = getmaxx(w);
    for (int r = 0; r < rows; r++) {
        size_t i = tui->details_top + (size_t)r;
        if (i >= view_details_total(tui))
            break;
        if (i < DETAILS_FACTS) {
            view_details_fact(tui, w, r, i);
        } else if (i == DETAILS_FACTS) {
            draw_blank_line(w, r, draw_attr(DRAW_COLUMNS));
            draw_text(w, r, 1, cols - 1, "XML (Left/Right scroll sideways)",
                      draw_attr(DRAW_COLUMNS));
        } else {
            const char *line = tui->details_lines[i - DETAILS_HEAD];
            draw_text(w, r, 1, cols - 1, draw_skip_cols(line, (int)tui->details_left), A_NORMAL);
        }
    }
}
