/* qemu-argv: a domain_def and a few host facts flow in, a NULL-terminated argv for
 * qemu-system-<arch> flows out. qemu_argv_build does no I/O; the host probes (emulator
 * lookup, /dev/kvm, free VNC port) are separate functions the driver calls first. Every
 * XML-derived string that lands inside a QEMU option value is comma-escaped. */
#include "drivers/qemu/qemu-argv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/store.h"

/* A growing argv. */
struct argv_buf {
    char **v;
    size_t n, cap;
};

/* Append one printf-formatted argument. */
static void __attribute__((format(printf, 2, 3)))
qemu_argv_add(struct argv_buf *a, const char *fmt, ...)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->v = realloc(a->v, a->cap * sizeof(*a->v));
        if (!a->v)
            abort();
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

/* Append an option and its value ("-m", "128"). */
static void qemu_argv_pair(struct argv_buf *a, const char *opt, const char *value)
{
    qemu_argv_add(a, "%s", opt);
    qemu_argv_add(a, "%s", value);
}

/* Free a NULL-terminated argv. */
void qemu_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

/* Double every comma so a value cannot start a new QEMU sub-option. */
char *qemu_argv_escape(const char *value)
{
    size_t n = 0;
    for (const char *p = value; *p; p++)
        n += *p == ',' ? 2 : 1;
    char *out = malloc(n + 1);
    if (!out)
        abort();
    char *q = out;
    for (const char *p = value; *p; p++) {
        *q++ = *p;
        if (*p == ',')
            *q++ = ',';
    }
    *q = '\0';
    return out;
}

/* Whether s is a plain identifier QEMU can take as a device/machine/arch name. */
static bool qemu_argv_plain_name(const char *s)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return false;
    return true;
}

/* Whether arch is one of the 32-bit x86 spellings. */
static bool qemu_argv_arch_is_i386(const char *arch)
{
    return arch && (!strcmp(arch, "i386") || !strcmp(arch, "i486") || !strcmp(arch, "i586") ||
                    !strcmp(arch, "i686"));
}

/* Whether arch is x86 (the machines whose defaults this builder knows). */
static bool qemu_argv_arch_is_x86(const char *arch)
{
    return !arch || !strcmp(arch, "x86_64") || qemu_argv_arch_is_i386(arch);
}

/* The emulator binary name for an architecture. */
char *qemu_argv_emulator_name(const char *arch)
{
    if (!arch || !strcmp(arch, "x86_64"))
        return strdup("qemu-system-x86_64");
    if (qemu_argv_arch_is_i386(arch))
        return strdup("qemu-system-i386");
    return store_printf("qemu-system-%s", arch);
}

/* Check that path is an executable regular file; the message names the domain. */
static int qemu_argv_emulator_check(const char *domain, const char *path, struct vmerr *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED, "domain '%s': emulator %s: %s", domain, path,
                         strerror(errno));
    if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': emulator %s is not an executable file", domain, path);
    return 0;
}

/* The emulator for def: <emulator>, else qemu-system-<arch> on $PATH. */
char *qemu_argv_find_emulator(const struct domain_def *def, struct vmerr *err)
{
    if (def->emulator) {
        if (qemu_argv_emulator_check(def->name, def->emulator, err) < 0)
            return NULL;
        return strdup(def->emulator);
    }
    if (def->os.arch && !qemu_argv_plain_name(def->os.arch)) {
        vmerr_set(err, VMERR_OPERATION_FAILED, "domain '%s': invalid architecture '%s'", def->name,
                  def->os.arch);
        return NULL;
    }
    char *name = qemu_argv_emulator_name(def->os.arch);
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    const char *p = path;
    while (*p) {
        size_t len = strcspn(p, ":");
        if (len > 0) {
            char *cand = store_printf("%.*s/%s", (int)len, p, name);
            struct stat st;
            if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
                free(name);
                return cand;
            }
            free(cand);
        }
        p += len;
        if (*p == ':')
            p++;
    }
    vmerr_set(err, VMERR_OPERATION_FAILED,
              "domain '%s': emulator %s not found on PATH (install qemu-system-x86 or set "
              "<emulator>)",
              def->name, name);
    free(name);
    return NULL;
}

