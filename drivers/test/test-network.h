/* test-network: the test driver's in-memory networks (test:///default starts with libvirt's
 * 'default' network: virbr0, 192.168.122.0/24, nat, DHCP .2-.254, active). The driver table
 * in test-driver.c points at these functions; each works on the network state of the
 * connection's hypervisor (test-driver.h), which goes with it. */
#ifndef VMDECK_TEST_NETWORK_H
#define VMDECK_TEST_NETWORK_H

#include <stdbool.h>
#include <stddef.h>

#include "drivers/driver.h"

struct test_network_state;

/* A new network state: empty, or (builtin) with libvirt's 'default' network. */
struct test_network_state *test_network_state_new(bool builtin, struct vmerr *err);
/* Free a network state. NULL is fine. */
void test_network_state_free(struct test_network_state *st);
/* Add a network (active or not) to st, checked like a define; takes def, also on error. */
int test_network_add(struct test_network_state *st, struct network_def *def, bool active,
                     struct vmerr *err);

/* The driver table's network entries (see drivers/driver.h). */
/* Every network, active and inactive. */
int test_network_list(struct engine_conn *conn, struct engine_network_info **out, size_t *count,
                      struct vmerr *err);
/* One network by name or uuid text. */
int test_network_lookup(struct engine_conn *conn, const char *name,
                        struct engine_network_info *info, struct vmerr *err);
/* Define or redefine a network (takes def, also on error). */
int test_network_define(struct engine_conn *conn, struct network_def *def, struct vmerr *err);
/* Remove a network's persistent definition. */
int test_network_undefine(struct engine_conn *conn, const char *name, struct vmerr *err);
/* A copy of the live or persistent definition; caller frees. */
struct network_def *test_network_get_def(struct engine_conn *conn, const char *name, bool live,
                                         struct vmerr *err);
/* Start an inactive network (its definition becomes the live one). */
int test_network_start(struct engine_conn *conn, const char *name, struct vmerr *err);
/* Stop an active network; a transient one is removed. */
int test_network_destroy(struct engine_conn *conn, const char *name, struct vmerr *err);
/* Mark or unmark a persistent network for autostart. */
int test_network_set_autostart(struct engine_conn *conn, const char *name, bool on,
                               struct vmerr *err);

#endif
