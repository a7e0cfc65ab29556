#!/usr/bin/env bash
# The netifd proto handler files/lib/netifd/proto/wgjs.sh run by a real shell (dash, and
# busybox ash when installed: OpenWrt's /bin/sh) with a recording stand-in for netifd-proto.sh
# (netifd-proto-stub.sh) and a fake `wgjs` (fake-wgjs.mjs: the real uci-sync code over a
# simulated daemon), plus fake `uci`, `ip`, `logger` and `sleep` on PATH.
#   bash test/openwrt/proto.sh          -> ends with "N passed, N failed"
# WGJS_BIN=/path/to/wgjs runs the handler against that binary instead of the fake (for the
# real-daemon version of this test; needs root for the TUN device, and skips the checks that
# read the fake daemon's state).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
HANDLER=$ROOT/files/lib/netifd/proto/wgjs.sh
T=$(mktemp -d /tmp/wgjs-proto.XXXXXX)
trap 'cleanup' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   - $*"; }
not_ok() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() { # check NAME COMMAND...: passes when COMMAND succeeds
  local name=$1; shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
has_line() { grep -qxF -- "$2" "$1"; }
no_line() { ! grep -qxF -- "$2" "$1"; }
no_line_re() { ! grep -q -- "$2" "$1"; }
contains() { [[ "$1" == *"$2"* ]]; }

cleanup() {
  local f
  for f in "$T"/state/*.task "$T"/run/*.retry; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  rm -rf "$T"
}

# ---------------------------------------------------------------- the fake world
mkdir -p "$T/lib/netifd/proto" "$T/bin" "$T/state" "$T/run" "$T/sys" "$T/root"
cp test/openwrt/netifd-proto-stub.sh "$T/lib/netifd/netifd-proto.sh"
node_modules/.bin/esbuild test/openwrt/fake-wgjs.mjs --bundle --platform=node --format=esm --log-level=warning \
  --outfile="$T/fake-wgjs.mjs" || { echo "esbuild failed"; echo "0 passed, 1 failed"; exit 1; }
node_modules/.bin/esbuild test/fixtures/uci/network.ts --bundle --platform=node --format=esm --log-level=warning \
  --outfile="$T/network.mjs" || { echo "esbuild failed"; echo "0 passed, 1 failed"; exit 1; }
node -e "import('$T/network.mjs').then(m => process.stdout.write(m.NETWORK_WG0))" >"$T/network.orig"
node_modules/.bin/esbuild test/openwrt/badkeys.mjs --bundle --platform=node --format=esm --log-level=warning \
  --outfile="$T/badkeys.mjs" || { echo "esbuild failed"; echo "0 passed, 1 failed"; exit 1; }

if [ -n "${WGJS_BIN:-}" ]; then
  WGJS=$WGJS_BIN
  FAKE=0
else
  WGJS=$T/bin/wgjs
  FAKE=1
  printf '#!/bin/sh\nexec node %s "$@"\n' "$T/fake-wgjs.mjs" >"$WGJS"
fi
cat >"$T/bin/uci" <<EOF
#!/bin/sh
echo "uci \$*" >>"$T/root/calls"
# uci batch: the commands come on stdin, recorded as "uci< LINE"
case " \$* " in *" batch "*) sed 's/^/uci< /' >>"$T/root/calls" ;; esac
EOF
cat >"$T/bin/ip" <<EOF
#!/bin/sh
echo "ip \$*" >>"$T/root/calls"
EOF
cat >"$T/bin/logger" <<EOF
#!/bin/sh
echo "logger \$*" >>"$T/root/log"
EOF
cat >"$T/bin/sleep" <<'EOF'
#!/bin/sh
exec /bin/sleep 0.05
EOF
chmod +x "$T"/bin/*

# the offload switches reach the daemon only through the handler (none inherited from here)
unset WGJS_OFFLOAD WGJS_TUN_TSO WGJS_TUN_USO WGJS_UDP_GSO WGJS_UDP_GRO
export PATH="$T/bin:$PATH" WGJS FAKE_ROOT="$T/root" PROTO_CALLS="$T/calls" PROTO_STATE="$T/state"
export WGJS_RUN_DIR="$T/run" WGJS_SYS_NET="$T/sys" WGJS_READY_WAIT=60
if [ "$FAKE" = 0 ]; then unset WGJS_RUN_DIR WGJS_SYS_NET; export WGJS_UCI_CONFIG="$T/root/network"; fi

reset_world() {
  local f
  for f in "$T"/state/*.task "$T"/run/*.retry; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  sleep 0.3
  rm -rf "${T:?}"/state/* "${T:?}"/run/* "${T:?}"/sys/* "${T:?}"/root/*
  : >"$T/calls"
  cp "$T/network.orig" "$T/root/network"
}

handler() { # handler SHELL CMD IFNAME: runs the handler as netifd does (cwd /lib/netifd/proto)
  (cd "$T/lib/netifd/proto" && "$1" "$HANDLER" wgjs "$2" "$3" '{}' "$3")
}

# set_iface_option OPTION VALUE: adds `option OPTION 'VALUE'` to the interface section wg0
set_iface_option() {
  sed -i "s/^\toption tunlink 'wan'\$/&\n\toption $1 '$2'/" "$T/root/network"
  grep -qxF "	option $1 '$2'" "$T/root/network"
}

# daemon_env IFNAME: the offload switches in the environment of the running daemon (sorted)
daemon_env() {
  local pid
  pid=$(cat "$T/state/$1.task" 2>/dev/null) || return 1
  tr '\0' '\n' <"/proc/$pid/environ" | grep -E '^WGJS_(OFFLOAD|TUN_TSO|TUN_USO|UDP_GSO|UDP_GRO)=' | sort
  return 0
}

wait_for() { # wait_for SECONDS COMMAND...
  local n=$(($1 * 10)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; /bin/sleep 0.1; n=$((n - 1)); done
  return 1
}

# ---------------------------------------------------------------- per shell
SHELLS="sh"
command -v busybox >/dev/null && busybox sh -c 'true' 2>/dev/null && SHELLS="$SHELLS busybox-sh"

for SH in $SHELLS; do
  case $SH in busybox-sh) RUN=(busybox sh) ;; *) RUN=(sh) ;; esac
  runsh() { "${RUN[@]}" "$@"; }
  echo "# shell: ${RUN[*]}"

  # dump: what init_config declares
  reset_world
  out=$(cd "$T/lib/netifd/proto" && runsh "$HANDLER" wgjs dump)
  check "[$SH] dump: name" grep -qx 'name=wgjs' <<<"$out"
  check "[$SH] dump: every option declared" grep -qx 'config=string:private_key int:listen_port int:mtu string:fwmark array:addresses array:ip6prefix boolean:nohostroute string:tunlink string:offload string:tun_tso string:tun_uso string:udp_gso string:udp_gro array:listen_address ' <<<"$out"
  check "[$SH] dump: no_device, available, renew handler" grep -qx 'no_device=1 available=1 renew_handler=1 no_proto_task=0' <<<"$out"

  # setup
  reset_world
  handler runsh setup wg0
  rc=$?
  check "[$SH] setup: exit 0" [ "$rc" = 0 ]
  cat >"$T/expect" <<EOF
proto_run_command wg0 $WGJS -f wg0
proto_init_update wg0 1
proto_add_ipv4_address 10.99.0.1 24
proto_add_ipv6_address fd99::1 64
proto_add_ipv4_route 10.99.0.2 32
proto_add_ipv4_route 192.168.50.0 24
proto_add_ipv4_route 192.168.51.0 24
proto_add_ipv4_route 10.99.0.5 32
proto_add_ipv6_route fd99::5 128
proto_add_ipv6_prefix fd99:1::/48
proto_add_host_dependency wg0 203.0.113.7 wan
proto_add_host_dependency wg0 2001:db8::7 wan
proto_send_update wg0
EOF
  check "[$SH] setup: netifd calls in order" diff -u "$T/expect" "$T/calls"
  check "[$SH] setup: MTU set on the device" has_line "$T/root/calls" "ip link set dev wg0 mtu 1380"
  check "[$SH] setup: daemon running" [ -S "${WGJS_RUN_DIR:-/var/run/wireguard}/wg0.sock" ]
  check "[$SH] setup: offload options unset: nothing exported" no_line_re "$T/calls" '^proto_export'
  check "[$SH] setup: offload options unset: no switch in the daemon's environment" [ -z "$(daemon_env wg0)" ]
  check "[$SH] setup: the daemon's environment is readable" [ -r "/proc/$(cat "$T/state/wg0.task")/environ" ]
  check "[$SH] setup: skipped peers logged" grep -q "^logger -t wgjs wg0: network.@wireguard_wg0\[1\] (cfg[0-9a-f]*) 'Laptop (disabled)': disabled, skipped$" "$T/root/log"
  check "[$SH] setup: unresolved name logged" grep -q "'Phone': endpoint_host 'unresolvable.example' did not resolve" "$T/root/log"
  if [ "$FAKE" = 1 ]; then
    check "[$SH] setup: uci-sync --env before the daemon, then one full uci-sync" \
      diff <(printf 'wgjs uci-sync --env wg0\nwgjs -f wg0\nwgjs uci-sync wg0\n') <(grep '^wgjs ' "$T/root/calls")
    check "[$SH] setup: peers applied" [ "$(grep -c '^public_key=' "$T/root/wg0.sets")" = 3 ]
    check "[$SH] setup: no helper process beside the daemon (it re-resolves names itself)" [ -z "$(ls "$T/run" | grep -v '\.sock$')" ]
  fi

  # renew: a peer removed and one added in UCI; the daemon keeps running
  : >"$T/calls"
  sed -i "s/option public_key '5veQ0+9YNb4d+mpqD0eJ1HxZxZQMtgP8OLJajmJLo04='/option public_key '9WP7DwJ4jroXdAwwpOAj5bhFpgYuQ7QXTm1TAih8Lwg='/" "$T/root/network"
  handler runsh renew wg0
  check "[$SH] renew: exit 0" [ $? = 0 ]
  check "[$SH] renew: no new daemon" no_line "$T/calls" "proto_run_command wg0 $WGJS -f wg0"
  check "[$SH] renew: update sent" has_line "$T/calls" "proto_send_update wg0"
  if [ "$FAKE" = 1 ]; then
    last=$(awk 'BEGIN{RS="--\n"} {b=$0} END{printf "%s", b}' "$T/root/wg0.sets")
    check "[$SH] renew: syncconf, not replace_peers" bash -c '! grep -q "^replace_peers" <<<"$1"' _ "$last"
    check "[$SH] renew: removed peer removed" contains "$last" $'public_key=e6f790d3ef5835be1dfa6a6a0f4789d47c59c5940cb603fc38b25a8e624ba34e\nremove=true\n'
    check "[$SH] renew: new peer added" grep -q '^public_key=f563fb0f02788eba17740c30a4e023e5b845a6062e43b4174e6d5302287c2f08$' <<<"$last"
  fi

  # renew with an invalid edit: logged, link kept
  : >"$T/calls"
  sed -i "s/option endpoint_port '51821'/option endpoint_port 'x'/" "$T/root/network"
  handler runsh renew wg0
  check "[$SH] renew invalid: error reported, no teardown" diff <(printf 'proto_notify_error wg0 SYNC_FAILED\n') "$T/calls"
  check "[$SH] renew invalid: message logged" grep -q "wg0: wgjs uci-sync: network.@wireguard_wg0\[0\] (cfg[0-9a-f]*).endpoint_port: not a number" "$T/root/log"

  # teardown
  : >"$T/calls"
  handler runsh teardown wg0
  check "[$SH] teardown: kill command" diff <(printf 'proto_kill_command wg0\n') "$T/calls"
  check "[$SH] teardown: daemon gone" wait_for 5 [ ! -e "$T/run/wg0.sock" ]

  # invalid configuration at setup: blocked until fixed
  reset_world
  sed -i "s/option listen_port '51820'/option listen_port '99999'/" "$T/root/network"
  handler runsh setup wg0
  check "[$SH] invalid setup: exit non-zero" [ $? != 0 ]
  check "[$SH] invalid setup: error, restart blocked, failed" diff <(printf 'proto_run_command wg0 %s -f wg0\nproto_notify_error wg0 INVALID_CONFIG\nproto_block_restart wg0\nproto_setup_failed wg0\n' "$WGJS") "$T/calls"

  # offload options -> the daemon's environment (netifd's proto_export before proto_run_command)
  for pair in offload:WGJS_OFFLOAD tun_tso:WGJS_TUN_TSO tun_uso:WGJS_TUN_USO udp_gso:WGJS_UDP_GSO udp_gro:WGJS_UDP_GRO; do
    opt=${pair%%:*} var=${pair#*:}
    reset_world
    set_iface_option "$opt" 0 || not_ok "[$SH] $opt: fixture edit"
    handler runsh setup wg0
    check "[$SH] option $opt '0': setup exit 0" [ $? = 0 ]
    check "[$SH] option $opt '0': $var=0 exported, then the daemon started" \
      diff <(printf 'proto_export %s=0\nproto_run_command wg0 %s -f wg0\n' "$var" "$WGJS") <(head -n 2 "$T/calls")
    check "[$SH] option $opt '0': the daemon's environment has $var=0 and no other switch" \
      diff <(printf '%s=0\n' "$var") <(daemon_env wg0)
  done
  reset_world
  { set_iface_option offload yes && set_iface_option udp_gro off && set_iface_option tun_uso 'disabled' && set_iface_option tun_tso on; } ||
    not_ok "[$SH] several offload options: fixture edit"
  handler runsh setup wg0
  check "[$SH] offload options as yes/off/disabled/on: setup exit 0" [ $? = 0 ]
  check "[$SH] offload options as yes/off/disabled/on: only the ones off exported" \
    diff <(printf 'proto_export WGJS_TUN_USO=0\nproto_export WGJS_UDP_GRO=0\nproto_run_command wg0 %s -f wg0\n' "$WGJS") <(head -n 3 "$T/calls")
  check "[$SH] offload options as yes/off/disabled/on: the daemon's environment" \
    diff <(printf 'WGJS_TUN_USO=0\nWGJS_UDP_GRO=0\n') <(daemon_env wg0)
  for opt in offload udp_gso; do
    reset_world
    set_iface_option "$opt" maybe || not_ok "[$SH] $opt: fixture edit"
    handler runsh setup wg0
    check "[$SH] option $opt 'maybe': setup exit non-zero" [ $? != 0 ]
    check "[$SH] option $opt 'maybe': invalid config, restart blocked, failed, no daemon started" \
      diff <(printf 'proto_notify_error wg0 INVALID_CONFIG\nproto_block_restart wg0\nproto_setup_failed wg0\n') "$T/calls"
    check "[$SH] option $opt 'maybe': the reason logged" has_line "$T/root/log" "logger -t wgjs wg0: wgjs uci-sync: network.wg0.$opt: not a boolean: 'maybe' (use 0 or 1)"
    check "[$SH] option $opt 'maybe': no daemon, nothing applied" \
      bash -c '[ ! -e "$1" ] && [ ! -e "$2" ]' _ "${WGJS_RUN_DIR:-/var/run/wireguard}/wg0.sock" "$T/root/wg0.sets"
  done

  # generated private key is stored
  reset_world
  sed -i "s|option private_key 'IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o='|option private_key 'generate'|" "$T/root/network"
  handler runsh setup wg0
  check "[$SH] generate: key stored with uci batch on stdin" \
    bash -c 'grep -A2 -x "uci -q batch" "$1" | sed -n 2p | grep -qE "^uci< set network\.wg0\.private_key=.[A-Za-z0-9+/]{43}=.\$"' _ "$T/root/calls"
  check "[$SH] generate: committed in the same batch" bash -c 'grep -A2 -x "uci -q batch" "$1" | sed -n 3p | grep -qx "uci< commit network"' _ "$T/root/calls"
  check "[$SH] generate: no key in any command line or log line" \
    bash -c '! grep -hv "^uci< " "$1" "$2" | grep -qE "[A-Za-z0-9+/]{40,}"' _ "$T/root/calls" "$T/root/log"
  handler runsh teardown wg0 >/dev/null

  if [ "$FAKE" = 1 ]; then
    # a daemon that never becomes ready: setup fails (bounded wait), netifd may retry
    reset_world
    FAKE_DAEMON=broken WGJS_READY_WAIT=5 handler runsh setup wg0
    check "[$SH] not ready: exit non-zero" [ $? != 0 ]
    check "[$SH] not ready: error and setup failed, restart allowed" diff <(printf 'proto_run_command wg0 %s -f wg0\nproto_notify_error wg0 DAEMON_NOT_READY\nproto_setup_failed wg0\n' "$WGJS") "$T/calls"
  fi

  # listen_address -> WGJS_LISTEN_ADDRESS in the daemon's environment; a bad one keeps it down
  reset_world
  { set_iface_option listen_address '192.0.2.10' &&
    sed -i "s/^\toption listen_address '192.0.2.10'\$/\tlist listen_address '192.0.2.10'\n\tlist listen_address '2001:db8::10'/" "$T/root/network" &&
    grep -qxF "	list listen_address '2001:db8::10'" "$T/root/network"; } || not_ok "[$SH] listen_address: fixture edit"
  handler runsh setup wg0
  check "[$SH] listen_address: setup exit 0" [ $? = 0 ]
  check "[$SH] listen_address: exported, then the daemon started" \
    diff <(printf 'proto_export WGJS_LISTEN_ADDRESS=192.0.2.10,2001:db8::10\nproto_run_command wg0 %s -f wg0\n' "$WGJS") <(head -n 2 "$T/calls")
  pid=$(cat "$T/state/wg0.task" 2>/dev/null)
  check "[$SH] listen_address: in the daemon's environment" grep -qx 'WGJS_LISTEN_ADDRESS=192.0.2.10,2001:db8::10' <(tr '\0' '\n' <"/proc/$pid/environ")
  reset_world
  set_iface_option listen_address '192.0.2.10 192.0.2.11' || not_ok "[$SH] listen_address: fixture edit"
  handler runsh setup wg0
  check "[$SH] listen_address two IPv4: setup exit non-zero" [ $? != 0 ]
  check "[$SH] listen_address two IPv4: invalid config, nothing started" \
    diff <(printf 'proto_notify_error wg0 INVALID_CONFIG\nproto_block_restart wg0\nproto_setup_failed wg0\n') "$T/calls"
  check "[$SH] listen_address two IPv4: the reason logged" grep -q "listen_address: more than one IPv4 address" "$T/root/log"

  # bad keys: the reason in syslog, no piece of the key in any log line or command line
  for opt in private_key preshared_key; do
    case $opt in private_key) cur=IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o= ;; *) cur=AwgNEhccISYrMDU6P0RJTlNYXWJnbHF2e4CFio+UmZ4= ;; esac
    n=0 bad_ok=0
    while IFS= read -r bad; do
      reset_world
      n=$((n + 1))
      python3 -c '
import sys
p, opt, cur, bad = sys.argv[1:]
s = open(p, encoding="latin-1").read()
old = "option %s %s" % (opt, chr(39) + cur + chr(39))
assert old in s
q = chr(39)
open(p, "w", encoding="latin-1").write(s.replace(old, "option %s %s" % (opt, q + bad.replace(q, q + "\\" + q + q) + q)))
' "$T/root/network" "$opt" "$cur" "$bad" || { not_ok "[$SH] bad $opt #$n: fixture edit"; continue; }
      handler runsh setup wg0 >"$T/out" 2>&1
      rc=$?
      if [ "$rc" = 0 ]; then not_ok "[$SH] bad $opt #$n: setup must fail"; continue; fi
      if ! grep -q "\.$opt: not a base64 WireGuard key" "$T/root/log"; then not_ok "[$SH] bad $opt #$n: reason logged"; continue; fi
      if node "$T/badkeys.mjs" check "$cur" "$bad" "$T/root/log" "$T/root/calls" "$T/calls" "$T/out"; then
        bad_ok=$((bad_ok + 1))
      else
        not_ok "[$SH] bad $opt #$n: key material in an output"
      fi
    done < <(node "$T/badkeys.mjs" list "$cur")
    check "[$SH] bad $opt: $bad_ok of $n values rejected with the reason logged, no key material in syslog, command lines or output" \
      [ "$n" -ge 12 ] && [ "$bad_ok" = "$n" ]
  done

  if [ "$FAKE" = 1 ]; then
    # a socket left by a SIGKILLed daemon, and one a stray process still listens on: setup
    # must wait for the new daemon's socket (the fake daemon makes its device first and its
    # socket 0.6 s later, like the real one; a uci-sync against a socket that is not the
    # daemon's fails)
    for stale in killed listening; do
      reset_world
      node -e 'const s = require("net").createServer(); s.listen(process.argv[1], () => { require("fs").writeFileSync(process.argv[3], String(process.pid)); if (process.argv[2] === "killed") process.kill(process.pid, "SIGKILL"); });' \
        "$T/run/wg0.sock" "$stale" "$T/run/stale.retry" &
      disown
      wait_for 5 [ -s "$T/run/stale.retry" ] || not_ok "[$SH] stale socket ($stale): fixture"
      wait_for 5 [ -S "$T/run/wg0.sock" ] || not_ok "[$SH] stale socket ($stale): fixture socket"
      FAKE_DAEMON=late-socket handler runsh setup wg0
      check "[$SH] stale socket ($stale): setup exit 0" [ $? = 0 ]
      check "[$SH] stale socket ($stale): no sync failure, update sent" \
        bash -c '! grep -q SYNC_FAILED "$1" && grep -qx "proto_send_update wg0" "$1"' _ "$T/calls"
      check "[$SH] stale socket ($stale): the peers reached the new daemon" [ "$(grep -c '^public_key=' "$T/root/wg0.sets" 2>/dev/null)" = 3 ]
      handler runsh teardown wg0 >/dev/null
    done
  fi

  # a section name that cannot be a device name
  reset_world
  handler runsh setup wireguard_tunnel0
  check "[$SH] long name: refused before starting anything" diff <(printf 'proto_notify_error wireguard_tunnel0 INVALID_NAME\nproto_block_restart wireguard_tunnel0\n') "$T/calls"
done

# ---------------------------------------------------------------- hotplug commands run for real
if [ "$FAKE" = 1 ]; then
  reset_world
  mkdir -p "$T/hooks"
  printf 'echo "10 $ACTION $INTERFACE $PUBLIC_KEY $ENDPOINT [$DESCRIPTION]" >>"%s"\n' "$T/hook.out" >"$T/hooks/10-first"
  printf 'echo "20 $ACTION" >>"%s"\nexit 0\n' "$T/hook.out" >"$T/hooks/20-second"
  WGJS_HOTPLUG_DIR="$T/hooks" node "$T/fake-wgjs.mjs" hotplug peer-up wg0 nE8FLoGzMKTG0kG3iR9qjT/5/DHquRoC1sXtMg0rLXg= '203.0.113.7:51821' 'Cloud server' >"$T/cmds.json"
  node -e '
    const { spawnSync } = require("node:child_process");
    for (const c of JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")))
      if (c.argv[0] === "/bin/sh") spawnSync(c.argv[0], c.argv.slice(1), { env: c.env, stdio: "inherit" });
  ' "$T/cmds.json"
  printf '10 peer-up wg0 nE8FLoGzMKTG0kG3iR9qjT/5/DHquRoC1sXtMg0rLXg= 203.0.113.7:51821 [Cloud server]\n20 peer-up\n' >"$T/expect"
  check "hotplug: scripts of WGJS_HOTPLUG_DIR run in order with the event environment" diff -u "$T/expect" "$T/hook.out"
fi

# ---------------------------------------------------------------- /etc/init.d/wgjs reload
# stand-ins: ubus (an interface dump with two wgjs interfaces, renews recorded) and jsonfilter as
# current upstream's: JSON only from -s, stdin ignored
mkdir -p "$T/initd/bin"
cat >"$T/initd/bin/ubus" <<EOF
#!/bin/sh
case "\$*" in
  "call network.interface dump") echo '{"interface":[{"interface":"lan","proto":"static"},{"interface":"wg0","proto":"wgjs"},{"interface":"wg1","proto":"wgjs"}]}' ;;
  *) echo "ubus \$*" >>"$T/initd/calls" ;;
esac
EOF
cat >"$T/initd/bin/jsonfilter" <<'EOF'
#!/bin/sh
[ "$1" = -s ] || exit 1
exec node -e 'const j = JSON.parse(process.argv[1]); for (const i of j.interface) if (i.proto === "wgjs") console.log(i.interface)' "$2"
EOF
chmod +x "$T/initd/bin/"*
: >"$T/initd/calls"
PATH="$T/initd/bin:$PATH" sh -c '. "$1"; reload_service' _ "$ROOT/files/etc/init.d/wgjs"
check "init.d reload: a renew for each wgjs interface (jsonfilter -s)" \
  diff <(printf 'ubus call network.interface.wg0 renew\nubus call network.interface.wg1 renew\n') "$T/initd/calls"

# ---------------------------------------------------------------- shipped shell scripts
if command -v shellcheck >/dev/null; then
  check "shellcheck: proto handler" shellcheck "$HANDLER"
  check "shellcheck: rpcd plugin, init script" shellcheck -s dash files/usr/libexec/rpcd/wgjs files/etc/init.d/wgjs
fi

echo "openwrt proto: $pass passed, $fail failed"
[ "$fail" = 0 ]
