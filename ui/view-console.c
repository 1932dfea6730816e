/* view-console: a domain's serial console inside the TUI. Guest bytes flow from the
 * non-blocking PTY fd into libvterm (VTerm + VTermScreen sized like the body window); the
 * screen callbacks only record damage and the cursor, and once per loop pass the damaged
 * cells are drawn into the ncurses window (text, wide chars, bold/underline/reverse,
 * colours). No guest byte ever reaches the admin's terminal raw. Keys flow the other way:
 * ncurses keystrokes -> vterm_keyboard_* -> libvterm's output callback -> the PTY, which
 * is also how libvterm answers the guest's queries (DSR and friends). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vterm.h>

#include "ui/ui.h"

/* Read budget per loop pass, so a flood cannot starve the keyboard. */
enum {
    CONSOLE_READ_CHUNK = 16384,
    CONSOLE_READ_BUDGET = 1 << 20,
    CONSOLE_OUT_MAX = 1 << 20, /* bytes kept for a guest that does not read */
};

struct console {
    VTerm *vt;
    VTermScreen *screen;
    int fd;
    char name[ENGINE_NAME_MAX];
    int rows, cols;
    bool damaged;
    VTermRect damage; /* union of damage since the last draw */
    bool cursor_moved;
    VTermPos cursor;
    bool cursor_visible;
    char *out; /* keystrokes and replies not yet written to the PTY */
    size_t out_len, out_cap;
    bool hangup; /* the PTY failed on write */
};

/* ncurses keys that map to one libvterm key (with modifiers). */
static const struct {
    int key;
    VTermKey vkey;
    VTermModifier mod;
} console_keys[] = {
    {KEY_UP, VTERM_KEY_UP, VTERM_MOD_NONE},
    {KEY_DOWN, VTERM_KEY_DOWN, VTERM_MOD_NONE},
    {KEY_LEFT, VTERM_KEY_LEFT, VTERM_MOD_NONE},
    {KEY_RIGHT, VTERM_KEY_RIGHT, VTERM_MOD_NONE},
    {KEY_HOME, VTERM_KEY_HOME, VTERM_MOD_NONE},
    {KEY_END, VTERM_KEY_END, VTERM_MOD_NONE},
    {KEY_PPAGE, VTERM_KEY_PAGEUP, VTERM_MOD_NONE},
    {KEY_NPAGE, VTERM_KEY_PAGEDOWN, VTERM_MOD_NONE},
    {KEY_IC, VTERM_KEY_INS, VTERM_MOD_NONE},
    {KEY_DC, VTERM_KEY_DEL, VTERM_MOD_NONE},
    {KEY_BACKSPACE, VTERM_KEY_BACKSPACE, VTERM_MOD_NONE},
    {KEY_ENTER, VTERM_KEY_ENTER, VTERM_MOD_NONE},
    {KEY_BTAB, VTERM_KEY_TAB, VTERM_MOD_SHIFT},
    {KEY_SR, VTERM_KEY_UP, VTERM_MOD_SHIFT},
    {KEY_SF, VTERM_KEY_DOWN, VTERM_MOD_SHIFT},
    {KEY_SLEFT, VTERM_KEY_LEFT, VTERM_MOD_SHIFT},
    {KEY_SRIGHT, VTERM_KEY_RIGHT, VTERM_MOD_SHIFT},
    {KEY_SHOME, VTERM_KEY_HOME, VTERM_MOD_SHIFT},
    {KEY_SEND, VTERM_KEY_END, VTERM_MOD_SHIFT},
    {KEY_SPREVIOUS, VTERM_KEY_PAGEUP, VTERM_MOD_SHIFT},
    {KEY_SNEXT, VTERM_KEY_PAGEDOWN, VTERM_MOD_SHIFT},
    {KEY_SDC, VTERM_KEY_DEL, VTERM_MOD_SHIFT},
    {KEY_SIC, VTERM_KEY_INS, VTERM_MOD_SHIFT},
};

