#!/usr/bin/env bash
# Daemon hardening, end to end: abusive UAPI clients against a wgjs daemon with 4,000 peers,
# each while a ping runs through its tunnel (at most 1% loss), with the daemon's peak RSS growth
# (VmHWM after, reset through clear_refs before) under 16 MiB; plus the signal state of a hotplug
# hook. Clients: test/tools/uapi-abuse.mjs.
#   bash test/e2e/hardening.sh     (root; ends with "hardening: N passed, N failed")
# shellcheck source=test/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
need_root
cd "$ROOT" || exit 1
ABUSE="node $ROOT/test/tools/uapi-abuse.mjs"
T=$(mktemp -d /tmp/wgjs-hard.XXXXXX)
trap 'cleanup; rm -rf "$T"' EXIT

A=$(ns a) && B=$(ns b) && link "$A" "$B" 1 || { echo "setup failed"; echo "hardening: 0 passed, 1 failed"; exit 1; }
IA=wa$TAG IB=wb$TAG
SOCK=/var/run/wireguard/$IA.sock
KA=$(genkey) KB=$(genkey)
mkdir -p "$T/hooks"
# sourced by the hook runner the daemon spawns: $$ is that process
cat >"$T/hooks/10-masks" <<EOF
[ -e "$T/hook.pid" ] && return 0
echo \$\$ >"$T/hook.pid"
grep -E "^Sig(Blk|Ign):" /proc/\$\$/status >"$T/hook.masks"
sleep 60
EOF
WGJS_ENV="WGJS_HOTPLUG_DIR=$T/hooks" start wgjs "$A" "$IA" || { echo "hardening: 0 passed, 1 failed"; exit 1; }
DPID=${PIDS[-1]}
check "UAPI socket: mode 700 (umask 077, as wireguard-go), owner root ($(stat -c "%a %U" "$SOCK"))" test "$(stat -c "%a %U" "$SOCK")" = "700 root"
check "socket directory: mode 755 ($(stat -c %a /var/run/wireguard))" test "$(stat -c %a /var/run/wireguard)" = 755
start wgjs "$B" "$IB" || { echo "hardening: 0 passed, 1 failed"; exit 1; }
inner "$A" "$IA" 10.99.0.1/24 fd99::1/64
inner "$B" "$IB" 10.99.0.2/24 fd99::2/64
nsx "$A" "$WG" set "$IA" listen-port 51820 private-key "$(keyfile "$KA")" peer "$(pubkey "$KB")" allowed-ips 10.99.0.2/32
nsx "$B" "$WG" set "$IB" private-key "$(keyfile "$KB")" peer "$(pubkey "$KA")" allowed-ips 10.99.0.0/24 endpoint 10.1.0.1:51820
$ABUSE peers 4000 "$T/peers.conf"
t0=$(date +%s%N)
nsx "$A" "$WG" addconf "$IA" "$T/peers.conf"
echo "# 4000 peers added in $((($(date +%s%N) - t0) / 1000000)) ms"
check "4001 peers configured" test "$(nsx "$A" "$WG" show "$IA" peers | wc -l)" -eq 4001
check "tunnel up (ping)" nsx "$B" ping -c 3 -i 0.2 -W 2 -q 10.99.0.1

status() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; }
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
logs() { grep -c 'UAPI' "$ROOT/build/test-logs/$IA.wgjs.log"; }

# under_load NAME CMD... : runs CMD while B pings A through the tunnel (50/s); checks the loss and
# the daemon's RSS growth; CMD's output is kept in $OUT
under_load() {
  local name=$1; shift
  echo 5 >"/proc/$DPID/clear_refs" 2>/dev/null
  local rss0; rss0=$(status "$DPID" VmRSS)
  nsx "$B" ping -i 0.02 -c 400 -W 1 -q 10.99.0.1 >"$T/ping" 2>&1 &
  local ping=$!
  OUT=$("$@" 2>&1)
  wait $ping
  local tx rx; tx=$(grep -Eo '[0-9]+ packets transmitted' "$T/ping" | grep -Eo '^[0-9]+'); rx=$(grep -Eo '[0-9]+ received' "$T/ping" | grep -Eo '^[0-9]+')
  local hwm; hwm=$(status "$DPID" VmHWM)
  echo "# $name: $OUT; ping $rx/$tx; RSS ${rss0} kB, peak ${hwm} kB"
  check "$name: ping loss <= 1% ($rx/$tx)" test $(( (${tx:-0} - ${rx:-0}) * 100 )) -le "${tx:-0}"
  check "$name: RSS growth < 16 MiB ($(( (hwm - rss0) / 1024 )) MiB)" test $((hwm - rss0)) -lt 16384
}
field() { grep -Eo "$1=[^ ]*" <<<"$OUT" | head -n1 | cut -d= -f2-; }

