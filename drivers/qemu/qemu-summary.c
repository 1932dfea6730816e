/* qemu-summary: list rows of the QEMU driver's persistent domains without parsing their
 * XML, and the proof that a stored definition passed the schema (start skips it then).
 * CONFIG/NAME.xml -> (parse once) -> CONFIG/.summary/NAME, one line: vmdeck-summary-1 INODE SIZE
 * MTIME_SEC MTIME_NSEC UUID VCPUS MEMORY_KIB CURRENT_KIB Read back only while INODE/SIZE/MTIME
 * still describe the XML file. Written by rename of a per-process temp file; a torn, foreign or
 * unwritable summary only costs a full parse. */
#include "drivers/qemu/qemu-summary.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/store.h"

#define SUMMARY_MAGIC "vmdeck-summary-1"

/* The identity of an XML file a summary is valid for. */
struct summary_stamp {
    unsigned long long ino, size;
    long long sec, nsec;
};

/* Stamp of the file at path; -1 (errno set) if it cannot be stat'ed. */
static int qemu_summary_stamp(const char *path, struct summary_stamp *s)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    s->ino = st.st_ino;
    s->size = (unsigned long long)st.st_size;
    s->sec = st.st_mtim.tv_sec;
    s->nsec = st.st_mtim.tv_nsec;
    return 0;
}

/* Read the summary at path into def if it matches want; 0 on a hit, -1 otherwise. */
static int qemu_summary_read(const char *path, const struct summary_stamp *want,
                             struct domain_def *def)
{
    char buf[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    struct summary_stamp got;
    char magic[32], uuid[40];
    unsigned vcpus;
    unsigned long long mem, cur;
    if (sscanf(buf, "%31s %llu %llu %lld %lld %39s %u %llu %llu", magic, &got.ino, &got.size,
               &got.sec, &got.nsec, uuid, &vcpus, &mem, &cur) != 9 ||
        strcmp(magic, SUMMARY_MAGIC) || memcmp(&got, want, sizeof(got)) ||
        domain_uuid_parse(uuid, def->uuid) < 0)
        return -1;
    def->vcpus = vcpus;
    def->memory_kib = mem;
    def->current_memory_kib = cur;
    return 0;
}

/* Write def's summary for an XML file with stamp s (best effort: errors are ignored). */
static void qemu_summary_write(const char *config_dir, const char *path,
                               const struct summary_stamp *s, const struct domain_def *def)
{
    char *dir = store_printf("%s/.summary", config_dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        free(dir);
        return;
    }
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    char *line =
        store_printf("%s %llu %llu %lld %lld %s %u %llu %llu\n", SUMMARY_MAGIC, s->ino, s->size,
                     s->sec, s->nsec, uuid, def->vcpus, def->memory_kib, def->current_memory_kib);
    char *tmp = store_printf("%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        size_t len = strlen(line);
        bool ok = write(fd, line, len) == (ssize_t)len;
        if (close(fd) == 0 && ok && rename(tmp, path) == 0)
            tmp[0] = '\0';
        if (tmp[0])
            unlink(tmp);
    }
    free(tmp);
    free(line);
    free(dir);
}

/* A list row's definition of name: summary hit or full parse (see qemu-summary.h). */
struct domain_def *qemu_summary_load(const char *config_dir, const char *name, struct vmerr *err)
{
    if (!domain_name_valid(name)) {
        vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
        return NULL;
    }
    char *xml = store_printf("%s/%s.xml", config_dir, name);
    char *sum = store_printf("%s/.summary/%s", config_dir, name);
    struct summary_stamp stamp;
    struct domain_def *def = NULL;
    if (qemu_summary_stamp(xml, &stamp) < 0) {
        vmerr_set(err, VMERR_NO_DOMAIN, "domain '%s' not found", name);
        goto out;
    }
    def = calloc(1, sizeof(*def));
    if (!def)
        abort();
    def->id = -1;
    if (qemu_summary_read(sum, &stamp, def) == 0) {
        def->name = strdup(name);
        if (!def->name)
            abort();
        goto out;
    }
    domain_def_free(def);
    def = domain_def_parse_file(xml, err);
    if (def) {
        def->id = -1;
        qemu_summary_write(config_dir, sum, &stamp, def);
    }
out:
    free(sum);
    free(xml);
    return def;
}

/* Forget name's summary. */
void qemu_summary_remove(const char *config_dir, const char *name)
{
    char *sum = store_printf("%s/.summary/%s", config_dir, name);
    unlink(sum);
    free(sum);
}

/* Whether name's summary describes CONFIG/NAME.xml as it is now (so that file passed a full
 * parse, schema included, since it last changed). */
bool qemu_summary_current(const char *config_dir, const char *name)
{
    if (!domain_name_valid(name))
        return false;
    char *xml = store_printf("%s/%s.xml", config_dir, name);
    char *sum = store_printf("%s/.summary/%s", config_dir, name);
    struct summary_stamp stamp;
    struct domain_def scratch = {0};
    bool current =
        qemu_summary_stamp(xml, &stamp) == 0 && qemu_summary_read(sum, &stamp, &scratch) == 0;
    free(sum);
    free(xml);
    return current;
}

/* Record def (fully parsed and just written to CONFIG/NAME.xml) as that file's summary. */
void qemu_summary_update(const char *config_dir, const struct domain_def *def)
{
    char *xml = store_printf("%s/%s.xml", config_dir, def->name);
    char *sum = store_printf("%s/.summary/%s", config_dir, def->name);
    struct summary_stamp stamp;
    if (qemu_summary_stamp(xml, &stamp) == 0)
        qemu_summary_write(config_dir, sum, &stamp, def);
    free(sum);
    free(xml);
}
