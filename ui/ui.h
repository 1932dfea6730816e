/* ui: the vmdeck binary's one header (like tmux.h). The CLI verbs (cmd*.c) and the ncursesw
 * TUI (tui.c, the view-*.c files, status.c, keys.c, actions.c, draw.c) share it. Everything
 * here talks to the hypervisors only through engine/engine.h. */
#ifndef VMDECK_UI_H
#define VMDECK_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <wchar.h>

#include <ncurses.h>

#include "engine/engine.h"

/* ---- CLI (cmd.c, cmd-domain.c, cmd-console.c) ---- */

/* Option flags a verb may accept (parsed by cmd.c from its option table). */
enum {
    CMD_OPT_ALL = 1 << 0,      /* --all */
    CMD_OPT_NAME = 1 << 1,     /* --name */
    CMD_OPT_INACTIVE = 1 << 2, /* --inactive */
    CMD_OPT_WAIT = 1 << 3,     /* --wait (shutdown) */
    CMD_OPT_TIMEOUT = 1 << 4,  /* --timeout SECONDS (shutdown --wait); value in ctx->timeout */
    CMD_OPT_FORCE = 1 << 5,    /* --force (undefine) */
    CMD_OPT_DISABLE = 1 << 6,  /* --disable (autostart) */
    CMD_OPT_ONELINE = 1 << 8,  /* --oneline (domxml-to-native) */
};

/* What a verb handler gets: the open connection and the parsed arguments. */
struct cmd_ctx {
    const char *verb;         /* the verb as typed ("start") */
    struct engine_conn *conn; /* NULL for verbs that need none */
    const char *uri;          /* the URI asked for (NULL = default) */
    unsigned flags;           /* CMD_OPT_* given */
    int argc;                 /* positional arguments after the verb */
    char **argv;
    const char *timeout;      /* --timeout's value, NULL when not given */
    FILE *out;                /* where results go: stdout, or the TUI's capture */
    FILE *err_out;            /* per-item problems (autostart, validate): stderr, or out */
};

/* Run vmdeck with its command line; returns the process exit status. */
int cmd_main(int argc, char **argv);

/* What a verb's positional argument is (from the verb table's usage text; for completion). */
enum cmd_word {
    CMD_WORD_NONE = 0,
    CMD_WORD_DOMAIN,  /* NAME of a domain verb */
    CMD_WORD_NETWORK, /* NAME of a net-* verb */
    CMD_WORD_FILE,
    CMD_WORD_VERB,    /* help VERB */
    CMD_WORD_LITERAL, /* a fixed word such as qemu-argv */
};

/* Run one verb given as words (argv[0] is the verb; argv is reordered) on conn, in this
 * process, with everything it prints going to out: what the TUI's command line does.
 * 0 on success; -1 with err (usage errors carry the verb's usage; err->code VMERR_OK when
 * the verb printed its problems to out itself, as validate does). */
int cmd_run_words(struct engine_conn *conn, int argc, char **argv, FILE *out, struct vmerr *err);
/* Name of verb i of the table (0-based); NULL past the end. */
const char *cmd_verb_name(size_t i);
/* Option i (0-based) that verb accepts, as spelt ("--all"); NULL past the end. */
const char *cmd_verb_option(const char *verb, size_t i);
/* What positional argument pos (0-based) of verb is; a literal's text goes to lit. */
enum cmd_word cmd_verb_arg(const char *verb, int pos, char *lit, size_t len);

/* Verb handlers: 0 on success, -1 with err filled on a reported error. */
/* `domxml-to-native qemu-argv [--oneline] FILE` (cmd-native.c). */
int cmd_native_run(struct cmd_ctx *ctx, struct vmerr *err);
/* `list [--all] [--name]`. */
int cmd_domain_list(struct cmd_ctx *ctx, struct vmerr *err);
/* `dominfo NAME`. */
int cmd_domain_dominfo(struct cmd_ctx *ctx, struct vmerr *err);
/* `define FILE`. */
int cmd_domain_define(struct cmd_ctx *ctx, struct vmerr *err);
/* `undefine NAME`. */
int cmd_domain_undefine(struct cmd_ctx *ctx, struct vmerr *err);
/* start, shutdown, destroy, reboot, suspend, resume (chosen by ctx->verb). */
int cmd_domain_lifecycle(struct cmd_ctx *ctx, struct vmerr *err);
/* `shutdown [--wait [--timeout SECONDS]] NAME`. */
int cmd_domain_shutdown(struct cmd_ctx *ctx, struct vmerr *err);
/* `autostart [--disable] [NAME]`: mark/unmark NAME, or start every marked domain. */
int cmd_domain_autostart(struct cmd_ctx *ctx, struct vmerr *err);
/* `domstats NAME` (cmd-stats.c). */
int cmd_stats_run(struct cmd_ctx *ctx, struct vmerr *err);
/* `dumpxml [--inactive] NAME`. */
int cmd_domain_dumpxml(struct cmd_ctx *ctx, struct vmerr *err);
/* `console NAME`: the TUI straight in the console view. */
int cmd_console_run(struct cmd_ctx *ctx, struct vmerr *err);
/* `validate FILE`: check a domain, network or capabilities XML file without a connection
 * (cmd-validate.c); on -1 every problem is already printed and err is left empty. */