/* ncurses' extended key names for modified keys ("kUP5" = Ctrl-Up): prefix -> key; the
 * digit after it is 1 + the xterm modifier bits, which equal libvterm's. */
static const struct {
    const char *prefix;
    VTermKey vkey;
} console_named_keys[] = {
    {"kUP", VTERM_KEY_UP},      {"kDN", VTERM_KEY_DOWN},      {"kLFT", VTERM_KEY_LEFT},
    {"kRIT", VTERM_KEY_RIGHT},  {"kHOM", VTERM_KEY_HOME},     {"kEND", VTERM_KEY_END},
    {"kPRV", VTERM_KEY_PAGEUP}, {"kNXT", VTERM_KEY_PAGEDOWN}, {"kDC", VTERM_KEY_DEL},
    {"kIC", VTERM_KEY_INS},
};

/* Control characters with a key of their own in libvterm. */
static const struct {
    wint_t ch;
    VTermKey vkey;
} console_ctrl_keys[] = {
    {L'\r', VTERM_KEY_ENTER},
    {L'\t', VTERM_KEY_TAB},
    {0x7f, VTERM_KEY_BACKSPACE},
    {0x1b, VTERM_KEY_ESCAPE},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Add r to the damaged area. */
static void console_add_damage(struct console *c, VTermRect r)
{
    if (!c->damaged) {
        c->damage = r;
        c->damaged = true;
        return;
    }
    if (r.start_row < c->damage.start_row)
        c->damage.start_row = r.start_row;
    if (r.end_row > c->damage.end_row)
        c->damage.end_row = r.end_row;
    if (r.start_col < c->damage.start_col)
        c->damage.start_col = r.start_col;
    if (r.end_col > c->damage.end_col)
        c->damage.end_col = r.end_col;
}

/* Damage the whole screen. */
static void console_damage_all(struct console *c)
{
    VTermRect all = {.start_row = 0, .end_row = c->rows, .start_col = 0, .end_col = c->cols};
    console_add_damage(c, all);
}

/* libvterm: cells changed; only record it. */
static int console_cb_damage(VTermRect rect, void *user)
{
    console_add_damage(user, rect);
    return 1;
}

/* libvterm: the cursor moved; only record it. */
static int console_cb_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    struct console *c = user;
    c->cursor = pos;
    c->cursor_visible = visible;
    c->cursor_moved = true;
    return 1;
}

/* libvterm: a terminal property changed; the cursor's visibility is the one we draw. */
static int console_cb_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct console *c = user;
    if (prop == VTERM_PROP_CURSORVISIBLE) {
        c->cursor_visible = val->boolean;
        c->cursor_moved = true;
    }
    return 1;
}

static const VTermScreenCallbacks console_callbacks = {
    .damage = console_cb_damage,
    .movecursor = console_cb_movecursor,
    .settermprop = console_cb_settermprop,
};

/* Write pending output to the PTY until it would block. */
static void console_flush(struct console *c)
{
    while (c->out_len > 0 && !c->hangup) {
        ssize_t n = write(c->fd, c->out, c->out_len);
        if (n > 0) {
            memmove(c->out, c->out + n, c->out_len - (size_t)n);
            c->out_len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            c->hangup = true;
            c->out_len = 0;
        }
    }
}

/* libvterm output (keystrokes, query replies): queue for the PTY and try to send. */
static void console_cb_output(const char *s, size_t len, void *user)
{
    struct console *c = user;
    if (c->out_len + len > CONSOLE_OUT_MAX)
        return; /* the guest stopped reading; typing ahead further is dropped */
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 256;
        while (cap < c->out_len + len)
            cap *= 2;
        char *grown = realloc(c->out, cap);
        if (!grown)
            abort(); /* memory exhaustion is not recoverable */
        c->out = grown;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, s, len);
    c->out_len += len;
    console_flush(c);
}

