/* network-def-format: struct network_def flows out as network XML text in today's libvirt
 * spelling and element order (name, uuid, forward, bridge, mac, domain, ip), 2-space
 * indent: <forward dev=... mode=.../>, <bridge name=... stp=... delay=.../> (never the old
 * forwardDelay), uuids with dashes, canonical address text. Parsing the output gives back
 * an equal definition. Also here: the list-row summary of a definition. */
#include "engine/network-def.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/domain-def.h"
#include "engine/engine.h"
#include "engine/xmlutil.h"

/* " name='value'" when value is not NULL. */
static void put_attr(FILE *f, const char *name, const char *value)
{
    if (!value)
        return;
    fprintf(f, " %s='", name);
    xmlutil_put_escaped(f, value);
    fputc('\'', f);
}

/* " name='address'" for an address. */
static void put_addr(FILE *f, const char *name, const struct network_addr *a)
{
    char text[64];
    network_addr_format(a, text, sizeof(text));
    put_attr(f, name, text);
}

/* The IPv4 netmask of a prefix length as an address. */
static struct network_addr prefix_netmask(unsigned prefix)
{
    struct network_addr m = {.family = AF_INET};
    for (unsigned i = 0; i < prefix && i < 32; i++)
        m.bytes[i / 8] |= (unsigned char)(0x80u >> (i % 8));
    return m;
}

/* One <ip> with its subnet spelled as it was given, and its <dhcp>. */
static void format_ip(FILE *f, const struct network_ip *ip)
{
    fputs("  <ip", f);
    if (ip->address.family == AF_INET6)
        put_attr(f, "family", "ipv6");
    put_addr(f, "address", &ip->address);
    if (ip->mask == NETWORK_IP_MASK_NETMASK) {
        struct network_addr m = prefix_netmask(ip->prefix);
        put_addr(f, "netmask", &m);
    } else if (ip->mask == NETWORK_IP_MASK_PREFIX) {
        fprintf(f, " prefix='%u'", ip->prefix);
    }
    if (!ip->has_dhcp) {
        fputs("/>\n", f);
        return;
    }
    if (ip->nranges == 0 && ip->nhosts == 0) {
        fputs(">\n    <dhcp/>\n  </ip>\n", f);
        return;
    }
    fputs(">\n    <dhcp>\n", f);
    for (size_t i = 0; i < ip->nranges; i++) {
        fputs("      <range", f);
        put_addr(f, "start", &ip->ranges[i].start);
        put_addr(f, "end", &ip->ranges[i].end);
        fputs("/>\n", f);
    }
    for (size_t i = 0; i < ip->nhosts; i++) {
        const struct network_dhcp_host *h = &ip->hosts[i];
        char mac[18];
        fputs("      <host", f);
        if (h->has_mac) {
            network_mac_format(h->mac, mac);
            put_attr(f, "mac", mac);
        }
        put_attr(f, "name", h->name);
        put_addr(f, "ip", &h->ip);
        fputs("/>\n", f);
    }
    fputs("    </dhcp>\n  </ip>\n", f);
}

/* Format def as network XML. */
char *network_def_format(const struct network_def *def)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    fputs("<network>\n  <name>", f);
    xmlutil_put_escaped(f, def->name ? def->name : "");
    fprintf(f, "</name>\n  <uuid>%s</uuid>\n", uuid);
    if (def->forward != NETWORK_FORWARD_NONE) {
        fputs("  <forward", f);
        put_attr(f, "dev", def->forward_dev);
        put_attr(f, "mode", network_forward_mode_to_string(def->forward));
        fputs("/>\n", f);
    }
    fputs("  <bridge", f);
    put_attr(f, "name", def->bridge);
    fprintf(f, " stp='%s' delay='%lu'/>\n", def->stp ? "on" : "off", def->delay);
    if (def->has_mac) {
        char mac[18];
        network_mac_format(def->mac, mac);
        fprintf(f, "  <mac address='%s'/>\n", mac);
    }
    if (def->domain) {
        fputs("  <domain", f);
        put_attr(f, "name", def->domain);
        fputs("/>\n", f);
    }
    for (size_t i = 0; i < def->nips; i++)
        format_ip(f, &def->ips[i]);
    fputs("</network>\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The XML-derived part of a list row. */
void network_def_info(const struct network_def *def, struct engine_network_info *info)
{
    memset(info, 0, sizeof(*info));
    snprintf(info->name, sizeof(info->name), "%s", def->name);
    domain_uuid_format(def->uuid, info->uuid);
    snprintf(info->bridge, sizeof(info->bridge), "%s", def->bridge ? def->bridge : "");
    snprintf(info->forward, sizeof(info->forward), "%s",
             network_forward_mode_to_string(def->forward));
    snprintf(info->forward_dev, sizeof(info->forward_dev), "%s",
             def->forward_dev ? def->forward_dev : "");
    if (def->nips == 0)
        return;
    const struct network_ip *ip = &def->ips[0];
    struct network_addr base = ip->address;
    for (unsigned i = ip->prefix; i < (ip->address.family == AF_INET6 ? 128u : 32u); i++)
        base.bytes[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
    char a[46], b[46];
    network_addr_format(&base, a, sizeof(a));
    snprintf(info->subnet, sizeof(info->subnet), "%s/%u", a, ip->prefix);
    if (ip->nranges > 0) {
        network_addr_format(&ip->ranges[0].start, a, sizeof(a));
        network_addr_format(&ip->ranges[0].end, b, sizeof(b));
        snprintf(info->dhcp, sizeof(info->dhcp), "%s-%s", a, b);
    }
}
