#!/bin/bash
# test-tui-basics: drives the real vmdeck TUI in tmux on test:///default. The list shows
# test and test2 with their states; '?' shows help listing every key of ui/keys.c's table;
# Enter shows details and XML; an engine error (starting the running 'test') lands in the
# status line and the TUI keeps working; actions change the list; a 40x12 (and a tiny)
# window does not break it; q quits with status 0.
set -u
. "$(dirname "$0")/lib-e2e.sh"

SRC=${VMDECK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

e2e_start -c test:///default
e2e_wait 'vmdeck +test:///default'
e2e_wait '^ +test +1 +▶ running +2 +512 MiB'
e2e_has '^ +test2 +- +■ shut off +1 +512 MiB' "test2 row"
e2e_has 'Name +Id +State +vCPUs +Memory' "column header"
e2e_has 'F1Help +F4Filter +F5Refresh +F6SortBy +F10Quit' "function key bar"
e2e_has '2 domains, 1 active' "domain count in the header"

# ---- help: every key of the table is listed ----
e2e_keys '?'
e2e_wait '^ Domain and network lists'
: >"$E2E_TMP/help.txt"
for _ in 1 2 3 4 5 6; do
    e2e_screen >>"$E2E_TMP/help.txt"
    e2e_keys NPage
    sleep 0.2
done
e2e_screen >>"$E2E_TMP/help.txt"
# Key names straight from the table: {CODE, IS_KEY, "NAME", ...
mapfile -t table_keys < <(grep -oE '^ *\{[^,]+, (true|false), "[^"]+"' "$SRC/ui/keys.c" |
    sed -E 's/.*"([^"]+)"$/\1/' | sort -u)
[ "${#table_keys[@]}" -ge 20 ] || e2e_fail "could not read the key table (${#table_keys[@]} keys)"
for k in "${table_keys[@]}" Enter s S D p r c '?' q Esc 'Ctrl-]' Up Down Home End PgUp PgDn; do
    grep -qF "  $k " "$E2E_TMP/help.txt" || {
        cat "$E2E_TMP/help.txt"
        e2e_fail "help does not list key '$k'"
    }
done
for section in 'Domain and network lists' 'Details' 'Console'; do
    grep -q "^ $section" "$E2E_TMP/help.txt" || e2e_fail "help lacks section $section"
done
e2e_keys Escape
e2e_wait 'Name +Id +State'

# ---- details ----
e2e_keys Home Enter
e2e_wait 'UUID: +6695eb01-f6a4-8304-79aa-97f2502e193f'
e2e_has 'State: +▶ running' "details state"
e2e_has 'vCPUs: +2' "details vcpus"
e2e_has 'Console:' "details console line"
e2e_has "XML \(Left/Right scroll sideways\)" "details XML heading"
e2e_has 'details: test' "details header"
e2e_keys End
e2e_wait '</domain>'
e2e_keys q
e2e_wait 'Name +Id +State'

# ---- an engine error goes to the status line, the TUI keeps running ----
e2e_keys Home s
e2e_wait "error: .*already running"
e2e_running || e2e_fail "vmdeck exited after an error"
e2e_keys j Enter
e2e_wait 'details: test2'
e2e_keys Escape
e2e_wait 'Name +Id +State'

# ---- actions change the list ----
e2e_keys Home p
e2e_wait "Domain 'test' suspended"
e2e_wait '^ +test +1 +‖ paused'
e2e_keys p
e2e_wait "Domain 'test' resumed"
e2e_wait '^ +test +1 +▶ running'
e2e_keys End s
e2e_wait "Domain 'test2' started"
e2e_wait '^ +test2 +[0-9]+ +▶ running'
e2e_keys D
e2e_wait "Destroy domain 'test2'\? This kills it without a shutdown\. \[y/N\]"
e2e_keys n
e2e_wait 'Cancelled'
e2e_has '^ +test2 +[0-9]+ +▶ running' "test2 still running after no"
e2e_keys D
e2e_wait "Destroy domain 'test2'\?"
e2e_keys y
e2e_wait "Domain 'test2' destroyed"
e2e_wait '^ +test2 +- +■ shut off'
# The test driver's console tty is not a real PTY: the error shows, the TUI stays.
e2e_keys Home c
e2e_wait 'error: .*test'
e2e_has 'Name +Id +State' "still on the list after a console error"

# ---- small windows ----
e2e_resize 40 12
for ((i = 0; i < 50; i++)); do
    [ "$(e2e_size)" = 40x12 ] && break
    sleep 0.1
done
e2e_wait '^ +test +'
e2e_wait 'vmdeck'
e2e_keys '?'
e2e_wait '^ Domain and network lists'
e2e_keys NPage NPage Escape Enter
e2e_wait 'UUID:'
e2e_keys NPage End Right Left q Down Up
e2e_wait '^ +test2 +'
e2e_running || e2e_fail "vmdeck exited in a 40x12 window"
e2e_resize 15 3
e2e_wait 'too small'
e2e_keys j k
e2e_resize 100 30
e2e_wait 'Name +Id +State +vCPUs +Memory'
e2e_running || e2e_fail "vmdeck exited after resizing"

# ---- q quits with status 0 ----
e2e_keys q
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck exited with $rc"
echo "test-tui-basics: ok"
