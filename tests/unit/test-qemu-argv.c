/* test-qemu-argv: domain XML -> QEMU argv. The seed examples are checked option by option;
 * tests/data/xml2argv/NAME.xml -> NAME.args golden files (one argument per line) cover the
 * rest; run with VMDECK_REGENERATE=1 to rewrite the .args files after an intended change.
 * Host probes (emulator on PATH, /dev/kvm, free VNC port) run against the real host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drivers/qemu/qemu-argv.h"
#include "engine/domain-def.h"
#include "engine/store.h"
#include "testutil.h"

/* Strings behind a fake_opts result. */
struct fake_host {
    char *rundir;
    char *emulator;
    char *qmp_sup, *qmp_client;
};

/* A network resolver standing in for the virtual network driver. */
static const char *fake_network(void *opaque, const char *network)
{
    (void)opaque;
    return !strcmp(network, "default") ? "virbr0" : NULL;
}

/* The fake host every argv test uses: emulators in /usr/bin, fixed paths, KVM usable,
 * autoport picks 5900, network 'default' is active on virbr0. Release h with fake_free. */
static struct qemu_argv_opts fake_opts(const struct domain_def *def, struct fake_host *h)
{
    char *emu = qemu_argv_emulator_name(def->os.arch);
    h->emulator = store_printf("/usr/bin/%s", emu);
    free(emu);
    h->rundir = store_printf("/run/vmdeck/qemu/%s.d", def->name);
    h->qmp_sup = store_printf("%s/monitor.sock", h->rundir);
    h->qmp_client = store_printf("%s/qmp.sock", h->rundir);
    struct qemu_argv_opts o = {
        .emulator = def->emulator ? def->emulator : h->emulator,
        .run_dir = h->rundir,
        .qmp_sup = h->qmp_sup,
        .qmp_client = h->qmp_client,
        .kvm_usable = true,
        .vnc_port = 5900,
        .network_bridge = fake_network,
    };
    return o;
}

/* Free the strings of a fake host. */
static void fake_free(struct fake_host *h)
{
    free(h->rundir);
    free(h->emulator);
    free(h->qmp_sup);
    free(h->qmp_client);
}

/* Parse tests/data/REL or fail. */
static struct domain_def *load(const char *rel)
{
    char *path = testutil_data_path(rel);
    struct vmerr err = {0};
    struct domain_def *def = domain_def_parse_file(path, &err);
    if (!def)
        fail_msg("%s: %s", path, err.message);
    free(path);
    return def;
}

/* Build argv for def with opts or fail with the error. */
static char **build(const struct domain_def *def, struct qemu_argv_opts *o)
{
    struct vmerr err = {0};
    char **argv = qemu_argv_build(def, o, &err);
    if (!argv)
        fail_msg("argv for %s: %s", def->name, err.message);
    return argv;
}

/* Whether argv has opt immediately followed by value. */
static bool has_pair(char **argv, const char *opt, const char *value)
{
    for (size_t i = 0; argv[i] && argv[i + 1]; i++)
        if (!strcmp(argv[i], opt) && !strcmp(argv[i + 1], value))
            return true;
    return false;
}

/* Assert argv has opt value, printing the argv when it does not. */
static void expect_pair(char **argv, const char *opt, const char *value)
{
    if (has_pair(argv, opt, value))
        return;
    for (size_t i = 0; argv[i]; i++)
        print_message("  argv[%zu] = %s\n", i, argv[i]);
    fail_msg("expected '%s %s' in argv", opt, value);
}

/* Number of times opt appears. */
static int count_opt(char **argv, const char *opt)
{
    int n = 0;
    for (size_t i = 0; argv[i]; i++)
        n += !strcmp(argv[i], opt);
    return n;
}

