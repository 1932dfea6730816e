#!/bin/bash
# test-tui-progress: operations on real TCG guests from the TUI, with the real state checked
# through the CLI (another vmdeck process). Runs on qemu:///system with VMDECK_CONFIG_DIR /
# VMDECK_RUNTIME_DIR in the test's temp dir (lib-e2e.sh), so nothing outside it is touched.
#  - S on a guest that powers off: the spinner ends by itself with "is shut off" once ACPI
#    has powered it off; the CLI agrees.
#  - S on a guest that ignores the power button (vmdeck.noacpid=1): the spinner shows the
#    elapsed seconds counting up while the UI stays usable (the selection moves, help opens
#    and closes, a second operation is refused with the reason), Esc stops waiting and says
#    the shutdown goes on, and the guest really is still running (CLI).
#  - :shutdown --wait runs in a child process; Esc stops waiting, the child keeps waiting
#    (the guest keeps running), and once D + y destroys the guest the child ends and is
#    reaped by the TUI (no zombie left).
#  - D declined: the guest really is still running (CLI); D + y: really shut off.
#  - u on a running guest with a wrong name typed: still defined and running (CLI); with
#    the right name: destroyed and undefined (CLI).
#  - :start NAME runs in a child: the guest runs afterwards (CLI).
set -u
. "$(dirname "$0")/lib-e2e.sh"

