/* test-xml-golden: the data-driven golden corpus. Every tests/data/xml/DIALECT/NAME.xml flows
 * through the real parser of its dialect (domain, network, capabilities): when it parses, the
 * canonical (inactive) output must equal NAME.out and parsing that output must give the same text
 * back; when it does not, the one-line error (vmerr_line) must equal NAME.err. Each case is its own
 * cmocka test, named DIALECT/NAME. VMDECK_REGENERATE=1 rewrites the .out/.err files (and
 * removes the stale one of the pair) for review with git diff. Uuids the parser generates
 * (the input has none) are checked to be fresh version-4 uuids and then replaced by a fixed
 * one so the expected files stay stable. libvirt's own schemas judge the .out files in
 * tests/integration/test-libvirt-oracle.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/capabilities.h"
#include "engine/domain-def.h"
#include "engine/network-def.h"
#include "testutil.h"

/* What every generated uuid is replaced with in the expected files. */
static const unsigned char golden_fixed_uuid[16] = {0, 0, 0, 0, 0, 0, 0x40, 0, 0x80};

/* One XML dialect: how to parse a file, normalise a generated uuid, format and free. */
struct golden_dialect {
    const char *name; /* folder under tests/data/xml/ */
    void *(*parse)(const char *path, struct vmerr *err);
    /* Called with two parses of the same input: when the parser generated their uuids
     * (they differ), check both are version 4 and set both to golden_fixed_uuid. */
    void (*fix_uuid)(void *a, void *b);
    char *(*format)(const void *obj);
    void (*free)(void *obj);
};

/* One case of the corpus. */
struct golden_case {
    const struct golden_dialect *dialect;
    char *dir;  /* absolute path of tests/data/xml/DIALECT */
    char *name; /* NAME, without .xml */
};

/* Whether uuid is a version-4 RFC 4122 uuid, as domain_uuid_generate makes. */
static bool golden_uuid_v4(const unsigned char uuid[16])
{
    return (uuid[6] >> 4) == 4 && (uuid[8] & 0xc0) == 0x80;
}

/* Shared part of fix_uuid: a and b are the uuids of two parses of one input. */
static void golden_fix_uuid_bytes(unsigned char *a, unsigned char *b)
{
    if (!memcmp(a, b, 16))
        return; /* the input gave it */
    assert_true(golden_uuid_v4(a));
    assert_true(golden_uuid_v4(b));
    memcpy(a, golden_fixed_uuid, 16);
    memcpy(b, golden_fixed_uuid, 16);
}

/* ---- the domain dialect ---- */

/* Parse a domain file (the path is relative, so messages name only NAME.xml). */
static void *golden_domain_parse(const char *path, struct vmerr *err)
{
    return domain_def_parse_file(path, err);
}

/* Normalise a generated domain uuid. */
static void golden_domain_fix_uuid(void *a, void *b)
{
    golden_fix_uuid_bytes(((struct domain_def *)a)->uuid, ((struct domain_def *)b)->uuid);
}

/* The canonical domain XML: the persistent definition, as dumpxml --inactive writes it. */
static char *golden_domain_format(const void *obj)
{
    return domain_def_format(obj, DOMAIN_DEF_FORMAT_INACTIVE);
}

/* Free a domain definition. */
static void golden_domain_free(void *obj)
{
    domain_def_free(obj);
}

/* ---- the network dialect ---- */

/* Parse a network file. */
static void *golden_network_parse(const char *path, struct vmerr *err)
{
    return network_def_parse_file(path, err);
}

/* Normalise a generated network uuid. */
static void golden_network_fix_uuid(void *a, void *b)
{
    golden_fix_uuid_bytes(((struct network_def *)a)->uuid, ((struct network_def *)b)->uuid);
}

/* The canonical network XML (what net-dumpxml writes). */
static char *golden_network_format(const void *obj)
{
    return network_def_format(obj);
}

/* Free a network definition. */
static void golden_network_free(void *obj)
{
    network_def_free(obj);
}

/* ---- the capabilities dialect ---- */

/* Parse a capabilities file. */
static void *golden_capabilities_parse(const char *path, struct vmerr *err)
{
    return capabilities_parse_file(path, err);
}

/* Capabilities documents have no uuid: nothing to normalise. */
static void golden_capabilities_fix_uuid(void *a, void *b)
{
}

/* The canonical capabilities XML (what vmdeck capabilities writes). */
static char *golden_capabilities_format(const void *obj)
{
    return capabilities_format(obj);
}

