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

mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 | awk '{print $1}')
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || die "no Debian mirror found in the system's apt sources"
command -v apt-get >/dev/null || die "apt-get missing"

aopt=(-o "Dir::Etc::SourceList=$st/etc/sources.list" -o "Dir::Etc::SourceParts=$st/etc/none"
      -o "Dir::State::Lists=$st/lists" -o "Dir::State::Status=$st/status" -o "Dir::Cache=$st/cache"
      -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -q)
# one apt state for every package of this build; refreshed when older than a day
if [ ! -f "$st/updated" ] || [ -n "$(find "$st/updated" -mmin +1440 2>/dev/null)" ]; then
  rm -rf "$st"; mkdir -p "$st/lists/partial" "$st/cache/archives/partial" "$st/etc"
  : >"$st/status"
  echo "deb-src $mirror sid main" >"$st/etc/sources.list"
  apt-get "${aopt[@]}" update >"$st/update.log" 2>&1 || { tail -n 5 "$st/update.log" >&2; die "apt-get update (deb-src sid) failed"; }
  touch "$st/updated"
fi
dl=$(mktemp -d "$root/.cache/dl-$pkg.XXXXXX")
trap 'rm -rf "$dl"' EXIT
echo "== $pkg $ver: Debian unstable's source package (orig tarball, sha256 pinned)" >&2
(cd "$dl" && apt-get "${aopt[@]}" source --download-only "$pkg" >"$dl/log" 2>&1) || { tail -n 5 "$dl/log" >&2; die "apt-get source $pkg failed"; }
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
