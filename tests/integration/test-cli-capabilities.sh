#!/bin/bash
# test-cli-capabilities: `vmdeck capabilities` on test:///default and on qemu:///session in an
# isolated runtime dir (the installed QEMU is probed for real): exit statuses, output that
# vmdeck's own validator and libvirt's virt-xml-validate (when installed) accept, a second
# run that leaves the probe cache file untouched, and `vmdeck define` of a domain whose
# <emulator> does not exist failing with one "error: FILE:LINE: ..." line.
set -u

VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
TMP=$(mktemp -d /tmp/vmdeck-clicaps.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
unset VMDECK_DEFAULT_URI
FAILS=0
CHECKS=0

cleanup() {
    rm -rf "$TMP"
}
trap cleanup EXIT

# run URI ARGS...: run vmdeck, leaving $OUT, $ERR and $RC.
run() {
    local uri=$1
    shift
    "$VMDECK_BIN" -c "$uri" "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# fail WHAT: report a failed check with the last command's output.
fail() {
    echo "FAIL: $*"
    echo "  command rc=$RC"
    echo "  stdout: $(printf '%s' "$OUT" | head -20)"
    echo "  stderr: $ERR"
    FAILS=$((FAILS + 1))
}

# ok: count a passed check.
ok() {
    CHECKS=$((CHECKS + 1))
}

# expect_rc N WHAT
expect_rc() {
    if [ "$RC" -eq "$1" ]; then ok; else fail "$2: expected exit $1"; fi
}

# expect_out REGEX WHAT (extended regex on stdout)
expect_out() {
    if printf '%s\n' "$OUT" | grep -Eq -- "$1"; then ok; else fail "$2: stdout lacks /$1/"; fi
}

# expect_err_line TEXT WHAT: stderr is exactly one line "error: TEXT".
expect_err_line() {
    if [ "$ERR" = "error: $1" ]; then ok; else fail "$2: stderr is not 'error: $1'"; fi
}

# validate FILE WHAT: vmdeck's validator, and libvirt's when it is installed.
validate() {
    if "$VMDECK_BIN" validate "$1" >/dev/null 2>"$TMP/verr"; then ok; else
        ERR=$(cat "$TMP/verr")
        fail "$2: vmdeck validate"
    fi
    if command -v virt-xml-validate >/dev/null; then
        if virt-xml-validate "$1" capability >/dev/null 2>"$TMP/verr"; then ok; else
            ERR=$(cat "$TMP/verr")
            fail "$2: virt-xml-validate"
        fi
    fi
}

# ---- test:///default: the fixed document ----
run test:///default capabilities
expect_rc 0 "capabilities on test:///default"
expect_out "^<capabilities>$" "root element"
expect_out "<arch name='i686'>" "i686 guest"
expect_out "<arch name='x86_64'>" "x86_64 guest"
expect_out "<machine canonical='pc-i440fx-7.2'>pc</machine>" "pc alias"
printf '%s\n' "$OUT" >"$TMP/test-caps.xml"
validate "$TMP/test-caps.xml" "test driver capabilities"

run test:///default capabilities extra
expect_rc 2 "capabilities takes no argument"

# ---- qemu:///session: the real probe ----
run qemu:///session capabilities
expect_rc 0 "capabilities on qemu:///session"
expect_out "<arch>$(uname -m | sed 's/^i[3-6]86$/i686/')</arch>" "host arch"
expect_out "<emulator>/[^<]*/qemu-system-x86_64</emulator>" "qemu-system-x86_64 found"
expect_out "<domain type='qemu'/>" "TCG domain type"
expect_out "canonical='pc-" "pc is an alias"
printf '%s\n' "$OUT" >"$TMP/qemu-caps.xml"
validate "$TMP/qemu-caps.xml" "qemu capabilities"
CACHE=$VMDECK_RUNTIME_DIR/cache/qemu-capabilities
if [ -s "$CACHE" ]; then ok; else fail "probe cache $CACHE was not written"; fi
before=$(stat -c %Y.%s "$CACHE" 2>/dev/null)
first=$OUT
sleep 1.1
run qemu:///session capabilities
expect_rc 0 "second capabilities on qemu:///session"
if [ "$OUT" = "$first" ]; then ok; else fail "second run differs from the first"; fi
if [ "$(stat -c %Y.%s "$CACHE" 2>/dev/null)" = "$before" ]; then ok; else
    fail "second run rewrote the probe cache"
fi

# ---- define with a missing emulator: file, line, element, reason ----
cat >"$TMP/noemu.xml" <<'EOF'
<domain type='qemu'>
  <name>noemu</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <emulator>/nonexistent/qemu-system-x86_64</emulator>
  </devices>
</domain>
EOF
run qemu:///session define "$TMP/noemu.xml"
expect_rc 1 "define with a missing emulator"
expect_err_line "$TMP/noemu.xml:6: domain 'noemu': <emulator> '/nonexistent/qemu-system-x86_64': No such file or directory" \
    "missing emulator error"
run qemu:///session list --all --name
if printf '%s\n' "$OUT" | grep -qx noemu; then fail "noemu was defined"; else ok; fi

echo "$CHECKS checks passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
