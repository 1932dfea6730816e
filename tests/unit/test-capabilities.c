/* test-capabilities: the capabilities model and its XML with the real libxml2 parser and the
 * real capabilities.rng (exact text we write, the seed's 2007 spelling, round trips, errors
 * with line and field); the host probe on /proc/cpuinfo fixtures; machine lists from a
 * captured `qemu-system-x86_64 -machine help` and from the installed QEMU itself; the probe
 * cache (a second call spawns no QEMU, a stale entry is asked again); the KVM probe's
 * definite answer with its reason; the test driver's fixed document through the engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drivers/qemu/qemu-capabilities.h"
#include "engine/capabilities.h"
#include "engine/engine.h"
#include "engine/store.h"
#include "testutil.h"

/* Everything the model has, in today's spelling, exactly as capabilities_format writes it. */
static const char full_xml[] =
    "<capabilities>\n"
    "\n"
    "  <host>\n"
    "    <cpu>\n"
    "      <arch>x86_64</arch>\n"
    "      <features>\n"
    "        <vmx/>\n"
    "        <pae/>\n"
    "      </features>\n"
    "    </cpu>\n"
    "  </host>\n"
    "\n"
    "  <guest>\n"
    "    <os_type>hvm</os_type>\n"
    "    <arch name='i686'>\n"
    "      <wordsize>32</wordsize>\n"
    "      <emulator>/usr/bin/qemu-system-i386</emulator>\n"
    "      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>\n"
    "      <machine maxCpus='255'>pc-i440fx-7.2</machine>\n"
    "      <machine deprecated='yes'>pc-i440fx-1.4</machine>\n"
    "      <domain type='qemu'/>\n"
    "      <domain type='kvm'>\n"
    "        <emulator>/usr/bin/qemu-kvm</emulator>\n"
    "        <machine>pc-kvm</machine>\n"
    "      </domain>\n"
    "    </arch>\n"
    "    <features>\n"
    "      <pae/>\n"
    "      <nonpae/>\n"
    "      <acpi default='on' toggle='yes'/>\n"
    "      <apic default='off' toggle='no'/>\n"
    "    </features>\n"
    "  </guest>\n"
    "\n"
    "  <guest>\n"
    "    <os_type>xen</os_type>\n"
    "    <arch name='x86_64'>\n"
    "      <wordsize>64</wordsize>\n"
    "      <emulator>/usr/lib/xen/bin/qemu-dm</emulator>\n"
    "      <loader>/usr/lib/xen/boot/hvmloader</loader>\n"
    "      <domain type='xen'/>\n"
    "    </arch>\n"
    "  </guest>\n"
    "\n"
    "</capabilities>\n";

/* The seed's document as we write it: libvirt's order inside <arch>, no empty <features>. */
static const char seed_formatted[] = "<capabilities>\n"
                                     "\n"
                                     "  <host>\n"
                                     "    <cpu>\n"
                                     "      <arch>x86_64</arch>\n"
                                     "      <features>\n"
                                     "        <vmx/>\n"
                                     "      </features>\n"
                                     "    </cpu>\n"
                                     "  </host>\n"
                                     "\n"
                                     "  <guest>\n"
                                     "    <os_type>xen</os_type>\n"
                                     "    <arch name='x86_64'>\n"
                                     "      <wordsize>64</wordsize>\n"
                                     "      <emulator>/usr/lib64/xen/bin/qemu-dm</emulator>\n"
                                     "      <domain type='xen'/>\n"
                                     "    </arch>\n"
                                     "  </guest>\n"
                                     "\n"
                                     "  <guest>\n"
                                     "    <os_type>hvm</os_type>\n"
                                     "    <arch name='i686'>\n"
                                     "      <wordsize>32</wordsize>\n"
                                     "      <emulator>/usr/lib/xen/bin/qemu-dm</emulator>\n"
                                     "      <loader>/usr/lib/xen/boot/hvmloader</loader>\n"
                                     "      <machine>pc</machine>\n"
                                     "      <machine>isapc</machine>\n"
                                     "      <domain type='xen'/>\n"
                                     "    </arch>\n"
                                     "  </guest>\n"
                                     "\n"
                                     "</capabilities>\n";

