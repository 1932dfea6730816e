#!/bin/bash
# test-cli: the vmdeck CLI verbs against the in-memory test:///default driver and against
# qemu:///session in an isolated state dir (define / list / dumpxml / undefine, no guest is
# started). Checks exit statuses (0 ok, 1 reported error, 2 usage), that errors are one
# "error: ..." line naming the object, that malformed XML names its line and defines nothing,
# and that starting a running domain says "already running".
set -u

VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
TMP=$(mktemp -d /tmp/vmdeck-cli.XXXXXX)
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
    if [ -n "$uri" ]; then
        "$VMDECK_BIN" -c "$uri" "$@" >"$TMP/out" 2>"$TMP/err"
    else
        "$VMDECK_BIN" "$@" >"$TMP/out" 2>"$TMP/err"
    fi
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

fail() {
    echo "FAIL: $*"
    echo "  command rc=$RC"
    echo "  stdout: $(printf '%s' "$OUT" | head -20)"
    echo "  stderr: $ERR"
    FAILS=$((FAILS + 1))
}

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

# expect_no_out REGEX WHAT
expect_no_out() {
    if printf '%s\n' "$OUT" | grep -Eq -- "$1"; then fail "$2: stdout has /$1/"; else ok; fi
}

# expect_err REGEX WHAT (extended regex on stderr)
expect_err() {
    if printf '%s\n' "$ERR" | grep -Eq -- "$1"; then ok; else fail "$2: stderr lacks /$1/"; fi
}

# expect_error_line REGEX WHAT: exit 1, stderr exactly one "error: " line matching REGEX.
expect_error_line() {
    expect_rc 1 "$2"
    local lines
    lines=$(printf '%s\n' "$ERR" | grep -c .)
    if [ "$lines" -eq 1 ] && printf '%s' "$ERR" | grep -Eq -- "^error: .*$1"; then
        ok
    else
        fail "$2: expected one 'error: ...$1' line on stderr"
    fi
    if [ -z "$OUT" ]; then ok; else fail "$2: an error printed to stdout"; fi
}

# expect_usage WHAT: exit 2, an error line and a usage line on stderr.
expect_usage() {
    expect_rc 2 "$1"
    expect_err '^error: ' "$1"
    expect_err '^usage: vmdeck ' "$1"
}

T=test:///default

# ---- usage, help, version (no connection needed) ----
run "" --help
expect_rc 0 "--help"
for verb in list dominfo define undefine start shutdown destroy reboot reset suspend resume dumpxml \
    console version help; do
    expect_out "^  $verb( |$)" "--help lists $verb"
done
run "" -h
expect_rc 0 "-h"
run "" help start
expect_rc 0 "help start"
expect_out '^usage: vmdeck \[-c URI\] start NAME' "help start prints its usage"
run "" version
expect_rc 0 "version"
expect_out '^vmdeck [0-9]+\.[0-9]+' "version prints a version"
run "$T" frobnicate
expect_usage "unknown verb"
expect_err "frobnicate" "unknown verb is named"
run "$T" start
expect_usage "start without a name"
expect_err "usage: vmdeck \[-c URI\] start NAME" "start's usage line"
run "$T" start a b
expect_usage "start with two names"
run "$T" list --bogus
expect_usage "unknown list option"
expect_err "'--bogus'" "unknown option is named"
run "$T" dominfo --all test
expect_usage "option of another verb"
run "" -c
expect_usage "-c without a URI"
run "" --frob list
expect_usage "unknown global option"
run "" help nosuchverb
expect_error_line "nosuchverb" "help for an unknown verb"

# ---- bad connection URIs ----
run "nosuch:///x" list
expect_error_line "nosuch:///x" "unknown URI scheme"
run "test:///nosuchpath" list
expect_rc 1 "unknown test URI path"

