#!/bin/bash
# test-libvirt-argv: libvirt judges the QEMU command lines vmdeck builds. For each fixture
# (tests/data/xml2argv/*.xml that libvirt accepts, plus the test guest's demo.xml) vmdeck's
# argv and the argv of `virsh -c "qemu:///embed?root=DIR" domxml-to-native qemu-argv FILE`
# (libvirt 9's QEMU driver run inside virsh, no daemon) are turned into facts both must
# agree on: memory, vcpus, disk files with their read-only flags, boot order, rtc base, VNC
# listen address and MACs. Any difference is printed as a table (fact | vmdeck | libvirt).
#
# vmdeck's argv comes from `vmdeck domxml-to-native qemu-argv FILE`; while that verb is not
# in the binary, from the golden files tests/data/xml2argv/NAME.args, which
# test-qemu-xml2argv proves equal to qemu_argv_build's output (demo.xml is then skipped).
#
# Set-up (packages libvirt-clients + libvirt-daemon-driver-qemu from `make deps`): the
# embedded driver needs a system user libvirt-qemu (created here when missing and we are
# root, else the test is skipped with the reason) and DIR/etc/qemu.conf with user/group
# root and stdio_handler "file" (without the user line every call takes about 60 s).
set -u

SRC=${VMDECK_SOURCE_DIR:?VMDECK_SOURCE_DIR must point at the source tree}
VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
GUEST_DIR=${VMDECK_GUEST_DIR:-}
DATA=$SRC/tests/data/xml2argv
PASSED=0
FAILED=0

# Fixtures libvirt refuses, each with libvirt's reason; they are still run through virsh
# and must still be refused, so an entry that is no longer needed is reported.
#   q35: vmdeck puts <target bus='ide'> disks on q35's built-in AHCI (ide.N), libvirt says
#   "IDE controllers are unsupported for this QEMU binary or machine type".
#   lifecycle-preserve: libvirt's QEMU driver "doesn't support the 'preserve' action for
#   'on_reboot'/'on_poweroff'" (vmdeck keeps the guest paused for post-mortem).
declare -A REFUSED=([q35]='IDE controllers are unsupported'
    [lifecycle-preserve]="doesn't support the 'preserve' action")
# Fixtures vmdeck cannot turn into an argv here, with the reason (printed as a skip).
#   net-network: needs the virtual network 'default' active (libvirt's domxml-to-native
#   turns every NIC into a tap fd without looking at the network). As root it is run: a
#   network 'default' is started in a private network namespace and vmdeck runs there.
declare -A VMDECK_SKIP=([net-network]='needs an active virtual network (net-start needs root)')

if ! command -v virsh >/dev/null ||
    ! ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1; then
    echo "FAIL: virsh (libvirt-clients) and libvirt's QEMU driver (libvirt-daemon-driver-qemu)" \
        "are the outside judge of our argv; run 'make deps' to install them"
    echo "0 passed, 1 failed"
    exit 1
fi
if ! getent passwd libvirt-qemu >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: libvirt's embedded QEMU driver needs the system user libvirt-qemu," \
            "which only root can create (useradd --system libvirt-qemu)"
        exit 0
    fi
    useradd --system --no-create-home --shell /usr/sbin/nologin libvirt-qemu 2>/dev/null ||
        getent passwd libvirt-qemu >/dev/null || {
        echo "FAIL: cannot create the system user libvirt-qemu"
        exit 1
    }
fi

