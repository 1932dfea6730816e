/* capabilities: the in-memory capabilities document (see capabilities.h). Drivers and the
 * parser build it through the capabilities_add_* calls; lookups (guest by OS type and arch,
 * by emulator, machine by name or alias, domain type) serve the define-time checks and the
 * UI. The arch and OS type name tables live here. */
#include "engine/capabilities.h"

#include <stdlib.h>
#include <string.h>

/* Grow an array of n elements of size sz to hold one more; aborts on memory exhaustion. */
static void *capabilities_grow(void *array, size_t n, size_t sz)
{
    void *p = realloc(array, (n + 1) * sz);
    if (!p)
        abort(); /* memory exhaustion is not recoverable */
    memset((char *)p + n * sz, 0, sz);
    return p;
}

/* strdup that aborts on memory exhaustion; NULL stays NULL. */
static char *capabilities_strdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

/* OS types of capabilities XML (libvirt's capability.rng). */
static const char *const capabilities_os_types[] = {"hvm", "xen", "linux", "exe", "uml"};

/* Arch names libvirt knows (basictypes.rng archnames). */
static const char *const capabilities_archs[] = {
    "aarch64",  "alpha",    "armv6l",     "armv7l",       "cris",   "i686",     "ia64",
    "lm32",     "m68k",     "microblaze", "microblazeel", "mips",   "mipsel",   "mips64",
    "mips64el", "openrisc", "parisc",     "parisc64",     "ppc",    "ppc64",    "ppc64le",
    "ppcemb",   "riscv32",  "riscv64",    "s390",         "s390x",  "sh4",      "sh4eb",
    "sparc",    "sparc64",  "unicore32",  "x86_64",       "xtensa", "xtensaeb",
};

/* Whether name is in a table of n strings. */
static bool capabilities_in_table(const char *const *table, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(table[i], name))
            return true;
    return false;
}

/* Whether name is an OS type of capabilities XML. */
bool capabilities_os_type_valid(const char *name)
{
    return capabilities_in_table(capabilities_os_types,
                                 sizeof(capabilities_os_types) / sizeof(capabilities_os_types[0]),
                                 name);
}

/* Whether name is an arch libvirt knows. */
bool capabilities_arch_valid(const char *name)
{
    return capabilities_in_table(capabilities_archs,
                                 sizeof(capabilities_archs) / sizeof(capabilities_archs[0]), name);
}

/* An empty document for a host arch. */
struct capabilities *capabilities_new(const char *host_arch)
{
    struct capabilities *caps = calloc(1, sizeof(*caps));
    if (!caps)
        abort();
    caps->host.arch = capabilities_strdup(host_arch);
    return caps;
}

/* Free a machine list. */
static void capabilities_machines_free(struct capabilities_machine *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].name);
        free(m[i].canonical);
    }
    free(m);
}

/* Free one guest's contents. */
static void capabilities_guest_clear(struct capabilities_guest *g)
{
    free(g->os_type);
    free(g->arch);
    free(g->emulator);
    free(g->loader);
    capabilities_machines_free(g->machines, g->nmachines);
    for (size_t i = 0; i < g->ndomains; i++) {
        free(g->domains[i].type);
        free(g->domains[i].emulator);
        capabilities_machines_free(g->domains[i].machines, g->domains[i].nmachines);
    }
    free(g->domains);
    for (size_t i = 0; i < g->nfeatures; i++)
        free(g->features[i].name);
    free(g->features);
}

/* Free the document. */
void capabilities_free(struct capabilities *caps)
{
    if (!caps)
        return;
    free(caps->host.arch);
    for (size_t i = 0; i < caps->host.nfeatures; i++)
        free(caps->host.features[i]);
    free(caps->host.features);
    for (size_t i = 0; i < caps->nguests; i++)
        capabilities_guest_clear(&caps->guests[i]);
    free(caps->guests);
    free(caps);
}

/* Add a host CPU feature once. */
void capabilities_add_host_feature(struct capabilities *caps, const char *name)
{
    for (size_t i = 0; i < caps->host.nfeatures; i++)
        if (!strcmp(caps->host.features[i], name))
            return;
    caps->host.features =
        capabilities_grow(caps->host.features, caps->host.nfeatures, sizeof(char *));
    caps->host.features[caps->host.nfeatures++] = capabilities_strdup(name);
}

