/* capabilities-parse: capabilities XML text flows in (the seed's 2007 spelling, where
 * <emulator> may follow <domain> and <loader> the machines, or today's libvirt spelling),
 * is read into struct capabilities with precise one-line errors (line and element or
 * attribute), and then checked against engine/schemas/capabilities.rng, which has the last
 * word. Unknown elements and attributes are errors, so nothing is silently dropped. */
#include "engine/capabilities.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "engine/schema.h"
#include "engine/store.h"
#include "engine/xmlutil.h"

/* Host CPU features capabilities XML has (libvirt's cputypes.rng hostcpu). */
static const char *const capabilities_parse_host_features[] = {"pae", "nonpae", "vmx", "svm"};

/* Guest features: name, and whether default=/toggle= may be given. */
static const struct {
    const char *name;
    bool toggles;
} capabilities_parse_guest_features[] = {
    {"pae", false},        {"nonpae", false},      {"ia64_be", false},
    {"acpi", true},        {"apic", true},         {"cpuselection", false},
    {"deviceboot", false}, {"disksnapshot", true}, {"hap", true},
};

/* Domain types capabilities XML has (libvirt's capability.rng). */
static const char *const capabilities_parse_domain_types[] = {
    "qemu", "kqemu", "kvm", "xen", "uml", "lxc", "openvz", "test",
};

#define CAPS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Whether name is one of n strings. */
static bool capabilities_parse_known(const char *const *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(table[i], name))
            return true;
    return false;
}

/* The element's name as a C string. */
static const char *capabilities_parse_name(const xmlNode *node)
{
    return (const char *)node->name;
}

/* The stripped text of a leaf element that must not be empty; NULL with an error. */
static char *capabilities_parse_leaf(const struct xmlutil_ctx *x, const xmlNode *node)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_leaf(x, node) < 0)
        return NULL;
    char *raw = xmlutil_text(node), *text = xmlutil_strip(raw);
    free(raw);
    if (!*text) {
        xmlutil_error(x, node, capabilities_parse_name(node), "<%s> is empty",
                      capabilities_parse_name(node));
        free(text);
        return NULL;
    }
    return text;
}

/* A leaf holding an absolute path (<emulator>, <loader>); NULL with an error. */
static char *capabilities_parse_path(const struct xmlutil_ctx *x, const xmlNode *node)
{
    char *text = capabilities_parse_leaf(x, node);
    if (text && text[0] != '/') {
        xmlutil_error(x, node, capabilities_parse_name(node), "<%s> '%s' is not an absolute path",
                      capabilities_parse_name(node), text);
        free(text);
        return NULL;
    }
    return text;
}

/* Error for an element that may appear only once in its parent. */
static int capabilities_parse_twice(const struct xmlutil_ctx *x, const xmlNode *node)
{
    return xmlutil_error(x, node, capabilities_parse_name(node), "<%s> appears twice in <%s>",
                         capabilities_parse_name(node), capabilities_parse_name(node->parent));
}

/* <machine canonical= maxCpus= deprecated=>NAME</machine> appended to *m. */
static int capabilities_parse_machine(const struct xmlutil_ctx *x, const xmlNode *node,
                                      struct capabilities_machine **m, size_t *n)
{
    static const char *const attrs[] = {"canonical", "maxCpus", "deprecated", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_leaf(x, node) < 0)
        return -1;
    char *raw = xmlutil_text(node), *name = xmlutil_strip(raw);
    free(raw);
    char *canonical = xmlutil_attr(node, "canonical"), *max = xmlutil_attr(node, "maxCpus"),
         *dep = xmlutil_attr(node, "deprecated");
    long long max_cpus = 0;
    bool deprecated = false;
    int rc = 0;
    if (!*name)
        rc = xmlutil_error(x, node, "machine", "<machine> is empty");
    else if (canonical && !*canonical)
        rc = xmlutil_error(x, node, "canonical", "<machine> '%s': canonical is empty", name);
    else if (max && xmlutil_parse_ll(x, node, "maxCpus", "<machine> maxCpus", max, 1, 4294967295LL,
                                     &max_cpus) < 0)
        rc = -1;
    else if (dep && xmlutil_parse_yesno(x, node, "deprecated", dep, &deprecated) < 0)
        rc = -1;
    if (rc == 0) {
        *m = realloc(*m, (*n + 1) * sizeof(**m));
        if (!*m)
            abort(); /* memory exhaustion is not recoverable */
        (*m)[*n] = (struct capabilities_machine){
            .name = name,
            .canonical = canonical,
            .max_cpus = (unsigned)max_cpus,
            .deprecated = deprecated,
        };
        (*n)++;
        name = canonical = NULL;
    }
    free(name);
    free(canonical);
    free(max);
    free(dep);
    return rc;
}

