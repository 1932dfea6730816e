/* qemu-capabilities: what the QEMU driver can really run on this host. Every qemu-system-*
 * on $PATH (and in /usr/bin) is asked for its machine types and accelerators (posix_spawn,
 * argv array, stdout through a pipe, a time limit); /dev/kvm is asked whether a vCPU really
 * runs guest code. Both answers are cached in CACHE_DIR/qemu-capabilities (CACHE_DIR is
 * cache/ in the runtime base dir, beside qemu/: $XDG_RUNTIME_DIR/vmdeck/cache for a
 * session, /run/vmdeck/cache for the system; tmpfs, so a reboot empties it), keyed by the
 * binary's path + mtime + size and by the boot and /dev/kvm identity, so the next call spawns
 * nothing. Out comes a struct capabilities (engine/capabilities.h), and the define-time and
 * start-time checks of the driver that use it (emulator, domain type, machine; the guest's
 * kernel, initrd, loader and disks). */
#ifndef VMDECK_QEMU_CAPABILITIES_H
#define VMDECK_QEMU_CAPABILITIES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "engine/capabilities.h"
#include "engine/domain-def.h"
#include "engine/vmerr.h"

struct engine_conn;

/* How long one emulator may take to answer `-machine help` / `-accel help`. */
#define QEMU_CAPABILITIES_SPAWN_TIMEOUT_MS 10000
/* How long the KVM probe's test vCPU may take (it needs a few ms where KVM works). */
#define QEMU_CAPABILITIES_KVM_TIMEOUT_MS 3000

/* The capabilities of this host for the QEMU driver: host CPU, one hvm guest per emulator
 * arch found, domain type 'qemu' always and 'kvm' where the KVM probe says yes. cache_dir
 * (created 0700 if missing; NULL = no cache) keeps the probe results. Caller frees. */
struct capabilities *qemu_capabilities_get(const char *cache_dir, struct vmerr *err);
/* The driver table's capabilities entry: qemu_capabilities_get with the connection's cache
 * dir. */
struct capabilities *qemu_capabilities_conn(struct engine_conn *conn, struct vmerr *err);
/* The cache dir for a connection's runtime dir (RUNTIME_DIR/../cache); caller frees. */
char *qemu_capabilities_cache_dir(const char *runtime_dir);

/* libvirt's arch name and word size for an emulator file name ("qemu-system-i386" -> i686,
 * 32); false for names that are not qemu-system-<known arch>. */
bool qemu_capabilities_binary_arch(const char *file_name, const char **arch, unsigned *wordsize);
/* Add the machines of `qemu-system-* -machine help` output to guest (aliases get their
 * canonical name; "none" is left out); *default_machine (if not NULL) receives the machine
 * marked (default), or NULL. Returns the number of machines added, -1 if text is not that
 * output. */
int qemu_capabilities_parse_machines(const char *text, struct capabilities_guest *guest,
                                     char **default_machine);
/* Whether `-accel help` output lists accelerator name ("kvm", "tcg"). */
bool qemu_capabilities_accel_listed(const char *text, const char *name);
/* How many emulator processes this process has spawned (tests check cache hits with it). */
unsigned long qemu_capabilities_spawn_count(void);

/* Whether KVM really runs guests through device (normally /dev/kvm): in a child process with
 * a deadline, open it, check the API version (12), create a VM and a vCPU that starts in real
 * mode, switches itself to 64-bit long mode, counts a loop of 10 million iterations and
 * reports through port I/O and HLT. why gets a one-line reason for either answer. Uncached. */
bool qemu_capabilities_kvm_probe(const char *device, int timeout_ms, char *why, size_t why_len);
/* qemu_capabilities_kvm_probe of /dev/kvm, cached in cache_dir (NULL = no cache) for this boot
 * and this /dev/kvm node. */
bool qemu_capabilities_kvm_usable(const char *cache_dir, char *why, size_t why_len);

/* Define-time checks of def against caps: the <emulator> exists and is executable (an
 * emulator caps does not list is probed through cache_dir), an emulator exists for the arch
 * when none is given, the domain type is listed for the arch (naming the KVM probe's reason
 * for 'kvm'), and the machine is one the emulator lists. caps must have been built with the
 * KVM probe when def's type is kvm. */
int qemu_capabilities_check_def(struct capabilities *caps, const char *cache_dir,
                                const struct domain_def *def, struct vmerr *err);
/* qemu_capabilities_check_def with the capabilities of the connection whose runtime dir is
 * runtime_dir (the driver's define hook). */
