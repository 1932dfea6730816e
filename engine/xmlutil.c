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
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

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

/* Report an XML error about node (its line) and field. */
int xmlutil_error(const struct xmlutil_ctx *x, const struct _xmlNode *node, const char *field,
                  const char *fmt, ...)
{
    char msg[sizeof(((struct vmerr *)0)->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* values quoted in messages may hold newlines or other control characters (&#10;):
     * the message stays one line */
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
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
int xmlutil_parse_ll(const struct xmlutil_ctx *x, const struct _xmlNode *node, const char *field,
                     const char *what, const char *text, long long min, long long max,
                     long long *out)
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
            xmlutil_error(x, node, field, "%s %s is out of range (%lld to %lld)", what, s, min,
                          max);
        free(s);
        return -1;
    }
    free(s);
    *out = v;
    return 0;
}

/* 'yes' or 'no' as a bool. */
int xmlutil_parse_yesno(const struct xmlutil_ctx *x, const struct _xmlNode *node, const char *field,
                        const char *text, bool *out)
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
                return xmlutil_error(x, c, (const char *)a->name,
                                     "attribute %s%s%s on <%s> in namespace '%s' is not supported",
                                     a->ns->prefix ? (const char *)a->ns->prefix : "",
                                     a->ns->prefix ? ":" : "", (const char *)a->name,
                                     (const char *)c->name, (const char *)a->ns->href);
        if (xmlutil_check_namespaces(x, c->children) < 0)
            return -1;
    }
    return 0;
}

/* What one parse collects: the first libxml2 error, and the first <!DOCTYPE> or entity
 * declaration the SAX hooks saw (the parse is stopped there). */
struct parse_state {
    bool set;
    int line;
    char message[512];
    bool doctype;
    int doctype_line;
};

/* Structured error handler for one parser context: keep the first error, print nothing. */
static void parse_error_handler(void *ctx, xmlErrorPtr error)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *pe = ctxt ? ctxt->_private : NULL;
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

/* Note that the document has a DTD or declares an entity, and stop the parser right there:
 * nothing declared in it is ever expanded or fetched. */
static void parse_refuse(xmlParserCtxtPtr ctxt)
{
    struct parse_state *pe = ctxt->_private;
    if (!pe->doctype) {
        pe->doctype = true;
        pe->doctype_line = ctxt->input ? ctxt->input->line : 0;
    }
    xmlStopParser(ctxt);
}

/* SAX internalSubset hook: a <!DOCTYPE> was found. */
static void parse_sax_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                              const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    parse_refuse(ctx);
}

/* SAX entityDecl hook: an <!ENTITY> declaration (only possible inside a DTD). */
static void parse_sax_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                             const xmlChar *system_id, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    parse_refuse(ctx);
}

/* SAX resolveEntity hook: never resolve anything outside the document. */
static xmlParserInputPtr parse_sax_resolve(void *ctx, const xmlChar *public_id,
                                           const xmlChar *system_id)
{
    (void)public_id;
    (void)system_id;
    parse_refuse(ctx);
    return NULL;
}

/* Length of the UTF-8 sequence at p (1-4), or 0 when it is not valid UTF-8 (bad lead byte,
 * missing continuation, overlong form, surrogate, or beyond U+10FFFF). */
static size_t utf8_sequence(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
            return 0;
        if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))
            return 0; /* overlong, or a UTF-16 surrogate */
        return 3;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
            return 0; /* overlong, or above U+10FFFF */
        return 4;
    }
    return 0;
}

/* Check that text is UTF-8; otherwise a VMERR_XML with the line and column of the first bad
 * byte. */
static int check_utf8(const struct xmlutil_ctx *x, const char *text)
{
    int line = 1;
    const char *line_start = text;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t n = utf8_sequence(p);
        if (n == 0)
            return vmerr_set_xml(x->err, x->source, line, "",
                                 "the XML is not valid UTF-8 (byte 0x%02X in column %d)", p[0],
                                 (int)((const char *)p - line_start) + 1);
        if (*p == '\n') {
            line++;
            line_start = (const char *)p + 1;
        }
        p += n;
    }
    return 0;
}

/* libxml2's loader for anything outside a document (DTDs, external entities, RelaxNG
 * includes): vmdeck never loads any, so every request is refused. */
static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

/* Set libxml2 up once: its parser, and no loading of anything outside a document. */
void xmlutil_init(void)
{
    static bool done;
    if (done)
        return;
    xmlInitParser();
    xmlSetExternalEntityLoader(deny_loader);
    done = true;
}

/* Refuse text that is not UTF-8 (see xmlutil.h). */
int xmlutil_check_utf8(const struct xmlutil_ctx *x, const char *text)
{
    return check_utf8(x, text);
}

