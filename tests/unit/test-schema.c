/* test-schema: the RelaxNG schema module against real libxml2 and vmdeck's real schemas.
 * Where the schema text comes from ($VMDECK_SCHEMA_DIR, the compiled-in copy), that the
 * compiled-in copy is the source file, that domain.rng accepts every seed example and what
 * the formatter writes, that its errors are plain words with exact lines and fields (the
 * model parser is bypassed so the schema's own messages are seen), that every problem can
 * be collected, that nothing reaches stderr, and a small grammar of the test's own for the
 * explainer's handling of <choice>, <ref>, <oneOrMore> and name classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "engine/domain-def.h"
#include "engine/schema.h"
#include "engine/store.h"
#include "engine/xmlutil.h"
#include "testutil.h"

/* The seed examples that are whole domains. */
static const char *const seed_domains[] = {"kvm-demo2", "qemu-fedora-i686", "xen-hvm-fv0",
                                           "xen-pv-fc4", NULL};

/* Parse text as a document (any root) or fail the test. */
static struct _xmlDoc *read_doc(const char *xml)
{
    struct vmerr err = {0};
    struct xmlutil_ctx x = {"t.xml", &err};
    struct _xmlDoc *doc = xmlutil_read(&x, xml, NULL);
    if (!doc)
        fail_msg("not well formed: %s\n%s", err.message, xml);
    return doc;
}

/* Validate xml against schema name; 0 or -1 with err. */
static int validate(const char *xml, const char *name, struct vmerr *err)
{
    struct _xmlDoc *doc = read_doc(xml);
    struct xmlutil_ctx x = {"t.xml", err};
    int rc = schema_validate(&x, doc, name);
    xmlFreeDoc(doc);
    return rc;
}

/* xml must be valid for schema name. */
static void expect_valid(const char *xml, const char *name)
{
    struct vmerr err = {0};
    if (validate(xml, name, &err) < 0) {
        char line[1500];
        fail_msg("schema %s refused: %s\n%s", name, vmerr_line(&err, line, sizeof(line)), xml);
    }
}

/* xml must be refused by schema name with exactly this line, field and message; and
 * nothing may be printed on stderr meanwhile. */
static void expect_invalid(const char *xml, const char *name, int line, const char *field,
                           const char *message)
{
    struct vmerr err = {0};
    struct testutil_stderr cap;
    testutil_stderr_begin(&cap);
    int rc = validate(xml, name, &err);
    long printed = testutil_stderr_end(&cap);
    if (rc == 0)
        fail_msg("schema %s accepted, expected \"%s\":\n%s", name, message, xml);
    assert_int_equal(printed, 0);
    if (strcmp(err.message, message))
        fail_msg("message \"%s\"\n   expected \"%s\"", err.message, message);
    assert_int_equal(err.code, VMERR_XML);
    assert_string_equal(err.file, "t.xml");
    assert_int_equal(err.line, line);
    assert_string_equal(err.field, field);
}

/* A temp dir of the running test, removed by the teardown even when the test fails. */
static char *test_dir;

/* A new empty dir below test_dir; caller frees. */
static char *sub_dir(const char *name)
{
    char *dir = store_printf("%s/%s", test_dir, name);
    assert_int_equal(mkdir(dir, 0700), 0);
    return dir;
}

/* Run before each test: a temp dir, and the schemas from the source tree unless the test
 * says else. */
static int use_source_schemas(void **state)
{
    (void)state;
    test_dir = testutil_tmpdir("schema");
    char *dir =
        store_printf("%s/engine/schemas", getenv("VMDECK_SOURCE_DIR") ? getenv("VMDECK_SOURCE_DIR")
                                                                      : VMDECK_SOURCE_DIR_DEFAULT);
    setenv("VMDECK_SCHEMA_DIR", dir, 1);
    free(dir);
    schema_cleanup();
    return 0;
}

