/* cmdline: the one-line editor at the bottom of the TUI (the `:` command line, the pager's
 * `/` search, the "type the name" confirmation). Keystrokes flow in through cmdline_key and
 * edit a UTF-8 buffer (cursor as a byte offset on character boundaries); Enter, Esc and Tab
 * flow back out as a result for the caller. The pure parts live here so unit tests drive
 * them without a terminal: splitting a line into words (shell-like quotes), completion of
 * verbs, options, file paths and names (names come from a callback), and the history. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ui/ui.h"

/* Control characters as get_wch returns them. */
enum {
    CMDLINE_CTRL_A = 0x01,
    CMDLINE_CTRL_C = 0x03,
    CMDLINE_CTRL_E = 0x05,
    CMDLINE_CTRL_H = 0x08,
    CMDLINE_TAB = 0x09,
    CMDLINE_CTRL_K = 0x0b,
    CMDLINE_ENTER = 0x0d,
    CMDLINE_NEWLINE = 0x0a,
    CMDLINE_CTRL_U = 0x15,
    CMDLINE_CTRL_W = 0x17,
    CMDLINE_ESC = 0x1b,
    CMDLINE_DEL = 0x7f,
};

/* Start editing an empty line after prompt (":", "/", or a question). */
void cmdline_open(struct cmdline *cl, enum cmdline_mode mode, const char *prompt)
{
    cl->mode = mode;
    snprintf(cl->prompt, sizeof(cl->prompt), "%s", prompt);
    cl->buf[0] = '\0';
    cl->len = cl->cur = 0;
    cl->hpos = cl->nhistory;
    cl->candidates[0] = '\0';
}

/* Stop editing (the history stays). */
void cmdline_close(struct cmdline *cl)
{
    cl->mode = CMDLINE_OFF;
    cl->candidates[0] = '\0';
}

/* Free the history. */
void cmdline_free(struct cmdline *cl)
{
    for (size_t i = 0; i < cl->nhistory; i++)
        free(cl->history[i]);
    cl->nhistory = 0;
    cl->hpos = 0;
}

/* Replace the whole line with text, cursor at its end. */
void cmdline_set(struct cmdline *cl, const char *text)
{
    snprintf(cl->buf, sizeof(cl->buf), "%s", text);
    cl->len = cl->cur = strlen(cl->buf);
}

/* Whether byte c continues a UTF-8 sequence. */
static bool cmdline_is_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* Encode code point ch as UTF-8 into out (at least 4 bytes); returns the length, 0 if
 * ch is not a character that can be typed. */
