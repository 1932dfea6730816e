/* cmd-network: the network verbs (net-list, net-info, net-define, net-undefine, net-dumpxml,
 * net-start, net-destroy, net-autostart). Each
 * takes the parsed arguments from cmd.c, calls one engine function and prints the result
 * to stdout the way virsh does; errors go back to cmd.c in a struct vmerr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

/* The net-list columns, in order. */
enum { NET_COL_NAME, NET_COL_STATE, NET_COL_AUTOSTART, NET_COL_PERSISTENT, NET_COL_COUNT };

/* Column headers of net-list, as virsh prints them. */
static const char *const cmd_network_headers[NET_COL_COUNT] = {"Name", "State", "Autostart",
                                                               "Persistent"};

/* The cells of one net-list row. */
static void cmd_network_cells(const struct engine_network_info *n, const char *cells[])
{
    cells[NET_COL_NAME] = n->name;
    cells[NET_COL_STATE] = n->active ? "active" : "inactive";
    cells[NET_COL_AUTOSTART] = n->autostart ? "yes" : "no";
    cells[NET_COL_PERSISTENT] = n->persistent ? "yes" : "no";
}

/* Print one row of a virsh table to out: " cell" padded to its column, three spaces apart, the
 * last cell unpadded. */
static void cmd_network_row(FILE *out, const char *const cells[], const int widths[])
{
    for (int c = 0; c < NET_COL_COUNT; c++) {
        fprintf(out, " %s", cells[c]);
        if (c == NET_COL_COUNT - 1)
            break;
        for (int w = draw_width(cells[c]); w < widths[c] + 2; w++)
            fputc(' ', out);
    }
    fputc('\n', out);
}

/* `net-list [--all] [--name]`: the virsh table " Name   State   Autostart   Persistent"
 * of active networks (--all: every network), or names only. */
int cmd_network_list(struct cmd_ctx *ctx, struct vmerr *err)
{
    unsigned flags = (ctx->flags & CMD_OPT_ALL) ? ENGINE_LIST_ALL : ENGINE_LIST_ACTIVE;
    struct engine_network_info *nets = NULL;
    size_t n = 0;
    if (engine_network_list(ctx->conn, flags, &nets, &n, err) < 0)
        return -1;
    if (ctx->flags & CMD_OPT_NAME) {
        for (size_t i = 0; i < n; i++)
            fprintf(ctx->out, "%s\n", nets[i].name);
        free(nets);
        return 0;
    }
    int widths[NET_COL_COUNT];
    for (int c = 0; c < NET_COL_COUNT; c++)
        widths[c] = draw_width(cmd_network_headers[c]);
    for (size_t i = 0; i < n; i++) {
        const char *cells[NET_COL_COUNT];
        cmd_network_cells(&nets[i], cells);
        for (int c = 0; c < NET_COL_COUNT; c++)
            if (draw_width(cells[c]) > widths[c])
                widths[c] = draw_width(cells[c]);
    }
    cmd_network_row(ctx->out, cmd_network_headers, widths);
    for (int c = 0; c < NET_COL_COUNT; c++)
        for (int w = 0; w < widths[c] + 3; w++)
            fputc('-', ctx->out);
    fputc('\n', ctx->out);
    for (size_t i = 0; i < n; i++) {
        const char *cells[NET_COL_COUNT];
        cmd_network_cells(&nets[i], cells);
        cmd_network_row(ctx->out, cells, widths);
    }
    fputc('\n', ctx->out);
    free(nets);
    return 0;
}

/* Read a whole file into a NUL-terminated buffer; NULL with err naming the file. */
static char *cmd_network_read_file(const char *path, struct vmerr *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        vmerr_set_errno(err, errno, "cannot read '%s'", path);
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        abort(); /* memory exhaustion is not recoverable */
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, got, out);
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (fclose(out) != 0)
        abort();
    if (failed) {
        free(buf);
        vmerr_set_errno(err, saved, "cannot read '%s'", path);
        return NULL;
    }
    if (strlen(buf) != len) {
        free(buf);
        vmerr_set(err, VMERR_XML, "'%s' is not an XML text file (it contains NUL bytes)", path);
        return NULL;
    }
    return buf;
}