/* The temp dir of the probe cache (group setup). */
static char *test_dir;

/* Parse text or fail the test with the error. */
static struct capabilities *parse_ok(const char *xml)
{
    struct vmerr err = {0};
    struct capabilities *caps = capabilities_parse_string(xml, "test.xml", &err);
    if (!caps)
        fail_msg("parse failed: %s:%d: %s: %s", err.file, err.line, err.field, err.message);
    return caps;
}

/* Format, parse, format again: both texts must be equal. */
static void assert_round_trip(const struct capabilities *caps)
{
    char *a = capabilities_format(caps);
    struct capabilities *again = parse_ok(a);
    char *b = capabilities_format(again);
    assert_string_equal(a, b);
    free(a);
    free(b);
    capabilities_free(again);
}

/* What we write for a document built with the model calls, exactly. */
static void test_format_exact(void **state)
{
    (void)state;
    struct capabilities *caps = capabilities_new("x86_64");
    capabilities_add_host_feature(caps, "vmx");
    capabilities_add_host_feature(caps, "pae");
    capabilities_add_host_feature(caps, "vmx"); /* no duplicates */
    struct capabilities_guest *g =
        capabilities_add_guest(caps, "hvm", "i686", 32, "/usr/bin/qemu-system-i386", NULL);
    capabilities_add_machine(g, "pc", "pc-i440fx-7.2", false);
    capabilities_add_machine(g, "pc-i440fx-7.2", NULL, false);
    capabilities_add_machine(g, "pc-i440fx-1.4", NULL, true);
    g->machines[0].max_cpus = g->machines[1].max_cpus = 255;
    capabilities_add_domain(g, "qemu");
    struct capabilities_domain *kvm = capabilities_add_domain(g, "kvm");
    kvm->emulator = strdup("/usr/bin/qemu-kvm");
    kvm->machines = calloc(1, sizeof(*kvm->machines));
    kvm->machines[0].name = strdup("pc-kvm");
    kvm->nmachines = 1;
    capabilities_add_feature(g, "pae", false, false, false);
    capabilities_add_feature(g, "nonpae", false, false, false);
    capabilities_add_feature(g, "acpi", true, true, true);
    capabilities_add_feature(g, "apic", true, false, false);
    struct capabilities_guest *x = capabilities_add_guest(
        caps, "xen", "x86_64", 64, "/usr/lib/xen/bin/qemu-dm", "/usr/lib/xen/boot/hvmloader");
    capabilities_add_domain(x, "xen");
    char *xml = capabilities_format(caps);
    assert_string_equal(xml, full_xml);
    free(xml);
    assert_round_trip(caps);
    capabilities_free(caps);
}

/* Parsing today's spelling keeps every field; lookups find guests, machines, types. */
static void test_parse_full(void **state)
{
    (void)state;
    struct capabilities *caps = parse_ok(full_xml);
    assert_string_equal(caps->host.arch, "x86_64");
    assert_int_equal(caps->host.nfeatures, 2);
    assert_int_equal(caps->nguests, 2);
    const struct capabilities_guest *g = capabilities_find_guest(caps, "hvm", "i686");
    assert_non_null(g);
    assert_int_equal(g->wordsize, 32);
    assert_string_equal(g->emulator, "/usr/bin/qemu-system-i386");
    assert_null(g->loader);
    assert_int_equal(g->nmachines, 3);
    const struct capabilities_machine *pc = capabilities_find_machine(g, "pc");
    assert_non_null(pc);
    assert_string_equal(pc->canonical, "pc-i440fx-7.2");
    assert_int_equal(pc->max_cpus, 255);
    assert_true(capabilities_find_machine(g, "pc-i440fx-1.4")->deprecated);
    assert_non_null(capabilities_find_machine(g, "pc-kvm")); /* the kvm domain's own */
    assert_null(capabilities_find_machine(g, "q35"));
    assert_true(capabilities_has_domain(g, "qemu"));
    assert_true(capabilities_has_domain(g, "kvm"));
    assert_false(capabilities_has_domain(g, "xen"));
    assert_string_equal(g->domains[1].emulator, "/usr/bin/qemu-kvm");
    assert_int_equal(g->nfeatures, 4);
    assert_true(g->features[2].has_toggle && g->features[2].toggle && g->features[2].default_on);
    assert_true(g->features[3].has_toggle && !g->features[3].toggle && !g->features[3].default_on);
    assert_false(g->features[0].has_toggle);
    /* "linux" is the seed's name of xen; a NULL arch is the host's */
    assert_ptr_equal(capabilities_find_guest(caps, "linux", NULL), &caps->guests[1]);
    assert_null(capabilities_find_guest(caps, "hvm", NULL));
    assert_ptr_equal(capabilities_find_emulator(caps, "/usr/bin/qemu-kvm"), g);
    assert_null(capabilities_find_emulator(caps, "/usr/bin/qemu"));
    char *xml = capabilities_format(caps);
    assert_string_equal(xml, full_xml);
    free(xml);
    capabilities_free(caps);
}