/* Open the KVM device, check its API version and create (and drop) a VM. */
bool qemu_argv_kvm_probe(const char *device, char *why, size_t why_len)
{
    int fd = open(device, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "cannot open %s: %s", device, strerror(errno));
        return false;
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        snprintf(why, why_len, "%s: unexpected KVM API version %d", device, version);
        close(fd);
        return false;
    }
    int vm = ioctl(fd, KVM_CREATE_VM, 0);
    if (vm < 0) {
        snprintf(why, why_len, "%s: cannot create a VM: %s", device, strerror(errno));
        close(fd);
        return false;
    }
    close(vm);
    close(fd);
    if (why_len)
        why[0] = '\0';
    return true;
}

/* Whether a TCP socket can be bound to addr:port right now. */
static bool qemu_argv_port_free(const char *addr, int port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        len = sizeof(*in6);
    } else {
        return false;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bool ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
    close(fd);
    return ok;
}

/* First bindable port from 5900 on, as libvirt's autoport does. */
int qemu_argv_free_vnc_port(const char *listen_addr, struct vmerr *err)
{
    const char *addr = listen_addr && *listen_addr ? listen_addr : "127.0.0.1";
    struct in6_addr probe;
    if (inet_pton(AF_INET, addr, &probe) != 1 && inet_pton(AF_INET6, addr, &probe) != 1)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "VNC listen address '%s' is not a numeric IPv4/IPv6 address", addr);
    for (int port = 5900; port <= 65535; port++)
        if (qemu_argv_port_free(addr, port))
            return port;
    return vmerr_set(err, VMERR_OPERATION_FAILED, "no free VNC port on %s from 5900 on", addr);
}

/* Disk index of a target dev name after its prefix ("a" -> 0, "aa" -> 26); -1 if bad. */
static int qemu_argv_disk_index(const char *letters)
{
    if (!*letters)
        return -1;
    long idx = 0;
    for (const char *p = letters; *p; p++) {
        if (*p < 'a' || *p > 'z')
            return -1;
        idx = (idx + (p == letters ? 0 : 1)) * 26 + (*p - 'a');
        if (idx > 100000)
            return -1;
    }
    return (int)idx;
}

/* Bus kinds the builder can place a disk on. */
enum disk_bus { BUS_IDE, BUS_SCSI, BUS_VIRTIO, BUS_FDC, BUS_SATA, BUS_USB, BUS_XEN, BUS_COUNT };

/* Bus names as written in <target bus=...>, indexed by enum disk_bus. */
static const char *const bus_names[BUS_COUNT] = {
    [BUS_IDE] = "ide",   [BUS_SCSI] = "scsi", [BUS_VIRTIO] = "virtio", [BUS_FDC] = "fdc",
    [BUS_SATA] = "sata", [BUS_USB] = "usb",   [BUS_XEN] = "xen",
};

/* Target dev prefixes and the bus each implies when <target bus> is absent. */
static const struct {
    const char *prefix;
    enum disk_bus bus;
} dev_prefixes[] = {
    {"xvd", BUS_XEN}, {"hd", BUS_IDE}, {"sd", BUS_SCSI}, {"vd", BUS_VIRTIO}, {"fd", BUS_FDC},
};

/* One disk resolved to a bus and an index on it. */
struct qemu_argv_disk_place {
    enum disk_bus bus;
    int index;
};

