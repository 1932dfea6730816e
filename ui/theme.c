/* theme: colour themes. A theme name flows in (--theme, the config file, T, `:theme NAME`),
 * is resolved to text (a path; ~/.config/vmdeck/themes/NAME.theme; the install dir; the copy
 * compiled in from themes/), parsed line by line on top of the built-in default, mapped to
 * what the terminal can draw (256 colours as given, 16 or 8 by the nearest palette entry,
 * none: the mono theme's attributes only) and handed to draw.c as one attribute per element.
 * A theme that fails to load never changes what is on screen: the old (or default) theme
 * stays and the status line says why. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

#ifndef VMDECK_THEME_INSTALL_DIR
#define VMDECK_THEME_INSTALL_DIR "/usr/local/share/vmdeck/themes"
#endif

enum {
    THEME_FILE_MAX = 64 * 1024, /* a theme file is a few dozen lines */
    THEME_CYCLE_MAX = 64,       /* themes T cycles through */
};

/* Element names as theme files spell them, generated from DRAW_ELEMENTS (ui.h). */
static const char *const theme_elements[DRAW_COLOUR_COUNT] = {
#define THEME_NAME_ENTRY(id, name) [id] = name,
    DRAW_ELEMENTS(THEME_NAME_ENTRY)
#undef THEME_NAME_ENTRY
};

/* Colour names: the 8 curses colours, their bright variants (8-15) and aliases. */
static const struct {
    const char *name;
    short colour;
} theme_colours[] = {
    {"black", 0},        {"red", 1},
    {"green", 2},        {"yellow", 3},
    {"blue", 4},         {"magenta", 5},
    {"cyan", 6},         {"white", 7},
    {"brightblack", 8},  {"brightred", 9},
    {"brightgreen", 10}, {"brightyellow", 11},
    {"brightblue", 12},  {"brightmagenta", 13},
    {"brightcyan", 14},  {"brightwhite", 15},
    {"grey", 8},         {"gray", 8},
    {"default", -1},
};

/* Attribute names. */
static const struct {
    const char *name;
    attr_t attr;
} theme_attr_names[] = {
    {"bold", A_BOLD},         {"dim", A_DIM},       {"underline", A_UNDERLINE},
    {"reverse", A_REVERSE},   {"italic", A_ITALIC}, {"blink", A_BLINK},
    {"standout", A_STANDOUT}, {"none", 0},          {"normal", 0},
};

/* The first 16 colours as xterm draws them (RGB); 16-255 are computed (theme_rgb). */
static const unsigned char theme_palette16[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},   {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},     {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};

/* Levels of the 6x6x6 colour cube (16-231). */
static const unsigned char theme_cube[6] = {0, 95, 135, 175, 215, 255};

/* The theme in use, the colour depth of the terminal and the --theme option. */
static struct theme theme_cur;
static enum theme_depth theme_depth_cur = THEME_DEPTH_MONO;
static char theme_option[THEME_NAME_MAX];