/* kvm-demo2.xml: KVM guest with one IDE disk, a user NIC with a fixed MAC, autoport VNC. */
static void test_kvm_demo2(void **state)
{
    (void)state;
    struct domain_def *def = load("seed/kvm-demo2.xml");
    struct fake_host host;
    struct qemu_argv_opts o = fake_opts(def, &host);
    char **argv = build(def, &o);
    assert_string_equal(argv[0], "/home/user/usr/kvm-devel/bin/qemu-system-x86_64");
    expect_pair(argv, "-name", "guest=demo2");
    expect_pair(argv, "-uuid", "4dea24b3-1d52-d8f3-2516-782e98a23fa0");
    expect_pair(argv, "-machine", "pc,accel=kvm,acpi=off");
    expect_pair(argv, "-m", "128");
    expect_pair(argv, "-smp", "1");
    expect_pair(argv, "-rtc", "base=localtime");
    expect_pair(argv, "-drive",
                "file=/home/user/fedora/diskboot.img,format=raw,if=none,id=drive-ide0-0-0");
    expect_pair(argv, "-device", "ide-hd,bus=ide.0,unit=0,drive=drive-ide0-0-0,id=ide0-0-0");
    expect_pair(argv, "-netdev", "user,id=hostnet0");
    expect_pair(argv, "-device", "e1000,netdev=hostnet0,id=net0,mac=24:42:53:21:52:45");
    expect_pair(argv, "-vnc", "127.0.0.1:0");
    expect_pair(argv, "-device", "VGA,id=video0");
    expect_pair(argv, "-boot", "order=c");
    expect_pair(argv, "-mon", "chardev=charmonitor,id=monitor,mode=control");
    expect_pair(argv, "-mon", "chardev=charclient,id=client,mode=control");
    expect_pair(argv, "-chardev",
                "socket,id=charmonitor,path=/run/vmdeck/qemu/demo2.d/monitor.sock,server=on,"
                "wait=off");
    assert_int_equal(count_opt(argv, "-S"), 1);
    assert_int_equal(count_opt(argv, "-nodefaults"), 1);
    assert_int_equal(count_opt(argv, "-display"), 0);
    assert_int_equal(count_opt(argv, "-no-reboot"), 0);
    qemu_argv_free(argv);

    /* autoport follows the port the driver found free */
    o.vnc_port = 5917;
    argv = build(def, &o);
    expect_pair(argv, "-vnc", "127.0.0.1:17");
    qemu_argv_free(argv);
    fake_free(&host);
    domain_def_free(def);
}

/* qemu-fedora-i686.xml: i686 TCG guest, 2 vcpus, cdrom boot, readonly cdrom + disk. */
static void test_fedora_i686(void **state)
{
    (void)state;
    struct domain_def *def = load("seed/qemu-fedora-i686.xml");
    struct fake_host host;
    struct qemu_argv_opts o = fake_opts(def, &host);
    o.network_bridge = fake_network;
    char **argv = build(def, &o);
    assert_string_equal(argv[0], "/usr/bin/qemu");
    expect_pair(argv, "-machine", "pc,accel=tcg,acpi=off");
    expect_pair(argv, "-m", "214");
    expect_pair(argv, "-smp", "2");
    expect_pair(argv, "-boot", "order=d");
    expect_pair(argv, "-drive",
                "file=/home/user/boot.iso,format=raw,if=none,id=drive-ide0-1-0,readonly=on");
    expect_pair(argv, "-device", "ide-cd,bus=ide.1,unit=0,drive=drive-ide0-1-0,id=ide0-1-0");
    expect_pair(argv, "-drive", "file=/home/user/fedora.img,format=raw,if=none,id=drive-ide0-0-0");
    expect_pair(argv, "-device", "ide-hd,bus=ide.0,unit=0,drive=drive-ide0-0-0,id=ide0-0-0");
    /* the tap vmdeck opens reaches QEMU as the first tap fd */
    expect_pair(argv, "-netdev", "tap,fd=100,id=hostnet0");
    expect_pair(argv, "-vnc", "127.0.0.1:0");
    qemu_argv_free(argv);

    /* without a network driver the interface cannot be connected: a clear error */
    o.network_bridge = NULL;
    struct vmerr err = {0};
    argv = qemu_argv_build(def, &o, &err);
    assert_null(argv);
    assert_non_null(strstr(err.message, "network 'default' is not active"));
    assert_non_null(strstr(err.message, "QEmu-fedora-i686"));
    fake_free(&host);
    domain_def_free(def);
}

/* type='kvm' where KVM is not usable: the error names /dev/kvm and the probe's reason. Both
 * branches of the real /dev/kvm are checked as far as this machine allows. */
