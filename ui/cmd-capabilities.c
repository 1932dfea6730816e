/* cmd-capabilities: the `capabilities` verb. The connection's capabilities XML (host CPU,
 * and per guest arch the emulator, machines and domain types that really run here) comes
 * from the engine and goes to stdout as it is, like `virsh capabilities`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

/* `capabilities`: print the capabilities XML. */
int cmd_capabilities_show(struct cmd_ctx *ctx, struct vmerr *err)
{
    char *xml = engine_capabilities_xml(ctx->conn, err);
    if (!xml)
        return -1;
    size_t len = strlen(xml);
    int rc = 0;
    if (fwrite(xml, 1, len, ctx->out) != len)
        rc = vmerr_set_errno(err, errno, "capabilities: cannot write output");
    free(xml);
    return rc;
}
