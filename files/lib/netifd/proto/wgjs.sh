#!/bin/sh
# shellcheck shell=dash  # OpenWrt: busybox ash (POSIX plus `local`)
# netifd protocol handler for wgjs, the userspace WireGuard: `option proto 'wgjs'`.
# Interface options and peer sections (config wireguard_<ifname>) are those of proto
# 'wireguard'. netifd supervises the daemon (`wgjs -f IFNAME`, started with proto_run_command);
# one `wgjs uci-sync IFNAME` call reads /etc/config/network, applies interface and peers to the
# daemon and prints the facts passed on to netifd here (addresses, routes, host dependencies).
# Peer edits apply without a restart: `ubus call network.interface.IFNAME renew` (also done by
# /etc/init.d/wgjs when the network configuration is reloaded). Endpoint names that do not
# resolve yet, or whose address changes later, are followed by the daemon itself (it re-reads
# this UCI file and re-resolves endpoint_host names; on a change it asks netifd for a renew so
# the host routes follow).
# Offloads: the interface options offload, tun_tso, tun_uso, udp_gso and udp_gro (UCI booleans,
# unset = on) become the daemon's environment (WGJS_OFFLOAD=0, WGJS_TUN_TSO=0, ...) when netifd
# starts it; they are read once at start, and netifd restarts the interface when one changes.
# listen_address (option or list, one IPv4 and/or one IPv6 address) likewise becomes
# WGJS_LISTEN_ADDRESS: the daemon's UDP datagrams of that family leave from that address.
# Keys: a generated private key is stored with `uci batch` fed on stdin (never in a command
# line); log lines never carry a key (uci-sync does not print rejected values, and anything
# key-shaped is masked here too).

WGJS=${WGJS:-/usr/bin/wgjs}
WGJS_RUN_DIR=${WGJS_RUN_DIR:-/var/run/wireguard}
WGJS_SYS_NET=${WGJS_SYS_NET:-/sys/class/net}
# tenths of a second to wait for the TUN device and the UAPI socket
WGJS_READY_WAIT=${WGJS_READY_WAIT:-100}
# the UCI file uci-sync reads (empty: its default, /etc/config/network)
WGJS_UCI_CONFIG=${WGJS_UCI_CONFIG:-}

[ -n "$INCLUDE_ONLY" ] || {
	# shellcheck source=/dev/null
	. ../netifd-proto.sh
	init_proto "$@"
}

proto_wgjs_init_config() {
	proto_config_add_string "private_key"
	proto_config_add_int "listen_port"
	proto_config_add_int "mtu"
	proto_config_add_string "fwmark"
	proto_config_add_array "addresses"
	proto_config_add_array "ip6prefix"
	proto_config_add_boolean "nohostroute"
	proto_config_add_string "tunlink"
	# offload switches: strings, so that netifd restarts the interface on any edit; the values
	# are checked by `wgjs uci-sync --env` (UCI booleans)
	proto_config_add_string "offload"
	proto_config_add_string "tun_tso"
	proto_config_add_string "tun_uso"
	proto_config_add_string "udp_gso"
	proto_config_add_string "udp_gro"
	proto_config_add_array "listen_address"
	# read by netifd-proto.sh's add_protocol
	# shellcheck disable=SC2034
	renew_handler=1 available=1 no_device=1
}

# wgjs_log TEXT...: to syslog, with any run of 40 or more base64 characters masked
wgjs_log() {
	logger -t wgjs "$(printf '%s\n' "$*" | sed -E 's#[A-Za-z0-9+/]{40,}=*#(masked)#g')"
}

# wgjs_ready IFNAME: waits (bounded) until the daemon's TUN device and UAPI socket exist
wgjs_ready() {
	local n=0
	while [ "$n" -lt "$WGJS_READY_WAIT" ]; do
		[ -d "$WGJS_SYS_NET/$1" ] && [ -S "$WGJS_RUN_DIR/$1.sock" ] && return 0
		if sleep 0.1 2>/dev/null; then
			n=$((n + 1))
		else
			sleep 1
			n=$((n + 10))
		fi
	done
	return 1
}