/* Free a capabilities document. */
static void golden_capabilities_free(void *obj)
{
    capabilities_free(obj);
}

static const struct golden_dialect golden_dialects[] = {
    {"domain", golden_domain_parse, golden_domain_fix_uuid, golden_domain_format,
     golden_domain_free},
    {"network", golden_network_parse, golden_network_fix_uuid, golden_network_format,
     golden_network_free},
    {"capabilities", golden_capabilities_parse, golden_capabilities_fix_uuid,
     golden_capabilities_format, golden_capabilities_free},
};

/* ---- files ---- */

/* DIR/NAME.EXT as a new string. */
static char *golden_path(const char *dir, const char *name, const char *ext)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s.%s", dir, name, ext) < 0)
        abort();
    return p;
}

/* The whole file, or NULL when it does not exist (any other failure fails the test). */
static char *golden_read_optional(const char *path)
{
    if (access(path, F_OK) != 0) {
        assert_int_equal(errno, ENOENT);
        return NULL;
    }
    return testutil_read(path);
}

/* Write text to path (expected files when regenerating, the re-parse input). */
static void golden_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fail_msg("cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    if (fclose(f) != 0)
        fail_msg("cannot write %s: %s", path, strerror(errno));
}

/* Whether VMDECK_REGENERATE asks for the expected files to be rewritten. */
static bool golden_regenerate(void)
{
    const char *r = getenv("VMDECK_REGENERATE");
    return r && *r && strcmp(r, "0");
}

/* Compare got with the expected file (ext "out" or "err") or rewrite it; the other one of
 * the pair must not exist (it is removed when regenerating). */
static void golden_expect(const struct golden_case *c, const char *ext, const char *got)
{
    const char *other_ext = !strcmp(ext, "out") ? "err" : "out";
    char *path = golden_path(c->dir, c->name, ext);
    char *other = golden_path(c->dir, c->name, other_ext);
    if (golden_regenerate()) {
        golden_write(path, got);
        if (unlink(other) != 0 && errno != ENOENT)
            fail_msg("cannot remove %s: %s", other, strerror(errno));
    } else {
        char *want = golden_read_optional(path);
        if (!want)
            fail_msg("%s/%s: got %s but there is no %s.%s (and %s.%s is%s there):\n%s",
                     c->dialect->name, c->name, !strcmp(ext, "out") ? "output" : "an error",
                     c->name, ext, c->name, other_ext, access(other, F_OK) ? " not" : "", got);
        if (strcmp(want, got))
            fail_msg("%s/%s.%s differs.\n--- expected\n%s--- got\n%s", c->dialect->name, c->name,
                     ext, want, got);
        assert_int_not_equal(access(other, F_OK), 0);
        free(want);
    }
    free(path);
    free(other);
}

/* Parse the canonical output again (written to a temp file, as the dialects parse files)
 * and format it: it must come back unchanged. */
static void golden_reparse(const struct golden_case *c, const char *out)
{
    char *tmp = testutil_tmpdir("golden");
    char *path = golden_path(tmp, c->name, "xml");
    golden_write(path, out);
    struct vmerr err = {0};
    void *obj = c->dialect->parse(path, &err);
    if (!obj) {
        char line[1500];
        fail_msg("%s/%s: the canonical output does not parse: %s\n%s", c->dialect->name, c->name,
                 vmerr_line(&err, line, sizeof(line)), out);
    }
    char *again = c->dialect->format(obj);
    assert_non_null(again);
    if (strcmp(again, out))
        fail_msg("%s/%s: parse+format of the output changes it.\n--- first\n%s--- second\n%s",
                 c->dialect->name, c->name, out, again);
    free(again);
    c->dialect->free(obj);
    unlink(path);
    free(path);
    testutil_rm_rf(tmp);
    free(tmp);
}

