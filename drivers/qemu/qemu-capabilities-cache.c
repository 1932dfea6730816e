/* qemu-capabilities-cache: the probe results of emulators and of /dev/kvm flow between
 * memory and CACHE_DIR/qemu-capabilities, a small tab-separated text file written
 * atomically:
 *     vmdeck-qemu-capabilities 1
 *     kvm  KEY  yes|no  REASON
 *     bin  MTIME_SEC  MTIME_NSEC  SIZE  KVM(0|1)  DEFAULT|-  PATH
 *     m    DEPRECATED(0|1)  CANONICAL|-  NAME          (machines of the bin line above)
 *     dir  INO  MTIME_SEC  MTIME_NSEC  NAMES|-  PATH   (qemu-system-* names, space-separated)
 * An entry is used only while the binary's path, mtime and size (a directory's inode and
 * mtime) match; a missing,
 * unreadable or malformed file is an empty cache (it is only an optimisation). */
#include "drivers/qemu/qemu-capabilities.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/store.h"

/* First line of the file: format name and version. */
#define QEMU_CACHE_MAGIC "vmdeck-qemu-capabilities 1"
/* The file in the cache dir. */
#define QEMU_CACHE_FILE "qemu-capabilities"

/* Free one binary record's contents. */
void qemu_capabilities_binary_clear(struct qemu_capabilities_binary *b)
{
    free(b->path);
    free(b->default_machine);
    for (size_t i = 0; i < b->nmachines; i++) {
        free(b->machines[i].name);
        free(b->machines[i].canonical);
    }
    free(b->machines);
    memset(b, 0, sizeof(*b));
}

/* Free one directory record's contents. */
static void qemu_capabilities_dir_clear(struct qemu_capabilities_dir *d)
{
    free(d->path);
    for (size_t i = 0; i < d->nnames; i++)
        free(d->names[i]);
    free(d->names);
    memset(d, 0, sizeof(*d));
}

/* Free what the cache holds (the path too). */
void qemu_capabilities_cache_clear(struct qemu_capabilities_cache *c)
{
    for (size_t i = 0; i < c->nbins; i++)
        qemu_capabilities_binary_clear(&c->bins[i]);
    free(c->bins);
    for (size_t i = 0; i < c->ndirs; i++)
        qemu_capabilities_dir_clear(&c->dirs[i]);
    free(c->dirs);
    free(c->kvm_key);
    free(c->kvm_why);
    free(c->path);
    memset(c, 0, sizeof(*c));
}

/* Split line at tabs into at most max fields (in place); returns the count. */
static size_t qemu_capabilities_cache_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    while (n < max) {
        fields[n++] = line;
        char *tab = strchr(line, '\t');
        if (!tab)
            break;
        *tab = '\0';
        line = tab + 1;
    }
    return n;
}

/* A decimal number field; false if it is not one. */
static bool qemu_capabilities_cache_number(const char *s, long long *out)
{
    char *end = NULL;
    if (!*s)
        return false;
    *out = strtoll(s, &end, 10);
    return !*end;
}

/* NULL for "-", else a copy. */
static char *qemu_capabilities_cache_opt(const char *s)
{
    return strcmp(s, "-") ? strdup(s) : NULL;
}

