#!/usr/bin/env bash
# Consistency of package/wgjs/Makefile with the repository (it cannot be built here without an
# OpenWrt buildroot):
#  - it installs every file under files/ at the same path, executables with INSTALL_BIN;
#  - it takes the C sources and flags from src/native/sources.mk, as build.sh does, and every
#    listed source exists (native ones in src/native, engine ones pinned in qjs-src.sha256);
#  - its qjsc flags equal build.sh's, its version equals package.json's.
# WGJS_PACKAGE_BUILD=1 also runs the Makefile through a minimal stand-in for OpenWrt's
# rules.mk/package.mk with the host compiler (needs the quickjs-ng sources build.sh fetched
# into .cache/), then checks the installed tree and runs the binary. About a minute.
#   bash test/openwrt/package.sh   -> ends with "N passed, N failed"
set -u
cd "$(dirname "$0")/../.."
MK=package/wgjs/Makefile
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
not_ok() { fail=$((fail + 1)); echo "FAIL - $*"; }

# ---------------------------------------------------------------- files/ <-> install lines
# "<macro> $(WGJS_ROOT)/files/SRC $(1)/DST" lines of Package/wgjs/install
installs=$(sed -n '/^define Package\/wgjs\/install$/,/^endef$/p' "$MK" |
  sed -n 's/^\t\$(\(INSTALL_BIN\|INSTALL_DATA\|INSTALL_CONF\)) \$(WGJS_ROOT)\/files\/\([^ ]*\) \$(1)\/\([^ ]*\)$/\1 \2 \3/p')
[ -n "$installs" ] && ok "Makefile: install lines found" || not_ok "Makefile: no install lines for files/ found"
while read -r macro src dst; do
  [ -n "$macro" ] || continue
  if [ "$src" != "$dst" ]; then not_ok "installed at another path: files/$src -> /$dst"; continue; fi
  if [ ! -f "files/$src" ]; then not_ok "Makefile installs files/$src, which does not exist"; continue; fi
  if [ -x "files/$src" ] && [ "$macro" != INSTALL_BIN ]; then not_ok "files/$src is executable but installed with $macro"; continue; fi
  if [ ! -x "files/$src" ] && [ "$macro" = INSTALL_BIN ]; then not_ok "files/$src is not executable but installed with INSTALL_BIN"; continue; fi
  ok "installs files/$src ($macro)"
