/* cmd-domain: the domain verbs (list, dominfo, define, undefine, the lifecycle verbs,
 * shutdown --wait, autostart, dumpxml). Each takes the parsed arguments from cmd.c, calls one
 * engine function and prints the result to stdout the way virsh does; errors go back to cmd.c in a
 * struct vmerr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

/* Print s to out padded with spaces to width display columns. */
static void cmd_domain_pad(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int w = draw_width(s); w < width; w++)
        fputc(' ', out);
}

/* `list [--all] [--name]`: the virsh table " Id   Name   State", or names only. */
int cmd_domain_list(struct cmd_ctx *ctx, struct vmerr *err)
{
    struct engine_domain_info *doms = NULL;
    size_t n = 0;
    unsigned flags = (ctx->flags & CMD_OPT_ALL) ? ENGINE_LIST_ALL : ENGINE_LIST_ACTIVE;
    if (engine_domain_list(ctx->conn, flags, &doms, &n, err) < 0)
        return -1;
    if (ctx->flags & CMD_OPT_NAME) {
        for (size_t i = 0; i < n; i++)
            fprintf(ctx->out, "%s\n", doms[i].name);
        free(doms);
        return 0;
    }
    int idw = 2, namew = 4, statew = 5;
    for (size_t i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", doms[i].id);
        if (doms[i].id >= 0 && (int)strlen(id) > idw)
            idw = (int)strlen(id);
        if (draw_width(doms[i].name) > namew)
            namew = draw_width(doms[i].name);
        int sw = (int)strlen(engine_domain_state_name(doms[i].state));
        if (sw > statew)
            statew = sw;
    }
    fputc(' ', ctx->out);
    cmd_domain_pad(ctx->out, "Id", idw + 3);
    cmd_domain_pad(ctx->out, "Name", namew + 3);
    fprintf(ctx->out, "State\n");
    for (int i = 0; i < idw + namew + statew + 8; i++)
        fputc('-', ctx->out);
    fputc('\n', ctx->out);
    for (size_t i = 0; i < n; i++) {
        char id[16];
        if (doms[i].id >= 0)
            snprintf(id, sizeof(id), "%d", doms[i].id);
        else
            snprintf(id, sizeof(id), "-");
        fputc(' ', ctx->out);
        cmd_domain_pad(ctx->out, id, idw + 3);
        cmd_domain_pad(ctx->out, doms[i].name, namew + 3);
        fprintf(ctx->out, "%s\n", engine_domain_state_name(doms[i].state));
    }
    fputc('\n', ctx->out);
    free(doms);
    return 0;
}

/* `dominfo NAME`: one "Field: value" line per fact, as virsh dominfo. */
int cmd_domain_dominfo(struct cmd_ctx *ctx, struct vmerr *err)
{
    struct engine_domain_info info;
    if (engine_domain_lookup(ctx->conn, ctx->argv[0], &info, err) < 0)
        return -1;
    char id[16];
    if (info.id >= 0)
        snprintf(id, sizeof(id), "%d", info.id);
    else
        snprintf(id, sizeof(id), "-");
    fprintf(ctx->out, "%-15s %s\n", "Id:", id);
    fprintf(ctx->out, "%-15s %s\n", "Name:", info.name);
    fprintf(ctx->out, "%-15s %s\n", "UUID:", info.uuid);
    fprintf(ctx->out, "%-15s %s\n", "State:", engine_domain_state_name(info.state));
    if (info.state_reason[0])
        fprintf(ctx->out, "%-15s %s\n", "Reason:", info.state_reason);
    fprintf(ctx->out, "%-15s %u\n", "CPU(s):", info.vcpus);
    fprintf(ctx->out, "%-15s %llu KiB\n", "Max memory:", info.max_memory_kib);
    fprintf(ctx->out, "%-15s %llu KiB\n", "Used memory:", info.memory_kib);
    fprintf(ctx->out, "%-15s %s\n", "Persistent:", info.persistent ? "yes" : "no");
    fprintf(ctx->out, "%-15s %s\n", "Autostart:", info.autostart ? "enable" : "disable");
    fprintf(ctx->out, "%-15s %s\n", "Console:", info.has_console ? "available" : "none");
    fputc('\n', ctx->out);
    return 0;
}

