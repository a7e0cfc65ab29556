#!/usr/bin/env bash
# test/qemu/image.sh ARCH : kernel + initramfs for the QEMU guest of ARCH and build/ARCH/wgjs{,-test}.
#   x86_64 aarch64 arm mipsel: Debian bookworm's kernel with its tun/veth/wireguard modules,
#     busybox-static and the stock wg with its libc (test/qemu/fetch.sh).
#   mips (big-endian): Debian has neither kernel nor binaries for it: a kernel built from
#     Debian's linux-source (test/qemu/kernel-mips.sh, everything built in, no FPU emulation)
#     and busybox built from Debian's source with the soft-float toolchain
#     (test/qemu/busybox-mips.sh); no wg: /usr/bin/wg is a link to wgjs, whose CLI configures
#     the kernel's WireGuard over netlink.
# Cached in $WGJS_QEMU_CACHE (default /var/cache/wgjs-qemu): kernels, module selection and
# busybox are made once; the initramfs is re-packed when the binaries or the guest script
# change. Prints "KERNEL INITRD".
set -eu
cd "$(dirname "$0")/../.."
CACHE=${WGJS_QEMU_CACHE:-/var/cache/wgjs-qemu}
arch=$1
case $arch in
  x86_64) deb=amd64 flavor=amd64 ld=/lib64/ld-linux-x86-64.so.2 ;;
  aarch64) deb=arm64 flavor=arm64 ld=/lib/ld-linux-aarch64.so.1 ;;
  arm) deb=armhf flavor=armmp ld=/lib/ld-linux-armhf.so.3 ;;
  mipsel) deb=mipsel flavor=4kc-malta ld=/lib/ld.so.1 ;;
  mips) deb= ;;
  *) echo "image.sh: no Debian image for '$arch'" >&2; exit 2 ;;
esac
K=$CACHE/kernel-$arch
if [ "$arch" = mips ]; then
  bash test/qemu/kernel-mips.sh >&2
  bash test/qemu/busybox-mips.sh >&2
  kernel=$K/vmlinux busybox=$CACHE/busybox-mips/busybox
  : >"$K/modules.order"
elif [ ! -e "$K/done" ]; then
  rm -rf "$K"; mkdir -p "$K/x" "$K/mods"
  mapfile -t debs < <(bash test/qemu/fetch.sh "$deb" "linux-image-$flavor" busybox-static wireguard-tools libc6)
  for d in "${debs[@]}"; do dpkg-deb -x "$d" "$K/x"; done
  ver=$(ls "$K/x/lib/modules" | head -n1)
  depmod -b "$K/x" "$ver"
  # tun, veth, wireguard and everything they need, dependencies first
  want=$(for m in tun veth wireguard; do
    grep -E "/$m\.ko(\.xz)?:" "$K/x/lib/modules/$ver/modules.dep" | head -n1
  done | awk -F': *' '{n=split($2, d, " "); for (i=n; i>=1; i--) print d[i]; print $1}' | awk '!seen[$0]++')
  for m in $want; do
    mkdir -p "$K/mods/$(dirname "$m")"
    case $m in *.xz) xz -dc "$K/x/lib/modules/$ver/$m" >"$K/mods/${m%.xz}" ;; *) cp "$K/x/lib/modules/$ver/$m" "$K/mods/$m" ;; esac
    echo "${m%.xz}" >>"$K/modules.order"
  done
  for f in vmlinuz vmlinux; do [ -e "$K/x/boot/$f-$ver" ] && cp "$K/x/boot/$f-$ver" "$K/kernel"; done
  [ -e "$K/kernel" ] || { echo "no kernel image in linux-image-$flavor" >&2; exit 1; }
  touch "$K/done"
fi
[ "$arch" = mips ] || kernel=$K/kernel busybox=$K/x/bin/busybox
I=$CACHE/initrd-$arch
key=$(cat "build/$arch/wgjs" "build/$arch/wgjs-test" test/qemu/guest.sh test/qemu/image.sh "$K/modules.order" "$busybox" | sha256sum | cut -c1-16)
if [ ! -e "$I/$key.cpio.gz" ]; then
  rm -rf "$I"; mkdir -p "$I/r"/{bin,sbin,usr/bin,proc,sys,dev,run,tmp,etc,lib/modules}
  r=$I/r
  cp "$busybox" "$r/bin/busybox"; ln -s busybox "$r/bin/sh"
  cp "test/qemu/guest.sh" "$r/init"; chmod +x "$r/init"
  cp "build/$arch/wgjs" "build/$arch/wgjs-test" "$r/bin/"
  [ ! -d "$K/mods" ] || cp -a "$K/mods/." "$r/lib/modules/"
  cp "$K/modules.order" "$r/lib/modules/order"
  if [ "$arch" = mips ]; then
    ln -s ../../bin/wgjs "$r/usr/bin/wg"
  else
    # the stock wg (glibc, dynamically linked): itself, libc and the loader
    cp "$K/x/usr/bin/wg" "$r/usr/bin/wg"
    tri=$(ls -d "$K/x/lib/"*-linux-gnu* | head -n1)
    mkdir -p "$r${tri#"$K/x"}" "$r$(dirname "$ld")"
    cp -L "$tri/libc.so.6" "$r${tri#"$K/x"}/"
    cp -L "$K/x$ld" "$r$ld" 2>/dev/null || cp -L "$tri/$(basename "$ld")" "$r$ld"
  fi
  (cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$I/$key.cpio.gz"
fi
echo "$kernel $I/$key.cpio.gz"