static size_t cmdline_utf8(wint_t ch, char *out)
{
    unsigned long c = (unsigned long)ch;
    if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return 0;
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* Insert len bytes of s at the cursor (nothing if the line would be too long). */
void cmdline_insert(struct cmdline *cl, const char *s, size_t len)
{
    if (cl->len + len >= sizeof(cl->buf))
        return;
    memmove(cl->buf + cl->cur + len, cl->buf + cl->cur, cl->len - cl->cur + 1);
    memcpy(cl->buf + cl->cur, s, len);
    cl->len += len;
    cl->cur += len;
}

/* Delete the bytes [from, to) of the line, moving the cursor with them. */
static void cmdline_delete(struct cmdline *cl, size_t from, size_t to)
{
    memmove(cl->buf + from, cl->buf + to, cl->len - to + 1);
    cl->len -= to - from;
    if (cl->cur >= to)
        cl->cur -= to - from;
    else if (cl->cur > from)
        cl->cur = from;
}

/* Byte offset of the character before offset at. */
static size_t cmdline_prev(const struct cmdline *cl, size_t at)
{
    while (at > 0 && cmdline_is_cont((unsigned char)cl->buf[--at]))
        ;
    return at;
}

/* Byte offset of the character after offset at. */
static size_t cmdline_next(const struct cmdline *cl, size_t at)
{
    if (at >= cl->len)
        return cl->len;
    at++;
    while (at < cl->len && cmdline_is_cont((unsigned char)cl->buf[at]))
        at++;
    return at;
}

/* Up/Down: step through the history (dir -1 older, +1 newer); past the newest entry the
 * line being typed comes back. */
static void cmdline_history_step(struct cmdline *cl, int dir)
{
    if (dir < 0 && cl->hpos == 0)
        return;
    if (dir > 0 && cl->hpos >= cl->nhistory)
        return;
    if (cl->hpos == cl->nhistory)
        snprintf(cl->saved, sizeof(cl->saved), "%s", cl->buf);
    cl->hpos += dir;
    cmdline_set(cl, cl->hpos == cl->nhistory ? cl->saved : cl->history[cl->hpos]);
}

/* Remember a line that was run (not blank, not a repeat of the last one). */
void cmdline_history_add(struct cmdline *cl, const char *line)
{
    if (!line[strspn(line, " ")])
        return;
    if (cl->nhistory && !strcmp(cl->history[cl->nhistory - 1], line)) {
        cl->hpos = cl->nhistory;
        return;
    }
    if (cl->nhistory == CMDLINE_HISTORY) {
        free(cl->history[0]);
        memmove(cl->history, cl->history + 1, (CMDLINE_HISTORY - 1) * sizeof(char *));
        cl->nhistory--;
    }
    cl->history[cl->nhistory] = strdup(line);
    if (!cl->history[cl->nhistory])
        abort(); /* memory exhaustion is not recoverable */
    cl->nhistory++;
    cl->hpos = cl->nhistory;
}

/* Ctrl-W: delete the word before the cursor (and the blanks after it). */
static void cmdline_kill_word(struct cmdline *cl)
{
    size_t at = cl->cur;
    while (at > 0 && cl->buf[at - 1] == ' ')
        at--;
    while (at > 0 && cl->buf[at - 1] != ' ')
        at--;
    cmdline_delete(cl, at, cl->cur);
}

/* Feed one keystroke; says what the caller should do next. */
enum cmdline_result cmdline_key(struct cmdline *cl, wint_t ch, bool is_key)
{
    if (cl->mode == CMDLINE_OFF)
        return CMDLINE_CANCEL;
    cl->candidates[0] = '\0';
    if (is_key) {
        switch (ch) {
        case KEY_ENTER:
            return CMDLINE_RUN;
        case KEY_LEFT:
            cl->cur = cmdline_prev(cl, cl->cur);
            break;
        case KEY_RIGHT:
            cl->cur = cmdline_next(cl, cl->cur);
            break;
        case KEY_HOME:
            cl->cur = 0;
            break;
        case KEY_END:
            cl->cur = cl->len;
            break;
        case KEY_BACKSPACE:
            if (cl->cur == 0 && cl->len == 0)
                return CMDLINE_CANCEL; /* like vim: backspace on an empty line leaves */
            cmdline_delete(cl, cmdline_prev(cl, cl->cur), cl->cur);
            break;
        case KEY_DC:
            cmdline_delete(cl, cl->cur, cmdline_next(cl, cl->cur));
            break;
        case KEY_UP: /* the history is of commands, not of searches or typed names */
            if (cl->mode == CMDLINE_COMMAND)
                cmdline_history_step(cl, -1);
            break;
        case KEY_DOWN:
            if (cl->mode == CMDLINE_COMMAND)
                cmdline_history_step(cl, 1);
            break;
        default:
            break; /* other function keys do nothing while editing */
        }
        return CMDLINE_EDITING;
    }
    switch (ch) {
    case CMDLINE_ENTER:
    case CMDLINE_NEWLINE:
        return CMDLINE_RUN;
    case CMDLINE_ESC:
    case CMDLINE_CTRL_C:
        return CMDLINE_CANCEL;
    case CMDLINE_TAB:
        return CMDLINE_COMPLETE;
    case CMDLINE_DEL:
    case CMDLINE_CTRL_H:
        if (cl->cur == 0 && cl->len == 0)
            return CMDLINE_CANCEL;
        cmdline_delete(cl, cmdline_prev(cl, cl->cur), cl->cur);
        return CMDLINE_EDITING;
    case CMDLINE_CTRL_A:
        cl->cur = 0;
        return CMDLINE_EDITING;
    case CMDLINE_CTRL_E:
        cl->cur = cl->len;
        return CMDLINE_EDITING;
    case CMDLINE_CTRL_U:
        cmdline_delete(cl, 0, cl->cur);
        return CMDLINE_EDITING;
    case CMDLINE_CTRL_K:
        cmdline_delete(cl, cl->cur, cl->len);
        return CMDLINE_EDITING;
    case CMDLINE_CTRL_W:
        cmdline_kill_word(cl);
        return CMDLINE_EDITING;
    default:
        break;
    }
    char u[4];
    size_t n = cmdline_utf8(ch, u);
    if (n)
        cmdline_insert(cl, u, n);
    return CMDLINE_EDITING;
}

/* Append one word of length len to the words array. */
static void cmdline_push_word(struct cmdline_words *w, const char *s, size_t len)
{
    if ((size_t)w->argc == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->argv = realloc(w->argv, (w->cap + 1) * sizeof(char *));
        if (!w->argv)
            abort(); /* memory exhaustion is not recoverable */
    }
    char *word = strndup(s, len);
    if (!word)
        abort();
    w->argv[w->argc++] = word;
    w->argv[w->argc] = NULL;
}

/* Split a line into words like a shell without expansions: blanks separate, '...' and
 * "..." quote, a backslash escapes the next character. -1 with err on an open quote. */
int cmdline_split(const char *line, struct cmdline_words *w, struct vmerr *err)
{
    memset(w, 0, sizeof(*w));
    size_t cap = strlen(line) + 1;
    char *word = malloc(cap);
    if (!word)
        abort(); /* memory exhaustion is not recoverable */
    const char *p = line;
    w->trailing_blank = true;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t len = 0;
        char quote = 0;
        for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
            if (quote && *p == quote) {
                quote = 0;
            } else if (!quote && (*p == '\'' || *p == '"')) {
                quote = *p;
            } else if (*p == '\\' && quote != '\'' && p[1]) {
                word[len++] = *++p;
            } else {
                word[len++] = *p;
            }
        }
        if (quote) {
            free(word);
            cmdline_words_free(w);
            return vmerr_set(err, VMERR_INVALID_ARG, "unterminated %s quote",
                             quote == '\'' ? "single" : "double");
        }
        cmdline_push_word(w, word, len);
        w->trailing_blank = false;
        if (*p)
            w->trailing_blank = true;
    }
    free(word);
    return 0;
}

