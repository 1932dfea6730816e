/* qemu-argv-hostfwd: host port forwards for user-mode (SLIRP) interfaces. They are written
 * as vmdeck extension elements, children of <domain> in the QEMU_ARGV_VMDECK_NS namespace,
 * which the domain parser keeps as written (foreign elements):
 *   <vmdeck:hostfwd xmlns:vmdeck='https://vmdeck.dev/xmlns/domain/1'
 *                   protocol='tcp' address='127.0.0.1' port='2222' guestport='22'
 *                   interface='0'/>
 * Kept XML text flows in, ",hostfwd=tcp:127.0.0.1:2222-:22" flows out for the -netdev user
 * option of the interface it names (interface = index of the <interface> element, default
 * the first user interface). address defaults to 127.0.0.1, protocol to tcp. */
#include "drivers/qemu/qemu-argv.h"

#include <arpa/inet.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "engine/store.h"
#include "engine/xmlutil.h"

/* One parsed forward. */
struct hostfwd {
    char *protocol, *address, *port, *guestport, *interface;
};

/* Free what one forward holds. */
static void qemu_argv_hostfwd_clear(struct hostfwd *f)
{
    free(f->protocol);
    free(f->address);
    free(f->port);
    free(f->guestport);
    free(f->interface);
}

/* Parse a port number text; -1 when it is not 1-65535. */
static int qemu_argv_hostfwd_port(const char *text)
{
    if (!text || !*text)
        return -1;
    char *end;
    long v = strtol(text, &end, 10);
    return *end || v < 1 || v > 65535 ? -1 : (int)v;
}

/* The index of the first user interface of def, or -1. */
static long qemu_argv_hostfwd_first_user(const struct domain_def *def)
{
    for (size_t i = 0; i < def->nnets; i++)
        if (def->nets[i].type == DOMAIN_NET_USER)
            return (long)i;
    return -1;
}

/* Check one forward and append its option to *out when it belongs to interface index. */
static int qemu_argv_hostfwd_one(const struct domain_def *def, size_t index,
                                 const struct hostfwd *f, char **out, struct vmerr *err)
{
    long iface = qemu_argv_hostfwd_first_user(def);
    if (f->interface) {
        char *end;
        iface = strtol(f->interface, &end, 10);
        if (*end || !*f->interface || iface < 0 || (size_t)iface >= def->nnets)
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "domain '%s': <vmdeck:hostfwd> interface '%s' is not the index of "
                             "an <interface> (0-%zu)",
                             def->name, f->interface, def->nnets ? def->nnets - 1 : 0);
    }
    if (iface < 0 || def->nets[iface].type != DOMAIN_NET_USER)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': <vmdeck:hostfwd> needs a user interface to forward to",
                         def->name);
    const char *proto = f->protocol ? f->protocol : "tcp";
    if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': <vmdeck:hostfwd> protocol '%s' is not tcp or udp",
                         def->name, proto);
    int hp = qemu_argv_hostfwd_port(f->port), gp = qemu_argv_hostfwd_port(f->guestport);
    if (hp < 0 || gp < 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': <vmdeck:hostfwd> port '%s' and guestport '%s' must be "
                         "1-65535",
                         def->name, f->port ? f->port : "", f->guestport ? f->guestport : "");
    const char *addr = f->address ? f->address : "127.0.0.1";
    struct in_addr a4;
    if (inet_pton(AF_INET, addr, &a4) != 1)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': <vmdeck:hostfwd> address '%s' is not an IPv4 address",
                         def->name, addr);
    if ((size_t)iface != index)
        return 0;
    char *next = store_printf("%s,hostfwd=%s:%s:%d-:%d", *out, proto, addr, hp, gp);
    free(*out);
    *out = next;
    return 0;
}

/* Every <vmdeck:hostfwd> of def that belongs to interface index, as -netdev options. */
char *qemu_argv_hostfwd(const struct domain_def *def, size_t index, struct vmerr *err)
{
    char *out = strdup("");
    if (!out)
        abort();
    for (size_t i = 0; i < def->nforeign; i++) {
        struct vmerr ignored;
        struct xmlutil_ctx x = {.source = "<vmdeck:hostfwd>", .err = &ignored};
        xmlDoc *doc = xmlutil_read(&x, def->foreign[i], NULL);
        if (!doc)
            continue;
        xmlNode *root = xmlDocGetRootElement(doc);
        if (!root || !root->ns || !root->ns->href ||
            strcmp((const char *)root->ns->href, QEMU_ARGV_VMDECK_NS) ||
            strcmp((const char *)root->name, "hostfwd")) {
            xmlFreeDoc(doc);
            continue;
        }
        struct hostfwd f = {
            .protocol = xmlutil_attr(root, "protocol"),
            .address = xmlutil_attr(root, "address"),
            .port = xmlutil_attr(root, "port"),
            .guestport = xmlutil_attr(root, "guestport"),
            .interface = xmlutil_attr(root, "interface"),
        };
        xmlFreeDoc(doc);
        int rc = qemu_argv_hostfwd_one(def, index, &f, &out, err);
        qemu_argv_hostfwd_clear(&f);
        if (rc < 0) {
            free(out);
            return NULL;
        }
    }
    return out;
}
