/* mouse: ncurses mouse events (KEY_MOUSE from get_wch) flow in here and become list actions:
 * a click on a tab switches lists, a click on a row selects it, a second click on the same
 * row within MOUSE_DOUBLE_MS opens its details, the wheel scrolls. ncurses' own click
 * resolution is off (mouseinterval 0), so presses arrive at once and double-clicks are
 * timed here. Reporting is switched off in the console view so the guest gets the keys. */
#include <time.h>

#include "ui/ui.h"

enum {
    MOUSE_DOUBLE_MS = 400,
    MOUSE_WHEEL_ROWS = 3,
};

/* Turn mouse reporting on (list views) or off (the console). */
void mouse_enable(bool on)
{
    mouseinterval(0);
    mousemask(on ? BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED : 0, NULL);
}

/* Now on the monotonic clock in milliseconds. */
static long long mouse_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wheel: scroll whatever the view shows. */
static void mouse_wheel(struct tui *tui, long delta)
{
    if (tui->view == TUI_VIEW_LIST)
        view_list_move(tui, delta);
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll(tui, delta);
    else if (tui->view == TUI_VIEW_HELP)
        view_help_scroll(tui, delta);
}

/* A press of button 1 at body-relative y, x in the list view. */
static void mouse_click_list(struct tui *tui, int y, int x)
{
    if (y == 0) {
        for (int t = 0; t < LIST_TAB_COUNT; t++)
            if (x >= tui->tab_x[t] && x < tui->tab_x[t] + tui->tab_w[t])
                view_list_set_tab(tui, (enum list_tab)t);
        return;
    }
    int row = y - 2; /* below the tab line and the titles */
    if (row < 0 || row >= tui->list_rows || x >= tui->list_cols)
        return;
    struct list_state *ls = &tui->lists[tui->tab];
    size_t pos = ls->top + (size_t)row;
    if (pos >= ls->norder)
        return;
    long long now = mouse_now_ms();
    bool twice = tui->mouse.last_y == y && now - tui->mouse.last_click_ms <= MOUSE_DOUBLE_MS &&
                 pos == ls->sel;
    view_list_select_row(tui, (long)pos);
    tui->mouse.last_y = y;
    tui->mouse.last_x = x;
    tui->mouse.last_click_ms = twice ? 0 : now;
    if (!twice)
        return;
    struct vmerr err = {0};
    const char *name =
        tui->tab == LIST_TAB_NETWORKS ? view_list_selected_network(tui) : view_list_selected(tui);
    if (!name)
        return;
    int rc = tui->tab == LIST_TAB_NETWORKS ? view_details_open_network(tui, name, &err)
                                           : view_details_open(tui, name, &err);
    if (rc < 0)
        status_error(tui, &err);
    else
        tui_set_view(tui, TUI_VIEW_DETAILS);
}

/* KEY_MOUSE: read the event and act on it. */
void mouse_handle(struct tui *tui)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || !tui->body)
        return;
    if (ev.bstate & BUTTON4_PRESSED) {
        mouse_wheel(tui, -MOUSE_WHEEL_ROWS);
        return;
    }
    if (ev.bstate & BUTTON5_PRESSED) {
        mouse_wheel(tui, MOUSE_WHEEL_ROWS);
        return;
    }
    if (!(ev.bstate & BUTTON1_PRESSED) || tui->view != TUI_VIEW_LIST)
        return;
    int by, bx;
    getbegyx(tui->body, by, bx);
    int y = ev.y - by, x = ev.x - bx;
    if (y < 0 || y >= getmaxy(tui->body) || x < 0 || x >= getmaxx(tui->body))
        return;
    mouse_click_list(tui, y, x);
}