int cmd_validate_run(struct cmd_ctx *ctx, struct vmerr *err);
/* `capabilities`: the connection's capabilities XML (cmd-capabilities.c). */
int cmd_capabilities_show(struct cmd_ctx *ctx, struct vmerr *err);
/* `net-list [--all] [--name]` (cmd-network.c). */
int cmd_network_list(struct cmd_ctx *ctx, struct vmerr *err);
/* `net-define FILE`. */
int cmd_network_define(struct cmd_ctx *ctx, struct vmerr *err);
/* `net-undefine NAME`. */
int cmd_network_undefine(struct cmd_ctx *ctx, struct vmerr *err);
/* `net-dumpxml [--inactive] NAME`. */
int cmd_network_dumpxml(struct cmd_ctx *ctx, struct vmerr *err);
/* `net-info NAME`. */
int cmd_network_info(struct cmd_ctx *ctx, struct vmerr *err);
/* `net-start NAME`. */
int cmd_network_start(struct cmd_ctx *ctx, struct vmerr *err);
/* `net-destroy NAME`. */
int cmd_network_destroy(struct cmd_ctx *ctx, struct vmerr *err);
/* `net-autostart [--disable] NAME`. */
int cmd_network_autostart(struct cmd_ctx *ctx, struct vmerr *err);
/* engine_autostart_fn printing one network's line of `vmdeck autostart` (opaque: the cmd_ctx). */
void cmd_network_autostart_report(void *opaque, const char *name, bool already,
                                  const struct vmerr *err);

/* ---- One-line editor: the `:` command line, searches, typed confirmations (cmdline.c) ---- */

#define CMDLINE_MAX 1024
#define CMDLINE_HISTORY 100

/* What the line is being edited for. */
enum cmdline_mode {
    CMDLINE_OFF = 0,
    CMDLINE_COMMAND, /* `:` verb line */
    CMDLINE_SEARCH,  /* the pager's `/` */
    CMDLINE_CONFIRM, /* type a name to confirm */
};

/* What cmdline_key tells its caller. */
enum cmdline_result {
    CMDLINE_EDITING,  /* the line changed (or not); keep going */
    CMDLINE_RUN,      /* Enter */
    CMDLINE_CANCEL,   /* Esc, Ctrl-C, Backspace on an empty line */
    CMDLINE_COMPLETE, /* Tab */
};

/* A line being edited, with its history of run lines. */
struct cmdline {
    enum cmdline_mode mode;
    char prompt[300];      /* drawn before the text: ":", "/", a question */
    char buf[CMDLINE_MAX]; /* UTF-8 text */
    size_t len, cur;       /* length and cursor, in bytes (on character boundaries) */
    char *history[CMDLINE_HISTORY];
    size_t nhistory, hpos;   /* hpos == nhistory: the line being typed */
    char saved[CMDLINE_MAX]; /* the line being typed while Up/Down browse the history */
    char candidates[1024];   /* completion candidates to show ("" when none) */
};

/* A line split into words. */
struct cmdline_words {
    int argc;
    char **argv; /* NULL-terminated */
    size_t cap;
    bool trailing_blank; /* the line ends in a blank (a new word has begun) */
};

/* names(opaque, kind, i): the i-th domain or network name for completion, NULL past the
 * end. */
typedef const char *(*cmdline_names_fn)(void *opaque, enum cmd_word kind, size_t i);

/* Start editing an empty line after prompt. */
void cmdline_open(struct cmdline *cl, enum cmdline_mode mode, const char *prompt);
/* Stop editing (the history stays). */
void cmdline_close(struct cmdline *cl);
/* Free the history. */
void cmdline_free(struct cmdline *cl);
/* Replace the whole line with text, cursor at its end. */
void cmdline_set(struct cmdline *cl, const char *text);
/* Insert len bytes of s at the cursor. */
void cmdline_insert(struct cmdline *cl, const char *s, size_t len);
/* Feed one keystroke (is_key: a KEY_* code): editing keys, Up/Down history. */
enum cmdline_result cmdline_key(struct cmdline *cl, wint_t ch, bool is_key);
/* Remember a line that was run. */
void cmdline_history_add(struct cmdline *cl, const char *line);
/* Tab: complete the word before the cursor (verbs, options, names of the right kind);
 * returns the number of matches; several are listed in cl->candidates. */
size_t cmdline_complete(struct cmdline *cl, cmdline_names_fn names, void *opaque);
/* Split a line into words ('...', "..." and backslash quote); -1 with err on an open quote. */
int cmdline_split(const char *line, struct cmdline_words *w, struct vmerr *err);
/* Free what cmdline_split made. */
void cmdline_words_free(struct cmdline_words *w);

/* ---- TUI ---- */

/* The views; each has its own file (view-*.c). Used as bits in key table masks. */
enum tui_view {
    TUI_VIEW_LIST = 1 << 0,
    TUI_VIEW_DETAILS = 1 << 1,
    TUI_VIEW_HELP = 1 << 2,
    TUI_VIEW_CONSOLE = 1 << 3,
    TUI_VIEW_PAGER = 1 << 4,
};

