/* keys: the one key table. Keystrokes from the event loop flow through keys_dispatch to the
 * action bound in the current view; the hint bar and the help view are generated from the
 * same table, so what is shown never drifts from what the keys do. In the console view
 * every key not in the table goes to the guest. Every action has a stable name
 * (keys_actions), so `bind ACTION = KEYS` in the config file (config.c) rebinds it: the
 * built-in table (keys_defaults) is copied into the live one (keys_table) and edited there. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "ui/ui.h"

#define L TUI_VIEW_LIST
#define DT TUI_VIEW_DETAILS
#define H TUI_VIEW_HELP
#define C TUI_VIEW_CONSOLE
#define PG TUI_VIEW_PAGER

/* Control characters as get_wch returns them. */
enum {
    KEYS_CTRL_C = 0x03,
    KEYS_CTRL_L = 0x0c,
    KEYS_ENTER = '\r',
    KEYS_ESC = 0x1b,
    KEYS_CTRL_RBRACKET = 0x1d,
    KEYS_TAB = '\t',
};

struct keys_binding {
    wint_t code;
    bool is_key;      /* code is a KEY_* value, not a character */
    char name[16];    /* as help and the hint bar show it */
    unsigned views;   /* TUI_VIEW_* where it works */
    const char *hint; /* label in the hint bar; NULL = help only */
    const char *help;
    void (*fn)(struct tui *tui);
};

/* Every key, in the order help lists them. The first match for (key, view) wins. */
static const struct keys_binding keys_defaults[] = {
    {KEY_UP, true, "Up", L | DT | H | PG, NULL, "move up / scroll up", actions_up},
    {'k', false, "k", L | DT | H | PG, NULL, "move up / scroll up", actions_up},
    {KEY_DOWN, true, "Down", L | DT | H | PG, NULL, "move down / scroll down", actions_down},
    {'j', false, "j", L | DT | H | PG, NULL, "move down / scroll down", actions_down},
    {KEY_PPAGE, true, "PgUp", L | DT | H | PG, NULL, "one page up", actions_page_up},
    {KEY_NPAGE, true, "PgDn", L | DT | H | PG, NULL, "one page down", actions_page_down},
    {KEY_HOME, true, "Home", L | DT | H | PG, NULL, "first domain / top", actions_home},
    {KEY_END, true, "End", L | DT | H | PG, NULL, "last domain / bottom", actions_end},
    {KEY_LEFT, true, "Left", DT | PG, NULL, "scroll the XML / the text left", actions_left},
    {KEY_RIGHT, true, "Right", DT | PG, NULL, "scroll the XML / the text right", actions_right},
    {' ', false, "Space", PG, NULL, "one page down", actions_page_down},
    {'/', false, "/", PG, "Search", "search the text (Enter: first match from the top line)",
     actions_search},
    {'n', false, "n", PG, "Next", "next match", actions_search_next},
    {'N', false, "N", PG, "Prev", "previous match", actions_search_prev},
    {KEYS_ENTER, false, "Enter", L, "Details",
     "details, live graphs and XML of the selected domain or network", view_list_open_details},
    /* lists: tabs, sort, filter, split, mouse (view-list.c, mouse.c) */
    {KEYS_TAB, false, "Tab", L, NULL, "switch between the Domains and Networks lists",
     view_list_next_tab},
    {']', false, "]", L, NULL, "next list (Domains, Networks)", view_list_next_tab},
    {'[', false, "[", L, NULL, "previous list", view_list_prev_tab},
    {KEY_F(6), true, "F6", L, "SortBy", "sort by the next column", view_list_sort_next},
    {'>', false, ">", L, NULL, "sort by the next column", view_list_sort_next},
    {'<', false, "<", L, NULL, "sort by the previous column", view_list_sort_prev},
    {'I', false, "I", L, NULL, "invert the sort order", view_list_sort_reverse},
    {KEY_F(4), true, "F4", L, "Filter", "filter the list (type text, Enter keeps, Esc clears)",
     view_list_filter_start},
    {'/', false, "/", L, NULL, "filter the list by a substring of any column",
     view_list_filter_start},
    {KEYS_ESC, false, "Esc", L, NULL, "clear the filter", view_list_filter_clear},
    {'v', false, "v", L, NULL, "split: details of the selection beside or below the list",
     view_list_split_toggle},
    {KEY_MOUSE, true, "Mouse", L | DT | H, NULL,
     "click selects (or switches tabs), double-click opens details, wheel scrolls", mouse_handle},
    {'s', false, "s", L | DT, "Start", "start the domain (Networks list: the network)",
     actions_start},
    {'S', false, "S", L | DT, "Shutdown",
     "shut the domain down (ACPI), spinner until it is off, Esc stops waiting; network: stop",
     actions_shutdown},
    {'D', false, "D", L | DT, "Destroy",
     "destroy (kill) the domain / stop the network, asks y/N first", actions_destroy},
    {'p', false, "p", L | DT, "Pause", "pause a running domain, resume a paused one",
     actions_pause},
    {'r', false, "r", L | DT, "Reboot", "reboot the domain", actions_reboot},
    {'c', false, "c", L | DT, "Console", "attach the domain's serial console", actions_console},
    {'u', false, "u", L | DT, NULL,
     "undefine the domain or network (asks y/N; a running domain: type its name)",
     actions_undefine},
    {'x', false, "x", L | DT, NULL, "the domain's or network's XML in the pager (dumpxml)",
     actions_dumpxml},
    {':', false, ":", L | DT | PG, NULL,
     "command line: any vmdeck verb (:start web1, :dumpxml web1); Tab completes", actions_command},
    {KEY_F(2), true, "F2", L | DT | PG, NULL, "command line (as :)", actions_command},
    {KEY_F(7), true, "F7", PG, "Search", "search the text (as /)", actions_search},
    {KEY_F(3), true, "F3", PG, "Back", "back to the previous view", actions_back},
    {'?', false, "?", L | DT, "Help", "this help", actions_help},
    {KEY_F(1), true, "F1", L | DT, "Help", "this help", actions_help},
    {KEY_F(5), true, "F5", L | DT, "Refresh", "re-read the domain and network lists",
     actions_refresh},
    {KEYS_CTRL_L, false, "Ctrl-L", L | DT | H | PG, NULL, "redraw the screen", actions_redraw},
    {'T', false, "T", L | DT | H, NULL, "next colour theme (doc/themes.md)", theme_cycle},
    {'q', false, "q", L, "Quit", "quit vmdeck", actions_quit},
    {KEY_F(10), true, "F10", L | DT | H | PG, "Quit", "quit vmdeck", actions_quit},
    {KEYS_CTRL_C, false, "Ctrl-C", L | DT | H | PG, NULL, "quit vmdeck", actions_quit},
    {'q', false, "q", DT | H | PG, "Back", "back to the previous view", actions_back},
    {KEYS_ESC, false, "Esc", DT | H | PG, NULL,
     "back to the previous view (stops waiting while a spinner shows)", actions_back},
    {'?', false, "?", H, NULL, "close this help", actions_back},
    {KEYS_CTRL_RBRACKET, false, "Ctrl-]", C, "detach",
     "detach from the console (every other key goes to the guest)", actions_detach},
};

