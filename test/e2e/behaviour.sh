#!/usr/bin/env bash
# Behaviour of one wgjs daemon seen from outside (stock `wg`, real packets): hub routing with
# overlapping prefixes, spoofed sources, roaming, removal/re-add, PSK mismatch, stealth,
# persistent keepalive, malformed UAPI input, socket/TUN lifecycle, wg-quick, TUN in another netns.
source "$(dirname "$0")/lib.sh"
need_root
PEER_IMPL=${PEER_IMPL:-wgjs}

# hub H with 3 spokes S1..S3; outer 10.41.0.0/24 via a bridge-less star of veths
H=$(ns hub); S1=$(ns s1); S2=$(ns s2); S3=$(ns s3)
link "$H" "$S1" 41; link "$H" "$S2" 42; link "$H" "$S3" 43
HF="wh$TAG"; F1="w1$TAG"; F2="w2$TAG"; F3="w3$TAG"
start wgjs "$H" "$HF" && start "$PEER_IMPL" "$S1" "$F1" && start "$PEER_IMPL" "$S2" "$F2" && start "$PEER_IMPL" "$S3" "$F3" || { nok "start daemons"; finish; exit 1; }
KH=$(genkey); K1=$(genkey); K2=$(genkey); K3=$(genkey)
PH=$(pubkey "$KH"); P1=$(pubkey "$K1"); P2=$(pubkey "$K2"); P3=$(pubkey "$K3")
f=$(keyfile "$KH"); nsx "$H" "$WG" set "$HF" private-key "$f" listen-port 51820; rm -f "$f"
# overlapping prefixes: S1 owns 10.50.0.0/16, S2 owns 10.50.1.0/24 inside it, S3 a /32 inside that
nsx "$H" "$WG" set "$HF" peer "$P1" allowed-ips 10.60.0.1/32,10.50.0.0/16 \
  peer "$P2" allowed-ips 10.60.0.2/32,10.50.1.0/24 \
  peer "$P3" allowed-ips 10.60.0.3/32,10.50.1.7/32
for s in 1 2 3; do
  eval "n=\$S$s; ifn=\$F$s; k=\$K$s"
  f=$(keyfile "$k")
  nsx "$n" "$WG" set "$ifn" private-key "$f" peer "$PH" endpoint "10.4$s.0.1:51820" allowed-ips 10.60.0.0/24,10.50.0.0/16
  rm -f "$f"
  inner "$n" "$ifn" "10.60.0.$s/24" "fd60::$s/64"
done
inner "$H" "$HF" 10.60.0.254/24 fd60::fe/64
ip -n "$H" route add 10.50.0.0/16 dev "$HF"
ip -n "$S1" addr add 10.50.0.9/32 dev "$F1"
ip -n "$S2" addr add 10.50.1.9/32 dev "$F2"
ip -n "$S3" addr add 10.50.1.7/32 dev "$F3"
# the hub knows no endpoints: each spoke speaks first (the hub learns where they are)
for s in 1 2 3; do eval "n=\$S$s"; nsx "$n" ping -c 1 -W 5 -q 10.60.0.254 >/dev/null; done
check "hub reaches spoke 1 (10.50.0.9 via /16)" nsx "$H" ping -c 2 -i 0.2 -W 5 -q 10.50.0.9
check "hub reaches spoke 2 (10.50.1.9 via /24 inside the /16)" nsx "$H" ping -c 2 -i 0.2 -W 5 -q 10.50.1.9
check "hub reaches spoke 3 (10.50.1.7 via /32 inside the /24)" nsx "$H" ping -c 2 -i 0.2 -W 5 -q 10.50.1.7

# spoofed inner source: S1 sends from 10.50.1.7 (owned by S3) -> hub drops it
rx_before=$(peer_field "$H" "$HF" "$P1" 6)
ip -n "$S1" addr add 10.50.1.7/32 dev "$F1"
nsx "$S1" ping -c 3 -i 0.2 -W 1 -q -I 10.50.1.7 10.60.0.254 >/dev/null 2>&1
check "spoofed inner source from spoke 1 is dropped (no reply)" test $? -ne 0
rx_after=$(peer_field "$H" "$HF" "$P1" 6)
check "... although the hub received and authenticated it ($rx_before -> $rx_after bytes)" test "$rx_after" -gt "$rx_before"
ip -n "$S1" addr del 10.50.1.7/32 dev "$F1"

