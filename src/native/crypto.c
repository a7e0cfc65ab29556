/* wgjs:crypto — the cryptographic primitives of WireGuard, natively: ChaCha20-Poly1305,
 * XChaCha20-Poly1305 and X25519 from libsodium, BLAKE2s from libb2 (both fetched at build time
 * from Debian source packages and hash-pinned, see src/native/sources.mk). No protocol logic:
 * src/crypto/native.ts is the only caller and the src/crypto files say what each function is for.
 *
 * Rules of this file:
 * - Bytes only: every output goes into a buffer the caller owns; nothing is allocated per call,
 *   no JS object is created on the packet path, a failed authentication returns false (never an
 *   exception).
 * - Every numeric argument is converted BEFORE any buffer pointer is taken (a conversion may run
 *   JS code that detaches a buffer).
 * - Wire-format bytes (nonces) are written byte by byte, the same on little- and big-endian
 *   targets. The opaque MAC states (blake2s_state) are host-order C structs: JS never reads them.
 * - Temporary secrets (HMAC pads, PRKs, subkeys) are wiped before returning.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/random.h>

#include "quickjs.h"
#include "crypto.h"
#include "sys.h"

#include "crypto_aead_chacha20poly1305.h"
#include "crypto_aead_xchacha20poly1305.h"
#include "crypto_core_hchacha20.h"
#include "crypto_scalarmult_curve25519.h"
#include "crypto_stream_chacha20.h"
#include "crypto_verify_16.h"
#include "runtime.h"
#include "utils.h"
#include "private/implementations.h"
#include "private/ed25519_ref10.h"

#include "blake2.h"

#define KEY 32
#define TAG 16
#define MAC 16
#define HASH 32
#define BLOCK 64

/* libsodium calls sodium_misuse() on impossible lengths; core.c (which also holds sodium_init and
 * thereby every primitive) is not compiled in, so this is ours: such a call is a bug, stop. */
void sodium_misuse(void)
{
    abort();
}

/* Referenced by the keygen helpers in the AEAD files (which wgjs never calls). */
void randombytes_buf(void *const buf, const size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = getrandom((uint8_t *)buf + done, size - done, 0);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
}

/* ---------------------------------------------------------------- argument helpers */

/* A Uint8Array argument with at least `min` bytes; NULL (exception set) otherwise. */
static uint8_t *bytes_min(JSContext *ctx, JSValueConst v, size_t min, size_t *size_out)
{
    size_t size;
    uint8_t *p = JS_GetUint8Array(ctx, &size, v);
    if (!p)
        return NULL;
    if (size < min) {
        JS_ThrowRangeError(ctx, "buffer too short (%u < %u bytes)", (unsigned)size, (unsigned)min);
        return NULL;
    }
    if (size_out)
        *size_out = size;
    return p;
}

/* An optional Uint8Array (null/undefined = empty). Returns 0, or -1 with an exception set. */
static int bytes_opt(JSContext *ctx, JSValueConst v, const uint8_t **p, size_t *len)
{
    static const uint8_t empty[1];
    if (JS_IsNull(v) || JS_IsUndefined(v)) {
        *p = empty;
        *len = 0;
        return 0;
    }
    *p = JS_GetUint8Array(ctx, len, v);
    return *p ? 0 : -1;
}

/* buf[off, off+len+extra) within a Uint8Array; off and len already converted. */
static uint8_t *range(JSContext *ctx, JSValueConst buf, int off, int len, int extra)
{
    size_t size;
    uint8_t *p = JS_GetUint8Array(ctx, &size, buf);
    if (!p)
        return NULL;
    if (off < 0 || len < 0 || (size_t)off + (size_t)len + (size_t)extra > size) {
        JS_ThrowRangeError(ctx, "buffer range out of bounds");
        return NULL;
    }
    return p + off;
}

/* WireGuard's 96-bit nonce: 32 zero bits, then the 64-bit counter little-endian (whitepaper 5.4.6).
 * The counter is a JS Number (exact up to 2^53; see src/noise/constants.ts). */
