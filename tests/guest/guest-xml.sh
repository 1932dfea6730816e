#!/bin/bash
# guest-xml.sh NAME [options]: print a variant of the test guest's demo.xml (built by
# build-guest.sh) on stdout, for tests that need several guests or other devices.
#   --guest DIR          where demo.xml is (default $VMDECK_GUEST_DIR)
#   --cmdline WORDS      appended to the kernel cmdline (e.g. 'vmdeck.ip=10.0.5.1/24')
#   --on-poweroff A, --on-reboot A, --on-crash A   lifecycle actions
#   --memory KIB         <memory> in KiB
#   --device XML         appended inside <devices> (repeatable)
# Example: guest-xml.sh g1 --cmdline vmdeck.ip=10.0.5.1/24 \
#            --device "<interface type='mcast'><source address='230.0.0.1' port='5558'/></interface>"
set -euo pipefail

die() { echo "guest-xml: $*" >&2; exit 1; }

name=${1:?usage: guest-xml.sh NAME [--guest DIR] [--cmdline WORDS] [--on-crash A] [--device XML]...}
shift
dir=${VMDECK_GUEST_DIR:-}
cmdline='' devices=''
declare -A action=()
memory=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "option $1 needs a value"
  case "$1" in
    --guest) dir=$2 ;;
    --cmdline) cmdline+=" $2" ;;
    --on-poweroff) action[on_poweroff]=$2 ;;
    --on-reboot) action[on_reboot]=$2 ;;
    --on-crash) action[on_crash]=$2 ;;
    --memory) memory=$2 ;;
    --device) devices+="    $2"$'\n' ;;
    *) die "unknown option $1" ;;
  esac
  shift 2
done
[ -n "$dir" ] || die "no guest dir (--guest DIR or VMDECK_GUEST_DIR)"
[ -r "$dir/demo.xml" ] || die "no $dir/demo.xml (run tests/guest/build-guest.sh $dir)"
xml=$(<"$dir/demo.xml")

# Replace the text between <TAG> and </TAG> (first occurrence) with $2.
set_element() {
  local tag=$1 value=$2 head tail
  [[ "$xml" == *"<$tag>"*"</$tag>"* ]] || die "demo.xml has no <$tag>"
  head=${xml%%"<$tag>"*}
  tail=${xml#*"</$tag>"}
  xml="$head<$tag>$value</$tag>$tail"
}

set_element name "$name"
if [ -n "$memory" ]; then
  [[ "$memory" =~ ^[0-9]+$ ]] || die "--memory wants KiB as a number, not '$memory'"
  [[ "$xml" == *"<memory unit='KiB'>"* ]] || die "demo.xml has no <memory unit='KiB'>"
  tail=${xml#*"<memory unit='KiB'>"}
  xml="${xml%%"<memory unit='KiB'>"*}<memory unit='KiB'>$memory<${tail#*<}"
fi
for tag in "${!action[@]}"; do set_element "$tag" "${action[$tag]}"; done
if [ -n "$cmdline" ]; then
  old=${xml#*<cmdline>}
  old=${old%%</cmdline>*}
  set_element cmdline "$old$cmdline"
fi
if [ -n "$devices" ]; then
  [[ "$xml" == *"  </devices>"* ]] || die "demo.xml has no </devices>"
  xml="${xml%%"  </devices>"*}$devices  </devices>${xml#*</devices>}"
fi
printf '%s\n' "$xml"