GUEST=${VMDECK_GUEST_DIR:?VMDECK_GUEST_DIR must point at the built test guest}
SRC=${VMDECK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
Q=qemu:///system
[ -f "$GUEST/demo.xml" ] || {
    echo "FAIL: no test guest in $GUEST (tests/guest/build-guest.sh builds it)"
    exit 1
}

# Cleanup hook: never leave a guest running.
destroy_all() {
    local d
    for d in silent polite; do
        "$VMDECK_BIN" -c "$Q" destroy "$d" >/dev/null 2>&1
    done
    return 0
}
E2E_HOOK=destroy_all

# cli_wait REGEX ARGS...: poll `vmdeck -c qemu:///system ARGS` until its output matches.
cli_wait() {
    local re=$1 i
    shift
    for ((i = 0; i < 300; i++)); do
        if "$VMDECK_BIN" -c "$Q" "$@" 2>&1 | grep -Eq -- "$re"; then
            return 0
        fi
        sleep 0.2
    done
    e2e_fail "'vmdeck $*' never matched /$re/; last output: $("$VMDECK_BIN" -c "$Q" "$@" 2>&1)"
}

# cli_is REGEX WHAT ARGS...: the CLI's output matches now.
cli_is() {
    local re=$1 what=$2
    shift 2
    "$VMDECK_BIN" -c "$Q" "$@" 2>&1 | grep -Eq -- "$re" ||
        e2e_fail "$what: 'vmdeck $*' gave: $("$VMDECK_BIN" -c "$Q" "$@" 2>&1)"
}

define() {
    local name=$1
    shift
    bash "$SRC/tests/guest/guest-xml.sh" "$name" "$@" >"$E2E_TMP/$name.xml" ||
        e2e_fail "guest-xml.sh $name"
    "$VMDECK_BIN" -c "$Q" define "$E2E_TMP/$name.xml" >/dev/null || e2e_fail "define $name"
}

# wait_ready NAME: the guest's init has run (its console log says so; acpid is up).
wait_ready() {
    local log=$E2E_TMP/run/qemu/$1.d/console.log i
    for ((i = 0; i < 300; i++)); do
        grep -q VMDECK-GUEST-READY "$log" 2>/dev/null && return 0
        sleep 0.2
    done
    e2e_fail "guest $1 never printed VMDECK-GUEST-READY"
}

define silent --cmdline vmdeck.noacpid=1
define polite
"$VMDECK_BIN" -c "$Q" start silent >/dev/null || e2e_fail "start silent"

e2e_start -c "$Q"
e2e_wait '^ +silent +[0-9]+ +▶ running' 60
e2e_has '^ +polite +- +■ shut off' "polite row"

# ---- :start runs in a child; the TUI follows through the watch fd ----
e2e_keys :
e2e_type 'start polite'
e2e_keys Enter
e2e_wait "Domain 'polite' started" 60
cli_is '^State: +running' "polite after :start" dominfo polite
e2e_wait '^ +polite +[0-9]+ +▶ running' 30

# ---- S on a guest that powers off: the spinner ends by itself ----
wait_ready polite
e2e_keys Home # polite sorts first
e2e_keys S
e2e_wait "Domain 'polite' is shut off" 120
cli_is '^State: +shut off' "polite after S" dominfo polite
e2e_wait '^ +polite +- +■ shut off' 30

# ---- S on a guest that ignores ACPI: spinner, UI responsive, Esc stops waiting ----
wait_ready silent
e2e_keys End # silent sorts last
e2e_keys S
e2e_wait "Domain 'silent' is being shutdown, waiting for it to power off: [0-9]+\.[0-9] s +\(Esc stops waiting\)" 10
e2e_wait "waiting for it to power off: [2-9]\.[0-9] s" 10 # the seconds count up
# the UI stays responsive while waiting: the selection moves, the help opens and closes
e2e_keys Home
e2e_keys '?'
e2e_wait '\| help'
e2e_keys q
e2e_wait 'Name +Id +State'
e2e_has "waiting for it to power off" "the spinner still shows"
# a second operation is refused while one is waited for, and says why
e2e_keys :
e2e_type 'reboot polite'
e2e_keys Enter
e2e_wait "error: busy: still waiting for the shutdown of .silent. \\(Esc stops waiting\\)"
e2e_keys Escape
e2e_wait "Stopped waiting: domain 'silent' is still shutting down \(the request stands\)"
e2e_wait_gone 'waiting for it to power off'
cli_is '^State: +running' "silent after Esc" dominfo silent
e2e_has '^ +silent +[0-9]+ +▶ running' "silent still running on screen"

# ---- a verb that waits runs in a child: Esc stops waiting, the child goes on ----
e2e_keys :
e2e_type 'shutdown --wait --timeout 120 silent'
e2e_keys Enter
e2e_wait "shutdown --wait --timeout 120 silent: [0-9]+\.[0-9] s +\(Esc stops waiting\)" 10
pane_pid=$(e2e_tmux display-message -p -t e2e '#{pane_pid}') # the shell running vmdeck
tui_pid=$(pgrep -P "$pane_pid" -f "$VMDECK_BIN" | head -1)
[ -n "$tui_pid" ] || e2e_fail "no vmdeck TUI process"
[ -n "$(pgrep -P "$tui_pid")" ] || e2e_fail "the waiting verb is not running in a child"
e2e_keys Escape
e2e_wait "Stopped waiting for 'shutdown --wait --timeout 120 silent': it goes on in the background"
pgrep -P "$tui_pid" >/dev/null || e2e_fail "the child stopped when the UI stopped waiting"
cli_is '^State: +running' "silent while the child waits" dominfo silent

# ---- D declined changes nothing; D + y destroys ----
e2e_keys End D
e2e_wait "Destroy domain 'silent'\? This kills it without a shutdown\. \[y/N\]"
e2e_keys n
e2e_wait "Cancelled: 'silent' was left as it was"
cli_is '^State: +running' "silent after declining D" dominfo silent
e2e_keys D
e2e_wait "Destroy domain 'silent'\?"
e2e_keys y
e2e_wait "Domain 'silent' destroyed" 30
cli_is '^State: +shut off' "silent after D y" dominfo silent
# the child we stopped waiting for sees the guest go, exits, and is reaped (no zombie)
for ((i = 0; i < 50; i++)); do
    [ -z "$(pgrep -P "$tui_pid")" ] && break
    sleep 0.2
done
[ -z "$(pgrep -P "$tui_pid")" ] || e2e_fail "child left behind: $(ps -o pid,stat,args --ppid "$tui_pid")"
e2e_wait '^ +silent +- +■ shut off' 30

# ---- u on a running guest: the name must be typed; --force semantics ----
"$VMDECK_BIN" -c "$Q" start polite >/dev/null || e2e_fail "start polite again"
e2e_wait '^ +polite +[0-9]+ +▶ running' 60
e2e_keys Home u
e2e_wait "Domain 'polite' is running: type its name to destroy AND undefine it"
e2e_type polit
e2e_keys Enter
e2e_wait "Not undefined: what was typed is not 'polite'; nothing was changed"
cli_is '^State: +running' "polite after a wrong name" dominfo polite
e2e_keys u
e2e_wait "type its name"
e2e_type polite
e2e_keys Enter
e2e_wait "Domain 'polite' has been undefined" 30
"$VMDECK_BIN" -c "$Q" list --all --name | grep -qx polite && e2e_fail "polite is still defined"
e2e_wait_gone '^ +polite ' 30

e2e_keys q
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck exited with $rc"
echo "test-tui-progress: ok"
