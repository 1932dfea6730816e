/* cmdline-run: the line editor (cmdline.c) inside the TUI. Keys flow from keys_dispatch
 * into the open editor; Tab completes with the connection's domain and network names; Enter
 * hands the line to whoever opened the editor: the `:` command line splits it and runs the
 * verb from the CLI's own table (cmd_run_words, through progress.c so long verbs never block
 * the loop), and the verb's captured output flows back here to the status line (one line)
 * or the pager (more). Verbs that take over the terminal (console) switch views instead.
 * The editor is drawn in the status line, its candidates and keys in the hint bar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

/* Verbs whose output always goes to the pager, however short. */
static const char *const cmdline_run_paged[] = {"dumpxml", "net-dumpxml", "capabilities"};

/* Names for completion, listed from the engine when first asked for. */
struct cmdline_run_names {
    struct engine_conn *conn;
    struct engine_domain_info *doms;
    size_t ndoms;
    bool doms_listed;
    struct engine_network_info *nets;
    size_t nnets;
    bool nets_listed;
};

/* cmdline_names_fn: the i-th domain or network name of the connection. */
static const char *cmdline_run_name(void *opaque, enum cmd_word kind, size_t i)
{
    struct cmdline_run_names *n = opaque;
    struct vmerr err = {0};
    if (kind == CMD_WORD_DOMAIN) {
        if (!n->doms_listed &&
            engine_domain_list(n->conn, ENGINE_LIST_ALL, &n->doms, &n->ndoms, &err) < 0)
            n->ndoms = 0; /* nothing to complete; the list's own error shows elsewhere */
        n->doms_listed = true;
        return i < n->ndoms ? n->doms[i].name : NULL;
    }
    if (kind == CMD_WORD_NETWORK) {
        if (!n->nets_listed &&
            engine_network_list(n->conn, ENGINE_LIST_ALL, &n->nets, &n->nnets, &err) < 0)
            n->nnets = 0;
        n->nets_listed = true;
        return i < n->nnets ? n->nets[i].name : NULL;
    }
    return NULL;
}

/* Open the line editor in mode with prompt; done(tui, line) runs on Enter. */
void cmdline_tui_open(struct tui *tui, enum cmdline_mode mode, const char *prompt,
                      void (*done)(struct tui *tui, const char *line))
{
    cmdline_open(&tui->cmdline, mode, prompt);
    tui->cmdline_done = done;
    tui->dirty |= TUI_DIRTY_STATUS | TUI_DIRTY_HINTS;
}

/* Feed a key to the open line editor; false when it is closed. */
bool cmdline_tui_key(struct tui *tui, wint_t ch, bool is_key)
{
    struct cmdline *cl = &tui->cmdline;
    if (cl->mode == CMDLINE_OFF)
        return false;
    enum cmdline_mode mode = cl->mode;
    tui->dirty |= TUI_DIRTY_STATUS | TUI_DIRTY_HINTS;
    switch (cmdline_key(cl, ch, is_key)) {
    case CMDLINE_EDITING:
        break;
    case CMDLINE_COMPLETE:
        if (mode == CMDLINE_COMMAND) {
            struct cmdline_run_names names = {.conn = tui->conn};
            if (cmdline_complete(cl, cmdline_run_name, &names) == 0)
                snprintf(cl->candidates, sizeof(cl->candidates), "(no completion)");
            free(names.doms);
            free(names.nets);
        }
        break;
    case CMDLINE_CANCEL:
        cmdline_close(cl);
        if (mode == CMDLINE_CONFIRM)
            status_set(tui, false, "Cancelled: nothing was changed");
        break;
    case CMDLINE_RUN: {
        char line[CMDLINE_MAX];
        snprintf(line, sizeof(line), "%s", cl->buf);
        cmdline_close(cl);
        if (tui->cmdline_done)
            tui->cmdline_done(tui, line);
        break;
    }
    }
    return true;
}

/* Draw prompt and text in the status line, scrolled so the cursor (a reverse-video cell)
 * stays visible. */
