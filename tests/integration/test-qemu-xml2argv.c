/* test-qemu-xml2argv: every golden case in tests/data/xml2argv is built again with real host
 * paths (temp disk images, the test guest's kernel, the emulator found on PATH, a free VNC
 * port) and handed to real QEMU (started paused with -S). QMP then has to show the VM in
 * "prelaunch" with each disk attached under its drive id, on the right file and with the
 * right read-only flag; comma-escaped paths must arrive unmangled. qcow2 images are made
 * with qemu-img; tap interfaces get real (unbridged) taps at their fixed fd numbers when
 * root, else the case is skipped with the reason; client interfaces find a listener. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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
        if (d->driver_type && !strcmp(d->driver_type, "qcow2")) {
            char *img[] = {"qemu-img", "create", "-q", "-f", "qcow2", path, "1M", NULL};
            pid_t pid;
            int status = -1;
            assert_int_equal(posix_spawnp(&pid, "qemu-img", NULL, NULL, img, environ), 0);
            waitpid(pid, &status, 0);
            assert_int_equal(status, 0);
        } else {
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            assert_true(fd >= 0);
            assert_int_equal(ftruncate(fd, 1 << 20), 0);
            close(fd);
        }
        replace(&d->source, path);
        d->type = DOMAIN_DISK_TYPE_FILE;
    }
    if (def->os.kernel)
        replace(&def->os.kernel, store_printf("%s/vmlinuz", testutil_guest_dir()));
    if (def->os.initrd)
        replace(&def->os.initrd, store_printf("%s/initramfs.cpio.gz", testutil_guest_dir()));
    replace(&def->emulator, NULL);
    if (def->type == DOMAIN_VIRT_KVM) {
        char why[256];
        if (!qemu_argv_kvm_probe(QEMU_KVM_DEVICE, why, sizeof(why))) {
            print_message("  KVM is not usable here (%s): checked with type qemu\n", why);
            def->type = DOMAIN_VIRT_QEMU;
        }
    }
    if (def->ngraphics && def->graphics[0].type == DOMAIN_GRAPHICS_SDL &&
        qemu_argv_check_display(def, &(struct vmerr){0}) < 0) {
        print_message("  no DISPLAY here: SDL case checked without its display\n");
        def->ngraphics = 0; /* the graphics array is still freed by domain_def_free */
    }
}

/* Open a plain tap (no bridge) for each tap interface of def at QEMU_ARGV_TAP_FD_BASE + k in
 * the child; false (case skipped) when taps cannot be made here (not root). */
static bool open_taps(const struct domain_def *def, posix_spawn_file_actions_t *fa, int *fds,
                      size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < def->nnets; i++) {
        if (!qemu_argv_net_is_tap(&def->nets[i]))
            continue;
        int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof(ifr));
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "x2a%%d");
        if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
            print_message("  SKIP taps: cannot create a tap here (%s; needs root)\n",
                          strerror(errno));
            if (fd >= 0)
                close(fd);
            for (size_t k = 0; k < *n; k++)
                close(fds[k]);
            return false;
        }
        posix_spawn_file_actions_adddup2(fa, fd, QEMU_ARGV_TAP_FD_BASE + (int)*n);
        fds[(*n)++] = fd;
    }
    return true;
}

/* Listen on the port of every client interface, as the peer QEMU connects to at start. */
static size_t listen_for_clients(const struct domain_def *def, int *fds)
{
    size_t n = 0;
    for (size_t i = 0; i < def->nnets; i++) {
        if (def->nets[i].type != DOMAIN_NET_CLIENT)
            continue;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)def->nets[i].source_port)};
        inet_pton(AF_INET, def->nets[i].source_address, &sa.sin_addr);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 1), 0);
        fds[n++] = fd;
    }
    return n;
}

/* Network 'default' is active on br0 (the harness opens plain taps; nothing attaches). */
static const char *fake_network(void *opaque, const char *network)
{
    (void)opaque;
    return !strcmp(network, "default") ? "br0" : NULL;
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
    char kvm_why[256] = "";
    bool kvm = def->type == DOMAIN_VIRT_KVM &&
               qemu_argv_kvm_probe(QEMU_KVM_DEVICE, kvm_why, sizeof(kvm_why));
    struct qemu_argv_opts o = {.network_bridge = fake_network,
                               .kvm_usable = kvm,
                               .emulator = emulator,
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
    int taps[16], peers[16];
    size_t ntaps = 0, npeers = listen_for_clients(def, peers);
    if (!open_taps(def, &fa, taps, &ntaps)) {
        posix_spawn_file_actions_destroy(&fa);
        for (size_t k = 0; k < npeers; k++)
            close(peers[k]);
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
        return;
    }
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
    case_qemu = pid;
    posix_spawn_file_actions_destroy(&fa);
    for (size_t k = 0; k < ntaps; k++)
        close(taps[k]);

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
    for (size_t k = 0; k < npeers; k++)
        close(peers[k]);
    print_message("%s: QEMU accepted %zu disks, %zu NICs (%zu taps)\n", file, def->ndisks,
                  def->nnets, ntaps);

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
    assert_true(cases >= 40);
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