/* Parse text into a document; one VMERR_XML for the first problem (see xmlutil.h). */
struct _xmlDoc *xmlutil_read(const struct xmlutil_ctx *x, const char *xml, const char *root_name)
{
    const char *what = root_name ? root_name : "";
    const char *sp = *what ? " " : "";
    if (!xml || !*xml) {
        vmerr_set_xml(x->err, x->source, 0, "", "the %s%sXML is empty", what, sp);
        return NULL;
    }
    size_t len = strlen(xml);
    if (len > XMLUTIL_MAX_SIZE) {
        vmerr_set_xml(x->err, x->source, 0, "",
                      "the %s%sXML is %zu bytes, more than the 1 MiB vmdeck accepts", what, sp,
                      len);
        return NULL;
    }
    if (check_utf8(x, xml) < 0)
        return NULL;
    xmlutil_init();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        vmerr_set(x->err, VMERR_INTERNAL, "%s: cannot allocate an XML parser", x->source);
        return NULL;
    }
    struct parse_state pe = {0};
    ctxt->_private = &pe;
    ctxt->sax->serror = parse_error_handler;
    ctxt->sax->internalSubset = parse_sax_doctype;
    ctxt->sax->externalSubset = parse_sax_doctype;
    ctxt->sax->entityDecl = parse_sax_entity;
    ctxt->sax->resolveEntity = parse_sax_resolve;
    /* the bytes were checked as UTF-8 above, whatever the XML declaration says */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, "UTF-8",
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_BIG_LINES);
    bool wellformed = doc && ctxt->wellFormed && !pe.set && !pe.doctype;
    xmlFreeParserCtxt(ctxt);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (pe.doctype || (doc && (doc->intSubset || doc->extSubset))) {
        vmerr_set_xml(x->err, x->source, pe.doctype ? pe.doctype_line : 0, "DOCTYPE",
                      "<!DOCTYPE> is not allowed in %s%sXML (no DTDs or entities)", what, sp);
    } else if (!wellformed) {
        vmerr_set_xml(x->err, x->source, pe.line, "", "XML is not well formed: %s",
                      pe.set ? pe.message : "parse failed");
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

/* Read a whole XML file for xmlutil_read: at most XMLUTIL_MAX_SIZE bytes, no NUL bytes. */
char *xmlutil_read_file(const char *path, struct vmerr *err)
{
    return xmlutil_read_file_max(path, XMLUTIL_MAX_SIZE, err);
}

/* xmlutil_read_file with another bound (max bytes, a whole number of MiB). */
char *xmlutil_read_file_max(const char *path, size_t max, struct vmerr *err)
{
    size_t mib = max / (1024 * 1024);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        vmerr_set_errno(err, errno, "cannot read %s", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
        vmerr_set_xml(err, path, 0, "",
                      "the file is %lld bytes, more than the %zu MiB vmdeck "
                      "accepts for XML",
                      (long long)st.st_size, mib);
        close(fd);
        return NULL;
    }
    /* read one byte more than the limit, so pipes and devices are bounded too */
    char *buf = malloc(max + 2);
    if (!buf)
        abort();
    size_t len = 0;
    while (len <= max) {
        ssize_t n = read(fd, buf + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            vmerr_set_errno(err, errno, "cannot read %s", path);
            close(fd);
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    if (len > max) {
        vmerr_set_xml(err, path, 0, "", "the file is more than the %zu MiB vmdeck accepts for XML",
                      mib);
        free(buf);
        return NULL;
    }
    if (strlen(buf) != len) {
        const char *nul = buf + strlen(buf);
        vmerr_set_xml(err, path, text_line(buf, nul), "",
                      "the file contains a NUL byte; it is not XML text");
        free(buf);
        return NULL;
    }
    return buf;
}

/* Serialize node and everything below it, declaring the namespaces it uses on it. */
char *xmlutil_serialize(const struct _xmlNode *node)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr copy = doc ? xmlDocCopyNode((xmlNode *)node, doc, 1) : NULL;
    xmlBufferPtr buf = xmlBufferCreate();
    char *out = NULL;
    if (copy && buf) {
        xmlDocSetRootElement(doc, copy);
        xmlReconciliateNs(doc, copy);
        if (xmlNodeDump(buf, doc, copy, 0, 0) >= 0)
            out = strdup((const char *)xmlBufferContent(buf));
    }
    if (buf)
        xmlBufferFree(buf);
    xmlFreeDoc(doc);
    if (!out)
        abort(); /* only allocation can fail here */
    return out;
}

/* Write s with XML's special characters escaped (quotes too, for attribute values). */
void xmlutil_put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\t':
            fputs("&#9;", f);
            break;
        case '\n':
            fputs("&#10;", f);
            break;
        case '\r':
            fputs("&#13;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}
