#!/bin/bash
# test-qemu-actions: lifecycle verbs of the QEMU driver through the vmdeck binary on real
# test guests (TCG): shutdown --wait (off within the timeout) and a timeout reported as an
# error while the guest keeps running (a guest booted with vmdeck.noacpid=1 ignores the ACPI
# button); five racing `vmdeck start` processes start a domain once; undefine refused while
# running and --force; autostart marks and the autostart run; domstats numbers that move (CPU
# time, block bytes after the guest reads its disk); a second domain refused the disk image
# a running one writes. Two guests at most run at a time.
set -u

VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
VMDECK_GUEST_DIR=${VMDECK_GUEST_DIR:?VMDECK_GUEST_DIR must point at the test guest}
GUEST_XML=${VMDECK_SOURCE_DIR:?}/tests/guest/guest-xml.sh
TMP=$(mktemp -d /tmp/vmdeck-actions.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
RUN=$VMDECK_RUNTIME_DIR/qemu
FAILS=0
CHECKS=0

cleanup() {
    for d in acta actb actc; do
        "$VMDECK_BIN" -c qemu:///session destroy "$d" >/dev/null 2>&1
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

# vm ARGS...: run vmdeck, leaving $OUT, $ERR and $RC.
vm() {
    "$VMDECK_BIN" -c qemu:///session "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# check DESCRIPTION COMMAND...: count a check, report it when the command fails.
check() {
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    if ! "$@"; then
        echo "FAIL: $what"
        echo "  last vmdeck rc=${RC:-} stdout: $(printf '%s' "${OUT:-}" | head -5)"
        echo "  stderr: ${ERR:-}"
        FAILS=$((FAILS + 1))
    fi
}

# state NAME: the State line of dominfo.
state() {
    "$VMDECK_BIN" -c qemu:///session dominfo "$1" 2>/dev/null | sed -n 's/^State: *//p'
}

# stat_of NAME KEY: one value of domstats.
stat_of() {
    "$VMDECK_BIN" -c qemu:///session domstats "$1" 2>/dev/null | sed -n "s/^  $2=//p"
}

# wait_ready NAME: until the guest printed its ready line and its shell answers (60 s max).
wait_ready() {
    local i
    for i in $(seq 600); do
        grep -q VMDECK-GUEST-READY "$RUN/$1.d/console.log" 2>/dev/null && break
        sleep 0.1
    done
    sleep 1 # the shell (and acpid) come up just after the ready line
    grep -q VMDECK-GUEST-READY "$RUN/$1.d/console.log" 2>/dev/null
}

# to_console TEXT: type a line into the guest console opened as fd 7 (QEMU only reads a
# PTY while someone holds it open, so the test keeps it open).
to_console() {
    printf '%s\n' "$1" >&7
}

qemu_pid() { sed -n 's/^qemu_pid=//p' "$RUN/$1.state" 2>/dev/null; }

truncate -s 8M "$TMP/disk.img"
DISK="<disk type='file' device='disk'><source file='$TMP/disk.img'/><target dev='vda' bus='virtio'/></disk>"
"$GUEST_XML" acta --device "$DISK" >"$TMP/acta.xml" || exit 1
"$GUEST_XML" actb --cmdline vmdeck.noacpid=1 >"$TMP/actb.xml" || exit 1
"$GUEST_XML" actc --device "$DISK" >"$TMP/actc.xml" || exit 1
for d in acta actb actc; do
    vm define "$TMP/$d.xml"
    check "define $d" test "$RC" = 0
done

# --- five racing starts: exactly one wins, the others are told it is running ---
pids=()
for i in 1 2 3 4 5; do
    "$VMDECK_BIN" -c qemu:///session start actb >"$TMP/race$i.out" 2>"$TMP/race$i.err" &
    pids+=($!)
done
ok=0
for i in 1 2 3 4 5; do
    wait "${pids[$((i - 1))]}" && ok=$((ok + 1))
done
check "racing starts: exactly one succeeded (got $ok)" test "$ok" = 1
check "racing starts: the losers say it is already running" \
    test "$(cat "$TMP"/race*.err | grep -c "domain 'actb' is already running")" = 4
check "racing starts: one QEMU" test "$(pgrep -c -f "qemu-system.* -name guest=actb( |,|$)")" = 1

# --- a disk image in read-write use by a running domain is refused to another one ---
vm start acta
check "start acta" test "$RC" = 0
vm start actc
check "actc refused acta's disk" test "$RC" = 1
check "the refusal names the other domain" \
    grep -q "disk vda ($TMP/disk.img) is in use by running domain 'acta'" "$TMP/err"
check "actc stays shut off" test "$(state actc)" = "shut off"

# --- domstats: CPU time grows, block bytes grow after the guest reads its disk ---
check "acta boots" wait_ready acta
cpu1=$(stat_of acta cpu.time)
rd1=$(stat_of acta block.0.rd.bytes)
check "domstats names the disk vda" test "$(stat_of acta block.0.name)" = vda
# the shell may eat the first line (its terminal query); type again until it answers
exec 7<>"$(sed -n 's/^tty=//p' "$RUN/acta.state")"
sleep 1.2 # QEMU notices an opened PTY within a second
for try in 1 2 3 4 5 6 7 8 9 10; do
    to_console 'dd if=/dev/vda of=/dev/null bs=4096 count=512 2>/dev/null; echo read-$((40+2))-done'
    for i in $(seq 20); do grep -q read-42-done "$RUN/acta.d/console.log" && break 2; sleep 0.1; done
done
exec 7<&-
sleep 0.5
cpu2=$(stat_of acta cpu.time)
rd2=$(stat_of acta block.0.rd.bytes)
check "cpu.time grows ($cpu1 -> $cpu2)" test "${cpu2:-0}" -gt "${cpu1:-0}"
check "block.0.rd.bytes grows by the 2 MiB read ($rd1 -> $rd2)" \
    test "$((${rd2:-0} - ${rd1:-0}))" -ge 2097152
vm domstats acta
check "domstats prints a cpu.percent" grep -q '^  cpu.percent=[0-9]' "$TMP/out"
check "domstats prints the RSS" grep -q '^  balloon.rss=[1-9]' "$TMP/out"

# --- shutdown --wait: returns once the guest is off ---
vm shutdown --wait --timeout 60 acta
check "shutdown --wait acta" test "$RC" = 0
check "shutdown --wait says it is off" grep -q "Domain 'acta' is shut off" "$TMP/out"
check "acta is shut off" test "$(state acta)" = "shut off"
vm start actc
check "actc may use the disk once acta is off" test "$RC" = 0
vm destroy actc

# --- shutdown --wait timeout: an error, and the guest keeps running ---
check "actb boots" wait_ready actb
pid=$(qemu_pid actb)
vm shutdown --wait --timeout 3 actb
check "shutdown --wait on a guest without acpid fails" test "$RC" = 1
check "the timeout is reported" \
    grep -q "error: domain 'actb' did not power off within 3 s; it is still running" "$TMP/err"
check "actb still runs the same QEMU" test "$(qemu_pid actb)" = "$pid" -a -d "/proc/$pid"
vm shutdown --timeout 3 actb
check "--timeout without --wait is a usage error" test "$RC" = 1

# --- undefine: refused while running, --force destroys first ---
vm undefine actb
check "undefine of a running domain is refused" test "$RC" = 1
check "the refusal says running" grep -q "domain 'actb' is running" "$TMP/err"
vm undefine --force actb
check "undefine --force" test "$RC" = 0
check "actb's QEMU is gone" test ! -d "/proc/$pid"
vm dominfo actb
check "actb no longer exists" test "$RC" = 1

# --- autostart ---
vm autostart acta
check "autostart acta" test "$RC" = 0
check "the mark is a link to the config" test -L "$VMDECK_CONFIG_DIR/qemu/autostart/acta.xml"
vm dominfo acta
check "dominfo shows autostart" grep -q "^Autostart: *enable" "$TMP/out"
vm autostart
check "autostart run" test "$RC" = 0
check "autostart run started acta" grep -q "Domain 'acta' started" "$TMP/out"
check "acta is running" test "$(state acta)" = running
check "actc (unmarked) stays off" test "$(state actc)" = "shut off"
vm autostart
check "second autostart run: already running" grep -q "Domain 'acta' is already running" "$TMP/out"
vm autostart --disable acta
check "autostart --disable" test "$RC" = 0
vm dominfo acta
check "dominfo shows autostart off" grep -q "^Autostart: *disable" "$TMP/out"
vm destroy acta

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
