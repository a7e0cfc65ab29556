#!/usr/bin/env bash
# Offloads (issue 13; switches and start log line: README / the daemon's WGJS_* variables).
# Content-checked transfers through a tunnel, wgjs against wgjs, against Debian bookworm's
# wireguard-go (`wireguard-go` on PATH, no offloads) and against Debian sid's wireguard-go (TUN
# TSO/GRO, UDP GSO/GRO; fetched into .cache by test/bench/wggo-sid.sh; not fetchable = not ok),
# with wgjs sending and receiving:
#   - TCP bulk: a deterministic stream (AES-128-CTR of zeros, a key per transfer) hashed as it is
#     sent; the receiver hashes what it read; sha256 and byte counts must match on both ends
#   - IPv6 inside (the TSO6 / TCPV6 coalescing paths)
#   - UDP: 1200-byte datagrams sent with UDP_SEGMENT (the sending kernel hands the TUN one USO
#     super-packet when wgjs negotiated USO), each datagram's length and content checked
# once with offloads on (default) and once with WGJS_OFFLOAD=0; the wgjs daemon's start line
# `(IF) offloads: tun-tso=S tun-uso=S udp-gso=S udp-gro=S` (LOG_LEVEL=verbose) must say what was
# asked. Then the fallbacks (WGJS_DEBUG_OFFLOAD_REFUSE=...: refused(EINVAL), transfers still
# exact), each single switch, and a bad switch value (error, exit 1).
# The switches go into the wgjs daemons' environment only (lib.sh start: WGJS_ENV).
#   BULK_BYTES        TCP bulk, offloads on, wgjs<->wgjs and wgjs<->sid (default 1 GiB)
#   BULK_BYTES_SMALL  the other TCP transfers: IPv6, reverse wgjs<->wgjs, bookworm's wireguard-go,
#                     offloads off (default 256 MiB)
#   BULK_BYTES_FALLBACK  transfers with refused offloads (default 64 MiB)
#   UDP_COUNT         datagrams per UDP check (default 20000 x 1200 B, paced at UDP_MBPS, 100 Mbit/s)
#   WGGO_SID          sid's wireguard-go (default: test/bench/wggo-sid.sh)
export TAG=${TAG:-of$$}
source "$(dirname "$0")/lib.sh"
need_root

BULK=${BULK_BYTES:-1073741824}
SMALL=${BULK_BYTES_SMALL:-268435456}
FALLBACK=${BULK_BYTES_FALLBACK:-67108864}
UDP_COUNT=${UDP_COUNT:-20000}
UDP_SEG=1200
UDP_MBPS=${UDP_MBPS:-100}
IDLE=30 # seconds without progress after which a transfer is abandoned (a failure)
TMP=$(mktemp -d)
trap 'cleanup; rm -rf "$TMP"' EXIT
RATES=()
T_START=$SECONDS

# ------------------------------------------------------------------ transfer helper (python3)
cat >"$TMP/xfer.py" <<'PY'
import hashlib, os, socket, sys, time

def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET

def tcprecv(addr, port, ready, idle):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(1)
    s.settimeout(float(idle))
    open(ready, "w").close()
    try:
        c, _ = s.accept()
    except socket.timeout:
        print(0, "-", "0", "accept-timeout"); return
    c.settimeout(float(idle))
    h = hashlib.sha256(); n = 0; buf = bytearray(1 << 20); mv = memoryview(buf)
    t0 = t1 = time.monotonic(); status = "eof"
    try:
        while True:
            k = c.recv_into(buf)
            if k == 0:
                break
            if n == 0:
                t0 = time.monotonic()
            h.update(mv[:k]); n += k
    except socket.timeout:
        status = "idle-timeout"
    except OSError as e:
        status = "error-" + (e.strerror or str(e)).replace(" ", "-")
    t1 = time.monotonic()
    c.close()
    print(n, h.hexdigest(), "%.3f" % (t1 - t0), status)

def tcpsend(addr, port, idle):
    h = hashlib.sha256(); n = 0; status = "sent"
    try:
        s = socket.create_connection((addr, int(port)), timeout=float(idle))
        s.settimeout(float(idle))
        while True:
            b = os.read(0, 1 << 20)
            if not b:
                break
            h.update(b); s.sendall(b); n += len(b)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):   # the receiver closes once it has read everything
            pass
    except socket.timeout:
        status = "idle-timeout"
    except OSError as e:
        status = "error-" + (e.strerror or str(e)).replace(" ", "-")
    print(n, h.hexdigest(), status)

