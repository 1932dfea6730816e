/* test-qemu-checks: the QEMU driver's checks against the host, with the real capabilities
 * probe (the installed qemu-system-* binaries and /dev/kvm). At define: a missing or
 * non-executable <emulator> (with its file and line), the seed examples' emulators that do
 * not exist here, an emulator off PATH that is asked directly, archs without an emulator,
 * a 'kvm' domain where KVM does not run guests (with the probe's reason), machines the
 * emulator does not offer, Xen paravirt on QEMU. At start: a missing kernel, a missing disk,
 * an initrd that is a directory, each naming the element and the file, and leaving the
 * stored config exactly as it was. No guest is booted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/qemu/qemu-capabilities.h"
#include "engine/domain-def.h"
#include "engine/engine.h"
#include "engine/store.h"
#include "testutil.h"

#define URI "qemu:///session"

/* What the tests share: isolated dirs and a connection. */
static char *test_dir;
static struct engine_conn *test_conn;

/* A small domain: type, os <type> line, emulator line (or ""), extra devices. */
static char *domain_xml(const char *name, const char *type, const char *os_type_line,
                        const char *emulator, const char *devices)
{
    return store_printf("<domain type='%s'>\n"               /* 1 */
                        "  <name>%s</name>\n"                /* 2 */
                        "  <memory unit='MiB'>64</memory>\n" /* 3 */
                        "  <vcpu>1</vcpu>\n"                 /* 4 */
                        "  <os>\n"                           /* 5 */
                        "    %s\n"                           /* 6 */
                        "  </os>\n"                          /* 7 */
                        "  <devices>\n"                      /* 8 */
                        "    %s\n"                           /* 9: emulator */
                        "%s"
                        "  </devices>\n"
                        "</domain>\n",
                        type, name, os_type_line, emulator, devices ? devices : "");
}

/* Define xml as FILE and expect a VMERR_XML about field on line, whose one-line form
 * contains words; the domain must not have been stored. */
static void expect_define_error(const char *name, const char *xml, const char *file, int line,
                                const char *field, const char *words)
{
    struct vmerr err = {0};
    if (engine_domain_define_xml(test_conn, xml, file, NULL, &err) == 0)
        fail_msg("define of %s succeeded; expected '%s'", name, words);
    char buf[1400];
    vmerr_line(&err, buf, sizeof(buf));
    print_message("%s\n", buf);
    if (err.code != VMERR_XML || err.line != line || strcmp(err.field, field) ||
        !strstr(buf, words))
        fail_msg("define of %s: code %d line %d field '%s': %s (expected line %d, field '%s', "
                 "'%s')",
                 name, err.code, err.line, err.field, buf, line, field, words);
    if (line > 0)
        assert_string_equal(err.file, file);
    struct engine_domain_info info;
    assert_int_equal(engine_domain_lookup(test_conn, name, &info, &err), -1);
    assert_int_equal(err.code, VMERR_NO_DOMAIN);
}

/* Define xml or fail. */
static void define_ok(const char *xml)
{
    struct vmerr err = {0};
    if (engine_domain_define_xml(test_conn, xml, "ok.xml", NULL, &err) < 0)
        fail_msg("define: %s", err.message);
}

/* The emulator capabilities list for x86_64 (the one qemu-system-x86_64 on PATH); caller
 * frees. */
static char *x86_64_emulator(void)
{
    struct vmerr err = {0};
    char *cache = store_printf("%s/run/cache", test_dir);
    struct capabilities *caps = qemu_capabilities_get(cache, &err);
    free(cache);
    assert_non_null(caps);
    const struct capabilities_guest *g = capabilities_find_guest(caps, "hvm", "x86_64");
    if (!g)
        fail_msg("no qemu-system-x86_64 on PATH");
    char *path = strdup(g->emulator);
    capabilities_free(caps);
    return path;
}

