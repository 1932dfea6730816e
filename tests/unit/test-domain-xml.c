/* test-domain-xml: the domain XML model against the seed examples, golden files of what we
 * write, round trips, bad input (codes, lines, fields) and uuids; hostile input is in
 * test-xml-hostile.c. The real libxml2 parser is
 * used throughout; nothing is mocked. VMDECK_REGENERATE=1 rewrites the golden files in
 * tests/data/domain-format/ (review the diff before committing them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "engine/domain-def.h"
#include "engine/schema.h"
#include "engine/store.h"
#include "engine/xmlutil.h"
#include "testutil.h"

/* The seed examples that are whole domains, and the golden file name of each. */
static const char *const seed_domains[] = {"kvm-demo2", "qemu-fedora-i686", "xen-hvm-fv0",
                                           "xen-pv-fc4", NULL};

/* Uuid put into defs whose XML has none, so golden files are stable. */
static const char fixed_uuid[] = "00000000-0000-4000-8000-000000000000";

/* Everything the model knows, with live data, for round trips and copies. */
static const char kitchen_sink_xml[] =
    "<domain type='kvm' id='7' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
    "  <name>web-db_prod.1+x:\xc3\xbcn\xc3\xaf</name>\n"
    "  <uuid>0f1e2d3c4b5a69788796a5b4c3d2e1f0</uuid>\n"
    "  <metadata>\n"
    "    <app:info xmlns:app='https://example.org/app' owner='ops'>keep &amp; me<app:tag/>"
    "</app:info>\n"
    "  </metadata>\n"
    "  <memory unit='GiB'>2</memory>\n"
    "  <currentMemory unit='MiB'>1536</currentMemory>\n"
    "  <vcpu placement='static'>4</vcpu>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='q35'>hvm</type>\n"
    "    <loader>/usr/share/seabios/bios.bin</loader>\n"
    "    <kernel>/boot/vmlinuz</kernel>\n"
    "    <initrd>/boot/initrd.img</initrd>\n"
    "    <cmdline>console=ttyS0 quiet msg=\"a &amp; b\" x&lt;y</cmdline>\n"
    "    <root>/dev/vda1</root>\n"
    "    <boot dev='hd'/>\n"
    "    <boot dev='cdrom'/>\n"
    "    <boot dev='network'/>\n"
    "    <boot dev='fd'/>\n"
    "  </os>\n"
    "  <features><pae/><acpi/><apic/></features>\n"
    "  <clock offset='utc'/>\n"
    "  <on_poweroff>preserve</on_poweroff>\n"
    "  <on_reboot>destroy</on_reboot>\n"
    "  <on_crash>rename-restart</on_crash>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
    "    <disk type='file' device='disk'>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>\n"
    "      <source file='/var/lib/images/web db.img'/>\n"
    "      <alias name='ua-boot'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "      <driver name='qemu' type='raw' cache='none'/>\n"
    "    </disk>\n"
    "    <disk type='block' device='disk'>\n"
    "      <source dev='/dev/sdb'/>\n"
    "      <target dev='sda' bus='sata'/>\n"
    "      <shareable/>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <target dev='hdc'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <disk type='file' device='floppy'>\n"
    "      <source file='/tmp/fd.img'/>\n"
    "      <target dev='fda'/>\n"
    "    </disk>\n"
    "    <interface type='user'><mac address='52:54:00:00:00:01'/><model "
    "type='e1000'/><alias name='net0'/>"
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>\n"
    "    <interface type='network'><source network='default'/><target dev='vnet7'/></interface>\n"
    "    <interface type='bridge'><mac address='52:54:00:00:00:03'/><source bridge='br0'/>"
    "<ip address='192.168.1.20'/><script path='/etc/qemu-ifup-br'/></interface>\n"
    "    <interface type='ethernet'><source dev='tap3'/><script path='/etc/qemu-ifup'/>"
    "<target dev='tap3'/></interface>\n"
    "    <interface type='mcast'><source address='230.0.0.1' port='5558'/></interface>\n"
    "    <interface type='server'><source port='5559'/></interface>\n"
    "    <interface type='client'><source address='192.168.0.1' port='5559'/>"
    "<model type='virtio'/></interface>\n"
    "    <serial type='pty' tty='/dev/pts/3'><target port='0'/></serial>\n"
    "    <serial type='pty'><source path='/dev/pts/4'/><alias name='serial1'/>"
    "<target type='isa-serial' port='1'><model name='isa-serial'/></target></serial>\n"
    "    <console type='pty' tty='/dev/pts/3'><target type='serial' port='0'/></console>\n"
    "    <graphics type='vnc' port='5901' autoport='yes' listen='0.0.0.0'>"
    "<listen type='address' address='0.0.0.0'/></graphics>\n"
    "    <graphics type='sdl'/>\n"
    "  </devices>\n"
    "  <q:commandline>\n"
    "    <q:arg value='-no-hpet'/>\n"
    "  </q:commandline>\n"
    "</domain>\n";

/* Parse tests/data/seed/NAME.xml, failing the test with the error if it does not parse. */
static struct domain_def *parse_seed(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "seed/%s.xml", name);
    char *path = testutil_data_path(rel);
    struct vmerr err = {0};
    struct domain_def *def = domain_def_parse_file(path, &err);
    if (!def) {
        char line[1500];
        fail_msg("%s: %s", path, vmerr_line(&err, line, sizeof(line)));
    }
    free(path);
    return def;
}

/* Parse a string that must parse. */
static struct domain_def *parse_ok(const char *xml)
{
    struct vmerr err = {0};
    struct domain_def *def = domain_def_parse_string(xml, "test.xml", &err);
    if (!def) {
        char line[1500];
        fail_msg("unexpected error: %s\n%s", vmerr_line(&err, line, sizeof(line)), xml);
    }
    assert_int_equal(err.code, VMERR_OK);
    return def;
}

/* A minimal domain around a <devices> body (devices start on line 5). */
static char *wrap_devices(const char *devices)
{
    const char *head = "<domain type='qemu'>\n"
                       "  <name>wrapped</name>\n"
                       "  <memory>65536</memory>\n"
                       "  <os><type>hvm</type></os>\n"
                       "  <devices>\n";
    const char *tail = "  </devices>\n</domain>\n";
    char *s = malloc(strlen(head) + strlen(devices) + strlen(tail) + 1);
    strcpy(s, head);
    strcat(s, devices);
    strcat(s, tail);
    return s;
}

/* Check that every uuid byte is 0 (the "not set" state). */
static bool uuid_is_zero(const unsigned char uuid[16])
{
    for (int i = 0; i < 16; i++)
        if (uuid[i])
            return false;
    return true;
}

/* Field-by-field equality of two optional strings. */
static void assert_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}


/* Assert two serial or console arrays are equal, field by field. */
static void assert_chrs_equal(const struct domain_chr *a, size_t na, const struct domain_chr *b,
                              size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].type, b[i].type);
        assert_int_equal(a[i].port, b[i].port);
        assert_str_eq(a[i].tty, b[i].tty);
        assert_str_eq(a[i].alias, b[i].alias);
        assert_int_equal(a[i].isa_serial, b[i].isa_serial);
        assert_int_equal(a[i].isa_serial_model, b[i].isa_serial_model);
    }
}

