/* schema-explain: why a document does not match a RelaxNG schema, in plain words. libxml2
 * says whether a document is valid, but inside <interleave> it only reports "Extra element X
 * in interleave" with no line. After a failed validation the document and the schema (read
 * as an ordinary XML tree) flow in here together: for each element of the document the
 * patterns of its schema <element> are flattened into a content model (child elements and
 * attributes with required/repeat flags, allowed text values; <choice> branches picked by
 * the attributes the element carries), the element is compared with it, and the first
 * problem in document order flows out as one VMERR_XML with the element's line: unknown
 * element or attribute (with the closest allowed name), a value outside its type, a missing
 * child or attribute, a child given twice, stray text. Values typed with <data> are checked
 * by compiling a one-element grammar around that <data>, so libxml2 stays the judge of
 * datatypes. A v:words="..." attribute (namespace urn:vmdeck:schema-words) on a <data> or
 * <choice> in the schema says in words what is expected there. */
#include "engine/schema.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "engine/xmlutil.h"

#define EXPLAIN_RNG_NS "http://relaxng.org/ns/structure/1.0"
#define EXPLAIN_WORDS_NS "urn:vmdeck:schema-words"
#define EXPLAIN_MAX_DEPTH 48

/* One child element or attribute an element may have. */
struct explain_item {
    const xmlNode *pat; /* the schema's <element> or <attribute> */
    bool required;
    bool repeat;
};

/* What an element may contain, flattened from its schema patterns. */
struct explain_model {
    struct explain_item *elems;
    size_t nelems;
    struct explain_item *attrs;
    size_t nattrs;
    bool text;              /* text (or typed data) may appear */
    const xmlNode **values; /* <text>, <value>, <data>, or <choice> of them, for the text */
    size_t nvalues;
    const xmlNode *unfit; /* a <choice> none of whose branches fits the attributes */
};

/* The walk's state: the schema's <grammar>, and the problems found so far. Each message
 * is made by xmlutil_error into scratch (through x) and then recorded into errs. */
struct explain {
    const xmlNode *grammar;
    struct vmerr scratch;
    struct xmlutil_ctx sx;
    const struct xmlutil_ctx *x; /* = &sx */
    struct vmerr *errs;
    size_t nerrs, max;
};

static void explain_element(struct explain *ex, const xmlNode *node, const xmlNode *pat, int depth);
static void explain_collect(struct explain *ex, struct explain_model *m, const xmlNode *p,
                            bool required, bool repeat, const xmlNode *node, int depth);

/* Whether p is the RelaxNG element called name. */
static bool explain_is(const xmlNode *p, const char *name)
{
    return p && p->type == XML_ELEMENT_NODE && p->ns &&
           !strcmp((const char *)p->ns->href, EXPLAIN_RNG_NS) &&
           (!name || !strcmp((const char *)p->name, name));
}

/* The first RelaxNG element child of p, or NULL. */
static const xmlNode *explain_first(const xmlNode *p)
{
    for (const xmlNode *c = p ? p->children : NULL; c; c = c->next)
        if (explain_is(c, NULL))
            return c;
    return NULL;
}

/* An attribute of a schema node as a malloc'd string, NULL when absent. */
static char *explain_attr(const xmlNode *p, const char *name)
{
    return xmlutil_attr(p, name);
}

/* The value of an attribute inherited from the nearest ancestor that has it, or NULL. */
static char *explain_inherited(const xmlNode *p, const char *name)
{
    for (; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        char *v = explain_attr(p, name);
        if (v)
            return v;
    }
    return NULL;
}

/* Whether an inherited ns= value (NULL = none) equals the namespace uri ("" = none). */
static bool explain_ns_equal(const char *pattern_ns, const char *uri)
{
    return !strcmp(pattern_ns ? pattern_ns : "", uri);
}

/* Whether name class nc (<name>, <anyName>, <nsName>, <choice>) matches (uri, local). */
static bool explain_nc_match(const xmlNode *nc, const char *uri, const char *local)
{
    if (explain_is(nc, "choice")) {
        for (const xmlNode *c = explain_first(nc); c; c = c->next)
            if (explain_is(c, NULL) && explain_nc_match(c, uri, local))
                return true;
        return false;
    }
    bool match = false;
    if (explain_is(nc, "name")) {
        char *text = xmlutil_text(nc), *n = xmlutil_strip(text), *ns = explain_inherited(nc, "ns");
        match = !strcmp(n, local) && explain_ns_equal(ns, uri);
        free(text);
        free(n);
        free(ns);
        return match;
    }
    if (explain_is(nc, "anyName")) {
        match = true;
    } else if (explain_is(nc, "nsName")) {
        char *ns = explain_inherited(nc, "ns");
        match = explain_ns_equal(ns, uri);
        free(ns);
    }
    for (const xmlNode *c = explain_first(nc); match && c; c = c->next)
        if (explain_is(c, "except"))
            for (const xmlNode *e = explain_first(c); e; e = e->next)
                if (explain_is(e, NULL) && explain_nc_match(e, uri, local))
                    match = false;
    return match;
}