int qemu_capabilities_check_define(const char *runtime_dir, const struct domain_def *def,
                                   struct vmerr *err);
/* Start-time checks: the define-time checks again (the host may have changed), then every
 * file the guest uses: kernel, initrd and loader readable, disk sources readable (read-only
 * disks, cdroms) or readable and writable, each error naming the element and the file. */
int qemu_capabilities_check_start(const char *runtime_dir, const struct domain_def *def,
                                  struct vmerr *err);

/* ---- Internal to drivers/qemu/qemu-capabilities*.c ---- */

/* What one emulator binary answered, with its cache key. */
struct qemu_capabilities_binary {
    char *path;
    long long mtime_sec, mtime_nsec, size; /* the cache key besides the path */
    bool kvm;                              /* `-accel help` lists kvm */
    char *default_machine;
    struct capabilities_machine *machines;
    size_t nmachines;
};

/* The qemu-system-* names of one $PATH directory, with its cache key: a directory's mtime
 * changes whenever an entry is added, removed or renamed (as package upgrades do). */
struct qemu_capabilities_dir {
    char *path;
    long long ino, mtime_sec, mtime_nsec;
    char **names; /* sorted */
    size_t nnames;
};

/* Probe results read from and written to the cache file. */
struct qemu_capabilities_cache {
    char *path; /* NULL: no cache */
    struct qemu_capabilities_binary *bins;
    size_t nbins;
    struct qemu_capabilities_dir *dirs;
    size_t ndirs;
    char *kvm_key; /* identity of this boot and /dev/kvm the KVM answer is for */
    bool kvm_usable;
    char *kvm_why;
    bool dirty; /* changed since read: write it back */
};

/* Read the cache in dir (a missing or malformed file is an empty cache). */
void qemu_capabilities_cache_load(struct qemu_capabilities_cache *c, const char *dir);
/* Write the cache back if it changed (errors are ignored: the cache is only an optimisation). */
void qemu_capabilities_cache_save(struct qemu_capabilities_cache *c);
/* Free what the cache holds. */
void qemu_capabilities_cache_clear(struct qemu_capabilities_cache *c);
/* The entry for path if its mtime and size still match st's; NULL otherwise. */
struct qemu_capabilities_binary *qemu_capabilities_cache_find(struct qemu_capabilities_cache *c,
                                                              const char *path, long long mtime_sec,
                                                              long long mtime_nsec, long long size);
/* Store b (taken over) in the cache, replacing any entry for the same path. */
void qemu_capabilities_cache_put(struct qemu_capabilities_cache *c,
                                 struct qemu_capabilities_binary *b);
/* The cached listing of dir while st (its stat) still matches; NULL otherwise. */
const struct qemu_capabilities_dir *
qemu_capabilities_cache_find_dir(struct qemu_capabilities_cache *c, const char *dir,
                                 const struct stat *st);
/* Store the listing of dir (names taken over) with st's key, replacing an older one. */
void qemu_capabilities_cache_put_dir(struct qemu_capabilities_cache *c, const char *dir,
                                     const struct stat *st, char **names, size_t n);
/* Free one binary record's contents. */
void qemu_capabilities_binary_clear(struct qemu_capabilities_binary *b);
/* The probe result of the emulator at path (an executable file): from the cache, or by
 * running it; NULL with err set when it cannot be run or does not answer like QEMU. */
const struct qemu_capabilities_binary *
qemu_capabilities_binary_get(struct qemu_capabilities_cache *c, const char *path,
                             struct vmerr *err);
/* The KVM answer through the cache c (probing on a miss). */
bool qemu_capabilities_kvm_cached(struct qemu_capabilities_cache *c, char *why, size_t why_len);
/* Add an hvm guest of arch for the emulator b: its machines, type 'qemu', and 'kvm' when kvm
 * (the probe's verdict) holds, b has KVM and the host can run arch under KVM. */
void qemu_capabilities_add_binary(struct capabilities *caps, const char *arch, unsigned wordsize,
                                  const struct qemu_capabilities_binary *b, bool kvm);
/* Build the capabilities document from the emulators found, through the cache c; without
 * with_kvm the KVM probe is skipped and no guest lists 'kvm' (define-time checks of other
 * domain types need no answer about KVM). */
struct capabilities *qemu_capabilities_build(struct qemu_capabilities_cache *c, bool with_kvm,
                                             struct vmerr *err);

#endif