/* Assert two definitions are equal in every field the model has. */
static void assert_defs_equal(const struct domain_def *a, const struct domain_def *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->id, b->id);
    assert_str_eq(a->name, b->name);
    assert_memory_equal(a->uuid, b->uuid, 16);
    assert_int_equal(a->memory_kib, b->memory_kib);
    assert_int_equal(a->current_memory_kib, b->current_memory_kib);
    assert_int_equal(a->vcpus, b->vcpus);
    assert_str_eq(a->os.type, b->os.type);
    assert_str_eq(a->os.arch, b->os.arch);
    assert_str_eq(a->os.machine, b->os.machine);
    assert_str_eq(a->os.loader, b->os.loader);
    assert_str_eq(a->os.kernel, b->os.kernel);
    assert_str_eq(a->os.initrd, b->os.initrd);
    assert_str_eq(a->os.cmdline, b->os.cmdline);
    assert_str_eq(a->os.root, b->os.root);
    assert_int_equal(a->os.nboot, b->os.nboot);
    for (size_t i = 0; i < a->os.nboot; i++)
        assert_int_equal(a->os.boot[i], b->os.boot[i]);
    assert_int_equal(a->feature_pae, b->feature_pae);
    assert_int_equal(a->feature_acpi, b->feature_acpi);
    assert_int_equal(a->feature_apic, b->feature_apic);
    assert_int_equal(a->has_clock, b->has_clock);
    assert_int_equal(a->clock, b->clock);
    assert_int_equal(a->on_poweroff, b->on_poweroff);
    assert_int_equal(a->on_reboot, b->on_reboot);
    assert_int_equal(a->on_crash, b->on_crash);
    assert_str_eq(a->emulator, b->emulator);
    assert_int_equal(a->ndisks, b->ndisks);
    for (size_t i = 0; i < a->ndisks; i++) {
        const struct domain_disk *x = &a->disks[i], *y = &b->disks[i];
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->device, y->device);
        assert_str_eq(x->source, y->source);
        assert_str_eq(x->target_dev, y->target_dev);
        assert_str_eq(x->target_bus, y->target_bus);
        assert_int_equal(x->readonly, y->readonly);
        assert_int_equal(x->shareable, y->shareable);
        assert_str_eq(x->driver_name, y->driver_name);
        assert_str_eq(x->driver_type, y->driver_type);
        assert_str_eq(x->driver_cache, y->driver_cache);
        assert_str_eq(x->alias, y->alias);
        assert_str_eq(x->address, y->address);
    }
    assert_int_equal(a->nnets, b->nnets);
    for (size_t i = 0; i < a->nnets; i++) {
        const struct domain_net *x = &a->nets[i], *y = &b->nets[i];
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->has_mac, y->has_mac);
        assert_memory_equal(x->mac, y->mac, 6);
        assert_str_eq(x->source_network, y->source_network);
        assert_str_eq(x->source_bridge, y->source_bridge);
        assert_str_eq(x->source_dev, y->source_dev);
        assert_str_eq(x->source_address, y->source_address);
        assert_int_equal(x->source_port, y->source_port);
        assert_str_eq(x->script, y->script);
        assert_str_eq(x->target_dev, y->target_dev);
        assert_str_eq(x->model, y->model);
        assert_str_eq(x->ip, y->ip);
        assert_str_eq(x->alias, y->alias);
        assert_str_eq(x->address, y->address);
    }
    assert_chrs_equal(a->serials, a->nserials, b->serials, b->nserials);
    assert_chrs_equal(a->consoles, a->nconsoles, b->consoles, b->nconsoles);
    assert_int_equal(a->ngraphics, b->ngraphics);
    for (size_t i = 0; i < a->ngraphics; i++) {
        assert_int_equal(a->graphics[i].type, b->graphics[i].type);
        assert_int_equal(a->graphics[i].port, b->graphics[i].port);
        assert_int_equal(a->graphics[i].autoport, b->graphics[i].autoport);
        assert_str_eq(a->graphics[i].listen, b->graphics[i].listen);
    }
    assert_int_equal(a->has_metadata, b->has_metadata);
    assert_int_equal(a->nmetadata, b->nmetadata);
    for (size_t i = 0; i < a->nmetadata; i++)
        assert_string_equal(a->metadata[i], b->metadata[i]);
    assert_int_equal(a->nforeign, b->nforeign);
    for (size_t i = 0; i < a->nforeign; i++)
        assert_string_equal(a->foreign[i], b->foreign[i]);
}

