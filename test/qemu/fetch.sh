#!/usr/bin/env bash
# test/qemu/fetch.sh DEBARCH PKG... : downloads Debian bookworm binary packages for DEBARCH
# (amd64, arm64, armhf, mipsel) into $CACHE/debs/DEBARCH and prints the .deb paths.
# test/qemu/fetch.sh source PKG...  : downloads and unpacks Debian bookworm source packages
# into $CACHE/src/PKG (Debian's patches applied) and prints the directories.
# A private apt state in $CACHE/apt-* is used: the host's apt configuration is untouched, and
# the mirror is read from it at run time (never written into the repository). Anything already
# downloaded is not fetched again.
set -eu
CACHE=${WGJS_QEMU_CACHE:-/var/cache/wgjs-qemu}
arch=$1; shift
# shellcheck source=src/tools/debian.sh
. "$(dirname "$0")/../../src/tools/debian.sh"
mirror=$(deb_mirror)
[ -n "$mirror" ] || { echo "fetch.sh: no Debian mirror in the host's apt sources" >&2; exit 1; }
st=$CACHE/apt-$arch
if [ "$arch" = source ]; then
  deb_apt_state "$st" "deb-src $mirror bookworm main"
else
  deb_apt_state "$st" "deb [arch=$arch] $mirror bookworm main" -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
fi
aopt=("${DEB_APT[@]}")
if [ ! -e "$st/updated" ]; then
  apt-get "${aopt[@]}" update >"$st/update.log" 2>&1 || { tail -n 5 "$st/update.log" >&2; exit 1; }
  touch "$st/updated"
fi
for p in "$@"; do
  if [ "$arch" = source ]; then
    d=$CACHE/src/$p
    if [ ! -e "$d/.done" ]; then
      rm -rf "$d"; mkdir -p "$d/dl"
      (cd "$d/dl" && apt-get "${aopt[@]}" source --download-only "$p" >"$st/dl.log" 2>&1) || { cat "$st/dl.log" >&2; exit 1; }
      # apt checked every file against the signed index; dpkg-source has no keyring for the .dsc
      dpkg-source --no-check -x "$d"/dl/*.dsc "$d/tree" >"$st/dl.log" 2>&1 || { cat "$st/dl.log" >&2; exit 1; }
      touch "$d/.done"
    fi
    echo "$d/tree"
    continue
  fi
  # a meta package (linux-image-amd64) resolves to the real one (linux-image-6.1.0-NN-amd64)
  dep=$(apt-cache "${aopt[@]}" show "$p:$arch" 2>/dev/null | sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' | sed 's/ .*//' | grep '^linux-image-[0-9]' | head -n1 || true)
  [ -n "$dep" ] && p=$dep
  f=$(find "$CACHE/debs/$arch" -maxdepth 1 -name "${p}_*.deb" 2>/dev/null | head -n1)
  if [ -z "$f" ]; then
    mkdir -p "$CACHE/debs/$arch"
    (cd "$CACHE/debs/$arch" && apt-get "${aopt[@]}" download "$p:$arch" >/dev/null 2>"$st/dl.log") || { cat "$st/dl.log" >&2; exit 1; }
    f=$(find "$CACHE/debs/$arch" -maxdepth 1 -name "${p}_*.deb" | head -n1)
  fi
  echo "$f"
done
