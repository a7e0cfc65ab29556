#!/usr/bin/env bash
# OpenWrt integration against real daemons, in network namespaces:
#   router (R): the netifd proto handler files/lib/netifd/proto/wgjs.sh, run by sh with the
#               recording netifd stand-in (netifd-proto-stub.sh), starting the real wgjs daemon
#               from a UCI file; the recorded update is then applied as netifd would.
#   server (S): a "cloud server" peer (wireguard-go when installed, else wgjs), set up with `wg`.
# The router reaches the server by a NAME from its namespace-local hosts file
# (/etc/netns/R/hosts, which `ip netns exec` binds over /etc/hosts).
# Checked: the exact proto_* calls, traffic through the tunnel, the peer-up hook with
# DESCRIPTION, `wgjs rpcd call status` JSON, renew without restarting the daemon, endpoint
# re-resolution when the server moves (no restart), peer-down when the server disappears,
# teardown. The router's daemon runs with WGJS_DEBUG_TIME_SCALE=10 (protocol timers 10x faster:
# the documented test setting) so peer-down and re-resolution happen within seconds.
#   bash test/openwrt/live.sh     (root; ends with "N passed, N failed")
TAG=${TAG:-o$$}
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
need_root
cd "$ROOT" || exit 1
HANDLER=$ROOT/files/lib/netifd/proto/wgjs.sh
T=$(mktemp -d /tmp/wgjs-live.XXXXXX)
IF=wr$TAG
SIF=ws$TAG
NAME=server.wgjs.test
# KEEP=1 keeps $T (daemon log, calls, events) for a look after a failure
trap 'cleanup; [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"; rm -rf "/etc/netns/${R:-none}"' EXIT

R=$(ns r) && S=$(ns s) && link "$R" "$S" 1 || { nok "namespaces"; finish; exit 1; }
SVETH=vb${TAG}1
mkdir -p "/etc/netns/$R"
echo "10.1.0.2 $NAME" >"/etc/netns/$R/hosts"

# ---- the server
KR=$(genkey); KS=$(genkey); PR=$(pubkey "$KR"); PS=$(pubkey "$KS")
SIMPL=wgjs; command -v wireguard-go >/dev/null && SIMPL=wggo
start "$SIMPL" "$S" "$SIF" || { nok "server daemon"; finish; exit 1; }
nsx "$S" "$WG" set "$SIF" listen-port 51901 private-key "$(keyfile "$KS")" peer "$PR" allowed-ips 10.77.0.2/32,fd77::2/128
inner "$S" "$SIF" 10.77.0.1/24 fd77::1/64

# ---- the router's OpenWrt world: UCI file, netifd stand-in, hook scripts, uci/logger stand-ins
mkdir -p "$T/lib/netifd/proto" "$T/state" "$T/bin" "$T/hooks"
cp test/openwrt/netifd-proto-stub.sh "$T/lib/netifd/netifd-proto.sh"
cat >"$T/network" <<EOF
config interface 'loopback'
	option device 'lo'
	option proto 'static'

config interface '$IF'
	option proto 'wgjs'
	option private_key '$KR'
	option listen_port '51900'
	list addresses '10.77.0.2/24'
	list addresses 'fd77::2/64'

config wireguard_$IF
	option description 'Cloud server'
	option public_key '$PS'
	list allowed_ips '10.77.0.1/32, fd77::1/128'
	option route_allowed_ips '1'
	option endpoint_host '$NAME'
	option endpoint_port '51901'
	option persistent_keepalive '25'
EOF
printf '#!/bin/sh\necho "uci $*" >>"%s"\n' "$T/uci.calls" >"$T/bin/uci"
printf '#!/bin/sh\necho "logger $*" >>"%s"\n' "$T/log" >"$T/bin/logger"
chmod +x "$T/bin/uci" "$T/bin/logger"
printf 'echo "$ACTION $INTERFACE $PUBLIC_KEY $ENDPOINT [$DESCRIPTION] [$SECTION]" >>"%s"\n' "$T/events" >"$T/hooks/10-record"
: >"$T/events"
# a hook that hangs and fails: must not stall the tunnel or the other hooks
printf 'sleep 30\nexit 1\n' >"$T/hooks/20-hangs"

