/* testutil: helpers shared by the cmocka tests: isolated state dirs, test data paths,
 * reading files, and removing temp trees. */
#ifndef VMDECK_TESTUTIL_H
#define VMDECK_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

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
/* A variant of the test guest's demo.xml named name: the NULL-terminated option pairs of
 * tests/guest/guest-xml.sh ("--cmdline", "vmdeck.ip=10.0.5.1/24", "--device", "<...>",
 * "--on-crash", "restart", ...); fails the test on a bad option; caller frees. */
char *testutil_guest_xml(const char *name, ...);
/* Milliseconds on the monotonic clock. */
long long testutil_now_ms(void);
/* Read fd (a console PTY) into buf, appending at *len and keeping the tail when full, until
 * needle shows up (true) or timeout_ms pass or the fd ends (false). */
bool testutil_read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle,
                         int timeout_ms);
/* Write all of s to fd (a non-blocking PTY), failing the test on an error. */
void testutil_write_all(int fd, const char *s);

/* Where fd 2 goes while a check runs, to prove a library printed nothing. */
struct testutil_stderr {
    int saved;
    char path[64];
};
/* Point fd 2 at a temp file until testutil_stderr_end. */
void testutil_stderr_begin(struct testutil_stderr *c);
/* Restore fd 2; returns how many bytes were written to it meanwhile. */
long testutil_stderr_end(struct testutil_stderr *c);

#endif
