#!/bin/bash
# test-tui-lists: the Domains/Networks lists of the real vmdeck TUI in tmux, on a test
# driver node file (test:///PATH.xml) with four domains in three states and two networks.
# Sort by each column (order read back from capture-pane), invert, the live '/' filter and
# Esc, Tab / ] / [ switching, the CPU sparkline filling once a second, details in words with
# live graphs (domain and network), the split, mouse click / double-click / wheel / tab click
# (xterm mouse sequences written into the pane), the F-key bar, 40x12 and back, and ASCII
# only in the C locale.
set -u
. "$(dirname "$0")/lib-e2e.sh"

NODE=$E2E_TMP/node.xml
cat >"$NODE" <<'XML'
<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <domain type='qemu'>
    <name>web</name>
    <memory unit='MiB'>2048</memory>
    <vcpu>4</vcpu>
    <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
    <devices>
      <disk type='file' device='disk'>
        <source file='/srv/web.img'/>
        <target dev='vda' bus='virtio'/>
      </disk>
      <disk type='file' device='cdrom'>
        <source file='/srv/tools.iso'/>
        <target dev='hdc'/>
        <readonly/>
      </disk>
      <interface type='network'>
        <mac address='52:54:00:12:34:56'/>
        <source network='default'/>
        <model type='virtio'/>
      </interface>
      <graphics type='vnc' port='-1' autoport='yes'/>
    </devices>
  </domain>
  <domain type='qemu'>
    <name>db</name>
    <memory unit='MiB'>512</memory>
    <vcpu>8</vcpu>
    <os><type>hvm</type></os>
    <test:runstate>3</test:runstate>
  </domain>
  <domain type='qemu'>
    <name>mail</name>
    <memory unit='MiB'>1024</memory>
    <vcpu>2</vcpu>
    <os><type>hvm</type></os>
  </domain>
  <domain type='qemu'>
    <name>alpha</name>
    <memory unit='MiB'>4096</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
  </domain>
  <network>
    <name>default</name>
    <forward mode='nat'/>
    <bridge name='virbr0'/>
    <ip address='192.168.122.1' netmask='255.255.255.0'>
      <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
    </ip>
  </network>
  <network>
    <name>isolated</name>
    <bridge name='virbr9'/>
    <ip address='10.9.0.1' prefix='24'/>
  </network>
</node>
XML

# The names in the list rows (screen lines 4.., first word), space-separated.
rows() {
    e2e_screen | sed -n '4,7p' | awk 'NF {print $1}' | paste -sd' '
}

# expect_order WHAT ORDER: the list rows are ORDER (waits a little for the redraw).
expect_order() {
    local i got
    for ((i = 0; i < 25; i++)); do
        got=$(rows)
        [ "$got" = "$2" ] && return 0
        sleep 0.2
    done
    e2e_fail "$1: rows are '$got', expected '$2'"
}

# mouse BUTTON X Y: an xterm (X10) mouse press at 0-based X, Y, then a release.
mouse() {
    local b=$1 x=$2 y=$3
    e2e_tmux send-keys -t e2e -H 1b 5b 4d "$(printf '%x' $((32 + b)))" \
        "$(printf '%x' $((33 + x)))" "$(printf '%x' $((33 + y)))"
    if [ "$b" -lt 64 ]; then
        e2e_tmux send-keys -t e2e -H 1b 5b 4d 23 "$(printf '%x' $((33 + x)))" \
            "$(printf '%x' $((33 + y)))"
    fi
}

e2e_start -c "test://$NODE"
e2e_wait ' Domains \(4\) +Networks \(2\) '
e2e_has 'Name +Id +State +vCPUs +Memory +CPU +Uptime +Console/VNC' "domain column titles"
e2e_has 'sort: Name ▲' "sort shown in the tab line"
e2e_has 'F1Help +F4Filter +F5Refresh +F6SortBy +F10Quit' "function key bar"
expect_order "by name" "alpha db mail web"
e2e_has '^ +web +1 +▶ running +4 +2.0 GiB' "web row"
e2e_has '^ +db +2 +‖ paused +8 +512 MiB' "db row"
e2e_has '^ +alpha +- +■ shut off +1 +4.0 GiB .* -$' "alpha row"
e2e_has '^ +web .*vnc:59[0-9][0-9]$' "web's VNC port"
e2e_has '^ +web .* 00:00:[0-9][0-9] ' "web's uptime"
# CPU sparkline: a sample a second for the running domains on screen.
e2e_wait '^ +web .*[▁▂▃▄▅▆▇█]{2,} +[0-9]+%'
e2e_wait '^ +mail .*[▁▂▃▄▅▆▇█]{2,} +[0-9]+%'
e2e_wait '^ +db +2 +‖ paused .*[▁▂▃▄▅▆▇█]{2,} +0% ' # paused: no CPU

