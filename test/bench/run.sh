#!/usr/bin/env bash
# npm run bench: figures measured in this run on this machine, wgjs next to wireguard-go.
#   - iperf3 TCP throughput through a pair of each (and the ratio)
#   - RSS idle and with 1,000 peers (and bytes per peer)
#   - time to setconf 1,000 peers
#   - time from `wg set` to the first ping reply
# Reported, never asserted. Needs root (namespaces). BENCH_SECONDS (default 5) per iperf3 run.
set -u
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "npm run bench needs root (network namespaces)"; exit 1; }
bash test/install-deps.sh >/dev/null || exit 1
host=$(uname -m)
[ -x "build/$host/wgjs" ] || ./build.sh "$host" >/dev/null || exit 1
export WGJS=${WGJS_BIN:-$PWD/build/$host/wgjs} TAG=b$$
source test/e2e/lib.sh
SECS=${BENCH_SECONDS:-5}
now_ms() { date +%s%3N; }

pair() { # pair IMPL IDX -> sets NA NB FA FB, tunnel 10.210.IDX.1 <-> .2
  local impl=$1 i=$2
  NA=$(ns "a$i"); NB=$(ns "b$i"); link "$NA" "$NB" "$i"
  FA="ba$TAG$i"; FB="bb$TAG$i"
  start "$impl" "$NA" "$FA"; start "$impl" "$NB" "$FB"
  local ka kb; ka=$(genkey); kb=$(genkey)
  T0=$(now_ms)
  nsx "$NA" "$WG" set "$FA" private-key <(echo "$ka") listen-port 51820 peer "$(pubkey "$kb")" endpoint "10.$i.0.2:51820" allowed-ips "10.210.$i.2/32"
  nsx "$NB" "$WG" set "$FB" private-key <(echo "$kb") listen-port 51820 peer "$(pubkey "$ka")" allowed-ips "10.210.$i.1/32"
  inner "$NA" "$FA" "10.210.$i.1/24" "fd21:$i::1/64"; inner "$NB" "$FB" "10.210.$i.2/24" "fd21:$i::2/64"
  nsx "$NA" ping -c 1 -W 10 -q "10.210.$i.2" >/dev/null
  FIRST_PING_MS=$(( $(now_ms) - T0 ))
}

iperf() { # iperf NS_SERVER NS_CLIENT ADDR -> Mbit/s
  nsx "$1" iperf3 -s -1 -D >/dev/null 2>&1; sleep 0.3
  nsx "$2" iperf3 -c "$3" -t "$SECS" -J 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.1f" % (d["end"]["sum_received"]["bits_per_second"]/1e6))' 2>/dev/null || echo 0
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "== throughput (iperf3 TCP, ${SECS}s, MTU 1420)"
pair wgjs 81; JS_FIRST=$FIRST_PING_MS
JS_MBPS=$(iperf "$NB" "$NA" "10.210.81.2")
JS_PID=$(pgrep -f "wgjs -f $FA\$" | head -1)
pair wggo 82; GO_FIRST=$FIRST_PING_MS
GO_MBPS=$(iperf "$NB" "$NA" "10.210.82.2")
GO_PID=$(pgrep -f "wireguard-go -f $FA\$" | head -1)
printf '  wgjs          %8s Mbit/s\n  wireguard-go  %8s Mbit/s\n  ratio wgjs/wireguard-go %s\n' "$JS_MBPS" "$GO_MBPS" \
  "$(python3 -c "print('%.3f' % ($JS_MBPS/$GO_MBPS))" 2>/dev/null || echo n/a)"
printf '== time from wg set to first ping reply: wgjs %d ms, wireguard-go %d ms\n' "$JS_FIRST" "$GO_FIRST"

echo "== memory and 1,000 peers"
M=$(ns mem); FM="bm$TAG"
start wgjs "$M" "$FM"; MJ=${PIDS[-1]}
FG="bg$TAG"; start wggo "$M" "$FG"; MG=${PIDS[-1]}
sleep 0.5
IDLE_JS=$(rss_kb "$MJ"); IDLE_GO=$(rss_kb "$MG")
conf=$(mktemp); chmod 600 "$conf"
python3 - "$conf" <<'PY'
import base64, os, sys
lines = ["[Interface]", "PrivateKey = " + base64.b64encode(os.urandom(32)).decode(), "ListenPort = 51999", ""]
for i in range(1000):
    lines += ["[Peer]", "PublicKey = " + base64.b64encode(os.urandom(32)).decode(),
              "AllowedIPs = 10.%d.%d.0/24" % (100 + i // 256, i % 256), "Endpoint = 192.0.2.%d:51820" % (1 + i % 250), ""]
open(sys.argv[1], "w").write("\n".join(lines))
PY
sed -i 's/ListenPort = 51999/ListenPort = 51998/' "$conf"
T0=$(now_ms); nsx "$M" "$WG" setconf "$FM" "$conf"; JS_SETCONF=$(( $(now_ms) - T0 ))
sed -i 's/ListenPort = 51998/ListenPort = 51997/' "$conf"
T0=$(now_ms); nsx "$M" "$WG" setconf "$FG" "$conf"; GO_SETCONF=$(( $(now_ms) - T0 ))
rm -f "$conf"
sleep 0.5
FULL_JS=$(rss_kb "$MJ"); FULL_GO=$(rss_kb "$MG")
printf '  RSS idle:             wgjs %6d KiB   wireguard-go %6d KiB\n' "$IDLE_JS" "$IDLE_GO"
printf '  RSS with 1,000 peers: wgjs %6d KiB   wireguard-go %6d KiB\n' "$FULL_JS" "$FULL_GO"
printf '  per peer:             wgjs %6d B     wireguard-go %6d B\n' $(( (FULL_JS - IDLE_JS) * 1024 / 1000 )) $(( (FULL_GO - IDLE_GO) * 1024 / 1000 ))
printf '  setconf 1,000 peers:  wgjs %6d ms    wireguard-go %6d ms\n' "$JS_SETCONF" "$GO_SETCONF"
echo "bench: done"