static void test_kvm_unusable(void **state)
{
    (void)state;
    struct domain_def *def = load("seed/kvm-demo2.xml");
    char why[256];
    assert_false(qemu_argv_kvm_probe("/nonexistent/kvm", why, sizeof(why)));
    assert_non_null(strstr(why, "cannot open /nonexistent/kvm"));
    struct fake_host host;
    struct qemu_argv_opts o = fake_opts(def, &host);
    o.kvm_usable = false;
    o.kvm_reason = why;
    struct vmerr err = {0};
    assert_null(qemu_argv_build(def, &o, &err));
    assert_non_null(strstr(err.message, "/dev/kvm"));
    assert_non_null(strstr(err.message, "cannot open /nonexistent/kvm"));
    assert_non_null(strstr(err.message, "demo2"));

    bool usable = qemu_argv_kvm_probe(QEMU_KVM_DEVICE, why, sizeof(why));
    o.kvm_usable = usable;
    vmerr_clear(&err);
    char **argv = qemu_argv_build(def, &o, &err);
    if (usable) {
        print_message("/dev/kvm is usable here: checking the accel=kvm branch\n");
        assert_non_null(argv);
        expect_pair(argv, "-machine", "pc,accel=kvm,acpi=off");
    } else {
        print_message("/dev/kvm is not usable here (%s): checking the error branch\n", why);
        assert_null(argv);
        assert_non_null(strstr(err.message, "/dev/kvm"));
    }
    qemu_argv_free(argv);
    fake_free(&host);
    domain_def_free(def);
}

/* kqemu and xen types cannot run under this QEMU. */
static void test_unsupported_types(void **state)
{
    (void)state;
    struct domain_def *def = load("seed/qemu-fedora-i686.xml");
    struct fake_host host;
    struct qemu_argv_opts o = fake_opts(def, &host);
    o.network_bridge = fake_network;
    def->type = DOMAIN_VIRT_KQEMU;
    struct vmerr err = {0};
    assert_null(qemu_argv_build(def, &o, &err));
    assert_non_null(strstr(err.message, "not supported by this QEMU"));
    def->type = DOMAIN_VIRT_XEN;
    assert_null(qemu_argv_build(def, &o, &err));
    assert_non_null(strstr(err.message, "type 'xen'"));
    fake_free(&host);
    domain_def_free(def);
}

/* Emulator lookup: a missing <emulator> is a clear error; otherwise PATH is searched. */
static void test_find_emulator(void **state)
{
    (void)state;
    struct domain_def *def = load("seed/qemu-fedora-i686.xml");
    struct vmerr err = {0};
    char *emu = qemu_argv_find_emulator(def, &err); /* /usr/bin/qemu does not exist */
    if (access("/usr/bin/qemu", X_OK) != 0) {
        assert_null(emu);
        assert_non_null(strstr(err.message, "emulator /usr/bin/qemu"));
        assert_non_null(strstr(err.message, "QEmu-fedora-i686"));
    }
    free(emu);
    free(def->emulator);
    def->emulator = strdup("/etc/passwd"); /* exists, not executable */
    assert_null(qemu_argv_find_emulator(def, &err));
    assert_non_null(strstr(err.message, "not an executable file"));
    free(def->emulator);
    def->emulator = NULL;
    emu = qemu_argv_find_emulator(def, &err); /* i686 -> qemu-system-i386 on PATH */
    assert_non_null(emu);
    assert_non_null(strstr(emu, "/qemu-system-i386"));
    assert_int_equal(access(emu, X_OK), 0);
    free(emu);
    char *saved = strdup(getenv("PATH") ? getenv("PATH") : "");
    setenv("PATH", "/nonexistent", 1);
    assert_null(qemu_argv_find_emulator(def, &err));
    assert_non_null(strstr(err.message, "qemu-system-i386 not found on PATH"));
    setenv("PATH", saved, 1);
    free(saved);
    char *name = qemu_argv_emulator_name(NULL);
    assert_string_equal(name, "qemu-system-x86_64");
    free(name);
    name = qemu_argv_emulator_name("aarch64");
    assert_string_equal(name, "qemu-system-aarch64");
    free(name);
    domain_def_free(def);
}

/* The VNC autoport probe skips a port that is taken. */
static void test_free_vnc_port(void **state)
{
    (void)state;
    struct vmerr err = {0};
    int first = qemu_argv_free_vnc_port(NULL, &err);
    assert_true(first >= 5900);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)first)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 1), 0);
    int next = qemu_argv_free_vnc_port("127.0.0.1", &err);
    assert_true(next > first);
    close(fd);
    assert_int_equal(qemu_argv_free_vnc_port("not-an-address", &err), -1);
    assert_non_null(strstr(err.message, "not-an-address"));
}