/* Assert libxml2 itself reads text as a well-formed document with a <domain> root. */
static void assert_libxml2_wellformed(const char *text)
{
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    assert_non_null(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_non_null(root);
    assert_string_equal((const char *)root->name, "domain");
    xmlFreeDoc(doc);
}

/* Parse xml expecting an error with code, line and field, whose message contains text. */
static void expect_error(const char *xml, enum vmerr_code code, int line, const char *field,
                         const char *text)
{
    struct vmerr err = {0};
    struct testutil_stderr cap;
    testutil_stderr_begin(&cap);
    struct domain_def *def = domain_def_parse_string(xml, "bad.xml", &err);
    long printed = testutil_stderr_end(&cap);
    if (def) {
        domain_def_free(def);
        fail_msg("parsed but expected an error containing \"%s\":\n%s", text, xml);
    }
    assert_int_equal(printed, 0);
    if (!strstr(err.message, text))
        fail_msg("message \"%s\" does not contain \"%s\"", err.message, text);
    assert_int_equal(err.code, code);
    assert_int_equal(err.line, line);
    assert_string_equal(err.field, field);
    if (code == VMERR_XML)
        assert_string_equal(err.file, "bad.xml");
    assert_null(strchr(err.message, '\n'));
}

/* kvm-demo2.xml in detail: <clock sync='localtime'>, user NIC with MAC, VNC autoport. */
static void test_seed_kvm_demo2(void **state)
{
    (void)state;
    struct domain_def *d = parse_seed("kvm-demo2");
    char uuid[37];
    assert_int_equal(d->type, DOMAIN_VIRT_KVM);
    assert_int_equal(d->id, -1);
    assert_string_equal(d->name, "demo2");
    domain_uuid_format(d->uuid, uuid);
    assert_string_equal(uuid, "4dea24b3-1d52-d8f3-2516-782e98a23fa0");
    assert_int_equal(d->memory_kib, 131072);
    assert_int_equal(d->current_memory_kib, 131072); /* defaults to <memory> */
    assert_int_equal(d->vcpus, 1);
    assert_string_equal(d->os.type, "hvm");
    assert_null(d->os.arch);
    assert_null(d->os.machine);
    assert_int_equal(d->os.nboot, 0);
    assert_true(d->has_clock);
    assert_int_equal(d->clock, DOMAIN_CLOCK_LOCALTIME);
    assert_int_equal(d->on_poweroff, DOMAIN_LIFECYCLE_DESTROY);
    assert_int_equal(d->on_reboot, DOMAIN_LIFECYCLE_RESTART);
    assert_int_equal(d->on_crash, DOMAIN_LIFECYCLE_DESTROY);
    assert_string_equal(d->emulator, "/home/user/usr/kvm-devel/bin/qemu-system-x86_64");
    assert_int_equal(d->ndisks, 1);
    assert_int_equal(d->disks[0].type, DOMAIN_DISK_TYPE_FILE);
    assert_int_equal(d->disks[0].device, DOMAIN_DISK_DEVICE_DISK);
    assert_string_equal(d->disks[0].source, "/home/user/fedora/diskboot.img");
    assert_string_equal(d->disks[0].target_dev, "hda");
    assert_string_equal(d->disks[0].target_bus, "ide");
    assert_false(d->disks[0].readonly);
    assert_int_equal(d->disks[0].line, 12);
    assert_int_equal(d->nnets, 1);
    assert_int_equal(d->nets[0].type, DOMAIN_NET_USER);
    assert_true(d->nets[0].has_mac);
    const unsigned char mac[6] = {0x24, 0x42, 0x53, 0x21, 0x52, 0x45};
    assert_memory_equal(d->nets[0].mac, mac, 6);
    assert_int_equal(d->nets[0].line, 16);
    assert_int_equal(d->ngraphics, 1);
    assert_int_equal(d->graphics[0].type, DOMAIN_GRAPHICS_VNC);
    assert_int_equal(d->graphics[0].port, -1);
    assert_true(d->graphics[0].autoport);
    assert_int_equal(d->nserials + d->nconsoles, 0);
    domain_def_free(d);
}

/* qemu-fedora-i686.xml in detail: arch/machine, boot cdrom, cdrom readonly, network NIC
 * spelled <source name='default'/>. */
static void test_seed_qemu_fedora(void **state)
{
    (void)state;
    struct domain_def *d = parse_seed("qemu-fedora-i686");
    char uuid[37];
    assert_int_equal(d->type, DOMAIN_VIRT_QEMU);
    assert_string_equal(d->name, "QEmu-fedora-i686");
    domain_uuid_format(d->uuid, uuid);
    assert_string_equal(uuid, "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
    assert_int_equal(d->memory_kib, 219200);
    assert_int_equal(d->current_memory_kib, 219200);
    assert_int_equal(d->vcpus, 2);
    assert_string_equal(d->os.type, "hvm");
    assert_string_equal(d->os.arch, "i686");
    assert_string_equal(d->os.machine, "pc");
    assert_int_equal(d->os.nboot, 1);
    assert_int_equal(d->os.boot[0], DOMAIN_BOOT_CDROM);
    assert_false(d->has_clock);
    assert_string_equal(d->emulator, "/usr/bin/qemu");
    assert_int_equal(d->ndisks, 2);
    assert_int_equal(d->disks[0].device, DOMAIN_DISK_DEVICE_CDROM);
    assert_string_equal(d->disks[0].source, "/home/user/boot.iso");
    assert_string_equal(d->disks[0].target_dev, "hdc");
    assert_true(d->disks[0].readonly);
    assert_int_equal(d->disks[1].device, DOMAIN_DISK_DEVICE_DISK);
    assert_string_equal(d->disks[1].source, "/home/user/fedora.img");
    assert_string_equal(d->disks[1].target_dev, "hda");
    assert_false(d->disks[1].readonly);
    assert_int_equal(d->nnets, 1);
    assert_int_equal(d->nets[0].type, DOMAIN_NET_NETWORK);
    assert_false(d->nets[0].has_mac);
    assert_string_equal(d->nets[0].source_network, "default");
    assert_int_equal(d->ngraphics, 1);
    assert_int_equal(d->graphics[0].port, -1);
    assert_true(d->graphics[0].autoport);
    char *xml = domain_def_format(d, 0);
    assert_non_null(strstr(xml, "<source network='default'/>"));
    assert_null(strstr(xml, "name='default'"));
    free(xml);
    domain_def_free(d);
}

/* xen-hvm-fv0.xml: live id, uuid without dashes, features, lifecycle, floppy, bridge NIC,
 * fixed VNC port. */
static void test_seed_xen_hvm(void **state)
{
    (void)state;
    struct domain_def *d = parse_seed("xen-hvm-fv0");
    char uuid[37];
    assert_int_equal(d->type, DOMAIN_VIRT_XEN);
    assert_int_equal(d->id, 3);
    domain_uuid_format(d->uuid, uuid);
    assert_string_equal(uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
    assert_string_equal(d->os.loader, "/usr/lib/xen/boot/hvmloader");
    assert_true(d->feature_pae && d->feature_acpi && d->feature_apic);
    assert_int_equal(d->clock, DOMAIN_CLOCK_LOCALTIME);
    assert_int_equal(d->on_crash, DOMAIN_LIFECYCLE_RESTART);
    assert_int_equal(d->ndisks, 3);
    assert_int_equal(d->disks[0].device, DOMAIN_DISK_DEVICE_DISK); /* device= omitted */
    assert_int_equal(d->disks[2].device, DOMAIN_DISK_DEVICE_FLOPPY);
    assert_string_equal(d->disks[2].target_bus, "fdc");
    assert_int_equal(d->nets[0].type, DOMAIN_NET_BRIDGE);
    assert_string_equal(d->nets[0].source_bridge, "xenbr0");
    assert_string_equal(d->nets[0].script, "vif-bridge");
    assert_int_equal(d->graphics[0].port, 5904);
    assert_false(d->graphics[0].autoport);
    char *live = domain_def_format(d, 0),
         *inactive = domain_def_format(d, DOMAIN_DEF_FORMAT_INACTIVE);
    assert_non_null(strstr(live, "<domain type='xen' id='3'>"));
    assert_non_null(strstr(inactive, "<domain type='xen'>\n"));
    free(live);
    free(inactive);
    domain_def_free(d);
}

/* xen-pv-fc4.xml: no uuid (one is generated), os type linux, console without a type. */
static void test_seed_xen_pv(void **state)
{
    (void)state;
    struct domain_def *d = parse_seed("xen-pv-fc4");
    assert_int_equal(d->id, 18);
    assert_false(uuid_is_zero(d->uuid));
    assert_int_equal(d->uuid[6] >> 4, 4);
    assert_string_equal(d->os.type, "linux");
    assert_string_equal(d->os.kernel, "/boot/vmlinuz-2.6.15-1.43_FC5guest");
    assert_string_equal(d->os.initrd, "/boot/initrd-2.6.15-1.43_FC5guest.img");
    assert_string_equal(d->os.root, "/dev/sda1");
    assert_string_equal(d->os.cmdline, " ro selinux=0 3"); /* text kept as written */
    assert_int_equal(d->nconsoles, 1);
    assert_int_equal(d->nserials, 0); /* Xen PV consoles are not serial ports */
    assert_int_equal(d->consoles[0].type, DOMAIN_CHR_PTY);
    assert_string_equal(d->consoles[0].tty, "/dev/pts/5");
    char *xml = domain_def_format(d, 0);
    assert_non_null(strstr(xml, "<type>xen</type>"));
    assert_non_null(strstr(xml, "    <console type='pty' tty='/dev/pts/5'>\n"
                                "      <source path='/dev/pts/5'/>\n"
                                "      <target type='xen' port='0'/>\n"
                                "    </console>\n"));
    free(xml);
    xml = domain_def_format(d, DOMAIN_DEF_FORMAT_INACTIVE);
    assert_null(strstr(xml, "/dev/pts/5"));
    assert_null(strstr(xml, "id="));
    free(xml);
    domain_def_free(d);
}

/* The interface seed fragments, each wrapped into a domain. */
static void test_seed_interfaces(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        enum domain_net_type type;
        size_t count;
    } cases[] = {
        {"iface-user", DOMAIN_NET_USER, 1},         {"iface-user-mac", DOMAIN_NET_USER, 1},
        {"iface-network", DOMAIN_NET_NETWORK, 2},   {"iface-bridge", DOMAIN_NET_BRIDGE, 2},
        {"iface-ethernet", DOMAIN_NET_ETHERNET, 2}, {"iface-mcast", DOMAIN_NET_MCAST, 1},
        {"iface-server", DOMAIN_NET_SERVER, 1},     {"iface-client", DOMAIN_NET_CLIENT, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "seed/%s.xml", cases[i].file);
        char *path = testutil_data_path(rel), *frag = testutil_read(path);
        char *xml = wrap_devices(frag);
        struct domain_def *d = parse_ok(xml);
        assert_int_equal(d->nnets, cases[i].count);
        for (size_t k = 0; k < d->nnets; k++)
            assert_int_equal(d->nets[k].type, cases[i].type);
        const struct domain_net *last = &d->nets[d->nnets - 1];
        switch (cases[i].type) {
        case DOMAIN_NET_USER:
            assert_int_equal(last->has_mac, !strcmp(cases[i].file, "iface-user-mac"));
            break;
        case DOMAIN_NET_NETWORK:
        case DOMAIN_NET_BRIDGE: {
            const unsigned char mac[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
            assert_true(last->has_mac);
            assert_memory_equal(last->mac, mac, 6);
            assert_string_equal(last->target_dev, "vnet7");
            if (cases[i].type == DOMAIN_NET_NETWORK)
                assert_string_equal(last->source_network, "default");
            else /* the seed's <source dev='br0'/> spelling for bridges */
                assert_string_equal(last->source_bridge, "br0");
            break;
        }
        case DOMAIN_NET_ETHERNET:
            assert_string_equal(last->target_dev, "vnet7");
            assert_string_equal(last->script, "/etc/qemu-ifup-mynet");
            break;
        case DOMAIN_NET_MCAST:
            assert_string_equal(last->source_address, "230.0.0.1");
            assert_int_equal(last->source_port, 5558);
            break;
        case DOMAIN_NET_SERVER:
        case DOMAIN_NET_CLIENT:
            assert_string_equal(last->source_address, "192.168.0.1");
            assert_int_equal(last->source_port, 5558);
            break;
        }
        domain_def_free(d);
        free(xml);
        free(frag);
        free(path);
    }
}

/* The lifecycle seed fragment's actions (its "..." lines are not XML of ours). */
static void test_seed_lifecycle(void **state)
{
    (void)state;
    char *path = testutil_data_path("seed/lifecycle-fragment.xml"), *frag = testutil_read(path);
    expect_error(frag, VMERR_XML, 2, "domain", "unexpected text '...' in <domain>");
    char xml[1024] = "<domain type='qemu'><name>lc</name><memory>1024</memory>"
                     "<os><type>hvm</type></os>\n";
    for (char *line = strtok(frag, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, "<on_"))
            strcat(strcat(xml, line), "\n");
    strcat(xml, "</domain>\n");
    struct domain_def *d = parse_ok(xml);
    assert_int_equal(d->on_reboot, DOMAIN_LIFECYCLE_RESTART);
    assert_int_equal(d->on_poweroff, DOMAIN_LIFECYCLE_DESTROY);
    assert_int_equal(d->on_crash, DOMAIN_LIFECYCLE_RENAME_RESTART);
    char *out = domain_def_format(d, 0);
    assert_non_null(strstr(out, "  <on_poweroff>destroy</on_poweroff>\n"
                                "  <on_reboot>restart</on_reboot>\n"
                                "  <on_crash>rename-restart</on_crash>\n"));
    free(out);
    domain_def_free(d);
    free(frag);
    free(path);
}

/* parse -> format -> parse -> format: identical text and equal defs, live and inactive;
 * the copy is deep and equal; libxml2 reads what we write. */
static void check_round_trip(const char *xml)
{
    struct domain_def *a = parse_ok(xml);
    char *t1 = domain_def_format(a, 0);
    assert_libxml2_wellformed(t1);
    struct domain_def *b = parse_ok(t1);
    char *t2 = domain_def_format(b, 0);
    assert_string_equal(t1, t2);
    assert_defs_equal(a, b);

    struct domain_def *c = domain_def_copy(a);
    assert_non_null(c);
    domain_def_free(a); /* the copy must not share anything with a */
    char *t3 = domain_def_format(c, 0);
    assert_string_equal(t1, t3);
    assert_defs_equal(b, c);

    char *i1 = domain_def_format(c, DOMAIN_DEF_FORMAT_INACTIVE);
    assert_libxml2_wellformed(i1);
    assert_null(strstr(i1, " id='"));
    assert_null(strstr(i1, "tty="));
    assert_null(strstr(i1, "<source path="));
    struct domain_def *d = parse_ok(i1);
    assert_int_equal(d->id, -1);
    char *i2 = domain_def_format(d, DOMAIN_DEF_FORMAT_INACTIVE);
    assert_string_equal(i1, i2);
    char *i3 = domain_def_format(d, 0); /* nothing live left to write */
    assert_string_equal(i1, i3);
    free(t1);
    free(t2);
    free(t3);
    free(i1);
    free(i2);
    free(i3);
    domain_def_free(b);
    domain_def_free(c);
    domain_def_free(d);
}

/* Round trips of every seed domain and of the everything-example. */
static void test_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; seed_domains[i]; i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "seed/%s.xml", seed_domains[i]);
        char *path = testutil_data_path(rel), *xml = testutil_read(path);
        check_round_trip(xml);
        free(xml);
        free(path);
    }
    check_round_trip(kitchen_sink_xml);
}