/* Dirty flags, checked once per loop pass. */
enum {
    TUI_DIRTY_DATA = 1 << 0,   /* re-read the domain list from the engine */
    TUI_DIRTY_LAYOUT = 1 << 1, /* window size changed: rebuild windows */
    TUI_DIRTY_HEADER = 1 << 2,
    TUI_DIRTY_BODY = 1 << 3,
    TUI_DIRTY_STATUS = 1 << 4,
    TUI_DIRTY_HINTS = 1 << 5,
    TUI_DIRTY_ALL = TUI_DIRTY_HEADER | TUI_DIRTY_BODY | TUI_DIRTY_STATUS | TUI_DIRTY_HINTS,
};

/* The lists the list view switches between with Tab / [ ]. */
enum list_tab {
    LIST_TAB_DOMAINS = 0,
    LIST_TAB_NETWORKS,
    LIST_TAB_COUNT,
};

/* One list's view state: which rows pass the filter in which order, the selection (kept on
 * the same name across refreshes), the sort column and the filter. */
struct list_state {
    size_t *order; /* indices into the rows, filtered and sorted */
    size_t norder;
    size_t sel, top; /* positions in order */
    char sel_name[ENGINE_NAME_MAX];
    size_t sort_col; /* index into the tab's column table */
    bool sort_desc;
    char filter[128];    /* substring (case-insensitive) a row must contain; "" = all */
    bool filter_editing; /* '/' typed: keys edit the filter */
    bool failed;         /* the last list call failed (its error is in the status line) */
};

/* Mouse click tracking for double-clicks (mouse.c). */
struct mouse_state {
    long long last_click_ms;
    int last_y, last_x;
};

struct sampler;
struct console;
struct progress;

/* The whole TUI state; one instance lives in tui_run. */
struct tui {
    struct engine_conn *conn;
    bool console_only; /* started by `vmdeck console NAME`: detach exits */
    bool quit;
    char exit_message[1024]; /* printed on stderr after the screen is restored */
    enum tui_view view;
    enum tui_view back_view; /* where Esc/q goes from help */
    unsigned dirty;
    bool utf8;      /* the locale can draw the state symbols */
    bool tiny;      /* the terminal is too small for the layout */
    bool cursor_on; /* the terminal cursor is shown (console view) */

    WINDOW *header, *body, *status, *hints;

    /* domain and network lists (view-list.c, view-networks.c) */
    struct engine_domain_info *domains;
    size_t ndomains;
    struct engine_network_info *networks;
    size_t nnetworks;
    enum list_tab tab;                   /* the list shown */
    struct list_state lists[LIST_TAB_COUNT];
    bool split;                          /* v: list and details of the selection together */
    int tab_x[LIST_TAB_COUNT], tab_w[LIST_TAB_COUNT]; /* where the tab labels were drawn */
    int list_rows, list_cols;            /* rows of list entries and the list's width */
    bool stats_shown; /* the last draw showed sampled stats (CPU column or details graphs) */
    struct sampler *sampler; /* stats histories and the once-a-second clock (sampler.c) */
    struct mouse_state mouse;

    /* details (view-details.c): of a domain or (details_network) of a network */
    char details_name[ENGINE_NAME_MAX];
    bool details_network;
    struct engine_domain_info details_info;
    struct engine_network_info details_net;
    char **details_lines;
    size_t details_nlines, details_top, details_left;
    size_t details_words;  /* lines of facts in words before the graphs */

    /* help (view-help.c) */
    size_t help_top;

    /* status line and prompt (status.c) */
    char status_text[1024];
    bool status_error;
    bool status_shown;
    struct timespec status_expiry;
    bool prompt_active;
    char prompt_text[512];
    char prompt_name[ENGINE_NAME_MAX];
    void (*prompt_yes)(struct tui *tui, const char *name);

    /* console (view-console.c) */
    struct console *console;

    /* pager (view-pager.c) */
    char pager_title[300];
    char **pager_lines;
    size_t pager_nlines, pager_top, pager_left;
    char pager_search[256];
    long pager_match; /* line of the last match, -1 when none */
    enum tui_view pager_back;

    /* the `:` command line and typed confirmations (cmdline.c, cmdline-run.c) */
    struct cmdline cmdline;
    void (*cmdline_done)(struct tui *tui, const char *line);
    char confirm_name[ENGINE_NAME_MAX]; /* the name a CMDLINE_CONFIRM line must match */

    /* an operation in progress (progress.c); NULL when none */
    struct progress *progress;
};

/* Run the TUI on conn until the user quits; console_fd >= 0 starts in the console view of
 * domain name (and detaching ends the TUI). Takes console_fd. -1 with err if the terminal
 * cannot be set up. */
int tui_run(struct engine_conn *conn, const char *name, int console_fd, struct vmerr *err);
/* Milliseconds until the loop's nearest timer is due (0 = now), -1 when none is pending:
 * the poll timeout. Timers are rows of tui_timers in tui.c (a timeout_ms function returning
 * -1 while it needs no wake-up, and a tick run after each wake-up); an idle screen with no
 * timer pending must make no wake-ups at all. */
