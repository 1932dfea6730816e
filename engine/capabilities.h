/* capabilities: the model of capabilities XML, libvirt's answer to "what can this host run":
 * the host CPU (arch, virtualization features) and one <guest> per OS type and arch with its
 * word size, emulator, machine types, the domain types that really run there and the guest
 * features. Drivers build a struct capabilities (the QEMU driver from the emulators it finds,
 * the test driver from fixed data); the engine formats it (capabilities_format, today's
 * libvirt spelling); capabilities_parse_* reads the seed's 2007 spelling and today's, for
 * `vmdeck validate` and round trips. The host probe (/proc/cpuinfo, uname) is in
 * capabilities-host.c. */
#ifndef VMDECK_CAPABILITIES_H
#define VMDECK_CAPABILITIES_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/vmerr.h"

/* One <machine>: a machine type an emulator offers. */
struct capabilities_machine {
    char *name;        /* "pc", "pc-i440fx-7.2", "q35" ... */
    char *canonical;   /* the machine this name is an alias of ("pc" -> "pc-i440fx-7.2") */
    unsigned max_cpus; /* maxCpus; 0 = unknown (not written) */
    bool deprecated;   /* deprecated='yes' */
};

/* One <domain type=...> of a guest arch: a hypervisor type that really runs it here. */
struct capabilities_domain {
    char *type;     /* "qemu", "kvm", "kqemu", "xen", "test" ... */
    char *emulator; /* an emulator for this type only (libvirt allows one); NULL = the arch's */
    struct capabilities_machine *machines; /* machines for this type only (rare) */
    size_t nmachines;
};

/* One guest feature (<pae/>, <acpi default='on' toggle='yes'/> ...). */
struct capabilities_feature {
    char *name;
    bool has_toggle; /* default= and toggle= are written */
    bool toggle;     /* the domain XML may switch it (toggle='yes') */
    bool default_on; /* default='on' */
};

/* One <guest>: an OS type on an arch. */
struct capabilities_guest {
    char *os_type;     /* "hvm" or "xen" (the legacy "linux" is read as "xen") */
    char *arch;        /* libvirt's arch names: x86_64, i686, aarch64 ... */
    unsigned wordsize; /* 32 or 64 (31 for s390) */
    char *emulator;    /* NULL when the hypervisor needs none */
    char *loader;      /* Xen HVM firmware; NULL when none */
    struct capabilities_machine *machines;
    size_t nmachines;
    struct capabilities_domain *domains;
    size_t ndomains;
    struct capabilities_feature *features;
    size_t nfeatures;
};

/* <host>: what the host CPU is and can do. */
struct capabilities_host {
    char *arch;      /* x86_64, i686, aarch64 ... */
    char **features; /* host CPU features libvirt lists: vmx, svm, pae, nonpae */
    size_t nfeatures;
};

/* The whole document. */
struct capabilities {
    struct capabilities_host host;
    struct capabilities_guest *guests;
    size_t nguests;
};

/* ---- the model (capabilities.c) ---- */

/* An empty document for a host of arch host_arch (copied). Aborts on memory exhaustion. */
struct capabilities *capabilities_new(const char *host_arch);
/* Free caps and everything it owns. NULL is fine. */
void capabilities_free(struct capabilities *caps);
/* Add a host CPU feature (no duplicates). */
void capabilities_add_host_feature(struct capabilities *caps, const char *name);
/* Add a guest; emulator and loader may be NULL. The pointer stays valid until the next
 * capabilities_add_guest on caps. */
struct capabilities_guest *capabilities_add_guest(struct capabilities *caps, const char *os_type,
                                                  const char *arch, unsigned wordsize,
                                                  const char *emulator, const char *loader);
/* Add a machine to a guest arch (canonical may be NULL). */
void capabilities_add_machine(struct capabilities_guest *guest, const char *name,
                              const char *canonical, bool deprecated);
/* Add a domain type to a guest arch; the pointer stays valid until the next add on guest. */
struct capabilities_domain *capabilities_add_domain(struct capabilities_guest *guest,
                                                    const char *type);
/* Add a guest feature; with has_toggle, toggle/default_on are written too. */
void capabilities_add_feature(struct capabilities_guest *guest, const char *name, bool has_toggle,
                              bool toggle, bool default_on);

/* The guest for os_type ("linux" matches "xen") on arch (NULL = the host's arch); NULL if
 * the document has none. */
const struct capabilities_guest *capabilities_find_guest(const struct capabilities *caps,
                                                         const char *os_type, const char *arch);
/* The guest entry whose emulator (or one of its domains' emulators) is path; NULL if none. */
const struct capabilities_guest *capabilities_find_emulator(const struct capabilities *caps,
                                                            const char *path);
/* Whether guest lists domain type. */
bool capabilities_has_domain(const struct capabilities_guest *guest, const char *type);
/* The machine called name (an alias or a canonical name) of guest, NULL if not listed. */
const struct capabilities_machine *capabilities_find_machine(const struct capabilities_guest *guest,
                                                             const char *name);
/* Whether name is an OS type capabilities XML knows ("hvm", "xen", "linux", "exe", "uml"). */
bool capabilities_os_type_valid(const char *name);
/* Whether name is an arch name libvirt knows (x86_64, i686, aarch64 ...). */
bool capabilities_arch_valid(const char *name);

/* ---- XML (capabilities-format.c, capabilities-parse.c) ---- */

/* The document as XML in today's libvirt spelling and element order; caller frees. */
char *capabilities_format(const struct capabilities *caps);
/* Parse capabilities XML (the seed's spelling or today's); source names it in errors. The
 * model parser gives the precise message first, then capabilities.rng has the last word. */
struct capabilities *capabilities_parse_string(const char *xml, const char *source,
                                               struct vmerr *err);
/* Parse a capabilities XML file (errors name the file). */
struct capabilities *capabilities_parse_file(const char *path, struct vmerr *err);

/* ---- the host (capabilities-host.c) ---- */

/* libvirt's name for the arch the kernel reports (uname -m; i386..i686 -> i686); caller
 * frees. */
char *capabilities_host_arch(void);
/* Add the host CPU features that capabilities XML lists (vmx, svm, pae) found in the
 * "flags" line of /proc/cpuinfo text; returns how many "flags" lines were read (0 when the
 * text has none, e.g. on non-x86 hosts). */
int capabilities_host_parse_cpuinfo(struct capabilities *caps, const char *cpuinfo);
/* A document with the running host's <host> filled in: arch from uname, features from
 * cpuinfo_path (NULL = /proc/cpuinfo; an unreadable file only leaves the features out). */
struct capabilities *capabilities_host_probe(const char *cpuinfo_path);

#endif
