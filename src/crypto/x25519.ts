// X25519 (RFC 7748): clamping, public keys, and DH that rejects all-zero results.
import type { RandomFill } from '../platform/types.ts';
import { x25519, x25519Base } from './backend.ts';

const KEY_SIZE = 32;

/** Clamps a private key in place (RFC 7748 decodeScalar25519) and returns it. */
export function clamp(k: Uint8Array): Uint8Array {
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return k;
}

export function generatePrivateKey(random: RandomFill): Uint8Array {
  const k = new Uint8Array(KEY_SIZE);
  random(k);
  return clamp(k);
}

export function publicKey(priv: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_SIZE);
  x25519Base(out, priv);
  return out;
}

/** DH(priv, pub); null when the result would be all zero (low-order point), as WireGuard requires. */
export function dh(priv: Uint8Array, pub: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(KEY_SIZE);
  return x25519(out, priv, pub) ? out : null;
}