# ---- test:///default: list ----
run "$T" list
expect_rc 0 "list"
expect_out '^ Id +Name +State$' "list header"
expect_out '^-+$' "list rule"
expect_out '^ 1 +test +running$' "list shows test running with id 1"
expect_no_out 'test2' "list without --all hides the inactive test2"
run "$T" list --all
expect_rc 0 "list --all"
expect_out '^ 1 +test +running$' "list --all shows test"
expect_out '^ - +test2 +shut off$' "list --all shows test2 shut off with id -"
run "$T" list --all --name
expect_rc 0 "list --all --name"
if [ "$OUT" = $'test\ntest2' ]; then ok; else fail "list --all --name prints just the names"; fi
run "$T" --connect=test:///default list --name
expect_rc 0 "--connect= form"
if [ "$OUT" = "test" ]; then ok; else fail "list --name prints the running domain"; fi

# ---- test:///default: dominfo, dumpxml ----
run "$T" dominfo test
expect_rc 0 "dominfo test"
expect_out '^Name: +test$' "dominfo name"
expect_out '^Id: +1$' "dominfo id"
expect_out '^State: +running$' "dominfo state"
expect_out '^UUID: +6695eb01-f6a4-8304-79aa-97f2502e193f$' "dominfo uuid"
expect_out '^CPU\(s\): +2$' "dominfo vcpus"
run "$T" dominfo test2
expect_out '^Id: +-$' "dominfo of an inactive domain has id -"
expect_out '^State: +shut off$' "dominfo test2 state"
run "$T" dominfo nosuch
expect_error_line "nosuch" "dominfo of an unknown domain"
run "$T" dumpxml test
expect_rc 0 "dumpxml test"
expect_out "^<domain type=['\"]qemu['\"] id=['\"]1['\"]" "live XML carries the id"
expect_out '<name>test</name>' "dumpxml names the domain"
run "$T" dumpxml --inactive test
expect_rc 0 "dumpxml --inactive"
expect_no_out "^<domain [^>]*id=" "inactive XML has no id"
run "$T" dumpxml nosuch
expect_error_line "nosuch" "dumpxml of an unknown domain"

# ---- test:///default: lifecycle ----
run "$T" start test
expect_error_line "already running" "start of a running domain"
expect_err "test" "the start error names the domain"
run "$T" start test2
expect_rc 0 "start test2"
if [ "$OUT" = "Domain 'test2' started" ]; then ok; else fail "start message"; fi
run "$T" shutdown test
expect_rc 0 "shutdown test"
if [ "$OUT" = "Domain 'test' is being shutdown" ]; then ok; else fail "shutdown message"; fi
run "$T" destroy test
expect_rc 0 "destroy test"
expect_out "^Domain 'test' destroyed$" "destroy message"
run "$T" destroy test2
expect_error_line "test2" "destroy of an inactive domain"
run "$T" suspend test
expect_rc 0 "suspend test"
expect_out "^Domain 'test' suspended$" "suspend message"
run "$T" resume test
expect_error_line "test" "resume of a running (not paused) domain"
run "$T" reboot test
expect_rc 0 "reboot test"
expect_out "^Domain 'test' is being rebooted$" "reboot message"
run "$T" reset test
expect_rc 0 "reset test"
expect_out "^Domain 'test' was reset$" "reset message"
run "$T" reset test2
expect_error_line "test2" "reset of a shut-off domain"
run "$T" start nosuch
expect_error_line "nosuch" "start of an unknown domain"
run "$T" undefine nosuch
expect_error_line "nosuch" "undefine of an unknown domain"

# ---- XML files used below ----
cat >"$TMP/good.xml" <<'EOF'
<domain type='qemu'>
  <name>cli-good</name>
  <uuid>0b5f1c3e-7d1a-4e55-9a42-2c1d3e4f5a6b</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/nonexistent/vmlinuz</kernel>
  </os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
  </devices>
</domain>
EOF
# Not well formed: <devices> is never closed; libxml2 notices at line 8.
cat >"$TMP/broken.xml" <<'EOF'
<domain type='qemu'>
  <name>cli-broken</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
