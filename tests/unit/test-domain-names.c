/* test-domain-names: uuids (parse with and without dashes, format, v4 generation) and names
 * (the safe character set), and the enum <-> string tables of the domain model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/domain-def.h"
#include "testutil.h"

/* Parse xml, failing the test on any error. */
static struct domain_def *parse_ok(const char *xml)
{
    struct vmerr err = {0};
    struct domain_def *def = domain_def_parse_string(xml, "test.xml", &err);
    if (!def) {
        char line[1500];
        fail_msg("unexpected error: %s\n%s", vmerr_line(&err, line, sizeof(line)), xml);
    }
    return def;
}

/* uuid text with and without dashes, rejects, and v4 generation. */
static void test_uuid(void **state)
{
    (void)state;
    unsigned char a[16], b[16];
    char text[37];
    assert_int_equal(domain_uuid_parse("4dea22b3-1d52-d8f3-2516-782e98ab3fa0", a), 0);
    assert_int_equal(domain_uuid_parse("4dea22b31d52d8f32516782e98ab3fa0", b), 0);
    assert_memory_equal(a, b, 16);
    assert_int_equal(a[0], 0x4d);
    assert_int_equal(a[15], 0xa0);
    domain_uuid_format(a, text);
    assert_string_equal(text, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
    assert_int_equal(domain_uuid_parse("4DEA22B31D52D8F32516782E98AB3FA0", b), 0);
    assert_memory_equal(a, b, 16);
    static const char *const bad[] = {
        "",
        "4dea22b3-1d52-d8f3-2516-782e98ab3fa",   /* short */
        "4dea22b3-1d52-d8f3-2516-782e98ab3fa00", /* long */
        "4dea22b31-d52-d8f3-2516-782e98ab3fa0",  /* dash misplaced */
        "4dea22b3-1d52-d8f3-2516-782e98ab3fz0",  /* not hex */
        "4dea22b31d52d8f32516782e98ab3fa0ab",    /* 34 digits */
        "4dea22b3 1d52 d8f3 2516 782e98ab3fa0",  /* spaces */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(domain_uuid_parse(bad[i], b), -1);

    unsigned char seen[64][16];
    for (int i = 0; i < 64; i++) {
        domain_uuid_generate(seen[i]);
        assert_int_equal(seen[i][6] >> 4, 4);      /* version 4 */
        assert_int_equal(seen[i][8] & 0xc0, 0x80); /* RFC 4122 variant */
        for (int k = 0; k < i; k++)
            assert_memory_not_equal(seen[i], seen[k], 16);
        domain_uuid_format(seen[i], text);
        assert_int_equal(domain_uuid_parse(text, b), 0);
        assert_memory_equal(seen[i], b, 16);
    }
    /* two domains without <uuid> get different ones */
    const char *xml = "<domain type='qemu'><name>n</name><memory>1</memory>"
                      "<os><type>hvm</type></os></domain>";
    struct domain_def *d1 = parse_ok(xml), *d2 = parse_ok(xml);
    assert_memory_not_equal(d1->uuid, d2->uuid, 16);
    domain_def_free(d1);
    domain_def_free(d2);
}

/* Names and the enum tables. */
static void test_names_and_tables(void **state)
{
    (void)state;
    assert_true(domain_name_valid("demo2"));
    assert_true(domain_name_valid("QEmu-fedora-i686"));
    assert_true(domain_name_valid("web-db_prod.1+x:y"));
    assert_true(domain_name_valid("\xc3\xbcn\xc3\xaf"
                                  "c\xc3\xb6"
                                  "de"));                                   /* ünïcöde */
    assert_true(domain_name_valid("\xe6\x9c\x8d\xe5\x8b\x99\xe5\x99\xa8")); /* 服務器 */
    assert_true(domain_name_valid("\xce\xb1\xce\xb2\xce\xb3-2"));           /* αβγ-2 */
    assert_true(domain_name_valid("a.b"));
    assert_true(domain_name_valid("9lives"));
    assert_false(domain_name_valid(""));
    assert_false(domain_name_valid(NULL));
    assert_false(domain_name_valid("a/b"));
    assert_false(domain_name_valid("a\nb"));
    assert_false(domain_name_valid("tab\there"));
    assert_false(domain_name_valid("."));
    assert_false(domain_name_valid(".."));
    assert_false(domain_name_valid(".hidden"));
    assert_false(domain_name_valid("-rf"));
    assert_false(domain_name_valid("a b"));
    assert_false(domain_name_valid("a,b"));
    assert_false(domain_name_valid("a'b"));
    assert_false(domain_name_valid("a$b"));
    assert_false(domain_name_valid("a\xc2\xa0"
                                   "b")); /* no-break space */
    assert_false(domain_name_valid("a\xe2\x80\xae"
                                   "b")); /* right-to-left override */
    assert_false(domain_name_valid("a\xe2\x80\x8b"
                                   "b")); /* zero-width space */
    assert_false(domain_name_valid("a\xc2\xa9"
                                   "b"));       /* copyright sign: a symbol */
    assert_false(domain_name_valid("caf\xe9")); /* Latin-1, not UTF-8 */
    assert_false(domain_name_valid("a\xc0\xaf"
                                   "b")); /* overlong '/' */
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_false(domain_name_valid(longname));
    longname[255] = '\0';
    assert_true(domain_name_valid(longname));

    for (int i = DOMAIN_VIRT_QEMU; i <= DOMAIN_VIRT_XEN; i++)
        assert_int_equal(domain_virt_type_from_string(domain_virt_type_to_string(i)), i);
    for (int i = DOMAIN_LIFECYCLE_DESTROY; i <= DOMAIN_LIFECYCLE_RENAME_RESTART; i++)
        assert_int_equal(domain_lifecycle_from_string(domain_lifecycle_to_string(i)), i);
    for (int i = DOMAIN_BOOT_FD; i <= DOMAIN_BOOT_NETWORK; i++)
        assert_int_equal(domain_boot_dev_from_string(domain_boot_dev_to_string(i)), i);
    for (int i = DOMAIN_NET_USER; i <= DOMAIN_NET_CLIENT; i++)
        assert_int_equal(domain_net_type_from_string(domain_net_type_to_string(i)), i);
    for (int i = DOMAIN_DISK_DEVICE_DISK; i <= DOMAIN_DISK_DEVICE_FLOPPY; i++)
        assert_int_equal(domain_disk_device_from_string(domain_disk_device_to_string(i)), i);
    assert_string_equal(domain_virt_type_to_string(DOMAIN_VIRT_KQEMU), "kqemu");
    assert_string_equal(domain_lifecycle_to_string(DOMAIN_LIFECYCLE_RENAME_RESTART),
                        "rename-restart");
    assert_string_equal(domain_virt_type_to_string((enum domain_virt_type)42), "unknown");
    assert_int_equal(domain_virt_type_from_string("vmware"), -1);
    assert_int_equal(domain_virt_type_from_string(NULL), -1);
}

/* Run the uuid, name and table tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_names_and_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
