/* actions: what the keys in keys.c do. Each action works on the target domain (the one
 * shown in the details view, else the list's selection), calls one engine function, puts the
 * engine's result or error in the status line, and asks for a list refresh. Movement keys
 * are routed to the current view. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* The domain an action is about; NULL (with a status message) if there is none. */
static const char *actions_target(struct tui *tui)
{
    if (tui->view == TUI_VIEW_DETAILS && tui->details_name[0])
        return tui->details_name;
    const char *name = view_list_selected(tui);
    if (!name)
        status_set(tui, true, "No domain selected");
    return name;
}

/* The lifecycle actions: engine call and the message shown when it worked. */
static const struct {
    int (*fn)(struct engine_conn *conn, const char *name, struct vmerr *err);
    const char *done;
} actions_lifecycle[] = {
    {engine_domain_start, "Domain '%s' started"},
    {engine_domain_shutdown, "Domain '%s' is being shutdown"},
    {engine_domain_destroy, "Domain '%s' destroyed"},
    {engine_domain_reboot, "Domain '%s' is being rebooted"},
    {engine_domain_suspend, "Domain '%s' suspended"},
    {engine_domain_resume, "Domain '%s' resumed"},
};

enum {
    ACTIONS_START,
    ACTIONS_SHUTDOWN,
    ACTIONS_DESTROY,
    ACTIONS_REBOOT,
    ACTIONS_SUSPEND,
    ACTIONS_RESUME,
};

/* Run lifecycle operation op on name and report the outcome in the status line. */
static void actions_run(struct tui *tui, int op, const char *name)
{
    struct vmerr err = {0};
    if (actions_lifecycle[op].fn(tui->conn, name, &err) < 0)
        status_error(tui, &err);
    else
        status_set(tui, false, actions_lifecycle[op].done, name);
    tui->dirty |= TUI_DIRTY_DATA;
}

/* Quit vmdeck. */
void actions_quit(struct tui *tui)
{
    tui->quit = true;
}

/* Back from details or help to where we came from. */
void actions_back(struct tui *tui)
{
    if (tui->view == TUI_VIEW_HELP) {
        bool gone = tui->back_view == TUI_VIEW_DETAILS && !tui->details_name[0];
        tui_set_view(tui, gone ? TUI_VIEW_LIST : tui->back_view);
        return;
    }
    view_details_close(tui);
    tui_set_view(tui, TUI_VIEW_LIST);
}

/* Show the key help. */
void actions_help(struct tui *tui)
{
    tui->back_view = tui->view;
    tui->help_top = 0;
    tui_set_view(tui, TUI_VIEW_HELP);
}

/* Open the details view of the selected domain. */
void actions_details(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (!name)
        return;
    struct vmerr err = {0};
    if (view_details_open(tui, name, &err) < 0) {
        status_error(tui, &err);
        return;
    }
    tui_set_view(tui, TUI_VIEW_DETAILS);
}

/* s: start. */
void actions_start(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (name)
        actions_run(tui, ACTIONS_START, name);
}

/* S: ACPI shutdown. */
void actions_shutdown(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (name)
        actions_run(tui, ACTIONS_SHUTDOWN, name);
}

/* The answer 'y' to the destroy question. */
static void actions_destroy_confirmed(struct tui *tui, const char *name)
{
    actions_run(tui, ACTIONS_DESTROY, name);
}

/* D: destroy, after asking. */
void actions_destroy(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (name)
        status_prompt(tui, name, actions_destroy_confirmed,
                      "Destroy domain '%s'? This kills it without a shutdown. [y/N]", name);
}

/* p: pause a running domain, resume a paused one (by its current state). */
void actions_pause(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (!name)
        return;
    struct engine_domain_info info;
    struct vmerr err = {0};
    if (engine_domain_lookup(tui->conn, name, &info, &err) < 0) {
        status_error(tui, &err);
        tui->dirty |= TUI_DIRTY_DATA;
        return;
    }
    actions_run(tui, info.state == ENGINE_DOMAIN_PAUSED ? ACTIONS_RESUME : ACTIONS_SUSPEND, name);
}

/* r: reboot. */
void actions_reboot(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (name)
        actions_run(tui, ACTIONS_REBOOT, name);
}

/* c: attach the console of the target domain. */
void actions_console(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (!name)
        return;
    char target[ENGINE_NAME_MAX];
    snprintf(target, sizeof(target), "%s", name);
    int fd = -1;
    struct vmerr err = {0};
    if (engine_domain_console_open(tui->conn, target, &fd, &err) < 0 ||
        view_console_open(tui, target, fd, &err) < 0) {
        status_error(tui, &err);
        return;
    }
    view_details_close(tui);
    tui_set_view(tui, TUI_VIEW_CONSOLE);
}

/* Ctrl-] in the console: back to the list (or out of `vmdeck console`). */
void actions_detach(struct tui *tui)
{
    char name[ENGINE_NAME_MAX];
    snprintf(name, sizeof(name), "%s", view_console_name(tui));
    view_console_close(tui, NULL);
    if (tui->console_only) {
        tui->quit = true;
        return;
    }
    status_set(tui, false, "Detached from the console of '%s'", name);
    tui->dirty |= TUI_DIRTY_DATA;
    tui_set_view(tui, TUI_VIEW_LIST);
}

/* Up / k. */
void actions_up(struct tui *tui)
{
    if (tui->view == TUI_VIEW_LIST)
        view_list_move(tui, -1);
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll(tui, -1);
    else
        view_help_scroll(tui, -1);
}

/* Down / j. */
void actions_down(struct tui *tui)
{
    if (tui->view == TUI_VIEW_LIST)
        view_list_move(tui, 1);
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll(tui, 1);
    else
        view_help_scroll(tui, 1);
}

/* The body's height, used as a page. */
static long actions_page(struct tui *tui)
{
    long page = view_list_page(tui);
    return page > 1 ? page : 1;
}

/* PgUp. */
void actions_page_up(struct tui *tui)
{
    if (tui->view == TUI_VIEW_LIST)
        view_list_move(tui, -actions_page(tui));
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll(tui, -actions_page(tui));
    else
        view_help_scroll(tui, -actions_page(tui));
}

/* PgDn. */
void actions_page_down(struct tui *tui)
{
    if (tui->view == TUI_VIEW_LIST)
        view_list_move(tui, actions_page(tui));
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll(tui, actions_page(tui));
    else
        view_help_scroll(tui, actions_page(tui));
}

/* Home. */
void actions_home(struct tui *tui)
{
    if (tui->view == TUI_VIEW_LIST)
        view_list_move_to(tui, false);
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll_to(tui, false);
    else
        view_help_scroll(tui, -(long)keys_help_count());
}

/* End. */
void actions_end(struct tui *tui)
{
    if (tui->view == TUI_VIEW_LIST)
        view_list_move_to(tui, true);
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll_to(tui, true);
    else
        view_help_scroll(tui, (long)keys_help_count());
}

/* Left: scroll the details' XML left. */
void actions_left(struct tui *tui)
{
    view_details_hscroll(tui, -8);
}

/* Right: scroll the details' XML right. */
void actions_right(struct tui *tui)
{
    view_details_hscroll(tui, 8);
}

/* F5: re-read the domain list. */
void actions_refresh(struct tui *tui)
{
    tui->dirty |= TUI_DIRTY_DATA;
}

/* Ctrl-L: repaint the whole terminal. */
void actions_redraw(struct tui *tui)
{
    clearok(curscr, TRUE);
    tui->dirty |= TUI_DIRTY_ALL | TUI_DIRTY_DATA;
}