/* The seed's file (2007: <emulator> after <domain>, <loader> after the machines, double
 * quotes, empty <features>) reads, and comes out in today's order. */
static void test_seed(void **state)
{
    (void)state;
    char *path = testutil_data_path("seed/capabilities-partial.xml");
    struct vmerr err = {0};
    struct capabilities *caps = capabilities_parse_file(path, &err);
    if (!caps)
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    free(path);
    assert_string_equal(caps->host.arch, "x86_64");
    assert_int_equal(caps->host.nfeatures, 1);
    assert_string_equal(caps->host.features[0], "vmx");
    const struct capabilities_guest *xen = capabilities_find_guest(caps, "xen", "x86_64");
    assert_non_null(xen);
    assert_string_equal(xen->emulator, "/usr/lib64/xen/bin/qemu-dm");
    assert_true(capabilities_has_domain(xen, "xen"));
    const struct capabilities_guest *hvm = capabilities_find_guest(caps, "hvm", "i686");
    assert_non_null(hvm);
    assert_string_equal(hvm->loader, "/usr/lib/xen/boot/hvmloader");
    assert_int_equal(hvm->nmachines, 2);
    assert_string_equal(hvm->machines[1].name, "isapc");
    char *xml = capabilities_format(caps);
    assert_string_equal(xml, seed_formatted);
    free(xml);
    assert_round_trip(caps);
    capabilities_free(caps);
}

/* Old spellings: os_type 'linux' (read as xen), <acpi/> without default/toggle. */
static void test_old_spellings(void **state)
{
    (void)state;
    struct capabilities *caps =
        parse_ok("<capabilities><host><cpu><arch>i686</arch><features><pae/><nonpae/>"
                 "</features></cpu></host><guest><arch name=\"i686\"><domain type=\"xen\"/>"
                 "<wordsize>32</wordsize></arch><os_type>linux</os_type><features><acpi/>"
                 "<pae/></features></guest></capabilities>");
    assert_string_equal(caps->guests[0].os_type, "xen");
    assert_false(caps->guests[0].features[0].has_toggle);
    char *xml = capabilities_format(caps);
    assert_non_null(strstr(xml, "<os_type>xen</os_type>"));
    assert_non_null(strstr(xml, "      <acpi/>\n"));
    free(xml);
    assert_round_trip(caps);
    capabilities_free(caps);
}

