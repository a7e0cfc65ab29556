#!/usr/bin/env bash
# luci-app-wgjs tests: the uvu tests of its pure module, then the browser test in headless
# Chromium against a live wgjs daemon (router namespace, configured from a UCI file by
# `wgjs uci-sync`) and a wireguard-go "cloud server" in a second namespace.
#   bash test/luci/run.sh      (root; installs Debian's chromium when missing; ends with
#                               "luci: N passed, N failed")
TAG=${TAG:-l$$}
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
need_root
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/wgjs-luci.XXXXXX)
trap 'cleanup; rm -rf "$T"' EXIT
total_p=0 total_f=0
add() { # add "N passed, M failed" line
  local l; l=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' <<<"$1" | tail -n1)
  if [ -z "$l" ]; then total_f=$((total_f + 1)); return; fi
  total_p=$((total_p + ${l%% passed*})); l=${l#*, }; total_f=$((total_f + ${l%% failed*}))
}

if ! dpkg -s chromium >/dev/null 2>&1; then
  echo "# installing Debian's chromium"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null || { echo "luci: 0 passed, 1 failed"; exit 1; }
fi
[ -x "$WGJS" ] || ./build.sh x86_64 >/dev/null || { echo "luci: 0 passed, 1 failed"; exit 1; }

# ---- uvu: the pure logic module
out=$(node test/luci/logic.test.mjs 2>&1); echo "$out" | tail -n 6
p=$(grep -Eo 'Passed: +[0-9]+' <<<"$out" | grep -Eo '[0-9]+$'); t=$(grep -Eo 'Total: +[0-9]+' <<<"$out" | grep -Eo '[0-9]+$')
if [ -n "$p" ] && [ -n "$t" ]; then add "$p passed, $((t - p)) failed"; else add ""; fi

# ---- the world: router R (wgjs from UCI), server S (wireguard-go, or wgjs)
IF=wl$TAG SIF=wk$TAG
R=$(ns r) && S=$(ns s) && link "$R" "$S" 1 || { echo "luci: $total_p passed, $((total_f + 1)) failed"; exit 1; }
KR=$(genkey); KS=$(genkey); PR=$(pubkey "$KR"); PS=$(pubkey "$KS")
SIMPL=wgjs; command -v wireguard-go >/dev/null && SIMPL=wggo
start "$SIMPL" "$S" "$SIF" && start wgjs "$R" "$IF" || { echo "luci: $total_p passed, $((total_f + 1)) failed"; exit 1; }
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
UCI
nsx "$R" "$WGJS" uci-sync --config "$T/network" "$IF" >/dev/null
ip -n "$R" addr add 10.77.0.2/24 dev "$IF"; ip -n "$R" link set "$IF" up
nsx "$R" ping -c 2 -W 2 10.77.0.1 >/dev/null || echo "# warning: no ping through the tunnel before the browser test"

out=$(WGJS="$WGJS" NETNS="$R" IFNAME="$IF" UCI="$T/network" PEER_PUB="$PS" ROUTER_PUB="$PR" timeout 300 node test/luci/browser.mjs 2>&1)
echo "$out"
add "$out"
echo "luci: $total_p passed, $total_f failed"
[ "$total_f" = 0 ]
