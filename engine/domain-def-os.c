/* domain-def-os: the guest platform elements of domain XML. <os> (type with arch/machine,
 * loader, kernel, initrd, cmdline, root, boot order), <features>, <clock> (today's offset=
 * and the seed's sync= spelling) and the on_poweroff/on_reboot/on_crash actions flow from
 * libxml2 nodes into struct domain_def here; copy/clear of struct domain_os live here too. */
#include "engine/domain-def.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "engine/xmlutil.h"

/* libvirt's architecture names (virArch), the ones <type arch=...> may carry. */
static const char *const arch_names[] = {
    "aarch64", "alpha",    "armv6l",      "armv7b",   "armv7l",     "cris",         "i686",
    "ia64",    "lm32",     "loongarch64", "m68k",     "microblaze", "microblazeel", "mips",
    "mips64",  "mips64el", "mipsel",      "openrisc", "parisc",     "parisc64",     "ppc",
    "ppc64",   "ppc64le",  "ppcemb",      "ppcle",    "riscv32",    "riscv64",      "s390",
    "s390x",   "sh4",      "sh4eb",       "sparc",    "sparc64",    "unicore32",    "x86_64",
    "xtensa",  "xtensaeb", NULL,
};

/* Whether arch is one of libvirt's architecture names. */
static bool arch_known(const char *arch)
{
    for (size_t i = 0; arch_names[i]; i++)
        if (!strcmp(arch_names[i], arch))
            return true;
    return false;
}

/* Text of a path-like leaf element (<loader>, <kernel>, ...) into *out; "" means absent. */
static int parse_text_leaf(const struct xmlutil_ctx *x, const xmlNode *node, char **out)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    if (*out)
        return xmlutil_error(x, node, (const char *)node->name, "<%s> appears twice in <os>",
                             (const char *)node->name);
    char *text = xmlutil_text(node);
    if (!*text) {
        free(text);
        return 0;
    }
    *out = text;
    return 0;
}

/* <type arch=... machine=...>hvm|linux|xen</type>; 'xen' (today's name for Xen paravirt)
 * is stored as "linux", the seed's name. */
static int parse_os_type(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    static const char *const attrs[] = {"arch", "machine", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    if (def->os.type)
        return xmlutil_error(x, node, "type", "<type> appears twice in <os>");
    char *text = xmlutil_text(node), *type = xmlutil_strip(text);
    free(text);
    if (strcmp(type, "hvm") && strcmp(type, "linux") && strcmp(type, "xen")) {
        xmlutil_error(x, node, "type",
                      "unknown <os> type '%s' (expected hvm, or xen/linux for Xen "
                      "paravirt)",
                      type);
        free(type);
        return -1;
    }
    if (strcmp(type, "hvm") && def->type != DOMAIN_VIRT_XEN) {
        xmlutil_error(x, node, "type",
                      "<os> type '%s' (Xen paravirt) needs <domain type='xen'>, not '%s'", type,
                      domain_virt_type_to_string(def->type));
        free(type);
        return -1;
    }
    if (!strcmp(type, "xen")) {
        free(type);
        type = strdup("linux");
    }
    def->os.type = type;
    char *arch = xmlutil_attr(node, "arch");
    if (arch && !arch_known(arch)) {
        xmlutil_error(x, node, "arch", "unknown architecture '%s' in <type arch=...>", arch);
        free(arch);
        return -1;
    }
    def->os.arch = arch;
    char *machine = xmlutil_attr(node, "machine");
    if (machine && !*machine) {
        free(machine);
        return xmlutil_error(x, node, "machine", "<type machine=''> is empty");
    }
    def->os.machine = machine;
    return 0;
}

/* <boot dev='fd|hd|cdrom|network'/>, up to DOMAIN_MAX_BOOT in order. */
static int parse_boot(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    static const char *const attrs[] = {"dev", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    if (def->os.nboot == DOMAIN_MAX_BOOT)
        return xmlutil_error(x, node, "boot", "<os> has more than %d <boot> elements",
                             DOMAIN_MAX_BOOT);
    char *dev = xmlutil_attr(node, "dev");
    if (!dev)
        return xmlutil_error(x, node, "dev", "<boot> needs a dev attribute");
    int d = domain_boot_dev_from_string(dev);
    if (d < 0) {
        xmlutil_error(x, node, "dev",
                      "unknown boot device '%s' (expected fd, hd, cdrom or network)", dev);
        free(dev);
        return -1;
    }
    free(dev);
    def->os.boot[def->os.nboot++] = (enum domain_boot_dev)d;
    return 0;
}

/* <os>: its children in any order. */
int domain_def_os_parse(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                        struct domain_def *def)
{
    static const char *const os_children[] = {"type",   "boot",    "loader", "kernel",
                                              "initrd", "cmdline", "root"};
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        const char *n = (const char *)c->name;
        int rc;
        if (!strcmp(n, "type"))
            rc = parse_os_type(x, c, def);
        else if (!strcmp(n, "boot"))
            rc = parse_boot(x, c, def);
        else if (!strcmp(n, "loader"))
            rc = parse_text_leaf(x, c, &def->os.loader);
        else if (!strcmp(n, "kernel"))
            rc = parse_text_leaf(x, c, &def->os.kernel);
        else if (!strcmp(n, "initrd"))
            rc = parse_text_leaf(x, c, &def->os.initrd);
        else if (!strcmp(n, "cmdline"))
            rc = parse_text_leaf(x, c, &def->os.cmdline);
        else if (!strcmp(n, "root"))
            rc = parse_text_leaf(x, c, &def->os.root);
        else
            rc = xmlutil_unknown_among(x, c, os_children,
                                       sizeof(os_children) / sizeof(os_children[0]));
        if (rc < 0)
            return -1;
    }
    if (!def->os.type)
        return xmlutil_error(x, node, "type", "<os> needs a <type> (hvm, or xen/linux)");
    return 0;
}

/* <features>: empty <pae/>, <acpi/>, <apic/> children. */
int domain_def_os_parse_features(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                                 struct domain_def *def)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!xmlutil_is_ours(c))
            continue;
        const char *n = (const char *)c->name;
        bool *flag = !strcmp(n, "pae")    ? &def->feature_pae
                     : !strcmp(n, "acpi") ? &def->feature_acpi
                     : !strcmp(n, "apic") ? &def->feature_apic
                                          : NULL;
        if (!flag)
            return xmlutil_error(x, c, n,
                                 "unknown feature <%s> in <features> (expected pae, acpi "
                                 "or apic)",
                                 n);
        if (xmlutil_check_attrs(x, c, NULL) < 0 || xmlutil_check_empty(x, c) < 0)
            return -1;
        *flag = true;
    }
    return 0;
}