static int nonce_from_counter(JSContext *ctx, JSValueConst v, uint8_t nonce[12])
{
    double d;
    uint64_t c;
    if (JS_ToFloat64(ctx, &d, v))
        return -1;
    if (!(d >= 0 && d < 18446744073709551616.0)) {
        JS_ThrowRangeError(ctx, "counter out of range");
        return -1;
    }
    c = (uint64_t)d;
    nonce[0] = nonce[1] = nonce[2] = nonce[3] = 0;
    for (int i = 0; i < 8; i++)
        nonce[4 + i] = (uint8_t)(c >> (8 * i));
    return 0;
}

/* ---------------------------------------------------------------- ChaCha20-Poly1305 */

/* The arguments of aeadSeal/aeadOpen: (key, counter, ad|null, buf, off, len); numbers first,
 * then the pointers; `room` bytes must follow the range (the tag, when sealing). */
struct aead_args {
    uint8_t nonce[12];
    int off, len;
    const uint8_t *ad, *key;
    size_t adlen;
    uint8_t *p;
};

static int aead_args(JSContext *ctx, JSValueConst *argv, int room, struct aead_args *a)
{
    if (nonce_from_counter(ctx, argv[1], a->nonce) || JS_ToInt32(ctx, &a->off, argv[4]) ||
        JS_ToInt32(ctx, &a->len, argv[5]))
        return -1;
    if (!(a->key = bytes_min(ctx, argv[0], KEY, NULL)) || bytes_opt(ctx, argv[2], &a->ad, &a->adlen) ||
        !(a->p = range(ctx, argv[3], a->off, a->len, room)))
        return -1;
    return 0;
}

/* aeadSeal(key, counter, ad|null, buf, off, len): buf[off, off+len) is encrypted in place and the
 * 16-byte tag written at buf[off+len]. */
static JSValue js_aeadSeal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct aead_args a;
    if (aead_args(ctx, argv, TAG, &a))
        return JS_EXCEPTION;
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(a.p, a.p + a.len, NULL, a.p, (unsigned long long)a.len,
                                                       a.ad, a.adlen, NULL, a.nonce, a.key);
    return JS_UNDEFINED;
}

/* aeadOpen(key, counter, ad|null, buf, off, len) -> bool: buf[off, off+len) is ciphertext and tag;
 * on success the plaintext replaces the ciphertext in place; on failure buf is unchanged. */
static JSValue js_aeadOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct aead_args a;
    uint8_t *p;
    int len;
    if (aead_args(ctx, argv, 0, &a))
        return JS_EXCEPTION;
    p = a.p;
    len = a.len;
    if (len < TAG)
        return JS_FALSE;
    /* verify first (m = NULL leaves the buffer alone), then decrypt in place with block counter 1,
     * exactly what libsodium's decrypt does after a successful verification */
    if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(NULL, NULL, p, (unsigned long long)(len - TAG),
                                                           p + len - TAG, a.ad, a.adlen, a.nonce, a.key) != 0)
        return JS_FALSE;
    crypto_stream_chacha20_ietf_xor_ic(p, p, (unsigned long long)(len - TAG), a.nonce, 1U, a.key);
    return JS_TRUE;
}

/* transportSealRun(key, receiver, counter, buf, offs, lens, pads, start, end, dOffs, dLens): what
 * transportSeal does, for packets i in [start, end) with counters counter, counter + 1, ... in
 * order: packet buf[offs[i] .. +lens[i]) padded to pads[i] bytes, header at offs[i] - 16, tag
 * after. The datagrams: dOffs[i] = offs[i] - 16, dLens[i] = 16 + pads[i] + 16. Every range is
 * checked before anything is written. Keypair, counters and padding: TypeScript's decisions. */