int tui_next_timeout_ms(struct tui *tui);
/* Switch views, marking what must be redrawn. */
void tui_set_view(struct tui *tui, enum tui_view view);

/* Every element the TUI draws, with the name theme files use for it (themes/, doc/themes.md):
 * adding an element is one line here. Elements other views and the XML editor draw are here
 * too, so one theme file colours everything. */
#define DRAW_ELEMENTS(X)                                                                       \
    X(DRAW_NORMAL, "normal")                                                                   \
    X(DRAW_HEADER, "header")                                                                   \
    X(DRAW_COLUMNS, "columns")                                                                 \
    X(DRAW_SELECTED, "selected")                                                               \
    X(DRAW_RUNNING, "running")                                                                 \
    X(DRAW_PAUSED, "paused")                                                                   \
    X(DRAW_SHUTOFF, "shutoff")                                                                 \
    X(DRAW_CRASHED, "crashed")                                                                 \
    X(DRAW_ERROR, "error")                                                                     \
    X(DRAW_INFO, "info")                                                                       \
    X(DRAW_HINT_KEY, "hint-key")                                                               \
    X(DRAW_HINT_TEXT, "hint-text")                                                             \
    X(DRAW_PROMPT, "prompt")                                                                   \
    X(DRAW_TAB, "tab")                                                                         \
    X(DRAW_TAB_ACTIVE, "tab-active")                                                           \
    X(DRAW_GRAPH, "graph")                                                                     \
    X(DRAW_SPARKLINE, "sparkline")                                                             \
    X(DRAW_FILTER, "filter")                                                                   \
    X(DRAW_PAGER, "pager")                                                                     \
    X(DRAW_CMDLINE, "cmdline")                                                                 \
    X(DRAW_BORDER, "border")                                                                   \
    X(DRAW_XML_TAG, "tag")                                                                     \
    X(DRAW_XML_ATTRIBUTE, "attribute")                                                         \
    X(DRAW_XML_VALUE, "value")                                                                 \
    X(DRAW_XML_COMMENT, "comment")                                                             \
    X(DRAW_XML_TEXT, "text")                                                                   \
    X(DRAW_XML_GUTTER, "gutter")                                                               \
    X(DRAW_XML_ERROR_MARKER, "error-marker")

/* The drawn elements (colours come from the theme, theme.c). */
enum draw_colour {
#define DRAW_ENUM_ENTRY(id, name) id,
    DRAW_ELEMENTS(DRAW_ENUM_ENTRY)
#undef DRAW_ENUM_ENTRY
        DRAW_COLOUR_COUNT,
};

/* Take the attributes (colour pair | A_* bits) of every element from the theme (theme.c). */
void draw_set_attrs(const attr_t attrs[DRAW_COLOUR_COUNT]);
/* Attributes (colour pair + bold/reverse fallback) for a chrome element. */
attr_t draw_attr(enum draw_colour c);
/* Draw UTF-8 text at y,x using at most maxcols columns; returns the columns used. */
int draw_text(WINDOW *win, int y, int x, int maxcols, const char *utf8, attr_t attr);
/* Fill a whole line of win with blanks in attr. */
void draw_blank_line(WINDOW *win, int y, attr_t attr);
/* Display width of UTF-8 text in columns. */
int draw_width(const char *utf8);
/* The part of UTF-8 text after its first cols columns. */
const char *draw_skip_cols(const char *utf8, int cols);
/* "512 MiB", "2.0 GiB" from KiB. */
void draw_memory(char *buf, size_t len, unsigned long long kib);
/* Symbol + name of a domain state for the list ("▶ running"), ASCII when !utf8. */
const char *draw_state_label(enum engine_domain_state state, bool utf8, char *buf, size_t len);
/* Colour of a domain state. */
enum draw_colour draw_state_colour(enum engine_domain_state state);
/* True when the locale's charset is UTF-8 (state symbols can be drawn). */
bool draw_locale_utf8(void);

/* Column tables (columns.c): a list's columns are a table of these, htop-like, so adding a
 * column is one entry. */
struct column {
    const char *id;    /* stable name ("name", "cpu"): for lookups and future configuration */
    const char *title;
    int width;  /* cells it takes; for the flexible column its minimum */
    bool flex;  /* takes the width left over (one per table: the name) */
    bool right; /* right-aligned */
    int drop;   /* at narrow widths columns go in this order (1 first); 0 = never */
    bool stats; /* shows sampled stats: sampling runs only while such a column is on screen */
    /* The cell's text for row into buf; *colour may be set (it starts as DRAW_NORMAL). */
    void (*text)(const struct tui *tui, const void *row, char *buf, size_t len,
                 enum draw_colour *colour);
    /* Order of two rows by this column; ties are broken by the name column. */
    int (*compare)(const struct tui *tui, const void *a, const void *b);
};

/* One list's rows and their columns. */
struct column_table {
    const struct column *cols;
    size_t ncols;
    size_t name_col; /* the column naming a row (sort tie-break, selection) */
};

/* Index of the column called id in t, or t->ncols when there is none. */
size_t columns_find(const struct column_table *t, const char *id);
/* Lay the columns out in width cells: xs[i] and ws[i] get each column's position and width,
 * ws[i] = 0 for a column dropped for lack of room. */
