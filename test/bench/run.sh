#!/usr/bin/env bash
# npm run bench: figures measured in one run on this machine, wgjs next to two wireguard-go builds:
# Debian bookworm's (/usr/bin/wireguard-go, no offloads) and Debian sid's (TUN TSO/GRO, UDP
# GSO/GRO; fetched into .cache/ by test/bench/wggo-sid.sh, skipped if it cannot be fetched).
# wgjs is measured twice: with its offloads (the default environment: TUN vnet header TSO/GRO,
# USO, UDP GSO/GRO as far as the kernel allows) and with WGJS_OFFLOAD=0 in its environment
# ("wgjs offloads off"; TCP throughput and CPU per GB only). Each wgjs daemon of the TCP pairs
# runs with LOG_LEVEL=verbose into its log so that its `offloads:` start line can be shown.
#   - iperf3 TCP throughput through a pair of each, both directions (A->B and B->A)
#   - iperf3 UDP, 64-byte datagrams at full offered rate: packets/s received and loss
#   - daemon CPU seconds (utime+stime of both daemons) per GB carried over each TCP run
#   - time from `wg set` to the first ping reply
#   - RSS idle and with 1,000 peers (and bytes per peer), time to setconf 1,000 peers
#   - test/bench/handshake.sh's `BENCH key=value` figures, if that script exists
# Ends with a markdown table (also written to build/bench/last.md). Every implementation is
# measured back-to-back for each figure and the ratios come from this run only (the machine is
# shared, so absolute figures move from run to run). Reported, never asserted: exits 0 unless it
# cannot run at all. Needs root (namespaces).
#   BENCH_SECONDS   seconds per iperf3 run (default 10)
#   BENCH_OFFLOADS  both (default): wgjs with and without offloads; on: only the default run
#   WGJS_BIN        the wgjs binary (default build/<host>/wgjs, built if missing)
#   WGGO_BOOKWORM   bookworm's wireguard-go (default /usr/bin/wireguard-go)
#   WGGO_SID        sid's wireguard-go (default: fetched/cached by test/bench/wggo-sid.sh;
#                   WGGO_SID=none skips it)
#   BENCH_HANDSHAKE_TIMEOUT  seconds allowed to test/bench/handshake.sh (default 600)
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOTDIR=$PWD
[ "$(id -u)" = 0 ] || { echo "npm run bench needs root (network namespaces)"; exit 1; }
bash test/install-deps.sh >/dev/null || { echo "bench: test/install-deps.sh failed"; exit 1; }
. src/tools/arch.sh
host=$(wgjs_host_arch)
if [ -z "${WGJS_BIN:-}" ] && [ ! -x "build/$host/wgjs" ]; then
  ./build.sh "$host" >/dev/null || { echo "bench: ./build.sh $host failed"; exit 1; }
fi
export WGJS=${WGJS_BIN:-$PWD/build/$host/wgjs} TAG=b$$
[ -x "$WGJS" ] || { echo "bench: $WGJS is not executable"; exit 1; }
# shellcheck source=test/e2e/lib.sh
source test/e2e/lib.sh
SECS=${BENCH_SECONDS:-10}
OUT=$ROOTDIR/build/bench
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'cleanup; rm -rf "$TMP"' EXIT
now_ms() { date +%s%3N; }
na() { [ -n "${1:-}" ] && echo "$1" || echo "n/a"; }

