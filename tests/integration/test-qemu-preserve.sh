#!/bin/bash
# test-qemu-preserve: the lifecycle actions that keep or renew QEMU, on real test guests
# (TCG): on_poweroff=preserve keeps QEMU in memory after the guest powers off (state 'in
# shutdown' until destroy); on_crash=preserve keeps a panicked guest paused in memory (state
# 'crashed' until destroy); on_poweroff=rename-restart boots the guest again with the old
# console log kept as NAME.crashed.log. Two guests run at a time.
set -u

VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
VMDECK_GUEST_DIR=${VMDECK_GUEST_DIR:?VMDECK_GUEST_DIR must point at the test guest}
GUEST_XML=${VMDECK_SOURCE_DIR:?}/tests/guest/guest-xml.sh
TMP=$(mktemp -d /tmp/vmdeck-preserve.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
RUN=$VMDECK_RUNTIME_DIR/qemu
FAILS=0
CHECKS=0

# Destroy every guest of the test and remove its dir.
cleanup() {
    exec 7>&- 8>&- 2>/dev/null
    for d in prsoff prscrash prsren; do
        "$VMDECK_BIN" -c qemu:///session destroy "$d" >/dev/null 2>&1
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

# vm ARGS...: run vmdeck, leaving $RC and $ERR.
vm() {
    "$VMDECK_BIN" -c qemu:///session "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    ERR=$(cat "$TMP/err")
}

# check DESCRIPTION COMMAND...: count a check, report it when the command fails.
check() {
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    if ! "$@"; then
        echo "FAIL: $what (last vmdeck rc=${RC:-} stderr: ${ERR:-})"
        FAILS=$((FAILS + 1))
    fi
}

# state NAME: the State line of dominfo.
state() {
    "$VMDECK_BIN" -c qemu:///session dominfo "$1" 2>/dev/null | sed -n 's/^State: *//p'
}

# wait_state NAME STATE: until dominfo shows STATE (60 s max).
wait_state() {
    local i
    for i in $(seq 600); do
        [ "$(state "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# wait_log FILE COUNT: until FILE has COUNT ready lines (60 s max).
wait_log() {
    local i
    for i in $(seq 600); do
        [ "$(grep -c VMDECK-GUEST-READY "$1" 2>/dev/null)" -ge "$2" ] && { sleep 1; return 0; }
        sleep 0.1
    done
    return 1
}

qemu_pid() { sed -n 's/^qemu_pid=//p' "$RUN/$1.state" 2>/dev/null; }
tty_of() { sed -n 's/^tty=//p' "$RUN/$1.state" 2>/dev/null; }

"$GUEST_XML" prsoff --on-poweroff preserve >"$TMP/prsoff.xml" || exit 1
"$GUEST_XML" prscrash --on-crash preserve >"$TMP/prscrash.xml" || exit 1
"$GUEST_XML" prsren --on-poweroff rename-restart >"$TMP/prsren.xml" || exit 1
for d in prsoff prscrash prsren; do
    vm define "$TMP/$d.xml"
    check "define $d" test "$RC" = 0
done

# --- on_poweroff=preserve and on_crash=preserve, side by side ---
vm start prsoff
check "start prsoff" test "$RC" = 0
vm start prscrash
check "start prscrash" test "$RC" = 0
check "prsoff boots" wait_log "$RUN/prsoff.d/console.log" 1
check "prscrash boots" wait_log "$RUN/prscrash.d/console.log" 1
off_pid=$(qemu_pid prsoff)
crash_pid=$(qemu_pid prscrash)

vm shutdown prsoff
check "shutdown prsoff" test "$RC" = 0
check "prsoff powered off but preserved: 'in shutdown'" wait_state prsoff "in shutdown"
check "prsoff's QEMU is still in memory" kill -0 "$off_pid"

exec 8<>"$(tty_of prscrash)"
sleep 1.2 # QEMU reads a PTY only while someone holds it open; it notices within a second
printf 'echo c > /proc/sysrq-trigger\n' >&8
check "prscrash panicked: 'crashed'" wait_state prscrash crashed
check "prscrash's QEMU is kept for a post-mortem" kill -0 "$crash_pid"
sleep 1
check "prscrash stays crashed (not restarted)" test "$(state prscrash)" = crashed
check "prscrash's console shows the panic" grep -q "Kernel panic" "$RUN/prscrash.d/console.log"
exec 8>&-

vm destroy prsoff
check "destroy prsoff" test "$RC" = 0
check "prsoff is shut off after destroy" test "$(state prsoff)" = "shut off"
vm destroy prscrash
check "destroy prscrash" test "$RC" = 0
check "prscrash is shut off after destroy" test "$(state prscrash)" = "shut off"
for p in "$off_pid" "$crash_pid"; do
    for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    check "QEMU $p is gone after destroy" bash -c "! kill -0 $p 2>/dev/null"
done

# --- on_poweroff=rename-restart: boots again, old console log kept aside ---
vm start prsren
check "start prsren" test "$RC" = 0
check "prsren boots" wait_log "$RUN/prsren.d/console.log" 1
first_pid=$(qemu_pid prsren)
vm shutdown prsren
check "shutdown prsren" test "$RC" = 0
for i in $(seq 600); do
    p=$(qemu_pid prsren)
    [ -n "$p" ] && [ "$p" != "$first_pid" ] && break
    sleep 0.1
done
check "prsren runs a new QEMU after its power-off" test -n "$(qemu_pid prsren)" -a "$(qemu_pid prsren)" != "$first_pid"
check "prsren boots again" wait_log "$RUN/prsren.d/console.log" 1
check "prsren's old console log is kept aside" grep -q VMDECK-GUEST-READY "$RUN/prsren.crashed.log"
check "prsren is running" test "$(state prsren)" = running

echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