void columns_layout(const struct column_table *t, int width, int *xs, int *ws);
/* Sort order[0..n) (indices of rows of row_size bytes) by column col, descending with desc. */
void columns_sort(const struct tui *tui, const struct column_table *t, const void *rows,
                  size_t row_size, size_t *order, size_t n, size_t col, bool desc);
/* Whether any column's text of row contains needle (case-insensitive); "" matches all. */
bool columns_match(const struct tui *tui, const struct column_table *t, const void *row,
                   const char *needle);
/* Draw one row (or the titles when row is NULL) at y of w with the layout from
 * columns_layout; selected rows draw in the selection colour. */
void columns_draw_row(const struct tui *tui, WINDOW *w, int y, const struct column_table *t,
                      const int *xs, const int *ws, const void *row, bool selected);

/* Sparklines (sparkline.c). */
/* Render the last n values (oldest first; < 0 = no sample) into cells characters scaled to
 * max (▁..█, or "_.-=+*#@" without UTF-8), averaging when there are more values than cells
 * and right-aligning when fewer. */
void sparkline_render(const double *vals, size_t n, int cells, double max, bool utf8, char *buf,
                      size_t len);

/* Stats sampling (sampler.c): one engine_domain_stats per second for the running domains a
 * view shows, only while one does; a minute of history per domain. */
#define SAMPLER_HISTORY 60
/* The metrics kept per domain. */
enum sampler_metric {
    SAMPLER_CPU = 0,   /* % of one host CPU */
    SAMPLER_MEM,       /* KiB in use (balloon, else RSS) */
    SAMPLER_BLOCK_RD,  /* bytes/s read, all disks */
    SAMPLER_BLOCK_WR,  /* bytes/s written */
    SAMPLER_NET_RX,    /* bytes/s received by the guest, all NICs */
    SAMPLER_NET_TX,    /* bytes/s sent */
    SAMPLER_METRICS,
};
/* A minute of one domain's samples, oldest first. */
struct sampler_history {
    double v[SAMPLER_METRICS][SAMPLER_HISTORY];
    size_t n;
};
/* Free the sampler. */
void sampler_free(struct tui *tui);
/* Milliseconds until the next sample is due, -1 when nothing on screen needs stats. */
int sampler_timeout_ms(struct tui *tui);
/* Sample the domains on screen if a sample is due; marks the body dirty when it did. */
void sampler_tick(struct tui *tui);
/* The history of name, NULL when it has none. */
const struct sampler_history *sampler_history(const struct tui *tui, const char *name);
/* Forget the history of domains that are not running any more. */
void sampler_prune(struct tui *tui);

/* List view (view-list.c): the tab line, the domain or network list, the split. */
/* Re-read the domain and network lists, keeping each selection on the same name. */
void view_list_refresh(struct tui *tui);
/* Draw the list (and, split, the details of its selection) into the body window. */
void view_list_draw(struct tui *tui);
/* Move the selection by delta rows. */
void view_list_move(struct tui *tui, long delta);
/* Move the selection to the first (or, with end, the last) row. */
void view_list_move_to(struct tui *tui, bool end);
/* Select row position pos of the shown list (clamped). */
void view_list_select_row(struct tui *tui, long pos);
/* Height of the list body in rows (for paging). */
int view_list_page(struct tui *tui);
/* Name of the selected domain, NULL when the domain list is not shown or empty. */
const char *view_list_selected(struct tui *tui);
/* Name of the selected network, NULL when the network list is not shown or empty. */
const char *view_list_selected_network(struct tui *tui);
/* Names of the running domains the list shows now (for the sampler), at most max. */
size_t view_list_visible_running(struct tui *tui, const char **names, size_t max);
/* Tab / ]: the next list. */
void view_list_next_tab(struct tui *tui);
/* [: the previous list. */
void view_list_prev_tab(struct tui *tui);
/* Switch to list tab. */
void view_list_set_tab(struct tui *tui, enum list_tab tab);
/* > / F6: sort by the next column. */
void view_list_sort_next(struct tui *tui);
/* <: sort by the previous column. */
void view_list_sort_prev(struct tui *tui);
/* I: reverse the sort order. */
void view_list_sort_reverse(struct tui *tui);
/* / or F4: start typing a filter. */
void view_list_filter_start(struct tui *tui);
/* Esc: clear the filter. */
void view_list_filter_clear(struct tui *tui);
/* Feed a key to the filter being typed; true if it took it. */
bool view_list_filter_key(struct tui *tui, wint_t ch, bool is_key);
/* Enter: full-screen details of the selected domain or network. */
void view_list_open_details(struct tui *tui);
/* v: show the details of the selection beside or below the list, or stop. */
void view_list_split_toggle(struct tui *tui);
/* The domain columns (view-list.c) and network columns (view-networks.c). */
extern const struct column_table view_list_domain_table;
extern const struct column_table view_networks_table;