/* Bad documents: one error each, with its line, field and words. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *xml;
        int line;
        const char *field;
        const char *words;
    } cases[] = {
        {"<capabilities>\n<host><cpu><arch>x86_64</arch></cpu></host>\n<guset/>\n</capabilities>",
         3, "guset", "unknown element <guset> in <capabilities>"},
        {"<capabilities>\n</capabilities>", 1, "host", "<capabilities> needs a <host>"},
        {"<capabilities>\n<host>\n<cpu>\n<arch>z80</arch>\n</cpu></host></capabilities>", 4, "arch",
         "<arch> 'z80' is not an architecture"},
        {"<capabilities><host><cpu>\n<features><sse2/></features></cpu></host></capabilities>", 2,
         "sse2", "unknown host CPU feature <sse2>"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host>\n<guest>\n"
         "<os_type>hvm</os_type>\n<arch name='x86_64'>\n<domain type='qemu'/>\n</arch>\n"
         "</guest></capabilities>",
         4, "wordsize", "<arch name='x86_64'> needs a <wordsize>"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest>"
         "<os_type>hvm</os_type><arch name='x86_64'>\n<wordsize>48</wordsize>\n"
         "<domain type='qemu'/></arch></guest></capabilities>",
         2, "wordsize", "<wordsize> 48 is not 31, 32 or 64"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest>"
         "<os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>\n"
         "<emulator>qemu-system-x86_64</emulator><domain type='qemu'/></arch></guest>"
         "</capabilities>",
         2, "emulator", "<emulator> 'qemu-system-x86_64' is not an absolute path"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest>"
         "<os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>\n"
         "<domain type='vbox'/></arch></guest></capabilities>",
         2, "type", "<domain> type 'vbox' is not a known hypervisor type"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest>"
         "<os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>\n"
         "</arch></guest></capabilities>",
         1, "domain", "<arch name='x86_64'> needs at least one <domain>"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest>"
         "<os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>"
         "<domain type='qemu'/></arch>\n<features><acpi default='on'/></features></guest>"
         "</capabilities>",
         2, "toggle", "<acpi> needs both default= and toggle= (or neither)"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest>"
         "<os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>"
         "<domain type='qemu'/></arch>\n<features><pae toggle='yes' default='on'/></features>"
         "</guest></capabilities>",
         2, "toggle", "unknown attribute 'toggle' on <pae>"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest>\n"
         "<os_type>os2</os_type></guest></capabilities>",
         2, "os_type", "<os_type> 'os2' is not one of hvm, xen, linux, exe, uml"},
        {"<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest>"
         "<os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>\n"
         "<machine maxCpus='many'>pc</machine><domain type='qemu'/></arch></guest>"
         "</capabilities>",
         2, "maxCpus", "<machine> maxCpus 'many' is not a number"},
        {"<capabilities><host><cpu><arch>x86_64</arch>\n<arch>i686</arch></cpu></host>"
         "</capabilities>",
         2, "arch", "<arch> appears twice in <cpu>"},
        {"<capabilities xmlns:x='urn:x'><host><cpu><arch>x86_64</arch></cpu></host>\n"
         "<x:extra/></capabilities>",
         2, "extra", "namespace 'urn:x' is not supported"},
        {"<domain/>", 1, "domain", "expected <capabilities> as the root element"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vmerr err = {0};
        struct capabilities *caps = capabilities_parse_string(cases[i].xml, "bad.xml", &err);
        if (caps || err.code != VMERR_XML || err.line != cases[i].line ||
            strcmp(err.field, cases[i].field) || !strstr(err.message, cases[i].words))
            fail_msg("case %zu: got %s line %d field '%s': %s", i, caps ? "success" : "error",
                     err.line, err.field, err.message);
        assert_string_equal(err.file, "bad.xml");
    }
}

/* /proc/cpuinfo fixtures: an AMD guest without svm (nested), an Intel host with vmx (and a
 * "vmx flags" line that is not the flags line), an arm64 host without flags. */
static void test_cpuinfo(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int lines;
        const char *features;
    } cases[] = {
        {"capabilities/cpuinfo-amd-epyc-nested.txt", 2, "pae"},
        {"capabilities/cpuinfo-intel-vmx.txt", 2, "pae vmx"},
        {"capabilities/cpuinfo-arm64.txt", 0, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *path = testutil_data_path(cases[i].file);
        char *text = testutil_read(path);
        struct capabilities *caps = capabilities_new("x86_64");
        assert_int_equal(capabilities_host_parse_cpuinfo(caps, text), cases[i].lines);
        char got[64] = "";
        for (size_t f = 0; f < caps->host.nfeatures; f++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", f ? " " : "",
                     caps->host.features[f]);
        assert_string_equal(got, cases[i].features);
        capabilities_free(caps);
        /* the whole host probe on the same file */
        caps = capabilities_host_probe(path);
        assert_non_null(caps->host.arch);
        assert_true(capabilities_arch_valid(caps->host.arch));
        assert_int_equal(caps->host.nfeatures, strlen(cases[i].features) ? 1 + (i == 1) : 0);
        capabilities_free(caps);
        free(text);
        free(path);
    }
}

