// The reference backend: the primitives over @noble/ciphers, @noble/curves and @noble/hashes, with
// the same signatures as the native module wgjs:crypto (src/native/crypto.c, crypto.d.ts). Used by
// the Node unit tests and as the reference of the differential tests that run inside wgjs-test on
// every arch (test/native/crypto-diff.test.ts). Not part of the product binary.
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { blake2s as nobleBlake2s } from '@noble/hashes/blake2.js';

export const implementation: string = '@noble (reference, JavaScript)';
const TAG = 16;
const nonce = new Uint8Array(12);

function setNonce(counter: number): Uint8Array {
  if (!(counter >= 0 && counter < 2 ** 64)) throw new RangeError('counter out of range');
  nonce[0] = nonce[1] = nonce[2] = nonce[3] = 0;
  let lo = counter % 2 ** 32;
  let hi = Math.floor(counter / 2 ** 32);
  for (let i = 0; i < 4; i++, lo = Math.floor(lo / 256)) nonce[4 + i] = lo & 0xff;
  for (let i = 0; i < 4; i++, hi = Math.floor(hi / 256)) nonce[8 + i] = hi & 0xff;
  return nonce;
}

function opt(ad: Uint8Array | null): Uint8Array | undefined {
  return ad && ad.length > 0 ? ad : undefined;
}

function check(buf: Uint8Array, off: number, len: number): void {
  if (!(off >= 0 && len >= 0 && off + len <= buf.length)) throw new RangeError('buffer range out of bounds');
}

export function aeadSeal(key: Uint8Array, counter: number, ad: Uint8Array | null, buf: Uint8Array, off: number, len: number): void {
  check(buf, off, len + TAG);
  chacha20poly1305(key, setNonce(counter), opt(ad)).encrypt(buf.subarray(off, off + len), buf.subarray(off, off + len + TAG));
}

export function aeadOpen(key: Uint8Array, counter: number, ad: Uint8Array | null, buf: Uint8Array, off: number, len: number): boolean {
  check(buf, off, len);
  if (len < TAG) return false;
  try {
    const plain = chacha20poly1305(key, setNonce(counter), opt(ad)).decrypt(buf.subarray(off, off + len));
    buf.set(plain, off);
    return true;
  } catch {
    return false;
  }
}

/** Transport data messages opened in place, counters from their headers (see crypto.c). */
export function transportOpen(
  key: Uint8Array, buf: Uint8Array, offs: Int32Array, lens: Int32Array, start: number, end: number, res: Int32Array,
): number {
  if (start < 0 || end < start || end > offs.length || end > lens.length || end > res.length) {
    throw new RangeError('transportOpen: bad range');
  }
  let good = 0;
  for (let i = start; i < end; i++) {
    const off = offs[i]!;
    const len = lens[i]!;
    res[i] = -2;
    if (off < 0 || len < 16 + TAG || off + len > buf.length) continue;
    const lo = (buf[off + 8]! | (buf[off + 9]! << 8) | (buf[off + 10]! << 16) | (buf[off + 11]! << 24)) >>> 0;
    const hi = (buf[off + 12]! | (buf[off + 13]! << 8) | (buf[off + 14]! << 16) | (buf[off + 15]! << 24)) >>> 0;
    const nonce = new Uint8Array(12);
    nonce.set(buf.subarray(off + 8, off + 16), 4);
    try {
      const plain = chacha20poly1305(key, nonce).decrypt(buf.subarray(off + 16, off + len));
      buf.set(plain, off + 16);
    } catch {
      continue;
    }
    res[i] = hi === 0 && lo < 0x80000000 ? lo : -1;
    good++;
  }
  return good;
}

/** A transport data message in place: padding zeroed, header at buf[off-16], sealed (see crypto.c). */
export function transportSeal(
  key: Uint8Array, receiver: number, counter: number, buf: Uint8Array, off: number, len: number, padded: number,
): void {
  if (off < 16 || len < 0 || padded < len) throw new RangeError('transportSeal: bad offsets');
  check(buf, off - 16, padded + 16 + TAG);
  buf.fill(0, off + len, off + padded);
  const n = setNonce(counter);
  buf[off - 16] = 4;
  buf[off - 15] = buf[off - 14] = buf[off - 13] = 0;
  for (let i = 0; i < 4; i++) buf[off - 12 + i] = (receiver >>> (8 * i)) & 0xff;
  for (let i = 0; i < 8; i++) buf[off - 8 + i] = n[4 + i]!;
  aeadSeal(key, counter, null, buf, off, padded);
}

/** transportSeal for a run of packets, counters in order (see crypto.c). */
export function transportSealRun(
  key: Uint8Array, receiver: number, counter: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array,
  pads: Int32Array, start: number, end: number, dOffs: Int32Array, dLens: Int32Array,
): void {
  if (start < 0 || end < start || [offs, lens, pads, dOffs, dLens].some((a) => end > a.length)) {
    throw new RangeError('transportSealRun: bad range');
  }
  if (!(counter >= 0 && counter <= 2 ** 53 - (end - start)) || counter !== Math.floor(counter)) {
    throw new RangeError('transportSealRun: counter out of range');
  }
  for (let i = start; i < end; i++) {
    const off = offs[i]!;
    if (off < 16 || lens[i]! < 0 || pads[i]! < lens[i]! || off + pads[i]! + TAG > buf.length) {
      throw new RangeError('transportSealRun: bad offsets');
    }
  }
  for (let i = start; i < end; i++) {
    transportSeal(key, receiver, counter + (i - start), buf, offs[i]!, lens[i]!, pads[i]!);
    dOffs[i] = offs[i]! - 16;
    dLens[i] = 16 + pads[i]! + TAG;
  }
}

