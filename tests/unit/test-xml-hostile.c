/* test-xml-hostile: hostile input through the real parser define uses (xmlutil_read via
 * domain_def_parse_string/_file, real libxml2): text and files over 1 MiB, a device that
 * never ends, bytes that are not UTF-8 (with line and column), DTDs and entities (the
 * billion laughs, an external entity naming a real file, external DTDs and parameter
 * entities on an unroutable address), libxml2's own loader asked to load a real DTD, NUL
 * bytes. Every refusal is one VMERR_XML with its line, and nothing reaches stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

/* Parse a string that must parse. */
static struct domain_def *parse_ok(const char *xml)
{
    struct vmerr err = {0};
    struct domain_def *def = domain_def_parse_string(xml, "test.xml", &err);
    if (!def)
        fail_msg("unexpected error: %s", err.message);
    return def;
}

/* Bytes written to fd 2 while f(arg) ran. */
static long stderr_bytes(void (*f)(void *), void *arg)
{
    struct testutil_stderr cap;
    testutil_stderr_begin(&cap);
    f(arg);
    return testutil_stderr_end(&cap);
}

/* One parse of expect_error, run with stderr captured. */
struct parse_call {
    const char *xml;
    struct vmerr err;
    struct domain_def *def;
};

/* Run the parse of a parse_call. */
static void parse_call_run(void *arg)
{
    struct parse_call *c = arg;
    c->def = domain_def_parse_string(c->xml, "bad.xml", &c->err);
}

/* Parse xml expecting a VMERR_XML at line about field with exactly message, printing
 * nothing. */
static void expect_error(const char *xml, int line, const char *field, const char *message)
{
    struct parse_call c = {.xml = xml};
    long printed = stderr_bytes(parse_call_run, &c);
    if (c.def) {
        domain_def_free(c.def);
        fail_msg("parsed but expected \"%s\"", message);
    }
    assert_int_equal(printed, 0);
    if (strcmp(c.err.message, message))
        fail_msg("message \"%s\"\n   expected \"%s\"", c.err.message, message);
    assert_int_equal(c.err.code, VMERR_XML);
    assert_int_equal(c.err.line, line);
    assert_string_equal(c.err.field, field);
    assert_string_equal(c.err.file, "bad.xml");
}

/* The test's temp dir, removed by the teardown even when the test fails. */
static char *test_dir;

/* Make the temp dir. */
static int make_test_dir(void **state)
{
    (void)state;
    test_dir = testutil_tmpdir("hostile");
    return 0;
}

/* Remove the temp dir and everything in it. */
static int remove_test_dir(void **state)
{
    (void)state;
    testutil_rm_rf(test_dir);
    free(test_dir);
    test_dir = NULL;
    return 0;
}

