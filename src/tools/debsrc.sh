#!/usr/bin/env bash
# Fetches the upstream (orig) tarball of a Debian source package through a private apt state
# (deb-src, Debian unstable, the machine's own Debian mirror; the system's apt configuration is
# never touched), checks its pinned sha256 and unpacks it.
#   src/tools/debsrc.sh PACKAGE UPSTREAM-VERSION SHA256 DESTDIR
# DESTDIR receives the tarball's top directory's contents. Exit 0 on success; otherwise a message
# on stderr saying what was found instead.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 PACKAGE UPSTREAM-VERSION SHA256 DESTDIR" >&2; exit 2; }
pkg=$1 ver=$2 sum=$3 dest=$4
root=$(cd "$(dirname "$0")/../.." && pwd)
st=$root/.cache/apt-src
die() { echo "debsrc: $*" >&2; exit 1; }

# shellcheck source=src/tools/debian.sh
. "$root/src/tools/debian.sh"
mirror=$(deb_mirror)
[ -n "$mirror" ] || die "no Debian mirror found in the system's apt sources"
command -v apt-get >/dev/null || die "apt-get missing"

# one apt state for every package of this build; refreshed when older than a day
if [ ! -f "$st/updated" ] || [ -n "$(find "$st/updated" -mmin +1440 2>/dev/null)" ]; then
  rm -rf "$st"
  deb_apt_state "$st" "deb-src $mirror sid main"
  apt-get "${DEB_APT[@]}" update >"$st/update.log" 2>&1 || { tail -n 5 "$st/update.log" >&2; die "apt-get update (deb-src sid) failed"; }
  touch "$st/updated"
fi
deb_apt_state "$st" "deb-src $mirror sid main"
dl=$(mktemp -d "$root/.cache/dl-$pkg.XXXXXX")
trap 'rm -rf "$dl"' EXIT
echo "== $pkg $ver: Debian unstable's source package (orig tarball, sha256 pinned)" >&2
(cd "$dl" && apt-get "${DEB_APT[@]}" source --download-only "$pkg" >"$dl/log" 2>&1) || { tail -n 5 "$dl/log" >&2; die "apt-get source $pkg failed"; }
tb=$(ls "$dl"/"${pkg}_${ver}".orig.tar.* 2>/dev/null | head -n1 || true)
if [ -z "$tb" ]; then
  found=$(cd "$dl" && ls ./*.orig.tar.* 2>/dev/null | sed 's|^\./||' | tr '\n' ' ')
  die "Debian unstable's $pkg is not upstream $ver (found: ${found:-nothing}); point the build at a $pkg $ver source tree instead"
fi
got=$(sha256sum "$tb" | awk '{print $1}')
[ "$got" = "$sum" ] || die "$(basename "$tb"): sha256 $got, pinned $sum"
rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
tar -xf "$tb" -C "$dest.tmp" --strip-components=1 || die "cannot unpack $(basename "$tb")"
rm -rf "$dest"; mv "$dest.tmp" "$dest"