export function xaeadSeal(
  key: Uint8Array, nonce24: Uint8Array, ad: Uint8Array | null, src: Uint8Array, srcOff: number, srcLen: number,
  dst: Uint8Array, dstOff: number,
): void {
  check(src, srcOff, srcLen);
  check(dst, dstOff, srcLen + TAG);
  dst.set(xchacha20poly1305(key, nonce24, opt(ad)).encrypt(src.slice(srcOff, srcOff + srcLen)), dstOff);
}

export function xaeadOpen(
  key: Uint8Array, nonce24: Uint8Array, ad: Uint8Array | null, src: Uint8Array, srcOff: number, srcLen: number,
  dst: Uint8Array, dstOff: number,
): boolean {
  check(src, srcOff, srcLen);
  if (srcLen < TAG) return false;
  check(dst, dstOff, srcLen - TAG);
  try {
    dst.set(xchacha20poly1305(key, nonce24, opt(ad)).decrypt(src.slice(srcOff, srcOff + srcLen)), dstOff);
    return true;
  } catch {
    return false;
  }
}

export function x25519(out: Uint8Array, scalar: Uint8Array, point: Uint8Array): boolean {
  let r: Uint8Array;
  try {
    r = nobleX25519.scalarMult(scalar.subarray(0, 32), point.subarray(0, 32));
  } catch {
    out.fill(0, 0, 32);
    return false; // noble refuses an all-zero result (a low-order point)
  }
  let acc = 0;
  for (let i = 0; i < 32; i++) acc |= r[i]!;
  out.set(acc === 0 ? new Uint8Array(32) : r);
  return acc !== 0;
}

export function x25519Base(out: Uint8Array, scalar: Uint8Array): void {
  out.set(nobleX25519.scalarMultBase(scalar.subarray(0, 32)));
}

export function blake2s(out: Uint8Array, outLen: number, key: Uint8Array | null, ...parts: (Uint8Array | null)[]): void {
  const h = key && key.length > 0 ? nobleBlake2s.create({ key, dkLen: outLen }) : nobleBlake2s.create({ dkLen: outLen });
  for (const p of parts) if (p) h.update(p);
  out.set(h.digest());
}

/** The "state" of a precomputed MAC key here is just [key length, key...]. */
export const macStateSize: number = 33;

export function macKey(state: Uint8Array, key: Uint8Array): void {
  const n = Math.min(key.length, 32);
  state[0] = n;
  state.set(key.subarray(0, n), 1);
}

function macOf(state: Uint8Array, buf: Uint8Array, off: number, len: number): Uint8Array {
  check(buf, off, len);
  return nobleBlake2s.create({ key: state.subarray(1, 1 + state[0]!), dkLen: 16 }).update(buf.subarray(off, off + len)).digest();
}

export function macWrite(state: Uint8Array, buf: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
  out.set(macOf(state, buf, off, len), outOff);
}

export function macCheck(state: Uint8Array, buf: Uint8Array, off: number, len: number, tagOff: number): boolean {
  const m = macOf(state, buf, off, len);
  check(buf, tagOff, 16);
  let d = 0;
  for (let i = 0; i < 16; i++) d |= m[i]! ^ buf[tagOff + i]!;
  return d === 0;
}

const BLOCK = 64;

export function hmac(out: Uint8Array, key: Uint8Array | null, a: Uint8Array | null, b?: Uint8Array | null): void {
  const k = new Uint8Array(BLOCK);
  const kk = key ?? new Uint8Array(0);
  if (kk.length > BLOCK) blake2s(k, 32, null, kk);
  else k.set(kk);
  const pad = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) pad[i] = k[i]! ^ 0x36;
  const inner = new Uint8Array(32);
  blake2s(inner, 32, null, pad, a, b ?? null);
  for (let i = 0; i < BLOCK; i++) pad[i] = k[i]! ^ 0x5c;
  blake2s(out, 32, null, pad, inner);
  k.fill(0);
  pad.fill(0);
  inner.fill(0);
}

export function kdf(key: Uint8Array | null, input: Uint8Array | null, out1: Uint8Array, out2?: Uint8Array | null, out3?: Uint8Array | null): void {
  const prk = new Uint8Array(32);
  hmac(prk, key, input);
  const t1 = new Uint8Array(32);
  const t2 = new Uint8Array(32);
  const t3 = new Uint8Array(32);
  hmac(t1, prk, Uint8Array.of(1));
  if (out2) hmac(t2, prk, t1, Uint8Array.of(2));
  if (out2 && out3) hmac(t3, prk, t2, Uint8Array.of(3));
  out1.set(t1);
  if (out2) out2.set(t2);
  if (out2 && out3) out3.set(t3);
  prk.fill(0);
  t1.fill(0);
  t2.fill(0);
  t3.fill(0);
}
