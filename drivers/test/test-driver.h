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
/* Add a persistent domain in state (RUNNING and PAUSED ones get a live definition and the
 * next id); takes def, also on error (VMERR_DUPLICATE for a name or uuid already used). */
int test_driver_add_domain(struct test_driver_state *st, struct domain_def *def,
                           enum engine_domain_state state, struct vmerr *err);

/* Fill st from the node file at path (test-node.c): libvirt's <node> document with
 * <domain> and <network> elements, inline or as file='...' relative to the node file. One
 * error naming the file and line when it cannot be used. */
int test_node_load(struct test_driver_state *st, const char *path, struct vmerr *err);

#endif
