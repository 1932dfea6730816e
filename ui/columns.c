/* columns: the column-table machinery both lists share (htop's Row/Column idea). A list's
 * rows flow in as an array plus its struct column_table; out come a layout for the window's
 * width (columns dropped in their table's priority order when narrow), a filtered and sorted
 * order of row indices, and drawn rows. The lists themselves only hold tables of cells. */
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

/* Blank cells before the first column and between columns. */
enum {
    COLUMNS_GAP = 1,
    COLUMNS_CELL_MAX = 512,
};

/* Index of the column called id in t, or t->ncols when there is none. */
size_t columns_find(const struct column_table *t, const char *id)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].id, id))
            return i;
    return t->ncols;
}

/* Lay the columns out in width cells (see ui.h). */
void columns_layout(const struct column_table *t, int width, int *xs, int *ws)
{
    bool shown[64];
    size_t n = t->ncols < 64 ? t->ncols : 64;
    for (size_t i = 0; i < n; i++)
        shown[i] = true;
    for (;;) {
        int need = COLUMNS_GAP;
        for (size_t i = 0; i < n; i++)
            if (shown[i])
                need += t->cols[i].width + COLUMNS_GAP;
        if (need <= width)
            break;
        size_t victim = n; /* the shown column with the lowest drop rank goes first */
        for (size_t i = 0; i < n; i++)
            if (shown[i] && t->cols[i].drop > 0 &&
                (victim == n || t->cols[i].drop < t->cols[victim].drop))
                victim = i;
        if (victim == n)
            break; /* only undroppable columns left: they get clipped */
        shown[victim] = false;
    }
    int fixed = COLUMNS_GAP;
    for (size_t i = 0; i < n; i++)
        if (shown[i] && !t->cols[i].flex)
            fixed += t->cols[i].width + COLUMNS_GAP;
    int x = COLUMNS_GAP;
    for (size_t i = 0; i < n; i++) {
        int w = 0;
        if (shown[i]) {
            w = t->cols[i].width;
            if (t->cols[i].flex && width - fixed - COLUMNS_GAP > w)
                w = width - fixed - COLUMNS_GAP;
        }
        xs[i] = x;
        ws[i] = w;
        if (w > 0)
            x += w + COLUMNS_GAP;
    }
}

/* What qsort_r needs to compare two row indices. */
struct columns_sort_ctx {
    const struct tui *tui;
    const struct column_table *t;
    const char *rows;
    size_t row_size;
    size_t col;
    bool desc;
};

/* Compare two row indices by the sort column, then by name, then by position. */
static int columns_sort_cmp(const void *a, const void *b, void *opaque)
{
    const struct columns_sort_ctx *c = opaque;
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    const void *ra = c->rows + ia * c->row_size, *rb = c->rows + ib * c->row_size;
    int r = c->t->cols[c->col].compare(c->tui, ra, rb);
    if (r == 0 && c->col != c->t->name_col)
        r = c->t->cols[c->t->name_col].compare(c->tui, ra, rb);
    if (c->desc)
        r = -r;
    if (r == 0)
        r = ia < ib ? -1 : ia > ib;
    return r;
}

/* Sort order[0..n) by column col (see ui.h). */
void columns_sort(const struct tui *tui, const struct column_table *t, const void *rows,
                  size_t row_size, size_t *order, size_t n, size_t col, bool desc)
{
    if (col >= t->ncols || !t->cols[col].compare)
        col = t->name_col;
    struct columns_sort_ctx c = {tui, t, rows, row_size, col, desc};
    qsort_r(order, n, sizeof(*order), columns_sort_cmp, &c);
}

/* Whether any column's text of row contains needle, ignoring case. */
bool columns_match(const struct tui *tui, const struct column_table *t, const void *row,
                   const char *needle)
{
    if (!needle[0])
        return true;
    for (size_t i = 0; i < t->ncols; i++) {
        if (t->cols[i].stats)
            continue; /* graphs are not text anyone types */
        char buf[COLUMNS_CELL_MAX];
        enum draw_colour colour = DRAW_NORMAL;
        buf[0] = '\0';
        t->cols[i].text(tui, row, buf, sizeof(buf), &colour);
        if (strcasestr(buf, needle))
            return true;
    }
    return false;
}

/* Draw one cell, clipped to width, right-aligned when the column says so. */
static void columns_cell(WINDOW *w, int y, int x, int width, bool right, const char *s, attr_t a)
{
    int sw = draw_width(s);
    int pad = right && sw < width ? width - sw : 0;
    draw_text(w, y, x + pad, width - pad, s, a);
}

/* Draw a row or (row NULL) the titles (see ui.h). */
void columns_draw_row(const struct tui *tui, WINDOW *w, int y, const struct column_table *t,
                      const int *xs, const int *ws, const void *row, bool selected)
{
    attr_t base = !row ? draw_attr(DRAW_COLUMNS) : selected ? draw_attr(DRAW_SELECTED) : 0;
    if (!row || selected)
        draw_blank_line(w, y, base);
    for (size_t i = 0; i < t->ncols; i++) {
        if (ws[i] <= 0)
            continue;
        if (!row) {
            columns_cell(w, y, xs[i], ws[i], t->cols[i].right, t->cols[i].title, base);
            continue;
        }
        char buf[COLUMNS_CELL_MAX];
        enum draw_colour colour = DRAW_NORMAL;
        buf[0] = '\0';
        t->cols[i].text(tui, row, buf, sizeof(buf), &colour);
        attr_t a = selected || colour == DRAW_NORMAL ? base : draw_attr(colour);
        columns_cell(w, y, xs[i], ws[i], t->cols[i].right, buf, a);
    }
}
