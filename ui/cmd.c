/* cmd: the command line. argv flows in here: global options (-c/--connect URI, -h/--help)
 * are parsed, the verb is looked up in the verb table, its options and arguments are
 * checked against the table entry, a connection is opened, and the handler runs. Results go
 * to stdout; a reported error is one "error: ..." line on stderr (exit 1); usage errors print
 * the usage line (exit 2). No verb opens the TUI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ui/ui.h"

/* Exit statuses, as virsh uses them. */
enum {
    CMD_EXIT_OK = 0,
    CMD_EXIT_ERROR = 1,
    CMD_EXIT_USAGE = 2,
};

struct cmd_entry {
    const char *name;
    const char *usage; /* arguments after the verb */
    const char *help;  /* one line */
    unsigned options;  /* CMD_OPT_* accepted */
    int min_args, max_args;
    bool needs_conn;
    int (*fn)(struct cmd_ctx *ctx, struct vmerr *err);
};

static int cmd_help(struct cmd_ctx *ctx, struct vmerr *err);
static int cmd_version(struct cmd_ctx *ctx, struct vmerr *err);

/* Every verb: the one place names, usage and help live (help output is generated). */
static const struct cmd_entry cmd_table[] = {
    {"list", "[--all] [--name]", "list running domains (--all: inactive ones too)",
     CMD_OPT_ALL | CMD_OPT_NAME, 0, 0, true, cmd_domain_list},
    {"dominfo", "NAME", "show a domain's state, id, uuid, vcpus and memory", 0, 1, 1, true,
     cmd_domain_dominfo},
    {"define", "FILE", "define (or redefine) a domain from an XML file", 0, 1, 1, true,
     cmd_domain_define},
    {"undefine", "[--force] NAME",
     "remove a domain's persistent definition (--force: destroy it first if running)",
     CMD_OPT_FORCE, 1, 1, true, cmd_domain_undefine},
    {"start", "NAME", "start an inactive domain", 0, 1, 1, true, cmd_domain_lifecycle},
    {"shutdown", "[--wait [--timeout SECONDS]] NAME",
     "ask a domain to shut down (ACPI power button); --wait: until it is off (default 300 s)",
     CMD_OPT_WAIT | CMD_OPT_TIMEOUT, 1, 1, true, cmd_domain_shutdown},
    {"destroy", "NAME", "stop a domain immediately, without a shutdown", 0, 1, 1, true,
     cmd_domain_lifecycle},
    {"reboot", "NAME", "reboot a domain (ACPI: the guest shuts down, then boots again)", 0, 1, 1,
     true, cmd_domain_lifecycle},
    {"reset", "NAME", "reset a domain at once, like its reset button", 0, 1, 1, true,
     cmd_domain_lifecycle},
    {"suspend", "NAME", "pause a running domain", 0, 1, 1, true, cmd_domain_lifecycle},
    {"resume", "NAME", "resume a paused domain", 0, 1, 1, true, cmd_domain_lifecycle},
    {"autostart", "[--disable] [NAME]",
     "mark NAME to start at boot (--disable: unmark); no NAME: start every marked network, then "
     "domain",
     CMD_OPT_DISABLE, 0, 1, true, cmd_domain_autostart},
    {"domstats", "NAME", "CPU %, memory, disk and network counters of a running domain", 0, 1, 1,
     true, cmd_stats_run},
    {"dumpxml", "[--inactive] NAME", "print a domain's XML (--inactive: the persistent one)",
     CMD_OPT_INACTIVE, 1, 1, true, cmd_domain_dumpxml},
    {"console", "NAME", "attach to a domain's serial console (Ctrl-] detaches)", 0, 1, 1, true,
     cmd_console_run},
    {"capabilities", "", "print what this host can run (capabilities XML)", 0, 0, 0, true,
     cmd_capabilities_show},
    {"net-list", "[--all] [--name]", "list active networks (--all: inactive ones too)",
     CMD_OPT_ALL | CMD_OPT_NAME, 0, 0, true, cmd_network_list},
    {"net-info", "NAME", "show a network's state, bridge, forward mode, subnet and DHCP range", 0,
     1, 1, true, cmd_network_info},
    {"net-start", "NAME", "start an inactive network (bridge, addresses, DHCP, NAT)", 0, 1, 1, true,
     cmd_network_start},
    {"net-destroy", "NAME", "stop an active network and remove its bridge, DHCP and NAT", 0, 1, 1,
     true, cmd_network_destroy},
    {"net-autostart", "[--disable] NAME",
     "mark a network to start with `vmdeck autostart` (--disable: unmark)", CMD_OPT_DISABLE, 1, 1,
     true, cmd_network_autostart},
    {"net-define", "FILE", "define (or redefine) a network from an XML file", 0, 1, 1, true,
     cmd_network_define},
    {"net-undefine", "NAME", "remove a network's persistent definition", 0, 1, 1, true,
     cmd_network_undefine},
    {"net-dumpxml", "[--inactive] NAME", "print a network's XML (--inactive: the persistent one)",
     CMD_OPT_INACTIVE, 1, 1, true, cmd_network_dumpxml},
    {"domxml-to-native", "qemu-argv [--oneline] FILE",
     "print the QEMU command line a domain XML file would run (nothing is started)",
     CMD_OPT_ONELINE, 2, 2, true, cmd_native_run},
    {"validate", "FILE", "check a domain, network or capabilities XML file", 0, 1, 1, false,
     cmd_validate_run},
    {"version", "", "print vmdeck's version", 0, 0, 0, false, cmd_version},
    {"help", "[VERB]", "list verbs, or show one verb's usage", 0, 0, 1, false, cmd_help},
};

