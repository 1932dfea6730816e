/* schema: RelaxNG validation. A schema name flows in and is resolved to its text
 * ($VMDECK_SCHEMA_DIR/NAME.rng, then the install dir, then the compiled-in copy), compiled
 * once per process and cached; a parsed document flows through libxml2's validator with a
 * structured error handler (nothing reaches stderr), and when it is invalid one VMERR_XML in
 * plain words flows out: schema-explain.c walks the document against the schema for the
 * precise reason, and libxml2's own errors are mapped here when the walk finds none. */
#include "engine/schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "engine/store.h"
#include "engine/xmlutil.h"

#ifndef VMDECK_SCHEMA_INSTALL_DIR
#define VMDECK_SCHEMA_INSTALL_DIR "/usr/local/share/vmdeck/schemas"
#endif

#define SCHEMA_CACHE_MAX 8

/* One loaded schema: where its text came from, the compiled grammar, and the schema read
 * as a plain XML document (schema-explain.c walks it). */
struct schema_entry {
    char *name;
    char *source; /* file path or "built-in" */
    xmlRelaxNGPtr rng;
    xmlDocPtr rng_doc;
};

static struct schema_entry schema_cache[SCHEMA_CACHE_MAX];
static size_t schema_ncache;

/* The errors libxml2 reports during one validation, kept for the fallback mapping. */
#define SCHEMA_ERRORS_MAX 16
struct schema_errors {
    size_t count;
    struct {
        int code;
        int line;
        const xmlNode *node;
        char str1[128];
        char str2[128];
        char message[256];
    } e[SCHEMA_ERRORS_MAX];
};

/* libxml2's global error sinks while we work, so a stray message never reaches stderr. */
struct schema_quiet {
    xmlGenericErrorFunc generic;
    void *generic_ctx;
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
};

/* A generic error handler that drops everything. */
static void schema_drop_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* A structured error handler that drops everything. */
static void schema_drop_structured(void *ctx, xmlErrorPtr error)
{
    (void)ctx;
    (void)error;
}

/* Silence libxml2's global error output, remembering the old handlers in q. */
static void schema_quiet_begin(struct schema_quiet *q)
{
    q->generic = xmlGenericError;
    q->generic_ctx = xmlGenericErrorContext;
    q->structured = xmlStructuredError;
    q->structured_ctx = xmlStructuredErrorContext;
    xmlSetGenericErrorFunc(NULL, schema_drop_generic);
    xmlSetStructuredErrorFunc(NULL, schema_drop_structured);
}

/* Put back the handlers saved by schema_quiet_begin. */
static void schema_quiet_end(const struct schema_quiet *q)
{
    xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
    xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
}

/* Copy s into dst (size n) without its trailing newline. */
static void schema_copy_trimmed(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
    size_t len = strlen(dst);
    while (len > 0 && (dst[len - 1] == '\n' || dst[len - 1] == ' '))
        dst[--len] = '\0';
}

/* Structured handler for the schema compiler and the validator: keep the errors. */
static void schema_collect(void *ctx, xmlErrorPtr error)
{
    struct schema_errors *errs = ctx;
    if (!error || error->level < XML_ERR_ERROR || errs->count == SCHEMA_ERRORS_MAX)
        return;
    size_t i = errs->count++;
    errs->e[i].code = error->code;
    errs->e[i].node = error->node;
    errs->e[i].line = error->line;
    if (error->node && ((xmlNode *)error->node)->type == XML_ELEMENT_NODE)
        errs->e[i].line = (int)xmlGetLineNo(error->node);
    schema_copy_trimmed(errs->e[i].str1, sizeof(errs->e[i].str1), error->str1);
    schema_copy_trimmed(errs->e[i].str2, sizeof(errs->e[i].str2), error->str2);
    schema_copy_trimmed(errs->e[i].message, sizeof(errs->e[i].message), error->message);
}

/* Whether name can be a schema name (it becomes part of a file name). */
static bool schema_name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 32)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
            return false;
    return true;
}

/* The compiled-in schema called name, or NULL. */
static const struct schema_builtin *schema_builtin_find(const char *name)
{
    for (size_t i = 0; schema_builtins[i].name; i++)
        if (!strcmp(schema_builtins[i].name, name))
            return &schema_builtins[i];
    return NULL;
}

