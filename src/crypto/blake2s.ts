// HASH, MAC, HMAC and the HKDF-based KDF of the WireGuard whitepaper (section 5.4), all over
// BLAKE2s. The functions returning arrays are for handshake time; MacKey keeps a precomputed keyed
// state (the key block compressed once) for the per-packet mac1/mac2 checks.
import { blake2s, hmac as hmacInto, kdf as kdfInto, macCheck, macKey, macStateSize, macWrite } from './backend.ts';

/** HASH(input...) = BLAKE2s-256 over the concatenation (at most four parts). */
export function hash(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(32);
  blake2s(out, 32, null, ...parts);
  return out;
}

/** MAC(key, input) = keyed BLAKE2s with a 16-byte OUTPUT length (not a truncated 32-byte hash). */
export function mac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(16);
  blake2s(out, 16, key, ...parts);
  return out;
}

/** HMAC-BLAKE2s (RFC 2104 with a 64-byte block, 32-byte output) of a || b. */
export function hmac(key: Uint8Array, a: Uint8Array, b?: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  hmacInto(out, key, a, b ?? null);
  return out;
}

/** KDF_n(key, input): n 32-byte outputs, HKDF-extract then expand with counters 1..n. */
export function kdf(n: 1 | 2 | 3, key: Uint8Array, input: Uint8Array): Uint8Array[] {
  const o1 = new Uint8Array(32);
  const o2 = n >= 2 ? new Uint8Array(32) : null;
  const o3 = n >= 3 ? new Uint8Array(32) : null;
  kdfInto(key, input, o1, o2, o3);
  return o3 ? [o1, o2!, o3] : o2 ? [o1, o2] : [o1];
}

/** A MAC key with its BLAKE2s state precomputed: one keyed compression saved on every use. */
export class MacKey {
  private readonly state = new Uint8Array(macStateSize);
  set(key: Uint8Array): void {
    macKey(this.state, key);
  }
  /** out[outOff, +16) = MAC(key, buf[off, off+len)). */
  write(buf: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
    macWrite(this.state, buf, off, len, out, outOff);
  }
  /** MAC(key, buf[off, off+len)) equals buf[tagOff, +16) (constant time). */
  check(buf: Uint8Array, off: number, len: number, tagOff: number): boolean {
    return macCheck(this.state, buf, off, len, tagOff);
  }
  /** Forgets the key (the state is key material). */
  wipe(): void {
    this.state.fill(0);
  }
}
