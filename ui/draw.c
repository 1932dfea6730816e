/* draw: drawing primitives shared by the views. UTF-8 strings from the engine flow through
 * here into ncurses wide-character calls, clipped to a column budget (wide characters and
 * control characters are measured, never written raw); each element's attributes come from
 * the theme (theme.c) through draw_set_attrs; the domain-state labels (symbol + name, so a
 * state reads without colour, ASCII without UTF-8) are a table here. */
#include <langinfo.h>
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* Attributes of every element (colour pair | A_* bits) as the theme set them (theme.c);
 * until a theme is applied (CLI, unit tests) attributes that read without colours. */
static attr_t draw_attrs[DRAW_COLOUR_COUNT] = {
    [DRAW_HEADER] = A_REVERSE,   [DRAW_COLUMNS] = A_UNDERLINE | A_BOLD,
    [DRAW_SELECTED] = A_REVERSE, [DRAW_RUNNING] = A_BOLD,
    [DRAW_CRASHED] = A_BOLD,     [DRAW_ERROR] = A_BOLD | A_REVERSE,
    [DRAW_HINT_KEY] = A_REVERSE, [DRAW_PROMPT] = A_BOLD | A_REVERSE,
};

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

/* Take the attributes of every element from the theme (theme.c). */
void draw_set_attrs(const attr_t attrs[DRAW_COLOUR_COUNT])
{
    memcpy(draw_attrs, attrs, sizeof(draw_attrs));
}

/* Attributes (colour pair + A_* bits) for a drawn element. */
attr_t draw_attr(enum draw_colour c)
{
    if ((int)c < 0 || c >= DRAW_COLOUR_COUNT)
        return A_NORMAL;
    return draw_attrs[c];
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
