/* cmd-console: the `console NAME` verb. The domain's serial console PTY is opened here, before
 * the screen is taken over, so a stopped domain is a plain one-line error; then the TUI runs
 * straight in its console view and detaching (Ctrl-]) returns to the shell. */
#include <unistd.h>

#include "ui/ui.h"

/* `console NAME`: attach the TUI's console view to the domain's first serial console. */
int cmd_console_run(struct cmd_ctx *ctx, struct vmerr *err)
{
    const char *name = ctx->argv[0];
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return vmerr_set(err, VMERR_INVALID_ARG,
                         "console '%s': needs a terminal (stdin and stdout must be a tty)", name);
    int fd = -1;
    if (engine_domain_console_open(ctx->conn, name, &fd, err) < 0)
        return -1;
    return tui_run(ctx->conn, name, fd, err);
}
