#!/usr/bin/env bash
# Installs what building and testing wgjs need on Debian (bookworm): apt packages and npm
# modules. Idempotent and quiet; safe to run again.
set -eu
cd "$(dirname "$0")/.."
# busybox: OpenWrt's /bin/sh is busybox ash, so test/openwrt/proto.sh runs the proto handler
# under it as well as under dash
PKGS="build-essential iproute2 iputils-ping iperf3 wireguard-tools wireguard-go qemu-user-static
      binutils file python3 shellcheck procps busybox openssl"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages:$missing (run as root to install them)" >&2
    exit 1
  fi
  echo "== apt-get install$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ ! -x node_modules/.bin/esbuild ] || [ ! -d node_modules/@noble/ciphers ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
