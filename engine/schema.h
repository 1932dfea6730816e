/* schema: RelaxNG validation of parsed XML documents against vmdeck's own schemas
 * (engine/schemas/NAME.rng: "domain", "network", "capabilities"). Schema text is looked up
 * in $VMDECK_SCHEMA_DIR, then in the install dir (share/vmdeck/schemas), then in the copy
 * compiled into the binary; each schema is compiled once per process (the cache has no
 * lock: vmdeck's processes are single-threaded). A document flows in, and VMERR_XML errors
 * flow out in plain words with the line and the element or attribute ("line 14: <disk>:
 * needs a <target dev=...>"), never libxml2's raw interleave message. */
#ifndef VMDECK_SCHEMA_H
#define VMDECK_SCHEMA_H

#include <stddef.h>

#include "engine/vmerr.h"

struct _xmlDoc;
struct xmlutil_ctx;

/* Validate doc against the named RelaxNG schema ("domain", "network", "capabilities"); on
 * failure one VMERR_XML "line N: element/attribute: what" naming x->source; 0 when valid. */
int schema_validate(const struct xmlutil_ctx *x, struct _xmlDoc *doc, const char *name);
/* The same check, collecting up to max problems in document order into errs (x->err is
 * not touched); returns how many (0 = valid). A schema that cannot be loaded is one
 * VMERR_INTERNAL problem. */
size_t schema_check(const struct xmlutil_ctx *x, struct _xmlDoc *doc, const char *name,
                    struct vmerr *errs, size_t max);

/* Where the named schema was (or would be) loaded from: a file path, or "built-in" for the
 * compiled-in copy; NULL when vmdeck has no schema of that name. */
const char *schema_source(const char *name);

/* The compiled-in text of the named schema (NULL when there is none); for tests. */
const char *schema_builtin_text(const char *name);

/* Free every compiled schema (the next schema_validate loads them again, re-reading
 * $VMDECK_SCHEMA_DIR). For tests and leak checkers; not needed before exit. */
void schema_cleanup(void);

/* ---- Internal to engine/schema*.c ---- */

/* One compiled-in schema (the table is generated from engine/schemas/NAME.rng by
 * cmake/embed-schemas.cmake and ends with a NULL name). */
struct schema_builtin {
    const char *name;
    const char *text;
    size_t len;
};
extern const struct schema_builtin schema_builtins[];

/* Find why doc does not match the schema rng (the .rng file read as XML) by walking both:
 * up to max problems in document order go into errs (VMERR_XML naming x->source, with line
 * and field); returns how many; 0 when it finds none (libxml2's verdict is then mapped by
 * schema.c). */
size_t schema_explain(const struct xmlutil_ctx *x, struct _xmlDoc *rng, struct _xmlDoc *doc,
                      struct vmerr *errs, size_t max);

#endif
