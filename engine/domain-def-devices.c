/* domain-def-devices: the <devices> block of domain XML. <emulator>, <disk>, <interface>,
 * <serial>, <console> and <graphics> elements flow from libxml2 nodes into the device arrays
 * of struct domain_def, each checked on its own (with the element's line) and then across
 * devices once the whole document is read (duplicate targets, the HVM serial/console pair).
 * Copy and free of the device arrays live here too. */
#include "engine/domain-def.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "engine/xmlutil.h"

/* Disk buses libvirt knows for the device kinds we model. */
static const char *const disk_buses[] = {"ide", "scsi", "virtio", "xen",
                                         "usb", "sata", "fdc",    NULL};

/* Target-name prefixes and the bus each implies, longest prefix first (libvirt's rule). */
static const struct {
    const char *prefix;
    const char *bus;
} disk_prefix_bus[] = {
    {"xvd", "xen"}, {"hd", "ide"}, {"sd", "scsi"}, {"vd", "virtio"}, {"fd", "fdc"},
};

/* Grow an array by one zeroed element; returns the new element (aborts when out of memory,
 * as store_printf does). */
static void *array_append(void **array, size_t *count, size_t size)
{
    char *a = realloc(*array, (*count + 1) * size);
    if (!a)
        abort();
    memset(a + *count * size, 0, size);
    *array = a;
    return a + (*count)++ * size;
}

/* Line of node as an int. */
static int node_line(const xmlNode *node)
{
    long l = xmlGetLineNo(node);
    return l > 0 ? (int)l : 0;
}

/* Free what one disk owns. */
static void disk_clear(struct domain_disk *d)
{
    free(d->source);
    free(d->target_dev);
    free(d->target_bus);
    free(d->driver_name);
    free(d->driver_type);
    free(d->driver_cache);
    free(d->alias);
    free(d->address);
}

/* Free what one interface owns. */
static void net_clear(struct domain_net *n)
{
    free(n->source_network);
    free(n->source_bridge);
    free(n->source_dev);
    free(n->source_address);
    free(n->script);
    free(n->target_dev);
    free(n->model);
    free(n->ip);
    free(n->alias);
    free(n->address);
}

/* Free what one serial/console owns. */
static void chr_clear(struct domain_chr *c)
{
    free(c->tty);
    free(c->alias);
}

/* Free what one graphics device owns. */
static void graphics_clear(struct domain_graphics *g)
{
    free(g->listen);
}

/* An attribute that must be non-empty when present; *out stays NULL when absent. */
static int nonempty_attr(const struct xmlutil_ctx *x, const xmlNode *node, const char *name,
                         char **out)
{
    char *v = xmlutil_attr(node, name);
    if (v && !*v) {
        free(v);
        return xmlutil_error(x, node, name, "<%s %s=''> is empty", (const char *)node->name, name);
    }
    free(*out);
    *out = v;
    return 0;
}

/* Error when a once-only child element shows up a second time (*seen tracks it). */
static int once(const struct xmlutil_ctx *x, const xmlNode *node, bool *seen)
{
    if (*seen)
        return xmlutil_error(x, node, (const char *)node->name, "<%s> appears twice in <%s>",
                             (const char *)node->name, (const char *)node->parent->name);
    *seen = true;
    return 0;
}

/* Unknown child element of a device: the error names the closest of the allowed names. */
static int unknown_child(const struct xmlutil_ctx *x, const xmlNode *node,
                         const char *const *allowed)
{
    size_t n = 0;
    while (allowed[n])
        n++;
    return xmlutil_unknown_among(x, node, allowed, n);
}

