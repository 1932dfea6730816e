/* qemu-capabilities: emulator binaries flow in (every qemu-system-<arch> in the $PATH dirs
 * and /usr/bin, first one per arch wins), their answers to `-machine help` and `-accel help`
 * (run with posix_spawn and an argv array, stdout through a pipe, under a time limit) and
 * the KVM probe's verdict flow through the cache, and a struct capabilities flows out: one
 * hvm guest per arch with its word size, emulator, machines (aliases with their canonical
 * name), domain type 'qemu' and, where KVM really runs guests of that arch, 'kvm'. */
#include "drivers/qemu/qemu-capabilities.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/driver.h"
#include "engine/store.h"

extern char **environ;

/* Most output accepted from one emulator (its machine list is a few KiB). */
#define QEMU_CAPS_OUTPUT_MAX (1u << 20)

/* Emulators spawned by this process. */
static unsigned long qemu_capabilities_spawned;

/* qemu-system-<suffix> -> libvirt arch and word size. */
static const struct {
    const char *suffix;
    const char *arch;
    unsigned wordsize;
} qemu_capabilities_archs[] = {
    {"x86_64", "x86_64", 64},
    {"i386", "i686", 32},
    {"aarch64", "aarch64", 64},
    {"arm", "armv7l", 32},
    {"alpha", "alpha", 64},
    {"cris", "cris", 32},
    {"hppa", "parisc", 32},
    {"m68k", "m68k", 32},
    {"microblaze", "microblaze", 32},
    {"microblazeel", "microblazeel", 32},
    {"mips", "mips", 32},
    {"mipsel", "mipsel", 32},
    {"mips64", "mips64", 64},
    {"mips64el", "mips64el", 64},
    {"or1k", "openrisc", 32},
    {"ppc", "ppc", 32},
    {"ppc64", "ppc64", 64},
    {"riscv32", "riscv32", 32},
    {"riscv64", "riscv64", 64},
    {"s390x", "s390x", 64},
    {"sh4", "sh4", 32},
    {"sh4eb", "sh4eb", 32},
    {"sparc", "sparc", 32},
    {"sparc64", "sparc64", 64},
    {"xtensa", "xtensa", 32},
    {"xtensaeb", "xtensaeb", 32},
};

#define QEMU_CAPS_PREFIX "qemu-system-"

/* Arch and word size from an emulator's file name. */
bool qemu_capabilities_binary_arch(const char *file_name, const char **arch, unsigned *wordsize)
{
    const char *base = strrchr(file_name, '/');
    base = base ? base + 1 : file_name;
    if (strncmp(base, QEMU_CAPS_PREFIX, strlen(QEMU_CAPS_PREFIX)))
        return false;
    const char *suffix = base + strlen(QEMU_CAPS_PREFIX);
    for (size_t i = 0; i < sizeof(qemu_capabilities_archs) / sizeof(qemu_capabilities_archs[0]);
         i++) {
        if (!strcmp(qemu_capabilities_archs[i].suffix, suffix)) {
            *arch = qemu_capabilities_archs[i].arch;
            *wordsize = qemu_capabilities_archs[i].wordsize;
            return true;
        }
    }
    return false;
}

/* How many emulators this process has spawned. */
unsigned long qemu_capabilities_spawn_count(void)
{
    return qemu_capabilities_spawned;
}

/* Whether c may appear in a machine name. */
static bool qemu_capabilities_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

/* Parse `-machine help`: "Supported machines are:", then "NAME   description [(alias of X)]
 * [(default)] [(deprecated)]" lines. */