/* The plain name an <element>/<attribute> pattern stands for, or NULL for name classes;
 * caller frees. */
static char *explain_plain_name(const xmlNode *pat)
{
    char *name = explain_attr(pat, "name");
    if (name) {
        char *s = xmlutil_strip(name);
        free(name);
        return s;
    }
    const xmlNode *nc = explain_first(pat);
    if (explain_is(nc, "name")) {
        char *text = xmlutil_text(nc), *s = xmlutil_strip(text);
        free(text);
        return s;
    }
    return NULL;
}

/* Whether an <element> (element = true) or <attribute> pattern matches a node's name. */
static bool explain_pattern_matches(const xmlNode *pat, bool element, const xmlNs *ns,
                                    const char *local)
{
    const char *uri = ns ? (const char *)ns->href : "";
    char *name = explain_attr(pat, "name");
    if (name) {
        char *n = xmlutil_strip(name);
        /* ns= is inherited by element names only; attribute names default to no namespace */
        char *pns = element ? explain_inherited(pat, "ns") : explain_attr(pat, "ns");
        bool match = !strcmp(n, local) && explain_ns_equal(pns, uri);
        free(name);
        free(n);
        free(pns);
        return match;
    }
    return explain_nc_match(explain_first(pat), uri, local);
}

/* The schema's <define name=...> elements with that name, into defs (at most max). */
static size_t explain_defines(const struct explain *ex, const char *name, const xmlNode **defs,
                              size_t max)
{
    size_t n = 0;
    for (const xmlNode *c = explain_first(ex->grammar); c && n < max; c = c->next) {
        if (!explain_is(c, "define"))
            continue;
        char *dn = explain_attr(c, "name");
        if (dn && !strcmp(dn, name))
            defs[n++] = c;
        free(dn);
    }
    return n;
}

/* Follow <ref>s from p to the pattern they stand for: the define's only pattern (a define
 * with several patterns, or none, stays as the <ref>). */
static const xmlNode *explain_deref(const struct explain *ex, const xmlNode *p)
{
    for (int depth = 0; p && explain_is(p, "ref") && depth < EXPLAIN_MAX_DEPTH; depth++) {
        char *name = explain_attr(p, "name");
        const xmlNode *defs[2];
        size_t nd = name ? explain_defines(ex, name, defs, 2) : 0;
        free(name);
        if (nd != 1)
            return p;
        const xmlNode *only = NULL;
        size_t count = 0;
        for (const xmlNode *c = explain_first(defs[0]); c; c = c->next)
            if (explain_is(c, NULL))
                only = c, count++;
        if (count != 1)
            return p;
        p = only;
    }
    return p;
}

/* Append to a growing array of elements of size bytes (aborts when out of memory). */
static void *explain_append(void *array, size_t *count, size_t size, const void *elem)
{
    char *a = realloc(array, (*count + 1) * size);
    if (!a)
        abort();
    memcpy(a + *count * size, elem, size);
    (*count)++;
    return a;
}

/* Free a model's arrays. */
static void explain_model_free(struct explain_model *m)
{
    free(m->elems);
    free(m->attrs);
    free(m->values);
    memset(m, 0, sizeof(*m));
}

/* Collect every pattern in the sibling list starting at first. */
static void explain_collect_list(struct explain *ex, struct explain_model *m, const xmlNode *first,
                                 bool required, bool repeat, const xmlNode *node, int depth)
{
    for (const xmlNode *p = first; p; p = p->next)
        if (explain_is(p, NULL))
            explain_collect(ex, m, p, required, repeat, node, depth);
}

/* Whether every branch of a <choice> is about text (<value>, <data>, <text>, <list>). */
static bool explain_text_choice(const struct explain *ex, const xmlNode *choice)
{
    for (const xmlNode *n = explain_first(choice); n; n = n->next) {
        if (!explain_is(n, NULL))
            continue;
        const xmlNode *c = explain_deref(ex, n);
        if (!explain_is(c, "value") && !explain_is(c, "data") && !explain_is(c, "text") &&
            !explain_is(c, "list") && !(explain_is(c, "choice") && explain_text_choice(ex, c)))
            return false;
    }
    return true;
}

