/* console-model: guest bytes -> libvterm's STATE layer -> vmdeck's grid. The state layer
 * parses and keeps the cursor, modes and scroll region; its callbacks (below) write cells
 * into a ring of line pointers (row r of the screen is lines[(top + r) % rows]), so scrolling
 * the whole screen advances top and clears one line, and scrolling a region moves line
 * pointers. Lines leaving the top of the primary screen are copied, trailing blanks trimmed,
 * into the scrollback ring. Each callback marks the rows it changed; the view reads and
 * clears that damage once per loop pass. Nothing here draws. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "ui/console-model.h"

/* One screen: rows line pointers in a ring. */
struct console_grid {
    struct console_cell **lines;
    int top; /* ring index of screen row 0 */
};

/* A scrollback line: its cells, trailing blanks trimmed. */
struct console_sb_line {
    int len;
    struct console_cell cells[];
};

struct console_model {
    VTerm *vt;
    VTermState *state;
    int rows, cols;
    struct console_grid grids[2]; /* primary, alternate */
    int shown;                    /* index into grids */
    struct console_cell pen;      /* attributes and colours new glyphs get */
    int cursor_row, cursor_col;
    bool cursor_visible;
    unsigned long bells;
    VTerm *shadow; /* a second parser that spots REP for console_model_write */
    bool rep_seen; /* the shadow parser just read a REP */
    bool rep_ok;   /* the shadow's last text ended in printable ASCII, no DECALN since */
    int csi;       /* console_model_write's CSI watch: CONSOLE_CSI_* */
    int csi_seps;  /* argument separators in the current CSI */
    /* damage */
    uint8_t *dirty;                /* per row */
    struct console_cell **scratch; /* rows line pointers for region scrolls */
    int *scratch_idx;              /* rows ring indexes for region scrolls */
    bool full, cursor_dirty;
    /* scrollback ring */
    struct console_sb_line **sb;
    size_t sb_cap, sb_start, sb_count;
    console_model_output_fn output;
    void *output_user;
};

/* Where console_model_write is in a CSI sequence, to keep its argument count in bounds. */
enum {
    CONSOLE_CSI_NONE,
    CONSOLE_CSI_ESC,  /* after ESC */
    CONSOLE_CSI_ARGS, /* after ESC [ */
};

/* Separators (';' or ':') one CSI may carry: libvterm 0.1.4 keeps 16 arguments and writes
 * past its array at the 17th. */
#define CONSOLE_CSI_SEPS_MAX 15

/* A growable text buffer for dumps and searches. */
struct console_buf {
    char *s;
    size_t len, cap;
};

/* Memory exhaustion is not recoverable in the TUI. */
static void *console_model_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* A blank cell with the given colours. */
static struct console_cell console_model_blank(uint32_t fg, uint32_t bg)
{
    struct console_cell c = {.fg = fg, .bg = bg, .width = 1};
    return c;
}

/* Screen row r of the shown grid. */
static struct console_cell *console_model_line(const struct console_model *m, int r)
{
    const struct console_grid *g = &m->grids[m->shown];
    return g->lines[(g->top + r) % m->rows];
}

/* Mark rows [from, to) damaged. */
static void console_model_damage(struct console_model *m, int from, int to)
{
    if (from < 0)
        from = 0;
    if (to > m->rows)
        to = m->rows;
    if (from < to)
        memset(m->dirty + from, 1, (size_t)(to - from));
}

/* Fill cells [from, to) of line with blanks in the pen's colours. */
static void console_model_clear_cells(struct console_model *m, struct console_cell *line, int from,
                                      int to)
{
    struct console_cell b = console_model_blank(m->pen.fg, m->pen.bg);
    for (int c = from; c < to; c++)
        line[c] = b;
}

/* A libvterm colour as a console colour. */
static uint32_t console_model_colour(const VTermColor *col)
{
    if (VTERM_COLOR_IS_DEFAULT_FG(col) || VTERM_COLOR_IS_DEFAULT_BG(col))
        return CONSOLE_COLOUR_DEFAULT;
    if (VTERM_COLOR_IS_INDEXED(col))
        return CONSOLE_COLOUR_INDEXED | col->indexed.idx;
    return CONSOLE_COLOUR_RGB | ((uint32_t)col->rgb.red << 16) | ((uint32_t)col->rgb.green << 8) |
           col->rgb.blue;
}

/* Whether cell is a blank (never written, erased or a plain space) that trimming may drop:
 * nothing of it shows. */
static bool console_model_trimmable(const struct console_cell *c)
{
    return (c->chars[0] == 0 || (c->chars[0] == ' ' && c->chars[1] == 0)) && c->width == 1 &&
           c->bg == CONSOLE_COLOUR_DEFAULT &&
           !(c->attrs & (CONSOLE_ATTR_REVERSE | CONSOLE_ATTR_UNDERLINE | CONSOLE_ATTR_STRIKE));
}