/* Write text to a new file in the test's temp dir; its path (caller frees). */
static char *temp_file(const char *text, size_t len)
{
    char *path = store_printf("%s/file-XXXXXX", test_dir);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

/* Hostile input: oversized text and files, bytes that are not UTF-8, DTDs and entities
 * (the billion laughs, external entities, an external DTD), NUL bytes, devices. */
static void test_hostile_input(void **state)
{
    (void)state;
    /* a domain of exactly n bytes, padded with a comment */
    const char *head = "<domain type='qemu'><name>big</name><memory>1</memory>"
                       "<os><type>hvm</type></os><!--";
    const char *tail = "--></domain>\n";
    size_t big = XMLUTIL_MAX_SIZE + 1;
    char *huge = malloc(big + 1);
    memset(huge, 'x', big);
    memcpy(huge, head, strlen(head));
    memcpy(huge + big - strlen(tail), tail, strlen(tail));
    huge[big] = '\0';
    /* just over 1 MiB: refused before parsing, as text and as a file */
    char msg[128];
    snprintf(msg, sizeof(msg), "the domain XML is %zu bytes, more than the 1 MiB vmdeck accepts",
             big);
    expect_error(huge, 0, "", msg);
    char *path = temp_file(huge, big);
    struct vmerr err = {0};
    assert_null(domain_def_parse_file(path, &err));
    assert_int_equal(err.code, VMERR_XML);
    snprintf(msg, sizeof(msg), "the file is %zu bytes, more than the 1 MiB vmdeck accepts for XML",
             big);
    assert_string_equal(err.message, msg);
    assert_string_equal(err.file, path);
    unlink(path);
    free(path);
    /* exactly 1 MiB is fine, as text and as a file */
    memset(huge, 'x', XMLUTIL_MAX_SIZE);
    memcpy(huge, head, strlen(head));
    memcpy(huge + XMLUTIL_MAX_SIZE - strlen(tail), tail, strlen(tail));
    huge[XMLUTIL_MAX_SIZE] = '\0';
    struct domain_def *d = parse_ok(huge);
    assert_string_equal(d->name, "big");
    domain_def_free(d);
    path = temp_file(huge, XMLUTIL_MAX_SIZE);
    d = domain_def_parse_file(path, &err);
    assert_non_null(d);
    domain_def_free(d);
    unlink(path);
    free(path);
    free(huge);
    /* a device is read only up to the limit */
    assert_null(domain_def_parse_file("/dev/zero", &err));
    assert_int_equal(err.code, VMERR_XML);
    assert_string_equal(err.message, "the file is more than the 1 MiB vmdeck accepts for XML");

    /* not UTF-8: the line and column of the first bad byte, whatever the declaration says */
    expect_error("<domain type='qemu'>\n  <name>caf\xe9</name>\n</domain>", 2, "",
                 "the XML is not valid UTF-8 (byte 0xE9 in column 12)");
    expect_error("<?xml version='1.0' encoding='ISO-8859-1'?>\n<domain type='qemu'>\n"
                 "  <name>caf\xe9</name>\n</domain>",
                 3, "", "the XML is not valid UTF-8 (byte 0xE9 in column 12)");
    expect_error("<domain type='qemu'>\n\n  <name>\xc0\xafx</name>\n</domain>", 3, "",
                 "the XML is not valid UTF-8 (byte 0xC0 in column 9)");
    expect_error("<domain type='qemu'>\n  <name>\xed\xa0\x80</name>\n</domain>", 2, "",
                 "the XML is not valid UTF-8 (byte 0xED in column 9)");
    expect_error("<domain type='qemu'>\n  <name>\xf4\x90\x80\x80</name>\n</domain>", 2, "",
                 "the XML is not valid UTF-8 (byte 0xF4 in column 9)");
    expect_error("<domain type='qemu'>\n  <name>ab\xe2\x82</name>\n</domain>", 2, "",
                 "the XML is not valid UTF-8 (byte 0xE2 in column 11)");

    /* DTDs and entities: the parse stops at the <!DOCTYPE>, so nothing is expanded */
    const char *laughs = "<?xml version='1.0'?>\n"
                         "<!DOCTYPE domain [\n"
                         "  <!ENTITY a 'aaaaaaaaaa'>\n"
                         "  <!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>\n"
                         "  <!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>\n"
                         "  <!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'>\n"
                         "  <!ENTITY e '&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;'>\n"
                         "  <!ENTITY f '&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;'>\n"
                         "  <!ENTITY g '&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;'>\n"
                         "]>\n"
                         "<domain type='qemu'><name>&g;</name></domain>\n";
    expect_error(laughs, 2, "DOCTYPE",
                 "<!DOCTYPE> is not allowed in domain XML (no DTDs or entities)");
    char *secret = temp_file("<name>leaked</name>", 19);
    char *xxe = store_printf("<?xml version='1.0'?>\n<!DOCTYPE domain [\n"
                             "  <!ENTITY s SYSTEM 'file://%s'>\n]>\n"
                             "<domain type='qemu'>&s;<memory>1</memory>"
                             "<os><type>hvm</type></os></domain>\n",
                             secret);
    expect_error(xxe, 2, "DOCTYPE",
                 "<!DOCTYPE> is not allowed in domain XML (no DTDs or entities)");
    free(xxe);
    unlink(secret);
    free(secret);
    expect_error("<!DOCTYPE domain SYSTEM 'http://192.0.2.1/domain.dtd'>\n<domain type='qemu'/>", 1,
                 "DOCTYPE", "<!DOCTYPE> is not allowed in domain XML (no DTDs or entities)");
    expect_error("<!DOCTYPE domain [<!ENTITY % p SYSTEM 'http://192.0.2.1/p'> %p;]>\n"
                 "<domain type='qemu'/>",
                 1, "DOCTYPE", "<!DOCTYPE> is not allowed in domain XML (no DTDs or entities)");
    /* and libxml2 itself loads nothing from outside, even when asked to */
    xmlutil_init();
    char *dtd = temp_file("<!ELEMENT d ANY>\n<!ENTITY e 'expanded'>\n", 38);
    char *doc_text = store_printf("<!DOCTYPE d SYSTEM 'file://%s'>\n<d>&e;</d>\n", dtd);
    xmlDocPtr raw = xmlReadMemory(doc_text, (int)strlen(doc_text), NULL, NULL,
                                  XML_PARSE_DTDLOAD | XML_PARSE_NOENT | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING);
    assert_true(!raw || !raw->extSubset);
    xmlFreeDoc(raw);
    free(doc_text);
    unlink(dtd);
    free(dtd);
    /* an undeclared entity is plain malformed XML */
    expect_error("<domain type='qemu'>\n  <name>&x;</name>\n</domain>", 2, "",
                 "XML is not well formed: Entity 'x' not defined");

    /* a NUL byte in a file: its line */
    path = temp_file("<domain>\n<name>a\0b</name>\n</domain>\n", 35);
    assert_null(domain_def_parse_file(path, &err));
    assert_int_equal(err.code, VMERR_XML);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.message, "the file contains a NUL byte; it is not XML text");
    unlink(path);
    free(path);
}

/* Run every test. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile_input, make_test_dir, remove_test_dir),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    schema_cleanup();
    return failed;
}