/* <domain type=...> with optional <emulator> and <machine> children. */
static int capabilities_parse_domain(const struct xmlutil_ctx *x, const xmlNode *node,
                                     struct capabilities_guest *g)
{
    static const char *const attrs[] = {"type", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    char *type = xmlutil_attr(node, "type");
    if (!type)
        return xmlutil_error(x, node, "type", "<domain> needs a type attribute");
    if (!capabilities_parse_known(capabilities_parse_domain_types,
                                  CAPS_COUNT(capabilities_parse_domain_types), type)) {
        xmlutil_error(x, node, "type", "<domain> type '%s' is not a known hypervisor type", type);
        free(type);
        return -1;
    }
    struct capabilities_domain *d = capabilities_add_domain(g, type);
    free(type);
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlutil_is_ours(c))
            return xmlutil_unknown(x, c);
        const char *name = capabilities_parse_name(c);
        if (!strcmp(name, "emulator")) {
            if (d->emulator)
                return capabilities_parse_twice(x, c);
            if (!(d->emulator = capabilities_parse_path(x, c)))
                return -1;
        } else if (!strcmp(name, "machine")) {
            if (capabilities_parse_machine(x, c, &d->machines, &d->nmachines) < 0)
                return -1;
        } else {
            return xmlutil_unknown(x, c);
        }
    }
    return 0;
}

/* <arch name=...>: wordsize, emulator, loader, machines and domain types, in any order (the
 * seed puts <emulator> after <domain>). */
static int capabilities_parse_arch(const struct xmlutil_ctx *x, const xmlNode *node,
                                   struct capabilities_guest *g)
{
    static const char *const attrs[] = {"name", NULL};
    if (xmlutil_check_attrs(x, node, attrs) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    g->arch = xmlutil_attr(node, "name");
    if (!g->arch)
        return xmlutil_error(x, node, "name", "<arch> needs a name attribute");
    if (!capabilities_arch_valid(g->arch))
        return xmlutil_error(x, node, "name", "<arch> name '%s' is not an architecture", g->arch);
    bool have_wordsize = false;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlutil_is_ours(c))
            return xmlutil_unknown(x, c);
        const char *name = capabilities_parse_name(c);
        if (!strcmp(name, "wordsize")) {
            if (have_wordsize)
                return capabilities_parse_twice(x, c);
            char *text = capabilities_parse_leaf(x, c);
            long long w = 0;
            int rc = text ? xmlutil_parse_ll(x, c, "wordsize", "<wordsize>", text, 0, 64, &w) : -1;
            free(text);
            if (rc < 0)
                return -1;
            if (w != 31 && w != 32 && w != 64)
                return xmlutil_error(x, c, "wordsize", "<wordsize> %lld is not 31, 32 or 64", w);
            g->wordsize = (unsigned)w;
            have_wordsize = true;
        } else if (!strcmp(name, "emulator") || !strcmp(name, "loader")) {
            char **slot = name[0] == 'e' ? &g->emulator : &g->loader;
            if (*slot)
                return capabilities_parse_twice(x, c);
            if (!(*slot = capabilities_parse_path(x, c)))
                return -1;
        } else if (!strcmp(name, "machine")) {
            if (capabilities_parse_machine(x, c, &g->machines, &g->nmachines) < 0)
                return -1;
        } else if (!strcmp(name, "domain")) {
            if (capabilities_parse_domain(x, c, g) < 0)
                return -1;
        } else {
            return xmlutil_unknown(x, c);
        }
    }
    if (!have_wordsize)
        return xmlutil_error(x, node, "wordsize", "<arch name='%s'> needs a <wordsize>", g->arch);
    if (!g->ndomains)
        return xmlutil_error(x, node, "domain", "<arch name='%s'> needs at least one <domain>",
                             g->arch);
    return 0;
}

/* The guest feature table index for name, -1 when unknown. */
static int capabilities_parse_feature_index(const char *name)
{
    for (size_t i = 0; i < CAPS_COUNT(capabilities_parse_guest_features); i++)
        if (!strcmp(capabilities_parse_guest_features[i].name, name))
            return (int)i;
    return -1;
}

