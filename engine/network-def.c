/* network-def: network XML text flows in (the 2007 spelling and today's libvirt spelling),
 * libxml2 checks well-formedness, the element parsers below fill struct network_def and
 * check what needs no host (names, MACs, masks, DHCP ranges and hosts inside the subnet),
 * then the RelaxNG schema has the last word. Errors flow out as one VMERR_XML with the
 * element's line and the field. Also here: the enum table, name checks, copy and free. */
#include "engine/network-def.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "engine/domain-def.h"
#include "engine/schema.h"
#include "engine/store.h"
#include "engine/xmlutil.h"

#define TABLE_LEN(t) (sizeof(t) / sizeof((t)[0]))

/* libvirt's <forward mode=...> spellings, indexed by enum network_forward_mode. */
static const char *const forward_mode_names[] = {
    [NETWORK_FORWARD_NONE] = "none",
    [NETWORK_FORWARD_NAT] = "nat",
    [NETWORK_FORWARD_ROUTE] = "route",
};

/* Name of a forward mode. */
const char *network_forward_mode_to_string(enum network_forward_mode m)
{
    if ((size_t)m < TABLE_LEN(forward_mode_names))
        return forward_mode_names[m];
    return "unknown";
}

/* Forward mode by name, -1 if unknown. */
int network_forward_mode_from_string(const char *s)
{
    for (size_t i = 0; s && i < TABLE_LEN(forward_mode_names); i++)
        if (!strcmp(forward_mode_names[i], s))
            return (int)i;
    return -1;
}

/* ---- names and addresses ---- */

