/* test-node: a test:///PATH.xml connection's hypervisor from a node file, in libvirt's test
 * driver format: a <node> document whose <domain> and <network> children are definitions,
 * written inline or as <domain file='dom.xml'/> (relative to the node file). The node file
 * flows through xmlutil_read (the same hostile-input guards as define); each definition is
 * copied into a document of its own and read by the real domain or network parser, schema
 * included, so errors carry the node file's name and line. Domains start running, as in
 * libvirt, unless a <test:runstate> in libvirt's test namespace gives another state
 * (virDomainState numbers: 1 running, 3 paused, 5 shut off, ...); networks start active.
 * libvirt's other node elements (<cpu>, <memory>, <pool>, <interface>, <device>) are
 * accepted and skipped: vmdeck has nothing to show them in. */
#include "drivers/test/test-driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "drivers/test/test-network.h"
#include "engine/domain-def.h"
#include "engine/network-def.h"
#include "engine/store.h"
#include "engine/xmlutil.h"

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
    if (!file[0] || xmlutil_check_attrs(x, el, attrs) < 0 || xmlutil_check_empty(x, el) < 0) {
        if (!file[0])
            xmlutil_error(x, el, "file", "<%s file=''> names no file", (const char *)el->name);
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

/* Read one <domain> (inline or file='...') and add it in the state it asks for. */
static int test_node_domain(struct test_driver_state *st, const struct xmlutil_ctx *x,
                            const xmlNode *el)
{
    struct xmlutil_ctx x2;
    char *file = NULL;
    xmlDocPtr doc = test_node_definition(x, el, &x2, &file);
    if (!doc)
        return -1;
    enum engine_domain_state state;
    struct domain_def *def = NULL;
    if (test_node_runstate(&x2, xmlDocGetRootElement(doc), &state) == 0)
        def = domain_def_parse_doc(&x2, doc);
    xmlFreeDoc(doc);
    free(file);
    if (!def)
        return -1;
    if (test_driver_add_domain(st, def, state, x->err) < 0)
        return test_node_place(x, el);
    return 0;
}

/* Read one <network> (inline or file='...') and add it, active. */
static int test_node_network(struct test_driver_state *st, const struct xmlutil_ctx *x,
                             const xmlNode *el)
{
    struct xmlutil_ctx x2;
    char *file = NULL;
    xmlDocPtr doc = test_node_definition(x, el, &x2, &file);
    if (!doc)
        return -1;
    struct network_def *def = network_def_parse_doc(&x2, doc);
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
    int (*read)(struct test_driver_state *st, const struct xmlutil_ctx *x, const xmlNode *el);
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
static int test_node_child(struct test_driver_state *st, const struct xmlutil_ctx *x,
                           const xmlNode *el)
{
    const char *names[TEST_NODE_NELEMENTS];
    for (size_t i = 0; i < TEST_NODE_NELEMENTS; i++) {
        names[i] = test_node_elements[i].name;
        if (xmlutil_is_ours(el) && !strcmp((const char *)el->name, names[i]))
            return test_node_elements[i].read ? test_node_elements[i].read(st, x, el) : 0;
    }
    return xmlutil_unknown_among(x, el, names, TEST_NODE_NELEMENTS);
}

/* Fill st from the node file at path (see test-driver.h). */
int test_node_load(struct test_driver_state *st, const char *path, struct vmerr *err)
{
    struct vmerr local = {0};
    if (!err)
        err = &local;
    char *text = xmlutil_read_file(path, err);
    if (!text)
        return -1;
    struct xmlutil_ctx x = {path, err};
    xmlDocPtr doc = xmlutil_read(&x, text, "node");
    free(text);
    if (!doc)
        return -1;
    int rc = 0;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (root->ns)
        rc = xmlutil_error(&x, root, "node", "<node> must not be in a namespace (it is in '%s')",
                           (const char *)root->ns->href);
    if (rc == 0)
        rc = xmlutil_check_text(&x, root);
    for (const xmlNode *c = root->children; c && rc == 0; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            rc = test_node_child(st, &x, c);
    xmlFreeDoc(doc);
    return rc;
}
