#!/bin/bash
# test-qemu-network-lifecycle: net-start / net-destroy / net-autostart of the QEMU driver for
# real (ip, nft, dnsmasq), through the vmdeck binary, in private network namespaces (needs
# root: skipped with the reason otherwise). Namespaces: $NS (where vmdeck runs, "the
# host"), $CL (DHCP clients on veths plugged into the network's bridge) and $OUT (a
# machine on the uplink 192.0.2.0/24 with no route back to the network's subnet).
# Checks: a NAT network with a DHCP range and a static host starts (bridge with its address,
# stp as asked, dnsmasq bound to it, nft table with masquerade, forwarding on, net-list
# active); clients get the static and a range lease; a client pings $OUT through the NAT;
# errors are one line and leave nothing behind (already active, bridge name taken, IPv4 or
# IPv6 subnet overlapping a route, dnsmasq unable to bind); a domain on an inactive network is refused
# naming it; a vanished bridge or a dead dnsmasq shows as inactive with the reason and
# net-start recovers; `vmdeck autostart` starts marked networks; net-destroy removes it all.
set -u

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: bridges, nft tables and network namespaces need root"
    exit 0
fi
VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
GUEST_XML=${VMDECK_SOURCE_DIR:?}/tests/guest/guest-xml.sh
TMP=$(mktemp -d /tmp/vmdeck-netlc.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
NS=vmdeck-netlc-$$
CL=vmdeck-netlc-cl-$$
OUT=vmdeck-netlc-out-$$
RUN=$TMP/run/qemu/networks
BLOCKER=
FAILS=0
CHECKS=0

# Stop what the test started: networks (and so their dnsmasq), any dnsmasq still running
# with a config of ours (by pid), the port blocker, the namespaces, the temp dir.
cleanup() {
    for n in natnet dnsfail clash overlap overlap6; do
        ip netns exec "$NS" "$VMDECK_BIN" -c qemu:///system net-destroy "$n" >/dev/null 2>&1
    done
    for f in "$RUN"/*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        if tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "^--conf-file=$TMP/"; then
            kill -9 "$pid" 2>/dev/null
        fi
    done
    [ -n "$BLOCKER" ] && kill "$BLOCKER" 2>/dev/null && wait "$BLOCKER" 2>/dev/null
    for ns in "$NS" "$CL" "$OUT"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

for tool in ip nft dnsmasq busybox python3; do
    if ! PATH=/usr/sbin:/sbin:$PATH command -v "$tool" >/dev/null; then
        echo "FAIL: $tool is not installed (make deps installs it)"
        exit 1
    fi
done

# vm ARGS...: run vmdeck inside $NS, leaving $OUT_TEXT, $ERR and $RC.
vm() {
    ip netns exec "$NS" "$VMDECK_BIN" -c qemu:///system "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT_TEXT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# check DESCRIPTION COMMAND...: count a check, report it when the command fails.
check() {
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    if ! "$@"; then
        echo "FAIL: $what"
        echo "  last vmdeck rc=${RC:-} stdout: $(printf '%s' "${OUT_TEXT:-}" | head -5)"
        echo "  stderr: ${ERR:-}"
        FAILS=$((FAILS + 1))
    fi
}

# error_is TEXT: the last vmdeck run failed (exit 1) with exactly the line "error: TEXT".
error_is() {
    [ "$RC" = 1 ] && [ "$ERR" = "error: $1" ]
}

# in_ns NS COMMAND...: run a command in a namespace.
in_ns() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

# alive PID: the process exists and is not a zombie.
alive() {
    local state
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# nothing_of NAME BRIDGE: no bridge, nft table, dnsmasq or live files remain of a network.
nothing_of() {
    ! in_ns "$NS" test -e "/sys/class/net/$2" &&
        ! in_ns "$NS" nft list table ip "vmdeck-$1" >/dev/null 2>&1 &&
        ! ls "$RUN/$1".* >/dev/null 2>&1 &&
        ! pgrep -f -- "--conf-file=$RUN/$1.dnsmasq.conf" >/dev/null
}

# dhcp_client VETH MAC: plug a veth into vmdnat0 with its peer eth-VETH (MAC) in $CL, run
# busybox udhcpc on it; the lease's "ip router" ends up in $TMP/lease-VETH.
dhcp_client() {
    local v=$1 mac=$2
    in_ns "$NS" ip link add "$v" type veth peer name "eth-$v" netns "$CL"
    in_ns "$NS" ip link set "$v" master vmdnat0 up
    in_ns "$CL" ip link set "eth-$v" address "$mac" up
    in_ns "$CL" busybox udhcpc -i "eth-$v" -f -n -q -t 8 -T 1 -s "$TMP/udhcpc.sh" >/dev/null 2>&1
}

ip netns add "$NS" && ip netns add "$CL" && ip netns add "$OUT" ||
    { echo "FAIL: cannot create network namespaces"; exit 1; }
for ns in "$NS" "$CL" "$OUT"; do in_ns "$ns" ip link set lo up; done
# the uplink: vup0 in $NS (192.0.2.1), eth0 in $OUT (192.0.2.2, no route to 10.77.0.0/24)
in_ns "$NS" ip link add vup0 type veth peer name eth0 netns "$OUT"
in_ns "$NS" ip addr add 192.0.2.1/24 dev vup0
in_ns "$NS" ip link set vup0 up
in_ns "$OUT" ip addr add 192.0.2.2/24 dev eth0
in_ns "$OUT" ip link set eth0 up

cat >"$TMP/udhcpc.sh" <<EOF
#!/bin/sh
case "\$1" in
bound|renew)
    ip addr add "\$ip/\$mask" dev "\$interface"
    [ -n "\$router" ] && ip route replace default via "\$router"
    echo "\$ip \$router" > "$TMP/lease-\${interface#eth-}"
    ;;
esac
exit 0
EOF
chmod 755 "$TMP/udhcpc.sh"

# network NAME BRIDGE FORWARD IP PREFIX [DHCP-XML]: write $TMP/NAME.xml.
network() {
    {
        echo "<network><name>$1</name>"
        [ -n "$3" ] && echo "$3"
        echo "<bridge name='$2' stp='on' delay='0'/>"
        echo "<ip address='$4' prefix='$5'>${6:-}</ip></network>"
    } >"$TMP/$1.xml"
}

network natnet vmdnat0 "<forward mode='nat' dev='vup0'/>" 10.77.0.1 24 \
    "<dhcp><range start='10.77.0.10' end='10.77.0.20'/><host mac='52:54:00:77:00:05' name='fixed' ip='10.77.0.5'/></dhcp>"
vm net-define "$TMP/natnet.xml"
check "net-define natnet" test "$RC" = 0

# 1. a domain on the inactive network is refused, naming it
"$GUEST_XML" onnat --device \
    "<interface type='network'><mac address='52:54:00:77:00:99'/><source network='natnet'/></interface>" \
    >"$TMP/onnat.xml"
vm define "$TMP/onnat.xml"
vm start onnat
check "domain on inactive network: start fails" test "$RC" = 1
check "domain on inactive network: error names it" grep -q "network 'natnet' is not active" "$TMP/err"
vm undefine onnat

# 2. dnsmasq cannot bind (UDP 53 held on every address): the start fails, nothing is left
network dnsfail vmdfail0 "<forward mode='nat'/>" 10.78.0.1 24 \
    "<dhcp><range start='10.78.0.10' end='10.78.0.20'/></dhcp>"
vm net-define "$TMP/dnsfail.xml"
ip netns exec "$NS" python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",53))
open(sys.argv[1],"w").close(); time.sleep(60)' "$TMP/blocker-ready" &
BLOCKER=$!
for _ in $(seq 100); do [ -e "$TMP/blocker-ready" ] && break; sleep 0.05; done
check "port 53 blocker is bound" test -e "$TMP/blocker-ready"
vm net-start dnsfail
check "dnsmasq failure: start fails" test "$RC" = 1
check "dnsmasq failure: one line naming the network and dnsmasq" \
    bash -c "[ \$(wc -l <'$TMP/err') = 1 ] && grep -q \"^error: network 'dnsfail': cannot start dnsmasq: \" '$TMP/err'"
check "dnsmasq failure: bridge, nft table, files all undone" nothing_of dnsfail vmdfail0
kill "$BLOCKER" 2>/dev/null
wait "$BLOCKER" 2>/dev/null
BLOCKER=

# 3. start: bridge, address, stp, dnsmasq, nft, forwarding, list
vm net-start natnet
check "net-start natnet" test "$RC" = 0
check "net-start message" test "$OUT_TEXT" = "Network 'natnet' started"
check "bridge vmdnat0 exists" in_ns "$NS" test -d /sys/class/net/vmdnat0/bridge
check "bridge has 10.77.0.1/24" bash -c "ip netns exec $NS ip -o -4 addr show dev vmdnat0 | grep -q 'inet 10.77.0.1/24'"
check "bridge is up" bash -c "ip netns exec $NS ip -o link show vmdnat0 | grep -q '[<,]UP[,>]'"
check "bridge stp is on" test "$(in_ns "$NS" cat /sys/class/net/vmdnat0/bridge/stp_state)" = 1
pid=$(cat "$RUN/natnet.pid" 2>/dev/null)
check "dnsmasq runs (pid ${pid:-none})" alive "${pid:-0}"
check "dnsmasq is bound to the bridge" \
    bash -c "tr '\0' '\n' </proc/$pid/cmdline | grep -qx -- --interface=vmdnat0"
check "dnsmasq runs in the network's namespace" \
    test "$(readlink "/proc/$pid/ns/net")" = "$(in_ns "$NS" readlink /proc/self/ns/net)"
check "nft table vmdeck-natnet masquerades out of vup0" \
    bash -c "ip netns exec $NS nft list table ip vmdeck-natnet | grep -q 'oifname \"vup0\" masquerade'"
check "IPv4 forwarding is on" test "$(in_ns "$NS" cat /proc/sys/net/ipv4/ip_forward)" = 1
vm net-list
check "net-list shows natnet active" bash -c "grep -Eq '^ natnet +active +no +yes' '$TMP/out'"
vm net-info natnet
check "net-info: active, bridge, range" \
    bash -c "grep -q '^Active: *yes' '$TMP/out' && grep -q '^Bridge: *vmdnat0' '$TMP/out' && grep -q '^DHCP range: *10.77.0.10-10.77.0.20' '$TMP/out'"
vm net-dumpxml natnet
check "live XML has the bridge" grep -q "<bridge name='vmdnat0'" "$TMP/out"

# 4. errors: already active; bridge name taken by a host interface; overlapping subnet
vm net-start natnet
check "start twice: one line" error_is "network 'natnet' is already active"
network clash vup0 "" 10.79.0.1 24
vm net-define "$TMP/clash.xml"
vm net-start clash
check "bridge name taken: one line" \
    error_is "network 'clash': bridge name 'vup0' is already used by an interface on this host"
check "bridge name taken: uplink untouched" \
    bash -c "ip netns exec $NS ip -o -4 addr show dev vup0 | grep -q 192.0.2.1/24"
check "bridge name taken: nothing made" bash -c "! ip netns exec $NS nft list table ip vmdeck-clash >/dev/null 2>&1 && ! ls '$RUN'/clash.* >/dev/null 2>&1"
network overlap vmdovl0 "" 192.0.2.129 25
vm net-define "$TMP/overlap.xml"
vm net-start overlap
check "overlapping subnet: one line" \
    error_is "network 'overlap': subnet 192.0.2.128/25 overlaps the host's route 192.0.2.0/24 on vup0"
check "overlapping subnet: nothing made" nothing_of overlap vmdovl0
in_ns "$NS" ip -6 route add fd00:5::/48 dev vup0
printf "<network><name>overlap6</name><bridge name='vmdovl6'/><ip family='ipv6' address='fd00:5:0:1::1' prefix='64'/></network>\n" >"$TMP/overlap6.xml"
vm net-define "$TMP/overlap6.xml"
vm net-start overlap6
check "overlapping IPv6 subnet: one line" \
    error_is "network 'overlap6': subnet fd00:5:0:1::/64 overlaps the host's route fd00:5::/48 on vup0"
check "overlapping IPv6 subnet: nothing made" nothing_of overlap6 vmdovl6

# 5. DHCP: the static host and a range client get leases; NAT reaches $OUT
dhcp_client st 52:54:00:77:00:05
check "static host leased 10.77.0.5 with router 10.77.0.1" \
    test "$(cat "$TMP/lease-st" 2>/dev/null)" = "10.77.0.5 10.77.0.1"
dhcp_client rg 52:54:00:77:00:42
rg_ip=$(cut -d' ' -f1 "$TMP/lease-rg" 2>/dev/null)
check "range client leased ${rg_ip:-nothing} in 10.77.0.10-20" \
    bash -c "[[ '$rg_ip' =~ ^10\.77\.0\.(1[0-9]|20)$ ]]"
check "lease file lists both clients" \
    bash -c "grep -q '52:54:00:77:00:05 10.77.0.5' '$RUN/natnet.leases' && grep -q '52:54:00:77:00:42 $rg_ip' '$RUN/natnet.leases'"
check "NAT: a client reaches 192.0.2.2, which has no route back" \
    bash -c "ip netns exec $CL busybox ping -c 1 -W 2 -I eth-st 192.0.2.2 >/dev/null"

# 6. destroy removes it all
vm net-destroy natnet
check "net-destroy natnet" test "$RC" = 0
check "net-destroy message" test "$OUT_TEXT" = "Network 'natnet' destroyed"
check "destroy: dnsmasq (pid $pid) is gone" bash -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status"
check "destroy: bridge, nft table and runtime files are gone" nothing_of natnet vmdnat0
vm net-list --all
check "net-list --all shows natnet inactive" bash -c "grep -Eq '^ natnet +inactive +no +yes' '$TMP/out'"
vm net-destroy natnet
check "destroy twice: one line" error_is "network 'natnet' is not active"

# 7. a vanished bridge, then a dead dnsmasq: inactive with the reason; net-start recovers
vm net-start natnet
in_ns "$NS" ip link del vmdnat0
vm net-info natnet
check "bridge deleted behind vmdeck's back: inactive" grep -q '^Active: *no' "$TMP/out"
check "... and says why" grep -q "^Reason: *bridge 'vmdnat0' is gone" "$TMP/out"
vm net-start natnet
check "net-start after the bridge vanished" test "$RC" = 0
pid=$(cat "$RUN/natnet.pid" 2>/dev/null)
check "dnsmasq runs again (pid ${pid:-none})" alive "${pid:-0}"
[ -n "$pid" ] && kill -9 "$pid"
sleep 0.2
vm net-list --all
check "dnsmasq killed: inactive" bash -c "grep -Eq '^ natnet +inactive' '$TMP/out'"
vm net-info natnet
check "... and says why" grep -q "^Reason: *its dnsmasq is not running" "$TMP/out"
vm net-destroy natnet
check "net-destroy of the broken network cleans up" nothing_of natnet vmdnat0

# 8. autostart: vmdeck autostart starts marked networks
vm net-autostart natnet
check "net-autostart" test "$OUT_TEXT" = "Network 'natnet' marked as autostarted"
check "autostart mark is a link to the definition" \
    test "$(readlink "$TMP/config/qemu/networks/autostart/natnet.xml")" = ../natnet.xml
vm autostart
check "vmdeck autostart starts natnet" bash -c "grep -qx \"Network 'natnet' started\" '$TMP/out'"
vm net-info natnet
check "natnet is active after autostart" grep -q '^Active: *yes' "$TMP/out"
vm net-autostart --disable natnet
check "net-autostart --disable" test ! -e "$TMP/config/qemu/networks/autostart/natnet.xml"
vm net-destroy natnet
check "final destroy" nothing_of natnet vmdnat0

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
