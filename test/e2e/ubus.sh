#!/usr/bin/env bash
# The daemon's own ubus client against test/tools/ubusd-standin.mjs (a ubusd stand-in speaking
# the real protocol on a unix socket; CI cannot build ubusd): it registers wgjs.<ifname>, its
# status equals the rpcd plugin's for that interface, the endpoint re-resolution's renew of
# network.interface.<ifname> is a native invoke, peer up/down are native wgjs.peer events (the
# hotplug scripts still run), it reconnects after ubusd restarts and after a malformed message
# (the tunnel keeps working), it sends peer-down for the peers that were up when it stops, and it
# runs as before without ubusd. Root, two namespaces on a veth pair, loopback only.
#   WGJS=build/x86_64/wgjs TAG=<short unique> bash test/e2e/ubus.sh    -> `ubus: N passed, N failed`
source "$(dirname "$0")/lib.sh"
need_root
command -v node >/dev/null || { echo "node missing"; echo "ubus: 0 passed, 1 failed"; exit 1; }

T=$(mktemp -d /tmp/wgjs-ubus.XXXXXX)
SOCK=$T/ubus.sock
STANDIN=(node "$ROOT/test/tools/ubusd-standin.mjs")
SD_PID=
LISTEN_PID=
OBJ_PID=
stop_bg() { for p in "$LISTEN_PID" "$OBJ_PID" "$SD_PID"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; return 0; }
trap 'stop_bg; cleanup; rm -rf "/etc/netns/wgjs-$TAG-a"; [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"' EXIT