static JSValue js_transportSealRun(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint32_t receiver;
    double c0;
    int start, end, i;
    size_t size, n1, n2, n3, n4, n5;
    const uint8_t *key;
    uint8_t *buf;
    int32_t *offs, *lens, *pads, *doffs, *dlens;
    if (JS_ToUint32(ctx, &receiver, argv[1]) || JS_ToFloat64(ctx, &c0, argv[2]) || JS_ToInt32(ctx, &start, argv[7]) ||
        JS_ToInt32(ctx, &end, argv[8]))
        return JS_EXCEPTION;
    if (!(key = bytes_min(ctx, argv[0], KEY, NULL)) || !(buf = JS_GetUint8Array(ctx, &size, argv[3])) ||
        !(offs = wgjs_get_i32(ctx, argv[4], &n1)) || !(lens = wgjs_get_i32(ctx, argv[5], &n2)) ||
        !(pads = wgjs_get_i32(ctx, argv[6], &n3)) || !(doffs = wgjs_get_i32(ctx, argv[9], &n4)) ||
        !(dlens = wgjs_get_i32(ctx, argv[10], &n5)))
        return JS_EXCEPTION;
    if (start < 0 || end < start || (size_t)end > n1 || (size_t)end > n2 || (size_t)end > n3 || (size_t)end > n4 ||
        (size_t)end > n5)
        return JS_ThrowRangeError(ctx, "transportSealRun: bad range");
    if (!(c0 >= 0 && c0 <= 9007199254740992.0 - (end - start)) || c0 != (double)(uint64_t)c0)
        return JS_ThrowRangeError(ctx, "transportSealRun: counter out of range");
    for (i = start; i < end; i++) {
        int32_t off = offs[i], len = lens[i], padded = pads[i];
        if (off < 16 || len < 0 || padded < len || (size_t)off + (size_t)padded + TAG > size)
            return JS_ThrowRangeError(ctx, "transportSealRun: bad offsets");
    }
    for (i = start; i < end; i++) {
        uint8_t nonce[12] = { 0 };
        uint64_t c = (uint64_t)c0 + (uint64_t)(i - start);
        int32_t off = offs[i], len = lens[i], padded = pads[i];
        uint8_t *p = buf + off - 16;
        for (int b = 0; b < 8; b++)
            nonce[4 + b] = (uint8_t)(c >> (8 * b));
        p[0] = 4;
        p[1] = p[2] = p[3] = 0;
        for (int b = 0; b < 4; b++)
            p[4 + b] = (uint8_t)(receiver >> (8 * b));
        memcpy(p + 8, nonce + 4, 8);
        p += 16;
        memset(p + len, 0, (size_t)(padded - len));
        crypto_aead_chacha20poly1305_ietf_encrypt_detached(p, p + padded, NULL, p, (unsigned long long)padded,
                                                           NULL, 0, NULL, nonce, key);
        doffs[i] = off - 16;
        dlens[i] = 16 + padded + TAG;
    }
    return JS_UNDEFINED;
}

/* transportOpen(key, buf, offs, lens, start, end, res): the transport data messages
 * buf[offs[i] .. +lens[i]) for i in [start, end), all for the keypair of `key`, each verified and
 * decrypted in place (a forged one is left unchanged). Their counters are read from their
 * headers. res[i]: the counter when it authenticated and is below 2^31, -1 when it authenticated
 * with a larger counter (the caller reads it from the header), -2 when it did not authenticate
 * (or is shorter than header + tag). Which keypair, and whether each counter is acceptable:
 * TypeScript's decision; the bytes: here, one call for a run of messages. Returns how many
 * authenticated. */