PAT = bytes(range(256)) * 12

def dgram(seq, seg):  # 8-byte sequence number, then a pattern whose phase depends on it
    o = seq % 251
    return seq.to_bytes(8, "big") + PAT[o:o + seg - 8]

def udpsend(addr, port, count, seg, burst, mbps):
    count, seg, burst, rate = int(count), int(seg), int(burst), float(mbps) * 1e6 / 8
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.connect((addr, int(port)))
    gso = 1
    try:
        s.setsockopt(socket.SOL_UDP, 103, seg)   # UDP_SEGMENT
    except OSError:
        gso = 0
    seq = 0; sent = 0; errs = 0; t0 = time.monotonic()
    while seq < count:
        k = min(burst, count - seq)
        msgs = [dgram(seq + j, seg) for j in range(k)]
        for attempt in range(100):
            try:
                if gso:
                    s.send(b"".join(msgs))
                else:
                    for m in msgs:
                        s.send(m)
                break
            except OSError:   # ENOBUFS / a stray ICMP error: retry this burst shortly
                errs += 1; time.sleep(0.002)
        seq += k; sent += k * seg
        d = t0 + sent / rate - time.monotonic()
        if d > 0:
            time.sleep(d)
    print(count, gso, errs, "%.3f" % (time.monotonic() - t0))

def udprecv(addr, port, count, seg, ready, idle):
    count, seg = int(count), int(seg)
    body = [PAT[o:o + seg - 8] for o in range(251)]
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, 32, 16 << 20)   # SO_RCVBUFFORCE (root)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.setsockopt(socket.SOL_SOCKET, 40, 1)   # SO_RXQ_OVFL: datagrams this socket dropped (buffer full)
    s.bind((addr, int(port)))
    s.settimeout(float(idle))
    open(ready, "w").close()
    seen = bytearray(count); got = dup = badlen = badc = ovfl = 0
    space = socket.CMSG_SPACE(4)
    while got < count:
        try:
            d, anc, _, _ = s.recvmsg(65536, space)
        except socket.timeout:
            break
        s.settimeout(3.0)   # after the first datagram: the rest follows closely or is lost
        for lvl, typ, v in anc:
            if lvl == socket.SOL_SOCKET and typ == 40 and len(v) >= 4:
                ovfl = int.from_bytes(v[:4], sys.byteorder)
        if len(d) != seg:
            badlen += 1; continue
        q = int.from_bytes(d[:8], "big")
        if q >= count or d[8:] != body[q % 251]:
            badc += 1; continue
        if seen[q]:
            dup += 1
        else:
            seen[q] = 1; got += 1
    # the socket's own drop counter (/proc/net/udp[6], by inode): also the drops after the last
    # datagram that arrived, which no SO_RXQ_OVFL message reports
    ino = str(os.fstat(s.fileno()).st_ino)
    for f in ("/proc/self/net/udp", "/proc/self/net/udp6"):
        for line in open(f).read().splitlines()[1:]:
            c = line.split()
            if len(c) > 12 and c[9] == ino:
                ovfl = max(ovfl, int(c[-1]))
    print(got, dup, badlen, badc, ovfl)

{"tcprecv": tcprecv, "tcpsend": tcpsend, "udpsend": udpsend, "udprecv": udprecv}[sys.argv[1]](*sys.argv[2:])
PY

