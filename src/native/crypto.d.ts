// The native module `wgjs:crypto` (src/native/crypto.c): libsodium + libb2 primitives. Bytes only:
// outputs go into caller buffers, a failed authentication returns false, bad arguments (ranges,
// short keys) throw RangeError. src/crypto/native.ts re-exports it; src/crypto/noble.ts is the
// reference with the same signatures.
declare module 'wgjs:crypto' {
  /** Which implementations were picked at start (CPU dispatch on x86_64), for the log. */
  export const implementation: string;
  /** ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce (4 zero bytes, counter u64 LE):
   *  buf[off, off+len) encrypted in place, tag written at buf[off+len, +16). ad null = empty. */
  export function aeadSeal(key: Uint8Array, counter: number, ad: Uint8Array | null, buf: Uint8Array, off: number, len: number): void;
  /** buf[off, off+len) is ciphertext || tag; on success the plaintext replaces it in place;
   *  false (buf unchanged) when the tag does not authenticate. */
  export function aeadOpen(key: Uint8Array, counter: number, ad: Uint8Array | null, buf: Uint8Array, off: number, len: number): boolean;
  /** Transport data messages buf[offs[i] .. +lens[i]) (header + ciphertext + tag), i in
   *  [start, end), all under `key`: each verified and decrypted in place (a forgery stays
   *  unchanged), the counter read from its header. res[i]: the counter if authentic and < 2^31,
   *  -1 if authentic with a larger counter (read it from the header), -2 if not authentic or
   *  shorter than 32 bytes. Returns how many were authentic. RangeError on a bad range. */
  /** transportSeal for packets i in [start, end) with counters counter, counter + 1, ...: packet
   *  buf[offs[i] .. +lens[i]) padded to pads[i], header before, tag after; the datagrams' ranges
   *  to dOffs[i] (= offs[i] - 16) and dLens[i] (= 32 + pads[i]). RangeError (nothing written)
   *  on any bad range, or a counter run beyond 2^53. */
  export function transportSealRun(key: Uint8Array, receiver: number, counter: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, pads: Int32Array, start: number, end: number, dOffs: Int32Array, dLens: Int32Array): void;
  export function transportOpen(key: Uint8Array, buf: Uint8Array, offs: Int32Array, lens: Int32Array, start: number, end: number, res: Int32Array): number;
  /** A transport data message in place around buf[off, off+len): padding zeroed up to `padded`,
   *  header (type 4, receiver u32 LE, counter u64 LE) at buf[off-16], sealed, tag after. */
  export function transportSeal(key: Uint8Array, receiver: number, counter: number, buf: Uint8Array, off: number, len: number, padded: number): void;
  /** XChaCha20-Poly1305: dst[dstOff, +srcLen+16) = ciphertext || tag of src[srcOff, +srcLen). */
  export function xaeadSeal(key: Uint8Array, nonce24: Uint8Array, ad: Uint8Array | null, src: Uint8Array, srcOff: number, srcLen: number, dst: Uint8Array, dstOff: number): void;
  /** src holds ciphertext || tag (srcLen includes it); the plaintext goes to dst. */
  export function xaeadOpen(key: Uint8Array, nonce24: Uint8Array, ad: Uint8Array | null, src: Uint8Array, srcOff: number, srcLen: number, dst: Uint8Array, dstOff: number): boolean;
  /** out = X25519(scalar, point) (scalar clamped per RFC 7748); false (out zeroed) when all zero. */
  export function x25519(out: Uint8Array, scalar: Uint8Array, point: Uint8Array): boolean;
  /** out = the public key of scalar. */
  export function x25519Base(out: Uint8Array, scalar: Uint8Array): void;
  /** out[0, outLen) = BLAKE2s-outLen (keyed when key is non-empty) of the concatenated parts. */
  export function blake2s(out: Uint8Array, outLen: number, key: Uint8Array | null, ...parts: (Uint8Array | null)[]): void;
  /** Size of an opaque precomputed MAC state (keyed BLAKE2s-128 after the key block). */
  export const macStateSize: number;
  export function macKey(state: Uint8Array, key: Uint8Array): void;
  /** out[outOff, +16) = MAC(state's key, buf[off, off+len)). */
  export function macWrite(state: Uint8Array, buf: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void;
  /** MAC(state's key, buf[off, off+len)) == buf[tagOff, +16), in constant time. */
  export function macCheck(state: Uint8Array, buf: Uint8Array, off: number, len: number, tagOff: number): boolean;
  /** out[0, 32) = HMAC-BLAKE2s(key, a || b). */
  export function hmac(out: Uint8Array, key: Uint8Array | null, a: Uint8Array | null, b?: Uint8Array | null): void;
  /** WireGuard's KDF_1..3 (HKDF over HMAC-BLAKE2s) into 32-byte outputs. */
  export function kdf(key: Uint8Array | null, input: Uint8Array | null, out1: Uint8Array, out2?: Uint8Array | null, out3?: Uint8Array | null): void;
}
