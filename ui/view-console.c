/* view-console: a domain's serial console inside the TUI. Guest bytes flow from the
 * non-blocking PTY fd into the console model (console-model.c: libvterm's state layer over
 * vmdeck's own ring grid and scrollback), all of them parsed as they arrive; once per loop
 * pass the rows the model marked dirty are drawn into the ncurses window (text, wide chars,
 * attributes, 256 colours and RGB mapped through the theme's palette), at most every
 * CONSOLE_FRAME_MS while the guest floods (a tui.c timer brings the last frame). No guest
 * byte ever reaches the admin's terminal raw. Keys flow the other way: ncurses keystrokes ->
 * vterm_keyboard_* -> libvterm's output -> the PTY, which is also how libvterm answers the
 * guest's queries (DSR and friends). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vterm.h>

#include "ui/console-model.h"
#include "ui/ui.h"

/* Read budget per loop pass, so a flood cannot starve the keyboard. */
enum {
    CONSOLE_READ_CHUNK = 16384,
    CONSOLE_READ_BUDGET = 1 << 20,
    CONSOLE_OUT_MAX = 1 << 20, /* bytes kept for a guest that does not read */
    CONSOLE_FRAME_MS = 25,     /* shortest time between two frames while output flows */
};

struct console {
    struct console_model *model;
    int fd;
    char name[ENGINE_NAME_MAX];
    long long drawn_ms; /* when the last frame was drawn */
    bool held;          /* a frame waits for CONSOLE_FRAME_MS to pass */
    char *out;          /* keystrokes and replies not yet written to the PTY */
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

/* Monotonic milliseconds. */
static long long console_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
    int rows, cols;
    console_body_size(tui, &rows, &cols);
    struct console_model *model = console_model_new(rows, cols, 0);
    if (!model) {
        close(fd);
        return vmerr_set(err, VMERR_INTERNAL, "console '%s': cannot create the terminal", name);
    }
    struct console *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->model = model;
    c->fd = fd;
    snprintf(c->name, sizeof(c->name), "%s", name);
    console_model_set_output(model, console_cb_output, c);
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
    console_model_free(c->model);
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
    console_model_resize(c->model, rows, cols);
}

/* The 256-colour palette index nearest to RGB rgb: the xterm 6x6x6 cube or the grey ramp. */
static short console_rgb_index(uint32_t rgb)
{
    int r = (int)(rgb >> 16) & 0xff, g = (int)(rgb >> 8) & 0xff, b = (int)rgb & 0xff;
    if (r == g && g == b && r >= 8 && r <= 238) { /* the grey ramp 232-255: 8, 18, ..., 238 */
        int grey = 232 + (r - 8 + 5) / 10;
        return (short)(grey > 255 ? 255 : grey);
    }
    return (short)(16 + 36 * ((r * 5 + 127) / 255) + 6 * ((g * 5 + 127) / 255) +
                   (b * 5 + 127) / 255);
}

/* A model colour as an ncurses colour number (-1 = the terminal's default), the nearest
 * one the terminal has (theme_map_colour). */
static short console_colour(uint32_t col, enum theme_depth depth)
{
    short c;
    if (CONSOLE_COLOUR_KIND(col) == CONSOLE_COLOUR_INDEXED)
        c = (short)CONSOLE_COLOUR_VALUE(col);
    else if (CONSOLE_COLOUR_KIND(col) == CONSOLE_COLOUR_RGB)
        c = console_rgb_index(CONSOLE_COLOUR_VALUE(col));
    else
        return -1;
    return theme_map_colour(c, depth);
}

/* Model attribute bits and the ncurses attributes they draw as (ncurses has no strike). */
static const struct {
    uint8_t bit;
    attr_t attr;
} console_attrs[] = {
    {CONSOLE_ATTR_BOLD, A_BOLD},       {CONSOLE_ATTR_UNDERLINE, A_UNDERLINE},
    {CONSOLE_ATTR_ITALIC, A_ITALIC},   {CONSOLE_ATTR_BLINK, A_BLINK},
    {CONSOLE_ATTR_REVERSE, A_REVERSE},
};

