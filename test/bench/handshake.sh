#!/usr/bin/env bash
# Handshake costs of a responder: wgjs next to Debian's wireguard-go (/usr/bin/wireguard-go) and,
# with WGGO_SID=path, a second wireguard-go binary. Each responder runs alone in a namespace and
# test/tools/wgflood.mjs drives it from another one. Measured, never asserted:
#   (a) valid initiations from HS_PEERS (100) configured peers, at rising rates (HS_RATES, each
#       for HS_STEP_SECONDS): the highest rate at which responses keep up (>= 95% of what was
#       sent answered with a handshake response), the responses per second at the first rate
#       that is not kept up, and the responder's CPU per handshake at the highest rate kept up
#       (CPU delta / responses received)
#   (b) junk initiations (bad mac1), JUNK_COUNT (100,000) at JUNK_RATE/s: rejected per CPU second
#   (c) mac1-valid initiations from unknown keys, MAC1_COUNT (40,000) at MAC1_RATE/s: handled
#       (a DH, or a cookie reply when under load) per CPU second
# CPU = utime+stime of the daemon (/proc/PID/stat) from before the burst until its socket queue
# is drained; "handled" = datagrams the kernel delivered to the daemon's socket (namespace UDP
# InDatagrams), so datagrams dropped on a full socket buffer count neither way.
# Ends with `BENCH key=value` lines (e.g. BENCH wgjs_hs_cpu_ms=21.3) for test/bench/run.sh.
# Runs alone: bash test/bench/handshake.sh (root: network namespaces).
set -u
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "handshake bench needs root (network namespaces)"; exit 1; }
for c in node wg wireguard-go python3; do
  command -v $c >/dev/null || { bash test/install-deps.sh >/dev/null || exit 1; break; }
done
. src/tools/arch.sh
host=$(wgjs_host_arch)
WGJS=${WGJS_BIN:-${WGJS:-$PWD/build/$host/wgjs}}
[ -x "$WGJS" ] || ./build.sh "$host" >/dev/null || exit 1
export WGJS
export TAG=hb$$ # our own prefix: lib.sh's cleanup removes every namespace wgjs-$TAG-*
source test/e2e/lib.sh
TMPD=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPD"' EXIT

