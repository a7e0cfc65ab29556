#!/usr/bin/env bash
# Handshake floods against a responder R (wgjs; R_IMPL=wggo runs the same checks against
# wireguard-go, to check the test itself). Namespaces, each with its own veth to R:
#   P  a wgjs peer, connected before the flood, pinging R 10 times a second throughout
#   L  a legitimate wgjs peer configured mid-flood (R knows its key), must connect and ping
#   G  the same with wireguard-go as the legitimate peer (if installed)
#   A  the attacker, 50 source addresses, running test/tools/wgflood.mjs
# Case 1: FLOOD_SECONDS (10) of FLOOD_MAC1_RATE (5,000/s) mac1-valid initiations from unknown keys.
#   L and G connect within 8 s (a cookie-challenged initiator retries only after REKEY_TIMEOUT,
#   5 s + up to 333 ms), P's loss stays within FLOOD_LOSS_MAX % (goal 1 %), no handshake
#   response (type 2) and nothing but cookie replies reach A.
# Case 2: one genuine initiation from a key R has configured, replayed at FLOOD_REPLAY_RATE
#   (1,000/s) for FLOOD_SECONDS: exactly one response (to the original), none to the replays,
#   and the same checks for P, L and G.
# Prints R's CPU use during each flood (utime+stime from /proc/PID/stat, % of one core) and
# what the tool counted. FLOOD_CASES="1 2" selects cases.
export TAG=${TAG:-fl$$}
source "$(dirname "$0")/lib.sh"
need_root