/* The compiled-in text of a schema. */
const char *schema_builtin_text(const char *name)
{
    const struct schema_builtin *b = schema_name_ok(name) ? schema_builtin_find(name) : NULL;
    return b ? b->text : NULL;
}

/* Path of NAME.rng in the first schema dir that has it readable, else NULL; caller frees. */
static char *schema_find_file(const char *name)
{
    const char *dirs[] = {getenv("VMDECK_SCHEMA_DIR"), VMDECK_SCHEMA_INSTALL_DIR};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        char *path = store_printf("%s/%s.rng", dirs[i], name);
        if (access(path, R_OK) == 0)
            return path;
        free(path);
    }
    return NULL;
}

/* Compile schema text into e (rng and rng_doc); VMERR_INTERNAL naming the schema file and
 * the line on failure, since a broken schema is vmdeck's bug or a bad install. */
static int schema_compile(struct schema_entry *e, const char *text, struct vmerr *err)
{
    struct vmerr rerr = {0};
    struct xmlutil_ctx rx = {e->source, &rerr};
    e->rng_doc = xmlutil_read(&rx, text, NULL);
    if (!e->rng_doc) {
        char line[1400];
        return vmerr_set(err, VMERR_INTERNAL, "schema '%s' is broken: %s", e->name,
                         vmerr_line(&rerr, line, sizeof(line)));
    }
    struct schema_errors errs = {0};
    struct schema_quiet q;
    schema_quiet_begin(&q);
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewDocParserCtxt(e->rng_doc);
    if (pctxt) {
        xmlRelaxNGSetParserStructuredErrors(pctxt, schema_collect, &errs);
        e->rng = xmlRelaxNGParse(pctxt);
        xmlRelaxNGFreeParserCtxt(pctxt);
    }
    schema_quiet_end(&q);
    if (!e->rng)
        return vmerr_set(err, VMERR_INTERNAL, "schema '%s' (%s) does not compile: line %d: %s",
                         e->name, e->source, errs.count ? errs.e[0].line : 0,
                         errs.count ? errs.e[0].message : "RelaxNG error");
    return 0;
}

/* Free what one cache entry holds. */
static void schema_entry_clear(struct schema_entry *e)
{
    free(e->name);
    free(e->source);
    if (e->rng)
        xmlRelaxNGFree(e->rng);
    xmlFreeDoc(e->rng_doc);
    memset(e, 0, sizeof(*e));
}

/* The cached schema called name, loading and compiling it on first use. */
static struct schema_entry *schema_load(const char *name, struct vmerr *err)
{
    if (!schema_name_ok(name)) {
        vmerr_set(err, VMERR_INTERNAL, "'%s' is not a schema name", name ? name : "(null)");
        return NULL;
    }
    for (size_t i = 0; i < schema_ncache; i++)
        if (!strcmp(schema_cache[i].name, name))
            return &schema_cache[i];
    if (schema_ncache == SCHEMA_CACHE_MAX) {
        vmerr_set(err, VMERR_INTERNAL, "too many schemas loaded (at most %d)", SCHEMA_CACHE_MAX);
        return NULL;
    }
    struct schema_entry e = {.name = strdup(name)};
    char *path = schema_find_file(name);
    char *text = NULL;
    size_t len = 0;
    const char *t = NULL;
    if (path) {
        e.source = path;
        text = store_read_file(path, &len, err);
        t = text;
    } else {
        const struct schema_builtin *b = schema_builtin_find(name);
        if (b) {
            e.source = strdup("built-in");
            t = b->text;
            len = b->len;
        }
    }
    int rc = -1;
    if (!e.source)
        vmerr_set(err, VMERR_INTERNAL, "vmdeck has no schema for %s XML", name);
    else if (t)
        rc = schema_compile(&e, t, err);
    free(text);
    if (rc < 0) {
        schema_entry_clear(&e);
        return NULL;
    }
    schema_cache[schema_ncache] = e;
    return &schema_cache[schema_ncache++];
}

/* Where the named schema comes from (loading it if needed). */
const char *schema_source(const char *name)
{
    struct schema_entry *e = schema_load(name, NULL);
    return e ? e->source : NULL;
}

