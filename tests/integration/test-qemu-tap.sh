#!/bin/bash
# test-qemu-tap: the tap backends of the QEMU driver for real, through the vmdeck binary, in a
# private network namespace with its own bridge br0 (needs root: skipped with the reason
# otherwise). For <interface type='bridge'>, type='network' (a network started with
# net-start, which makes its bridge) and type='ethernet' (with a <script> run as
# [script, tapname]): vmdeck start must create the tap, give it the MAC fe:<guest MAC tail>,
# attach it to br0 (not for ethernet), bring it up, pass it to QEMU as fd 100 (checked in
# /proc/PID/fd) and show it as <target dev> in the live XML; destroy must make it vanish.
# An inactive network is a one-line error naming it.
set -u

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: tap devices, bridges and network namespaces need root"
    exit 0
fi
VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
VMDECK_GUEST_DIR=${VMDECK_GUEST_DIR:?VMDECK_GUEST_DIR must point at the test guest}
GUEST_XML=${VMDECK_SOURCE_DIR:?}/tests/guest/guest-xml.sh
TMP=$(mktemp -d /tmp/vmdeck-tap.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
NS=vmdeck-tap-$$
FAILS=0
CHECKS=0

cleanup() {
    for d in tapbr tapnet tapeth; do
        ip netns exec "$NS" "$VMDECK_BIN" -c qemu:///session destroy "$d" >/dev/null 2>&1
    done
    ip netns exec "$NS" "$VMDECK_BIN" -c qemu:///session net-destroy lan >/dev/null 2>&1
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS" || { echo "FAIL: cannot create network namespace $NS"; exit 1; }
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip link add br0 type bridge
ip netns exec "$NS" ip link set br0 up

# vm ARGS...: run vmdeck inside the namespace, leaving $OUT, $ERR and $RC.
vm() {
    ip netns exec "$NS" "$VMDECK_BIN" -c qemu:///session "$@" >"$TMP/out" 2>"$TMP/err"
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

# qemu_pid NAME: the QEMU pid from the domain's state file.
qemu_pid() {
    sed -n 's/^qemu_pid=//p' "$VMDECK_RUNTIME_DIR/qemu/$1.state"
}

# in_ns COMMAND...: run a command in the namespace.
in_ns() {
    ip netns exec "$NS" "$@"
}

# start_guest NAME DEVICE-XML: define and start a test guest with one extra device.
start_guest() {
    "$GUEST_XML" "$1" --device "$2" >"$TMP/$1.xml" || return 1
    vm define "$TMP/$1.xml"
    [ "$RC" = 0 ] || return 1
    vm start "$1"
    [ "$RC" = 0 ]
}

# check_tap NAME TAP MASTER MAC: the tap is up, has the MAC, is attached to MASTER ("" =
# none), and QEMU holds it as fd 100.
check_tap() {
    local name=$1 tap=$2 master=$3 mac=$4
    check "$name: tap $tap exists" in_ns test -d "/sys/class/net/$tap"
    check "$name: tap $tap is up" bash -c "ip netns exec $NS ip -o link show $tap | grep -q '[<,]UP[,>]'"
    check "$name: tap $tap has MAC $mac" \
        test "$(in_ns cat "/sys/class/net/$tap/address" 2>/dev/null)" = "$mac"
    if [ -n "$master" ]; then
        check "$name: tap $tap is attached to $master" \
            test "$(in_ns readlink "/sys/class/net/$tap/master" 2>/dev/null | sed 's|.*/||')" = "$master"
    else
        check "$name: tap $tap is attached to no bridge" in_ns test ! -e "/sys/class/net/$tap/master"
    fi
    local pid
    pid=$(qemu_pid "$name")
    check "$name: QEMU ($pid) holds the tap as fd 100" \
        test "$(readlink "/proc/$pid/fd/100" 2>/dev/null)" = /dev/net/tun
    vm dumpxml "$name"
    check "$name: live XML names the tap" grep -q "<target dev='$tap'/>" "$TMP/out"
}

# 1. type bridge, tap name chosen by vmdeck (vnetN)
if check "bridge guest starts" start_guest tapbr \
    "<interface type='bridge'><mac address='52:54:00:7a:00:01'/><source bridge='br0'/><model type='virtio'/></interface>"; then
    vm dumpxml tapbr
    tap=$(printf '%s\n' "$OUT" | sed -n "s/.*<target dev='\(vnet[0-9]*\)'.*/\1/p" | head -1)
    check "bridge: tap is named vnetN ($tap)" test -n "$tap"
    check_tap tapbr "$tap" br0 fe:54:00:7a:00:01
    vm destroy tapbr
    check "bridge: destroy ok" test "$RC" = 0
    sleep 0.3
    check "bridge: tap $tap is gone after destroy" in_ns test ! -e "/sys/class/net/$tap"
fi

# 2. type network: not defined or not started -> not active; started -> on its bridge
"$GUEST_XML" tapnet --device \
    "<interface type='network'><mac address='52:54:00:7a:00:02'/><source network='lan'/><target dev='vmdt-net'/></interface>" \
    >"$TMP/tapnet.xml"
vm define "$TMP/tapnet.xml"
vm start tapnet
check "network: start without network 'lan' fails" test "$RC" = 1
check "network: error says the network is not active" \
    grep -q "network 'lan' is not active" "$TMP/err"
cat >"$TMP/lan.xml" <<'EOF'
<network>
  <name>lan</name>
  <bridge name='vmdtlan0'/>
</network>
EOF
vm net-define "$TMP/lan.xml"
check "network: net-define lan" test "$RC" = 0
vm start tapnet
check "network: start on defined but inactive lan fails" test "$RC" = 1
check "network: error says lan is not active" grep -q "network 'lan' is not active" "$TMP/err"
vm net-start lan
check "network: net-start lan" test "$RC" = 0
vm start tapnet
check "network: start on active lan" test "$RC" = 0
if [ "$RC" = 0 ]; then
    check_tap tapnet vmdt-net vmdtlan0 fe:54:00:7a:00:02
    vm destroy tapnet
fi
vm net-destroy lan

# 3. type ethernet with a script, run without a shell as [script, tapname]
cat >"$TMP/ifup" <<EOF
#!/bin/sh
echo "\$#:\$1" > $TMP/ifup.out
EOF
chmod 755 "$TMP/ifup"
if check "ethernet guest starts" start_guest tapeth \
    "<interface type='ethernet'><mac address='52:54:00:7a:00:03'/><target dev='vmdt-eth'/><script path='$TMP/ifup'/></interface>"; then
    check "ethernet: script got exactly [tapname]" test "$(cat "$TMP/ifup.out" 2>/dev/null)" = "1:vmdt-eth"
    check_tap tapeth vmdt-eth "" fe:54:00:7a:00:03
    vm destroy tapeth
fi

# 4. a failing script stops the start with its exit status, and leaves no tap behind
printf '#!/bin/sh\nexit 3\n' >"$TMP/ifup"
vm start tapeth
check "ethernet: failing script fails the start" test "$RC" = 1
check "ethernet: error names the script and its status" grep -q "exit status 3" "$TMP/err"
check "ethernet: no tap left behind" in_ns test ! -e /sys/class/net/vmdt-eth

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
