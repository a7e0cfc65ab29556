#!/usr/bin/env bash
# Prints the path of Debian sid's wireguard-go binary (the one with TUN TSO/GRO and UDP GSO/GRO
# offloads), fetched once into the git-ignored cache .cache/wggo-sid/ and reused afterwards.
# Same way build.sh fetches quickjs-ng's sources: a private apt state under .cache/ pointing at
# the machine's own Debian mirror (from /etc/apt/sources.list.d/*.sources or sources.list),
# suite sid, `apt-get download wireguard-go`, `dpkg-deb -x`. The system's apt configuration and
# state are never touched. Messages go to stderr; on failure nothing is printed on stdout and the
# exit status is 1. WGGO_SID_REFRESH=1 fetches again (keeping the cached binary if that fails);
# WGGO_SID_CACHE=DIR caches elsewhere.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${WGGO_SID_CACHE:-$ROOT/.cache/wggo-sid}
BIN=$DIR/x/usr/bin/wireguard-go

say() { echo "wggo-sid: $*" >&2; }

if [ -z "${WGGO_SID_REFRESH:-}" ] && [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "$BIN"; exit 0
fi

# shellcheck source=src/tools/debian.sh
. "$ROOT/src/tools/debian.sh"

fetch() {
  local m st=$DIR/apt
  m=$(deb_mirror)
  [ -n "$m" ] || { say "no Debian mirror found in the system's apt sources"; return 1; }
  { command -v apt-get && command -v dpkg-deb; } >/dev/null || { say "apt-get/dpkg-deb missing"; return 1; }
  rm -rf "$st" "$DIR/dl"
  mkdir -p "$DIR/dl"
  deb_apt_state "$st" "deb $m sid main"
  local aopt=("${DEB_APT[@]}")
  say "fetching Debian sid's wireguard-go from $m through a private apt state in $st"
  timeout 300 apt-get "${aopt[@]}" update >"$st/update.log" 2>&1 || { tail -n 5 "$st/update.log" >&2; return 1; }
  local ver
  ver=$(apt-cache "${aopt[@]}" show wireguard-go 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
  [ -n "$ver" ] || { say "Debian sid has no wireguard-go package for this architecture"; return 1; }
  (cd "$DIR/dl" && timeout 300 apt-get "${aopt[@]}" download "wireguard-go=$ver" >"$st/download.log" 2>&1) \
    || { tail -n 5 "$st/download.log" >&2; return 1; }
  dpkg-deb -x "$DIR"/dl/wireguard-go_*.deb "$DIR/x.tmp" || return 1
  rm -rf "$DIR/x"; mv "$DIR/x.tmp" "$DIR/x"
  echo "$ver" >"$DIR/deb-version"
  [ -x "$BIN" ] || { say "the package holds no usr/bin/wireguard-go"; return 1; }
  "$BIN" --version >/dev/null 2>&1 || { say "$BIN does not run on this system"; return 1; }
  rm -rf "$st/lists" "$st/cache"   # the sid package lists (tens of MB) are not needed any more
  say "Debian sid wireguard-go $ver: $BIN"
}

rm -rf "$DIR/x.tmp"
if fetch; then echo "$BIN"; exit 0; fi
rm -rf "$DIR/x.tmp"
if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  say "could not fetch again; keeping the cached $BIN"; echo "$BIN"; exit 0
fi
exit 1
