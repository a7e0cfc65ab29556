// Netlink messages (RFC 3549, linux/netlink.h, linux/genetlink.h): building requests, walking
// answers, and one request/answer exchange over an injected socket. Unlike the WireGuard wire
// format, netlink is in the HOST's byte order (big-endian on mips), so every multi-byte field goes
// through DataView with the socket's `littleEndian`; nothing here aliases a typed array over
// message bytes. Attributes are 4-byte aligned: u16 length (header + payload, without padding),
// u16 type (top two bits are flags), payload, zero padding.

import { utf8Decode, utf8Encode } from '../util/bytes.ts';

const NLMSG_NOOP = 1;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP = 0x300; // NLM_F_ROOT | NLM_F_MATCH

export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;

const NLMSG_HDRLEN = 16;
const NLA_HDRLEN = 4;

/** What the platform gives: a bound netlink socket (kernel side = port 0). */
export interface NetlinkSocket {
  /** Byte order of this host, which is netlink's byte order. */
  littleEndian: boolean;
  /** Sends one message to the kernel. Throws an error with `errno` on failure. */
  send(msg: Uint8Array): void;
  /** Receives one datagram into buf; returns its length. Throws an error with `errno`. */
  recv(buf: Uint8Array): number;
  close(): void;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Builds one netlink message in a fixed buffer. Every put returns false, leaving the message
 * unchanged, when it would grow the message past `limit` bytes (the caller then sends what it
 * has and continues in a new message, as wg(8) does).
 */
export class NlWriter {
  readonly buf: Uint8Array;
  private readonly dv: DataView;
  private readonly le: boolean;
  private readonly limit: number;
  len = 0;

  constructor(limit: number, littleEndian: boolean) {
    this.limit = limit;
    this.buf = new Uint8Array(limit);
    this.dv = new DataView(this.buf.buffer);
    this.le = littleEndian;
  }

  /** Starts a message: nlmsghdr with the length filled in by done(). */
  begin(type: number, flags: number, seq: number): void {
    this.buf.fill(0);
    this.dv.setUint16(4, type, this.le);
    this.dv.setUint16(6, flags, this.le);
    this.dv.setUint32(8, seq >>> 0, this.le);
    this.len = NLMSG_HDRLEN;
  }

  /** A fixed family header after nlmsghdr (genlmsghdr, ifinfomsg): `bytes` zero bytes to fill. */
  extraHeader(bytes: number): number {
    const off = this.len;
    this.len += align4(bytes);
    return off;
  }

  setU8(off: number, v: number): void {
    this.buf[off] = v & 0xff;
  }

  private room(payload: number): boolean {
    return this.len + NLA_HDRLEN + align4(payload) <= this.limit;
  }

  private header(type: number, payload: number): number {
    const off = this.len;
    this.dv.setUint16(off, NLA_HDRLEN + payload, this.le);
    this.dv.setUint16(off + 2, type, this.le);
    this.len = off + NLA_HDRLEN + align4(payload);
    return off + NLA_HDRLEN;
  }

  put(type: number, data: Uint8Array): boolean {
    if (!this.room(data.length)) return false;
    this.buf.set(data, this.header(type, data.length));
    return true;
  }

  putU8(type: number, v: number): boolean {
    if (!this.room(1)) return false;
    this.buf[this.header(type, 1)] = v & 0xff;
    return true;
  }

  putU16(type: number, v: number): boolean {
    if (!this.room(2)) return false;
    this.dv.setUint16(this.header(type, 2), v, this.le);
    return true;
  }

  putU32(type: number, v: number): boolean {
    if (!this.room(4)) return false;
    this.dv.setUint32(this.header(type, 4), v >>> 0, this.le);
    return true;
  }

  /** A NUL-terminated UTF-8 string. */
  putStrz(type: number, s: string): boolean {
    const u = utf8Encode(s);
    const b = new Uint8Array(u.length + 1);
    b.set(u);
    return this.put(type, b);
  }

  /** Opens a nested attribute; returns its offset, or -1 if not even the header fits. */
  nestStart(type: number): number {
    if (!this.room(0)) return -1;
    const off = this.len;
    this.header(type | NLA_F_NESTED, 0);
    return off;
  }

  nestEnd(off: number): void {
    this.dv.setUint16(off, this.len - off, this.le);
  }

  /** Drops a nested attribute opened at `off` and everything put after it. */
  cancel(off: number): void {
    this.buf.fill(0, off, this.len);
    this.len = off;
  }

