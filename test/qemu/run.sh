#!/usr/bin/env bash
# The end-to-end suite inside real guest kernels: for each ARCH, a Debian kernel + an initramfs
# (busybox, wgjs, wgjs-test, the stock wg, tun/veth/wireguard modules; test/qemu/image.sh) booted
# under full-system QEMU (TCG). The guest (test/qemu/guest.sh, PID 1) prints its checks and
# "guest: N passed, N failed", then powers off; a guest that hangs is killed after
# $WGJS_QEMU_TIMEOUT seconds (default 900) and counted as a failure. Each guest also times bulk
# TCP through wgjs<->wgjs and through kernel<->kernel WireGuard over the same veth for 8 s each
# (WGJS_QEMU_APPEND=wgjs.bulk=SECONDS to change); their "ratio ARCH: ..." lines are printed
# together at the end: a figure, not a check (a tunnel that carries nothing fails a check).
#   bash test/qemu/run.sh [ARCH ...]    (default: x86_64 aarch64 arm mipsel mips)
# Big-endian mips has no Debian kernel nor binaries: its kernel and busybox are built from
# Debian's sources (test/qemu/kernel-mips.sh, ~8 min once; test/qemu/busybox-mips.sh).
# Caches: $WGJS_QEMU_CACHE (default /var/cache/wgjs-qemu): packages, kernels, initramfs.
set -u
cd "$(dirname "$0")/../.." || exit 2
. test/results.sh
ARCHES=${*:-"x86_64 aarch64 arm mipsel mips"}
LOG=build/test-logs; mkdir -p "$LOG"
TIMEOUT=${WGJS_QEMU_TIMEOUT:-900}
need=()
pkgs=(qemu-system-x86 qemu-system-arm qemu-system-mips cpio kmod dpkg-dev xz-utils)
# the big-endian mips kernel: Debian's cross gcc (a kernel has no FPU code) and kbuild's tools
case " $ARCHES " in *" mips "*) pkgs+=(gcc-mips-linux-gnu binutils-mips-linux-gnu make flex bison bc libssl-dev libelf-dev) ;; esac
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "# installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq >/dev/null; apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; } || { echo "qemu: 0 passed, 1 failed"; exit 1; }
fi
tp=0 tf=0; summary=() ratios=()
for a in $ARCHES; do
  case $a in
    x86_64) q=(qemu-system-x86_64 -M q35 -cpu max -m 512) con=ttyS0 ;;
    aarch64) q=(qemu-system-aarch64 -M virt -cpu cortex-a57 -m 512) con=ttyAMA0 ;;
    arm) q=(qemu-system-arm -M virt -cpu cortex-a15 -m 512) con=ttyAMA0 ;;
    mipsel) q=(qemu-system-mipsel -M malta -cpu 24Kc -m 256) con=ttyS0 ;;
    mips) q=(qemu-system-mips -M malta -cpu 24Kc -m 256) con=ttyS0 ;;
    *) echo "$a: no guest image for this ARCH"; tf=$((tf + 1)); summary+=("$a: not run (no image)"); continue ;;
  esac
  ./build.sh "$a" >"$LOG/qemu-$a.build.log" 2>&1 || { echo "$a: build failed"; tail -n 5 "$LOG/qemu-$a.build.log"; tf=$((tf + 1)); continue; }
  t0=$SECONDS
  cached=cold; [ -e "${WGJS_QEMU_CACHE:-/var/cache/wgjs-qemu}/kernel-$a/done" ] && cached=cached
  if ! img=$(bash test/qemu/image.sh "$a" 2>"$LOG/qemu-$a.image.log"); then
    echo "$a: image build failed:"; tail -n 5 "$LOG/qemu-$a.image.log"; tf=$((tf + 1)); summary+=("$a: image build failed"); continue
  fi
  tb=$((SECONDS - t0)); t1=$SECONDS
  set -- $img
  timeout "$TIMEOUT" "${q[@]}" -smp 1 -nographic -no-reboot -kernel "$1" -initrd "$2" \
    -append "console=$con panic=-1 quiet wgjs.arch=$a ${WGJS_QEMU_APPEND:-}" </dev/null >"$LOG/qemu-$a.log" 2>&1
  rc=$?
  r=$(tr -d '\r' <"$LOG/qemu-$a.log" | grep -aE '^ratio [a-z0-9_]+: ' | tail -n1)
  ratios+=("${r:-ratio $a: no figure (see $LOG/qemu-$a.log)}")
  tr -d '\r' <"$LOG/qemu-$a.log" | grep -aE '^(ok|FAIL) - |^guest: |^unit suite|first ping|^bulk ' | sed "s/^/[$a] /"
  result_counts "$(cat "$LOG/qemu-$a.log")" 'guest: '
  if [ "$R_FOUND" = 0 ]; then
    [ "$rc" = 124 ] && echo "[$a] guest hung: killed after $TIMEOUT s" || echo "[$a] no result (qemu exit $rc); log: $LOG/qemu-$a.log"
    tail -n 15 "$LOG/qemu-$a.log"
    tf=$((tf + 1)); summary+=("$a: no result (image $cached ${tb}s, boot-to-result $((SECONDS - t1))s)"); continue
  fi
  p=$R_PASS f=$R_FAIL
  tp=$((tp + p)); tf=$((tf + f))
  summary+=("$a: $p passed, $f failed (image $cached ${tb}s, boot-to-result $((SECONDS - t1))s)")
done
printf '%s\n' "${summary[@]}"
# bulk TCP through wgjs<->wgjs and kernel<->kernel WireGuard in each guest (test/qemu/guest.sh):
# a figure, not a check; both sides run under the same emulation, so only the ratio means much
[ ${#ratios[@]} -eq 0 ] || printf '%s\n' "${ratios[@]}"
echo "qemu: $tp passed, $tf failed"
[ "$tf" = 0 ] && [ "$tp" -gt 0 ]
