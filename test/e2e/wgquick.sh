#!/usr/bin/env bash
# wg-quick with wgjs as its userspace implementation; and the TUN moved to another namespace
# (UDP stays in the birth namespace) keeps carrying traffic.
source "$(dirname "$0")/lib.sh"
need_root

A=$(ns qa); B=$(ns qb); link "$A" "$B" 51
FB="wq$TAG"; start wgjs "$B" "$FB" || { nok "start"; finish; exit 1; }
KA=$(genkey); KB=$(genkey); PA=$(pubkey "$KA"); PB=$(pubkey "$KB")
f=$(keyfile "$KB"); nsx "$B" "$WG" set "$FB" private-key "$f" listen-port 51820 peer "$PA" allowed-ips 10.70.0.1/32; rm -f "$f"
inner "$B" "$FB" 10.70.0.2/24 fd70::2/64

FA="wk$TAG"; IFS_CREATED+=("$FA")
conf=$(mktemp -d)/"$FA.conf"
cat >"$conf" <<CONF
[Interface]
PrivateKey = $KA
Address = 10.70.0.1/24
ListenPort = 51821

[Peer]
PublicKey = $PB
Endpoint = 10.51.0.2:51820
AllowedIPs = 10.70.0.2/32
CONF
chmod 600 "$conf"
# wg-quick needs a writable resolvconf only with DNS=; we set none.
if nsx "$A" env WG_QUICK_USERSPACE_IMPLEMENTATION="$WGJS" WG_SUDO=1 wg-quick up "$conf" >"$ROOT/build/test-logs/wgquick-up.log" 2>&1; then
  ok "wg-quick up with WG_QUICK_USERSPACE_IMPLEMENTATION=wgjs"
else
  nok "wg-quick up"; cat "$ROOT/build/test-logs/wgquick-up.log"
fi
check "ping through the wg-quick interface" nsx "$A" ping -c 3 -i 0.2 -W 5 -q 10.70.0.2
check "wg show lists the interface" bash -c "ip netns exec $A $WG show $FA | grep -q 'latest handshake'"
pid=$(pgrep -f "wgjs.* $FA\$" | head -1)
nsx "$A" wg-quick down "$conf" >/dev/null 2>&1
check "wg-quick down succeeds" test $? -eq 0
for _ in $(seq 1 40); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "the daemon exited after wg-quick down" bash -c "[ -n '$pid' ] && ! kill -0 $pid 2>/dev/null"
check "its socket is gone" test ! -e "/var/run/wireguard/$FA.sock"
rm -rf "$(dirname "$conf")"

# TUN moved into another namespace: the UDP socket stays where the daemon was born
C=$(ns qc)
FM="wv$TAG"; start wgjs "$A" "$FM" || nok "start for netns move"
f=$(keyfile "$KA"); nsx "$A" "$WG" set "$FM" private-key "$f" peer "$PB" endpoint 10.51.0.2:51820 allowed-ips 10.70.0.2/32; rm -f "$f"
ip -n "$A" link set "$FM" netns "$C"
inner "$C" "$FM" 10.70.0.1/24 fd70::1/64
check "TUN moved to another namespace carries traffic" nsx "$C" ping -c 3 -i 0.2 -W 5 -q 10.70.0.2
check "the daemon still answers wg in its birth namespace" bash -c "ip netns exec $A $WG show $FM | grep -q 'transfer'"
finish