# roaming: spoke 1 moves to a new outer address and port; the hub follows
nsx "$S1" "$WG" set "$F1" listen-port 40001
# (delete first: removing a primary address also removes its secondaries)
ip -n "$S1" addr del 10.41.0.2/24 dev "vb${TAG}41"
ip -n "$S1" addr add 10.41.0.77/24 dev "vb${TAG}41"
check "spoke 1 still reaches the hub after moving" nsx "$S1" ping -c 2 -i 0.2 -W 5 -q 10.60.0.254
ep=$(peer_field "$H" "$HF" "$P1" 3)
check "hub follows spoke 1 to 10.41.0.77:40001 (sees $ep)" test "$ep" = "10.41.0.77:40001"
check "hub reaches spoke 1 at its new address" nsx "$H" ping -c 2 -i 0.2 -W 5 -q 10.60.0.1

# removal and re-adding
nsx "$H" "$WG" set "$HF" peer "$P2" remove
check "removed peer is gone from wg show" test -z "$(peer_field "$H" "$HF" "$P2" 1)"
nsx "$H" ping -c 1 -W 1 -q 10.60.0.2 >/dev/null 2>&1
check "no traffic to a removed peer" test $? -ne 0
p2port=$(nsx "$S2" "$WG" show "$F2" listen-port)
nsx "$H" "$WG" set "$HF" peer "$P2" allowed-ips 10.60.0.2/32,10.50.1.0/24 endpoint "10.42.0.2:$p2port"
check "re-added peer works again (the hub initiates a new session)" nsx "$H" ping -c 2 -i 0.2 -W 5 -q 10.60.0.2

# persistent keepalive seen by the other side: S3 -> hub every 1 s
rx0=$(peer_field "$H" "$HF" "$P3" 6)
nsx "$S3" "$WG" set "$F3" peer "$PH" persistent-keepalive 1
sleep 3.5
rx1=$(peer_field "$H" "$HF" "$P3" 6)
check "persistent keepalive: hub received >= 3 keepalives ($rx0 -> $rx1)" test $((rx1 - rx0)) -ge 96
ka=$(peer_field "$S3" "$F3" "$PH" 8)
check "persistent keepalive shown as 1 ($ka)" test "$ka" = 1
nsx "$S3" "$WG" set "$F3" peer "$PH" persistent-keepalive 0

# PSK mismatch never completes a handshake
nsx "$H" "$WG" set "$HF" peer "$P3" preshared-key <(nsx "$H" "$WG" genpsk)
nsx "$S3" "$WG" set "$F3" peer "$PH" preshared-key <("$WG" genpsk)
hs0=$(peer_field "$S3" "$F3" "$PH" 5)
# force a new handshake by re-adding the peer on S3 (clears its sessions)
nsx "$S3" "$WG" set "$F3" peer "$PH" remove
nsx "$S3" "$WG" set "$F3" peer "$PH" endpoint 10.43.0.1:51820 allowed-ips 10.60.0.0/24 preshared-key <("$WG" genpsk)
nsx "$S3" ping -c 2 -W 2 -q 10.60.0.254 >/dev/null 2>&1
check "PSK mismatch: no reply" test $? -ne 0
hs=$(peer_field "$S3" "$F3" "$PH" 5)
check "PSK mismatch: no handshake recorded ($hs)" test "$hs" = 0

# stealth: random UDP and initiations from an unknown key get no reply at all
if command -v python3 >/dev/null; then
  out=$(nsx "$S2" python3 - <<'PY'
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.5)
for n in (1, 32, 92, 148, 200, 1500):
    s.sendto(os.urandom(n), ("10.42.0.1", 51820))
for t in (1, 2, 3, 4):
    s.sendto(bytes([t, 0, 0, 0]) + os.urandom(144), ("10.42.0.1", 51820))