/* <alias name=...>: libvirt's device name, kept as written. */
static int parse_alias(const struct xmlutil_ctx *x, const xmlNode *node, char **out)
{
    static const char *const attrs[] = {"name", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    if (*out)
        return xmlutil_error(x, node, "alias", "<alias> appears twice in <%s>",
                             (const char *)node->parent->name);
    if (nonempty_attr(x, node, "name", out) < 0)
        return -1;
    if (!*out)
        return xmlutil_error(x, node, "name", "<alias> needs a name attribute");
    return 0;
}

/* <address type=... .../>: where libvirt put the device on its bus; kept as written (the
 * QEMU driver places devices itself), so only its shape is checked: a type, plain
 * attributes, nothing inside. */
static int parse_address(const struct xmlutil_ctx *x, const xmlNode *node, char **out)
{
    if (xmlutil_check_empty(x, node) < 0)
        return -1;
    for (const xmlAttr *a = node->properties; a; a = a->next)
        if (a->ns) /* already refused by the namespace check; keep the output plain */
            return xmlutil_error(x, node, (const char *)a->name,
                                 "<address> attribute '%s' is in a namespace",
                                 (const char *)a->name);
    if (*out)
        return xmlutil_error(x, node, "address", "<address> appears twice in <%s>",
                             (const char *)node->parent->name);
    char *type = xmlutil_attr(node, "type");
    bool ok = type && *type;
    for (const char *p = type; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9' && p != type) || *p == '-';
    if (!ok) {
        int rc = type ? xmlutil_error(x, node, "type",
                                      "<address> type '%s' is not an address type (pci, drive, "
                                      "...)",
                                      type)
                      : xmlutil_error(x, node, "type", "<address> needs a type attribute");
        free(type);
        return rc;
    }
    free(type);
    /* written back as libvirt writes it: attributes in their order, single quotes */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    fputs("<address", f);
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        char *v = xmlutil_attr(node, (const char *)a->name);
        fprintf(f, " %s='", (const char *)a->name);
        for (const char *p = v; *p; p++) {
            const char *esc = *p == '&'    ? "&amp;"
                              : *p == '<'  ? "&lt;"
                              : *p == '\'' ? "&apos;"
                              : *p == '\n' ? "&#10;"
                              : *p == '\t' ? "&#9;"
                              : *p == '\r' ? "&#13;"
                                           : NULL;
            if (esc)
                fputs(esc, f);
            else
                fputc(*p, f);
        }
        fputc('\'', f);
        free(v);
    }
    fputs("/>", f);
    if (fclose(f) != 0)
        abort();
    *out = buf;
    return 0;
}

/* ---- <disk> ---- */

/* <source file=...> or <source dev=...> of a disk, matching its type. */
static int parse_disk_source(const struct xmlutil_ctx *x, const xmlNode *node,
                             struct domain_disk *d)
{
    static const char *const attrs[] = {"file", "dev", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    const char *want = d->type == DOMAIN_DISK_TYPE_FILE ? "file" : "dev";
    const char *other = d->type == DOMAIN_DISK_TYPE_FILE ? "dev" : "file";
    char *wrong = xmlutil_attr(node, other);
    if (wrong) {
        free(wrong);
        return xmlutil_error(x, node, other, "<disk type='%s'> takes <source %s=...>, not %s=",
                             domain_disk_type_to_string(d->type), want, other);
    }
    char *v = xmlutil_attr(node, want);
    if (v && !*v) { /* an empty path is an empty drive, as in libvirt */
        free(v);
        v = NULL;
    }
    d->source = v;
    return 0;
}

/* <target dev=... bus=...> of a disk. */
static int parse_disk_target(const struct xmlutil_ctx *x, const xmlNode *node,
                             struct domain_disk *d)
{
    static const char *const attrs[] = {"dev", "bus", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    if (nonempty_attr(x, node, "dev", &d->target_dev) < 0 ||
        nonempty_attr(x, node, "bus", &d->target_bus) < 0)
        return -1;
    if (d->target_dev && strpbrk(d->target_dev, "/, \t\n"))
        return xmlutil_error(x, node, "dev",
                             "<target dev='%s'> is not a device name (no '/', ',' or "
                             "blanks)",
                             d->target_dev);
    if (d->target_bus) {
        size_t i = 0;
        while (disk_buses[i] && strcmp(disk_buses[i], d->target_bus))
            i++;
        if (!disk_buses[i])
            return xmlutil_error(x, node, "bus",
                                 "unknown disk bus '%s' (expected ide, scsi, virtio, xen, "
                                 "usb, sata or fdc)",
                                 d->target_bus);
    }
    return 0;
}

/* The bus a target name implies (hd* -> ide, ...), NULL when it implies none. */
static const char *disk_bus_from_target(const char *dev)
{
    for (size_t i = 0; i < sizeof(disk_prefix_bus) / sizeof(disk_prefix_bus[0]); i++)
        if (!strncmp(dev, disk_prefix_bus[i].prefix, strlen(disk_prefix_bus[i].prefix)))
            return disk_prefix_bus[i].bus;
    return NULL;
}

/* Checks of one disk after its children are read; fills the bus from the target name. */
static int check_disk(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_disk *d,
                      const struct domain_def *def)
{
    if (!d->target_dev)
        return xmlutil_error(x, node, "target", "<disk> needs a <target dev=...>");
    if (!d->source && d->device == DOMAIN_DISK_DEVICE_DISK)
        return xmlutil_error(x, node, "source",
                             "<disk> '%s' needs a <source %s=...> (only cdrom and "
                             "floppy drives may be empty)",
                             d->target_dev, d->type == DOMAIN_DISK_TYPE_FILE ? "file" : "dev");
    bool fd_name = !strncmp(d->target_dev, "fd", 2);
    if (d->device == DOMAIN_DISK_DEVICE_FLOPPY && !fd_name)
        return xmlutil_error(x, node, "dev", "floppy <disk> target '%s' must be named fd*",
                             d->target_dev);
    if (d->device != DOMAIN_DISK_DEVICE_FLOPPY && fd_name)
        return xmlutil_error(x, node, "dev",
                             "<disk device='%s'> target '%s': fd* names are for floppies",
                             domain_disk_device_to_string(d->device), d->target_dev);
    if (!d->target_bus) {
        const char *bus = disk_bus_from_target(d->target_dev);
        if (!bus)
            return xmlutil_error(x, node, "bus",
                                 "<disk> target '%s' does not imply a bus (hd*, sd*, "
                                 "vd*, xvd*, fd*); give <target bus=...>",
                                 d->target_dev);
        d->target_bus = strdup(bus);
    }
    if ((d->device == DOMAIN_DISK_DEVICE_FLOPPY) != !strcmp(d->target_bus, "fdc"))
        return xmlutil_error(x, node, "bus",
                             "<disk device='%s'> cannot be on bus '%s' (fdc is for "
                             "floppies only)",
                             domain_disk_device_to_string(d->device), d->target_bus);
    for (size_t i = 0; i < def->ndisks; i++)
        if (!strcmp(def->disks[i].target_dev, d->target_dev))
            return xmlutil_error(x, node, "dev",
                                 "<disk> target '%s' is used twice (first on line %d)",
                                 d->target_dev, def->disks[i].line);
    return 0;
}

/* Disk cache modes libvirt knows (<driver cache=...>). */
static const char *const disk_cache_modes[] = {
    "default", "none", "writethrough", "writeback", "directsync", "unsafe", NULL};

/* Whether s is one of the NULL-terminated names. */
static bool one_of(const char *s, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (!strcmp(s, names[i]))
            return true;
    return false;
}

/* <driver name='qemu' type='raw' cache=...> of a disk (today's libvirt writes it). */
static int parse_disk_driver(const struct xmlutil_ctx *x, const xmlNode *node,
                             struct domain_disk *d)
{
    static const char *const attrs[] = {"name", "type", "cache", NULL};
    static const char *const names[] = {"qemu", NULL};
    static const char *const types[] = {"raw", "qcow2", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    if (nonempty_attr(x, node, "name", &d->driver_name) < 0 ||
        nonempty_attr(x, node, "type", &d->driver_type) < 0 ||
        nonempty_attr(x, node, "cache", &d->driver_cache) < 0)
        return -1;
    if (d->driver_name && !one_of(d->driver_name, names))
        return xmlutil_error(x, node, "name", "<driver> name '%s' is not supported (only qemu)",
                             d->driver_name);
    if (d->driver_type && !one_of(d->driver_type, types))
        return xmlutil_error(x, node, "type", "<driver> type '%s' is not supported (raw or qcow2)",
                             d->driver_type);
    if (d->driver_cache && !one_of(d->driver_cache, disk_cache_modes))
        return xmlutil_error(x, node, "cache",
                             "unknown <driver> cache '%s' (expected default, none, "
                             "writethrough, writeback, directsync or unsafe)",
                             d->driver_cache);
    return 0;
}

/* An empty flag element of a disk (<readonly/>, <shareable/>). */
static int parse_disk_flag(const struct xmlutil_ctx *x, const xmlNode *node, bool *seen, bool *flag)
{
    if (once(x, node, seen) < 0 || xmlutil_check_attrs(x, node, NULL) < 0 ||
        xmlutil_check_empty(x, node) < 0)
        return -1;
    *flag = true;
    return 0;
}

/* <disk type='file|block' device='disk|cdrom|floppy'>. */
static int parse_disk(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    static const char *const attrs[] = {"type", "device", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    struct domain_disk d = {.line = node_line(node)};
    char *type = xmlutil_attr(node, "type");
    char *device = xmlutil_attr(node, "device");
    int t = type ? domain_disk_type_from_string(type) : DOMAIN_DISK_TYPE_FILE;
    int dv = device ? domain_disk_device_from_string(device) : DOMAIN_DISK_DEVICE_DISK;
    int rc = 0;
    if (t < 0)
        rc =
            xmlutil_error(x, node, "type", "unknown disk type '%s' (expected file or block)", type);
    else if (dv < 0)
        rc = xmlutil_error(x, node, "device",
                           "unknown disk device '%s' (expected disk, cdrom or floppy)", device);
    free(type);
    free(device);
    if (rc < 0)
        return -1;
    d.type = (enum domain_disk_type)t;
    d.device = (enum domain_disk_device)dv;
    static const char *const children[] = {"source",    "target", "driver",  "readonly",
                                           "shareable", "alias",  "address", NULL};
    bool seen_source = false, seen_target = false, seen_ro = false, seen_share = false;
    bool seen_driver = false;
    for (const xmlNode *c = node->children; c && rc == 0; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        const char *n = (const char *)c->name;
        if (!strcmp(n, "source"))
            rc = once(x, c, &seen_source) < 0 ? -1 : parse_disk_source(x, c, &d);
        else if (!strcmp(n, "target"))
            rc = once(x, c, &seen_target) < 0 ? -1 : parse_disk_target(x, c, &d);
        else if (!strcmp(n, "driver"))
            rc = once(x, c, &seen_driver) < 0 ? -1 : parse_disk_driver(x, c, &d);
        else if (!strcmp(n, "readonly"))
            rc = parse_disk_flag(x, c, &seen_ro, &d.readonly);
        else if (!strcmp(n, "shareable"))
            rc = parse_disk_flag(x, c, &seen_share, &d.shareable);
        else if (!strcmp(n, "alias"))
            rc = parse_alias(x, c, &d.alias);
        else if (!strcmp(n, "address"))
            rc = parse_address(x, c, &d.address);
        else
            rc = unknown_child(x, c, children);
    }
    if (rc == 0)
        rc = check_disk(x, node, &d, def);
    if (rc < 0) {
        disk_clear(&d);
        return -1;
    }
    *(struct domain_disk *)array_append((void **)&def->disks, &def->ndisks, sizeof(d)) = d;
    return 0;
}

/* ---- <interface> ---- */

/* Parse "11:22:33:44:55:66" (1 or 2 hex digits per byte); 0 on success. */
static int parse_mac(const char *text, unsigned char mac[6])
{
    const char *p = text;
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)p[0]))
            return -1;
        unsigned v = 0;
        int n = 0;
        while (n < 2 && isxdigit((unsigned char)*p)) {
            v = v * 16 + (unsigned)(isdigit((unsigned char)*p)
                                        ? *p - '0'
                                        : (tolower((unsigned char)*p) - 'a' + 10));
            p++;
            n++;
        }
        mac[i] = (unsigned char)v;
        if (i < 5 && *p++ != ':')
            return -1;
    }
    return *p ? -1 : 0;
}

/* <mac address=...>: six bytes. Multicast addresses are accepted: the seed's own examples
 * use 11:22:33:44:55:66. */
static int parse_net_mac(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_net *n)
{
    static const char *const attrs[] = {"address", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    char *addr = xmlutil_attr(node, "address");
    int rc = 0;
    if (!addr)
        rc = xmlutil_error(x, node, "address", "<mac> needs an address attribute");
    else if (parse_mac(addr, n->mac) < 0)
        rc = xmlutil_error(x, node, "address",
                           "<mac> address '%s' is not a MAC address (expected six hex "
                           "bytes like 52:54:00:12:34:56)",
                           addr);
    free(addr);
    n->has_mac = rc == 0;
    return rc;
}

/* Whether an address for QEMU's socket netdev is usable: non-empty host name or IP without
 * separators QEMU's option syntax would split on. */
static bool socket_address_ok(const char *addr)
{
    return *addr && !strpbrk(addr, ", \t\n/");
}

/* <source ...> of an interface: which attributes apply depends on the interface type. */
static int parse_net_source(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_net *n)
{
    static const char *const network_attrs[] = {"network", "name", NULL};
    static const char *const bridge_attrs[] = {"bridge", "dev", NULL};
    static const char *const ethernet_attrs[] = {"dev", NULL};
    static const char *const socket_attrs[] = {"address", "port", NULL};
    const char *const *attrs = NULL;
    switch (n->type) {
    case DOMAIN_NET_USER:
        return xmlutil_error(x, node, "source", "<interface type='user'> takes no <source>");
    case DOMAIN_NET_NETWORK:
        attrs = network_attrs;
        break;
    case DOMAIN_NET_BRIDGE:
        attrs = bridge_attrs;
        break;
    case DOMAIN_NET_ETHERNET:
        attrs = ethernet_attrs;
        break;
    case DOMAIN_NET_MCAST:
    case DOMAIN_NET_SERVER:
    case DOMAIN_NET_CLIENT:
        attrs = socket_attrs;
        break;
    }
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    if (n->type == DOMAIN_NET_NETWORK || n->type == DOMAIN_NET_BRIDGE) {
        /* today's spelling first, then the seed's (name= for networks, dev= for bridges) */
        const char *now = n->type == DOMAIN_NET_NETWORK ? "network" : "bridge";
        const char *old = n->type == DOMAIN_NET_NETWORK ? "name" : "dev";
        char **out = n->type == DOMAIN_NET_NETWORK ? &n->source_network : &n->source_bridge;
        char *a = NULL, *b = NULL;
        if (nonempty_attr(x, node, now, &a) < 0 || nonempty_attr(x, node, old, &b) < 0) {
            free(a);
            return -1;
        }
        if (a && b && strcmp(a, b)) {
            xmlutil_error(x, node, now, "<source> %s='%s' and %s='%s' disagree", now, a, old, b);
            free(a);
            free(b);
            return -1;
        }
        *out = a ? a : b;
        if (a)
            free(b);
        return 0;
    }
    if (n->type == DOMAIN_NET_ETHERNET)
        return nonempty_attr(x, node, "dev", &n->source_dev);
    if (nonempty_attr(x, node, "address", &n->source_address) < 0)
        return -1;
    if (n->source_address && !socket_address_ok(n->source_address))
        return xmlutil_error(x, node, "address",
                             "<source> address '%s' is not a host name or IP address",
                             n->source_address);
    char *port = xmlutil_attr(node, "port");
    if (port) {
        long long v;
        int rc = xmlutil_parse_ll(x, node, "port", "<source> port", port, 1, 65535, &v);
        free(port);
        if (rc < 0)
            return -1;
        n->source_port = (int)v;
    }
    return 0;
}

/* A one-attribute leaf of <interface> (<script path>, <target dev>, <model type>,
 * <ip address>) into *out. */
static int parse_net_leaf(const struct xmlutil_ctx *x, const xmlNode *node, const char *attr,
                          char **out)
{
    const char *attrs[] = {attr, NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    if (nonempty_attr(x, node, attr, out) < 0)
        return -1;
    if (!*out)
        return xmlutil_error(x, node, attr, "<%s> needs a %s attribute", (const char *)node->name,
                             attr);
    return 0;
}

/* Whether name is a usable host interface name (IFNAMSIZ - 1 bytes, no '/' or blanks). */
static bool ifname_ok(const char *name)
{
    return strlen(name) <= 15 && !strpbrk(name, "/, \t\n:");
}

/* Whether model is a NIC model name (letters, digits, '_' and '-' only, as libvirt checks). */
static bool model_ok(const char *model)
{
    for (const char *p = model; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return false;
    return true;
}

/* Checks of one interface after its children are read. */
static int check_net(const struct xmlutil_ctx *x, const xmlNode *node, const struct domain_net *n)
{
    const char *type = domain_net_type_to_string(n->type);
    if (n->type == DOMAIN_NET_NETWORK && !n->source_network)
        return xmlutil_error(x, node, "source",
                             "<interface type='network'> needs a <source network=...>");
    if (n->type == DOMAIN_NET_BRIDGE && !n->source_bridge)
        return xmlutil_error(x, node, "source",
                             "<interface type='bridge'> needs a <source bridge=...>");
    if ((n->type == DOMAIN_NET_MCAST || n->type == DOMAIN_NET_CLIENT) && !n->source_address)
        return xmlutil_error(x, node, "source",
                             "<interface type='%s'> needs a <source address=...>", type);
    if ((n->type == DOMAIN_NET_MCAST || n->type == DOMAIN_NET_SERVER ||
         n->type == DOMAIN_NET_CLIENT) &&
        !n->source_port)
        return xmlutil_error(x, node, "source", "<interface type='%s'> needs a <source port=...>",
                             type);
    if (n->type == DOMAIN_NET_MCAST) {
        struct in_addr a;
        if (inet_pton(AF_INET, n->source_address, &a) != 1 || (ntohl(a.s_addr) >> 28) != 0xe)
            return xmlutil_error(x, node, "address",
                                 "<interface type='mcast'> address '%s' is not an IPv4 "
                                 "multicast address (224.0.0.0/4)",
                                 n->source_address);
    }
    if (n->target_dev && !ifname_ok(n->target_dev))
        return xmlutil_error(x, node, "dev",
                             "<interface> target dev '%s' is not an interface name (at "
                             "most 15 bytes, no '/', ':', ',' or blanks)",
                             n->target_dev);
    if (n->model && !model_ok(n->model))
        return xmlutil_error(x, node, "model",
                             "<interface> model '%s' contains characters other than "
                             "letters, digits, '_' and '-'",
                             n->model);
    if (n->ip) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, n->ip, buf) != 1 && inet_pton(AF_INET6, n->ip, buf) != 1)
            return xmlutil_error(x, node, "ip", "<interface> ip address '%s' is not an IP address",
                                 n->ip);
    }
    return 0;
}

/* <interface type=...>: type defaults to user, as in libvirt. */
static int parse_interface(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    static const char *const attrs[] = {"type", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    struct domain_net n = {.line = node_line(node)};
    char *type = xmlutil_attr(node, "type");
    int t = type ? domain_net_type_from_string(type) : DOMAIN_NET_USER;
    if (t < 0) {
        xmlutil_error(x, node, "type",
                      "unknown interface type '%s' (expected user, network, bridge, "
                      "ethernet, mcast, server or client)",
                      type);
        free(type);
        return -1;
    }
    free(type);
    n.type = (enum domain_net_type)t;
    static const char *const children[] = {"mac", "source", "script",  "target", "model",
                                           "ip",  "alias",  "address", NULL};
    bool seen[6] = {false};
    int rc = 0;
    for (const xmlNode *c = node->children; c && rc == 0; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        const char *name = (const char *)c->name;
        if (!strcmp(name, "mac"))
            rc = once(x, c, &seen[0]) < 0 ? -1 : parse_net_mac(x, c, &n);
        else if (!strcmp(name, "source"))
            rc = once(x, c, &seen[1]) < 0 ? -1 : parse_net_source(x, c, &n);
        else if (!strcmp(name, "script"))
            rc = once(x, c, &seen[2]) < 0 ? -1 : parse_net_leaf(x, c, "path", &n.script);
        else if (!strcmp(name, "target"))
            rc = once(x, c, &seen[3]) < 0 ? -1 : parse_net_leaf(x, c, "dev", &n.target_dev);
        else if (!strcmp(name, "model"))
            rc = once(x, c, &seen[4]) < 0 ? -1 : parse_net_leaf(x, c, "type", &n.model);
        else if (!strcmp(name, "ip"))
            rc = once(x, c, &seen[5]) < 0 ? -1 : parse_net_leaf(x, c, "address", &n.ip);
        else if (!strcmp(name, "alias"))
            rc = parse_alias(x, c, &n.alias);
        else if (!strcmp(name, "address"))
            rc = parse_address(x, c, &n.address);
        else
            rc = unknown_child(x, c, children);
    }
    if (rc == 0)
        rc = check_net(x, node, &n);
    if (rc < 0) {
        net_clear(&n);
        return -1;
    }
    for (size_t i = 0; n.has_mac && i < def->nnets; i++)
        if (def->nets[i].has_mac && !memcmp(def->nets[i].mac, n.mac, 6)) {
            net_clear(&n);
            return xmlutil_error(x, node, "mac",
                                 "<interface> MAC address is used twice (first on line "
                                 "%d)",
                                 def->nets[i].line);
        }
    for (size_t i = 0; n.target_dev && i < def->nnets; i++)
        if (def->nets[i].target_dev && !strcmp(def->nets[i].target_dev, n.target_dev)) {
            int first = def->nets[i].line;
            xmlutil_error(x, node, "dev",
                          "<interface> target dev '%s' is used twice (first on line %d)",
                          n.target_dev, first);
            net_clear(&n);
            return -1;
        }
    *(struct domain_net *)array_append((void **)&def->nets, &def->nnets, sizeof(n)) = n;
    return 0;
}

/* ---- <serial> and <console> ---- */

/* <source path=...> of a pty: the live tty, which must agree with a tty= attribute. */
static int parse_chr_source(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_chr *c)
{
    static const char *const attrs[] = {"path", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    char *path = NULL;
    if (nonempty_attr(x, node, "path", &path) < 0)
        return -1;
    if (path && c->tty && strcmp(path, c->tty)) {
        xmlutil_error(x, node, "path", "<source path='%s'> and tty='%s' disagree", path, c->tty);
        free(path);
        return -1;
    }
    if (path && !c->tty)
        c->tty = path;
    else
        free(path);
    return 0;
}

/* <model name='isa-serial'/> inside a serial's <target> (today's libvirt writes it). */
static int parse_chr_target_model(const struct xmlutil_ctx *x, const xmlNode *node,
                                  struct domain_chr *c)
{
    static const char *const attrs[] = {"name", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    if (c->isa_serial_model)
        return xmlutil_error(x, node, "model", "<model> appears twice in <target>");
    char *name = xmlutil_attr(node, "name");
    int rc = 0;
    if (!name)
        rc = xmlutil_error(x, node, "name", "<model> needs a name attribute");
    else if (strcmp(name, "isa-serial"))
        rc = xmlutil_error(x, node, "name",
                           "serial <target> model '%s' is not supported (only isa-serial)", name);
    free(name);
    c->isa_serial_model = rc == 0;
    return rc;
}

/* <target port=... type=...> of a serial or console (a console's type is checked in
 * finish, against the guest's kind; a serial's may only be isa-serial, with its model). */
static int parse_chr_target(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_chr *c)
{
    static const char *const attrs[] = {"port", "type", NULL};
    static const char *const children[] = {"model", NULL};
    bool serial = !strcmp((const char *)node->parent->name, "serial");
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    for (const xmlNode *m = node->children; m; m = m->next) {
        if (!xmlutil_is_ours(m))
            continue;
        if (!serial || strcmp((const char *)m->name, "model"))
            return serial ? unknown_child(x, m, children) : xmlutil_unknown(x, m);
        if (parse_chr_target_model(x, m, c) < 0)
            return -1;
    }
    char *type = serial ? xmlutil_attr(node, "type") : NULL;
    if (type && strcmp(type, "isa-serial")) {
        xmlutil_error(x, node, "type",
                      "serial <target> type '%s' is not supported (only isa-serial)", type);
        free(type);
        return -1;
    }
    c->isa_serial = type != NULL;
    free(type);
    char *port = xmlutil_attr(node, "port");
    if (port) {
        long long v;
        int rc = xmlutil_parse_ll(x, node, "port", "<target> port", port, 0, 65535, &v);
        free(port);
        if (rc < 0)
            return -1;
        c->port = (int)v;
    }
    return 0;
}

/* <serial type='pty'> or <console type='pty' tty=...> (type defaults to pty). */
static int parse_chr(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    static const char *const attrs[] = {"type", "tty", NULL};
    bool console = !strcmp((const char *)node->name, "console");
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    struct domain_chr c = {.line = node_line(node)};
    char *type = xmlutil_attr(node, "type");
    int t = type ? domain_chr_type_from_string(type) : DOMAIN_CHR_PTY;
    if (t < 0) {
        xmlutil_error(x, node, "type", "<%s> type '%s' is not supported (only pty)",
                      (const char *)node->name, type);
        free(type);
        return -1;
    }
    free(type);
    c.type = (enum domain_chr_type)t;
    static const char *const children[] = {"source", "target", "alias", NULL};
    int rc = nonempty_attr(x, node, "tty", &c.tty);
    bool seen_source = false, seen_target = false;
    for (const xmlNode *n = node->children; n && rc == 0; n = n->next) {
        if (!xmlutil_is_ours(n))
            continue;
        if (!strcmp((const char *)n->name, "source"))
            rc = once(x, n, &seen_source) < 0 ? -1 : parse_chr_source(x, n, &c);
        else if (!strcmp((const char *)n->name, "target"))
            rc = once(x, n, &seen_target) < 0 ? -1 : parse_chr_target(x, n, &c);
        else if (!strcmp((const char *)n->name, "alias"))
            rc = parse_alias(x, n, &c.alias);
        else
            rc = unknown_child(x, n, children);
    }
    struct domain_chr *list = console ? def->consoles : def->serials;
    size_t count = console ? def->nconsoles : def->nserials;
    for (size_t i = 0; rc == 0 && i < count; i++)
        if (list[i].port == c.port)
            rc = xmlutil_error(x, node, "port",
                               "<%s> target port %d is used twice (first on line %d)",
                               (const char *)node->name, c.port, list[i].line);
    if (rc < 0) {
        chr_clear(&c);
        return -1;
    }
    if (console)
        *(struct domain_chr *)array_append((void **)&def->consoles, &def->nconsoles, sizeof(c)) = c;
    else
        *(struct domain_chr *)array_append((void **)&def->serials, &def->nserials, sizeof(c)) = c;
    return 0;
}

/* ---- <graphics> ---- */

/* <listen type='address' address=...> inside VNC graphics (today's spelling of listen=);
 * without an address it means the default, as libvirt writes it. */
static int parse_graphics_listen(const struct xmlutil_ctx *x, const xmlNode *node,
                                 struct domain_graphics *g)
{
    static const char *const attrs[] = {"type", "address", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    char *type = xmlutil_attr(node, "type");
    if (type && strcmp(type, "address")) {
        xmlutil_error(x, node, "type", "<listen> type '%s' is not supported (only 'address')",
                      type);
        free(type);
        return -1;
    }
    free(type);
    char *addr = NULL;
    if (nonempty_attr(x, node, "address", &addr) < 0)
        return -1;
    if (!addr) /* today's libvirt writes <listen type='address'/> for the default address */
        return 0;
    if (g->listen && strcmp(g->listen, addr)) {
        xmlutil_error(x, node, "address",
                      "<listen address='%s'> and <graphics listen='%s'> disagree", addr, g->listen);
        free(addr);
        return -1;
    }
    free(g->listen);
    g->listen = addr;
    return 0;
}

/* VNC attributes: port (-1 = autoport), autoport, listen. */
static int parse_graphics_vnc(const struct xmlutil_ctx *x, const xmlNode *node,
                              struct domain_graphics *g)
{
    char *port = xmlutil_attr(node, "port");
    char *autoport = xmlutil_attr(node, "autoport");
    int rc = 0;
    g->port = -1;
    if (port) {
        long long v;
        rc = xmlutil_parse_ll(x, node, "port", "<graphics> port", port, -1, 65535, &v);
        if (rc == 0 && v != -1 && v < 5900)
            rc = xmlutil_error(x, node, "port",
                               "<graphics> port %lld is out of range (5900 to 65535, or "
                               "-1 for autoport)",
                               v);
        if (rc == 0)
            g->port = (int)v;
    }
    g->autoport = g->port == -1;
    if (rc == 0 && autoport) {
        bool yes;
        rc = xmlutil_parse_yesno(x, node, "autoport", autoport, &yes);
        if (rc == 0 && !yes && g->port == -1)
            rc = xmlutil_error(x, node, "autoport",
                               "<graphics> autoport='no' needs a port (5900 to 65535)");
        if (rc == 0 && yes)
            g->autoport = true;
    }
    free(port);
    free(autoport);
    if (rc == 0)
        rc = nonempty_attr(x, node, "listen", &g->listen);
    return rc;
}

/* <graphics type='vnc|sdl' ...>. */
static int parse_graphics(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    static const char *const vnc_attrs[] = {"type", "port", "autoport", "listen", NULL};
    static const char *const sdl_attrs[] = {"type", NULL};
    struct domain_graphics g = {.line = node_line(node), .port = -1};
    char *type = xmlutil_attr(node, "type");
    int t = type ? domain_graphics_type_from_string(type) : -1;
    if (t < 0) {
        if (type)
            xmlutil_error(x, node, "type", "unknown graphics type '%s' (expected vnc or sdl)",
                          type);
        else
            xmlutil_error(x, node, "type", "<graphics> needs a type (vnc or sdl)");
        free(type);
        return -1;
    }
    free(type);
    g.type = (enum domain_graphics_type)t;
    bool vnc = g.type == DOMAIN_GRAPHICS_VNC;
    int rc = xmlutil_check_attrs(x, node, vnc ? vnc_attrs : sdl_attrs) < 0 ||
                     xmlutil_check_text(x, node) < 0
                 ? -1
                 : 0;
    if (rc == 0 && vnc)
        rc = parse_graphics_vnc(x, node, &g);
    if (rc == 0 && !vnc)
        g.autoport = false;
    static const char *const listen_child[] = {"listen", NULL};
    bool seen_listen = false;
    for (const xmlNode *c = node->children; c && rc == 0; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        if (vnc && !strcmp((const char *)c->name, "listen"))
            rc = once(x, c, &seen_listen) < 0 ? -1 : parse_graphics_listen(x, c, &g);
        else
            rc = vnc ? unknown_child(x, c, listen_child) : xmlutil_unknown(x, c);
    }
    if (rc < 0) {
        graphics_clear(&g);
        return -1;
    }
    *(struct domain_graphics *)array_append((void **)&def->graphics, &def->ngraphics, sizeof(g)) =
        g;
    return 0;
}

/* ---- <devices> ---- */

/* <emulator>: the device model binary. */
static int parse_emulator(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    if (def->emulator)
        return xmlutil_error(x, node, "emulator", "<emulator> appears twice in <devices>");
    char *text = xmlutil_text(node);
    if (!*text) {
        free(text);
        return xmlutil_error(x, node, "emulator", "<emulator> is empty");
    }
    def->emulator = text;
    def->emulator_line = (int)xmlGetLineNo(node);
    return 0;
}

/* The children <devices> may have and who reads them. */
static const struct {
    const char *name;
    int (*parse)(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def);
} device_elements[] = {
    {"emulator", parse_emulator}, {"disk", parse_disk},   {"interface", parse_interface},
    {"serial", parse_chr},        {"console", parse_chr}, {"graphics", parse_graphics},
};

/* <devices>: each child by its element name. */
int domain_def_devices_parse(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                             struct domain_def *def)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        size_t i = 0, n = sizeof(device_elements) / sizeof(device_elements[0]);
        while (i < n && strcmp((const char *)c->name, device_elements[i].name))
            i++;
        if (i == n) {
            const char *names[sizeof(device_elements) / sizeof(device_elements[0])];
            for (size_t k = 0; k < n; k++)
                names[k] = device_elements[k].name;
            return xmlutil_unknown_among(x, c, names, n);
        }
        if (device_elements[i].parse(x, c, def) < 0)
            return -1;
    }
    return 0;
}

/* Check console <target type=...> against the guest: 'serial' for HVM, 'xen' for Xen
 * paravirt (the model derives it, so only these two may be written). */
static int check_console_targets(const struct xmlutil_ctx *x, const xmlNode *root,
                                 const struct domain_def *def)
{
    bool pv = def->os.type && !strcmp(def->os.type, "linux");
    const char *want = pv ? "xen" : "serial";
    for (const xmlNode *d = root->children; d; d = d->next) {
        if (!xmlutil_is_ours(d) || strcmp((const char *)d->name, "devices"))
            continue;
        for (const xmlNode *c = d->children; c; c = c->next) {
            if (!xmlutil_is_ours(c) || strcmp((const char *)c->name, "console"))
                continue;
            for (const xmlNode *t = c->children; t; t = t->next) {
                if (!xmlutil_is_ours(t) || strcmp((const char *)t->name, "target"))
                    continue;
                char *type = xmlutil_attr(t, "type");
                if (type && strcmp(type, want)) {
                    xmlutil_error(x, t, "type",
                                  "<console> target type '%s' is not supported for %s "
                                  "guests (expected '%s')",
                                  type, pv ? "Xen paravirt" : "HVM", want);
                    free(type);
                    return -1;
                }
                free(type);
            }
        }
    }
    return 0;
}

/* Copy one serial/console entry (its tty string duplicated; aborts when out of memory). */
static struct domain_chr chr_dup(const struct domain_chr *c)
{
    struct domain_chr n = *c;
    n.tty = n.alias = NULL;
    if ((c->tty && !(n.tty = strdup(c->tty))) || (c->alias && !(n.alias = strdup(c->alias))))
        abort();
    return n;
}

/* Cross-device checks and libvirt's HVM pairing: the first console of an HVM guest is an
 * alias of the first serial port, so each list gets the other's entry when it has none. */
int domain_def_devices_finish(const struct xmlutil_ctx *x, const struct _xmlNode *root,
                              struct domain_def *def)
{
    if (check_console_targets(x, root, def) < 0)
        return -1;
    bool pv = !strcmp(def->os.type, "linux");
    for (size_t i = 0; pv && i < def->ndisks; i++)
        if (def->disks[i].device == DOMAIN_DISK_DEVICE_FLOPPY)
            return vmerr_set_xml(x->err, x->source, def->disks[i].line, "device",
                                 "floppy <disk> '%s': a Xen paravirt guest (<os> type linux/xen) "
                                 "has no floppy drive",
                                 def->disks[i].target_dev);
    if (pv)
        return 0;
    if (def->nconsoles > 0 && def->nserials == 0) {
        struct domain_chr s = chr_dup(&def->consoles[0]);
        *(struct domain_chr *)array_append((void **)&def->serials, &def->nserials, sizeof(s)) = s;
    } else if (def->nserials > 0 && def->nconsoles == 0) {
        struct domain_chr c = chr_dup(&def->serials[0]);
        *(struct domain_chr *)array_append((void **)&def->consoles, &def->nconsoles, sizeof(c)) = c;
    } else if (def->nserials > 0 && def->consoles[0].port == def->serials[0].port) {
        struct domain_chr *s = &def->serials[0], *c = &def->consoles[0];
        if (s->tty && c->tty && strcmp(s->tty, c->tty))
            return xmlutil_error(x, root, "tty",
                                 "<console> tty '%s' and <serial> tty '%s' disagree (the "
                                 "first console of an HVM guest is its first serial port)",
                                 c->tty, s->tty);
        if (s->tty && !c->tty && !(c->tty = strdup(s->tty)))
            abort();
        if (c->tty && !s->tty && !(s->tty = strdup(c->tty)))
            abort();
    }
    return 0;
}

/* Duplicate src into *dst (NULL stays NULL); -1 on allocation failure. */
static int copy_string(char **dst, const char *src)
{
    *dst = NULL;
    if (src && !(*dst = strdup(src)))
        return -1;
    return 0;
}

/* Allocate dst array of n elements of size; -1 on failure (n == 0 gives NULL, fine). */
static int copy_array(void **dst, const void *src, size_t n, size_t size)
{
    *dst = NULL;
    if (!n)
        return 0;
    if (!(*dst = calloc(n, size)))
        return -1;
    memcpy(*dst, src, n * size);
    return 0;
}

/* Deep copy of every device array of src into dst (dst's arrays are empty on entry). Each
 * array's string pointers are cleared before any is copied, so a failure half-way leaves dst
 * freeable by domain_def_devices_clear without touching src. */
int domain_def_devices_copy(struct domain_def *dst, const struct domain_def *src)
{
    if (copy_array((void **)&dst->disks, src->disks, src->ndisks, sizeof(*src->disks)) < 0)
        return -1;
    dst->ndisks = src->ndisks;
    for (size_t i = 0; i < src->ndisks; i++) {
        struct domain_disk *d = &dst->disks[i];
        d->source = d->target_dev = d->target_bus = NULL;
        d->driver_name = d->driver_type = d->driver_cache = d->alias = d->address = NULL;
    }
    for (size_t i = 0; i < src->ndisks; i++) {
        struct domain_disk *d = &dst->disks[i];
        const struct domain_disk *s = &src->disks[i];
        if (copy_string(&d->source, s->source) < 0 ||
            copy_string(&d->target_dev, s->target_dev) < 0 ||
            copy_string(&d->target_bus, s->target_bus) < 0 ||
            copy_string(&d->driver_name, s->driver_name) < 0 ||
            copy_string(&d->driver_type, s->driver_type) < 0 ||
            copy_string(&d->driver_cache, s->driver_cache) < 0 ||
            copy_string(&d->alias, s->alias) < 0 || copy_string(&d->address, s->address) < 0)
            return -1;
    }
    if (copy_array((void **)&dst->nets, src->nets, src->nnets, sizeof(*src->nets)) < 0)
        return -1;
    dst->nnets = src->nnets;
    for (size_t i = 0; i < src->nnets; i++) {
        struct domain_net *d = &dst->nets[i];
        d->source_network = d->source_bridge = d->source_dev = d->source_address = NULL;
        d->script = d->target_dev = d->model = d->ip = NULL;
        d->alias = d->address = NULL;
    }
    for (size_t i = 0; i < src->nnets; i++) {
        struct domain_net *d = &dst->nets[i];
        const struct domain_net *s = &src->nets[i];
        if (copy_string(&d->source_network, s->source_network) < 0 ||
            copy_string(&d->source_bridge, s->source_bridge) < 0 ||
            copy_string(&d->source_dev, s->source_dev) < 0 ||
            copy_string(&d->source_address, s->source_address) < 0 ||
            copy_string(&d->script, s->script) < 0 ||
            copy_string(&d->target_dev, s->target_dev) < 0 ||
            copy_string(&d->model, s->model) < 0 || copy_string(&d->ip, s->ip) < 0 ||
            copy_string(&d->alias, s->alias) < 0 || copy_string(&d->address, s->address) < 0)
            return -1;
    }
    struct {
        struct domain_chr **dst;
        size_t *ndst;
        const struct domain_chr *src;
        size_t n;
    } chrs[] = {{&dst->serials, &dst->nserials, src->serials, src->nserials},
                {&dst->consoles, &dst->nconsoles, src->consoles, src->nconsoles}};
    for (size_t k = 0; k < 2; k++) {
        if (copy_array((void **)chrs[k].dst, chrs[k].src, chrs[k].n, sizeof(struct domain_chr)) < 0)
            return -1;
        *chrs[k].ndst = chrs[k].n;
        for (size_t i = 0; i < chrs[k].n; i++)
            (*chrs[k].dst)[i].tty = (*chrs[k].dst)[i].alias = NULL;
        for (size_t i = 0; i < chrs[k].n; i++)
            if (copy_string(&(*chrs[k].dst)[i].tty, chrs[k].src[i].tty) < 0 ||
                copy_string(&(*chrs[k].dst)[i].alias, chrs[k].src[i].alias) < 0)
                return -1;
    }
    if (copy_array((void **)&dst->graphics, src->graphics, src->ngraphics, sizeof(*src->graphics)) <
        0)
        return -1;
    dst->ngraphics = src->ngraphics;
    for (size_t i = 0; i < src->ngraphics; i++)
        dst->graphics[i].listen = NULL;
    for (size_t i = 0; i < src->ngraphics; i++)
        if (copy_string(&dst->graphics[i].listen, src->graphics[i].listen) < 0)
            return -1;
    return 0;
}

/* Free every device of def and empty the arrays. */
void domain_def_devices_clear(struct domain_def *def)
{
    for (size_t i = 0; i < def->ndisks; i++)
        disk_clear(&def->disks[i]);
    for (size_t i = 0; i < def->nnets; i++)
        net_clear(&def->nets[i]);
    for (size_t i = 0; i < def->nserials; i++)
        chr_clear(&def->serials[i]);
    for (size_t i = 0; i < def->nconsoles; i++)
        chr_clear(&def->consoles[i]);
    for (size_t i = 0; i < def->ngraphics; i++)
        graphics_clear(&def->graphics[i]);
    free(def->disks);
    free(def->nets);
    free(def->serials);
    free(def->consoles);
    free(def->graphics);
    def->disks = NULL;
    def->nets = NULL;
    def->serials = def->consoles = NULL;
    def->graphics = NULL;
    def->ndisks = def->nnets = def->nserials = def->nconsoles = def->ngraphics = 0;
}