/* Free what cmdline_split made. */
void cmdline_words_free(struct cmdline_words *w)
{
    for (int i = 0; i < w->argc; i++)
        free(w->argv[i]);
    free(w->argv);
    memset(w, 0, sizeof(*w));
}

/* Candidates collected for one completion. */
struct cmdline_matches {
    const char *prefix;
    size_t plen;
    char common[CMDLINE_MAX]; /* longest common prefix of the matches */
    size_t count;
    char list[sizeof(((struct cmdline *)0)->candidates)];
};

/* Add s to the matches if it starts with the prefix. */
static void cmdline_match(struct cmdline_matches *m, const char *s)
{
    if (strncmp(s, m->prefix, m->plen))
        return;
    if (m->count == 0) {
        snprintf(m->common, sizeof(m->common), "%s", s);
    } else {
        size_t i = 0;
        while (m->common[i] && m->common[i] == s[i])
            i++;
        m->common[i] = '\0';
    }
    size_t used = strlen(m->list);
    snprintf(m->list + used, sizeof(m->list) - used, "%s%s", used ? "  " : "", s);
    m->count++;
}

/* Whether a completed word needs quoting to survive cmdline_split. */
static bool cmdline_needs_quote(const char *s)
{
    return strpbrk(s, " \t'\"\\") != NULL;
}

/* Add the files of the prefix's directory that start with its last part (directories with a
 * '/'); hidden files only when that part starts with a dot. */
static void cmdline_match_files(struct cmdline_matches *m)
{
    const char *slash = strrchr(m->prefix, '/');
    char dir[CMDLINE_MAX];
    if (slash)
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - m->prefix + 1), m->prefix);
    else
        dir[0] = '\0';
    const char *base = slash ? slash + 1 : m->prefix;
    DIR *d = opendir(dir[0] ? dir : ".");
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            (e->d_name[0] == '.' && base[0] != '.'))
            continue;
        char path[CMDLINE_MAX];
        size_t dlen = strlen(dir), nlen = strlen(e->d_name);
        if (dlen + nlen + 2 > sizeof(path)) /* longer than a command line can hold */
            continue;
        memcpy(path, dir, dlen);
        memcpy(path + dlen, e->d_name, nlen + 1);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            memcpy(path + dlen + nlen, "/", 2);
        cmdline_match(m, path);
    }
    closedir(d);
}