try:
    s.recvfrom(2000); print("REPLY")
except socket.timeout:
    print("SILENT")
PY
)
  check "stealth: garbage and unknown-key initiations get no reply ($out)" test "$out" = SILENT
fi
# a real initiation from a key the hub does not know: a fresh wgjs with the hub as peer
U=$(ns unk); link "$H" "$U" 44
FU="wu$TAG"; start wgjs "$U" "$FU"
f=$(keyfile "$(genkey)"); nsx "$U" "$WG" set "$FU" private-key "$f" peer "$PH" endpoint 10.44.0.1:51820 allowed-ips 10.60.0.0/24; rm -f "$f"
inner "$U" "$FU" 10.60.0.99/24 fd60::99/64
nsx "$U" ping -c 2 -W 2 -q 10.60.0.254 >/dev/null 2>&1
rxu=$(peer_field "$U" "$FU" "$PH" 6)
check "unknown key: the hub never answers (rx $rxu bytes)" test "$rxu" = 0

# malformed UAPI input: errno, and nothing changes
before=$(nsx "$H" "$WG" showconf "$HF")
uapi() { python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
out = b""
while not out.endswith(b"\n\n"):
    d = s.recv(4096)
    if not d: break
    out += d
print(out.decode().strip())' "/var/run/wireguard/$HF.sock" "$1"; }
for bad in "set=1\nprivate_key=zz\n\n" "set=1\nlisten_port=99999\n\n" \
  "set=1\npublic_key=$(echo "$P1" | base64 -d | od -An -tx1 | tr -d ' \n')\nallowed_ip=10.0.0.0/33\n\n" \
  "set=1\nbogus_key=1\n\n" \
  "set=1\npublic_key=$(echo "$P1" | base64 -d | od -An -tx1 | tr -d ' \n')\nlisten_port=1234\n\n" \
  "set=1\nlisten_port=4000\nfwmark=7\nno_equals_sign\n\n"; do
  r=$(uapi "$bad")
  case $r in errno=-*|errno=[1-9]*) ok "malformed UAPI -> ${r} ($(printf "$bad" | sed -n 2p))" ;; *) nok "malformed UAPI accepted: $r" ;; esac
done
after=$(nsx "$H" "$WG" showconf "$HF")
check "malformed UAPI input changed nothing (showconf identical)" test "$before" = "$after"

# lifecycle: deleting the socket file stops the daemon; deleting the TUN stops the daemon
L=$(ns life)
FL1="wl$TAG"; start wgjs "$L" "$FL1"; pid1=${PIDS[-1]}
rm -f "/var/run/wireguard/$FL1.sock"
for _ in $(seq 1 40); do kill -0 "$pid1" 2>/dev/null || break; sleep 0.1; done
check "daemon exits when its socket file is removed" bash -c "! kill -0 $pid1 2>/dev/null"
FL2="wm$TAG"; start wgjs "$L" "$FL2"; pid2=${PIDS[-1]}
ip -n "$L" link del "$FL2"
for _ in $(seq 1 40); do kill -0 "$pid2" 2>/dev/null || break; sleep 0.1; done
check "daemon exits when its TUN device is deleted" bash -c "! kill -0 $pid2 2>/dev/null"
check "... and removes its socket" test ! -e "/var/run/wireguard/$FL2.sock"
FL3="wn$TAG"; start wgjs "$L" "$FL3"; pid3=${PIDS[-1]}
kill -TERM "$pid3"
for _ in $(seq 1 40); do kill -0 "$pid3" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM: exits and removes its socket" bash -c "! kill -0 $pid3 2>/dev/null && test ! -e /var/run/wireguard/$FL3.sock"
# daemon mode (no -f): returns once ready, the child carries on
FL4="wd$TAG"; IFS_CREATED+=("$FL4")
nsx "$L" "$WGJS" "$FL4"; rc=$?
check "daemon mode returns 0 when ready" test "$rc" = 0
check "... with TUN and socket present" bash -c "test -S /var/run/wireguard/$FL4.sock && ip -n $L link show $FL4 >/dev/null"
ip -n "$L" link del "$FL4" 2>/dev/null
finish
