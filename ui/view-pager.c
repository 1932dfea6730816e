/* view-pager: a read-only page for long output (`:dumpxml`, `:net-dumpxml`, `:capabilities`,
 * the `x` dump-XML action, any verb that prints more than one line). The text flows in once
 * (view_pager_open), is split into lines with tabs expanded and control characters dropped,
 * and is drawn from a top line and a left column; `/` searches (case-sensitive substring),
 * n/N go to the next/previous match, and matches are shown in the search colour. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

enum {
    PAGER_TAB = 8,
    PAGER_HSTEP = 8,
    PAGER_MAX_LEFT = 65536,
};

/* Free the lines. */
static void view_pager_free_lines(struct tui *tui)
{
    for (size_t i = 0; i < tui->pager_nlines; i++)
        free(tui->pager_lines[i]);
    free(tui->pager_lines);
    tui->pager_lines = NULL;
    tui->pager_nlines = 0;
}

/* Append one line of len bytes from s (tabs expanded, other control characters dropped). */
static void view_pager_add_line(struct tui *tui, const char *s, size_t len)
{
    size_t tabs = 0;
    for (size_t i = 0; i < len; i++)
        tabs += s[i] == '\t';
    char *line = malloc(len + tabs * PAGER_TAB + 1);
    if (!line)
        abort(); /* memory exhaustion is not recoverable */
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t') {
            do
                line[o++] = ' ';
            while (o % PAGER_TAB);
        } else if (c >= 0x20 && c != 0x7f) {
            line[o++] = (char)c;
        }
    }
    line[o] = '\0';
    if (tui->pager_nlines % 64 == 0) {
        char **grown = realloc(tui->pager_lines, (tui->pager_nlines + 64) * sizeof(char *));
        if (!grown)
            abort();
        tui->pager_lines = grown;
    }
    tui->pager_lines[tui->pager_nlines++] = line;
}

/* Show text (title in the header) in the pager; Esc/q goes back to the current view. */
void view_pager_open(struct tui *tui, const char *title, const char *text)
{
    view_pager_free_lines(tui);
    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        view_pager_add_line(tui, text, len);
        text += len + (nl ? 1 : 0);
    }
    snprintf(tui->pager_title, sizeof(tui->pager_title), "%s", title);
    tui->pager_top = tui->pager_left = 0;
    tui->pager_match = -1;
    if (tui->view != TUI_VIEW_PAGER)
        tui->pager_back = tui->view == TUI_VIEW_HELP ? TUI_VIEW_LIST : tui->view;
    tui_set_view(tui, TUI_VIEW_PAGER);
}

/* Leave the pager (back to where it was opened from) and free its text. */
void view_pager_close(struct tui *tui)
{
    view_pager_free_lines(tui);
    tui->pager_title[0] = '\0';
    if (tui->view != TUI_VIEW_PAGER)
        return;
    enum tui_view back = tui->pager_back;
    if (back == TUI_VIEW_DETAILS && !tui->details_name[0])
        back = TUI_VIEW_LIST;
    tui_set_view(tui, back ? back : TUI_VIEW_LIST);
}

/* Rows of text on screen (the last body row is the position line). */
static size_t view_pager_rows(struct tui *tui)
{
    int rows = tui->body ? getmaxy(tui->body) - 1 : 1;
    return rows > 1 ? (size_t)rows : 1;
}

/* Largest useful top line. */
static size_t view_pager_max_top(struct tui *tui)
{
    size_t rows = view_pager_rows(tui);
    return tui->pager_nlines > rows ? tui->pager_nlines - rows : 0;
}

/* Scroll by delta lines. */
void view_pager_scroll(struct tui *tui, long delta)
{
    long top = (long)tui->pager_top + delta;
    if (top < 0)
        top = 0;
    if ((size_t)top > view_pager_max_top(tui))
        top = (long)view_pager_max_top(tui);
    if ((size_t)top != tui->pager_top)
        tui->dirty |= TUI_DIRTY_BODY;
    tui->pager_top = (size_t)top;
}

/* Scroll to the top or (end) the bottom. */
void view_pager_scroll_to(struct tui *tui, bool end)
{
    tui->pager_top = end ? view_pager_max_top(tui) : 0;
    tui->dirty |= TUI_DIRTY_BODY;
}

/* Scroll sideways by delta columns. */
void view_pager_hscroll(struct tui *tui, long delta)
{
    long left = (long)tui->pager_left + delta * PAGER_HSTEP;
    if (left < 0)
        left = 0;
    if (left > PAGER_MAX_LEFT)
        left = PAGER_MAX_LEFT;
    tui->pager_left = (size_t)left;
    tui->dirty |= TUI_DIRTY_BODY;
}

/* Page height for PgUp/PgDn. */
long view_pager_page(struct tui *tui)
{
    return (long)view_pager_rows(tui);
}

