#!/usr/bin/env bash
# The whole test suite (README: `npm test`; CI: .ci/run). Installs what it needs (apt + npm),
# builds every ARCH, then runs each stage and closes with `total: N passed, N failed`.
# WGJS_ARCHES="x86_64 mips" limits the cross-arch stages (default: all five).
set -u
cd "$(dirname "$0")/.."
. test/results.sh
. src/tools/arch.sh
ARCHES=${WGJS_ARCHES:-$WGJS_ARCHES_ALL}
LOG=build/test-logs
mkdir -p "$LOG"
pass=0 fail=0
declare -a summary=()

stage() { # stage NAME CMD... : runs CMD, echoes its output, adds its last `N passed, N failed`
  local name=$1; shift
  local log="$LOG/$name.log" t0=$SECONDS
  echo "=== $name: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  result_counts "$(cat "$log")"
  p=$R_PASS f=$R_FAIL
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
  summary+=("$(printf '%-22s %4d passed, %2d failed  (%ds, exit %d)' "$name" "$p" "$f" $((SECONDS - t0)) "$rc")")
}

if ! bash test/install-deps.sh; then
  echo "dependency installation failed"
  echo "total: 0 passed, 1 failed"
  exit 1
fi
if ! ./build.sh $ARCHES; then
  echo "build failed"
  echo "total: 0 passed, 1 failed"
  exit 1
fi

stage typecheck bash -c 'npx tsc -p tsconfig.json && echo "typecheck: 1 passed, 0 failed"'
stage unit-node node test/run-unit.mjs
for a in $ARCHES; do
  stage "unit-qjs-$a" bash test/qjs-unit.sh "$a"
done
host=$(wgjs_host_arch)
if [ -x "build/$host/wgjs" ]; then
  export WGJS="$PWD/build/$host/wgjs"
  stage e2e-interop bash test/e2e/interop.sh
  stage e2e-behaviour bash test/e2e/behaviour.sh
  stage e2e-wgquick bash test/e2e/wgquick.sh
  # handshake floods (mac1-valid from 50 sources, a replayed initiation) while peers connect and ping
  stage e2e-flood bash test/e2e/flood.sh
  # abusive UAPI clients against 4,000 peers while a ping runs (issue 15), hook signal state
  stage e2e-hardening bash test/e2e/hardening.sh
  # offloads (issue 13): content-hashed TCP/UDP through wgjs<->wgjs / bookworm / sid wireguard-go,
  # offloads on and off, refused offloads, the start line and the switches
  stage e2e-offload bash test/e2e/offload.sh
  # the interop suite again with every offload switched off in the wgjs daemons
  stage e2e-interop-offload-off env WGJS_OFFLOAD=0 TAG=o$$ bash test/e2e/interop.sh
  # the same interop suite driven by wgjs's own wg-compatible CLI (a link named wg)
  ln -sf wgjs "build/$host/wg"
  stage e2e-interop-own-cli env WG="$PWD/build/$host/wg" TAG=c$$ bash test/e2e/interop.sh
  # listen addresses (WGJS_LISTEN_ADDRESS): the peer sees only the chosen source, also after it roams
  stage e2e-listen-address bash test/e2e/listen-address.sh
  # the netifd handler + real daemons: traffic, events, rpcd status, renew, re-resolution
  stage openwrt-live bash test/openwrt/live.sh
  # the daemon's own ubus client against a ubusd stand-in: wgjs.<if> status, events, renew,
  # ubusd restart, a malformed message, peer-down at exit (issue 16)
  stage e2e-ubus env TAG=u$$ bash test/e2e/ubus.sh
  # luci-app-wgjs: uvu logic tests + headless Chromium against a live daemon
  stage luci bash test/luci/run.sh
else
  echo "no build/$host/wgjs: end-to-end stages need the host arch in WGJS_ARCHES"
  fail=$((fail + 1))
fi
stage openwrt-proto bash test/openwrt/proto.sh
stage openwrt-package bash test/openwrt/package.sh
# full-system QEMU guests (Debian kernels): wgjs<->wgjs, wgjs<->kernel WireGuard, unit suite
stage qemu bash test/qemu/run.sh

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "total: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