/* Length of line without trailing blanks. */
static int console_model_trimmed(const struct console_cell *line, int cols)
{
    while (cols > 0 && console_model_trimmable(&line[cols - 1]))
        cols--;
    return cols;
}

/* Copy a screen line into the scrollback ring, evicting the oldest line when full. */
static void console_model_push_scrollback(struct console_model *m, const struct console_cell *line)
{
    if (m->sb_cap == 0)
        return;
    int len = console_model_trimmed(line, m->cols);
    size_t slot;
    if (m->sb_count == m->sb_cap) {
        slot = m->sb_start;
        m->sb_start = (m->sb_start + 1) % m->sb_cap;
    } else {
        slot = (m->sb_start + m->sb_count) % m->sb_cap;
        m->sb_count++;
    }
    struct console_sb_line *old = m->sb[slot];
    if (!old || old->len < len) {
        free(old);
        old = console_model_alloc(sizeof(*old) + (size_t)len * sizeof(struct console_cell));
    }
    old->len = len;
    memcpy(old->cells, line, (size_t)len * sizeof(struct console_cell));
    m->sb[slot] = old;
}

/* libvterm: a glyph at pos. A wide glyph claims the cell to its right; overwriting half of
 * a wide glyph blanks its other half. */
static int console_model_cb_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
    struct console_model *m = user;
    if (pos.row < 0 || pos.row >= m->rows || pos.col < 0 || pos.col >= m->cols)
        return 1;
    struct console_cell *line = console_model_line(m, pos.row);
    struct console_cell *cell = &line[pos.col];
    if (cell->width == 0 && pos.col > 0)
        line[pos.col - 1] = console_model_blank(line[pos.col - 1].fg, line[pos.col - 1].bg);
    int width = info->width > 1 ? 2 : 1;
    if (width == 2 && pos.col + 1 >= m->cols)
        width = 1; /* libvterm never does this; stay in the row regardless */
    int after = pos.col + width;
    if (after < m->cols && line[after].width == 0)
        line[after] = console_model_blank(line[after].fg, line[after].bg);
    *cell = m->pen;
    cell->width = (uint8_t)width;
    for (int k = 0; k < CONSOLE_MODEL_MAX_CHARS && info->chars[k]; k++)
        cell->chars[k] = info->chars[k];
    if (width == 2) {
        line[pos.col + 1] = m->pen;
        line[pos.col + 1].width = 0;
    }
    m->dirty[pos.row] = 1;
    return 1;
}

/* libvterm: the cursor moved. */
static int console_model_cb_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    struct console_model *m = user;
    (void)oldpos;
    /* libvterm may report col -1 (a double-width line on a 1-column screen): keep it in */
    m->cursor_row = pos.row < 0 ? 0 : pos.row >= m->rows ? m->rows - 1 : pos.row;
    m->cursor_col = pos.col < 0 ? 0 : pos.col >= m->cols ? m->cols - 1 : pos.col;
    m->cursor_visible = visible;
    m->cursor_dirty = true;
    return 1;
}

/* Scroll rows [top, bottom) of the shown grid up by n (n > 0) or down by -n, full width, by
 * moving line pointers; lines leaving the top of the whole primary screen go to scrollback. */
static void console_model_scroll_lines(struct console_model *m, int top, int bottom, int n)
{
    struct console_grid *g = &m->grids[m->shown];
    int height = bottom - top;
    int count = n > 0 ? n : -n;
    if (count == 0 || height <= 0)
        return;
    if (count > height)
        count = height;
    bool whole = top == 0 && bottom == m->rows;
    if (n > 0 && whole && m->shown == 0)
        for (int i = 0; i < count; i++)
            console_model_push_scrollback(m, console_model_line(m, i));
    if (whole && count < height) {
        /* the ring itself turns: O(count) */
        if (n > 0) {
            g->top = (g->top + count) % m->rows;
            for (int i = 0; i < count; i++)
                console_model_clear_cells(m, console_model_line(m, m->rows - count + i), 0,
                                          m->cols);
        } else {
            g->top = (g->top + m->rows - count) % m->rows;
            for (int i = 0; i < count; i++)
                console_model_clear_cells(m, console_model_line(m, i), 0, m->cols);
        }
    } else if (count < height) {
        /* a region: rotate its line pointers, O(height) */
        struct console_cell **saved = m->scratch;
        int *idx = m->scratch_idx;
        for (int i = 0; i < height; i++)
            idx[i] = (g->top + top + i) % m->rows;
        if (n > 0) {
            for (int i = 0; i < count; i++)
                saved[i] = g->lines[idx[i]];
            for (int i = 0; i + count < height; i++)
                g->lines[idx[i]] = g->lines[idx[i + count]];
            for (int i = 0; i < count; i++) {
                g->lines[idx[height - count + i]] = saved[i];
                console_model_clear_cells(m, saved[i], 0, m->cols);
            }
        } else {
            for (int i = 0; i < count; i++)
                saved[i] = g->lines[idx[height - count + i]];
            for (int i = height - 1; i >= count; i--)
                g->lines[idx[i]] = g->lines[idx[i - count]];
            for (int i = 0; i < count; i++) {
                g->lines[idx[i]] = saved[i];
                console_model_clear_cells(m, saved[i], 0, m->cols);
            }
        }
    } else {
        for (int r = top; r < bottom; r++)
            console_model_clear_cells(m, console_model_line(m, r), 0, m->cols);
    }
    console_model_damage(m, top, bottom);
}

