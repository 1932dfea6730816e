/* domain-def: the entry points of the domain XML model. XML text flows in through
 * domain_def_parse_string/file (libxml2 with network access, entity expansion and DTD loading
 * off; well-formedness errors come back as one VMERR_XML with the line), the top-level
 * <domain> children are read here and each element family is handed to domain-def-os.c or
 * domain-def-devices.c. Also here: the enum <-> string tables, uuids, copy and free. */
#include "engine/domain-def.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlunicode.h>

#include "engine/schema.h"
#include "engine/store.h"
#include "engine/xmlutil.h"

/* ---- enum <-> string tables (libvirt's spellings, indexed by the enum) ---- */

static const char *const virt_type_names[] = {
    [DOMAIN_VIRT_QEMU] = "qemu",
    [DOMAIN_VIRT_KVM] = "kvm",
    [DOMAIN_VIRT_KQEMU] = "kqemu",
    [DOMAIN_VIRT_XEN] = "xen",
};

static const char *const lifecycle_names[] = {
    [DOMAIN_LIFECYCLE_DESTROY] = "destroy",
    [DOMAIN_LIFECYCLE_RESTART] = "restart",
    [DOMAIN_LIFECYCLE_PRESERVE] = "preserve",
    [DOMAIN_LIFECYCLE_RENAME_RESTART] = "rename-restart",
};

static const char *const boot_dev_names[] = {
    [DOMAIN_BOOT_FD] = "fd",
    [DOMAIN_BOOT_HD] = "hd",
    [DOMAIN_BOOT_CDROM] = "cdrom",
    [DOMAIN_BOOT_NETWORK] = "network",
};

static const char *const clock_offset_names[] = {
    [DOMAIN_CLOCK_UTC] = "utc",
    [DOMAIN_CLOCK_LOCALTIME] = "localtime",
};

static const char *const disk_type_names[] = {
    [DOMAIN_DISK_TYPE_FILE] = "file",
    [DOMAIN_DISK_TYPE_BLOCK] = "block",
};

static const char *const disk_device_names[] = {
    [DOMAIN_DISK_DEVICE_DISK] = "disk",
    [DOMAIN_DISK_DEVICE_CDROM] = "cdrom",
    [DOMAIN_DISK_DEVICE_FLOPPY] = "floppy",
};

static const char *const net_type_names[] = {
    [DOMAIN_NET_USER] = "user",     [DOMAIN_NET_NETWORK] = "network",
    [DOMAIN_NET_BRIDGE] = "bridge", [DOMAIN_NET_ETHERNET] = "ethernet",
    [DOMAIN_NET_MCAST] = "mcast",   [DOMAIN_NET_SERVER] = "server",
    [DOMAIN_NET_CLIENT] = "client",
};

static const char *const chr_type_names[] = {
    [DOMAIN_CHR_PTY] = "pty",
};

static const char *const graphics_type_names[] = {
    [DOMAIN_GRAPHICS_VNC] = "vnc",
    [DOMAIN_GRAPHICS_SDL] = "sdl",
};

#define TABLE_LEN(t) (sizeof(t) / sizeof((t)[0]))

/* Name of value v in table t, "unknown" when out of range. */
static const char *table_name(const char *const *t, size_t n, int v)
{
    return v >= 0 && (size_t)v < n && t[v] ? t[v] : "unknown";
}

/* Index of s in table t, -1 when s is NULL or not there. */
static int table_index(const char *const *t, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (t[i] && !strcmp(t[i], s))
            return (int)i;
    return -1;
}

/* Hypervisor type name. */
const char *domain_virt_type_to_string(enum domain_virt_type t)
{
    return table_name(virt_type_names, TABLE_LEN(virt_type_names), t);
}

/* Hypervisor type from its name. */
int domain_virt_type_from_string(const char *s)
{
    return table_index(virt_type_names, TABLE_LEN(virt_type_names), s);
}

/* Lifecycle action name. */
const char *domain_lifecycle_to_string(enum domain_lifecycle a)
{
    return table_name(lifecycle_names, TABLE_LEN(lifecycle_names), a);
}