/* Whether pattern p (an attribute's content) lists fixed values and text is none of them;
 * false when p is not a list of <value>s. */
static bool explain_value_excluded(const struct explain *ex, const xmlNode *p, const char *text)
{
    p = explain_deref(ex, p);
    if (!p)
        return false;
    if (explain_is(p, "value")) {
        char *v = xmlutil_text(p), *sv = xmlutil_strip(v), *st = xmlutil_strip(text);
        bool differ = strcmp(sv, st) != 0;
        free(v);
        free(sv);
        free(st);
        return differ;
    }
    if (!explain_is(p, "choice"))
        return false;
    for (const xmlNode *c = explain_first(p); c; c = c->next)
        if (explain_is(c, NULL) && !explain_value_excluded(ex, c, text))
            return false;
    return true;
}

/* Whether some attribute pattern of m matches attribute a. */
static bool explain_model_has_attr(const struct explain_model *m, const xmlAttr *a)
{
    for (size_t i = 0; i < m->nattrs; i++)
        if (explain_pattern_matches(m->attrs[i].pat, false, a->ns, (const char *)a->name))
            return true;
    return false;
}

/* Whether the attributes of node that branch b fixes to listed values (type='vnc') have
 * one of them; with required, also whether every attribute b requires is there. */
static bool explain_branch_values(const struct explain *ex, const struct explain_model *b,
                                  const xmlNode *node, bool required)
{
    for (size_t i = 0; i < b->nattrs; i++) {
        char *name = explain_plain_name(b->attrs[i].pat);
        if (!name)
            continue;
        char *value = xmlutil_attr(node, name);
        free(name);
        bool fits = value ? !explain_value_excluded(ex, explain_first(b->attrs[i].pat), value)
                          : !(required && b->attrs[i].required);
        free(value);
        if (!fits)
            return false;
    }
    return true;
}

/* Whether a flattened choice branch fits the attributes node carries: each attribute of
 * node that some branch of the choice (all: every branch merged) speaks of is one this
 * branch allows, each attribute the branch requires is there, and fixed values agree. */
static bool explain_branch_fits(const struct explain *ex, const struct explain_model *b,
                                const struct explain_model *all, const xmlNode *node)
{
    if (!node)
        return true;
    for (const xmlAttr *a = node->properties; a; a = a->next)
        if (explain_model_has_attr(all, a) && !explain_model_has_attr(b, a))
            return false;
    return explain_branch_values(ex, b, node, true);
}

/* Merge branch b into m; required only when the branch was the one chosen. */
static void explain_merge(struct explain_model *m, const struct explain_model *b, bool required,
                          bool repeat)
{
    for (size_t i = 0; i < b->nelems; i++) {
        struct explain_item it = b->elems[i];
        it.required = it.required && required;
        it.repeat = it.repeat || repeat;
        m->elems = explain_append(m->elems, &m->nelems, sizeof(it), &it);
    }
    for (size_t i = 0; i < b->nattrs; i++) {
        struct explain_item it = b->attrs[i];
        it.required = it.required && required;
        m->attrs = explain_append(m->attrs, &m->nattrs, sizeof(it), &it);
    }
    for (size_t i = 0; i < b->nvalues; i++)
        m->values = explain_append(m->values, &m->nvalues, sizeof(b->values[i]), &b->values[i]);
    m->text = m->text || b->text;
    if (!m->unfit)
        m->unfit = b->unfit;
}

/* A <choice> of structures: the branches that fit node's attributes decide; one fitting
 * branch keeps its required flags, several (or none) are merged as optional. */
static void explain_collect_choice(struct explain *ex, struct explain_model *m, const xmlNode *p,
                                   bool required, bool repeat, const xmlNode *node, int depth)
{
    struct explain_model branches[16], all;
    memset(&all, 0, sizeof(all));
    size_t n = 0;
    for (const xmlNode *c = explain_first(p); c && n < 16; c = c->next) {
        if (!explain_is(c, NULL))
            continue;
        memset(&branches[n], 0, sizeof(branches[n]));
        explain_collect(ex, &branches[n], c, true, false, node, depth + 1);
        explain_merge(&all, &branches[n], false, false);
        n++;
    }
    bool fits[16];
    size_t fitting = 0;
    for (size_t i = 0; i < n; i++)
        fitting += (fits[i] = explain_branch_fits(ex, &branches[i], &all, node));
    /* none fits: take the one branch whose fixed values agree (<graphics type='sdl'
     * port=...> is the sdl branch with a stray port), so its own rules give the message */
    if (fitting == 0 && node) {
        for (size_t i = 0; i < n; i++)
            fitting += (fits[i] = explain_branch_values(ex, &branches[i], node, false));
        if (fitting != 1)
            fitting = 0;
    }
    if (fitting == 0 && required && node && !m->unfit)
        m->unfit = p;
    for (size_t i = 0; i < n; i++) {
        if (fitting == 0 || fits[i])
            explain_merge(m, &branches[i], fitting == 1 && required, repeat);
        explain_model_free(&branches[i]);
    }
    explain_model_free(&all);
}