/* <clock offset='utc|localtime'/> or the seed's <clock sync='...'/>. */
int domain_def_os_parse_clock(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                              struct domain_def *def)
{
    static const char *const attrs[] = {"offset", "sync", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_empty(x, node) < 0)
        return -1;
    char *offset = xmlutil_attr(node, "offset");
    char *sync = xmlutil_attr(node, "sync");
    int rc = 0;
    if (offset && sync && strcmp(offset, sync)) {
        rc = xmlutil_error(x, node, "offset", "<clock> offset='%s' and sync='%s' disagree", offset,
                           sync);
    } else if (!offset && !sync) {
        rc = xmlutil_error(x, node, "offset", "<clock> needs an offset attribute");
    } else {
        const char *v = offset ? offset : sync;
        int c = domain_clock_offset_from_string(v);
        if (c < 0)
            rc = xmlutil_error(x, node, offset ? "offset" : "sync",
                               "unknown clock offset '%s' (expected utc or localtime)", v);
        else {
            def->has_clock = true;
            def->clock = (enum domain_clock_offset)c;
        }
    }
    free(offset);
    free(sync);
    return rc;
}

/* <on_poweroff>/<on_reboot>/<on_crash>: destroy, restart, preserve or rename-restart. */
int domain_def_os_parse_lifecycle(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                                  enum domain_lifecycle *out)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    char *text = xmlutil_text(node), *v = xmlutil_strip(text);
    free(text);
    int a = domain_lifecycle_from_string(v);
    if (a < 0) {
        xmlutil_error(x, node, (const char *)node->name,
                      "<%s> '%s' is not an action (expected destroy, restart, preserve "
                      "or rename-restart)",
                      (const char *)node->name, v);
        free(v);
        return -1;
    }
    free(v);
    *out = (enum domain_lifecycle)a;
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

/* Deep copy of an <os> block. */
int domain_def_os_copy(struct domain_os *dst, const struct domain_os *src)
{
    *dst = *src;
    dst->type = dst->arch = dst->machine = dst->loader = NULL;
    dst->kernel = dst->initrd = dst->cmdline = dst->root = NULL;
    if (copy_string(&dst->type, src->type) < 0 || copy_string(&dst->arch, src->arch) < 0 ||
        copy_string(&dst->machine, src->machine) < 0 ||
        copy_string(&dst->loader, src->loader) < 0 || copy_string(&dst->kernel, src->kernel) < 0 ||
        copy_string(&dst->initrd, src->initrd) < 0 ||
        copy_string(&dst->cmdline, src->cmdline) < 0 || copy_string(&dst->root, src->root) < 0)
        return -1;
    return 0;
}

/* Free the strings of an <os> block and zero it. */
void domain_def_os_clear(struct domain_os *os)
{
    free(os->type);
    free(os->arch);
    free(os->machine);
    free(os->loader);
    free(os->kernel);
    free(os->initrd);
    free(os->cmdline);
    free(os->root);
    memset(os, 0, sizeof(*os));
}