/* Lifecycle action from its name. */
int domain_lifecycle_from_string(const char *s)
{
    return table_index(lifecycle_names, TABLE_LEN(lifecycle_names), s);
}

/* Boot device name. */
const char *domain_boot_dev_to_string(enum domain_boot_dev d)
{
    return table_name(boot_dev_names, TABLE_LEN(boot_dev_names), d);
}

/* Boot device from its name. */
int domain_boot_dev_from_string(const char *s)
{
    return table_index(boot_dev_names, TABLE_LEN(boot_dev_names), s);
}

/* Clock offset name. */
const char *domain_clock_offset_to_string(enum domain_clock_offset c)
{
    return table_name(clock_offset_names, TABLE_LEN(clock_offset_names), c);
}

/* Clock offset from its name. */
int domain_clock_offset_from_string(const char *s)
{
    return table_index(clock_offset_names, TABLE_LEN(clock_offset_names), s);
}

/* Disk backing type name. */
const char *domain_disk_type_to_string(enum domain_disk_type t)
{
    return table_name(disk_type_names, TABLE_LEN(disk_type_names), t);
}

/* Disk backing type from its name. */
int domain_disk_type_from_string(const char *s)
{
    return table_index(disk_type_names, TABLE_LEN(disk_type_names), s);
}

/* Disk device kind name. */
const char *domain_disk_device_to_string(enum domain_disk_device d)
{
    return table_name(disk_device_names, TABLE_LEN(disk_device_names), d);
}

/* Disk device kind from its name. */
int domain_disk_device_from_string(const char *s)
{
    return table_index(disk_device_names, TABLE_LEN(disk_device_names), s);
}

/* Interface type name. */
const char *domain_net_type_to_string(enum domain_net_type t)
{
    return table_name(net_type_names, TABLE_LEN(net_type_names), t);
}

/* Interface type from its name. */
int domain_net_type_from_string(const char *s)
{
    return table_index(net_type_names, TABLE_LEN(net_type_names), s);
}

/* Character device type name. */
const char *domain_chr_type_to_string(enum domain_chr_type t)
{
    return table_name(chr_type_names, TABLE_LEN(chr_type_names), t);
}

/* Character device type from its name. */
int domain_chr_type_from_string(const char *s)
{
    return table_index(chr_type_names, TABLE_LEN(chr_type_names), s);
}

/* Graphics type name. */
const char *domain_graphics_type_to_string(enum domain_graphics_type t)
{
    return table_name(graphics_type_names, TABLE_LEN(graphics_type_names), t);
}

/* Graphics type from its name. */
int domain_graphics_type_from_string(const char *s)
{
    return table_index(graphics_type_names, TABLE_LEN(graphics_type_names), s);
}

/* ---- uuid and name ---- */

/* Format a uuid as 8-4-4-4-12 lowercase hex. */
void domain_uuid_format(const unsigned char uuid[16], char *buf)
{
    static const char hex[] = "0123456789abcdef";
    char *p = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[uuid[i] >> 4];
        *p++ = hex[uuid[i] & 15];
    }
    *p = '\0';
}

/* Value of one hex digit, -1 if c is not one. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse 32 hex digits, either plain or with dashes at the 8-4-4-4-12 places. */
int domain_uuid_parse(const char *text, unsigned char uuid[16])
{
    size_t len = strlen(text);
    bool dashed = len == 36;
    if (len != 32 && len != 36)
        return -1;
    const char *p = text;
    for (int i = 0; i < 16; i++) {
        if (dashed && (i == 4 || i == 6 || i == 8 || i == 10)) {
            if (*p != '-')
                return -1;
            p++;
        }
        int hi = hex_value(p[0]), lo = hi < 0 ? -1 : hex_value(p[1]);
        if (hi < 0 || lo < 0)
            return -1;
        uuid[i] = (unsigned char)(hi << 4 | lo);
        p += 2;
    }
    return *p ? -1 : 0;
}

