#!/bin/bash
# test-cli-validate: `vmdeck validate FILE` through the real binary, without any connection
# or state dir. A valid domain or network prints "FILE: valid (KIND 'NAME')" on stdout and
# exits 0; an invalid file prints every problem as one "FILE:LINE: ..." line on stderr (in
# line order, nothing on stdout, no extra "error:" line) and exits 1; usage errors exit 2.
# Capabilities documents are recognised by their root element too.
# Also: hostile input (DOCTYPE, over 1 MiB, not UTF-8) and what define says about the same
# file (the same validator runs there).
set -u

VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
SRC=${VMDECK_SOURCE_DIR:?VMDECK_SOURCE_DIR must point at the source tree}
TMP=$(mktemp -d /tmp/vmdeck-validate.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
unset VMDECK_DEFAULT_URI
FAILS=0
CHECKS=0
trap 'rm -rf "$TMP"' EXIT

# run ARGS...: run vmdeck, leaving $OUT, $ERR and $RC.
run() {
    "$VMDECK_BIN" "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

fail() {
    echo "FAIL: $*"
    echo "  rc=$RC"
    echo "  stdout: $OUT"
    echo "  stderr: $ERR"
    FAILS=$((FAILS + 1))
}

# check CONDITION-EXIT-STATUS WHAT: count a check, report it when the status is not 0.
check() {
    if [ "$1" -eq 0 ]; then CHECKS=$((CHECKS + 1)); else fail "$2"; fi
}

# same TEXT EXPECTED WHAT
same() {
    [ "$1" == "$2" ]
    local s=$?
    if [ $s -ne 0 ]; then
        echo "  expected: $2"
    fi
    check $s "$3"
}

cd "$TMP" || exit 1

# a valid seed domain and its name; nothing on stderr
cp "$SRC/tests/data/seed/qemu-fedora-i686.xml" fedora.xml
run validate fedora.xml
same "$RC" 0 "valid domain exits 0"
same "$OUT" "fedora.xml: valid (domain 'QEmu-fedora-i686')" "valid domain line"
same "$ERR" "" "valid domain prints nothing on stderr"

# a network
cat >net.xml <<'XML'
<network>
  <name>lab</name>
  <bridge name='virbr7'/>
  <ip address='10.7.0.1' netmask='255.255.255.0'/>
</network>
XML
run validate net.xml
same "$RC" 0 "valid network exits 0"
same "$OUT" "net.xml: valid (network 'lab')" "valid network line"

# capabilities: the seed's and what `vmdeck capabilities` prints for the test driver
cp "$SRC/tests/data/seed/capabilities-partial.xml" caps-seed.xml
run validate caps-seed.xml
same "$RC" 0 "the seed's capabilities exit 0"
same "$OUT" "caps-seed.xml: valid (capabilities)" "the seed's capabilities line"
"$VMDECK_BIN" -c test:///default capabilities >caps.xml
run validate caps.xml
same "$OUT" "caps.xml: valid (capabilities)" "the test driver's capabilities are valid"
sed 's#<wordsize>32</wordsize>#<wordsize>sixty</wordsize>#' caps-seed.xml >caps-bad.xml
run validate caps-bad.xml
same "$RC" 1 "bad capabilities exit 1"
[[ "$ERR" == "caps-bad.xml:27: "*"sixty"* ]]
check $? "bad capabilities name the line of <wordsize>"

# several problems: one line each, in line order, exit 1, nothing on stdout
cat >bad.xml <<'XML'
<domain type='qemu' idd='1'>
  <name>bad</name>
  <memory>65536</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file'>
      <source file='/a.img'/>
    </disk>
    <grafics type='vnc'/>
  </devices>
</domain>
XML
run validate bad.xml
same "$RC" 1 "invalid domain exits 1"
same "$OUT" "" "invalid domain prints nothing on stdout"
same "$ERR" "bad.xml:1: unknown attribute 'idd' on <domain> (did you mean 'id'?)
bad.xml:6: <disk>: needs a <target dev=...>
bad.xml:9: unknown element <grafics> in <devices> (did you mean <graphics>?)" \
    "every problem of bad.xml, one line each, by line"

# a semantic error the schema cannot see comes from the model
sed 's#<memory>219200</memory>#<memory>1024</memory>#' fedora.xml >over.xml
run validate over.xml
same "$RC" 1 "currentMemory over memory exits 1"
same "$ERR" "over.xml:5: <currentMemory> 219200 KiB is more than <memory> 1024 KiB" \
    "currentMemory over memory message"

# hostile and broken input
printf '<!DOCTYPE domain [<!ENTITY x "y">]>\n<domain/>\n' >dtd.xml
run validate dtd.xml
same "$RC" 1 "DOCTYPE exits 1"
same "$ERR" "dtd.xml:1: <!DOCTYPE> is not allowed in XML (no DTDs or entities)" "DOCTYPE line"
printf '<domain type="qemu">\n  <name>caf\xe9</name>\n</domain>\n' >latin1.xml
run validate latin1.xml
same "$ERR" "latin1.xml:2: the XML is not valid UTF-8 (byte 0xE9 in column 12)" "UTF-8 line"
head -c 1100000 /dev/zero | tr '\0' ' ' >big.xml
run validate big.xml
same "$RC" 1 "a file over 1 MiB exits 1"
same "$ERR" "big.xml: the file is 1100000 bytes, more than the 1 MiB vmdeck accepts for XML" \
    "a file over 1 MiB"
printf '<interface type="user"/>\n' >iface.xml
run validate iface.xml
same "$RC" 1 "an unknown root element exits 1"
same "$ERR" "iface.xml:1: <interface> is not a document vmdeck knows (expected <domain>, \
<network> or <capabilities>)" "an unknown root element names the documents vmdeck knows"
run validate missing.xml
same "$RC" 1 "a missing file exits 1"
same "$ERR" "missing.xml: cannot read missing.xml: No such file or directory" "missing file"

# usage
run validate
same "$RC" 2 "validate without FILE is a usage error"
run validate a.xml b.xml
same "$RC" 2 "validate with two files is a usage error"

# define runs the same validator: the first problem, on one "error:" line, nothing defined
run -c test:///default define bad.xml
same "$RC" 1 "define of bad.xml exits 1"
same "$ERR" "error: bad.xml:1: unknown attribute 'idd' on <domain> (did you mean 'id'?)" \
    "define reports the first problem validate lists"

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
