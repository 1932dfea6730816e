/* test-theme: the colour themes (ui/theme.c). Every shipped file in themes/ parses, sets
 * every element and is the same text as the compiled-in copy; parse errors name the file,
 * line and field; names, numbers, bright variants and attributes parse; 256 colours map to
 * the nearest of 16 and of 8; "default" takes the normal element's colour; lookup order
 * (user dir over built-in, a path, unknown names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "ui/ui.h"

static char *test_xdg; /* an empty config dir, so the user's themes never count */

/* The source tree (tests run with VMDECK_SOURCE_DIR set by ctest). */
static const char *source_dir(void)
{
    const char *s = getenv("VMDECK_SOURCE_DIR");
    return s && s[0] ? s : VMDECK_SOURCE_DIR_DEFAULT;
}

/* A theme whose every colour is a value no file can produce, to see what a parse set. */
static void theme_unset(struct theme *t)
{
    memset(t, 0, sizeof(*t));
    for (int i = 0; i < DRAW_COLOUR_COUNT; i++)
        t->style[i] = (struct theme_style){-99, -99, A_BLINK};
}

/* The one-line message of a failed parse of text. */
static const char *parse_error(const char *text, char *buf, size_t len)
{
    struct theme t;
    theme_unset(&t);
    struct vmerr err = {0};
    assert_int_equal(theme_parse(&t, text, "my.theme", &err), -1);
    return vmerr_line(&err, buf, len);
}

/* Write text to path, failing the test if it cannot. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Every themes/NAME.theme parses, sets all elements and equals its compiled-in copy; the four
 * documented themes exist. */
static void test_shipped_themes(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/themes", source_dir());
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t n = strlen(de->d_name);
        if (n <= 6 || strcmp(de->d_name + n - 6, ".theme"))
            continue;
        char path[1400], name[256];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        snprintf(name, sizeof(name), "%.*s", (int)(n - 6), de->d_name);
        char *text = testutil_read(path);
        struct theme t;
        theme_unset(&t);
        struct vmerr err = {0};
        char line[1500];
        if (theme_parse(&t, text, path, &err) < 0)
            fail_msg("%s", vmerr_line(&err, line, sizeof(line)));
        for (int e = 0; e < DRAW_COLOUR_COUNT; e++)
            if (t.style[e].fg == -99)
                fail_msg("%s does not set element %d", path, e);
        const struct theme_builtin *b = theme_builtins;
        while (b->name && strcmp(b->name, name))
            b++;
        if (!b->name)
            fail_msg("%s is not compiled in", path);
        assert_int_equal(b->len, strlen(text));
        assert_string_equal(b->text, text);
        free(text);
        files++;
    }
    closedir(d);
    assert_true(files >= 4);
    const char *want[] = {"default", "dark", "light", "mono"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct theme t;
        struct vmerr err = {0};
        assert_int_equal(theme_load(&t, want[i], &err), 0);
        assert_string_equal(t.name, want[i]);
    }
    /* mono has no colours at all, and states and selection still differ */
    struct theme m;
    struct vmerr err = {0};
    assert_int_equal(theme_load(&m, "mono", &err), 0);
    for (int e = 0; e < DRAW_COLOUR_COUNT; e++) {
        assert_int_equal(m.style[e].fg, -1);
        assert_int_equal(m.style[e].bg, -1);
    }
    assert_true(m.style[DRAW_SELECTED].attrs & A_REVERSE);
    assert_int_not_equal(m.style[DRAW_RUNNING].attrs, m.style[DRAW_SHUTOFF].attrs);
    assert_int_not_equal(m.style[DRAW_CRASHED].attrs, m.style[DRAW_SHUTOFF].attrs);
    assert_int_not_equal(m.style[DRAW_PAUSED].attrs, m.style[DRAW_SHUTOFF].attrs);
}

