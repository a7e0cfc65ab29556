#!/usr/bin/env bash
# The main job (README: `npm run demo`): two network namespaces joined by veth, one wgjs in each,
# configured through the UAPI with the stock `wg`, a ping and a short iperf3 through the tunnel,
# `wg show` of both, then teardown.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "npm run demo needs root: it creates network namespaces and TUN devices (try: sudo npm run demo)" >&2
  exit 1
fi
bash test/install-deps.sh || exit 1
. src/tools/arch.sh
arch=$(wgjs_host_arch)
./build.sh "$arch" || exit 1
WGJS=$PWD/build/$arch/wgjs
NA=wgjs-demo-a NB=wgjs-demo-b
cleanup() {
  set +e
  [ -n "${PA:-}" ] && kill "$PA" 2>/dev/null
  [ -n "${PB:-}" ] && kill "$PB" 2>/dev/null
  [ -n "${IPERF:-}" ] && kill "$IPERF" 2>/dev/null
  ip netns del $NA 2>/dev/null
  ip netns del $NB 2>/dev/null
  rm -f /var/run/wireguard/wgdemoa.sock /var/run/wireguard/wgdemob.sock
}
trap cleanup EXIT
cleanup
set -e
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "two namespaces joined by a veth pair (192.168.77.1 <-> 192.168.77.2)"
ip netns add $NA; ip netns add $NB
ip link add veth-demo-a netns $NA type veth peer name veth-demo-b netns $NB
ip -n $NA addr add 192.168.77.1/24 dev veth-demo-a; ip -n $NA link set veth-demo-a up; ip -n $NA link set lo up
ip -n $NB addr add 192.168.77.2/24 dev veth-demo-b; ip -n $NB link set veth-demo-b up; ip -n $NB link set lo up

step "start one wgjs in each namespace ($("$WGJS" --version))"
ip netns exec $NA "$WGJS" -f wgdemoa & PA=$!
ip netns exec $NB "$WGJS" -f wgdemob & PB=$!
for _ in $(seq 1 100); do [ -S /var/run/wireguard/wgdemoa.sock ] && [ -S /var/run/wireguard/wgdemob.sock ] && break; sleep 0.05; done

step "keys and configuration through the UAPI with the stock wg"
umask 077
KA=$(wg genkey); KB=$(wg genkey)
PUBA=$(echo "$KA" | wg pubkey); PUBB=$(echo "$KB" | wg pubkey)
ip netns exec $NA wg set wgdemoa private-key <(echo "$KA") listen-port 51820 peer "$PUBB" endpoint 192.168.77.2:51820 allowed-ips 10.77.0.2/32
ip netns exec $NB wg set wgdemob private-key <(echo "$KB") listen-port 51820 peer "$PUBA" endpoint 192.168.77.1:51820 allowed-ips 10.77.0.1/32
ip -n $NA addr add 10.77.0.1/24 dev wgdemoa; ip -n $NA link set wgdemoa up
ip -n $NB addr add 10.77.0.2/24 dev wgdemob; ip -n $NB link set wgdemob up

step "ping through the tunnel"
ip netns exec $NA ping -c 4 -i 0.2 10.77.0.2

step "iperf3 through the tunnel (3 s)"
ip netns exec $NB iperf3 -s -1 >/dev/null 2>&1 & IPERF=$!
sleep 0.5
ip netns exec $NA iperf3 -c 10.77.0.2 -t 3 -f m | tail -n 4

step "wg show (namespace A)"
ip netns exec $NA wg show wgdemoa
step "wg show (namespace B)"
ip netns exec $NB wg show wgdemob

step "teardown"