# wait_file FILE TENTHS
wait_file() { local i; for ((i = 0; i < $2; i++)); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
mib() { awk -v b="$1" 'BEGIN { printf "%g MiB", b / 1048576 }'; }
XN=0 # transfer counter: a fresh port and stream key for each

# tcp NAME FROM_NS TO_NS DST BYTES : BYTES of the stream from FROM_NS to DST:port in TO_NS
tcp() {
  local name=$1 from=$2 to=$3 dst=$4 bytes=$5 port key ready out rpid s r lim
  XN=$((XN + 1)); port=$((20000 + XN)); ready=$TMP/ready.$XN; out=$TMP/tcp.$XN
  key=$(printf 'wgjs-offload-%s-%s' "$TAG" "$XN" | sha256sum | cut -c1-32)
  # bounded: IDLE seconds without progress, and overall 60 s + 3 s per 10 MiB (~3.4 MB/s)
  lim=$((60 + bytes / 3495253))
  ip netns exec "$to" timeout "$lim" python3 "$TMP/xfer.py" tcprecv "$dst" "$port" "$ready" "$IDLE" >"$out.r" 2>&1 &
  rpid=$!
  if ! wait_file "$ready" 100; then
    nok "$name: receiver did not start: $(cat "$out.r")"; kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; return
  fi
  ip netns exec "$from" timeout "$lim" bash -c 'openssl enc -aes-128-ctr -K "$1" -iv 0 -nosalt </dev/zero 2>/dev/null | head -c "$2" | python3 "$3" tcpsend "$4" "$5" "$6"' \
    _ "$key" "$bytes" "$TMP/xfer.py" "$dst" "$port" "$IDLE" >"$out.s" 2>&1
  wait "$rpid"
  read -r -a s <"$out.s"; read -r -a r <"$out.r"
  local sn=${s[0]:-0} sh=${s[1]:-} rn=${r[0]:-0} rh=${r[1]:-} rt=${r[2]:-0} rate
  rate=$(awk -v b="$rn" -v t="$rt" 'BEGIN { if (t > 0) printf "%.0f", b * 8 / t / 1e6; else print "n/a" }')
  RATES+=("$(printf '%-58s %6s Mbit/s  (%s in %ss)' "$name" "$rate" "$(mib "$rn")" "$rt")")
  if [ "$sn" = "$bytes" ] && [ "$rn" = "$bytes" ] && [ -n "$sh" ] && [ "$sh" = "$rh" ]; then
    ok "$name: $(mib "$bytes"), sha256 ${sh:0:16}... and byte counts match on both ends, $rate Mbit/s"
  else
    nok "$name: sent [${s[*]:-nothing}] received [${r[*]:-nothing}] (wanted $bytes bytes)"
  fi
}

# udp NAME FROM_NS TO_NS DST : UDP_COUNT datagrams of UDP_SEG bytes, UDP_SEGMENT bursts of 16
udp() {
  local name=$1 from=$2 to=$3 dst=$4 port ready out rpid s r d0
  XN=$((XN + 1)); port=$((20000 + XN)); ready=$TMP/ready.$XN; out=$TMP/udp.$XN
  d0="$(drops "$NA" "$FA" "va$TAG$IDX") $(drops "$NB" "$FB" "vb$TAG$IDX")"
  ip netns exec "$to" timeout 120 python3 "$TMP/xfer.py" udprecv "$dst" "$port" "$UDP_COUNT" "$UDP_SEG" "$ready" 30 >"$out.r" 2>&1 &
  rpid=$!
  if ! wait_file "$ready" 100; then
    nok "$name: receiver did not start: $(cat "$out.r")"; kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; return
  fi
  ip netns exec "$from" timeout 100 python3 "$TMP/xfer.py" udpsend "$dst" "$port" "$UDP_COUNT" "$UDP_SEG" 16 "$UDP_MBPS" >"$out.s" 2>&1
  wait "$rpid"
  read -r -a s <"$out.s"; read -r -a r <"$out.r"
  local got=${r[0]:-0} dup=${r[1]:-?} badlen=${r[2]:-?} badc=${r[3]:-?} ovfl=${r[4]:-0} gso=${s[1]:-?}
  # Datagrams the receiving test socket itself dropped (its buffer full: the python reader was
  # not scheduled in time on a loaded machine; SO_RXQ_OVFL, /proc/net/udp) are not the tunnel's. The tunnel may
  # lose up to 1 % (reported) and at least half must arrive; none may arrive altered or twice.
  local lost=$((UDP_COUNT - got - ovfl))
  if [ "$got" != "$UDP_COUNT" ]; then
    echo "# $name: $((UDP_COUNT - got)) missing, $ovfl of them dropped by the receiving socket; during the run" \
      "(udp InErrors/RcvbufErrors/SndbufErrors, rx/tx-dropped)" \
      "$(delta "$d0" "$(drops "$NA" "$FA" "va$TAG$IDX") $(drops "$NB" "$FB" "vb$TAG$IDX")")"
  fi
  if [ "${s[0]:-}" = "$UDP_COUNT" ] && [ "$gso" = 1 ] && [ "$dup" = 0 ] && [ "$badlen" = 0 ] && [ "$badc" = 0 ] \
     && [ "$lost" -le $((UDP_COUNT / 100)) ] && [ "$got" -ge $((UDP_COUNT / 2)) ]; then
    ok "$name: $got/$UDP_COUNT datagrams of $UDP_SEG B arrived intact (sent with UDP_SEGMENT; receiving socket overflowed by $ovfl, lost in the tunnel $lost)"
  else
    nok "$name: sent [${s[*]:-nothing}] (count gso retries secs), received [${r[*]:-nothing}] (intact dup badlen badcontent socket-overflow)"
  fi
}

# drops NS IF VETH : "InErrors RcvbufErrors SndbufErrors (UDP and UDP6) rx-dropped tx-dropped rx-dropped tx-dropped":
# UDP errors of the namespace (every UDP socket in it: the daemon's and the test's), then the
# tunnel interface's and the veth's drop counters
drops() {
  nsx "$1" cat /proc/net/snmp /proc/net/snmp6 | awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else { e = $c["InErrors"]; r = $c["RcvbufErrors"]; s = $c["SndbufErrors"] } }
    $1 == "Udp6InErrors" { e += $2 } $1 == "Udp6RcvbufErrors" { r += $2 } $1 == "Udp6SndbufErrors" { s += $2 } END { printf "%d %d %d ", e, r, s }'
  local d
  for d in "$2" "$3"; do
    nsx "$1" ip -s link show "$d" 2>/dev/null | awk '/RX:/ { getline; rx = $4 } /TX:/ { getline; tx = $4 } END { printf "%d %d ", rx, tx }'
  done
}
delta() { # delta "N..." "N..." : the differences, for a then b
  awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " "); for (i = 1; i <= n; i++) d[i] = y[i] - x[i]
    for (k = 0; k < 2; k++) { o = k * 7; printf "%s: udp %d/%d/%d tun %d/%d veth %d/%d%s", k ? "b" : "a",
      d[o+1], d[o+2], d[o+3], d[o+4], d[o+5], d[o+6], d[o+7], k ? "" : ", " } }'
}