/* Flatten pattern p into m (see the top of the file). */
static void explain_collect(struct explain *ex, struct explain_model *m, const xmlNode *p,
                            bool required, bool repeat, const xmlNode *node, int depth)
{
    if (depth > EXPLAIN_MAX_DEPTH)
        return;
    const char *n = (const char *)p->name;
    struct explain_item it = {p, required, repeat};
    if (!strcmp(n, "element")) {
        m->elems = explain_append(m->elems, &m->nelems, sizeof(it), &it);
    } else if (!strcmp(n, "attribute")) {
        m->attrs = explain_append(m->attrs, &m->nattrs, sizeof(it), &it);
    } else if (!strcmp(n, "group") || !strcmp(n, "interleave") || !strcmp(n, "mixed")) {
        m->text = m->text || !strcmp(n, "mixed");
        explain_collect_list(ex, m, p->children, required, repeat, node, depth + 1);
    } else if (!strcmp(n, "optional")) {
        explain_collect_list(ex, m, p->children, false, repeat, node, depth + 1);
    } else if (!strcmp(n, "zeroOrMore")) {
        explain_collect_list(ex, m, p->children, false, true, node, depth + 1);
    } else if (!strcmp(n, "oneOrMore")) {
        explain_collect_list(ex, m, p->children, required, true, node, depth + 1);
    } else if (!strcmp(n, "ref")) {
        char *name = explain_attr(p, "name");
        const xmlNode *defs[8];
        size_t nd = name ? explain_defines(ex, name, defs, 8) : 0;
        free(name);
        for (size_t i = 0; i < nd; i++)
            explain_collect_list(ex, m, defs[i]->children, required, repeat, node, depth + 1);
    } else if (!strcmp(n, "text") || !strcmp(n, "data") || !strcmp(n, "value") ||
               !strcmp(n, "list") || (!strcmp(n, "choice") && explain_text_choice(ex, p))) {
        m->text = true;
        m->values = explain_append(m->values, &m->nvalues, sizeof(p), &p);
    } else if (!strcmp(n, "choice")) {
        explain_collect_choice(ex, m, p, required, repeat, node, depth);
    }
    /* empty, notAllowed, and anything else add nothing */
}

/* The content model of node (NULL: any) according to its <element> pattern. */
static void explain_model_of(struct explain *ex, struct explain_model *m, const xmlNode *pat,
                             const xmlNode *node)
{
    memset(m, 0, sizeof(*m));
    const xmlNode *content = explain_first(pat);
    char *name = explain_attr(pat, "name");
    if (!name && content) /* the first child is the name class */
        content = content->next;
    free(name);
    explain_collect_list(ex, m, content, true, false, node, 0);
}

/* Write s to f with XML's special characters escaped. */
static void explain_put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

/* A structured error handler that drops libxml2's messages about the helper grammar. */
static void explain_drop(void *ctx, xmlErrorPtr error)
{
    (void)ctx;
    (void)error;
}

/* Whether text is valid for a <data> pattern: a one-element grammar around a copy of the
 * <data> (type, params) is compiled and validates <v>text</v>, so libxml2 judges. */