/* A random (version 4, RFC 4122 variant) uuid from the kernel's generator. */
void domain_uuid_generate(unsigned char uuid[16])
{
    size_t got = 0;
    while (got < 16) {
        ssize_t n = getrandom(uuid + got, 16 - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            abort(); /* the kernel's generator is always there on Linux >= 3.17 */
        }
        got += (size_t)n;
    }
    uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x40);
    uuid[8] = (unsigned char)((uuid[8] & 0x3f) | 0x80);
}

/* Decode the UTF-8 character at p into *cp; its length, or 0 when it is not valid UTF-8. */
static size_t name_utf8_decode(const unsigned char *p, unsigned *cp)
{
    size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
    if (n == 0 || p[0] > 0xf4)
        return 0;
    unsigned v = n == 1 ? p[0] : p[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

/* Whether a non-ASCII code point is a letter, mark or number: libxml2's Unicode tables
 * (the ones its regular expressions use for domain.rng), plus the ideograph and Hangul
 * blocks that its tables hold only as their first code point. */
static bool name_letter(unsigned cp)
{
    static const unsigned ranges[][2] = {
        {0x3400, 0x4dbf}, {0x4e00, 0x9fff}, {0xac00, 0xd7a3}, {0x20000, 0x2fa1f}};
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return true;
    return xmlUCSIsCatL((int)cp) || xmlUCSIsCatM((int)cp) || xmlUCSIsCatN((int)cp);
}

/* Why name breaks the rule of domain_name_valid, in words, or NULL when it is fine. The
 * words are written into buf (at least 64 bytes) when they quote a character. */
static const char *name_problem(const char *name, char *buf, size_t len)
{
    if (!name || !*name)
        return "is empty";
    if (strlen(name) > 255)
        return "is longer than 255 bytes";
    if (name[0] == '.' || name[0] == '-')
        return name[0] == '.' ? "starts with '.'" : "starts with '-'";
    for (const unsigned char *p = (const unsigned char *)name; *p;) {
        unsigned cp = 0;
        size_t n = name_utf8_decode(p, &cp);
        if (n == 0)
            return "is not valid UTF-8";
        bool ok = cp < 0x80 ? (isalnum((int)cp) || strchr("-_.+:", (int)cp)) : name_letter(cp);
        if (!ok) {
            if (cp >= 0x21 && cp < 0x7f)
                snprintf(buf, len, "contains '%c'", (char)cp);
            else
                snprintf(buf, len, "contains the character U+%04X", cp);
            return buf;
        }
        p += n;
    }
    return NULL;
}

/* A name is usable when it follows the rule in domain-def.h. */
bool domain_name_valid(const char *name)
{
    char buf[64];
    return name_problem(name, buf, sizeof(buf)) == NULL;
}

/* ---- free and copy ---- */

/* Free def and everything it owns. */
void domain_def_free(struct domain_def *def)
{
    if (!def)
        return;
    free(def->name);
    domain_def_os_clear(&def->os);
    free(def->emulator);
    domain_def_devices_clear(def);
    domain_def_strings_free(def->foreign, def->nforeign);
    domain_def_strings_free(def->metadata, def->nmetadata);
    free(def);
}

/* Copy an array of kept-as-written XML strings. */
int domain_def_strings_copy(char ***dst, char *const *src, size_t n)
{
    *dst = NULL;
    if (n == 0)
        return 0;
    if (!(*dst = calloc(n, sizeof(**dst))))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((*dst)[i] = strdup(src[i])))
            return -1;
    return 0;
}

/* Free an array of kept-as-written XML strings. */
void domain_def_strings_free(char **strings, size_t n)
{
    for (size_t i = 0; strings && i < n; i++)
        free(strings[i]);
    free(strings);
}

/* A deep copy: every string and device array is duplicated. */
struct domain_def *domain_def_copy(const struct domain_def *def)
{
    struct domain_def *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    *c = *def;
    c->name = NULL;
    c->emulator = NULL;
    memset(&c->os, 0, sizeof(c->os));
    c->disks = NULL;
    c->nets = NULL;
    c->serials = c->consoles = NULL;
    c->graphics = NULL;
    c->ndisks = c->nnets = c->nserials = c->nconsoles = c->ngraphics = 0;
    c->foreign = c->metadata = NULL;
    if ((def->name && !(c->name = strdup(def->name))) ||
        (def->emulator && !(c->emulator = strdup(def->emulator))) ||
        domain_def_os_copy(&c->os, &def->os) < 0 || domain_def_devices_copy(c, def) < 0 ||
        domain_def_strings_copy(&c->foreign, def->foreign, def->nforeign) < 0 ||
        domain_def_strings_copy(&c->metadata, def->metadata, def->nmetadata) < 0) {
        domain_def_free(c);
        return NULL;
    }
    return c;
}

/* ---- top-level elements ---- */

/* <name>: required, a valid domain name. */
static int parse_name(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    char *name = xmlutil_text(node), buf[64];
    const char *problem = name_problem(name, buf, sizeof(buf));
    if (problem) {
        xmlutil_error(x, node, "name",
                      "domain name '%.64s%s' %s (names use letters, digits and - _ . + :, and do "
                      "not start with '.' or '-')",
                      name, strlen(name) > 64 ? "..." : "", problem);
        free(name);
        return -1;
    }
    def->name = name;
    return 0;
}

/* <uuid>: 32 hex digits with or without dashes. */
static int parse_uuid(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    char *text = xmlutil_text(node), *s = xmlutil_strip(text);
    int rc = domain_uuid_parse(s, def->uuid);
    if (rc < 0)
        xmlutil_error(x, node, "uuid",
                      "<uuid> '%s' is not a uuid (expected 32 hex digits, with or "
                      "without dashes)",
                      text);
    free(s);
    free(text);
    return rc;
}

/* Multiplier of a libvirt memory unit name (b, k/KiB/KB, M/MiB/MB, G, T, P, E); 0 if
 * unknown. "iB" and bare letters are powers of 1024, "B" powers of 1000, as in libvirt. */
static unsigned long long memory_unit_scale(const char *unit)
{
    if (!strcasecmp(unit, "b") || !strcasecmp(unit, "byte") || !strcasecmp(unit, "bytes"))
        return 1;
    static const char letters[] = "kmgtpe";
    const char *l = *unit ? strchr(letters, (char)(unit[0] | 0x20)) : NULL;
    if (!l)
        return 0;
    unsigned long long base;
    if (unit[1] == '\0' || !strcasecmp(unit + 1, "iB"))
        base = 1024;
    else if (!strcasecmp(unit + 1, "B"))
        base = 1000;
    else
        return 0;
    unsigned long long scale = 1;
    for (const char *p = letters; p <= l; p++)
        scale *= base;
    return scale;
}

/* <memory> or <currentMemory>: a size with an optional unit (KiB by default), in KiB,
 * rounded up like libvirt. */
static int parse_memory_value(const struct xmlutil_ctx *x, const xmlNode *node, const char *field,
                              unsigned long long *out_kib)
{
    static const char *const attrs[] = {"unit", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    char *unit = xmlutil_attr(node, "unit");
    unsigned long long scale = unit ? memory_unit_scale(unit) : 1024;
    if (!scale) {
        xmlutil_error(x, node, "unit",
                      "<%s> unit '%s' is not known (expected b, KiB, MiB, GiB, TiB, "
                      "KB, MB, GB or TB)",
                      field, unit);
        free(unit);
        return -1;
    }
    free(unit);
    char what[64];
    snprintf(what, sizeof(what), "<%s>", field);
    char *text = xmlutil_text(node);
    long long v;
    int rc = xmlutil_parse_ll(x, node, field, what, text, 0, INT64_MAX, &v);
    if (rc == 0 && (unsigned long long)v > UINT64_MAX / scale / 2) {
        rc = xmlutil_error(x, node, field, "<%s> '%s' is too large", field, text);
    } else if (rc == 0) {
        unsigned long long bytes = (unsigned long long)v * scale;
        *out_kib = bytes / 1024 + (bytes % 1024 != 0);
        if (*out_kib == 0)
            rc = xmlutil_error(x, node, field, "<%s> must be more than 0", field);
    }
    free(text);
    return rc;
}

/* <memory>: the maximum memory. */
static int parse_memory(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    return parse_memory_value(x, node, "memory", &def->memory_kib);
}

/* <currentMemory>: the memory at boot (balloon target). */
static int parse_current_memory(const struct xmlutil_ctx *x, const xmlNode *node,
                                struct domain_def *def)
{
    return parse_memory_value(x, node, "currentMemory", &def->current_memory_kib);
}

/* <vcpu>: the number of virtual CPUs, at least 1. */
static int parse_vcpu(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    static const char *const attrs[] = {"placement", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    char *placement = xmlutil_attr(node, "placement");
    if (placement && strcmp(placement, "static")) {
        xmlutil_error(x, node, "placement",
                      "<vcpu> placement '%s' is not supported (only 'static')", placement);
        free(placement);
        return -1;
    }
    free(placement);
    char *text = xmlutil_text(node);
    long long v;
    int rc = xmlutil_parse_ll(x, node, "vcpu", "<vcpu>", text, 1, 4096, &v);
    free(text);
    if (rc == 0)
        def->vcpus = (unsigned)v;
    return rc;
}

/* <on_poweroff>. */
static int parse_on_poweroff(const struct xmlutil_ctx *x, const xmlNode *node,
                             struct domain_def *def)
{
    return domain_def_os_parse_lifecycle(x, node, &def->on_poweroff);
}

/* <on_reboot>. */
static int parse_on_reboot(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    return domain_def_os_parse_lifecycle(x, node, &def->on_reboot);
}

/* <on_crash>. */
static int parse_on_crash(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    return domain_def_os_parse_lifecycle(x, node, &def->on_crash);
}

/* Append a kept-as-written XML string to an array (aborts when out of memory). */
static void strings_append(char ***array, size_t *count, char *s)
{
    char **a = realloc(*array, (*count + 1) * sizeof(*a));
    if (!a)
        abort();
    a[(*count)++] = s;
    *array = a;
}

/* <metadata>: elements in their own namespaces, kept as written (libvirt's rule: an element
 * without a namespace has no owner, so it is refused rather than dropped). */
static int parse_metadata(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!c->ns)
            return xmlutil_error(x, c, (const char *)c->name,
                                 "<%s> in <metadata> needs a namespace of its own (e.g. <app:%s "
                                 "xmlns:app='https://example.org/app'>)",
                                 (const char *)c->name, (const char *)c->name);
        strings_append(&def->metadata, &def->nmetadata, xmlutil_serialize(c));
    }
    def->has_metadata = true;
    return 0;
}

/* The children <domain> may have, each at most once, and who reads them. */
static const struct {
    const char *name;
    int (*parse)(const struct xmlutil_ctx *x, const xmlNode *node, struct domain_def *def);
} top_elements[] = {
    {"name", parse_name},
    {"uuid", parse_uuid},
    {"metadata", parse_metadata},
    {"memory", parse_memory},
    {"currentMemory", parse_current_memory},
    {"vcpu", parse_vcpu},
    {"os", domain_def_os_parse},
    {"features", domain_def_os_parse_features},
    {"clock", domain_def_os_parse_clock},
    {"on_poweroff", parse_on_poweroff},
    {"on_reboot", parse_on_reboot},
    {"on_crash", parse_on_crash},
    {"devices", domain_def_devices_parse},
};

/* Index of a top-level element in top_elements (the table has it). */
static size_t top_index(const char *name)
{
    size_t i = 0;
    while (i < TABLE_LEN(top_elements) && strcmp(top_elements[i].name, name))
        i++;
    return i;
}

/* <domain type=... id=...>: the attributes of the root. */
static int parse_domain_attrs(const struct xmlutil_ctx *x, const xmlNode *root,
                              struct domain_def *def)
{
    static const char *const attrs[] = {"type", "id", NULL};
    if (xmlutil_check_attrs(x, root, attrs) < 0 || xmlutil_check_text(x, root) < 0)
        return -1;
    char *type = xmlutil_attr(root, "type");
    int t = type ? domain_virt_type_from_string(type) : DOMAIN_VIRT_XEN; /* seed: xen default */
    if (t < 0) {
        xmlutil_error(x, root, "type",
                      "unknown domain type '%s' (expected qemu, kvm, kqemu or xen)", type);
        free(type);
        return -1;
    }
    free(type);
    def->type = (enum domain_virt_type)t;
    char *id = xmlutil_attr(root, "id");
    if (id) {
        long long v;
        int rc = xmlutil_parse_ll(x, root, "id", "<domain> id", id, -1, INT32_MAX, &v);
        free(id);
        if (rc < 0)
            return -1;
        def->id = (int)v;
    }
    return 0;
}

/* Read the <domain> element into def and check what spans several elements. */
static int parse_domain(const struct xmlutil_ctx *x, const xmlNode *root, struct domain_def *def)
{
    const xmlNode *seen[TABLE_LEN(top_elements)] = {0};
    if (parse_domain_attrs(x, root, def) < 0)
        return -1;
    const char *names[TABLE_LEN(top_elements)];
    for (size_t i = 0; i < TABLE_LEN(top_elements); i++)
        names[i] = top_elements[i].name;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && c->ns) { /* e.g. <qemu:commandline>: kept */
            strings_append(&def->foreign, &def->nforeign, xmlutil_serialize(c));
            continue;
        }
        if (!xmlutil_is_ours(c))
            continue;
        size_t i = top_index((const char *)c->name);
        if (i == TABLE_LEN(top_elements))
            return xmlutil_unknown_among(x, c, names, TABLE_LEN(names));
        if (seen[i])
            return xmlutil_error(x, c, top_elements[i].name,
                                 "<%s> appears twice in <domain> (first on line %ld)",
                                 top_elements[i].name, xmlGetLineNo(seen[i]));
        seen[i] = c;
        if (top_elements[i].parse(x, c, def) < 0)
            return -1;
    }
    if (!def->name)
        return xmlutil_error(x, root, "name", "<domain> needs a <name>");
    if (!def->memory_kib)
        return xmlutil_error(x, root, "memory", "<domain> '%s' needs a <memory>", def->name);
    if (!def->os.type)
        return xmlutil_error(x, root, "os", "<domain> '%s' needs an <os> with a <type>", def->name);
    if (!def->current_memory_kib)
        def->current_memory_kib = def->memory_kib;
    if (def->current_memory_kib > def->memory_kib)
        return xmlutil_error(x, seen[top_index("currentMemory")], "currentMemory",
                             "<currentMemory> %llu KiB is more than <memory> %llu KiB",
                             def->current_memory_kib, def->memory_kib);
    if (!seen[top_index("uuid")])
        domain_uuid_generate(def->uuid);
    return domain_def_devices_finish(x, root, def);
}

