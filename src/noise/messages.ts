// Wire formats of the four message types (little-endian; byte 0 = type, bytes 1-3 zero).

export const MSG_INITIATION = 1;
export const MSG_RESPONSE = 2;
export const MSG_COOKIE_REPLY = 3;
export const MSG_TRANSPORT = 4;

export const INITIATION_SIZE = 148;
export const RESPONSE_SIZE = 92;
export const COOKIE_REPLY_SIZE = 64;
export const TRANSPORT_HEADER_SIZE = 16;
export const TRANSPORT_MIN_SIZE = 32; // header + empty payload + tag (a keepalive)

// initiation
export const INIT_SENDER = 4;
export const INIT_EPHEMERAL = 8;
export const INIT_STATIC = 40; // 32 + 16 tag
export const INIT_TIMESTAMP = 88; // 12 + 16 tag
// response
export const RESP_SENDER = 4;
export const RESP_RECEIVER = 8;
export const RESP_EPHEMERAL = 12;
export const RESP_EMPTY = 44; // 0 + 16 tag
// both handshake messages end in mac1 then mac2, 16 bytes each
export const MAC1_FROM_END = 32;
export const MAC2_FROM_END = 16;
// cookie reply
export const COOKIE_RECEIVER = 4;
export const COOKIE_NONCE = 8; // 24
export const COOKIE_ENCRYPTED = 32; // 16 + 16 tag
// transport
export const TRANSPORT_RECEIVER = 4;
export const TRANSPORT_COUNTER = 8;

/** The message type if the 4-byte header is well formed (type 1..4, three zero bytes), else 0. */
export function messageType(buf: Uint8Array, off: number, len: number): number {
  if (len < 4) return 0;
  const t = buf[off]!;
  if (t < 1 || t > 4 || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0) return 0;
  switch (t) {
    case MSG_INITIATION:
      return len === INITIATION_SIZE ? t : 0;
    case MSG_RESPONSE:
      return len === RESPONSE_SIZE ? t : 0;
    case MSG_COOKIE_REPLY:
      return len === COOKIE_REPLY_SIZE ? t : 0;
    default:
      return len >= TRANSPORT_MIN_SIZE ? t : 0;
  }
}

export function writeHeader(buf: Uint8Array, off: number, type: number): void {
  buf[off] = type;
  buf[off + 1] = 0;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
}
