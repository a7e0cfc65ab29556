# Shared helpers for the end-to-end tests (sourced). Every test builds its own namespaces with
# unique names, starts its own daemons, and removes all of it on exit (trap).
# Needs root, iproute2, wireguard-tools (the stock `wg`), and optionally wireguard-go.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WGJS=${WGJS:-$ROOT/build/x86_64/wgjs}
WG=${WG:-wg}
TAG=${TAG:-e$$}
E2E_PASS=0
E2E_FAIL=0
PIDS=()
IFS_CREATED=()

cleanup() {
  local p n
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  # namespaces are made in command substitutions (subshells), so find them by their prefix
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^wgjs-$TAG-"); do
    for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null; done
    ip netns del "$n" 2>/dev/null
  done
  for n in "${IFS_CREATED[@]}"; do rm -f "/var/run/wireguard/$n.sock"; done
  return 0
}
trap cleanup EXIT
trap "exit 130" INT TERM

ok() { E2E_PASS=$((E2E_PASS + 1)); echo "ok - $*"; }
nok() { E2E_FAIL=$((E2E_FAIL + 1)); echo "not ok - $*"; }
check() { # check "description" cmd...
  local d=$1; shift
  if "$@"; then ok "$d"; else nok "$d"; fi
}
finish() {
  echo "$(basename "$0" .sh): $E2E_PASS passed, $E2E_FAIL failed"
  [ "$E2E_FAIL" -eq 0 ]
}

need_root() {
  if [ "$(id -u)" != 0 ]; then echo "e2e tests need root (network namespaces, TUN)"; echo "0 passed, 1 failed"; exit 1; fi
}

ns() { # ns NAME -> creates namespace "wgjs-$TAG-NAME", echoes its name
  local n="wgjs-$TAG-$1"
  ip netns add "$n" || return 1
  ip -n "$n" link set lo up
  echo "$n"
}
nsx() { local n=$1; shift; ip netns exec "$n" "$@"; }

# link NS1 NS2 IDX : veth between two namespaces; v4 10.$IDX.0.{1,2}/24, v6 fd00:$IDX::{1,2}/64
link() {
  local a=$1 b=$2 i=$3
  ip link add "va$TAG$i" netns "$a" type veth peer name "vb$TAG$i" netns "$b" || return 1
  ip -n "$a" addr add "10.$i.0.1/24" dev "va$TAG$i"
  ip -n "$b" addr add "10.$i.0.2/24" dev "vb$TAG$i"
  ip -n "$a" addr add "fd00:$i::1/64" dev "va$TAG$i" nodad
  ip -n "$b" addr add "fd00:$i::2/64" dev "vb$TAG$i" nodad
  ip -n "$a" link set "va$TAG$i" up
  ip -n "$b" link set "vb$TAG$i" up
}

# start IMPL NS IFNAME : IMPL is wgjs, wggo (wireguard-go on PATH) or sid (the binary $WGGO_SID,
# e.g. Debian sid's from test/bench/wggo-sid.sh); waits for the UAPI socket. WGJS_ENV="VAR=VALUE ..."
# (optional) goes into the wgjs daemon's environment only, e.g. WGJS_ENV=WGJS_OFFLOAD=0 start wgjs ...
start() {
  local impl=$1 n=$2 ifn=$3
  local log="$ROOT/build/test-logs/$ifn.$impl.log"
  mkdir -p "$ROOT/build/test-logs"
  IFS_CREATED+=("$ifn")
  # shellcheck disable=SC2086 # WGJS_ENV: words
  case $impl in
    wgjs) LOG_LEVEL=${LOG_LEVEL:-verbose} ip netns exec "$n" env ${WGJS_ENV:-} "$WGJS" -f "$ifn" >"$log" 2>&1 & ;;
    wggo) ip netns exec "$n" env LOG_LEVEL=error wireguard-go -f "$ifn" >"$log" 2>&1 & ;;
    sid) ip netns exec "$n" env LOG_LEVEL=error "${WGGO_SID:?WGGO_SID unset}" -f "$ifn" >"$log" 2>&1 & ;;
    *) echo "unknown impl $impl"; return 1 ;;
  esac
  PIDS+=($!)
  local i p=$!
  for i in $(seq 1 200); do
    [ -S "/var/run/wireguard/$ifn.sock" ] && ip -n "$n" link show "$ifn" >/dev/null 2>&1 && return 0
    kill -0 "$p" 2>/dev/null || break
    sleep 0.05
  done
  echo "daemon $impl $ifn did not come up:"; cat "$log"
  return 1
}

# addr NS IFNAME V4 V6 : inner addresses and link up
inner() {
  local n=$1 ifn=$2
  ip -n "$n" addr add "$3" dev "$ifn"
  ip -n "$n" addr add "$4" dev "$ifn" nodad
  ip -n "$n" link set "$ifn" up
}

genkey() { "$WG" genkey; }
pubkey() { echo "$1" | "$WG" pubkey; }
keyfile() { local f; f=$(mktemp); chmod 600 "$f"; echo "$1" >"$f"; echo "$f"; }

# dump field helpers: peer line of `wg show IF dump` for a public key
peer_field() { # peer_field NS IF PUBKEY FIELDNO (dump columns: 1 pub 2 psk 3 endpoint 4 allowed 5 hs 6 rx 7 tx 8 ka)
  nsx "$1" "$WG" show "$2" dump | awk -v k="$3" -v f="$4" 'NR>1 && $1==k {print $f}'
}
