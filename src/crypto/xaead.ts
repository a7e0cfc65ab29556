// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) for cookie replies.
import { xaeadOpen, xaeadSeal } from './backend.ts';

export function xseal(key: Uint8Array, nonce24: Uint8Array, plain: Uint8Array, ad: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain.length + 16);
  xaeadSeal(key, nonce24, ad, plain, 0, plain.length, out, 0);
  return out;
}

export function xopen(key: Uint8Array, nonce24: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  const out = new Uint8Array(sealed.length - 16);
  return xaeadOpen(key, nonce24, ad, sealed, 0, sealed.length, out, 0) ? out : null;
}
