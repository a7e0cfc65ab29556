#!/usr/bin/env bash
# luci-app-wgjs tests: the uvu tests of its pure module, then the browser test in headless
# Chromium against a live wgjs daemon (router namespace, configured from a UCI file by
# `wgjs uci-sync`; its own /var/run/wireguard) and a wireguard-go "cloud server" in a second
# namespace. The page is served by test/luci/server.mjs (ubus JSON-RPC -> the real rpcd plugin and
# a real UCI file).
#   SHOTS=/dir                 also saves 412 px screenshots (light, dark) of status, export, config
#   bash test/luci/run.sh      (root; installs Debian's chromium when missing; ends with
#                               "luci: N passed, N failed")
#   LUCI_SRC=/path/to/luci bash test/luci/run.sh
#                              runs the views on the REAL luci-base runtime and bootstrap theme
#                              instead of the test double, and also tests protocol/wgjs.js in
#                              LuCI's form; without it the protocol handler is not exercised.
#                              LUCI_SRC is a LuCI source tree (modules/luci-base,
#                              themes/luci-theme-bootstrap) or a copy of a router's /www
#                              (luci-static/resources/luci.js, luci-static/bootstrap/...)
TAG=${TAG:-l$$}
# shellcheck source=test/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
need_root
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/wgjs-luci.XXXXXX)
trap 'cleanup; rm -rf "$T"' EXIT
total_p=0 total_f=0
. "$ROOT/test/results.sh"
add() { # add TEXT: its last "N passed, M failed" line into the totals (none: one failure)
  result_counts "$1"
  total_p=$((total_p + R_PASS)); total_f=$((total_f + R_FAIL))
}

if ! dpkg -s chromium >/dev/null 2>&1; then
  echo "# installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  # a fresh machine may have no package lists yet: update once and retry
  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } ||
    { echo "# apt-get install chromium failed"; echo "luci: 0 passed, 1 failed"; exit 1; }
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/uvu ]; then
  echo "# npm ci (playwright-core, uvu)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || { echo "luci: 0 passed, 1 failed"; exit 1; }
fi
[ -x "$WGJS" ] || ./build.sh x86_64 >/dev/null || { echo "# build failed"; echo "luci: 0 passed, 1 failed"; exit 1; }

# ---- uvu: the pure logic module, the ACL files
for f in test/luci/logic.test.mjs test/luci/acl.test.mjs; do
  out=$(node "$f" 2>&1); echo "$out" | tail -n 6
  p=$(grep -Eo 'Passed: +[0-9]+' <<<"$out" | grep -Eo '[0-9]+$'); t=$(grep -Eo 'Total: +[0-9]+' <<<"$out" | grep -Eo '[0-9]+$')
  if [ -n "$p" ] && [ -n "$t" ]; then add "$p passed, $((t - p)) failed"; else add ""; fi
done

# ---- po/templates/wgjs.pot holds every translatable string (node test/luci/mkpot.mjs rewrites it)
out=$(node test/luci/mkpot.mjs --check 2>&1); echo "# $out"
if [ $? ] && grep -q 'up to date (' <<<"$out"; then add "1 passed, 0 failed"; else add "0 passed, 1 failed"; fi

# ---- the world: router R (wgjs from UCI), server S (wireguard-go, or wgjs)
IF=wl$TAG SIF=wk$TAG
setup_failed() { echo "# $1"; echo "luci: $total_p passed, $((total_f + 1)) failed"; exit 1; }
R=$(ns r) || setup_failed "no namespace"
S=$(ns s) || setup_failed "no namespace"
link "$R" "$S" 1 || setup_failed "no veth link"
KR=$(genkey); KS=$(genkey); PR=$(pubkey "$KR"); PS=$(pubkey "$KS"); PP=$(pubkey "$(genkey)")
SIMPL=wgjs; command -v wireguard-go >/dev/null && SIMPL=wggo
start "$SIMPL" "$S" "$SIF" || setup_failed "server daemon did not start"
# The router side gets a private /var/run/wireguard (a mount namespace held by a sleeping
# process), so the rpcd plugin sees the router's daemon only: not the server's socket nor those of
# other tests running on this machine. Every router command runs through "rx".
mkdir -p /var/run/wireguard
ip netns exec "$R" unshare --mount --propagation private \
  sh -c 'mount -t tmpfs wgjs-luci /var/run/wireguard && exec sleep 100000' &