/* One case: parse NAME.xml; output or error must match the expected file. */
static void golden_run_case(void **state)
{
    const struct golden_case *c = *state;
    char *xml_name = NULL; /* "NAME.xml": relative, so messages do not depend on the tree */
    if (asprintf(&xml_name, "%s.xml", c->name) < 0)
        abort();
    char *cwd = getcwd(NULL, 0);
    assert_non_null(cwd);
    assert_int_equal(chdir(c->dir), 0);
    struct vmerr err = {0}, err2 = {0};
    void *obj = c->dialect->parse(xml_name, &err);
    void *obj2 = c->dialect->parse(xml_name, &err2);
    assert_int_equal(chdir(cwd), 0);
    free(cwd);
    free(xml_name);
    assert_true((obj == NULL) == (obj2 == NULL));
    if (!obj) {
        char line[1500], line2[1500];
        vmerr_line(&err, line, sizeof(line));
        /* the same input gives the same error, and it is an XML error with a line */
        assert_string_equal(line, vmerr_line(&err2, line2, sizeof(line2)));
        if (err.code != VMERR_XML)
            fail_msg("%s/%s: error code %d is not VMERR_XML: %s", c->dialect->name, c->name,
                     err.code, line);
        assert_null(strchr(line, '\n'));
        strcat(line, "\n");
        golden_expect(c, "err", line);
        return;
    }
    assert_int_equal(err.code, VMERR_OK);
    c->dialect->fix_uuid(obj, obj2);
    char *out = c->dialect->format(obj), *out2 = c->dialect->format(obj2);
    assert_non_null(out);
    assert_non_null(out2);
    assert_string_equal(out, out2); /* parsing is deterministic */
    golden_expect(c, "out", out);
    golden_reparse(c, out);
    free(out);
    free(out2);
    c->dialect->free(obj);
    c->dialect->free(obj2);
}

/* Every file in dir must belong to a case: NAME.xml, or NAME.out/NAME.err beside a
 * NAME.xml. Stray files (a renamed case's old expectations) fail. */
static void golden_check_folder(void **state)
{
    const char *dir = *state;
    DIR *d = opendir(dir);
    assert_non_null(d);
    int cases = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        const char *dot = strrchr(e->d_name, '.');
        if (dot && !strcmp(dot, ".xml")) {
            cases++;
            continue;
        }
        if (!dot || (strcmp(dot, ".out") && strcmp(dot, ".err")))
            fail_msg("%s: stray file %s (cases are NAME.xml + NAME.out or NAME.err)", dir,
                     e->d_name);
        char *xml = NULL;
        if (asprintf(&xml, "%s/%.*s.xml", dir, (int)(dot - e->d_name), e->d_name) < 0)
            abort();
        if (access(xml, F_OK) != 0)
            fail_msg("%s: %s has no %s", dir, e->d_name, xml);
        free(xml);
    }
    closedir(d);
    assert_true(cases > 0);
}

/* qsort comparison of two case names. */
static int golden_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted case names (without .xml) of dir; *count receives how many. */
static char **golden_list(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cannot open %s: %s\n", dir, strerror(errno));
        exit(1);
    }
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".xml"))
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (!names || !(names[n++] = strndup(e->d_name, len - 4)))
            abort();
    }
    closedir(d);
    qsort(names, n, sizeof(*names), golden_name_cmp);
    *count = n;
    return names;
}

/* One cmocka test per case (plus a stray-file check per folder), run as one group. */
int main(void)
{
    struct CMUnitTest *tests = NULL;
    size_t ntests = 0;
    const size_t ndialects = sizeof(golden_dialects) / sizeof(golden_dialects[0]);
    char *dirs[sizeof(golden_dialects) / sizeof(golden_dialects[0])];
    for (size_t i = 0; i < ndialects; i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "xml/%s", golden_dialects[i].name);
        dirs[i] = testutil_data_path(rel);
        size_t n;
        char **names = golden_list(dirs[i], &n);
        tests = realloc(tests, (ntests + n + 1) * sizeof(*tests));
        if (!tests)
            abort();
        char *title = NULL;
        if (asprintf(&title, "%s/(no stray files)", golden_dialects[i].name) < 0)
            abort();
        tests[ntests++] = (struct CMUnitTest){title, golden_check_folder, NULL, NULL, dirs[i]};
        for (size_t k = 0; k < n; k++) {
            struct golden_case *c = calloc(1, sizeof(*c));
            if (!c)
                abort();
            *c = (struct golden_case){&golden_dialects[i], dirs[i], names[k]};
            if (asprintf(&title, "%s/%s", golden_dialects[i].name, names[k]) < 0)
                abort();
            tests[ntests++] = (struct CMUnitTest){title, golden_run_case, NULL, NULL, c};
        }
        free(names);
    }
    int failed = _cmocka_run_group_tests("xml-golden", tests, ntests, NULL, NULL);
    for (size_t i = 0; i < ntests; i++) {
        free((char *)tests[i].name);
        if (tests[i].test_func == golden_run_case) {
            struct golden_case *c = tests[i].initial_state;
            free(c->name);
            free(c);
        }
    }
    free(tests);
    for (size_t i = 0; i < ndialects; i++)
        free(dirs[i]);
    return failed;
}
