/* qemu-capabilities-check: a domain definition and the host's capabilities flow in, one
 * precise error (or none) flows out. At define: the OS type and arch have an emulator, the
 * <emulator> exists, is executable and runs the domain's arch, the domain type is one the
 * capabilities list for that arch (for 'kvm', with the KVM probe's reason), and the machine
 * is one the emulator offers. At start: the same again, then every file the guest will open
 * (kernel, initrd, loader, disk sources) exists and can be opened the way QEMU will. */
#include "drivers/qemu/qemu-capabilities.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/store.h"

/* The OS type as the capabilities name it ("linux" and "xen" are Xen paravirt). */
static const char *qemu_capabilities_check_os_type(const struct domain_def *def)
{
    if (!def->os.type || !strcmp(def->os.type, "hvm"))
        return "hvm";
    return !strcmp(def->os.type, "linux") ? "xen" : def->os.type;
}

/* The archs caps has hvm guests for, as "x86_64, i686" (into buf). */
static const char *qemu_capabilities_check_archs(const struct capabilities *caps, char *buf,
                                                 size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < caps->nguests && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", caps->guests[i].arch);
        if (n > 0)
            used += (size_t)n;
    }
    if (!buf[0])
        snprintf(buf, len, "none");
    return buf;
}

/* Whether an emulator for emulator_arch can run guests of arch. */
static bool qemu_capabilities_check_arch_ok(const char *emulator_arch, const char *arch)
{
    return !strcmp(emulator_arch, arch) ||
           (!strcmp(emulator_arch, "x86_64") && !strcmp(arch, "i686"));
}

