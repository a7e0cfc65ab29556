#!/usr/bin/env bash
# Runs the unit suite inside the QuickJS test binary for each ARCH: natively for the host, under
# qemu-ARCH-static otherwise (MIPS with -cpu 24Kc: no FPU, so hard-float code would trap).
#   test/qjs-unit.sh [ARCH ...]   (default: the five)
set -u
cd "$(dirname "$0")/.."
ARCHES=${*:-"x86_64 aarch64 arm mips mipsel"}
host=$(uname -m)
rc=0
for a in $ARCHES; do
  bin=build/$a/wgjs-test
  if [ ! -x "$bin" ]; then echo "$a: $bin missing (./build.sh $a)"; echo "$a: 0 passed, 1 failed"; rc=1; continue; fi
  case $a in
    "$host") run=("$bin") ;;
    x86_64) run=(qemu-x86_64-static "$bin") ;;
    aarch64) run=(qemu-aarch64-static "$bin") ;;
    arm) run=(qemu-arm-static "$bin") ;;
    mips) run=(qemu-mips-static -cpu 24Kc "$bin") ;;
    mipsel) run=(qemu-mipsel-static -cpu 24Kc "$bin") ;;
  esac
  echo "== $a: ${run[*]}"
  # slower engines: tests may shrink randomized iteration counts (never their assertions)
  scale=1; [ "$a" != "$host" ] && scale=0.1
  out=$(WGJS_TEST_SCALE=$scale "${run[@]}" 2>&1); r=$?
  echo "$out" | tail -n 40
  line=$(echo "$out" | grep -Eo '[0-9]+ passed, [0-9]+ failed' | tail -n1)
  if [ $r -ne 0 ] || [ -z "$line" ]; then rc=1; fi
  echo "$a: ${line:-0 passed, 1 failed}"
done
exit $rc
