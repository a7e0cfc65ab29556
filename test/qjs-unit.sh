#!/usr/bin/env bash
# Runs the unit suite (test/unit + test/native) inside the QuickJS test binary build/ARCH/wgjs-test:
# natively for the host, under qemu-ARCH-static otherwise (MIPS with -cpu 24Kc: no FPU, so
# hard-float code would trap). Build first: ./build.sh ARCH...
#   test/qjs-unit.sh [ARCH ...]   (default: the five)
# Prints each arch's `ARCH: N passed, N failed` line, then the totals; non-zero exit on any failure.
set -u
cd "$(dirname "$0")/.." || exit 2
. test/results.sh
. src/tools/arch.sh
ARCHES=${*:-$WGJS_ARCHES_ALL}
host=$(wgjs_host_arch)
rc=0; tp=0; tf=0
for a in $ARCHES; do
  bin=build/$a/wgjs-test
  case $a in
    "$host") run=("$bin") ;;
    x86_64|aarch64|arm) run=("qemu-$a-static" "$bin") ;;
    mips|mipsel) run=("qemu-$a-static" -cpu 24Kc "$bin") ;;
    *) echo "$a: unknown ARCH (valid: x86_64 aarch64 arm mips mipsel)"; echo "$a: 0 passed, 1 failed"; rc=1; tf=$((tf + 1)); continue ;;
  esac
  if [ ! -x "$bin" ]; then echo "$a: $bin missing (./build.sh $a)"; echo "$a: 0 passed, 1 failed"; rc=1; tf=$((tf + 1)); continue; fi
  if [ "${run[0]}" != "$bin" ] && ! command -v "${run[0]}" >/dev/null; then
    echo "$a: ${run[0]} missing (test/install-deps.sh installs qemu-user-static)"; echo "$a: 0 passed, 1 failed"; rc=1; tf=$((tf + 1)); continue
  fi
  echo "== $a: ${run[*]}"
  # under qemu (~12x slower) tests may shrink randomized iteration counts, never their assertions
  scale=1; [ "$a" != "$host" ] && scale=0.1
  out=$(WGJS_TEST_SCALE=$scale timeout 900 "${run[@]}" 2>&1); r=$?
  echo "$out" | grep -v '^• $\|^$' | tail -n 60
  result_counts "$out"
  p=$R_PASS f=$R_FAIL
  if [ $r -ne 0 ] || [ "$R_FOUND" = 0 ]; then
    rc=1
    [ $r -ne 0 ] && echo "$a: exit status $r"
  fi
  line="$p passed, $f failed"
  tp=$((tp + p)); tf=$((tf + f)); [ $r -ne 0 ] && [ "$f" = 0 ] && tf=$((tf + 1))
  echo "$a: $line"
done
echo "qjs-unit: $tp passed, $tf failed"
exit $rc
