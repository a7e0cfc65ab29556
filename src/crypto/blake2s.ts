// HASH, MAC, HMAC and the HKDF-based KDF of the WireGuard whitepaper (section 5.4), all over
// BLAKE2s (@noble/hashes). Handshake-time only: these allocate.
import { blake2s } from '@noble/hashes/blake2.js';

/** HASH(input...) = BLAKE2s-256 over the concatenation. */
export function hash(...parts: Uint8Array[]): Uint8Array {
  const h = blake2s.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** MAC(key, input) = keyed BLAKE2s with a 16-byte OUTPUT length (not a truncated 32-byte hash). */
export function mac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = blake2s.create({ key, dkLen: 16 });
  for (const p of parts) h.update(p);
  return h.digest();
}

const BLOCK = 64;

/** HMAC-BLAKE2s (RFC 2104 with a 64-byte block, 32-byte output). */
export function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? hash(key) : key);
  const ipad = new Uint8Array(BLOCK);
  const opad = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    ipad[i] = k[i]! ^ 0x36;
    opad[i] = k[i]! ^ 0x5c;
  }
  const inner = hash(ipad, ...parts);
  const out = hash(opad, inner);
  k.fill(0);
  inner.fill(0);
  return out;
}

/** KDF_n(key, input): n 32-byte outputs, HKDF-extract then expand with counters 1..n. */
export function kdf(n: 1 | 2 | 3, key: Uint8Array, input: Uint8Array): Uint8Array[] {
  const prk = hmac(key, input);
  const out: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    prev = hmac(prk, prev, Uint8Array.of(i));
    out.push(prev);
  }
  prk.fill(0);
  return out;
}