</domain>
EOF
# Well formed but invalid: the memory size on line 4 is not a number.
cat >"$TMP/invalid.xml" <<'EOF'
<domain type='qemu'>
  <name>cli-invalid</name>
  <vcpu>1</vcpu>
  <memory unit='MiB'>lots</memory>
  <os><type>hvm</type></os>
</domain>
EOF

# ---- test:///default: define ----
run "$T" define "$TMP/good.xml"
expect_rc 0 "define on test:///default"
if [ "$OUT" = "Domain 'cli-good' defined from $TMP/good.xml" ]; then ok; else
    fail "define message"; fi
run "$T" define "$TMP/broken.xml"
expect_error_line "broken\.xml:8:" "malformed XML names file and line (test driver)"
run "$T" define "$TMP/nosuch.xml"
expect_error_line "nosuch\.xml" "define of a missing file"

# ---- qemu:///session in an isolated dir: define / list / dumpxml / undefine ----
Q=qemu:///session
run "$Q" list --all
expect_rc 0 "qemu list --all (empty)"
expect_out '^ Id +Name +State$' "qemu list header"
run "$Q" list --all --name
if [ -z "$OUT" ]; then ok; else fail "a fresh qemu state dir has no domains"; fi
run "$Q" define "$TMP/good.xml"
expect_rc 0 "qemu define"
if [ "$OUT" = "Domain 'cli-good' defined from $TMP/good.xml" ]; then ok; else
    fail "qemu define message"; fi
run "$Q" list
expect_rc 0 "qemu list"
expect_no_out 'cli-good' "an inactive domain is not in the plain list"
run "$Q" list --all
expect_out '^ - +cli-good +shut off$' "qemu list --all shows the defined domain"
run "$Q" dominfo cli-good
expect_rc 0 "qemu dominfo"
expect_out '^State: +shut off$' "qemu dominfo state"
expect_out '^UUID: +0b5f1c3e-7d1a-4e55-9a42-2c1d3e4f5a6b$' "qemu dominfo uuid"
expect_out '^Max memory: +65536 KiB$' "qemu dominfo memory"
run "$Q" dumpxml cli-good
expect_rc 0 "qemu dumpxml"
expect_out '<name>cli-good</name>' "qemu dumpxml name"
expect_out '0b5f1c3e-7d1a-4e55-9a42-2c1d3e4f5a6b' "qemu dumpxml uuid"
expect_out '/nonexistent/vmlinuz' "qemu dumpxml kernel"
run "$Q" define "$TMP/good.xml"
expect_rc 0 "qemu redefine of the same domain"
run "$Q" define "$TMP/broken.xml"
expect_error_line "broken\.xml:8:" "malformed XML names file and line (qemu)"
run "$Q" define "$TMP/invalid.xml"
expect_error_line "invalid\.xml:4:" "invalid memory names file and line"
expect_err "memory" "invalid memory names the field"
run "$Q" list --all --name
if [ "$OUT" = "cli-good" ]; then ok; else fail "bad XML defined nothing"; fi
run "$Q" start cli-nosuch
expect_error_line "cli-nosuch" "qemu start of an unknown domain"
run "$Q" shutdown cli-good
expect_error_line "cli-good" "qemu shutdown of an inactive domain"
run "$Q" console cli-good </dev/null
expect_error_line "cli-good" "console without a terminal"
run "$Q" undefine cli-good
expect_rc 0 "qemu undefine"
if [ "$OUT" = "Domain 'cli-good' has been undefined" ]; then ok; else fail "undefine message"; fi
run "$Q" list --all --name
if [ -z "$OUT" ]; then ok; else fail "undefine removed the domain"; fi
run "$Q" undefine cli-good
expect_error_line "cli-good" "undefine twice"
run "$Q" dumpxml cli-good
expect_error_line "cli-good" "dumpxml after undefine"

echo "test-cli: $CHECKS checks passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
