/* tui: the full-screen UI's one event loop. poll() waits on stdin (keys via get_wch), a
 * signalfd (SIGWINCH, SIGTERM, SIGINT, SIGCHLD, SIGHUP), the engine's watch fd and the open
 * console PTY, with a timeout only while a timer is pending (tui_timers: a status message
 * waiting to expire, ...). Events only set dirty flags; once per pass the flags are turned
 * into a list refresh, a layout, and drawing (wnoutrefresh per window, one doupdate). An
 * idle TUI makes no wake-ups and no output. */
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ui/ui.h"

/* Below this size only a "too small" note is drawn. */
enum {
    TUI_MIN_ROWS = 4,
    TUI_MIN_COLS = 20,
    TUI_ESCDELAY_MS = 25,
    TUI_KEYS_PER_PASS = 4096,
};

/* The signals the loop reads from its signalfd. */
static const int tui_signals[] = {SIGWINCH, SIGTERM, SIGINT, SIGCHLD, SIGHUP};

/* The loop's timers: when each next needs a wake-up and what runs when it comes. A part of
 * the UI that needs a timer (status expiry, stats sampling while stats are on screen, a
 * progress spinner) adds one row; timeout_ms returns -1 while it needs none, so an idle
 * screen sleeps in poll with no timeout. tick runs after every wake-up and checks for itself
 * whether its time has come. */
static const struct {
    int (*timeout_ms)(struct tui *tui);
    void (*tick)(struct tui *tui);
} tui_timers[] = {
    {status_timeout_ms, status_tick},
    {sampler_timeout_ms, sampler_tick}, /* stats, once a second while shown */
    {progress_timeout_ms, progress_tick},
    {view_console_timeout_ms, view_console_tick}, /* a console frame held during a flood */
};

/* Header titles per view. */
static const struct {
    enum tui_view view;
    const char *title;
} tui_titles[] = {
    {TUI_VIEW_LIST, "domains"},
    {TUI_VIEW_DETAILS, "details"},
    {TUI_VIEW_HELP, "help"},
    {TUI_VIEW_CONSOLE, "console"},
    {TUI_VIEW_PAGER, "pager"},
};

/* Switch views, marking what must be redrawn. */
void tui_set_view(struct tui *tui, enum tui_view view)
{
    if ((view == TUI_VIEW_CONSOLE) != (tui->view == TUI_VIEW_CONSOLE))
        mouse_enable(view != TUI_VIEW_CONSOLE); /* the guest gets the console's input */
    tui->view = view;
    tui->dirty |= TUI_DIRTY_ALL;
}

/* Delete the windows. */
static void tui_free_windows(struct tui *tui)
{
    WINDOW **wins[] = {&tui->header, &tui->body, &tui->status, &tui->hints};
    for (size_t i = 0; i < sizeof(wins) / sizeof(wins[0]); i++) {
        if (*wins[i])
            delwin(*wins[i]);
        *wins[i] = NULL;
    }
}

/* (Re)build the windows for the current terminal size: header, body, status, hints. */
static void tui_layout(struct tui *tui)
{
    tui_free_windows(tui);
    wnoutrefresh(stdscr); /* stdscr only reads keys; refreshing it once keeps get_wch quiet */
    int rows = LINES, cols = COLS;
    tui->tiny = rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS;
    if (tui->tiny) {
        tui->body = newwin(rows > 0 ? rows : 1, cols > 0 ? cols : 1, 0, 0);
    } else {
        tui->header = newwin(1, cols, 0, 0);
        tui->body = newwin(rows - 3, cols, 1, 0);
        tui->status = newwin(1, cols, rows - 2, 0);
        tui->hints = newwin(1, cols, rows - 1, 0);
    }
    /* the theme's "normal" colours under everything drawn without its own */
    WINDOW *themed[] = {tui->header, tui->body, tui->status, tui->hints};
    for (size_t i = 0; i < sizeof(themed) / sizeof(themed[0]); i++)
        if (themed[i])
            wbkgd(themed[i], (chtype)' ' | draw_attr(DRAW_NORMAL));
    view_console_resize(tui);
    tui->dirty |= TUI_DIRTY_ALL;
}