/* Emulator names: arch and word size the way libvirt names them. */
static void test_binary_arch(void **state)
{
    (void)state;
    const char *arch = NULL;
    unsigned ws = 0;
    assert_true(qemu_capabilities_binary_arch("/usr/bin/qemu-system-i386", &arch, &ws));
    assert_string_equal(arch, "i686");
    assert_int_equal(ws, 32);
    assert_true(qemu_capabilities_binary_arch("qemu-system-x86_64", &arch, &ws));
    assert_string_equal(arch, "x86_64");
    assert_int_equal(ws, 64);
    assert_true(qemu_capabilities_binary_arch("qemu-system-or1k", &arch, &ws));
    assert_string_equal(arch, "openrisc");
    assert_false(qemu_capabilities_binary_arch("/usr/bin/qemu-system-x86_64-microvm", &arch, &ws));
    assert_false(qemu_capabilities_binary_arch("/usr/bin/qemu-img", &arch, &ws));
}

/* `-machine help` captured from QEMU 7.2: aliases, the default, deprecated ones, no "none". */
static void test_machines_fixture(void **state)
{
    (void)state;
    char *path = testutil_data_path("capabilities/qemu-7.2-x86_64-machine-help.txt");
    char *text = testutil_read(path);
    free(path);
    struct capabilities *caps = capabilities_new("x86_64");
    struct capabilities_guest *g =
        capabilities_add_guest(caps, "hvm", "x86_64", 64, "/usr/bin/qemu-system-x86_64", NULL);
    char *def = NULL;
    int n = qemu_capabilities_parse_machines(text, g, &def);
    free(text);
    assert_int_equal(n, 60); /* 62 lines: the header and "none" are not machines */
    assert_int_equal(g->nmachines, 60);
    assert_string_equal(def, "pc-i440fx-7.2");
    free(def);
    assert_string_equal(capabilities_find_machine(g, "pc")->canonical, "pc-i440fx-7.2");
    assert_string_equal(capabilities_find_machine(g, "q35")->canonical, "pc-q35-7.2");
    assert_null(capabilities_find_machine(g, "pc-q35-7.2")->canonical);
    assert_true(capabilities_find_machine(g, "pc-i440fx-1.4")->deprecated);
    assert_false(capabilities_find_machine(g, "pc-i440fx-2.0")->deprecated);
    assert_non_null(capabilities_find_machine(g, "isapc"));
    assert_non_null(capabilities_find_machine(g, "microvm"));
    assert_null(capabilities_find_machine(g, "none"));
    capabilities_add_domain(g, "qemu");
    assert_round_trip(caps);
    capabilities_free(caps);
    /* not machine help at all */
    struct capabilities *c2 = capabilities_new("x86_64");
    struct capabilities_guest *g2 = capabilities_add_guest(c2, "hvm", "x86_64", 64, NULL, NULL);
    assert_int_equal(qemu_capabilities_parse_machines("qemu: unknown option\n", g2, NULL), -1);
    capabilities_free(c2);
    /* -accel help */
    path = testutil_data_path("capabilities/qemu-7.2-x86_64-accel-help.txt");
    text = testutil_read(path);
    free(path);
    assert_true(qemu_capabilities_accel_listed(text, "kvm"));
    assert_true(qemu_capabilities_accel_listed(text, "tcg"));
    assert_false(qemu_capabilities_accel_listed(text, "hvf"));
    free(text);
}

/* The installed QEMU answered through the real probe: the x86_64 guest has the machines of
 * `-machine help` (pc is an alias of the default), type qemu, and kvm exactly when the KVM
 * probe says yes; the document validates and round-trips. Then the cache: a second call
 * spawns nothing and leaves the cache file alone; an entry whose mtime no longer matches is
 * asked again. */