/* A missing <emulator>: VMERR_XML with the file, the line of <emulator> and the reason. */
static void test_missing_emulator(void **state)
{
    (void)state;
    char *xml =
        domain_xml("noemu", "qemu", "<type>hvm</type>", "<emulator>/usr/bin/qemu</emulator>", NULL);
    expect_define_error("noemu", xml, "noemu.xml", 9, "emulator",
                        "noemu.xml:9: domain 'noemu': <emulator> '/usr/bin/qemu': No such file "
                        "or directory");
    free(xml);
}

/* The seed examples parse without a connection, but their emulators are not on this host:
 * define names the emulator and its line in the seed file. */
static void test_seed_examples(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *name;
        int line;
        const char *emulator;
    } seeds[] = {
        {"seed/qemu-fedora-i686.xml", "QEmu-fedora-i686", 12, "/usr/bin/qemu"},
        {"seed/kvm-demo2.xml", "demo2", 11, "/home/user/usr/kvm-devel/bin/qemu-system-x86_64"},
    };
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        char *path = testutil_data_path(seeds[i].file);
        struct vmerr err = {0};
        struct domain_def *def = domain_def_parse_file(path, &err);
        if (!def)
            fail_msg("%s: %s", path, err.message);
        assert_string_equal(def->emulator, seeds[i].emulator);
        assert_int_equal(def->emulator_line, seeds[i].line);
        assert_string_equal(def->name, seeds[i].name);
        domain_def_free(def);
        char *xml = testutil_read(path);
        char *words = store_printf("%s:%d: domain '%s': <emulator> '%s': No such file or "
                                   "directory",
                                   path, seeds[i].line, seeds[i].name, seeds[i].emulator);
        expect_define_error(seeds[i].name, xml, path, seeds[i].line, "emulator", words);
        free(words);
        free(xml);
        free(path);
    }
}

/* An <emulator> that is a plain file without x bits, or a directory. */
static void test_emulator_not_executable(void **state)
{
    (void)state;
    char *file = store_printf("%s/not-qemu", test_dir);
    assert_int_equal(store_write_atomic(file, "data\n", 5, NULL), 0); /* mode 0600 */
    const char *paths[] = {file, test_dir};
    for (size_t i = 0; i < 2; i++) {
        char *emu = store_printf("<emulator>%s</emulator>", paths[i]);
        char *xml = domain_xml("noexec", "qemu", "<type>hvm</type>", emu, NULL);
        char *words = store_printf("<emulator> '%s' is not an executable file", paths[i]);
        expect_define_error("noexec", xml, "noexec.xml", 9, "emulator", words);
        free(words);
        free(xml);
        free(emu);
    }
    free(file);
}

/* An emulator that is not on PATH is asked directly (a symlink to the real QEMU); its arch
 * must match; an arch without any emulator is refused. */