int qemu_capabilities_parse_machines(const char *text, struct capabilities_guest *guest,
                                     char **default_machine)
{
    if (default_machine)
        *default_machine = NULL;
    const char *head = strstr(text, "Supported machines are:");
    if (!head)
        return -1;
    int count = 0;
    const char *line = strchr(head, '\n');
    while (line && *line) {
        line++;
        const char *eol = strchr(line, '\n');
        if (!eol)
            eol = line + strlen(line);
        const char *p = line;
        while (p < eol && qemu_capabilities_name_char(*p))
            p++;
        size_t nlen = (size_t)(p - line);
        bool well_formed = nlen > 0 && (p == eol || *p == ' ' || *p == '\t');
        if (well_formed && !(nlen == 4 && !strncmp(line, "none", 4))) {
            char *name = strndup(line, nlen), *desc = strndup(p, (size_t)(eol - p));
            char *canonical = NULL;
            const char *alias = strstr(desc, "(alias of ");
            if (alias) {
                alias += strlen("(alias of ");
                size_t clen = strcspn(alias, ")");
                if (alias[clen] == ')' && clen > 0)
                    canonical = strndup(alias, clen);
            }
            capabilities_add_machine(guest, name, canonical, strstr(desc, "(deprecated)") != NULL);
            if (default_machine && !*default_machine && strstr(desc, "(default)"))
                *default_machine = strdup(name);
            count++;
            free(name);
            free(desc);
            free(canonical);
        }
        line = *eol ? eol : NULL;
    }
    return count;
}

/* Whether `-accel help` output lists an accelerator (one name per line after the header). */
bool qemu_capabilities_accel_listed(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = text; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r'))
            len--;
        if (len == n && !strncmp(line, name, n))
            return true;
        line = eol ? eol + 1 : NULL;
    }
    return false;
}

/* Milliseconds on the monotonic clock. */
static long long qemu_capabilities_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run `path opt help` with stdout through a pipe (stdin and stderr on /dev/null) under the
 * time limit; its output, or NULL with err set. */
static char *qemu_capabilities_run(const char *path, const char *opt, struct vmerr *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        vmerr_set_errno(err, errno, "emulator %s: cannot make a pipe", path);
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)path, (char *)opt, (char *)"help", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        vmerr_set_errno(err, rc, "emulator %s: cannot run it", path);
        return NULL;
    }
    qemu_capabilities_spawned++;
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    if (!out)
        abort(); /* memory exhaustion is not recoverable */
    long long deadline = qemu_capabilities_now_ms() + QEMU_CAPABILITIES_SPAWN_TIMEOUT_MS;
    bool timed_out = false, too_long = false;
    for (;;) {
        long long left = deadline - qemu_capabilities_now_ms();
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            timed_out = true;
            break;
        }
        if (len + 4096 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            if (!out)
                abort();
        }
        ssize_t n = r < 0 ? -1 : read(fds[0], out + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len > QEMU_CAPS_OUTPUT_MAX) {
            too_long = true;
            break;
        }
    }
    out[len] = '\0';
    close(fds[0]);
    if (timed_out || too_long)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        vmerr_set(err, VMERR_TIMEOUT, "emulator %s: no answer to '%s help' within %d s", path, opt,
                  QEMU_CAPABILITIES_SPAWN_TIMEOUT_MS / 1000);
    else if (too_long)
        vmerr_set(err, VMERR_OPERATION_FAILED, "emulator %s: '%s help' printed more than %u bytes",
                  path, opt, QEMU_CAPS_OUTPUT_MAX);
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        vmerr_set(err, VMERR_OPERATION_FAILED, "emulator %s: '%s help' failed (%s %d)", path, opt,
                  WIFEXITED(status) ? "exit status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    else
        return out;
    free(out);
    return NULL;
}

/* Ask the emulator at path for its machines and accelerators. */
static int qemu_capabilities_ask(const char *path, struct qemu_capabilities_binary *b,
                                 struct vmerr *err)
{
    char *machines = qemu_capabilities_run(path, "-machine", err);
    if (!machines)
        return -1;
    struct capabilities_guest tmp = {0};
    int n = qemu_capabilities_parse_machines(machines, &tmp, &b->default_machine);
    free(machines);
    b->machines = tmp.machines;
    b->nmachines = tmp.nmachines;
    if (n < 0)
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "emulator %s: '-machine help' did not list machines; is it QEMU?", path);
    /* QEMU before 4.0 has no '-accel help': then only the arch decides about KVM */
    struct vmerr ignored;
    char *accels = qemu_capabilities_run(path, "-accel", &ignored);
    b->kvm = accels ? qemu_capabilities_accel_listed(accels, "kvm") : true;
    free(accels);
    return 0;
}