#define KEYS_DEFAULTS (sizeof(keys_defaults) / sizeof(keys_defaults[0]))

/* The live table: the defaults with the config file's bindings applied (keys_init). */
static struct keys_binding keys_table[KEYS_DEFAULTS + 64];
static size_t keys_count;
static bool keys_ready;

/* Action names for `bind ACTION = KEYS`: one per function the table calls. */
static const struct {
    const char *name;
    void (*fn)(struct tui *tui);
} keys_actions[] = {
    {"up", actions_up},
    {"down", actions_down},
    {"page-up", actions_page_up},
    {"page-down", actions_page_down},
    {"home", actions_home},
    {"end", actions_end},
    {"left", actions_left},
    {"right", actions_right},
    {"details", view_list_open_details},
    {"next-list", view_list_next_tab},
    {"previous-list", view_list_prev_tab},
    {"sort-next", view_list_sort_next},
    {"sort-previous", view_list_sort_prev},
    {"sort-invert", view_list_sort_reverse},
    {"filter", view_list_filter_start},
    {"filter-clear", view_list_filter_clear},
    {"split", view_list_split_toggle},
    {"mouse", mouse_handle},
    {"start", actions_start},
    {"shutdown", actions_shutdown},
    {"destroy", actions_destroy},
    {"pause", actions_pause},
    {"reboot", actions_reboot},
    {"console", actions_console},
    {"help", actions_help},
    {"refresh", actions_refresh},
    {"redraw", actions_redraw},
    {"theme", theme_cycle},
    {"quit", actions_quit},
    {"back", actions_back},
    {"detach", actions_detach},
    {"undefine", actions_undefine},
    {"dump-xml", actions_dumpxml},
    {"command", actions_command},
    {"search", actions_search},
    {"search-next", actions_search_next},
    {"search-prev", actions_search_prev},
};

