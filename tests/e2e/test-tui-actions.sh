#!/bin/bash
# test-tui-actions: every action key of the real vmdeck TUI on test:///default, through
# tmux. Domains: x (XML in the pager), s, S (waits until shut off), r, p (pause/resume), D and
# u with their confirmations: declining (n, any other key, Esc, a wrong name typed) says
# so and changes nothing on screen, y (or the exact name for a running domain) does it.
# Networks (Tab to the Networks list): x, S/D (stop, y/N), s (start), u (undefine, y/N).
# Domain-only keys on the Networks list say so. The test driver keeps its state in the
# vmdeck process, so the state is checked on screen (test-tui-progress checks real guests
# with the CLI).
set -u
. "$(dirname "$0")/lib-e2e.sh"

e2e_start -c test:///default
e2e_wait '^ +test +1 +▶ running'
e2e_has '^ +test2 +- +■ shut off' "test2 row"

# ---- x: the selected domain's XML in the pager ----
e2e_keys Home x
e2e_wait 'pager: :dumpxml test'
e2e_has '<name>test</name>' "XML of test"
e2e_keys q
e2e_wait 'Name +Id +State'

# ---- D: n, any other key and Esc decline; y destroys ----
e2e_keys D
e2e_wait "Destroy domain 'test'\? This kills it without a shutdown\. \[y/N\]"
e2e_keys n
e2e_wait "Cancelled: 'test' was left as it was"
e2e_has '^ +test +1 +▶ running' "test still running after n"
e2e_keys D
e2e_wait "Destroy domain 'test'\?"
e2e_keys x # not y: declines, and is not taken as the x action
e2e_wait "Cancelled: 'test' was left as it was"
e2e_has 'Name +Id +State' "still on the list (x went to the prompt)"
e2e_keys D
e2e_wait "Destroy domain 'test'\?"
e2e_keys Escape
e2e_wait "Cancelled: 'test' was left as it was"
e2e_has '^ +test +1 +▶ running' "test still running after Esc"
e2e_keys D
e2e_wait "Destroy domain 'test'\?"
e2e_keys y
e2e_wait "Domain 'test' destroyed"
e2e_wait '^ +test +- +■ shut off'

# ---- s, p, r, S ----
e2e_keys s
e2e_wait "Domain 'test' started"
e2e_wait '^ +test +[0-9]+ +▶ running'
e2e_keys p
e2e_wait "Domain 'test' suspended"
e2e_wait '^ +test +[0-9]+ +‖ paused'
e2e_keys p
e2e_wait "Domain 'test' resumed"
e2e_keys r
e2e_wait "Domain 'test' is being rebooted"
e2e_has '^ +test +[0-9]+ +▶ running' "running after reboot"
e2e_keys S
e2e_wait "Domain 'test' is shut off"
e2e_wait '^ +test +- +■ shut off'
e2e_keys S
e2e_wait "error: .*test.*not running|error: .*test.*is not active|error: .*test"

# ---- u on a shut-off domain: y/N ----
e2e_keys End u
e2e_wait "Undefine domain 'test2'\? Its definition is deleted \(disk images are kept\)\. \[y/N\]"
e2e_keys n
e2e_wait "Cancelled: 'test2' was left as it was"
e2e_has '^ +test2 +- +■ shut off' "test2 still defined after n"

# ---- u on a running domain: the name must be typed ----
e2e_keys s
e2e_wait "Domain 'test2' started"
e2e_wait '^ +test2 +[0-9]+ +▶ running'
e2e_keys u
e2e_wait "Domain 'test2' is running: type its name to destroy AND undefine it \(Esc cancels\):"
e2e_type test
e2e_keys Enter
e2e_wait "Not undefined: what was typed is not 'test2'; nothing was changed"
e2e_has '^ +test2 +[0-9]+ +▶ running' "test2 still running after a wrong name"
e2e_keys u
e2e_wait "type its name"
e2e_type test2
e2e_keys Escape
e2e_wait "Cancelled: nothing was changed"
e2e_has '^ +test2 +[0-9]+ +▶ running' "test2 still running after Esc"
e2e_keys u
e2e_wait "type its name"
e2e_type test2
e2e_keys Enter
e2e_wait "Domain 'test2' has been undefined"
e2e_wait_gone '^ +test2 '
e2e_has '1 domain, 0 active|1 domain' "one domain left"

# ---- u on a shut-off domain, y ----
e2e_keys Home u
e2e_wait "Undefine domain 'test'\?"
e2e_keys y
e2e_wait "Domain 'test' has been undefined"
e2e_wait_gone '^ +test '
e2e_running || e2e_fail "vmdeck exited with no domains left"

# ---- the Networks list ----
e2e_keys Tab
e2e_wait 'Bridge'
e2e_wait '^ +default +'
e2e_keys p
e2e_wait 'This action is for domains; switch to the Domains list'
e2e_keys x
e2e_wait 'pager: :net-dumpxml default'
e2e_has '<bridge name=.virbr0.' "network XML"
e2e_keys q
e2e_wait 'Bridge'
e2e_keys S
e2e_wait "Stop network 'default'\? Its bridge goes away and guests on it lose the network\. \[y/N\]"
e2e_keys n
e2e_wait "Cancelled: 'default' was left as it was"
e2e_keys D
e2e_wait "Stop network 'default'\?"
e2e_keys y
e2e_wait "Network 'default' destroyed"
e2e_wait '^ +default +.*inactive'
e2e_keys s
e2e_wait "Network 'default' started"
e2e_wait '^ +default +.*active'
e2e_keys u
e2e_wait "Undefine network 'default'\? Its definition is deleted; it stays up until stopped\. \[y/N\]"
e2e_keys n
e2e_wait "Cancelled: 'default' was left as it was"
e2e_keys u
e2e_wait "Undefine network 'default'\?"
e2e_keys y
e2e_wait "Network 'default' has been undefined"

e2e_keys q
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck exited with $rc"
echo "test-tui-actions: ok"
