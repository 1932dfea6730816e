#!/bin/bash
# test-tui-cmdline: the `:` command line of the real vmdeck TUI in tmux on test:///default.
# Verbs run on the TUI's own connection (what :start changes, the list shows), Tab completes
# verbs, options and the right kind of name (domains for start, networks for net-start),
# candidates show in the hint bar, Up/Down recall the history, the editing keys work, long
# output (dumpxml, dominfo, capabilities, domstats, help, list) opens the pager (scroll, / search,
# n/N, q back), one-line results and errors (usage, unknown verb, open quote, engine errors)
# land in the status line, and nothing a verb prints ever reaches the terminal raw.
set -u
. "$(dirname "$0")/lib-e2e.sh"

e2e_start -c test:///default
e2e_wait '^ +test +1 +▶ running'

# open the line, run it: cmd TEXT (typed literally after ':'), then Enter
cmd() {
    e2e_keys :
    e2e_type "$1"
    e2e_keys Enter
}

# ---- the line opens at the bottom with its keys in the hint bar; Esc cancels ----
e2e_keys :
e2e_wait '^:'
e2e_has 'Enter run +Tab complete +Up/Down history' "command line hints"
e2e_keys Escape
e2e_wait_gone '^:'
e2e_has 'F1Help' "function key bar back after Esc"

# ---- Tab: verbs, then names of the right kind ----
e2e_keys :
e2e_type sta
e2e_keys Tab
e2e_wait '^:start *$'
e2e_type te
e2e_keys Tab
e2e_wait '^:start test$'
e2e_wait '^test  test2' # both candidates in the hint bar
e2e_type 2
e2e_keys Enter
e2e_wait "Domain 'test2' started"
e2e_wait '^ +test2 +[0-9]+ +▶ running'

e2e_keys :
e2e_type net-st
e2e_keys Tab
e2e_wait '^:net-start *$'
e2e_keys Tab # the only network: completed; domains are not offered
e2e_wait '^:net-start default *$'
e2e_keys Escape

# several verbs: the common prefix stays, the candidates show
e2e_keys :
e2e_type net-d
e2e_keys Tab
e2e_wait '^net-[a-z]+  net-[a-z]+  net-[a-z]+ *$'
e2e_has 'net-define' 'net-define candidate'
e2e_has 'net-dumpxml' 'net-dumpxml candidate'
e2e_type u
e2e_keys Tab
e2e_wait '^:net-dumpxml *$'
e2e_keys Escape

# options of the verb
e2e_keys :
e2e_type 'list --a'
e2e_keys Tab
e2e_wait '^:list --all *$'
e2e_keys Enter
e2e_wait 'pager: :list --all'
e2e_has '^ 1 +test +running' "list in the pager"
e2e_has '^ [0-9]+ +test2 +running' "test2 in the pager"
e2e_keys q
e2e_wait 'Name +Id +State'

# ---- the pager: dumpxml, scrolling, search ----
cmd 'dumpxml test'
e2e_wait 'pager: :dumpxml test'
e2e_has "^<domain type='test' id='1'>|^<domain" "XML in the pager"
e2e_has '<name>test</name>' "domain name in the XML"
e2e_has 'lines 1-[0-9]+ of [0-9]+' "position line"
e2e_keys End
e2e_wait '\(END\)'
e2e_has '^</domain>' "end of the XML"
e2e_keys Home
e2e_wait 'lines 1-'
e2e_keys /
e2e_type 'target dev'
e2e_wait '^/target dev'
e2e_keys Enter
e2e_wait_gone '^/target'
e2e_has "target dev=" "search match on screen"
e2e_keys n
e2e_keys N
e2e_keys /
e2e_type 'no-such-text'
e2e_keys Enter
e2e_wait 'Pattern not found: no-such-text'
e2e_keys Down Down PgDn PgUp Right Left
e2e_running || e2e_fail "vmdeck exited in the pager"
e2e_keys Escape
e2e_wait 'Name +Id +State'

# other long output goes to the pager too
cmd 'dominfo test2'
e2e_wait 'pager: :dominfo test2'
e2e_has '^UUID: +3a9dd6bf' "dominfo"
e2e_keys q
cmd 'capabilities'
e2e_wait '<capabilities>'
e2e_keys q
cmd 'domstats test'
e2e_wait 'pager: :domstats test'
e2e_has '^  cpu.time=[0-9]+' "domstats in the pager"
e2e_keys q
cmd 'help'
e2e_wait '^  dumpxml \[--inactive\] NAME'
e2e_keys q
cmd 'net-dumpxml default'
e2e_wait '<bridge name=.virbr0.'
e2e_keys q
e2e_wait 'Name +Id +State'

# ---- history: Up/Down ----
e2e_keys :
e2e_keys Up
e2e_wait '^:net-dumpxml default'
e2e_keys Up
e2e_wait '^:help'
e2e_keys Down Down
e2e_wait '^: *$'
e2e_keys Escape

# ---- editing keys ----
e2e_keys :
e2e_type 'dominfo tst'
e2e_keys Left Left
e2e_type e
e2e_keys End
e2e_type 2
e2e_wait '^:dominfo test2'
e2e_keys Home
e2e_keys Delete
e2e_type D
e2e_wait '^:Dominfo test2'
e2e_keys C-u # to the start of the line: only the D
e2e_wait '^:ominfo test2'
e2e_keys End C-u
e2e_wait '^: *$'
e2e_type 'version extra'
e2e_keys C-w BSpace
e2e_wait '^:version$'
e2e_keys Enter
e2e_wait '^ vmdeck [0-9]+\.[0-9]+'

# ---- errors: one line in the status line, the TUI stays ----
cmd 'start'
e2e_wait "error: missing argument for 'start' \(usage: start NAME\)"
cmd 'frobnicate x'
e2e_wait "error: unknown verb 'frobnicate'"
cmd "start 'test"
e2e_wait 'error: unterminated single quote'
cmd 'start test'
e2e_wait "error: .*already running"
cmd 'list --bogus'
e2e_wait "error: unknown option '--bogus' for 'list'"
cmd 'console test'
e2e_wait 'error: .*test'
e2e_has 'Name +Id +State' "still on the list after a console error"

# ---- verbs change the TUI's own connection ----
cmd 'destroy test2'
e2e_wait "Domain 'test2' destroyed"
e2e_wait '^ +test2 +- +■ shut off'
cmd 'suspend test'
e2e_wait '^ +test +1 +‖ paused'
cmd 'resume test'
e2e_wait '^ +test +1 +▶ running'

# ---- a small window with the line open ----
e2e_keys :
e2e_type 'dumpxml test2 and a long tail of text that is wider than the window'
e2e_resize 40 12
e2e_wait 'wider than the window'
e2e_keys Home
e2e_wait '^:dumpxml'
e2e_keys Escape
e2e_resize 100 30
e2e_wait 'Name +Id +State'
e2e_running || e2e_fail "vmdeck exited"

e2e_keys q
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck exited with $rc"
echo "test-tui-cmdline: ok"