/* The everything-example formats to exactly libvirt's spelling and order. */
static void test_format_kitchen_sink(void **state)
{
    (void)state;
    struct domain_def *d = parse_ok(kitchen_sink_xml);
    char *xml = domain_def_format(d, 0);
    static const char expected[] =
        "<domain type='kvm' id='7'>\n"
        "  <name>web-db_prod.1+x:\xc3\xbcn\xc3\xaf</name>\n"
        "  <uuid>0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0</uuid>\n"
        "  <metadata>\n"
        "    <app:info xmlns:app=\"https://example.org/app\" owner=\"ops\">keep &amp; me<app:tag/>"
        "</app:info>\n"
        "  </metadata>\n"
        "  <memory unit='KiB'>2097152</memory>\n"
        "  <currentMemory unit='KiB'>1572864</currentMemory>\n"
        "  <vcpu placement='static'>4</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='q35'>hvm</type>\n"
        "    <loader>/usr/share/seabios/bios.bin</loader>\n"
        "    <kernel>/boot/vmlinuz</kernel>\n"
        "    <initrd>/boot/initrd.img</initrd>\n"
        "    <cmdline>console=ttyS0 quiet msg=&quot;a &amp; b&quot; x&lt;y</cmdline>\n"
        "    <root>/dev/vda1</root>\n"
        "    <boot dev='hd'/>\n"
        "    <boot dev='cdrom'/>\n"
        "    <boot dev='network'/>\n"
        "    <boot dev='fd'/>\n"
        "  </os>\n"
        "  <features>\n"
        "    <acpi/>\n"
        "    <apic/>\n"
        "    <pae/>\n"
        "  </features>\n"
        "  <clock offset='utc'/>\n"
        "  <on_poweroff>preserve</on_poweroff>\n"
        "  <on_reboot>destroy</on_reboot>\n"
        "  <on_crash>rename-restart</on_crash>\n"
        "  <devices>\n"
        "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
        "    <disk type='file' device='disk'>\n"
        "      <driver name='qemu' type='raw' cache='none'/>\n"
        "      <source file='/var/lib/images/web db.img'/>\n"
        "      <target dev='vda' bus='virtio'/>\n"
        "      <alias name='ua-boot'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>\n"
        "    </disk>\n"
        "    <disk type='block' device='disk'>\n"
        "      <source dev='/dev/sdb'/>\n"
        "      <target dev='sda' bus='sata'/>\n"
        "      <shareable/>\n"
        "    </disk>\n"
        "    <disk type='file' device='cdrom'>\n"
        "      <target dev='hdc' bus='ide'/>\n"
        "      <readonly/>\n"
        "    </disk>\n"
        "    <disk type='file' device='floppy'>\n"
        "      <source file='/tmp/fd.img'/>\n"
        "      <target dev='fda' bus='fdc'/>\n"
        "    </disk>\n"
        "    <interface type='user'>\n"
        "      <mac address='52:54:00:00:00:01'/>\n"
        "      <model type='e1000'/>\n"
        "      <alias name='net0'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>\n"
        "    </interface>\n"
        "    <interface type='network'>\n"
        "      <source network='default'/>\n"
        "      <target dev='vnet7'/>\n"
        "    </interface>\n"
        "    <interface type='bridge'>\n"
        "      <mac address='52:54:00:00:00:03'/>\n"
        "      <source bridge='br0'/>\n"
        "      <ip address='192.168.1.20'/>\n"
        "      <script path='/etc/qemu-ifup-br'/>\n"
        "    </interface>\n"
        "    <interface type='ethernet'>\n"
        "      <source dev='tap3'/>\n"
        "      <script path='/etc/qemu-ifup'/>\n"
        "      <target dev='tap3'/>\n"
        "    </interface>\n"
        "    <interface type='mcast'>\n"
        "      <source address='230.0.0.1' port='5558'/>\n"
        "    </interface>\n"
        "    <interface type='server'>\n"
        "      <source port='5559'/>\n"
        "    </interface>\n"
        "    <interface type='client'>\n"
        "      <source address='192.168.0.1' port='5559'/>\n"
        "      <model type='virtio'/>\n"
        "    </interface>\n"
        "    <serial type='pty'>\n"
        "      <source path='/dev/pts/3'/>\n"
        "      <target port='0'/>\n"
        "    </serial>\n"
        "    <serial type='pty'>\n"
        "      <source path='/dev/pts/4'/>\n"
        "      <target type='isa-serial' port='1'>\n"
        "        <model name='isa-serial'/>\n"
        "      </target>\n"
        "      <alias name='serial1'/>\n"
        "    </serial>\n"
        "    <console type='pty' tty='/dev/pts/3'>\n"
        "      <source path='/dev/pts/3'/>\n"
        "      <target type='serial' port='0'/>\n"
        "    </console>\n"
        "    <graphics type='vnc' port='5901' autoport='yes' listen='0.0.0.0'>\n"
        "      <listen type='address' address='0.0.0.0'/>\n"
        "    </graphics>\n"
        "    <graphics type='sdl'/>\n"
        "  </devices>\n"
        "  <q:commandline xmlns:q=\"http://libvirt.org/schemas/domain/qemu/1.0\">\n"
        "    <q:arg value=\"-no-hpet\"/>\n"
        "  </q:commandline>\n"
        "</domain>\n";
    assert_string_equal(xml, expected);
    free(xml);
    /* inactive: no id, no pty paths, autoport shown as port -1 */
    xml = domain_def_format(d, DOMAIN_DEF_FORMAT_INACTIVE);
    assert_non_null(strstr(xml, "<domain type='kvm'>\n"));
    assert_non_null(strstr(xml, "    <serial type='pty'>\n      <target port='0'/>\n"));
    assert_non_null(strstr(xml, "    <console type='pty'>\n"
                                "      <target type='serial' port='0'/>\n"));
    assert_non_null(strstr(xml, "<graphics type='vnc' port='-1' autoport='yes' listen="));
    free(xml);
    domain_def_free(d);
}

/* Golden files: what we write for each seed domain, reviewed once against libvirt. */
static void test_golden_files(void **state)
{
    (void)state;
    const char *regen = getenv("VMDECK_REGENERATE");
    for (size_t i = 0; seed_domains[i]; i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "seed/%s.xml", seed_domains[i]);
        char *seed_path = testutil_data_path(rel), *seed = testutil_read(seed_path);
        struct domain_def *d = parse_ok(seed);
        if (!strstr(seed, "<uuid>")) /* generated: pin it so the file is stable */
            assert_int_equal(domain_uuid_parse(fixed_uuid, d->uuid), 0);
        char *xml = domain_def_format(d, 0);
        snprintf(rel, sizeof(rel), "domain-format/%s.xml", seed_domains[i]);
        char *golden_path = testutil_data_path(rel);
        if (regen && !strcmp(regen, "1")) {
            FILE *f = fopen(golden_path, "w");
            assert_non_null(f);
            fputs(xml, f);
            assert_int_equal(fclose(f), 0);
        } else {
            char *golden = testutil_read(golden_path);
            assert_string_equal(xml, golden);
            free(golden);
        }
        char *again = domain_def_format(d, 0); /* formatting twice gives the same text */
        assert_string_equal(xml, again);
        free(again);
        free(golden_path);
        free(xml);
        domain_def_free(d);
        free(seed);
        free(seed_path);
    }
}

