/* test-qemu-xml2argv: every golden case in tests/data/xml2argv is built again with real host
 * paths (temp disk images, the test guest's kernel, the emulator found on PATH, a free VNC
 * port) and handed to real QEMU (started paused with -S). QMP then has to show the VM in
 * "prelaunch" with each disk attached under its drive id, on the right file and with the
 * right read-only flag; comma-escaped paths must arrive unmangled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/qemu/qemu-argv.h"
#include "drivers/qemu/qmp.h"
#include "engine/domain-def.h"
#include "engine/store.h"
#include "testutil.h"

extern char **environ;

/* The case in flight, so teardown can clean up after a failed assertion. */
static char *case_tmp;
static pid_t case_qemu;

/* Replace *slot with a new string (freeing the old one). */
static void replace(char **slot, char *value)
{
    free(*slot);
    *slot = value;
}

/* Point def at real files under tmp: disk images (1 MiB, named after the original path with
 * '/' turned into '_', so commas survive), the test guest's kernel and initrd. */
static void realize(struct domain_def *def, const char *tmp)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        struct domain_disk *d = &def->disks[i];
        if (!d->source)
            continue;
        char *flat = strdup(d->source);
        for (char *p = flat; *p; p++)
            if (*p == '/')
                *p = '_';
        char *path = store_printf("%s/%s", tmp, flat);
        free(flat);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 1 << 20), 0);
        close(fd);
        replace(&d->source, path);
        d->type = DOMAIN_DISK_TYPE_FILE;
    }
    if (def->os.kernel)
        replace(&def->os.kernel, store_printf("%s/vmlinuz", testutil_guest_dir()));
    if (def->os.initrd)
        replace(&def->os.initrd, store_printf("%s/initramfs.cpio.gz", testutil_guest_dir()));
    replace(&def->emulator, NULL);
}

/* The "inserted" object of block device id in a query-block reply, or NULL. */
static struct json_object *find_block(struct json_object *blocks, const char *id)
{
    for (size_t i = 0; i < json_object_array_length(blocks); i++) {
        struct json_object *b = json_object_array_get_idx(blocks, i), *dev, *ins;
        if (json_object_object_get_ex(b, "device", &dev) &&
            !strcmp(json_object_get_string(dev), id) &&
            json_object_object_get_ex(b, "inserted", &ins))
            return ins;
        if (json_object_object_get_ex(b, "device", &dev) &&
            !strcmp(json_object_get_string(dev), id))
            return b; /* empty drive: no "inserted" */
    }
    return NULL;
}

/* The drive id ("drive-ide0-0-0") that argv gives to file, or NULL. */
static char *drive_id_for(char **argv, const char *escaped_file)
{
    char *prefix = store_printf("file=%s,", escaped_file);
    char *id = NULL;
    for (size_t i = 0; argv[i] && !id; i++) {
        if (strncmp(argv[i], prefix, strlen(prefix)))
            continue;
        const char *p = strstr(argv[i] + strlen(prefix), "id=");
        if (p)
            id = strndup(p + 3, strcspn(p + 3, ","));
    }
    free(prefix);
    return id;
}