void cmdline_tui_draw(struct tui *tui)
{
    WINDOW *w = tui->status;
    struct cmdline *cl = &tui->cmdline;
    int cols = getmaxx(w);
    char text[sizeof(cl->prompt) + CMDLINE_MAX];
    snprintf(text, sizeof(text), "%s%.*s", cl->prompt, (int)cl->cur, cl->buf);
    int curcol = draw_width(text);
    snprintf(text, sizeof(text), "%s%s", cl->prompt, cl->buf);
    int skip = curcol > cols - 2 ? curcol - (cols - 2) : 0;
    attr_t a = draw_attr(DRAW_CMDLINE);
    draw_blank_line(w, 0, a);
    draw_text(w, 0, 0, cols, draw_skip_cols(text, skip), a);
    /* the character under the cursor, or a blank at the end */
    char under[8] = " ";
    if (cl->cur < cl->len) {
        size_t n = 1;
        while (cl->cur + n < cl->len && ((unsigned char)cl->buf[cl->cur + n] & 0xc0) == 0x80)
            n++;
        snprintf(under, sizeof(under), "%.*s", (int)n, cl->buf + cl->cur);
    }
    draw_text(w, 0, curcol - skip, cols - (curcol - skip), under, a | A_REVERSE);
}

/* Hint bar while editing: the completion candidates, or the editing keys. */
void cmdline_tui_draw_hints(struct tui *tui)
{
    WINDOW *w = tui->hints;
    struct cmdline *cl = &tui->cmdline;
    draw_blank_line(w, 0, draw_attr(DRAW_HINT_TEXT));
    const char *text = cl->candidates;
    if (!text[0])
        text = cl->mode == CMDLINE_COMMAND
                   ? "Enter run  Tab complete  Up/Down history  Ctrl-U/Ctrl-W erase  Esc cancel"
                   : "Enter accept  Esc cancel";
    draw_text(w, 0, 0, getmaxx(w), text, draw_attr(DRAW_HINT_TEXT));
}

/* Whether verb's output always goes to the pager. */
static bool cmdline_run_is_paged(const char *title)
{
    size_t vlen = strcspn(title, " ");
    for (size_t i = 0; i < sizeof(cmdline_run_paged) / sizeof(cmdline_run_paged[0]); i++)
        if (strlen(cmdline_run_paged[i]) == vlen && !strncmp(cmdline_run_paged[i], title, vlen))
            return true;
    return false;
}

/* progress_done_fn of a verb: its result to the status line, long output to the pager. */
static void cmdline_run_result(struct tui *tui, const char *title, int rc, const char *out,
                               const struct vmerr *err)
{
    size_t len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
        len--;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += out[i] == '\n';
    if (len > 0)
        lines++;
    char pager_title[320];
    snprintf(pager_title, sizeof(pager_title), ":%s", title);
    tui->dirty |= TUI_DIRTY_DATA;
    if (rc < 0) {
        if (err->code != VMERR_OK)
            status_error(tui, err);
        else
            status_set(tui, true, "%s: failed (the problems are shown)", title);
        if (lines > 0 && (lines > 1 || err->code == VMERR_OK))
            view_pager_open(tui, pager_title, out);
        return;
    }
    if (lines > 1 || (lines == 1 && cmdline_run_is_paged(title))) {
        view_pager_open(tui, pager_title, out);
        status_clear(tui);
    } else if (lines == 1) {
        status_set(tui, false, "%.*s", (int)len, out);
    } else {
        status_set(tui, false, "%s: done", title);
    }
}

/* Run one verb given as words (see ui.h). */
void cmdline_tui_run_words(struct tui *tui, int argc, char **argv)
{
    if (argc < 1)
        return;
    if (!strcmp(argv[0], "console")) { /* takes over the terminal: the console view */
        if (argc != 2) {
            status_set(tui, true, "error: console needs one domain name (usage: console NAME)");
            return;
        }
        actions_console_open(tui, argv[1]);
        return;
    }
    if (!strcmp(argv[0], "theme")) { /* a TUI setting, not a CLI verb */
        if (argc != 2) {
            status_set(tui, true, "error: theme needs one theme name or file (usage: theme NAME)");
            return;
        }
        struct vmerr err = {0};
        if (theme_switch(tui, argv[1], &err) < 0)
            status_error(tui, &err);
        else
            status_set(tui, false, "theme %s", argv[1]);
        return;
    }
    char title[300] = "";
    for (int i = 0; i < argc; i++) {
        size_t used = strlen(title);
        snprintf(title + used, sizeof(title) - used, "%s%s", i ? " " : "", argv[i]);
    }
    struct vmerr err = {0};
    if (progress_run_words(tui, title, argc, argv, cmdline_run_result, &err) < 0)
        status_error(tui, &err);
}

/* Run a command line as the `:` prompt does (see ui.h). */
void cmdline_tui_run(struct tui *tui, const char *line)
{
    cmdline_history_add(&tui->cmdline, line);
    struct cmdline_words w;
    struct vmerr err = {0};
    if (cmdline_split(line, &w, &err) < 0) {
        status_error(tui, &err);
        return;
    }
    cmdline_tui_run_words(tui, w.argc, w.argv);
    cmdline_words_free(&w);
}
