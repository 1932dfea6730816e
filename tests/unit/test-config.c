/* test-config: the config file (ui/config.c) and key bindings (ui/keys.c). `theme =` and
 * `bind ACTION = KEYS` apply; unknown settings, actions and key names are one warning each
 * with the line number while the other lines still apply; a rebound key leaves the action it
 * belonged to; help lines follow the bindings; key names parse and print back; the path
 * honours XDG_CONFIG_HOME. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "ui/ui.h"

/* The keys of action in view as one string. */
static const char *bound(const char *action, enum tui_view view)
{
    static char buf[256];
    return keys_bound(action, view, buf, sizeof(buf));
}

/* True when some help line starts "  KEY<pad> TEXT" for key and text. */
static bool help_has(const char *key, const char *text)
{
    char want[256], buf[256];
    snprintf(want, sizeof(want), "  %-8s %s", key, text);
    for (size_t i = 0; i < keys_help_count(); i++)
        if (!strncmp(keys_help_line(i, buf, sizeof(buf)), want, strlen(want)))
            return true;
    return false;
}

/* Reset bindings before each test. */
static int setup(void **state)
{
    (void)state;
    keys_reset();
    return 0;
}

/* The built-in bindings as the config's action names see them. */
static void test_default_bindings(void **state)
{
    (void)state;
    assert_string_equal(bound("start", TUI_VIEW_LIST), "s");
    assert_string_equal(bound("quit", TUI_VIEW_LIST), "q F10 Ctrl-C");
    assert_string_equal(bound("quit", TUI_VIEW_DETAILS), "F10 Ctrl-C");
    assert_string_equal(bound("back", TUI_VIEW_HELP), "q Esc ?");
    assert_string_equal(bound("detach", TUI_VIEW_CONSOLE), "Ctrl-]");
    assert_string_equal(bound("theme", TUI_VIEW_LIST), "T");
    assert_string_equal(bound("nosuch", TUI_VIEW_LIST), "");
    assert_true(help_has("s", "start the domain"));
}

/* theme, bind, comments, blanks; a rebound key leaves its old action. */
static void test_parse_ok(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    config_parse(&cfg,
                 "# vmdeck config\n"
                 "\n"
                 "theme = dark   # the dark one\n"
                 "bind start = x\n"
                 "  bind   quit =  F12 ^Q  \n"
                 "bind pause = q\n"
                 "bind detach = C-a\n",
                 "cfg");
    assert_int_equal(cfg.nwarnings, 0);
    assert_string_equal(cfg.theme, "dark");
    assert_string_equal(bound("start", TUI_VIEW_LIST), "x");
    assert_string_equal(bound("start", TUI_VIEW_DETAILS), "x");
    assert_true(help_has("x", "start the domain"));
    assert_false(help_has("s", "start the domain"));
    assert_string_equal(bound("quit", TUI_VIEW_LIST), "F12 Ctrl-Q");
    assert_string_equal(bound("quit", TUI_VIEW_HELP), "F12 Ctrl-Q");
    /* q went to pause in list and details: back keeps it only in help */
    assert_string_equal(bound("pause", TUI_VIEW_LIST), "q");
    assert_string_equal(bound("back", TUI_VIEW_DETAILS), "Esc");
    assert_string_equal(bound("back", TUI_VIEW_HELP), "q Esc ?");
    assert_string_equal(bound("detach", TUI_VIEW_CONSOLE), "Ctrl-A");
    keys_reset();
    assert_string_equal(bound("start", TUI_VIEW_LIST), "s");
    assert_string_equal(bound("back", TUI_VIEW_DETAILS), "q Esc");
}

/* Bad lines: one warning each, naming source and line; the other lines still apply and a
 * failed bind changes nothing. */
static void test_parse_warnings(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    config_parse(&cfg,
                 "colour = red\n"
                 "bind strat = s\n"
                 "bind start = Fnord\n"
                 "bind reboot = R\n"
                 "just words\n"
                 "theme extra = dark\n"
                 "bind = x\n"
                 "bind start =\n"
                 "theme = light\n",
                 "/home/u/.config/vmdeck/config");
    assert_int_equal(cfg.nwarnings, 7);
    assert_string_equal(cfg.warnings[0], "/home/u/.config/vmdeck/config:1: unknown setting "
                                         "'colour' (known: theme, bind)");
    assert_non_null(strstr(cfg.warnings[1], "config:2: bind: unknown action 'strat' (actions: "
                                            "up down"));
    assert_non_null(strstr(cfg.warnings[2], "config:3: bind start: 'Fnord' is not a key name"));
    assert_non_null(strstr(cfg.warnings[3], "config:5: 'just words' is not a setting"));
    assert_non_null(strstr(cfg.warnings[4], "config:6: 'theme extra': theme takes no word"));
    assert_non_null(strstr(cfg.warnings[5], "config:7: bind: which action?"));
    assert_non_null(strstr(cfg.warnings[6], "config:8: bind start: no key given"));
    assert_string_equal(cfg.theme, "light");
    assert_string_equal(bound("start", TUI_VIEW_LIST), "s");
    assert_string_equal(bound("reboot", TUI_VIEW_LIST), "R");
}

