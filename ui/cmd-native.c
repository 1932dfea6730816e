/* cmd-native: `vmdeck domxml-to-native qemu-argv [--oneline] FILE`, like virsh's verb. The
 * file's path flows to engine_domain_native_argv (parse, emulator lookup, argv build;
 * nothing is started); the argv flows out one argument per line, or with --oneline on one
 * line with every argument that needs it single-quoted for a POSIX shell. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* Whether arg can be printed bare in a shell command line. */
static bool cmd_native_shell_safe(const char *arg)
{
    if (!*arg)
        return false;
    for (const char *p = arg; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    "_-./:=,@%+",
                    *p))
            return false;
    return true;
}

/* Print arg to out single-quoted for a POSIX shell (a quote becomes '\''). */
static void cmd_native_print_quoted(FILE *out, const char *arg)
{
    if (cmd_native_shell_safe(arg)) {
        fputs(arg, out);
        return;
    }
    fputc('\'', out);
    for (const char *p = arg; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", out);
        else
            fputc(*p, out);
    }
    fputc('\'', out);
}

/* `domxml-to-native FORMAT FILE`: print the argv. */
int cmd_native_run(struct cmd_ctx *ctx, struct vmerr *err)
{
    char **argv = engine_domain_native_argv(ctx->conn, ctx->argv[0], ctx->argv[1], err);
    if (!argv)
        return -1;
    for (size_t i = 0; argv[i]; i++) {
        if (!(ctx->flags & CMD_OPT_ONELINE)) {
            fprintf(ctx->out, "%s\n", argv[i]);
            continue;
        }
        if (i > 0)
            fputc(' ', ctx->out);
        cmd_native_print_quoted(ctx->out, argv[i]);
    }
    if (ctx->flags & CMD_OPT_ONELINE)
        fputc('\n', ctx->out);
    engine_strv_free(argv);
    return 0;
}
