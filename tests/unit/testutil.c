/* testutil: shared helpers for cmocka tests (see testutil.h). */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/store.h"

#ifndef VMDECK_SOURCE_DIR_DEFAULT
#define VMDECK_SOURCE_DIR_DEFAULT "."
#endif
#ifndef VMDECK_BUILD_DIR_DEFAULT
#define VMDECK_BUILD_DIR_DEFAULT "."
#endif

/* Make a fresh temp dir under /tmp. */
char *testutil_tmpdir(const char *tag)
{
    char *tmpl = store_printf("/tmp/vmdeck-%s-XXXXXX", tag);
    if (!mkdtemp(tmpl))
        fail_msg("mkdtemp %s failed", tmpl);
    return tmpl;
}

/* Give this test process its own config and runtime dirs. */
char *testutil_isolate(const char *tag)
{
    char *dir = testutil_tmpdir(tag);
    char *cfg = store_printf("%s/config", dir), *run = store_printf("%s/run", dir);
    mkdir(cfg, 0700);
    mkdir(run, 0700);
    setenv("VMDECK_CONFIG_DIR", cfg, 1);
    setenv("VMDECK_RUNTIME_DIR", run, 1);
    free(cfg);
    free(run);
    return dir;
}

/* Absolute path below tests/data. */
char *testutil_data_path(const char *rel)
{
    const char *src = getenv("VMDECK_SOURCE_DIR");
    if (!src || !*src)
        src = VMDECK_SOURCE_DIR_DEFAULT;
    return store_printf("%s/tests/data/%s", src, rel);
}

/* Read a whole file or fail the test. */
char *testutil_read(const char *path)
{
    char *s = store_read_file(path, NULL, NULL);
    if (!s)
        fail_msg("cannot read %s", path);
    return s;
}

/* Remove a directory tree without a shell. */
void testutil_rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char *p = store_printf("%s/%s", dir, de->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                testutil_rm_rf(p);
            else
                unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* The vmdeck binary under test. */
const char *testutil_vmdeck_bin(void)
{
    const char *b = getenv("VMDECK_BIN");
    return b && *b ? b : VMDECK_BUILD_DIR_DEFAULT "/vmdeck";
}

/* The built test guest's dir. */
const char *testutil_guest_dir(void)
{
    const char *g = getenv("VMDECK_GUEST_DIR");
    return g && *g ? g : VMDECK_BUILD_DIR_DEFAULT "/guest";
}