static void test_real_qemu_and_cache(void **state)
{
    (void)state;
    char *cache = store_printf("%s/cache", test_dir),
         *file = store_printf("%s/qemu-capabilities", cache);
    struct vmerr err = {0};
    unsigned long spawned0 = qemu_capabilities_spawn_count();
    struct capabilities *caps = qemu_capabilities_get(cache, &err);
    assert_non_null(caps);
    unsigned long spawned1 = qemu_capabilities_spawn_count();
    const struct capabilities_guest *g = capabilities_find_guest(caps, "hvm", "x86_64");
    if (!g)
        fail_msg("no x86_64 guest: is qemu-system-x86_64 on PATH?");
    assert_true(spawned1 > spawned0); /* a fresh cache: QEMU was asked */
    assert_int_equal(g->wordsize, 64);
    assert_non_null(strstr(g->emulator, "/qemu-system-x86_64"));
    const struct capabilities_machine *pc = capabilities_find_machine(g, "pc");
    assert_non_null(pc);
    assert_non_null(pc->canonical);
    assert_non_null(capabilities_find_machine(g, pc->canonical));
    assert_non_null(capabilities_find_machine(g, "q35"));
    assert_true(capabilities_has_domain(g, "qemu"));
    char why[512];
    bool kvm = qemu_capabilities_kvm_usable(cache, why, sizeof(why));
    assert_int_equal(capabilities_has_domain(g, "kvm"), kvm);
    assert_non_null(capabilities_find_guest(caps, "hvm", "i686"));
    assert_round_trip(caps);
    char *emulator = store_printf("\t%s\n", g->emulator);
    capabilities_free(caps);

    struct stat st1, st2;
    assert_int_equal(stat(file, &st1), 0);
    caps = qemu_capabilities_get(cache, &err);
    assert_non_null(caps);
    assert_int_equal(qemu_capabilities_spawn_count(), spawned1); /* a cache hit */
    assert_int_equal(stat(file, &st2), 0);
    assert_true(st1.st_mtim.tv_sec == st2.st_mtim.tv_sec &&
                st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec); /* not rewritten */
    char *first = capabilities_format(caps);
    capabilities_free(caps);

    /* make the x86_64 entry stale: its recorded size is off by one */
    char *text = testutil_read(file);
    char *line = strstr(text, emulator);
    assert_non_null(line);
    while (line > text && line[-1] != '\n')
        line--;
    long long sec, nsec, size;
    int kvmflag;
    assert_int_equal(sscanf(line, "bin\t%lld\t%lld\t%lld\t%d", &sec, &nsec, &size, &kvmflag), 4);
    char *old = store_printf("bin\t%lld\t%lld\t%lld\t", sec, nsec, size);
    char *new = store_printf("bin\t%lld\t%lld\t%lld\t", sec, nsec, size + 1);
    char *pos = strstr(text, old);
    char *edited = store_printf("%.*s%s%s", (int)(pos - text), text, new, pos + strlen(old));
    assert_int_equal(store_write_atomic(file, edited, strlen(edited), &err), 0);
    caps = qemu_capabilities_get(cache, &err);
    assert_non_null(caps);
    assert_int_equal(qemu_capabilities_spawn_count(), spawned1 + 2); /* -machine, -accel */
    char *second = capabilities_format(caps);
    assert_string_equal(first, second);
    capabilities_free(caps);
    /* a torn or foreign cache file is an empty cache, to be rewritten */
    char *good = testutil_read(file);
    static const char *const broken[] = {"vmdeck-qemu-capabilities 1\nbin\t1",
                                         "vmdeck-qemu-capabilities 0\n", "m\t0\t-\tpc\n"};
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        assert_int_equal(store_write_atomic(file, broken[i], strlen(broken[i]), &err), 0);
        struct qemu_capabilities_cache c;
        qemu_capabilities_cache_load(&c, cache);
        assert_int_equal(c.nbins, 0);
        assert_null(c.kvm_key);
        assert_true(c.dirty);
        qemu_capabilities_cache_clear(&c);
    }
    assert_int_equal(store_write_atomic(file, good, strlen(good), &err), 0);
    free(good);
    free(text);
    free(old);
    free(new);
    free(edited);
    free(first);
    free(second);
    free(emulator);
    free(file);
    free(cache);
}

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The KVM probe: a definite answer with a reason naming the device, within its deadline; no
 * device and a device that is not KVM are a plain no; the cached answer is the same and
 * instant the second time. */