/* Draw the header: program, connection URI, where we are, and a domain count. */
static void tui_draw_header(struct tui *tui)
{
    WINDOW *w = tui->header;
    attr_t a = draw_attr(DRAW_HEADER);
    draw_blank_line(w, 0, a);
    const char *title = "";
    for (size_t i = 0; i < sizeof(tui_titles) / sizeof(tui_titles[0]); i++)
        if (tui_titles[i].view == tui->view)
            title = tui_titles[i].title;
    const char *what = "";
    if (tui->view == TUI_VIEW_DETAILS)
        what = tui->details_name;
    else if (tui->view == TUI_VIEW_CONSOLE)
        what = view_console_name(tui);
    else if (tui->view == TUI_VIEW_PAGER)
        what = view_pager_title(tui);
    char left[700];
    snprintf(left, sizeof(left), " vmdeck  %s  | %s%s%s", engine_uri(tui->conn), title,
             what[0] ? ": " : "", what);
    int cols = getmaxx(w);
    int used = draw_text(w, 0, 0, cols, left, a);
    size_t active = 0;
    for (size_t i = 0; i < tui->ndomains; i++)
        active += tui->domains[i].id >= 0;
    char right[64];
    snprintf(right, sizeof(right), "%zu domain%s, %zu active ", tui->ndomains,
             tui->ndomains == 1 ? "" : "s", active);
    int rw = draw_width(right);
    if (used + 2 + rw <= cols)
        draw_text(w, 0, cols - rw, rw, right, a);
}

/* Draw whatever is dirty, then one doupdate if anything changed. */
static void tui_pass(struct tui *tui)
{
    if (tui->dirty & TUI_DIRTY_DATA) {
        tui->dirty &= ~TUI_DIRTY_DATA;
        view_list_refresh(tui);
        if (tui->details_name[0])
            view_details_reload(tui);
    }
    if (tui->dirty & TUI_DIRTY_LAYOUT)
        tui_layout(tui);
    unsigned dirty = tui->dirty;
    tui->dirty = 0;
    bool any = false;
    if (tui->tiny) {
        if (dirty & TUI_DIRTY_ALL) {
            werase(tui->body);
            draw_text(tui->body, 0, 0, getmaxx(tui->body), "too small (min 20x4)", A_BOLD);
            wnoutrefresh(tui->body);
            any = true;
        }
    } else {
        if (dirty & TUI_DIRTY_HEADER) {
            tui_draw_header(tui);
            wnoutrefresh(tui->header);
            any = true;
        }
        bool body = dirty & TUI_DIRTY_BODY;
        if (tui->view == TUI_VIEW_CONSOLE) {
            body = view_console_draw(tui, body);
        } else if (body) {
            if (tui->view == TUI_VIEW_LIST)
                view_list_draw(tui);
            else if (tui->view == TUI_VIEW_DETAILS)
                view_details_draw(tui);
            else if (tui->view == TUI_VIEW_PAGER)
                view_pager_draw(tui);
            else
                view_help_draw(tui);
        }
        if (body) {
            wnoutrefresh(tui->body);
            any = true;
        }
        if (dirty & TUI_DIRTY_STATUS) {
            status_draw(tui);
            wnoutrefresh(tui->status);
            any = true;
        }
        if (dirty & TUI_DIRTY_HINTS) {
            keys_draw_hints(tui);
            wnoutrefresh(tui->hints);
            any = true;
        }
    }
    if (!any)
        return;
    bool cursor = false;
    if (tui->view == TUI_VIEW_CONSOLE && !tui->tiny)
        cursor = view_console_place_cursor(tui);
    if (cursor != tui->cursor_on) {
        curs_set(cursor ? 1 : 0);
        tui->cursor_on = cursor;
    }
    doupdate();
}

/* Take the terminal's new size after SIGWINCH. */
static void tui_resize(struct tui *tui)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    tui->dirty |= TUI_DIRTY_LAYOUT;
}

/* Read every key ncurses has and dispatch it. */
static void tui_read_keys(struct tui *tui)
{
    for (int i = 0; i < TUI_KEYS_PER_PASS && !tui->quit; i++) {
        wint_t ch;
        int r = get_wch(&ch);
        if (r == ERR)
            break;
        if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
            tui->dirty |= TUI_DIRTY_LAYOUT;
            continue;
        }
        keys_dispatch(tui, ch, r == KEY_CODE_YES);
    }
}

/* Handle the signals waiting on the signalfd. */
static void tui_read_signals(struct tui *tui, int sigfd)
{
    struct signalfd_siginfo si;
    bool resized = false;
    while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGWINCH:
            tui_resize(tui);
            resized = true;
            break;
        case SIGCHLD:
            tui->dirty |= TUI_DIRTY_DATA;
            break;
        default: /* SIGTERM, SIGINT, SIGHUP */
            tui->quit = true;
            break;
        }
    }
    if (resized)
        tui_read_keys(tui); /* resizeterm queued a KEY_RESIZE: take it now */
}

/* Milliseconds until the nearest timer is due (0 = now), -1 when none is pending. */
int tui_next_timeout_ms(struct tui *tui)
{
    int best = -1;
    for (size_t i = 0; i < sizeof(tui_timers) / sizeof(tui_timers[0]); i++) {
        int ms = tui_timers[i].timeout_ms(tui);
        if (ms >= 0 && (best < 0 || ms < best))
            best = ms;
    }
    return best;
}