#define KEYS_ACTIONS (sizeof(keys_actions) / sizeof(keys_actions[0]))

/* Key names beyond single characters, control keys and F-keys: name, code, is_key. The
 * first name of a code is the one shown. */
static const struct {
    const char *name;
    wint_t code;
    bool is_key;
} keys_names[] = {
    {"Enter", KEYS_ENTER, false},  {"Esc", KEYS_ESC, false},    {"Escape", KEYS_ESC, false},
    {"Tab", '\t', false},          {"Space", ' ', false},       {"Up", KEY_UP, true},
    {"Down", KEY_DOWN, true},      {"Left", KEY_LEFT, true},    {"Right", KEY_RIGHT, true},
    {"PgUp", KEY_PPAGE, true},     {"PageUp", KEY_PPAGE, true}, {"PgDn", KEY_NPAGE, true},
    {"PageDown", KEY_NPAGE, true}, {"Home", KEY_HOME, true},    {"End", KEY_END, true},
    {"Insert", KEY_IC, true},      {"Delete", KEY_DC, true},    {"Backspace", KEY_BACKSPACE, true},
    {"BTab", KEY_BTAB, true},
};

/* Copy the built-in table into the live one the first time it is needed. */
static void keys_init(void)
{
    if (keys_ready)
        return;
    memcpy(keys_table, keys_defaults, sizeof(keys_defaults));
    keys_count = KEYS_DEFAULTS;
    keys_ready = true;
}

/* Back to the built-in bindings. */
void keys_reset(void)
{
    keys_ready = false;
    keys_init();
}

/* Help sections: one per view, in this order. */
static const struct {
    enum tui_view view;
    const char *title;
} keys_sections[] = {
    {TUI_VIEW_LIST, "Domain and network lists"},
    {TUI_VIEW_DETAILS, "Details"},
    {TUI_VIEW_HELP, "Help"},
    {TUI_VIEW_CONSOLE, "Console"},
    {TUI_VIEW_PAGER, "Pager (dumpxml and long command output)"},
};

#define KEYS_SECTIONS (sizeof(keys_sections) / sizeof(keys_sections[0]))

/* The binding for a key in a view, or NULL. */
static const struct keys_binding *keys_find(wint_t ch, bool is_key, enum tui_view view)
{
    keys_init();
    for (size_t i = 0; i < keys_count; i++)
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
    if (cmdline_tui_key(tui, ch, is_key))
        return;
    if (tui->view != TUI_VIEW_CONSOLE) {
        if ((is_key && ch == KEY_ENTER) || (!is_key && ch == L'\n')) {
            ch = KEYS_ENTER;
            is_key = false;
        }
    }
    if (view_list_filter_key(tui, ch, is_key))
        return;
    if (!is_key && ch == KEYS_ESC && tui->view != TUI_VIEW_CONSOLE && progress_active(tui)) {
        progress_stop(tui); /* Esc stops waiting; the operation goes on */
        return;
    }
    const struct keys_binding *b = keys_find(ch, is_key, tui->view);
    if (b) {
        b->fn(tui);
        return;
    }
    if (tui->view == TUI_VIEW_CONSOLE)
        view_console_key(tui, ch, is_key);
}

/* Whether a binding is a function key (the bar at the bottom shows those, like mc). */
static bool keys_is_fkey(const struct keys_binding *b)
{
    return b->is_key && b->code >= KEY_F(1) && b->code <= KEY_F(12);
}

/* Draw the bottom bar for the current view: its function keys with their labels (F1 Help
 * ... F10 Quit); a view without function keys (the console) gets its other hints. */
