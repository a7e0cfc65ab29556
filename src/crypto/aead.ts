// ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce: 4 zero bytes then the 64-bit counter
// little-endian, built from a Number counter by the backend (natively: in C). The transport path
// calls the backend's primitives directly (one native call each, no wrapper): transportSeal
// (padding, header and seal in one call) and aeadOpen with ad = null (decrypts in place, buffer
// unchanged when the tag is wrong): no view, object or exception per packet.
import { aeadOpen, aeadSeal, transportOpen, transportSeal, transportSealRun } from './backend.ts';

export { aeadOpen, transportOpen, transportSeal, transportSealRun };

export const TAG_SIZE = 16;
const EMPTY = new Uint8Array(0);

/** AEAD(key, counter, plain, ad) for handshake messages (allocates the result). */
export function seal(key: Uint8Array, counter: number, plain: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(plain.length + TAG_SIZE);
  out.set(plain);
  aeadSeal(key, counter, ad, out, 0, plain.length);
  return out;
}

/** Inverse of seal; null when authentication fails. */
export function open(key: Uint8Array, counter: number, sealed: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array | null {
  if (sealed.length < TAG_SIZE) return null;
  const buf = sealed.slice();
  if (!aeadOpen(key, counter, ad, buf, 0, buf.length)) return null;
  return buf.subarray(0, buf.length - TAG_SIZE);
}