# 0. the baseline: the daemon's CPU while the ping alone runs (8 s)
c0=$(cputicks "$DPID")
under_load "baseline (ping only)" sleep 8
BASE=$(($(cputicks "$DPID") - c0))
echo "# baseline daemon CPU: $BASE ticks in 8 s"

# 1. 9,000 pipelined gets against 4,000 peers, read for 8 s
under_load "9000 pipelined gets" $ABUSE gets "$SOCK" 9000 8
check "pipelined gets: answers keep coming ($(field answers) complete)" test "$(field answers)" -ge 2
check "daemon alive after the gets" kill -0 "$DPID"

# 2. a 64 MiB line without newline, in a set body and as the operation line
under_load "64 MiB line in a set" $ABUSE longline "$SOCK" 64 set
check "long line: refused with errno=-EMSGSIZE ($(field reply))" grep -q 'errno=-90\\n\\n' <<<"$(field reply)"
check "long line: connection closed early ($(field written_mib) MiB sent)" test "$(field closed)" = 1
under_load "64 MiB operation line" $ABUSE longline "$SOCK" 64 op
check "long operation line: errno=-EINVAL and closed" grep -q 'errno=-22' <<<"$(field reply)"

# 3. 200 idle connections, then wg show within 1 s
under_load "200 idle connections" $ABUSE idle "$SOCK" 200 "$WG" "$IA"
check "wg show answered with 200 idle connections open ($(field wgshow_ms) ms)" test "$(field wgshow_ok)" = 1 -a "$(field wgshow_ms)" -lt 1000
check "the longest idle ones were closed for it ($(field closed_by_daemon) of $(field connected))" test "$(field closed_by_daemon)" -ge $(($(field connected) - 64))

# 4. a client that half-closes and never reads: the daemon stays near idle
c0=$(cputicks "$DPID")
under_load "half-closed client that never reads" $ABUSE halfclose "$SOCK" 2000 8
c1=$(cputicks "$DPID")
echo "# daemon CPU during the half-closed client: $((c1 - c0)) ticks in 8 s"
check "half-closed client: daemon CPU near idle ($((c1 - c0)) ticks of 800, baseline $BASE)" test $((c1 - c0)) -lt $((BASE + 40))

# 5. the fd limit exhausted by connections, then released
l0=$(logs)
prlimit --pid "$DPID" --nofile=40:
c0=$(cputicks "$DPID")
under_load "fd limit exhausted" $ABUSE conns "$SOCK" 120 6
c1=$(cputicks "$DPID")
prlimit --pid "$DPID" --nofile=1024:
l1=$(logs)
echo "# EMFILE: $((l1 - l0)) UAPI log lines, $((c1 - c0)) CPU ticks in 6 s"
check "fd exhaustion: no log flood ($((l1 - l0)) lines)" test $((l1 - l0)) -le 10
check "fd exhaustion: no spinning ($((c1 - c0)) ticks of 600, baseline $BASE in 800)" test $((c1 - c0)) -lt $((BASE + 60))
sleep 2.5
wgshow() { timeout 5 ip netns exec "$A" "$WG" show "$IA" >/dev/null; }
check "after the fds are released: wg show works" wgshow
check "after the fds are released: tunnel works" nsx "$B" ping -c 3 -i 0.2 -W 2 -q 10.99.0.1

# 6. a hotplug hook (the peer-up event of the first handshake) has a default signal state
for _ in $(seq 1 50); do [ -s "$T/hook.masks" ] && break; sleep 0.1; done
echo "# hook masks: $(tr '\n' ' ' <"$T/hook.masks" 2>/dev/null)"
check "hook: SigBlk and SigIgn all zero" test "$(grep -c ':[[:space:]]*0*$' "$T/hook.masks" 2>/dev/null)" = 2
HP=$(cat "$T/hook.pid" 2>/dev/null)
kill -TERM "$HP" 2>/dev/null
for _ in $(seq 1 20); do kill -0 "$HP" 2>/dev/null || break; sleep 0.05; done
check "hook: kill -TERM stops it" bash -c "! kill -0 $HP 2>/dev/null"
finish