# handler CMD: runs the proto handler in the router namespace as netifd would (cwd /lib/netifd/proto)
handler() {
  (cd "$T/lib/netifd/proto" && ip netns exec "$R" env PATH="$T/bin:$PATH" PROTO_CALLS="$T/calls" PROTO_STATE="$T/state" \
    WGJS="$WGJS" WGJS_UCI_CONFIG="$T/network" WGJS_HOTPLUG_DIR="$T/hooks" WGJS_DEBUG_TIME_SCALE=10 LOG_LEVEL=verbose \
    sh "$HANDLER" wgjs "$1" "$IF" '{}' "$IF")
}
# netifd_apply: what netifd does with the recorded update (addresses, routes, link up)
netifd_apply() {
  local fn a b
  ip -n "$R" link set "$IF" up
  while read -r fn a b _; do
    case $fn in
      proto_add_ipv4_address) ip -n "$R" addr add "$a/$b" dev "$IF" ;;
      proto_add_ipv6_address) ip -n "$R" addr add "$a/$b" dev "$IF" nodad ;;
      proto_add_ipv4_route) ip -n "$R" route replace "$a/$b" dev "$IF" ;;
      proto_add_ipv6_route) ip -n "$R" -6 route replace "$a/$b" dev "$IF" ;;
    esac
  done <"$T/calls"
}
wait_for() { # wait_for SECONDS CMD...
  local n=$(($1 * 10)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
ping_ok() { nsx "$R" ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
daemon_pid() { cat "$T/state/$IF.task" 2>/dev/null; }
endpoint() { peer_field "$R" "$IF" "$PS" 3; }

# ---- setup, over a socket file left behind (as by a daemon netifd SIGKILLed): the handler must
# not take it for the new daemon's
mkdir -p /var/run/wireguard
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "/var/run/wireguard/$IF.sock"
check "setup: a stale socket file is there before" [ -S "/var/run/wireguard/$IF.sock" ]
: >"$T/calls"
handler setup
check "setup: handler exits 0" [ $? = 0 ]
# (no tunlink: the third argument is empty, as in the stock wireguard.sh)
cat >"$T/expect" <<EOF
proto_run_command $IF $WGJS -f $IF
proto_init_update $IF 1
proto_add_ipv4_address 10.77.0.2 24
proto_add_ipv6_address fd77::2 64
proto_add_ipv4_route 10.77.0.1 32
proto_add_ipv6_route fd77::1 128
proto_add_host_dependency $IF 10.1.0.2 
proto_send_update $IF
EOF
check "setup: exact netifd calls (daemon, addresses, routes, host dependency, update)" diff -u "$T/expect" "$T/calls"
echo "# netifd calls:"; sed 's/^/#   /' "$T/calls"
PID=$(daemon_pid)
check "setup: daemon running in the router namespace" kill -0 "${PID:-0}"
check "setup: endpoint resolved from the namespace's hosts file" [ "$(endpoint)" = "10.1.0.2:51901" ]
netifd_apply
check "traffic: ping the server through the tunnel (IPv4; a hook hangs meanwhile)" wait_for 10 ping_ok 10.77.0.1
check "traffic: ping the server through the tunnel (IPv6)" wait_for 5 ping_ok fd77::1
echo "# ping through the tunnel:"; nsx "$R" ping -c 3 -i 0.3 10.77.0.1 | sed 's/^/#   /'
echo "# wg show on the router:"; nsx "$R" "$WG" show "$IF" | sed 's/^/#   /'

# ---- events: peer-up with the UCI description
check "events: peer-up hook ran once with DESCRIPTION and SECTION" \
  wait_for 5 grep -qE "^peer-up $IF ${PS//+/\\+} 10\.1\.0\.2:51901 \[Cloud server\] \[cfg[0-9a-f]{6}\]$" "$T/events"

# ---- rpcd status (the ubus-shaped JSON LuCI reads)
nsx "$R" env WGJS_UCI_CONFIG="$T/network" "$WGJS" rpcd call status <<<'{}' >"$T/status.json"
echo "# wgjs rpcd call status:"; sed 's/^/#   /' "$T/status.json"
check "rpcd status: interface with peer name, handshake, traffic, up" node -e '
  const [f, ifn, ps] = process.argv.slice(1);
  const s = JSON.parse(require("fs").readFileSync(f, "utf8"));
  const i = s.interfaces[ifn];
  const p = i && i.peers.find((x) => x.public_key === ps);
  const ok = i && i.running && i.configured && i.listen_port === 51900 && p && p.name === "Cloud server" &&
    p.endpoint === "10.1.0.2:51901" && p.latest_handshake > 1e9 && p.transfer_rx > 0 && p.transfer_tx > 0 &&
    p.up === true && p.persistent_keepalive === 25 && p.allowed_ips.join(",") === "10.77.0.1/32,fd77::1/128";
  process.exit(ok ? 0 : 1);' "$T/status.json" "$IF" "$PS"

# ---- the other rpcd methods against the live daemon, and bad arguments
rpcd() { nsx "$R" env WGJS_UCI_CONFIG="$T/network" "$WGJS" rpcd "$@"; }
json_is() { # json_is JSON JS-EXPRESSION-ON-o
  node -e 'const o = JSON.parse(process.argv[1]); process.exit(eval(process.argv[2]) ? 0 : 1)' "$1" "$2"
}
KEY_RE='/^[A-Za-z0-9+\/]{43}=$/'
check "rpcd list: valid JSON naming every method" json_is "$(rpcd list)" \
  '["status","genkey","genpsk","pubkey","peerconf","peerqr"].every((m) => typeof o[m] === "object")'
G=$(rpcd call genkey <<<'{}')
check "rpcd genkey: a key pair" json_is "$G" "$KEY_RE.test(o.private_key) && $KEY_RE.test(o.public_key)"
GPRIV=$(node -e 'console.log(JSON.parse(process.argv[1]).private_key)' "$G")
check "rpcd pubkey: matches wg pubkey" json_is "$(rpcd call pubkey <<<"{\"private_key\":\"$GPRIV\"}")" "o.public_key === '$(pubkey "$GPRIV")'"
check "rpcd genpsk: a key" json_is "$(rpcd call genpsk <<<'{}')" "$KEY_RE.test(o.preshared_key)"
PC=$(rpcd call peerconf <<<"{\"interface\":\"$IF\",\"peer\":\"@wireguard_$IF[0]\",\"endpoint\":\"vpn.example.net\"}")
echo "# wgjs rpcd call peerconf:"; sed 's/^/#   /' <<<"$PC"
check "rpcd peerconf: wg-quick config with the router as peer" json_is "$PC" \
  "o.config.includes('[Peer]\nPublicKey = $PR') && o.config.includes('Endpoint = vpn.example.net:51900') && o.config.includes('AllowedIPs = 0.0.0.0/0, ::/0') && /\.conf$/.test(o.filename)"
check "rpcd peerqr: an SVG QR code" json_is "$(rpcd call peerqr <<<"{\"interface\":\"$IF\",\"peer\":\"@wireguard_$IF[0]\"}")" \
  "/^<svg[^>]*>/.test(o.svg) && o.svg.includes('</svg>') && o.config.includes('[Interface]')"
for bad in 'pubkey {"private_key":"x"}' 'peerconf {"interface":"nope0","peer":"x"}' 'status {"interface":5}' 'genkey not-json' 'nosuch {}'; do
  out=$(rpcd call "${bad%% *}" <<<"${bad#* }")
  check "rpcd bad input '$bad': a JSON error" json_is "$out" 'typeof o.error === "string" && o.error.length > 0 && Object.keys(o).length === 1'
done

# ---- renew: a peer added in UCI applies without restarting the daemon
P2=$(pubkey "$(genkey)")
printf '\nconfig wireguard_%s\n\toption description %s\n\toption public_key %s\n\tlist allowed_ips %s\n' "$IF" "'Phone'" "'$P2'" "'10.77.0.9/32'" >>"$T/network"
: >"$T/calls"
handler renew
check "renew: handler exits 0" [ $? = 0 ]
check "renew: update sent, daemon not restarted" bash -c '[ "$(head -1 "$1")" = "proto_init_update $2 1" ] && ! grep -q proto_run_command "$1" && grep -qx "proto_send_update $2" "$1"' _ "$T/calls" "$IF"
check "renew: same daemon process" [ "$(daemon_pid)" = "$PID" ]
check "renew: new peer configured, tunnel still up" bash -c '[ "$(ip netns exec "$1" "$2" show "$3" peers | wc -l)" = 2 ]' _ "$R" "$WG" "$IF"
check "renew: traffic still flows" ping_ok 10.77.0.1

# ---- re-resolution: the server moves to another address and the name follows it
# (delete first: deleting a primary address also deletes the secondaries of its subnet)
ip -n "$S" addr del 10.1.0.2/24 dev "$SVETH"
ip -n "$S" addr add 10.1.0.3/24 dev "$SVETH"
echo "10.1.0.3 $NAME" >"/etc/netns/$R/hosts" # in place: the bind mount keeps the same file
t0=$SECONDS
check "re-resolution: endpoint follows the name to 10.1.0.3 without a restart" wait_for 60 bash -c '[ "$(ip netns exec "$1" "$2" show "$3" endpoints | awk -v k="$4" "\$1==k{print \$2}")" = 10.1.0.3:51901 ]' _ "$R" "$WG" "$IF" "$PS"
echo "# endpoint re-resolved after $((SECONDS - t0)) s (time scale 10)"
check "re-resolution: traffic flows to the new address" wait_for 20 ping_ok 10.77.0.1
check "re-resolution: same daemon process" [ "$(daemon_pid)" = "$PID" ]
check "re-resolution: logged why" grep -qE "endpoint 10\.1\.0\.3:51901 \((stale|dns changed)\)" "$T/state/$IF.task.log"

# ---- peer-down: the server disappears
ip netns pids "$S" | xargs -r kill
t0=$SECONDS
check "events: no peer-down while the server was reachable" [ "$(grep -c "^peer-down" "$T/events")" = 0 ]
check "events: peer-down hook after the server disappears" wait_for 60 grep -qF "peer-down $IF $PS " "$T/events"
echo "# peer-down after $((SECONDS - t0)) s (time scale 10); events:"; sed 's/^/#   /' "$T/events"
check "events: exactly one peer-up and one peer-down" [ "$(wc -l <"$T/events")" = 2 ]

# ---- teardown
: >"$T/calls"
handler teardown
check "teardown: kill command only" diff <(printf 'proto_kill_command %s\n' "$IF") "$T/calls"
check "teardown: daemon exited" wait_for 5 bash -c '! kill -0 "$1" 2>/dev/null' _ "$PID"
check "teardown: socket and device gone" wait_for 5 bash -c '[ ! -e "/var/run/wireguard/$1.sock" ] && ! ip -n "$2" link show "$1" >/dev/null 2>&1' _ "$IF" "$R"
check "no secrets in the daemon log" bash -c '! grep -qF -- "$1" "$2"' _ "$KR" "$T/state/$IF.task.log"
finish