/* Details view (view-details.c). */
/* Show the details of domain name; -1 with err if it cannot be looked up. */
int view_details_open(struct tui *tui, const char *name, struct vmerr *err);
/* Show the details of network name; -1 with err if it cannot be looked up. */
int view_details_open_network(struct tui *tui, const char *name, struct vmerr *err);
/* Re-read the shown domain or network; back to the list if it is gone. */
void view_details_reload(struct tui *tui);
/* Forget the shown object. */
void view_details_close(struct tui *tui);
/* Draw facts, graphs and XML into the body window. */
void view_details_draw(struct tui *tui);
/* Draw the details into w (the split's part of the body). */
void view_details_draw_in(struct tui *tui, WINDOW *w);
/* Scroll by delta lines. */
void view_details_scroll(struct tui *tui, long delta);
/* Scroll to the top (or, with end, the bottom). */
void view_details_scroll_to(struct tui *tui, bool end);
/* Scroll the XML sideways by delta columns. */
void view_details_hscroll(struct tui *tui, long delta);
/* "3d 04:05", "12:03:04", "-" from a start time. */
void view_details_uptime(char *buf, size_t len, long long start_time);

/* Mouse (mouse.c). */
/* Turn mouse reporting on (list views) or off (the console: keys go to the guest). */
void mouse_enable(bool on);
/* KEY_MOUSE: click selects, double-click opens details, click on a tab switches, wheel
 * scrolls. */
void mouse_handle(struct tui *tui);

/* Help view (view-help.c). */
/* Draw the key help into the body window. */
void view_help_draw(struct tui *tui);
/* Scroll the help by delta lines. */
void view_help_scroll(struct tui *tui, long delta);

/* Console view (view-console.c). */
/* Attach the console on fd (taken over) of domain name. */
int view_console_open(struct tui *tui, const char *name, int fd, struct vmerr *err);
/* Detach: close the PTY; why (if not NULL) goes to the status line. */
void view_console_close(struct tui *tui, const char *why);
/* Follow the body window's size. */
void view_console_resize(struct tui *tui);
/* Draw the damaged part of the console (all of it when full) into body; true if anything
 * changed, the cursor included. */
bool view_console_draw(struct tui *tui, bool full);
/* Place the terminal cursor at the guest's cursor (call last in a pass); returns whether
 * the cursor should be visible. */
bool view_console_place_cursor(struct tui *tui);
/* Feed one keystroke from ncurses (is_key: a KEY_* code) to the guest. */
void view_console_key(struct tui *tui, wint_t ch, bool is_key);
/* poll() fd and events of the console (fd -1 when none). */
int view_console_fd(struct tui *tui, short *events);
/* Handle poll results on the console fd. */
void view_console_io(struct tui *tui, short revents);
/* Name of the domain on the console ("" when none). */
const char *view_console_name(struct tui *tui);
/* Milliseconds until a console frame held back during a flood is due, -1 when none. */
int view_console_timeout_ms(struct tui *tui);
/* Timer tick: release a held console frame when due (the next pass draws it). */
void view_console_tick(struct tui *tui);

/* Pager view (view-pager.c). */
/* Show text (title in the header) in the pager; q/Esc goes back to the current view. */
void view_pager_open(struct tui *tui, const char *title, const char *text);
/* Leave the pager and free its text. */
void view_pager_close(struct tui *tui);
/* Draw the page and its position line into the body window. */
void view_pager_draw(struct tui *tui);
/* Scroll by delta lines. */
void view_pager_scroll(struct tui *tui, long delta);
/* Scroll to the top or (end) the bottom. */
void view_pager_scroll_to(struct tui *tui, bool end);
/* Scroll sideways by delta steps of 8 columns. */
void view_pager_hscroll(struct tui *tui, long delta);
/* Lines per page. */
long view_pager_page(struct tui *tui);
/* Search for term from the top of the page down (empty: forget the search). */
void view_pager_search(struct tui *tui, const char *term);
/* n (dir +1) / N (dir -1): next or previous match. */
void view_pager_next(struct tui *tui, int dir);
/* Title for the header. */
const char *view_pager_title(struct tui *tui);

/* The command line inside the TUI (cmdline-run.c). */
/* Open the line editor in mode with prompt; done(tui, line) runs on Enter. */
void cmdline_tui_open(struct tui *tui, enum cmdline_mode mode, const char *prompt,
                      void (*done)(struct tui *tui, const char *line));
/* Feed a key to the open line editor; false when it is closed (the key is not consumed). */
bool cmdline_tui_key(struct tui *tui, wint_t ch, bool is_key);
/* Draw the line editor into the status window. */
void cmdline_tui_draw(struct tui *tui);
/* Draw completion candidates or the editing keys into the hint bar. */
void cmdline_tui_draw_hints(struct tui *tui);
/* Run a command line (`start web1`) as the `:` prompt does: split, run the verb (in a
 * child with a spinner when the connection's state is on disk), show the result in the
 * status line or the pager. Verbs that take over the terminal switch views instead. */
void cmdline_tui_run(struct tui *tui, const char *line);
/* Run one verb given as words, as cmdline_tui_run does after splitting. */
void cmdline_tui_run_words(struct tui *tui, int argc, char **argv);