/* Read one line into c; false if it is malformed. */
static bool qemu_capabilities_cache_line(struct qemu_capabilities_cache *c, char *line)
{
    char *f[8];
    size_t n = qemu_capabilities_cache_split(line, f, 8);
    if (!strcmp(f[0], "kvm") && n == 4 && (!strcmp(f[2], "yes") || !strcmp(f[2], "no"))) {
        free(c->kvm_key);
        free(c->kvm_why);
        c->kvm_key = strdup(f[1]);
        c->kvm_usable = !strcmp(f[2], "yes");
        c->kvm_why = strdup(f[3]);
        return true;
    }
    if (!strcmp(f[0], "bin") && n == 7) {
        struct qemu_capabilities_binary b = {0};
        long long kvm = 0;
        if (!qemu_capabilities_cache_number(f[1], &b.mtime_sec) ||
            !qemu_capabilities_cache_number(f[2], &b.mtime_nsec) ||
            !qemu_capabilities_cache_number(f[3], &b.size) ||
            !qemu_capabilities_cache_number(f[4], &kvm) || f[6][0] != '/')
            return false;
        b.kvm = kvm != 0;
        b.default_machine = qemu_capabilities_cache_opt(f[5]);
        b.path = strdup(f[6]);
        c->bins = realloc(c->bins, (c->nbins + 1) * sizeof(*c->bins));
        if (!c->bins)
            abort(); /* memory exhaustion is not recoverable */
        c->bins[c->nbins++] = b;
        return true;
    }
    if (!strcmp(f[0], "dir") && n == 6 && f[5][0] == '/') {
        struct qemu_capabilities_dir d = {0};
        if (!qemu_capabilities_cache_number(f[1], &d.ino) ||
            !qemu_capabilities_cache_number(f[2], &d.mtime_sec) ||
            !qemu_capabilities_cache_number(f[3], &d.mtime_nsec))
            return false;
        d.path = strdup(f[5]);
        char *save = NULL;
        for (char *w = strcmp(f[4], "-") ? strtok_r(f[4], " ", &save) : NULL; w;
             w = strtok_r(NULL, " ", &save)) {
            d.names = realloc(d.names, (d.nnames + 1) * sizeof(*d.names));
            if (!d.names)
                abort();
            d.names[d.nnames++] = strdup(w);
        }
        c->dirs = realloc(c->dirs, (c->ndirs + 1) * sizeof(*c->dirs));
        if (!c->dirs)
            abort();
        c->dirs[c->ndirs++] = d;
        return true;
    }
    if (!strcmp(f[0], "m") && n == 4 && c->nbins > 0 && f[3][0]) {
        struct qemu_capabilities_binary *b = &c->bins[c->nbins - 1];
        b->machines = realloc(b->machines, (b->nmachines + 1) * sizeof(*b->machines));
        if (!b->machines)
            abort();
        b->machines[b->nmachines++] = (struct capabilities_machine){
            .name = strdup(f[3]),
            .canonical = qemu_capabilities_cache_opt(f[2]),
            .deprecated = !strcmp(f[1], "1"),
        };
        return true;
    }
    return false;
}

/* Read the cache file of dir. */
void qemu_capabilities_cache_load(struct qemu_capabilities_cache *c, const char *dir)
{
    memset(c, 0, sizeof(*c));
    if (!dir)
        return;
    c->path = store_printf("%s/%s", dir, QEMU_CACHE_FILE);
    size_t len = 0;
    char *text = store_read_file(c->path, &len, NULL);
    if (!text)
        return;
    bool ok =
        strlen(text) == len && !strncmp(text, QEMU_CACHE_MAGIC "\n", strlen(QEMU_CACHE_MAGIC) + 1);
    char *line = ok ? text + strlen(QEMU_CACHE_MAGIC) + 1 : text;
    while (ok && *line) {
        char *nl = strchr(line, '\n');
        if (!nl) {
            ok = false; /* a torn last line */
            break;
        }
        *nl = '\0';
        ok = qemu_capabilities_cache_line(c, line);
        line = nl + 1;
    }
    free(text);
    if (!ok) { /* start afresh and rewrite it */
        char *path = c->path;
        c->path = NULL;
        qemu_capabilities_cache_clear(c);
        c->path = path;
        c->dirty = true;
    }
}

/* Whether s can be stored in a field (no tabs or newlines). */
static bool qemu_capabilities_cache_storable(const char *s)
{
    return s && !strpbrk(s, "\t\n");
}

/* Write the cache back if it changed. */
void qemu_capabilities_cache_save(struct qemu_capabilities_cache *c)
{
    if (!c->path || !c->dirty)
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    fprintf(f, "%s\n", QEMU_CACHE_MAGIC);
    if (c->kvm_key && qemu_capabilities_cache_storable(c->kvm_key) &&
        qemu_capabilities_cache_storable(c->kvm_why))
        fprintf(f, "kvm\t%s\t%s\t%s\n", c->kvm_key, c->kvm_usable ? "yes" : "no", c->kvm_why);
    for (size_t i = 0; i < c->nbins; i++) {
        const struct qemu_capabilities_binary *b = &c->bins[i];
        if (!qemu_capabilities_cache_storable(b->path))
            continue;
        fprintf(f, "bin\t%lld\t%lld\t%lld\t%d\t%s\t%s\n", b->mtime_sec, b->mtime_nsec, b->size,
                b->kvm ? 1 : 0, b->default_machine ? b->default_machine : "-", b->path);
        for (size_t j = 0; j < b->nmachines; j++)
            fprintf(f, "m\t%d\t%s\t%s\n", b->machines[j].deprecated ? 1 : 0,
                    b->machines[j].canonical ? b->machines[j].canonical : "-", b->machines[j].name);
    }
    for (size_t i = 0; i < c->ndirs; i++) {
        const struct qemu_capabilities_dir *d = &c->dirs[i];
        fprintf(f, "dir\t%lld\t%lld\t%lld\t", d->ino, d->mtime_sec, d->mtime_nsec);
        for (size_t j = 0; j < d->nnames; j++)
            fprintf(f, "%s%s", j ? " " : "", d->names[j]);
        fprintf(f, "%s\t%s\n", d->nnames ? "" : "-", d->path);
    }
    if (fclose(f) != 0)
        abort();
    char *dir = strndup(c->path, (size_t)(strrchr(c->path, '/') - c->path));
    if (store_mkdir_p(dir, 0700, NULL) == 0 && store_write_runtime(c->path, buf, len, NULL) == 0)
        c->dirty = false;
    free(dir);
    free(buf);
}