/* The probe result for the emulator at path: cached while its mtime and size hold. */
const struct qemu_capabilities_binary *
qemu_capabilities_binary_get(struct qemu_capabilities_cache *c, const char *path, struct vmerr *err)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        vmerr_set_errno(err, errno, "emulator %s", path);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
        vmerr_set(err, VMERR_OPERATION_FAILED, "emulator %s is not an executable file", path);
        return NULL;
    }
    const struct qemu_capabilities_binary *hit =
        qemu_capabilities_cache_find(c, path, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size);
    if (hit)
        return hit;
    struct qemu_capabilities_binary b = {
        .path = strdup(path),
        .mtime_sec = st.st_mtim.tv_sec,
        .mtime_nsec = st.st_mtim.tv_nsec,
        .size = st.st_size,
    };
    if (qemu_capabilities_ask(path, &b, err) < 0) {
        qemu_capabilities_binary_clear(&b);
        return NULL;
    }
    qemu_capabilities_cache_put(c, &b);
    return qemu_capabilities_cache_find(c, path, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size);
}

/* Whether KVM on this host can run guests of arch (x86_64 hosts run i686 guests too). */
static bool qemu_capabilities_kvm_arch(const char *host, const char *arch)
{
    if (!host)
        return false;
    if (!strcmp(host, arch))
        return true;
    return !strcmp(host, "x86_64") && !strcmp(arch, "i686");
}

/* Guest features libvirt lists for QEMU guests of arch. */
static void qemu_capabilities_features(struct capabilities_guest *g)
{
    if (!strcmp(g->arch, "i686")) {
        capabilities_add_feature(g, "pae", false, false, false);
        capabilities_add_feature(g, "nonpae", false, false, false);
    }
    if (!strcmp(g->arch, "i686") || !strcmp(g->arch, "x86_64")) {
        capabilities_add_feature(g, "acpi", true, true, true);
        capabilities_add_feature(g, "apic", true, false, true);
    } else if (!strcmp(g->arch, "aarch64")) {
        capabilities_add_feature(g, "acpi", true, true, true);
    }
}

/* Add the guest for one emulator. */
void qemu_capabilities_add_binary(struct capabilities *caps, const char *arch, unsigned wordsize,
                                  const struct qemu_capabilities_binary *b, bool kvm)
{
    struct capabilities_guest *g =
        capabilities_add_guest(caps, "hvm", arch, wordsize, b->path, NULL);
    for (size_t i = 0; i < b->nmachines; i++)
        capabilities_add_machine(g, b->machines[i].name, b->machines[i].canonical,
                                 b->machines[i].deprecated);
    capabilities_add_domain(g, "qemu");
    if (kvm && b->kvm && qemu_capabilities_kvm_arch(caps->host.arch, arch))
        capabilities_add_domain(g, "kvm");
    qemu_capabilities_features(g);
}

/* Order for directory entries. */
static int qemu_capabilities_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The qemu-system-* names in dir, sorted; caller frees the array and strings. */
static char **qemu_capabilities_list_dir(const char *dir, size_t *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, QEMU_CAPS_PREFIX, strlen(QEMU_CAPS_PREFIX)))
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (!names)
            abort();
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), qemu_capabilities_cmp);
    *count = n;
    return names;
}

/* Add a guest for every arch not seen yet among the emulators names in dir. */
static void qemu_capabilities_add_names(struct qemu_capabilities_cache *c,
                                        struct capabilities *caps, const char *dir,
                                        char *const *names, size_t n, bool kvm)
{
    for (size_t i = 0; i < n; i++) {
        const char *arch;
        unsigned wordsize;
        if (!qemu_capabilities_binary_arch(names[i], &arch, &wordsize) ||
            capabilities_find_guest(caps, "hvm", arch))
            continue;
        char *path = store_printf("%s/%s", dir, names[i]);
        struct vmerr ignored; /* a broken emulator is left out; define names it if used */
        const struct qemu_capabilities_binary *b = qemu_capabilities_binary_get(c, path, &ignored);
        if (b)
            qemu_capabilities_add_binary(caps, arch, wordsize, b, kvm);
        free(path);
    }
}