# ---- sort by every column: > and F6 step, I inverts, < steps back ----
e2e_keys '>'
e2e_wait 'sort: Id ▲'
expect_order "by id" "web db mail alpha"
e2e_keys F6
e2e_wait 'sort: State ▲'
expect_order "by state" "mail web db alpha"
e2e_keys '>'
e2e_wait 'sort: vCPUs ▲'
expect_order "by vcpus" "alpha mail web db"
e2e_keys I
e2e_wait 'sort: vCPUs ▼'
expect_order "by vcpus inverted" "db web mail alpha"
e2e_keys I '>'
e2e_wait 'sort: Memory ▲'
expect_order "by memory" "db mail web alpha"
e2e_keys '>'
e2e_wait 'sort: CPU ▲'
[ "$(rows | cut -d' ' -f1)" = alpha ] || e2e_fail "by CPU: the shut off alpha is not first"
e2e_keys '>'
e2e_wait 'sort: Uptime ▲'
[ "$(rows | cut -d' ' -f1)" = alpha ] || e2e_fail "by uptime: the shut off alpha is not first"
e2e_keys '>'
e2e_wait 'sort: Console/VNC ▲'
expect_order "by console" "alpha db mail web"
e2e_keys '>'
e2e_wait 'sort: Name ▲'
e2e_keys '<'
e2e_wait 'sort: Console/VNC ▲'
e2e_keys '>'
e2e_wait 'sort: Name ▲'
expect_order "by name again" "alpha db mail web"

# ---- filter: typed live, shown in the tab line, Esc clears ----
e2e_keys /
e2e_wait 'filter: _'
e2e_type 'ma'
e2e_wait 'filter: ma_'
expect_order "filter ma" "mail"
e2e_keys BSpace
e2e_wait 'filter: m_'
e2e_type 'ail'
e2e_keys Enter
e2e_wait 'filter: mail  sort'
expect_order "filter kept" "mail"
e2e_keys Escape
e2e_wait_gone 'filter:'
expect_order "filter cleared" "alpha db mail web"
e2e_keys /
e2e_type 'PAUSED'
expect_order "filter on the state column, any case" "db"
e2e_keys Escape
e2e_wait_gone 'filter:'
e2e_keys F4
e2e_wait 'filter: _'
e2e_type 'nothing-like-this'
e2e_wait 'Nothing matches the filter'
e2e_keys Escape
expect_order "F4 filter cleared" "alpha db mail web"

# ---- tabs ----
e2e_keys Tab
e2e_wait 'Name +State +Bridge +Forward +Address range +Autostart'
e2e_has '^ +default +▶ active +virbr0 +nat +192\.168\.122\.0/24 +no' "default network row"
e2e_has '^ +isolated +▶ active +virbr9 +isolated +10\.9\.0\.0/24' "isolated network row"
expect_order "networks by name" "default isolated"
e2e_keys '>'
e2e_wait 'sort: State ▲'
e2e_keys '>'
e2e_wait 'sort: Bridge ▲'
expect_order "networks by bridge" "default isolated"
e2e_keys '>'
e2e_wait 'sort: Forward ▲'
expect_order "networks by forward mode" "default isolated"
e2e_keys '>'
e2e_wait 'sort: Address range ▲'
expect_order "networks by address range" "isolated default"
e2e_keys I
e2e_wait 'sort: Address range ▼'
expect_order "networks by address range inverted" "default isolated"
e2e_keys / v i r b r 0
expect_order "network filter" "default"
e2e_keys Escape
expect_order "network filter cleared" "default isolated"
e2e_keys Home Enter
e2e_wait 'details: default'
e2e_has 'DHCP range: +192\.168\.122\.2-192\.168\.122\.254' "network DHCP range"
e2e_has 'Forward: +nat' "network forward"
e2e_has '^ +web +▶ running' "domains using the network"
e2e_keys Escape
e2e_wait 'Address range'
e2e_keys ']'
e2e_wait 'Name +Id +State +vCPUs'
e2e_keys '['
e2e_wait 'Address range'
e2e_keys Tab
e2e_wait 'Name +Id +State +vCPUs'

