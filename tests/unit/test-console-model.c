/* test-console-model: the console model against golden screens. Every
 * tests/data/console/NAME.in is a byte stream fed to a fresh model (5 rows x 20 columns
 * unless console_sizes says otherwise, which may also resize it and feed NAME.after); the
 * resulting state (size, cursor, screen switch, bells, scrollback + screen text, the screen
 * with attribute markup, and every byte the model answered through its output callback)
 * must equal NAME.screen. VMDECK_REGENERATE=1 rewrites the .screen files for review with
 * git diff. Further tests check scrollback eviction, search, damage and a long flood. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "ui/console-model.h"

/* Cases that are not 5x20 or that resize after NAME.in. */
static const struct {
    const char *name;
    int rows, cols;
    int resize_rows, resize_cols; /* 0: no resize */
} console_sizes[] = {
    {"resize-shrink", 5, 20, 3, 10},
    {"resize-grow", 3, 10, 5, 20},
};

/* One golden case. */
struct console_case {
    char *dir;
    char *name;
};

/* Bytes the model sent to the guest, escaped for the expected file. */
struct console_out {
    char s[4096];
    size_t len;
};

/* Output callback: record the reply, escaping control bytes as \xNN. */
static void console_test_output(const char *bytes, size_t len, void *user)
{
    struct console_out *o = user;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)bytes[i];
        int n;
        if (ch < 0x20 || ch >= 0x7f || ch == '\\')
            n = snprintf(o->s + o->len, sizeof(o->s) - o->len, "\\x%02x", ch);
        else
            n = snprintf(o->s + o->len, sizeof(o->s) - o->len, "%c", ch);
        if (n > 0 && o->len + (size_t)n < sizeof(o->s))
            o->len += (size_t)n;
    }
}

/* Whole file (binary safe) or NULL when it does not exist; *len gets its size. */
static char *console_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* The state of m as the expected files spell it. */
static char *console_state_text(const struct console_model *m, const struct console_out *out)
{
    int rows, cols, crow, ccol;
    bool visible;
    console_model_size(m, &rows, &cols);
    console_model_cursor(m, &crow, &ccol, &visible);
    char *text = console_model_dump(m, CONSOLE_DUMP_SCROLLBACK);
    char *attrs = console_model_dump(m, CONSOLE_DUMP_ATTRS);
    size_t cap = strlen(text) + strlen(attrs) + out->len + 512;
    char *s = malloc(cap);
    assert_non_null(s);
    snprintf(s, cap,
             "size %dx%d cursor %d,%d %s altscreen %d bells %lu scrollback %zu\n"
             "-- text (scrollback, then screen)\n%s-- attributes\n%s-- output\n%.*s\n",
             rows, cols, crow, ccol, visible ? "visible" : "hidden",
             console_model_altscreen(m) ? 1 : 0, console_model_bells(m),
             console_model_scrollback_lines(m), text, attrs, (int)out->len, out->s);
    free(text);
    free(attrs);
    return s;
}

/* Feed file path (if it exists) to m. */
static void console_feed_file(struct console_model *m, const char *path)
{
    size_t len;
    char *bytes = console_read_file(path, &len);
    if (!bytes)
        return;
    console_model_write(m, bytes, len);
    free(bytes);
}

/* Run one golden case. */
static void console_golden(void **state)
{
    struct console_case *c = *state;
    int rows = 5, cols = 20, rrows = 0, rcols = 0;
    for (size_t i = 0; i < sizeof(console_sizes) / sizeof(console_sizes[0]); i++)
        if (!strcmp(console_sizes[i].name, c->name)) {
            rows = console_sizes[i].rows;
            cols = console_sizes[i].cols;
            rrows = console_sizes[i].resize_rows;
            rcols = console_sizes[i].resize_cols;
        }
    struct console_model *m = console_model_new(rows, cols, 100);
    assert_non_null(m);
    struct console_out out = {0};
    console_model_set_output(m, console_test_output, &out);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.in", c->dir, c->name);
    console_feed_file(m, path);
    if (rrows) {
        console_model_resize(m, rrows, rcols);
        snprintf(path, sizeof(path), "%s/%s.after", c->dir, c->name);
        console_feed_file(m, path);
    }
    char *got = console_state_text(m, &out);
    console_model_free(m);
    snprintf(path, sizeof(path), "%s/%s.screen", c->dir, c->name);
    const char *regen = getenv("VMDECK_REGENERATE");
    if (regen && *regen && strcmp(regen, "0")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(got, f);
        fclose(f);
    } else {
        size_t len;
        char *want = console_read_file(path, &len);
        if (!want)
            fail_msg("%s: missing (VMDECK_REGENERATE=1 writes it)", path);
        want = realloc(want, len + 1);
        assert_non_null(want);
        want[len] = '\0';
        if (strcmp(want, got))
            print_error("%s: got\n%s", path, got);
        assert_string_equal(want, got);
        free(want);
    }
    free(got);
}

/* Free a golden case (its name stays: cmocka prints it after the teardown). */
static int console_case_free(void **state)
{
    free(*state);
    return 0;
}

/* A model with fn's lines written: "line 0\r\n" ... */
static void console_write_lines(struct console_model *m, int from, int to)
{
    char buf[64];
    for (int i = from; i < to; i++) {
        int n = snprintf(buf, sizeof(buf), "line %d\r\n", i);
        console_model_write(m, buf, (size_t)n);
    }
}

