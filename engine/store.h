/* store: the on-disk state store's primitives. Persistent configs and runtime state are
 * plain files written atomically (temp file, fsync, rename) in 0700 directories; each
 * object is serialised by an flock on its own lock file. */
#ifndef VMDECK_STORE_H
#define VMDECK_STORE_H

#include <stddef.h>
#include <sys/types.h>

#include "engine/vmerr.h"

/* Create dir and its parents with mode (existing dirs are left as they are). */
int store_mkdir_p(const char *dir, mode_t mode, struct vmerr *err);
/* Write len bytes to path atomically (temp + fsync + rename), file mode 0600. */
int store_write_atomic(const char *path, const char *data, size_t len, struct vmerr *err);
/* The same without the fsync, for runtime files (state, live XML, ids, caches): readers
 * never see a torn file, and what a power loss takes is rebuilt from the processes anyway. */
int store_write_runtime(const char *path, const char *data, size_t len, struct vmerr *err);
/* Read a whole file, NUL-terminated; *len_out (if not NULL) gets its length. NULL on error
 * (VMERR_SYSTEM; errno preserved so callers can test ENOENT). */
char *store_read_file(const char *path, size_t *len_out, struct vmerr *err);
/* Take an exclusive flock on path (created 0600); returns the fd to pass to store_unlock. */
int store_lock(const char *path, struct vmerr *err);
/* Release a lock taken by store_lock. */
void store_unlock(int fd);
/* Remove dir and the plain files in it (one level, no recursion). Missing dir is fine. */
int store_remove_dir(const char *dir, struct vmerr *err);
/* malloc'd printf; aborts on allocation failure (memory exhaustion is not recoverable). */
char *store_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
