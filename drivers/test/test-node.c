/* test-node: a test:///PATH.xml connection's hypervisor from a node file, in libvirt's test
 * driver format: a <node> document whose <domain> and <network> children are definitions,
 * written inline or as <domain file='dom.xml'/> (relative to the node file). The node file
 * (at most 32 MiB; a definition in a file='...' at most 1 MiB, like every XML vmdeck reads)
 * is checked as xmlutil_read checks XML (UTF-8, no <!DOCTYPE>, nothing loaded from outside)
 * and then streamed with libxml2's reader: one child of <node> at a time is expanded,
 * copied into a document of its own and read by the real domain or network parser, so
 * errors carry the node file's name and line and memory holds one definition's tree at a
 * time, not the whole file's. Definitions get the model's
 * checks but not the RelaxNG second net (DOMAIN_DEF_PARSE_NO_SCHEMA: it would triple the
 * load time of a 1,000-domain file). Domains start running, as in libvirt, unless a
 * <test:runstate> in libvirt's test namespace gives another state (virDomainState numbers:
 * 1 running, 3 paused, 5 shut off, ...); networks start active. libvirt's other node
 * elements (<cpu>, <memory>, <pool>, <interface>, <device>) are accepted and skipped: vmdeck
 * has nothing to show them in. */
#include "drivers/test/test-driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "drivers/test/test-network.h"
#include "engine/domain-def.h"
#include "engine/network-def.h"
#include "engine/store.h"
#include "engine/xmlutil.h"

/* What a node file's load carries along: the domains read so far (added to the state at
 * the end, once names and uuids are known to be unique). */
struct test_node_load {
    struct test_driver_loaded *doms;
    size_t ndoms, cap;
    int err_line; /* the reader's first error: line and message */
    char err_msg[512];
};

/* The largest node file: streamed, so more than one definition's 1 MiB (10,000 domains of
 * libvirt's usual size fit); the text itself is held in memory while it is read. */
#define TEST_NODE_MAX_SIZE (32 * 1024 * 1024)

/* libvirt's namespace for test driver data inside a <domain>. */
#define TEST_NODE_NS "http://libvirt.org/schemas/domain/test/1.0"

/* The states a <test:runstate> may give (libvirt's virDomainState numbers). */
static const struct {
    long long number;
    enum engine_domain_state state;
} test_node_runstates[] = {
    {1, ENGINE_DOMAIN_RUNNING},  {2, ENGINE_DOMAIN_BLOCKED}, {3, ENGINE_DOMAIN_PAUSED},
    {4, ENGINE_DOMAIN_SHUTDOWN}, {5, ENGINE_DOMAIN_SHUTOFF}, {6, ENGINE_DOMAIN_CRASHED},
};

/* The state a <domain> element asks for: its <test:runstate>, else running. */
static int test_node_runstate(const struct xmlutil_ctx *x, const xmlNode *dom,
                              enum engine_domain_state *out)
{
    *out = ENGINE_DOMAIN_RUNNING;
    for (const xmlNode *c = dom->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !c->ns || !c->ns->href ||
            strcmp((const char *)c->ns->href, TEST_NODE_NS) ||
            strcmp((const char *)c->name, "runstate"))
            continue;
        char *text = xmlutil_text(c);
        long long v = 0;
        int rc = xmlutil_parse_ll(x, c, "runstate", "<test:runstate>", text, 0, 7, &v);
        free(text);
        if (rc < 0)
            return -1;
        for (size_t i = 0; i < sizeof(test_node_runstates) / sizeof(test_node_runstates[0]); i++)
            if (test_node_runstates[i].number == v) {
                *out = test_node_runstates[i].state;
                return 0;
            }
        return xmlutil_error(x, c, "runstate",
                             "<test:runstate> %lld is not a state vmdeck shows (1 running, 2 "
                             "idle, 3 paused, 4 in shutdown, 5 shut off, 6 crashed)",
                             v);
    }
    return 0;
}

/* A document of its own holding a copy of el (line numbers kept), for the parsers. */
static xmlDocPtr test_node_copy(const xmlNode *el)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr copy = doc ? xmlDocCopyNode((xmlNode *)el, doc, 1) : NULL;
    if (!copy) {
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlDocSetRootElement(doc, copy);
    return doc;
}

/* The path a file='...' attribute names: as written when absolute, else next to the node
 * file. Caller frees. */
