/* test-driver: what the test driver's files share. One struct test_driver_state is one
 * in-memory hypervisor: test:///default's is built in and shared by the connections of a
 * process (as in libvirt); test:///PATH.xml gets a new one per connection, filled from the
 * node file by test-node.c. Domains live in test-driver.c, networks in test-network.c. */
#ifndef VMDECK_TEST_DRIVER_H
#define VMDECK_TEST_DRIVER_H

#include <stdbool.h>

#include "drivers/driver.h"

struct test_driver_domain;
struct test_network_state;

/* One in-memory hypervisor. */
struct test_driver_state {
    struct test_driver_domain *domains; /* in definition order */
    int next_id;
    int refs;
    struct test_network_state *networks;
};

/* The networks of the hypervisor behind conn. */
struct test_network_state *test_driver_networks(struct engine_conn *conn);
/* A domain a node file defines, and the state it starts in. */
struct test_driver_loaded {
    struct domain_def *def;
    enum engine_domain_state state;
    int line; /* of its <domain> in the node file, for messages */
};
/* Append n persistent domains to a state that has none yet, in order (running, idle,
 * paused and in-shutdown ones get a live definition and the next id); the caller has checked that
 * names and uuids are unique. Takes every def, also on error. */
int test_driver_add_domains(struct test_driver_state *st, struct test_driver_loaded *doms, size_t n,
                            struct vmerr *err);

/* Fill st from the node file at path (test-node.c): libvirt's <node> document with
 * <domain> and <network> elements, inline or as file='...' relative to the node file. One
 * error naming the file and line when it cannot be used. */
int test_node_load(struct test_driver_state *st, const char *path, struct vmerr *err);

#endif
