// The ubus wire protocol (ubus's ubusmsg.h, libubus-io.c, ubusd_proto.c): every message is an
// 8-byte header (version 0, type, seq u16 big-endian, peer u32 big-endian) followed by one blob
// attribute (id 0) whose payload is a run of attributes with UBUS_ATTR_* ids. Method arguments,
// replies and event data travel in UBUS_ATTR_DATA as blobmsg table entries; an object's method
// signatures in UBUS_ATTR_SIGNATURE as blobmsg tables (method name -> {arg: blobmsg type}).
// This file frames and checks messages; src/ubus/client.ts speaks the protocol.
import { attrAt, attrId, attrRawLen, BlobError, BLOB_HDR, BlobWriter, blobString, pad4 } from './blob.ts';

export const UBUS_SOCKETS = ['/var/run/ubus/ubus.sock', '/var/run/ubus.sock'];
export const UBUS_MSG_HDR = 8;
/** ubusd refuses larger messages (UBUS_MAX_MSGLEN of OpenWrt's build); so does the client. */
export const UBUS_MAX_MSGLEN = 1048576;

export const MSG_HELLO = 0;
export const MSG_STATUS = 1;
export const MSG_DATA = 2;
// MSG_PING = 3 (not used by this client)
export const MSG_LOOKUP = 4;
export const MSG_INVOKE = 5;
export const MSG_ADD_OBJECT = 6;
// MSG_REMOVE_OBJECT = 7 (not used by this client)
// MSG_SUBSCRIBE = 8 (not used by this client)
// MSG_UNSUBSCRIBE = 9 (not used by this client)
// MSG_NOTIFY = 10 (not used by this client)
// MSG_MONITOR = 11 (not used by this client)

export const ATTR_STATUS = 1;
export const ATTR_OBJPATH = 2;
export const ATTR_OBJID = 3;
export const ATTR_METHOD = 4;
// ATTR_OBJTYPE = 5 (not used by this client)
export const ATTR_SIGNATURE = 6;
export const ATTR_DATA = 7;
// ATTR_TARGET = 8 (not used by this client)
// ATTR_ACTIVE = 9 (not used by this client)
export const ATTR_NO_REPLY = 10;
// ATTR_SUBSCRIBERS = 11 (not used by this client)
// ATTR_USER = 12 (not used by this client)
// ATTR_GROUP = 13 (not used by this client)
const ATTR_MAX = 14;

export const STATUS_OK = 0;
// STATUS_INVALID_COMMAND = 1 (not used by this client)
export const STATUS_INVALID_ARGUMENT = 2;
export const STATUS_METHOD_NOT_FOUND = 3;
export const STATUS_NOT_FOUND = 4;
// STATUS_NO_DATA = 5 (not used by this client)
// STATUS_PERMISSION_DENIED = 6 (not used by this client)
// STATUS_TIMEOUT = 7 (not used by this client)
// STATUS_NOT_SUPPORTED = 8 (not used by this client)
export const STATUS_UNKNOWN_ERROR = 9;
export const STATUS_CONNECTION_FAILED = 10;

/** The ubusd event object (peer of `send` and `register`). */
export const SYSTEM_OBJECT_EVENT = 1;

/** Size check of each known attribute's payload: int32 (4), int8 (1), string (NUL-terminated),
 *  nested / any (-1). */
const ATTR_KIND: number[] = [-1, 4, 0, 4, 0, 4, -1, -1, 4, 1, 1, -1, 0, 0];

/** A parsed message: header fields and the offset of each top-level attribute (-1 = absent). */
export class UbusMsg {
  type = 0;
  seq = 0;
  peer = 0;
  /** Offsets of the attributes' headers in `buf`, by UBUS_ATTR_* id. */
  readonly at = new Int32Array(ATTR_MAX);
  buf: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));

  has(id: number): boolean {
    return this.at[id]! >= 0;
  }
  u32(id: number): number {
    return this.dv.getUint32(this.at[id]! + BLOB_HDR);
  }
  u8(id: number): number {
    return this.buf[this.at[id]! + BLOB_HDR]!;
  }
  string(id: number): string {
    const a = this.at[id]!;
    return blobString(this.buf, a + BLOB_HDR, a + attrRawLen(this.dv.getUint32(a)) - 1);
  }
  /** [start, end) of an attribute's payload. */
  payload(id: number): [number, number] {
    const a = this.at[id]!;
    return [a + BLOB_HDR, a + attrRawLen(this.dv.getUint32(a))];
  }
}

/** Total length (header + blob) of the message at buf[off..] once its first 12 bytes are there;
 *  throws BlobError when the header is bad (version, length below 4, over UBUS_MAX_MSGLEN). */
export function messageLength(dv: DataView, off: number): number {
  if (dv.getUint8(off) !== 0) throw new BlobError(`ubus: message version ${dv.getUint8(off)}`);
  const raw = attrRawLen(dv.getUint32(off + UBUS_MSG_HDR));
  if (raw < BLOB_HDR) throw new BlobError('ubus: message blob shorter than its header');
  if (pad4(raw) > UBUS_MAX_MSGLEN) throw new BlobError(`ubus: message of ${raw} bytes is over the limit`);
  return UBUS_MSG_HDR + raw;
}

/** Parses the complete message buf[off, off+len) into m (which keeps a reference to buf). Every
 *  attribute must lie inside the message, aligned, padded, and known ones have their size. */
export function parseMessage(buf: Uint8Array, dv: DataView, off: number, len: number, m: UbusMsg): void {
  m.buf = buf;
  m.dv = dv;
  m.type = buf[off + 1]!;
  m.seq = dv.getUint16(off + 2);
  m.peer = dv.getUint32(off + 4);
  m.at.fill(-1);
  const top = off + UBUS_MSG_HDR;
  const word = attrAt(dv, top, off + len);
  if (attrId(word) !== 0 || attrRawLen(word) !== len - UBUS_MSG_HDR) throw new BlobError('ubus: bad message blob');
  const end = off + len;
  let p = top + BLOB_HDR;
  while (p < end) {
    const w = attrAt(dv, p, end);
    const raw = attrRawLen(w);
    if (pad4(raw) > end - p) throw new BlobError('ubus: attribute padding past the message');
    const id = attrId(w);
    if (id < ATTR_MAX) {
      const kind = ATTR_KIND[id]!;
      const n = raw - BLOB_HDR;
      if (kind > 0 && n !== kind) throw new BlobError(`ubus: attribute ${id} has ${n} bytes, not ${kind}`);
      if (kind === 0 && (n < 1 || buf[p + raw - 1] !== 0)) throw new BlobError(`ubus: attribute ${id} is not a string`);
      m.at[id] = p;
    }
    p += pad4(raw);
  }
}

/** Starts a message in w (reset): header, then the top-level blob; returns the blob's offset
 *  for finish(). */
export function beginMessage(w: BlobWriter, type: number, seq: number, peer: number): number {
  w.reset();
  w.u8(0);
  w.u8(type);
  w.u16(seq);
  w.u32(peer);
  return w.open();
}

/** Ends the top-level blob started by beginMessage; the message is w.buf[0, w.len). */
export function finishMessage(w: BlobWriter, top: number): void {
  w.close(top, 0, false);
}