static char *test_node_path(const char *node_path, const char *file)
{
    if (file[0] == '/')
        return store_printf("%s", file);
    const char *slash = strrchr(node_path, '/');
    int dirlen = slash ? (int)(slash - node_path) : 1;
    return store_printf("%.*s/%s", dirlen, slash ? node_path : ".", file);
}

/* The document of one definition: the element's copy (inline), or the file it names read
 * like any definition file (x2 then names that file). NULL with the error set. */
static xmlDocPtr test_node_definition(const struct xmlutil_ctx *x, const xmlNode *el,
                                      struct xmlutil_ctx *x2, char **file_out)
{
    char *file = xmlutil_attr(el, "file");
    *file_out = NULL;
    if (!file) {
        *x2 = *x;
        xmlDocPtr doc = test_node_copy(el);
        if (!doc)
            vmerr_set(x->err, VMERR_INTERNAL, "test driver: out of memory");
        return doc;
    }
    const char *attrs[] = {"file", NULL};
    struct vmerr probe = {0};
    struct xmlutil_ctx xp = {x->source, &probe};
    if (!file[0] || xmlutil_check_attrs(x, el, attrs) < 0 || xmlutil_check_empty(&xp, el) < 0) {
        if (!file[0])
            xmlutil_error(x, el, "file", "<%s file=''> names no file", (const char *)el->name);
        else if (probe.code)
            xmlutil_error(x, el, "file",
                          "<%s file='%s'> takes its definition from that file; it must be "
                          "empty",
                          (const char *)el->name, file);
        free(file);
        return NULL;
    }
    char *path = test_node_path(x->source, file);
    free(file);
    char *text = xmlutil_read_file(path, x->err);
    *x2 = (struct xmlutil_ctx){path, x->err};
    xmlDocPtr doc = text ? xmlutil_read(x2, text, (const char *)el->name) : NULL;
    free(text);
    if (!doc)
        free(path);
    else
        *file_out = path;
    return doc;
}

/* Put the node file's name and el's line on an error the driver gave without them (a
 * duplicate name or uuid); returns -1. */
static int test_node_place(const struct xmlutil_ctx *x, const xmlNode *el)
{
    char msg[sizeof(x->err->message)];
    snprintf(msg, sizeof(msg), "%s", x->err->message);
    return xmlutil_error(x, el, (const char *)el->name, "%s", msg);
}

/* Read one <domain> (inline or file='...') into the load, with the state it asks for. */
static int test_node_domain(struct test_driver_state *st, struct test_node_load *ld,
                            const struct xmlutil_ctx *x, const xmlNode *el)
{
    struct xmlutil_ctx x2;
    char *file = NULL;
    xmlDocPtr doc = test_node_definition(x, el, &x2, &file);
    if (!doc)
        return -1;
    enum engine_domain_state state;
    struct domain_def *def = NULL;
    if (test_node_runstate(&x2, xmlDocGetRootElement(doc), &state) == 0)
        def = domain_def_parse_doc(&x2, doc, DOMAIN_DEF_PARSE_NO_SCHEMA);
    xmlFreeDoc(doc);
    free(file);
    if (!def)
        return -1;
    if (ld->ndoms == ld->cap) {
        ld->cap = ld->cap ? ld->cap * 2 : 64;
        ld->doms = realloc(ld->doms, ld->cap * sizeof(*ld->doms));
        if (!ld->doms)
            abort(); /* memory exhaustion is not recoverable */
    }
    ld->doms[ld->ndoms++] =
        (struct test_driver_loaded){.def = def, .state = state, .line = (int)xmlGetLineNo(el)};
    return 0;
}

/* Read one <network> (inline or file='...') and add it, active. */
static int test_node_network(struct test_driver_state *st, struct test_node_load *ld,
                             const struct xmlutil_ctx *x, const xmlNode *el)
{
    struct xmlutil_ctx x2;
    char *file = NULL;
    xmlDocPtr doc = test_node_definition(x, el, &x2, &file);
    if (!doc)
        return -1;
    struct network_def *def = network_def_parse_doc(&x2, doc, NETWORK_DEF_PARSE_NO_SCHEMA);
    xmlFreeDoc(doc);
    free(file);
    if (!def)
        return -1;
    if (test_network_add(st->networks, def, true, x->err) < 0)
        return test_node_place(x, el);
    return 0;
}