static JSValue js_transportOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int start, end, i, good = 0;
    size_t size, noffs, nlens, nres;
    const uint8_t *key;
    uint8_t *buf;
    int32_t *offs, *lens, *res;
    if (JS_ToInt32(ctx, &start, argv[4]) || JS_ToInt32(ctx, &end, argv[5]))
        return JS_EXCEPTION;
    if (!(key = bytes_min(ctx, argv[0], KEY, NULL)) || !(buf = JS_GetUint8Array(ctx, &size, argv[1])) ||
        !(offs = wgjs_get_i32(ctx, argv[2], &noffs)) || !(lens = wgjs_get_i32(ctx, argv[3], &nlens)) ||
        !(res = wgjs_get_i32(ctx, argv[6], &nres)))
        return JS_EXCEPTION;
    if (start < 0 || end < start || (size_t)end > noffs || (size_t)end > nlens || (size_t)end > nres)
        return JS_ThrowRangeError(ctx, "transportOpen: bad range");
    for (i = start; i < end; i++) {
        uint8_t nonce[12] = { 0 };
        uint8_t *p;
        int32_t off = offs[i], len = lens[i];
        uint64_t counter = 0;
        res[i] = -2;
        if (off < 0 || len < 16 + TAG || (size_t)off + (size_t)len > size)
            continue;
        p = buf + off;
        memcpy(nonce + 4, p + 8, 8); /* the counter, little-endian, as in the nonce */
        for (int b = 7; b >= 0; b--)
            counter = counter << 8 | p[8 + b];
        p += 16;
        len -= 16;
        if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(NULL, NULL, p, (unsigned long long)(len - TAG),
                                                               p + len - TAG, NULL, 0, nonce, key) != 0)
            continue;
        crypto_stream_chacha20_ietf_xor_ic(p, p, (unsigned long long)(len - TAG), nonce, 1U, key);
        res[i] = counter < 0x80000000u ? (int32_t)counter : -1;
        good++;
    }
    return JS_NewInt32(ctx, good);
}

/* transportSeal(key, receiver, counter, buf, off, len, padded): a transport data message
 * (whitepaper 5.4.6) in place around the packet at buf[off, off+len): zero padding up to `padded`
 * bytes, the 16-byte header (type 4, receiver index u32 LE, counter u64 LE) at buf[off-16], the
 * packet and padding encrypted, the tag at buf[off+padded]. Which keypair, receiver, counter and
 * padding: TypeScript's decision; the bytes: here, in one call per packet. */
static JSValue js_transportSeal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t nonce[12];
    uint32_t receiver;
    int off, len, padded;
    const uint8_t *key;
    uint8_t *p;
    if (JS_ToUint32(ctx, &receiver, argv[1]) || nonce_from_counter(ctx, argv[2], nonce) ||
        JS_ToInt32(ctx, &off, argv[4]) || JS_ToInt32(ctx, &len, argv[5]) || JS_ToInt32(ctx, &padded, argv[6]))
        return JS_EXCEPTION;
    if (off < 16 || len < 0 || padded < len)
        return JS_ThrowRangeError(ctx, "transportSeal: bad offsets");
    if (!(key = bytes_min(ctx, argv[0], KEY, NULL)) || !(p = range(ctx, argv[3], off - 16, padded + 16, TAG)))
        return JS_EXCEPTION;
    p[0] = 4;
    p[1] = p[2] = p[3] = 0;
    for (int i = 0; i < 4; i++)
        p[4 + i] = (uint8_t)(receiver >> (8 * i));
    memcpy(p + 8, nonce + 4, 8); /* the counter, little-endian, as in the nonce */
    p += 16;
    memset(p + len, 0, (size_t)(padded - len));
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(p, p + padded, NULL, p, (unsigned long long)padded,
                                                       NULL, 0, NULL, nonce, key);
    return JS_UNDEFINED;
}

/* ---------------------------------------------------------------- XChaCha20-Poly1305 (cookies) */

/* The arguments of xaeadSeal/xaeadOpen: (key, nonce24, ad, src, srcOff, srcLen, dst, dstOff);
 * numbers converted first, then the pointers (src range checked here, dst by the caller). */
struct xaead_args {
    int soff, slen, doff;
    const uint8_t *key, *nonce, *ad;
    size_t adlen;
    uint8_t *src;
};