/* Work out where disk goes; error names the disk's target and XML line. */
static int qemu_argv_disk_place(const struct domain_def *def, const struct domain_disk *d,
                                struct qemu_argv_disk_place *out, struct vmerr *err)
{
    const char *dev = d->target_dev ? d->target_dev : "";
    int idx = -1;
    int implied = -1;
    for (size_t i = 0; i < sizeof(dev_prefixes) / sizeof(dev_prefixes[0]); i++) {
        size_t n = strlen(dev_prefixes[i].prefix);
        if (!strncmp(dev, dev_prefixes[i].prefix, n)) {
            implied = (int)dev_prefixes[i].bus;
            idx = qemu_argv_disk_index(dev + n);
            break;
        }
    }
    if (idx < 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': disk target '%s' (line %d) is not a disk name like hda, "
                         "sdb or vda",
                         def->name, dev, d->line);
    int bus = implied;
    if (d->target_bus) {
        bus = -1;
        for (int b = 0; b < BUS_COUNT; b++)
            if (!strcmp(d->target_bus, bus_names[b]))
                bus = b;
        if (bus < 0)
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "domain '%s': disk %s (line %d): unknown bus '%s'", def->name, dev,
                             d->line, d->target_bus);
    }
    if (bus == BUS_XEN)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': disk %s (line %d): bus 'xen' is not supported by QEMU",
                         def->name, dev, d->line);
    if ((bus == BUS_FDC) != (d->device == DOMAIN_DISK_DEVICE_FLOPPY))
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': disk %s (line %d): floppies need bus fdc and bus fdc only "
                         "takes floppies",
                         def->name, dev, d->line);
    if (d->device == DOMAIN_DISK_DEVICE_CDROM && (bus == BUS_VIRTIO || bus == BUS_USB))
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': disk %s (line %d): a cdrom cannot be on bus %s", def->name,
                         dev, d->line, bus_names[bus]);
    static const int limits[BUS_COUNT] = {
        [BUS_IDE] = 4, [BUS_SCSI] = 7, [BUS_VIRTIO] = 26 * 27,
        [BUS_FDC] = 2, [BUS_SATA] = 6, [BUS_USB] = 26 * 27,
    };
    if (idx >= limits[bus])
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': disk %s (line %d): bus %s has room for %d disks only",
                         def->name, dev, d->line, bus_names[bus], limits[bus]);
    if ((bus == BUS_IDE || bus == BUS_SATA) && d->readonly && d->device == DOMAIN_DISK_DEVICE_DISK)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': disk %s (line %d): read-only disks are not supported on "
                         "bus %s (use a cdrom or bus virtio/scsi)",
                         def->name, dev, d->line, bus_names[bus]);
    if (!d->source && d->device == DOMAIN_DISK_DEVICE_DISK)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': disk %s (line %d) has no source", def->name, dev, d->line);
    out->bus = (enum disk_bus)bus;
    out->index = idx;
    return 0;
}

/* Whether the machine type is a q35 (ICH9) one, whose IDE disks sit on its AHCI ports. */
static bool qemu_argv_machine_is_q35(const struct domain_def *def)
{
    const char *m = def->os.machine;
    return m && (!strncmp(m, "q35", 3) || !strncmp(m, "pc-q35", 6));
}

