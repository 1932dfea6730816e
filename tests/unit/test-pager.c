/* test-pager: the pager view's text handling and search without a terminal: lines are split,
 * tabs expanded and control characters (a guest's or a verb's escape sequences) dropped;
 * `/` finds the first match from the top of the page, n/N step through the matches and wrap
 * with a note in the status line, a missing pattern is an error there; q goes back to the
 * view the pager was opened from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

/* A TUI with no windows, on the list view. */
static struct tui *tui_new(void)
{
    struct tui *tui = calloc(1, sizeof(*tui));
    assert_non_null(tui);
    tui->view = TUI_VIEW_LIST;
    return tui;
}

/* Lines, tabs and control characters. */
static void test_lines(void **state)
{
    (void)state;
    struct tui *tui = tui_new();
    view_pager_open(tui, ":dumpxml web1", "<a>\n\tb\x1b[31m\r\nlast");
    assert_int_equal(tui->view, TUI_VIEW_PAGER);
    assert_string_equal(view_pager_title(tui), ":dumpxml web1");
    assert_int_equal(tui->pager_nlines, 3);
    assert_string_equal(tui->pager_lines[0], "<a>");
    assert_string_equal(tui->pager_lines[1], "        b[31m");
    assert_string_equal(tui->pager_lines[2], "last");
    view_pager_close(tui);
    assert_int_equal(tui->view, TUI_VIEW_LIST);
    assert_int_equal(tui->pager_nlines, 0);
    free(tui);
}

/* Search, next, previous, wrap, not found. */
static void test_search(void **state)
{
    (void)state;
    struct tui *tui = tui_new();
    tui->view = TUI_VIEW_DETAILS;
    tui->details_name[0] = 'x';
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (int i = 1; i <= 200; i++)
        fprintf(f, i % 50 == 0 ? "line %d target\n" : "line %d\n", i);
    fclose(f);
    view_pager_open(tui, "t", text);
    free(text);
    assert_int_equal(tui->pager_nlines, 200);
    view_pager_search(tui, "target");
    assert_int_equal(tui->pager_match, 49); /* line 50 */
    assert_false(tui->status_error);
    view_pager_next(tui, 1);
    assert_int_equal(tui->pager_match, 99);
    view_pager_next(tui, 1);
    view_pager_next(tui, 1);
    assert_int_equal(tui->pager_match, 199);
    view_pager_next(tui, 1); /* wraps to the top */
    assert_int_equal(tui->pager_match, 49);
    assert_non_null(strstr(tui->status_text, "Search wrapped"));
    view_pager_next(tui, -1); /* wraps to the bottom */
    assert_int_equal(tui->pager_match, 199);
    view_pager_next(tui, -1);
    assert_int_equal(tui->pager_match, 149);
    view_pager_search(tui, "no such thing");
    assert_int_equal(tui->pager_match, -1);
    assert_true(tui->status_error);
    assert_string_equal(tui->status_text, "Pattern not found: no such thing");
    /* a search from a scrolled page starts there */
    view_pager_scroll_to(tui, false);
    view_pager_scroll(tui, 120);
    view_pager_search(tui, "target");
    assert_true(tui->pager_match == 149);
    view_pager_close(tui);
    assert_int_equal(tui->view, TUI_VIEW_DETAILS); /* back where it was opened */
    free(tui);
}

/* Run the pager tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