static bool explain_data_ok(const xmlNode *data, const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return true;
    char *lib = explain_inherited(data, "datatypeLibrary"), *type = explain_attr(data, "type");
    fprintf(f, "<grammar xmlns=\"%s\" datatypeLibrary=\"", EXPLAIN_RNG_NS);
    explain_put_escaped(f, lib ? lib : "");
    fputs("\"><start><element name=\"v\"><data type=\"", f);
    explain_put_escaped(f, type ? type : "string");
    fputs("\">", f);
    free(lib);
    free(type);
    for (const xmlNode *c = explain_first(data); c; c = c->next) {
        if (!explain_is(c, "param"))
            continue;
        char *pname = explain_attr(c, "name"), *pval = xmlutil_text(c);
        fputs("<param name=\"", f);
        explain_put_escaped(f, pname ? pname : "");
        fputs("\">", f);
        explain_put_escaped(f, pval);
        fputs("</param>", f);
        free(pname);
        free(pval);
    }
    fputs("</data></element></start></grammar>", f);
    if (fclose(f) != 0) {
        free(buf);
        return true;
    }
    bool ok = true;
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewMemParserCtxt(buf, (int)len);
    xmlRelaxNGPtr rng = NULL;
    if (pctxt) {
        xmlRelaxNGSetParserStructuredErrors(pctxt, explain_drop, NULL);
        rng = xmlRelaxNGParse(pctxt);
        xmlRelaxNGFreeParserCtxt(pctxt);
    }
    free(buf);
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr v = xmlNewDocNode(doc, NULL, (const xmlChar *)"v", NULL);
    xmlDocSetRootElement(doc, v);
    xmlNodeAddContent(v, (const xmlChar *)text);
    if (rng) {
        xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(rng);
        if (vctxt) {
            xmlRelaxNGSetValidStructuredErrors(vctxt, explain_drop, NULL);
            ok = xmlRelaxNGValidateDoc(vctxt, doc) == 0;
            xmlRelaxNGFreeValidCtxt(vctxt);
        }
        xmlRelaxNGFree(rng);
    }
    xmlFreeDoc(doc);
    return ok;
}

/* Whether text matches a text pattern (<text>, <value>, <data>, <list>, <choice>). */
static bool explain_value_ok(const struct explain *ex, const xmlNode *p, const char *text)
{
    p = explain_deref(ex, p);
    if (explain_is(p, "value"))
        return !explain_value_excluded(ex, p, text);
    if (explain_is(p, "data"))
        return explain_data_ok(p, text);
    if (explain_is(p, "choice")) {
        for (const xmlNode *c = explain_first(p); c; c = c->next)
            if (explain_is(c, NULL) && explain_value_ok(ex, c, text))
                return true;
        return false;
    }
    return true; /* <text>, <list> */
}

/* Append to f, in words, what pattern p accepts; *count counts the alternatives written so
 * the caller can join them ("a, b or c"). */
static void explain_words(const struct explain *ex, FILE *f, const xmlNode *p, size_t *count)
{
    p = explain_deref(ex, p);
    char *words =
        (char *)xmlGetNsProp(p, (const xmlChar *)"words", (const xmlChar *)EXPLAIN_WORDS_NS);
    if (!words && explain_is(p, "choice")) {
        for (const xmlNode *c = explain_first(p); c; c = c->next)
            if (explain_is(c, NULL))
                explain_words(ex, f, c, count);
        return;
    }
    if (*count > 0)
        fputc('\x1f', f); /* separator: patterns may contain any printable character */
    (*count)++;
    if (words) {
        fputs(words, f);
        xmlFree(words);
        return;
    }
    if (explain_is(p, "value")) {
        char *v = xmlutil_text(p), *s = xmlutil_strip(v);
        fputs(s, f);
        free(v);
        free(s);
        return;
    }
    if (!explain_is(p, "data")) {
        fputs("text", f);
        return;
    }
    char *type = explain_attr(p, "type");
    bool number =
        type && (strstr(type, "int") || strstr(type, "Int") || strstr(type, "long") ||
                 strstr(type, "Long") || strstr(type, "short") || strstr(type, "decimal"));
    char *min = NULL, *max = NULL, *pattern = NULL, *minlen = NULL;
    for (const xmlNode *c = explain_first(p); c; c = c->next) {
        if (!explain_is(c, "param"))
            continue;
        char *pn = explain_attr(c, "name");
        char **slot = !pn                           ? NULL
                      : !strcmp(pn, "minInclusive") ? &min
                      : !strcmp(pn, "maxInclusive") ? &max
                      : !strcmp(pn, "pattern")      ? &pattern
                      : !strcmp(pn, "minLength")    ? &minlen
                                                    : NULL;
        if (slot && !*slot)
            *slot = xmlutil_text(c);
        free(pn);
    }
    if (number && min && max)
        fprintf(f, "a whole number from %s to %s", min, max);
    else if (number && min)
        fprintf(f, "a whole number of at least %s", min);
    else if (number && max)
        fprintf(f, "a whole number of at most %s", max);
    else if (number)
        fputs("a whole number", f);
    else if (pattern)
        fprintf(f, "a value matching %s", pattern);
    else if (minlen && strcmp(minlen, "0"))
        fputs("a non-empty value", f);
    else
        fprintf(f, "a %s", type ? type : "value");
    free(type);
    free(min);
    free(max);
    free(pattern);
    free(minlen);
}