# ---------------------------------------------------------------- ubus status call (issue 16)
# Daemon CPU per `status` call of its ubus object wgjs.<if> (answered by the daemon itself over a
# ubusd stand-in, test/tools/ubusd-standin.mjs) versus the rpcd exec plugin's way, one
# `wgjs rpcd call status` process per call (what /usr/libexec/rpcd/wgjs runs: here the binary
# directly, so the shell of the real plugin is not counted). A daemon with 5 peers.
# CPU: the daemon's /proc/PID/schedstat run time (ns) over the calls; the exec plugin's processes:
# bash `times` (children's utime+stime, clock ticks) plus the daemon's run time answering their
# UAPI gets. BENCH_UBUS_CALLS (default 5000) and BENCH_EXEC_CALLS (default 30).
# BENCH_ONLY=ubus runs just this section.
declare -A UB
run_ns() { awk '{print $1}' "/proc/$1/schedstat" 2>/dev/null; }
ubus_bench() {
  local n sock sp d i k calls execs t0 t1 c0 c1 out ms
  echo "== ubus status call: daemon CPU per call (ubus) vs exec plugin per call"
  command -v node >/dev/null || { echo "  node missing: skipped"; return; }
  n=$(ns ubus) || { echo "  namespace failed: skipped"; return; }
  sock=$TMP/ubus.sock
  node test/tools/ubusd-standin.mjs serve "$sock" 2>"$TMP/standin.log" &
  sp=$!
  for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  WGJS_ENV="WGJS_UBUS_SOCKET=$sock" LOG_LEVEL=error start wgjs "$n" "ubu$TAG" || { kill "$sp"; return; }
  d=${PIDS[-1]}
  k=$(keyfile "$("$WGJS" genkey)")
  local args=(private-key "$k" listen-port 51999)
  for i in 1 2 3 4 5; do
    args+=(peer "$("$WGJS" genkey | "$WGJS" pubkey)" allowed-ips "10.200.$i.0/24" endpoint "192.0.2.$i:51820" persistent-keepalive 0)
  done
  nsx "$n" "$WGJS" set "ubu$TAG" "${args[@]}"
  rm -f "$k"
  for i in $(seq 50); do node test/tools/ubusd-standin.mjs list "$sock" 2>/dev/null | grep -qx "wgjs.ubu$TAG" && break; sleep 0.1; done
  calls=${BENCH_UBUS_CALLS:-5000}
  node test/tools/ubusd-standin.mjs call-repeat "$sock" "wgjs.ubu$TAG" status 200 >/dev/null # warm-up
  c0=$(run_ns "$d")
  out=$(node test/tools/ubusd-standin.mjs call-repeat "$sock" "wgjs.ubu$TAG" status "$calls")
  c1=$(run_ns "$d")
  if [ -n "$c0" ] && [ -n "$c1" ] && [[ "$out" == calls=* ]]; then
    ms=${out#*ms=}; ms=${ms%% *}
    UB[ubus_us]=$(awk -v a="$c0" -v b="$c1" -v n="$calls" 'BEGIN {printf "%.1f", (b - a) / n / 1000}')
    UB[ubus_wall_us]=$(awk -v m="$ms" -v n="$calls" 'BEGIN {printf "%.1f", m * 1000 / n}')
    UB[ubus_bytes]=$(( ${out##*bytes=} / calls ))
    echo "  ubus: $calls calls of wgjs.ubu$TAG status (5 peers): daemon CPU ${UB[ubus_us]} us per call; round trip through the stand-in ${UB[ubus_wall_us]} us; reply ${UB[ubus_bytes]} bytes"
  else
    echo "  ubus: calls failed ($out)"
  fi
  execs=${BENCH_EXEC_CALLS:-30}
  c0=$(run_ns "$d")
  t0=$(now_ms)
  out=$( (for i in $(seq "$execs"); do WGJS_UCI_CONFIG=/nonexistent "$WGJS" rpcd call status <<<"{\"interface\":\"ubu$TAG\"}" >/dev/null; done; times) | tail -n 1)
  t1=$(now_ms)
  c1=$(run_ns "$d")
  # `times`: "XmY.YYYs XmY.YYYs" (children user, system)
  UB[exec_ms]=$(echo "$out" | awk -v n="$execs" '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] } printf "%.1f", s * 1000 / n }')
  UB[exec_daemon_us]=$(awk -v a="$c0" -v b="$c1" -v n="$execs" 'BEGIN {printf "%.1f", (b - a) / n / 1000}')
  UB[exec_wall_ms]=$(awk -v a="$t0" -v b="$t1" -v n="$execs" 'BEGIN {printf "%.1f", (b - a) / n}')
  echo "  exec plugin: $execs runs of \`wgjs rpcd call status\`: ${UB[exec_ms]} ms CPU per call in the process (+ ${UB[exec_daemon_us]} us of daemon CPU for its UAPI get), ${UB[exec_wall_ms]} ms wall"
  UB[ratio]=$(awk -v e="${UB[exec_ms]}" -v d="${UB[exec_daemon_us]}" -v u="${UB[ubus_us]:-}" 'BEGIN { if (u + 0 > 0) printf "%.0f", (e * 1000 + d) / u; else printf "n/a" }')
  echo "  exec plugin / ubus CPU per status call: ${UB[ratio]}x"
  kill "$d" "$sp" 2>/dev/null
  wait "$sp" 2>/dev/null
}
if [ "${BENCH_ONLY:-}" = ubus ]; then
  ubus_bench
  echo "bench: done"
  exit 0
fi

# ---------------------------------------------------------------- implementations and versions
WGGO_BOOKWORM=${WGGO_BOOKWORM:-/usr/bin/wireguard-go}
SID=${WGGO_SID:-}
if [ "$SID" = none ]; then SID=""
elif [ -z "$SID" ]; then SID=$(bash test/bench/wggo-sid.sh) || SID=""; fi
IMPLS=(wgjs)
BENCH_OFFLOADS=${BENCH_OFFLOADS:-both}
[ "$BENCH_OFFLOADS" = on ] || IMPLS+=(wgjs_off)
if [ -x "$WGGO_BOOKWORM" ]; then IMPLS+=(bookworm); else echo "bench: no bookworm wireguard-go at $WGGO_BOOKWORM"; fi
if [ -n "$SID" ] && [ -x "$SID" ]; then IMPLS+=(sid)
else echo "bench: Debian sid's wireguard-go could not be fetched: measuring wgjs and bookworm's only"; SID=""; fi
declare -A NAME=([wgjs]="wgjs" [wgjs_off]="wgjs offl. off" [bookworm]="bookworm wg-go" [sid]="sid wg-go")
declare -A BIN=([wgjs]="$WGJS" [wgjs_off]="$WGJS" [bookworm]="$WGGO_BOOKWORM" [sid]="$SID")
# MAIN: the implementations of every figure; wgjs_off (same binary, WGJS_OFFLOAD=0) only gets
# the TCP pair (throughput and CPU per GB)
MAIN=()
for impl in "${IMPLS[@]}"; do [ "$impl" = wgjs_off ] || MAIN+=("$impl"); done
VER_JS=$("$WGJS" --version 2>&1 | head -n1)
VER_JS_GIT=$(git describe --always --dirty 2>/dev/null || echo "?")
VER_BW=$("$WGGO_BOOKWORM" --version 2>/dev/null | head -n1)
VER_BW_DEB=$(dpkg-query -W -f='${Version}' wireguard-go 2>/dev/null)
VER_SID=""; VER_SID_DEB=""
if [ -n "$SID" ]; then
  VER_SID=$("$SID" --version 2>/dev/null | head -n1)
  VER_SID_DEB=$(cat .cache/wggo-sid/deb-version 2>/dev/null)
fi
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
MACHINE="$(nproc) x ${CPU_MODEL:-$(uname -m)}, Linux $(uname -r)"
echo "== implementations"
echo "  wgjs:            $VER_JS, git $VER_JS_GIT ($WGJS)"
echo "  bookworm wg-go:  $(na "$VER_BW"), Debian package $(na "$VER_BW_DEB") ($WGGO_BOOKWORM)"
if [ -n "$SID" ]; then echo "  sid wg-go:       $(na "$VER_SID"), Debian package $(na "$VER_SID_DEB") ($SID)"
else echo "  sid wg-go:       not available"; fi
echo "  machine:         $MACHINE; BENCH_SECONDS=$SECS"

# R[figure,impl] = value (n/a when not measured)
declare -A R

# bstart IMPL NS IFNAME [LOGLEVEL] : starts one daemon in the foreground (LOG_LEVEL=LOGLEVEL,
# default error, into build/test-logs/IFNAME.IMPL.log), sets LASTPID and LASTLOG, waits for its
# socket. wgjs_off is wgjs with WGJS_OFFLOAD=0 in its environment; wgjs gets the environment of
# this script as it is (no WGJS_* switch set: every offload the kernel accepts).
bstart() {
  local impl=$1 n=$2 ifn=$3 lvl=${4:-error} log="$ROOTDIR/build/test-logs/$3.$1.log" i
  mkdir -p "$ROOTDIR/build/test-logs"
  IFS_CREATED+=("$ifn")
  case $impl in
    wgjs) ip netns exec "$n" env LOG_LEVEL="$lvl" "$WGJS" -f "$ifn" >"$log" 2>&1 & ;;
    wgjs_off) ip netns exec "$n" env LOG_LEVEL="$lvl" WGJS_OFFLOAD=0 "$WGJS" -f "$ifn" >"$log" 2>&1 & ;;
    bookworm|sid) ip netns exec "$n" env LOG_LEVEL=error "${BIN[$impl]}" -f "$ifn" >"$log" 2>&1 & ;;
  esac
  LASTPID=$!
  LASTLOG=$log
  PIDS+=("$LASTPID")
  for i in $(seq 1 200); do
    [ -S "/var/run/wireguard/$ifn.sock" ] && ip -n "$n" link show "$ifn" >/dev/null 2>&1 && return 0
    kill -0 "$LASTPID" 2>/dev/null || break
    sleep 0.05
  done
  echo "  daemon $impl $ifn did not come up:"; sed 's/^/    /' "$log"
  return 1
}

# pair IMPL IDX : namespaces A and B joined by a veth (10.IDX.0.1/.2), a daemon in each, tunnel
# 10.210.IDX.1 <-> .2; records PA/PB (daemon pids), NA/NB, LA/LB (wgjs: the daemons' logs, at
# LOG_LEVEL=verbose for the offloads line), and the `wg set` -> first ping time.
declare -A NA NB PA PB TB LA LB
pair() {
  local impl=$1 i=$2 a b fa fb ka kb t0 lvl=error
  case $impl in wgjs|wgjs_off) lvl=verbose ;; esac
  a=$(ns "a$i") && b=$(ns "b$i") && link "$a" "$b" "$i" || return 1
  fa="ba$TAG$i"; fb="bb$TAG$i"
  bstart "$impl" "$a" "$fa" "$lvl" || return 1; PA[$impl]=$LASTPID; LA[$impl]=$LASTLOG
  bstart "$impl" "$b" "$fb" "$lvl" || return 1; PB[$impl]=$LASTPID; LB[$impl]=$LASTLOG
  NA[$impl]=$a; NB[$impl]=$b; TB[$impl]=10.210.$i.2
  ka=$(genkey); kb=$(genkey)
  t0=$(now_ms)
  nsx "$a" "$WG" set "$fa" private-key <(echo "$ka") listen-port 51820 peer "$(pubkey "$kb")" endpoint "10.$i.0.2:51820" allowed-ips "10.210.$i.2/32" || return 1
  nsx "$b" "$WG" set "$fb" private-key <(echo "$kb") listen-port 51820 peer "$(pubkey "$ka")" allowed-ips "10.210.$i.1/32" || return 1
  inner "$a" "$fa" "10.210.$i.1/24" "fd21:$i::1/64"; inner "$b" "$fb" "10.210.$i.2/24" "fd21:$i::2/64"
  # one reply wanted; ping keeps sending every 0.2 s until it comes or 15 s pass
  if nsx "$a" ping -c 1 -i 0.2 -w 15 -q "10.210.$i.2" >/dev/null 2>&1; then
    R[firstping,$impl]=$(( $(now_ms) - t0 ))
  else
    echo "  $impl: no ping reply through the tunnel within 15 s"; return 1
  fi
}