/* Free every cached schema. */
void schema_cleanup(void)
{
    for (size_t i = 0; i < schema_ncache; i++)
        schema_entry_clear(&schema_cache[i]);
    schema_ncache = 0;
}

/* The first element called name in document order below node (for errors libxml2 reports
 * without a node), or NULL. */
static const xmlNode *schema_find_element(const xmlNode *node, const char *name)
{
    for (const xmlNode *c = node; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!strcmp((const char *)c->name, name))
            return c;
        const xmlNode *found = schema_find_element(c->children, name);
        if (found)
            return found;
    }
    return NULL;
}

/* Map libxml2's own errors to one message, when schema_explain found no reason itself:
 * the most specific error that carries a node, in words, with the element's line. */
static int schema_map_errors(const struct xmlutil_ctx *x, xmlDocPtr doc, const char *name,
                             const struct schema_errors *errs)
{
    for (size_t i = 0; i < errs->count; i++) {
        const xmlNode *n = errs->e[i].node;
        const char *s1 = errs->e[i].str1, *s2 = errs->e[i].str2;
        const char *el = n ? (const char *)n->name : s1;
        switch (errs->e[i].code) {
        case XML_RELAXNG_ERR_EXTRACONTENT:
            return xmlutil_error(x, n, s2, "<%s>: unknown element <%s>", s1, s2);
        case XML_RELAXNG_ERR_NOELEM:
            return xmlutil_error(x, n, s1, "<%s>: needs a <%s>", el, s1);
        case XML_RELAXNG_ERR_INVALIDATTR:
            return xmlutil_error(x, n, s1, "<%s>: unknown attribute '%s'", s2, s1);
        case XML_RELAXNG_ERR_ELEMWRONG:
        case XML_RELAXNG_ERR_ELEMNAME:
            return xmlutil_error(x, n, el, "<%s>: expected <%s> here", el, s1);
        default:
            break;
        }
    }
    /* only interleave/content errors: point at the first element libxml2 named */
    const xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *at = root;
    for (size_t i = 0; i < errs->count; i++) {
        const xmlNode *n = errs->e[i].node;
        if (!n && errs->e[i].str1[0])
            n = schema_find_element(root, errs->e[i].str1);
        if (n) {
            at = n;
            break;
        }
    }
    return xmlutil_error(x, at, at ? (const char *)at->name : "",
                         "<%s>: its content does not match the %s schema",
                         at ? (const char *)at->name : "document", name);
}

/* Validate doc against the named schema, collecting up to max problems (see schema.h). */
size_t schema_check(const struct xmlutil_ctx *x, struct _xmlDoc *doc, const char *name,
                    struct vmerr *errs, size_t max)
{
    if (max == 0)
        return 0;
    struct vmerr first = {0};
    struct xmlutil_ctx fx = {x->source, &first};
    struct schema_entry *e = schema_load(name, &first);
    if (!e) {
        errs[0] = first;
        return 1;
    }
    struct schema_errors errs_lib = {0};
    struct schema_quiet q;
    schema_quiet_begin(&q);
    xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(e->rng);
    int rc = -1;
    if (vctxt) {
        xmlRelaxNGSetValidStructuredErrors(vctxt, schema_collect, &errs_lib);
        rc = xmlRelaxNGValidateDoc(vctxt, doc);
        xmlRelaxNGFreeValidCtxt(vctxt);
    }
    size_t n = 0;
    if (rc > 0)
        n = schema_explain(x, e->rng_doc, doc, errs, max);
    schema_quiet_end(&q);
    if (rc == 0)
        return 0;
    if (rc < 0) {
        vmerr_set(&errs[0], VMERR_INTERNAL, "%s: the %s schema could not be applied", x->source,
                  name);
        return 1;
    }
    if (n == 0) {
        schema_map_errors(&fx, doc, name, &errs_lib);
        errs[0] = first;
        n = 1;
    }
    return n;
}

/* Validate doc against the named schema: the first problem into x->err (see schema.h). */
int schema_validate(const struct xmlutil_ctx *x, struct _xmlDoc *doc, const char *name)
{
    struct vmerr e;
    if (schema_check(x, doc, name, &e, 1) == 0)
        return 0;
    if (x->err)
        *x->err = e;
    return -1;
}
