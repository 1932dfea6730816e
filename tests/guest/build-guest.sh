#!/bin/bash
# build-guest.sh DIR [NAME]: build the small test/demo guest into DIR, from Debian packages
# already on the machine (never downloaded):
#   DIR/vmlinuz            the host's Debian kernel (package linux-image-amd64)
#   DIR/initramfs.cpio.gz  busybox-static + an /init that mounts /proc /sys /dev, loads the
#                          ACPI button, NIC (e1000, virtio-net), disk (virtio-blk, IDE/ATA +
#                          sd/sr) and pvpanic modules, configures eth0 from the kernel cmdline,
#                          runs acpid (power button -> poweroff), prints VMDECK-GUEST-READY and
#                          gives a root shell on ttyS0
#   DIR/demo.xml           domain NAME (default 'demo'): type qemu (TCG), direct kernel boot
# Kernel cmdline switches the guest's /init reads (tests/guest/guest-xml.sh sets them):
#   vmdeck.ip=ADDR/PREFIX  eth0 up with that address (vmdeck.ip1= likewise for eth1)
#   vmdeck.dhcp=1          eth0 up and busybox udhcpc in the background (script sets the lease)
#   vmdeck.noacpid=1       no acpid: the guest ignores the ACPI power button
# A kernel panic (echo c > /proc/sysrq-trigger) reaches QEMU as GUEST_PANICKED when QEMU has
# -device pvpanic (the pvpanic ISA device at port 0x505 is found through ACPI).
# Used by `make run` (the demo) and by the tests (ctest fixture guest-build).
set -euo pipefail

dir=${1:?usage: build-guest.sh DIR [NAME]}
name=${2:-demo}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
self=$(readlink -f "$0")

die() { echo "build-guest: $*" >&2; exit 1; }

kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$kernel" ] || die "no kernel in /boot (install linux-image-amd64)"
[ -r "$kernel" ] || die "$kernel is not readable by $(id -un)"
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list | grep -x acpid >/dev/null || die "no static busybox with acpid (install busybox-static)"
command -v cpio >/dev/null || die "cpio is missing (install cpio)"

# Skip the work when the outputs are newer than this script and the kernel.
if [ -s "$dir/initramfs.cpio.gz" ] && [ -s "$dir/vmlinuz" ] && [ -s "$dir/$name.xml" ] &&
   [ "$dir/initramfs.cpio.gz" -nt "$self" ] && [ "$dir/vmlinuz" -nt "$kernel" -o "$dir/vmlinuz" -ef "$kernel" ] &&
   cmp -s "$kernel" "$dir/vmlinuz"; then
  echo "guest in $dir is up to date"
  exit 0
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/vmdeck-guest.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc/acpi/PWRF,proc,sys,dev,tmp,root,lib/modules,var/run,var/log} \
  "$root/usr/share/udhcpc"
cp "$busybox" "$root/bin/busybox"

# Kernel modules, each after the modules it depends on (modinfo's depends chain).
declare -A seen=()
order=()
add_module() {
  local m=$1 f deps d
  [ -n "${seen[$m]:-}" ] && return 0
  seen[$m]=1
  f=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || return 0
  [ "$f" = "(builtin)" ] && return 0
  deps=$(modinfo -k "$kver" -F depends "$m" 2>/dev/null | tr ',' ' ')
  for d in $deps; do add_module "$d"; done
  case "$f" in
    *.ko) cp "$f" "$root/lib/modules/$m.ko" ;;
    *.ko.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" > "$root/lib/modules/$m.ko" ;;
    *) return 0 ;;
  esac
  order+=("$m")
}
# ACPI power button; NICs; disks (virtio-blk, IDE on PIIX, SCSI disk + cdrom); panic reporting.
for m in evdev button e1000 virtio_pci virtio_net virtio_blk ata_piix ata_generic sd_mod sr_mod \
  pvpanic pvpanic_mmio pvpanic_pci; do
  add_module "$m"
done
for m in e1000 virtio_net virtio_blk ata_piix sd_mod pvpanic; do
  modinfo -k "$kver" -n "$m" >/dev/null 2>&1 || die "kernel $kver has no module $m"
done
printf '%s\n' "${order[@]}" > "$root/lib/modules/order"

cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "/lib/modules/$m.ko" 2>/dev/null; done < /lib/modules/order
hostname vmdeck-guest
ip link set lo up 2>/dev/null
ip4=; ip4b=; dhcp=; noacpid=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    vmdeck.ip=*) ip4=${arg#vmdeck.ip=} ;;
    vmdeck.ip1=*) ip4b=${arg#vmdeck.ip1=} ;;
    vmdeck.dhcp=1) dhcp=1 ;;
    vmdeck.noacpid=1) noacpid=1 ;;
  esac
done
if [ -n "$ip4" ]; then
  ip addr add "$ip4" dev eth0 && ip link set eth0 up
fi
if [ -n "$ip4b" ]; then
  ip addr add "$ip4b" dev eth1 && ip link set eth1 up
fi
if [ -n "$dhcp" ]; then
  ip link set eth0 up && udhcpc -i eth0 -b -S -s /usr/share/udhcpc/default.script >/dev/null 2>&1
fi
cd /
if [ -z "$noacpid" ]; then
  acpid -c /etc/acpi
  # READY promises the power button works: wait (up to 5 s) until acpid holds an input
  # event device, or an early ACPI press would be lost
  i=0
  while [ $i -lt 50 ] && ! ls -l /proc/$(pidof acpid)/fd 2>/dev/null | grep -q /dev/input/event; do
    usleep 100000
    i=$((i + 1))
  done
fi
echo VMDECK-GUEST-READY
export PS1='# ' HOME=/root
while true; do setsid cttyhack sh; done
EOF
# udhcpc's hook: put the leased address, the router and the DNS servers in place.
cat > "$root/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    echo "VMDECK-DHCP-BOUND $ip" > /dev/console
    ;;
esac
EOF
chmod 755 "$root/usr/share/udhcpc/default.script"
cat > "$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
/bin/busybox poweroff -f
EOF
chmod 755 "$root/init" "$root/etc/acpi/PWRF/00000080"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$dir/initramfs.cpio.gz.tmp"
mv "$dir/initramfs.cpio.gz.tmp" "$dir/initramfs.cpio.gz"
cp "$kernel" "$dir/vmlinuz.tmp" && mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"

cat > "$dir/$name.xml.tmp" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$dir/vmlinuz</kernel>
    <initrd>$dir/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0 quiet</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target port='0'/>
    </console>
  </devices>
</domain>
EOF
mv "$dir/$name.xml.tmp" "$dir/$name.xml"
echo "guest built in $dir (kernel $kver, modules: ${order[*]})"