done <<<"$installs"
while IFS= read -r f; do
  rel=${f#files/}
  if awk -v s="$rel" '$2 == s { found = 1 } END { exit !found }' <<<"$installs"; then :; else not_ok "files/$rel is not installed by $MK"; fi
done < <(find files -type f | sort)
dirs_ok=1
while read -r _ _ dst; do
  [ -n "$dst" ] || continue
  d=$(dirname "$dst")
  grep -qF "\$(INSTALL_DIR) \$(1)/$d" "$MK" || { dirs_ok=0; not_ok "no INSTALL_DIR for /$d"; }
done <<<"$installs"
[ $dirs_ok = 1 ] && ok "every install directory is created"

# ---------------------------------------------------------------- sources and flags
grep -qE '^include \$\(WGJS_ROOT\)/src/native/sources\.mk$' "$MK" && ok "Makefile includes src/native/sources.mk" || not_ok "Makefile does not include src/native/sources.mk"
grep -q 'src/native/sources.mk' build.sh && ok "build.sh reads src/native/sources.mk" || not_ok "build.sh does not read src/native/sources.mk"
for v in QJS_ENGINE_SOURCES WGJS_NATIVE_SOURCES QJS_HOST_QJSC_SOURCES QJS_TARGET_DEFS QJSC_FLAGS WGJS_CFLAGS WGJS_LDFLAGS WGJS_LIBS; do
  grep -q "\$$v\b\|\${$v}" build.sh || { not_ok "build.sh does not use $v"; continue; }
  grep -q "\$($v)\|\$($v:" "$MK" || { not_ok "Makefile does not use $v"; continue; }
  ok "both use $v"
done
# no C file named outside sources.mk
if grep -nE '[A-Za-z0-9_-]+\.c\b' "$MK" | grep -vE 'main_bc\.c|\$\(1\)|%\.c|\.c=\.o|^\s*[0-9]+:#'; then
  not_ok "Makefile names C files directly (they belong in src/native/sources.mk)"
else
  ok "Makefile names no C file of its own"
fi
mkval() { sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" src/native/sources.mk; }
for f in $(mkval WGJS_NATIVE_SOURCES); do
  [ -f "src/native/$f" ] && ok "native source $f exists" || not_ok "native source $f missing"
done
for f in src/native/*.c; do
  b=$(basename "$f")
  case " $(mkval WGJS_NATIVE_SOURCES) " in *" $b "*) ;; *) not_ok "src/native/$b is in no source list" ;; esac
done
for f in $(mkval QJS_ENGINE_SOURCES) $(mkval QJS_HOST_QJSC_SOURCES); do
  grep -q "  $f\$" src/native/qjs-src.sha256 || not_ok "engine source $f has no sha256 pin"
done
ok "engine sources are pinned"

# qjsc flags: build.sh's `"$@" FLAGS -o "$out/main_bc.c"` line vs WGJS_QJSC_FLAGS
sh_flags=$(sed -n 's/^[[:space:]]*"\$@" \(.*\) -o "\$out\/main_bc\.c".*/\1/p' build.sh | sed 's/\$QJSC_FLAGS\|\${QJSC_FLAGS}/$(QJSC_FLAGS)/g')
mk_flags=$(sed -n 's/^WGJS_QJSC_FLAGS:=//p' "$MK")
if [ -n "$sh_flags" ] && [ "$sh_flags" = "$mk_flags" ]; then ok "qjsc flags equal ($mk_flags)"; else not_ok "qjsc flags differ: build.sh '$sh_flags', Makefile '$mk_flags'"; fi
pj=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json | head -n1)
mv=$(sed -n 's/^PKG_VERSION:=//p' "$MK")
[ "$pj" = "$mv" ] && ok "version $mv = package.json" || not_ok "PKG_VERSION $mv != package.json $pj"
grep -q '^  DEPENDS:=.*+kmod-tun' "$MK" && ok "depends on kmod-tun" || not_ok "no +kmod-tun dependency"

# ---------------------------------------------------------------- optional mock build
if [ "${WGJS_PACKAGE_BUILD:-0}" = 1 ]; then
  QV=$(mkval QJS_VERSION)
  QSRC=.cache/quickjs-ng-$QV
  if [ ! -f "$QSRC/quickjs.c" ]; then
    not_ok "mock build: no quickjs-ng sources in $QSRC (run ./build.sh first)"
  else
    M=$(mktemp -d /tmp/wgjs-owrt.XXXXXX)
    mkdir -p "$M/include" "$M/dl" "$M/root"
    tar -czf "$M/dl/quickjs-ng-$QV.tar.gz" -C .cache --transform "s|^quickjs-ng-$QV|quickjs-$QV|" "quickjs-ng-$QV"
    cat >"$M/rules.mk" <<EOF
INCLUDE_DIR:=$M/include
BUILD_DIR:=$M/build_dir
DL_DIR:=$M/dl
ARCH:=$(uname -m)
TARGET_CC:=cc
TARGET_CFLAGS:=-Os -pipe
TARGET_CPPFLAGS:=
TARGET_LDFLAGS:=
HOSTCC:=cc
HOST_CFLAGS:=-O1
TAR:=tar
CP:=cp -fpR
LN:=ln -sf
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
INSTALL_DATA:=install -m0644
EOF
    cat >"$M/include/package.mk" <<'EOF'
# stand-in for OpenWrt's package.mk: prepare, compile, install each package into MOCK_ROOT/NAME
PKG_BUILD_DIR?=$(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)
mock-all:
Download=$(eval $(Download/$(1)))
mock-built:
	rm -rf $(PKG_BUILD_DIR) && mkdir -p $(PKG_BUILD_DIR)
	$(Build/Prepare)
	$(Build/Compile)
define BuildPackage
mock-install-$(1): mock-built
	rm -rf $(MOCK_ROOT)/$(1) && mkdir -p $(MOCK_ROOT)/$(1)
	$$(call Package/$(1)/install,$(MOCK_ROOT)/$(1))
mock-all: mock-install-$(1)
endef
EOF
    if make -s -C package/wgjs TOPDIR="$M" MOCK_ROOT="$M/root" >"$M/build.log" 2>&1; then
      ok "mock build: Makefile ran through prepare, compile and install"
      (cd "$M/root/wgjs" && find . -type f -o -type l | sed 's|^\./||' | sort) >"$M/installed"
      { echo usr/bin/wgjs; (cd files && find . -type f | sed 's|^\./||'); } | sort >"$M/expected"
      if diff -u "$M/expected" "$M/installed"; then ok "mock build: installed tree = usr/bin/wgjs + files/"; else not_ok "mock build: installed tree differs"; fi
      [ "$(readlink "$M/root/wgjs-wg/usr/bin/wg")" = wgjs ] && ok "mock build: wgjs-wg links wg -> wgjs" || not_ok "mock build: no wg link"
      out=$("$M/root/wgjs/usr/bin/wgjs" --version 2>&1)
      case $out in "wgjs $pj "*) ok "mock build: binary runs: $out" ;; *) not_ok "mock build: binary says '$out'" ;; esac
    else
      tail -n 20 "$M/build.log"
      not_ok "mock build failed"
    fi
    rm -rf "$M"
  fi
fi

echo "openwrt package: $pass passed, $fail failed"
[ "$fail" = 0 ]