HOLDER=$!; PIDS+=("$HOLDER")
rx() { nsenter -t "$HOLDER" -m -n "$@"; }
for _ in $(seq 1 50); do rx sh -c 'grep -q "^wgjs-luci " /proc/self/mounts' 2>/dev/null && break; sleep 0.05; done
rx sh -c 'grep -q "^wgjs-luci " /proc/self/mounts' || setup_failed "no private /var/run/wireguard"
mkdir -p "$ROOT/build/test-logs"
# a ubusd (test/tools/ubusd-standin.mjs: CI cannot build the real one) that the router's daemon
# registers its wgjs.<ifname> object with; the page's status calls reach that object through it
UBUS_SOCK=$T/ubus.sock
node test/tools/ubusd-standin.mjs serve "$UBUS_SOCK" 2>"$T/ubusd.log" &
PIDS+=("$!")
for _ in $(seq 1 100); do [ -S "$UBUS_SOCK" ] && break; sleep 0.05; done
[ -S "$UBUS_SOCK" ] || setup_failed "ubusd stand-in did not start"
LOG_LEVEL=verbose WGJS_UBUS_SOCKET=$UBUS_SOCK WGJS_UCI_CONFIG=$T/network nsenter -t "$HOLDER" -m -n "$WGJS" -f "$IF" >"$ROOT/build/test-logs/$IF.wgjs.log" 2>&1 &
DAEMON_PID=$!; PIDS+=("$DAEMON_PID")
for _ in $(seq 1 100); do rx test -S "/var/run/wireguard/$IF.sock" && break; sleep 0.05; done
rx test -S "/var/run/wireguard/$IF.sock" || setup_failed "wgjs daemon did not start: $(cat "$ROOT/build/test-logs/$IF.wgjs.log")"
nsx "$S" "$WG" set "$SIF" listen-port 51901 private-key "$(keyfile "$KS")" peer "$PR" allowed-ips 10.77.0.2/32,fd77::2/128
inner "$S" "$SIF" 10.77.0.1/24 fd77::1/64
cat >"$T/network" <<UCI
config interface 'lan'
	option device 'br-lan'
	option proto 'static'
	option ipaddr '192.168.1.1'
	option netmask '255.255.255.0'

config interface '$IF'
	option proto 'wgjs'
	option private_key '$KR'
	option listen_port '51900'
	list addresses '10.77.0.2/24'

config wireguard_$IF
	option description 'Cloud server'
	option public_key '$PS'
	list allowed_ips '10.77.0.1/32, fd77::1/128'
	option endpoint_host '10.1.0.2'
	option endpoint_port '51901'
	option persistent_keepalive '25'

config wireguard_$IF
	option description 'Phone <i>x</i>'
	option public_key '$PP'
	list allowed_ips '10.77.0.3/32'
UCI
rx "$WGJS" uci-sync --config "$T/network" "$IF" >/dev/null
ip -n "$R" addr add 10.77.0.2/24 dev "$IF"; ip -n "$R" link set "$IF" up
# a peer whose UCI values are markup (as anyone who can write UCI network could store them): the
# daemon knows its key (so the status page names it from UCI); every view must show the values
# as text and run no script
PE=$(pubkey "$(genkey)")
EVIL="<img/src='x'/onerror='window.wgjsXss=1;alert(1)'>"
rx "$WGJS" set "$IF" peer "$PE" allowed-ips 10.77.0.66/32
cat >>"$T/network" <<UCI

config wireguard_$IF
	option description "$EVIL"
	option public_key '$PE'
	list allowed_ips "$EVIL"
	option endpoint_host "$EVIL"
UCI
rx ping -c 2 -W 2 10.77.0.1 >/dev/null || echo "# warning: no ping through the tunnel before the browser test"

out=$(UBUS_SOCK="$UBUS_SOCK" WGJS="$WGJS" ROUTER_PID="$HOLDER" IFNAME="$IF" UCI="$T/network" PEER_PUB="$PS" PHONE_PUB="$PP" EVIL_PUB="$PE" EVIL="$EVIL" ROUTER_PUB="$PR" DAEMON_PID="$DAEMON_PID" \
  LUCI_SRC="${LUCI_SRC:-}" SHOTS="${SHOTS:-}" timeout 400 node test/luci/browser.mjs 2>&1)
echo "$out"
add "$out"
echo "luci: $total_p passed, $total_f failed"
[ "$total_f" = 0 ]
