/* qemu-network-bridge: a network's bridge on the host. The definition's <bridge> (name,
 * stp, delay), <mac> and <ip> elements flow in and become `ip link add ... type bridge`,
 * `ip addr add` and `ip link set up` runs (argv arrays, no shell); the host's IPv4 routes
 * (/proc/net/route) are read to refuse a subnet that overlaps one, and IPv4 forwarding is
 * switched on for nat and route networks. */
#include "drivers/qemu/qemu-network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/network-def.h"

/* Whether an interface called name exists on the host (this network namespace). */
bool qemu_network_ifname_exists(const char *name)
{
    return name && *name && if_nametoindex(name) != 0;
}

/* The IPv4 netmask of a prefix length, in network byte order. */
static uint32_t qemu_network_mask4(unsigned prefix)
{
    return prefix == 0 ? 0 : htonl(~(uint32_t)0 << (32 - prefix));
}

/* Check one <ip> of def against every non-default route in /proc/net/route. */
static int qemu_network_check_ip_routes(const struct network_def *def, const struct network_ip *ip,
                                        FILE *f, struct vmerr *err)
{
    uint32_t addr, mask = qemu_network_mask4(ip->prefix);
    memcpy(&addr, ip->address.bytes, 4);
    char line[512];
    rewind(f);
    if (!fgets(line, sizeof(line), f)) /* the header */
        return 0;
    while (fgets(line, sizeof(line), f)) {
        char ifname[IF_NAMESIZE + 1];
        unsigned long dest, gw, flags, refcnt, use, metric, rmask;
        if (sscanf(line, "%16s %lx %lx %lx %lu %lu %lu %lx", ifname, &dest, &gw, &flags, &refcnt,
                   &use, &metric, &rmask) != 8)
            continue;
        uint32_t d = (uint32_t)dest, m = (uint32_t)rmask;
        if (m == 0 || (def->bridge && !strcmp(ifname, def->bridge)))
            continue; /* the default route, or a leftover of this very network */
        uint32_t both = m & mask;
        if ((d & both) != (addr & both))
            continue;
        char ours[INET_ADDRSTRLEN], theirs[INET_ADDRSTRLEN];
        uint32_t net = addr & mask;
        inet_ntop(AF_INET, &net, ours, sizeof(ours));
        inet_ntop(AF_INET, &d, theirs, sizeof(theirs));
        unsigned rprefix = (unsigned)__builtin_popcount(m);
        return vmerr_set(err, VMERR_OPERATION_INVALID,
                         "network '%s': subnet %s/%u overlaps the host's route %s/%u on %s",
                         def->name, ours, ip->prefix, theirs, rprefix, ifname);
    }
    return 0;
}

/* Whether the first bits of a and b (16 bytes each) are equal. */
static bool qemu_network_prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    for (unsigned i = 0; i < bits; i++) {
        unsigned char m = (unsigned char)(0x80u >> (i % 8));
        if ((a[i / 8] & m) != (b[i / 8] & m))
            return false;
    }
    return true;
}

/* Check one IPv6 <ip> of def against every non-default route in /proc/net/ipv6_route
 * (main and local tables: an address of the host inside the subnet collides too). */
static int qemu_network_check_ip6_routes(const struct network_def *def, const struct network_ip *ip,
                                         FILE *f, struct vmerr *err)
{
    char line[512];
    rewind(f);
    while (fgets(line, sizeof(line), f)) {
        char dest[33], ifname[IF_NAMESIZE + 1];
        unsigned rprefix;
        if (sscanf(line, "%32s %x %*s %*s %*s %*s %*s %*s %*s %16s", dest, &rprefix, ifname) != 3 ||
            strlen(dest) != 32 || rprefix == 0 || rprefix > 128 ||
            (def->bridge && !strcmp(ifname, def->bridge)))
            continue;
        unsigned char d[16];
        for (int i = 0; i < 16; i++) {
            unsigned byte;
            sscanf(dest + 2 * i, "%2x", &byte);
            d[i] = (unsigned char)byte;
        }
        if (d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80))
            continue; /* multicast and link-local routes sit on every interface */
        unsigned both = rprefix < ip->prefix ? rprefix : ip->prefix;
        if (!qemu_network_prefix_eq(d, ip->address.bytes, both))
            continue;
        struct network_addr ours = ip->address, theirs = {.family = AF_INET6};
        memcpy(theirs.bytes, d, 16);
        for (unsigned b = ip->prefix; b < 128; b++)
            ours.bytes[b / 8] &= (unsigned char)~(0x80u >> (b % 8));
        char a[46], b[46];
        network_addr_format(&ours, a, sizeof(a));
        network_addr_format(&theirs, b, sizeof(b));
        return vmerr_set(err, VMERR_OPERATION_INVALID,
                         "network '%s': subnet %s/%u overlaps the host's route %s/%u on %s",
                         def->name, a, ip->prefix, b, rprefix, ifname);
    }
    return 0;
}