/* -drive and -device for every disk, plus the controllers they need. */
static int qemu_argv_add_disks(struct argv_buf *a, const struct domain_def *def, struct vmerr *err)
{
    struct qemu_argv_disk_place *pl = calloc(def->ndisks ? def->ndisks : 1, sizeof(*pl));
    if (!pl)
        abort();
    bool need[BUS_COUNT] = {false};
    for (size_t i = 0; i < def->ndisks; i++) {
        if (qemu_argv_disk_place(def, &def->disks[i], &pl[i], err) < 0)
            goto fail;
        for (size_t j = 0; j < i; j++)
            if (pl[j].bus == pl[i].bus && pl[j].index == pl[i].index) {
                vmerr_set(err, VMERR_OPERATION_FAILED,
                          "domain '%s': disks %s (line %d) and %s (line %d) use the same slot",
                          def->name, def->disks[j].target_dev, def->disks[j].line,
                          def->disks[i].target_dev, def->disks[i].line);
                goto fail;
            }
        need[pl[i].bus] = true;
    }
    bool q35 = qemu_argv_machine_is_q35(def);
    if (need[BUS_SCSI])
        qemu_argv_pair(a, "-device", "lsi,id=scsi0");
    if (need[BUS_SATA] && !q35)
        qemu_argv_pair(a, "-device", "ich9-ahci,id=sata0");
    if (need[BUS_USB])
        qemu_argv_pair(a, "-device", "qemu-xhci,id=usb");
    for (size_t i = 0; i < def->ndisks; i++) {
        const struct domain_disk *d = &def->disks[i];
        bool cdrom = d->device == DOMAIN_DISK_DEVICE_CDROM;
        int n = pl[i].index;
        char alias[64];
        switch (pl[i].bus) {
        case BUS_IDE:
            if (q35)
                snprintf(alias, sizeof(alias), "sata0-0-%d", n);
            else
                snprintf(alias, sizeof(alias), "ide0-%d-%d", n / 2, n % 2);
            break;
        case BUS_SATA:
            snprintf(alias, sizeof(alias), "sata0-0-%d", n);
            break;
        case BUS_SCSI:
            snprintf(alias, sizeof(alias), "scsi0-0-0-%d", n);
            break;
        case BUS_VIRTIO:
            snprintf(alias, sizeof(alias), "virtio-disk%d", n);
            break;
        case BUS_FDC:
            snprintf(alias, sizeof(alias), "fdc0-0-%d", n);
            break;
        default:
            snprintf(alias, sizeof(alias), "usb-disk%d", n);
            break;
        }
        bool ro = d->readonly || cdrom;
        if (d->source) {
            char *src = qemu_argv_escape(d->source);
            const char *fmt = d->driver_type ? d->driver_type : "raw";
            if (!qemu_argv_plain_name(fmt)) {
                free(src);
                vmerr_set(err, VMERR_OPERATION_FAILED,
                          "domain '%s': disk %s (line %d): invalid driver type '%s'", def->name,
                          d->target_dev, d->line, fmt);
                goto fail;
            }
            qemu_argv_add(a, "-drive");
            qemu_argv_add(a, "file=%s,format=%s,if=none,id=drive-%s%s%s", src, fmt, alias,
                          ro ? ",readonly=on" : "", d->shareable ? ",file.locking=off" : "");
            free(src);
        } else {
            qemu_argv_add(a, "-drive");
            qemu_argv_add(a, "if=none,id=drive-%s%s", alias, ro ? ",readonly=on" : "");
        }
        const char *share = d->shareable ? ",share-rw=on" : "";
        qemu_argv_add(a, "-device");
        switch (pl[i].bus) {
        case BUS_IDE:
            if (q35)
                qemu_argv_add(a, "%s,bus=ide.%d,drive=drive-%s,id=%s%s",
                              cdrom ? "ide-cd" : "ide-hd", n, alias, alias, share);
            else
                qemu_argv_add(a, "%s,bus=ide.%d,unit=%d,drive=drive-%s,id=%s%s",
                              cdrom ? "ide-cd" : "ide-hd", n / 2, n % 2, alias, alias, share);
            break;
        case BUS_SATA:
            qemu_argv_add(a, "%s,bus=%s.%d,drive=drive-%s,id=%s%s", cdrom ? "ide-cd" : "ide-hd",
                          q35 ? "ide" : "sata0", n, alias, alias, share);
            break;
        case BUS_SCSI:
            qemu_argv_add(a, "%s,bus=scsi0.0,scsi-id=%d,drive=drive-%s,id=%s%s",
                          cdrom ? "scsi-cd" : "scsi-hd", n, alias, alias, share);
            break;
        case BUS_VIRTIO:
            qemu_argv_add(a, "virtio-blk-pci,drive=drive-%s,id=%s%s", alias, alias, share);
            break;
        case BUS_FDC:
            qemu_argv_add(a, "floppy,unit=%d,drive=drive-%s,id=%s", n, alias, alias);
            break;
        default:
            qemu_argv_add(a, "usb-storage,bus=usb.0,drive=drive-%s,id=%s%s", alias, alias, share);
            break;
        }
    }
    free(pl);
    return 0;
fail:
    free(pl);
    return -1;
}

/* Whether n's backend is a tap device that vmdeck opens and passes to QEMU as an fd. */
bool qemu_argv_net_is_tap(const struct domain_net *n)
{
    return n->type == DOMAIN_NET_NETWORK || n->type == DOMAIN_NET_BRIDGE ||
           n->type == DOMAIN_NET_ETHERNET;
}

/* The bridge a network or bridge interface attaches to; NULL with err set when there is none
 * (bridge interface without a source, or a network that is not active). */