/* An error about <emulator>, with its line. */
static int __attribute__((format(printf, 3, 4)))
qemu_capabilities_check_emulator_error(const struct domain_def *def, struct vmerr *err,
                                       const char *fmt, ...)
{
    char msg[sizeof(err->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return vmerr_set_xml(err, NULL, def->emulator_line, "emulator", "domain '%s': %s", def->name,
                         msg);
}

/* The guest entry of the emulator def names, probing it when caps does not list it. */
static const struct capabilities_guest *
qemu_capabilities_check_emulator(struct capabilities *caps, const char *cache_dir,
                                 const struct domain_def *def, const char *arch, struct vmerr *err)
{
    struct stat st;
    if (stat(def->emulator, &st) < 0) {
        qemu_capabilities_check_emulator_error(def, err, "<emulator> '%s': %s", def->emulator,
                                               strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || access(def->emulator, X_OK) < 0) {
        qemu_capabilities_check_emulator_error(
            def, err, "<emulator> '%s' is not an executable file", def->emulator);
        return NULL;
    }
    const struct capabilities_guest *g = capabilities_find_emulator(caps, def->emulator);
    if (g)
        return g;
    /* an emulator that is not on PATH (or not the first for its arch): ask it directly */
    struct qemu_capabilities_cache c;
    qemu_capabilities_cache_load(&c, cache_dir);
    struct vmerr e = {0};
    const struct qemu_capabilities_binary *b = qemu_capabilities_binary_get(&c, def->emulator, &e);
    if (!b) {
        qemu_capabilities_check_emulator_error(def, err, "<emulator> does not answer like QEMU: %s",
                                               e.message);
    } else {
        const char *earch = arch;
        unsigned wordsize = 64;
        if (!qemu_capabilities_binary_arch(def->emulator, &earch, &wordsize)) {
            const struct capabilities_guest *same = capabilities_find_guest(caps, "hvm", arch);
            wordsize = same ? same->wordsize : 64; /* a wrapper: trust it with the arch */
        }
        char why[512];
        bool kvm =
            def->type == DOMAIN_VIRT_KVM && qemu_capabilities_kvm_cached(&c, why, sizeof(why));
        qemu_capabilities_add_binary(caps, earch, wordsize, b, kvm);
        g = capabilities_find_emulator(caps, def->emulator);
    }
    qemu_capabilities_cache_save(&c);
    qemu_capabilities_cache_clear(&c);
    return g;
}

/* Why guest g does not list domain type t (into buf). */
static const char *qemu_capabilities_check_why_not(const char *cache_dir,
                                                   const struct capabilities_guest *g,
                                                   const char *t, char *buf, size_t len)
{
    char types[128] = "";
    for (size_t i = 0; i < g->ndomains; i++)
        snprintf(types + strlen(types), sizeof(types) - strlen(types), "%s%s", i ? ", " : "",
                 g->domains[i].type);
    if (strcmp(t, "kvm")) {
        snprintf(buf, len, "the QEMU driver runs %s here", types);
        return buf;
    }
    char why[512];
    if (!qemu_capabilities_kvm_usable(cache_dir, why, sizeof(why)))
        snprintf(buf, len, "%s", why);
    else
        snprintf(buf, len, "%s has no KVM support, or KVM on this host does not run %s guests",
                 g->emulator ? g->emulator : "the emulator", g->arch);
    return buf;
}

/* A few machine names of g for a message: the aliases first ("pc, q35, isapc"). */
static const char *qemu_capabilities_check_machines(const struct capabilities_guest *g, char *buf,
                                                    size_t len)
{
    size_t used = 0, shown = 0;
    buf[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < g->nmachines && shown < 6; i++) {
            const struct capabilities_machine *m = &g->machines[i];
            if ((pass == 0) != (m->canonical != NULL) || m->deprecated)
                continue;
            int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", m->name);
            if (n < 0 || (size_t)n >= len - used)
                return buf;
            used += (size_t)n;
            shown++;
        }
    }
    return buf;
}

/* Define-time checks against the capabilities. */
int qemu_capabilities_check_def(struct capabilities *caps, const char *cache_dir,
                                const struct domain_def *def, struct vmerr *err)
{
    const char *os_type = qemu_capabilities_check_os_type(def);
    const char *arch = def->os.arch ? def->os.arch : caps->host.arch;
    char buf[512];
    if (!arch)
        return vmerr_set(err, VMERR_INTERNAL, "domain '%s': the host's arch is unknown", def->name);
    const struct capabilities_guest *g = capabilities_find_guest(caps, os_type, arch);
    if (!g && strcmp(os_type, "hvm"))
        return vmerr_set_xml(err, NULL, 0, "type",
                             "domain '%s': <os><type> '%s' is not available on this host: the "
                             "QEMU driver runs hvm guests",
                             def->name, def->os.type);
    const struct capabilities_guest *eg = NULL; /* the emulator that will run */
    if (def->emulator) {
        eg = qemu_capabilities_check_emulator(caps, cache_dir, def, arch, err);
        if (!eg)
            return -1;
        if (!qemu_capabilities_check_arch_ok(eg->arch, arch))
            return qemu_capabilities_check_emulator_error(
                def, err, "<emulator> '%s' runs %s guests, not %s", def->emulator, eg->arch, arch);
        g = capabilities_find_guest(caps, os_type, arch);
        if (!g || !g->emulator || strcmp(g->emulator, def->emulator))
            g = eg; /* its own machines and domain types are what count */
    } else if (!g) {
        return vmerr_set_xml(err, NULL, 0, "arch",
                             "domain '%s': no emulator for arch %s on this host (archs with a "
                             "qemu-system-* on PATH: %s)",
                             def->name, arch,
                             qemu_capabilities_check_archs(caps, buf, sizeof(buf)));
    }
    const char *type = domain_virt_type_to_string(def->type);
    if (!capabilities_has_domain(g, type))
        return vmerr_set_xml(err, NULL, 0, "type",
                             "domain '%s': domain type '%s' is not available for arch %s on this "
                             "host: %s",
                             def->name, type, arch,
                             qemu_capabilities_check_why_not(cache_dir, g, type, buf, sizeof(buf)));
    if (def->os.machine && !capabilities_find_machine(g, def->os.machine))
        return vmerr_set_xml(err, NULL, 0, "machine",
                             "domain '%s': machine '%s' is not one %s offers (it has %s ...)",
                             def->name, def->os.machine, g->emulator ? g->emulator : "the emulator",
                             qemu_capabilities_check_machines(g, buf, sizeof(buf)));
    return 0;
}

/* Define-time checks with the connection's capabilities. */
int qemu_capabilities_check_define(const char *runtime_dir, const struct domain_def *def,
                                   struct vmerr *err)
{
    char *dir = qemu_capabilities_cache_dir(runtime_dir);
    struct qemu_capabilities_cache c;
    qemu_capabilities_cache_load(&c, dir);
    struct capabilities *caps = qemu_capabilities_build(&c, def->type == DOMAIN_VIRT_KVM, err);
    qemu_capabilities_cache_save(&c);
    qemu_capabilities_cache_clear(&c);
    int rc = caps ? qemu_capabilities_check_def(caps, dir, def, err) : -1;
    capabilities_free(caps);
    free(dir);
    return rc;
}

/* Check one file the guest uses: it exists, is not a directory, and can be opened with mode
 * (R_OK or R_OK | W_OK). what names the element ("<kernel>", "<disk> source"), detail adds
 * to it (" (target hda)"). */
static int qemu_capabilities_check_file(const struct domain_def *def, const char *what,
                                        const char *path, const char *detail, int mode,
                                        struct vmerr *err)
{
    struct stat st;
    const char *why = NULL;
    if (stat(path, &st) < 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = "it is a directory";
    else if (access(path, mode) < 0)
        why = mode & W_OK && errno == EACCES ? "not writable (add <readonly/> or fix its access)"
                                             : strerror(errno);
    if (!why)
        return 0;
    return vmerr_set(err, VMERR_SYSTEM, "domain '%s': %s '%s'%s: %s", def->name, what, path, detail,
                     why);
}

/* Start-time checks: define-time ones, then the guest's files. */
int qemu_capabilities_check_start(const char *runtime_dir, const struct domain_def *def,
                                  struct vmerr *err)
{
    if (qemu_capabilities_check_define(runtime_dir, def, err) < 0) {
        if (err && err->code == VMERR_XML) { /* the line is of the stored config: drop it */
            err->code = VMERR_OPERATION_FAILED;
            err->line = 0;
            err->file[0] = err->field[0] = '\0';
        }
        return -1;
    }
    const struct {
        const char *what;
        const char *path;
    } os_files[] = {
        {"<kernel>", def->os.kernel},
        {"<initrd>", def->os.initrd},
        {"<loader>", def->os.loader},
    };
    for (size_t i = 0; i < sizeof(os_files) / sizeof(os_files[0]); i++)
        if (os_files[i].path && qemu_capabilities_check_file(def, os_files[i].what,
                                                             os_files[i].path, "", R_OK, err) < 0)
            return -1;
    for (size_t i = 0; i < def->ndisks; i++) {
        const struct domain_disk *d = &def->disks[i];
        if (!d->source)
            continue;
        bool ro = d->readonly || d->device == DOMAIN_DISK_DEVICE_CDROM;
        char *detail = store_printf(" (target %s)", d->target_dev ? d->target_dev : "?");
        int rc = qemu_capabilities_check_file(def, "<disk> source", d->source, detail,
                                              ro ? R_OK : R_OK | W_OK, err);
        free(detail);
        if (rc < 0)
            return -1;
    }
    return 0;
}