/* Run QEMU on one golden case and check it through QMP. */
static void run_case(const char *file)
{
    char *rel = store_printf("xml2argv/%s", file);
    char *path = testutil_data_path(rel);
    struct vmerr err = {0};
    struct domain_def *def = domain_def_parse_file(path, &err);
    if (!def)
        fail_msg("%s: %s", path, err.message);
    char *tmp = testutil_tmpdir("x2a");
    case_tmp = tmp;
    realize(def, tmp);
    char *emulator = qemu_argv_find_emulator(def, &err);
    if (!emulator)
        fail_msg("%s: %s", file, err.message);
    char *rundir = store_printf("%s/%s.d", tmp, def->name);
    assert_int_equal(mkdir(rundir, 0700), 0);
    char *sup = store_printf("%s/monitor.sock", rundir);
    char *cli = store_printf("%s/qmp.sock", rundir);
    int vnc = def->ngraphics ? qemu_argv_free_vnc_port(def->graphics[0].listen, &err) : -1;
    struct qemu_argv_opts o = {.emulator = emulator,
                               .run_dir = rundir,
                               .qmp_sup = sup,
                               .qmp_client = cli,
                               .vnc_port = vnc};
    char **argv = qemu_argv_build(def, &o, &err);
    if (!argv)
        fail_msg("%s: %s", file, err.message);

    char *log = store_printf("%s/qemu.log", tmp);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
    case_qemu = pid;
    posix_spawn_file_actions_destroy(&fa);

    struct qmp *qmp = NULL;
    for (int i = 0; i < 1000 && !qmp; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            char *text = store_read_file(log, NULL, NULL);
            fail_msg("%s: QEMU refused the argv: %s", file, text ? text : "");
        }
        qmp = qmp_connect(sup, 5000, &err);
        if (!qmp)
            usleep(10000);
    }
    if (!qmp)
        fail_msg("%s: no QMP: %s", file, err.message);
    struct json_object *status = qmp_command(qmp, "query-status", NULL, 5000, &err);
    assert_non_null(status);
    struct json_object *sv;
    assert_true(json_object_object_get_ex(status, "status", &sv));
    assert_string_equal(json_object_get_string(sv), "prelaunch");
    json_object_put(status);

    struct json_object *blocks = qmp_command(qmp, "query-block", NULL, 5000, &err);
    assert_non_null(blocks);
    for (size_t i = 0; i < def->ndisks; i++) {
        const struct domain_disk *d = &def->disks[i];
        if (!d->source)
            continue;
        char *esc = qemu_argv_escape(d->source);
        char *id = drive_id_for(argv, esc);
        free(esc);
        assert_non_null(id);
        struct json_object *ins = find_block(blocks, id), *fv, *rov;
        if (!ins)
            fail_msg("%s: QEMU has no drive %s", file, id);
        assert_true(json_object_object_get_ex(ins, "file", &fv));
        assert_string_equal(json_object_get_string(fv), d->source);
        assert_true(json_object_object_get_ex(ins, "ro", &rov));
        bool want_ro = d->readonly || d->device == DOMAIN_DISK_DEVICE_CDROM;
        assert_int_equal(json_object_get_boolean(rov), want_ro);
        free(id);
    }
    json_object_put(blocks);
    qmp_command_simple(qmp, "quit", NULL, 5000, NULL);
    qmp_close(qmp);
    int wstatus = 0;
    for (int i = 0; i < 500 && waitpid(pid, &wstatus, WNOHANG) == 0; i++)
        usleep(10000);
    if (kill(pid, 0) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &wstatus, 0);
    }
    case_qemu = 0;
    print_message("%s: QEMU accepted %zu disks\n", file, def->ndisks);

    qemu_argv_free(argv);
    testutil_rm_rf(tmp);
    free(tmp);
    case_tmp = NULL;
    free(log);
    free(sup);
    free(cli);
    free(rundir);
    free(emulator);
    domain_def_free(def);
    free(path);
    free(rel);
}

/* Every golden case goes through real QEMU. */
static void test_qemu_accepts_golden_argv(void **state)
{
    (void)state;
    char *dir = testutil_data_path("xml2argv");
    DIR *d = opendir(dir);
    assert_non_null(d);
    int cases = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n > 4 && !strcmp(de->d_name + n - 4, ".xml")) {
            run_case(de->d_name);
            cases++;
        }
    }
    closedir(d);
    free(dir);
    assert_true(cases >= 5);
}

/* After a failure: stop the case's QEMU and remove its temp dir. */
static int teardown(void **state)
{
    (void)state;
    if (case_qemu > 0) {
        kill(case_qemu, SIGKILL);
        waitpid(case_qemu, NULL, 0);
    }
    if (case_tmp)
        testutil_rm_rf(case_tmp);
    return 0;
}

/* The test. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_accepts_golden_argv),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