/* Refuse subnets that overlap a host route (IPv4 and IPv6). */
int qemu_network_check_routes(const struct network_def *def, struct vmerr *err)
{
    FILE *f4 = fopen("/proc/net/route", "re");
    FILE *f6 = fopen("/proc/net/ipv6_route", "re");
    int rc = 0; /* a missing table has no routes to collide with */
    for (size_t i = 0; i < def->nips && rc == 0; i++) {
        bool v4 = def->ips[i].address.family == AF_INET;
        if (v4 && f4)
            rc = qemu_network_check_ip_routes(def, &def->ips[i], f4, err);
        else if (!v4 && f6)
            rc = qemu_network_check_ip6_routes(def, &def->ips[i], f6, err);
    }
    if (f4)
        fclose(f4);
    if (f6)
        fclose(f6);
    return rc;
}

/* Run `ip` with argv; on failure err names the network, what was done and ip's words. */
static int qemu_network_ip(const struct network_def *def, const char *what,
                           const char *const argv[], struct vmerr *err)
{
    char why[400];
    if (qemu_network_exec(argv, why, sizeof(why)) == 0)
        return 0;
    return vmerr_set(err, VMERR_OPERATION_FAILED, "network '%s': cannot %s: %s", def->name, what,
                     why);
}

/* Create the bridge, give it its addresses and bring it up; delete it again on error. */
int qemu_network_bridge_create(const struct network_def *def, struct vmerr *err)
{
    char delay[32], mac[18], what[120];
    snprintf(delay, sizeof(delay), "%lu", def->delay * 100); /* ip counts centiseconds */
    if (def->has_mac)
        network_mac_format(def->mac, mac);
    /* forward_delay goes first: the kernel refuses a delay under 2 s once stp is on */
    const char *add[] = {"ip",
                         "link",
                         "add",
                         "name",
                         def->bridge,
                         "type",
                         "bridge",
                         "forward_delay",
                         delay,
                         "stp_state",
                         def->stp ? "1" : "0",
                         NULL,
                         NULL,
                         NULL};
    if (def->has_mac) {
        add[11] = "address";
        add[12] = mac;
    }
    snprintf(what, sizeof(what), "create bridge '%s'", def->bridge);
    if (qemu_network_ip(def, what, add, err) < 0)
        return -1;
    for (size_t i = 0; i < def->nips; i++) {
        char a[46], cidr[64];
        network_addr_format(&def->ips[i].address, a, sizeof(a));
        snprintf(cidr, sizeof(cidr), "%s/%u", a, def->ips[i].prefix);
        bool v4 = def->ips[i].address.family == AF_INET;
        const char *argv[] = {
            "ip", "addr", "add", cidr, "dev", def->bridge, v4 ? "broadcast" : NULL, "+", NULL};
        snprintf(what, sizeof(what), "add address %s to bridge '%s'", cidr, def->bridge);
        if (qemu_network_ip(def, what, argv, err) < 0)
            goto undo;
    }
    const char *up[] = {"ip", "link", "set", "dev", def->bridge, "up", NULL};
    snprintf(what, sizeof(what), "bring bridge '%s' up", def->bridge);
    if (qemu_network_ip(def, what, up, err) < 0)
        goto undo;
    return 0;
undo:
    qemu_network_bridge_delete(def, NULL);
    return -1;
}

/* Delete the bridge if it exists. */
int qemu_network_bridge_delete(const struct network_def *def, struct vmerr *err)
{
    if (!def->bridge || !qemu_network_ifname_exists(def->bridge))
        return 0;
    const char *argv[] = {"ip", "link", "del", "dev", def->bridge, NULL};
    char what[80];
    snprintf(what, sizeof(what), "delete bridge '%s'", def->bridge);
    return qemu_network_ip(def, what, argv, err);
}

/* Write 1 to /proc/sys/net/ipv4/ip_forward (libvirt does the same and never undoes it: other
 * networks may need it). */
int qemu_network_enable_forwarding(const struct network_def *def, struct vmerr *err)
{
    const char *path = "/proc/sys/net/ipv4/ip_forward";
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "1\n", 2) != 2) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return vmerr_set_errno(err, e, "network '%s': cannot enable IPv4 forwarding (%s)",
                               def->name, path);
    }
    close(fd);
    return 0;
}