wait_for() { # wait_for SECONDS CMD...
  local n=$(($1 * 10)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
serve() { "${STANDIN[@]}" serve "$SOCK" 2>>"$T/standin.log" & SD_PID=$!; wait_for 5 test -S "$SOCK"; }
listen() {
  local n; n=$(grep -c 'listen: ready' "$T/standin.log")
  "${STANDIN[@]}" listen "$SOCK" 'wgjs.*' >>"$T/events.log" 2>>"$T/standin.log" & LISTEN_PID=$!
  wait_for 5 bash -c '[ "$(grep -c "listen: ready" "$1")" -gt "$2" ]' _ "$T/standin.log" "$n"
}
renew_object() { "${STANDIN[@]}" object "$SOCK" "network.interface.$IFA" "$T/renew.log" 2>>"$T/standin.log" & OBJ_PID=$!; }
registered() { "${STANDIN[@]}" list "$SOCK" 2>/dev/null | grep -qx "wgjs.$IFA"; }
# json_has FILE JS-EXPR : some JSON line L of FILE makes the expression true
json_has() { node -e 'const fs=require("fs");const ls=fs.readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean).map(JSON.parse);process.exit(ls.some((L)=>eval(process.argv[2]))?0:1)' "$1" "$2" 2>/dev/null; }

A=$(ns a) && B=$(ns b) && link "$A" "$B" 1 || { echo "namespace setup failed"; echo "ubus: 0 passed, 1 failed"; exit 1; }
IFA=ua$TAG
IFB=ub$TAG
KA=$(genkey); PA=$(pubkey "$KA")
KB=$(genkey); PB=$(pubkey "$KB")
NAME=peerb.$TAG.test
mkdir -p "/etc/netns/$A" "$T/hotplug"
echo "10.1.0.2 $NAME" >"/etc/netns/$A/hosts"
cat >"$T/network" <<EOF
config interface '$IFA'
	option proto 'wgjs'
	option private_key '$KA'
	option listen_port '51901'
	list addresses '10.77.0.1/24'

config wireguard_$IFA 'peerb'
	option description 'Peer B'
	option public_key '$PB'
	list allowed_ips '10.77.0.2/32'
	option endpoint_host '$NAME'
	option endpoint_port '51902'
EOF
cat >"$T/hotplug/10-log" <<EOF
echo "\$ACTION \$INTERFACE \$PUBLIC_KEY \$DESCRIPTION" >>"$T/hotplug.log"
EOF

serve
listen
renew_object
ENV_A="WGJS_UBUS_SOCKET=$SOCK WGJS_UCI_CONFIG=$T/network WGJS_HOTPLUG_DIR=$T/hotplug WGJS_DEBUG_TIME_SCALE=10"
WGJS_ENV=$ENV_A start wgjs "$A" "$IFA" || { echo "ubus: 0 passed, 1 failed"; exit 1; }
DA=${PIDS[-1]}
LOGA=$ROOT/build/test-logs/$IFA.wgjs.log
WGJS_ENV="WGJS_UBUS=0" start wgjs "$B" "$IFB" || { echo "ubus: 0 passed, 1 failed"; exit 1; }
nsx "$A" "$WG" set "$IFA" private-key <(echo "$KA") listen-port 51901 peer "$PB" allowed-ips 10.77.0.2/32
nsx "$B" "$WG" set "$IFB" private-key <(echo "$KB") listen-port 51902 peer "$PA" allowed-ips 10.77.0.1/32
inner "$A" "$IFA" 10.77.0.1/24 fd77::1/64
inner "$B" "$IFB" 10.77.0.2/24 fd77::2/64

check "register: wgjs.$IFA is a ubus object" wait_for 10 registered
check "register: the daemon logged its connection and the object" grep -q "ubus: object wgjs.$IFA registered" "$LOGA"

# re-resolution gives peer B its endpoint; netifd's renew is then invoked over ubus
check "renew: network.interface.$IFA renew invoked natively after re-resolution" wait_for 30 json_has "$T/renew.log" 'L.method==="renew"'
check "renew: the endpoint came from the name" [ "$(peer_field "$A" "$IFA" "$PB" 3)" = 10.1.0.2:51902 ]

check "tunnel: ping through it (handshake)" nsx "$A" ping -c 2 -W 2 10.77.0.2
UP_EXPR="L['wgjs.peer'] && JSON.stringify(L['wgjs.peer'])===JSON.stringify({action:'peer-up',interface:'$IFA',public_key:'$PB',endpoint:'10.1.0.2:51902',description:'Peer B',section:'peerb'})"
check "event: wgjs.peer peer-up delivered with its data" wait_for 10 json_has "$T/events.log" "$UP_EXPR"
check "event: the hotplug script ran too" wait_for 5 grep -qx "peer-up $IFA $PB Peer B" "$T/hotplug.log"

# status over ubus == rpcd plugin status of that interface (counters may move: a few tries)
status_equal() {
  local u r
  u=$("${STANDIN[@]}" call "$SOCK" "wgjs.$IFA" status) || return 1
  r=$(echo "{\"interface\":\"$IFA\"}" | nsx "$A" env WGJS_UCI_CONFIG="$T/network" "$WGJS" rpcd call status) || return 1
  echo "$u" >"$T/status.ubus"; echo "$r" >"$T/status.rpcd"
  node -e 'const a=JSON.parse(process.argv[1]),b=JSON.parse(process.argv[2]).interfaces[process.argv[3]];
    const {deepStrictEqual}=require("assert");try{deepStrictEqual(a,b);}catch(e){process.exit(1)}
    process.exit(a.running&&a.configured&&a.peers.length===1&&a.peers[0].name==="Peer B"&&a.peers[0].up===true&&a.public_key===process.argv[4]?0:1)' "$u" "$r" "$IFA" "$PA"
}
check "status: wgjs.$IFA status equals \`wgjs rpcd call status\` for $IFA" wait_for 5 status_equal
[ -n "${VERBOSE:-}" ] && cat "$T/status.ubus"
check "status: an unknown method answers METHOD_NOT_FOUND (3)" bash -c '"$@"; [ $? = 3 ]' _ "${STANDIN[@]}" call "$SOCK" "wgjs.$IFA" nope

# ubusd restarts: the daemon reconnects (backoff) and registers again
kill "$LISTEN_PID" "$OBJ_PID" "$SD_PID"; wait "$SD_PID" 2>/dev/null
SD_PID= LISTEN_PID= OBJ_PID=
sleep 1
serve
check "restart: the daemon noticed ubusd going away" grep -q "ubus: ubusd closed the connection; reconnecting" "$LOGA"
check "restart: wgjs.$IFA registered again on the new ubusd" wait_for 15 registered
check "restart: status answered after the reconnect" status_equal
listen

# a malformed message from "ubusd": logged, connection closed, reconnected; the tunnel keeps working
"${STANDIN[@]}" malform "$SOCK" "wgjs.$IFA"
check "malformed: the daemon logged it and closed the connection" wait_for 5 grep -q "ubus: malformed message from ubusd (blob: attribute longer than its container), connection closed; reconnecting" "$LOGA"
check "malformed: registered again" wait_for 15 registered
check "malformed: daemon alive, tunnel still works" bash -c 'kill -0 "$1" && ip netns exec "$2" ping -c 2 -W 2 10.77.0.2 >/dev/null' _ "$DA" "$A"
check "malformed: status answered after it" status_equal

# SIGTERM (ifdown): peer-down for the peer that was up, over ubus and through the hotplug scripts
listen_count=$(grep -c . "$T/events.log")
kill -TERM "$DA"
DOWN_EXPR="L['wgjs.peer'] && L['wgjs.peer'].action==='peer-down' && L['wgjs.peer'].public_key==='$PB' && L['wgjs.peer'].interface==='$IFA' && L['wgjs.peer'].description==='Peer B'"
check "shutdown: wgjs.peer peer-down sent for the peer that was up" wait_for 10 json_has "$T/events.log" "$DOWN_EXPR"
check "shutdown: the hotplug script got peer-down" wait_for 5 grep -qx "peer-down $IFA $PB Peer B" "$T/hotplug.log"
check "shutdown: the daemon exited" wait_for 5 bash -c '! kill -0 "$1" 2>/dev/null' _ "$DA"
check "shutdown: one peer-down, no peer-up in the meantime" [ "$(tail -n +$((listen_count + 1)) "$T/events.log" | grep -c peer-)" = 1 ]

# without ubusd: the daemon runs as before (no error logged, the tunnel works, hotplug runs)
cp "$LOGA" "$T/daemon-a.log"
: >"$T/hotplug.log"
WGJS_ENV="WGJS_UBUS_SOCKET=$T/absent.sock WGJS_UCI_CONFIG=$T/network WGJS_HOTPLUG_DIR=$T/hotplug" start wgjs "$A" "$IFA"
nsx "$A" "$WG" set "$IFA" private-key <(echo "$KA") listen-port 51901 peer "$PB" allowed-ips 10.77.0.2/32 endpoint 10.1.0.2:51902
inner "$A" "$IFA" 10.77.0.1/24 fd77::1/64
check "no ubusd: tunnel works" nsx "$A" ping -c 2 -W 2 10.77.0.2
check "no ubusd: hotplug peer-up still runs" wait_for 5 grep -qx "peer-up $IFA $PB Peer B" "$T/hotplug.log"
check "no ubusd: nothing logged as an error" bash -c '! grep -q "^ERROR" "$1"' _ "$LOGA"

if [ "$E2E_FAIL" -ne 0 ]; then
  echo "--- daemon log"; tail -n 30 "$T/daemon-a.log"; echo "--- daemon log (no ubusd)"; tail -n 10 "$LOGA"; echo "--- stand-in log"; tail -n 30 "$T/standin.log"
  echo "--- events"; cat "$T/events.log"; echo "--- status"; cat "$T/status.ubus" "$T/status.rpcd" 2>/dev/null
fi
finish