/* Body size, at least 1x1. */
static void console_body_size(struct tui *tui, int *rows, int *cols)
{
    *rows = tui->body ? getmaxy(tui->body) : 1;
    *cols = tui->body ? getmaxx(tui->body) : 1;
    if (*rows < 1)
        *rows = 1;
    if (*cols < 1)
        *cols = 1;
}

/* Attach the console on fd (taken over, closed on failure too) of domain name. */
int view_console_open(struct tui *tui, const char *name, int fd, struct vmerr *err)
{
    if (tui->console)
        view_console_close(tui, NULL);
    struct console *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->fd = fd;
    snprintf(c->name, sizeof(c->name), "%s", name);
    console_body_size(tui, &c->rows, &c->cols);
    c->vt = vterm_new(c->rows, c->cols);
    if (!c->vt) {
        close(fd);
        free(c);
        return vmerr_set(err, VMERR_INTERNAL, "console '%s': cannot create the terminal", name);
    }
    vterm_set_utf8(c->vt, 1);
    vterm_output_set_callback(c->vt, console_cb_output, c);
    c->screen = vterm_obtain_screen(c->vt);
    vterm_screen_set_callbacks(c->screen, &console_callbacks, c);
    vterm_screen_set_damage_merge(c->screen, VTERM_DAMAGE_SCROLL);
    vterm_screen_enable_altscreen(c->screen, 1);
    vterm_screen_reset(c->screen, 1);
    c->cursor_visible = true;
    console_damage_all(c);
    tui->console = c;
    tui->dirty |= TUI_DIRTY_ALL;
    return 0;
}

/* Detach: close the PTY and free the terminal; why (if not NULL) goes to the status line. */
void view_console_close(struct tui *tui, const char *why)
{
    struct console *c = tui->console;
    if (!c)
        return;
    close(c->fd);
    vterm_free(c->vt);
    free(c->out);
    free(c);
    tui->console = NULL;
    tui->dirty |= TUI_DIRTY_ALL;
    if (why)
        status_set(tui, false, "%s", why);
}

/* Name of the domain on the console ("" when none). */
const char *view_console_name(struct tui *tui)
{
    return tui->console ? tui->console->name : "";
}

/* Follow the body window's size. */
void view_console_resize(struct tui *tui)
{
    struct console *c = tui->console;
    if (!c)
        return;
    int rows, cols;
    console_body_size(tui, &rows, &cols);
    if (rows != c->rows || cols != c->cols) {
        vterm_set_size(c->vt, rows, cols);
        c->rows = rows;
        c->cols = cols;
    }
    c->damaged = false;
    console_damage_all(c);
}

/* A libvterm colour as an ncurses colour number (-1 = the terminal's default). */
static int console_colour(struct console *c, const VTermColor *col, bool fg)
{
    if (fg ? VTERM_COLOR_IS_DEFAULT_FG(col) : VTERM_COLOR_IS_DEFAULT_BG(col))
        return -1;
    if (VTERM_COLOR_IS_INDEXED(col)) {
        int idx = col->indexed.idx;
        if (idx < COLORS)
            return idx;
        if (idx < 16 && COLORS >= 8)
            return idx % 8;
    }
    VTermColor rgb = *col;
    vterm_screen_convert_color_to_rgb(c->screen, &rgb);
    int r = rgb.rgb.red, g = rgb.rgb.green, b = rgb.rgb.blue;
    if (COLORS >= 256) /* the xterm 6x6x6 cube */
        return 16 + 36 * ((r * 5 + 127) / 255) + 6 * ((g * 5 + 127) / 255) + (b * 5 + 127) / 255;
    if (COLORS >= 8)
        return (r > 127 ? COLOR_RED : 0) | (g > 127 ? COLOR_GREEN : 0) | (b > 127 ? COLOR_BLUE : 0);
    return -1;
}

