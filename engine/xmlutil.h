/* xmlutil: libxml2 helpers shared by every XML dialect vmdeck reads (domain, network,
 * capabilities). XML text flows in through xmlutil_read (well-formedness, no DTDs or
 * entities, no network); nodes flow through the helpers and come out as malloc'd strings,
 * checked numbers, or one VMERR_XML carrying the element's line and the field. */
#ifndef VMDECK_XMLUTIL_H
#define VMDECK_XMLUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "engine/vmerr.h"

struct _xmlNode;
struct _xmlDoc;

/* What one parse carries through the element parsers: where errors go. */
struct xmlutil_ctx {
    const char *source; /* file name, or "<string>", for messages */
    struct vmerr *err;
};

/* Set a VMERR_XML at node's line about field; returns -1. */
int xmlutil_error(const struct xmlutil_ctx *x, const struct _xmlNode *node, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Attribute value (malloc'd) or NULL when absent. */
char *xmlutil_attr(const struct _xmlNode *node, const char *name);
/* Element text (malloc'd, "" when empty). */
char *xmlutil_text(const struct _xmlNode *node);
/* Whether node is an element in the default (empty) namespace. */
bool xmlutil_is_ours(const struct _xmlNode *node);
/* Fail when node has an attribute (no namespace) not in the NULL-terminated allowed list. */
int xmlutil_check_attrs(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                        const char *const *allowed);
/* Fail when node has a child element (elements that hold text: <name>, <kernel>, ...). */
int xmlutil_check_leaf(const struct xmlutil_ctx *x, const struct _xmlNode *node);
/* Fail when node has a child element of ours or non-blank text (attribute-only elements). */
int xmlutil_check_empty(const struct xmlutil_ctx *x, const struct _xmlNode *node);
/* Fail when node has non-blank text of its own (elements that hold only elements). */
int xmlutil_check_text(const struct xmlutil_ctx *x, const struct _xmlNode *node);
/* Error for an unknown child element of parent. */
int xmlutil_unknown(const struct xmlutil_ctx *x, const struct _xmlNode *node);
/* Same, naming the closest of the n names allowed at that point when one is near:
 * "unknown element <devcies> in <domain> (did you mean <devices>?)". */
int xmlutil_unknown_among(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                          const char *const *allowed, size_t n);
/* The candidate closest to name by edit distance (case-insensitive, a swap of two
 * neighbours counts once), when it is near enough to be a typo of it; NULL otherwise. */
const char *xmlutil_closest(const char *name, const char *const *candidates, size_t n);
/* Parse a decimal integer in [min, max] (surrounding blanks allowed); errors read
 * "WHAT 'text' is not a number" (what: "<memory>", "<graphics> port", ...). */
int xmlutil_parse_ll(const struct xmlutil_ctx *x, const struct _xmlNode *node, const char *field,
                     const char *what, const char *text, long long min, long long max,
                     long long *out);
/* Parse 'yes'/'no' into *out. */
int xmlutil_parse_yesno(const struct xmlutil_ctx *x, const struct _xmlNode *node, const char *field,
                        const char *text, bool *out);
/* Duplicate text with leading/trailing blanks removed. */
char *xmlutil_strip(const char *text);

/* Set libxml2 up (once per process; xmlutil_read calls it): its parser, and an external
 * entity loader that refuses everything, so no DTD, entity or schema include is ever read
 * from a file or the network, whatever parser options a caller uses. */
void xmlutil_init(void);

/* The most XML text vmdeck reads in one document: 1 MiB. */
#define XMLUTIL_MAX_SIZE (1024 * 1024)

/* Parse XML text into a document, refusing hostile input. Each of these becomes one
 * VMERR_XML naming x->source: text over XMLUTIL_MAX_SIZE; bytes that are not UTF-8 (with
 * the line and column; the XML declaration's encoding is not trusted); a <!DOCTYPE> or
 * entity declaration (the parse stops there, so no entity is expanded and nothing external
 * is ever loaded; the network is never used); well-formedness errors (the first, with its
 * line); a root element other than root_name (when not NULL). Caller frees with
 * xmlFreeDoc. */
struct _xmlDoc *xmlutil_read(const struct xmlutil_ctx *x, const char *xml, const char *root_name);
/* xmlutil_read_file with another bound: max bytes (a whole number of MiB, named in the
 * message), for documents read in a stream rather than as one tree (the test driver's node
 * files). */
char *xmlutil_read_file_max(const char *path, size_t max, struct vmerr *err);
/* The UTF-8 check of xmlutil_read on its own, for readers that stream a document: one
 * VMERR_XML with line and column at the first byte that is not UTF-8; 0 when all is. */
int xmlutil_check_utf8(const struct xmlutil_ctx *x, const char *text);
/* Read an XML file for xmlutil_read (caller frees): VMERR_SYSTEM when unreadable, VMERR_XML
 * when it is over XMLUTIL_MAX_SIZE (checked before and while reading, so a huge file or a
 * device is never read whole) or contains a NUL byte. */
char *xmlutil_read_file(const char *path, struct vmerr *err);
/* node and everything below it as XML text (caller frees), with the namespace declarations
 * it uses put on it, so it can be written back anywhere as it was written. */
char *xmlutil_serialize(const struct _xmlNode *node);
/* Reject elements and attributes in a foreign namespace below node (and its siblings). */
int xmlutil_check_namespaces(const struct xmlutil_ctx *x, const struct _xmlNode *node);

/* Write s to f with XML's special characters escaped (quotes too, for attribute values). */
void xmlutil_put_escaped(FILE *f, const char *s);

#endif