/* The scrollback ring keeps only the newest N lines, in order. */
static void console_scrollback_ring(void **state)
{
    (void)state;
    struct console_model *m = console_model_new(4, 20, 10);
    assert_non_null(m);
    console_write_lines(m, 0, 100);
    /* 100 lines + the empty cursor line on 4 rows: 97 scrolled off, 10 kept */
    assert_int_equal(console_model_scrollback_lines(m), 10);
    int len;
    const struct console_cell *l = console_model_scrollback_line(m, 0, &len);
    assert_int_equal(len, 7);
    assert_int_equal(l[0].chars[0], 'l');
    char *dump = console_model_dump(m, CONSOLE_DUMP_SCROLLBACK);
    assert_non_null(strstr(dump, "line 87\nline 88\n"));
    assert_non_null(strstr(dump, "line 95\nline 96\nline 97\nline 98\nline 99\n\n"));
    assert_null(strstr(dump, "line 86\n"));
    free(dump);
    console_model_free(m);
}

/* Search runs forward and backward over scrollback and screen. */
static void console_search(void **state)
{
    (void)state;
    struct console_model *m = console_model_new(4, 20, 100);
    assert_non_null(m);
    console_write_lines(m, 0, 10); /* scrollback: line 0..6; screen: line 7..9, "" */
    console_model_write(m, "x \xe6\x97\xa5 line 1", 12);
    size_t line = 0;
    int col = 0;
    assert_true(console_model_search(m, "line 1", false, &line, &col));
    assert_int_equal(line, 1);
    assert_int_equal(col, 0);
    col = 1; /* strictly after: the next one is the screen's last row, after the wide char */
    assert_true(console_model_search(m, "line 1", false, &line, &col));
    assert_int_equal(line, 10);
    assert_int_equal(col, 5);
    line = 10;
    col = 5; /* backward: strictly before */
    assert_true(console_model_search(m, "line 1", true, &line, &col));
    assert_int_equal(line, 1);
    assert_int_equal(col, 0);
    line = 9;
    col = 0;
    assert_true(console_model_search(m, "line 8", true, &line, &col));
    assert_int_equal(line, 8);
    line = 0;
    col = 0;
    assert_false(console_model_search(m, "absent", false, &line, &col));
    line = 1;
    col = 0; /* nothing before the first match */
    assert_false(console_model_search(m, "line 1", true, &line, &col));
    console_model_free(m);
}

/* Damage: written rows are dirty until cleared; a screen switch asks for everything. */
static void console_damage(void **state)
{
    (void)state;
    struct console_model *m = console_model_new(5, 20, 100);
    assert_non_null(m);
    assert_true(console_model_full_damage(m));
    console_model_clear_damage(m);
    assert_false(console_model_damaged(m));
    console_model_write(m, "\x1b[3;1Hhi", 8);
    assert_true(console_model_damaged(m));
    assert_true(console_model_row_dirty(m, 2));
    assert_false(console_model_row_dirty(m, 0));
    assert_false(console_model_row_dirty(m, 4));
    assert_false(console_model_full_damage(m));
    console_model_clear_damage(m);
    assert_false(console_model_row_dirty(m, 2));
    console_model_write(m, "\x1b[?1049h", 8);
    assert_true(console_model_full_damage(m));
    assert_true(console_model_altscreen(m));
    console_model_free(m);
}

/* A flood of 200,000 lines ends with exactly the last lines on screen and in scrollback. */
static void console_flood(void **state)
{
    (void)state;
    struct console_model *m = console_model_new(24, 80, 1000);
    assert_non_null(m);
    console_write_lines(m, 0, 200000);
    assert_int_equal(console_model_scrollback_lines(m), 1000);
    int len;
    const struct console_cell *first = console_model_scrollback_line(m, 0, &len);
    char want[32];
    snprintf(want, sizeof(want), "line %d", 200000 - 23 - 1000);
    assert_int_equal(len, (int)strlen(want));
    for (int i = 0; i < len; i++)
        assert_int_equal(first[i].chars[0], (uint32_t)want[i]);
    const struct console_cell *row = console_model_row(m, 22);
    snprintf(want, sizeof(want), "line %d", 199999);
    for (size_t i = 0; i < strlen(want); i++)
        assert_int_equal(row[i].chars[0], (uint32_t)want[i]);
    console_model_free(m);
}

/* Sort case names. */
static int console_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One cmocka test per tests/data/console/NAME.in, then the others. */
int main(void)
{
    char *dir = testutil_data_path("console");
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 3 && !strcmp(e->d_name + l - 3, ".in"))
            names[n++] = strndup(e->d_name, l - 3);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), console_name_cmp);
    struct CMUnitTest *tests = calloc(n + 4, sizeof(*tests));
    assert_non_null(tests);
    for (size_t i = 0; i < n; i++) {
        struct console_case *c = calloc(1, sizeof(*c));
        assert_non_null(c);
        c->dir = dir;
        c->name = names[i];
        tests[i] = (struct CMUnitTest){.name = names[i],
                                       .test_func = console_golden,
                                       .teardown_func = console_case_free,
                                       .initial_state = c};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(console_scrollback_ring);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(console_search);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(console_damage);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(console_flood);
    int rc = _cmocka_run_group_tests("console-model", tests, n, NULL, NULL);
    for (size_t i = 0; i + 4 < n; i++)
        free(names[i]);
    free(tests);
    free(dir);
    return rc;
}