/* Colour names, bright variants, numbers, default and attribute lists. */
static void test_parse_values(void **state)
{
    (void)state;
    struct theme t;
    theme_unset(&t);
    struct vmerr err = {0};
    const char *text = "# a comment\n"
                       "\n"
                       "header   white  blue   bold\n"
                       "selected  208 24 bold,underline   # trailing comment\n"
                       "running brightgreen default\n"
                       "paused bright-yellow 0 reverse italic\n"
                       "shutoff default default none\n"
                       "crashed 255 Red dim\r\n"
                       "info grey 9";
    assert_int_equal(theme_parse(&t, text, "x.theme", &err), 0);
    assert_int_equal(t.style[DRAW_HEADER].fg, COLOR_WHITE);
    assert_int_equal(t.style[DRAW_HEADER].bg, COLOR_BLUE);
    assert_int_equal(t.style[DRAW_HEADER].attrs, A_BOLD);
    assert_int_equal(t.style[DRAW_SELECTED].fg, 208);
    assert_int_equal(t.style[DRAW_SELECTED].bg, 24);
    assert_int_equal(t.style[DRAW_SELECTED].attrs, A_BOLD | A_UNDERLINE);
    assert_int_equal(t.style[DRAW_RUNNING].fg, 10);
    assert_int_equal(t.style[DRAW_RUNNING].bg, -1);
    assert_int_equal(t.style[DRAW_RUNNING].attrs, 0);
    assert_int_equal(t.style[DRAW_PAUSED].fg, 11);
    assert_int_equal(t.style[DRAW_PAUSED].bg, 0);
    assert_int_equal(t.style[DRAW_PAUSED].attrs, A_REVERSE | A_ITALIC);
    assert_int_equal(t.style[DRAW_SHUTOFF].fg, -1);
    assert_int_equal(t.style[DRAW_CRASHED].fg, 255);
    assert_int_equal(t.style[DRAW_CRASHED].bg, COLOR_RED);
    assert_int_equal(t.style[DRAW_CRASHED].attrs, A_DIM);
    assert_int_equal(t.style[DRAW_INFO].fg, 8);
    assert_int_equal(t.style[DRAW_INFO].bg, 9);
    /* untouched elements keep what they had */
    assert_int_equal(t.style[DRAW_PROMPT].fg, -99);
    assert_int_equal(t.style[DRAW_XML_TAG].fg, -99);
}

/* Errors: one line with file, line number, element and field. */
static void test_parse_errors(void **state)
{
    (void)state;
    char buf[1500];
    assert_string_equal(parse_error("normal default default\nheadr white blue\n", buf, sizeof(buf)),
                        "my.theme:2: unknown element 'headr' (doc/themes.md lists them)");
    assert_non_null(strstr(parse_error("\n\n\nheader purpel blue\n", buf, sizeof(buf)),
                           "my.theme:4: header: foreground 'purpel' is not a colour"));
    assert_non_null(strstr(parse_error("selected white 256\n", buf, sizeof(buf)),
                           "my.theme:1: selected: background '256' is not a colour"));
    assert_non_null(strstr(parse_error("selected white -1\n", buf, sizeof(buf)),
                           "background '-1' is not a colour"));
    assert_non_null(strstr(parse_error("running green\n", buf, sizeof(buf)),
                           "my.theme:1: running: the background colour is missing"));
    assert_non_null(strstr(parse_error("tag blue default bold,blod\n", buf, sizeof(buf)),
                           "my.theme:1: tag: attributes: 'blod' is not one of bold"));
    assert_non_null(strstr(parse_error("# ok\nerror-marker 12x red\n", buf, sizeof(buf)),
                           "my.theme:2: error-marker: foreground '12x'"));
}