/* Old and new spellings of the same thing give the same model. */
static void test_spellings(void **state)
{
    (void)state;
    char *a = wrap_devices("<interface type='network'><source name='lan'/></interface>\n"
                           "<interface type='bridge'><source dev='br1'/></interface>\n"
                           "<console tty='/dev/pts/9'/>\n");
    struct domain_def *d = parse_ok(a);
    assert_string_equal(d->nets[0].source_network, "lan");
    assert_string_equal(d->nets[1].source_bridge, "br1");
    /* an HVM console is the first serial port: the model holds both, as libvirt does */
    assert_int_equal(d->nconsoles, 1);
    assert_int_equal(d->nserials, 1);
    assert_string_equal(d->serials[0].tty, "/dev/pts/9");
    domain_def_free(d);
    free(a);

    const char *clocks[][2] = {{"<clock sync='utc'/>", "utc"},
                               {"<clock offset='localtime'/>", "localtime"},
                               {"<clock offset='utc' sync='utc'/>", "utc"}};
    for (size_t i = 0; i < 3; i++) {
        char xml[512];
        snprintf(xml, sizeof(xml),
                 "<domain type='qemu'><name>c</name><memory>1024</memory>"
                 "<os><type>hvm</type></os>%s</domain>",
                 clocks[i][0]);
        d = parse_ok(xml);
        assert_true(d->has_clock);
        assert_string_equal(domain_clock_offset_to_string(d->clock), clocks[i][1]);
        domain_def_free(d);
    }
}