/* libvterm: scroll rect; full-width vertical scrolls move line pointers, the rest (0) falls
 * back to moverect + erase. */
static int console_model_cb_scrollrect(VTermRect rect, int downward, int rightward, void *user)
{
    struct console_model *m = user;
    if (rightward != 0 || rect.start_col != 0 || rect.end_col != m->cols || rect.start_row < 0 ||
        rect.end_row > m->rows || rect.start_row >= rect.end_row)
        return 0;
    console_model_scroll_lines(m, rect.start_row, rect.end_row, downward);
    return 1;
}

/* Blank the halves of wide characters that lost their other half in line (a partial-width
 * move can cut one in two). */
static void console_model_fix_row(struct console_model *m, struct console_cell *line)
{
    for (int c = 0; c < m->cols; c++) {
        bool orphan = line[c].width == 2 ? c + 1 >= m->cols || line[c + 1].width != 0
                                         : line[c].width == 0 && (c == 0 || line[c - 1].width != 2);
        if (orphan)
            line[c] = console_model_blank(line[c].fg, line[c].bg);
    }
}

/* libvterm: copy the cells of src to dest (same size; they may overlap). */
static int console_model_cb_moverect(VTermRect dest, VTermRect src, void *user)
{
    struct console_model *m = user;
    int height = dest.end_row - dest.start_row, width = dest.end_col - dest.start_col;
    /* stay inside the screen whatever margins libvterm kept past a shrink */
    if (dest.start_row < 0 || src.start_row < 0 || dest.start_col < 0 || src.start_col < 0)
        return 1;
    if (dest.start_row + height > m->rows)
        height = m->rows - dest.start_row;
    if (src.start_row + height > m->rows)
        height = m->rows - src.start_row;
    if (dest.start_col + width > m->cols)
        width = m->cols - dest.start_col;
    if (src.start_col + width > m->cols)
        width = m->cols - src.start_col;
    if (width <= 0 || height <= 0)
        return 1;
    bool up = dest.start_row <= src.start_row;
    for (int i = 0; i < height; i++) {
        int k = up ? i : height - 1 - i;
        struct console_cell *to = console_model_line(m, dest.start_row + k);
        const struct console_cell *from = console_model_line(m, src.start_row + k);
        memmove(&to[dest.start_col], &from[src.start_col],
                (size_t)width * sizeof(struct console_cell));
        console_model_fix_row(m, to);
    }
    console_model_damage(m, dest.start_row, dest.start_row + height);
    return 1;
}

/* libvterm: blank rect in the pen's colours. */
static int console_model_cb_erase(VTermRect rect, int selective, void *user)
{
    struct console_model *m = user;
    (void)selective;
    int from = rect.start_col < 0 ? 0 : rect.start_col > m->cols ? m->cols : rect.start_col;
    int to = rect.end_col > m->cols ? m->cols : rect.end_col;
    if (to <= from)
        return 1; /* margins libvterm kept past a shrink */
    for (int r = rect.start_row < 0 ? 0 : rect.start_row; r < rect.end_row && r < m->rows; r++) {
        struct console_cell *line = console_model_line(m, r);
        console_model_clear_cells(m, line, from, to);
        if (from > 0 && line[from - 1].width == 2)
            line[from - 1] = console_model_blank(line[from - 1].fg, line[from - 1].bg);
        if (to < m->cols && line[to].width == 0)
            line[to] = console_model_blank(line[to].fg, line[to].bg);
    }
    console_model_damage(m, rect.start_row, rect.end_row);
    return 1;
}

/* libvterm: back to the default pen. */
static int console_model_cb_initpen(void *user)
{
    struct console_model *m = user;
    m->pen = console_model_blank(CONSOLE_COLOUR_DEFAULT, CONSOLE_COLOUR_DEFAULT);
    return 1;
}

/* Attribute bits per libvterm boolean pen attribute. */
static const struct {
    VTermAttr attr;
    uint8_t bit;
} console_model_attrs[] = {
    {VTERM_ATTR_BOLD, CONSOLE_ATTR_BOLD},       {VTERM_ATTR_UNDERLINE, CONSOLE_ATTR_UNDERLINE},
    {VTERM_ATTR_ITALIC, CONSOLE_ATTR_ITALIC},   {VTERM_ATTR_BLINK, CONSOLE_ATTR_BLINK},
    {VTERM_ATTR_REVERSE, CONSOLE_ATTR_REVERSE}, {VTERM_ATTR_STRIKE, CONSOLE_ATTR_STRIKE},
};