/* Reject namespaced attributes anywhere at or below node, and namespaced elements except
 * where they are kept (children of <domain> and of <metadata>: not descended into). */
static int check_namespaces(const struct xmlutil_ctx *x, const xmlNode *node)
{
    for (const xmlAttr *a = node->properties; a; a = a->next)
        if (a->ns)
            return xmlutil_error(x, node, (const char *)a->name,
                                 "attribute %s:%s on <%s> is in namespace '%s'; vmdeck keeps "
                                 "foreign namespaces only on elements below <domain> or "
                                 "<metadata>",
                                 (const char *)a->ns->prefix, (const char *)a->name,
                                 (const char *)node->name, (const char *)a->ns->href);
    bool keeps = node->parent && (node->parent->type == XML_DOCUMENT_NODE ||
                                  !strcmp((const char *)node->name, "metadata"));
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (c->ns && keeps)
            continue;
        if (c->ns)
            return xmlutil_error(x, c, (const char *)c->name,
                                 "element <%s%s%s> in namespace '%s' inside <%s> is not "
                                 "supported (foreign elements are kept only as children of "
                                 "<domain> or <metadata>)",
                                 c->ns->prefix ? (const char *)c->ns->prefix : "",
                                 c->ns->prefix ? ":" : "", (const char *)c->name,
                                 (const char *)c->ns->href, (const char *)node->name);
        if (check_namespaces(x, c) < 0)
            return -1;
    }
    return 0;
}

