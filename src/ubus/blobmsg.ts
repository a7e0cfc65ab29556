// libubox's blobmsg: named, typed values in blob attributes (what ubus carries as method
// arguments, replies and event data). An attribute has the extended bit set, its id is the
// type, and its payload starts with a name header: u16 big-endian name length, the name, a NUL,
// zero padding to a multiple of 4 (counted from the payload start), then the value:
//   UNSPEC 0 (any bytes; JSON null), ARRAY 1 / TABLE 2 (nested attributes, unnamed / named),
//   STRING 3 (NUL-terminated), INT64 4, INT32 5, INT16 6, INT8 7 (= BOOL), DOUBLE 8 (IEEE 754),
// integers and doubles big-endian. Array elements carry an empty name (as libubox writes them);
// without the extended bit an array element's value follows the blob header directly.
// Decoding checks what libubox's blobmsg_check_array_len checks (lengths inside their container,
// name headers, NUL terminators, exact integer sizes, known types) plus a nesting limit, and
// throws BlobError on anything else: trailing bytes, misalignment, a nameless table entry.
import { attrAt, attrExtended, attrId, attrRawLen, blobString, BlobError, BLOB_EXTENDED, BLOB_HDR, BLOB_ID_SHIFT, BlobWriter, pad4, utf8Cached } from './blob.ts';

const BLOBMSG_UNSPEC = 0;
const BLOBMSG_ARRAY = 1;
const BLOBMSG_TABLE = 2;
const BLOBMSG_STRING = 3;
const BLOBMSG_INT64 = 4;
const BLOBMSG_INT32 = 5;
const BLOBMSG_INT16 = 6;
const BLOBMSG_INT8 = 7;

const BLOBMSG_DOUBLE = 8;
const BLOBMSG_LAST = 8;

/** Nesting deeper than this is refused (encoding and decoding). */
const MAX_DEPTH = 64;

/** A value with an explicit blobmsg type (encoding), or a decoded scalar in typed mode. */
export class Typed {
  constructor(
    readonly type: number,
    readonly value: number | bigint | Uint8Array | null,
  ) {}
}

/** Constructors of explicitly typed values. */
export const bm = {
  int8: (v: number) => new Typed(BLOBMSG_INT8, v),
  bool: (v: boolean) => new Typed(BLOBMSG_INT8, v ? 1 : 0),
  int16: (v: number) => new Typed(BLOBMSG_INT16, v),
  int32: (v: number) => new Typed(BLOBMSG_INT32, v),
  int64: (v: bigint | number) => new Typed(BLOBMSG_INT64, BigInt(v)),
  double: (v: number) => new Typed(BLOBMSG_DOUBLE, v),
  unspec: (v: Uint8Array | null = null) => new Typed(BLOBMSG_UNSPEC, v),
};

export type BlobmsgValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Typed
  | BlobmsgValue[]
  | { [k: string]: BlobmsgValue };

/** Decoded values (JSON mode): what blobmsg_format_json would print, as JS values. INT64 beyond
 *  2^53 stays a bigint. Typed mode gives Typed for every scalar except strings. */
export type Decoded = null | boolean | number | bigint | string | Typed | Decoded[] | { [k: string]: Decoded };

// ------------------------------------------------------------------------------------ encoding