/* libvterm: one pen attribute changed (underline is a number: 0 = off). */
static int console_model_cb_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
    struct console_model *m = user;
    if (attr == VTERM_ATTR_FOREGROUND) {
        m->pen.fg = console_model_colour(&val->color);
        return 1;
    }
    if (attr == VTERM_ATTR_BACKGROUND) {
        m->pen.bg = console_model_colour(&val->color);
        return 1;
    }
    for (size_t i = 0; i < sizeof(console_model_attrs) / sizeof(console_model_attrs[0]); i++)
        if (console_model_attrs[i].attr == attr) {
            bool on = attr == VTERM_ATTR_UNDERLINE ? val->number != 0 : val->boolean != 0;
            if (on)
                m->pen.attrs |= console_model_attrs[i].bit;
            else
                m->pen.attrs &= (uint8_t)~console_model_attrs[i].bit;
        }
    return 1;
}

/* libvterm: a terminal property; cursor visibility and the alternate screen matter, the
 * title and the rest are kept by libvterm and never shown. */
static int console_model_cb_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct console_model *m = user;
    if (prop == VTERM_PROP_CURSORVISIBLE) {
        m->cursor_visible = val->boolean;
        m->cursor_dirty = true;
    } else if (prop == VTERM_PROP_ALTSCREEN) {
        int want = val->boolean ? 1 : 0;
        if (want != m->shown) {
            m->shown = want;
            m->full = true;
            console_model_damage(m, 0, m->rows);
        }
    }
    return 1;
}

/* libvterm: BEL. */
static int console_model_cb_bell(void *user)
{
    struct console_model *m = user;
    m->bells++;
    return 1;
}

/* New lines for grid g at rows x cols, content from its old rows [shift, ...) kept at the
 * top (old_rows x old_cols), cut or padded on the right. */
static void console_model_regrid(struct console_model *m, struct console_grid *g, int old_rows,
                                 int old_cols, int rows, int cols, int shift)
{
    struct console_cell **lines = console_model_alloc((size_t)rows * sizeof(*lines));
    for (int r = 0; r < rows; r++) {
        lines[r] = console_model_alloc((size_t)cols * sizeof(struct console_cell));
        for (int c = 0; c < cols; c++)
            lines[r][c] = console_model_blank(CONSOLE_COLOUR_DEFAULT, CONSOLE_COLOUR_DEFAULT);
        int src = r + shift;
        if (!g->lines || src >= old_rows)
            continue;
        const struct console_cell *old = g->lines[(g->top + src) % old_rows];
        int n = old_cols < cols ? old_cols : cols;
        memcpy(lines[r], old, (size_t)n * sizeof(struct console_cell));
        if (n > 0 && lines[r][n - 1].width == 2 && n == cols)
            lines[r][n - 1] = console_model_blank(lines[r][n - 1].fg, lines[r][n - 1].bg);
    }
    if (g->lines)
        for (int r = 0; r < old_rows; r++)
            free(g->lines[r]);
    free(g->lines);
    g->lines = lines;
    g->top = 0;
    (void)m;
}

/* (Re)allocate the per-row arrays: damage and the scratch space of region scrolls. */
static void console_model_rows_alloc(struct console_model *m, int rows)
{
    free(m->dirty);
    free(m->scratch);
    free(m->scratch_idx);
    m->dirty = console_model_alloc((size_t)rows);
    m->scratch = console_model_alloc((size_t)rows * sizeof(*m->scratch));
    m->scratch_idx = console_model_alloc((size_t)rows * sizeof(*m->scratch_idx));
}

/* libvterm: the screen is now rows x cols. Content stays at the top; when the cursor would
 * fall off the bottom, the top lines go to scrollback and delta moves the cursor up. */
static int console_model_cb_resize(int rows, int cols, VTermPos *delta, void *user)
{
    struct console_model *m = user;
    int old_rows = m->rows, old_cols = m->cols;
    int shift = 0;
    if (m->cursor_row >= rows)
        shift = m->cursor_row - rows + 1;
    if (shift > 0 && m->shown == 0)
        for (int i = 0; i < shift; i++)
            console_model_push_scrollback(m, console_model_line(m, i));
    for (int k = 0; k < 2; k++)
        console_model_regrid(m, &m->grids[k], old_rows, old_cols, rows, cols,
                             k == m->shown ? shift : 0);
    m->rows = rows;
    m->cols = cols;
    console_model_rows_alloc(m, rows);
    m->full = true;
    console_model_damage(m, 0, rows);
    delta->row -= shift;
    return 1;
}

/* libvterm: double-width/height line attributes; drawn as normal lines. */
static int console_model_cb_setlineinfo(int row, const VTermLineInfo *newinfo,
                                        const VTermLineInfo *oldinfo, void *user)
{
    (void)row, (void)newinfo, (void)oldinfo, (void)user;
    return 1;
}

