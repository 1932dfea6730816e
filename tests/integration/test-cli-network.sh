#!/bin/bash
# test-cli-network: the network verbs of the vmdeck binary (net-list, net-define,
# net-start, net-destroy, net-autostart, net-info on the test driver;
# net-undefine, net-dumpxml) against test:///default and against qemu:///session in an
# isolated state dir. Checks exit statuses (0 ok, 1 reported error, 2 usage), the virsh-like
# table and messages, that errors are one "error: ..." line naming the object (XML errors
# as FILE:LINE), that a bad file defines nothing, and that dumpxml output defines again.
set -u

VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
TMP=$(mktemp -d /tmp/vmdeck-clinet.XXXXXX)
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

# expect_out_is TEXT WHAT: stdout is exactly TEXT.
expect_out_is() {
    if [ "$OUT" = "$1" ]; then ok; else fail "$2: stdout is not: $1"; fi
}

# expect_out REGEX WHAT (extended regex on stdout)
expect_out() {
    if printf '%s\n' "$OUT" | grep -Eq -- "$1"; then ok; else fail "$2: stdout lacks /$1/"; fi
}

# expect_err REGEX WHAT (extended regex on stderr)
expect_err() {
    if printf '%s\n' "$ERR" | grep -Eq -- "$1"; then ok; else fail "$2: stderr lacks /$1/"; fi
}

# expect_error_line TEXT WHAT: exit 1, stderr is exactly the one line "error: TEXT", no stdout.
expect_error_line() {
    expect_rc 1 "$2"
    if [ "$ERR" = "error: $1" ]; then ok; else fail "$2: stderr is not 'error: $1'"; fi
    if [ -z "$OUT" ]; then ok; else fail "$2: an error printed to stdout"; fi
}

# expect_usage WHAT: exit 2, an error line and a usage line on stderr.
expect_usage() {
    expect_rc 2 "$1"
    expect_err '^error: ' "$1"
    expect_err '^usage: vmdeck ' "$1"
}

# dashes N: the line under a virsh table header (N = the sum of the column widths + 3 each).
dashes() {
    printf -- '-%.0s' $(seq "$1")
}

T=test:///default
Q=qemu:///session

# ---- usage and help ----
run "" --help
expect_rc 0 "--help"
for verb in net-list net-define net-undefine net-dumpxml; do
    expect_out "^  $verb( |$)" "--help lists $verb"
done
run "" help net-dumpxml
expect_rc 0 "help net-dumpxml"
expect_out '^usage: vmdeck \[-c URI\] net-dumpxml \[--inactive\] NAME$' "net-dumpxml usage"
run "$T" net-define
expect_usage "net-define without a file"
run "$T" net-undefine a b
expect_usage "net-undefine with two names"
run "$T" net-list --bogus
expect_usage "unknown net-list option"
expect_err "unknown option '--bogus' for 'net-list'" "the option is named"
run "$T" net-dumpxml --all default
expect_usage "net-dumpxml takes no --all"

# ---- test:///default ----
run "$T" net-list
expect_rc 0 "test net-list"
expect_out_is " Name      State    Autostart   Persistent
$(dashes 44)
 default   active   no          yes" "test net-list table"
run "$T" net-list --inactive
expect_usage "net-list takes no --inactive"
run "$T" net-list --all --name
expect_out_is "default" "test net-list --name"
run "$T" net-dumpxml default
expect_rc 0 "test net-dumpxml"
expect_out_is "<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>" "test net-dumpxml default"
run "$T" net-dumpxml nope
expect_error_line "network 'nope' not found" "test net-dumpxml of a missing network"
run "$T" net-undefine nope
expect_error_line "network 'nope' not found" "test net-undefine of a missing network"
# each CLI run is a new process, so the test driver starts over every time: undefining the
# active default network leaves it running as a transient network in that process only
run "$T" net-undefine default
expect_rc 0 "test net-undefine default"
expect_out_is "Network 'default' has been undefined" "test net-undefine message"

# ---- qemu:///session: files in the isolated state dir ----
cat >"$TMP/lab.xml" <<'EOF'
<network>
  <name>lab</name>
  <uuid>0123456789abcdef0123456789abcdef</uuid>
  <forward dev="eth0"/>
  <bridge name="br-lab" stp="off" forwardDelay="3"/>
  <ip address="10.20.0.1" netmask="255.255.0.0">
    <dhcp>
      <range start="10.20.0.10" end="10.20.0.99"/>
      <host mac="52:54:00:00:00:0a" name="web" ip="10.20.1.10"/>
    </dhcp>
  </ip>
</network>
EOF
run "$Q" net-list --all
expect_rc 0 "qemu net-list with no networks"
expect_out_is " Name   State   Autostart   Persistent
$(dashes 40)" "qemu empty table"
run "$Q" net-define "$TMP/lab.xml"
expect_rc 0 "qemu net-define"
expect_out_is "Network 'lab' defined from $TMP/lab.xml" "net-define message"
if [ -f "$TMP/config/qemu/networks/lab.xml" ]; then ok; else fail "definition file written"; fi
run "$Q" net-list
expect_out_is " Name   State   Autostart   Persistent
$(dashes 40)" "qemu net-list shows active networks only"
run "$Q" net-list --all
expect_out_is " Name   State      Autostart   Persistent
$(dashes 43)
 lab    inactive   no          yes" "qemu net-list --all"