/* "a, b or c" for the alternatives of patterns ps (n of them); caller frees. */
static char *explain_expected(const struct explain *ex, const xmlNode *const *ps, size_t n)
{
    char *raw = NULL;
    size_t len = 0, count = 0;
    FILE *f = open_memstream(&raw, &len);
    if (!f)
        return strdup("another value");
    for (size_t i = 0; i < n; i++)
        explain_words(ex, f, ps[i], &count);
    fclose(f);
    /* join the alternatives as "a, b or c" */
    char *out = malloc(strlen(raw) * 2 + 8);
    if (!out)
        abort();
    out[0] = '\0';
    size_t k = 0;
    for (char *save = NULL, *tok = strtok_r(raw, "\x1f", &save); tok;
         tok = strtok_r(NULL, "\x1f", &save), k++) {
        if (k > 0)
            strcat(out, k + 1 == count ? " or " : ", ");
        strcat(out, tok);
    }
    free(raw);
    return out;
}

/* "a" or "an" before word. */
static const char *explain_article(const char *word)
{
    return strchr("aeiouAEIOU", word[0]) && word[0] ? "an" : "a";
}

/* Keep the problem just written into ex->scratch (while there is room). */
static void explain_record(struct explain *ex)
{
    if (ex->nerrs < ex->max)
        ex->errs[ex->nerrs++] = ex->scratch;
    vmerr_clear(&ex->scratch);
}

/* Whether no more problems are wanted. */
static bool explain_full(const struct explain *ex)
{
    return ex->nerrs >= ex->max;
}

/* Closest plain name among the patterns of items (element or attribute patterns) to name,
 * written into buf (size len); false when none is near. */
static bool explain_near(const struct explain_item *items, size_t n, const char *name, char *buf,
                         size_t len)
{
    const char *names[64] = {0};
    char *owned[64];
    size_t nn = 0;
    for (size_t i = 0; i < n && nn < 64; i++)
        if ((owned[nn] = explain_plain_name(items[i].pat)))
            names[nn] = owned[nn], nn++;
    const char *near = xmlutil_closest(name, names, nn);
    if (near)
        snprintf(buf, len, "%s", near);
    for (size_t i = 0; i < nn; i++)
        free(owned[i]);
    return near != NULL;
}

/* Check one attribute value against the patterns that match its name. */
static void explain_attribute_value(struct explain *ex, const xmlNode *node, const xmlAttr *a,
                                    const xmlNode *const *matching, size_t nm)
{
    const char *an = (const char *)a->name;
    char *value = xmlutil_attr(node, an);
    const xmlNode *contents[16];
    size_t nc = 0;
    bool ok = false;
    for (size_t i = 0; i < nm && !ok; i++) {
        const xmlNode *c = explain_first(matching[i]);
        if (!xmlHasProp((xmlNode *)matching[i], (const xmlChar *)"name") && c)
            c = c->next; /* skip the name class */
        while (c && !explain_is(c, NULL))
            c = c->next;
        if (!c) {
            ok = true;
            break;
        }
        ok = explain_value_ok(ex, c, value ? value : "");
        contents[nc++] = c;
    }
    if (!ok) {
        char *want = explain_expected(ex, contents, nc);
        xmlutil_error(ex->x, node, an, "<%s> %s='%s': expected %s", (const char *)node->name, an,
                      value ? value : "", want);
        explain_record(ex);
        free(want);
    }
    free(value);
}

/* Check node's attributes against the model: unknown ones, values, missing ones. */
static void explain_attributes(struct explain *ex, const xmlNode *node,
                               const struct explain_model *m)
{
    const char *el = (const char *)node->name;
    for (const xmlAttr *a = node->properties; a && !explain_full(ex); a = a->next) {
        const char *an = (const char *)a->name;
        const xmlNode *matching[16];
        size_t nm = 0;
        for (size_t i = 0; i < m->nattrs && nm < 16; i++)
            if (explain_pattern_matches(m->attrs[i].pat, false, a->ns, an))
                matching[nm++] = m->attrs[i].pat;
        char near[128];
        if (nm == 0 && !a->ns && explain_near(m->attrs, m->nattrs, an, near, sizeof(near))) {
            xmlutil_error(ex->x, node, an, "<%s>: unknown attribute '%s' (did you mean '%s'?)", el,
                          an, near);
            explain_record(ex);
        } else if (nm == 0) {
            xmlutil_error(ex->x, node, an, "<%s>: unknown attribute '%s'", el, an);
            explain_record(ex);
        } else if (!a->ns) {
            explain_attribute_value(ex, node, a, matching, nm);
        }
    }
    for (size_t i = 0; i < m->nattrs && !explain_full(ex); i++) {
        if (!m->attrs[i].required)
            continue;
        char *name = explain_plain_name(m->attrs[i].pat);
        if (name && !xmlHasProp((xmlNode *)node, (const xmlChar *)name)) {
            xmlutil_error(ex->x, node, name, "<%s>: needs %s %s attribute", el,
                          explain_article(name), name);
            explain_record(ex);
        }
        free(name);
    }
}