/* <memory unit=...>: libvirt's units, rounded up to KiB. */
static void test_memory_units(void **state)
{
    (void)state;
    static const struct {
        const char *unit, *value;
        unsigned long long kib;
    } cases[] = {
        {NULL, "1024", 1024},   {"KiB", "1024", 1024}, {"k", "7", 7},
        {"b", "1025", 2},       {"bytes", "2048", 2},  {"M", "3", 3072},
        {"MiB", "512", 524288}, {"G", "1", 1048576},   {"GiB", "2", 2097152},
        {"KB", "1000", 977},    {"MB", "1", 977},      {"T", "1", 1073741824ULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char xml[512], unit[64] = "";
        if (cases[i].unit)
            snprintf(unit, sizeof(unit), " unit='%s'", cases[i].unit);
        snprintf(xml, sizeof(xml),
                 "<domain type='qemu'><name>m</name><memory%s>%s</memory>"
                 "<os><type>hvm</type></os></domain>",
                 unit, cases[i].value);
        struct domain_def *d = parse_ok(xml);
        assert_int_equal(d->memory_kib, cases[i].kib);
        assert_int_equal(d->current_memory_kib, cases[i].kib);
        domain_def_free(d);
    }
    expect_error("<domain type='qemu'><name>m</name>\n<memory unit='parsec'>1</memory>"
                 "<os><type>hvm</type></os></domain>",
                 VMERR_XML, 2, "unit", "<memory> unit 'parsec' is not known");
    expect_error("<domain type='qemu'><name>m</name>\n<memory unit='EiB'>99999</memory>"
                 "<os><type>hvm</type></os></domain>",
                 VMERR_XML, 2, "memory", "<memory> '99999' is too large");
}

/* Malformed XML: VMERR_XML with libxml2's line, and nothing printed on stderr. */
static void test_bad_wellformedness(void **state)
{
    (void)state;
    /* unclosed <disk>: reported at the line of the tag left open */
    expect_error("<domain type='qemu'>\n"
                 "  <name>x</name>\n"
                 "  <devices>\n"
                 "    <disk type='file'>\n",
                 VMERR_XML, 4, "", "XML is not well formed: Premature end of data in tag disk");
    /* a wrong end tag: reported where it is */
    expect_error("<domain type='qemu'>\n"
                 "  <name>x</name>\n"
                 "  <devices>\n"
                 "    <disk type='file'>\n"
                 "  </devices>\n"
                 "</domain>\n",
                 VMERR_XML, 5, "", "Opening and ending tag mismatch: disk line 4 and devices");
    expect_error("<domain type='qemu'>\n<name>a & b</name>\n</domain>\n", VMERR_XML, 2, "",
                 "XML is not well formed");
    expect_error("", VMERR_XML, 0, "", "the domain XML is empty");
    expect_error("<?xml version='1.0'?>\n<!DOCTYPE domain [\n<!ENTITY x 'xx'>\n]>\n"
                 "<domain type='qemu'><name>&x;</name></domain>\n",
                 VMERR_XML, 2, "DOCTYPE", "<!DOCTYPE> is not allowed");
    expect_error("<network>\n  <name>default</name>\n</network>\n", VMERR_XML, 1, "network",
                 "expected <domain> as the root element, found <network>");
}

/* Semantic errors: the element's line, the field, a message in words. */
static void test_bad_semantics(void **state)
{
    (void)state;
    expect_error("<domain type='qemu'>\n"
                 "  <name>x</name>\n"
                 "  <memory>abc</memory>\n"
                 "</domain>\n",
                 VMERR_XML, 3, "memory", "<memory> 'abc' is not a number");
    expect_error("<domain type='qemu'>\n"
                 "  <memory>1024</memory>\n"
                 "  <os><type>hvm</type></os>\n"
                 "</domain>\n",
                 VMERR_XML, 1, "name", "<domain> needs a <name>");
    expect_error("<domain type='qemu'>\n"
                 "  <name>x</name>\n"
                 "  <memory>1024</memory>\n"
                 "  <os><type>hvm</type></os>\n"
                 "  <devcies>\n"
                 "  </devcies>\n"
                 "</domain>\n",
                 VMERR_XML, 5, "devcies", "unknown element <devcies> in <domain>");
    expect_error("<domain type='qemu'>\n"
                 "  <name>x</name>\n"
                 "  <uuid>4dea24b3-1d52-d8f3-2516-782e98a23fa</uuid>\n"
                 "</domain>\n",
                 VMERR_XML, 3, "uuid",
                 "<uuid> '4dea24b3-1d52-d8f3-2516-782e98a23fa' is not a uuid");
    expect_error("<domain type='qemu'>\n"
                 "  <name>x</name>\n"
                 "  <memory>1024</memory>\n"
                 "  <currentMemory>2048</currentMemory>\n"
                 "  <os><type>hvm</type></os>\n"
                 "</domain>\n",
                 VMERR_XML, 4, "currentMemory",
                 "<currentMemory> 2048 KiB is more than <memory> 1024 KiB");
    expect_error("<domain type='foo'>\n</domain>\n", VMERR_XML, 1, "type",
                 "unknown domain type 'foo' (expected qemu, kvm, kqemu or xen)");
    expect_error("<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n</domain>\n",
                 VMERR_XML, 1, "os", "<domain> 'x' needs an <os> with a <type>");
    expect_error("<domain type='qemu'>\n  <name>x</name>\n  <os><type>hvm</type></os>\n</domain>",
                 VMERR_XML, 1, "memory", "<domain> 'x' needs a <memory>");
    expect_error("<domain type='qemu'>\n  <name>a/b</name>\n</domain>", VMERR_XML, 2, "name",
                 "domain name 'a/b' contains '/' (names use letters, digits and - _ . + :, and "
                 "do not start with '.' or '-')");
    expect_error("<domain type='qemu'>\n  <name>x</name>\n  <name>y</name>\n</domain>", VMERR_XML,
                 3, "name", "<name> appears twice in <domain> (first on line 2)");
    expect_error("<domain type='qemu'>\n  <vcpu>0</vcpu>\n</domain>", VMERR_XML, 2, "vcpu",
                 "<vcpu> 0 is out of range");
    expect_error("<domain type='qemu' idd='3'>\n</domain>", VMERR_XML, 1, "idd",
                 "unknown attribute 'idd' on <domain>");
    expect_error("<domain type='qemu'>\n  <os>\n    <type>hvm</type>\n    <boot dev='usb'/>\n"
                 "  </os>\n</domain>",
                 VMERR_XML, 4, "dev",
                 "unknown boot device 'usb' (expected fd, hd, cdrom or network)");
    expect_error("<domain type='qemu'>\n  <os>\n    <type>hvm</type>\n    <boot dev='hd'/>"
                 "<boot dev='hd'/><boot dev='hd'/><boot dev='hd'/>\n    <boot dev='hd'/>\n"
                 "  </os>\n</domain>",
                 VMERR_XML, 5, "boot", "<os> has more than 4 <boot> elements");
    expect_error("<domain type='qemu'>\n  <os>\n    <type>exe</type>\n  </os>\n</domain>",
                 VMERR_XML, 3, "type", "unknown <os> type 'exe'");
    expect_error("<domain type='kvm'>\n  <os>\n    <type>linux</type>\n  </os>\n</domain>",
                 VMERR_XML, 3, "type",
                 "<os> type 'linux' (Xen paravirt) needs <domain type='xen'>");
    expect_error("<domain type='qemu'>\n  <os>\n    <type arch='x86-64'>hvm</type>\n  </os>\n"
                 "</domain>",
                 VMERR_XML, 3, "arch", "unknown architecture 'x86-64'");
    expect_error("<domain type='qemu'>\n  <features>\n    <pea/>\n  </features>\n</domain>",
                 VMERR_XML, 3, "pea", "unknown feature <pea> in <features>");
    expect_error("<domain type='qemu'>\n  <clock sync='gmt'/>\n</domain>", VMERR_XML, 2, "sync",
                 "unknown clock offset 'gmt' (expected utc or localtime)");
    expect_error("<domain type='qemu'>\n  <clock offset='utc' sync='localtime'/>\n</domain>",
                 VMERR_XML, 2, "offset", "<clock> offset='utc' and sync='localtime' disagree");
    expect_error("<domain type='qemu'>\n  <on_crash>explode</on_crash>\n</domain>", VMERR_XML, 2,
                 "on_crash", "<on_crash> 'explode' is not an action");
    /* foreign elements are kept below <domain> and <metadata> only */
    expect_error("<domain type='qemu' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
                 "  <devices>\n    <q:commandline/>\n  </devices>\n</domain>",
                 VMERR_XML, 3, "commandline",
                 "element <q:commandline> in namespace "
                 "'http://libvirt.org/schemas/domain/qemu/1.0' inside <devices> is not supported "
                 "(foreign elements are kept only as children of <domain> or <metadata>)");
}

/* Device errors: each names the element's line and field. */
static void test_bad_devices(void **state)
{
    (void)state;
    static const struct {
        const char *devices;
        int line;
        const char *field, *text;
    } cases[] = {
        {"    <disk type='file'>\n      <source file='/a'/>\n    </disk>\n", 6, "target",
         "<disk> needs a <target dev=...>"},
        {"    <disk type='file'>\n      <target dev='hda'/>\n    </disk>\n", 6, "source",
         "<disk> 'hda' needs a <source file=...>"},
        {"    <disk type='nfs'/>\n", 6, "type", "unknown disk type 'nfs'"},
        {"    <disk device='lun'/>\n", 6, "device", "unknown disk device 'lun'"},
        {"    <disk type='block'>\n      <source file='/a'/>\n    </disk>\n", 7, "file",
         "<disk type='block'> takes <source dev=...>, not file="},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda' bus='pci'/>\n"
         "    </disk>\n",
         8, "bus", "unknown disk bus 'pci'"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='xyz'/>\n    </disk>\n", 6,
         "bus", "<disk> target 'xyz' does not imply a bus"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n    </disk>\n"
         "    <disk>\n      <source file='/b'/>\n      <target dev='hda'/>\n    </disk>\n",
         10, "dev", "<disk> target 'hda' is used twice (first on line 6)"},
        {"    <disk device='floppy'>\n      <source file='/a'/>\n      <target dev='hdb'/>\n"
         "    </disk>\n",
         6, "dev", "floppy <disk> target 'hdb' must be named fd*"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <drvier name='qemu'/>\n    </disk>\n",
         9, "drvier", "unknown element <drvier> in <disk>"},
        {"    <interface type='user'>\n      <mac address='11:22:33:44:55'/>\n"
         "    </interface>\n",
         7, "address", "<mac> address '11:22:33:44:55' is not a MAC address"},
        {"    <interface type='user'>\n      <mac address='11:22:33:44:55:6g'/>\n"
         "    </interface>\n",
         7, "address", "is not a MAC address"},
        {"    <interface type='user'>\n      <mac address='11:22:33:44:55:66:77'/>\n"
         "    </interface>\n",
         7, "address", "is not a MAC address"},
        {"    <interface type='direct'/>\n", 6, "type", "unknown interface type 'direct'"},
        {"    <interface type='network'/>\n", 6, "source",
         "<interface type='network'> needs a <source network=...>"},
        {"    <interface type='network'>\n      <source network='a' name='b'/>\n"
         "    </interface>\n",
         7, "network", "<source> network='a' and name='b' disagree"},
        {"    <interface type='user'>\n      <source network='a'/>\n    </interface>\n", 7,
         "source", "<interface type='user'> takes no <source>"},
        {"    <interface type='mcast'>\n      <source address='10.0.0.1' port='5558'/>\n"
         "    </interface>\n",
         6, "address", "is not an IPv4 multicast address"},
        {"    <interface type='client'>\n      <source address='10.0.0.1' port='70000'/>\n"
         "    </interface>\n",
         7, "port", "<source> port 70000 is out of range"},
        {"    <interface type='user'>\n      <model type='virtio,x=1'/>\n    </interface>\n", 6,
         "model", "<interface> model 'virtio,x=1' contains characters"},
        {"    <interface type='user'>\n      <ip address='1.2.3'/>\n    </interface>\n", 6, "ip",
         "ip address '1.2.3' is not an IP address"},
        {"    <serial type='tcp'/>\n", 6, "type",
         "<serial> type 'tcp' is not supported (only pty)"},
        {"    <serial type='pty'>\n      <target port='x'/>\n    </serial>\n", 7, "port",
         "<target> port 'x' is not a number"},
        {"    <serial/>\n    <serial/>\n", 7, "port",
         "<serial> target port 0 is used twice (first on line 6)"},
        {"    <console type='pty'>\n      <target type='virtio' port='0'/>\n    </console>\n", 7,
         "type", "<console> target type 'virtio' is not supported for HVM guests"},
        {"    <graphics type='spice'/>\n", 6, "type", "unknown graphics type 'spice'"},
        {"    <graphics type='vnc' port='80'/>\n", 6, "port", "<graphics> port 80 is out of range"},
        {"    <graphics type='vnc' autoport='maybe'/>\n", 6, "autoport",
         "autoport='maybe' must be 'yes' or 'no'"},
        {"    <graphics type='vnc' port='-1' autoport='no'/>\n", 6, "autoport",
         "<graphics> autoport='no' needs a port"},
        {"    <graphics type='sdl' port='5900'/>\n", 6, "port",
         "unknown attribute 'port' on <graphics>"},
        {"    <emulator>/a</emulator>\n    <emulator>/b</emulator>\n", 7, "emulator",
         "<emulator> appears twice in <devices>"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <readonly>yes</readonly>\n    </disk>\n",
         9, "readonly", "unexpected text 'yes' in <readonly>"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *xml = wrap_devices(cases[i].devices);
        expect_error(xml, VMERR_XML, cases[i].line, cases[i].field, cases[i].text);
        free(xml);
    }
}

/* Reading a file that is not there is a system error naming the file. */
static void test_parse_file_errors(void **state)
{
    (void)state;
    struct vmerr err = {0};
    assert_null(domain_def_parse_file("/nonexistent/vmdeck/dom.xml", &err));
    assert_int_equal(err.code, VMERR_SYSTEM);
    assert_non_null(strstr(err.message, "/nonexistent/vmdeck/dom.xml"));
    /* XML errors from a file carry its name */
    char *path = testutil_data_path("seed/iface-bridge.xml"); /* two roots: not a document */
    assert_null(domain_def_parse_file(path, &err));
    assert_int_equal(err.code, VMERR_XML);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 5);
    free(path);
}

/* Foreign namespaces: kept as written below <domain> and <metadata>, with the namespace
 * declarations they need wherever those were made, and stable across round trips. */