/* RGB of xterm colour c (0-255). */
static void theme_rgb(short c, int rgb[3])
{
    if (c < 16) {
        for (int i = 0; i < 3; i++)
            rgb[i] = theme_palette16[c][i];
    } else if (c < 232) {
        int n = c - 16;
        rgb[0] = theme_cube[n / 36];
        rgb[1] = theme_cube[(n / 6) % 6];
        rgb[2] = theme_cube[n % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
    }
}

/* The palette entry below n closest to colour c (squared RGB distance). */
static short theme_nearest(short c, int n)
{
    int want[3], best = -1;
    long best_d = 0;
    theme_rgb(c, want);
    for (int i = 0; i < n; i++) {
        int have[3];
        theme_rgb((short)i, have);
        long d = 0;
        for (int k = 0; k < 3; k++)
            d += (long)(want[k] - have[k]) * (want[k] - have[k]);
        if (best < 0 || d < best_d) {
            best = i;
            best_d = d;
        }
    }
    return (short)best;
}

/* The colour c (-1 or 0-255) as a terminal of depth can draw it: nearest of its palette. */
short theme_map_colour(short c, enum theme_depth depth)
{
    if (c < 0 || depth == THEME_DEPTH_MONO)
        return -1;
    if (c < (short)depth)
        return c;
    if (depth == THEME_DEPTH_8 && c < 16)
        return (short)(c - 8); /* bright red is red: the hue the terminal has */
    return theme_nearest(c, depth);
}

/* True when colour c looks dark (a light foreground reads on it). */
static bool theme_dark(short c)
{
    int rgb[3];
    theme_rgb(c, rgb);
    return rgb[0] * 299 + rgb[1] * 587 + rgb[2] * 114 < 128 * 1000;
}

/* Element e of t as a terminal of depth draws it (see ui.h). */
struct theme_style theme_resolve(const struct theme *t, enum draw_colour e, enum theme_depth depth)
{
    struct theme_style s = t->style[e];
    if (depth == THEME_DEPTH_MONO)
        return (struct theme_style){-1, -1, s.attrs};
    short fg = s.fg >= 0 ? s.fg : t->style[DRAW_NORMAL].fg;
    short bg = s.bg >= 0 ? s.bg : t->style[DRAW_NORMAL].bg;
    struct theme_style out = {theme_map_colour(fg, depth), theme_map_colour(bg, depth), s.attrs};
    if (depth == THEME_DEPTH_8 && fg >= 8 && fg < 16)
        out.attrs |= A_BOLD; /* 8-colour terminals show the bright half as bold */
    if (out.fg >= 0 && out.fg == out.bg && fg != bg) /* two colours became one: keep it legible */
        out.fg = theme_dark(out.bg) ? COLOR_WHITE : COLOR_BLACK;
    return out;
}

/* Parse a colour word: a name, 0-255 or default; false if it is none. */
static bool theme_parse_colour(const char *word, short *c)
{
    for (size_t i = 0; i < sizeof(theme_colours) / sizeof(theme_colours[0]); i++)
        if (!strcasecmp(word, theme_colours[i].name)) {
            *c = theme_colours[i].colour;
            return true;
        }
    if (!strncasecmp(word, "bright-", 7)) { /* bright-red = brightred */
        char joined[32];
        snprintf(joined, sizeof(joined), "bright%s", word + 7);
        return strlen(word) < sizeof(joined) && theme_parse_colour(joined, c);
    }
    if (!isdigit((unsigned char)word[0]) || strlen(word) > 3)
        return false;
    char *end;
    long n = strtol(word, &end, 10);
    if (*end || n > 255)
        return false;
    *c = (short)n;
    return true;
}

/* Parse attribute words (several joined with commas); false with the bad word in bad. */
static bool theme_parse_attrs(char *words, attr_t *attrs, const char **bad)
{
    *attrs = 0;
    for (char *save = NULL, *w = strtok_r(words, ", \t\r", &save); w;
         w = strtok_r(NULL, ", \t\r", &save)) {
        size_t i = 0, n = sizeof(theme_attr_names) / sizeof(theme_attr_names[0]);
        while (i < n && strcasecmp(w, theme_attr_names[i].name))
            i++;
        if (i == n) {
            *bad = w;
            return false;
        }
        *attrs |= theme_attr_names[i].attr;
    }
    return true;
}

/* The element called name, or -1. */
static int theme_element(const char *name)
{
    for (int i = 0; i < DRAW_COLOUR_COUNT; i++)
        if (!strcmp(theme_elements[i], name))
            return i;
    return -1;
}

/* Parse one line (comments and blanks are no-ops) into t; -1 with err. */
static int theme_parse_line(struct theme *t, char *line, const char *source, int lineno,
                            struct vmerr *err)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *save = NULL;
    char *name = strtok_r(line, " \t\r", &save);
    if (!name)
        return 0;
    int e = theme_element(name);
    if (e < 0)
        return vmerr_set(err, VMERR_INVALID_ARG,
                         "%s:%d: unknown element '%s' (doc/themes.md lists them)", source, lineno,
                         name);
    const char *what[2] = {"foreground", "background"};
    short c[2];
    for (int i = 0; i < 2; i++) {
        char *word = strtok_r(NULL, " \t\r", &save);
        if (!word)
            return vmerr_set(err, VMERR_INVALID_ARG,
                             "%s:%d: %s: the %s colour is missing (NAME FG BG [ATTRIBUTES])",
                             source, lineno, name, what[i]);
        if (!theme_parse_colour(word, &c[i]))
            return vmerr_set(err, VMERR_INVALID_ARG,
                             "%s:%d: %s: %s '%s' is not a colour (a name like red or "
                             "brightred, 0-255, or default)",
                             source, lineno, name, what[i], word);
    }
    char *rest = save ? save : (char *)"";
    attr_t attrs;
    const char *bad = NULL;
    if (!theme_parse_attrs(rest, &attrs, &bad))
        return vmerr_set(err, VMERR_INVALID_ARG,
                         "%s:%d: %s: attributes: '%s' is not one of bold, dim, underline, "
                         "reverse, italic, blink, standout, none",
                         source, lineno, name, bad);
    t->style[e] = (struct theme_style){c[0], c[1], attrs};
    return 0;
}

