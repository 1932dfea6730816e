/* test-cmdline: the TUI's `:` command line without a terminal. Keystrokes go through
 * cmdline_key as get_wch delivers them (editing keys, UTF-8 text, history), lines are split
 * into words like a shell, Tab completes verbs, options, literal words and names of the
 * right kind from the real verb table, and cmd_run_words runs real verbs in-process on a
 * test:///default connection with their output captured in a memory stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "ui/ui.h"

/* Type text as single characters (ASCII and UTF-8 code points alike). */
static void type(struct cmdline *cl, const wchar_t *text)
{
    for (const wchar_t *p = text; *p; p++)
        assert_int_equal(cmdline_key(cl, (wint_t)*p, false), CMDLINE_EDITING);
}

/* Send one function key (KEY_*). */
static enum cmdline_result key(struct cmdline *cl, int k)
{
    return cmdline_key(cl, (wint_t)k, true);
}

/* Send one control character. */
static enum cmdline_result ctrl(struct cmdline *cl, int c)
{
    return cmdline_key(cl, (wint_t)c, false);
}

/* Left/Right/Home/End move, text goes in at the cursor, Backspace/Delete/Ctrl-U/Ctrl-W/
 * Ctrl-K delete, UTF-8 characters are edited as one. */
static void test_editing(void **state)
{
    (void)state;
    struct cmdline cl = {0};
    cmdline_open(&cl, CMDLINE_COMMAND, ":");
    type(&cl, L"stat web1");
    assert_string_equal(cl.buf, "stat web1");
    for (int i = 0; i < 6; i++)
        key(&cl, KEY_LEFT);
    type(&cl, L"r");
    assert_string_equal(cl.buf, "start web1");
    key(&cl, KEY_HOME);
    key(&cl, KEY_DC);
    assert_string_equal(cl.buf, "tart web1");
    type(&cl, L"s");
    key(&cl, KEY_END);
    key(&cl, KEY_BACKSPACE);
    ctrl(&cl, 0x7f); /* DEL, as most terminals send Backspace */
    assert_string_equal(cl.buf, "start we");
    type(&cl, L"b\u00e9\u4e2d");
    assert_string_equal(cl.buf, "start web\xc3\xa9\xe4\xb8\xad");
    key(&cl, KEY_LEFT);
    key(&cl, KEY_LEFT);
    type(&cl, L"X");
    assert_string_equal(cl.buf, "start webX\xc3\xa9\xe4\xb8\xad");
    key(&cl, KEY_RIGHT);
    key(&cl, KEY_BACKSPACE);
    assert_string_equal(cl.buf, "start webX\xe4\xb8\xad");
    ctrl(&cl, 0x17); /* Ctrl-W: the word before the cursor */
    assert_string_equal(cl.buf, "start \xe4\xb8\xad");
    assert_int_equal(cl.cur, strlen("start "));
    ctrl(&cl, 0x0b); /* Ctrl-K: to the end */
    assert_string_equal(cl.buf, "start ");
    type(&cl, L"a b");
    key(&cl, KEY_LEFT);
    ctrl(&cl, 0x15); /* Ctrl-U: to the start */
    assert_string_equal(cl.buf, "b");
    assert_int_equal(cl.cur, 0);
    ctrl(&cl, 0x05); /* Ctrl-E */
    assert_int_equal(cl.cur, 1);
    /* control characters and function keys that mean nothing insert nothing */
    ctrl(&cl, 0x02);
    key(&cl, KEY_F(3));
    assert_string_equal(cl.buf, "b");
    assert_int_equal(ctrl(&cl, '\r'), CMDLINE_RUN);
    assert_int_equal(key(&cl, KEY_ENTER), CMDLINE_RUN);
    assert_int_equal(ctrl(&cl, '\t'), CMDLINE_COMPLETE);
    assert_int_equal(ctrl(&cl, 0x1b), CMDLINE_CANCEL);
    /* Backspace on an empty line leaves it */
    cmdline_open(&cl, CMDLINE_COMMAND, ":");
    assert_int_equal(key(&cl, KEY_BACKSPACE), CMDLINE_CANCEL);
    /* a full line takes no more */
    cmdline_open(&cl, CMDLINE_COMMAND, ":");
    for (int i = 0; i < CMDLINE_MAX + 10; i++)
        cmdline_key(&cl, L'x', false);
    assert_int_equal(cl.len, CMDLINE_MAX - 1);
    assert_int_equal(strlen(cl.buf), CMDLINE_MAX - 1);
    cmdline_free(&cl);
}