static void test_kvm_probe(void **state)
{
    (void)state;
    char why[512] = "";
    assert_false(qemu_capabilities_kvm_probe("/nonexistent/kvm", 1000, why, sizeof(why)));
    assert_string_equal(why, "cannot open /nonexistent/kvm: No such file or directory");
    assert_false(qemu_capabilities_kvm_probe("/dev/null", 1000, why, sizeof(why)));
    assert_non_null(strstr(why, "/dev/null: KVM API version -1, expected 12"));

    long long t0 = now_ms();
    bool yes =
        qemu_capabilities_kvm_probe("/dev/kvm", QEMU_CAPABILITIES_KVM_TIMEOUT_MS, why, sizeof(why));
    long long took = now_ms() - t0;
    print_message("KVM probe: %s (%lld ms): %s\n", yes ? "yes" : "no", took, why);
    assert_true(took < QEMU_CAPABILITIES_KVM_TIMEOUT_MS + 1000);
    assert_non_null(strstr(why, "/dev/kvm"));
    if (yes)
        assert_non_null(strstr(why, "runs guests"));
    else
        assert_true(strstr(why, "does not run guests") || strstr(why, "cannot open") ||
                    strstr(why, "cannot create"));

    /* test_real_qemu_and_cache has asked it once through this cache */
    char *cache = store_printf("%s/cache", test_dir);
    char why2[512];
    t0 = now_ms();
    bool cached = qemu_capabilities_kvm_usable(cache, why2, sizeof(why2));
    took = now_ms() - t0;
    assert_int_equal(cached, yes);
    assert_true(took < 500);
    size_t head = strcspn(why, "(0123456789"); /* the numbers differ from run to run */
    assert_int_equal(strncmp(why2, why, head), 0);
    free(cache);
}

/* The test driver's fixed document through the engine: valid, parses, i686 and x86_64. */
static void test_test_driver(void **state)
{
    (void)state;
    struct vmerr err = {0};
    struct engine_conn *conn = engine_open("test:///default", &err);
    assert_non_null(conn);
    char *xml = engine_capabilities_xml(conn, &err);
    assert_non_null(xml);
    engine_close(conn);
    struct capabilities *caps = parse_ok(xml);
    const struct capabilities_guest *g = capabilities_find_guest(caps, "hvm", "i686");
    assert_non_null(g);
    assert_int_equal(g->wordsize, 32);
    assert_true(capabilities_has_domain(g, "qemu"));
    g = capabilities_find_guest(caps, "hvm", NULL);
    assert_non_null(g);
    assert_string_equal(g->arch, "x86_64");
    assert_string_equal(capabilities_find_machine(g, "q35")->canonical, "pc-q35-7.2");
    char *again = capabilities_format(caps);
    assert_string_equal(xml, again);
    free(again);
    free(xml);
    capabilities_free(caps);
}

/* A fresh dir for the probe cache the tests share. */
static int setup(void **state)
{
    (void)state;
    test_dir = testutil_tmpdir("caps");
    return 0;
}

/* Remove it. */
static int teardown(void **state)
{
    (void)state;
    testutil_rm_rf(test_dir);
    free(test_dir);
    return 0;
}

/* The tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_exact),
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_old_spellings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_cpuinfo),
        cmocka_unit_test(test_binary_arch),
        cmocka_unit_test(test_machines_fixture),
        cmocka_unit_test(test_real_qemu_and_cache),
        cmocka_unit_test(test_kvm_probe),
        cmocka_unit_test(test_test_driver),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