# offloads_line LOG : the part of the start line after "offloads: " (waits up to 10 s for it)
offloads_line() {
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q ' offloads: ' "$1" 2>/dev/null && break
    sleep 0.1
  done
  grep -m1 ' offloads: ' "$1" 2>/dev/null | sed 's/.* offloads: //'
}
# check_line NAME LOG EXPECTED : the start line says exactly EXPECTED
check_line() {
  local got
  got=$(offloads_line "$2")
  if [ "$got" = "$3" ]; then ok "$1: start line 'offloads: $got'"
  else nok "$1: start line 'offloads: ${got:-<none>}', wanted '$3'"; fi
}

# up IMPL_B IDX : namespaces a/b (veth 10.IDX.0.0/24), wgjs in a (WGJS_ENV applies), IMPL_B in b
# (wgjs: WGJS_ENV too), tunnel 10.201.IDX.1/.2 and fd21:IDX::1/2; sets NA NB FA FB; returns 1 if
# the tunnel does not carry a ping within 20 s.
MARK=0 NA="" NB="" IDX=0
up() {
  local ib=$1 i=$2 ka kb kfa kfb
  MARK=${#PIDS[@]}
  FA="oa$TAG$i"; FB="ob$TAG$i"; IDX=$i
  NA=$(ns "a$i") && NB=$(ns "b$i") && link "$NA" "$NB" "$i" || { nok "setup namespaces $i"; return 1; }
  start wgjs "$NA" "$FA" && start "$ib" "$NB" "$FB" || { nok "start wgjs/$ib ($i)"; return 1; }
  ka=$(genkey); kb=$(genkey); kfa=$(keyfile "$ka"); kfb=$(keyfile "$kb")
  nsx "$NA" "$WG" set "$FA" private-key "$kfa" listen-port 51820 \
    peer "$(pubkey "$kb")" endpoint "10.$i.0.2:51820" allowed-ips "10.201.$i.2/32,fd21:$i::2/128"
  nsx "$NB" "$WG" set "$FB" private-key "$kfb" listen-port 51820 \
    peer "$(pubkey "$ka")" endpoint "10.$i.0.1:51820" allowed-ips "10.201.$i.1/32,fd21:$i::1/128"
  rm -f "$kfa" "$kfb"
  inner "$NA" "$FA" "10.201.$i.1/24" "fd21:$i::1/64"
  inner "$NB" "$FB" "10.201.$i.2/24" "fd21:$i::2/64"
  nsx "$NA" ping -c 1 -i 0.2 -w 20 -q "10.201.$i.2" >/dev/null 2>&1 || { nok "tunnel wgjs<->$ib ($i): no ping reply within 20 s"; return 1; }
}
# down : stops the daemons of the last `up` and deletes its namespaces
down() {
  local p n
  for p in "${PIDS[@]:$MARK}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]:$MARK}"; do
    for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  PIDS=("${PIDS[@]:0:$MARK}")
  for n in "$NA" "$NB"; do
    for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null; done
    ip netns del "$n" 2>/dev/null
  done
}
log_of() { echo "$ROOT/build/test-logs/$1.wgjs.log"; }

# ------------------------------------------------------------------ what to expect
kmaj=$(uname -r | cut -d. -f1); kmin=$(uname -r | cut -d. -f2)
USO_ON=on # TUN_F_USO4/6: Linux 6.2
if [ "$kmaj" -lt 6 ] || { [ "$kmaj" -eq 6 ] && [ "$kmin" -lt 2 ]; }; then USO_ON="refused(EINVAL)"; fi
EXP_ON="tun-tso=on tun-uso=$USO_ON udp-gso=on udp-gro=on"
EXP_OFF="tun-tso=off tun-uso=off udp-gso=off udp-gro=off"
echo "# kernel $(uname -r); offloads on: expecting '$EXP_ON'"

PEERS=(wgjs)
if command -v wireguard-go >/dev/null; then PEERS+=(wggo); else nok "wireguard-go (bookworm) not installed (test/install-deps.sh installs it)"; fi
if [ -z "${WGGO_SID:-}" ]; then WGGO_SID=$(bash "$ROOT/test/bench/wggo-sid.sh") || WGGO_SID=""; fi
export WGGO_SID
if [ -n "$WGGO_SID" ] && [ -x "$WGGO_SID" ]; then
  PEERS+=(sid); echo "# sid wireguard-go: $WGGO_SID ($("$WGGO_SID" --version 2>/dev/null | head -n1))"
else
  nok "Debian sid's wireguard-go could not be fetched (test/bench/wggo-sid.sh)"
fi
declare -A PNAME=([wgjs]="wgjs" [wggo]="bookworm wireguard-go" [sid]="sid wireguard-go")

# ------------------------------------------------------------------ on / off, every pairing
idx=60
for mode in on off; do
  env_=""; exp=$EXP_ON
  [ $mode = off ] && { env_="WGJS_OFFLOAD=0"; exp=$EXP_OFF; }
  for peer in "${PEERS[@]}"; do
    idx=$((idx + 1)); t0=$SECONDS
    pn="offloads $mode: wgjs<->${PNAME[$peer]}"
    WGJS_ENV=$env_ up "$peer" "$idx" || { down; continue; }
    check_line "$pn: wgjs (a)" "$(log_of "$FA")" "$exp"
    [ "$peer" = wgjs ] && check_line "$pn: wgjs (b)" "$(log_of "$FB")" "$exp"
    # sizes: the full BULK with offloads on towards wgjs and sid's wireguard-go, else SMALL
    big=$SMALL
    [ $mode = on ] && [ "$peer" != wggo ] && big=$BULK
    tcp "$pn: TCP v4, wgjs sends" "$NA" "$NB" "10.201.$idx.2" "$big"
    if [ "$peer" = wgjs ]; then rev=$SMALL; else rev=$big; fi
    tcp "$pn: TCP v4, wgjs receives" "$NB" "$NA" "10.201.$idx.1" "$rev"
    if [ "$peer" != wggo ]; then
      tcp "$pn: TCP v6 inner, wgjs sends" "$NA" "$NB" "fd21:$idx::2" "$SMALL"
      [ "$peer" = sid ] && tcp "$pn: TCP v6 inner, wgjs receives" "$NB" "$NA" "fd21:$idx::1" "$SMALL"
    fi
    udp "$pn: UDP v4, wgjs sends" "$NA" "$NB" "10.201.$idx.2"
    udp "$pn: UDP v4, wgjs receives" "$NB" "$NA" "10.201.$idx.1"
    [ "$peer" != wggo ] && udp "$pn: UDP v6 inner, wgjs sends" "$NA" "$NB" "fd21:$idx::2"
    down
    echo "# $pn: $((SECONDS - t0)) s"
  done
done

# ------------------------------------------------------------------ fallbacks (kernel refusals)
# everything refused: with no vnet header there is no USO probe, so tun-uso is off
idx=$((idx + 1)); t0=$SECONDS
pn="refused tun,uso,gso,gro: wgjs<->wgjs"
if WGJS_ENV=WGJS_DEBUG_OFFLOAD_REFUSE=tun,uso,gso,gro up wgjs "$idx"; then
  for side in a b; do
    f=$FA; [ $side = b ] && f=$FB
    check_line "$pn: wgjs ($side)" "$(log_of "$f")" "tun-tso=refused(EINVAL) tun-uso=off udp-gso=refused(EINVAL) udp-gro=refused(EINVAL)"
  done
  tcp "$pn: TCP v4" "$NA" "$NB" "10.201.$idx.2" "$FALLBACK"
  tcp "$pn: TCP v6 inner, reverse" "$NB" "$NA" "fd21:$idx::1" "$FALLBACK"
  udp "$pn: UDP v4" "$NA" "$NB" "10.201.$idx.2"
fi
down; echo "# $pn: $((SECONDS - t0)) s"
# USO alone refused (the other three on), against sid's wireguard-go if there is one
idx=$((idx + 1)); t0=$SECONDS
p2=wgjs; [ -n "$WGGO_SID" ] && p2=sid
pn="refused uso: wgjs<->${PNAME[$p2]}"
if WGJS_ENV=WGJS_DEBUG_OFFLOAD_REFUSE=uso up "$p2" "$idx"; then
  check_line "$pn: wgjs (a)" "$(log_of "$FA")" "tun-tso=on tun-uso=refused(EINVAL) udp-gso=on udp-gro=on"
  tcp "$pn: TCP v4" "$NA" "$NB" "10.201.$idx.2" "$FALLBACK"
  udp "$pn: UDP v4, wgjs sends" "$NA" "$NB" "10.201.$idx.2"
  udp "$pn: UDP v6 inner, wgjs receives" "$NB" "$NA" "fd21:$idx::1"
fi
down; echo "# $pn: $((SECONDS - t0)) s"

# ------------------------------------------------------------------ single switches, bad values
S=$(ns sw)
n=0
for sw in "WGJS_TUN_TSO=0|tun-tso=off tun-uso=off udp-gso=on udp-gro=on" \
          "WGJS_TUN_USO=0|tun-tso=on tun-uso=off udp-gso=on udp-gro=on" \
          "WGJS_UDP_GSO=0|tun-tso=on tun-uso=$USO_ON udp-gso=off udp-gro=on" \
          "WGJS_UDP_GRO=0|tun-tso=on tun-uso=$USO_ON udp-gso=on udp-gro=off" \
          "WGJS_OFFLOAD=1|$EXP_ON" \
          "WGJS_OFFLOAD=0 WGJS_TUN_TSO=1|$EXP_OFF"; do
  n=$((n + 1)); f="os$TAG$n"
  MARK=${#PIDS[@]}
  if WGJS_ENV=${sw%%|*} start wgjs "$S" "$f"; then
    check_line "switch ${sw%%|*}" "$(log_of "$f")" "${sw#*|}"
  else
    nok "switch ${sw%%|*}: daemon did not start"
  fi
  for p in "${PIDS[@]:$MARK}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  PIDS=("${PIDS[@]:0:$MARK}")
done
for bad in WGJS_OFFLOAD=2 WGJS_TUN_TSO=yes WGJS_UDP_GRO=off; do
  n=$((n + 1)); f="os$TAG$n"; IFS_CREATED+=("$f")
  ip netns exec "$S" timeout 10 env LOG_LEVEL=verbose "$bad" "$WGJS" -f "$f" >"$TMP/bad.$n" 2>&1
  rc=$?
  msg=$(grep -m1 -i "${bad%%=*}" "$TMP/bad.$n")
  if [ "$rc" = 1 ] && [ -n "$msg" ] && ! ip -n "$S" link show "$f" >/dev/null 2>&1; then
    ok "bad value $bad: exit 1, no interface left, '$msg'"
  else
    nok "bad value $bad: exit $rc (124 = still running after 10 s), message '${msg:-<none naming ${bad%%=*}>}'"
  fi
done

echo "# transfer rates (receiver: first byte to EOF)"
printf '#   %s\n' "${RATES[@]}"
echo "# offload.sh took $((SECONDS - T_START)) s"
finish
