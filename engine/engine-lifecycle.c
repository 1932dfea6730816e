/* engine-lifecycle: lifecycle helpers built on the driver table for every driver. Shutdown
 * requests flow to the driver and state changes flow back through the watch fd (inotify on
 * the state files) while shutdown --wait waits; autostart marks are links in
 * CONFIG_DIR/autostart/ (as libvirt keeps them) read by `vmdeck autostart` at boot. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/driver.h"
#include "engine/engine.h"
#include "engine/store.h"

/* How often shutdown --wait looks again when no change notification comes. */
#define ENGINE_WAIT_TICK_MS 200

/* Milliseconds on the monotonic clock. */
static long long engine_lifecycle_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ACPI shutdown, then wait for shut off; a timeout is an error, never a kill. */
int engine_domain_shutdown_wait(struct engine_conn *conn, const char *name, int timeout_ms,
                                engine_wait_fn progress, void *opaque, struct vmerr *err)
{
    int wfd = engine_watch_fd(conn); /* before the request, so no change is missed */
    if (engine_domain_shutdown(conn, name, err) < 0)
        return -1;
    long long start = engine_lifecycle_now_ms();
    for (;;) {
        struct engine_domain_info info;
        if (engine_domain_lookup(conn, name, &info, err) < 0)
            return -1;
        if (info.state == ENGINE_DOMAIN_SHUTOFF)
            return 0;
        if (info.state == ENGINE_DOMAIN_CRASHED && info.id < 0)
            return vmerr_set(err, VMERR_OPERATION_FAILED,
                             "domain '%s' crashed while shutting down: %s", name,
                             info.state_reason[0] ? info.state_reason : "no reason recorded");
        long long waited = engine_lifecycle_now_ms() - start;
        if (waited >= timeout_ms)
            return vmerr_set(err, VMERR_TIMEOUT,
                             "domain '%s' did not power off within %d s; it is still %s", name,
                             (timeout_ms + 999) / 1000, engine_domain_state_name(info.state));
        if (progress)
            progress(opaque, name, (int)waited);
        long long left = timeout_ms - waited;
        int tick = left < ENGINE_WAIT_TICK_MS ? (int)left : ENGINE_WAIT_TICK_MS;
        if (wfd >= 0) {
            struct pollfd pfd = {.fd = wfd, .events = POLLIN};
            if (poll(&pfd, 1, tick) > 0)
                engine_watch_drain(conn);
        } else {
            struct timespec ts = {tick / 1000, (long)(tick % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

/* Destroy first when active, then undefine. */
int engine_domain_undefine_force(struct engine_conn *conn, const char *name, struct vmerr *err)
{
    struct engine_domain_info info;
    if (engine_domain_lookup(conn, name, &info, err) < 0)
        return -1;
    if ((info.id >= 0 || info.state == ENGINE_DOMAIN_CRASHED) &&
        engine_domain_destroy(conn, name, err) < 0)
        return -1;
    return engine_domain_undefine(conn, name, err);
}

/* CONFIG_DIR/autostart/NAME.xml. */
static char *engine_lifecycle_mark_path(struct engine_conn *conn, const char *name)
{
    return store_printf("%s/autostart/%s.xml", conn->config_dir, name);
}

/* Mark or unmark a defined domain. */
int engine_domain_set_autostart(struct engine_conn *conn, const char *name, bool on,
                                struct vmerr *err)
{
    struct engine_domain_info info;
    if (engine_domain_lookup(conn, name, &info, err) < 0)
        return -1;
    char *dir = store_printf("%s/autostart", conn->config_dir);
    char *mark = engine_lifecycle_mark_path(conn, info.name);
    char *target = store_printf("../%s.xml", info.name);
    int rc = 0;
    if (on) {
        if (store_mkdir_p(dir, 0700, err) < 0)
            rc = -1;
        else if (symlink(target, mark) < 0 && errno != EEXIST)
            rc = vmerr_set_errno(err, errno, "domain '%s': cannot create %s", info.name, mark);
    } else if (unlink(mark) < 0 && errno != ENOENT) {
        rc = vmerr_set_errno(err, errno, "domain '%s': cannot remove %s", info.name, mark);
    }
    free(dir);
    free(mark);
    free(target);
    return rc;
}

/* Whether the autostart link of name exists. */
bool engine_domain_get_autostart(struct engine_conn *conn, const char *name)
{
    char *mark = engine_lifecycle_mark_path(conn, name);
    bool on = access(mark, F_OK) == 0;
    free(mark);
    return on;
}

/* Start the marked domains that are not running. */
int engine_autostart_run(struct engine_conn *conn, engine_autostart_fn report, void *opaque,
                         struct vmerr *err)
{
    struct engine_domain_info *doms = NULL;
    size_t n = 0;
    if (engine_domain_list(conn, ENGINE_LIST_ALL, &doms, &n, err) < 0)
        return -1;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!doms[i].autostart)
            continue;
        if (doms[i].id >= 0) {
            if (report)
                report(opaque, doms[i].name, true, NULL);
            continue;
        }
        struct vmerr e;
        vmerr_clear(&e);
        int rc = engine_domain_start(conn, doms[i].name, &e);
        if (rc < 0 && e.code == VMERR_OPERATION_INVALID) { /* raced with another start */
            if (report)
                report(opaque, doms[i].name, true, NULL);
            continue;
        }
        failed += rc < 0;
        if (report)
            report(opaque, doms[i].name, false, rc < 0 ? &e : NULL);
    }
    free(doms);
    return failed;
}
