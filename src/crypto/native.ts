// The native backend: wgjs:crypto (src/native/crypto.c: libsodium ChaCha20-Poly1305,
// XChaCha20-Poly1305 and X25519, libb2 BLAKE2s). The QuickJS bundles resolve src/crypto/backend.ts
// to this file (src/tools/bundle.mjs). Same signatures as the reference, checked below.
import * as native from 'wgjs:crypto';
import type * as Reference from './noble.ts';

export {
  aeadOpen, aeadSeal, blake2s, hmac, implementation, kdf, macCheck, macKey, macStateSize, macWrite,
  transportOpen, transportSeal, transportSealRun, x25519, x25519Base, xaeadOpen, xaeadSeal,
} from 'wgjs:crypto';

// compile-time check: the native module provides every primitive of the reference, same types
const sameShape: typeof Reference = native;
void sameShape;