static const VTermStateCallbacks console_model_callbacks = {
    .putglyph = console_model_cb_putglyph,
    .movecursor = console_model_cb_movecursor,
    .scrollrect = console_model_cb_scrollrect,
    .moverect = console_model_cb_moverect,
    .erase = console_model_cb_erase,
    .initpen = console_model_cb_initpen,
    .setpenattr = console_model_cb_setpenattr,
    .settermprop = console_model_cb_settermprop,
    .bell = console_model_cb_bell,
    .resize = console_model_cb_resize,
    .setlineinfo = console_model_cb_setlineinfo,
};

/* libvterm's output: on to the model's output callback (dropped when there is none). */
static void console_model_cb_output(const char *s, size_t len, void *user)
{
    struct console_model *m = user;
    if (m->output)
        m->output(s, len, m->output_user);
}

/* Shadow parser: take the text up to the next C0 control or DEL, as libvterm's state
 * layer does (the parser hands over the rest of the buffer and goes on after what was
 * taken). */
static int console_model_shadow_text(const char *bytes, size_t len, void *user)
{
    struct console_model *m = user;
    size_t n = 0;
    while (n < len && (unsigned char)bytes[n] >= 0x20 && (unsigned char)bytes[n] != 0x7f)
        n++;
    if (n > 0)
        m->rep_ok = bytes[n - 1] >= 0x20 && bytes[n - 1] <= 0x7e;
    return (int)n;
}

/* Shadow parser: controls need no work. */
static int console_model_shadow_control(unsigned char control, void *user)
{
    (void)control, (void)user;
    return 1;
}

/* Shadow parser: DECALN (ESC # 8) fills the screen with glyphs but leaves libvterm nothing
 * to repeat. */
static int console_model_shadow_escape(const char *bytes, size_t len, void *user)
{
    struct console_model *m = user;
    if (len >= 2 && bytes[0] == '#' && bytes[1] == '8')
        m->rep_ok = false;
    return 1;
}

/* Shadow parser: OSC and DCS strings need no work. */
static int console_model_shadow_string(const char *bytes, size_t len, void *user)
{
    (void)bytes, (void)len, (void)user;
    return 1;
}

/* Shadow parser: note a REP (CSI Ps b without leader or intermediate). */
static int console_model_shadow_csi(const char *leader, const long args[], int argcount,
                                    const char *intermed, char command, void *user)
{
    struct console_model *m = user;
    (void)args, (void)argcount;
    if (command == 'b' && !(leader && leader[0]) && !(intermed && intermed[0]))
        m->rep_seen = true;
    return 1;
}

static const VTermParserCallbacks console_model_shadow_callbacks = {
    .text = console_model_shadow_text,
    .control = console_model_shadow_control,
    .escape = console_model_shadow_escape,
    .csi = console_model_shadow_csi,
    .osc = console_model_shadow_string,
    .dcs = console_model_shadow_string,
};

/* Feed bytes to libvterm. libvterm 0.1.4 loops forever on REP (CSI Ps b) when the glyph it
 * would repeat has width 0 (no text yet, only DECALN's, a lone combining character, a
 * UTF-8 sequence cut short). A second libvterm parser (no state, so cheap) reads the same
 * bytes, cut after every 'b', and says when a 'b' ended a REP; such a REP reaches the real
 * terminal only when the last text was printable ASCII (width 1 for sure), else a CAN
 * cancels it. Both parsers end every piece in the same state, so they never drift apart. */
static void console_model_feed(struct console_model *m, const char *bytes, size_t len)
{
    size_t from = 0, pos = 0; /* bytes[from..pos) are parsed by the shadow, not yet by m */
    while (pos < len) {
        const char *b = memchr(bytes + pos, 'b', len - pos);
        size_t end = b ? (size_t)(b - bytes) + 1 : len;
        m->rep_seen = false;
        vterm_input_write(m->shadow, bytes + pos, end - pos);
        pos = end;
        if (!m->rep_seen)
            continue;
        if (pos - 1 > from)
            vterm_input_write(m->vt, bytes + from, pos - 1 - from);
        vterm_input_write(m->vt, m->rep_ok ? "b" : "\x18", 1);
        from = pos;
    }
    if (len > from)
        vterm_input_write(m->vt, bytes + from, len - from);
}

/* Whether byte c, next in the guest's stream, must be dropped: a CSI argument separator
 * beyond CONSOLE_CSI_SEPS_MAX. Any ESC [ counts as a CSI start (inside a string too), so
 * the watch errs on the side of dropping. */