/* Read a whole file into a NUL-terminated buffer; NULL with err naming the file. */
static char *cmd_domain_read_file(const char *path, struct vmerr *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        vmerr_set_errno(err, errno, "cannot read '%s'", path);
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            abort(); /* memory exhaustion is not recoverable */
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            continue;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        free(buf);
        vmerr_set_errno(err, saved, "cannot read '%s'", path);
        return NULL;
    }
    buf[len] = '\0';
    if (strlen(buf) != len) {
        free(buf);
        vmerr_set(err, VMERR_XML, "'%s' is not an XML text file (it contains NUL bytes)", path);
        return NULL;
    }
    return buf;
}

/* `define FILE`: define a domain from the XML in FILE. */
int cmd_domain_define(struct cmd_ctx *ctx, struct vmerr *err)
{
    const char *path = ctx->argv[0];
    char *xml = cmd_domain_read_file(path, err);
    if (!xml)
        return -1;
    char *name = NULL;
    int rc = engine_domain_define_xml(ctx->conn, xml, path, &name, err);
    free(xml);
    if (rc < 0)
        return -1;
    fprintf(ctx->out, "Domain '%s' defined from %s\n", name, path);
    free(name);
    return 0;
}

/* `undefine [--force] NAME`: remove the persistent definition (--force: destroy first). */
int cmd_domain_undefine(struct cmd_ctx *ctx, struct vmerr *err)
{
    int rc = (ctx->flags & CMD_OPT_FORCE)
                 ? engine_domain_undefine_force(ctx->conn, ctx->argv[0], err)
                 : engine_domain_undefine(ctx->conn, ctx->argv[0], err);
    if (rc < 0)
        return -1;
    fprintf(ctx->out, "Domain '%s' has been undefined\n", ctx->argv[0]);
    return 0;
}

/* The lifecycle verbs: engine call and what to print when it worked. */
static const struct {
    const char *verb;
    int (*fn)(struct engine_conn *conn, const char *name, struct vmerr *err);
    const char *done; /* printf format taking the domain name */
} cmd_domain_lifecycle_table[] = {
    {"start", engine_domain_start, "Domain '%s' started\n"},
    {"shutdown", engine_domain_shutdown, "Domain '%s' is being shutdown\n"},
    {"destroy", engine_domain_destroy, "Domain '%s' destroyed\n"},
    {"reboot", engine_domain_reboot, "Domain '%s' is being rebooted\n"},
    {"reset", engine_domain_reset, "Domain '%s' was reset\n"},
    {"suspend", engine_domain_suspend, "Domain '%s' suspended\n"},
    {"resume", engine_domain_resume, "Domain '%s' resumed\n"},
};

/* start, shutdown, destroy, reboot, suspend, resume: looked up by ctx->verb. */
int cmd_domain_lifecycle(struct cmd_ctx *ctx, struct vmerr *err)
{
    size_t n = sizeof(cmd_domain_lifecycle_table) / sizeof(cmd_domain_lifecycle_table[0]);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cmd_domain_lifecycle_table[i].verb, ctx->verb))
            continue;
        if (cmd_domain_lifecycle_table[i].fn(ctx->conn, ctx->argv[0], err) < 0)
            return -1;
        fprintf(ctx->out, cmd_domain_lifecycle_table[i].done, ctx->argv[0]);
        return 0;
    }
    return vmerr_set(err, VMERR_INTERNAL, "verb '%s' has no lifecycle entry", ctx->verb);
}