run "$Q" net-dumpxml lab
expect_rc 0 "qemu net-dumpxml"
expect_out_is "<network>
  <name>lab</name>
  <uuid>01234567-89ab-cdef-0123-456789abcdef</uuid>
  <forward dev='eth0' mode='nat'/>
  <bridge name='br-lab' stp='off' delay='3'/>
  <ip address='10.20.0.1' netmask='255.255.0.0'>
    <dhcp>
      <range start='10.20.0.10' end='10.20.0.99'/>
      <host mac='52:54:00:00:00:0a' name='web' ip='10.20.1.10'/>
    </dhcp>
  </ip>
</network>" "qemu net-dumpxml writes today's spelling"
DUMP=$OUT
run "$Q" net-dumpxml --inactive 01234567-89ab-cdef-0123-456789abcdef
expect_rc 0 "qemu net-dumpxml --inactive by uuid"
if [ "$OUT" = "$DUMP" ]; then ok; else fail "inactive dump by uuid is the same XML"; fi
printf '%s\n' "$DUMP" >"$TMP/dump.xml"
run "$Q" net-define "$TMP/dump.xml"
expect_rc 0 "dumpxml output defines again"
run "$Q" net-dumpxml lab
if [ "$OUT" = "$DUMP" ]; then ok; else fail "redefine from the dump is stable"; fi

# a second network without a bridge gets a virbrN name
printf '<network>\n  <name>iso</name>\n</network>\n' >"$TMP/iso.xml"
run "$Q" net-define "$TMP/iso.xml"
expect_rc 0 "define a network without bridge"
run "$Q" net-dumpxml iso
expect_out "^  <bridge name='virbr[0-9]+' stp='on' delay='0'/>$" "a bridge name was assigned"

# errors: one line, naming file and line, nothing defined
cat >"$TMP/bad.xml" <<'EOF'
<network>
  <name>bad</name>
  <ip address="10.30.0.1" prefix="24">
    <dhcp>
      <range start="10.30.0.50" end="10.30.0.20"/>
    </dhcp>
  </ip>
</network>
EOF
run "$Q" net-define "$TMP/bad.xml"
expect_error_line "$TMP/bad.xml:5: <range> end 10.30.0.20 comes before start 10.30.0.50" \
    "range in the wrong order"
printf '<network>\n  <name>typo</name>\n  <bridge nme="br1"/>\n</network>\n' >"$TMP/typo.xml"
run "$Q" net-define "$TMP/typo.xml"
expect_rc 1 "unknown attribute"
expect_err "^error: $TMP/typo.xml:3: unknown attribute 'nme' on <bridge>" "the attribute is named"
printf '<network>\n  <name>x</name>\n  <ip address="10.0.0.1"\n</network>\n' >"$TMP/broken.xml"
run "$Q" net-define "$TMP/broken.xml"
expect_rc 1 "not well formed"
expect_err "^error: $TMP/broken.xml:[0-9]+: XML is not well formed" "well-formedness error"
printf '<network>\n  <name>lab</name>\n</network>\n' >"$TMP/clash.xml"
run "$Q" net-define "$TMP/clash.xml"
expect_error_line "network 'lab' is already defined with uuid 01234567-89ab-cdef-0123-456789abcdef" \
    "name clash"
run "$Q" net-define "$TMP/missing.xml"
expect_rc 1 "missing file"
expect_err "^error: cannot read '$TMP/missing.xml'" "missing file is named"
run "$Q" net-list --all --name
expect_out_is "iso
lab" "failed defines left nothing behind"

# undefine
run "$Q" net-undefine lab
expect_rc 0 "qemu net-undefine"
expect_out_is "Network 'lab' has been undefined" "net-undefine message"
if [ ! -e "$TMP/config/qemu/networks/lab.xml" ]; then ok; else fail "definition file removed"; fi
run "$Q" net-undefine lab
expect_error_line "network 'lab' not found" "undefine twice"
run "$Q" net-dumpxml lab
expect_error_line "network 'lab' not found" "dumpxml after undefine"
run "$Q" net-undefine iso
expect_rc 0 "undefine iso"
run "$Q" net-list --all --name
expect_out_is "" "no networks left"

# lifecycle verbs on the test driver (each run is a fresh process: 'default' starts active)
run "$T" net-destroy default
expect_rc 0 "net-destroy default"
expect_out_is "Network 'default' destroyed" "net-destroy message"
run "$T" net-start default
expect_error_line "network 'default' is already active" "net-start on an active network"
run "$T" net-start nope
expect_error_line "network 'nope' not found" "net-start on a missing network"
run "$T" net-autostart default
expect_rc 0 "net-autostart"
expect_out_is "Network 'default' marked as autostarted" "net-autostart message"
run "$T" net-autostart --disable default
expect_out_is "Network 'default' unmarked as autostarted" "net-autostart --disable message"
run "$T" net-autostart
expect_usage "net-autostart needs a name"
run "$T" net-info default
expect_rc 0 "net-info"
expect_out_is "Name:           default
UUID:           dd8fe884-6c02-601e-7551-cca97df1c5df
Active:         yes
Persistent:     yes
Autostart:      no
Bridge:         virbr0
Forward:        nat
Forward dev:    any
Subnet:         192.168.122.0/24
DHCP range:     192.168.122.2-192.168.122.254" "net-info block"
run "$T" net-info nope
expect_error_line "network 'nope' not found" "net-info on a missing network"

echo "test-cli-network: $CHECKS checks passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