static bool console_model_csi_drop(struct console_model *m, unsigned char c)
{
    if (c == 0x1b) {
        m->csi = CONSOLE_CSI_ESC;
        return false;
    }
    if (m->csi == CONSOLE_CSI_ESC) {
        if (c != '[' && !(c >= 0x30 && c <= 0x7e) && c != 0x18 && c != 0x1a)
            return false; /* controls, intermediates and stray bytes: the ESC stands */
        m->csi = c == '[' ? CONSOLE_CSI_ARGS : CONSOLE_CSI_NONE;
        m->csi_seps = 0;
        return false;
    }
    if (m->csi != CONSOLE_CSI_ARGS)
        return false;
    if (c == ';' || c == ':')
        return ++m->csi_seps > CONSOLE_CSI_SEPS_MAX;
    if ((c >= 0x40 && c <= 0x7e) || c == 0x18 || c == 0x1a)
        m->csi = CONSOLE_CSI_NONE; /* the final byte, or CAN/SUB: the sequence is over */
    return false;
}

/* Feed guest bytes. Two libvterm 0.1.4 bugs are kept away from the terminal here: more than
 * 16 CSI arguments (the extra separators are dropped) and REP with nothing to repeat (see
 * console_model_feed). Outside a CSI only ESC bytes are looked at. */
void console_model_write(struct console_model *m, const char *bytes, size_t len)
{
    size_t from = 0, i = 0;
    while (i < len) {
        if (m->csi == CONSOLE_CSI_NONE) {
            const char *esc = memchr(bytes + i, 0x1b, len - i);
            if (!esc)
                break;
            i = (size_t)(esc - bytes);
        }
        if (console_model_csi_drop(m, (unsigned char)bytes[i])) {
            if (i > from)
                console_model_feed(m, bytes + from, i - from);
            from = i + 1;
        }
        i++;
    }
    if (len > from)
        console_model_feed(m, bytes + from, len - from);
}

/* A model of rows x cols keeping scrollback lines of history (0 = the default). */
struct console_model *console_model_new(int rows, int cols, size_t scrollback)
{
    if (rows < 1)
        rows = 1;
    if (cols < 1)
        cols = 1;
    struct console_model *m = console_model_alloc(sizeof(*m));
    m->vt = vterm_new(rows, cols);
    m->shadow = vterm_new(rows, cols);
    if (!m->vt || !m->shadow) {
        if (m->vt)
            vterm_free(m->vt);
        if (m->shadow)
            vterm_free(m->shadow);
        free(m);
        return NULL;
    }
    m->rows = rows;
    m->cols = cols;
    for (int k = 0; k < 2; k++)
        console_model_regrid(m, &m->grids[k], 0, 0, rows, cols, 0);
    console_model_rows_alloc(m, rows);
    m->sb_cap = scrollback ? scrollback : CONSOLE_MODEL_SCROLLBACK_DEFAULT;
    m->sb = console_model_alloc(m->sb_cap * sizeof(*m->sb));
    m->cursor_visible = true;
    m->pen = console_model_blank(CONSOLE_COLOUR_DEFAULT, CONSOLE_COLOUR_DEFAULT);
    vterm_set_utf8(m->shadow, 1);
    vterm_parser_set_callbacks(m->shadow, &console_model_shadow_callbacks, m);
    vterm_set_utf8(m->vt, 1);
    vterm_output_set_callback(m->vt, console_model_cb_output, m);
    m->state = vterm_obtain_state(m->vt);
    vterm_state_set_callbacks(m->state, &console_model_callbacks, m);
    vterm_state_reset(m->state, 1);
    m->full = true;
    console_model_damage(m, 0, rows);
    return m;
}

/* Free the model. */
void console_model_free(struct console_model *m)
{
    if (!m)
        return;
    vterm_free(m->vt);
    vterm_free(m->shadow);
    for (int k = 0; k < 2; k++) {
        for (int r = 0; r < m->rows; r++)
            free(m->grids[k].lines[r]);
        free(m->grids[k].lines);
    }
    for (size_t i = 0; i < m->sb_cap; i++)
        free(m->sb[i]);
    free(m->sb);
    free(m->dirty);
    free(m->scratch);
    free(m->scratch_idx);
    free(m);
}

/* Send the model's output to fn. */
void console_model_set_output(struct console_model *m, console_model_output_fn fn, void *user)
{
    m->output = fn;
    m->output_user = user;
}

/* Resize the screen. */
void console_model_resize(struct console_model *m, int rows, int cols)
{
    if (rows < 1)
        rows = 1;
    if (cols < 1)
        cols = 1;
    bool shrink = rows < m->rows;
    if (rows != m->rows || cols != m->cols)
        vterm_set_size(m->vt, rows, cols);
    /* libvterm 0.1.4 keeps a scroll region cut by a shrink and then scrolls it with a
     * negative size: reset the region as xterm does on resize (DECSC, DECSTBM, DECRC keep
     * the cursor where it is). Both parsers get it, so they stay in step; a guest sequence
     * cut by the resize is dropped, as the ESC ends it. */
    if (shrink) {
        static const char reset[] = "\x1b"
                                    "7\x1b[r\x1b"
                                    "8";
        vterm_input_write(m->vt, reset, sizeof(reset) - 1);
        vterm_input_write(m->shadow, reset, sizeof(reset) - 1);
        m->csi = CONSOLE_CSI_NONE;
    }
    m->full = true;
    console_model_damage(m, 0, m->rows);
}

