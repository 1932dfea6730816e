/* draw: drawing primitives shared by the views. UTF-8 strings from the engine flow through
 * here into ncurses wide-character calls, clipped to a column budget (wide characters and
 * control characters are measured, never written raw); chrome colours and the domain-state
 * labels (symbol + name, so a state reads without colour) are tables here. */
#include <langinfo.h>
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* Chrome colours: foreground, background, extra attributes, and the attributes used when
 * the terminal has no colours. */
static const struct {
    short fg, bg;
    attr_t extra;
    attr_t mono;
} draw_colours[DRAW_COLOUR_COUNT] = {
    [DRAW_NORMAL] = {-1, -1, 0, 0},
    [DRAW_HEADER] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [DRAW_COLUMNS] = {COLOR_BLACK, COLOR_CYAN, 0, A_UNDERLINE | A_BOLD},
    [DRAW_SELECTED] = {-1, -1, A_REVERSE, A_REVERSE},
    [DRAW_RUNNING] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [DRAW_PAUSED] = {COLOR_YELLOW, -1, A_BOLD, 0},
    [DRAW_SHUTOFF] = {-1, -1, 0, 0},
    [DRAW_CRASHED] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [DRAW_ERROR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE},
    [DRAW_INFO] = {COLOR_GREEN, -1, 0, 0},
    [DRAW_HINT_KEY] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    [DRAW_HINT_TEXT] = {-1, -1, 0, 0},
    [DRAW_PROMPT] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD | A_REVERSE},
};

/* The colour pair given to each chrome colour (0 = none). */
static int draw_pairs[DRAW_COLOUR_COUNT];

/* Domain states as the list shows them: a symbol (UTF-8 and ASCII) and a colour. */
static const struct {
    const char *symbol;
    const char *ascii;
    enum draw_colour colour;
} draw_states[] = {
    [ENGINE_DOMAIN_NOSTATE] = {"?", "?", DRAW_SHUTOFF},
    [ENGINE_DOMAIN_RUNNING] = {"\u25b6", ">", DRAW_RUNNING},
    [ENGINE_DOMAIN_BLOCKED] = {"\u25b7", ">", DRAW_RUNNING},
    [ENGINE_DOMAIN_PAUSED] = {"\u2016", "|", DRAW_PAUSED},
    [ENGINE_DOMAIN_SHUTDOWN] = {"\u25bc", "v", DRAW_PAUSED},
    [ENGINE_DOMAIN_SHUTOFF] = {"\u25a0", "#", DRAW_SHUTOFF},
    [ENGINE_DOMAIN_CRASHED] = {"\u2716", "X", DRAW_CRASHED},
};

/* Set up the chrome's colour pairs (no-op without colours). */
void draw_init_colours(void)
{
    if (!has_colors() || start_color() == ERR)
        return;
    use_default_colors();
    for (int i = 1; i < DRAW_COLOUR_COUNT; i++) {
        if (draw_colours[i].fg == -1 && draw_colours[i].bg == -1)
            continue;
        int pair = alloc_pair(draw_colours[i].fg, draw_colours[i].bg);
        draw_pairs[i] = pair > 0 && pair < 256 ? pair : 0;
    }
}

/* Attributes (colour pair + bold/reverse fallback) for a chrome element. */
attr_t draw_attr(enum draw_colour c)
{
    if ((int)c <= 0 || c >= DRAW_COLOUR_COUNT)
        return A_NORMAL;
    if (!has_colors())
        return draw_colours[c].mono;
    if (draw_colours[c].fg == -1 && draw_colours[c].bg == -1)
        return draw_colours[c].extra;
    if (!draw_pairs[c])
        return draw_colours[c].mono;
    return COLOR_PAIR(draw_pairs[c]) | draw_colours[c].extra;
}

/* Decode the next character of UTF-8 text; returns bytes used (0 at the end) and the
 * character, '?' for undecodable bytes and unprintable characters; *w gets its width. */