R_IMPL=${R_IMPL:-wgjs}
FLOOD_S=${FLOOD_SECONDS:-10}
MAC1_RATE=${FLOOD_MAC1_RATE:-5000}
REPLAY_RATE=${FLOOD_REPLAY_RATE:-1000}
LOSS_MAX=${FLOOD_LOSS_MAX:-5}
HS_BOUND_MS=${FLOOD_HS_BOUND_MS:-8000}
LEGIT_AT=${FLOOD_LEGIT_AT:-2} # seconds into the flood when L and G are configured
NSRC=50
TOOL=$ROOT/test/tools/wgflood.mjs
TMPD=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPD"' EXIT
CLK=$(getconf CLK_TCK)
now_ms() { date +%s%3N; }
# utime + stime of a process (all its threads), in clock ticks; the fields after "comm)"
cpu_ticks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# udp_in NS : "delivered dropped" UDP datagram counters of a namespace (InDatagrams, InErrors)
udp_in() {
  nsx "$1" cat /proc/net/snmp | awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col["InDatagrams"], $col["InErrors"] }'
}
json() { # json FILE EXPR : a field of the tool's JSON line (python3 expression over d)
  python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

command -v node >/dev/null || { nok "node not installed"; finish; exit; }
have_go=1
command -v wireguard-go >/dev/null || have_go=0
[ "$R_IMPL" = wggo ] && [ $have_go = 0 ] && { nok "R_IMPL=wggo but wireguard-go is not installed"; finish; exit; }

# legit NS IFN IMPL KEYFILE RPUB ENDPOINT C OUT : configure mid-flood, time to the first ping
# reply through the tunnel (the handshake included), then 5 more pings. Writes "ms received".
legit() {
  local n=$1 ifn=$2 kf=$4 rpub=$5 ep=$6 c=$7 out=$8 t0 ms rcv
  t0=$(now_ms)
  nsx "$n" "$WG" set "$ifn" private-key "$kf" peer "$rpub" endpoint "$ep" allowed-ips "10.220.$c.0/24"
  if nsx "$n" ping -c 1 -i 0.1 -w 12 -q "10.220.$c.1" >/dev/null 2>&1; then
    ms=$(( $(now_ms) - t0 ))
    # replies to this ping's own 5 requests (at most 5: replies to requests the first ping left
    # queued in the daemon during the handshake must not count)
    rcv=$(nsx "$n" ping -c 5 -i 0.2 -w 4 -q "10.220.$c.1" 2>/dev/null | awk -F', ' '/received/ { r = $2 + 0; print (r > 5 ? 5 : r) }')
  else
    ms=-1 rcv=0
  fi
  echo "$ms ${rcv:-0} $(( $(now_ms) - t0 ))" >"$out"
}

# flood_case C MODE RATE
flood_case() {
  local c=$1 mode=$2 rate=$3
  local name="case $c ($mode, $rate/s, R=$R_IMPL)"
  local b=$((40 + c * 5)) # veth indexes b (A), b+1 (P), b+2 (L), b+3 (G)
  local R A P L G
  R=$(ns "r$c") && A=$(ns "a$c") && P=$(ns "p$c") && L=$(ns "l$c") && G=$(ns "g$c") || { nok "$name: namespaces"; return; }
  link "$R" "$A" $b && link "$R" "$P" $((b + 1)) && link "$R" "$L" $((b + 2)) && link "$R" "$G" $((b + 3)) || { nok "$name: links"; return; }
  local fr="fr$TAG$c" fp="fp$TAG$c" fl="fl$TAG$c" fg="fg$TAG$c"
  LOG_LEVEL=error start "$R_IMPL" "$R" "$fr" || { nok "$name: start R"; return; }
  local rpid=${PIDS[-1]}
  start wgjs "$P" "$fp" && start wgjs "$L" "$fl" || { nok "$name: start P, L"; return; }
  if [ $have_go = 1 ]; then start wggo "$G" "$fg" || { nok "$name: start G"; return; }; fi
  local kr kp kl kg kq pr
  kr=$(genkey); kp=$(genkey); kl=$(genkey); kg=$(genkey); kq=$(genkey); pr=$(pubkey "$kr")
  local kfr kfp kfl kfg
  kfr=$(keyfile "$kr"); kfp=$(keyfile "$kp"); kfl=$(keyfile "$kl"); kfg=$(keyfile "$kg")
  echo "$kq" >"$TMPD/q$c.keys"
  # R knows P, L, G and Q (the key whose initiation case 2 replays; no daemon holds it)
  nsx "$R" "$WG" set "$fr" private-key "$kfr" listen-port 51820 \
    peer "$(pubkey "$kp")" allowed-ips "10.220.$c.2/32" \
    peer "$(pubkey "$kl")" allowed-ips "10.220.$c.3/32" \
    peer "$(pubkey "$kg")" allowed-ips "10.220.$c.4/32" \
    peer "$(pubkey "$kq")" allowed-ips "10.220.$c.9/32"
  inner "$R" "$fr" "10.220.$c.1/24" "fd22:$c::1/64"
  nsx "$P" "$WG" set "$fp" private-key "$kfp" peer "$pr" endpoint "10.$((b + 1)).0.1:51820" allowed-ips "10.220.$c.0/24"
  inner "$P" "$fp" "10.220.$c.2/24" "fd22:$c::2/64"
  inner "$L" "$fl" "10.220.$c.3/24" "fd22:$c::3/64"
  [ $have_go = 1 ] && inner "$G" "$fg" "10.220.$c.4/24" "fd22:$c::4/64"
  check "$name: P connected before the flood" nsx "$P" ping -c 3 -i 0.2 -W 5 -q "10.220.$c.1"
  local srcs="" k
  for k in $(seq 10 $((10 + NSRC - 1))); do
    ip -n "$A" addr add "10.$b.0.$k/24" dev "vb$TAG$b"
    srcs="$srcs${srcs:+,}10.$b.0.$k"
  done
  sleep 0.3 # let the attacker's addresses settle

  local out="$TMPD/flood$c.json" tlog="$TMPD/flood$c.log"
  local extra=()
  [ "$mode" = replay ] && extra=(--peer-keys "$TMPD/q$c.keys")
  nsx "$A" node "$TOOL" --mode "$mode" --target "10.$b.0.1:51820" --responder-pub "$pr" \
    --rate "$rate" --seconds "$FLOOD_S" --sources "$srcs" "${extra[@]}" --json >"$out" 2>"$tlog" &
  local tpid=$!
  local i
  for i in $(seq 1 300); do grep -q '^wgflood: sending' "$tlog" 2>/dev/null && break; kill -0 $tpid 2>/dev/null || break; sleep 0.1; done
  grep -q '^wgflood: sending' "$tlog" || { nok "$name: the flood tool did not start"; cat "$tlog"; return; }
  local c0 t0 c1 t1 u0 u1
  read -r -a u0 < <(udp_in "$R")
  c0=$(cpu_ticks "$rpid"); t0=$(now_ms)
  nsx "$P" ping -i 0.1 -c $((FLOOD_S * 10)) -W 1 -q "10.220.$c.1" >"$TMPD/ping$c" 2>&1 &
  local ppid=$!
  sleep "$LEGIT_AT"
  legit "$L" "$fl" wgjs "$kfl" "$pr" "10.$((b + 2)).0.1:51820" "$c" "$TMPD/l$c" &
  local lpid=$!
  local gpid=
  if [ $have_go = 1 ]; then
    legit "$G" "$fg" wggo "$kfg" "$pr" "10.$((b + 3)).0.1:51820" "$c" "$TMPD/g$c" &
    gpid=$!
  fi
  sleep "$(( FLOOD_S - LEGIT_AT ))"
  c1=$(cpu_ticks "$rpid"); t1=$(now_ms)
  wait $tpid; wait $ppid; wait $lpid; [ -n "$gpid" ] && wait "$gpid"
  read -r -a u1 < <(udp_in "$R")
  rm -f "$kfr" "$kfp" "$kfl" "$kfg"

  local cpu
  cpu=$(awk -v d=$((c1 - c0)) -v k="$CLK" -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", d / k / (ms / 1000) * 100 }')
  echo "# $name: R ($R_IMPL) CPU during the flood: $cpu% of one core ($(( (c1 - c0) * 1000 / CLK )) ms in $((t1 - t0)) ms)"
  sed 's/^/# /' "$tlog"
  local sent resp cookie transport other
  sent=$(json "$out" 'd["sent"]'); resp=$(json "$out" 'd["received"]["response"]')
  cookie=$(json "$out" 'd["received"]["cookie"]'); transport=$(json "$out" 'd["received"]["transport"]')
  other=$(json "$out" 'd["received"]["other"]')
  local want=$((rate * FLOOD_S))
  check "$name: the flood ran (sent ${sent:-none} of $want, >= 90%)" test "${sent:-0}" -ge $((want * 9 / 10))
  local din=$(( u1[0] - u0[0] )) ddrop=$(( u1[1] - u0[1] ))
  echo "# $name: UDP datagrams at R: $din delivered to its socket, $ddrop dropped (socket buffer full)"
  check "$name: the flood reached R's socket ($((din + ddrop)) datagrams >= 90% of $sent)" test $((din + ddrop)) -ge $(( ${sent:-0} * 9 / 10 ))
  case $mode in
    mac1)
      check "$name: no handshake response reached the attacker ($resp)" test "${resp:-x}" = 0 ;;
    replay)
      local orig
      orig=$(json "$out" 'd["original_answer"]')
      check "$name: the original initiation was answered by a response ($orig)" test "$orig" = response
      check "$name: exactly one response in all ($resp), none to the $sent replays" test "${resp:-x}" = 1 ;;
  esac
  check "$name: the attacker got only cookie replies ($cookie) or nothing (transport $transport, other $other)" \
    test "${transport:-x}" = 0 -a "${other:-x}" = 0
  local loss
  loss=$(awk -F', ' '/packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /packet loss/) { sub(/%.*/, "", $i); print $i } }' "$TMPD/ping$c")
  echo "# $name: P's pings during the flood: ${loss:-?}% loss (goal <= 1%): $(grep -h 'packets transmitted' "$TMPD/ping$c")"
  check "$name: P's ping loss ${loss:-?}% <= $LOSS_MAX%" awk -v l="${loss:-100}" -v m="$LOSS_MAX" 'BEGIN { exit !(l <= m) }'
  local who f ms rcv fin
  for who in L G; do
    [ $who = G ] && [ $have_go = 0 ] && continue
    f="$TMPD/$(echo $who | tr LG lg)$c"
    read -r ms rcv fin <"$f" 2>/dev/null || { ms=-1; rcv=0; fin=0; }
    local impl=wgjs; [ $who = G ] && impl=wireguard-go
    echo "# $name: $who ($impl) configured ${LEGIT_AT}s into the flood: first ping reply after $ms ms (-1: none in 12 s), then $rcv/5 replies, done $((fin / 1000 + LEGIT_AT)) s into the flood"
    check "$name: $who ($impl) handshake and first ping within $HS_BOUND_MS ms (measured $ms ms)" \
      test "$ms" -ge 0 -a "$ms" -le "$HS_BOUND_MS"
    check "$name: $who ($impl) then pings R ($rcv/5 >= 4)" test "${rcv:-0}" -ge 4
  done
  local hsl
  hsl=$(peer_field "$R" "$fr" "$(pubkey "$kl")" 5)
  check "$name: R shows L's handshake by the end (latest-handshake $hsl)" test "${hsl:-0}" -gt 0
}

for c in ${FLOOD_CASES:-1 2}; do
  case $c in
    1) flood_case 1 mac1 "$MAC1_RATE" ;;
    2) flood_case 2 replay "$REPLAY_RATE" ;;
  esac
done
finish