/* Children of <node>: how each is read; NULL for libvirt's elements vmdeck skips. */
static const struct {
    const char *name;
    int (*read)(struct test_driver_state *st, struct test_node_load *ld,
                const struct xmlutil_ctx *x, const xmlNode *el);
} test_node_elements[] = {
    {"domain", test_node_domain},
    {"network", test_node_network},
    {"cpu", NULL},
    {"memory", NULL},
    {"pool", NULL},
    {"interface", NULL},
    {"device", NULL},
};

#define TEST_NODE_NELEMENTS (sizeof(test_node_elements) / sizeof(test_node_elements[0]))

/* Read one child of <node>: a definition, a skipped element, or an error naming it. */
static int test_node_child(struct test_driver_state *st, struct test_node_load *ld,
                           const struct xmlutil_ctx *x, const xmlNode *el)
{
    const char *names[TEST_NODE_NELEMENTS];
    for (size_t i = 0; i < TEST_NODE_NELEMENTS; i++) {
        names[i] = test_node_elements[i].name;
        if (xmlutil_is_ours(el) && !strcmp((const char *)el->name, names[i]))
            return test_node_elements[i].read ? test_node_elements[i].read(st, ld, x, el) : 0;
    }
    return xmlutil_unknown_among(x, el, names, TEST_NODE_NELEMENTS);
}

