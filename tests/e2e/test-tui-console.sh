#!/bin/bash
# test-tui-console: the console view against a real TCG guest, driven through tmux. Defines
# the demo guest in an isolated qemu:///session state dir, starts it from the TUI (s),
# attaches its serial console (c), runs a command whose output (a sum of two random
# numbers) can only appear if the guest ran it, detaches (Ctrl-]) and quits; the guest keeps
# running. Then reopens the TUI, attaches again, destroys the guest from the CLI to check
# that a stopped guest closes the console ("console closed: domain stopped"), starts it
# again from the CLI (the open TUI must follow through the engine's watch fd), shuts it down
# with S (ACPI; the guest powers off), starts it with s and destroys it with D + y. Also
# runs `vmdeck console NAME` on its own.
set -u
. "$(dirname "$0")/lib-e2e.sh"

GUEST=${VMDECK_GUEST_DIR:?VMDECK_GUEST_DIR must point at the built test guest}
Q=qemu:///session
[ -f "$GUEST/demo.xml" ] || {
    echo "FAIL: no test guest in $GUEST (tests/guest/build-guest.sh builds it)"
    exit 1
}

# Cleanup hook: never leave the guest running.
destroy_demo() {
    "$VMDECK_BIN" -c "$Q" destroy demo >/dev/null 2>&1
    return 0
}
E2E_HOOK=destroy_demo

# cli_wait REGEX ARGS...: poll `vmdeck -c qemu:///session ARGS` until its output matches.
cli_wait() {
    local re=$1 i
    shift
    for ((i = 0; i < 300; i++)); do
        if "$VMDECK_BIN" -c "$Q" "$@" 2>&1 | grep -Eq -- "$re"; then
            return 0
        fi
        sleep 0.2
    done
    echo "FAIL: 'vmdeck $*' never matched /$re/; last output:"
    "$VMDECK_BIN" -c "$Q" "$@"
    exit 1
}

# wait_prompt: wait (up to 60 s) for the guest shell's "# " prompt on the last used line,
# pressing Enter now and then so a prompt printed before we attached shows again.
wait_prompt() {
    local i
    for ((i = 0; i < 300; i++)); do
        if e2e_screen | grep -Eq '^(.*[^ ] )?# ?$'; then
            return 0
        fi
        ((i % 10 == 5)) && e2e_keys Enter
        sleep 0.2
    done
    e2e_fail "no '# ' shell prompt on the console"
}

"$VMDECK_BIN" -c "$Q" define "$GUEST/demo.xml" || {
    echo "FAIL: vmdeck define $GUEST/demo.xml"
    exit 1
}

# ---- start from the TUI, use the console, detach, quit ----
e2e_start -c "$Q"
e2e_wait '^ +demo +- +■ shut off'
e2e_keys s
e2e_wait "Domain 'demo' started" 60
e2e_wait '^ +demo +[0-9]+ +▶ running' 60
e2e_keys c
e2e_wait 'console: demo'
e2e_has 'Ctrl-] detach' "console hint line"
wait_prompt
X=$((RANDOM % 90000 + 10000))
Y=$((RANDOM % 90000 + 10000))
SUM=$((X + Y))
e2e_type "echo vm\$(( $X + $Y ))deck"
e2e_keys Enter
e2e_wait "^vm${SUM}deck *$" 30
e2e_has "echo vm\\$\\(\\( $X \\+ $Y \\)\\)deck" "the typed command is echoed by the guest"
# Attributes reach the screen through libvterm's cells: bold red text.
e2e_type "printf '\\033[1;31m%s\\033[0m\\n' vm\$(( $X * 2 ))red"
e2e_keys Enter
e2e_wait "^vm$((X * 2))red *$" 30
e2e_tmux capture-pane -p -e -t e2e | grep -q $'\e\\[1m\e\\[31mvm'"$((X * 2))red" ||
    e2e_fail "vm$((X * 2))red is not drawn bold red"
# A cursor position query (DSR) from the guest is answered by libvterm through the PTY:
# move to a random row/column, ask, and print the reply the guest read back.
ROW=$((RANDOM % 8 + 3))
COL=$((RANDOM % 30 + 3))
LEN=$((4 + ${#ROW} + ${#COL})) # ESC [ ROW ; COL R
e2e_type "clear; printf '\\033[$ROW;${COL}H\\033[6n'; read -s -t 5 -n $LEN r; echo \"dsr=\${r#??}=\""
e2e_keys Enter
e2e_wait "dsr=$ROW;${COL}R=" 30
e2e_keys C-]
e2e_wait 'Name +Id +State'
e2e_wait "Detached from the console of 'demo'"
e2e_keys q
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck exited with $rc"

# ---- `vmdeck console NAME`: straight into the console, Ctrl-] returns to the shell ----
e2e_start -c "$Q" console demo
e2e_wait 'console: demo'
wait_prompt
Z=$((RANDOM % 90000 + 10000))
e2e_type "echo vm\$(( $Z - 7 ))cons"
e2e_keys Enter
e2e_wait "^vm$((Z - 7))cons *$" 30
e2e_keys C-]
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck console exited with $rc"
"$VMDECK_BIN" -c "$Q" list | grep -Eq '^ [0-9]+ +demo +running$' || {
    echo "FAIL: demo is not running after the TUI quit"
    "$VMDECK_BIN" -c "$Q" list --all
    exit 1
}

# ---- reopen: a guest that stops closes the console ----
e2e_start -c "$Q"
e2e_wait '^ +demo +[0-9]+ +▶ running'
e2e_keys Home c
e2e_wait 'console: demo'
wait_prompt
"$VMDECK_BIN" -c "$Q" destroy demo >/dev/null || e2e_fail "vmdeck destroy demo"
e2e_wait 'console closed: domain stopped' 30
e2e_wait '^ +demo +- +■ shut off' 30
e2e_running || e2e_fail "vmdeck exited when the guest stopped"

# ---- start it from the CLI: the open TUI follows (engine watch fd), no key pressed ----
"$VMDECK_BIN" -c "$Q" start demo >/dev/null || e2e_fail "vmdeck start demo"
e2e_wait '^ +demo +[0-9]+ +▶ running' 30

# ---- S: ACPI shutdown of a booted guest; the supervisor's state change reaches the TUI ----
e2e_keys Home c
e2e_wait 'console: demo'
wait_prompt
e2e_keys C-]
e2e_wait 'Name +Id +State'
e2e_keys S
e2e_wait "Domain 'demo' is (being shutdown|shut off)" 30
e2e_wait '^ +demo +- +■ shut off' 60

# ---- s again, then destroy with D + y ----
e2e_keys s
e2e_wait '^ +demo +[0-9]+ +▶ running' 60
e2e_keys D
e2e_wait "Destroy domain 'demo'\? This kills it without a shutdown\. \[y/N\]"
e2e_keys y
e2e_wait "Domain 'demo' destroyed" 30
cli_wait '^ - +demo +shut off$' list --all
e2e_wait '^ +demo +- +■ shut off' 30
e2e_keys q
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck exited with $rc"
echo "test-tui-console: ok"
