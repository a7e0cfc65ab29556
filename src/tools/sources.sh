# The build's C sources from outside (sourced by build.sh): quickjs-ng, libsodium and libb2,
# each verified against its pins in src/native/ (per-file sha256) before it is used, cached in
# .cache/ once verified. Expects ROOT, CACHE, QJS_VERSION, QJS_DIR and die() from build.sh.
#   get_qjs                 sets QJS_DIR to verified quickjs-ng sources (QJS_SRC, the cache, an
#                           upstream tarball with QJS_SHA256, or Debian unstable's qjs-src)
#   get_dep VAR PKG VER SHA256 PINFILE
#                           prints a verified PKG VER tree ($VAR, the cache, or the orig tarball
#                           of Debian's source package through src/tools/debsrc.sh)
# shellcheck source=src/tools/debian.sh
. "$ROOT/src/tools/debian.sh"

# ---------------------------------------------------------------- quickjs-ng
verify_qjs() { # verify_qjs DIR : version and per-file sha256 pins
  local d=$1 v
  [ -f "$d/quickjs.h" ] || { echo "no quickjs.h in $d"; return 1; }
  v=$(awk '/#define QJS_VERSION_MAJOR/{M=$3} /#define QJS_VERSION_MINOR/{m=$3} /#define QJS_VERSION_PATCH/{p=$3} END{print M"."m"."p}' "$d/quickjs.h")
  if [ "$v" != "$QJS_VERSION" ]; then
    echo "quickjs-ng in $d is version $v, but wgjs pins $QJS_VERSION"
    return 1
  fi
  if ! (cd "$d" && sha256sum --quiet -c "$ROOT/src/native/qjs-src.sha256" >/dev/null 2>&1); then
    echo "quickjs-ng $v in $d does not match the pinned sha256 of its sources:"
    (cd "$d" && sha256sum -c "$ROOT/src/native/qjs-src.sha256" 2>&1 | grep -v ': OK$' | sed 's/^/  /') || true
    return 1
  fi
}

fetch_qjs_debian() { # Debian unstable's qjs-src through a private apt state (system apt untouched)
  local mirror st=$CACHE/apt-sid
  mirror=$(deb_mirror)
  [ -n "$mirror" ] || { echo "no Debian mirror found in the system's apt sources"; return 1; }
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "apt-get/dpkg-deb missing"; return 1; }
  rm -rf "$st"; mkdir -p "$st/dl"
  deb_apt_state "$st" "deb $mirror sid main"
  local aopt=("${DEB_APT[@]}")
  echo "== quickjs-ng: Debian unstable's qjs-src through a private apt state"
  apt-get "${aopt[@]}" update >"$st/update.log" 2>&1 || { tail -n 5 "$st/update.log"; return 1; }
  local ver
  ver=$(apt-cache "${aopt[@]}" show qjs-src 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
  case $ver in
    "$QJS_VERSION"-*) ;;
    "") echo "Debian unstable has no qjs-src package"; return 1 ;;
    *) echo "Debian unstable ships qjs-src $ver, but wgjs pins quickjs-ng $QJS_VERSION (set QJS_SRC to a $QJS_VERSION source tree)"; return 1 ;;
  esac
  (cd "$st/dl" && apt-get "${aopt[@]}" download "qjs-src=$ver" >"$st/download.log" 2>&1) || { tail -n 5 "$st/download.log"; return 1; }
  rm -rf "$st/x"; dpkg-deb -x "$st"/dl/qjs-src_*.deb "$st/x"
  rm -rf "$QJS_DIR.tmp"; mkdir -p "$QJS_DIR.tmp"
  cp -a "$st/x/usr/src/quickjs-ng/." "$QJS_DIR.tmp/"
}