static int xaead_args(JSContext *ctx, JSValueConst *argv, struct xaead_args *a)
{
    if (JS_ToInt32(ctx, &a->soff, argv[4]) || JS_ToInt32(ctx, &a->slen, argv[5]) || JS_ToInt32(ctx, &a->doff, argv[7]))
        return -1;
    if (!(a->key = bytes_min(ctx, argv[0], KEY, NULL)) ||
        !(a->nonce = bytes_min(ctx, argv[1], crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL)) ||
        bytes_opt(ctx, argv[2], &a->ad, &a->adlen) || !(a->src = range(ctx, argv[3], a->soff, a->slen, 0)))
        return -1;
    return 0;
}

/* xaeadSeal(key, nonce24, ad, src, srcOff, srcLen, dst, dstOff): dst gets ciphertext || tag. */
static JSValue js_xaeadSeal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct xaead_args a;
    uint8_t *dst;
    if (xaead_args(ctx, argv, &a) || !(dst = range(ctx, argv[6], a.doff, a.slen, TAG)))
        return JS_EXCEPTION;
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(dst, dst + a.slen, NULL, a.src, (unsigned long long)a.slen,
                                                        a.ad, a.adlen, NULL, a.nonce, a.key);
    return JS_UNDEFINED;
}

/* xaeadOpen(key, nonce24, ad, src, srcOff, srcLen, dst, dstOff) -> bool: src holds ciphertext ||
 * tag (srcLen includes the tag); the plaintext (srcLen - 16 bytes) goes to dst, which is left
 * alone when the tag does not authenticate (verified first, then decrypted). */
static JSValue js_xaeadOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct xaead_args a;
    uint8_t *dst;
    unsigned long long clen;
    if (xaead_args(ctx, argv, &a))
        return JS_EXCEPTION;
    if (a.slen < TAG)
        return JS_FALSE;
    if (!(dst = range(ctx, argv[6], a.doff, a.slen - TAG, 0)))
        return JS_EXCEPTION;
    clen = (unsigned long long)(a.slen - TAG);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(NULL, NULL, a.src, clen, a.src + clen, a.ad, a.adlen,
                                                            a.nonce, a.key) != 0)
        return JS_FALSE;
    return JS_NewBool(ctx, crypto_aead_xchacha20poly1305_ietf_decrypt_detached(dst, NULL, a.src, clen, a.src + clen,
                                                                               a.ad, a.adlen, a.nonce, a.key) == 0);
}

/* ---------------------------------------------------------------- X25519 */

/* x25519(out, scalar, point) -> bool: out = X25519(scalar, point) (the scalar is clamped as RFC
 * 7748 says); false when the result is all zero (a low-order point), and then out is zeroed. */
static JSValue js_x25519(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *out;
    const uint8_t *n, *pt;
    if (!(out = bytes_min(ctx, argv[0], KEY, NULL)) || !(n = bytes_min(ctx, argv[1], KEY, NULL)) ||
        !(pt = bytes_min(ctx, argv[2], KEY, NULL)))
        return JS_EXCEPTION;
    if (crypto_scalarmult_curve25519(out, n, pt) != 0) {
        sodium_memzero(out, KEY);
        return JS_FALSE;
    }
    return JS_TRUE;
}

/* x25519Base(out, scalar): the public key of a private key, X25519(scalar, 9) through the same
 * ladder as every DH. libsodium's fixed-base path (ref10's Edwards comb with its 30 KB table) is
 * not linked in: x25519_ref10.c is compiled with ge25519_scalarmult_base renamed to
 * wgjs_no_fixed_base below (sources.mk), which nothing calls. It costs one ladder more per
 * handshake (the ephemeral key) and saves ~38 KB on mips. */
static const uint8_t basepoint[KEY] = { 9 };

void wgjs_no_fixed_base(ge25519_p3 *h, const unsigned char *a)
{
    (void)h;
    (void)a;
    abort(); /* unreachable: crypto_scalarmult_curve25519_base is never called */
}

static JSValue js_x25519Base(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *out;
    const uint8_t *n;
    if (!(out = bytes_min(ctx, argv[0], KEY, NULL)) || !(n = bytes_min(ctx, argv[1], KEY, NULL)))
        return JS_EXCEPTION;
    if (crypto_scalarmult_curve25519(out, n, basepoint) != 0)
        return JS_FALSE;
    return JS_TRUE;
}