/* 256 colours to the nearest of 16 and of 8; names pass through; no colours = -1. */
static void test_nearest_colour(void **state)
{
    (void)state;
    struct {
        short in;
        short at8, at16;
    } cases[] = {
        {196, COLOR_RED, 9},     /* pure red: red; bright red on 16 */
        {46, COLOR_GREEN, 10},   /* pure green */
        {21, COLOR_BLUE, 4},     /* pure blue (0,0,255): blue (0,0,238) beats (92,92,255) */
        {226, COLOR_YELLOW, 11}, /* pure yellow */
        {208, COLOR_YELLOW, 3},  /* orange (255,135,0): nearer yellow than red */
        {231, COLOR_WHITE, 15},  /* white */
        {16, COLOR_BLACK, 0},    /* cube black */
        {232, COLOR_BLACK, 0},   /* darkest grey */
        {255, COLOR_WHITE, 7},   /* lightest grey (238): 229 grey is nearer than 255 */
        {9, COLOR_RED, 9},       /* bright red is red on 8 colours */
        {15, COLOR_WHITE, 15},   {COLOR_CYAN, COLOR_CYAN, COLOR_CYAN}, {-1, -1, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (theme_map_colour(cases[i].in, THEME_DEPTH_8) != cases[i].at8 ||
            theme_map_colour(cases[i].in, THEME_DEPTH_16) != cases[i].at16)
            fail_msg("colour %d: got %d/%d, want %d/%d", cases[i].in,
                     theme_map_colour(cases[i].in, THEME_DEPTH_8),
                     theme_map_colour(cases[i].in, THEME_DEPTH_16), cases[i].at8, cases[i].at16);
        assert_int_equal(theme_map_colour(cases[i].in, THEME_DEPTH_256), cases[i].in);
        assert_int_equal(theme_map_colour(cases[i].in, THEME_DEPTH_MONO), -1);
    }
    /* every colour maps into the terminal's range */
    for (short c = 0; c < 256; c++) {
        short m8 = theme_map_colour(c, THEME_DEPTH_8), m16 = theme_map_colour(c, THEME_DEPTH_16);
        assert_true(m8 >= 0 && m8 < 8);
        assert_true(m16 >= 0 && m16 < 16);
    }
}

/* default = the normal element's colour; bright foreground on 8 colours adds bold; a pair
 * that collapses to one colour stays legible; mono drops colours. */
static void test_resolve(void **state)
{
    (void)state;
    struct theme t;
    theme_unset(&t);
    struct vmerr err = {0};
    assert_int_equal(theme_parse(&t,
                                 "normal 252 234\n"
                                 "running 114 default bold\n"
                                 "paused brightyellow default\n"
                                 "selected 231 255\n"
                                 "info default default\n",
                                 "x", &err),
                     0);
    struct theme_style s = theme_resolve(&t, DRAW_RUNNING, THEME_DEPTH_256);
    assert_int_equal(s.fg, 114);
    assert_int_equal(s.bg, 234);
    assert_int_equal(s.attrs, A_BOLD);
    s = theme_resolve(&t, DRAW_INFO, THEME_DEPTH_256);
    assert_int_equal(s.fg, 252);
    assert_int_equal(s.bg, 234);
    s = theme_resolve(&t, DRAW_INFO, THEME_DEPTH_8);
    assert_int_equal(s.fg, COLOR_WHITE);
    assert_int_equal(s.bg, COLOR_BLACK);
    s = theme_resolve(&t, DRAW_PAUSED, THEME_DEPTH_8);
    assert_int_equal(s.fg, COLOR_YELLOW);
    assert_int_equal(s.attrs, A_BOLD);
    s = theme_resolve(&t, DRAW_PAUSED, THEME_DEPTH_16);
    assert_int_equal(s.fg, 11);
    assert_int_equal(s.attrs, 0);
    s = theme_resolve(&t, DRAW_SELECTED, THEME_DEPTH_8); /* 231 and 255 both become white */
    assert_int_equal(s.bg, COLOR_WHITE);
    assert_int_equal(s.fg, COLOR_BLACK);
    s = theme_resolve(&t, DRAW_RUNNING, THEME_DEPTH_MONO);
    assert_int_equal(s.fg, -1);
    assert_int_equal(s.bg, -1);
    assert_int_equal(s.attrs, A_BOLD);
}

/* Lookup: ~/.config/vmdeck/themes overrides a built-in (on top of default), a path loads a
 * file, unknown and unsafe names are refused with one line. */
static void test_load(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir("theme");
    char path[1024];
    setenv("XDG_CONFIG_HOME", dir, 1);
    snprintf(path, sizeof(path), "%s/vmdeck", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/vmdeck/themes", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/vmdeck/themes/dark.theme", dir);
    write_file(path, "header red green underline\n");
    struct theme t, def;
    struct vmerr err = {0};
    char line[1500];
    assert_int_equal(theme_load(&def, "default", &err), 0);
    assert_int_equal(theme_load(&t, "dark", &err), 0);
    assert_string_equal(t.source, path);
    assert_int_equal(t.style[DRAW_HEADER].fg, COLOR_RED);
    assert_int_equal(t.style[DRAW_HEADER].bg, COLOR_GREEN);
    assert_int_equal(t.style[DRAW_HEADER].attrs, A_UNDERLINE);
    assert_memory_equal(&t.style[DRAW_RUNNING], &def.style[DRAW_RUNNING],
                        sizeof(struct theme_style));

    snprintf(path, sizeof(path), "%s/vmdeck/themes/mine.theme", dir);
    write_file(path, "running 1 2\nbogus 1 2\n");
    assert_int_equal(theme_load(&t, "mine", &err), -1);
    assert_non_null(strstr(vmerr_line(&err, line, sizeof(line)), "mine.theme:2: unknown element"));
    write_file(path, "running 1 2\n");
    assert_int_equal(theme_load(&t, path, &err), 0);
    assert_string_equal(t.name, "mine");
    assert_int_equal(t.style[DRAW_RUNNING].bg, 2);

    assert_int_equal(theme_load(&t, "nosuch", &err), -1);
    assert_non_null(strstr(vmerr_line(&err, line, sizeof(line)), "theme 'nosuch' not found"));
    assert_int_equal(theme_load(&t, "..", &err), -1);
    assert_non_null(strstr(vmerr_line(&err, line, sizeof(line)), "is not a theme name"));
    snprintf(path, sizeof(path), "%s/missing.theme", dir);
    assert_int_equal(theme_load(&t, path, &err), -1);
    assert_non_null(strstr(vmerr_line(&err, line, sizeof(line)), "does not exist"));
    setenv("XDG_CONFIG_HOME", test_xdg, 1);
    testutil_rm_rf(dir);
    free(dir);
}

/* Point XDG_CONFIG_HOME at an empty temp dir for the whole group. */
static int group_setup(void **state)
{
    (void)state;
    test_xdg = testutil_tmpdir("xdg");
    setenv("XDG_CONFIG_HOME", test_xdg, 1);
    return 0;
}

/* Remove the group's config dir. */
static int group_teardown(void **state)
{
    (void)state;
    unsetenv("XDG_CONFIG_HOME");
    testutil_rm_rf(test_xdg);
    free(test_xdg);
    return 0;
}

/* Run the theme tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_themes), cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_errors),   cmocka_unit_test(test_nearest_colour),
        cmocka_unit_test(test_resolve),        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
