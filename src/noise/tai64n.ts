// TAI64N timestamps (12 bytes big-endian: 2^62 + 10 + seconds, then nanoseconds), with the
// nanoseconds rounded down to a multiple of 2^24 ns (~16.8 ms) like wireguard-go, so a timestamp
// says nothing precise about the sender's clock.
import { writeU32BE } from '../util/bytes.ts';

const TAI_BASE_HI = 0x40000000; // 2^62 = 0x4000000000000000: the high 32 bits
const WHITENER_MASK = 0x1000000 - 1;

export function tai64n(unixSeconds: number, out: Uint8Array = new Uint8Array(12), off = 0): Uint8Array {
  const whole = Math.floor(unixSeconds);
  const secs = whole + 10;
  let nanos = Math.floor((unixSeconds - whole) * 1e9);
  if (nanos > 999_999_999) nanos = 999_999_999;
  nanos -= nanos & WHITENER_MASK;
  writeU32BE(out, off, TAI_BASE_HI + Math.floor(secs / 4294967296));
  writeU32BE(out, off + 4, secs >>> 0);
  writeU32BE(out, off + 8, nanos);
  return out;
}

/** Big-endian comparison of two 12-byte timestamps: >0 if a is newer. */
export function compareTai64n(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 12; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}