cpu_ticks() { # cpu_ticks PID... : utime+stime (clock ticks) summed over the processes
  local p s=0 t
  for p in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')
    s=$(( s + ${t:-0} ))
  done
  echo "$s"
}
HZ=$(getconf CLK_TCK)

# iperf SERVER_NS CLIENT_NS ADDR JSON [iperf3 client args...] : one bounded iperf3 run; the client's
# JSON report goes to JSON. The server serves one test (-1), is bounded by timeout, and is killed.
iperf() {
  local sn=$1 cn=$2 addr=$3 json=$4 spid i rc
  shift 4
  ip netns exec "$sn" timeout $(( SECS + 90 )) iperf3 -s -1 >/dev/null 2>&1 &
  spid=$!
  for i in $(seq 1 50); do
    ip netns exec "$sn" ss -Hltn 'sport = :5201' 2>/dev/null | grep -q . && break
    sleep 0.1
  done
  ip netns exec "$cn" timeout $(( SECS + 60 )) iperf3 -c "$addr" -t "$SECS" -J "$@" >"$json" 2>/dev/null
  rc=$?
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
  return $rc
}

# jfig JSON WHAT : figures from an iperf3 client JSON report ("n/a" if absent or failed)
jfig() {
  python3 - "$1" "$2" <<'PY' 2>/dev/null || echo "n/a"
import json, sys
d = json.load(open(sys.argv[1])); w = sys.argv[2]
if d.get("error"): raise SystemExit(1)
e = d["end"]; r = e["sum_received"]
if w == "mbps": print("%.1f" % (r["bits_per_second"] / 1e6))
elif w == "bytes": print(int(r["bytes"]))
elif w == "pps": print("%.0f" % ((r["packets"] - r["lost_packets"]) / r["seconds"]))
elif w == "sentpps": print("%.0f" % (e["sum_sent"]["packets"] / e["sum_sent"]["seconds"]))
elif w == "loss": print("%.1f" % r["lost_percent"])
elif w == "rxpkts": print(int(r["packets"] - r["lost_packets"]))
PY
}
jerr() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error",""))' "$1" 2>/dev/null; }