/* One guest feature: <pae/>, <acpi default='on' toggle='yes'/> ... */
static int capabilities_parse_feature(const struct xmlutil_ctx *x, const xmlNode *node,
                                      struct capabilities_guest *g)
{
    const char *name = capabilities_parse_name(node);
    int idx = capabilities_parse_feature_index(name);
    if (idx < 0)
        return xmlutil_error(x, node, name, "unknown guest feature <%s> in <features>", name);
    static const char *const toggles[] = {"default", "toggle", NULL};
    if (xmlutil_check_attrs(x, node,
                            capabilities_parse_guest_features[idx].toggles ? toggles : NULL) < 0 ||
        xmlutil_check_empty(x, node) < 0)
        return -1;
    for (size_t i = 0; i < g->nfeatures; i++)
        if (!strcmp(g->features[i].name, name))
            return capabilities_parse_twice(x, node);
    char *def = xmlutil_attr(node, "default"), *tog = xmlutil_attr(node, "toggle");
    bool toggle = false, on = false;
    int rc = 0;
    if (!def != !tog)
        rc = xmlutil_error(x, node, def ? "toggle" : "default",
                           "<%s> needs both default= and toggle= (or neither)", name);
    else if (def && strcmp(def, "on") && strcmp(def, "off"))
        rc =
            xmlutil_error(x, node, "default", "<%s> default='%s' must be 'on' or 'off'", name, def);
    else if (tog && xmlutil_parse_yesno(x, node, "toggle", tog, &toggle) < 0)
        rc = -1;
    on = def && !strcmp(def, "on");
    if (rc == 0)
        capabilities_add_feature(g, name, def != NULL, toggle, on);
    free(def);
    free(tog);
    return rc;
}

/* <features> of a guest. */
static int capabilities_parse_features(const struct xmlutil_ctx *x, const xmlNode *node,
                                       struct capabilities_guest *g)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlutil_is_ours(c))
            return xmlutil_unknown(x, c);
        if (capabilities_parse_feature(x, c, g) < 0)
            return -1;
    }
    return 0;
}

/* <guest>: os_type, arch and features (each once, any order). */
static int capabilities_parse_guest(const struct xmlutil_ctx *x, const xmlNode *node,
                                    struct capabilities *caps)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    struct capabilities_guest *g = capabilities_add_guest(caps, NULL, NULL, 0, NULL, NULL);
    bool have_arch = false, have_features = false;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlutil_is_ours(c))
            return xmlutil_unknown(x, c);
        const char *name = capabilities_parse_name(c);
        if (!strcmp(name, "os_type")) {
            if (g->os_type)
                return capabilities_parse_twice(x, c);
            if (!(g->os_type = capabilities_parse_leaf(x, c)))
                return -1;
            if (!capabilities_os_type_valid(g->os_type))
                return xmlutil_error(x, c, "os_type",
                                     "<os_type> '%s' is not one of hvm, xen, linux, exe, uml",
                                     g->os_type);
            if (!strcmp(g->os_type, "linux")) { /* the seed's name for Xen paravirt */
                free(g->os_type);
                g->os_type = strdup("xen");
            }
        } else if (!strcmp(name, "arch")) {
            if (have_arch)
                return capabilities_parse_twice(x, c);
            have_arch = true;
            if (capabilities_parse_arch(x, c, g) < 0)
                return -1;
        } else if (!strcmp(name, "features")) {
            if (have_features)
                return capabilities_parse_twice(x, c);
            have_features = true;
            if (capabilities_parse_features(x, c, g) < 0)
                return -1;
        } else {
            return xmlutil_unknown(x, c);
        }
    }
    if (!g->os_type)
        return xmlutil_error(x, node, "os_type", "<guest> needs an <os_type>");
    if (!have_arch)
        return xmlutil_error(x, node, "arch", "<guest> needs an <arch>");
    return 0;
}

