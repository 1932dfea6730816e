/* keys: the one key table. Keystrokes from the event loop flow through keys_dispatch to the
 * action bound in the current view; the hint bar and the help view are generated from the
 * same table, so what is shown never drifts from what the keys do. In the console view
 * every key not in the table goes to the guest. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

#define L TUI_VIEW_LIST
#define DT TUI_VIEW_DETAILS
#define H TUI_VIEW_HELP
#define C TUI_VIEW_CONSOLE

/* Control characters as get_wch returns them. */
enum {
    KEYS_CTRL_C = 0x03,
    KEYS_CTRL_L = 0x0c,
    KEYS_ENTER = '\r',
    KEYS_ESC = 0x1b,
    KEYS_CTRL_RBRACKET = 0x1d,
};

struct keys_binding {
    wint_t code;
    bool is_key;      /* code is a KEY_* value, not a character */
    const char *name; /* as help and the hint bar show it */
    unsigned views;   /* TUI_VIEW_* where it works */
    const char *hint; /* label in the hint bar; NULL = help only */
    const char *help;
    void (*fn)(struct tui *tui);
};

/* Every key, in the order help lists them. The first match for (key, view) wins. */
static const struct keys_binding keys_table[] = {
    {KEY_UP, true, "Up", L | DT | H, NULL, "move up / scroll up", actions_up},
    {'k', false, "k", L | DT | H, NULL, "move up / scroll up", actions_up},
    {KEY_DOWN, true, "Down", L | DT | H, NULL, "move down / scroll down", actions_down},
    {'j', false, "j", L | DT | H, NULL, "move down / scroll down", actions_down},
    {KEY_PPAGE, true, "PgUp", L | DT | H, NULL, "one page up", actions_page_up},
    {KEY_NPAGE, true, "PgDn", L | DT | H, NULL, "one page down", actions_page_down},
    {KEY_HOME, true, "Home", L | DT | H, NULL, "first domain / top", actions_home},
    {KEY_END, true, "End", L | DT | H, NULL, "last domain / bottom", actions_end},
    {KEY_LEFT, true, "Left", DT, NULL, "scroll the XML left", actions_left},
    {KEY_RIGHT, true, "Right", DT, NULL, "scroll the XML right", actions_right},
    {KEYS_ENTER, false, "Enter", L, "Details", "details and XML of the selected domain",
     actions_details},
    {'s', false, "s", L | DT, "Start", "start the domain", actions_start},
    {'S', false, "S", L | DT, "Shutdown", "shut the domain down (ACPI power button)",
     actions_shutdown},
    {'D', false, "D", L | DT, "Destroy", "destroy (kill) the domain, asks y/N first",
     actions_destroy},
    {'p', false, "p", L | DT, "Pause", "pause a running domain, resume a paused one",
     actions_pause},
    {'r', false, "r", L | DT, "Reboot", "reboot the domain", actions_reboot},
    {'c', false, "c", L | DT, "Console", "attach the domain's serial console", actions_console},
    {'?', false, "?", L | DT, "Help", "this help", actions_help},
    {KEY_F(1), true, "F1", L | DT, NULL, "this help", actions_help},
    {KEY_F(5), true, "F5", L | DT, NULL, "re-read the domain list", actions_refresh},
    {KEYS_CTRL_L, false, "Ctrl-L", L | DT | H, NULL, "redraw the screen", actions_redraw},
    {'q', false, "q", L, "Quit", "quit vmdeck", actions_quit},
    {KEY_F(10), true, "F10", L | DT | H, NULL, "quit vmdeck", actions_quit},
    {KEYS_CTRL_C, false, "Ctrl-C", L | DT | H, NULL, "quit vmdeck", actions_quit},
    {'q', false, "q", DT | H, "Back", "back to the previous view", actions_back},
    {KEYS_ESC, false, "Esc", DT | H, NULL, "back to the previous view", actions_back},
    {'?', false, "?", H, NULL, "close this help", actions_back},
    {KEYS_CTRL_RBRACKET, false, "Ctrl-]", C, "detach",
     "detach from the console (every other key goes to the guest)", actions_detach},
};