static void test_emulator_off_path(void **state)
{
    (void)state;
    char *real = x86_64_emulator();
    char *dir = store_printf("%s/bin", test_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    char *link = store_printf("%s/qemu-system-x86_64", dir);
    assert_int_equal(symlink(real, link), 0);
    unsigned long before = qemu_capabilities_spawn_count();
    char *emu = store_printf("<emulator>%s</emulator>", link);
    char *xml =
        domain_xml("offpath", "qemu", "<type arch='x86_64' machine='q35'>hvm</type>", emu, NULL);
    define_ok(xml);
    assert_true(qemu_capabilities_spawn_count() > before); /* it was asked */
    free(xml);
    xml = domain_xml("offpath-arm", "qemu", "<type arch='aarch64'>hvm</type>", emu, NULL);
    expect_define_error("offpath-arm", xml, "arm.xml", 9, "emulator",
                        "runs x86_64 guests, not aarch64");
    free(xml);
    xml = domain_xml("noarch", "qemu", "<type arch='sparc64'>hvm</type>", "", NULL);
    expect_define_error("noarch", xml, "noarch.xml", 0, "arch",
                        "domain 'noarch': no emulator for arch sparc64 on this host");
    free(xml);
    /* an i686 guest may run on qemu-system-x86_64 */
    xml = domain_xml("offpath-i686", "qemu", "<type arch='i686'>hvm</type>", emu, NULL);
    define_ok(xml);
    free(xml);
    free(emu);
    free(link);
    free(dir);
    free(real);
}

/* type='kvm': accepted where the KVM probe says /dev/kvm runs guests, refused with its
 * reason where it does not (the build machines' nested KVM). */
static void test_kvm_type(void **state)
{
    (void)state;
    char *cache = store_printf("%s/run/cache", test_dir);
    char why[512];
    bool usable = qemu_capabilities_kvm_usable(cache, why, sizeof(why));
    free(cache);
    print_message("KVM probe: %s: %s\n", usable ? "yes" : "no", why);
    char *xml = domain_xml("kvm1", "kvm", "<type arch='x86_64'>hvm</type>", "", NULL);
    if (usable) {
        define_ok(xml);
    } else {
        char *words = store_printf("domain 'kvm1': domain type 'kvm' is not available for arch "
                                   "x86_64 on this host: %.*s",
                                   (int)strcspn(why, "(0123456789"), why);
        expect_define_error("kvm1", xml, "kvm1.xml", 0, "type", words);
        assert_non_null(strstr(words, "/dev/kvm"));
        free(words);
    }
    free(xml);
    /* kqemu is gone from QEMU long ago */
    xml = domain_xml("kq", "kqemu", "<type>hvm</type>", "", NULL);
    expect_define_error("kq", xml, "kq.xml", 0, "type",
                        "domain type 'kqemu' is not available for arch x86_64 on this host: the "
                        "QEMU driver runs qemu");
    free(xml);
}

/* Machines: aliases and canonical names the emulator lists are fine, others are refused
 * with a few that exist. */
static void test_machine(void **state)
{
    (void)state;
    char *xml =
        domain_xml("mach1", "qemu", "<type arch='x86_64' machine='pc'>hvm</type>", "", NULL);
    define_ok(xml);
    free(xml);
    xml = domain_xml("mach2", "qemu", "<type arch='x86_64' machine='pc-q35-7.2'>hvm</type>", "",
                     NULL);
    define_ok(xml);
    free(xml);
    char *real = x86_64_emulator();
    xml = domain_xml("mach3", "qemu", "<type arch='x86_64' machine='pc-2099'>hvm</type>", "", NULL);
    char *words = store_printf("domain 'mach3': machine 'pc-2099' is not one %s offers (it has "
                               "pc, q35",
                               real);
    expect_define_error("mach3", xml, "mach3.xml", 0, "machine", words);
    free(words);
    free(xml);
    free(real);
}

/* Xen paravirt (os type linux) is not something QEMU runs: the domain parser already
 * refuses it with type='qemu', and the driver's own check says why if a definition gets
 * there another way. */
static void test_xen_pv(void **state)
{
    (void)state;
    char *xml = domain_xml("pv", "qemu", "<type>linux</type>\n    <kernel>/boot/vmlinuz</kernel>",
                           "", NULL);
    struct vmerr err = {0};
    assert_int_equal(engine_domain_define_xml(test_conn, xml, "pv.xml", NULL, &err), -1);
    assert_int_equal(err.code, VMERR_XML);
    free(xml);
    xml = domain_xml("pv", "qemu", "<type>hvm</type>", "", NULL);
    struct domain_def *def = domain_def_parse_string(xml, "pv.xml", &err);
    assert_non_null(def);
    free(def->os.type);
    def->os.type = strdup("linux");
    char *cache = store_printf("%s/run/cache", test_dir);
    struct capabilities *caps = qemu_capabilities_get(cache, &err);
    assert_non_null(caps);
    assert_int_equal(qemu_capabilities_check_def(caps, cache, def, &err), -1);
    assert_string_equal(err.message, "domain 'pv': <os><type> 'linux' is not available on this "
                                     "host: the QEMU driver runs hvm guests");
    capabilities_free(caps);
    free(cache);
    domain_def_free(def);
    free(xml);
}

/* Define name from xml, start it expecting an error with words; the stored config must be
 * byte for byte the same afterwards and the domain still shut off. */
static void expect_start_error(const char *name, const char *xml, const char *words)
{
    define_ok(xml);
    char *config = store_printf("%s/qemu/%s.xml", getenv("VMDECK_CONFIG_DIR"), name);
    char *before = testutil_read(config);
    struct vmerr err = {0};
    assert_int_equal(engine_domain_start(test_conn, name, &err), -1);
    char buf[1400];
    vmerr_line(&err, buf, sizeof(buf));
    print_message("%s\n", buf);
    if (!strstr(buf, words))
        fail_msg("start of %s: '%s', expected '%s'", name, buf, words);
    assert_int_equal(err.line, 0);
    char *after = testutil_read(config);
    assert_string_equal(before, after);
    struct engine_domain_info info;
    assert_int_equal(engine_domain_lookup(test_conn, name, &info, &err), 0);
    assert_int_equal(info.state, ENGINE_DOMAIN_SHUTOFF);
    char *rundir = store_printf("%s/qemu/%s", getenv("VMDECK_RUNTIME_DIR"), name);
    struct stat st;
    assert_int_equal(stat(rundir, &st), -1); /* nothing was started */
    free(rundir);
    free(before);
    free(after);
    free(config);
}

/* Start-time file checks: kernel, disk, initrd. */
static void test_start_files(void **state)
{
    (void)state;
    char *kernel = store_printf("%s/vmlinuz", testutil_guest_dir());
    char *initrd = store_printf("%s/initramfs.cpio.gz", testutil_guest_dir());
    char *missing = store_printf("%s/missing.img", test_dir);

    char *xml = domain_xml("nokernel", "qemu",
                           "<type>hvm</type>\n    <kernel>/nonexistent/vmlinuz</kernel>", "", NULL);
    expect_start_error("nokernel", xml,
                       "domain 'nokernel': <kernel> '/nonexistent/vmlinuz': No such file or "
                       "directory");
    free(xml);

    char *os = store_printf("<type>hvm</type>\n    <kernel>%s</kernel>\n    <initrd>%s</initrd>",
                            kernel, initrd);
    char *disk = store_printf("    <disk type='file' device='disk'>\n"
                              "      <source file='%s'/>\n"
                              "      <target dev='hda'/>\n"
                              "    </disk>\n",
                              missing);
    xml = domain_xml("nodisk", "qemu", os, "", disk);
    char *words = store_printf("domain 'nodisk': <disk> source '%s' (target hda): No such file or "
                               "directory",
                               missing);
    expect_start_error("nodisk", xml, words);
    free(words);
    free(xml);
    free(os);

    os = store_printf("<type>hvm</type>\n    <kernel>%s</kernel>\n    <initrd>%s</initrd>", kernel,
                      test_dir);
    xml = domain_xml("dirinitrd", "qemu", os, "", NULL);
    words = store_printf("domain 'dirinitrd': <initrd> '%s': it is a directory", test_dir);
    expect_start_error("dirinitrd", xml, words);
    free(words);
    free(xml);
    free(os);
    free(disk);
    free(missing);
    free(kernel);
    free(initrd);
}

/* Isolated dirs and a connection. */
static int setup(void **state)
{
    (void)state;
    test_dir = testutil_isolate("qchk");
    struct vmerr err = {0};
    test_conn = engine_open(URI, &err);
    if (!test_conn) {
        print_error("open: %s\n", err.message);
        return -1;
    }
    return 0;
}

/* Close and remove everything. */
static int teardown(void **state)
{
    (void)state;
    engine_close(test_conn);
    testutil_rm_rf(test_dir);
    free(test_dir);
    return 0;
}

/* The tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_emulator),
        cmocka_unit_test(test_seed_examples),
        cmocka_unit_test(test_emulator_not_executable),
        cmocka_unit_test(test_emulator_off_path),
        cmocka_unit_test(test_kvm_type),
        cmocka_unit_test(test_machine),
        cmocka_unit_test(test_xen_pv),
        cmocka_unit_test(test_start_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
