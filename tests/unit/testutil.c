/* testutil: shared helpers for cmocka tests (see testutil.h). */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/store.h"

extern char **environ;

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

/* Run tests/guest/guest-xml.sh (bash, no shell string) and return what it prints. */
char *testutil_guest_xml(const char *name, ...)
{
    const char *src = getenv("VMDECK_SOURCE_DIR");
    char *script =
        store_printf("%s/tests/guest/guest-xml.sh", src && *src ? src : VMDECK_SOURCE_DIR_DEFAULT);
    const char *argv[64] = {"bash", script, name, "--guest", testutil_guest_dir()};
    size_t n = 5;
    va_list ap;
    va_start(ap, name);
    for (const char *a; (a = va_arg(ap, const char *)) && n < 63;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    int out[2];
    if (pipe(out) < 0)
        fail_msg("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    pid_t pid;

    int rc = posix_spawnp(&pid, "bash", &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0)
        fail_msg("spawn %s: %s", script, strerror(rc));
    size_t len = 0, cap = 8192;
    char *text = malloc(cap);
    ssize_t got;
    while ((got = read(out[0], text + len, cap - 1 - len)) > 0 || (got < 0 && errno == EINTR)) {
        if (got > 0)
            len += (size_t)got;
        if (len + 1 >= cap)
            text = realloc(text, cap *= 2);
    }
    text[len] = '\0';
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s %s failed (status %d)", script, name, status);
    free(script);
    return text;
}

/* Monotonic milliseconds. */
long long testutil_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read until a needle shows up, with a deadline. */
bool testutil_read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle,
                         int timeout_ms)
{
    long long deadline = testutil_now_ms() + timeout_ms;
    for (;;) {
        buf[*len] = '\0';
        if (strstr(buf, needle))
            return true;
        long long left = deadline - testutil_now_ms();
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        if (*len + 1 >= cap) { /* keep the tail */
            memmove(buf, buf + cap / 2, *len - cap / 2);
            *len -= cap / 2;
        }
        ssize_t n = read(fd, buf + *len, cap - 1 - *len);
        if (n > 0)
            *len += (size_t)n;
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            return false;
    }
}

/* Write everything, waiting on a full PTY. */
void testutil_write_all(int fd, const char *s)
{
    size_t len = strlen(s), off = 0;
    while (off < len) {
        ssize_t n = write(fd, s + off, len - off);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            poll(&pfd, 1, 1000);
        } else if (!(n < 0 && errno == EINTR)) {
            fail_msg("write: %s", strerror(errno));
        }
    }
}

/* Point fd 2 at a temp file. */
void testutil_stderr_begin(struct testutil_stderr *c)
{
    fflush(stderr);
    snprintf(c->path, sizeof(c->path), "/tmp/vmdeck-stderr-%ld-XXXXXX", (long)getpid());
    int fd = mkstemp(c->path);
    assert_true(fd >= 0);
    c->saved = dup(2);
    dup2(fd, 2);
    close(fd);
}

/* Restore fd 2 and count what was written to it meanwhile. */
long testutil_stderr_end(struct testutil_stderr *c)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    struct stat st;
    long n = stat(c->path, &st) == 0 ? (long)st.st_size : -1;
    unlink(c->path);
    assert_true(n >= 0);
    return n;
}