/* Draw one cell of the guest's screen at row, col of the body window. */
static void console_draw_cell(struct console *c, WINDOW *w, int row, int col)
{
    VTermPos pos = {.row = row, .col = col};
    VTermScreenCell cell;
    if (!vterm_screen_get_cell(c->screen, pos, &cell))
        return;
    if (cell.chars[0] == (uint32_t)-1)
        return; /* right half of a wide character drawn from the left half */
    wchar_t wc[VTERM_MAX_CHARS_PER_CELL + 1];
    int n = 0;
    for (int k = 0; k < VTERM_MAX_CHARS_PER_CELL && cell.chars[k]; k++)
        wc[n++] = (wchar_t)cell.chars[k];
    if (n == 0 || wcwidth(wc[0]) < 0 || (cell.width > 1 && col + 1 >= c->cols)) {
        wc[0] = L' ';
        n = 1;
    }
    wc[n] = L'\0';
    attr_t a = A_NORMAL;
    if (cell.attrs.bold)
        a |= A_BOLD;
    if (cell.attrs.underline)
        a |= A_UNDERLINE;
    if (cell.attrs.reverse)
        a |= A_REVERSE;
    if (cell.attrs.italic)
        a |= A_ITALIC;
    if (cell.attrs.blink)
        a |= A_BLINK;
    int pair = 0;
    if (theme_has_colours()) { /* not with NO_COLOR or a terminal without colours */
        int fg = console_colour(c, &cell.fg, true), bg = console_colour(c, &cell.bg, false);
        if (fg != -1 || bg != -1) {
            pair = alloc_pair(fg, bg);
            if (pair < 0)
                pair = 0;
        }
    }
    cchar_t cc;
    setcchar(&cc, wc, a, 0, &pair);
    mvwadd_wch(w, row, col, &cc);
}

/* Draw the damaged part of the console into body (all of it when full); true if anything
 * changed on screen, cursor included. */
bool view_console_draw(struct tui *tui, bool full)
{
    struct console *c = tui->console;
    WINDOW *w = tui->body;
    if (!c || !w)
        return false;
    vterm_screen_flush_damage(c->screen);
    if (full)
        console_damage_all(c);
    bool changed = c->cursor_moved;
    c->cursor_moved = false;
    if (!c->damaged)
        return changed;
    VTermRect d = c->damage;
    c->damaged = false;
    if (d.start_col > 0)
        d.start_col--; /* a wide character may start just left of the damage */
    int rows = getmaxy(w) < c->rows ? getmaxy(w) : c->rows;
    int cols = getmaxx(w) < c->cols ? getmaxx(w) : c->cols;
    for (int row = d.start_row < 0 ? 0 : d.start_row; row < d.end_row && row < rows; row++)
        for (int col = d.start_col < 0 ? 0 : d.start_col; col < d.end_col && col < cols; col++)
            console_draw_cell(c, w, row, col);
    return true;
}

/* Put the terminal cursor where the guest's is (call after every other wnoutrefresh);
 * returns whether the cursor should be visible. */
bool view_console_place_cursor(struct tui *tui)
{
    struct console *c = tui->console;
    WINDOW *w = tui->body;
    if (!c || !w)
        return false;
    int row = c->cursor.row, col = c->cursor.col;
    if (row >= getmaxy(w))
        row = getmaxy(w) - 1;
    if (col >= getmaxx(w))
        col = getmaxx(w) - 1;
    wmove(w, row < 0 ? 0 : row, col < 0 ? 0 : col);
    wnoutrefresh(w);
    return c->cursor_visible;
}

