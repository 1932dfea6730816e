#!/bin/bash
# run.sh BUILD_DIR: `make bench`. Builds the test guest into BUILD_DIR/guest, makes sure
# libvirt's embedded QEMU driver can run (system user libvirt-qemu, created when missing and
# we are root), then runs tests/bench/bench.py, which prints vmdeck / virsh / raw QEMU side by
# side (see doc/benchmarks.md). BENCH_REPS (default 9) and BENCH_LIST_DOMAINS (1000) tune it.
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

"$src/tests/guest/build-guest.sh" "$build/guest" >/dev/null
command -v virsh >/dev/null || { echo "bench: virsh missing (run 'make deps')" >&2; exit 1; }
if ! getent passwd libvirt-qemu >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "bench: libvirt needs the system user libvirt-qemu" \
        "(create it as root: useradd --system libvirt-qemu)" >&2; exit 1; }
    useradd --system --no-create-home --shell /usr/sbin/nologin libvirt-qemu
fi
exec python3 "$here/bench.py" "$build"
