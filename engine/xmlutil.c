/* xmlutil: libxml2 helpers shared by the XML dialects (domain, network, capabilities).
 * XML text flows in through xmlutil_read; nodes of the parsed document flow through the
 * helpers; attribute and text values (malloc'd C strings), checked numbers and VMERR_XML
 * errors carrying the element's line flow out. */
#include "engine/xmlutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* Report an XML error about node (its line) and field. */
int xmlutil_error(const struct xmlutil_ctx *x, const struct _xmlNode *node, const char *field,
                         const char *fmt, ...)
{
    char msg[sizeof(((struct vmerr *)0)->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int line = node ? (int)xmlGetLineNo((xmlNode *)node) : 0;
    if (line < 0)
        line = 0;
    return vmerr_set_xml(x->err, x->source, line, field, "%s", msg);
}

/* An attribute without namespace as a malloc'd string, NULL when absent. */
char *xmlutil_attr(const struct _xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp((xmlNode *)node, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

/* The text content of an element as a malloc'd string. */
char *xmlutil_text(const struct _xmlNode *node)
{
    xmlChar *v = xmlNodeGetContent((xmlNode *)node);
    char *s = strdup(v ? (const char *)v : "");
    xmlFree(v);
    return s;
}

/* Elements of the domain dialect have no namespace; others are foreign (metadata). */
bool xmlutil_is_ours(const struct _xmlNode *node)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL;
}

/* Reject attributes that are not in the allowed list, naming them. */
int xmlutil_check_attrs(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                               const char *const *allowed)
{
    for (xmlAttr *a = node->properties; a; a = a->next) {
        if (a->ns)
            continue;
        bool ok = false;
        for (size_t i = 0; allowed && allowed[i]; i++)
            if (!strcmp((const char *)a->name, allowed[i]))
                ok = true;
        if (!ok) {
            size_t n = 0;
            while (allowed && allowed[n])
                n++;
            const char *near = xmlutil_closest((const char *)a->name, allowed, n);
            return xmlutil_error(x, node, (const char *)a->name,
                                 "unknown attribute '%s' on <%s>%s%s%s", (const char *)a->name,
                                 (const char *)node->name, near ? " (did you mean '" : "",
                                 near ? near : "", near ? "'?)" : "");
        }
    }
    return 0;
}

/* Reject child elements of an element that holds text (<name>, <kernel>, ...). */
int xmlutil_check_leaf(const struct xmlutil_ctx *x, const struct _xmlNode *node)
{
    for (xmlNode *c = node->children; c; c = c->next)
        if (xmlutil_is_ours(c))
            return xmlutil_unknown(x, c);
    return 0;
}

/* Reject child elements and text in an element that carries only attributes. */
int xmlutil_check_empty(const struct xmlutil_ctx *x, const struct _xmlNode *node)
{
    if (xmlutil_check_leaf(x, node) < 0)
        return -1;
    return xmlutil_check_text(x, node);
}

/* Whether s is only white space. */
static bool blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return !*s;
}

/* Reject non-blank text directly inside an element that holds only elements. */
int xmlutil_check_text(const struct xmlutil_ctx *x, const struct _xmlNode *node)
{
    for (xmlNode *c = node->children; c; c = c->next) {
        if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content ||
            blank((const char *)c->content))
            continue;
        const char *content = (const char *)c->content;
        /* libxml2 gives a text node the line where it ends: step back to its start, then
         * forward to its first non-blank character */
        long line = xmlGetLineNo(c);
        for (const char *p = content; *p; p++)
            line -= *p == '\n';
        for (const char *p = content; *p && isspace((unsigned char)*p); p++)
            line += *p == '\n';
        char *text = xmlutil_strip(content);
        if (strlen(text) > 40)
            strcpy(text + 37, "...");
        vmerr_set_xml(x->err, x->source, line > 0 ? (int)line : 0, (const char *)node->name,
                      "unexpected text '%s' in <%s>", text, (const char *)node->name);
        free(text);
        return -1;
    }
    return 0;
}

/* The one message for an element the dialect does not have. */
int xmlutil_unknown(const struct xmlutil_ctx *x, const struct _xmlNode *node)
{
    const char *parent = node->parent && node->parent->type == XML_ELEMENT_NODE
                             ? (const char *)node->parent->name
                             : "document";
    return xmlutil_error(x, node, (const char *)node->name, "unknown element <%s> in <%s>",
                                (const char *)node->name, parent);
}

/* Error for an unknown child element, with the closest allowed name when one is near. */
int xmlutil_unknown_among(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                          const char *const *allowed, size_t n)
{
    const char *near = node->ns ? NULL : xmlutil_closest((const char *)node->name, allowed, n);
    if (!near)
        return xmlutil_unknown(x, node);
    const char *parent = node->parent && node->parent->type == XML_ELEMENT_NODE
                             ? (const char *)node->parent->name
                             : "document";
    return xmlutil_error(x, node, (const char *)node->name,
                         "unknown element <%s> in <%s> (did you mean <%s>?)",
                         (const char *)node->name, parent, near);
}

/* Optimal-string-alignment distance between a and b ignoring ASCII case; names longer than
 * 64 bytes count as far from everything. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The nearest candidate within a third of its length (at least 1 edit), else NULL. */
const char *xmlutil_closest(const char *name, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i] || !strcmp(candidates[i], name))
            continue;
        size_t d = edit_distance(name, candidates[i]);
        size_t limit = strlen(candidates[i]) / 3;
        if (limit < 1)
            limit = 1;
        if (d <= limit && d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

/* Copy of text without leading and trailing white space. */
char *xmlutil_strip(const char *text)
{
    while (*text && isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    return strndup(text, n);
}

/* A decimal integer within bounds, else an error in words: "WHAT 'text' is not a number". */
int xmlutil_parse_ll(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                            const char *field, const char *what, const char *text, long long min,
                            long long max, long long *out)
{
    char *s = xmlutil_strip(text);
    char *end = NULL;
    errno = 0;
    long long v = *s ? strtoll(s, &end, 10) : 0;
    bool bad = !*s || *end || (*s == '+');
    bool range = !bad && (errno == ERANGE || v < min || v > max);
    if (bad || range) {
        if (bad)
            xmlutil_error(x, node, field, "%s '%s' is not a number", what, text);
        else
            xmlutil_error(x, node, field, "%s %s is out of range (%lld to %lld)", what, s,
                                 min, max);
        free(s);
        return -1;
    }
    free(s);
    *out = v;
    return 0;
}

/* 'yes' or 'no' as a bool. */
int xmlutil_parse_yesno(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                               const char *field, const char *text, bool *out)
{
    if (!strcmp(text, "yes"))
        *out = true;
    else if (!strcmp(text, "no"))
        *out = false;
    else
        return xmlutil_error(x, node, field, "%s='%s' must be 'yes' or 'no'", field, text);
    return 0;
}

/* Reject elements and attributes in any namespace: the model has nowhere to keep them, and
 * dropping them on the next format would lose the user's data. */
int xmlutil_check_namespaces(const struct xmlutil_ctx *x, const struct _xmlNode *node)
{
    for (const xmlNode *c = node; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (c->ns)
            return xmlutil_error(
                x, c, (const char *)c->name,
                "element <%s%s%s> in namespace '%s' is not supported (it would be lost)",
                c->ns->prefix ? (const char *)c->ns->prefix : "", c->ns->prefix ? ":" : "",
                (const char *)c->name, (const char *)c->ns->href);
        for (const xmlAttr *a = c->properties; a; a = a->next)
            if (a->ns)
                return xmlutil_error(
                    x, c, (const char *)a->name,
                    "attribute %s%s%s on <%s> in namespace '%s' is not supported",
                    a->ns->prefix ? (const char *)a->ns->prefix : "", a->ns->prefix ? ":" : "",
                    (const char *)a->name, (const char *)c->name, (const char *)a->ns->href);
        if (xmlutil_check_namespaces(x, c->children) < 0)
            return -1;
    }
    return 0;
}

/* What the libxml2 error handler collects: the first error of the parse. */
struct parse_error {
    bool set;
    int line;
    char message[512];
};

/* Structured error handler for one parser context: keep the first error, print nothing. */
static void parse_error_handler(void *ctx, xmlErrorPtr error)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_error *pe = ctxt ? ctxt->_private : NULL;
    if (!pe || pe->set || !error || error->level < XML_ERR_ERROR)
        return;
    pe->set = true;
    pe->line = error->line;
    /* "Premature end of data in tag X line N": point at the unclosed tag, not at the end */
    if (error->code == XML_ERR_TAG_NOT_FINISHED && error->int1 > 0)
        pe->line = error->int1;
    snprintf(pe->message, sizeof(pe->message), "%s", error->message ? error->message : "");
    size_t n = strlen(pe->message);
    while (n > 0 && (pe->message[n - 1] == '\n' || pe->message[n - 1] == ' '))
        pe->message[--n] = '\0';
}

/* 1-based line of position at in text (0 when at is NULL). */
static int text_line(const char *text, const char *at)
{
    if (!at)
        return 0;
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* Parse text into a document; one VMERR_XML for the first problem (see xmlutil.h). */
struct _xmlDoc *xmlutil_read(const struct xmlutil_ctx *x, const char *xml, const char *root_name)
{
    const char *what = root_name ? root_name : "";
    if (!xml || !*xml) {
        vmerr_set_xml(x->err, x->source, 0, "", "the %s%sXML is empty", what, *what ? " " : "");
        return NULL;
    }
    size_t len = strlen(xml);
    if (len > INT32_MAX) {
        vmerr_set_xml(x->err, x->source, 0, "", "the %s%sXML is too large", what,
                      *what ? " " : "");
        return NULL;
    }
    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        vmerr_set(x->err, VMERR_INTERNAL, "%s: cannot allocate an XML parser", x->source);
        return NULL;
    }
    struct parse_error pe = {0};
    ctxt->_private = &pe;
    ctxt->sax->serror = parse_error_handler;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_BIG_LINES);
    bool wellformed = doc && ctxt->wellFormed && !pe.set;
    xmlFreeParserCtxt(ctxt);
    if (!wellformed) {
        xmlFreeDoc(doc);
        vmerr_set_xml(x->err, x->source, pe.line, "", "XML is not well formed: %s",
                      pe.set ? pe.message : "parse failed");
        return NULL;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (doc->intSubset || doc->extSubset) {
        vmerr_set_xml(x->err, x->source, text_line(xml, strstr(xml, "<!DOCTYPE")), "DOCTYPE",
                      "<!DOCTYPE> is not allowed in %s%sXML (no DTDs or entities)", what,
                      *what ? " " : "");
    } else if (!root) {
        vmerr_set_xml(x->err, x->source, 0, "", "the XML has no root element");
    } else if (root_name && strcmp((const char *)root->name, root_name)) {
        xmlutil_error(x, root, (const char *)root->name,
                      "expected <%s> as the root element, found <%s>", root_name,
                      (const char *)root->name);
    } else {
        return doc;
    }
    xmlFreeDoc(doc);
    return NULL;
}
