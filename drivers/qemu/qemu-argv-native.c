/* qemu-argv-native: `domxml-to-native qemu-argv`. A parsed definition flows in; the argv
 * that a start would run flows out, built by qemu_argv_build with the same host facts a
 * start looks up (emulator on PATH or <emulator>, /dev/kvm, the VNC port autoport would pick
 * now, the runtime paths, network bridges) but nothing is created or started. Tap interfaces
 * show as "-netdev tap,fd=N": N is the fd number QEMU really gets (QEMU_ARGV_TAP_FD_BASE + k),
 * opened by vmdeck at start, so the text is a placeholder only in that no fd is open now. */
#include <stdlib.h>

#include "drivers/driver.h"
#include "drivers/qemu/qemu-argv.h"
#include "drivers/qemu/qemu-state.h"
#include "drivers/qemu/qemu-tap.h"

/* The argv a start of def would run on this connection. */
char **qemu_argv_native(struct engine_conn *conn, const struct domain_def *def,
                        struct vmerr *err)
{
    char *emulator = qemu_argv_find_emulator(def, err);
    if (!emulator)
        return NULL;
    char kvm_why[256] = "";
    bool kvm = def->type == DOMAIN_VIRT_KVM &&
               qemu_argv_kvm_probe(QEMU_KVM_DEVICE, kvm_why, sizeof(kvm_why));
    int vnc_port = -1;
    if (def->ngraphics > 0 && def->graphics[0].type == DOMAIN_GRAPHICS_VNC) {
        vnc_port = def->graphics[0].autoport || def->graphics[0].port < 0
                       ? qemu_argv_free_vnc_port(def->graphics[0].listen, err)
                       : def->graphics[0].port;
        if (vnc_port < 0) {
            free(emulator);
            return NULL;
        }
    }
    struct qemu_paths p;
    qemu_state_paths(conn->runtime_dir, def->name, &p);
    struct qemu_tap_resolver resolver = {.conn = conn};
    struct qemu_argv_opts opts = {
        .emulator = emulator,
        .run_dir = p.dir,
        .qmp_sup = p.qmp_sup,
        .qmp_client = p.qmp_client,
        .kvm_usable = kvm,
        .kvm_reason = kvm_why,
        .vnc_port = vnc_port,
        .network_bridge = qemu_tap_network_bridge,
        .network_opaque = &resolver,
    };
    char **argv = qemu_argv_build(def, &opts, err);
    qemu_tap_resolver_clear(&resolver);
    qemu_state_paths_free(&p);
    free(emulator);
    return argv;
}