/* When no branch of a <choice> fits node's attributes: name the required attributes the
 * branches want and node lacks ("<clock>: needs an offset or sync attribute"). */
static void explain_unfit(struct explain *ex, const xmlNode *node, const xmlNode *choice)
{
    const char *names[16] = {0};
    char *owned[16];
    size_t nn = 0;
    for (const xmlNode *c = explain_first(choice); c; c = c->next) {
        if (!explain_is(c, NULL))
            continue;
        struct explain_model b;
        memset(&b, 0, sizeof(b));
        explain_collect(ex, &b, c, true, false, NULL, 1);
        for (size_t i = 0; i < b.nattrs && nn < 16; i++) {
            char *an = b.attrs[i].required ? explain_plain_name(b.attrs[i].pat) : NULL;
            bool dup = false;
            for (size_t k = 0; an && k < nn; k++)
                dup = dup || !strcmp(names[k], an);
            if (an && !dup && !xmlHasProp((xmlNode *)node, (const xmlChar *)an))
                names[nn] = owned[nn] = an, nn++;
            else
                free(an);
        }
        explain_model_free(&b);
    }
    if (nn == 0)
        return;
    char list[512] = "";
    for (size_t i = 0; i < nn; i++) {
        if (i > 0)
            strncat(list, i + 1 == nn ? " or " : ", ", sizeof(list) - strlen(list) - 1);
        strncat(list, names[i], sizeof(list) - strlen(list) - 1);
    }
    xmlutil_error(ex->x, node, names[0], "<%s>: needs %s %s attribute", (const char *)node->name,
                  explain_article(names[0]), list);
    explain_record(ex);
    for (size_t i = 0; i < nn; i++)
        free(owned[i]);
}