static void test_foreign_namespaces(void **state)
{
    (void)state;
    const char *xml = "<domain type='qemu' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'"
                      " xmlns:app='https://example.org/app'>\n"
                      "  <name>ns</name>\n"
                      "  <metadata>\n"
                      "    <app:owner team='ops' app:level='2'>Alice &amp; Bob</app:owner>\n"
                      "    <other xmlns='urn:other'><inner deep='1'/></other>\n"
                      "  </metadata>\n"
                      "  <memory>65536</memory>\n"
                      "  <os><type>hvm</type></os>\n"
                      "  <q:commandline>\n"
                      "    <q:arg value='-no-hpet'/>\n"
                      "    <q:env name='A' value='b'/>\n"
                      "  </q:commandline>\n"
                      "  <x:y xmlns:x='urn:x'><!-- a comment --><![CDATA[<raw>]]></x:y>\n"
                      "</domain>\n";
    struct domain_def *d = parse_ok(xml);
    assert_true(d->has_metadata);
    assert_int_equal(d->nmetadata, 2);
    assert_string_equal(d->metadata[0],
                        "<app:owner xmlns:app=\"https://example.org/app\" team=\"ops\" "
                        "app:level=\"2\">Alice &amp; Bob</app:owner>");
    assert_string_equal(d->metadata[1], "<other xmlns=\"urn:other\"><inner deep=\"1\"/></other>");
    assert_int_equal(d->nforeign, 2);
    assert_string_equal(d->foreign[0],
                        "<q:commandline xmlns:q=\"http://libvirt.org/schemas/domain/qemu/1.0\">\n"
                        "    <q:arg value=\"-no-hpet\"/>\n"
                        "    <q:env name=\"A\" value=\"b\"/>\n"
                        "  </q:commandline>");
    assert_string_equal(d->foreign[1],
                        "<x:y xmlns:x=\"urn:x\"><!-- a comment --><![CDATA[<raw>]]></x:y>");
    char *out = domain_def_format(d, 0);
    assert_non_null(strstr(out, "  <uuid>"));
    assert_non_null(strstr(out, "</uuid>\n  <metadata>\n    <app:owner xmlns:app="));
    assert_non_null(strstr(out, "</other>\n  </metadata>\n  <memory unit='KiB'>"));
    assert_non_null(strstr(out, "  </devices>\n  <q:commandline xmlns:q="));
    assert_non_null(strstr(out, "</q:commandline>\n  <x:y xmlns:x=\"urn:x\">"));
    assert_non_null(strstr(out, "</x:y>\n</domain>\n"));
    free(out);
    domain_def_free(d);
    check_round_trip(xml);
    check_round_trip("<domain type='qemu'><name>m</name><metadata/><memory>1</memory>"
                     "<os><type>hvm</type></os></domain>");
    d = parse_ok("<domain type='qemu'><name>m</name><metadata/><memory>1</memory>"
                 "<os><type>hvm</type></os></domain>");
    out = domain_def_format(d, 0);
    assert_non_null(strstr(out, "</uuid>\n  <metadata/>\n"));
    free(out);
    domain_def_free(d);

    expect_error("<domain type='qemu'>\n  <name>m</name>\n  <metadata>\n    <note>x</note>\n"
                 "  </metadata>\n</domain>",
                 VMERR_XML, 4, "note",
                 "<note> in <metadata> needs a namespace of its own (e.g. <app:note "
                 "xmlns:app='https://example.org/app'>)");
    expect_error("<domain type='qemu'>\n  <name>m</name>\n  <metadata>\n  text\n"
                 "  </metadata>\n</domain>",
                 VMERR_XML, 4, "metadata", "unexpected text 'text' in <metadata>");
    expect_error("<domain type='qemu' xmlns:a='urn:a'>\n  <name>m</name>\n"
                 "  <os>\n    <type a:x='1'>hvm</type>\n  </os>\n</domain>",
                 VMERR_XML, 4, "x",
                 "attribute a:x on <type> is in namespace 'urn:a'; vmdeck keeps foreign "
                 "namespaces only on elements below <domain> or <metadata>");
    expect_error("<domain xmlns='http://libvirt.org/schemas/domain/1.0' type='qemu'>\n"
                 "  <name>m</name>\n</domain>",
                 VMERR_XML, 1, "domain",
                 "<domain> must not be in a namespace (it is in "
                 "'http://libvirt.org/schemas/domain/1.0')");
    expect_error("<domain type='qemu'>\n  <name>m</name>\n  <metadata/>\n  <metadata/>\n"
                 "</domain>",
                 VMERR_XML, 4, "metadata",
                 "<metadata> appears twice in <domain> (first on line 3)");
}

/* Today's libvirt decorations of devices: <driver>, <alias>, <address>, the isa-serial
 * target, <listen type='address'/>; and their errors. */
