/* qemu-network-dnsmasq: DHCP (and DNS) for a network, by one dnsmasq per network as libvirt
 * runs it. The definition's <dhcp> ranges and hosts and <domain> flow into a config file
 * RUNTIME_DIR/networks/NAME.dnsmasq.conf; dnsmasq is run as an argv array (--conf-file=...,
 * --bind-interfaces, --interface=BRIDGE, --except-interface=lo), daemonises, and leaves its
 * pid in NAME.pid and its leases in NAME.leases. Stopping reads the pid file, checks that
 * the process is the dnsmasq started with that config (never a recycled pid), signals it
 * and waits until it is gone. */
#include "drivers/qemu/qemu-network.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/network-def.h"
#include "engine/store.h"

/* Whether def has an <ip> with a <dhcp> element. */
bool qemu_network_dnsmasq_needed(const struct network_def *def)
{
    for (size_t i = 0; i < def->nips; i++)
        if (def->ips[i].has_dhcp && (def->ips[i].nranges > 0 || def->ips[i].nhosts > 0))
            return true;
    return false;
}

/* Addresses from a to b (IPv4), inclusive; 0 when b < a. */
static unsigned long qemu_network_dnsmasq_span(const struct network_addr *a,
                                               const struct network_addr *b)
{
    unsigned long x = 0, y = 0;
    for (int i = 0; i < 4; i++) {
        x = x << 8 | a->bytes[i];
        y = y << 8 | b->bytes[i];
    }
    return y >= x ? y - x + 1 : 0;
}

/* The dhcp-range, dhcp-host and lease-max lines of one <ip>; *leases grows by its size. */
static void qemu_network_dnsmasq_ip(FILE *f, const struct network_ip *ip, unsigned long *leases)
{
    bool v4 = ip->address.family == AF_INET;
    char mask[46] = "";
    if (v4) {
        struct network_addr m = {.family = AF_INET};
        for (unsigned b = 0; b < ip->prefix; b++)
            m.bytes[b / 8] |= (unsigned char)(0x80u >> (b % 8));
        network_addr_format(&m, mask, sizeof(mask));
    } else {
        snprintf(mask, sizeof(mask), "%u", ip->prefix);
    }
    for (size_t r = 0; r < ip->nranges; r++) {
        char a[46], b[46];
        network_addr_format(&ip->ranges[r].start, a, sizeof(a));
        network_addr_format(&ip->ranges[r].end, b, sizeof(b));
        fprintf(f, "dhcp-range=%s,%s,%s\n", a, b, mask);
        if (v4)
            *leases += qemu_network_dnsmasq_span(&ip->ranges[r].start, &ip->ranges[r].end);
    }
    for (size_t h = 0; h < ip->nhosts; h++) {
        const struct network_dhcp_host *host = &ip->hosts[h];
        char a[46], mac[18];
        network_addr_format(&host->ip, a, sizeof(a));
        if (v4 && host->has_mac) {
            network_mac_format(host->mac, mac);
            fprintf(f, "dhcp-host=%s,%s%s%s\n", mac, a, host->name ? "," : "",
                    host->name ? host->name : "");
        } else if (host->name) {
            fprintf(f, v4 ? "dhcp-host=%s,%s\n" : "dhcp-host=%s,[%s]\n", host->name, a);
        }
        *leases += 1;
    }
    if (!v4 && ip->nranges > 0)
        fprintf(f, "enable-ra\n");
}

/* The config text for def; caller frees. */
static char *qemu_network_dnsmasq_conf(struct engine_conn *conn, const struct network_def *def)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort(); /* memory exhaustion is not recoverable */
    char *pid = qemu_network_run_path(conn, def->name, "pid");
    char *leases = qemu_network_run_path(conn, def->name, "leases");
    fprintf(f, "# written by vmdeck at each net-start of network '%s'; edits are lost\n",
            def->name);
    fprintf(f, "strict-order\npid-file=%s\ndhcp-leasefile=%s\n", pid, leases);
    if (def->domain)
        fprintf(f, "domain=%s\nlocal=/%s/\nexpand-hosts\n", def->domain, def->domain);
    fprintf(f, "dhcp-no-override\ndhcp-authoritative\n");
    unsigned long nleases = 0;
    for (size_t i = 0; i < def->nips; i++)
        if (def->ips[i].has_dhcp)
            qemu_network_dnsmasq_ip(f, &def->ips[i], &nleases);
    if (nleases > 0)
        fprintf(f, "dhcp-lease-max=%lu\n", nleases);
    if (fclose(f) != 0)
        abort();
    free(pid);
    free(leases);
    return text;
}

