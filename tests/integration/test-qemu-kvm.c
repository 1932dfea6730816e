/* test-qemu-kvm: a type='kvm' domain where the host allows it. Where the capabilities' KVM
 * probe says /dev/kvm does not run guests (no device, or the build machines' nested KVM that
 * creates VMs but crawls), define must refuse type='kvm' with the probe's /dev/kvm reason and
 * the test is skipped at once with that reason; where it runs guests, QEMU must accept
 * accel=kvm and the test guest must boot to its shell (a host whose KVM still cannot boot
 * Linux is reported and skipped after a bounded wait). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/qemu/qemu-argv.h"
#include "drivers/qemu/qemu-capabilities.h"
#include "drivers/qemu/qemu-state.h"
#include "engine/engine.h"
#include "engine/store.h"
#include "testutil.h"

#define URI "qemu:///session"
/* A KVM boot takes about a second; TCG ~7 s. Wait well beyond both. */
#define KVM_BOOT_TIMEOUT_MS 30000

/* The test's dirs and connection, for teardown after a failed assertion. */
static char *test_dir;
static struct engine_conn *test_conn;

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* demo.xml turned into a type='kvm' domain named kvmdemo; caller frees. */
static char *kvm_xml(void)
{
    char *path = store_printf("%s/demo.xml", testutil_guest_dir());
    char *xml = testutil_read(path);
    free(path);
    const char *type = strstr(xml, "type='qemu'"), *ns = strstr(xml, "<name>"),
               *ne = strstr(xml, "</name>");
    assert_true(type && ns && ne && type < ns);
    char *out = store_printf("%.*stype='kvm'%.*s<name>kvmdemo%s", (int)(type - xml), xml,
                             (int)(ns - type - 11), type + 11, ne);
    free(xml);
    return out;
}

/* Start a kvm domain: the /dev/kvm error, or a guest that boots under KVM. */
static void test_kvm_domain(void **state)
{
    (void)state;
    test_dir = testutil_isolate("qkvm");
    struct vmerr err = {0};
    struct engine_conn *conn = test_conn = engine_open(URI, &err);
    assert_non_null(conn);
    char *cache = store_printf("%s/cache", getenv("VMDECK_RUNTIME_DIR"));
    char why[512];
    bool usable = qemu_capabilities_kvm_usable(cache, why, sizeof(why));
    free(cache);
    char *xml = kvm_xml();
    int rc = engine_domain_define_xml(conn, xml, "kvmdemo.xml", NULL, &err);
    free(xml);
    if (!usable) {
        assert_int_equal(rc, -1);
        assert_non_null(strstr(err.message, "/dev/kvm"));
        print_message("SKIP: %s (define refuses type='kvm' with that reason)\n", why);
        skip();
    }
    assert_int_equal(rc, 0);
    rc = engine_domain_start(conn, "kvmdemo", &err);
    if (rc < 0)
        fail_msg("start under KVM: %s", err.message);
    char *runtime = store_printf("%s/qemu", getenv("VMDECK_RUNTIME_DIR"));
    struct qemu_paths p;
    qemu_state_paths(runtime, "kvmdemo", &p);
    long long deadline = now_ms() + KVM_BOOT_TIMEOUT_MS;
    bool ready = false;
    while (!ready && now_ms() < deadline) {
        char *log = store_read_file(p.console_log, NULL, NULL);
        ready = log && strstr(log, "VMDECK-GUEST-READY");
        free(log);
        if (!ready)
            usleep(200000);
    }
    char *qlog = store_read_file(p.qemu_log, NULL, NULL);
    struct engine_domain_info info;
    assert_int_equal(engine_domain_lookup(conn, "kvmdemo", &info, &err), 0);
    bool was_running = info.state == ENGINE_DOMAIN_RUNNING;
    assert_int_equal(engine_domain_destroy(conn, "kvmdemo", &err), 0);
    qemu_state_paths_free(&p);
    free(runtime);
    assert_true(was_running); /* QEMU accepted accel=kvm and kept running */
    if (!ready) {
        print_message("SKIP: /dev/kvm accepts VMs here, but the guest did not boot under KVM "
                      "within %d s (nested KVM is not functional on this host); QEMU said: %s\n",
                      KVM_BOOT_TIMEOUT_MS / 1000, qlog && *qlog ? qlog : "(nothing)");
        free(qlog);
        skip();
    }
    free(qlog);
}

/* Destroy the domain if a failed assertion left it running; remove the dirs. */
static int teardown(void **state)
{
    (void)state;
    struct vmerr err;
    if (test_conn) {
        engine_domain_destroy(test_conn, "kvmdemo", &err); /* fails harmlessly if shut off */
        engine_close(test_conn);
    }
    if (test_dir) {
        testutil_rm_rf(test_dir);
        free(test_dir);
    }
    return 0;
}

/* The test. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kvm_domain),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