/* Check node's own text against the model: stray text, or a value outside its type. */
static void explain_text(struct explain *ex, const xmlNode *node, const struct explain_model *m)
{
    if (!m->text) {
        if (xmlutil_check_text(ex->x, node) < 0)
            explain_record(ex);
        return;
    }
    if (m->nvalues == 0 || m->nelems > 0)
        return;
    for (const xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return; /* an element where text belongs: reported as unknown element */
    char *text = xmlutil_text(node);
    bool ok = false;
    for (size_t i = 0; i < m->nvalues && !ok; i++)
        ok = explain_value_ok(ex, m->values[i], text);
    if (!ok) {
        char *want = explain_expected(ex, m->values, m->nvalues);
        char *shown = xmlutil_strip(text);
        if (strlen(shown) > 40)
            strcpy(shown + 37, "...");
        if (!*shown)
            xmlutil_error(ex->x, node, (const char *)node->name, "<%s>: is empty (expected %s)",
                          (const char *)node->name, want);
        else
            xmlutil_error(ex->x, node, (const char *)node->name, "<%s>: '%s' is not %s",
                          (const char *)node->name, shown, want);
        explain_record(ex);
        free(shown);
        free(want);
    }
    free(text);
}

/* "<target dev=...>" for a missing required element: its name and required attributes. */
static char *explain_describe_missing(struct explain *ex, const xmlNode *pat, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return strdup(name);
    fprintf(f, "<%s", name);
    struct explain_model m;
    explain_model_of(ex, &m, pat, NULL);
    for (size_t i = 0; i < m.nattrs; i++) {
        char *an = m.attrs[i].required ? explain_plain_name(m.attrs[i].pat) : NULL;
        if (an)
            fprintf(f, " %s=...", an);
        free(an);
    }
    explain_model_free(&m);
    fputc('>', f);
    fclose(f);
    return buf;
}

/* Report the required children of node that it lacks (first holds the first node matched
 * by each item). */
static void explain_missing(struct explain *ex, const xmlNode *node, const struct explain_model *m,
                            const xmlNode *const *first)
{
    for (size_t i = 0; i < m->nelems && !explain_full(ex); i++) {
        if (!m->elems[i].required || first[i])
            continue;
        char *name = explain_plain_name(m->elems[i].pat);
        if (!name)
            continue;
        /* another item of the same name may have been matched instead */
        bool present = false;
        for (size_t j = 0; j < m->nelems && !present; j++) {
            char *other = first[j] ? explain_plain_name(m->elems[j].pat) : NULL;
            present = other && !strcmp(other, name);
            free(other);
        }
        if (!present) {
            char *what = explain_describe_missing(ex, m->elems[i].pat, name);
            xmlutil_error(ex->x, node, name, "<%s>: needs %s %s", (const char *)node->name,
                          explain_article(name), what);
            explain_record(ex);
            free(what);
        }
        free(name);
    }
}

/* Check node's child elements: unknown ones, ones given twice, missing ones; recurse into
 * each known one. */
static void explain_children(struct explain *ex, const xmlNode *node, const struct explain_model *m,
                             int depth)
{
    const char *el = (const char *)node->name;
    const xmlNode **first = calloc(m->nelems ? m->nelems : 1, sizeof(*first));
    if (!first)
        abort();
    for (const xmlNode *c = node->children; c && !explain_full(ex); c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *cn = (const char *)c->name;
        size_t hit = m->nelems;
        for (size_t i = 0; i < m->nelems && hit == m->nelems; i++)
            if (explain_pattern_matches(m->elems[i].pat, true, c->ns, cn))
                hit = i;
        char near[128];
        if (hit == m->nelems) {
            if (!c->ns && explain_near(m->elems, m->nelems, cn, near, sizeof(near)))
                xmlutil_error(ex->x, c, cn, "unknown element <%s> in <%s> (did you mean <%s>?)", cn,
                              el, near);
            else
                xmlutil_error(ex->x, c, cn, "unknown element <%s> in <%s>", cn, el);
            explain_record(ex);
            continue;
        }
        if (first[hit] && !m->elems[hit].repeat) {
            xmlutil_error(ex->x, c, cn, "<%s> appears twice in <%s> (first on line %ld)", cn, el,
                          xmlGetLineNo(first[hit]));
            explain_record(ex);
            continue;
        }
        if (!first[hit])
            first[hit] = c;
        explain_element(ex, c, m->elems[hit].pat, depth + 1);
    }
    explain_missing(ex, node, m, first);
    free(first);
}

/* Check one element against its <element> pattern, then its children, recording every
 * problem until ex is full. */
static void explain_element(struct explain *ex, const xmlNode *node, const xmlNode *pat, int depth)
{
    if (depth > EXPLAIN_MAX_DEPTH || explain_full(ex))
        return;
    struct explain_model m;
    explain_model_of(ex, &m, pat, node);
    explain_attributes(ex, node, &m);
    if (m.unfit && !explain_full(ex))
        explain_unfit(ex, node, m.unfit);
    if (!explain_full(ex))
        explain_text(ex, node, &m);
    if (!explain_full(ex))
        explain_children(ex, node, &m, depth);
    explain_model_free(&m);
}

/* Walk doc against rng from the grammar's <start>; see schema.h. */
size_t schema_explain(const struct xmlutil_ctx *x, struct _xmlDoc *rng, struct _xmlDoc *doc,
                      struct vmerr *errs, size_t max)
{
    struct explain ex = {.grammar = xmlDocGetRootElement(rng), .errs = errs, .max = max};
    ex.sx.source = x->source;
    ex.sx.err = &ex.scratch;
    ex.x = &ex.sx;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!explain_is(ex.grammar, "grammar") || !root || max == 0)
        return 0;
    struct explain_model m;
    memset(&m, 0, sizeof(m));
    for (const xmlNode *c = explain_first(ex.grammar); c; c = c->next)
        if (explain_is(c, "start"))
            explain_collect_list(&ex, &m, c->children, true, false, root, 0);
    const xmlNode *pat = NULL;
    for (size_t i = 0; i < m.nelems && !pat; i++)
        if (explain_pattern_matches(m.elems[i].pat, true, root->ns, (const char *)root->name))
            pat = m.elems[i].pat;
    if (!pat && m.nelems > 0) {
        char *want = explain_plain_name(m.elems[0].pat);
        xmlutil_error(ex.x, root, (const char *)root->name,
                      "expected <%s> as the root element, found <%s>", want ? want : "?",
                      (const char *)root->name);
        explain_record(&ex);
        free(want);
    } else if (pat) {
        explain_element(&ex, root, pat, 0);
    }
    explain_model_free(&m);
    return ex.nerrs;
}