/* Draw one row of the guest's screen into row of the body window (up to cols cells). */
static void console_draw_row(struct console *c, WINDOW *w, int row, int cols,
                             enum theme_depth depth)
{
    const struct console_cell *line = console_model_row(c->model, row);
    if (!line)
        return;
    for (int col = 0; col < cols; col++) {
        const struct console_cell *cell = &line[col];
        if (cell->width == 0)
            continue; /* right half of a wide character drawn from the left half */
        wchar_t wc[CONSOLE_MODEL_MAX_CHARS + 1];
        int n = 0;
        for (int k = 0; k < CONSOLE_MODEL_MAX_CHARS && cell->chars[k]; k++)
            wc[n++] = (wchar_t)cell->chars[k];
        if (n > 0 && n < CONSOLE_MODEL_MAX_CHARS && wcwidth(wc[0]) == 0) {
            memmove(wc + 1, wc, (size_t)n * sizeof(wc[0])); /* a lone combining mark: */
            wc[0] = L' ';                                   /* on a space, as xterm does */
            n++;
        }
        if (n == 0 || wcwidth(wc[0]) < 1 || (cell->width > 1 && col + 1 >= cols)) {
            wc[0] = L' ';
            n = 1;
        }
        wc[n] = L'\0';
        attr_t a = A_NORMAL;
        for (size_t i = 0; i < COUNT(console_attrs); i++)
            if (cell->attrs & console_attrs[i].bit)
                a |= console_attrs[i].attr;
        int pair = 0;
        if (depth != THEME_DEPTH_MONO) { /* not with NO_COLOR or without colours */
            short fg = console_colour(cell->fg, depth), bg = console_colour(cell->bg, depth);
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
}

/* Draw the damaged rows of the console into body (all of them when full); true if anything
 * changed on screen, cursor included. While the guest floods, frames come at most every
 * CONSOLE_FRAME_MS (view_console_timeout_ms wakes the loop for the held one). */
bool view_console_draw(struct tui *tui, bool full)
{
    struct console *c = tui->console;
    WINDOW *w = tui->body;
    if (!c || !w)
        return false;
    if (!full && !console_model_damaged(c->model))
        return false;
    long long now = console_now_ms();
    if (!full && (c->held || now - c->drawn_ms < CONSOLE_FRAME_MS)) {
        c->held = true; /* the timer brings it */
        return false;
    }
    c->drawn_ms = now;
    c->held = false;
    int rows, cols;
    console_model_size(c->model, &rows, &cols);
    if (getmaxy(w) < rows)
        rows = getmaxy(w);
    if (getmaxx(w) < cols)
        cols = getmaxx(w);
    full = full || console_model_full_damage(c->model);
    enum theme_depth depth = theme_has_colours() ? theme_terminal_depth() : THEME_DEPTH_MONO;
    for (int row = 0; row < rows; row++)
        if (full || console_model_row_dirty(c->model, row))
            console_draw_row(c, w, row, cols, depth);
    console_model_clear_damage(c->model);
    return true;
}

/* Milliseconds until a held console frame is due, -1 when none is held (tui.c's timers). */
int view_console_timeout_ms(struct tui *tui)
{
    struct console *c = tui->console;
    if (!c || !c->held)
        return -1;
    long long left = c->drawn_ms + CONSOLE_FRAME_MS - console_now_ms();
    return left <= 0 ? 0 : (int)left;
}

/* Timer tick: release a held frame once its time has come; the loop pass that follows
 * every wake-up draws it. */
void view_console_tick(struct tui *tui)
{
    struct console *c = tui->console;
    if (c && c->held && console_now_ms() - c->drawn_ms >= CONSOLE_FRAME_MS)
        c->held = false;
}

/* Put the terminal cursor where the guest's is (call after every other wnoutrefresh);
 * returns whether the cursor should be visible. */
bool view_console_place_cursor(struct tui *tui)
{
    struct console *c = tui->console;
    WINDOW *w = tui->body;
    if (!c || !w)
        return false;
    int row, col;
    bool visible;
    console_model_cursor(c->model, &row, &col, &visible);
    if (row >= getmaxy(w))
        row = getmaxy(w) - 1;
    if (col >= getmaxx(w))
        col = getmaxx(w) - 1;
    wmove(w, row < 0 ? 0 : row, col < 0 ? 0 : col);
    wnoutrefresh(w);
    return visible;
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
                vterm_keyboard_key(console_model_vterm(c->model), console_keys[i].vkey,
                                   console_keys[i].mod);
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
            vterm_keyboard_key(console_model_vterm(c->model), VTERM_KEY_FUNCTION(n), mod);
            return;
        }
        VTermKey vkey;
        VTermModifier mod;
        if (console_named_key(key, &vkey, &mod))
            vterm_keyboard_key(console_model_vterm(c->model), vkey, mod);
        return; /* other keys (mouse, unknown) mean nothing to a serial console */
    }
    for (size_t i = 0; i < COUNT(console_ctrl_keys); i++)
        if (console_ctrl_keys[i].ch == ch) {
            vterm_keyboard_key(console_model_vterm(c->model), console_ctrl_keys[i].vkey,
                               VTERM_MOD_NONE);
            return;
        }
    /* Text and the remaining Ctrl combinations (sent as their control bytes). */
    vterm_keyboard_unichar(console_model_vterm(c->model), (uint32_t)ch, VTERM_MOD_NONE);
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
                console_model_write(c->model, buf, (size_t)n);
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