# Upstream release tarball: its sha256 could not be verified from this project's machines (no
# access to github.com here), so none is pinned: that path runs only when the user supplies the
# tarball's sha256 as QJS_SHA256 (and the unpacked files must still match the per-file pins,
# which were taken from Debian's qjs-src 0.17.0).
QJS_URL=${QJS_URL:-https://github.com/quickjs-ng/quickjs/archive/refs/tags/v$QJS_VERSION.tar.gz}
fetch_qjs_tarball() {
  local tb=${QJS_TARBALL:-$CACHE/quickjs-ng-v$QJS_VERSION.tar.gz} sum
  if [ -z "${QJS_TARBALL:-}" ]; then
    echo "== quickjs-ng: $QJS_URL"
    if command -v curl >/dev/null; then curl -fsSL -o "$tb.part" "$QJS_URL" || return 1
    else wget -q -O "$tb.part" "$QJS_URL" || return 1; fi
    mv "$tb.part" "$tb"
  fi
  sum=$(sha256sum "$tb" | awk '{print $1}')
  if [ -n "${QJS_SHA256:-}" ] && [ "$sum" != "$QJS_SHA256" ]; then
    echo "$tb: sha256 $sum, expected QJS_SHA256=$QJS_SHA256" >&2; return 1
  fi
  mkdir -p "$QJS_DIR.tmp"
  tar -xzf "$tb" -C "$QJS_DIR.tmp" --strip-components=1 || { echo "cannot unpack $tb" >&2; return 1; }
}

get_qjs() { # sets QJS_DIR to verified quickjs-ng sources
  if [ -n "${QJS_SRC:-}" ]; then   # 1. a directory given by the user
    verify_qjs "$QJS_SRC" >&2 || die "QJS_SRC=$QJS_SRC rejected"
    QJS_DIR=$(cd "$QJS_SRC" && pwd); return
  fi
  if [ -f "$QJS_DIR/.verified" ]; then   # 2. the local cache (.cache/, git-ignored)
    verify_qjs "$QJS_DIR" >&2 || die "cached quickjs-ng in $QJS_DIR is corrupt: delete it and rebuild"
    return
  fi
  rm -rf "$QJS_DIR.tmp"
  if [ -n "${QJS_TARBALL:-}" ] || [ -n "${QJS_SHA256:-}" ]; then   # 3. upstream release tarball
    fetch_qjs_tarball || die "quickjs-ng release tarball rejected (QJS_TARBALL/QJS_SHA256/QJS_URL)"
  else   # 4. Debian unstable's qjs-src through a private apt state
    fetch_qjs_debian >&2 || die "could not obtain quickjs-ng $QJS_VERSION sources (set QJS_SRC=DIR, or QJS_SHA256=<sha256 of $QJS_URL>)"
  fi
  verify_qjs "$QJS_DIR.tmp" >&2 || die "quickjs-ng sources rejected"
  rm -rf "$QJS_DIR"; mv "$QJS_DIR.tmp" "$QJS_DIR"; touch "$QJS_DIR/.verified"
}
# ---------------------------------------------------------------- libsodium and libb2
pins_ok() { # pins_ok DIR PINFILE : every pinned file present and matching
  (cd "$1" && sha256sum --quiet -c "$ROOT/$2" >/dev/null 2>&1)
}
pins_report() {
  (cd "$1" && sha256sum -c "$ROOT/$2" 2>&1 | grep -v ': OK$' | head -n 5 | sed 's/^/  /') >&2 || true
}
get_dep() { # get_dep OVERRIDE-VAR PACKAGE VERSION ORIG-SHA256 PINFILE : prints a verified tree
  local var=$1 pkg=$2 ver=$3 sum=$4 pins=$5 d=$CACHE/$2-$3
  if [ -n "${!var:-}" ]; then
    pins_ok "${!var}" "$pins" || { echo "build.sh: $var=${!var} is not $pkg $ver as pinned in $pins:" >&2; pins_report "${!var}" "$pins"; return 1; }
    (cd "${!var}" && pwd); return
  fi
  if [ -f "$d/.verified" ]; then
    pins_ok "$d" "$pins" || { echo "build.sh: cached $pkg in $d is corrupt: delete it and rebuild" >&2; return 1; }
    echo "$d"; return
  fi
  bash src/tools/debsrc.sh "$pkg" "$ver" "$sum" "$d" || { echo "build.sh: could not obtain $pkg $ver (set $var=DIR to a $pkg $ver source tree)" >&2; return 1; }
  pins_ok "$d" "$pins" || { echo "build.sh: $pkg $ver does not match $pins:" >&2; pins_report "$d" "$pins"; return 1; }
  touch "$d/.verified"; echo "$d"
}