TMP=$(mktemp -d /tmp/vmdeck-libvirt-argv.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
NETNS=
# Remove the temp dir, and the network namespace (with network 'default') when made.
cleanup() {
    if [ -n "$NETNS" ]; then
        ip netns exec "$NETNS" "$VMDECK_BIN" -c qemu:///session net-destroy default >/dev/null 2>&1
        ip netns del "$NETNS"
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$TMP/libvirt/etc"
printf 'user = "root"\ngroup = "root"\nstdio_handler = "file"\n' > "$TMP/libvirt/etc/qemu.conf"
VIRSH_URI="qemu:///embed?root=$TMP/libvirt"

pass() {
    PASSED=$((PASSED + 1))
}

fail() {
    echo "FAIL: $*"
    FAILED=$((FAILED + 1))
}

# split_args: a command line on stdin (shell-quoted on one line, or one argument per line)
# to one argument per line, without the leading VAR=value environment words.
split_args() {
    local text
    text=$(cat)
    if [ "$(printf '%s\n' "$text" | wc -l)" -le 1 ]; then
        printf '%s\n' "$text" | xargs printf '%s\n'
    else
        printf '%s\n' "$text"
    fi | awk 'started || !/^[A-Za-z_][A-Za-z0-9_]*=/ { started = 1; print }'
}

# facts: one QEMU argument per line on stdin -> sorted "fact<TAB>value" lines.
facts() {
    awk -F '\t' '
    # Value of key in a QEMU key=value,... option string (",," is an escaped comma).
    function kv(s, key,    n, i, parts, t) {
        gsub(/,,/, "\001", s)
        n = split(s, parts, ",")
        for (i = 1; i <= n; i++)
            if (index(parts[i], key "=") == 1) {
                t = substr(parts[i], length(key) + 2)
                gsub(/\001/, ",", t)
                return t
            }
        return ""
    }
    # Value of "key" in a flat JSON object (string, number or boolean).
    function js(s, key,    m) {
        if (match(s, "\"" key "\":\"[^\"]*\"")) {
            m = substr(s, RSTART + length(key) + 4, RLENGTH - length(key) - 5)
            return m
        }
        if (match(s, "\"" key "\":[^,}\"]+")) {
            m = substr(s, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
            return m
        }
        return ""
    }
    # Option value: JSON or key=value form.
    function opt(s, key) {
        return substr(s, 1, 1) == "{" ? js(s, key) : kv(s, key)
    }
    # Boot kind of a -device: cdrom, fd, network or hd ("" for other devices).
    function kind(s,    drv) {
        drv = substr(s, 1, 1) == "{" ? js(s, "driver") : s
        sub(/,.*/, "", drv)
        if (opt(s, "netdev") != "") return "network"
        if (drv ~ /-cd$/) return "cdrom"
        if (drv == "floppy") return "fd"
        if (opt(s, "drive") != "" || drv ~ /^(ide-hd|scsi-hd|virtio-blk|usb-storage)/) return "hd"
        return ""
    }
    {
        a = $0
        if (prev == "-m") {
            v = a; if (v ~ /size=/) v = kv(v, "size"); sub(/,.*/, "", v)
            if (v ~ /[kK]$/) v = int(substr(v, 1, length(v) - 1) / 1024)
            else if (v ~ /[gG]$/) v = substr(v, 1, length(v) - 1) * 1024
            else sub(/[mM]$/, "", v)
            print "memory (MiB)\t" v
        } else if (prev == "-smp") {
            v = a; if (v ~ /^cpus=/) v = kv(v, "cpus"); sub(/,.*/, "", v)
            print "vcpus\t" v
        } else if (prev == "-rtc") {
            print "rtc base\t" kv(a, "base")
        } else if (prev == "-vnc") {
            v = a; sub(/,.*/, "", v); sub(/:[0-9]+$/, "", v)
            print "vnc listen\t" (v == "" ? "(all)" : v)
        } else if (prev == "-boot") {
            if (kv(a, "order") != "") letters = kv(a, "order")
            else if (a !~ /=/) letters = a
        } else if (prev == "-global" && a ~ /^isa-fdc\.bootindex[AB]=/) {
            v = a; sub(/.*=/, "", v); bootidx["fd"] = bootidx["fd"] == "" ? v : bootidx["fd"]
        } else if (prev == "-drive") {
            f = kv(a, "file"); id = kv(a, "id")
            if (f != "") { dfile[id] = f; dro[id] = kv(a, "readonly") == "on" }
            kv_drive[id] = 1
        } else if (prev == "-blockdev") {
            node = opt(a, "node-name"); f = opt(a, "filename"); ro = opt(a, "read-only")
            ro = (ro == "true" || ro == "on")
            if (f != "") { dfile[node] = f; dro[node] = dro[node] || ro }
            else {
                child = opt(a, "file")
                if (child != "") { parent[node] = child; dro[child] = dro[child] || ro }
            }
        } else if (prev == "-device") {
            m = tolower(opt(a, "mac"))
            if (m != "") print "mac\t" m
            k = kind(a)
            if (k != "") {
                present[k] = 1
                b = opt(a, "bootindex")
                if (b != "" && (bootidx[k] == "" || b + 0 < bootidx[k] + 0)) bootidx[k] = b
            }
        } else if (prev == "-kernel") {
            kernel = 1
        }
        prev = a
    }
    END {
        for (n in dfile) print "disk " dfile[n] "\t" (dro[n] ? "read-only" : "read-write")
        seq = ""
        # Boot order: by bootindex when the argv has any, else -boot order letters.
        nb = 0
        for (k in bootidx) if (bootidx[k] != "") { nb++; order[nb] = k }
        for (i = 1; i <= nb; i++)
            for (j = i + 1; j <= nb; j++)
                if (bootidx[order[j]] + 0 < bootidx[order[i]] + 0) { t = order[i]; order[i] = order[j]; order[j] = t }
        if (!kernel) for (i = 1; i <= nb; i++) seq = seq (seq == "" ? "" : ",") order[i]
        # With -kernel QEMU boots that kernel whatever the order says (libvirt still writes
        # bootindex on disks, vmdeck writes nothing): not a fact to compare.
        if (kernel) { nb = 0; seq = "(kernel)" }
        if (nb == 0 && !kernel) {
            name["a"] = "fd"; name["c"] = "hd"; name["d"] = "cdrom"; name["n"] = "network"
            for (i = 1; i <= length(letters); i++) {
                k = name[substr(letters, i, 1)]
                if (k != "" && present[k] && !done[k]) { done[k] = 1; seq = seq (seq == "" ? "" : ",") k }
            }
        }
        print "boot order\t" (seq == "" ? "(none)" : seq)
    }' | sort
}

# table VMDECK_FACTS LIBVIRT_FACTS: the facts that differ, one row each.
table() {
    printf '    %-40s | %-24s | %s\n' fact vmdeck libvirt
    join -t "$(printf '\t')" -a 1 -a 2 -e '(missing)' -o 0,1.2,2.2 \
        <(awk -F '\t' '{ v[$1] = v[$1] (v[$1] == "" ? "" : " ") $2 } END { for (k in v) print k "\t" v[k] }' "$1" | sort) \
        <(awk -F '\t' '{ v[$1] = v[$1] (v[$1] == "" ? "" : " ") $2 } END { for (k in v) print k "\t" v[k] }' "$2" | sort) |
        awk -F '\t' '$2 != $3 { printf "    %-40s | %-24s | %s\n", $1, $2, $3 }'
}

HAVE_VERB=0
if "$VMDECK_BIN" help domxml-to-native >/dev/null 2>&1; then
    HAVE_VERB=1
else
    echo "note: vmdeck has no domxml-to-native verb yet; using the golden .args files"
fi

# As root: network 'default' (a bridge, nothing else) started in a namespace of our own, for
# net-network's vmdeck side.
if [ "$(id -u)" = 0 ] && ip netns add "vmdeck-lvargv-$$" 2>/dev/null; then
    NETNS=vmdeck-lvargv-$$
    printf "<network><name>default</name><bridge name='virbr0'/></network>\n" >"$TMP/default.net"
    if ip netns exec "$NETNS" "$VMDECK_BIN" -c qemu:///session net-define "$TMP/default.net" \
        >/dev/null && ip netns exec "$NETNS" "$VMDECK_BIN" -c qemu:///session net-start default \
        >/dev/null; then
        unset 'VMDECK_SKIP[net-network]'
    else
        fail "cannot start network 'default' in namespace $NETNS"
    fi
fi

# The facts parser itself is checked on a hand-written libvirt-style argv, so a parser
# that finds nothing cannot make every comparison pass.
printf '%s\n' -m 256 -smp 2,sockets=2 -rtc base=localtime -vnc 127.0.0.1:0,audiodev=a \
    -blockdev '{"driver":"file","filename":"/a b.img","node-name":"s1"}' \
    -blockdev '{"node-name":"f1","read-only":true,"driver":"raw","file":"s1"}' \
    -device '{"driver":"ide-cd","drive":"f1","id":"c","bootindex":1}' \
    -device '{"driver":"e1000","netdev":"n0","mac":"52:54:00:AA:00:01","bootindex":2}' |
    facts > "$TMP/self"
printf 'boot order\tcdrom,network\ndisk /a b.img\tread-only\nmac\t52:54:00:aa:00:01\nmemory (MiB)\t256\nrtc base\tlocaltime\nvcpus\t2\nvnc listen\t127.0.0.1\n' |
    sort > "$TMP/self.want"
if cmp -s "$TMP/self" "$TMP/self.want"; then pass; else
    fail "the facts parser misreads a known argv:"
    table "$TMP/self" "$TMP/self.want"
fi

fixtures=("$DATA"/*.xml)
if [ -n "$GUEST_DIR" ] && [ -f "$GUEST_DIR/demo.xml" ]; then
    if [ $HAVE_VERB = 1 ]; then fixtures+=("$GUEST_DIR/demo.xml"); else
        echo "note: demo.xml skipped (no golden .args for it and no domxml-to-native verb)"
    fi
else
    fail "the test guest's demo.xml is missing (VMDECK_GUEST_DIR=$GUEST_DIR)"
fi

for xml in "${fixtures[@]}"; do
    name=$(basename "$xml" .xml)
    if [ -n "${VMDECK_SKIP[$name]:-}" ]; then
        echo "skip: $name: ${VMDECK_SKIP[$name]}"
        continue
    fi
    if ! lv=$(virsh -q -c "$VIRSH_URI" domxml-to-native qemu-argv "$xml" 2>&1); then
        if [ -n "${REFUSED[$name]:-}" ] && [[ "$lv" == *"${REFUSED[$name]}"* ]]; then
            pass
        else
            fail "$name: libvirt refuses it: $lv"
        fi
        continue
    fi
    if [ -n "${REFUSED[$name]:-}" ]; then
        fail "$name: libvirt now accepts it; drop it from REFUSED"
    fi
    if [ $HAVE_VERB = 1 ]; then
        in_ns=()
        [ "$name" = net-network ] && [ -n "$NETNS" ] && in_ns=(ip netns exec "$NETNS")
        if ! vm=$("${in_ns[@]}" "$VMDECK_BIN" -c qemu:///session domxml-to-native qemu-argv \
            "$xml" 2>&1); then
            fail "$name: vmdeck domxml-to-native failed: $vm"
            continue
        fi
    else
        vm=$(cat "$DATA/$name.args")
    fi
    printf '%s\n' "$vm" | split_args | facts > "$TMP/$name.vmdeck"
    printf '%s\n' "$lv" | split_args | facts > "$TMP/$name.libvirt"
    if ! grep -q '^memory' "$TMP/$name.libvirt"; then
        fail "$name: no -m in libvirt's argv (parser or virsh output changed)"
    elif cmp -s "$TMP/$name.vmdeck" "$TMP/$name.libvirt"; then
        pass
    else
        fail "$name: vmdeck and libvirt disagree:"
        table "$TMP/$name.vmdeck" "$TMP/$name.libvirt"
    fi
done

echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
