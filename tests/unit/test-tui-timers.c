/* test-tui-timers: the poll timeout of the TUI's loop (tui_next_timeout_ms over the timer
 * table in ui/tui.c) against the real status line and stats sampler: no timer at all on an
 * idle screen (poll sleeps with no timeout), the status message's expiry while one shows
 * (not while a prompt waits), the sampler only while the last draw showed stats in a view
 * that has them, and the nearest of several. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "ui/ui.h"

/* A TUI state as tui_run builds it, without a terminal: the Domains list. */
static int setup(void **state)
{
    struct tui *tui = calloc(1, sizeof(*tui));
    assert_non_null(tui);
    tui->view = TUI_VIEW_LIST;
    tui->back_view = TUI_VIEW_LIST;
    *state = tui;
    return 0;
}

/* Free the state and the sampler it may have made. */
static int teardown(void **state)
{
    struct tui *tui = *state;
    sampler_free(tui);
    free(tui);
    return 0;
}

/* Nothing pending: no timeout, so an idle TUI makes no wake-ups. */
static void test_idle_has_no_timer(void **state)
{
    struct tui *tui = *state;
    assert_int_equal(tui_next_timeout_ms(tui), -1);
    tui->view = TUI_VIEW_HELP;
    assert_int_equal(tui_next_timeout_ms(tui), -1);
    tui->view = TUI_VIEW_DETAILS;
    assert_int_equal(tui_next_timeout_ms(tui), -1);
}

/* A status message is the one timer: its expiry (5 s for a result), gone once cleared and
 * while a yes/no prompt waits for an answer. */
static void test_status_expiry(void **state)
{
    struct tui *tui = *state;
    status_set(tui, false, "Started %s", "web1");
    int ms = tui_next_timeout_ms(tui);
    assert_true(ms > 4000 && ms <= 5001);
    tui->prompt_active = true;
    assert_int_equal(tui_next_timeout_ms(tui), -1);
    tui->prompt_active = false;
    status_clear(tui);
    assert_int_equal(tui_next_timeout_ms(tui), -1);
}

/* Stats on screen: a sample is due at once, then the sampler's timer; not in views that
 * show none, and not when the last draw showed none. */
static void test_stats_only_while_shown(void **state)
{
    struct tui *tui = *state;
    tui->stats_shown = true;
    assert_int_equal(tui_next_timeout_ms(tui), 0);
    tui->view = TUI_VIEW_HELP;
    assert_int_equal(tui_next_timeout_ms(tui), -1);
    tui->view = TUI_VIEW_DETAILS;
    assert_int_equal(tui_next_timeout_ms(tui), 0);
    tui->stats_shown = false;
    assert_int_equal(tui_next_timeout_ms(tui), -1);
    /* with a status message too, the nearest wins */
    status_set(tui, true, "error: %s", "x");
    int ms = tui_next_timeout_ms(tui);
    assert_true(ms > 9000 && ms <= 10001);
    tui->stats_shown = true;
    assert_int_equal(tui_next_timeout_ms(tui), 0);
}

/* Run every timer test on a fresh TUI state. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_has_no_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_only_while_shown, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