/** Writes one blobmsg attribute named `name` ('' for array elements). */
export function writeField(w: BlobWriter, name: string, v: BlobmsgValue, depth = 0): void {
  if (depth > MAX_DEPTH) throw new RangeError('blobmsg: nesting too deep');
  const hdr = nameHeader(name);
  // fast paths (a status reply is mostly these): header, name and value written in one go
  const tv = typeof v;
  if ((tv === 'string' && (v as string).length <= 64) || tv === 'boolean' || (tv === 'number' && (v as number) === ((v as number) | 0))) {
    const e = tv === 'string' ? utf8Cached(v as string) : null;
    const n = e !== null ? e.length + 1 : tv === 'boolean' ? 1 : 4;
    const raw = 4 + hdr.length + n;
    w.ensure(raw + 3);
    const b = w.buf;
    const o = w.len;
    const type = e !== null ? BLOBMSG_STRING : tv === 'boolean' ? BLOBMSG_INT8 : BLOBMSG_INT32;
    w.setU32(o, BLOB_EXTENDED | (type << BLOB_ID_SHIFT) | raw);
    b.set(hdr, o + 4);
    const d = o + 4 + hdr.length;
    if (e !== null) {
      b.set(e, d);
      b[d + n - 1] = 0;
    } else if (tv === 'boolean') b[d] = v ? 1 : 0;
    else w.setU32(d, v as number);
    let p = o + raw;
    while ((p & 3) !== 0) b[p++] = 0;
    w.len = p;
    return;
  }
  const at = w.open();
  w.bytes(hdr);
  let type: number;
  if (v === null || v === undefined) type = BLOBMSG_UNSPEC;
  else if (typeof v === 'boolean') {
    type = BLOBMSG_INT8;
    w.u8(v ? 1 : 0);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
      type = BLOBMSG_INT32;
      w.u32(v);
    } else if (Number.isSafeInteger(v)) {
      type = BLOBMSG_INT64;
      w.u64(BigInt(v));
    } else {
      type = BLOBMSG_DOUBLE;
      w.f64(v);
    }
  } else if (typeof v === 'bigint') {
    type = BLOBMSG_INT64;
    w.u64(v);
  } else if (typeof v === 'string') {
    type = BLOBMSG_STRING;
    w.utf8(v);
    w.u8(0);
  } else if (v instanceof Uint8Array) {
    type = BLOBMSG_UNSPEC;
    w.bytes(v);
  } else if (v instanceof Typed) {
    type = v.type;
    writeTyped(w, v);
  } else if (Array.isArray(v)) {
    type = BLOBMSG_ARRAY;
    for (let i = 0; i < v.length; i++) writeField(w, '', v[i], depth + 1);
  } else {
    type = BLOBMSG_TABLE;
    writeTableBody(w, v, depth + 1);
  }
  w.close(at, type, true);
}

// name headers (u16 length, name, NUL, padding) of the names seen, encoded once
const headers = new Map<string, Uint8Array>();
const NO_NAME = Uint8Array.of(0, 0, 0, 0);

function nameHeader(name: string): Uint8Array {
  if (name === '') return NO_NAME;
  let h = headers.get(name);
  if (h !== undefined) return h;
  const w = new BlobWriter(16);
  w.u16(0);
  w.utf8(name);
  const namelen = w.len - 2;
  if (namelen > 0xffff) throw new RangeError('blobmsg: name too long');
  w.buf[0] = namelen >>> 8;
  w.buf[1] = namelen & 0xff;
  w.u8(0);
  w.pad();
  h = w.buf.slice(0, w.len);
  if (name.length <= 64) {
    if (headers.size >= 512) headers.clear();
    headers.set(name, h);
  }
  return h;
}

function writeTyped(w: BlobWriter, t: Typed): void {
  const v = t.value;
  switch (t.type) {
    case BLOBMSG_INT8:
      w.u8(Number(v));
      return;
    case BLOBMSG_INT16:
      w.u16(Number(v));
      return;
    case BLOBMSG_INT32:
      w.u32(Number(v));
      return;
    case BLOBMSG_INT64:
      w.u64(typeof v === 'bigint' ? v : BigInt(Number(v)));
      return;
    case BLOBMSG_DOUBLE:
      w.f64(Number(v));
      return;
    case BLOBMSG_UNSPEC:
      if (v instanceof Uint8Array) w.bytes(v);
      return;
    default:
      throw new RangeError(`blobmsg: cannot write a Typed value of type ${t.type}`);
  }
}

/** The entries of a table (or of a ubus DATA attribute) without a surrounding attribute;
 *  undefined values are left out, as JSON.stringify leaves them out. */
export function writeTableBody(w: BlobWriter, o: { [k: string]: BlobmsgValue }, depth = 0): void {
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    const v = o[k];
    if (v !== undefined) writeField(w, k, v, depth);
  }
}

/** A table's entries as standalone bytes (the payload of a ubus DATA attribute). */
export function encodeTable(o: { [k: string]: BlobmsgValue }): Uint8Array {
  const w = new BlobWriter(256);
  writeTableBody(w, o);
  return w.buf.slice(0, w.len);
}

// ------------------------------------------------------------------------------------ decoding