void keys_draw_hints(struct tui *tui)
{
    WINDOW *w = tui->hints;
    if (!w)
        return;
    if (tui->cmdline.mode != CMDLINE_OFF) {
        cmdline_tui_draw_hints(tui);
        return;
    }
    keys_init();
    int width = getmaxx(w);
    draw_blank_line(w, 0, draw_attr(DRAW_HINT_TEXT));
    bool fkeys = false;
    for (size_t i = 0; i < keys_count; i++)
        fkeys |=
            keys_table[i].hint && (keys_table[i].views & tui->view) && keys_is_fkey(&keys_table[i]);
    int x = 0;
    for (int f = 1; f <= 12 || !fkeys; f++) {
        for (size_t i = 0; i < keys_count && x < width; i++) {
            const struct keys_binding *b = &keys_table[i];
            if (!b->hint || !(b->views & tui->view) || keys_is_fkey(b) != fkeys ||
                (fkeys && b->code != (wint_t)KEY_F(f)))
                continue;
            char label[64];
            snprintf(label, sizeof(label), "%s ", b->hint);
            if (x > 0)
                x += draw_text(w, 0, x, width - x, " ", draw_attr(DRAW_HINT_TEXT));
            x += draw_text(w, 0, x, width - x, b->name, draw_attr(DRAW_HINT_KEY));
            if (!fkeys) /* "F1Help" as mc and htop write it, "Ctrl-] detach" */
                x += draw_text(w, 0, x, width - x, " ", draw_attr(DRAW_HINT_TEXT));
            x += draw_text(w, 0, x, width - x, label, draw_attr(DRAW_HINT_TEXT));
            if (fkeys)
                break; /* one label per function key */
        }
        if (!fkeys)
            break;
    }
}

/* Number of lines keys_help_line yields: per section a title, its keys and a blank. */
size_t keys_help_count(void)
{
    keys_init();
    size_t n = 0;
    for (size_t s = 0; s < KEYS_SECTIONS; s++) {
        n += 2;
        for (size_t i = 0; i < keys_count; i++)
            if (keys_table[i].views & keys_sections[s].view)
                n++;
    }
    return n;
}