/* The pid in def's pid file, 0 when there is none. */
static pid_t qemu_network_dnsmasq_read_pid(struct engine_conn *conn, const struct network_def *def)
{
    char *path = qemu_network_run_path(conn, def->name, "pid");
    char *text = store_read_file(path, NULL, NULL);
    free(path);
    long pid = text ? strtol(text, NULL, 10) : 0;
    free(text);
    return pid > 0 && pid < (1L << 22) ? (pid_t)pid : 0;
}

/* Whether pid is alive (not a zombie) and runs dnsmasq with conf as its --conf-file. */
static bool qemu_network_dnsmasq_is_ours(pid_t pid, const char *conf)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *paren = strrchr(buf, ')');
    if (!paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X')
        return false; /* gone, or a zombie nobody reaped yet */
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char want[1100];
    snprintf(want, sizeof(want), "--conf-file=%s", conf);
    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
        if (!strcmp(buf + i, want))
            return true;
    return false;
}

/* The pid of def's dnsmasq when it runs, else 0. */
pid_t qemu_network_dnsmasq_pid(struct engine_conn *conn, const struct network_def *def)
{
    pid_t pid = qemu_network_dnsmasq_read_pid(conn, def);
    if (!pid)
        return 0;
    char *conf = qemu_network_run_path(conn, def->name, "dnsmasq.conf");
    bool ours = qemu_network_dnsmasq_is_ours(pid, conf);
    free(conf);
    return ours ? pid : 0;
}

/* Sleep ms milliseconds. */
static void qemu_network_dnsmasq_sleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Write the config, run dnsmasq and wait for its pid file. */
int qemu_network_dnsmasq_start(struct engine_conn *conn, const struct network_def *def,
                               struct vmerr *err)
{
    char *conf = qemu_network_run_path(conn, def->name, "dnsmasq.conf");
    char *pidfile = qemu_network_run_path(conn, def->name, "pid");
    char *text = qemu_network_dnsmasq_conf(conn, def);
    unlink(pidfile);
    int rc = store_write_atomic(conf, text, strlen(text), err);
    free(text);
    if (rc == 0) {
        char conf_arg[1100], iface_arg[40], why[400];
        snprintf(conf_arg, sizeof(conf_arg), "--conf-file=%s", conf);
        snprintf(iface_arg, sizeof(iface_arg), "--interface=%s", def->bridge);
        const char *argv[] = {
            "dnsmasq", conf_arg, "--bind-interfaces", iface_arg, "--except-interface=lo", NULL};
        if (qemu_network_exec(argv, why, sizeof(why)) < 0)
            rc = vmerr_set(err, VMERR_OPERATION_FAILED, "network '%s': cannot start dnsmasq: %s",
                           def->name, why);
    }
    pid_t pid = 0;
    for (int waited = 0; rc == 0 && !(pid = qemu_network_dnsmasq_pid(conn, def)); waited += 10) {
        if (waited >= 2000) {
            rc = vmerr_set(err, VMERR_OPERATION_FAILED,
                           "network '%s': dnsmasq started but is not running (no live pid in %s)",
                           def->name, pidfile);
            break;
        }
        qemu_network_dnsmasq_sleep(10);
    }
    if (rc < 0)
        qemu_network_dnsmasq_stop(conn, def, NULL);
    free(conf);
    free(pidfile);
    return rc;
}

/* Signal our dnsmasq (checked by its cmdline) and wait for it to go; remove its files. */
int qemu_network_dnsmasq_stop(struct engine_conn *conn, const struct network_def *def,
                              struct vmerr *err)
{
    int rc = 0;
    pid_t pid = qemu_network_dnsmasq_pid(conn, def);
    if (pid) {
        kill(pid, SIGTERM);
        int waited = 0;
        while (qemu_network_dnsmasq_pid(conn, def) == pid && waited < 3000) {
            if (waited == 2000)
                kill(pid, SIGKILL);
            qemu_network_dnsmasq_sleep(10);
            waited += 10;
        }
        if (qemu_network_dnsmasq_pid(conn, def) == pid)
            rc = vmerr_set(err, VMERR_OPERATION_FAILED,
                           "network '%s': dnsmasq (pid %d) did not exit after SIGKILL", def->name,
                           (int)pid);
    }
    if (rc == 0) {
        const char *const suffixes[] = {"pid", "dnsmasq.conf", "leases"};
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
            char *path = qemu_network_run_path(conn, def->name, suffixes[i]);
            unlink(path);
            free(path);
        }
    }
    return rc;
}