/* Operations in progress (progress.c). */
/* What a finished job hands back: the verb's result, its output and error. */
typedef void (*progress_done_fn)(struct tui *tui, const char *title, int rc, const char *out,
                                 const struct vmerr *err);
/* Run verb words as a job: in a child process on its own connection when the connection's
 * state is on disk (the UI keeps running; a spinner shows after 200 ms), in this process
 * for in-memory connections. done runs when it finishes (not if the user stopped waiting).
 * -1 with err when another operation is still being waited for. */
int progress_run_words(struct tui *tui, const char *title, int argc, char **argv,
                       progress_done_fn done, struct vmerr *err);
/* Wait in the poll loop until domain name is shut off (after an ACPI shutdown request),
 * with a spinner; timeout_ms is how long before giving up waiting. */
int progress_wait_shutoff(struct tui *tui, const char *name, int timeout_ms, struct vmerr *err);
/* Whether an operation is being waited for. */
bool progress_active(struct tui *tui);
/* Esc: stop waiting; the operation itself continues (the status line says so). */
void progress_stop(struct tui *tui);
/* poll() fd of a running job (-1 when none). */
int progress_fd(struct tui *tui);
/* Handle poll results on the job's fd. */
void progress_io(struct tui *tui);
/* Milliseconds until the spinner's next frame, -1 when nothing is in progress. */
int progress_timeout_ms(struct tui *tui);
/* Advance the spinner, check a shutdown wait, reap finished children. */
void progress_tick(struct tui *tui);
/* Whether the spinner is on screen (the status line shows it then). */
bool progress_shown(struct tui *tui);
/* Draw the spinner line into the status window. */
void progress_draw(struct tui *tui);
/* At exit: stop waiting for everything (children finish on their own). */
void progress_free(struct tui *tui);