/* Parse theme text on top of what t holds (see ui.h). */
int theme_parse(struct theme *t, const char *text, const char *source, struct vmerr *err)
{
    int lineno = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char line[1024];
        lineno++;
        if (n >= sizeof(line))
            return vmerr_set(err, VMERR_INVALID_ARG, "%s:%d: line longer than %zu characters",
                             source, lineno, sizeof(line) - 1);
        memcpy(line, p, n);
        line[n] = '\0';
        if (theme_parse_line(t, line, source, lineno, err) < 0)
            return -1;
        p += n + (nl ? 1 : 0);
    }
    return 0;
}

/* The compiled-in theme called name, or NULL. */
static const struct theme_builtin *theme_builtin(const char *name)
{
    for (const struct theme_builtin *b = theme_builtins; b->name; b++)
        if (!strcmp(b->name, name))
            return b;
    return NULL;
}

/* Read a whole theme file into a new string; NULL (errno set) if it cannot be read. */
static char *theme_read_file(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *buf = malloc(THEME_FILE_MAX + 1);
    if (!buf)
        abort(); /* memory exhaustion is not recoverable */
    size_t n = fread(buf, 1, THEME_FILE_MAX + 1, f);
    int e = ferror(f) ? EIO : 0;
    fclose(f);
    if (!e && n > THEME_FILE_MAX)
        e = EFBIG;
    if (e) {
        free(buf);
        errno = e;
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Parse the file at path on top of t; 1 if there is no such file, -1 with err. */
static int theme_parse_file(struct theme *t, const char *path, struct vmerr *err)
{
    char *text = theme_read_file(path);
    if (!text) {
        if (errno == ENOENT)
            return 1;
        return vmerr_set_errno(err, errno, "cannot read theme file %s", path);
    }
    int rc = theme_parse(t, text, path, err);
    free(text);
    snprintf(t->source, sizeof(t->source), "%s", path);
    return rc;
}

/* True when name is a plain theme name (no path, nothing hidden). */
static bool theme_name_ok(const char *name)
{
    if (!name[0] || name[0] == '.' || strlen(name) >= THEME_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
            return false;
    return true;
}

/* Load theme name on top of the built-in default (see ui.h). */
int theme_load(struct theme *t, const char *name, struct vmerr *err)
{
    memset(t, 0, sizeof(*t));
    for (int i = 0; i < DRAW_COLOUR_COUNT; i++)
        t->style[i] = (struct theme_style){-1, -1, 0};
    const struct theme_builtin *def = theme_builtin("default");
    if (def && theme_parse(t, def->text, "built-in default", err) < 0)
        return -1;
    if (strchr(name, '/')) {
        const char *base = strrchr(name, '/') + 1;
        snprintf(t->name, sizeof(t->name), "%.*s", (int)strcspn(base, "."), base);
        int rc = theme_parse_file(t, name, err);
        if (rc > 0)
            return vmerr_set(err, VMERR_INVALID_ARG, "theme file %s does not exist", name);
        return rc;
    }
    if (!theme_name_ok(name))
        return vmerr_set(err, VMERR_INVALID_ARG,
                         "'%s' is not a theme name (letters, digits, '.', '_', '-')", name);
    snprintf(t->name, sizeof(t->name), "%s", name);
    char dir[512], path[640];
    const char *dirs[2] = {config_dir(dir, sizeof(dir)), VMDECK_THEME_INSTALL_DIR};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i][0])
            continue;
        snprintf(path, sizeof(path), "%s%s/%s.theme", dirs[i], i == 0 ? "/themes" : "", name);
        int rc = theme_parse_file(t, path, err);
        if (rc <= 0)
            return rc;
    }
    const struct theme_builtin *b = theme_builtin(name);
    if (!b) {
        char user[700];
        snprintf(user, sizeof(user), "%s/themes", dir[0] ? dir : "~/.config/vmdeck");
        return vmerr_set(err, VMERR_INVALID_ARG,
                         "theme '%s' not found (not in %s, not in %s, not built in: default, "
                         "dark, light, mono)",
                         name, user, VMDECK_THEME_INSTALL_DIR);
    }
    snprintf(t->source, sizeof(t->source), "built-in");
    return theme_parse(t, b->text, name, err);
}