/* The libvterm key for an extended ncurses key name like "kUP5", with its modifiers. */
static bool console_named_key(int key, VTermKey *vkey, VTermModifier *mod)
{
    const char *name = keyname(key);
    if (!name)
        return false;
    for (size_t i = 0; i < COUNT(console_named_keys); i++) {
        size_t plen = strlen(console_named_keys[i].prefix);
        if (strncmp(name, console_named_keys[i].prefix, plen))
            continue;
        const char *d = name + plen;
        if (d[0] >= '2' && d[0] <= '8' && d[1] == '\0') {
            *vkey = console_named_keys[i].vkey;
            *mod = (VTermModifier)(d[0] - '1');
            return true;
        }
    }
    return false;
}

/* Feed one keystroke from ncurses (is_key: a KEY_* code) to the guest. */
void view_console_key(struct tui *tui, wint_t ch, bool is_key)
{
    struct console *c = tui->console;
    if (!c)
        return;
    if (is_key) {
        int key = (int)ch;
        for (size_t i = 0; i < COUNT(console_keys); i++)
            if (console_keys[i].key == key) {
                vterm_keyboard_key(c->vt, console_keys[i].vkey, console_keys[i].mod);
                return;
            }
        if (key >= KEY_F(1) && key <= KEY_F(36)) {
            int n = key - KEY_F(0);
            VTermModifier mod = VTERM_MOD_NONE;
            if (n > 24) {
                n -= 24;
                mod = VTERM_MOD_CTRL;
            } else if (n > 12) {
                n -= 12;
                mod = VTERM_MOD_SHIFT;
            }
            vterm_keyboard_key(c->vt, VTERM_KEY_FUNCTION(n), mod);
            return;
        }
        VTermKey vkey;
        VTermModifier mod;
        if (console_named_key(key, &vkey, &mod))
            vterm_keyboard_key(c->vt, vkey, mod);
        return; /* other keys (mouse, unknown) mean nothing to a serial console */
    }
    for (size_t i = 0; i < COUNT(console_ctrl_keys); i++)
        if (console_ctrl_keys[i].ch == ch) {
            vterm_keyboard_key(c->vt, console_ctrl_keys[i].vkey, VTERM_MOD_NONE);
            return;
        }
    /* Text and the remaining Ctrl combinations (sent as their control bytes). */
    vterm_keyboard_unichar(c->vt, (uint32_t)ch, VTERM_MOD_NONE);
}

/* poll() fd and events of the console (fd -1 when none). */
int view_console_fd(struct tui *tui, short *events)
{
    struct console *c = tui->console;
    if (!c)
        return -1;
    *events = POLLIN | (c->out_len ? POLLOUT : 0);
    return c->fd;
}

/* The guest is gone: leave the console with the reason. */
static void console_stopped(struct tui *tui)
{
    const char *why = "console closed: domain stopped";
    if (tui->console_only) {
        snprintf(tui->exit_message, sizeof(tui->exit_message), "%s", why);
        view_console_close(tui, NULL);
        tui->quit = true;
        return;
    }
    view_console_close(tui, why);
    tui->dirty |= TUI_DIRTY_DATA;
    tui_set_view(tui, TUI_VIEW_LIST);
}

/* Handle poll results on the console fd: write pending bytes, read guest output into
 * libvterm, notice a guest that stopped (EOF, EIO, hangup). */
void view_console_io(struct tui *tui, short revents)
{
    struct console *c = tui->console;
    if (!c)
        return;
    if (revents & POLLOUT)
        console_flush(c);
    bool gone = c->hangup || (revents & POLLNVAL);
    if (!gone && (revents & (POLLIN | POLLHUP | POLLERR))) {
        char buf[CONSOLE_READ_CHUNK];
        size_t total = 0;
        while (total < CONSOLE_READ_BUDGET) {
            ssize_t n = read(c->fd, buf, sizeof(buf));
            if (n > 0) {
                vterm_input_write(c->vt, buf, (size_t)n);
                total += (size_t)n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                gone = (revents & (POLLHUP | POLLERR)) && total == 0;
                break;
            }
            gone = true; /* EOF or EIO: the other side of the PTY closed */
            break;
        }
    }
    if (gone || c->hangup)
        console_stopped(tui);
}