# tcp IMPL DIR : DIR ab = client in A sends to server in B; ba = same namespaces, iperf3 -R
tcp() {
  local impl=$1 dir=$2 json=$TMP/tcp-$1-$2.json c0 c1 extra=() bytes mbps
  [ "$dir" = ba ] && extra=(-R)
  c0=$(cpu_ticks "${PA[$impl]}" "${PB[$impl]}")
  iperf "${NB[$impl]}" "${NA[$impl]}" "${TB[$impl]}" "$json" "${extra[@]}"
  c1=$(cpu_ticks "${PA[$impl]}" "${PB[$impl]}")
  mbps=$(jfig "$json" mbps); bytes=$(jfig "$json" bytes)
  R[tcp_$dir,$impl]=$mbps
  if [ "$bytes" != n/a ] && [ "$bytes" -gt 0 ]; then
    R[cpu_$dir,$impl]=$(awk -v t=$(( c1 - c0 )) -v hz="$HZ" -v b="$bytes" 'BEGIN { v = t / hz / (b / 1e9); printf (v >= 100 ? "%.0f" : "%.2f"), v }')
    printf '  %-15s %-4s %9s Mbit/s  (%d bytes, daemons %.2f CPU s: %s CPU s/GB)\n' "${NAME[$impl]}" "$dir" "$mbps" \
      "$bytes" "$(awk -v t=$(( c1 - c0 )) -v hz="$HZ" 'BEGIN { print t / hz }')" "${R[cpu_$dir,$impl]}"
  else
    printf '  %-15s %-4s failed: %s\n' "${NAME[$impl]}" "$dir" "$(na "$(jerr "$json")")"
  fi
}