/* The colour depth for this terminal (see ui.h); starts curses colours whenever the terminal
 * has them. */
enum theme_depth theme_terminal_depth(void)
{
    if (!has_colors() || start_color() == ERR) /* started even for NO_COLOR: alloc_pair
                                                  crashes in a curses without colours */
        return THEME_DEPTH_MONO;
    use_default_colors();
    const char *no_color = getenv("NO_COLOR");
    if (no_color && no_color[0])
        return THEME_DEPTH_MONO;
    if (COLORS >= 256)
        return THEME_DEPTH_256;
    if (COLORS >= 16)
        return THEME_DEPTH_16;
    return COLORS >= 8 ? THEME_DEPTH_8 : THEME_DEPTH_MONO;
}

/* Make t the theme drawn: colour pairs allocated afresh, attributes handed to draw.c. In
 * mono depth the attributes come from the mono theme. */
static void theme_apply(const struct theme *t)
{
    struct theme mono;
    const struct theme *look = t;
    if (theme_depth_cur == THEME_DEPTH_MONO && strcmp(t->name, "mono")) {
        struct vmerr ignored = {0};
        if (theme_load(&mono, "mono", &ignored) < 0) {
            const struct theme_builtin *b = theme_builtin("mono");
            theme_load(&mono, "default", &ignored);
            if (b)
                theme_parse(&mono, b->text, "mono", &ignored);
        }
        look = &mono;
    }
    attr_t attrs[DRAW_COLOUR_COUNT];
    if (theme_depth_cur != THEME_DEPTH_MONO)
        reset_color_pairs();
    for (int e = 0; e < DRAW_COLOUR_COUNT; e++) {
        struct theme_style s = theme_resolve(look, (enum draw_colour)e, theme_depth_cur);
        int pair = 0;
        if (s.fg >= 0 || s.bg >= 0) {
            pair = alloc_pair(s.fg, s.bg);
            if (pair < 0 || pair > 255)
                pair = 0;
        }
        attrs[e] = s.attrs | (pair ? COLOR_PAIR(pair) : 0);
        if (!pair && (s.fg >= 0 || s.bg >= 0)) /* no pair left: still tell it apart */
            attrs[e] |= e == DRAW_NORMAL ? 0 : A_BOLD;
    }
    draw_set_attrs(attrs);
    theme_cur = *t;
}

/* Load and apply theme name; -1 with err (nothing changes) when it cannot be loaded. */
static int theme_use(const char *name, struct vmerr *err)
{
    struct theme t;
    if (theme_load(&t, name, err) < 0)
        return -1;
    theme_apply(&t);
    return 0;
}

/* --theme NAME from the command line. */
void theme_set_option(const char *name)
{
    snprintf(theme_option, sizeof(theme_option), "%s", name ? name : "");
}

/* Name of the theme in use. */
const char *theme_current(void)
{
    return theme_cur.name;
}

/* True when colours may be drawn at all. */
bool theme_has_colours(void)
{
    return theme_depth_cur != THEME_DEPTH_MONO;
}

