# One list of C sources and flags, read by build.sh and by package/wgjs/Makefile.
# (Plain NAME = value lines: both make and build.sh's parser read them.)
QJS_VERSION = 0.17.0
QJS_ENGINE_SOURCES = quickjs.c libregexp.c libunicode.c dtoa.c quickjs-libc.c
QJS_HOST_QJSC_SOURCES = qjsc.c quickjs.c libregexp.c libunicode.c dtoa.c quickjs-libc.c
# The product only loads precompiled bytecode: its engine is built without the JS parser
# (eval/new Function/std.evalScript throw), ~140 KB less on mips, and without Atomics
# (__STDC_NO_ATOMICS__ turns CONFIG_ATOMICS off; wgjs has no threads), ~13 KB. qjsc keeps both.
QJS_TARGET_DEFS = -DQJS_DISABLE_PARSER -D__STDC_NO_ATOMICS__=1
# qjsc: -s strips the source, -ss also the debug info (line numbers: ~20 KB of a 130 KB bundle).
# The test binary keeps line numbers so failures point into build/js/test.mjs.
QJSC_FLAGS = -ss
QJSC_TEST_FLAGS = -s
WGJS_NATIVE_SOURCES = main.c sys.c net.c fs.c proc.c io.c offload.c crypto.c
# Native crypto (src/native/crypto.c, module wgjs:crypto): build-time dependencies fetched from
# Debian's source packages (orig tarball sha256 below, every compiled or included file pinned in
# src/native/libsodium-src.sha256 and libb2-src.sha256); never committed.
SODIUM_VERSION = 1.0.22
SODIUM_ORIG_SHA256 = 5838bb0c3da6148c24ebe531d1ed1297de9a87aea77d426bcd99f289e681631c
# paths below src/libsodium: the AEADs, ChaCha20 (portable), Poly1305 (donna), X25519 (ref10),
# HChaCha20 and the helpers they call; sodium_init (core.c) is not compiled: crypto.c probes the
# CPU and calls each primitive's implementation picker itself
SODIUM_SOURCES = crypto_aead/chacha20poly1305/aead_chacha20poly1305.c crypto_aead/xchacha20poly1305/aead_xchacha20poly1305.c crypto_core/hchacha20/core_hchacha20.c crypto_stream/chacha20/stream_chacha20.c crypto_stream/chacha20/ref/chacha20_ref.c crypto_onetimeauth/poly1305/onetimeauth_poly1305.c crypto_onetimeauth/poly1305/donna/poly1305_donna.c crypto_scalarmult/curve25519/scalarmult_curve25519.c crypto_scalarmult/curve25519/ref10/x25519_ref10.c crypto_core/ed25519/ref10/ed25519_ref10.c crypto_verify/verify.c sodium/utils.c sodium/runtime.c
# x86_64 adds the SIMD implementations chosen at run time (SSSE3/AVX2 ChaCha20, SSE2 Poly1305,
# AVX X25519), as upstream's own build does
SODIUM_X86_64_SOURCES = crypto_stream/chacha20/dolbeau/chacha20_dolbeau-ssse3.c crypto_stream/chacha20/dolbeau/chacha20_dolbeau-avx2.c crypto_onetimeauth/poly1305/sse2/poly1305_sse2.c crypto_scalarmult/curve25519/sandy2x/curve25519_sandy2x.c crypto_scalarmult/curve25519/sandy2x/fe51_invert.c crypto_scalarmult/curve25519/sandy2x/fe_frombytes_sandy2x.c crypto_scalarmult/curve25519/sandy2x/sandy2x.S
SODIUM_DEFS = -DCONFIGURED=1 -DHAVE_EXPLICIT_BZERO=1
# public keys go through the ladder (crypto.c, x25519Base): the Edwards fixed-base code and its
# 30 KB table drop out when ref10's one caller is pointed at crypto.c's unreachable stub
SODIUM_X25519_REF10_DEFS = -Dge25519_scalarmult_base=wgjs_no_fixed_base
SODIUM_X86_64_DEFS = -DHAVE_TI_MODE=1 -DHAVE_CPUID=1 -DHAVE_AVX_ASM=1 -DHAVE_EMMINTRIN_H=1 -DHAVE_PMMINTRIN_H=1 -DHAVE_TMMINTRIN_H=1 -DHAVE_SMMINTRIN_H=1 -DHAVE_AVXINTRIN_H=1 -DHAVE_AVX2INTRIN_H=1
SODIUM_AARCH64_DEFS = -DHAVE_TI_MODE=1
B2_VERSION = 0.98.1
B2_ORIG_SHA256 = 10053dbc2fa342516b780a6bbf6e7b2a2360b8d49c5ac426936bf3df82526732
# paths below the libb2 tree: the reference BLAKE2s (handshake-time only: SIMD buys nothing there)
B2_SOURCES = src/blake2s-ref.c
WGJS_CFLAGS = -Os -D_GNU_SOURCE -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
WGJS_LDFLAGS = -static -Wl,--gc-sections -s
WGJS_LIBS = -lm
