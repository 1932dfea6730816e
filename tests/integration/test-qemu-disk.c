/* test-qemu-disk: disks seen by a real guest under TCG. Two raw images made with qemu-img:
 * one attached read-only on virtio (vda), one read-write on IDE (hda, the guest's sda via
 * ata_piix). The guest reads what the host put on the read-only disk, its write to that
 * disk fails, its write to the read-write disk succeeds; afterwards the host finds the
 * read-write image changed and the read-only image untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/store.h"
#include "testutil.h"

#define URI "qemu:///session"
#define SHELL_TIMEOUT_MS 90000
#define CMD_TIMEOUT_MS 15000
#define HOST_MARK "host-wrote-this-line"
#define GUEST_MARK "guest-wrote-this-line"

extern char **environ;

/* What the test shares. */
struct fixture {
    char *dir;
    char *ro_img, *rw_img;
    struct engine_conn *conn;
};

/* qemu-img create -f raw path 8M (no shell); fails the test if it does not work. */
static void disk_create(const char *path)
{
    const char *argv[] = {"qemu-img", "create", "-q", "-f", "raw", path, "8M", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
    if (rc != 0)
        fail_msg("spawn qemu-img: %s", strerror(rc));
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("qemu-img create %s failed (status %d)", path, status);
}

/* The first len bytes of the image at path, NUL-terminated in out (len < cap). */
static void disk_head(const char *path, char *out, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, out, len) != (ssize_t)len)
        fail_msg("read %s: %s", path, strerror(errno));
    out[len] = '\0';
    close(fd);
}

/* Group setup: isolated dirs, the two images (the read-only one carries HOST_MARK). */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_isolate("qdisk");
    f->ro_img = store_printf("%s/ro.img", f->dir);
    f->rw_img = store_printf("%s/rw.img", f->dir);
    disk_create(f->ro_img);
    disk_create(f->rw_img);
    int fd = open(f->ro_img, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, HOST_MARK "\n", sizeof(HOST_MARK)) != (ssize_t)sizeof(HOST_MARK)) {
        print_error("write %s: %s\n", f->ro_img, strerror(errno));
        return -1;
    }
    close(fd);
    struct vmerr err = {0};
    f->conn = engine_open(URI, &err);
    if (!f->conn) {
        print_error("open %s: %s\n", URI, err.message);
        return -1;
    }
    *state = f;
    return 0;
}

/* Group teardown: nothing left running; remove the dirs and images. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    struct vmerr err;
    engine_domain_destroy(f->conn, "disks", &err);
    engine_domain_undefine(f->conn, "disks", &err);
    engine_close(f->conn);
    testutil_rm_rf(f->dir);
    free(f->dir);
    free(f->ro_img);
    free(f->rw_img);
    free(f);
    return 0;
}

/* Type cmd on the console fd and wait for want; fail with the console text if it fails. */
static void disk_expect(int fd, const char *cmd, const char *want, const char *what)
{
    static char buf[65536];
    size_t len = 0;
    testutil_write_all(fd, cmd);
    if (!testutil_read_until(fd, buf, sizeof(buf), &len, want, CMD_TIMEOUT_MS))
        fail_msg("%s: no '%s' after typing %s; console shows:\n%s", what, want, cmd, buf);
}

/* A read-only disk cannot be written by the guest; a read-write one next to it can. */
static void test_readonly_disk(void **state)
{
    struct fixture *f = *state;
    char *ro = store_printf("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                            "<source file='%s'/><target dev='vda' bus='virtio'/><readonly/>"
                            "</disk>",
                            f->ro_img);
    char *rw = store_printf("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                            "<source file='%s'/><target dev='hda' bus='ide'/></disk>",
                            f->rw_img);
    char *xml = testutil_guest_xml("disks", "--device", ro, "--device", rw, NULL);
    free(ro);
    free(rw);
    struct vmerr err = {0};
    if (engine_domain_define_xml(f->conn, xml, "disks.xml", NULL, &err) < 0)
        fail_msg("define: %s\n%s", err.message, xml);
    free(xml);
    if (engine_domain_start(f->conn, "disks", &err) < 0)
        fail_msg("start: %s", err.message);

    int fd = -1;
    if (engine_domain_console_open(f->conn, "disks", &fd, &err) < 0)
        fail_msg("console: %s", err.message);
    static char buf[65536];
    size_t len = 0;
    bool answered = false;
    long long deadline = testutil_now_ms() + SHELL_TIMEOUT_MS;
    while (!answered && testutil_now_ms() < deadline) {
        testutil_write_all(fd, "echo $((6*7))marker\n");
        answered = testutil_read_until(fd, buf, sizeof(buf), &len, "42marker", 3000);
    }
    if (!answered)
        fail_msg("the guest shell did not answer; console shows:\n%s", buf);

    /* both block devices exist; the read-only one says so and shows the host's bytes */
    disk_expect(fd, "test -b /dev/vda && test -b /dev/sda && echo devs-$((1+1))\n", "devs-2",
                "disks in the guest");
    disk_expect(fd, "cat /sys/block/vda/ro /sys/block/sda/ro | tr -d '\\n'; echo :ro\n", "10:ro",
                "read-only flags (vda, sda)");
    disk_expect(fd, "head -c 20 /dev/vda; echo\n", HOST_MARK, "reading the read-only disk");
    /* the writes: the computed rc=$? lines are what the guest prints, never the echo */
    disk_expect(fd, "dd if=/dev/zero of=/dev/vda bs=512 count=1 conv=fsync; echo ro-rc=$?\n",
                "ro-rc=1", "writing the read-only disk must fail");
    disk_expect(fd, "echo " GUEST_MARK " | dd of=/dev/sda bs=512 conv=sync,fsync; echo rw-rc=$?\n",
                "rw-rc=0", "writing the read-write disk");
    close(fd);
    if (engine_domain_destroy(f->conn, "disks", &err) < 0)
        fail_msg("destroy: %s", err.message);

    char head[64];
    disk_head(f->rw_img, head, strlen(GUEST_MARK));
    assert_string_equal(head, GUEST_MARK);
    disk_head(f->ro_img, head, strlen(HOST_MARK));
    assert_string_equal(head, HOST_MARK);
}

/* Run the disk test against real QEMU. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readonly_disk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