# ---- details: words and live graphs ----
e2e_keys End Enter
e2e_wait 'details: web'
e2e_has 'State: +▶ running' "details state"
e2e_has 'Uptime: +00:00:[0-9][0-9]' "details uptime"
e2e_has 'vda +disk +/srv/web\.img \(virtio, read-write\)' "disk in words"
e2e_has 'hdc +cdrom +/srv/tools\.iso \(ide, read-only\)' "read-only cdrom in words"
e2e_has 'network +source default +52:54:00:12:34:56 +model virtio +IP unknown' "NIC in words"
e2e_has 'vnc +port 59[0-9][0-9]' "graphics port"
e2e_has 'Lifecycle: +poweroff: destroy, reboot: restart, crash: destroy' "lifecycle actions"
e2e_wait '^ CPU +[▁▂▃▄▅▆▇█ ]*[▁▂▃▄▅▆▇█] [0-9]+% \(peak'
e2e_wait '^ Disk read +[▁▂▃▄▅▆▇█ ]+ 1(\.0)? MiB/s|^ Disk read .*KiB/s'
e2e_has '^ Net rx ' "net rx graph"
e2e_wait '^ Memory .*2\.0 GiB'
e2e_keys Escape
e2e_wait 'Name +Id +State'

# ---- split ----
e2e_keys v
e2e_wait 'Name: +web'
e2e_has '^ +web +1 ' "list still shown in the split"
e2e_keys Home
e2e_wait 'Name: +alpha'
e2e_has 'Console: +not available \(the domain is not running\)' "details of a stopped domain in the split"
e2e_keys v
e2e_wait_gone 'Name: +alpha'

# ---- mouse: click selects, double-click opens, wheel scrolls, tab click switches ----
# rows: alpha y=3, db y=4, mail y=5, web y=6
mouse 0 5 5
sleep 0.6 # more than the double-click time
e2e_keys Enter
e2e_wait 'details: mail'
e2e_keys Escape
e2e_wait 'Name +Id +State'
mouse 0 5 4
mouse 0 5 4
e2e_wait 'details: db'
e2e_keys Escape
e2e_wait 'Name +Id +State'
e2e_keys Home
mouse 65 5 4 # wheel down: three rows
sleep 0.3
e2e_keys Enter
e2e_wait 'details: web'
e2e_keys Escape
e2e_wait 'Name +Id +State'
mouse 64 5 4 # wheel up
sleep 0.3
e2e_keys Enter
e2e_wait 'details: alpha'
e2e_keys Escape
e2e_wait 'Name +Id +State'
mouse 0 20 1 # the Networks tab label
e2e_wait 'Address range'
mouse 0 4 1 # the Domains tab label
e2e_wait 'Name +Id +State'

# ---- help lists the list keys ----
e2e_keys '?'
e2e_wait '^ Domain and network lists'
for k in Tab ']' '[' F6 '>' '<' I F4 / v Mouse; do
    e2e_screen | grep -qF "  $k " || e2e_fail "help does not list $k"
done
e2e_keys Escape

# ---- 40x12 and back ----
e2e_resize 40 12
for ((i = 0; i < 50; i++)); do
    [ "$(e2e_size)" = 40x12 ] && break
    sleep 0.1
done
e2e_wait '^ +Name +State'
e2e_wait '^ +web +▶ running'
e2e_has 'Dom \(4\) +Net \(2\)' "short tab labels at 40 columns"
e2e_keys Tab
e2e_wait '^ +Name +State'
e2e_wait 'default +▶ active'
e2e_keys Tab v Enter
e2e_wait 'UUID:'
e2e_keys Escape v / w
e2e_wait 'filter: w_'
e2e_keys Escape
e2e_resize 100 30
e2e_wait 'Name +Id +State +vCPUs +Memory +CPU +Uptime +Console/VNC'
e2e_running || e2e_fail "vmdeck exited after resizing"

e2e_keys q
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck exited with $rc"

# ---- a C locale: ASCII state symbols, sparklines, sort arrow and split line ----
VMDECK_BIN=/usr/bin/env e2e_start LANG=C LC_ALL=C "$VMDECK_BIN" -c "test://$NODE"
e2e_wait 'sort: Name \^'
e2e_has '^ +alpha +- +# shut off' "ASCII shut off symbol"
e2e_has '^ +db +2 +\| paused' "ASCII paused symbol"
e2e_wait '^ +web +1 +> running .*[_.=+*#@-]{2,} +[0-9]+%'
e2e_keys I v
e2e_wait 'sort: Name v'
e2e_wait '^-{40,}'
e2e_screen | grep -q '[^ -~]' && e2e_fail "non-ASCII output in the C locale"
e2e_keys q
rc=$(e2e_wait_exit)
[ "$rc" = 0 ] || e2e_fail "vmdeck (C locale) exited with $rc"
echo "test-tui-lists: ok"
