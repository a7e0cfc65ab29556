/* wgjs:crypto — native cryptographic primitives (libsodium + libb2); see crypto.c. */
#ifndef WGJS_CRYPTO_H
#define WGJS_CRYPTO_H
#include "quickjs.h"
JSModuleDef *js_init_module_crypto(JSContext *ctx, const char *name);
#endif