/* Bad disk layouts are refused with the disk named. */
static void test_disk_errors(void **state)
{
    (void)state;
    struct domain_def *def = load("seed/kvm-demo2.xml");
    struct fake_host host;
    struct qemu_argv_opts o = fake_opts(def, &host);
    struct vmerr err = {0};
    free(def->disks[0].target_dev);
    def->disks[0].target_dev = strdup("hde"); /* IDE on pc has hda-hdd only */
    assert_null(qemu_argv_build(def, &o, &err));
    assert_non_null(strstr(err.message, "hde"));
    free(def->disks[0].target_dev);
    def->disks[0].target_dev = strdup("xvda");
    free(def->disks[0].target_bus); /* the parser filled in the bus implied by hda */
    def->disks[0].target_bus = NULL;
    assert_null(qemu_argv_build(def, &o, &err));
    assert_non_null(strstr(err.message, "bus 'xen'"));
    free(def->disks[0].target_dev);
    def->disks[0].target_dev = strdup("hda");
    def->disks[0].readonly = true;
    assert_null(qemu_argv_build(def, &o, &err));
    assert_non_null(strstr(err.message, "read-only"));
    fake_free(&host);
    domain_def_free(def);
}

/* Join argv as one argument per line (the .args format). */
static char *join_lines(char **argv)
{
    size_t len = 1;
    for (size_t i = 0; argv[i]; i++)
        len += strlen(argv[i]) + 1;
    char *out = malloc(len), *p = out;
    for (size_t i = 0; argv[i]; i++)
        p += sprintf(p, "%s\n", argv[i]);
    *p = '\0';
    return out;
}

/* Every tests/data/xml2argv/NAME.xml must produce exactly NAME.args. */
static void test_golden(void **state)
{
    (void)state;
    char *dir = testutil_data_path("xml2argv");
    DIR *d = opendir(dir);
    assert_non_null(d);
    bool regenerate = getenv("VMDECK_REGENERATE") && !strcmp(getenv("VMDECK_REGENERATE"), "1");
    int cases = 0, failures = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".xml"))
            continue;
        char *xml = store_printf("xml2argv/%s", de->d_name);
        char *args = store_printf("%s/%.*s.args", dir, (int)(n - 4), de->d_name);
        struct domain_def *def = load(xml);
        struct fake_host host;
        struct qemu_argv_opts o = fake_opts(def, &host);
        char **argv = build(def, &o);
        char *got = join_lines(argv);
        if (regenerate) {
            struct vmerr err;
            assert_int_equal(store_write_atomic(args, got, strlen(got), &err), 0);
            print_message("regenerated %s\n", args);
        } else {
            char *want = store_read_file(args, NULL, NULL);
            if (!want || strcmp(want, got)) {
                print_message("%s differs from the argv built now:\n%s", args, got);
                failures++;
            }
            free(want);
        }
        cases++;
        free(got);
        qemu_argv_free(argv);
        fake_free(&host);
        domain_def_free(def);
        free(xml);
        free(args);
    }
    closedir(d);
    free(dir);
    assert_true(cases >= 40);
    assert_int_equal(failures, 0);
}

/* Comma escaping of option values. */
static void test_escape(void **state)
{
    (void)state;
    char *s = qemu_argv_escape("a,b,,c");
    assert_string_equal(s, "a,,b,,,,c");
    free(s);
    s = qemu_argv_escape("");
    assert_string_equal(s, "");
    free(s);
}

/* Parse XML text or fail. */
static struct domain_def *load_text(const char *xml)
{
    struct vmerr err = {0};
    struct domain_def *def = domain_def_parse_string(xml, NULL, &err);
    if (!def)
        fail_msg("%s", err.message);
    return def;
}

/* <vmdeck:hostfwd>: every bad attribute is a one-line error naming it; foreign elements of
 * other namespaces are ignored. */
static void test_hostfwd_errors(void **state)
{
    (void)state;
    static const struct {
        const char *attrs, *net, *want;
    } cases[] = {
        {"port='2222' guestport='22'", "user", NULL},
        {"port='0' guestport='22'", "user", "port '0' and guestport '22' must be 1-65535"},
        {"port='2222'", "user", "must be 1-65535"},
        {"protocol='sctp' port='1' guestport='2'", "user", "protocol 'sctp' is not tcp or udp"},
        {"address='::1' port='1' guestport='2'", "user", "address '::1' is not an IPv4"},
        {"interface='3' port='1' guestport='2'", "user", "interface '3' is not the index"},
        {"port='1' guestport='2'", "mcast", "needs a user interface"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *xml = store_printf(
            "<domain type='qemu' xmlns:vmdeck='%s' xmlns:other='urn:x'><name>fwd</name>"
            "<memory>65536</memory><os><type>hvm</type></os>"
            "<vmdeck:hostfwd %s/><other:hostfwd port='x'/><devices>"
            "<interface type='%s'>%s</interface></devices></domain>",
            QEMU_ARGV_VMDECK_NS, cases[i].attrs, cases[i].net,
            strcmp(cases[i].net, "user") ? "<source address='230.0.0.1' port='5000'/>" : "");
        struct domain_def *def = load_text(xml);
        struct fake_host host;
        struct qemu_argv_opts o = fake_opts(def, &host);
        struct vmerr err = {0};
        char **argv = qemu_argv_build(def, &o, &err);
        if (!cases[i].want) {
            if (!argv)
                fail_msg("case %zu: %s", i, err.message);
            expect_pair(argv, "-netdev", "user,hostfwd=tcp:127.0.0.1:2222-:22,id=hostnet0");
        } else {
            if (argv)
                fail_msg("case %zu (%s) was accepted", i, cases[i].attrs);
            if (!strstr(err.message, cases[i].want))
                fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].want);
            assert_non_null(strstr(err.message, "domain 'fwd'"));
        }
        qemu_argv_free(argv);
        fake_free(&host);
        domain_def_free(def);
        free(xml);
    }
}

