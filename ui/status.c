/* status: the status line above the hint bar. Results and engine errors flow in as one line
 * (status_set, status_error) and expire after a few seconds; a yes/no prompt (status_prompt)
 * takes the line over until it is answered and consumes the next key ('y' runs the action,
 * anything else declines and says nothing was changed). While the line editor is open
 * (cmdline-run.c) or a spinner runs (progress.c) they draw the line instead; an error
 * message still wins over the spinner until it expires. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* How long messages stay, in milliseconds. */
enum {
    STATUS_INFO_MS = 5000,
    STATUS_ERROR_MS = 10000,
};

/* Now on the monotonic clock. */
static struct timespec status_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

/* Show a message (error in the error colour) and start its expiry clock. */
static void status_show(struct tui *tui, bool error, const char *fmt, va_list ap)
{
    vsnprintf(tui->status_text, sizeof(tui->status_text), fmt, ap);
    for (char *p = tui->status_text; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    tui->status_error = error;
    tui->status_shown = true;
    struct timespec ts = status_now();
    long ms = error ? STATUS_ERROR_MS : STATUS_INFO_MS;
    ts.tv_sec += ms / 1000;
    tui->status_expiry = ts;
    tui->dirty |= TUI_DIRTY_STATUS;
}

/* Show a result message. */
void status_set(struct tui *tui, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    status_show(tui, error, fmt, ap);
    va_end(ap);
}

/* Show an engine error as its one line. */
void status_error(struct tui *tui, const struct vmerr *err)
{
    char line[1400];
    status_set(tui, true, "error: %s", vmerr_line(err, line, sizeof(line)));
}

/* Remove the message. */
void status_clear(struct tui *tui)
{
    if (tui->status_shown)
        tui->dirty |= TUI_DIRTY_STATUS;
    tui->status_shown = false;
}

/* Draw the prompt, or the message, or a blank line. */
void status_draw(struct tui *tui)
{
    WINDOW *w = tui->status;
    if (!w)
        return;
    if (tui->prompt_active) {
        draw_blank_line(w, 0, draw_attr(DRAW_PROMPT));
        draw_text(w, 0, 1, getmaxx(w) - 1, tui->prompt_text, draw_attr(DRAW_PROMPT));
        return;
    }
    if (tui->cmdline.mode != CMDLINE_OFF) {
        cmdline_tui_draw(tui);
        return;
    }
    if (progress_shown(tui) && !(tui->status_shown && tui->status_error)) {
        progress_draw(tui);
        return;
    }
    draw_blank_line(w, 0, A_NORMAL);
    if (!tui->status_shown)
        return;
    attr_t a = draw_attr(tui->status_error ? DRAW_ERROR : DRAW_INFO);
    if (tui->status_error)
        draw_blank_line(w, 0, a);
    draw_text(w, 0, 1, getmaxx(w) - 1, tui->status_text, a);
}

/* Milliseconds until the message expires, -1 if nothing is pending. */
int status_timeout_ms(struct tui *tui)
{
    if (!tui->status_shown || tui->prompt_active)
        return -1;
    struct timespec now = status_now();
    long long ms = (long long)(tui->status_expiry.tv_sec - now.tv_sec) * 1000 +
                   (tui->status_expiry.tv_nsec - now.tv_nsec) / 1000000;
    if (ms < 0)
        return 0;
    return (int)(ms + 1);
}

/* Expire the message if its time has come. */
void status_tick(struct tui *tui)
{
    if (tui->status_shown && !tui->prompt_active && status_timeout_ms(tui) == 0)
        status_clear(tui);
}

/* Ask a yes/no question; on 'y' on_yes(tui, name) runs. */
void status_prompt(struct tui *tui, const char *name, void (*on_yes)(struct tui *, const char *),
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tui->prompt_text, sizeof(tui->prompt_text), fmt, ap);
    va_end(ap);
    snprintf(tui->prompt_name, sizeof(tui->prompt_name), "%s", name);
    tui->prompt_yes = on_yes;
    tui->prompt_active = true;
    tui->dirty |= TUI_DIRTY_STATUS;
}

/* Feed a key to an active prompt; returns true if it consumed it. */
bool status_prompt_key(struct tui *tui, wint_t ch, bool is_key)
{
    if (!tui->prompt_active)
        return false;
    tui->prompt_active = false;
    tui->dirty |= TUI_DIRTY_STATUS;
    if (!is_key && (ch == L'y' || ch == L'Y')) {
        char name[ENGINE_NAME_MAX];
        snprintf(name, sizeof(name), "%s", tui->prompt_name);
        tui->prompt_yes(tui, name);
    } else {
        status_set(tui, false, "Cancelled: '%s' was left as it was", tui->prompt_name);
    }
    return true;
}