/* <cpu> of the host: <arch> and optional <features>. */
static int capabilities_parse_cpu(const struct xmlutil_ctx *x, const xmlNode *node,
                                  struct capabilities *caps)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    bool have_features = false;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlutil_is_ours(c))
            return xmlutil_unknown(x, c);
        const char *name = capabilities_parse_name(c);
        if (!strcmp(name, "arch")) {
            if (caps->host.arch)
                return capabilities_parse_twice(x, c);
            if (!(caps->host.arch = capabilities_parse_leaf(x, c)))
                return -1;
            if (!capabilities_arch_valid(caps->host.arch))
                return xmlutil_error(x, c, "arch", "<arch> '%s' is not an architecture",
                                     caps->host.arch);
        } else if (!strcmp(name, "features")) {
            if (have_features)
                return capabilities_parse_twice(x, c);
            have_features = true;
            if (xmlutil_check_attrs(x, c, NULL) < 0 || xmlutil_check_text(x, c) < 0)
                return -1;
            for (const xmlNode *f = c->children; f; f = f->next) {
                if (f->type != XML_ELEMENT_NODE)
                    continue;
                const char *fname = capabilities_parse_name(f);
                if (!xmlutil_is_ours(f) ||
                    !capabilities_parse_known(capabilities_parse_host_features,
                                              CAPS_COUNT(capabilities_parse_host_features), fname))
                    return xmlutil_error(x, f, fname,
                                         "unknown host CPU feature <%s> (known: pae, nonpae, "
                                         "vmx, svm)",
                                         fname);
                if (xmlutil_check_attrs(x, f, NULL) < 0 || xmlutil_check_empty(x, f) < 0)
                    return -1;
                for (size_t i = 0; i < caps->host.nfeatures; i++)
                    if (!strcmp(caps->host.features[i], fname))
                        return capabilities_parse_twice(x, f);
                capabilities_add_host_feature(caps, fname);
            }
        } else {
            return xmlutil_unknown(x, c);
        }
    }
    if (!caps->host.arch)
        return xmlutil_error(x, node, "arch", "<cpu> needs an <arch>");
    return 0;
}

/* <host>: one <cpu>. */
static int capabilities_parse_host(const struct xmlutil_ctx *x, const xmlNode *node,
                                   struct capabilities *caps)
{
    if (xmlutil_check_attrs(x, node, NULL) < 0 || xmlutil_check_text(x, node) < 0)
        return -1;
    bool have_cpu = false;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlutil_is_ours(c) || strcmp(capabilities_parse_name(c), "cpu"))
            return xmlutil_unknown(x, c);
        if (have_cpu)
            return capabilities_parse_twice(x, c);
        have_cpu = true;
        if (capabilities_parse_cpu(x, c, caps) < 0)
            return -1;
    }
    if (!have_cpu)
        return xmlutil_error(x, node, "cpu", "<host> needs a <cpu>");
    return 0;
}

/* <capabilities>: one <host>, then guests. */
static int capabilities_parse_root(const struct xmlutil_ctx *x, const xmlNode *root,
                                   struct capabilities *caps)
{
    if (xmlutil_check_attrs(x, root, NULL) < 0 || xmlutil_check_text(x, root) < 0)
        return -1;
    bool have_host = false;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlutil_is_ours(c))
            return xmlutil_unknown(x, c);
        const char *name = capabilities_parse_name(c);
        if (!strcmp(name, "host")) {
            if (have_host)
                return capabilities_parse_twice(x, c);
            have_host = true;
            if (capabilities_parse_host(x, c, caps) < 0)
                return -1;
        } else if (!strcmp(name, "guest")) {
            if (capabilities_parse_guest(x, c, caps) < 0)
                return -1;
        } else {
            return xmlutil_unknown(x, c);
        }
    }
    if (!have_host)
        return xmlutil_error(x, root, "host", "<capabilities> needs a <host>");
    return 0;
}

/* Parse capabilities XML text: well-formedness, our checks, then the schema. */
struct capabilities *capabilities_parse_string(const char *xml, const char *source,
                                               struct vmerr *err)
{
    struct xmlutil_ctx x = {source ? source : "<string>", err};
    xmlDocPtr doc = xmlutil_read(&x, xml, "capabilities");
    if (!doc)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    struct capabilities *caps = capabilities_new(NULL);
    if (xmlutil_check_namespaces(&x, root) < 0 || capabilities_parse_root(&x, root, caps) < 0 ||
        schema_validate(&x, doc, "capabilities") < 0) {
        capabilities_free(caps);
        caps = NULL;
    }
    xmlFreeDoc(doc);
    return caps;
}

/* Parse a capabilities XML file; errors name the file. */
struct capabilities *capabilities_parse_file(const char *path, struct vmerr *err)
{
    size_t len = 0;
    char *xml = store_read_file(path, &len, err);
    if (!xml)
        return NULL;
    struct capabilities *caps = NULL;
    if (strlen(xml) != len)
        vmerr_set_xml(err, path, 0, "", "the file contains a NUL byte; it is not XML text");
    else
        caps = capabilities_parse_string(xml, path, err);
    free(xml);
    return caps;
}