HS_PEERS=${HS_PEERS:-100}
HS_RATES=${HS_RATES:-25 50 100 200 400 800 1600 3200 4000}
HS_STEP_S=${HS_STEP_SECONDS:-3}
JUNK_COUNT=${JUNK_COUNT:-100000}
JUNK_RATE=${JUNK_RATE:-50000}
MAC1_COUNT=${MAC1_COUNT:-40000}
MAC1_RATE=${MAC1_RATE:-20000}
TOOL=$PWD/test/tools/wgflood.mjs
CLK=$(getconf CLK_TCK)
now_ms() { date +%s%3N; }
cpu_ticks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null || echo 0; }
udp_in() { # "delivered dropped" UDP datagrams of a namespace
  nsx "$1" cat /proc/net/snmp | awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col["InDatagrams"], $col["InErrors"] }'
}
rx_queue() { # bytes queued on the UDP sockets bound to port 51820 (0xCA6C) in a namespace
  local s=0 q
  for q in $(nsx "$1" cat /proc/net/udp /proc/net/udp6 2>/dev/null | awk '$2 ~ /:CA6C$/ { split($5, q, ":"); print q[2] }'); do
    s=$((s + 16#$q))
  done
  echo $s
}
drain() { # wait (at most 60 s) until the responder has read everything queued for it
  local n=$1 i z=0
  for i in $(seq 1 600); do
    if [ "$(rx_queue "$n")" = 0 ]; then z=$((z + 1)); [ $z -ge 3 ] && return 0; else z=0; fi
    sleep 0.1
  done
  echo "  (the responder's socket queue did not drain in 60 s)"
  return 1
}
json() { python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
calc() { python3 -c "import sys; print($1)" 2>/dev/null || echo n/a; }

start_bin() { # start_bin KEY BIN NS IFN : the daemon in the foreground, its pid in DPID
  local key=$1 bin=$2 n=$3 ifn=$4 log="$ROOT/build/test-logs/$4.$1.log" i
  mkdir -p "$ROOT/build/test-logs"
  IFS_CREATED+=("$ifn")
  ip netns exec "$n" env LOG_LEVEL=error "$bin" -f "$ifn" >"$log" 2>&1 &
  DPID=$!
  PIDS+=("$DPID")
  for i in $(seq 1 100); do
    [ -S "/var/run/wireguard/$ifn.sock" ] && ip -n "$n" link show "$ifn" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "daemon $key ($bin) did not come up:"; cat "$log"
  return 1
}

# the peers' keys, once for every responder
KEYS=$TMPD/peers.keys
PEERCONF=$TMPD/peers.conf
: >"$KEYS"; : >"$PEERCONF"
for i in $(seq 0 $((HS_PEERS - 1))); do
  k=$(genkey); echo "$k" >>"$KEYS"
  printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.%d/32\n\n' "$(pubkey "$k")" $((100 + i / 65536)) $((i / 256 % 256)) $((i % 256)) >>"$PEERCONF"
done

# measure MODE RATE SECONDS [tool args] : one burst; sets M_* (sent, responses, cookies,
# delivered, dropped, cpu ms, achieved rate)
measure() {
  local mode=$1 rate=$2 secs=$3; shift 3
  local out="$TMPD/m.json" u0 u1 c0 c1
  read -r -a u0 < <(udp_in "$R"); c0=$(cpu_ticks "$RPID")
  nsx "$A" node "$TOOL" --mode "$mode" --target "10.$IDX.0.1:51820" --responder-pub "$RPUB" \
    --rate "$rate" --seconds "$secs" "$@" --json >"$out" 2>"$TMPD/m.log"
  drain "$R"
  c1=$(cpu_ticks "$RPID"); read -r -a u1 < <(udp_in "$R")
  M_SENT=$(json "$out" 'd["sent"]'); M_RESP=$(json "$out" 'd["received"]["response"]')
  M_COOKIE=$(json "$out" 'd["received"]["cookie"]'); M_RATE=$(json "$out" 'd["rate"]')
  M_TRATE=$(json "$out" 'd["target_rate"]'); M_SECS=$(json "$out" 'd["seconds"]')
  M_DELIV=$((u1[0] - u0[0])); M_DROP=$((u1[1] - u0[1]))
  M_CPU_MS=$(( (c1 - c0) * 1000 / CLK ))
  if [ -z "$M_SENT" ]; then echo "  wgflood failed:"; sed 's/^/    /' "$TMPD/m.log"; M_SENT=0 M_RESP=0 M_COOKIE=0 M_RATE=0 M_TRATE=$rate M_SECS=$secs; fi
}

RESULTS=()
bench_impl() { # bench_impl KEY BIN IDX
  local key=$1 bin=$2
  IDX=$3
  echo "== $key ($bin)"
  R=$(ns "r$IDX"); A=$(ns "a$IDX"); link "$R" "$A" "$IDX" || { echo "  setup failed"; return; }
  local ifn="hb$TAG$IDX"
  start_bin "$key" "$bin" "$R" "$ifn" || return
  RPID=$DPID
  local kr conf
  kr=$(genkey); RPUB=$(pubkey "$kr")
  conf=$TMPD/r.conf
  printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n\n' "$kr" >"$conf"
  cat "$PEERCONF" >>"$conf"
  nsx "$R" "$WG" setconf "$ifn" "$conf" || { echo "  setconf failed"; return; }
  rm -f "$conf"
  ip -n "$R" link set "$ifn" up
  sleep 0.3

  # (a) valid handshakes at rising rates
  local r best=0 cpu_ms=n/a over_rate=- over_resp=- note=""
  echo "  (a) valid initiations, $HS_PEERS peers, ${HS_STEP_S}s per rate"
  printf '      %7s %9s %9s %9s %8s %9s %9s\n' rate/s sent/s responses cookies cpu_ms ms/hs dropped
  for r in $HS_RATES; do
    measure valid "$r" "$HS_STEP_S" --peer-keys "$KEYS"
    printf '      %7s %9s %9s %9s %8s %9s %9s\n' "$M_TRATE" "$M_RATE" "$M_RESP" "$M_COOKIE" "$M_CPU_MS" \
      "$(calc "'%.2f' % ($M_CPU_MS / $M_RESP)" 2>/dev/null)" "$M_DROP"
    if [ "$M_RESP" -gt 0 ] && [ $((M_RESP * 100)) -ge $((M_SENT * 95)) ]; then
      best=$M_TRATE
      cpu_ms=$(calc "'%.3f' % ($M_CPU_MS / $M_RESP)")
    else
      over_rate=$M_TRATE
      over_resp=$(calc "'%.0f' % ($M_RESP / $M_SECS)")
      break
    fi
    if [ "$(calc "int($M_RATE < 0.9 * $M_TRATE)")" = 1 ]; then note=" (the sender reached only $M_RATE/s)"; break; fi
    [ "$M_TRATE" -lt "$r" ] && break # the tool capped the rate (one per peer per 25 ms)
    sleep 1.2 # "under load" ends a second after the last burst
  done
  echo "      kept up to $best/s$note; beyond: $over_resp responses/s at $over_rate/s; CPU per handshake $cpu_ms ms (at $best/s)"
  sleep 1.2

  # (b) junk
  local js=$(( (JUNK_COUNT + JUNK_RATE - 1) / JUNK_RATE ))
  measure junk "$JUNK_RATE" "$js"
  local junk_s
  junk_s=$(calc "'%.0f' % ($M_DELIV / ($M_CPU_MS / 1000.0))")
  echo "  (b) junk: $M_SENT sent at $M_RATE/s, $M_DELIV delivered to the socket ($M_DROP dropped), CPU $M_CPU_MS ms: $junk_s rejected per CPU second"
  sleep 1.2

  # (c) mac1-valid, unknown keys
  local ms=$(( (MAC1_COUNT + MAC1_RATE - 1) / MAC1_RATE ))
  measure mac1 "$MAC1_RATE" "$ms"
  local mac1_s
  mac1_s=$(calc "'%.0f' % ($M_DELIV / ($M_CPU_MS / 1000.0))")
  echo "  (c) mac1-valid unknown keys: $M_SENT sent at $M_RATE/s, $M_DELIV delivered ($M_DROP dropped), $M_COOKIE cookie replies, CPU $M_CPU_MS ms: $mac1_s per CPU second"

  RESULTS+=("$key $cpu_ms $best $over_resp $over_rate $junk_s $mac1_s")
  kill "$RPID" 2>/dev/null
}

bench_impl wgjs "$WGJS" 91
bench_impl bookworm /usr/bin/wireguard-go 92
[ -n "${WGGO_SID:-}" ] && bench_impl sid "$WGGO_SID" 93

echo "== handshake summary (responder side; CPU = daemon utime+stime; this machine is shared, so noisy)"
printf '  %-9s %12s %16s %22s %16s %16s\n' impl "cpu ms/hs" "hs/s kept up" "resp/s beyond (at)" "junk/cpu-s" "mac1/cpu-s"
for row in "${RESULTS[@]}"; do
  set -- $row
  printf '  %-9s %12s %16s %22s %16s %16s\n' "$1" "$2" "$3" "$4 (at $5)" "$6" "$7"
done
echo "  hs/s kept up: the highest rate tried (of $HS_RATES) with >= 95% of initiations answered."
for row in "${RESULTS[@]}"; do
  set -- $row
  echo "BENCH ${1}_hs_cpu_ms=$2"
  echo "BENCH ${1}_hs_per_s=$3"
  echo "BENCH ${1}_hs_resp_per_s_beyond=$4"
  echo "BENCH ${1}_junk_per_cpu_s=$6"
  echo "BENCH ${1}_mac1_per_cpu_s=$7"
done
