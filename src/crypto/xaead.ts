// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) for cookie replies.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

export function xseal(key: Uint8Array, nonce24: Uint8Array, plain: Uint8Array, ad: Uint8Array): Uint8Array {
  return xchacha20poly1305(key, nonce24, ad).encrypt(plain);
}

export function xopen(key: Uint8Array, nonce24: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  try {
    return xchacha20poly1305(key, nonce24, ad).decrypt(sealed);
  } catch {
    return null;
  }
}
