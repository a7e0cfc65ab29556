# A recording stand-in for netifd's /lib/netifd/netifd-proto.sh, for running proto handlers
# outside OpenWrt (test/openwrt/proto.sh). Every proto_* call appends one line to $PROTO_CALLS:
# the function name and its arguments separated by single spaces. proto_run_command starts the
# command in the background as netifd would (pid in $PROTO_STATE/<interface>.task), with the
# VAR=value entries given to proto_export before it added to its environment (and nothing else
# of the stub's bookkeeping), and proto_kill_command stops it. `sh handler.sh PROTO dump` prints what init_config declared.
# shellcheck shell=dash disable=SC2317,SC2034

: "${PROTO_CALLS:?}" "${PROTO_STATE:?}"

_rec() {
	echo "$*" >>"$PROTO_CALLS"
}

config_add_int() { _CONFIG="${_CONFIG}int:$1 "; }
config_add_string() { _CONFIG="${_CONFIG}string:$1 "; }
config_add_boolean() { _CONFIG="${_CONFIG}boolean:$1 "; }
config_add_array() { _CONFIG="${_CONFIG}array:$1 "; }
proto_config_add_int() { config_add_int "$@"; }
proto_config_add_string() { config_add_string "$@"; }
proto_config_add_boolean() { config_add_boolean "$@"; }
proto_config_add_array() { config_add_array "$@"; }

proto_init_update() { _rec proto_init_update "$@"; }
proto_add_ipv4_address() { _rec proto_add_ipv4_address "$@"; }
proto_add_ipv6_address() { _rec proto_add_ipv6_address "$@"; }
proto_add_ipv4_route() { _rec proto_add_ipv4_route "$@"; }
proto_add_ipv6_route() { _rec proto_add_ipv6_route "$@"; }
proto_add_ipv6_prefix() { _rec proto_add_ipv6_prefix "$@"; }
proto_add_dns_server() { _rec proto_add_dns_server "$@"; }
proto_add_host_dependency() { _rec proto_add_host_dependency "$@"; }
proto_send_update() { _rec proto_send_update "$@"; }
proto_notify_error() { _rec proto_notify_error "$@"; }
proto_block_restart() { _rec proto_block_restart "$@"; }
proto_setup_failed() { _rec proto_setup_failed "$@"; }
proto_set_available() { _rec proto_set_available "$@"; }

# as netifd-proto.sh: each entry kept in a variable VAR<n>, their names in _EXPORT_VARS
proto_export() {
	local var="VAR${_EXPORT_VAR:-0}"
	_rec proto_export "$@"
	_EXPORT_VAR=$((${_EXPORT_VAR:-0} + 1))
	export -- "$var=$1"
	_EXPORT_VARS="${_EXPORT_VARS:+$_EXPORT_VARS }$var"
}

proto_run_command() {
	local interface="$1"
	_rec proto_run_command "$@"
	shift
	(
		for var in $_EXPORT_VARS; do
			eval "entry=\${$var}"
			unset "$var"
			# shellcheck disable=SC2163,SC2154 # assigned by the eval; exports the variable named in the entry (VAR=value)
			export -- "$entry"
		done
		unset entry var
		exec "$@" </dev/null >>"$PROTO_STATE/$interface.task.log" 2>&1
	) &
	echo "$!" >"$PROTO_STATE/$interface.task"
}

proto_kill_command() {
	local interface="$1" pid
	_rec proto_kill_command "$@"
	pid=$(cat "$PROTO_STATE/$interface.task" 2>/dev/null) || return 0
	kill -"${2:-15}" "$pid" 2>/dev/null
	rm -f "$PROTO_STATE/$interface.task"
}

init_proto() {
	proto="$1"
	cmd="$2"
	case "$cmd" in
		dump)
			add_protocol() {
				no_device=0 available=0 renew_handler=0 no_proto_task=0 _CONFIG=
				eval "proto_$1_init_config"
				echo "name=$1"
				echo "config=$_CONFIG"
				echo "no_device=$no_device available=$available renew_handler=$renew_handler no_proto_task=$no_proto_task"
			}
			;;
		setup | teardown | renew)
			_EXPORT_VAR=0
			_EXPORT_VARS=
			interface="$3"
			data="$4"
			ifname="$5"
			add_protocol() {
				[ "$proto" = "$1" ] || return 0
				eval "proto_$1_$cmd \"\$interface\" \"\$ifname\""
			}
			;;
	esac
}