/* Up/Down walk the history, the line being typed comes back, repeats are kept once. */
static void test_history(void **state)
{
    (void)state;
    struct cmdline cl = {0};
    cmdline_history_add(&cl, "list --all");
    cmdline_history_add(&cl, "start web1");
    cmdline_history_add(&cl, "start web1");
    cmdline_history_add(&cl, "   ");
    assert_int_equal(cl.nhistory, 2);
    cmdline_open(&cl, CMDLINE_COMMAND, ":");
    type(&cl, L"dump");
    key(&cl, KEY_UP);
    assert_string_equal(cl.buf, "start web1");
    key(&cl, KEY_UP);
    assert_string_equal(cl.buf, "list --all");
    key(&cl, KEY_UP); /* oldest: stays */
    assert_string_equal(cl.buf, "list --all");
    key(&cl, KEY_DOWN);
    assert_string_equal(cl.buf, "start web1");
    key(&cl, KEY_DOWN);
    assert_string_equal(cl.buf, "dump");
    key(&cl, KEY_DOWN);
    assert_string_equal(cl.buf, "dump");
    for (int i = 0; i < CMDLINE_HISTORY + 5; i++) {
        char line[32];
        snprintf(line, sizeof(line), "dominfo d%d", i);
        cmdline_history_add(&cl, line);
    }
    assert_int_equal(cl.nhistory, CMDLINE_HISTORY);
    assert_string_equal(cl.history[CMDLINE_HISTORY - 1], "dominfo d104");
    assert_string_equal(cl.history[0], "dominfo d5");
    cmdline_free(&cl);
}

/* Words: blanks separate, quotes and backslashes keep blanks, an open quote is an error. */
static void test_split(void **state)
{
    (void)state;
    struct cmdline_words w;
    struct vmerr err = {0};
    assert_int_equal(cmdline_split("  start   web1 ", &w, &err), 0);
    assert_int_equal(w.argc, 2);
    assert_string_equal(w.argv[0], "start");
    assert_string_equal(w.argv[1], "web1");
    assert_null(w.argv[2]);
    assert_true(w.trailing_blank);
    cmdline_words_free(&w);
    assert_int_equal(cmdline_split("define '/tmp/my dom.xml' \"a \\\"b\" c\\ d", &w, &err), 0);
    assert_int_equal(w.argc, 4);
    assert_string_equal(w.argv[1], "/tmp/my dom.xml");
    assert_string_equal(w.argv[2], "a \"b");
    assert_string_equal(w.argv[3], "c d");
    assert_false(w.trailing_blank);
    cmdline_words_free(&w);
    assert_int_equal(cmdline_split("", &w, &err), 0);
    assert_int_equal(w.argc, 0);
    cmdline_words_free(&w);
    assert_int_equal(cmdline_split("start 'web1", &w, &err), -1);
    assert_string_equal(err.message, "unterminated single quote");
    assert_int_equal(w.argc, 0);
}

/* Fixed names standing in for a connection's domains and networks. */
static const char *const doms[] = {"web1", "web2", "db", "my vm", NULL};
static const char *const nets[] = {"default", "dmz", NULL};

/* cmdline_names_fn over the fixed names. */
static const char *names(void *opaque, enum cmd_word kind, size_t i)
{
    (void)opaque;
    const char *const *v = kind == CMD_WORD_DOMAIN ? doms : kind == CMD_WORD_NETWORK ? nets : NULL;
    assert_non_null(v);
    for (size_t k = 0; k < i; k++)
        if (!v[k])
            return NULL;
    return v[i];
}

/* Set the line to text and press Tab; returns the number of matches. */
static size_t tab(struct cmdline *cl, const char *text)
{
    cmdline_open(cl, CMDLINE_COMMAND, ":");
    cmdline_set(cl, text);
    return cmdline_complete(cl, names, NULL);
}