/* Run every timer's tick (each acts only when it is due). */
static void tui_run_timers(struct tui *tui)
{
    for (size_t i = 0; i < sizeof(tui_timers) / sizeof(tui_timers[0]); i++)
        tui_timers[i].tick(tui);
}

/* The loop: draw, wait, turn events into dirty flags, until quit. */
static void tui_loop(struct tui *tui, int sigfd)
{
    while (!tui->quit) {
        tui_pass(tui);
        struct pollfd pfd[5];
        int n = 0;
        pfd[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        pfd[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        int watch = engine_watch_fd(tui->conn), wi = -1, ci = -1;
        if (watch >= 0) {
            wi = n;
            pfd[n++] = (struct pollfd){.fd = watch, .events = POLLIN};
        }
        short cev = 0;
        int cfd = view_console_fd(tui, &cev);
        if (cfd >= 0) {
            ci = n;
            pfd[n++] = (struct pollfd){.fd = cfd, .events = cev};
        }
        int jfd = progress_fd(tui), ji = -1; /* a job's pipe (progress.c) */
        if (jfd >= 0) {
            ji = n;
            pfd[n++] = (struct pollfd){.fd = jfd, .events = POLLIN};
        }
        int r = poll(pfd, (nfds_t)n, tui_next_timeout_ms(tui));
        if (r < 0 && errno != EINTR) {
            snprintf(tui->exit_message, sizeof(tui->exit_message), "error: poll: %s",
                     strerror(errno));
            break;
        }
        if (r > 0) {
            if (pfd[1].revents)
                tui_read_signals(tui, sigfd);
            if (wi >= 0 && pfd[wi].revents) {
                engine_watch_drain(tui->conn);
                tui->dirty |= TUI_DIRTY_DATA;
            }
            if (ci >= 0 && pfd[ci].revents)
                view_console_io(tui, pfd[ci].revents);
            if (ji >= 0 && pfd[ji].revents)
                progress_io(tui);
            if (pfd[0].revents & POLLIN)
                tui_read_keys(tui);
            else if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
                tui->quit = true; /* the terminal went away */
        }
        tui_run_timers(tui);
    }
}

/* Run the TUI on conn until the user quits (see ui.h). */
int tui_run(struct engine_conn *conn, const char *name, int console_fd, struct vmerr *err)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        if (console_fd >= 0)
            close(console_fd);
        return vmerr_set(err, VMERR_INVALID_ARG,
                         "the TUI needs a terminal (stdin and stdout must be a tty)");
    }
    setlocale(LC_ALL, ""); /* wide characters and line drawing follow the user's locale */
    sigset_t mask, old;
    sigemptyset(&mask);
    for (size_t i = 0; i < sizeof(tui_signals) / sizeof(tui_signals[0]); i++)
        sigaddset(&mask, tui_signals[i]);
    sigprocmask(SIG_BLOCK, &mask, &old);
    int sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    SCREEN *scr = sigfd >= 0 ? newterm(NULL, stdout, stdin) : NULL;
    if (!scr) {
        int e = errno;
        if (sigfd >= 0)
            close(sigfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (console_fd >= 0)
            close(console_fd);
        if (sigfd < 0)
            return vmerr_set_errno(err, e, "cannot create the signal fd");
        const char *term = getenv("TERM");
        return vmerr_set(err, VMERR_SYSTEM, "cannot set up the terminal (TERM=%s)",
                         term ? term : "unset");
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(TUI_ESCDELAY_MS);
    curs_set(0);
    mouse_enable(true);

    struct tui *tui = calloc(1, sizeof(*tui));
    if (!tui)
        abort(); /* memory exhaustion is not recoverable */
    tui->conn = conn;
    tui->utf8 = draw_locale_utf8();
    tui->view = TUI_VIEW_LIST;
    tui->back_view = TUI_VIEW_LIST;
    tui->dirty = TUI_DIRTY_DATA | TUI_DIRTY_ALL;
    config_start(tui); /* key bindings and theme from the config file and --theme */
    tui_layout(tui);
    int rc = 0;
    if (console_fd >= 0) {
        tui->console_only = true;
        if (view_console_open(tui, name, console_fd, err) < 0)
            rc = -1;
        else
            tui_set_view(tui, TUI_VIEW_CONSOLE);
    }
    if (rc == 0)
        tui_loop(tui, sigfd);

    view_console_close(tui, NULL);
    view_details_close(tui);
    view_pager_close(tui);
    cmdline_free(&tui->cmdline);
    progress_free(tui);
    free(tui->domains);
    free(tui->networks);
    for (int t = 0; t < LIST_TAB_COUNT; t++)
        free(tui->lists[t].order);
    sampler_free(tui);
    tui_free_windows(tui);
    endwin();
    delscreen(scr);
    close(sigfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (tui->exit_message[0])
        fprintf(stderr, "%s\n", tui->exit_message);
    free(tui);
    return rc;
}