#define CMD_COUNT (sizeof(cmd_table) / sizeof(cmd_table[0]))

/* Verb options by spelling. */
static const struct {
    const char *name;
    unsigned flag;
} cmd_options[] = {
    {"--all", CMD_OPT_ALL},           {"--name", CMD_OPT_NAME},
    {"--inactive", CMD_OPT_INACTIVE}, {"--wait", CMD_OPT_WAIT},
    {"--timeout", CMD_OPT_TIMEOUT},   {"--force", CMD_OPT_FORCE},
    {"--disable", CMD_OPT_DISABLE},   {"--oneline", CMD_OPT_ONELINE},
};

#define CMD_OPTION_COUNT (sizeof(cmd_options) / sizeof(cmd_options[0]))

/* The verb table entry called name, or NULL. */
static const struct cmd_entry *cmd_find(const char *name)
{
    for (size_t i = 0; i < CMD_COUNT; i++)
        if (!strcmp(cmd_table[i].name, name))
            return &cmd_table[i];
    return NULL;
}

/* Print the usage line of one verb (or of vmdeck itself when e is NULL) to f. */
static void cmd_print_usage(FILE *f, const struct cmd_entry *e)
{
    if (e)
        fprintf(f, "usage: vmdeck [-c URI] %s%s%s\n", e->name, e->usage[0] ? " " : "", e->usage);
    else
        fprintf(f, "usage: vmdeck [-c URI] [VERB [ARGS...]]   (no verb: full-screen TUI; "
                   "'vmdeck help' lists verbs)\n");
}

/* Print the full help: usage, global options and every verb from the table. */
static void cmd_print_help(FILE *f)
{
    cmd_print_usage(f, NULL);
    fprintf(f,
            "\noptions:\n"
            "  -c, --connect URI   connection URI (default: %s)\n"
            "  --theme NAME        TUI colour theme: default, dark, light, mono or a file\n"
            "                      (doc/themes.md)\n"
            "  -h, --help          this help\n"
            "\nverbs:\n",
            engine_default_uri());
    for (size_t i = 0; i < CMD_COUNT; i++) {
        char left[64];
        snprintf(left, sizeof(left), "%s %s", cmd_table[i].name, cmd_table[i].usage);
        fprintf(f, "  %-30s %s\n", left, cmd_table[i].help);
    }
}