/* Find the search term from line from going in dir (+1/-1), wrapping around; the matching
 * line becomes the top of the page (or as near as the end allows). Reports in the status
 * line when there is no match. */
static void view_pager_find(struct tui *tui, long from, int dir)
{
    if (!tui->pager_search[0]) {
        status_set(tui, true, "No search yet: press / to search");
        return;
    }
    size_t n = tui->pager_nlines;
    for (size_t k = 0; k < n; k++) {
        long i = ((from + dir * (long)k) % (long)n + (long)n) % (long)n;
        if (strstr(tui->pager_lines[i], tui->pager_search)) {
            bool wrapped = dir > 0 ? i < from : i > from;
            tui->pager_match = i;
            tui->pager_top = (size_t)i;
            if (tui->pager_top > view_pager_max_top(tui))
                tui->pager_top = view_pager_max_top(tui);
            const char *start = tui->pager_lines[i];
            size_t col =
                (size_t)draw_width(start) - (size_t)draw_width(strstr(start, tui->pager_search));
            int width = tui->body ? getmaxx(tui->body) : 80;
            if (col < tui->pager_left || col >= tui->pager_left + (size_t)width)
                tui->pager_left = col > (size_t)width / 2 ? col - (size_t)width / 2 : 0;
            tui->dirty |= TUI_DIRTY_BODY;
            if (wrapped)
                status_set(tui, false, "Search wrapped: '%s' on line %ld", tui->pager_search,
                           i + 1);
            else
                status_clear(tui);
            return;
        }
    }
    tui->pager_match = -1;
    tui->dirty |= TUI_DIRTY_BODY;
    status_set(tui, true, "Pattern not found: %s", tui->pager_search);
}

/* Search for term from the top of the page down. */
void view_pager_search(struct tui *tui, const char *term)
{
    if (!term[0]) {
        tui->pager_search[0] = '\0';
        tui->pager_match = -1;
        tui->dirty |= TUI_DIRTY_BODY;
        return;
    }
    snprintf(tui->pager_search, sizeof(tui->pager_search), "%s", term);
    view_pager_find(tui, (long)tui->pager_top, 1);
}

/* n (dir +1) / N (dir -1): the next or previous match after the last one. */
void view_pager_next(struct tui *tui, int dir)
{
    if (!tui->pager_nlines)
        return;
    long from = tui->pager_match >= 0 ? tui->pager_match + dir : (long)tui->pager_top;
    view_pager_find(tui, from, dir);
}

/* Draw one line from the left column, the search matches in the search colour. */
static void view_pager_draw_line(struct tui *tui, WINDOW *w, int y, const char *line)
{
    int width = getmaxx(w);
    const char *visible = draw_skip_cols(line, (int)tui->pager_left);
    draw_text(w, y, 0, width, visible, draw_attr(DRAW_PAGER));
    size_t slen = strlen(tui->pager_search);
    if (!slen)
        return;
    for (const char *m = strstr(line, tui->pager_search); m;
         m = strstr(m + slen, tui->pager_search)) {
        int col = draw_width(line) - draw_width(m) - (int)tui->pager_left;
        char *word = strndup(m, slen);
        if (!word)
            abort(); /* memory exhaustion is not recoverable */
        if (col >= 0 && col < width)
            draw_text(w, y, col, width - col, word, draw_attr(DRAW_SELECTED));
        free(word);
    }
}

/* Draw the page and a position line at the bottom. */
void view_pager_draw(struct tui *tui)
{
    WINDOW *w = tui->body;
    if (!w)
        return;
    werase(w);
    if (tui->pager_top > view_pager_max_top(tui))
        tui->pager_top = view_pager_max_top(tui);
    size_t rows = view_pager_rows(tui);
    for (size_t r = 0; r < rows && tui->pager_top + r < tui->pager_nlines; r++)
        view_pager_draw_line(tui, w, (int)r, tui->pager_lines[tui->pager_top + r]);
    char pos[160];
    size_t last = tui->pager_top + rows;
    if (last > tui->pager_nlines)
        last = tui->pager_nlines;
    snprintf(pos, sizeof(pos), " lines %zu-%zu of %zu%s  (/ search, n/N next/prev, q back)",
             tui->pager_nlines ? tui->pager_top + 1 : 0, last, tui->pager_nlines,
             last >= tui->pager_nlines ? " (END)" : "");
    int y = getmaxy(w) - 1;
    if (y > 0) {
        draw_blank_line(w, y, draw_attr(DRAW_COLUMNS));
        draw_text(w, y, 0, getmaxx(w), pos, draw_attr(DRAW_COLUMNS));
    }
}

/* Title for the header ("" when the pager holds nothing). */
const char *view_pager_title(struct tui *tui)
{
    return tui->pager_title;
}