/* Look at one dir's emulators (its listing from the cache while the dir is unchanged, so
 * a command does not read all of /usr/bin); st is the dir's stat. */
static void qemu_capabilities_scan_dir(struct qemu_capabilities_cache *c, struct capabilities *caps,
                                       const char *dir, const struct stat *st, bool kvm)
{
    const struct qemu_capabilities_dir *cached = qemu_capabilities_cache_find_dir(c, dir, st);
    if (cached) {
        qemu_capabilities_add_names(c, caps, dir, cached->names, cached->nnames, kvm);
        return;
    }
    size_t n = 0;
    char **names = qemu_capabilities_list_dir(dir, &n);
    qemu_capabilities_add_names(c, caps, dir, names, n, kvm);
    qemu_capabilities_cache_put_dir(c, dir, st, names, n);
}

/* Build the document: host, then the emulators of every $PATH dir and /usr/bin. */
struct capabilities *qemu_capabilities_build(struct qemu_capabilities_cache *c, bool with_kvm,
                                             struct vmerr *err)
{
    struct capabilities *caps = capabilities_host_probe(NULL);
    char why[512];
    bool kvm = with_kvm && qemu_capabilities_kvm_cached(c, why, sizeof(why));
    const char *env = getenv("PATH");
    char *path = store_printf("%s:/usr/bin", env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
    struct stat seen[64]; /* /bin and /usr/bin are one dir on a merged-/usr system */
    size_t nseen = 0;
    for (char *save = NULL, *dir = strtok_r(path, ":", &save); dir;
         dir = strtok_r(NULL, ":", &save)) {
        struct stat st;
        if (dir[0] != '/' || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        bool dup = false;
        for (size_t i = 0; i < nseen && !dup; i++)
            dup = seen[i].st_dev == st.st_dev && seen[i].st_ino == st.st_ino;
        if (dup)
            continue;
        if (nseen < sizeof(seen) / sizeof(seen[0]))
            seen[nseen++] = st;
        qemu_capabilities_scan_dir(c, caps, dir, &st, kvm);
    }
    free(path);
    /* like libvirt: without qemu-system-i386, qemu-system-x86_64 runs i686 guests */
    const struct capabilities_guest *x64 = capabilities_find_guest(caps, "hvm", "x86_64");
    if (x64 && !capabilities_find_guest(caps, "hvm", "i686")) {
        struct vmerr ignored;
        char *emu = strdup(x64->emulator);
        const struct qemu_capabilities_binary *b = qemu_capabilities_binary_get(c, emu, &ignored);
        if (b)
            qemu_capabilities_add_binary(caps, "i686", 32, b, kvm);
        free(emu);
    }
    (void)err;
    return caps;
}

/* The capabilities through the cache in cache_dir. */
struct capabilities *qemu_capabilities_get(const char *cache_dir, struct vmerr *err)
{
    struct qemu_capabilities_cache c;
    qemu_capabilities_cache_load(&c, cache_dir);
    struct capabilities *caps = qemu_capabilities_build(&c, true, err);
    qemu_capabilities_cache_save(&c);
    qemu_capabilities_cache_clear(&c);
    return caps;
}

/* The runtime base dir's cache/: next to the driver dirs, so neither the engine's inotify
 * watch on RUNTIME_DIR nor anything counting RUNTIME_DIR's entries sees it. */
char *qemu_capabilities_cache_dir(const char *runtime_dir)
{
    const char *slash = strrchr(runtime_dir, '/');
    if (!slash || slash == runtime_dir)
        return store_printf("%s/cache", runtime_dir);
    return store_printf("%.*s/cache", (int)(slash - runtime_dir), runtime_dir);
}

/* The driver table's entry. */
struct capabilities *qemu_capabilities_conn(struct engine_conn *conn, struct vmerr *err)
{
    char *dir = qemu_capabilities_cache_dir(conn->runtime_dir);
    struct capabilities *caps = qemu_capabilities_get(dir, err);
    free(dir);
    return caps;
}