/* The compiled-in copy is the source file, and is used when no dir has the schema. */
static void test_builtin_copy(void **state)
{
    (void)state;
    char *path = store_printf("%s/domain.rng", getenv("VMDECK_SCHEMA_DIR"));
    char *text = testutil_read(path);
    assert_non_null(schema_builtin_text("domain"));
    assert_string_equal(schema_builtin_text("domain"), text);
    assert_string_equal(schema_source("domain"), path);
    free(text);
    free(path);

    char *empty = sub_dir("empty");
    setenv("VMDECK_SCHEMA_DIR", empty, 1);
    schema_cleanup();
    if (access(VMDECK_SCHEMA_INSTALL_DIR_FOR_TESTS "/domain.rng", R_OK) == 0)
        print_message("an installed domain.rng exists; skipping the built-in fallback check\n");
    else
        assert_string_equal(schema_source("domain"), "built-in");
    expect_valid("<domain type='qemu'><name>b</name><memory>1</memory>"
                 "<os><type>hvm</type></os></domain>",
                 "domain");
    free(empty);

    assert_null(schema_builtin_text("nonsense"));
    assert_null(schema_builtin_text("../domain"));
    assert_null(schema_source("nonsense"));
    struct vmerr err = {0};
    assert_int_equal(validate("<a/>", "../../etc/passwd", &err), -1);
    assert_int_equal(err.code, VMERR_INTERNAL);
}

/* $VMDECK_SCHEMA_DIR wins over the built-in copy; each schema is compiled once and kept
 * until schema_cleanup; a broken schema is an internal error naming its file. */
static void test_schema_dir(void **state)
{
    (void)state;
    char *dir = sub_dir("dir");
    char *path = store_printf("%s/domain.rng", dir);
    /* a deliberately different "domain" schema: any <domain> with a <note> in it */
    const char *custom = "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start>"
                         "<element name='domain'><element name='note'><text/></element>"
                         "</element></start></grammar>\n";
    assert_int_equal(store_write_atomic(path, custom, strlen(custom), NULL), 0);
    setenv("VMDECK_SCHEMA_DIR", dir, 1);
    schema_cleanup();
    assert_string_equal(schema_source("domain"), path);
    expect_valid("<domain><note>hi</note></domain>", "domain");
    expect_invalid("<domain>\n  <name>x</name>\n</domain>", "domain", 2, "name",
                   "unknown element <name> in <domain>");

    /* cached: rewriting the file changes nothing until schema_cleanup */
    const char *broken = "<grammar xmlns='http://relaxng.org/ns/structure/1.0'>\n"
                         "<start><element name='domain'><ref name='missing'/></element></start>\n"
                         "</grammar>\n";
    assert_int_equal(store_write_atomic(path, broken, strlen(broken), NULL), 0);
    expect_valid("<domain><note>hi</note></domain>", "domain");
    schema_cleanup();
    struct vmerr err = {0};
    struct testutil_stderr cap;
    testutil_stderr_begin(&cap);
    assert_int_equal(validate("<domain><note>hi</note></domain>", "domain", &err), -1);
    assert_int_equal(testutil_stderr_end(&cap), 0);
    assert_int_equal(err.code, VMERR_INTERNAL);
    assert_non_null(strstr(err.message, "schema 'domain'"));
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "does not compile"));

    /* not even XML */
    assert_int_equal(store_write_atomic(path, "<grammar", 8, NULL), 0);
    schema_cleanup();
    assert_int_equal(validate("<domain/>", "domain", &err), -1);
    assert_int_equal(err.code, VMERR_INTERNAL);
    assert_non_null(strstr(err.message, "schema 'domain' is broken"));

    free(path);
    free(dir);
}

/* domain.rng accepts every seed domain, and what the formatter writes for it (live and
 * inactive); and every golden output file of tests/data/domain-format. */
static void test_accepts_seed_and_output(void **state)
{
    (void)state;
    for (size_t i = 0; seed_domains[i]; i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "seed/%s.xml", seed_domains[i]);
        char *path = testutil_data_path(rel), *xml = testutil_read(path);
        expect_valid(xml, "domain");
        struct vmerr err = {0};
        struct domain_def *def = domain_def_parse_string(xml, path, &err);
        assert_non_null(def);
        char *live = domain_def_format(def, 0);
        char *inactive = domain_def_format(def, DOMAIN_DEF_FORMAT_INACTIVE);
        expect_valid(live, "domain");
        expect_valid(inactive, "domain");
        free(live);
        free(inactive);
        domain_def_free(def);
        free(xml);
        free(path);
        snprintf(rel, sizeof(rel), "domain-format/%s.xml", seed_domains[i]);
        path = testutil_data_path(rel);
        xml = testutil_read(path);
        expect_valid(xml, "domain");
        free(xml);
        free(path);
    }
}