/* `net-define FILE`: define a network from the XML in FILE. */
int cmd_network_define(struct cmd_ctx *ctx, struct vmerr *err)
{
    const char *path = ctx->argv[0];
    char *xml = cmd_network_read_file(path, err);
    if (!xml)
        return -1;
    char *name = NULL;
    int rc = engine_network_define_xml(ctx->conn, xml, path, &name, err);
    free(xml);
    if (rc < 0)
        return -1;
    fprintf(ctx->out, "Network '%s' defined from %s\n", name, path);
    free(name);
    return 0;
}

/* `net-undefine NAME`: remove the persistent definition. */
int cmd_network_undefine(struct cmd_ctx *ctx, struct vmerr *err)
{
    if (engine_network_undefine(ctx->conn, ctx->argv[0], err) < 0)
        return -1;
    fprintf(ctx->out, "Network '%s' has been undefined\n", ctx->argv[0]);
    return 0;
}

/* `net-dumpxml [--inactive] NAME`: the live (or persistent) XML on stdout. */
int cmd_network_dumpxml(struct cmd_ctx *ctx, struct vmerr *err)
{
    unsigned flags = (ctx->flags & CMD_OPT_INACTIVE) ? ENGINE_XML_INACTIVE : 0;
    char *xml = engine_network_get_xml(ctx->conn, ctx->argv[0], flags, err);
    if (!xml)
        return -1;
    size_t len = strlen(xml);
    fputs(xml, ctx->out);
    if (len == 0 || xml[len - 1] != '\n')
        fputc('\n', ctx->out);
    free(xml);
    return 0;
}

/* `net-info NAME`: virsh's key/value block, plus what the Networks list shows. */
int cmd_network_info(struct cmd_ctx *ctx, struct vmerr *err)
{
    struct engine_network_info n;
    if (engine_network_lookup(ctx->conn, ctx->argv[0], &n, err) < 0)
        return -1;
    const struct {
        const char *key, *value;
    } rows[] = {
        {"Name:", n.name},
        {"UUID:", n.uuid},
        {"Active:", n.active ? "yes" : "no"},
        {"Persistent:", n.persistent ? "yes" : "no"},
        {"Autostart:", n.autostart ? "yes" : "no"},
        {"Bridge:", n.bridge},
        {"Forward:", n.forward},
        {"Forward dev:", n.forward_dev[0] ? n.forward_dev : "any"},
        {"Subnet:", n.subnet[0] ? n.subnet : "none"},
        {"DHCP range:", n.dhcp[0] ? n.dhcp : "none"},
        {"Reason:", n.state_reason},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (rows[i].value[0] || strcmp(rows[i].key, "Reason:"))
            fprintf(ctx->out, "%-15s %s\n", rows[i].key, rows[i].value);
    fputc('\n', ctx->out);
    return 0;
}

/* `net-start NAME`: create the network's bridge, addresses, DHCP and forwarding. */
int cmd_network_start(struct cmd_ctx *ctx, struct vmerr *err)
{
    if (engine_network_start(ctx->conn, ctx->argv[0], err) < 0)
        return -1;
    fprintf(ctx->out, "Network '%s' started\n", ctx->argv[0]);
    return 0;
}

/* `net-destroy NAME`: stop the network and remove what net-start made. */
int cmd_network_destroy(struct cmd_ctx *ctx, struct vmerr *err)
{
    if (engine_network_destroy(ctx->conn, ctx->argv[0], err) < 0)
        return -1;
    fprintf(ctx->out, "Network '%s' destroyed\n", ctx->argv[0]);
    return 0;
}

/* `net-autostart [--disable] NAME`: mark or unmark the network for `vmdeck autostart`. */
int cmd_network_autostart(struct cmd_ctx *ctx, struct vmerr *err)
{
    bool disable = ctx->flags & CMD_OPT_DISABLE;
    if (engine_network_set_autostart(ctx->conn, ctx->argv[0], !disable, err) < 0)
        return -1;
    fprintf(ctx->out,
            disable ? "Network '%s' unmarked as autostarted\n"
                    : "Network '%s' marked as autostarted\n",
            ctx->argv[0]);
    return 0;
}

/* Report of `vmdeck autostart` for one network. */
void cmd_network_autostart_report(void *opaque, const char *name, bool already,
                                  const struct vmerr *err)
{
    struct cmd_ctx *ctx = opaque;
    if (err)
        fprintf(ctx->err_out, "error: %s\n", err->message);
    else if (already)
        fprintf(ctx->out, "Network '%s' is already active\n", name);
    else
        fprintf(ctx->out, "Network '%s' started\n", name);
}