#define KEYS_COUNT (sizeof(keys_table) / sizeof(keys_table[0]))

/* Help sections: one per view, in this order. */
static const struct {
    enum tui_view view;
    const char *title;
} keys_sections[] = {
    {TUI_VIEW_LIST, "Domain list"},
    {TUI_VIEW_DETAILS, "Domain details"},
    {TUI_VIEW_HELP, "Help"},
    {TUI_VIEW_CONSOLE, "Console"},
};

#define KEYS_SECTIONS (sizeof(keys_sections) / sizeof(keys_sections[0]))

/* The binding for a key in a view, or NULL. */
static const struct keys_binding *keys_find(wint_t ch, bool is_key, enum tui_view view)
{
    for (size_t i = 0; i < KEYS_COUNT; i++)
        if (keys_table[i].code == ch && keys_table[i].is_key == is_key &&
            (keys_table[i].views & view))
            return &keys_table[i];
    return NULL;
}

/* Dispatch one keystroke in the current view. */
void keys_dispatch(struct tui *tui, wint_t ch, bool is_key)
{
    if (status_prompt_key(tui, ch, is_key))
        return;
    if (tui->view != TUI_VIEW_CONSOLE) {
        if ((is_key && ch == KEY_ENTER) || (!is_key && ch == L'\n')) {
            ch = KEYS_ENTER;
            is_key = false;
        }
    }
    const struct keys_binding *b = keys_find(ch, is_key, tui->view);
    if (b) {
        b->fn(tui);
        return;
    }
    if (tui->view == TUI_VIEW_CONSOLE)
        view_console_key(tui, ch, is_key);
}

/* Draw the hint bar for the current view. */
void keys_draw_hints(struct tui *tui)
{
    WINDOW *w = tui->hints;
    if (!w)
        return;
    int width = getmaxx(w);
    draw_blank_line(w, 0, draw_attr(DRAW_HINT_TEXT));
    int x = 0;
    for (size_t i = 0; i < KEYS_COUNT && x < width; i++) {
        const struct keys_binding *b = &keys_table[i];
        if (!b->hint || !(b->views & tui->view))
            continue;
        char key[32], label[64];
        snprintf(key, sizeof(key), "%s", b->name);
        snprintf(label, sizeof(label), "%s ", b->hint);
        if (x > 0)
            x += draw_text(w, 0, x, width - x, " ", draw_attr(DRAW_HINT_TEXT));
        x += draw_text(w, 0, x, width - x, key, draw_attr(DRAW_HINT_KEY));
        x += draw_text(w, 0, x, width - x, " ", draw_attr(DRAW_HINT_TEXT));
        x += draw_text(w, 0, x, width - x, label, draw_attr(DRAW_HINT_TEXT));
    }
}

/* Number of lines keys_help_line yields: per section a title, its keys and a blank. */
size_t keys_help_count(void)
{
    size_t n = 0;
    for (size_t s = 0; s < KEYS_SECTIONS; s++) {
        n += 2;
        for (size_t i = 0; i < KEYS_COUNT; i++)
            if (keys_table[i].views & keys_sections[s].view)
                n++;
    }
    return n;
}

/* Help text: line i (0-based) of the generated key list; NULL past the end. */
const char *keys_help_line(size_t i, char *buf, size_t len)
{
    for (size_t s = 0; s < KEYS_SECTIONS; s++) {
        if (i == 0) {
            snprintf(buf, len, "%s", keys_sections[s].title);
            return buf;
        }
        i--;
        for (size_t k = 0; k < KEYS_COUNT; k++) {
            if (!(keys_table[k].views & keys_sections[s].view))
                continue;
            if (i == 0) {
                snprintf(buf, len, "  %-8s %s", keys_table[k].name, keys_table[k].help);
                return buf;
            }
            i--;
        }
        if (i == 0) {
            buf[0] = '\0';
            return buf;
        }
        i--;
    }
    return NULL;
}