function setKey(o: { [k: string]: Decoded }, k: string, v: Decoded): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** Decodes the attributes in buf[off, end): a table (named: true) or an array's elements. */
export function decodeList(buf: Uint8Array, off: number, end: number, named: boolean, typed = false, depth = 0): Decoded[] | { [k: string]: Decoded } {
  if (depth > MAX_DEPTH) throw new BlobError('blobmsg: nesting too deep');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Decoded[] = [];
  const obj: { [k: string]: Decoded } = {};
  let p = off;
  while (p < end) {
    const word = attrAt(dv, p, end);
    const raw = attrRawLen(word);
    if (pad4(raw) > end - p) throw new BlobError('blobmsg: attribute padding past its container');
    const type = attrId(word);
    let data = p + BLOB_HDR;
    const stop = p + raw;
    let name = '';
    if (attrExtended(word)) {
      if (stop - data < 3) throw new BlobError('blobmsg: truncated name header');
      const namelen = dv.getUint16(data);
      const hdrlen = pad4(2 + namelen + 1);
      if (stop - data < hdrlen) throw new BlobError('blobmsg: name longer than its attribute');
      if (buf[data + 2 + namelen] !== 0) throw new BlobError('blobmsg: name not NUL-terminated');
      if (named && namelen === 0) throw new BlobError('blobmsg: table entry without a name');
      name = blobString(buf, data + 2, data + 2 + namelen);
      data += hdrlen;
    } else if (named) throw new BlobError('blobmsg: table entry without a name');
    const v = decodeValue(buf, dv, type, data, stop, typed, depth);
    if (named) setKey(obj, name, v);
    else out.push(v);
    p += pad4(raw);
  }
  return named ? obj : out;
}

function decodeValue(buf: Uint8Array, dv: DataView, type: number, data: number, stop: number, typed: boolean, depth: number): Decoded {
  const len = stop - data;
  switch (type) {
    case BLOBMSG_UNSPEC:
      return typed ? new Typed(BLOBMSG_UNSPEC, len ? buf.slice(data, stop) : null) : null;
    case BLOBMSG_ARRAY:
      return decodeList(buf, data, stop, false, typed, depth + 1);
    case BLOBMSG_TABLE:
      return decodeList(buf, data, stop, true, typed, depth + 1);
    case BLOBMSG_STRING:
      if (len < 1 || buf[stop - 1] !== 0) throw new BlobError('blobmsg: string not NUL-terminated');
      return blobString(buf, data, stop - 1);
    case BLOBMSG_INT64: {
      if (len !== 8) throw new BlobError('blobmsg: int64 of wrong size');
      const v = dv.getBigInt64(data);
      if (typed) return new Typed(type, v);
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    }
    case BLOBMSG_INT32: {
      if (len !== 4) throw new BlobError('blobmsg: int32 of wrong size');
      const v = dv.getInt32(data);
      return typed ? new Typed(type, v) : v;
    }
    case BLOBMSG_INT16: {
      if (len !== 2) throw new BlobError('blobmsg: int16 of wrong size');
      const v = dv.getInt16(data);
      return typed ? new Typed(type, v) : v;
    }
    case BLOBMSG_INT8: {
      if (len !== 1) throw new BlobError('blobmsg: int8 of wrong size');
      const v = buf[data]!;
      return typed ? new Typed(type, v) : v !== 0;
    }
    case BLOBMSG_DOUBLE: {
      if (len < 8) throw new BlobError('blobmsg: double too short');
      const v = dv.getFloat64(data);
      return typed ? new Typed(type, v) : v;
    }
    default:
      throw new BlobError(`blobmsg: unknown type ${type} (last is ${BLOBMSG_LAST})`);
  }
}

/** A table's entries in buf[off, end) as an object (JSON mode unless typed). */
export function decodeTable(buf: Uint8Array, off = 0, end = buf.length, typed = false): { [k: string]: Decoded } {
  return decodeList(buf, off, end, true, typed) as { [k: string]: Decoded };
}

/** One complete blobmsg attribute at buf[off..]: [name, value, padded length]. */
export function decodeField(buf: Uint8Array, off = 0, end = buf.length, typed = false): [string, Decoded, number] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const word = attrAt(dv, off, end);
  const padded = pad4(attrRawLen(word));
  if (padded > end - off) throw new BlobError('blobmsg: attribute padding past its container');
  // decode it as a one-element array, keeping its name
  if (!attrExtended(word)) return ['', (decodeList(buf, off, off + padded, false, typed) as Decoded[])[0]!, padded];
  const namelen = end - off >= 8 ? dv.getUint16(off + BLOB_HDR) : 0;
  const v = (decodeList(buf, off, off + padded, false, typed) as Decoded[])[0]!;
  return [blobString(buf, off + BLOB_HDR + 2, off + BLOB_HDR + 2 + namelen), v, padded];
}
