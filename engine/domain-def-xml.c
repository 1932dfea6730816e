/* domain-def-xml: small libxml2 helpers the element-family parsers share. Nodes of a parsed
 * document flow in; attribute and text values (malloc'd C strings), checked numbers and
 * VMERR_XML errors carrying the element's line flow out. */
#include "engine/domain-def.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

/* Report an XML error about node (its line) and field. */
int domain_def_xml_error(const struct domain_xml *x, const struct _xmlNode *node, const char *field,
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
char *domain_def_xml_attr(const struct _xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp((xmlNode *)node, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

/* The text content of an element as a malloc'd string. */
char *domain_def_xml_text(const struct _xmlNode *node)
{
    xmlChar *v = xmlNodeGetContent((xmlNode *)node);
    char *s = strdup(v ? (const char *)v : "");
    xmlFree(v);
    return s;
}

/* Elements of the domain dialect have no namespace; others are foreign (metadata). */
bool domain_def_xml_is_ours(const struct _xmlNode *node)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL;
}

/* Reject attributes that are not in the allowed list, naming them. */
int domain_def_xml_check_attrs(const struct domain_xml *x, const struct _xmlNode *node,
                               const char *const *allowed)
{
    for (xmlAttr *a = node->properties; a; a = a->next) {
        if (a->ns)
            continue;
        bool ok = false;
        for (size_t i = 0; allowed && allowed[i]; i++)
            if (!strcmp((const char *)a->name, allowed[i]))
                ok = true;
        if (!ok)
            return domain_def_xml_error(x, node, (const char *)a->name,
                                        "unknown attribute '%s' on <%s>", (const char *)a->name,
                                        (const char *)node->name);
    }
    return 0;
}

/* Reject child elements of an element that holds text (<name>, <kernel>, ...). */
int domain_def_xml_check_leaf(const struct domain_xml *x, const struct _xmlNode *node)
{
    for (xmlNode *c = node->children; c; c = c->next)
        if (domain_def_xml_is_ours(c))
            return domain_def_xml_unknown(x, c);
    return 0;
}

/* Reject child elements and text in an element that carries only attributes. */
int domain_def_xml_check_empty(const struct domain_xml *x, const struct _xmlNode *node)
{
    if (domain_def_xml_check_leaf(x, node) < 0)
        return -1;
    return domain_def_xml_check_text(x, node);
}

/* Whether s is only white space. */
static bool blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return !*s;
}

/* Reject non-blank text directly inside an element that holds only elements. */
int domain_def_xml_check_text(const struct domain_xml *x, const struct _xmlNode *node)
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
        char *text = domain_def_xml_strip(content);
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
int domain_def_xml_unknown(const struct domain_xml *x, const struct _xmlNode *node)
{
    const char *parent = node->parent && node->parent->type == XML_ELEMENT_NODE
                             ? (const char *)node->parent->name
                             : "document";
    return domain_def_xml_error(x, node, (const char *)node->name, "unknown element <%s> in <%s>",
                                (const char *)node->name, parent);
}

/* Copy of text without leading and trailing white space. */
char *domain_def_xml_strip(const char *text)
{
    while (*text && isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    return strndup(text, n);
}

/* A decimal integer within bounds, else an error in words: "WHAT 'text' is not a number". */
int domain_def_xml_parse_ll(const struct domain_xml *x, const struct _xmlNode *node,
                            const char *field, const char *what, const char *text, long long min,
                            long long max, long long *out)
{
    char *s = domain_def_xml_strip(text);
    char *end = NULL;
    errno = 0;
    long long v = *s ? strtoll(s, &end, 10) : 0;
    bool bad = !*s || *end || (*s == '+');
    bool range = !bad && (errno == ERANGE || v < min || v > max);
    if (bad || range) {
        if (bad)
            domain_def_xml_error(x, node, field, "%s '%s' is not a number", what, text);
        else
            domain_def_xml_error(x, node, field, "%s %s is out of range (%lld to %lld)", what, s,
                                 min, max);
        free(s);
        return -1;
    }
    free(s);
    *out = v;
    return 0;
}

/* 'yes' or 'no' as a bool. */
int domain_def_xml_parse_yesno(const struct domain_xml *x, const struct _xmlNode *node,
                               const char *field, const char *text, bool *out)
{
    if (!strcmp(text, "yes"))
        *out = true;
    else if (!strcmp(text, "no"))
        *out = false;
    else
        return domain_def_xml_error(x, node, field, "%s='%s' must be 'yes' or 'no'", field, text);
    return 0;
}
