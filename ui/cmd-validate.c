/* cmd-validate: `vmdeck validate FILE`. The file name flows to engine_validate_file (the
 * validator define uses, dialect chosen by the root element: domain, network or
 * capabilities); what flows out is "FILE: valid (domain 'NAME')" on stdout, or each problem
 * as one line "FILE:LINE: element/attribute: what is wrong" on stderr and exit status 1. */
#include <stdio.h>

#include "ui/ui.h"

/* Print one problem to out as "FILE:LINE: message" (no line: "FILE: message"). */
static void cmd_validate_print(FILE *out, const char *path, const struct vmerr *e)
{
    const char *file = e->code == VMERR_XML && e->file[0] ? e->file : path;
    if (e->line > 0)
        fprintf(out, "%s:%d: %s\n", file, e->line, e->message);
    else
        fprintf(out, "%s: %s\n", file, e->message);
}

/* `validate FILE`: 0 when valid; -1 with err left empty (every problem is already printed,
 * one per line) when not. */
int cmd_validate_run(struct cmd_ctx *ctx, struct vmerr *err)
{
    const char *path = ctx->argv[0];
    struct engine_validation v;
    int rc = engine_validate_file(path, &v);
    if (rc == 0) {
        if (v.name[0])
            fprintf(ctx->out, "%s: valid (%s '%s')\n", path, v.kind, v.name);
        else
            fprintf(ctx->out, "%s: valid (%s)\n", path, v.kind);
    } else {
        for (size_t i = 0; i < v.nerrors; i++)
            cmd_validate_print(ctx->err_out, path, &v.errors[i]);
        vmerr_clear(err);
    }
    engine_validate_clear(&v);
    return rc;
}