/* Line of the byte at in text (1-based). */
static int test_node_line(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* Refuse a <!DOCTYPE> (and with it any entity declaration) before libxml2 sees it, as
 * xmlutil_read does: the prolog may hold only the XML declaration, processing instructions,
 * comments and blanks, so the first "<!" there that does not open a comment is one. */
static int test_node_check_prolog(const struct xmlutil_ctx *x, const char *text)
{
    const char *p = text;
    if (!strncmp(p, "\xef\xbb\xbf", 3))
        p += 3;
    for (;;) {
        p += strspn(p, " \t\r\n");
        const char *end; /* just past a PI or comment */
        if (!strncmp(p, "<?", 2))
            end = (end = strstr(p, "?>")) ? end + 2 : NULL;
        else if (!strncmp(p, "<!--", 4))
            end = (end = strstr(p + 4, "-->")) ? end + 3 : NULL;
        else if (!strncmp(p, "<!", 2))
            return vmerr_set_xml(x->err, x->source, test_node_line(text, p), "DOCTYPE",
                                 "<!DOCTYPE> is not allowed in node XML (no DTDs or entities)");
        else
            return 0; /* the root element (or junk the reader reports) */
        if (!end)
            return 0; /* unterminated: the reader reports it with its line */
        p = end;
    }
}

/* The reader's error handler: keep the first error's line and message. */
static void test_node_reader_error(void *arg, xmlErrorPtr e)
{
    struct test_node_load *ld = arg;
    if (!e || e->level < XML_ERR_ERROR || ld->err_msg[0])
        return;
    ld->err_line = e->line;
    snprintf(ld->err_msg, sizeof(ld->err_msg), "%s", e->message ? e->message : "parse failed");
    size_t n = strlen(ld->err_msg);
    while (n > 0 && (ld->err_msg[n - 1] == '\n' || ld->err_msg[n - 1] == ' '))
        ld->err_msg[--n] = '\0';
}

/* Order of loaded domains by name (then line), for the duplicate check. */
static int test_node_by_name(const void *a, const void *b)
{
    const struct test_driver_loaded *x = a, *y = b;
    int c = strcmp(x->def->name, y->def->name);
    return c ? c : x->line - y->line;
}

/* Order of loaded domains by uuid (then line). */
static int test_node_by_uuid(const void *a, const void *b)
{
    const struct test_driver_loaded *x = a, *y = b;
    int c = memcmp(x->def->uuid, y->def->uuid, 16);
    return c ? c : x->line - y->line;
}

/* Fail on two domains with one name or one uuid, naming both lines. */
static int test_node_check_unique(const struct xmlutil_ctx *x, const struct test_node_load *ld)
{
    if (ld->ndoms < 2)
        return 0;
    struct test_driver_loaded *v = malloc(ld->ndoms * sizeof(*v));
    if (!v)
        abort(); /* memory exhaustion is not recoverable */
    memcpy(v, ld->doms, ld->ndoms * sizeof(*v));
    int rc = 0;
    qsort(v, ld->ndoms, sizeof(*v), test_node_by_name);
    for (size_t i = 1; i < ld->ndoms && rc == 0; i++)
        if (!strcmp(v[i].def->name, v[i - 1].def->name))
            rc = vmerr_set_xml(x->err, x->source, v[i].line, "domain",
                               "domain '%s' is defined twice (also at line %d)", v[i].def->name,
                               v[i - 1].line);
    qsort(v, ld->ndoms, sizeof(*v), test_node_by_uuid);
    for (size_t i = 1; i < ld->ndoms && rc == 0; i++)
        if (!memcmp(v[i].def->uuid, v[i - 1].def->uuid, 16)) {
            char uuid[37];
            domain_uuid_format(v[i].def->uuid, uuid);
            rc = vmerr_set_xml(x->err, x->source, v[i].line, "uuid",
                               "domains '%s' and '%s' (line %d) have the same uuid %s",
                               v[i].def->name, v[i - 1].def->name, v[i - 1].line, uuid);
        }
    free(v);
    return rc;
}

/* Stream the children of <node> through test_node_child (see the top of this file). */
static int test_node_stream(struct test_driver_state *st, struct test_node_load *ld,
                            const struct xmlutil_ctx *x, const char *text)
{
    xmlTextReaderPtr r = xmlReaderForMemory(text, (int)strlen(text), x->source, "UTF-8",
                                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
    if (!r)
        return vmerr_set(x->err, VMERR_INTERNAL, "%s: cannot set up an XML reader", x->source);
    xmlTextReaderSetStructuredErrorHandler(r, test_node_reader_error, ld);
    int rc = 0;
    bool root = false;
    int ret = xmlTextReaderRead(r);
    while (rc == 0 && ret == 1) {
        int type = xmlTextReaderNodeType(r), depth = xmlTextReaderDepth(r);
        xmlNodePtr node = xmlTextReaderCurrentNode(r);
        if (depth == 1 && type == XML_READER_TYPE_ELEMENT) {
            xmlNodePtr el = xmlTextReaderExpand(r);
            if (!el)
                break; /* a well-formedness error: reported below */
            rc = test_node_child(st, ld, x, el);
            ret = xmlTextReaderNext(r); /* the reader frees the subtree read */
            continue;
        }
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            rc = vmerr_set_xml(x->err, x->source, xmlTextReaderGetParserLineNumber(r), "DOCTYPE",
                               "<!DOCTYPE> is not allowed in node XML");
        } else if (depth == 0 && type == XML_READER_TYPE_ELEMENT) {
            root = true;
            if (strcmp((const char *)node->name, "node"))
                rc = xmlutil_error(x, node, (const char *)node->name,
                                   "expected <node> as the root element, found <%s>",
                                   (const char *)node->name);
            else if (node->ns)
                rc = xmlutil_error(x, node, "node",
                                   "<node> must not be in a namespace (it is in '%s')",
                                   (const char *)node->ns->href);
        } else if (depth == 1 && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA)) {
            rc = xmlutil_error(x, node->parent, "node", "text is not allowed in <node>");
        }
        ret = xmlTextReaderRead(r);
    }
    if (rc == 0 && (ld->err_msg[0] || !root))
        rc = vmerr_set_xml(x->err, x->source, ld->err_line, "", "XML is not well formed: %s",
                           ld->err_msg[0] ? ld->err_msg : "no root element");
    xmlFreeTextReader(r);
    return rc;
}

/* Fill st from the node file at path (see test-driver.h). */
int test_node_load(struct test_driver_state *st, const char *path, struct vmerr *err)
{
    struct vmerr local = {0};
    if (!err)
        err = &local;
    char *text = xmlutil_read_file_max(path, TEST_NODE_MAX_SIZE, err); /* no NUL bytes */
    if (!text)
        return -1;
    struct xmlutil_ctx x = {path, err};
    struct test_node_load ld = {0};
    xmlutil_init();
    int rc = xmlutil_check_utf8(&x, text);
    if (rc == 0)
        rc = test_node_check_prolog(&x, text);
    if (rc == 0)
        rc = test_node_stream(st, &ld, &x, text);
    free(text);
    if (rc == 0)
        rc = test_node_check_unique(&x, &ld);
    if (rc == 0) {
        rc = test_driver_add_domains(st, ld.doms, ld.ndoms, err);
        ld.ndoms = 0;
    }
    for (size_t i = 0; i < ld.ndoms; i++)
        domain_def_free(ld.doms[i].def);
    free(ld.doms);
    return rc;
}
