#!/usr/bin/env bash
# Listen addresses (WGJS_LISTEN_ADDRESS, UCI listen_address): a router R with two IPv4 and two
# IPv6 addresses on its outer interface runs wgjs; its peer P (wireguard-go when installed, else
# wgjs) must see only the chosen address as R's endpoint (`wg show` on P), for tunnels R starts
# and P starts, after P roams (new address and port), and over IPv6; datagrams P sends to R's
# other address are not received (R's socket is bound to the chosen one). A packet sniffer on P's
# interface records the source of every datagram from R's port: none may come from R's other
# address. Control: without the option P sees R's primary address. Bad values: exit 1.
#   WGJS=build/x86_64/wgjs bash test/e2e/listen-address.sh     (root; ends "N passed, N failed")
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
T=$(mktemp -d /tmp/wgjs-listen.XXXXXX)
trap 'cleanup; rm -rf "$T"' EXIT

R=$(ns r) && P=$(ns p) && link "$R" "$P" 1 || { nok "namespaces"; finish; exit 1; }
RV=va${TAG}1 PV=vb${TAG}1
# the chosen addresses: a second address of each family on R's outer interface
ip -n "$R" addr add 10.1.0.11/24 dev "$RV"
ip -n "$R" addr add fd00:1::11/64 dev "$RV" nodad
RIF=lr$TAG PIF=lp$TAG
PIMPL=wgjs; command -v wireguard-go >/dev/null && PIMPL=wggo
KR=$(genkey); KP=$(genkey); PR=$(pubkey "$KR"); PP=$(pubkey "$KP")

# sniffer: every UDP datagram with source port 51000 seen on P's outer interface -> "SRC" lines
python3 - "$T/sniffer.py" <<'EOF'
import sys
open(sys.argv[1], 'w').write(r'''
import socket, struct, sys, ipaddress
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
s.bind((sys.argv[1], 0))
out = open(sys.argv[2], 'a', buffering=1)
while True:
    f = s.recv(65535)
    et = struct.unpack('!H', f[12:14])[0]
    if et == 0x0800 and f[23] == 17:
        ihl = (f[14] & 15) * 4
        src = str(ipaddress.IPv4Address(f[26:30])); sport = struct.unpack('!H', f[14 + ihl:16 + ihl])[0]
    elif et == 0x86dd and f[20] == 17:
        src = str(ipaddress.IPv6Address(f[22:38])); sport = struct.unpack('!H', f[54:56])[0]
    else:
        continue
    if sport == 51000:
        out.write(src + '\n')
''')
EOF
nsx "$P" python3 "$T/sniffer.py" "$PV" "$T/sources" &
PIDS+=($!)

start "$PIMPL" "$P" "$PIF" || { nok "peer daemon"; finish; exit 1; }
nsx "$P" "$WG" set "$PIF" listen-port 52000 private-key "$(keyfile "$KP")" peer "$PR" allowed-ips 10.201.0.1/32,fd01::1/128
inner "$P" "$PIF" 10.201.0.2/24 fd01::2/64

# router R: wgjs with WGJS_ENV (listen address or none), peer P at $1
router() { # router ENDPOINT
  WGJS_ENV=${RENV:-} start wgjs "$R" "$RIF" || return 1
  nsx "$R" "$WG" set "$RIF" listen-port 51000 private-key "$(keyfile "$KR")" peer "$PP" endpoint "$1" allowed-ips 10.201.0.2/32,fd01::2/128
  inner "$R" "$RIF" 10.201.0.1/24 fd01::1/64
}
stop_router() {
  local p=${PIDS[-1]}
  kill "$p"; for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  unset 'PIDS[-1]'
}
ep_at_p() { peer_field "$P" "$PIF" "$PR" 3; }
ping_ok() { nsx "$1" ping -c 2 -i 0.3 -W 2 "$2" >/dev/null 2>&1; }
sources() { sort -u "$T/sources" 2>/dev/null | paste -sd' '; }

# ---- control: no listen address -> P sees R's primary address
router 10.1.0.2:52000 || { nok "router daemon"; finish; exit 1; }
check "control: ping from R" ping_ok "$R" 10.201.0.2
check "control: P sees R's primary address 10.1.0.1:51000 (got $(ep_at_p))" [ "$(ep_at_p)" = 10.1.0.1:51000 ]
stop_router
: >"$T/sources"

# ---- WGJS_LISTEN_ADDRESS=10.1.0.11,fd00:1::11
RENV="WGJS_LISTEN_ADDRESS=10.1.0.11,fd00:1::11" router 10.1.0.2:52000 || { nok "router daemon with listen address"; finish; exit 1; }
check "start line names the listen addresses" \
  grep -q "listen address: 10.1.0.11 (IPv4), fd00:1::11 (IPv6)" "$ROOT/build/test-logs/$RIF.wgjs.log"
check "R initiates: ping" ping_ok "$R" 10.201.0.2
check "R initiates: P sees 10.1.0.11:51000 (got $(ep_at_p))" [ "$(ep_at_p)" = 10.1.0.11:51000 ]

