/* qemu-tap: a domain's tap interfaces flow in, open tap fds flow out. Each tap is made with
 * TUNSETIFF on /dev/net/tun, given a MAC, attached to its bridge with SIOCBRADDIF and
 * brought up (SIOCSIFFLAGS); an ethernet interface's script runs through posix_spawn with
 * argv [script, tapname]. Network names are resolved through the QEMU driver's network
 * definitions. */
#include "drivers/qemu/qemu-tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/qemu/qemu-network.h"
#include "engine/network-def.h"
#include "engine/store.h"

extern char **environ;

/* Whether name is an existing bridge on this host (it has /sys/class/net/NAME/bridge). */
static bool qemu_tap_is_bridge(const char *name)
{
    if (!name || !*name || strlen(name) > NETWORK_IFNAME_MAX || strchr(name, '/'))
        return false;
    char path[64];
    snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", name);
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The bridge of an active network (started by net-start, bridge and dnsmasq there), else
 * NULL. */
const char *qemu_tap_network_bridge(void *opaque, const char *network)
{
    struct qemu_tap_resolver *r = opaque;
    if (!r || !r->conn)
        return NULL;
    char *br = qemu_network_active_bridge(r->conn, network);
    if (!br)
        return NULL;
    char **grown = realloc(r->bridges, (r->n + 1) * sizeof(*grown));
    if (!grown)
        abort();
    r->bridges = grown;
    r->bridges[r->n++] = br;
    return br;
}

/* Free the resolver's strings. */
void qemu_tap_resolver_clear(struct qemu_tap_resolver *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->bridges[i]);
    free(r->bridges);
    r->bridges = NULL;
    r->n = 0;
}

/* Close every fd of a set. */
void qemu_tap_close(struct qemu_tap_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->fds[i] >= 0)
            close(set->fds[i]);
    free(set->fds);
    set->fds = NULL;
    set->n = 0;
}

/* One ioctl on interface ifr->ifr_name through a throwaway socket; errno kept on failure. */
static int qemu_tap_ifioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int rc = ioctl(s, req, ifr);
    int e = errno;
    close(s);
    errno = e;
    return rc;
}

/* Give the tap its MAC, attach it to bridge (NULL: none) and bring it up. */
static int qemu_tap_setup(const struct domain_def *def, const struct domain_net *n,
                          const char *tap, const char *bridge, struct vmerr *err)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
    if (n->has_mac) {
        ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        memcpy(ifr.ifr_hwaddr.sa_data, n->mac, 6);
        ifr.ifr_hwaddr.sa_data[0] = (char)0xfe;
        if (qemu_tap_ifioctl(SIOCSIFHWADDR, &ifr) < 0)
            return vmerr_set_errno(err, errno, "domain '%s': interface (line %d): cannot set the MAC of tap %s",
                                   def->name, n->line, tap);
    }
    if (bridge) {
        memset(&ifr, 0, sizeof(ifr));
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
        int index = qemu_tap_ifioctl(SIOCGIFINDEX, &ifr) < 0 ? 0 : ifr.ifr_ifindex;
        memset(&ifr, 0, sizeof(ifr));
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
        ifr.ifr_ifindex = index;
        if (index == 0 || qemu_tap_ifioctl(SIOCBRADDIF, &ifr) < 0)
            return vmerr_set_errno(err, errno,
                                   "domain '%s': interface (line %d): cannot attach tap %s to "
                                   "bridge %s",
                                   def->name, n->line, tap, bridge);
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
    if (qemu_tap_ifioctl(SIOCGIFFLAGS, &ifr) < 0)
        return vmerr_set_errno(err, errno, "domain '%s': interface (line %d): tap %s", def->name,
                               n->line, tap);
    ifr.ifr_flags |= IFF_UP;
    if (qemu_tap_ifioctl(SIOCSIFFLAGS, &ifr) < 0)
        return vmerr_set_errno(err, errno,
                               "domain '%s': interface (line %d): cannot bring tap %s up",
                               def->name, n->line, tap);
    return 0;
}

/* Run an ethernet interface's script as [script, tap] (no shell); it must exit 0. */
static int qemu_tap_script(const struct domain_def *def, const struct domain_net *n,
                           const char *tap, struct vmerr *err)
{
    char *argv[] = {n->script, (char *)tap, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, n->script, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': interface (line %d): cannot run script %s: %s", def->name,
                         n->line, n->script, strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': interface (line %d): script %s %s failed (%s %d)",
                         def->name, n->line, n->script, tap,
                         WIFEXITED(status) ? "exit status" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}

/* Create (or attach to) the tap named template ("vnet%d" lets the kernel pick N); its real
 * name goes to name. Returns the fd, or -1 with err set. */
static int qemu_tap_create(const struct domain_def *def, const struct domain_net *n,
                           const char *template, char name[IFNAMSIZ], struct vmerr *err)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return vmerr_set_errno(err, errno,
                               "domain '%s': interface (line %d): cannot open /dev/net/tun%s",
                               def->name, n->line, errno == EACCES ? " (needs root)" : "");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", template);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return vmerr_set_errno(err, e,
                               "domain '%s': interface (line %d): cannot create tap %s%s",
                               def->name, n->line, template,
                               e == EPERM ? " (needs root: CAP_NET_ADMIN)" : "");
    }
    snprintf(name, IFNAMSIZ, "%s", ifr.ifr_name);
    return fd;
}

/* Open every tap of def, in interface order. */
int qemu_tap_open(struct domain_def *def, struct qemu_tap_resolver *r, struct qemu_tap_set *out,
                  struct vmerr *err)
{
    out->fds = NULL;
    out->n = 0;
    for (size_t i = 0; i < def->nnets; i++) {
        struct domain_net *n = &def->nets[i];
        if (!qemu_argv_net_is_tap(n))
            continue;
        const char *bridge = NULL;
        if (n->type != DOMAIN_NET_ETHERNET) {
            bridge = qemu_argv_net_bridge(def, n, qemu_tap_network_bridge, r, err);
            if (!bridge)
                goto fail;
            if (!qemu_tap_is_bridge(bridge)) {
                vmerr_set(err, VMERR_OPERATION_FAILED,
                          "domain '%s': interface (line %d): bridge '%s' does not exist on this "
                          "host",
                          def->name, n->line, bridge);
                goto fail;
            }
        }
        if (n->target_dev && (strlen(n->target_dev) >= IFNAMSIZ || strchr(n->target_dev, '/') ||
                              strchr(n->target_dev, '%'))) {
            vmerr_set(err, VMERR_OPERATION_FAILED,
                      "domain '%s': interface (line %d): target dev '%s' is not a valid "
                      "interface name",
                      def->name, n->line, n->target_dev);
            goto fail;
        }
        char name[IFNAMSIZ];
        int fd = qemu_tap_create(def, n, n->target_dev ? n->target_dev : "vnet%d", name, err);
        if (fd < 0)
            goto fail;
        int *grown = realloc(out->fds, (out->n + 1) * sizeof(*grown));
        if (!grown)
            abort();
        out->fds = grown;
        out->fds[out->n++] = fd;
        if (qemu_tap_setup(def, n, name, bridge, err) < 0)
            goto fail;
        if (n->type == DOMAIN_NET_ETHERNET && n->script && qemu_tap_script(def, n, name, err) < 0)
            goto fail;
        free(n->target_dev);
        n->target_dev = strdup(name);
        if (!n->target_dev)
            abort();
    }
    return 0;
fail:
    qemu_tap_close(out);
    return -1;
}
