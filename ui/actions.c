/* actions: what the keys in keys.c do. Each action works on the target domain (the one
 * shown in the details view, else the list's selection) and runs the CLI verb for it
 * through the command line's runner (cmdline-run.c), so the result or the engine's error
 * lands in the status line in the CLI's words, and long operations get a spinner
 * (progress.c). Destructive actions ask first: y/N, or the domain's name typed out when a
 * running domain would be destroyed on the way. Movement keys are routed to the current
 * view. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* Whether an action is about a network: the Networks list or a network's details. */
static bool actions_on_network(struct tui *tui)
{
    if (tui->view == TUI_VIEW_DETAILS)
        return tui->details_network;
    return tui->view == TUI_VIEW_LIST && tui->tab == LIST_TAB_NETWORKS;
}

/* The network an action is about; NULL (with a status message) if there is none. */
static const char *actions_net_target(struct tui *tui)
{
    if (tui->view == TUI_VIEW_DETAILS && tui->details_name[0])
        return tui->details_name;
    const char *name = view_list_selected_network(tui);
    if (!name)
        status_set(tui, true, "No network selected");
    return name;
}

/* The domain an action is about; NULL (with a status message) if there is none. */
static const char *actions_target(struct tui *tui)
{
    if (actions_on_network(tui)) {
        status_set(tui, true, "This action is for domains; switch to the Domains list (Tab)");
        return NULL;
    }
    if (tui->view == TUI_VIEW_DETAILS && tui->details_name[0])
        return tui->details_name;
    const char *name = view_list_selected(tui);
    if (!name)
        status_set(tui, true, "No domain selected");
    return name;
}

static void actions_net_stop(struct tui *tui);

/* Run a verb on name the way the `:` command line does (so the messages are the CLI's),
 * as a job when it may take long; extra (may be NULL) is an option before the name. */
static void actions_verb(struct tui *tui, const char *verb, const char *extra, const char *name)
{
    char v[64], x[64], n[ENGINE_NAME_MAX];
    snprintf(v, sizeof(v), "%s", verb);
    snprintf(x, sizeof(x), "%s", extra ? extra : "");
    snprintf(n, sizeof(n), "%s", name);
    char *argv[] = {v, extra ? x : n, extra ? n : NULL, NULL};
    cmdline_tui_run_words(tui, extra ? 3 : 2, argv);
}

/* Quit vmdeck. */
void actions_quit(struct tui *tui)
{
    tui->quit = true;
}