udp() { # udp IMPL : 64-byte datagrams A -> B, offered as fast as the client can send
  local impl=$1 json=$TMP/udp-$1.json c0 c1 rx
  c0=$(cpu_ticks "${PA[$impl]}" "${PB[$impl]}")
  iperf "${NB[$impl]}" "${NA[$impl]}" "${TB[$impl]}" "$json" -u -l 64 -b 0
  c1=$(cpu_ticks "${PA[$impl]}" "${PB[$impl]}")
  R[udp_pps,$impl]=$(jfig "$json" pps); R[udp_loss,$impl]=$(jfig "$json" loss); rx=$(jfig "$json" rxpkts)
  if [ "${R[udp_pps,$impl]}" != n/a ]; then
    [ "$rx" != n/a ] && [ "$rx" -gt 0 ] && \
      R[udp_cpu,$impl]=$(awk -v t=$(( c1 - c0 )) -v hz="$HZ" -v n="$rx" 'BEGIN { printf "%.2f", t / hz / n * 1e6 }')
    printf '  %-15s %9s pkt/s received of %s pkt/s sent, loss %s%%, daemons %s CPU us per packet received\n' \
      "${NAME[$impl]}" "${R[udp_pps,$impl]}" "$(jfig "$json" sentpps)" "${R[udp_loss,$impl]}" "$(na "${R[udp_cpu,$impl]:-}")"
  else
    printf '  %-15s failed: %s\n' "${NAME[$impl]}" "$(na "$(jerr "$json")")"
  fi
}