/* Choose the colour mode and load the start-up theme (see ui.h). */
void theme_start(struct tui *tui, const char *name)
{
    theme_depth_cur = theme_terminal_depth();
    const char *want = theme_option[0] ? theme_option : name && name[0] ? name : "default";
    struct vmerr err = {0};
    if (theme_use(want, &err) == 0)
        return;
    char line[1400];
    status_set(tui, true, "theme not loaded, default used: %s",
               vmerr_line(&err, line, sizeof(line)));
    struct vmerr err2 = {0};
    if (theme_use("default", &err2) == 0)
        return;
    /* a broken ~/.config/vmdeck/themes/default.theme: the compiled-in one always parses */
    struct theme t;
    const struct theme_builtin *b = theme_builtin("default");
    memset(&t, 0, sizeof(t));
    for (int i = 0; i < DRAW_COLOUR_COUNT; i++)
        t.style[i] = (struct theme_style){-1, -1, 0};
    if (b)
        theme_parse(&t, b->text, "default", &err2);
    snprintf(t.name, sizeof(t.name), "default");
    theme_apply(&t);
}

/* Switch to theme name at run time (see ui.h). */
int theme_switch(struct tui *tui, const char *name, struct vmerr *err)
{
    if (theme_use(name, err) < 0)
        return -1;
    clearok(curscr, TRUE); /* colour pairs were renumbered: repaint every cell */
    tui->dirty |= TUI_DIRTY_LAYOUT | TUI_DIRTY_ALL;
    return 0;
}

/* Compare two theme names for qsort. */
static int theme_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The names T cycles through: built-in themes and ~/.config/vmdeck/themes/NAME.theme,
 * sorted, without duplicates; returns how many. */
static size_t theme_names(char names[][THEME_NAME_MAX], size_t max)
{
    size_t n = 0;
    for (const struct theme_builtin *b = theme_builtins; b->name && n < max; b++)
        snprintf(names[n++], THEME_NAME_MAX, "%s", b->name);
    char dir[512], path[600];
    if (config_dir(dir, sizeof(dir))[0]) {
        snprintf(path, sizeof(path), "%s/themes", dir);
        DIR *d = opendir(path);
        for (struct dirent *de; d && (de = readdir(d)) && n < max;) {
            size_t len = strlen(de->d_name);
            if (len <= 6 || len - 6 >= THEME_NAME_MAX || strcmp(de->d_name + len - 6, ".theme"))
                continue;
            snprintf(names[n], THEME_NAME_MAX, "%.*s", (int)(len - 6), de->d_name);
            if (theme_name_ok(names[n]))
                n++;
        }
        if (d)
            closedir(d);
    }
    qsort(names, n, THEME_NAME_MAX, theme_cmp);
    size_t out = 0;
    for (size_t i = 0; i < n; i++)
        if (out == 0 || strcmp(names[out - 1], names[i]))
            memmove(names[out++], names[i], THEME_NAME_MAX);
    return out;
}

/* T: switch to the next theme after the current one; a theme that does not load is skipped
 * and its error shown with the one that did. */
void theme_cycle(struct tui *tui)
{
    char names[THEME_CYCLE_MAX][THEME_NAME_MAX];
    size_t n = theme_names(names, THEME_CYCLE_MAX);
    size_t next = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], theme_cur.name))
            next = (i + 1) % n;
    struct vmerr first = {0}, err = {0};
    for (size_t tries = 0; tries < n; tries++, next = (next + 1) % n) {
        if (theme_switch(tui, names[next], &err) < 0) {
            if (first.code == VMERR_OK)
                first = err;
            continue;
        }
        char line[1400];
        if (first.code != VMERR_OK)
            status_set(tui, true, "theme %s (skipped: %s)", names[next],
                       vmerr_line(&first, line, sizeof(line)));
        else if (theme_depth_cur == THEME_DEPTH_MONO)
            status_set(tui, false, "theme %s (no colours here: drawn with attributes only)",
                       names[next]);
        else
            status_set(tui, false, "theme %s", names[next]);
        return;
    }
    if (first.code != VMERR_OK)
        status_error(tui, &first);
}