/* libvterm behind the model (keyboard). */
struct VTerm *console_model_vterm(struct console_model *m)
{
    return m->vt;
}

/* Screen size. */
void console_model_size(const struct console_model *m, int *rows, int *cols)
{
    *rows = m->rows;
    *cols = m->cols;
}

/* Cells of screen row. */
const struct console_cell *console_model_row(const struct console_model *m, int row)
{
    if (row < 0 || row >= m->rows)
        return NULL;
    return console_model_line(m, row);
}

/* Cursor position and visibility. */
void console_model_cursor(const struct console_model *m, int *row, int *col, bool *visible)
{
    *row = m->cursor_row;
    *col = m->cursor_col;
    *visible = m->cursor_visible;
}

/* Whether the alternate screen is shown. */
bool console_model_altscreen(const struct console_model *m)
{
    return m->shown == 1;
}

/* Bells rung so far. */
unsigned long console_model_bells(const struct console_model *m)
{
    return m->bells;
}

/* Whether row changed since the last clear. */
bool console_model_row_dirty(const struct console_model *m, int row)
{
    return row >= 0 && row < m->rows && m->dirty[row];
}

/* Whether everything must be redrawn. */
bool console_model_full_damage(const struct console_model *m)
{
    return m->full;
}

/* Whether the cursor changed since the last clear. */
bool console_model_cursor_dirty(const struct console_model *m)
{
    return m->cursor_dirty;
}

/* Whether anything changed since the last clear. */
bool console_model_damaged(const struct console_model *m)
{
    if (m->full || m->cursor_dirty)
        return true;
    return memchr(m->dirty, 1, (size_t)m->rows) != NULL;
}

/* Forget all damage. */
void console_model_clear_damage(struct console_model *m)
{
    memset(m->dirty, 0, (size_t)m->rows);
    m->full = false;
    m->cursor_dirty = false;
}

/* Lines of scrollback held. */
size_t console_model_scrollback_lines(const struct console_model *m)
{
    return m->sb_count;
}

/* Scrollback line i (0 = oldest). */
const struct console_cell *console_model_scrollback_line(const struct console_model *m, size_t i,
                                                         int *len)
{
    if (i >= m->sb_count) {
        *len = 0;
        return NULL;
    }
    const struct console_sb_line *l = m->sb[(m->sb_start + i) % m->sb_cap];
    *len = l->len;
    return l->cells;
}

/* Append n bytes to b. */
static void console_buf_add(struct console_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->s, cap);
        if (!grown)
            abort();
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Append code point u as UTF-8 (invalid ones as U+FFFD). */
static void console_buf_utf8(struct console_buf *b, uint32_t u)
{
    char o[4];
    size_t n;
    if (u >= 0xd800 && u < 0xe000)
        u = 0xfffd;
    if (u < 0x80) {
        o[0] = (char)u;
        n = 1;
    } else if (u < 0x800) {
        o[0] = (char)(0xc0 | (u >> 6));
        o[1] = (char)(0x80 | (u & 0x3f));
        n = 2;
    } else if (u < 0x10000) {
        o[0] = (char)(0xe0 | (u >> 12));
        o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
        o[2] = (char)(0x80 | (u & 0x3f));
        n = 3;
    } else if (u < 0x110000) {
        o[0] = (char)(0xf0 | (u >> 18));
        o[1] = (char)(0x80 | ((u >> 12) & 0x3f));
        o[2] = (char)(0x80 | ((u >> 6) & 0x3f));
        o[3] = (char)(0x80 | (u & 0x3f));
        n = 4;
    } else {
        console_buf_utf8(b, 0xfffd);
        return;
    }
    console_buf_add(b, o, n);
}

/* Append a colour for the markup: "196" (indexed) or "#rrggbb". */
static void console_buf_colour(struct console_buf *b, const char *what, uint32_t c)
{
    char s[32];
    if (CONSOLE_COLOUR_KIND(c) == CONSOLE_COLOUR_INDEXED)
        snprintf(s, sizeof(s), "%s=%u", what, (unsigned)CONSOLE_COLOUR_VALUE(c));
    else
        snprintf(s, sizeof(s), "%s=#%06x", what, (unsigned)CONSOLE_COLOUR_VALUE(c));
    console_buf_add(b, s, strlen(s));
}

/* Markup names of the attribute bits, in console_attr order. */
static const char *const console_model_attr_names[] = {"bold",  "underline", "italic",
                                                       "blink", "reverse",   "strike"};

