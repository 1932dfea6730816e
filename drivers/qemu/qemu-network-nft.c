/* qemu-network-nft: a network's packet filtering, as one nft table of its own (table ip
 * vmdeck-NAME), so nothing of the host's own ruleset is touched and destroy is one
 * `nft delete table`. The definition's forward mode, forward dev, bridge and IPv4 subnets
 * flow in; a ruleset file RUNTIME_DIR/networks/NAME.nft flows out and is loaded with
 * `nft -f` (argv array, no shell). Like libvirt: nat masquerades the subnet going anywhere
 * but itself and lets replies back in; route forwards both ways without masquerade; an
 * isolated network (no <forward>) only talks bridge to bridge. */
#include "drivers/qemu/qemu-network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/domain-def.h"
#include "engine/network-def.h"
#include "engine/store.h"

/* The table's name: vmdeck-NAME when nft can take NAME as it is, else vmdeck-<uuid hex>. */
void qemu_network_nft_table(const struct network_def *def, char *buf, size_t len)
{
    bool plain = strlen(def->name) <= 200;
    for (const char *p = def->name; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '_' || *p == '-' || *p == '.';
    if (plain) {
        snprintf(buf, len, "vmdeck-%s", def->name);
        return;
    }
    char uuid[37], hex[33];
    domain_uuid_format(def->uuid, uuid);
    size_t k = 0;
    for (const char *p = uuid; *p && k < 32; p++)
        if (*p != '-')
            hex[k++] = *p;
    hex[k] = '\0';
    snprintf(buf, len, "vmdeck-%s", hex);
}

/* Whether an interface name can sit inside nft's double quotes. */
static bool qemu_network_nft_quotable(const char *s)
{
    return !s || (!strchr(s, '"') && !strchr(s, '\\'));
}

/* The ruleset text of def's table; caller frees. */
static char *qemu_network_nft_ruleset(const struct network_def *def, const char *table)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort(); /* memory exhaustion is not recoverable */
    const char *br = def->bridge;
    char in_dev[40] = "", out_dev[40] = "";
    if (def->forward_dev) {
        snprintf(in_dev, sizeof(in_dev), " iifname \"%s\"", def->forward_dev);
        snprintf(out_dev, sizeof(out_dev), " oifname \"%s\"", def->forward_dev);
    }
    fprintf(f, "table ip %s {\n", table);
    fprintf(f, "\tchain forward {\n\t\ttype filter hook forward priority 0; policy accept;\n");
    fprintf(f, "\t\tiifname \"%s\" oifname \"%s\" accept\n", br, br);
    for (size_t i = 0; i < def->nips && def->forward != NETWORK_FORWARD_NONE; i++) {
        const struct network_ip *ip = &def->ips[i];
        if (ip->address.family != AF_INET)
            continue;
        struct network_addr base = ip->address;
        for (unsigned b = ip->prefix; b < 32; b++)
            base.bytes[b / 8] &= (unsigned char)~(0x80u >> (b % 8));
        char a[46];
        network_addr_format(&base, a, sizeof(a));
        fprintf(f, "\t\tiifname \"%s\"%s ip saddr %s/%u accept\n", br, out_dev, a, ip->prefix);
        fprintf(f, "\t\toifname \"%s\"%s ip daddr %s/%u%s accept\n", br, in_dev, a, ip->prefix,
                def->forward == NETWORK_FORWARD_NAT ? " ct state related,established" : "");
    }
    fprintf(f, "\t\tiifname \"%s\" reject\n\t\toifname \"%s\" reject\n\t}\n", br, br);
    if (def->forward == NETWORK_FORWARD_NAT) {
        fprintf(f, "\tchain postrouting {\n"
                   "\t\ttype nat hook postrouting priority 100; policy accept;\n");
        for (size_t i = 0; i < def->nips; i++) {
            const struct network_ip *ip = &def->ips[i];
            if (ip->address.family != AF_INET)
                continue;
            struct network_addr base = ip->address;
            for (unsigned b = ip->prefix; b < 32; b++)
                base.bytes[b / 8] &= (unsigned char)~(0x80u >> (b % 8));
            char a[46];
            network_addr_format(&base, a, sizeof(a));
            fprintf(f, "\t\tip saddr %s/%u ip daddr 224.0.0.0/24 return\n", a, ip->prefix);
            fprintf(f, "\t\tip saddr %s/%u ip daddr 255.255.255.255 return\n", a, ip->prefix);
            fprintf(f, "\t\tip saddr %s/%u ip daddr != %s/%u%s masquerade\n", a, ip->prefix, a,
                    ip->prefix, out_dev);
        }
        fprintf(f, "\t}\n");
    }
    fprintf(f, "}\n");
    if (fclose(f) != 0)
        abort();
    return text;
}

/* Write the ruleset file and load it. */
int qemu_network_nft_add(struct engine_conn *conn, const struct network_def *def, struct vmerr *err)
{
    if (!qemu_network_nft_quotable(def->bridge) || !qemu_network_nft_quotable(def->forward_dev))
        return vmerr_set(err, VMERR_OPERATION_INVALID,
                         "network '%s': interface names with '\"' or '\\' cannot be filtered",
                         def->name);
    char table[256];
    qemu_network_nft_table(def, table, sizeof(table));
    char *text = qemu_network_nft_ruleset(def, table);
    char *path = qemu_network_run_path(conn, def->name, "nft");
    int rc = store_write_atomic(path, text, strlen(text), err);
    free(text);
    if (rc == 0) {
        const char *argv[] = {"nft", "-f", path, NULL};
        char why[400];
        if (qemu_network_exec(argv, why, sizeof(why)) < 0)
            rc = vmerr_set(err, VMERR_OPERATION_FAILED,
                           "network '%s': cannot load nft table '%s': %s", def->name, table, why);
    }
    if (rc < 0)
        unlink(path);
    free(path);
    return rc;
}

/* Delete the table and its ruleset file; a table that is not there is fine. */
int qemu_network_nft_delete(struct engine_conn *conn, const struct network_def *def,
                            struct vmerr *err)
{
    char table[256], why[400];
    qemu_network_nft_table(def, table, sizeof(table));
    char *path = qemu_network_run_path(conn, def->name, "nft");
    unlink(path);
    free(path);
    const char *list[] = {"nft", "list", "table", "ip", table, NULL};
    if (qemu_network_exec(list, why, sizeof(why)) < 0)
        return 0; /* not there (or nft is not installed: then nothing was loaded either) */
    const char *del[] = {"nft", "delete", "table", "ip", table, NULL};
    if (qemu_network_exec(del, why, sizeof(why)) < 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "network '%s': cannot delete nft table '%s': %s", def->name, table, why);
    return 0;
}
