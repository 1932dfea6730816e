/* test-network-xml: the network XML model with the real libxml2 parser and the real
 * network.rng: parsing today's libvirt spelling and the 2007 one, what we write (exact
 * text), round trips and copies, generated uuids, IPv6 and classful defaults, the list-row
 * summary, and every error with its exact line, field and words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/domain-def.h"
#include "engine/engine.h"
#include "engine/network-def.h"
#include "engine/schema.h"
#include "testutil.h"

/* Everything the model knows, in today's spelling, as we write it. */
static const char full_xml[] =
    "<network>\n"
    "  <name>lab&amp;test</name>\n"
    "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
    "  <forward dev='eth0' mode='route'/>\n"
    "  <bridge name='virbr7' stp='off' delay='5'/>\n"
    "  <mac address='52:54:00:0a:cd:21'/>\n"
    "  <domain name='lab.example.com'/>\n"
    "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
    "    <dhcp>\n"
    "      <range start='192.168.122.2' end='192.168.122.99'/>\n"
    "      <range start='192.168.122.150' end='192.168.122.254'/>\n"
    "      <host mac='00:16:3e:77:e2:ed' name='foo.example.com' ip='192.168.122.10'/>\n"
    "      <host name='bar' ip='192.168.122.11'/>\n"
    "    </dhcp>\n"
    "  </ip>\n"
    "  <ip family='ipv6' address='2001:db8:ca2:2::1' prefix='64'>\n"
    "    <dhcp>\n"
    "      <range start='2001:db8:ca2:2::100' end='2001:db8:ca2:2::1ff'/>\n"
    "      <host name='v6host' ip='2001:db8:ca2:2::10'/>\n"
    "    </dhcp>\n"
    "  </ip>\n"
    "</network>\n";

/* The 2007 spelling (libvirt 0.4.0): double quotes, forward without mode, forwardDelay,
 * uuid without dashes, elements in another order, upper-case hex. */
static const char old_xml[] = "<network>\n"
                              "  <name>default</name>\n"
                              "  <uuid>6695EB01F6A4830479AA97F2502E193F</uuid>\n"
                              "  <bridge name=\"virbr0\" stp=\"on\" forwardDelay=\"0\" />\n"
                              "  <ip address=\"192.168.122.1\" netmask=\"255.255.255.0\">\n"
                              "    <dhcp>\n"
                              "      <range start=\"192.168.122.2\" end=\"192.168.122.254\" />\n"
                              "    </dhcp>\n"
                              "  </ip>\n"
                              "  <forward dev=\"eth1\"/>\n"
                              "</network>\n";

/* What we write for old_xml. */
static const char old_written[] = "<network>\n"
                                  "  <name>default</name>\n"
                                  "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
                                  "  <forward dev='eth1' mode='nat'/>\n"
                                  "  <bridge name='virbr0' stp='on' delay='0'/>\n"
                                  "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
                                  "    <dhcp>\n"
                                  "      <range start='192.168.122.2' end='192.168.122.254'/>\n"
                                  "    </dhcp>\n"
                                  "  </ip>\n"
                                  "</network>\n";

/* Parse xml or fail the test with the error. */
static struct network_def *parse_ok(const char *xml)
{
    struct vmerr err = {0};
    struct network_def *def = network_def_parse_string(xml, "test.xml", &err);
    if (!def) {
        char line[1400];
        fail_msg("parse failed: %s", vmerr_line(&err, line, sizeof(line)));
    }
    return def;
}

/* Parse and format. */
static char *reformat(const char *xml)
{
    struct network_def *def = parse_ok(xml);
    char *out = network_def_format(def);
    network_def_free(def);
    assert_non_null(out);
    return out;
}

/* Text of an address. */
static const char *addr_text(const struct network_addr *a)
{
    static char buf[4][64];
    static int next;
    char *b = buf[next++ % 4];
    network_addr_format(a, b, 64);
    return b;
}

