/* store: atomic files, directories and locks for the config and runtime dirs. */
#include "engine/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Create dir and its parents with mode. */
int store_mkdir_p(const char *dir, mode_t mode, struct vmerr *err)
{
    char *path = strdup(dir);
    if (!path)
        return vmerr_set_errno(err, ENOMEM, "cannot create %s", dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(path, mode) < 0 && errno != EEXIST) {
                int e = errno;
                vmerr_set_errno(err, e, "cannot create directory %s", path);
                free(path);
                return -1;
            }
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    free(path);
    return 0;
}

/* Write data to path via a temp file in the same directory, then rename; with sync the
 * temp file is fsync'ed first, so the new content survives a power loss. */
static int store_write_rename(const char *path, const char *data, size_t len, bool sync,
                              struct vmerr *err)
{
    char *tmp = store_printf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        vmerr_set_errno(err, errno, "cannot write %s", path);
        free(tmp);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        off += (size_t)n;
    }
    if (sync && fsync(fd) < 0)
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto fail;
    free(tmp);
    return 0;
fail:
    vmerr_set_errno(err, errno, "cannot write %s", path);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

/* Write data to path atomically and durably (configuration). */
int store_write_atomic(const char *path, const char *data, size_t len, struct vmerr *err)
{
    return store_write_rename(path, data, len, true, err);
}

/* Write data to path atomically, without waiting for the disk (runtime state). */
int store_write_runtime(const char *path, const char *data, size_t len, struct vmerr *err)
{
    return store_write_rename(path, data, len, false, err);
}

/* Read a whole file into a NUL-terminated buffer. */
char *store_read_file(const char *path, size_t *len_out, struct vmerr *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        vmerr_set_errno(err, e, "cannot read %s", path);
        errno = e;
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            vmerr_set_errno(err, e, "cannot read %s", path);
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

/* Take an exclusive lock on path, waiting for other holders. */
int store_lock(const char *path, struct vmerr *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return vmerr_set_errno(err, errno, "cannot open lock %s", path);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        vmerr_set_errno(err, errno, "cannot lock %s", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Release a lock (closing the fd drops the flock). */
void store_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* Remove the plain files of dir, then dir itself. */
int store_remove_dir(const char *dir, struct vmerr *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return vmerr_set_errno(err, errno, "cannot open %s", dir);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *p = store_printf("%s/%s", dir, de->d_name);
        unlink(p);
        free(p);
    }
    closedir(d);
    if (rmdir(dir) < 0 && errno != ENOENT)
        return vmerr_set_errno(err, errno, "cannot remove %s", dir);
    return 0;
}

/* Allocate and format a string. */
char *store_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    return s;
}
