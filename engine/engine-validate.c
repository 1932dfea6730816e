/* engine-validate: `vmdeck validate FILE` without a connection. A file name flows in; its
 * text goes through the same guards and parsers as define (xmlutil_read_file/xmlutil_read,
 * then domain_def/network_def/capabilities parsing chosen by the root element, which ends
 * with the RelaxNG schema), and then through the schema once more collecting every problem
 * it can name. The problems flow out as a list of VMERR_XML errors sorted by line, with the
 * model's precise message kept where both report the same line and field. */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "engine/capabilities.h"
#include "engine/domain-def.h"
#include "engine/network-def.h"
#include "engine/schema.h"
#include "engine/xmlutil.h"

/* At most this many problems are listed for one file. */
#define VALIDATE_MAX_ERRORS 64

/* Parse xml with one dialect's own parser; its name (or "") into name; 0 or -1 with err. */
typedef int (*validate_parse_fn)(const char *xml, const char *source, char *name, size_t len,
                                 struct vmerr *err);

/* Domain XML through domain_def_parse_string. */
static int validate_domain(const char *xml, const char *source, char *name, size_t len,
                           struct vmerr *err)
{
    struct domain_def *def = domain_def_parse_string(xml, source, err);
    if (!def)
        return -1;
    snprintf(name, len, "%s", def->name);
    domain_def_free(def);
    return 0;
}

/* Network XML through network_def_parse_string. */
static int validate_network(const char *xml, const char *source, char *name, size_t len,
                            struct vmerr *err)
{
    struct network_def *def = network_def_parse_string(xml, source, err);
    if (!def)
        return -1;
    snprintf(name, len, "%s", def->name);
    network_def_free(def);
    return 0;
}

/* Capabilities XML through capabilities_parse_string (it has no name). */
static int validate_capabilities(const char *xml, const char *source, char *name, size_t len,
                                 struct vmerr *err)
{
    struct capabilities *caps = capabilities_parse_string(xml, source, err);
    if (!caps)
        return -1;
    if (len)
        name[0] = '\0';
    capabilities_free(caps);
    return 0;
}

/* The dialects, by root element; each root name is also its schema's name. */
static const struct {
    const char *root;
    validate_parse_fn parse;
} validate_dialects[] = {
    {"domain", validate_domain},
    {"network", validate_network},
    {"capabilities", validate_capabilities},
};

/* Add a problem unless one on the same line about the same field is already listed. */
static void validate_add(struct engine_validation *v, const struct vmerr *e)
{
    for (size_t i = 0; i < v->nerrors; i++)
        if (v->errors[i].line == e->line && !strcmp(v->errors[i].field, e->field))
            return;
    if (v->nerrors == VALIDATE_MAX_ERRORS)
        return;
    struct vmerr *a = realloc(v->errors, (v->nerrors + 1) * sizeof(*a));
    if (!a)
        abort();
    a[v->nerrors++] = *e;
    v->errors = a;
}

/* Sort the problems by line, keeping the order of those on the same line. */
static void validate_sort(struct engine_validation *v)
{
    for (size_t i = 1; i < v->nerrors; i++) {
        struct vmerr e = v->errors[i];
        size_t j = i;
        while (j > 0 && v->errors[j - 1].line > e.line) {
            v->errors[j] = v->errors[j - 1];
            j--;
        }
        v->errors[j] = e;
    }
}

/* Check one parsed document with its dialect's parser and its schema. */
static void validate_doc(const char *path, const char *xml, xmlDocPtr doc,
                         struct engine_validation *v)
{
    struct vmerr err = {0};
    struct xmlutil_ctx x = {path, &err};
    const xmlNode *root = xmlDocGetRootElement(doc);
    size_t i = 0, n = sizeof(validate_dialects) / sizeof(validate_dialects[0]);
    while (i < n && strcmp(validate_dialects[i].root, (const char *)root->name))
        i++;
    if (i == n || root->ns) {
        char known[128] = "";
        for (size_t k = 0; k < n; k++)
            snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s<%s>",
                     k == 0       ? ""
                     : k + 1 == n ? " or "
                                  : ", ",
                     validate_dialects[k].root);
        xmlutil_error(&x, root, (const char *)root->name,
                      "<%s>%s is not a document vmdeck knows (expected %s)",
                      (const char *)root->name, root->ns ? " in a namespace" : "", known);
        validate_add(v, &err);
        return;
    }
    snprintf(v->kind, sizeof(v->kind), "%s", validate_dialects[i].root);
    char name[ENGINE_NAME_MAX] = "";
    int rc = validate_dialects[i].parse(xml, path, name, sizeof(name), &err);
    if (rc < 0)
        validate_add(v, &err);
    struct vmerr *errs = calloc(VALIDATE_MAX_ERRORS, sizeof(*errs));
    if (!errs)
        abort();
    size_t nerrs = schema_check(&x, doc, validate_dialects[i].root, errs, VALIDATE_MAX_ERRORS);
    for (size_t k = 0; k < nerrs; k++)
        validate_add(v, &errs[k]);
    free(errs);
    if (v->nerrors == 0)
        snprintf(v->name, sizeof(v->name), "%s", name);
}

/* Validate the XML file at path (see engine.h). */
int engine_validate_file(const char *path, struct engine_validation *v)
{
    memset(v, 0, sizeof(*v));
    struct vmerr err = {0};
    char *xml = xmlutil_read_file(path, &err);
    if (!xml) {
        if (err.code != VMERR_XML) /* unreadable: still one line naming the file */
            snprintf(err.file, sizeof(err.file), "%s", path);
        validate_add(v, &err);
        return -1;
    }
    struct xmlutil_ctx x = {path, &err};
    xmlDocPtr doc = xmlutil_read(&x, xml, NULL);
    if (!doc)
        validate_add(v, &err);
    else
        validate_doc(path, xml, doc, v);
    xmlFreeDoc(doc);
    free(xml);
    validate_sort(v);
    return v->nerrors ? -1 : 0;
}

/* Free the problem list. */
void engine_validate_clear(struct engine_validation *v)
{
    free(v->errors);
    memset(v, 0, sizeof(*v));
}
