// libubox's blob_attr, the framing under blobmsg and ubus: a 32-bit big-endian word (bit 31 the
// "extended" flag, bits 30..24 the id, bits 23..0 the length of header + payload, unpadded),
// then the payload, then zero padding to a multiple of 4. A nested attribute's payload is a run
// of padded attributes, and its length counts that padding. Lengths and numbers are big-endian
// on every arch: every access goes through DataView or explicit bytes.
import { utf8Decode, utf8EncodeInto } from '../util/bytes.ts';

export const BLOB_EXTENDED = 0x80000000;
export const BLOB_ID_SHIFT = 24;
const BLOB_ID_MASK = 0x7f;
const BLOB_LEN_MASK = 0x00ffffff;
export const BLOB_HDR = 4;

const CACHE_STRLEN = 64;
const CACHE_ENTRIES = 512;

const cache = new Map<string, Uint8Array>();
let scratch: BlobWriter | null = null;

/** The UTF-8 bytes of a short string (<= 64 UTF-16 units), from a bounded cache. */
export function utf8Cached(s: string): Uint8Array {
  let e = cache.get(s);
  if (e !== undefined) return e;
  const w = scratch ?? (scratch = new BlobWriter(256));
  w.reset();
  w.utf8Slow(s);
  e = w.buf.slice(0, w.len);
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  cache.set(s, e);
  return e;
}

/** Rounds up to the blob alignment (4). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Malformed input: the decoders throw it, the ubus client catches it and drops the connection. */
export class BlobError extends Error {}

/** A growable output buffer that writes attributes in place (no intermediate objects). Reused:
 *  reset() and write again. */
export class BlobWriter {
  buf: Uint8Array;
  dv: DataView;
  len = 0;

  constructor(capacity = 1024, readonly max = BLOB_LEN_MASK) {
    this.buf = new Uint8Array(capacity);
    this.dv = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.len = 0;
  }

  /** Room for n more bytes (throws a RangeError past `max`). */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    if (need > this.max) throw new RangeError('blob: message too large');
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const b = new Uint8Array(Math.min(cap, this.max + 8));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }

  /** Raw bytes (e.g. the ubus message header). */
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
  }
  // explicit big-endian bytes (faster than DataView calls in QuickJS, same on every arch)
  u16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const o = this.len;
    b[o] = (v >>> 8) & 0xff;
    b[o + 1] = v & 0xff;
    this.len = o + 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.setU32(this.len, v);
    this.len += 4;
  }
  /** Big-endian u32 at an offset already written. */
  setU32(o: number, v: number): void {
    const b = this.buf;
    b[o] = (v >>> 24) & 0xff;
    b[o + 1] = (v >>> 16) & 0xff;
    b[o + 2] = (v >>> 8) & 0xff;
    b[o + 3] = v & 0xff;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.dv.setBigUint64(this.len, BigInt.asUintN(64, v));
    this.len += 8;
  }
  f64(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.len, v);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** UTF-8 of s without a terminator. Short strings (names, keys, addresses: the same ones
   *  call after call) are encoded once and then copied natively from a bounded cache. */
  utf8(s: string): void {
    const e = s.length <= CACHE_STRLEN ? utf8Cached(s) : null;
    if (e === null) return this.utf8Slow(s);
    this.ensure(e.length);
    this.buf.set(e, this.len);
    this.len += e.length;
  }

  /** @internal */ utf8Slow(s: string): void {
    this.ensure(s.length * 3); // at most 3 bytes per UTF-16 unit
    this.len = utf8EncodeInto(s, this.buf, this.len);
  }
  /** Zero bytes up to the next multiple of 4 (relative to the buffer start). */
  pad(): void {
    let o = this.len;
    if ((o & 3) === 0) return;
    this.ensure(3);
    const b = this.buf;
    while ((o & 3) !== 0) b[o++] = 0;
    this.len = o;
  }

  /** Starts an attribute (header written at close); returns its offset. */
  open(): number {
    const at = this.len;
    this.u32(0);
    return at;
  }

  /** Ends the attribute started at `at`: header = extended | id | (length up to here), then the
   *  padding. Nested contents are already padded, so their padding is in the parent's length. */
  close(at: number, id: number, extended: boolean): void {
    const raw = this.len - at;
    if (raw > BLOB_LEN_MASK) throw new RangeError('blob: attribute too large');
    this.setU32(at, (extended ? BLOB_EXTENDED : 0) | ((id & BLOB_ID_MASK) << BLOB_ID_SHIFT) | raw);
    this.pad();
  }

  /** A complete attribute with a 32-bit payload (blob_put_int32). */
  putU32(id: number, v: number): void {
    const at = this.open();
    this.u32(v);
    this.close(at, id, false);
  }
  putU8(id: number, v: number): void {
    const at = this.open();
    this.u8(v);
    this.close(at, id, false);
  }
  /** A NUL-terminated string attribute (blob_put_string). */
  putString(id: number, s: string): void {
    const at = this.open();
    this.utf8(s);
    this.u8(0);
    this.close(at, id, false);
  }
}

/** Reads one attribute header at `off` inside [off, end): [id, extended, rawLen]. Throws on a
 *  truncated or impossible header (length below 4 or past `end`) and on misalignment. */
export function attrAt(dv: DataView, off: number, end: number): number {
  if ((off & 3) !== 0) throw new BlobError('blob: misaligned attribute');
  if (end - off < BLOB_HDR) throw new BlobError('blob: truncated attribute header');
  const w = dv.getUint32(off);
  const raw = w & BLOB_LEN_MASK;
  if (raw < BLOB_HDR) throw new BlobError('blob: attribute length below its header');
  if (raw > end - off) throw new BlobError('blob: attribute longer than its container');
  return w >>> 0;
}

export function attrId(word: number): number {
  return (word >>> BLOB_ID_SHIFT) & BLOB_ID_MASK;
}
export function attrExtended(word: number): boolean {
  return (word & BLOB_EXTENDED) !== 0;
}
export function attrRawLen(word: number): number {
  return word & BLOB_LEN_MASK;
}

/** UTF-8 bytes buf[off, end) as a string: ASCII (names, keys, addresses) in one call, anything
 *  else through the lenient decoder of util/bytes (invalid sequences become U+FFFD). */
export function blobString(buf: Uint8Array, off: number, end: number): string {
  let ascii = true;
  for (let i = off; i < end; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return utf8Decode(buf, off, end);
  if (end - off <= 8192) return String.fromCharCode.apply(null, buf.subarray(off, end) as unknown as number[]);
  let s = '';
  for (let i = off; i < end; i += 8192) s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(end, i + 8192)) as unknown as number[]);
  return s;
}