/* The entry for path while its key still matches. */
struct qemu_capabilities_binary *qemu_capabilities_cache_find(struct qemu_capabilities_cache *c,
                                                              const char *path, long long mtime_sec,
                                                              long long mtime_nsec, long long size)
{
    for (size_t i = 0; i < c->nbins; i++) {
        struct qemu_capabilities_binary *b = &c->bins[i];
        if (!strcmp(b->path, path) && b->mtime_sec == mtime_sec && b->mtime_nsec == mtime_nsec &&
            b->size == size)
            return b;
    }
    return NULL;
}

/* Store b, replacing an older entry for its path. */
void qemu_capabilities_cache_put(struct qemu_capabilities_cache *c,
                                 struct qemu_capabilities_binary *b)
{
    c->dirty = true;
    for (size_t i = 0; i < c->nbins; i++) {
        if (!strcmp(c->bins[i].path, b->path)) {
            qemu_capabilities_binary_clear(&c->bins[i]);
            c->bins[i] = *b;
            return;
        }
    }
    c->bins = realloc(c->bins, (c->nbins + 1) * sizeof(*c->bins));
    if (!c->bins)
        abort();
    c->bins[c->nbins++] = *b;
}

/* Whether a name can be stored in a dir line's space-separated list. */
static bool qemu_capabilities_cache_word(const char *s)
{
    return *s && !strpbrk(s, " \t\n");
}

/* The cached listing of dir while st still matches. */
const struct qemu_capabilities_dir *
qemu_capabilities_cache_find_dir(struct qemu_capabilities_cache *c, const char *dir,
                                 const struct stat *st)
{
    for (size_t i = 0; i < c->ndirs; i++) {
        const struct qemu_capabilities_dir *d = &c->dirs[i];
        if (!strcmp(d->path, dir) && d->ino == (long long)st->st_ino &&
            d->mtime_sec == (long long)st->st_mtim.tv_sec &&
            d->mtime_nsec == (long long)st->st_mtim.tv_nsec)
            return d;
    }
    return NULL;
}

/* Store a directory listing, replacing an older one of the same path. */
void qemu_capabilities_cache_put_dir(struct qemu_capabilities_cache *c, const char *dir,
                                     const struct stat *st, char **names, size_t n)
{
    bool storable = qemu_capabilities_cache_storable(dir) && dir[0] == '/';
    for (size_t i = 0; i < n; i++)
        storable = storable && qemu_capabilities_cache_word(names[i]);
    struct qemu_capabilities_dir d = {
        .path = strdup(dir),
        .ino = (long long)st->st_ino,
        .mtime_sec = (long long)st->st_mtim.tv_sec,
        .mtime_nsec = (long long)st->st_mtim.tv_nsec,
        .names = names,
        .nnames = n,
    };
    size_t i = 0;
    while (i < c->ndirs && strcmp(c->dirs[i].path, dir))
        i++;
    if (i < c->ndirs) {
        qemu_capabilities_dir_clear(&c->dirs[i]);
        c->dirs[i] = c->dirs[--c->ndirs];
    }
    if (!storable) { /* such a listing is used once and not kept */
        qemu_capabilities_dir_clear(&d);
        return;
    }
    c->dirty = true;
    c->dirs = realloc(c->dirs, (c->ndirs + 1) * sizeof(*c->dirs));
    if (!c->dirs)
        abort();
    c->dirs[c->ndirs++] = d;
}
