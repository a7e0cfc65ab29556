#!/usr/bin/env bash
# test/qemu/kernel-mips.sh : a big-endian MIPS (malta) kernel for the QEMU guest, built from
# Debian bookworm's linux-source-6.1 (Debian has no big-endian mips kernel). OpenWrt-like:
# no floating-point emulation (MIPS_FP_SUPPORT=n, so a hard-float binary dies with SIGILL),
# no modules; TUN, VETH, WIREGUARD, NET_NS, IPV6 and DEVTMPFS built in. Needs
# mips-linux-gnu-gcc (a kernel uses no FPU, so Debian's glibc cross compiler is fine), flex,
# bison, bc. ~8 min on 2 cores; cached as $CACHE/kernel-mips/vmlinux (the tree is deleted after).
set -eu
cd "$(dirname "$0")/../.."
CACHE=${WGJS_QEMU_CACHE:-/var/cache/wgjs-qemu}
K=$CACHE/kernel-mips
[ -e "$K/done" ] && exit 0
rm -rf "$K"; mkdir -p "$K"
deb=$(bash test/qemu/fetch.sh amd64 linux-source-6.1)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$K" ./usr/src/
tar -xJf "$K"/usr/src/linux-source-*.tar.xz -C "$K"
rm -rf "${K:?}/usr"
src=$(echo "$K"/linux-source-*)
mk=(make -C "$src" ARCH=mips CROSS_COMPILE=mips-linux-gnu- -j"$(nproc)")
"${mk[@]}" malta_defconfig >/dev/null
# without MODULES Kconfig would build every =m of malta_defconfig in (netfilter, ipvs, sound,
# ...): drop them first, then switch on what the guest needs
sed -i 's/^\(CONFIG_[A-Za-z0-9_]*\)=m$/# \1 is not set/' "$src/.config"
cfg="$src/scripts/config --file $src/.config"
# EXPERT makes MIPS_FP_SUPPORT visible
$cfg -e CPU_BIG_ENDIAN -d CPU_LITTLE_ENDIAN -e EXPERT -d MIPS_FP_SUPPORT -d MODULES \
  -e BLK_DEV_INITRD -e RD_GZIP -e DEVTMPFS -e DEVTMPFS_MOUNT -e NET_NS -e NAMESPACES \
  -e NET -e INET -e IPV6 -e UNIX -e TMPFS -e PROC_FS -e SYSFS -e TUN -e VETH -e WIREGUARD \
  -e SERIAL_8250 -e SERIAL_8250_CONSOLE -d DEBUG_INFO -d DEBUG_INFO_DWARF4 -d DEBUG_INFO_DWARF5
"${mk[@]}" olddefconfig >/dev/null
for o in CPU_BIG_ENDIAN TUN VETH WIREGUARD NET_NS IPV6 UNIX TMPFS DEVTMPFS BLK_DEV_INITRD SERIAL_8250_CONSOLE; do
  grep -q "^CONFIG_$o=y" "$src/.config" || { echo "kernel-mips.sh: CONFIG_$o is not built in" >&2; exit 1; }
done
grep -q '^CONFIG_MIPS_FP_SUPPORT=y' "$src/.config" && { echo "kernel-mips.sh: MIPS_FP_SUPPORT still on" >&2; exit 1; }
"${mk[@]}" vmlinux >"$K/build.log" 2>&1 || { tail -n 30 "$K/build.log" >&2; exit 1; }
cp "$src/vmlinux" "$K/vmlinux"
cp "$src/.config" "$K/config"
rm -rf "$src"
touch "$K/done"