/* Append the markup for cell's attributes and colours: "{bold,fg=1}", "{}" for none. */
static void console_buf_markup(struct console_buf *b, const struct console_cell *c)
{
    bool first = true;
    console_buf_add(b, "{", 1);
    for (size_t i = 0; i < sizeof(console_model_attr_names) / sizeof(console_model_attr_names[0]);
         i++)
        if (c->attrs & (1u << i)) {
            if (!first)
                console_buf_add(b, ",", 1);
            console_buf_add(b, console_model_attr_names[i], strlen(console_model_attr_names[i]));
            first = false;
        }
    if (c->fg != CONSOLE_COLOUR_DEFAULT) {
        if (!first)
            console_buf_add(b, ",", 1);
        console_buf_colour(b, "fg", c->fg);
        first = false;
    }
    if (c->bg != CONSOLE_COLOUR_DEFAULT) {
        if (!first)
            console_buf_add(b, ",", 1);
        console_buf_colour(b, "bg", c->bg);
    }
    console_buf_add(b, "}", 1);
}

/* Append len cells as text (markup too with attrs); map (if not NULL) gets, per byte
 * appended, the cell column it came from. */
static void console_buf_cells(struct console_buf *b, const struct console_cell *cells, int len,
                              bool attrs, int **map, size_t *map_cap)
{
    struct console_cell prev = console_model_blank(CONSOLE_COLOUR_DEFAULT, CONSOLE_COLOUR_DEFAULT);
    for (int c = 0; c < len; c++) {
        const struct console_cell *cell = &cells[c];
        if (cell->width == 0)
            continue;
        size_t before = b->len;
        if (attrs && (cell->attrs != prev.attrs || cell->fg != prev.fg || cell->bg != prev.bg)) {
            console_buf_markup(b, cell);
            prev = *cell;
        }
        if (cell->chars[0] == 0)
            console_buf_add(b, " ", 1);
        else if (attrs && cell->chars[0] == '{')
            console_buf_add(b, "{{", 2);
        for (int k = 0; k < CONSOLE_MODEL_MAX_CHARS && cell->chars[k]; k++)
            if (!(attrs && k == 0 && cell->chars[0] == '{'))
                console_buf_utf8(b, cell->chars[k]);
        if (map) {
            if (b->len > *map_cap) {
                *map_cap = b->len * 2;
                *map = realloc(*map, *map_cap * sizeof(**map));
                if (!*map)
                    abort();
            }
            for (size_t i = before; i < b->len; i++)
                (*map)[i] = c;
        }
    }
    if (attrs && (prev.attrs || prev.fg || prev.bg))
        console_buf_add(b, "{}", 2);
}

/* The screen (and scrollback) as UTF-8 text. */
char *console_model_dump(const struct console_model *m, unsigned flags)
{
    struct console_buf b = {0};
    bool attrs = flags & CONSOLE_DUMP_ATTRS;
    console_buf_add(&b, "", 0);
    if (flags & CONSOLE_DUMP_SCROLLBACK)
        for (size_t i = 0; i < m->sb_count; i++) {
            int len;
            const struct console_cell *cells = console_model_scrollback_line(m, i, &len);
            console_buf_cells(&b, cells, len, attrs, NULL, NULL);
            console_buf_add(&b, "\n", 1);
        }
    for (int r = 0; r < m->rows; r++) {
        const struct console_cell *line = console_model_line(m, r);
        console_buf_cells(&b, line, console_model_trimmed(line, m->cols), attrs, NULL, NULL);
        console_buf_add(&b, "\n", 1);
    }
    return b.s;
}

/* Text of search line i (scrollback then screen) into b, with its byte -> column map. */
static void console_model_line_text(const struct console_model *m, size_t i, struct console_buf *b,
                                    int **map, size_t *map_cap)
{
    b->len = 0;
    console_buf_add(b, "", 0);
    const struct console_cell *cells;
    int len;
    if (i < m->sb_count) {
        cells = console_model_scrollback_line(m, i, &len);
    } else {
        cells = console_model_line(m, (int)(i - m->sb_count));
        len = console_model_trimmed(cells, m->cols);
    }
    console_buf_cells(b, cells, len, false, map, map_cap);
}

/* Search for needle over scrollback + screen. */
bool console_model_search(const struct console_model *m, const char *needle, bool backward,
                          size_t *line, int *col)
{
    size_t total = m->sb_count + (size_t)m->rows;
    size_t nlen = strlen(needle);
    if (nlen == 0 || total == 0)
        return false;
    struct console_buf b = {0};
    int *map = NULL;
    size_t map_cap = 0;
    bool found = false;
    size_t start = *line < total ? *line : total - 1;
    for (size_t n = 0; n < total && !found; n++) {
        size_t i = backward ? start - n : start + n;
        if (i >= total) /* past either end (size_t wraps below 0) */
            break;
        console_model_line_text(m, i, &b, &map, &map_cap);
        const char *hit = NULL;
        for (const char *p = b.s; (p = strstr(p, needle)); p++) {
            int c = map[p - b.s];
            if (!backward && (n > 0 || c >= *col)) {
                hit = p;
                break;
            }
            if (backward && (n > 0 || c < *col))
                hit = p; /* keep the last one */
        }
        if (hit) {
            *line = i;
            *col = map[hit - b.s];
            found = true;
        }
    }
    free(b.s);
    free(map);
    return found;
}
