#!/usr/bin/env bash
# Builds OpenWrt's `uci` CLI (libuci) from sources you have, for test/openwrt/uci-diff.mjs:
#   UCI_SRC=DIR UBOX_SRC=DIR bash test/openwrt/build-uci.sh OUT    (e.g. checkouts of
#   github.com/openwrt/uci and github.com/openwrt/libubox; nothing is downloaded here)
# Only what the CLI needs is compiled (libuci, libubox's blob/blobmsg), with the host's gcc.
set -eu
: "${UCI_SRC:?set UCI_SRC to an openwrt/uci checkout}" "${UBOX_SRC:?set UBOX_SRC to an openwrt/libubox checkout}"
out=${1:?usage: build-uci.sh OUT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/inc/libubox"
cp "$UBOX_SRC"/*.h "$tmp/inc/libubox/"
: >"$tmp/inc/uci_config.h"
(cd "$UCI_SRC" && gcc -O1 -w -I"$tmp/inc" -I. -o "$out" cli.c libuci.c file.c util.c delta.c parse.c blob.c \
  "$UBOX_SRC/blob.c" "$UBOX_SRC/blobmsg.c")
echo "built $out"