/* `dumpxml [--inactive] NAME`: the live (or persistent) XML on stdout. */
int cmd_domain_dumpxml(struct cmd_ctx *ctx, struct vmerr *err)
{
    unsigned flags = (ctx->flags & CMD_OPT_INACTIVE) ? ENGINE_XML_INACTIVE : 0;
    char *xml = engine_domain_get_xml(ctx->conn, ctx->argv[0], flags, err);
    if (!xml)
        return -1;
    size_t len = strlen(xml);
    fputs(xml, ctx->out);
    if (len == 0 || xml[len - 1] != '\n')
        fputc('\n', ctx->out);
    free(xml);
    return 0;
}

/* Default --timeout of shutdown --wait, in seconds. */
#define CMD_DOMAIN_SHUTDOWN_TIMEOUT_S 300

/* `shutdown [--wait [--timeout SECONDS]] NAME`: send the ACPI button; with --wait return
 * once the domain is off, or fail naming the timeout (the guest is left running). */
int cmd_domain_shutdown(struct cmd_ctx *ctx, struct vmerr *err)
{
    const char *name = ctx->argv[0];
    if (ctx->timeout && !(ctx->flags & CMD_OPT_WAIT))
        return vmerr_set(err, VMERR_INVALID_ARG, "shutdown: --timeout needs --wait");
    if (!(ctx->flags & CMD_OPT_WAIT)) {
        if (engine_domain_shutdown(ctx->conn, name, err) < 0)
            return -1;
        fprintf(ctx->out, "Domain '%s' is being shutdown\n", name);
        return 0;
    }
    long secs = CMD_DOMAIN_SHUTDOWN_TIMEOUT_S;
    if (ctx->timeout) {
        char *end = NULL;
        errno = 0;
        secs = strtol(ctx->timeout, &end, 10);
        if (errno || !end || *end || end == ctx->timeout || secs < 1 || secs > 86400)
            return vmerr_set(err, VMERR_INVALID_ARG,
                             "shutdown: --timeout '%s' is not a number of seconds (1-86400)",
                             ctx->timeout);
    }
    if (engine_domain_shutdown_wait(ctx->conn, name, (int)secs * 1000, NULL, NULL, err) < 0)
        return -1;
    fprintf(ctx->out, "Domain '%s' is shut off\n", name);
    return 0;
}

/* Print what autostart did with one domain. */
static void cmd_domain_autostart_report(void *opaque, const char *name, bool already,
                                        const struct vmerr *err)
{
    struct cmd_ctx *ctx = opaque;
    if (err)
        fprintf(ctx->err_out, "error: %s\n", err->message);
    else if (already)
        fprintf(ctx->out, "Domain '%s' is already running\n", name);
    else
        fprintf(ctx->out, "Domain '%s' started\n", name);
}

/* `autostart [--disable] [NAME]`. */
int cmd_domain_autostart(struct cmd_ctx *ctx, struct vmerr *err)
{
    bool disable = ctx->flags & CMD_OPT_DISABLE;
    if (ctx->argc == 0) {
        if (disable)
            return vmerr_set(err, VMERR_INVALID_ARG, "autostart: --disable needs a domain name");
        /* networks first: domains attach to their bridges */
        int nfailed =
            engine_network_autostart_run(ctx->conn, cmd_network_autostart_report, ctx, err);
        if (nfailed < 0 && err->code != VMERR_NO_SUPPORT)
            return -1;
        vmerr_clear(err);
        int failed = engine_autostart_run(ctx->conn, cmd_domain_autostart_report, ctx, err);
        if (failed < 0)
            return -1;
        if (nfailed > 0)
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "autostart: %d network(s) and %d domain(s) failed to start", nfailed,
                             failed);
        if (failed > 0)
            return vmerr_set(err, VMERR_OPERATION_FAILED, "autostart: %d domain(s) failed to start",
                             failed);
        return 0;
    }
    const char *name = ctx->argv[0];
    if (engine_domain_set_autostart(ctx->conn, name, !disable, err) < 0)
        return -1;
    fprintf(ctx->out,
            disable ? "Domain '%s' unmarked as autostarted\n"
                    : "Domain '%s' marked as autostarted\n",
            name);
    return 0;
}
