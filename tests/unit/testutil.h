/* testutil: helpers shared by the cmocka tests: isolated state dirs, test data paths,
 * reading files, and removing temp trees. */
#ifndef VMDECK_TESTUTIL_H
#define VMDECK_TESTUTIL_H

#include <stdbool.h>

/* Make a fresh temp dir under /tmp (short, so UNIX socket paths fit); caller frees. */
char *testutil_tmpdir(const char *tag);
/* Point VMDECK_CONFIG_DIR and VMDECK_RUNTIME_DIR at fresh temp dirs; returns the parent
 * dir (remove it with testutil_rm_rf when done; caller frees). */
char *testutil_isolate(const char *tag);
/* Absolute path of tests/data/REL in the source tree; caller frees. */
char *testutil_data_path(const char *rel);
/* Whole file as a NUL-terminated string (fails the test if unreadable); caller frees. */
char *testutil_read(const char *path);
/* rm -rf DIR, without a shell. */
void testutil_rm_rf(const char *dir);
/* Path of the built vmdeck binary ($VMDECK_BIN); caller must not free. */
const char *testutil_vmdeck_bin(void);
/* Dir holding the built test guest ($VMDECK_GUEST_DIR); caller must not free. */
const char *testutil_guest_dir(void);

#endif