static struct domain_def *domain_def_parse_string_checked(const char *xml, const char *source,
                                                          bool schema, struct vmerr *err);
static struct domain_def *domain_def_parse_doc_checked(const struct xmlutil_ctx *x,
                                                       struct _xmlDoc *doc, bool schema);

/* Parse domain XML text: hostile input and well-formedness first (xmlutil_read), then the
 * model's own checks with their precise messages, then the RelaxNG schema as a second net
 * (anything the model let through that the schema refuses is still an error). */
struct domain_def *domain_def_parse_string(const char *xml, const char *source, struct vmerr *err)
{
    return domain_def_parse_string_checked(xml, source, true, err);
}

/* The model's checks, then (with schema) the RelaxNG schema, on XML text. */
static struct domain_def *domain_def_parse_string_checked(const char *xml, const char *source,
                                                          bool schema, struct vmerr *err)
{
    struct xmlutil_ctx x = {source ? source : "<string>", err};
    xmlDocPtr doc = xmlutil_read(&x, xml, "domain");
    if (!doc)
        return NULL;
    struct domain_def *def = domain_def_parse_doc_checked(&x, doc, schema);
    xmlFreeDoc(doc);
    return def;
}

/* The model's checks, then (unless flags say otherwise) the schema, on a document
 * xmlutil_read accepted (see domain_def_parse_string). */