/* A minimal domain around a <devices> body (devices start on line 5). */
static char *devices(const char *body)
{
    return store_printf("<domain type='qemu'>\n"
                        "  <name>wrapped</name>\n"
                        "  <memory>65536</memory>\n"
                        "  <os><type>hvm</type></os>\n"
                        "  <devices>\n%s  </devices>\n</domain>\n",
                        body);
}

/* The schema's own messages, with the model parser out of the way. */
static void test_domain_messages(void **state)
{
    (void)state;
    static const struct {
        const char *xml;
        int line;
        const char *field, *message;
    } top[] = {
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n  <devcies/>\n</domain>",
         5, "devcies", "unknown element <devcies> in <domain> (did you mean <devices>?)"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memroy>1</memroy>\n"
         "  <os><type>hvm</type></os>\n</domain>",
         3, "memroy", "unknown element <memroy> in <domain> (did you mean <memory>?)"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <os><type>hvm</type></os>\n</domain>", 1,
         "memory", "<domain>: needs a <memory>"},
        {"<domain type='qemu' ip='3'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n</domain>",
         1, "ip", "<domain>: unknown attribute 'ip' (did you mean 'id'?)"},
        {"<domain type='vmware'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n</domain>",
         1, "type", "<domain> type='vmware': expected qemu, kvm, kqemu or xen"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n  <vcpu>0</vcpu>\n</domain>",
         5, "vcpu", "<vcpu>: '0' is not a whole number from 1 to 4096"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n  <uuid>abc</uuid>\n</domain>",
         5, "uuid", "<uuid>: 'abc' is not a uuid (32 hex digits, with or without dashes)"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory></memory>\n"
         "  <os><type>hvm</type></os>\n</domain>",
         3, "memory", "<memory>: is empty (expected a whole number of at least 1)"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory unit='parsec'>1</memory>\n"
         "  <os><type>hvm</type></os>\n</domain>",
         3, "unit", "<memory> unit='parsec': expected b, KiB, MiB, GiB, TiB, KB, MB, GB or TB"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n  <on_crash>explode</on_crash>\n</domain>",
         5, "on_crash",
         "<on_crash>: 'explode' is not destroy, restart, preserve or rename-restart"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n  <clock/>\n</domain>",
         5, "offset", "<clock>: needs an offset or sync attribute"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n  <name>y</name>\n</domain>",
         5, "name", "<name> appears twice in <domain> (first on line 2)"},
        {"<domain type='qemu'>\n  <name>-x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n</domain>",
         2, "name",
         "<name>: '-x' is not a name of letters, digits and - _ . + : (not starting with '.' "
         "or '-')"},
        {"<domain type='qemu'>\n  <name>a b</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n</domain>",
         2, "name",
         "<name>: 'a b' is not a name of letters, digits and - _ . + : (not starting with '.' "
         "or '-')"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os>\n    <type>hvm</type>\n    <boot dev='usb'/>\n  </os>\n</domain>",
         6, "dev", "<boot> dev='usb': expected fd, hd, cdrom or network"},
        {"<domain type='qemu'>\n  hello\n  <name>x</name>\n  <memory>1</memory>\n"
         "  <os><type>hvm</type></os>\n</domain>",
         2, "domain", "unexpected text 'hello' in <domain>"},
        {"<network>\n  <name>x</name>\n</network>", 1, "network",
         "expected <domain> as the root element, found <network>"},
        {"<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n  <os>\n"
         "    <type>hvm</type>\n  </os>\n  <metadata>\n    <plain/>\n  </metadata>\n</domain>",
         8, "plain", "unknown element <plain> in <metadata>"},
    };
    for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
        expect_invalid(top[i].xml, "domain", top[i].line, top[i].field, top[i].message);

    static const struct {
        const char *body;
        int line;
        const char *field, *message;
    } dev[] = {
        {"    <disk type='file'>\n      <source file='/a'/>\n    </disk>\n", 6, "target",
         "<disk>: needs a <target dev=...>"},
        {"    <disk type='blk'>\n      <target dev='hda'/>\n    </disk>\n", 6, "type",
         "<disk> type='blk': expected file or block"},
        {"    <disk type='block'>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "    </disk>\n",
         7, "file", "<source>: unknown attribute 'file'"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda' bos='ide'/>\n"
         "    </disk>\n",
         8, "bos", "<target>: unknown attribute 'bos' (did you mean 'bus'?)"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <readonyl/>\n    </disk>\n",
         9, "readonyl", "unknown element <readonyl> in <disk> (did you mean <readonly>?)"},
        {"    <disk>\n      <source file='/a'/>\n      <target dev='hda'/>\n"
         "      <driver type='vmdk'/>\n    </disk>\n",
         9, "type", "<driver> type='vmdk': expected raw or qcow2"},
        {"    <interface type='user'>\n      <mac address='zz'/>\n    </interface>\n", 7, "address",
         "<mac> address='zz': expected a MAC address like 52:54:00:12:34:56"},
        {"    <interface type='network'>\n    </interface>\n", 6, "source",
         "<interface>: needs a <source>"},
        {"    <interface type='usr'/>\n", 6, "type",
         "<interface> type='usr': expected user, network, bridge, ethernet, mcast, client or "
         "server"},
        {"    <interface type='mcast'>\n      <source address='230.0.0.1'/>\n"
         "    </interface>\n",
         7, "port", "<source>: needs a port attribute"},
        {"    <interface type='user'>\n      <address slot='3'/>\n    </interface>\n", 7, "type",
         "<address>: needs a type attribute"},
        {"    <serial>\n      <target type='pci-serial'/>\n    </serial>\n", 7, "type",
         "<target> type='pci-serial': expected isa-serial"},
        {"    <graphics type='vnc' port='80000'/>\n", 6, "port",
         "<graphics> port='80000': expected a whole number from -1 to 65535"},
        {"    <graphics type='sdl' port='5900'/>\n", 6, "port",
         "<graphics>: unknown attribute 'port'"},
        {"    <graphics type='vnc'>\n      <listen type='network'/>\n    </graphics>\n", 7, "type",
         "<listen> type='network': expected address"},
        {"    <emulator>/a</emulator>\n    <emulator>/b</emulator>\n", 7, "emulator",
         "<emulator> appears twice in <devices> (first on line 6)"},
    };
    for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
        char *xml = devices(dev[i].body);
        expect_invalid(xml, "domain", dev[i].line, dev[i].field, dev[i].message);
        free(xml);
    }

    /* names of any script are fine, as in domain_name_valid; foreign namespaces are kept */
    expect_valid("<domain type='qemu'><name>\xe6\x9c\x8d\xe5\x8b\x99\xe5\x99\xa8-1</name>"
                 "<memory>1</memory><os><type>hvm</type></os></domain>",
                 "domain");
    expect_valid("<domain type='qemu' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'>"
                 "<name>\xc3\xbc.x+y:z_w</name><memory>1</memory><os><type>hvm</type></os>"
                 "<metadata><a:b xmlns:a='urn:a' x='1'>t<a:c/></a:b></metadata>"
                 "<q:commandline><q:arg value='-S'/></q:commandline></domain>",
                 "domain");
}