static size_t draw_next(const char *s, size_t left, wchar_t *wc, int *w)
{
    if (left == 0 || !*s)
        return 0;
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    size_t n = mbrtowc(wc, s, left, &st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        *wc = L'?';
        n = 1;
    }
    *w = wcwidth(*wc);
    if (*w < 0) {
        *wc = *wc == L'\t' ? L' ' : L'?';
        *w = 1;
    }
    return n;
}

/* Display width of UTF-8 text in columns. */
int draw_width(const char *utf8)
{
    size_t left = strlen(utf8);
    int cols = 0, w;
    wchar_t wc;
    for (size_t n; (n = draw_next(utf8, left, &wc, &w)) > 0; utf8 += n, left -= n)
        cols += w;
    return cols;
}

/* The part of UTF-8 text after its first cols columns. */
const char *draw_skip_cols(const char *utf8, int cols)
{
    size_t left = strlen(utf8);
    int used = 0, w;
    wchar_t wc;
    for (size_t n; used < cols && (n = draw_next(utf8, left, &wc, &w)) > 0; left -= n) {
        utf8 += n;
        used += w;
    }
    return utf8;
}

/* Draw UTF-8 text at y,x using at most maxcols columns; returns the columns used. */
int draw_text(WINDOW *win, int y, int x, int maxcols, const char *utf8, attr_t attr)
{
    if (!win || y < 0 || y >= getmaxy(win) || x < 0 || x >= getmaxx(win))
        return 0;
    if (maxcols > getmaxx(win) - x)
        maxcols = getmaxx(win) - x;
    size_t left = strlen(utf8);
    int used = 0, w;
    wchar_t wc[2] = {0, 0};
    wmove(win, y, x);
    wattr_set(win, attr & ~A_COLOR, PAIR_NUMBER(attr), NULL);
    for (size_t n; (n = draw_next(utf8, left, &wc[0], &w)) > 0; utf8 += n, left -= n) {
        if (used + w > maxcols)
            break;
        if (w == 0 && used == 0)
            continue; /* a combining mark with nothing to combine with */
        waddnwstr(win, wc, 1);
        used += w;
    }
    wattr_set(win, A_NORMAL, 0, NULL);
    return used;
}

/* Fill a whole line of win with blanks in attr. */
void draw_blank_line(WINDOW *win, int y, attr_t attr)
{
    if (!win || y < 0 || y >= getmaxy(win))
        return;
    wattr_set(win, attr & ~A_COLOR, PAIR_NUMBER(attr), NULL);
    wmove(win, y, 0);
    for (int x = 0; x < getmaxx(win); x++)
        waddch(win, ' ');
    wattr_set(win, A_NORMAL, 0, NULL);
}

/* "512 MiB", "2.0 GiB" from KiB. */
void draw_memory(char *buf, size_t len, unsigned long long kib)
{
    if (kib >= 1024ULL * 1024 * 1024)
        snprintf(buf, len, "%.1f TiB", (double)kib / (1024.0 * 1024 * 1024));
    else if (kib >= 1024ULL * 1024)
        snprintf(buf, len, "%.1f GiB", (double)kib / (1024.0 * 1024));
    else if (kib >= 1024)
        snprintf(buf, len, "%llu MiB", kib / 1024);
    else
        snprintf(buf, len, "%llu KiB", kib);
}

/* Symbol + name of a domain state for the list ("▶ running"), ASCII when !utf8. */
const char *draw_state_label(enum engine_domain_state state, bool utf8, char *buf, size_t len)
{
    const char *sym = "?";
    if ((size_t)state < sizeof(draw_states) / sizeof(draw_states[0]))
        sym = utf8 ? draw_states[state].symbol : draw_states[state].ascii;
    snprintf(buf, len, "%s %s", sym, engine_domain_state_name(state));
    return buf;
}

/* Colour of a domain state. */
enum draw_colour draw_state_colour(enum engine_domain_state state)
{
    if ((size_t)state < sizeof(draw_states) / sizeof(draw_states[0]))
        return draw_states[state].colour;
    return DRAW_SHUTOFF;
}

/* True when the locale's charset is UTF-8, so the state symbols can be drawn. */
bool draw_locale_utf8(void)
{
    return !strcmp(nl_langinfo(CODESET), "UTF-8");
}
