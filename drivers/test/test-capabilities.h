/* test-capabilities: the test driver's fixed capabilities, like libvirt's test driver: an
 * x86_64 host and hvm guests for i686 and x86_64 with QEMU's machine names, domain types
 * 'qemu' and 'kvm'. Deterministic, so demos and UI tests see the same document everywhere.
 * The driver table in test-driver.c points at test_capabilities_get. */
#ifndef VMDECK_TEST_CAPABILITIES_H
#define VMDECK_TEST_CAPABILITIES_H

#include "drivers/driver.h"
#include "engine/capabilities.h"

/* The driver table's capabilities entry: a new copy of the fixed document; caller frees. */
struct capabilities *test_capabilities_get(struct engine_conn *conn, struct vmerr *err);

#endif