/* More warnings than are kept: all are counted. */
static void test_many_warnings(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    char text[2048] = "";
    for (int i = 0; i < CONFIG_WARNINGS_MAX + 5; i++)
        strcat(text, "nope = 1\n");
    config_parse(&cfg, text, "c");
    assert_int_equal(cfg.nwarnings, CONFIG_WARNINGS_MAX + 5);
    assert_string_equal(cfg.warnings[CONFIG_WARNINGS_MAX - 1],
                        "c:8: unknown setting 'nope' (known: theme, bind)");
}

/* Key names parse and print back in the form help shows. */
static void test_key_names(void **state)
{
    (void)state;
    struct {
        const char *in, *shown;
    } cases[] = {
        {"a", "a"},           {"S", "S"},         {"?", "?"},           {"^X", "Ctrl-X"},
        {"^x", "Ctrl-X"},     {"C-l", "Ctrl-L"},  {"Ctrl-]", "Ctrl-]"}, {"F1", "F1"},
        {"F12", "F12"},       {"f5", "F5"},       {"Enter", "Enter"},   {"esc", "Esc"},
        {"Escape", "Esc"},    {"Tab", "Tab"},     {"Space", "Space"},   {"Up", "Up"},
        {"pgdn", "PgDn"},     {"PageUp", "PgUp"}, {"Home", "Home"},     {"End", "End"},
        {"Delete", "Delete"}, {"^?", "Ctrl-?"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wint_t code;
        bool is_key;
        char buf[32];
        if (!keys_parse(cases[i].in, &code, &is_key))
            fail_msg("'%s' does not parse", cases[i].in);
        assert_string_equal(keys_name(code, is_key, buf, sizeof(buf)), cases[i].shown);
        wint_t again;
        bool again_key;
        assert_true(keys_parse(buf, &again, &again_key));
        assert_int_equal(again, code);
        assert_int_equal(again_key, is_key);
    }
    const char *bad[] = {"", "ab", "F0", "F99", "^1", "Ctrl-", "Fnord", "\x01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        wint_t code;
        bool is_key;
        if (keys_parse(bad[i], &code, &is_key))
            fail_msg("'%s' parsed as a key", bad[i]);
    }
}

/* The file's place: XDG_CONFIG_HOME (absolute only), else HOME; reading it applies it and a
 * missing file is no warning. */
static void test_path_and_load(void **state)
{
    (void)state;
    char buf[1024];
    char *dir = testutil_tmpdir("config");
    setenv("HOME", "/home/someone", 1);
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    assert_string_equal(config_path(buf, sizeof(buf)), "/home/someone/.config/vmdeck/config");
    unsetenv("XDG_CONFIG_HOME");
    assert_string_equal(config_path(buf, sizeof(buf)), "/home/someone/.config/vmdeck/config");
    setenv("XDG_CONFIG_HOME", dir, 1);
    char want[1100];
    snprintf(want, sizeof(want), "%s/vmdeck/config", dir);
    assert_string_equal(config_path(buf, sizeof(buf)), want);

    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    config_load(&cfg);
    assert_int_equal(cfg.nwarnings, 0);
    assert_string_equal(cfg.theme, "");

    snprintf(buf, sizeof(buf), "%s/vmdeck", dir);
    assert_int_equal(mkdir(buf, 0700), 0);
    FILE *f = fopen(want, "w");
    assert_non_null(f);
    fputs("theme = mono\nbind refresh = F6\nwhat = ever\n", f);
    assert_int_equal(fclose(f), 0);
    config_load(&cfg);
    assert_string_equal(cfg.theme, "mono");
    assert_string_equal(bound("refresh", TUI_VIEW_LIST), "F6");
    assert_int_equal(cfg.nwarnings, 1);
    char line[1200];
    snprintf(line, sizeof(line), "%s:3: unknown setting 'what'", want);
    assert_non_null(strstr(cfg.warnings[0], line));
    unsetenv("XDG_CONFIG_HOME");
    testutil_rm_rf(dir);
    free(dir);
}

/* Run the config and binding tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_default_bindings, setup),
        cmocka_unit_test_setup(test_parse_ok, setup),
        cmocka_unit_test_setup(test_parse_warnings, setup),
        cmocka_unit_test_setup(test_many_warnings, setup),
        cmocka_unit_test_setup(test_key_names, setup),
        cmocka_unit_test_setup(test_path_and_load, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