/* ---------------------------------------------------------------- BLAKE2s */

/* blake2s(out, outLen, key|null, part, part?, part?): out[0, outLen) = BLAKE2s-outLen, keyed when
 * key is given, over the concatenation of the parts. */
static JSValue js_blake2s(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int outlen;
    uint8_t *out;
    const uint8_t *key, *parts[4];
    size_t keylen, lens[4];
    int nparts = argc - 3;
    blake2s_state S;
    if (JS_ToInt32(ctx, &outlen, argv[1]))
        return JS_EXCEPTION;
    if (outlen < 1 || outlen > HASH || nparts < 0 || nparts > 4)
        return JS_ThrowRangeError(ctx, "blake2s: bad output length or part count");
    if (!(out = bytes_min(ctx, argv[0], (size_t)outlen, NULL)) || bytes_opt(ctx, argv[2], &key, &keylen))
        return JS_EXCEPTION;
    if (keylen > HASH)
        return JS_ThrowRangeError(ctx, "blake2s: key longer than 32 bytes");
    for (int i = 0; i < nparts; i++)
        if (bytes_opt(ctx, argv[3 + i], &parts[i], &lens[i]))
            return JS_EXCEPTION;
    if (keylen ? blake2s_init_key(&S, (size_t)outlen, key, keylen) : blake2s_init(&S, (size_t)outlen))
        return JS_ThrowInternalError(ctx, "blake2s init failed");
    for (int i = 0; i < nparts; i++)
        blake2s_update(&S, parts[i], lens[i]);
    blake2s_final(&S, out, (size_t)outlen);
    sodium_memzero(&S, sizeof S);
    return JS_UNDEFINED;
}

/* macKey(state, key): state (an opaque buffer of macStateSize bytes) = keyed BLAKE2s-128 with the
 * key block already compressed, so each MAC afterwards costs only the message's blocks. */
static JSValue js_macKey(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *state;
    const uint8_t *key;
    size_t keylen;
    if (!(state = bytes_min(ctx, argv[0], sizeof(blake2s_state), NULL)) || !(key = bytes_min(ctx, argv[1], 1, &keylen)))
        return JS_EXCEPTION;
    if (keylen > HASH)
        keylen = HASH;
    blake2s_state S;
    if (blake2s_init_key(&S, MAC, key, keylen))
        return JS_ThrowInternalError(ctx, "blake2s init failed");
    memcpy(state, &S, sizeof S);
    sodium_memzero(&S, sizeof S);
    return JS_UNDEFINED;
}

static int mac_compute(JSContext *ctx, JSValueConst jstate, JSValueConst buf, int off, int len, uint8_t out[MAC])
{
    const uint8_t *state, *p;
    blake2s_state S;
    if (!(state = bytes_min(ctx, jstate, sizeof(blake2s_state), NULL)) || !(p = range(ctx, buf, off, len, 0)))
        return -1;
    memcpy(&S, state, sizeof S);
    blake2s_update(&S, p, (size_t)len);
    blake2s_final(&S, out, MAC);
    sodium_memzero(&S, sizeof S);
    return 0;
}

/* macWrite(state, buf, off, len, out, outOff): out[outOff, +16) = MAC over buf[off, off+len). */
static JSValue js_macWrite(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int off, len, ooff;
    uint8_t m[MAC], *out;
    if (JS_ToInt32(ctx, &off, argv[2]) || JS_ToInt32(ctx, &len, argv[3]) || JS_ToInt32(ctx, &ooff, argv[5]))
        return JS_EXCEPTION;
    if (mac_compute(ctx, argv[0], argv[1], off, len, m) || !(out = range(ctx, argv[4], ooff, MAC, 0)))
        return JS_EXCEPTION;
    memcpy(out, m, MAC);
    return JS_UNDEFINED;
}

/* macCheck(state, buf, off, len, tagOff) -> bool: the MAC over buf[off, off+len) equals
 * buf[tagOff, +16), compared in constant time. */