const char *qemu_argv_net_bridge(const struct domain_def *def, const struct domain_net *n,
                                 qemu_argv_network_fn network_bridge, void *opaque,
                                 struct vmerr *err)
{
    if (n->type == DOMAIN_NET_BRIDGE) {
        const char *br = n->source_bridge ? n->source_bridge : n->source_dev;
        if (!br)
            vmerr_set(err, VMERR_OPERATION_FAILED,
                      "domain '%s': interface (line %d): bridge interface without <source "
                      "bridge=...>",
                      def->name, n->line);
        return br;
    }
    const char *net = n->source_network ? n->source_network : "default";
    const char *br = network_bridge ? network_bridge(opaque, net) : NULL;
    if (!br)
        vmerr_set(err, VMERR_OPERATION_FAILED,
                  "domain '%s': interface (line %d): network '%s' is not active", def->name,
                  n->line, net);
    return br;
}

/* The user-mode (SLIRP) backend with the host port forwards of interface index. */
static char *qemu_argv_net_user(const struct domain_def *def, size_t index, struct vmerr *err)
{
    char *fwd = qemu_argv_hostfwd(def, index, err);
    if (!fwd)
        return NULL;
    char *s = store_printf("user%s", fwd);
    free(fwd);
    return s;
}

/* The -netdev backend text for one interface (without id); tap_fd is the fd number QEMU
 * finds the tap on. NULL with err set. */
static char *qemu_argv_net_backend(const struct domain_def *def, size_t index, int tap_fd,
                                   const struct qemu_argv_opts *opts, struct vmerr *err)
{
    const struct domain_net *n = &def->nets[index];
    char *s = NULL, *e1 = NULL;
    switch (n->type) {
    case DOMAIN_NET_USER:
        return qemu_argv_net_user(def, index, err);
    case DOMAIN_NET_NETWORK:
    case DOMAIN_NET_BRIDGE:
        if (!qemu_argv_net_bridge(def, n, opts->network_bridge, opts->network_opaque, err))
            return NULL;
        return store_printf("tap,fd=%d", tap_fd);
    case DOMAIN_NET_ETHERNET:
        return store_printf("tap,fd=%d", tap_fd);
    case DOMAIN_NET_MCAST:
    case DOMAIN_NET_SERVER:
    case DOMAIN_NET_CLIENT: {
        const char *key = n->type == DOMAIN_NET_MCAST    ? "mcast"
                          : n->type == DOMAIN_NET_SERVER ? "listen"
                                                         : "connect";
        if (n->source_port <= 0 || n->source_port > 65535 ||
            (n->type != DOMAIN_NET_SERVER && !n->source_address)) {
            vmerr_set(err, VMERR_OPERATION_FAILED,
                      "domain '%s': interface (line %d): type %s needs <source address=... "
                      "port=...>",
                      def->name, n->line, domain_net_type_to_string(n->type));
            return NULL;
        }
        e1 = qemu_argv_escape(n->source_address ? n->source_address : "");
        s = store_printf("socket,%s=%s:%d", key, e1, n->source_port);
        break;
    }
    default:
        vmerr_set(err, VMERR_OPERATION_FAILED,
                  "domain '%s': interface (line %d): type %s is not supported by QEMU", def->name,
                  n->line, domain_net_type_to_string(n->type));
        return NULL;
    }
    free(e1);
    return s;
}

/* -netdev + -device for every interface. */
static int qemu_argv_add_nets(struct argv_buf *a, const struct domain_def *def,
                              const struct qemu_argv_opts *opts, struct vmerr *err)
{
    size_t ntaps = 0;
    for (size_t i = 0; i < def->nnets; i++) {
        const struct domain_net *n = &def->nets[i];
        const char *model = n->model ? n->model : "e1000";
        if (!strcmp(model, "virtio"))
            model = "virtio-net-pci";
        if (!qemu_argv_plain_name(model))
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "domain '%s': interface (line %d): invalid model '%s'", def->name,
                             n->line, model);
        int tap_fd = qemu_argv_net_is_tap(n) ? QEMU_ARGV_TAP_FD_BASE + (int)ntaps++ : -1;
        char *backend = qemu_argv_net_backend(def, i, tap_fd, opts, err);
        if (!backend)
            return -1;
        qemu_argv_add(a, "-netdev");
        qemu_argv_add(a, "%s,id=hostnet%zu", backend, i);
        free(backend);
        char mac[32] = "";
        if (n->has_mac)
            snprintf(mac, sizeof(mac), ",mac=%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1],
                     n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
        qemu_argv_add(a, "-device");
        qemu_argv_add(a, "%s,netdev=hostnet%zu,id=net%zu%s", model, i, i, mac);
    }
    return 0;
}

