// ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce: 4 zero bytes then the 64-bit counter
// little-endian. This is the seam a native AEAD can replace: the transport path calls only
// sealInPlace/openInPlace.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { writeU64LE } from '../util/bytes.ts';

export const TAG_SIZE = 16;
const EMPTY = new Uint8Array(0);
const nonce = new Uint8Array(12); // reused: filled before every call, never kept by noble past it

function setNonce(counter: number): Uint8Array {
  nonce[0] = nonce[1] = nonce[2] = nonce[3] = 0;
  writeU64LE(nonce, 4, counter);
  return nonce;
}

/** Encrypts buf[off, off+len) in place and writes the tag at buf[off+len, off+len+16). */
export function sealInPlace(key: Uint8Array, counter: number, buf: Uint8Array, off: number, len: number): void {
  const plain = buf.subarray(off, off + len);
  chacha20poly1305(key, setNonce(counter)).encrypt(plain, buf.subarray(off, off + len + TAG_SIZE));
}

/** Decrypts buf[off, off+len) (ciphertext + tag) in place; false if the tag is wrong (buf unchanged). */
export function openInPlace(key: Uint8Array, counter: number, buf: Uint8Array, off: number, len: number): boolean {
  if (len < TAG_SIZE) return false;
  try {
    chacha20poly1305(key, setNonce(counter)).decrypt(buf.subarray(off, off + len), buf.subarray(off, off + len - TAG_SIZE));
    return true;
  } catch {
    return false;
  }
}

/** AEAD(key, counter, plain, ad) for handshake messages (allocates). */
export function seal(key: Uint8Array, counter: number, plain: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
  return chacha20poly1305(key, setNonce(counter), ad).encrypt(plain);
}

/** Inverse of seal; null when authentication fails. */
export function open(key: Uint8Array, counter: number, sealed: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array | null {
  if (sealed.length < TAG_SIZE) return null;
  try {
    return chacha20poly1305(key, setNonce(counter), ad).decrypt(sealed);
  } catch {
    return null;
  }
}