static JSValue js_macCheck(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int off, len, toff;
    uint8_t m[MAC];
    const uint8_t *tag;
    if (JS_ToInt32(ctx, &off, argv[2]) || JS_ToInt32(ctx, &len, argv[3]) || JS_ToInt32(ctx, &toff, argv[4]))
        return JS_EXCEPTION;
    if (mac_compute(ctx, argv[0], argv[1], off, len, m) || !(tag = range(ctx, argv[1], toff, MAC, 0)))
        return JS_EXCEPTION;
    return JS_NewBool(ctx, crypto_verify_16(m, tag) == 0);
}

/* HMAC-BLAKE2s (RFC 2104, 64-byte block, 32-byte output) of the concatenated parts. */
static void hmac(uint8_t out[HASH], const uint8_t *key, size_t keylen, const uint8_t *a, size_t alen,
                 const uint8_t *b, size_t blen)
{
    uint8_t k[BLOCK], pad[BLOCK], inner[HASH];
    blake2s_state S;
    memset(k, 0, sizeof k);
    if (keylen > BLOCK)
        blake2s(k, key, NULL, HASH, keylen, 0);
    else
        memcpy(k, key, keylen);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    blake2s_init(&S, HASH);
    blake2s_update(&S, pad, BLOCK);
    blake2s_update(&S, a, alen);
    if (blen)
        blake2s_update(&S, b, blen);
    blake2s_final(&S, inner, HASH);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    blake2s_init(&S, HASH);
    blake2s_update(&S, pad, BLOCK);
    blake2s_update(&S, inner, HASH);
    blake2s_final(&S, out, HASH);
    sodium_memzero(k, sizeof k);
    sodium_memzero(pad, sizeof pad);
    sodium_memzero(inner, sizeof inner);
    sodium_memzero(&S, sizeof S);
}

/* hmac(out, key, part, part?): out[0, 32) = HMAC-BLAKE2s(key, parts). */
static JSValue js_hmac(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *out, tmp[HASH];
    const uint8_t *key, *a, *b;
    size_t keylen, alen, blen;
    if (!(out = bytes_min(ctx, argv[0], HASH, NULL)) || bytes_opt(ctx, argv[1], &key, &keylen) ||
        bytes_opt(ctx, argv[2], &a, &alen) || bytes_opt(ctx, argc > 3 ? argv[3] : JS_NULL, &b, &blen))
        return JS_EXCEPTION;
    hmac(tmp, key, keylen, a, alen, b, blen);
    memcpy(out, tmp, HASH);
    sodium_memzero(tmp, sizeof tmp);
    return JS_UNDEFINED;
}

/* kdf(key, input, out1, out2|null, out3|null): WireGuard's KDF_n (HKDF over HMAC-BLAKE2s,
 * whitepaper 5.4): prk = HMAC(key, input); out_i = HMAC(prk, out_{i-1} || i). Each out may be the
 * key or input buffer itself (everything is read before the first output is written). */
static JSValue js_kdf(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const uint8_t *key, *input;
    size_t keylen, inlen;
    uint8_t *outs[3] = { NULL, NULL, NULL };
    uint8_t prk[HASH], t[3][HASH], ctr;
    int n = 0;
    if (bytes_opt(ctx, argv[0], &key, &keylen) || bytes_opt(ctx, argv[1], &input, &inlen))
        return JS_EXCEPTION;
    for (int i = 0; i < 3 && 2 + i < argc; i++) {
        if (JS_IsNull(argv[2 + i]) || JS_IsUndefined(argv[2 + i]))
            break;
        if (!(outs[i] = bytes_min(ctx, argv[2 + i], HASH, NULL)))
            return JS_EXCEPTION;
        n = i + 1;
    }
    if (n == 0)
        return JS_ThrowRangeError(ctx, "kdf: no output");
    hmac(prk, key, keylen, input, inlen, NULL, 0);
    for (int i = 0; i < n; i++) {
        ctr = (uint8_t)(i + 1);
        if (i == 0)
            hmac(t[0], prk, HASH, &ctr, 1, NULL, 0);
        else
            hmac(t[i], prk, HASH, t[i - 1], HASH, &ctr, 1);
    }
    for (int i = 0; i < n; i++)
        memcpy(outs[i], t[i], HASH);
    sodium_memzero(prk, sizeof prk);
    sodium_memzero(t, sizeof t);
    return JS_UNDEFINED;
}

