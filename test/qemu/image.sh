#!/usr/bin/env bash
# test/qemu/image.sh ARCH : kernel + initramfs for the QEMU guest of ARCH (x86_64 aarch64 arm
# mipsel) from Debian bookworm packages (test/qemu/fetch.sh) and build/ARCH/wgjs{,-test}.
# Cached in $WGJS_QEMU_CACHE (default /var/cache/wgjs-qemu): the kernel tree and its module
# selection are made once; the initramfs is re-packed when the binaries or the guest script
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
  *) echo "image.sh: no Debian image for '$arch'" >&2; exit 2 ;;
esac
K=$CACHE/kernel-$arch
if [ ! -e "$K/done" ]; then
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
I=$CACHE/initrd-$arch
key=$(cat "build/$arch/wgjs" "build/$arch/wgjs-test" test/qemu/guest.sh test/qemu/image.sh "$K/modules.order" | sha256sum | cut -c1-16)
if [ ! -e "$I/$key.cpio.gz" ]; then
  rm -rf "$I"; mkdir -p "$I/r"/{bin,sbin,usr/bin,proc,sys,dev,run,tmp,etc,lib/modules}
  r=$I/r
  cp "$K/x/bin/busybox" "$r/bin/busybox"; ln -s busybox "$r/bin/sh"
  cp "test/qemu/guest.sh" "$r/init"; chmod +x "$r/init"
  cp "build/$arch/wgjs" "build/$arch/wgjs-test" "$r/bin/"
  cp -a "$K/mods/." "$r/lib/modules/"; cp "$K/modules.order" "$r/lib/modules/order"
  # the stock wg (glibc, dynamically linked): itself, libc and the loader
  cp "$K/x/usr/bin/wg" "$r/usr/bin/wg"
  tri=$(ls -d "$K/x/lib/"*-linux-gnu* | head -n1)
  mkdir -p "$r${tri#"$K/x"}" "$r$(dirname "$ld")"
  cp -L "$tri/libc.so.6" "$r${tri#"$K/x"}/"
  cp -L "$K/x$ld" "$r$ld" 2>/dev/null || cp -L "$tri/$(basename "$ld")" "$r$ld"
  (cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$I/$key.cpio.gz"
fi
echo "$K/kernel $I/$key.cpio.gz"