# P sends to R's primary address: R's socket is bound to the chosen one, so nothing arrives
nsx "$P" "$WG" set "$PIF" peer "$PR" endpoint 10.1.0.1:51000
check "P sends to R's primary address: not received (R's socket is bound to 10.1.0.11)" bash -c "! ip netns exec $P ping -c 2 -i 0.3 -W 1 -q 10.201.0.1 >/dev/null 2>&1"
# P aims at the chosen address again
nsx "$P" "$WG" set "$PIF" peer "$PR" endpoint 10.1.0.11:51000
check "P sends to R's chosen address: ping from P" ping_ok "$P" 10.201.0.1
check "P sends to R's chosen address: P sees 10.1.0.11:51000 (got $(ep_at_p))" [ "$(ep_at_p)" = 10.1.0.11:51000 ]

# P roams: a new outer address and a new port; P keeps talking, R follows, P still sees .11
nsx "$P" sysctl -qw "net.ipv4.conf.$PV.promote_secondaries=1"
ip -n "$P" addr add 10.1.0.22/24 dev "$PV"
ip -n "$P" addr del 10.1.0.2/24 dev "$PV"
nsx "$P" "$WG" set "$PIF" listen-port 52001
check "P roamed: ping from P" ping_ok "$P" 10.201.0.1
check "P roamed: R sees P at 10.1.0.22:52001 (got $(peer_field "$R" "$RIF" "$PP" 3))" [ "$(peer_field "$R" "$RIF" "$PP" 3)" = 10.1.0.22:52001 ]
check "P roamed: ping from R" ping_ok "$R" 10.201.0.2
check "P roamed: P sees 10.1.0.11:51000 (got $(ep_at_p))" [ "$(ep_at_p)" = 10.1.0.11:51000 ]

# IPv6 outside: R's peer endpoint over IPv6, a fresh handshake from R
nsx "$P" "$WG" set "$PIF" listen-port 52000
nsx "$R" "$WG" set "$RIF" peer "$PP" endpoint '[fd00:1::2]:52000'
check "IPv6 outside: ping from R" ping_ok "$R" fd01::2
check "IPv6 outside: P sees [fd00:1::11]:51000 (got $(ep_at_p))" [ "$(ep_at_p)" = '[fd00:1::11]:51000' ]
sleep 0.5
check "every datagram from R's port came from 10.1.0.11 or fd00:1::11 (sources: $(sources))" \
  [ "$(sources)" = "10.1.0.11 fd00:1::11" ]
stop_router

# ---- only IPv4 set: the IPv6 socket stays on the wildcard and works (R's second IPv6 address
# removed, so the kernel's choice is fd00:1::1)
: >"$T/sources"
ip -n "$R" addr del fd00:1::11/64 dev "$RV"
RENV="WGJS_LISTEN_ADDRESS=10.1.0.11" router '[fd00:1::2]:52000' || nok "router daemon, IPv4 address only"
check "IPv4 only: start line" grep -q "listen address: 10.1.0.11 (IPv4), any (IPv6)" "$ROOT/build/test-logs/$RIF.wgjs.log"
check "IPv4 only: ping over IPv6 outside" ping_ok "$R" fd01::2
check "IPv4 only: IPv6 from the kernel's choice [fd00:1::1]:51000 (got $(ep_at_p))" [ "$(ep_at_p)" = '[fd00:1::1]:51000' ]
check "IPv4 only: ping over IPv4 outside" bash -c 'nsx() { ip netns exec "$@"; }; ip netns exec "$1" "$2" set "$3" peer "$4" endpoint 10.1.0.22:52000 && ip netns exec "$1" ping -c 2 -i 0.3 -W 2 10.201.0.2 >/dev/null' _ "$R" "$WG" "$RIF" "$PP"
check "IPv4 only: P sees 10.1.0.11:51000 (got $(ep_at_p))" [ "$(ep_at_p)" = 10.1.0.11:51000 ]
check "IPv4 only: sources $(sources)" [ "$(sources)" = "10.1.0.11 fd00:1::1" ]
stop_router

# ---- bad values: exit 1 with the reason, no device, no socket
for bad in bogus 10.1.0.11,10.1.0.12 0.0.0.0 fe80::1 '10.1.0.11;x'; do
  out=$(WGJS_LISTEN_ADDRESS=$bad nsx "$R" "$WGJS" -f "x$TAG" 2>&1)
  rc=$?
  check "WGJS_LISTEN_ADDRESS='$bad': exit 1 with the reason ($out)" \
    bash -c '[ "$1" = 1 ] && [[ "$2" == "wgjs: WGJS_LISTEN_ADDRESS="* ]]' _ "$rc" "$out"
  check "WGJS_LISTEN_ADDRESS='$bad': nothing created" \
    bash -c '! ip -n "$1" link show "$2" >/dev/null 2>&1 && [ ! -e "/var/run/wireguard/$2.sock" ]' _ "$R" "x$TAG"
done

finish