# offl LOG : the `offloads:` start line of a wgjs log, from "offloads:" on ("" if absent)
offl() { sed -n 's/^.*\(offloads: .*\)$/\1/p' "$1" 2>/dev/null | head -n1; }
declare -A OFFL

# ---------------------------------------------------------------- pairs
echo "== pairs (wg set -> first ping reply)"
UP=()
idx=81
for impl in "${IMPLS[@]}"; do
  if pair "$impl" "$idx"; then UP+=("$impl"); printf '  %-15s %6s ms\n' "${NAME[$impl]}" "${R[firstping,$impl]}"
  else echo "  ${NAME[$impl]}: pair did not come up; its datapath figures are n/a"; fi
  idx=$((idx + 1))
done

echo "== wgjs offloads (the daemons' start line, LOG_LEVEL=verbose)"
for impl in wgjs wgjs_off; do
  [ -n "${LA[$impl]:-}" ] || continue
  la=$(offl "${LA[$impl]}"); lb=$(offl "${LB[$impl]:-}")
  OFFL[$impl]=${la:-"no offloads: line in the log (a binary without the offload switches?)"}
  printf '  %-15s A: %s\n' "${NAME[$impl]}" "${OFFL[$impl]}"
  [ "$lb" = "$la" ] || printf '  %-15s B: %s\n' "${NAME[$impl]}" "$(na "$lb")"
  if [ "$impl" = wgjs_off ] && [ -n "$la" ] && [ "$la" != "offloads: tun-tso=off tun-uso=off udp-gso=off udp-gro=off" ]; then
    echo "  warning: WGJS_OFFLOAD=0 did not switch every offload off"
  fi
done

echo "== TCP throughput (iperf3, ${SECS}s per run, tunnel MTU 1420; ab = A->B, ba = B->A via -R)"
for dir in ab ba; do
  for impl in "${UP[@]}"; do tcp "$impl" "$dir"; done
done

echo "== UDP 64-byte datagrams (iperf3 -u -l 64 -b 0, ${SECS}s, A->B)"
for impl in "${UP[@]}"; do [ "$impl" = wgjs_off ] || udp "$impl"; done