/* Serial ports on PTYs with a log file each (the first one's log is console.log). A domain
 * with only a <console> gets it as serial port 0, as libvirt does for x86. */
static int qemu_argv_add_serials(struct argv_buf *a, const struct domain_def *def,
                                 const struct qemu_argv_opts *opts, struct vmerr *err)
{
    const struct domain_chr *list = def->serials;
    size_t n = def->nserials;
    if (n == 0 && def->nconsoles > 0) {
        list = def->consoles;
        n = 1;
    }
    char *rundir = qemu_argv_escape(opts->run_dir);
    for (size_t i = 0; i < n; i++) {
        int port = list[i].port;
        if (port < 0 || port > 3) {
            free(rundir);
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "domain '%s': serial port %d (line %d): ISA has ports 0-3 only",
                             def->name, port, list[i].line);
        }
        for (size_t j = 0; j < i; j++)
            if (list[j].port == port) {
                free(rundir);
                return vmerr_set(err, VMERR_OPERATION_FAILED,
                                 "domain '%s': serial port %d (line %d) is defined twice",
                                 def->name, port, list[i].line);
            }
        qemu_argv_add(a, "-chardev");
        if (i == 0)
            qemu_argv_add(a, "pty,id=charserial%d,logfile=%s/console.log,logappend=on", port,
                          rundir);
        else
            qemu_argv_add(a, "pty,id=charserial%d,logfile=%s/serial%d.log,logappend=on", port,
                          rundir, port);
        qemu_argv_add(a, "-device");
        qemu_argv_add(a, "isa-serial,chardev=charserial%d,id=serial%d,index=%d", port, port, port);
    }
    free(rundir);
    return 0;
}

/* VNC / SDL display with a VGA card, or no display at all. */
static int qemu_argv_add_graphics(struct argv_buf *a, const struct domain_def *def,
                                  const struct qemu_argv_opts *opts, struct vmerr *err)
{
    if (def->ngraphics == 0) {
        qemu_argv_pair(a, "-display", "none");
        return 0;
    }
    if (def->ngraphics > 1)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "domain '%s': graphics (line %d): only one graphics device is supported",
                         def->name, def->graphics[1].line);
    const struct domain_graphics *g = &def->graphics[0];
    if (g->type == DOMAIN_GRAPHICS_VNC) {
        int port = g->autoport || g->port < 0 ? opts->vnc_port : g->port;
        if (port < 5900 || port > 65535)
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "domain '%s': graphics (line %d): VNC port %d is outside 5900-65535",
                             def->name, g->line, port);
        const char *listen = g->listen && *g->listen ? g->listen : "127.0.0.1";
        char *esc = qemu_argv_escape(listen);
        bool v6 = strchr(listen, ':') != NULL;
        qemu_argv_add(a, "-vnc");
        qemu_argv_add(a, "%s%s%s:%d", v6 ? "[" : "", esc, v6 ? "]" : "", port - 5900);
        free(esc);
    } else {
        qemu_argv_pair(a, "-display", "sdl");
    }
    qemu_argv_pair(a, "-device", "VGA,id=video0");
    return 0;
}