/* Tab completes verbs, options, literal words, and domain or network names by verb. */
static void test_complete(void **state)
{
    (void)state;
    struct cmdline cl = {0};
    assert_int_equal(tab(&cl, "sta"), 1);
    assert_string_equal(cl.buf, "start ");
    assert_int_equal(tab(&cl, "net-sta"), 1);
    assert_string_equal(cl.buf, "net-start ");
    assert_int_equal(tab(&cl, "dumpx"), 1);
    assert_string_equal(cl.buf, "dumpxml ");
    /* several: the common prefix, and the list to show */
    assert_true(tab(&cl, "s") >= 3);
    assert_string_equal(cl.buf, "s");
    assert_non_null(strstr(cl.candidates, "start"));
    assert_non_null(strstr(cl.candidates, "shutdown"));
    assert_non_null(strstr(cl.candidates, "suspend"));
    assert_int_equal(tab(&cl, "net-d"), 3); /* net-define, net-destroy, net-dumpxml */
    assert_string_equal(cl.buf, "net-d");
    assert_int_equal(tab(&cl, "net-de"), 2);
    assert_non_null(strstr(cl.candidates, "net-define"));
    assert_non_null(strstr(cl.candidates, "net-destroy"));
    assert_null(strstr(cl.candidates, "net-dumpxml"));
    assert_int_equal(tab(&cl, "zzz"), 0);
    assert_string_equal(cl.buf, "zzz");
    assert_string_equal(cl.candidates, "");
    /* names: domains for domain verbs, networks for net-* verbs */
    assert_int_equal(tab(&cl, "start w"), 2);
    assert_string_equal(cl.buf, "start web");
    assert_string_equal(cl.candidates, "web1  web2");
    assert_int_equal(tab(&cl, "start d"), 1);
    assert_string_equal(cl.buf, "start db ");
    assert_int_equal(tab(&cl, "net-start d"), 2);
    assert_string_equal(cl.buf, "net-start d");
    assert_int_equal(tab(&cl, "net-start de"), 1);
    assert_string_equal(cl.buf, "net-start default ");
    assert_int_equal(tab(&cl, "dominfo "), 4);
    assert_int_equal(tab(&cl, "dominfo m"), 1);
    assert_string_equal(cl.buf, "dominfo 'my vm' ");
    /* options of the verb, and the name after options (--timeout's value skipped) */
    assert_int_equal(tab(&cl, "list --a"), 1);
    assert_string_equal(cl.buf, "list --all ");
    assert_int_equal(tab(&cl, "shutdown --"), 2);
    assert_string_equal(cl.candidates, "--wait  --timeout");
    assert_int_equal(tab(&cl, "shutdown --wait --timeout 30 we"), 2);
    assert_string_equal(cl.buf, "shutdown --wait --timeout 30 web");
    assert_int_equal(tab(&cl, "undefine --f"), 1);
    assert_string_equal(cl.buf, "undefine --force ");
    /* a verb with no second argument completes nothing there */
    assert_int_equal(tab(&cl, "start web1 w"), 0);
    /* literal words and verbs as arguments */
    assert_int_equal(tab(&cl, "domxml-to-native q"), 1);
    assert_string_equal(cl.buf, "domxml-to-native qemu-argv ");
    assert_int_equal(tab(&cl, "help net-u"), 1);
    assert_string_equal(cl.buf, "help net-undefine ");
    /* file paths: directories end in '/' and go on, files end the word */
    char *dir = testutil_tmpdir("cmdline");
    char path[512];
    snprintf(path, sizeof(path), "%s/web1.xml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/webs", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/.hidden", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    char line[600], want[600];
    snprintf(line, sizeof(line), "define %s/", dir);
    assert_int_equal(tab(&cl, line), 2); /* not .hidden */
    snprintf(want, sizeof(want), "define %s/web", dir);
    assert_string_equal(cl.buf, want);
    assert_non_null(strstr(cl.candidates, "web1.xml"));
    assert_non_null(strstr(cl.candidates, "webs/"));
    snprintf(line, sizeof(line), "define %s/web1", dir);
    assert_int_equal(tab(&cl, line), 1);
    snprintf(want, sizeof(want), "define %s/web1.xml ", dir);
    assert_string_equal(cl.buf, want);
    snprintf(line, sizeof(line), "net-define %s/webs", dir);
    assert_int_equal(tab(&cl, line), 1);
    snprintf(want, sizeof(want), "net-define %s/webs/", dir);
    assert_string_equal(cl.buf, want);
    snprintf(line, sizeof(line), "define %s/.h", dir);
    assert_int_equal(tab(&cl, line), 1);
    testutil_rm_rf(dir);
    free(dir);
    /* no history outside the command line */
    cmdline_history_add(&cl, "list");
    cmdline_open(&cl, CMDLINE_CONFIRM, "type the name: ");
    key(&cl, KEY_UP);
    assert_string_equal(cl.buf, "");
    /* completion in the middle of the line keeps the rest */
    cmdline_open(&cl, CMDLINE_COMMAND, ":");
    cmdline_set(&cl, "dumpx web1");
    cl.cur = 5;
    assert_int_equal(cmdline_complete(&cl, names, NULL), 1);
    assert_string_equal(cl.buf, "dumpxml  web1");
    cmdline_free(&cl);
}

/* Run words on conn with output captured; returns the verb's result and the output. */
static int run(struct engine_conn *conn, const char *line, char **out, struct vmerr *err)
{
    struct cmdline_words w;
    assert_int_equal(cmdline_split(line, &w, err), 0);
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    assert_non_null(f);
    vmerr_clear(err);
    int rc = cmd_run_words(conn, w.argc, w.argv, f, err);
    fclose(f);
    cmdline_words_free(&w);
    return rc;
}

/* Real verbs in-process: output is captured, usage errors and engine errors come back as one
 * line, the state the verbs change is the connection's. */
static void test_run_words(void **state)
{
    (void)state;
    struct vmerr err = {0};
    struct engine_conn *conn = engine_open("test:///default", &err);
    assert_non_null(conn);
    struct testutil_stderr cap;
    testutil_stderr_begin(&cap);
    char *out = NULL;
    assert_int_equal(run(conn, "list --all", &out, &err), 0);
    assert_non_null(strstr(out, " 1    test    running"));
    assert_non_null(strstr(out, "test2   shut off"));
    free(out);
    assert_int_equal(run(conn, "dumpxml test2", &out, &err), 0);
    assert_true(!strncmp(out, "<domain", 7));
    assert_non_null(strstr(out, "<name>test2</name>"));
    free(out);
    assert_int_equal(run(conn, "start test2", &out, &err), 0);
    assert_string_equal(out, "Domain 'test2' started\n");
    free(out);
    assert_int_equal(run(conn, "list --name", &out, &err), 0);
    assert_string_equal(out, "test\ntest2\n");
    free(out);
    assert_int_equal(run(conn, "start test2", &out, &err), -1);
    assert_int_equal(err.code, VMERR_OPERATION_INVALID);
    free(out);
    assert_int_equal(run(conn, "start", &out, &err), -1);
    assert_string_equal(err.message, "missing argument for 'start' (usage: start NAME)");
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(run(conn, "list --bogus", &out, &err), -1);
    assert_string_equal(err.message,
                        "unknown option '--bogus' for 'list' (usage: list [--all] [--name])");
    free(out);
    assert_int_equal(run(conn, "frobnicate x", &out, &err), -1);
    assert_non_null(strstr(err.message, "unknown verb 'frobnicate'"));
    free(out);
    assert_int_equal(run(conn, "help start", &out, &err), 0);
    assert_non_null(strstr(out, "start NAME"));
    free(out);
    assert_int_equal(run(conn, "net-dumpxml default", &out, &err), 0);
    assert_non_null(strstr(out, "<name>default</name>"));
    free(out);
    assert_int_equal(run(conn, "dumpxml --help", &out, &err), 0);
    assert_non_null(strstr(out, "dumpxml [--inactive] NAME"));
    free(out);
    assert_int_equal(testutil_stderr_end(&cap), 0); /* nothing leaked to the terminal */
    engine_close(conn);
}

/* Run the editing, history, splitting, completion and in-process verb tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_editing),   cmocka_unit_test(test_history),
        cmocka_unit_test(test_split),     cmocka_unit_test(test_complete),
        cmocka_unit_test(test_run_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