# ---------------------------------------------------------------- memory and 1,000 peers
echo "== memory and 1,000 peers"
M=$(ns mem)
conf=$TMP/peers.conf
python3 - "$conf" <<'PY'
import base64, os, sys
lines = ["[Interface]", "PrivateKey = " + base64.b64encode(os.urandom(32)).decode(), "ListenPort = 51999", ""]
for i in range(1000):
    lines += ["[Peer]", "PublicKey = " + base64.b64encode(os.urandom(32)).decode(),
              "AllowedIPs = 10.%d.%d.0/24" % (100 + i // 256, i % 256), "Endpoint = 192.0.2.%d:51820" % (1 + i % 250), ""]
open(sys.argv[1], "w").write("\n".join(lines))
PY
chmod 600 "$conf"
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
declare -A MP MF
port=51990
for impl in "${MAIN[@]}"; do
  MF[$impl]="bm$TAG${impl:0:1}"
  bstart "$impl" "$M" "${MF[$impl]}" && MP[$impl]=$LASTPID
done
sleep 0.5
for impl in "${!MP[@]}"; do R[rss_idle,$impl]=$(rss_kb "${MP[$impl]}"); done
for impl in "${MAIN[@]}"; do
  [ -n "${MP[$impl]:-}" ] || continue
  port=$((port + 1))
  sed "s/^ListenPort = .*/ListenPort = $port/" "$conf" >"$conf.$impl"; chmod 600 "$conf.$impl"
  t0=$(now_ms)
  if nsx "$M" "$WG" setconf "${MF[$impl]}" "$conf.$impl"; then R[setconf,$impl]=$(( $(now_ms) - t0 ))
  else echo "  ${NAME[$impl]}: setconf of 1,000 peers failed"; fi
done
sleep 0.5
for impl in "${MAIN[@]}"; do
  [ -n "${MP[$impl]:-}" ] || continue
  R[rss_full,$impl]=$(rss_kb "${MP[$impl]}")
  n=$(nsx "$M" "$WG" show "${MF[$impl]}" peers 2>/dev/null | wc -l)
  [ "$n" = 1000 ] || echo "  ${NAME[$impl]}: $n peers configured (1000 expected)"
  idle=${R[rss_idle,$impl]:-}; full=${R[rss_full,$impl]:-}
  [ -n "$idle" ] && [ -n "$full" ] && R[perpeer,$impl]=$(( (full - idle) * 1024 / 1000 ))
  printf '  %-15s RSS idle %6s KiB, with 1,000 peers %6s KiB, %6s B/peer, setconf %6s ms\n' "${NAME[$impl]}" \
    "$(na "${R[rss_idle,$impl]:-}")" "$(na "${R[rss_full,$impl]:-}")" "$(na "${R[perpeer,$impl]:-}")" "$(na "${R[setconf,$impl]:-}")"
done

# ---------------------------------------------------------------- handshake.sh (another script)
HS_KEYS=()
declare -A HS
if [ -f test/bench/handshake.sh ]; then
  echo "== test/bench/handshake.sh"
  WGGO_SID=$SID WGJS_BIN=$WGJS BENCH_SECONDS=$SECS timeout "${BENCH_HANDSHAKE_TIMEOUT:-600}" \
    bash test/bench/handshake.sh >"$TMP/hs.out" 2>&1
  rc=$?
  sed 's/^/  /' "$TMP/hs.out"
  [ "$rc" = 0 ] || echo "  (handshake.sh exited with status $rc)"
  while IFS= read -r line; do
    kv=${line#BENCH }; k=${kv%%=*}; v=${kv#*=}
    if [ -z "$k" ] || [ "$k" = "$kv" ]; then continue; fi
    [ -n "${HS[$k]+x}" ] || HS_KEYS+=("$k")
    HS[$k]=$v
  done < <(grep '^BENCH [^ =]*=' "$TMP/hs.out")
fi

ubus_bench

# ---------------------------------------------------------------- table
ratio() { # ratio A B -> A/B to 3 significant digits, or n/a
  awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
    if (a ~ /^-?[0-9.]+$/ && b ~ /^-?[0-9.]+$/ && b + 0 != 0) printf "%.3g", a / b; else printf "n/a" }'
}
cell() { na "${R[$1,$2]:-}"; }
# figures measured for wgjs with offloads off too (the others: "-" in that column)
OFF_ROWS=" tcp_ab tcp_ba cpu_ab cpu_ba "
row() { # row KEY LABEL [noratio]
  local k=$1 l=$2 r1 r2 r3 off
  r1=$(ratio "${R[$k,wgjs]:-}" "${R[$k,bookworm]:-}"); r2=$(ratio "${R[$k,wgjs]:-}" "${R[$k,sid]:-}")
  r3=$(ratio "${R[$k,wgjs_off]:-}" "${R[$k,sid]:-}"); off=$(cell "$k" wgjs_off)
  if [[ "$OFF_ROWS" != *" $k "* ]] || [ "$BENCH_OFFLOADS" = on ]; then off=-; r3=-; fi
  [ -z "${3:-}" ] || { r1=-; r2=-; r3=-; }
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$l" "$(cell "$k" wgjs)" "$off" "$(cell "$k" bookworm)" "$(cell "$k" sid)" "$r1" "$r2" "$r3"
}
# handshake.sh keys naming an implementation (a wgjs / bookworm / sid token, e.g. hs_per_s_wgjs)
# go into the main table, grouped by the rest of the key; the others get a table of their own
HS_ROWS=(); HS_OTHER=()
for k in "${HS_KEYS[@]}"; do
  impl=""; rest=""
  IFS='_.-' read -r -a toks <<<"$k"
  for t in "${toks[@]}"; do
    case $t in
      wgjs) impl=wgjs ;; bookworm) impl=bookworm ;; sid) impl=sid ;;
      *) rest=${rest:+${rest}_}$t ;;
    esac
  done
  if [ -n "$impl" ] && [ -n "$rest" ]; then
    [ -n "${R[hs:$rest,wgjs]+x}${R[hs:$rest,bookworm]+x}${R[hs:$rest,sid]+x}" ] || HS_ROWS+=("$rest")
    R[hs:$rest,$impl]=${HS[$k]}
  else
    HS_OTHER+=("$k")
  fi
