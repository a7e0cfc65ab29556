#!/usr/bin/env bash
# wgjs <-> wgjs and wgjs <-> wireguard-go (bookworm's, and sid's with its offloads), configured
# with the stock `wg`: both initiator roles,
# IPv4 and IPv6 inner, over IPv4 and IPv6 outer endpoints, exact transfer counters.
source "$(dirname "$0")/lib.sh"
need_root

# pair IMPL_A IMPL_B OUTER(4|6) IDX : A initiates. Checks ping both families, counters.
pair() {
  local ia=$1 ib=$2 outer=$3 i=$4
  local a b fa="wa$TAG$i" fb="wb$TAG$i"
  a=$(ns "a$i") && b=$(ns "b$i") && link "$a" "$b" "$i" || { nok "setup $ia-$ib"; return; }
  start "$ia" "$a" "$fa" && start "$ib" "$b" "$fb" || { nok "start $ia/$ib"; return; }
  local ka kb pa pb psk kfa kfb pskf
  ka=$(genkey); kb=$(genkey); pa=$(pubkey "$ka"); pb=$(pubkey "$kb"); psk=$("$WG" genpsk)
  kfa=$(keyfile "$ka"); kfb=$(keyfile "$kb"); pskf=$(keyfile "$psk")
  local epb="10.$i.0.2:51820"
  [ "$outer" = 6 ] && epb="[fd00:$i::2]:51820"
  nsx "$a" "$WG" set "$fa" private-key "$kfa" listen-port 51820 \
    peer "$pb" preshared-key "$pskf" endpoint "$epb" allowed-ips "10.200.$i.2/32,fd20:$i::2/128"
  nsx "$b" "$WG" set "$fb" private-key "$kfb" listen-port 51820 \
    peer "$pa" preshared-key "$pskf" allowed-ips "10.200.$i.1/32,fd20:$i::1/128"
  rm -f "$kfa" "$kfb" "$pskf"
  inner "$a" "$fa" "10.200.$i.1/24" "fd20:$i::1/64"
  inner "$b" "$fb" "10.200.$i.2/24" "fd20:$i::2/64"
  local name="$ia->$ib outer v$outer"
  # 10 pings of 56 data bytes = 84-byte IPv4 packets: 10*128 bytes each way after the handshake
  check "$name: ping v4 inner" nsx "$a" ping -c 10 -i 0.2 -W 5 -q "10.200.$i.2"
  local tx rx
  tx=$(peer_field "$a" "$fa" "$pb" 7); rx=$(peer_field "$a" "$fa" "$pb" 6)
  # initiator: tx 148 + 10*128 (+32 per keepalive), rx 92 + 10*128 (+32 per keepalive)
  check "$name: initiator tx counter $tx = 1428 (+32n)" test $(( (tx - 1428) % 32 )) -eq 0 -a "$tx" -ge 1428 -a "$tx" -le 1492
  check "$name: initiator rx counter $rx = 1372 (+32n)" test $(( (rx - 1372) % 32 )) -eq 0 -a "$rx" -ge 1372 -a "$rx" -le 1436
  check "$name: ping v6 inner" nsx "$a" ping -6 -c 3 -i 0.2 -W 5 -q "fd20:$i::2"
  check "$name: reverse ping v4" nsx "$b" ping -c 2 -i 0.2 -W 5 -q "10.200.$i.1"
  local hs
  hs=$(peer_field "$b" "$fb" "$pa" 5)
  check "$name: responder shows a handshake time ($hs)" test "${hs:-0}" -gt 0
  local epa
  epa=$(peer_field "$b" "$fb" "$pa" 3)
  case $outer in
    4) check "$name: responder learned endpoint $epa" test "$epa" = "10.$i.0.1:51820" ;;
    6) check "$name: responder learned endpoint $epa" test "$epa" = "[fd00:$i::1]:51820" ;;
  esac
}

have_go=1
command -v wireguard-go >/dev/null || have_go=0
pair wgjs wgjs 4 31
pair wgjs wgjs 6 32
if [ $have_go = 1 ]; then
  pair wgjs wggo 4 33
  pair wggo wgjs 4 34
  pair wgjs wggo 6 35
  pair wggo wgjs 6 36
else
  nok "wireguard-go not installed (test/install-deps.sh installs it)"
fi
# Debian sid's wireguard-go (TUN TSO/GRO, UDP GSO/GRO of its own): both roles, both outer families
if [ -z "${WGGO_SID:-}" ]; then WGGO_SID=$(bash "$ROOT/test/bench/wggo-sid.sh") || WGGO_SID=""; fi
export WGGO_SID
if [ -n "$WGGO_SID" ] && [ -x "$WGGO_SID" ]; then
  pair wgjs sid 4 37
  pair sid wgjs 4 38
  pair wgjs sid 6 39
  pair sid wgjs 6 40
else
  nok "Debian sid's wireguard-go could not be fetched (test/bench/wggo-sid.sh)"
fi
finish