/* Help text: line i (0-based) of the generated key list; NULL past the end. */
const char *keys_help_line(size_t i, char *buf, size_t len)
{
    keys_init();
    for (size_t s = 0; s < KEYS_SECTIONS; s++) {
        if (i == 0) {
            snprintf(buf, len, "%s", keys_sections[s].title);
            return buf;
        }
        i--;
        for (size_t k = 0; k < keys_count; k++) {
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

/* Parse a key name (see ui.h). */
bool keys_parse(const char *name, wint_t *code, bool *is_key)
{
    for (size_t i = 0; i < sizeof(keys_names) / sizeof(keys_names[0]); i++)
        if (!strcasecmp(keys_names[i].name, name)) {
            *code = keys_names[i].code;
            *is_key = keys_names[i].is_key;
            return true;
        }
    const char *ctl = NULL;
    if (name[0] == '^' && name[1])
        ctl = name + 1;
    else if (!strncasecmp(name, "C-", 2) && name[2])
        ctl = name + 2;
    else if (!strncasecmp(name, "Ctrl-", 5) && name[5])
        ctl = name + 5;
    if (ctl && !ctl[1]) {
        int c = toupper((unsigned char)ctl[0]);
        if (c == '?') {
            *code = 0x7f;
        } else if (c >= '@' && c <= '_') {
            *code = (wint_t)(c & 0x1f);
        } else {
            return false;
        }
        *is_key = false;
        return true;
    }
    if ((name[0] == 'F' || name[0] == 'f') && isdigit((unsigned char)name[1])) {
        char *end;
        long n = strtol(name + 1, &end, 10);
        if (*end || n < 1 || n > 24)
            return false;
        *code = (wint_t)KEY_F(n);
        *is_key = true;
        return true;
    }
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    wchar_t wc;
    size_t len = strlen(name);
    size_t n = mbrtowc(&wc, name, len, &st);
    if (n == 0 || n == (size_t)-1 || n == (size_t)-2 || n != len || !iswgraph((wint_t)wc))
        return false;
    *code = (wint_t)wc;
    *is_key = false;
    return true;
}

/* The display name of a key into buf. */
const char *keys_name(wint_t code, bool is_key, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(keys_names) / sizeof(keys_names[0]); i++)
        if (keys_names[i].code == code && keys_names[i].is_key == is_key) {
            snprintf(buf, len, "%s", keys_names[i].name);
            return buf;
        }
    if (is_key && code >= (wint_t)KEY_F(1) && code <= (wint_t)KEY_F(24))
        snprintf(buf, len, "F%d", (int)(code - KEY_F0));
    else if (is_key)
        snprintf(buf, len, "%s", keyname((int)code) ? keyname((int)code) : "?");
    else if (code == 0x7f)
        snprintf(buf, len, "Ctrl-?");
    else if (code < 0x20)
        snprintf(buf, len, "Ctrl-%c", (char)(code + 0x40));
    else
        snprintf(buf, len, "%lc", (wint_t)code);
    return buf;
}

/* The action called name, or NULL. */
static void (*keys_action(const char *name))(struct tui *)
{
    for (size_t i = 0; i < KEYS_ACTIONS; i++)
        if (!strcmp(keys_actions[i].name, name))
            return keys_actions[i].fn;
    return NULL;
}

/* Bind action to keys, replacing its old keys (see ui.h). */
int keys_bind(const char *action, const char *keys, struct vmerr *err)
{
    keys_init();
    void (*fn)(struct tui *) = keys_action(action);
    if (!fn) {
        char names[512];
        size_t off = 0;
        for (size_t i = 0; i < KEYS_ACTIONS && off < sizeof(names); i++)
            off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? " " : "",
                                    keys_actions[i].name);
        return vmerr_set(err, VMERR_INVALID_ARG, "bind: unknown action '%s' (actions: %s)", action,
                         names);
    }
    struct {
        wint_t code;
        bool is_key;
    } want[8];
    size_t nwant = 0;
    char list[256];
    snprintf(list, sizeof(list), "%s", keys);
    for (char *save = NULL, *k = strtok_r(list, " \t,", &save); k;
         k = strtok_r(NULL, " \t,", &save)) {
        if (nwant == sizeof(want) / sizeof(want[0]))
            return vmerr_set(err, VMERR_INVALID_ARG, "bind %s: more than %zu keys", action,
                             sizeof(want) / sizeof(want[0]));
        if (!keys_parse(k, &want[nwant].code, &want[nwant].is_key))
            return vmerr_set(err, VMERR_INVALID_ARG,
                             "bind %s: '%s' is not a key name (a, S, ^X, F1-F12, Enter, Esc, "
                             "Tab, Space, Up, Down, Left, Right, PgUp, PgDn, Home, End)",
                             action, k);
        nwant++;
    }
    if (nwant == 0)
        return vmerr_set(err, VMERR_INVALID_ARG, "bind %s: no key given (bind %s = KEY)", action,
                         action);
    /* the action's first row gives the hint and help text; its views are the union */
    size_t first = keys_count;
    unsigned views = 0;
    for (size_t i = 0; i < keys_count; i++)
        if (keys_table[i].fn == fn) {
            if (first == keys_count)
                first = i;
            views |= keys_table[i].views;
        }
    if (first == keys_count)
        return vmerr_set(err, VMERR_INVALID_ARG, "bind: action '%s' has no key to replace", action);
    if (keys_count + nwant > sizeof(keys_table) / sizeof(keys_table[0]))
        return vmerr_set(err, VMERR_INVALID_ARG, "bind %s: the key table is full", action);
    struct keys_binding tmpl = keys_table[first];
    for (size_t i = 0; i < keys_count; i++)
        if (keys_table[i].fn == fn && keys_table[i].hint && !tmpl.hint)
            tmpl.hint = keys_table[i].hint;
    /* drop the action's rows, and the new keys from other actions in the same views */
    size_t out = 0, insert_at = 0;
    for (size_t i = 0; i < keys_count; i++) {
        struct keys_binding b = keys_table[i];
        if (i == first)
            insert_at = out;
        if (b.fn == fn)
            continue;
        for (size_t k = 0; k < nwant; k++)
            if (b.code == want[k].code && b.is_key == want[k].is_key)
                b.views &= ~views;
        if (b.views)
            keys_table[out++] = b;
    }
    keys_count = out;
    memmove(&keys_table[insert_at + nwant], &keys_table[insert_at],
            (keys_count - insert_at) * sizeof(keys_table[0]));
    for (size_t k = 0; k < nwant; k++) {
        struct keys_binding b = tmpl;
        b.code = want[k].code;
        b.is_key = want[k].is_key;
        b.views = views;
        b.hint = k == 0 ? tmpl.hint : NULL;
        keys_name(b.code, b.is_key, b.name, sizeof(b.name));
        keys_table[insert_at + k] = b;
    }
    keys_count += nwant;
    return 0;
}

/* The keys bound to action in view, as help shows them ("q F10"), "" if none. */
const char *keys_bound(const char *action, enum tui_view view, char *buf, size_t len)
{
    keys_init();
    void (*fn)(struct tui *) = keys_action(action);
    size_t off = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; fn && i < keys_count && off < len; i++)
        if (keys_table[i].fn == fn && (keys_table[i].views & view))
            off +=
                (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", keys_table[i].name);
    return buf;
}