/* A usage error: one "error:" line, then the usage line; returns the usage exit status. */
static int cmd_usage_error(const struct cmd_entry *e, const char *fmt, const char *arg)
{
    fputs("error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    cmd_print_usage(stderr, e);
    return CMD_EXIT_USAGE;
}

/* `help [VERB]`: all verbs, or one verb's usage and help. */
static int cmd_help(struct cmd_ctx *ctx, struct vmerr *err)
{
    if (ctx->argc == 0) {
        cmd_print_help(ctx->out);
        return 0;
    }
    const struct cmd_entry *e = cmd_find(ctx->argv[0]);
    if (!e)
        return vmerr_set(err, VMERR_INVALID_ARG, "help: unknown verb '%s'", ctx->argv[0]);
    cmd_print_usage(ctx->out, e);
    fprintf(ctx->out, "%s\n", e->help);
    return 0;
}

/* `version`: the program's version. */
static int cmd_version(struct cmd_ctx *ctx, struct vmerr *err)
{
    fprintf(ctx->out, "vmdeck %s\n", VMDECK_VERSION);
    return 0;
}

/* Parse a verb's options and arguments from argv[0..argc) into ctx; returns -1 with err
 * saying what is wrong (a usage error), 1 if --help was asked (usage printed to ctx->out),
 * 0 otherwise. */
static int cmd_parse_verb_args(const struct cmd_entry *e, int argc, char **argv,
                               struct cmd_ctx *ctx, struct vmerr *err)
{
    bool only_args = false;
    ctx->argc = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_args && !strcmp(a, "--")) {
            only_args = true;
            continue;
        }
        if (!only_args && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            cmd_print_usage(ctx->out, e);
            fprintf(ctx->out, "%s\n", e->help);
            return 1;
        }
        if (!only_args && a[0] == '-' && a[1]) {
            unsigned flag = 0;
            for (size_t k = 0; k < CMD_OPTION_COUNT; k++)
                if (!strcmp(cmd_options[k].name, a))
                    flag = cmd_options[k].flag;
            if (!flag || !(e->options & flag))
                return vmerr_set(err, VMERR_INVALID_ARG, "unknown option '%s' for '%s'", a,
                                 e->name);
            ctx->flags |= flag;
            if (flag == CMD_OPT_TIMEOUT) { /* the one option with a value */
                if (i + 1 >= argc)
                    return vmerr_set(err, VMERR_INVALID_ARG, "option '%s' needs a value", a);
                ctx->timeout = argv[++i];
            }
            continue;
        }
        argv[ctx->argc++] = (char *)a; /* compact positional args in place */
    }
    ctx->argv = argv;
    if (ctx->argc < e->min_args)
        return vmerr_set(err, VMERR_INVALID_ARG, "missing argument for '%s'", e->name);
    if (ctx->argc > e->max_args)
        return vmerr_set(err, VMERR_INVALID_ARG, "too many arguments for '%s'", e->name);
    return 0;
}

/* Open the connection, print its error if that fails. */
static struct engine_conn *cmd_connect(const char *uri)
{
    struct vmerr err = {0};
    struct engine_conn *conn = engine_open(uri, &err);
    if (!conn) {
        char line[1400];
        fprintf(stderr, "error: %s\n", vmerr_line(&err, line, sizeof(line)));
    }
    return conn;
}

/* No verb: the full-screen TUI on the connection. */
static int cmd_run_tui(const char *uri)
{
    struct engine_conn *conn = cmd_connect(uri);
    if (!conn)
        return CMD_EXIT_ERROR;
    struct vmerr err = {0};
    int rc = tui_run(conn, NULL, -1, &err);
    engine_close(conn);
    if (rc < 0) {
        char line[1400];
        fprintf(stderr, "error: %s\n", vmerr_line(&err, line, sizeof(line)));
        return CMD_EXIT_ERROR;
    }
    return CMD_EXIT_OK;
}

/* Run vmdeck with its command line; returns the process exit status. */
int cmd_main(int argc, char **argv)
{
    const char *uri = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cmd_print_help(stdout);
            return CMD_EXIT_OK;
        }
        if (!strcmp(a, "-c") || !strcmp(a, "--connect")) {
            if (i + 1 >= argc)
                return cmd_usage_error(NULL, "option '%s' needs a URI", a);
            uri = argv[++i];
            continue;
        }
        if (!strncmp(a, "--connect=", 10)) {
            uri = a + 10;
            continue;
        }
        if (!strcmp(a, "--theme")) { /* the TUI's colour theme, over the config file's */
            if (i + 1 >= argc)
                return cmd_usage_error(NULL, "option '%s' needs a theme name", a);
            theme_set_option(argv[++i]);
            continue;
        }
        if (!strncmp(a, "--theme=", 8)) {
            theme_set_option(a + 8);
            continue;
        }
        return cmd_usage_error(NULL, "unknown option '%s'", a);
    }
    if (uri && !*uri)
        return cmd_usage_error(NULL, "%s", "the connection URI is empty");
    if (i >= argc)
        return cmd_run_tui(uri);

    const struct cmd_entry *e = cmd_find(argv[i]);
    if (!e)
        return cmd_usage_error(NULL, "unknown verb '%s' (try 'vmdeck help')", argv[i]);
    struct cmd_ctx ctx = {.verb = e->name, .uri = uri, .out = stdout, .err_out = stderr};
    struct vmerr err = {0};
    int p = cmd_parse_verb_args(e, argc - i - 1, argv + i + 1, &ctx, &err);
    if (p < 0)
        return cmd_usage_error(e, "%s", err.message);
    if (p > 0)
        return CMD_EXIT_OK;
    if (e->needs_conn) {
        ctx.conn = cmd_connect(uri);
        if (!ctx.conn)
            return CMD_EXIT_ERROR;
    }
    int rc = e->fn(&ctx, &err);
    if (fflush(stdout) != 0 && rc == 0)
        rc = vmerr_set_errno(&err, errno, "%s: cannot write output", e->name);
    engine_close(ctx.conn);
    if (rc < 0) {
        char line[1400];
        if (err.code != VMERR_OK) /* VMERR_OK: the verb printed its problems itself */
            fprintf(stderr, "error: %s\n", vmerr_line(&err, line, sizeof(line)));
        return CMD_EXIT_ERROR;
    }
    return CMD_EXIT_OK;
}