done
{
  echo "Measured by \`npm run bench\` on $(date -u +%Y-%m-%d) ($MACHINE, shared: figures move from run to run;"
  echo "all implementations measured back-to-back in the same run). wgjs: $VER_JS ($VER_JS_GIT);"
  echo "bookworm wg-go: $(na "$VER_BW") (Debian $(na "$VER_BW_DEB")); sid wg-go: $(na "$VER_SID") (Debian $(na "$VER_SID_DEB"))."
  echo "iperf3 ${SECS}s per run through a pair of daemons in two network namespaces joined by a veth; A->B: iperf3"
  echo "client in A, B->A: iperf3 -R. CPU: utime+stime of both daemons over the run, per 10^9 bytes (TCP) or per"
  echo "datagram received (UDP; the iperf3 client offering 64 B datagrams as fast as it can shares the 2 cores)."
  echo "wgjs: offloads on (default environment); wgjs offloads off: the same binary with WGJS_OFFLOAD=0. Start lines:"
  echo
  [ -n "${OFFL[wgjs]:-}" ] && echo "- wgjs: \`${OFFL[wgjs]}\`"
  [ -n "${OFFL[wgjs_off]:-}" ] && echo "- wgjs offloads off: \`${OFFL[wgjs_off]}\`"
  echo
  echo "| figure | wgjs | wgjs offloads off | bookworm wg-go | sid wg-go | wgjs/bookworm | wgjs/sid | wgjs off/sid |"
  echo "|---|---|---|---|---|---|---|---|"
  row tcp_ab "TCP A->B (Mbit/s)"
  row tcp_ba "TCP B->A (Mbit/s)"
  row udp_pps "UDP 64 B datagrams received (pkt/s)"
  row udp_loss "UDP 64 B loss at full offered rate (%)" noratio
  row udp_cpu "daemon CPU per 64 B datagram received (us)"
  row cpu_ab "daemon CPU per GB, TCP A->B (s/GB)"
  row cpu_ba "daemon CPU per GB, TCP B->A (s/GB)"
  row firstping "wg set to first ping reply (ms)"
  row rss_idle "RSS idle (KiB)"
  row rss_full "RSS with 1,000 peers (KiB)"
  row perpeer "RSS per peer (bytes)"
  row setconf "setconf of 1,000 peers (ms)"
  for k in "${HS_ROWS[@]}"; do row "hs:$k" "handshake.sh: $k"; done
  echo
  echo "| wgjs status call (5 peers) | CPU per call |"
  echo "|---|---|"
  echo "| ubus: wgjs.<if> status answered by the daemon | $(na "${UB[ubus_us]:-}") us (daemon) |"
  echo "| rpcd exec plugin: \`wgjs rpcd call status\` process | $(na "${UB[exec_ms]:-}") ms (+ $(na "${UB[exec_daemon_us]:-}") us daemon) |"
  echo "| exec plugin / ubus | $(na "${UB[ratio]:-}")x |"
  if [ ${#HS_OTHER[@]} -gt 0 ]; then
    echo
    echo "| handshake.sh figure | value |"
    echo "|---|---|"
    for k in "${HS_OTHER[@]}"; do echo "| $k | ${HS[$k]} |"; done
  fi
} >"$TMP/table.md"
echo "== table (also in build/bench/last.md)"
cat "$TMP/table.md"
cp "$TMP/table.md" "$OUT/last.md"
echo "bench: done"
exit 0