  /** The finished message (a copy). */
  done(): Uint8Array {
    this.dv.setUint32(0, this.len, this.le);
    return this.buf.slice(0, this.len);
  }
}

/** One attribute: its type (flags removed) and payload range in the message buffer. */
export interface NlAttr {
  type: number;
  start: number;
  end: number;
}

/** Read-only access to a received buffer in host byte order. */
export class NlReader {
  readonly buf: Uint8Array;
  private readonly dv: DataView;
  private readonly le: boolean;

  constructor(buf: Uint8Array, littleEndian: boolean) {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.le = littleEndian;
  }

  u16(off: number): number {
    return this.dv.getUint16(off, this.le);
  }
  u32(off: number): number {
    return this.dv.getUint32(off, this.le);
  }
  i32(off: number): number {
    return this.dv.getInt32(off, this.le);
  }
  /** Exact u64. */
  u64(off: number): bigint {
    return this.dv.getBigUint64(off, this.le);
  }
  /** s64 as a number (seconds and nanoseconds of a timespec fit). */
  i64(off: number): number {
    return Number(this.dv.getBigInt64(off, this.le));
  }

  /**
   * The attributes in [start, end). A truncated or malformed attribute ends the walk and
   * returns null (the message is then not trusted at all).
   */
  attrs(start: number, end: number): NlAttr[] | null {
    const out: NlAttr[] = [];
    let off = start;
    while (off + NLA_HDRLEN <= end) {
      const len = this.u16(off);
      if (len < NLA_HDRLEN || off + len > end) return null;
      out.push({ type: this.u16(off + 2) & NLA_TYPE_MASK, start: off + NLA_HDRLEN, end: off + len });
      off += align4(len);
    }
    return out;
  }

  /** A string attribute up to its first NUL (or its end). */
  str(a: NlAttr): string {
    let e = a.start;
    while (e < a.end && this.buf[e] !== 0) e++;
    return utf8Decode(this.buf, a.start, e);
  }

  bytes(a: NlAttr): Uint8Array {
    return this.buf.slice(a.start, a.end);
  }
}

/** One received message: header fields and the payload range after nlmsghdr. */
export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  start: number;
  end: number;
}

/** The messages in one datagram; null when a header is truncated or inconsistent. */
export function parseMessages(r: NlReader, n: number): NlMessage[] | null {
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= n) {
    const len = r.u32(off);
    if (len < NLMSG_HDRLEN || off + len > n) return null;
    out.push({ type: r.u16(off + 4), flags: r.u16(off + 6), seq: r.u32(off + 8), start: off + NLMSG_HDRLEN, end: off + len });
    off += align4(len);
  }
  return off >= n ? out : null;
}

/**
 * Sends `msg` (with NLM_F_ACK, or NLM_F_DUMP) and reads the answers with its sequence number
 * until the kernel's ACK, error or NLMSG_DONE. Every data message goes to `onMessage`.
 * Returns 0, or the positive errno the kernel answered; `intr` is set when a dump was
 * interrupted by a concurrent change (NLM_F_DUMP_INTR: the caller decides to retry).
 * Socket errors are thrown; an answer that is not netlink at all counts as `eproto`.
 */
export function request(
  sock: NetlinkSocket, msg: Uint8Array, seq: number,
  onMessage: (r: NlReader, m: NlMessage) => void,
  eproto: number,
): { errno: number; intr: boolean } {
  sock.send(msg);
  const buf = new Uint8Array(65536);
  const r = new NlReader(buf, sock.littleEndian);
  let intr = false;
  for (;;) {
    const n = sock.recv(buf);
    const msgs = parseMessages(r, n);
    if (!msgs) return { errno: eproto, intr };
    for (const m of msgs) {
      if (m.seq !== seq >>> 0) continue;
      if (m.flags & NLM_F_DUMP_INTR) intr = true;
      if (m.type === NLMSG_NOOP) continue;
      if (m.type === NLMSG_ERROR || m.type === NLMSG_DONE) {
        // both carry an int error (0 = ACK/complete) right after the header
        const err = m.end - m.start >= 4 ? r.i32(m.start) : 0;
        return { errno: err < 0 ? -err : 0, intr };
      }
      if (m.type === NLMSG_OVERRUN) return { errno: eproto, intr };
      onMessage(r, m);
    }
  }
}