/* ---------------------------------------------------------------- module */

static const char *impl_name;

static const JSCFunctionListEntry crypto_funcs[] = {
    JS_CFUNC_DEF("aeadSeal", 6, js_aeadSeal),
    JS_CFUNC_DEF("aeadOpen", 6, js_aeadOpen),
    JS_CFUNC_DEF("transportSeal", 7, js_transportSeal),
    JS_CFUNC_DEF("transportOpen", 7, js_transportOpen),
    JS_CFUNC_DEF("transportSealRun", 11, js_transportSealRun),
    JS_CFUNC_DEF("xaeadSeal", 8, js_xaeadSeal),
    JS_CFUNC_DEF("xaeadOpen", 8, js_xaeadOpen),
    JS_CFUNC_DEF("x25519", 3, js_x25519),
    JS_CFUNC_DEF("x25519Base", 2, js_x25519Base),
    JS_CFUNC_DEF("blake2s", 6, js_blake2s),
    JS_CFUNC_DEF("macKey", 2, js_macKey),
    JS_CFUNC_DEF("macWrite", 6, js_macWrite),
    JS_CFUNC_DEF("macCheck", 5, js_macCheck),
    JS_CFUNC_DEF("hmac", 4, js_hmac),
    JS_CFUNC_DEF("kdf", 5, js_kdf),
};

static int crypto_init(JSContext *ctx, JSModuleDef *m)
{
    JS_SetModuleExport(ctx, m, "macStateSize", JS_NewInt32(ctx, (int32_t)sizeof(blake2s_state)));
    JS_SetModuleExport(ctx, m, "implementation", JS_NewString(ctx, impl_name));
    return JS_SetModuleExportList(ctx, m, crypto_funcs, sizeof(crypto_funcs) / sizeof(crypto_funcs[0]));
}

/* What sodium_init() would do for the primitives compiled in (sodium_init itself is not: it
 * references every primitive in the library): probe the CPU, then let each primitive pick its
 * implementation (SIMD on x86_64 when the CPU has it, portable C otherwise). */
static void crypto_pick(void)
{
    static char buf[96];
    _sodium_runtime_get_cpu_features();
    _crypto_stream_chacha20_pick_best_implementation();
    _crypto_onetimeauth_poly1305_pick_best_implementation();
    _crypto_scalarmult_curve25519_pick_best_implementation();
#if defined(__x86_64__)
    snprintf(buf, sizeof buf, "libsodium %s (chacha20 %s, poly1305 %s, x25519 %s), libb2 ref",
             WGJS_SODIUM_VERSION,
             sodium_runtime_has_avx2() ? "avx2" : sodium_runtime_has_ssse3() ? "ssse3" : "ref",
             sodium_runtime_has_sse2() ? "sse2" : "donna",
             sodium_runtime_has_avx() ? "sandy2x" : "ref10");
#else
    snprintf(buf, sizeof buf, "libsodium %s (portable C), libb2 ref", WGJS_SODIUM_VERSION);
#endif
    impl_name = buf;
}

JSModuleDef *js_init_module_crypto(JSContext *ctx, const char *name)
{
    JSModuleDef *m = JS_NewCModule(ctx, name, crypto_init);
    if (!m)
        return NULL;
    if (!impl_name)
        crypto_pick();
    JS_AddModuleExport(ctx, m, "macStateSize");
    JS_AddModuleExport(ctx, m, "implementation");
    JS_AddModuleExportList(ctx, m, crypto_funcs, sizeof(crypto_funcs) / sizeof(crypto_funcs[0]));
    return m;
}