/* Every field of full_xml lands in the model. */
static void test_parse_full(void **state)
{
    struct network_def *def = parse_ok(full_xml);
    assert_string_equal(def->name, "lab&test");
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    assert_string_equal(uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    assert_int_equal(def->forward, NETWORK_FORWARD_ROUTE);
    assert_string_equal(def->forward_dev, "eth0");
    assert_string_equal(def->bridge, "virbr7");
    assert_false(def->stp);
    assert_int_equal(def->delay, 5);
    assert_true(def->has_mac);
    char mac[18];
    network_mac_format(def->mac, mac);
    assert_string_equal(mac, "52:54:00:0a:cd:21");
    assert_string_equal(def->domain, "lab.example.com");
    assert_int_equal(def->nips, 2);
    const struct network_ip *v4 = &def->ips[0], *v6 = &def->ips[1];
    assert_int_equal(v4->address.family, AF_INET);
    assert_string_equal(addr_text(&v4->address), "192.168.122.1");
    assert_int_equal(v4->prefix, 24);
    assert_int_equal(v4->mask, NETWORK_IP_MASK_NETMASK);
    assert_int_equal(v4->line, 8);
    assert_int_equal(v4->nranges, 2);
    assert_string_equal(addr_text(&v4->ranges[1].start), "192.168.122.150");
    assert_string_equal(addr_text(&v4->ranges[1].end), "192.168.122.254");
    assert_int_equal(v4->nhosts, 2);
    assert_true(v4->hosts[0].has_mac);
    assert_string_equal(v4->hosts[0].name, "foo.example.com");
    assert_string_equal(addr_text(&v4->hosts[0].ip), "192.168.122.10");
    assert_false(v4->hosts[1].has_mac);
    assert_int_equal(v4->hosts[1].line, 13);
    assert_int_equal(v6->address.family, AF_INET6);
    assert_int_equal(v6->prefix, 64);
    assert_int_equal(v6->mask, NETWORK_IP_MASK_PREFIX);
    assert_string_equal(addr_text(&v6->ranges[0].end), "2001:db8:ca2:2::1ff");
    assert_string_equal(v6->hosts[0].name, "v6host");
    network_def_free(def);
}

/* What we write for full_xml is full_xml itself (it is in our spelling already). */
static void test_format_full(void **state)
{
    char *out = reformat(full_xml);
    assert_string_equal(out, full_xml);
    free(out);
}

/* The 2007 spelling is read and written in today's spelling. */
static void test_old_spelling(void **state)
{
    char *out = reformat(old_xml);
    assert_string_equal(out, old_written);
    free(out);
}

/* Inputs for round trips: format(parse(format(parse(x)))) == format(parse(x)). */
static const char *const round_trip_inputs[] = {
    full_xml,
    old_xml,
    "<network><name>iso</name><uuid>11111111222233334444555555555555</uuid></network>",
    "<network><name>p</name><uuid>11111111-2222-3333-4444-555555555556</uuid>"
    "<ip address='10.0.0.1' prefix='16'><dhcp/></ip></network>",
    "<network><name>c</name><uuid>11111111-2222-3333-4444-555555555557</uuid>"
    "<forward mode='nat'/><ip address='172.16.0.1'/><ip family='ipv6' address='fd00::1'/>"
    "</network>",
};

/* Round trips are stable and copies format the same as the original. */
static void test_round_trip(void **state)
{
    for (size_t i = 0; i < sizeof(round_trip_inputs) / sizeof(round_trip_inputs[0]); i++) {
        char *once = reformat(round_trip_inputs[i]);
        char *twice = reformat(once);
        assert_string_equal(once, twice);
        struct network_def *def = parse_ok(once);
        struct network_def *copy = network_def_copy(def);
        assert_non_null(copy);
        network_def_free(def);
        char *from_copy = network_def_format(copy);
        assert_string_equal(from_copy, once);
        network_def_free(copy);
        free(from_copy);
        free(once);
        free(twice);
    }
}

/* Prefix spelling and classful defaults are written back as they were given. */
static void test_mask_spellings(void **state)
{
    char *out = reformat("<network><name>p</name><uuid>11111111-2222-3333-4444-555555555556"
                         "</uuid><ip address='10.0.0.1' prefix='16'><dhcp/></ip></network>");
    assert_non_null(strstr(out, "  <ip address='10.0.0.1' prefix='16'>\n    <dhcp/>\n  </ip>\n"));
    free(out);
    /* no netmask: class A/B/C as libvirt; the range check uses that subnet */
    struct network_def *def = parse_ok("<network><name>c</name><ip address='10.0.0.1'><dhcp>"
                                       "<range start='10.200.0.1' end='10.200.0.9'/></dhcp></ip>"
                                       "<ip address='172.16.0.1'/><ip address='192.168.5.1'/>"
                                       "</network>");
    assert_int_equal(def->ips[0].prefix, 8);
    assert_int_equal(def->ips[0].mask, NETWORK_IP_MASK_NONE);
    assert_int_equal(def->ips[1].prefix, 16);
    assert_int_equal(def->ips[2].prefix, 24);
    out = network_def_format(def);
    assert_non_null(strstr(out, "  <ip address='172.16.0.1'/>\n"));
    free(out);
    network_def_free(def);
    /* IPv6 without prefix: /64 as libvirt */
    def = parse_ok("<network><name>v6</name><ip family='ipv6' address='fd00:1::1'/></network>");
    assert_int_equal(def->ips[0].prefix, 64);
    network_def_free(def);
    /* non-canonical IPv6 text comes out canonical */
    out = reformat("<network><name>v6</name><ip family='ipv6' address='FD00:0:0::0001' "
                   "prefix='48'/></network>");
    assert_non_null(strstr(out, "<ip family='ipv6' address='fd00::1' prefix='48'/>"));
    free(out);
}

/* A missing uuid is generated (version 4), and differs between parses; a missing
 * <bridge> is written with the defaults stp on, delay 0. */
static void test_generated_uuid(void **state)
{
    const char xml[] = "<network><name>n</name></network>";
    struct network_def *a = parse_ok(xml), *b = parse_ok(xml);
    assert_memory_not_equal(a->uuid, b->uuid, 16);
    assert_int_equal(a->uuid[6] >> 4, 4);
    assert_int_equal(a->uuid[8] & 0xc0, 0x80);
    char *out = network_def_format(a);
    char uuid[37];
    domain_uuid_format(a->uuid, uuid);
    char *want = NULL;
    assert_true(asprintf(&want,
                         "<network>\n  <name>n</name>\n  <uuid>%s</uuid>\n"
                         "  <bridge stp='on' delay='0'/>\n</network>\n",
                         uuid) > 0);
    assert_string_equal(out, want);
    free(want);
    free(out);
    network_def_free(a);
    network_def_free(b);
}

/* The list-row summary of a definition. */
static void test_info(void **state)
{
    struct network_def *def = parse_ok(full_xml);
    struct engine_network_info info;
    network_def_info(def, &info);
    assert_string_equal(info.name, "lab&test");
    assert_string_equal(info.uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    assert_string_equal(info.bridge, "virbr7");
    assert_string_equal(info.forward, "route");
    assert_string_equal(info.subnet, "192.168.122.0/24");
    assert_string_equal(info.dhcp, "192.168.122.2-192.168.122.99");
    network_def_free(def);
    def = parse_ok("<network><name>iso</name><ip family='ipv6' address='fd00:1:2:3::9' "
                   "prefix='56'/></network>");
    network_def_info(def, &info);
    assert_string_equal(info.forward, "none");
    assert_string_equal(info.bridge, "");
    assert_string_equal(info.subnet, "fd00:1:2::/56");
    assert_string_equal(info.dhcp, "");
    network_def_free(def);
}

/* Name and interface name rules. */
static void test_names(void **state)
{
    assert_true(network_name_valid("default"));
    assert_true(network_name_valid("my net.2"));
    assert_false(network_name_valid(""));
    assert_false(network_name_valid(".hidden"));
    assert_false(network_name_valid("a/b"));
    assert_false(network_name_valid("tab\there"));
    char longname[NETWORK_NAME_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_false(network_name_valid(longname));
    longname[NETWORK_NAME_MAX] = '\0';
    assert_true(network_name_valid(longname));
    assert_true(network_ifname_valid("virbr0"));
    assert_true(network_ifname_valid("abcdefghijklmno"));
    assert_false(network_ifname_valid("abcdefghijklmnop"));
    assert_false(network_ifname_valid("br 0"));
    assert_false(network_ifname_valid("br/0"));
    assert_false(network_ifname_valid(".."));
}

/* network_bridge_pick's fake "used" test: names in a NULL-terminated list. */
static bool in_list(const char *name, void *opaque)
{
    for (const char *const *p = opaque; *p; p++)
        if (!strcmp(*p, name))
            return true;
    return false;
}

/* The first free virbrN is picked. */
static void test_bridge_pick(void **state)
{
    char buf[16];
    const char *none[] = {NULL};
    assert_int_equal(network_bridge_pick(in_list, none, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "virbr0");
    const char *some[] = {"virbr0", "virbr1", "virbr3", NULL};
    assert_int_equal(network_bridge_pick(in_list, some, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "virbr2");
}

/* One bad input: the XML, and the line, field and words of its error. */
struct bad_case {
    const char *xml;
    int line;
    const char *field;
    const char *words;
};

/* The body of a network called n (the body starts on line 3). */
#define NET(body) "<network>\n  <name>n</name>\n" body "</network>\n"
/* An IPv4 <ip> on line 3 with its <dhcp> on line 4 and body on line 5. */
#define DHCP(body)                                                                                 \
    NET("  <ip address='192.168.122.1' netmask='255.255.255.0'>\n    <dhcp>\n" body                \
        "    </dhcp>\n  </ip>\n")

static const struct bad_case bad_cases[] = {
    /* documents */
    {"", 0, "", "XML is empty"},
    {"<network>\n  <name>n</name>\n  <bridge>\n</network>\n", 4, "",
     "not well formed: Opening and ending tag mismatch: bridge line 3"},
    {"<domain>\n</domain>\n", 1, "domain", "expected <network> as the root element"},
    {"<!DOCTYPE network>\n<network><name>n</name></network>\n", 1, "DOCTYPE", "<!DOCTYPE>"},
    {NET("  <x:meta xmlns:x='urn:x'/>\n"), 3, "meta", "namespace 'urn:x' is not supported"},
    {"<network ipv6='yes'>\n  <name>n</name>\n</network>\n", 1, "ipv6",
     "unknown attribute 'ipv6' on <network>"},
    {NET("  stray text\n"), 3, "network", "unexpected text 'stray text' in <network>"},
    /* top-level elements */
    {NET("  <bridg name='virbr0'/>\n"), 3, "bridg", "unknown element <bridg> in <network>"},
    {"<network>\n  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n</network>\n", 1, "name",
     "<network> needs a <name>"},
    {"<network>\n  <name>a/b</name>\n</network>\n", 2, "name", "network name 'a/b' is not valid"},
    {"<network>\n  <name>.hidden</name>\n</network>\n", 2, "name",
     "network name '.hidden' is not valid"},
    {"<network>\n  <name></name>\n</network>\n", 2, "name", "network name '' is not valid"},
    {NET("  <name>m</name>\n"), 3, "name", "<name> appears twice in <network> (first on line 2)"},
    {NET("  <uuid>6695eb01-f6a4-8304-79aa</uuid>\n"), 3, "uuid",
     "<uuid> '6695eb01-f6a4-8304-79aa' is not a uuid"},
    {NET("  <forward mode='bridge'/>\n"), 3, "mode", "<forward> mode 'bridge' is not supported"},
    {NET("  <forward mode='none'/>\n"), 3, "mode", "leave out <forward> for an isolated network"},
    {NET("  <forward dev='averyveryverylongname'/>\n"), 3, "dev",
     "<forward> dev 'averyveryverylongname' is not an interface name"},
    {NET("  <forward>\n    <nat/>\n  </forward>\n"), 4, "nat",
     "unknown element <nat> in <forward>"},
    {NET("  <bridge name='br 0'/>\n"), 3, "name", "<bridge> name 'br 0' is not an interface name"},
    {NET("  <bridge stp='yes'/>\n"), 3, "stp", "<bridge> stp='yes' must be 'on' or 'off'"},
    {NET("  <bridge delay='-1'/>\n"), 3, "delay", "<bridge> delay -1 is out of range"},
    {NET("  <bridge forwardDelay='soon'/>\n"), 3, "forwardDelay",
     "<bridge> forwardDelay 'soon' is not a number"},
    {NET("  <bridge delay='0' forwardDelay='0'/>\n"), 3, "forwardDelay",
     "<bridge> has both delay and forwardDelay"},
    {NET("  <bridge zone='trusted'/>\n"), 3, "zone", "unknown attribute 'zone' on <bridge>"},
    {NET("  <mac address='52:54:00:0a:cd'/>\n"), 3, "address",
     "<mac> address '52:54:00:0a:cd' is not a MAC address"},
    {NET("  <mac address='01:00:5e:00:00:01'/>\n"), 3, "address",
     "<mac> address '01:00:5e:00:00:01' is a multicast address"},
    {NET("  <mac/>\n"), 3, "address", "<mac> needs an address attribute"},
    {NET("  <domain name='bad domain'/>\n"), 3, "name", "<domain> name 'bad domain' is not a DNS"},
    {NET("  <domain name='a..b'/>\n"), 3, "name", "<domain> name 'a..b' is not a DNS"},
    /* <ip> */
    {NET("  <ip netmask='255.255.255.0'/>\n"), 3, "address", "<ip> needs an address attribute"},
    {NET("  <ip address='192.168.1.300' netmask='255.255.255.0'/>\n"), 3, "address",
     "<ip> address '192.168.1.300' is not an IPv4 address"},
    {NET("  <ip address='192.168.1.1' netmask='255.0.255.0'/>\n"), 3, "netmask",
     "<ip> netmask 255.0.255.0 is not contiguous"},
    {NET("  <ip address='192.168.1.1' netmask='255.255.255'/>\n"), 3, "netmask",
     "<ip> netmask '255.255.255' is not an IPv4 address"},
    {NET("  <ip address='192.168.1.1' prefix='33'/>\n"), 3, "prefix",
     "<ip> prefix 33 is out of range (0 to 32)"},
    {NET("  <ip address='192.168.1.1' prefix='twenty'/>\n"), 3, "prefix",
     "<ip> prefix 'twenty' is not a number"},
    {NET("  <ip address='192.168.1.1' netmask='255.255.255.0' prefix='24'/>\n"), 3, "prefix",
     "<ip> has both a netmask and a prefix"},
    {NET("  <ip address='224.0.0.1'/>\n"), 3, "netmask",
     "<ip> address 224.0.0.1 needs a netmask or a prefix"},
    {NET("  <ip address='fd00::1' prefix='64'/>\n"), 3, "address",
     "<ip> address 'fd00::1' is IPv6: add family='ipv6'"},
    {NET("  <ip family='ipv6' address='fd00::1' netmask='255.255.255.0'/>\n"), 3, "netmask",
     "<ip> netmask is not allowed for IPv6"},
    {NET("  <ip family='ipv6' address='fd00::1' prefix='129'/>\n"), 3, "prefix",
     "<ip> prefix 129 is out of range (0 to 128)"},
    {NET("  <ip family='ipv6' address='192.168.1.1'/>\n"), 3, "address",
     "<ip> address '192.168.1.1' is not an IPv6 address"},
    {NET("  <ip family='inet' address='192.168.1.1'/>\n"), 3, "family",
     "<ip> family 'inet' must be 'ipv4' or 'ipv6'"},
    {NET("  <ip address='10.0.0.1' prefix='8'>\n    <tftp root='/srv'/>\n  </ip>\n"), 4, "tftp",
     "unknown element <tftp> in <ip>"},
    {NET("  <ip address='10.0.0.1' prefix='8'>\n    <dhcp/>\n    <dhcp/>\n  </ip>\n"), 5, "dhcp",
     "<dhcp> appears twice in <ip> (first on line 4)"},
    {NET("  <ip address='10.0.0.1' prefix='8'>\n    <dhcp/>\n  </ip>\n"
         "  <ip address='10.1.0.1' prefix='16'>\n    <dhcp/>\n  </ip>\n"),
     7, "dhcp", "<dhcp> is allowed on one IPv4 <ip> only (there is one on line 3)"},
    /* <range> */
    {DHCP("      <range start='192.168.123.2' end='192.168.122.254'/>\n"), 5, "start",
     "<range> start 192.168.123.2 is outside the network 192.168.122.0/24"},
    {DHCP("      <range start='192.168.122.2' end='192.168.123.254'/>\n"), 5, "end",
     "<range> end 192.168.123.254 is outside the network 192.168.122.0/24"},
    {DHCP("      <range start='192.168.122.200' end='192.168.122.100'/>\n"), 5, "end",
     "<range> end 192.168.122.100 comes before start 192.168.122.200"},
    {DHCP("      <range start='192.168.122.0' end='192.168.122.100'/>\n"), 5, "start",
     "<range> start 192.168.122.0 is the address of the network 192.168.122.0/24"},
    {DHCP("      <range start='192.168.122.2' end='192.168.122.255'/>\n"), 5, "end",
     "<range> end 192.168.122.255 is the broadcast address of 192.168.122.0/24"},
    {DHCP("      <range start='192.168.122.2'/>\n"), 5, "end", "<range> needs an end attribute"},
    {DHCP("      <range start='fd00::2' end='fd00::9'/>\n"), 5, "start",
     "<range> start 'fd00::2' is not an IPv4 address"},
    {DHCP("      <range start='192.168.122.2' end='192.168.122.9'>\n        <lease expiry='1'/>\n"
          "      </range>\n"),
     6, "lease", "unknown element <lease> in <range>"},
    {DHCP("      <bootp file='pxelinux.0'/>\n"), 5, "bootp", "unknown element <bootp> in <dhcp>"},
    {NET("  <ip family='ipv6' address='fd00:1::1' prefix='64'>\n    <dhcp>\n"
         "      <range start='fd00:2::2' end='fd00:1::9'/>\n    </dhcp>\n  </ip>\n"),
     5, "start", "<range> start fd00:2::2 is outside the network fd00:1::/64"},
    /* <host> */
    {DHCP("      <host mac='00:16:3e:77:e2:ed' name='a' ip='192.168.123.10'/>\n"), 5, "ip",
     "<host> ip 192.168.123.10 is outside the network 192.168.122.0/24"},
    {DHCP("      <host mac='00:16:3e:77:e2' ip='192.168.122.10'/>\n"), 5, "mac",
     "<host> mac '00:16:3e:77:e2' is not a MAC address"},
    {DHCP("      <host mac='03:16:3e:77:e2:ed' ip='192.168.122.10'/>\n"), 5, "mac",
     "<host> mac '03:16:3e:77:e2:ed' is a multicast address"},
    {DHCP("      <host ip='192.168.122.10'/>\n"), 5, "mac", "<host> needs a mac or a name"},
    {DHCP("      <host mac='00:16:3e:77:e2:ed'/>\n"), 5, "ip", "<host> needs an ip attribute"},
    {DHCP("      <host name='under score ok?' ip='192.168.122.10'/>\n"), 5, "name",
     "<host> name 'under score ok?' is not a host name"},
    {DHCP("      <host mac='00:16:3e:77:e2:ed' ip='192.168.122.10'/>\n"
          "      <host mac='00:16:3E:77:E2:ED' ip='192.168.122.11'/>\n"),
     6, "mac", "<host> has the same mac as the <host> on line 5"},
    {DHCP("      <host name='a' ip='192.168.122.10'/>\n"
          "      <host name='b' ip='192.168.122.10'/>\n"),
     6, "ip", "<host> has the same ip as the <host> on line 5"},
    {DHCP("      <host name='a' ip='192.168.122.10' id='0:1'/>\n"), 5, "id",
     "unknown attribute 'id' on <host>"},
    {NET("  <ip family='ipv6' address='fd00:1::1' prefix='64'>\n    <dhcp>\n"
         "      <host mac='00:16:3e:77:e2:ed' name='x' ip='fd00:1::5'/>\n    </dhcp>\n  </ip>\n"),
     5, "mac", "<host> in an IPv6 <dhcp> cannot have a mac"},
};

/* Every bad input fails with VMERR_XML at the exact line and field, in plain words, and
 * the one-line form names the source file. */
static void test_errors(void **state)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct vmerr err = {0};
        struct network_def *def = network_def_parse_string(c->xml, "bad.xml", &err);
        if (def)
            fail_msg("case %zu parsed but should fail: %s", i, c->xml);
        if (err.code != VMERR_XML || err.line != c->line || strcmp(err.field, c->field) ||
            !strstr(err.message, c->words))
            fail_msg("case %zu: got code %d line %d field '%s' message '%s'; want line %d "
                     "field '%s' words '%s'",
                     i, err.code, err.line, err.field, err.message, c->line, c->field, c->words);
        char line[1400], want[64];
        vmerr_line(&err, line, sizeof(line));
        snprintf(want, sizeof(want), c->line ? "bad.xml:%d: " : "", c->line);
        if (c->line && strncmp(line, want, strlen(want)))
            fail_msg("case %zu: line '%s' does not start with '%s'", i, line, want);
    }
}

/* Good inputs that are close to the edges the checks draw. */
static void test_edges_accepted(void **state)
{
    static const char *const good[] = {
        /* /31 and /32 have no network or broadcast address to avoid */
        NET("  <ip address='10.0.0.0' prefix='31'>\n    <dhcp>\n"
            "      <range start='10.0.0.0' end='10.0.0.1'/>\n    </dhcp>\n  </ip>\n"),
        /* a one-address range, single-digit MAC bytes, a host by name only */
        DHCP("      <range start='192.168.122.9' end='192.168.122.9'/>\n"
             "      <host mac='2:0:0:0:0:1' ip='192.168.122.20'/>\n"
             "      <host name='only-name' ip='192.168.122.21'/>\n"),
        /* one IPv4 and one IPv6 <dhcp> side by side */
        NET("  <ip address='10.0.0.1' prefix='8'>\n    <dhcp/>\n  </ip>\n"
            "  <ip family='ipv6' address='fd00::1' prefix='64'>\n    <dhcp/>\n  </ip>\n"),
        /* uuid with blanks around it, family='ipv4' spelled out */
        NET("  <uuid> 6695eb01f6a4830479aa97f2502e193f </uuid>\n"
            "  <ip family='ipv4' address='10.0.0.1' prefix='0'/>\n"),
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char *a = reformat(good[i]), *b = reformat(a);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
}

/* network_def_parse_file names the file in errors, and reads good files. */
static void test_parse_file(void **state)
{
    char *dir = testutil_tmpdir("netxml");
    char *good = NULL, *bad = NULL;
    assert_true(asprintf(&good, "%s/good.xml", dir) > 0);
    assert_true(asprintf(&bad, "%s/bad.xml", dir) > 0);
    FILE *f = fopen(good, "w");
    fputs(old_xml, f);
    fclose(f);
    f = fopen(bad, "w");
    fputs("<network>\n  <name>n</name>\n  <bridge stp='maybe'/>\n</network>\n", f);
    fclose(f);
    struct vmerr err = {0};
    struct network_def *def = network_def_parse_file(good, &err);
    assert_non_null(def);
    assert_string_equal(def->name, "default");
    network_def_free(def);
    assert_null(network_def_parse_file(bad, &err));
    char line[1400], want[600];
    snprintf(want, sizeof(want), "%s:3: <bridge> stp='maybe' must be 'on' or 'off'", bad);
    assert_string_equal(vmerr_line(&err, line, sizeof(line)), want);
    assert_string_equal(err.field, "stp");
    free(good);
    free(bad);
    testutil_rm_rf(dir);
    free(dir);
}

/* The network schema is compiled in, and what we write for every good input is valid for it
 * (parsing runs it after our own checks). */
static void test_schema(void **state)
{
    assert_non_null(schema_builtin_text("network"));
    assert_non_null(schema_source("network"));
    char *out = reformat(full_xml);
    struct vmerr err = {0};
    struct network_def *def = network_def_parse_string(out, "written.xml", &err);
    assert_non_null(def);
    network_def_free(def);
    free(out);
}

/* Free the compiled schemas so leak checkers see a clean exit. */
static int teardown_group(void **state)
{
    schema_cleanup();
    return 0;
}

/* Run every test of this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full),     cmocka_unit_test(test_format_full),
        cmocka_unit_test(test_old_spelling),   cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_mask_spellings), cmocka_unit_test(test_generated_uuid),
        cmocka_unit_test(test_info),           cmocka_unit_test(test_names),
        cmocka_unit_test(test_bridge_pick),    cmocka_unit_test(test_errors),
        cmocka_unit_test(test_edges_accepted), cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_schema),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_group);
}