/* schema_check collects every problem the walk can name, in document order. */
static void test_check_collects(void **state)
{
    (void)state;
    const char *xml = "<domain type='qemu' idd='1'>\n"
                      "  <name>x</name>\n"
                      "  <memory>0</memory>\n"
                      "  <os><type>hvm</type></os>\n"
                      "  <devices>\n"
                      "    <disk><source file='/a'/></disk>\n"
                      "    <grafics type='vnc'/>\n"
                      "  </devices>\n"
                      "</domain>\n";
    struct _xmlDoc *doc = read_doc(xml);
    struct vmerr unused = {0}, errs[16];
    struct xmlutil_ctx x = {"t.xml", &unused};
    size_t n = schema_check(&x, doc, "domain", errs, 16);
    assert_int_equal(n, 4);
    assert_int_equal(errs[0].line, 1);
    assert_string_equal(errs[0].message, "<domain>: unknown attribute 'idd' (did you mean 'id'?)");
    assert_int_equal(errs[1].line, 3);
    assert_string_equal(errs[1].message, "<memory>: '0' is not a whole number of at least 1");
    assert_int_equal(errs[2].line, 6);
    assert_string_equal(errs[2].message, "<disk>: needs a <target dev=...>");
    assert_int_equal(errs[3].line, 7);
    assert_string_equal(errs[3].message,
                        "unknown element <grafics> in <devices> (did you mean <graphics>?)");
    assert_int_equal(unused.code, VMERR_OK); /* schema_check leaves x->err alone */
    /* max bounds the list */
    assert_int_equal(schema_check(&x, doc, "domain", errs, 2), 2);
    assert_int_equal(errs[1].line, 3);
    xmlFreeDoc(doc);
}