/* A network name must be usable as a file name and a list cell. */
bool network_name_valid(const char *name)
{
    if (!name || !*name || name[0] == '.' || strlen(name) > NETWORK_NAME_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* An interface name as the kernel accepts it (dev_valid_name). */
bool network_ifname_valid(const char *name)
{
    if (!name || !*name || strlen(name) > NETWORK_IFNAME_MAX || !strcmp(name, ".") ||
        !strcmp(name, ".."))
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p == '/' || *p == ':' || isspace(*p) || *p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* A DNS name for <domain name=...> and DHCP host names: letters, digits, '-', '_' and dots
 * between non-empty labels, at most 253 bytes. */
static bool dns_name_valid(const char *name)
{
    size_t len = strlen(name), label = 0;
    if (len == 0 || len > 253)
        return false;
    for (const char *p = name; *p; p++) {
        if (*p == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
            if (++label > 63 || (label == 1 && *p == '-'))
                return false;
        } else {
            return false;
        }
    }
    return label > 0;
}

/* Parse "52:54:00:12:34:56" (1 or 2 hex digits per byte); 0 on success. */
static int mac_parse(const char *text, unsigned char mac[6])
{
    const char *p = text;
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        int n = 0;
        while (n < 2 && isxdigit((unsigned char)*p)) {
            int c = tolower((unsigned char)*p);
            v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
            p++;
            n++;
        }
        if (n == 0)
            return -1;
        mac[i] = (unsigned char)v;
        if (i < 5 && *p++ != ':')
            return -1;
    }
    return *p ? -1 : 0;
}

/* Format a MAC address as lowercase hex pairs. */
void network_mac_format(const unsigned char mac[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

/* Text form of an address. */
void network_addr_format(const struct network_addr *a, char *buf, size_t len)
{
    if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

/* Parse an address of family (AF_INET or AF_INET6); 0 on success. */
static int addr_parse(const char *text, int family, struct network_addr *a)
{
    memset(a, 0, sizeof(*a));
    a->family = family;
    return inet_pton(family, text, a->bytes) == 1 ? 0 : -1;
}

/* Bytes in an address of a's family. */
static size_t addr_size(const struct network_addr *a)
{
    return a->family == AF_INET6 ? 16 : 4;
}

/* Whether a and b agree in their first prefix bits. */
static bool addr_same_subnet(const struct network_addr *a, const struct network_addr *b,
                             unsigned prefix)
{
    for (unsigned i = 0; i < prefix; i++) {
        unsigned char m = (unsigned char)(0x80u >> (i % 8));
        if ((a->bytes[i / 8] & m) != (b->bytes[i / 8] & m))
            return false;
    }
    return true;
}

/* a with the bits after prefix set to ones (host_ones) or zeros. */
static struct network_addr addr_edge(const struct network_addr *a, unsigned prefix, bool host_ones)
{
    struct network_addr r = *a;
    for (unsigned i = prefix; i < addr_size(a) * 8; i++) {
        unsigned char m = (unsigned char)(0x80u >> (i % 8));
        if (host_ones)
            r.bytes[i / 8] |= m;
        else
            r.bytes[i / 8] &= (unsigned char)~m;
    }
    return r;
}

/* Compare two addresses of one family as big-endian numbers. */
static int addr_compare(const struct network_addr *a, const struct network_addr *b)
{
    return memcmp(a->bytes, b->bytes, addr_size(a));
}

/* Prefix length of a contiguous IPv4 netmask, -1 if the ones are not contiguous. */
static int netmask_prefix(const struct network_addr *mask)
{
    unsigned long m = (unsigned long)mask->bytes[0] << 24 | (unsigned long)mask->bytes[1] << 16 |
                      (unsigned long)mask->bytes[2] << 8 | mask->bytes[3];
    int prefix = 0;
    while (prefix < 32 && (m & (0x80000000ul >> prefix)))
        prefix++;
    unsigned long rest = prefix == 32 ? 0 : (m & (0xfffffffful >> prefix));
    return rest ? -1 : prefix;
}

/* libvirt's default prefix for an IPv4 address without netmask or prefix (class A, B, C);
 * -1 for class D and E. */
static int classful_prefix(const struct network_addr *a)
{
    if (a->bytes[0] < 128)
        return 8;
    if (a->bytes[0] < 192)
        return 16;
    if (a->bytes[0] < 224)
        return 24;
    return -1;
}

/* The first free "virbrN" name. */
int network_bridge_pick(bool (*used)(const char *name, void *opaque), void *opaque, char *buf,
                        size_t len)
{
    for (int i = 0; i < 4096; i++) {
        snprintf(buf, len, "virbr%d", i);
        if (!used(buf, opaque))
            return 0;
    }
    return -1;
}

/* ---- free and copy ---- */

/* Free what one <ip> owns. */
static void ip_clear(struct network_ip *ip)
{
    for (size_t i = 0; i < ip->nhosts; i++)
        free(ip->hosts[i].name);
    free(ip->hosts);
    free(ip->ranges);
    memset(ip, 0, sizeof(*ip));
}

/* Free def and everything it owns. */
void network_def_free(struct network_def *def)
{
    if (!def)
        return;
    free(def->name);
    free(def->forward_dev);
    free(def->bridge);
    free(def->domain);
    for (size_t i = 0; i < def->nips; i++)
        ip_clear(&def->ips[i]);
    free(def->ips);
    free(def);
}

/* strdup that keeps NULL as NULL; *ok turns false when memory runs out. */
static char *dup_or_null(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

/* Deep copy of one <ip> into c (which starts zeroed); false on allocation failure. */
static bool ip_copy(struct network_ip *c, const struct network_ip *ip)
{
    *c = *ip;
    c->ranges = NULL;
    c->hosts = NULL;
    c->nranges = c->nhosts = 0;
    if (ip->nranges) {
        if (!(c->ranges = malloc(ip->nranges * sizeof(*c->ranges))))
            return false;
        memcpy(c->ranges, ip->ranges, ip->nranges * sizeof(*c->ranges));
        c->nranges = ip->nranges;
    }
    if (ip->nhosts) {
        if (!(c->hosts = calloc(ip->nhosts, sizeof(*c->hosts))))
            return false;
        bool ok = true;
        for (size_t i = 0; i < ip->nhosts; i++) {
            c->hosts[i] = ip->hosts[i];
            c->hosts[i].name = dup_or_null(ip->hosts[i].name, &ok);
        }
        c->nhosts = ip->nhosts;
        return ok;
    }
    return true;
}

/* A deep copy: every string and array is duplicated. */
struct network_def *network_def_copy(const struct network_def *def)
{
    struct network_def *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    *c = *def;
    bool ok = true;
    c->name = dup_or_null(def->name, &ok);
    c->forward_dev = dup_or_null(def->forward_dev, &ok);
    c->bridge = dup_or_null(def->bridge, &ok);
    c->domain = dup_or_null(def->domain, &ok);
    c->ips = NULL;
    c->nips = 0;
    if (ok && def->nips) {
        c->ips = calloc(def->nips, sizeof(*c->ips));
        ok = c->ips != NULL;
        for (size_t i = 0; ok && i < def->nips; i++) {
            c->nips = i + 1;
            ok = ip_copy(&c->ips[i], &def->ips[i]);
        }
    }
    if (!ok) {
        network_def_free(c);
        return NULL;
    }
    return c;
}

/* Append one element of size bytes to *array (count *n); returns the new slot (zeroed). */
static void *array_append(void **array, size_t *n, size_t size)
{
    char *a = realloc(*array, (*n + 1) * size);
    if (!a)
        abort(); /* memory exhaustion is not recoverable */
    *array = a;
    memset(a + *n * size, 0, size);
    return a + (*n)++ * size;
}

/* ---- element parsers ---- */

/* Error when a once-only element shows up a second time (*seen remembers the first). */
static int once(const struct xmlutil_ctx *x, const xmlNode *node, const xmlNode **seen)
{
    if (*seen)
        return xmlutil_error(x, node, (const char *)node->name,
                             "<%s> appears twice in <%s> (first on line %ld)",
                             (const char *)node->name, (const char *)node->parent->name,
                             xmlGetLineNo((xmlNode *)*seen));
    *seen = node;
    return 0;
}

/* <name>: required, a valid network name. */
static int parse_name(const struct xmlutil_ctx *x, const xmlNode *node, struct network_def *def)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    char *name = xmlutil_text(node);
    if (!network_name_valid(name)) {
        xmlutil_error(x, node, "name",
                      "network name '%s' is not valid (it must not be empty, start with '.', "
                      "contain '/' or control characters, or be longer than %d bytes)",
                      name, NETWORK_NAME_MAX);
        free(name);
        return -1;
    }
    def->name = name;
    return 0;
}

/* <uuid>: 32 hex digits with or without dashes. */
static int parse_uuid(const struct xmlutil_ctx *x, const xmlNode *node, struct network_def *def)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    char *text = xmlutil_text(node), *s = xmlutil_strip(text);
    int rc = domain_uuid_parse(s, def->uuid);
    if (rc < 0)
        xmlutil_error(x, node, "uuid",
                      "<uuid> '%s' is not a uuid (expected 32 hex digits, with or without "
                      "dashes)",
                      text);
    free(s);
    free(text);
    return rc;
}

/* An interface name attribute (bridge name, forward dev) into *out; absent is fine. */
static int parse_ifname_attr(const struct xmlutil_ctx *x, const xmlNode *node, const char *attr,
                             char **out)
{
    char *v = xmlutil_attr(node, attr);
    if (v && !network_ifname_valid(v)) {
        xmlutil_error(x, node, attr,
                      "<%s> %s '%s' is not an interface name (1 to %d characters, no '/', ':' "
                      "or blanks)",
                      (const char *)node->name, attr, v, NETWORK_IFNAME_MAX);
        free(v);
        return -1;
    }
    *out = v;
    return 0;
}

/* <forward mode=... dev=.../>: mode nat (the default, as in 2007) or route. */
static int parse_forward(const struct xmlutil_ctx *x, const xmlNode *node, struct network_def *def)
{
    static const char *const attrs[] = {"mode", "dev", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    char *mode = xmlutil_attr(node, "mode");
    int m = mode ? network_forward_mode_from_string(mode) : NETWORK_FORWARD_NAT;
    if (m < 0 || m == NETWORK_FORWARD_NONE) {
        xmlutil_error(x, node, "mode",
                      "<forward> mode '%s' is not supported (expected nat or route; leave "
                      "out <forward> for an isolated network)",
                      mode);
        free(mode);
        return -1;
    }
    free(mode);
    def->forward = (enum network_forward_mode)m;
    return parse_ifname_attr(x, node, "dev", &def->forward_dev);
}

/* The bridge's forward delay in seconds (delay=, or the 2007 spelling forwardDelay=). */
static int parse_bridge_delay(const struct xmlutil_ctx *x, const xmlNode *node,
                              struct network_def *def)
{
    char *delay = xmlutil_attr(node, "delay"), *old = xmlutil_attr(node, "forwardDelay");
    int rc = 0;
    if (delay && old) {
        rc = xmlutil_error(x, node, "forwardDelay",
                           "<bridge> has both delay and forwardDelay (the old spelling of "
                           "delay); keep one");
    } else if (delay || old) {
        long long v;
        rc = xmlutil_parse_ll(x, node, delay ? "delay" : "forwardDelay",
                              delay ? "<bridge> delay" : "<bridge> forwardDelay",
                              delay ? delay : old, 0, INT32_MAX, &v);
        if (rc == 0)
            def->delay = (unsigned long)v;
    }
    free(delay);
    free(old);
    return rc;
}

/* <bridge name=... stp=on|off delay=.../>. */
static int parse_bridge(const struct xmlutil_ctx *x, const xmlNode *node, struct network_def *def)
{
    static const char *const attrs[] = {"name", "stp", "delay", "forwardDelay", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0 ||
        parse_ifname_attr(x, node, "name", &def->bridge) < 0)
        return -1;
    char *stp = xmlutil_attr(node, "stp");
    int rc = 0;
    if (stp && strcmp(stp, "on") && strcmp(stp, "off"))
        rc = xmlutil_error(x, node, "stp", "<bridge> stp='%s' must be 'on' or 'off'", stp);
    else if (stp)
        def->stp = !strcmp(stp, "on");
    free(stp);
    return rc < 0 ? -1 : parse_bridge_delay(x, node, def);
}

/* A MAC attribute that must be a unicast address; what names it in messages. */
static int parse_mac_attr(const struct xmlutil_ctx *x, const xmlNode *node, const char *attr,
                          const char *what, const char *text, unsigned char mac[6])
{
    if (mac_parse(text, mac) < 0)
        return xmlutil_error(x, node, attr,
                             "%s '%s' is not a MAC address (expected six hex bytes like "
                             "52:54:00:12:34:56)",
                             what, text);
    if (mac[0] & 1)
        return xmlutil_error(x, node, attr,
                             "%s '%s' is a multicast address (the first byte must be even)", what,
                             text);
    return 0;
}

/* <mac address=.../>: the bridge's own MAC. */
static int parse_mac(const struct xmlutil_ctx *x, const xmlNode *node, struct network_def *def)
{
    static const char *const attrs[] = {"address", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    char *addr = xmlutil_attr(node, "address");
    int rc = addr ? parse_mac_attr(x, node, "address", "<mac> address", addr, def->mac)
                  : xmlutil_error(x, node, "address", "<mac> needs an address attribute");
    free(addr);
    def->has_mac = rc == 0;
    return rc;
}

/* <domain name=.../>: the DNS domain of the network. */
static int parse_domain(const struct xmlutil_ctx *x, const xmlNode *node, struct network_def *def)
{
    static const char *const attrs[] = {"name", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    char *name = xmlutil_attr(node, "name");
    int rc = 0;
    if (!name)
        rc = xmlutil_error(x, node, "name", "<domain> needs a name attribute");
    else if (!dns_name_valid(name))
        rc = xmlutil_error(x, node, "name",
                           "<domain> name '%s' is not a DNS name (letters, digits, '-' and "
                           "'_', labels separated by dots)",
                           name);
    if (rc < 0) {
        free(name);
        return -1;
    }
    def->domain = name;
    return 0;
}

/* An address attribute of the <ip>'s family; what names it in messages. */
static int parse_addr_attr(const struct xmlutil_ctx *x, const xmlNode *node, const char *attr,
                           const char *what, int family, struct network_addr *a)
{
    char *text = xmlutil_attr(node, attr);
    int rc = 0;
    if (!text)
        rc = xmlutil_error(x, node, attr, "%s needs %s %s attribute", what,
                           strchr("aeiou", attr[0]) ? "an" : "a", attr);
    else if (addr_parse(text, family, a) < 0)
        rc = xmlutil_error(x, node, attr, "%s %s '%s' is not an %s address", what, attr, text,
                           family == AF_INET6 ? "IPv6" : "IPv4");
    free(text);
    return rc;
}

/* Error unless a lies in the <ip>'s subnet (and, for IPv4, is not its network or broadcast
 * address). */
static int check_in_subnet(const struct xmlutil_ctx *x, const xmlNode *node, const char *attr,
                           const char *what, const struct network_addr *a,
                           const struct network_ip *ip)
{
    char text[64], net[64];
    network_addr_format(a, text, sizeof(text));
    struct network_addr base = addr_edge(&ip->address, ip->prefix, false);
    network_addr_format(&base, net, sizeof(net));
    if (!addr_same_subnet(a, &ip->address, ip->prefix))
        return xmlutil_error(x, node, attr, "%s %s %s is outside the network %s/%u", what, attr,
                             text, net, ip->prefix);
    if (a->family != AF_INET || ip->prefix >= 31)
        return 0;
    struct network_addr bcast = addr_edge(&ip->address, ip->prefix, true);
    if (!addr_compare(a, &base))
        return xmlutil_error(x, node, attr, "%s %s %s is the address of the network %s/%u", what,
                             attr, text, net, ip->prefix);
    if (!addr_compare(a, &bcast))
        return xmlutil_error(x, node, attr, "%s %s %s is the broadcast address of %s/%u", what,
                             attr, text, net, ip->prefix);
    return 0;
}

/* <range start=... end=.../>: inside the subnet, start <= end. */
static int parse_range(const struct xmlutil_ctx *x, const xmlNode *node, struct network_ip *ip)
{
    static const char *const attrs[] = {"start", "end", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    struct network_dhcp_range r = {.line = (int)xmlGetLineNo((xmlNode *)node)};
    int family = ip->address.family;
    if (parse_addr_attr(x, node, "start", "<range>", family, &r.start) < 0 ||
        parse_addr_attr(x, node, "end", "<range>", family, &r.end) < 0 ||
        check_in_subnet(x, node, "start", "<range>", &r.start, ip) < 0 ||
        check_in_subnet(x, node, "end", "<range>", &r.end, ip) < 0)
        return -1;
    if (addr_compare(&r.start, &r.end) > 0) {
        char s[64], e[64];
        network_addr_format(&r.start, s, sizeof(s));
        network_addr_format(&r.end, e, sizeof(e));
        return xmlutil_error(x, node, "end", "<range> end %s comes before start %s", e, s);
    }
    *(struct network_dhcp_range *)array_append((void **)&ip->ranges, &ip->nranges, sizeof(r)) = r;
    return 0;
}

/* Error when host h repeats the MAC, name or address of an earlier host of the <dhcp>. */
static int check_host_unique(const struct xmlutil_ctx *x, const xmlNode *node,
                             const struct network_ip *ip, const struct network_dhcp_host *h)
{
    for (size_t i = 0; i < ip->nhosts; i++) {
        const struct network_dhcp_host *o = &ip->hosts[i];
        const char *attr = NULL;
        if (h->has_mac && o->has_mac && !memcmp(h->mac, o->mac, 6))
            attr = "mac";
        else if (h->name && o->name && !strcasecmp(h->name, o->name))
            attr = "name";
        else if (!addr_compare(&h->ip, &o->ip))
            attr = "ip";
        if (attr)
            return xmlutil_error(x, node, attr, "<host> has the same %s as the <host> on line %d",
                                 attr, o->line);
    }
    return 0;
}

/* <host mac=... name=... ip=.../>: a static lease inside the subnet. */
static int parse_host(const struct xmlutil_ctx *x, const xmlNode *node, struct network_ip *ip)
{
    static const char *const attrs[] = {"mac", "name", "ip", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    struct network_dhcp_host h = {.line = (int)xmlGetLineNo((xmlNode *)node)};
    char *mac = xmlutil_attr(node, "mac");
    h.name = xmlutil_attr(node, "name");
    bool v6 = ip->address.family == AF_INET6;
    int rc = 0;
    if (mac && v6)
        rc = xmlutil_error(x, node, "mac",
                           "<host> in an IPv6 <dhcp> cannot have a mac (DHCPv6 does not "
                           "identify hosts by MAC); use name");
    else if (mac)
        rc = parse_mac_attr(x, node, "mac", "<host> mac", mac, h.mac);
    h.has_mac = mac && rc == 0;
    if (rc == 0 && h.name && !dns_name_valid(h.name))
        rc = xmlutil_error(x, node, "name",
                           "<host> name '%s' is not a host name (letters, digits, '-' and '_', "
                           "labels separated by dots)",
                           h.name);
    if (rc == 0 && !mac && !h.name)
        rc = xmlutil_error(x, node, v6 ? "name" : "mac", "<host> needs %s",
                           v6 ? "a name" : "a mac or a name");
    if (rc == 0)
        rc = parse_addr_attr(x, node, "ip", "<host>", ip->address.family, &h.ip);
    if (rc == 0)
        rc = check_in_subnet(x, node, "ip", "<host>", &h.ip, ip);
    if (rc == 0)
        rc = check_host_unique(x, node, ip, &h);
    free(mac);
    if (rc < 0) {
        free(h.name);
        return -1;
    }
    *(struct network_dhcp_host *)array_append((void **)&ip->hosts, &ip->nhosts, sizeof(h)) = h;
    return 0;
}

/* <dhcp>: ranges and static hosts. */
static int parse_dhcp(const struct xmlutil_ctx *x, const xmlNode *node, struct network_ip *ip)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    ip->has_dhcp = true;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        int rc;
        if (!strcmp((const char *)c->name, "range"))
            rc = parse_range(x, c, ip);
        else if (!strcmp((const char *)c->name, "host"))
            rc = parse_host(x, c, ip);
        else
            rc = xmlutil_unknown(x, c);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The subnet of an <ip>: netmask= or prefix= (not both), or the default of the family. */
static int parse_ip_mask(const struct xmlutil_ctx *x, const xmlNode *node, struct network_ip *ip)
{
    char *netmask = xmlutil_attr(node, "netmask"), *prefix = xmlutil_attr(node, "prefix");
    bool v6 = ip->address.family == AF_INET6;
    char addr[64];
    network_addr_format(&ip->address, addr, sizeof(addr));
    int rc = 0;
    if (netmask && prefix) {
        rc = xmlutil_error(x, node, "prefix", "<ip> has both a netmask and a prefix; keep one");
    } else if (netmask && v6) {
        rc = xmlutil_error(x, node, "netmask", "<ip> netmask is not allowed for IPv6; use prefix");
    } else if (netmask) {
        struct network_addr m;
        int p = addr_parse(netmask, AF_INET, &m) < 0 ? -2 : netmask_prefix(&m);
        if (p == -2)
            rc = xmlutil_error(x, node, "netmask", "<ip> netmask '%s' is not an IPv4 address",
                               netmask);
        else if (p < 0)
            rc = xmlutil_error(x, node, "netmask",
                               "<ip> netmask %s is not contiguous (its one bits must come first)",
                               netmask);
        ip->prefix = (unsigned)p;
        ip->mask = NETWORK_IP_MASK_NETMASK;
    } else if (prefix) {
        long long p = 0;
        rc = xmlutil_parse_ll(x, node, "prefix", "<ip> prefix", prefix, 0, v6 ? 128 : 32, &p);
        ip->prefix = (unsigned)p;
        ip->mask = NETWORK_IP_MASK_PREFIX;
    } else if (v6) {
        ip->prefix = 64; /* libvirt's default for IPv6 */
    } else {
        int p = classful_prefix(&ip->address);
        if (p < 0)
            rc = xmlutil_error(x, node, "netmask",
                               "<ip> address %s needs a netmask or a prefix (it has no class "
                               "A, B or C default)",
                               addr);
        ip->prefix = (unsigned)p;
    }
    free(netmask);
    free(prefix);
    return rc;
}

/* <ip family=... address=... netmask=...|prefix=...> with an optional <dhcp>. */
static int parse_ip(const struct xmlutil_ctx *x, const xmlNode *node, struct network_def *def)
{
    static const char *const attrs[] = {"address", "netmask", "prefix", "family", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    struct network_ip ip = {.line = (int)xmlGetLineNo((xmlNode *)node)};
    char *family = xmlutil_attr(node, "family");
    int af = !family || !strcmp(family, "ipv4") ? AF_INET : !strcmp(family, "ipv6") ? AF_INET6 : -1;
    int rc = 0;
    if (af < 0)
        rc = xmlutil_error(x, node, "family", "<ip> family '%s' must be 'ipv4' or 'ipv6'", family);
    free(family);
    if (rc == 0) {
        char *addr = xmlutil_attr(node, "address");
        struct network_addr probe;
        if (addr && af == AF_INET && addr_parse(addr, AF_INET6, &probe) == 0)
            rc = xmlutil_error(x, node, "address",
                               "<ip> address '%s' is IPv6: add family='ipv6' (and a prefix)", addr);
        free(addr);
    }
    if (rc == 0)
        rc = parse_addr_attr(x, node, "address", "<ip>", af, &ip.address);
    if (rc == 0)
        rc = parse_ip_mask(x, node, &ip);
    const xmlNode *seen_dhcp = NULL;
    for (const xmlNode *c = node->children; rc == 0 && c; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        if (strcmp((const char *)c->name, "dhcp"))
            rc = xmlutil_unknown(x, c);
        else if (once(x, c, &seen_dhcp) < 0 || parse_dhcp(x, c, &ip) < 0)
            rc = -1;
    }
    for (size_t i = 0; rc == 0 && ip.has_dhcp && i < def->nips; i++)
        if (def->ips[i].has_dhcp && def->ips[i].address.family == af)
            rc = xmlutil_error(x, seen_dhcp, "dhcp",
                               "<dhcp> is allowed on one %s <ip> only (there is one on line %d)",
                               af == AF_INET6 ? "IPv6" : "IPv4", def->ips[i].line);
    if (rc < 0) {
        ip_clear(&ip);
        return -1;
    }
    *(struct network_ip *)array_append((void **)&def->ips, &def->nips, sizeof(ip)) = ip;
    return 0;
}

/* The children of <network>: parser and whether the element may appear more than once. */
static const struct {
    const char *name;
    int (*parse)(const struct xmlutil_ctx *x, const xmlNode *node, struct network_def *def);
    bool repeats;
} top_elements[] = {
    {"name", parse_name, false},     {"uuid", parse_uuid, false}, {"forward", parse_forward, false},
    {"bridge", parse_bridge, false}, {"mac", parse_mac, false},   {"domain", parse_domain, false},
    {"ip", parse_ip, true},
};

/* Read the <network> element into def. */
static int parse_network(const struct xmlutil_ctx *x, const xmlNode *root, struct network_def *def)
{
    const xmlNode *seen[TABLE_LEN(top_elements)] = {0};
    if (xmlutil_check_attrs(x, root, NULL) < 0 || xmlutil_check_text(x, root) < 0)
        return -1;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        size_t i = 0;
        while (i < TABLE_LEN(top_elements) && strcmp(top_elements[i].name, (const char *)c->name))
            i++;
        if (i == TABLE_LEN(top_elements))
            return xmlutil_unknown(x, c);
        if (!top_elements[i].repeats && once(x, c, &seen[i]) < 0)
            return -1;
        if (top_elements[i].parse(x, c, def) < 0)
            return -1;
    }
    if (!def->name)
        return xmlutil_error(x, root, "name", "<network> needs a <name>");
    if (!seen[1])
        domain_uuid_generate(def->uuid);
    return 0;
}

/* Parse network XML text: well-formedness (libxml2), our checks, then the schema. */
struct network_def *network_def_parse_string(const char *xml, const char *source, struct vmerr *err)
{
    struct xmlutil_ctx x = {source ? source : "<string>", err};
    xmlDocPtr doc = xmlutil_read(&x, xml, "network");
    if (!doc)
        return NULL;
    struct network_def *def = network_def_parse_doc(&x, doc, 0);
    xmlFreeDoc(doc);
    return def;
}

/* Our checks, then (unless flags say otherwise) the schema, on a document xmlutil_read
 * accepted (see network_def_parse_string). */
struct network_def *network_def_parse_doc(const struct xmlutil_ctx *x, struct _xmlDoc *doc,
                                          unsigned flags)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    struct network_def *def = calloc(1, sizeof(*def));
    if (!def)
        abort(); /* memory exhaustion is not recoverable */
    def->stp = true;
    if (xmlutil_check_namespaces(x, root) < 0 || parse_network(x, root, def) < 0 ||
        (!(flags & NETWORK_DEF_PARSE_NO_SCHEMA) && schema_validate(x, doc, "network") < 0)) {
        network_def_free(def);
        def = NULL;
    }
    return def;
}

/* Parse network XML from a file; errors name the file. */
struct network_def *network_def_parse_file(const char *path, struct vmerr *err)
{
    size_t len = 0;
    char *xml = store_read_file(path, &len, err); /* "cannot read PATH: reason" */
    if (!xml)
        return NULL;
    struct network_def *def = NULL;
    if (strlen(xml) != len)
        vmerr_set_xml(err, path, 0, "", "the file contains a NUL byte; it is not XML text");
    else
        def = network_def_parse_string(xml, path, err);
    free(xml);
    return def;
}