struct domain_def *domain_def_parse_doc(const struct xmlutil_ctx *x, struct _xmlDoc *doc,
                                        unsigned flags)
{
    return domain_def_parse_doc_checked(x, doc, !(flags & DOMAIN_DEF_PARSE_NO_SCHEMA));
}

/* domain_def_parse_doc, the schema only when asked for. */
static struct domain_def *domain_def_parse_doc_checked(const struct xmlutil_ctx *x,
                                                       struct _xmlDoc *doc, bool schema)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    struct domain_def *def = calloc(1, sizeof(*def));
    def->id = -1;
    def->vcpus = 1;
    def->on_poweroff = DOMAIN_LIFECYCLE_DESTROY;
    def->on_reboot = DOMAIN_LIFECYCLE_RESTART;
    def->on_crash = DOMAIN_LIFECYCLE_DESTROY;
    if (root->ns) {
        xmlutil_error(x, root, "domain", "<domain> must not be in a namespace (it is in '%s')",
                      (const char *)root->ns->href);
        domain_def_free(def);
        def = NULL;
    } else if (check_namespaces(x, root) < 0 || parse_domain(x, root, def) < 0 ||
               (schema && schema_validate(x, doc, "domain") < 0)) {
        domain_def_free(def);
        def = NULL;
    }
    return def;
}

/* Parse a domain XML file, with or without the schema; errors name the file. */
static struct domain_def *domain_def_parse_file_checked(const char *path, bool schema,
                                                        struct vmerr *err)
{
    char *xml = xmlutil_read_file(path, err); /* size, NUL bytes, "cannot read PATH" */
    if (!xml)
        return NULL;
    struct domain_def *def = domain_def_parse_string_checked(xml, path, schema, err);
    free(xml);
    return def;
}

/* Parse domain XML from a file; errors name the file. */
struct domain_def *domain_def_parse_file(const char *path, struct vmerr *err)
{
    return domain_def_parse_file_checked(path, true, err);
}

/* Parse a domain XML file known to have passed the schema unchanged since. */
struct domain_def *domain_def_parse_file_validated(const char *path, struct vmerr *err)
{
    return domain_def_parse_file_checked(path, false, err);
}