/* Kernel, initrd, command line (root= first, as libvirt writes it) or BIOS boot order. */
static void qemu_argv_add_boot(struct argv_buf *a, const struct domain_def *def)
{
    static const char boot_letters[] = {
        [DOMAIN_BOOT_FD] = 'a',
        [DOMAIN_BOOT_HD] = 'c',
        [DOMAIN_BOOT_CDROM] = 'd',
        [DOMAIN_BOOT_NETWORK] = 'n',
    };
    if (def->os.loader)
        qemu_argv_pair(a, "-bios", def->os.loader);
    if (def->os.kernel) {
        qemu_argv_pair(a, "-kernel", def->os.kernel);
        if (def->os.initrd)
            qemu_argv_pair(a, "-initrd", def->os.initrd);
        const char *cmd = def->os.cmdline ? def->os.cmdline : "";
        if (def->os.root) {
            qemu_argv_add(a, "-append");
            qemu_argv_add(a, "root=%s%s%s", def->os.root, *cmd ? " " : "", cmd);
        } else if (*cmd) {
            qemu_argv_pair(a, "-append", cmd);
        }
        if (def->os.nboot == 0)
            return;
    }
    char order[DOMAIN_MAX_BOOT + 1] = "c";
    for (size_t i = 0; i < def->os.nboot && i < DOMAIN_MAX_BOOT; i++) {
        order[i] = boot_letters[def->os.boot[i]];
        order[i + 1] = '\0';
    }
    qemu_argv_add(a, "-boot");
    qemu_argv_add(a, "order=%s", order);
}

/* The -machine value: type, accelerator and ACPI switch. */
static char *qemu_argv_machine_value(const struct domain_def *def,
                                     const struct qemu_argv_opts *opts, struct vmerr *err)
{
    const char *accel;
    switch (def->type) {
    case DOMAIN_VIRT_QEMU:
        accel = "tcg";
        break;
    case DOMAIN_VIRT_KVM:
        if (!opts->kvm_usable) {
            vmerr_set(err, VMERR_OPERATION_FAILED,
                      "domain '%s': type 'kvm' needs a usable %s (%s); use type 'qemu' for "
                      "software emulation",
                      def->name, QEMU_KVM_DEVICE,
                      opts->kvm_reason && *opts->kvm_reason ? opts->kvm_reason : "not usable");
            return NULL;
        }
        accel = "kvm";
        break;
    case DOMAIN_VIRT_KQEMU:
        vmerr_set(err, VMERR_OPERATION_FAILED,
                  "domain '%s': type 'kqemu' is not supported by this QEMU (use 'qemu' or 'kvm')",
                  def->name);
        return NULL;
    default:
        vmerr_set(err, VMERR_OPERATION_FAILED,
                  "domain '%s': type '%s' cannot be run by the QEMU driver", def->name,
                  domain_virt_type_to_string(def->type));
        return NULL;
    }
    const char *machine = def->os.machine;
    if (!machine && qemu_argv_arch_is_x86(def->os.arch))
        machine = "pc";
    if (machine && !qemu_argv_plain_name(machine)) {
        vmerr_set(err, VMERR_OPERATION_FAILED, "domain '%s': invalid machine type '%s'", def->name,
                  machine);
        return NULL;
    }
    const char *acpi = qemu_argv_arch_is_x86(def->os.arch) && !def->feature_acpi ? ",acpi=off" : "";
    if (machine)
        return store_printf("%s,accel=%s%s", machine, accel, acpi);
    return store_printf("accel=%s%s", accel, acpi);
}

/* Whether the host can show def's graphics now: SDL needs an X11 or Wayland display. */
int qemu_argv_check_display(const struct domain_def *def, struct vmerr *err)
{
    for (size_t i = 0; i < def->ngraphics; i++) {
        if (def->graphics[i].type != DOMAIN_GRAPHICS_SDL)
            continue;
        const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
        if ((!x || !*x) && (!w || !*w))
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "domain '%s': graphics (line %d): SDL needs a display but neither "
                             "DISPLAY nor WAYLAND_DISPLAY is set (use <graphics type='vnc'/>)",
                             def->name, def->graphics[i].line);
    }
    return 0;
}

/* The whole argv, in the order: identity, machine, monitors, boot, disks, NICs, serials,
 * display, balloon, pvpanic. */