/* Append a guest. */
struct capabilities_guest *capabilities_add_guest(struct capabilities *caps, const char *os_type,
                                                  const char *arch, unsigned wordsize,
                                                  const char *emulator, const char *loader)
{
    caps->guests = capabilities_grow(caps->guests, caps->nguests, sizeof(*caps->guests));
    struct capabilities_guest *g = &caps->guests[caps->nguests++];
    g->os_type = capabilities_strdup(os_type);
    g->arch = capabilities_strdup(arch);
    g->wordsize = wordsize;
    g->emulator = capabilities_strdup(emulator);
    g->loader = capabilities_strdup(loader);
    return g;
}

/* Append a machine to an array. */
static void capabilities_machine_append(struct capabilities_machine **m, size_t *n,
                                        const char *name, const char *canonical, bool deprecated)
{
    *m = capabilities_grow(*m, *n, sizeof(**m));
    struct capabilities_machine *x = &(*m)[(*n)++];
    x->name = capabilities_strdup(name);
    x->canonical = capabilities_strdup(canonical);
    x->deprecated = deprecated;
}

/* Append a machine to a guest arch. */
void capabilities_add_machine(struct capabilities_guest *guest, const char *name,
                              const char *canonical, bool deprecated)
{
    capabilities_machine_append(&guest->machines, &guest->nmachines, name, canonical, deprecated);
}

/* Append a domain type to a guest arch. */
struct capabilities_domain *capabilities_add_domain(struct capabilities_guest *guest,
                                                    const char *type)
{
    guest->domains = capabilities_grow(guest->domains, guest->ndomains, sizeof(*guest->domains));
    struct capabilities_domain *d = &guest->domains[guest->ndomains++];
    d->type = capabilities_strdup(type);
    return d;
}

/* Append a guest feature. */
void capabilities_add_feature(struct capabilities_guest *guest, const char *name, bool has_toggle,
                              bool toggle, bool default_on)
{
    guest->features =
        capabilities_grow(guest->features, guest->nfeatures, sizeof(*guest->features));
    struct capabilities_feature *f = &guest->features[guest->nfeatures++];
    f->name = capabilities_strdup(name);
    f->has_toggle = has_toggle;
    f->toggle = toggle;
    f->default_on = default_on;
}

/* Whether two OS type names mean the same ("linux" is the old name of "xen"). */
static bool capabilities_same_os_type(const char *a, const char *b)
{
    if (!strcmp(a, "linux"))
        a = "xen";
    if (!strcmp(b, "linux"))
        b = "xen";
    return !strcmp(a, b);
}

/* The guest for an OS type and arch. */
const struct capabilities_guest *capabilities_find_guest(const struct capabilities *caps,
                                                         const char *os_type, const char *arch)
{
    if (!arch)
        arch = caps->host.arch;
    for (size_t i = 0; arch && i < caps->nguests; i++) {
        const struct capabilities_guest *g = &caps->guests[i];
        if (g->os_type && g->arch && capabilities_same_os_type(g->os_type, os_type) &&
            !strcmp(g->arch, arch))
            return g;
    }
    return NULL;
}

/* The guest using the emulator at path. */
const struct capabilities_guest *capabilities_find_emulator(const struct capabilities *caps,
                                                            const char *path)
{
    for (size_t i = 0; i < caps->nguests; i++) {
        const struct capabilities_guest *g = &caps->guests[i];
        if (g->emulator && !strcmp(g->emulator, path))
            return g;
        for (size_t j = 0; j < g->ndomains; j++)
            if (g->domains[j].emulator && !strcmp(g->domains[j].emulator, path))
                return g;
    }
    return NULL;
}

/* Whether a guest lists a domain type. */
bool capabilities_has_domain(const struct capabilities_guest *guest, const char *type)
{
    for (size_t i = 0; i < guest->ndomains; i++)
        if (!strcmp(guest->domains[i].type, type))
            return true;
    return false;
}

/* A machine of a guest by name or alias (machines of its domain types count too). */
const struct capabilities_machine *capabilities_find_machine(const struct capabilities_guest *guest,
                                                             const char *name)
{
    for (size_t i = 0; i < guest->nmachines; i++)
        if (!strcmp(guest->machines[i].name, name))
            return &guest->machines[i];
    for (size_t i = 0; i < guest->ndomains; i++)
        for (size_t j = 0; j < guest->domains[i].nmachines; j++)
            if (!strcmp(guest->domains[i].machines[j].name, name))
                return &guest->domains[i].machines[j];
    return NULL;
}