/* Kind of the word being completed: the verb, an option, or the verb's positional argument
 * number n (options and --timeout's value do not count). */
static enum cmd_word cmdline_word_kind(const struct cmdline_words *w, char *lit, size_t litlen)
{
    if (w->argc == 0)
        return CMD_WORD_NONE;
    int pos = 0;
    for (int i = 1; i < w->argc; i++) {
        if (!strcmp(w->argv[i], "--timeout")) {
            i++;
            continue;
        }
        if (w->argv[i][0] != '-')
            pos++;
    }
    return cmd_verb_arg(w->argv[0], pos, lit, litlen);
}

/* Tab: complete the word before the cursor. Verbs come from the verb table, options from
 * the verb's entry, names from names(opaque, kind, i) (i-th name of that kind, NULL past
 * the end). One match is taken with a blank after it; several extend the word to their
 * common prefix and are listed in cl->candidates. Returns the number of matches. */
size_t cmdline_complete(struct cmdline *cl, cmdline_names_fn names, void *opaque)
{
    cl->candidates[0] = '\0';
    /* The word under completion starts after the last blank before the cursor. */
    size_t start = cl->cur;
    while (start > 0 && cl->buf[start - 1] != ' ')
        start--;
    char before[CMDLINE_MAX];
    snprintf(before, sizeof(before), "%.*s", (int)start, cl->buf);
    struct cmdline_words w;
    struct vmerr err = {0};
    if (cmdline_split(before, &w, &err) < 0)
        return 0;
    char prefix[CMDLINE_MAX];
    snprintf(prefix, sizeof(prefix), "%.*s", (int)(cl->cur - start), cl->buf + start);
    struct cmdline_matches *m = calloc(1, sizeof(*m));
    if (!m)
        abort(); /* memory exhaustion is not recoverable */
    m->prefix = prefix;
    m->plen = strlen(prefix);
    if (w.argc == 0) {
        for (size_t i = 0; cmd_verb_name(i); i++)
            cmdline_match(m, cmd_verb_name(i));
    } else if (prefix[0] == '-') {
        for (size_t i = 0; cmd_verb_option(w.argv[0], i); i++)
            cmdline_match(m, cmd_verb_option(w.argv[0], i));
    } else {
        char lit[64] = "";
        enum cmd_word kind = cmdline_word_kind(&w, lit, sizeof(lit));
        if (kind == CMD_WORD_LITERAL) {
            cmdline_match(m, lit);
        } else if (kind == CMD_WORD_VERB) {
            for (size_t i = 0; cmd_verb_name(i); i++)
                cmdline_match(m, cmd_verb_name(i));
        } else if (kind == CMD_WORD_FILE) {
            cmdline_match_files(m);
        } else if (kind != CMD_WORD_NONE && names) {
            const char *s;
            for (size_t i = 0; (s = names(opaque, kind, i)); i++)
                cmdline_match(m, s);
        }
    }
    cmdline_words_free(&w);
    size_t count = m->count;
    if (count > 0) {
        char repl[CMDLINE_MAX + 4];
        bool quote = cmdline_needs_quote(m->common);
        size_t clen = strlen(m->common);
        bool done = count == 1 && !(clen > 0 && m->common[clen - 1] == '/'); /* a dir goes on */
        snprintf(repl, sizeof(repl), "%s%s%s%s", quote ? "'" : "", m->common,
                 quote && count == 1 ? "'" : "", done ? " " : "");
        if (count == 1 || (strlen(m->common) > m->plen && !quote)) {
            cmdline_delete(cl, start, cl->cur);
            cmdline_insert(cl, repl, strlen(repl));
        }
        if (count > 1)
            snprintf(cl->candidates, sizeof(cl->candidates), "%s", m->list);
    }
    free(m);
    return count;
}