/* A grammar of the test's own, to exercise the explainer on patterns domain.rng does not
 * use: <oneOrMore>, an attribute <choice> inside <optional>, refs to data, name classes. */
static void test_explainer_patterns(void **state)
{
    (void)state;
    char *dir = sub_dir("own");
    char *path = store_printf("%s/shelf.rng", dir);
    const char *rng =
        "<grammar xmlns='http://relaxng.org/ns/structure/1.0' xmlns:v='urn:vmdeck:schema-words'"
        " datatypeLibrary='http://www.w3.org/2001/XMLSchema-datatypes'>\n"
        "<start><element name='shelf'><oneOrMore><ref name='book'/></oneOrMore>"
        "<zeroOrMore><element><nsName ns='urn:x'/><text/></element></zeroOrMore>"
        "</element></start>\n"
        "<define name='book'><element name='book'><attribute name='isbn'><ref name='isbn'/>"
        "</attribute><optional><choice><attribute name='pages'><data type='int'/></attribute>"
        "<attribute name='minutes'><data type='int'/></attribute></choice></optional>"
        "<element name='title'><text/></element></element></define>\n"
        "<define name='isbn'><data type='string' v:words='an ISBN of 13 digits'>"
        "<param name='pattern'>[0-9]{13}</param></data></define>\n"
        "</grammar>\n";
    assert_int_equal(store_write_atomic(path, rng, strlen(rng), NULL), 0);
    setenv("VMDECK_SCHEMA_DIR", dir, 1);
    schema_cleanup();
    expect_valid("<shelf><book isbn='9780131103627' pages='272'><title>C</title></book>"
                 "<x:note xmlns:x='urn:x'>n</x:note></shelf>",
                 "shelf");
    expect_valid("<shelf><book isbn='9780131103627'><title>C</title></book></shelf>", "shelf");
    expect_invalid("<shelf>\n</shelf>", "shelf", 1, "book", "<shelf>: needs a <book isbn=...>");
    expect_invalid("<shelf>\n  <book isbn='12'><title>C</title></book>\n</shelf>", "shelf", 2,
                   "isbn", "<book> isbn='12': expected an ISBN of 13 digits");
    expect_invalid("<shelf>\n  <book isbn='9780131103627' pages='many'><title>C</title>"
                   "</book>\n</shelf>",
                   "shelf", 2, "pages", "<book> pages='many': expected a whole number");
    expect_invalid("<shelf>\n  <book isbn='9780131103627'/>\n</shelf>", "shelf", 2, "title",
                   "<book>: needs a <title>");
    expect_invalid("<shelf>\n  <book isbn='9780131103627'><title>C</title></book>\n"
                   "  <y:note xmlns:y='urn:y'/>\n</shelf>",
                   "shelf", 3, "note", "unknown element <note> in <shelf>");
    free(path);
    free(dir);
}

/* Run after each test, also after a failed one: drop the schemas, remove the temp dir. */
static int remove_test_dir(void **state)
{
    (void)state;
    schema_cleanup();
    if (test_dir)
        testutil_rm_rf(test_dir);
    free(test_dir);
    test_dir = NULL;
    return 0;
}

/* Release the schemas so the leak checker sees a clean exit. */
static int release(void **state)
{
    (void)state;
    schema_cleanup();
    return 0;
}

/* Run every test. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_builtin_copy, use_source_schemas, remove_test_dir),
        cmocka_unit_test_setup_teardown(test_schema_dir, use_source_schemas, remove_test_dir),
        cmocka_unit_test_setup_teardown(test_accepts_seed_and_output, use_source_schemas,
                                        remove_test_dir),
        cmocka_unit_test_setup_teardown(test_domain_messages, use_source_schemas, remove_test_dir),
        cmocka_unit_test_setup_teardown(test_check_collects, use_source_schemas, remove_test_dir),
        cmocka_unit_test_setup_teardown(test_explainer_patterns, use_source_schemas,
                                        remove_test_dir),
    };
    return cmocka_run_group_tests(tests, NULL, release);
}