char **qemu_argv_build(const struct domain_def *def, const struct qemu_argv_opts *opts,
                       struct vmerr *err)
{
    struct argv_buf a = {0};
    char *machine = qemu_argv_machine_value(def, opts, err);
    if (!machine)
        return NULL;
    if (def->memory_kib < 1024) {
        free(machine);
        vmerr_set(err, VMERR_OPERATION_FAILED, "domain '%s': memory %llu KiB is below 1 MiB",
                  def->name, def->memory_kib);
        return NULL;
    }
    qemu_argv_add(&a, "%s", opts->emulator);
    char *name = qemu_argv_escape(def->name);
    qemu_argv_add(&a, "-name");
    qemu_argv_add(&a, "guest=%s", name);
    free(name);
    qemu_argv_add(&a, "-S");
    qemu_argv_pair(&a, "-machine", machine);
    free(machine);
    qemu_argv_add(&a, "-m");
    qemu_argv_add(&a, "%llu", def->memory_kib / 1024);
    qemu_argv_add(&a, "-smp");
    qemu_argv_add(&a, "%u", def->vcpus ? def->vcpus : 1);
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    qemu_argv_pair(&a, "-uuid", uuid);
    qemu_argv_add(&a, "-no-user-config");
    qemu_argv_add(&a, "-nodefaults");
    const char *mons[2][2] = {{"charmonitor", opts->qmp_sup}, {"charclient", opts->qmp_client}};
    const int mon_fds[2] = {QEMU_ARGV_MON_FD_SUP, QEMU_ARGV_MON_FD_CLIENT};
    for (int i = 0; i < 2; i++) {
        char *path = qemu_argv_escape(mons[i][1]);
        qemu_argv_add(&a, "-chardev");
        if (opts->monitor_fds)
            qemu_argv_add(&a, "socket,id=%s,fd=%d,server=on,wait=off", mons[i][0], mon_fds[i]);
        else
            qemu_argv_add(&a, "socket,id=%s,path=%s,server=on,wait=off", mons[i][0], path);
        qemu_argv_add(&a, "-mon");
        qemu_argv_add(&a, "chardev=%s,id=%s,mode=control", mons[i][0], mons[i][0] + 4);
        free(path);
    }
    qemu_argv_add(&a, "-rtc");
    qemu_argv_add(&a, "base=%s", def->clock == DOMAIN_CLOCK_LOCALTIME ? "localtime" : "utc");
    /* on_reboot=destroy: a guest reset ends QEMU. Other actions keep QEMU's own reset
     * (restart); on_poweroff/on_crash restart is the supervisor's job (a new QEMU). */
    if (def->on_reboot == DOMAIN_LIFECYCLE_DESTROY)
        qemu_argv_add(&a, "-no-reboot");
    /* preserve keeps QEMU in memory for a post-mortem: a guest power-off stops the CPUs
     * instead of quitting, a guest panic pauses it (QEMU's default would quit) */
    if (def->on_poweroff == DOMAIN_LIFECYCLE_PRESERVE)
        qemu_argv_add(&a, "-no-shutdown");
    if (def->on_crash == DOMAIN_LIFECYCLE_PRESERVE)
        qemu_argv_pair(&a, "-action", "panic=pause");
    if (def->os.nboot > 3 && qemu_argv_arch_is_x86(def->os.arch)) {
        qemu_argv_free(a.v);
        vmerr_set(err, VMERR_OPERATION_FAILED,
                  "domain '%s': <os> lists %zu <boot> devices; the PC firmware takes at most 3",
                  def->name, def->os.nboot);
        return NULL;
    }
    qemu_argv_add_boot(&a, def);
    char *fwd = qemu_argv_hostfwd(def, (size_t)-1, err); /* checks them all, matches none */
    if (!fwd) {
        qemu_argv_free(a.v);
        return NULL;
    }
    free(fwd);
    if (qemu_argv_add_disks(&a, def, err) < 0 || qemu_argv_add_nets(&a, def, opts, err) < 0 ||
        qemu_argv_add_serials(&a, def, opts, err) < 0 ||
        qemu_argv_add_graphics(&a, def, opts, err) < 0) {
        qemu_argv_free(a.v);
        return NULL;
    }
    /* a balloon only when the guest starts below its maximum (the supervisor sets the
     * target through QMP once QEMU runs); pvpanic so a guest kernel panic is an event */
    if (def->current_memory_kib && def->current_memory_kib < def->memory_kib)
        qemu_argv_pair(&a, "-device", "virtio-balloon-pci,id=balloon0");
    if (qemu_argv_arch_is_x86(def->os.arch))
        qemu_argv_pair(&a, "-device", "pvpanic,id=panic0");
    return a.v;
}