/* ---- The TUI's command line: verbs run in-process, and what completion needs ---- */

/* Run one verb given as words (argv[0] is the verb) on the TUI's connection, everything it
 * prints going to out (see ui.h). */
int cmd_run_words(struct engine_conn *conn, int argc, char **argv, FILE *out, struct vmerr *err)
{
    if (argc < 1)
        return vmerr_set(err, VMERR_INVALID_ARG, "no verb given");
    const struct cmd_entry *e = cmd_find(argv[0]);
    if (!e)
        return vmerr_set(err, VMERR_INVALID_ARG,
                         "unknown verb '%s' (Tab completes, :help lists verbs)", argv[0]);
    struct cmd_ctx ctx = {
        .verb = e->name,
        .conn = e->needs_conn ? conn : NULL,
        .uri = engine_uri(conn),
        .out = out,
        .err_out = out,
    };
    int p = cmd_parse_verb_args(e, argc - 1, argv + 1, &ctx, err);
    if (p < 0) {
        char what[sizeof(err->message)];
        snprintf(what, sizeof(what), "%s", err->message);
        return vmerr_set(err, VMERR_INVALID_ARG, "%.700s (usage: %s%s%s)", what, e->name,
                         e->usage[0] ? " " : "", e->usage);
    }
    if (p > 0)
        return 0;
    return e->fn(&ctx, err);
}

/* Name of verb i of the table (0-based); NULL past the end. */
const char *cmd_verb_name(size_t i)
{
    return i < CMD_COUNT ? cmd_table[i].name : NULL;
}

/* Option i (0-based) that verb accepts, as spelt ("--all"); NULL past the end. */
const char *cmd_verb_option(const char *verb, size_t i)
{
    const struct cmd_entry *e = cmd_find(verb);
    if (!e)
        return NULL;
    for (size_t k = 0; k < CMD_OPTION_COUNT; k++)
        if ((e->options & cmd_options[k].flag) && i-- == 0)
            return cmd_options[k].name;
    return NULL;
}

/* What positional argument pos (0-based) of verb is, read from the verb's usage text in
 * the table (NAME, FILE, VERB, or a literal word such as qemu-argv, copied to lit). */
enum cmd_word cmd_verb_arg(const char *verb, int pos, char *lit, size_t len)
{
    const struct cmd_entry *e = cmd_find(verb);
    if (!e)
        return CMD_WORD_NONE;
    char usage[256];
    snprintf(usage, sizeof(usage), "%s", e->usage);
    char *save = NULL;
    for (char *t = strtok_r(usage, " []", &save); t; t = strtok_r(NULL, " []", &save)) {
        if (t[0] == '-')
            continue; /* an option */
        enum cmd_word kind = CMD_WORD_NONE;
        if (!strcmp(t, "NAME"))
            kind = strncmp(e->name, "net-", 4) ? CMD_WORD_DOMAIN : CMD_WORD_NETWORK;
        else if (!strcmp(t, "FILE"))
            kind = CMD_WORD_FILE;
        else if (!strcmp(t, "VERB"))
            kind = CMD_WORD_VERB;
        else if (t[0] >= 'a' && t[0] <= 'z')
            kind = CMD_WORD_LITERAL;
        else
            continue; /* an option's value (SECONDS) */
        if (pos-- > 0)
            continue;
        if (kind == CMD_WORD_LITERAL && lit)
            snprintf(lit, len, "%s", t);
        return kind;
    }
    return CMD_WORD_NONE;
}