/* SDL needs DISPLAY or WAYLAND_DISPLAY at start; VNC needs neither. */
static void test_display_check(void **state)
{
    (void)state;
    struct domain_def *def = load("xml2argv/sdl.xml");
    char *x = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
    char *w = getenv("WAYLAND_DISPLAY") ? strdup(getenv("WAYLAND_DISPLAY")) : NULL;
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    struct vmerr err = {0};
    assert_int_equal(qemu_argv_check_display(def, &err), -1);
    assert_non_null(strstr(err.message, "domain 'sdl'"));
    assert_non_null(strstr(err.message, "neither DISPLAY nor WAYLAND_DISPLAY"));
    setenv("DISPLAY", ":0", 1);
    assert_int_equal(qemu_argv_check_display(def, &err), 0);
    unsetenv("DISPLAY");
    def->graphics[0].type = DOMAIN_GRAPHICS_VNC;
    assert_int_equal(qemu_argv_check_display(def, &err), 0);
    if (x)
        setenv("DISPLAY", x, 1);
    if (w)
        setenv("WAYLAND_DISPLAY", w, 1);
    free(x);
    free(w);
    domain_def_free(def);
}

/* Balloon only below the maximum; pvpanic always on x86; taps numbered from fd 100 in
 * interface order, skipping non-tap NICs; a bridge interface without a source is refused. */
static void test_devices(void **state)
{
    (void)state;
    struct domain_def *def = load("xml2argv/memory-balloon.xml");
    struct fake_host host;
    struct qemu_argv_opts o = fake_opts(def, &host);
    char **argv = build(def, &o);
    expect_pair(argv, "-device", "virtio-balloon-pci,id=balloon0");
    expect_pair(argv, "-device", "pvpanic,id=panic0");
    expect_pair(argv, "-m", "256");
    qemu_argv_free(argv);
    def->current_memory_kib = def->memory_kib;
    argv = build(def, &o);
    assert_false(has_pair(argv, "-device", "virtio-balloon-pci,id=balloon0"));
    qemu_argv_free(argv);
    fake_free(&host);
    domain_def_free(def);

    def = load("xml2argv/net-taps-mixed.xml");
    o = fake_opts(def, &host);
    argv = build(def, &o);
    expect_pair(argv, "-netdev", "user,id=hostnet0");
    expect_pair(argv, "-netdev", "tap,fd=100,id=hostnet1");
    expect_pair(argv, "-netdev", "tap,fd=101,id=hostnet2");
    qemu_argv_free(argv);
    free(def->nets[1].source_bridge);
    def->nets[1].source_bridge = NULL;
    struct vmerr err = {0};
    assert_null(qemu_argv_build(def, &o, &err));
    assert_non_null(strstr(err.message, "without <source bridge=...>"));
    fake_free(&host);
    domain_def_free(def);

    def = load("xml2argv/boot-order-all.xml");
    o = fake_opts(def, &host);
    def->os.boot[3] = DOMAIN_BOOT_HD;
    def->os.nboot = 4;
    assert_null(qemu_argv_build(def, &o, &err));
    assert_non_null(strstr(err.message, "at most 3"));
    fake_free(&host);
    domain_def_free(def);
}

/* The tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kvm_demo2),     cmocka_unit_test(test_fedora_i686),
        cmocka_unit_test(test_kvm_unusable),  cmocka_unit_test(test_unsupported_types),
        cmocka_unit_test(test_find_emulator), cmocka_unit_test(test_free_vnc_port),
        cmocka_unit_test(test_disk_errors),   cmocka_unit_test(test_golden),
        cmocka_unit_test(test_escape),        cmocka_unit_test(test_hostfwd_errors),
        cmocka_unit_test(test_display_check), cmocka_unit_test(test_devices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