# wgjs_facts CONFIG FACTS: passes uci-sync's output on to netifd (inside an update) and logs
wgjs_facts() {
	local config="$1" kind a b
	while read -r kind a b; do
		case "$kind" in
			private_key)
				# generated because private_key was empty or 'generate': keep it (on stdin,
				# not in uci's arguments, which any process can read in /proc)
				uci -q batch <<-UCI
					set network.$config.private_key='$a'
					commit network
				UCI
				;;
			mtu) ip link set dev "$config" mtu "$a" ;;
			address4) proto_add_ipv4_address "$a" "$b" ;;
			address6) proto_add_ipv6_address "$a" "$b" ;;
			route4) proto_add_ipv4_route "$a" "$b" ;;
			route6) proto_add_ipv6_route "$a" "$b" ;;
			prefix6) proto_add_ipv6_prefix "$a" ;;
			host) proto_add_host_dependency "$config" "$a" "$b" ;;
			# retry: a name that did not resolve; the daemon keeps resolving it
			warn) wgjs_log "$config: $a $b" ;;
		esac
	done <<EOF
$2
EOF
}

# wgjs_sync CONFIG: one uci-sync call and the netifd update built from its output
wgjs_sync() {
	local config="$1" out rc
	out=$("$WGJS" uci-sync ${WGJS_UCI_CONFIG:+--config "$WGJS_UCI_CONFIG"} "$config" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		wgjs_log "$config: $out"
		return "$rc"
	fi
	proto_init_update "$config" 1
	wgjs_facts "$config" "$out"
	proto_send_update "$config"
	return 0
}

# wgjs_env CONFIG: the offload options as daemon environment (proto_export, passed on by
# proto_run_command); fails with the reason logged when an option has a bad value
wgjs_env() {
	local config="$1" out rc line
	out=$("$WGJS" uci-sync ${WGJS_UCI_CONFIG:+--config "$WGJS_UCI_CONFIG"} --env "$config" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		wgjs_log "$config: $out"
		return "$rc"
	fi
	for line in $out; do
		case "$line" in
			WGJS_*=0) proto_export "$line" ;;
			WGJS_LISTEN_ADDRESS=*[!0-9A-Fa-f.:,]* | WGJS_LISTEN_ADDRESS=)
				wgjs_log "$config: unexpected output of wgjs uci-sync --env: $line"
				return 2
				;;
			WGJS_LISTEN_ADDRESS=*) proto_export "$line" ;;
			*)
				wgjs_log "$config: unexpected output of wgjs uci-sync --env: $line"
				return 2
				;;
		esac
	done
	return 0
}

# wgjs_fail CONFIG RC: reports a failed setup to netifd. RC 1 (invalid configuration):
# INVALID_CONFIG, and restarting is blocked until it is fixed; anything else: SYNC_FAILED.
wgjs_fail() {
	if [ "$2" = 1 ]; then
		proto_notify_error "$1" INVALID_CONFIG
		proto_block_restart "$1"
	else
		proto_notify_error "$1" SYNC_FAILED
	fi
	proto_setup_failed "$1"
}

proto_wgjs_setup() {
	local config="$1" rc

	# the section name is the device name
	if [ "${#config}" -gt 15 ]; then
		wgjs_log "$config: interface name longer than 15 characters"
		proto_notify_error "$config" INVALID_NAME
		proto_block_restart "$config"
		return 1
	fi

	# offload options: a bad value keeps the interface down (restart blocked until fixed)
	wgjs_env "$config"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		wgjs_fail "$config" "$rc"
		return 1
	fi

	# a socket file left behind (netifd SIGKILLs its daemons when it exits itself) must not pass
	# for the new daemon's below: no daemon of this interface runs now, so any socket is stale
	rm -f "$WGJS_RUN_DIR/$config.sock"

	# netifd supervises the daemon: if it exits, the interface goes down and is retried
	proto_run_command "$config" "$WGJS" -f "$config"

	if ! wgjs_ready "$config"; then
		wgjs_log "$config: the daemon did not create its device and socket"
		proto_notify_error "$config" DAEMON_NOT_READY
		proto_setup_failed "$config"
		return 1
	fi

	wgjs_sync "$config"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		wgjs_fail "$config" "$rc"
		return 1
	fi
}

proto_wgjs_renew() {
	local config="$1"
	# keeps the link up: an invalid edit is logged and the running configuration stays
	wgjs_sync "$config" || proto_notify_error "$config" SYNC_FAILED
}

proto_wgjs_teardown() {
	local config="$1"
	proto_kill_command "$config"
}

[ -n "$INCLUDE_ONLY" ] || {
	add_protocol wgjs
}