/* Back from details or help to where we came from. */
void actions_back(struct tui *tui)
{
    if (tui->view == TUI_VIEW_PAGER) {
        view_pager_close(tui);
        return;
    }
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

/* s: start the domain, or the network on the Networks list. */
void actions_start(struct tui *tui)
{
    if (actions_on_network(tui)) {
        const char *net = actions_net_target(tui);
        if (net)
            actions_verb(tui, "net-start", NULL, net);
        return;
    }
    const char *name = actions_target(tui);
    if (name)
        actions_verb(tui, "start", NULL, name);
}

/* How long S waits for the guest to power off before saying it did not. */
#define ACTIONS_SHUTDOWN_WAIT_MS (300 * 1000)

/* progress_done_fn of S: after the ACPI request, wait (spinner) until the guest is off. */
static void actions_shutdown_sent(struct tui *tui, const char *title, int rc, const char *out,
                                  const struct vmerr *err)
{
    tui->dirty |= TUI_DIRTY_DATA;
    if (rc < 0) {
        status_error(tui, err);
        return;
    }
    const char *name = title + strlen("shutdown ");
    size_t len = strcspn(out, "\n");
    status_set(tui, false, "%.*s", (int)len, out);
    struct vmerr werr = {0};
    if (progress_wait_shutoff(tui, name, ACTIONS_SHUTDOWN_WAIT_MS, &werr) < 0)
        status_error(tui, &werr);
}

/* S: ACPI shutdown, then wait with a spinner until the guest is off (Esc stops waiting);
 * on the Networks list: stop the network, after asking. */
void actions_shutdown(struct tui *tui)
{
    if (actions_on_network(tui)) {
        actions_net_stop(tui);
        return;
    }
    const char *name = actions_target(tui);
    if (!name)
        return;
    char v[] = "shutdown", n[ENGINE_NAME_MAX], title[ENGINE_NAME_MAX + 16];
    snprintf(n, sizeof(n), "%s", name);
    snprintf(title, sizeof(title), "shutdown %s", n);
    char *argv[] = {v, n, NULL};
    struct vmerr err = {0};
    if (progress_run_words(tui, title, 2, argv, actions_shutdown_sent, &err) < 0)
        status_error(tui, &err);
}

/* The answer 'y' to the destroy question. */
static void actions_destroy_confirmed(struct tui *tui, const char *name)
{
    actions_verb(tui, "destroy", NULL, name);
}

/* The answer 'y' to the network stop question. */
static void actions_net_stop_confirmed(struct tui *tui, const char *name)
{
    actions_verb(tui, "net-destroy", NULL, name);
}

/* Stop the selected network (net-destroy), after asking. */
static void actions_net_stop(struct tui *tui)
{
    const char *name = actions_net_target(tui);
    if (name)
        status_prompt(tui, name, actions_net_stop_confirmed,
                      "Stop network '%s'? Its bridge goes away and guests on it lose the "
                      "network. [y/N]",
                      name);
}

/* D: destroy the domain (or stop the network), after asking. */
void actions_destroy(struct tui *tui)
{
    if (actions_on_network(tui)) {
        actions_net_stop(tui);
        return;
    }
    const char *name = actions_target(tui);
    if (name)
        status_prompt(tui, name, actions_destroy_confirmed,
                      "Destroy domain '%s'? This kills it without a shutdown. [y/N]", name);
}

/* The answer 'y' to the undefine question of a domain that is not running. */
static void actions_undefine_confirmed(struct tui *tui, const char *name)
{
    actions_verb(tui, "undefine", NULL, name);
}

/* The typed answer to the undefine question of a running domain: only its exact name
 * destroys and undefines it. */
static void actions_undefine_typed(struct tui *tui, const char *line)
{
    char name[ENGINE_NAME_MAX];
    snprintf(name, sizeof(name), "%s", tui->confirm_name);
    if (strcmp(line, name)) {
        status_set(tui, false, "Not undefined: what was typed is not '%s'; nothing was changed",
                   name);
        return;
    }
    actions_verb(tui, "undefine", "--force", name);
}

/* The answer 'y' to the network undefine question. */
static void actions_net_undefine_confirmed(struct tui *tui, const char *name)
{
    actions_verb(tui, "net-undefine", NULL, name);
}

/* u on the Networks list: undefine the network, after asking. */
static void actions_net_undefine(struct tui *tui)
{
    const char *name = actions_net_target(tui);
    if (!name)
        return;
    char copy[ENGINE_NAME_MAX];
    snprintf(copy, sizeof(copy), "%s", name);
    struct engine_network_info info;
    struct vmerr err = {0};
    if (engine_network_lookup(tui->conn, copy, &info, &err) < 0) {
        status_error(tui, &err);
        tui->dirty |= TUI_DIRTY_DATA;
        return;
    }
    status_prompt(tui, copy, actions_net_undefine_confirmed,
                  info.active ? "Undefine network '%s'? Its definition is deleted; it stays up "
                                "until stopped. [y/N]"
                              : "Undefine network '%s'? Its definition is deleted. [y/N]",
                  copy);
}

/* u: undefine. A running (or paused) domain is destroyed first, so its name must be typed;
 * an inactive one is a y/N question. On the Networks list: the network, y/N. */
void actions_undefine(struct tui *tui)
{
    if (actions_on_network(tui)) {
        actions_net_undefine(tui);
        return;
    }
    const char *target = actions_target(tui);
    if (!target)
        return;
    char name[ENGINE_NAME_MAX];
    snprintf(name, sizeof(name), "%s", target);
    struct engine_domain_info info;
    struct vmerr err = {0};
    if (engine_domain_lookup(tui->conn, name, &info, &err) < 0) {
        status_error(tui, &err);
        tui->dirty |= TUI_DIRTY_DATA;
        return;
    }
    if (info.id < 0 && info.state != ENGINE_DOMAIN_CRASHED) {
        status_prompt(tui, name, actions_undefine_confirmed,
                      "Undefine domain '%s'? Its definition is deleted (disk images are kept). "
                      "[y/N]",
                      name);
        return;
    }
    snprintf(tui->confirm_name, sizeof(tui->confirm_name), "%s", name);
    char prompt[sizeof(tui->cmdline.prompt)];
    snprintf(prompt, sizeof(prompt),
             "Domain '%.200s' is %s: type its name to destroy AND undefine it (Esc cancels): ",
             name, engine_domain_state_name(info.state));
    cmdline_tui_open(tui, CMDLINE_CONFIRM, prompt, actions_undefine_typed);
}

/* x: the domain's (or network's) XML in the pager. */
void actions_dumpxml(struct tui *tui)
{
    if (actions_on_network(tui)) {
        const char *net = actions_net_target(tui);
        if (net)
            actions_verb(tui, "net-dumpxml", NULL, net);
        return;
    }
    const char *name = actions_target(tui);
    if (name)
        actions_verb(tui, "dumpxml", NULL, name);
}

/* : opens the command line. */
void actions_command(struct tui *tui)
{
    cmdline_tui_open(tui, CMDLINE_COMMAND, ":", cmdline_tui_run);
}

/* What Enter on the pager's search line does. */
static void actions_search_done(struct tui *tui, const char *line)
{
    view_pager_search(tui, line);
}

/* / in the pager: search. */
void actions_search(struct tui *tui)
{
    cmdline_tui_open(tui, CMDLINE_SEARCH, "/", actions_search_done);
}

/* n in the pager: next match. */
void actions_search_next(struct tui *tui)
{
    view_pager_next(tui, 1);
}

/* N in the pager: previous match. */
void actions_search_prev(struct tui *tui)
{
    view_pager_next(tui, -1);
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
    actions_verb(tui, info.state == ENGINE_DOMAIN_PAUSED ? "resume" : "suspend", NULL, name);
}

/* r: reboot. */
void actions_reboot(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (name)
        actions_verb(tui, "reboot", NULL, name);
}

/* c: attach the console of the target domain. */
void actions_console(struct tui *tui)
{
    const char *name = actions_target(tui);
    if (name)
        actions_console_open(tui, name);
}

/* Attach the console of domain name (the `c` key, `:console NAME`). */
void actions_console_open(struct tui *tui, const char *name)
{
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
    if (tui->view == TUI_VIEW_PAGER)
        view_pager_scroll(tui, -1);
    else if (tui->view == TUI_VIEW_LIST)
        view_list_move(tui, -1);
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll(tui, -1);
    else
        view_help_scroll(tui, -1);
}

/* Down / j. */
void actions_down(struct tui *tui)
{
    if (tui->view == TUI_VIEW_PAGER)
        view_pager_scroll(tui, 1);
    else if (tui->view == TUI_VIEW_LIST)
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
    if (tui->view == TUI_VIEW_PAGER)
        view_pager_scroll(tui, -view_pager_page(tui));
    else if (tui->view == TUI_VIEW_LIST)
        view_list_move(tui, -actions_page(tui));
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll(tui, -actions_page(tui));
    else
        view_help_scroll(tui, -actions_page(tui));
}

/* PgDn. */
void actions_page_down(struct tui *tui)
{
    if (tui->view == TUI_VIEW_PAGER)
        view_pager_scroll(tui, view_pager_page(tui));
    else if (tui->view == TUI_VIEW_LIST)
        view_list_move(tui, actions_page(tui));
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll(tui, actions_page(tui));
    else
        view_help_scroll(tui, actions_page(tui));
}

/* Home. */
void actions_home(struct tui *tui)
{
    if (tui->view == TUI_VIEW_PAGER)
        view_pager_scroll_to(tui, false);
    else if (tui->view == TUI_VIEW_LIST)
        view_list_move_to(tui, false);
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll_to(tui, false);
    else
        view_help_scroll(tui, -(long)keys_help_count());
}

/* End. */
void actions_end(struct tui *tui)
{
    if (tui->view == TUI_VIEW_PAGER)
        view_pager_scroll_to(tui, true);
    else if (tui->view == TUI_VIEW_LIST)
        view_list_move_to(tui, true);
    else if (tui->view == TUI_VIEW_DETAILS)
        view_details_scroll_to(tui, true);
    else
        view_help_scroll(tui, (long)keys_help_count());
}

/* Left: scroll the details' XML or the pager's text left. */
void actions_left(struct tui *tui)
{
    if (tui->view == TUI_VIEW_PAGER)
        view_pager_hscroll(tui, -1);
    else
        view_details_hscroll(tui, -8);
}

/* Right: scroll the details' XML or the pager's text right. */
void actions_right(struct tui *tui)
{
    if (tui->view == TUI_VIEW_PAGER)
        view_pager_hscroll(tui, 1);
    else
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
