#!/bin/bash
# test-cli-native: `vmdeck domxml-to-native qemu-argv [--oneline] FILE` through the binary on
# qemu:///session in an isolated state dir: one argument per line equal to the golden .args
# apart from the host paths (emulator found on PATH, the runtime dir's sockets), --oneline
# quoting that a shell splits back into the same argv, nothing started or defined, and
# one-line errors (unknown format, bad XML with FILE:LINE, inactive network, usage).
set -u

VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
SRC=${VMDECK_SOURCE_DIR:?}
TMP=$(mktemp -d /tmp/vmdeck-native.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
FAILS=0
CHECKS=0
trap 'rm -rf "$TMP"' EXIT

# run ARGS...: vmdeck on qemu:///session, leaving $OUT, $ERR and $RC.
run() {
    "$VMDECK_BIN" -c qemu:///session "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# check DESCRIPTION COMMAND...: count a check; report it with the last output on failure.
check() {
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    if ! "$@"; then
        echo "FAIL: $what (rc=$RC)"
        echo "  stdout: $(printf '%s' "$OUT" | head -5)"
        echo "  stderr: $ERR"
        FAILS=$((FAILS + 1))
    fi
}

# normalize: the golden files use /usr/bin/qemu-system-* and /run/vmdeck/qemu for the
# runtime dir; the binary uses the emulator on PATH and $VMDECK_RUNTIME_DIR/qemu.
normalize() {
    sed -e "1s|.*/qemu-system-|/usr/bin/qemu-system-|" -e "s|$VMDECK_RUNTIME_DIR/qemu|/run/vmdeck/qemu|g"
}

for name in kernel-boot disk-qcow2 net-user-hostfwd buses memory-balloon net-taps-mixed; do
    run domxml-to-native qemu-argv "$SRC/tests/data/xml2argv/$name.xml"
    check "$name: exit 0" test "$RC" = 0
    check "$name: argv per line matches $name.args" \
        diff <(printf '%s\n' "$OUT" | normalize) "$SRC/tests/data/xml2argv/$name.args"
    printf '%s\n' "$OUT" >"$TMP/lines"
    run domxml-to-native qemu-argv --oneline "$SRC/tests/data/xml2argv/$name.xml"
    check "$name: --oneline is one line" test "$(printf '%s\n' "$OUT" | wc -l)" = 1
    # the shell splits the quoted line back into exactly the same arguments
    eval "set -- $OUT"
    check "$name: --oneline splits back into the same argv" \
        diff <(printf '%s\n' "$@") "$TMP/lines"
done

run domxml-to-native qemu-argv --oneline "$SRC/tests/data/xml2argv/comma-escape.xml"
check "comma-escape: quoting keeps the doubled commas" grep -q "x,,file=/etc/shadow.img" "$TMP/out"
run list --all --name
check "nothing was defined" test -z "$OUT"
check "nothing is running" test ! -e "$VMDECK_RUNTIME_DIR/qemu/kernel-boot.state"

run domxml-to-native qemu-argv "$SRC/tests/data/xml2argv/net-network.xml"
check "inactive network: exit 1" test "$RC" = 1
check "inactive network: one error line" test "$(printf '%s\n' "$ERR" | wc -l)" = 1
check "inactive network: names it" grep -q "network 'default' is not active" "$TMP/err"
run domxml-to-native xen-argv "$SRC/tests/data/xml2argv/vnc.xml"
check "unknown format: exit 1" test "$RC" = 1
check "unknown format: says so" grep -q "unsupported native format 'xen-argv'" "$TMP/err"
printf "<domain type='qemu'>\n  <name>x</name>\n  <memroy>1</memroy>\n</domain>\n" >"$TMP/bad.xml"
run domxml-to-native qemu-argv "$TMP/bad.xml"
check "bad XML: exit 1 with FILE:LINE" grep -q "bad.xml:3" "$TMP/err"
run domxml-to-native qemu-argv
check "usage: exit 2" test "$RC" = 2
"$VMDECK_BIN" -c test:///default domxml-to-native qemu-argv "$SRC/tests/data/xml2argv/vnc.xml" \
    >"$TMP/out" 2>"$TMP/err"
RC=$?
ERR=$(cat "$TMP/err")
check "test driver: not supported, exit 1" test "$RC" = 1

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