/* Status line and yes/no prompt (status.c). */
/* Show a result (or, with error, an error) message. */
void status_set(struct tui *tui, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Show an engine error as its one line. */
void status_error(struct tui *tui, const struct vmerr *err);
/* Remove the message. */
void status_clear(struct tui *tui);
/* Draw the prompt, the message or a blank line. */
void status_draw(struct tui *tui);
/* Milliseconds until the status message expires, -1 if nothing pending. */
int status_timeout_ms(struct tui *tui);
/* Expire the status message if its time has come. */
void status_tick(struct tui *tui);
/* Ask a yes/no question; on 'y' on_yes(tui, name) runs. */
void status_prompt(struct tui *tui, const char *name, void (*on_yes)(struct tui *, const char *),
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Feed a key to an active prompt; returns true if it consumed it. */
bool status_prompt_key(struct tui *tui, wint_t ch, bool is_key);

/* ---- Themes (theme.c) and the config file (config.c) ---- */

#define THEME_NAME_MAX 64

/* One element's look as a theme file gives it: colours -1 (default) or 0-255, A_* bits. */
struct theme_style {
    short fg, bg;
    attr_t attrs;
};

/* A parsed theme: its name, where it came from and every element's look. */
struct theme {
    char name[THEME_NAME_MAX];
    char source[512]; /* file path or "built-in" */
    struct theme_style style[DRAW_COLOUR_COUNT];
};

/* A theme file compiled into the binary (generated from themes/NAME.theme). */
struct theme_builtin {
    const char *name;
    const char *text;
    size_t len;
};
extern const struct theme_builtin theme_builtins[]; /* ends with a NULL name */

/* How colours can be drawn on this terminal. */
enum theme_depth {
    THEME_DEPTH_MONO = 0, /* no colours: attributes only */
    THEME_DEPTH_8 = 8,
    THEME_DEPTH_16 = 16,
    THEME_DEPTH_256 = 256,
};

/* Parse theme text (source names it in errors) on top of what t holds; -1 with a one-line
 * error "SOURCE:LINE: ..." naming the field on the first bad line (t is then unspecified). */
int theme_parse(struct theme *t, const char *text, const char *source, struct vmerr *err);
/* Load theme name (a file path if it has a '/'; else ~/.config/vmdeck/themes/NAME.theme,
 * then the install dir, then the built-in copy) on top of the built-in default. */
int theme_load(struct theme *t, const char *name, struct vmerr *err);
/* The colour c (-1 or 0-255) as a terminal of depth can draw it: nearest of its palette. */
short theme_map_colour(short c, enum theme_depth depth);
/* The colour depth for this terminal: MONO when NO_COLOR is set and non-empty or the
 * terminal has no colours (call after newterm). */
enum theme_depth theme_terminal_depth(void);
/* Element e of t as a terminal of depth draws it: "default" resolved (the normal element's
 * colour), colours mapped with theme_map_colour (-1 for both at MONO), bold added for a
 * bright foreground on 8 colours. */
struct theme_style theme_resolve(const struct theme *t, enum draw_colour e, enum theme_depth depth);
/* Choose the colour mode and load the start-up theme (--theme, else the config file's,
 * else "default"); a theme that fails falls back to default with a status line message. */
void theme_start(struct tui *tui, const char *name);
/* Switch to theme name at run time (the `:theme NAME` command); -1 with err (the current
 * theme stays) when it cannot be loaded. */
int theme_switch(struct tui *tui, const char *name, struct vmerr *err);
/* T: switch to the next built-in or user theme. */
void theme_cycle(struct tui *tui);
/* Name of the theme in use. */
const char *theme_current(void);
/* True when colours may be drawn at all (colour terminal, NO_COLOR unset); the console
 * view keeps the guest's colours only then. */
bool theme_has_colours(void);
/* --theme NAME from the command line: overrides the config file's theme. */
void theme_set_option(const char *name);

/* Settings from ~/.config/vmdeck/config (XDG_CONFIG_HOME honoured). */
#define CONFIG_WARNINGS_MAX 8
struct config {
    char theme[THEME_NAME_MAX]; /* "" = not set */
    size_t nwarnings;           /* every problem, even past the ones kept */
    char warnings[CONFIG_WARNINGS_MAX][320];
};

/* vmdeck's config directory ($XDG_CONFIG_HOME/vmdeck or ~/.config/vmdeck) into buf; ""
 * when neither variable is set. */
const char *config_dir(char *buf, size_t len);
/* Path of the config file into buf ("" if neither XDG_CONFIG_HOME nor HOME is set). */
const char *config_path(char *buf, size_t len);
/* Parse config text (source names it in warnings): key bindings are applied to the key
 * table, other settings land in cfg; a bad line is a warning and the rest still applies. */
void config_parse(struct config *cfg, const char *text, const char *source);
/* Read and parse the config file if there is one (a missing file is no warning). */
void config_load(struct config *cfg);
/* At TUI start: load the config, pick the theme, show warnings in the status line. */
void config_start(struct tui *tui);

/* Key table (keys.c). */
/* Dispatch one keystroke in the current view. */
void keys_dispatch(struct tui *tui, wint_t ch, bool is_key);
/* Draw the hint bar for the current view. */
void keys_draw_hints(struct tui *tui);
/* Help text: line i (0-based) of the generated key list; NULL past the end. */
const char *keys_help_line(size_t i, char *buf, size_t len);
/* Number of lines keys_help_line yields. */
size_t keys_help_count(void);
/* Bind action (its name, e.g. "start") to keys (names separated by spaces or commas, e.g.
 * "s" or "q F10"), replacing its old keys; the keys leave other actions in the same views.
 * -1 with a one-line error for an unknown action or key name (the table is unchanged). */
int keys_bind(const char *action, const char *keys, struct vmerr *err);
/* Back to the built-in bindings. */
void keys_reset(void);
/* Parse a key name (a, S, ^X, Ctrl-X, F1..F12, Enter, Esc, Tab, Space, Up, PgDn, ...);
 * false if it is not one. */
bool keys_parse(const char *name, wint_t *code, bool *is_key);
/* The display name of a key ("Ctrl-L", "F10", "s") into buf. */
const char *keys_name(wint_t code, bool is_key, char *buf, size_t len);
/* The keys bound to action in view, as help shows them ("q F10"), "" if none. */
const char *keys_bound(const char *action, enum tui_view view, char *buf, size_t len);

/* Actions bound to keys (actions.c). */
/* q / F10: quit. */
void actions_quit(struct tui *tui);
/* q / Esc: back from details or help. */
void actions_back(struct tui *tui);
/* ? / F1: the key help. */
void actions_help(struct tui *tui);
/* Enter: details of the selected domain. */
void actions_details(struct tui *tui);
/* s: start. */
void actions_start(struct tui *tui);
/* S: ACPI shutdown. */
void actions_shutdown(struct tui *tui);
/* D: destroy after a y/N question. */
void actions_destroy(struct tui *tui);
/* p: pause or resume. */
void actions_pause(struct tui *tui);
/* r: reboot. */
void actions_reboot(struct tui *tui);
/* c: attach the serial console. */
void actions_console(struct tui *tui);
/* Attach the console of domain name (the `c` key, `:console NAME`). */
void actions_console_open(struct tui *tui, const char *name);
/* u: undefine (y/N; a running domain: type its name, then destroy + undefine). */
void actions_undefine(struct tui *tui);
/* x: the domain's XML in the pager. */
void actions_dumpxml(struct tui *tui);
/* ':': the command line. */
void actions_command(struct tui *tui);
/* '/' in the pager: search. */
void actions_search(struct tui *tui);
/* n in the pager: next match. */
void actions_search_next(struct tui *tui);
/* N in the pager: previous match. */
void actions_search_prev(struct tui *tui);
/* Ctrl-]: detach from the console. */
void actions_detach(struct tui *tui);
/* Up / k. */
void actions_up(struct tui *tui);
/* Down / j. */
void actions_down(struct tui *tui);
/* PgUp. */
void actions_page_up(struct tui *tui);
/* PgDn. */
void actions_page_down(struct tui *tui);
/* Home. */
void actions_home(struct tui *tui);
/* End. */
void actions_end(struct tui *tui);
/* Left: scroll the XML left. */
void actions_left(struct tui *tui);
/* Right: scroll the XML right. */
void actions_right(struct tui *tui);
/* F5: re-read the domain list. */
void actions_refresh(struct tui *tui);
/* Ctrl-L: repaint the terminal. */
void actions_redraw(struct tui *tui);

#endif
