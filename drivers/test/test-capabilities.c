/* test-capabilities: nothing flows in; a fixed struct capabilities flows out, built with the
 * same model calls the QEMU driver uses (see test-capabilities.h). */
#include "drivers/test/test-capabilities.h"

#include <stddef.h>

/* Machines of both guests: canonical names, then the aliases QEMU 7.2 gives them. */
static const struct {
    const char *name;
    const char *canonical;
} test_capabilities_machines[] = {
    {"pc-i440fx-7.2", NULL}, {"pc", "pc-i440fx-7.2"}, {"pc-q35-7.2", NULL},
    {"q35", "pc-q35-7.2"},   {"isapc", NULL},
};

/* The guests: arch, word size, emulator. */
static const struct {
    const char *arch;
    unsigned wordsize;
    const char *emulator;
} test_capabilities_guests[] = {
    {"i686", 32, "/usr/bin/qemu-system-i386"},
    {"x86_64", 64, "/usr/bin/qemu-system-x86_64"},
};

/* Build the fixed document. */
struct capabilities *test_capabilities_get(struct engine_conn *conn, struct vmerr *err)
{
    (void)conn;
    (void)err;
    struct capabilities *caps = capabilities_new("x86_64");
    capabilities_add_host_feature(caps, "pae");
    capabilities_add_host_feature(caps, "vmx");
    for (size_t i = 0; i < sizeof(test_capabilities_guests) / sizeof(test_capabilities_guests[0]);
         i++) {
        struct capabilities_guest *g = capabilities_add_guest(
            caps, "hvm", test_capabilities_guests[i].arch, test_capabilities_guests[i].wordsize,
            test_capabilities_guests[i].emulator, NULL);
        for (size_t m = 0;
             m < sizeof(test_capabilities_machines) / sizeof(test_capabilities_machines[0]); m++)
            capabilities_add_machine(g, test_capabilities_machines[m].name,
                                     test_capabilities_machines[m].canonical, false);
        capabilities_add_domain(g, "qemu");
        capabilities_add_domain(g, "kvm");
        if (g->wordsize == 32) {
            capabilities_add_feature(g, "pae", false, false, false);
            capabilities_add_feature(g, "nonpae", false, false, false);
        }
        capabilities_add_feature(g, "acpi", true, true, true);
        capabilities_add_feature(g, "apic", true, false, true);
    }
    return caps;
}
