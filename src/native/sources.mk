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
WGJS_NATIVE_SOURCES = main.c sys.c io.c
WGJS_CFLAGS = -Os -D_GNU_SOURCE -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
WGJS_LDFLAGS = -static -Wl,--gc-sections -s
WGJS_LIBS = -lm
