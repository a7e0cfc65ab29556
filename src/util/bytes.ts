// Byte helpers shared by every layer. Explicit byte access only: wire fields are little-endian
// and must decode the same on big-endian MIPS, so nothing here aliases a wider typed array.

const HEX = '0123456789abcdef';

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return s;
}

/** The value of a hex digit character code (either case), or -1. */
export function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Decodes hex of exactly `len` bytes; returns null on any bad character or length. */
export function fromHex(s: string, len: number): Uint8Array | null {
  if (s.length !== len * 2) return null;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64REV = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64REV[B64.charCodeAt(i)] = i;

export function toBase64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return s;
}

/** A WireGuard key in base64: 44 characters, '=' last, canonical trailing bits (wg(8)'s
 *  key_from_base64). The one rule for every key read from text (UCI, rpcd, .conf, CLI). */
export function keyFromBase64(s: string): Uint8Array | null {
  return fromBase64(s, 32);
}

/**
 * Strict base64 decode (standard alphabet, padded, canonical trailing bits) of exactly `len`
 * bytes, as wg(8) requires for keys (44 characters for 32 bytes). Returns null otherwise.
 */
export function fromBase64(s: string, len: number): Uint8Array | null {
  const want = Math.ceil(len / 3) * 4;
  if (s.length !== want) return null;
  const pad = len % 3 === 0 ? 0 : 3 - (len % 3);
  for (let i = want - pad; i < want; i++) if (s[i] !== '=') return null;
  const out = new Uint8Array(len);
  let o = 0;
  for (let i = 0; i < want; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      let v: number;
      if (i + j >= want - pad) v = 0;
      else {
        v = c < 128 ? B64REV[c]! : -1;
        if (v < 0) return null;
      }
      n = (n << 6) | v;
    }
    const bytes = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    for (let j = 0; j < 3 && o < len; j++) out[o++] = bytes[j]!;
    if (o === len && i + 4 === want) {
      // canonical: the unused low bits of the last group must be zero
      if (pad === 1 && (n & 0xff) !== 0) return null;
      if (pad === 2 && (n & 0xffff) !== 0) return null;
    }
  }
  return out;
}

/** Constant-time equality (for MACs, keys). Lengths are public. */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Constant-time check of a range against zero. */
export function isZero(a: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]!;
  return d === 0;
}

export function readU32LE(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
export function writeU32LE(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 255;
  b[o + 1] = (v >>> 8) & 255;
  b[o + 2] = (v >>> 16) & 255;
  b[o + 3] = (v >>> 24) & 255;
}
export function writeU32BE(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 255;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}

/**
 * u64 little-endian as a JS number. Exact up to 2^53; the wire counters we read are compared
 * against REJECT_AFTER_MESSAGES (~2^64), so a value with any of the top 11 bits set is returned
 * as Infinity: such a counter is beyond every limit and gets rejected, never mis-ordered.
 */
export function readU64LE(b: Uint8Array, o: number): number {
  const lo = readU32LE(b, o);
  const hi = readU32LE(b, o + 4);
  if (hi === 0) return lo; // an int32 for counters below 2^31: integer fast paths in QuickJS
  if (hi >= 0x200000) return Infinity;
  return hi * 4294967296 + lo;
}
/** Writes a non-negative integer below 2^53 as u64 little-endian. */
export function writeU64LE(b: Uint8Array, o: number, v: number): void {
  const lo = v % 4294967296;
  const hi = (v - lo) / 4294967296;
  writeU32LE(b, o, lo);
  writeU32LE(b, o + 4, hi);
}

/**
 * UTF-8 of `s` written into buf from `off` (room for 3 bytes per UTF-16 unit is enough); returns
 * the offset after it. A lone surrogate becomes U+FFFD, as TextEncoder does (QuickJS has none),
 * except with `byteEscapes`, where a lone U+DC80..U+DCFF stands for the byte 0x80..0xff it escapes
 * (how src/openwrt/uci.ts keeps non-UTF-8 bytes).
 */
export function utf8EncodeInto(s: string, buf: Uint8Array, off: number, byteEscapes = false): number {
  let o = off;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[o++] = c;
      continue;
    }
    if (c >= 0xd800 && c < 0xe000) {
      const d = c < 0xdc00 && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        buf[o++] = 0xf0 | (c >> 18);
        buf[o++] = 0x80 | ((c >> 12) & 63);
        buf[o++] = 0x80 | ((c >> 6) & 63);
        buf[o++] = 0x80 | (c & 63);
        continue;
      }
      if (byteEscapes && c >= 0xdc80 && c <= 0xdcff) {
        buf[o++] = c - 0xdc00;
        continue;
      }
      c = 0xfffd; // a lone surrogate
    }
    if (c < 0x800) {
      buf[o++] = 0xc0 | (c >> 6);
      buf[o++] = 0x80 | (c & 63);
    } else {
      buf[o++] = 0xe0 | (c >> 12);
      buf[o++] = 0x80 | ((c >> 6) & 63);
      buf[o++] = 0x80 | (c & 63);
    }
  }
  return o;
}

/** UTF-8 encode (see utf8EncodeInto). */
export function utf8Encode(s: string, byteEscapes = false): Uint8Array {
  const b = new Uint8Array(s.length * 3);
  return b.slice(0, utf8EncodeInto(s, b, 0, byteEscapes));
}

/** UTF-8 decode (lenient: invalid sequences become U+FFFD). */
export function utf8Decode(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; ) {
    const c = b[i++]!;
    let cp: number;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c < 0xe0 && i < end) cp = ((c & 31) << 6) | (b[i++]! & 63);
    else if (c >= 0xe0 && c < 0xf0 && i + 1 < end) {
      cp = ((c & 15) << 12) | ((b[i]! & 63) << 6) | (b[i + 1]! & 63);
      i += 2;
    } else if (c >= 0xf0 && c < 0xf5 && i + 2 < end) {
      cp = ((c & 7) << 18) | ((b[i]! & 63) << 12) | ((b[i + 1]! & 63) << 6) | (b[i + 2]! & 63);
      i += 3;
    } else cp = 0xfffd;
    s += String.fromCodePoint(cp);
  }
  return s;
}