static void test_libvirt_decorations(void **state)
{
    (void)state;
    char *xml = wrap_devices(
        "    <disk type='file' device='cdrom'>\n"
        "      <driver name='qemu' type='raw'/>\n"
        "      <target dev='hdc' bus='ide'/>\n"
        "      <readonly/>\n"
        "      <address type='drive' controller='0' bus='1' target='0' unit='0'/>\n"
        "    </disk>\n"
        "    <interface type='network'>\n"
        "      <source network='default'/>\n"
        "      <model type='virtio'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>\n"
        "    </interface>\n"
        "    <serial type='pty'>\n"
        "      <target type='isa-serial' port='0'>\n"
        "        <model name='isa-serial'/>\n"
        "      </target>\n"
        "    </serial>\n"
        "    <console type='pty'>\n"
        "      <target type='serial' port='0'/>\n"
        "      <alias name='serial0'/>\n"
        "    </console>\n"
        "    <graphics type='vnc' port='-1' autoport='yes'>\n"
        "      <listen type='address'/>\n"
        "    </graphics>\n");
    struct domain_def *d = parse_ok(xml);
    assert_string_equal(d->disks[0].driver_name, "qemu");
    assert_string_equal(d->disks[0].driver_type, "raw");
    assert_null(d->disks[0].driver_cache);
    assert_string_equal(d->disks[0].address,
                        "<address type='drive' controller='0' bus='1' target='0' unit='0'/>");
    assert_string_equal(d->nets[0].address,
                        "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' "
                        "function='0x0'/>");
    assert_true(d->serials[0].isa_serial);
    assert_true(d->serials[0].isa_serial_model);
    assert_string_equal(d->consoles[0].alias, "serial0");
    assert_null(d->graphics[0].listen);
    domain_def_free(d);
    check_round_trip(xml);
    free(xml);

    static const struct {
        const char *devices;
        int line;
        const char *field, *text;
    } cases[] = {
        {"    <disk>\n      <source file='/a.vmdk'/>\n      <target dev='hda'/>\n"
         "      <driver name='qemu' type='vmdk'/>\n    </disk>\n",
         9, "type", "<driver> type 'vmdk' is not supported (raw or qcow2)"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <driver cache='fast'/>\n    </disk>\n",
         9, "cache", "unknown <driver> cache 'fast'"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <driver name='tap'/>\n    </disk>\n",
         9, "name", "<driver> name 'tap' is not supported (only qemu)"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <driver/>\n      <driver/>\n    </disk>\n",
         10, "driver", "<driver> appears twice in <disk>"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <address bus='1'/>\n    </disk>\n",
         9, "type", "<address> needs a type attribute"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <address type='PCI'/>\n    </disk>\n",
         9, "type", "<address> type 'PCI' is not an address type (pci, drive, ...)"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <address type='pci'><x/></address>\n    </disk>\n",
         9, "x", "unknown element <x> in <address>"},
        {"    <interface type='user'>\n      <alias name='a'/>\n      <alias name='b'/>\n"
         "    </interface>\n",
         8, "alias", "<alias> appears twice in <interface>"},
        {"    <interface type='user'>\n      <alias/>\n    </interface>\n", 7, "name",
         "<alias> needs a name attribute"},
        {"    <serial>\n      <target type='pci-serial'/>\n    </serial>\n", 7, "type",
         "serial <target> type 'pci-serial' is not supported (only isa-serial)"},
        {"    <serial>\n      <target>\n        <model name='16550a'/>\n      </target>\n"
         "    </serial>\n",
         8, "name", "serial <target> model '16550a' is not supported (only isa-serial)"},
        {"    <serial>\n      <target>\n        <modle name='isa-serial'/>\n      </target>\n"
         "    </serial>\n",
         8, "modle", "unknown element <modle> in <target> (did you mean <model>?)"},
        {"    <console>\n      <target>\n        <model name='isa-serial'/>\n      </target>\n"
         "    </console>\n",
         8, "model", "unknown element <model> in <target>"},
        {"    <interface type='user'>\n      <target dev='tap0'/>\n    </interface>\n"
         "    <interface type='user'>\n      <target dev='tap0'/>\n    </interface>\n",
         9, "dev", "<interface> target dev 'tap0' is used twice (first on line 6)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *x = wrap_devices(cases[i].devices);
        expect_error(x, VMERR_XML, cases[i].line, cases[i].field, cases[i].text);
        free(x);
    }
}

/* Unknown elements and attributes name the closest allowed name at every level. */
static void test_did_you_mean(void **state)
{
    (void)state;
    expect_error("<domain type='qemu'>\n  <name>x</name>\n  <devcies/>\n</domain>", VMERR_XML, 3,
                 "devcies", "unknown element <devcies> in <domain> (did you mean <devices>?)");
    expect_error("<domain type='qemu'>\n  <name>x</name>\n  <currentmemory>1</currentmemory>\n"
                 "</domain>",
                 VMERR_XML, 3, "currentmemory",
                 "unknown element <currentmemory> in <domain> (did you mean <currentMemory>?)");
    expect_error("<domain type='qemu'>\n  <name>x</name>\n  <flux/>\n</domain>", VMERR_XML, 3,
                 "flux", "unknown element <flux> in <domain>");
    expect_error("<domain type='qemu'>\n  <os>\n    <kernal>/k</kernal>\n  </os>\n</domain>",
                 VMERR_XML, 3, "kernal",
                 "unknown element <kernal> in <os> (did you mean <kernel>?)");
    static const struct {
        const char *devices;
        int line;
        const char *field, *text;
    } cases[] = {
        {"    <dsik/>\n", 6, "dsik", "unknown element <dsik> in <devices> (did you mean <disk>?)"},
        {"    <interfce type='user'/>\n", 6, "interfce",
         "unknown element <interfce> in <devices> (did you mean <interface>?)"},
        {"    <disk>\n      <sourc file='/a'/>\n    </disk>\n", 7, "sourc",
         "unknown element <sourc> in <disk> (did you mean <source>?)"},
        {"    <disk>\n      <shareble/>\n    </disk>\n", 7, "shareble",
         "unknown element <shareble> in <disk> (did you mean <shareable>?)"},
        {"    <interface type='user'>\n      <mca address='52:54:00:00:00:01'/>\n"
         "    </interface>\n",
         7, "mca", "unknown element <mca> in <interface> (did you mean <mac>?)"},
        {"    <serial>\n      <targte port='0'/>\n    </serial>\n", 7, "targte",
         "unknown element <targte> in <serial> (did you mean <target>?)"},
        {"    <graphics type='vnc'>\n      <lisen address='::'/>\n    </graphics>\n", 7, "lisen",
         "unknown element <lisen> in <graphics> (did you mean <listen>?)"},
        {"    <disk tpye='file'/>\n", 6, "tpye",
         "unknown attribute 'tpye' on <disk> (did you mean 'type'?)"},
        {"    <graphics type='vnc' autport='yes'/>\n", 6, "autport",
         "unknown attribute 'autport' on <graphics> (did you mean 'autoport'?)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *x = wrap_devices(cases[i].devices);
        expect_error(x, VMERR_XML, cases[i].line, cases[i].field, cases[i].text);
        free(x);
    }
    const char *names[] = {"devices", "disk", "name"};
    assert_string_equal(xmlutil_closest("devcies", names, 3), "devices");
    assert_string_equal(xmlutil_closest("DISK", names, 3), "disk");
    assert_string_equal(xmlutil_closest("nmae", names, 3), "name");
    assert_null(xmlutil_closest("zzzz", names, 3));
    assert_null(xmlutil_closest("disk", names, 3)); /* itself is not a suggestion */
    assert_null(xmlutil_closest("x", names, 0));
}

/* Checks across the document: a floppy on a Xen PV guest. */
static void test_cross_checks(void **state)
{
    (void)state;
    expect_error("<domain type='xen'>\n  <name>pv</name>\n  <memory>65536</memory>\n"
                 "  <os><type>linux</type><kernel>/k</kernel></os>\n  <devices>\n"
                 "    <disk type='file' device='floppy'>\n      <source file='/fd.img'/>\n"
                 "      <target dev='fda'/>\n    </disk>\n  </devices>\n</domain>\n",
                 VMERR_XML, 6, "device",
                 "floppy <disk> 'fda': a Xen paravirt guest (<os> type linux/xen) has no floppy "
                 "drive");
    /* the same floppy on a Xen HVM guest is fine */
    struct domain_def *d =
        parse_ok("<domain type='xen'>\n  <name>hvm</name>\n  <memory>65536</memory>\n"
                 "  <os><type>hvm</type></os>\n  <devices>\n"
                 "    <disk type='file' device='floppy'>\n      <source file='/fd.img'/>\n"
                 "      <target dev='fda'/>\n    </disk>\n  </devices>\n</domain>\n");
    assert_int_equal(d->disks[0].device, DOMAIN_DISK_DEVICE_FLOPPY);
    domain_def_free(d);
    /* names of any script parse, are written back, and the schema takes them too */
    d = parse_ok("<domain type='qemu'><name>\xe6\x9c\x8d\xe5\x8b\x99\xe5\x99\xa8-\xc3\xa9t\xc3\xa9"
                 "</name><memory>1</memory><os><type>hvm</type></os></domain>");
    assert_string_equal(d->name, "\xe6\x9c\x8d\xe5\x8b\x99\xe5\x99\xa8-\xc3\xa9t\xc3\xa9");
    domain_def_free(d);
    expect_error("<domain type='qemu'>\n  <name>a\xe2\x80\xae"
                 "b</name>\n</domain>",
                 VMERR_XML, 2, "name",
                 "domain name 'a\xe2\x80\xae"
                 "b' contains the character U+202E (names use letters, "
                 "digits and - _ . + :, and do not start with '.' or '-')");
    /* a value with a newline is quoted on one line */
    expect_error("<domain type='a&#10;b'>\n</domain>", VMERR_XML, 1, "type",
                 "unknown domain type 'a?b' (expected qemu, kvm, kqemu or xen)");
}

/* The temp dir of test_schema_second_net and the $VMDECK_SCHEMA_DIR it replaced
 * (second_net_teardown puts things back). */
static char *second_net_dir, *second_net_saved_env;

/* The schema is the second net: with a stricter domain.rng in $VMDECK_SCHEMA_DIR, a
 * document the model accepts is refused with the schema's message. */
static void test_schema_second_net(void **state)
{
    (void)state;
    second_net_dir = testutil_tmpdir("domxml-schema");
    char *path = store_printf("%s/domain.rng", second_net_dir);
    const char *strict = "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start>"
                         "<element name='domain'><attribute name='type'><value>kvm</value>"
                         "</attribute><element name='name'><text/></element>"
                         "<element name='memory'><text/></element>"
                         "<element name='os'><element name='type'><text/></element></element>"
                         "</element></start></grammar>\n";
    assert_int_equal(store_write_atomic(path, strict, strlen(strict), NULL), 0);
    free(path);
    const char *saved = getenv("VMDECK_SCHEMA_DIR");
    second_net_saved_env = saved ? strdup(saved) : NULL;
    setenv("VMDECK_SCHEMA_DIR", second_net_dir, 1);
    schema_cleanup();
    expect_error("<domain type='qemu'>\n  <name>n</name>\n  <memory>1</memory>\n"
                 "  <os><type>hvm</type></os>\n</domain>\n",
                 VMERR_XML, 1, "type", "<domain> type='qemu': expected kvm");
    struct domain_def *d = parse_ok("<domain type='kvm'><name>n</name><memory>1</memory>"
                                    "<os><type>hvm</type></os></domain>");
    domain_def_free(d);
}

/* After test_schema_second_net, also after a failure: $VMDECK_SCHEMA_DIR back, the temp
 * dir removed, the schemas reloaded on next use. */
static int second_net_teardown(void **state)
{
    (void)state;
    if (second_net_saved_env)
        setenv("VMDECK_SCHEMA_DIR", second_net_saved_env, 1);
    else
        unsetenv("VMDECK_SCHEMA_DIR");
    free(second_net_saved_env);
    second_net_saved_env = NULL;
    if (second_net_dir)
        testutil_rm_rf(second_net_dir);
    free(second_net_dir);
    second_net_dir = NULL;
    schema_cleanup();
    return 0;
}

/* Run every test. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_kvm_demo2),
        cmocka_unit_test(test_seed_qemu_fedora),
        cmocka_unit_test(test_seed_xen_hvm),
        cmocka_unit_test(test_seed_xen_pv),
        cmocka_unit_test(test_seed_interfaces),
        cmocka_unit_test(test_seed_lifecycle),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_format_kitchen_sink),
        cmocka_unit_test(test_golden_files),
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_memory_units),
        cmocka_unit_test(test_bad_wellformedness),
        cmocka_unit_test(test_bad_semantics),
        cmocka_unit_test(test_bad_devices),
        cmocka_unit_test(test_parse_file_errors),
        cmocka_unit_test(test_foreign_namespaces),
        cmocka_unit_test(test_libvirt_decorations),
        cmocka_unit_test(test_did_you_mean),
        cmocka_unit_test(test_cross_checks),
        cmocka_unit_test_teardown(test_schema_second_net, second_net_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    schema_cleanup();
    return failed;
}
