/* network-def: the in-memory model of libvirt's network XML. XML text flows in through
 * network_def_parse_* (the 2007 spelling and today's), is checked (addresses inside the
 * subnet, ranges in order, MACs, masks, names), and flows out through network_def_format in
 * today's libvirt spelling. Drivers store and list struct network_def; they never touch XML
 * text themselves. Formatting lives in network-def-format.c. */
#ifndef VMDECK_NETWORK_DEF_H
#define VMDECK_NETWORK_DEF_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/vmerr.h"

struct engine_network_info;

/* Longest network name accepted: NAME.xml and NAME.lock must fit in a file name. */
#define NETWORK_NAME_MAX 240
/* Longest Linux interface name (IFNAMSIZ - 1). */
#define NETWORK_IFNAME_MAX 15

/* <forward mode=...>; NONE is an isolated network (no <forward> element). */
enum network_forward_mode {
    NETWORK_FORWARD_NONE,
    NETWORK_FORWARD_NAT,
    NETWORK_FORWARD_ROUTE,
};

/* How the subnet of an <ip> was written, so it is written back the same way. */
enum network_ip_mask {
    NETWORK_IP_MASK_NONE,    /* neither: IPv4 classful default, as libvirt does */
    NETWORK_IP_MASK_NETMASK, /* netmask='255.255.255.0' */
    NETWORK_IP_MASK_PREFIX,  /* prefix='24' */
};

/* An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes). */
struct network_addr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char bytes[16];
};

/* <dhcp><range start=... end=.../>. */
struct network_dhcp_range {
    struct network_addr start, end;
    int line;
};

/* <dhcp><host mac=... name=... ip=.../>: a static lease. */
struct network_dhcp_host {
    bool has_mac;
    unsigned char mac[6];
    char *name; /* host name, NULL when absent */
    struct network_addr ip;
    int line;
};

/* One <ip> element with its optional <dhcp>. */
struct network_ip {
    struct network_addr address;
    unsigned prefix; /* effective prefix length, whatever the spelling */
    enum network_ip_mask mask;
    bool has_dhcp; /* a <dhcp> element was given (even an empty one) */
    struct network_dhcp_range *ranges;
    size_t nranges;
    struct network_dhcp_host *hosts;
    size_t nhosts;
    int line;
};

struct network_def {
    char *name;
    unsigned char uuid[16];
    enum network_forward_mode forward;
    char *forward_dev; /* <forward dev=...>, NULL = any */
    char *bridge;      /* <bridge name=...>, NULL until a driver assigns one at define */
    bool stp;          /* default on */
    unsigned long delay;
    bool has_mac;
    unsigned char mac[6];
    char *domain; /* <domain name=...>, NULL when absent */
    struct network_ip *ips;
    size_t nips;
};

/* Parse network XML from a string; source names it in error messages (file name or NULL). */
struct network_def *network_def_parse_string(const char *xml, const char *source,
                                             struct vmerr *err);
/* Parse network XML from a file (errors name the file). */
struct network_def *network_def_parse_file(const char *path, struct vmerr *err);
struct _xmlDoc;
struct xmlutil_ctx;
/* Flags for network_def_parse_doc. */
enum {
    NETWORK_DEF_PARSE_NO_SCHEMA = 1 << 0, /* our checks only, not the RelaxNG second net */
};
/* Parse a document that xmlutil_read already accepted, whose root is <network> (see
 * domain_def_parse_doc); errors go to x->err with x->source and the document's lines. */
struct network_def *network_def_parse_doc(const struct xmlutil_ctx *x, struct _xmlDoc *doc,
                                          unsigned flags);
/* Format def as XML in today's libvirt spelling; caller frees. */
char *network_def_format(const struct network_def *def);
/* Deep copy of def (NULL on allocation failure). */
struct network_def *network_def_copy(const struct network_def *def);
/* Free def and everything it owns. NULL is fine. */
void network_def_free(struct network_def *def);

/* libvirt's spelling of a forward mode (NONE is "none"); never NULL. */
const char *network_forward_mode_to_string(enum network_forward_mode m);
/* The forward mode spelled s, -1 if unknown. */
int network_forward_mode_from_string(const char *s);

/* Whether name can name a network: not empty, no '/', no leading '.', no control
 * characters, at most NETWORK_NAME_MAX bytes. */
bool network_name_valid(const char *name);
/* Whether name can name a Linux interface (bridge, forward dev): 1-15 bytes, no '/', no
 * blanks or control characters, not "." or "..". */
bool network_ifname_valid(const char *name);
/* Text form of an address into buf (>= 46 bytes). */
void network_addr_format(const struct network_addr *a, char *buf, size_t len);
/* The first bridge name "virbrN" (N from 0) that used(name, opaque) says is free, into buf
 * (>= 16 bytes); -1 if all of virbr0..virbr4095 are taken. */
int network_bridge_pick(bool (*used)(const char *name, void *opaque), void *opaque, char *buf,
                        size_t len);
/* Fill the XML-derived fields of a list row (name, uuid, bridge, forward, subnet, dhcp);
 * the caller sets active, persistent and autostart. */
void network_def_info(const struct network_def *def, struct engine_network_info *info);

/* ---- Internal to engine/network-def*.c ---- */

/* Format a MAC address as lowercase aa:bb:cc:dd:ee:ff into buf (>= 18 bytes). */
void network_mac_format(const unsigned char mac[6], char *buf);

#endif
