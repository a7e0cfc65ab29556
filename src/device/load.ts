// "Under load", defined by cost (whitepaper 5.3; the kernel's receive.c uses its handshake queue's
// length for the same purpose). A fixed count of messages per second says nothing about CPU: one
// replayed initiation costs a Diffie-Hellman, a junk one only a mac1 check. So the device measures
// the time it spends on handshake work (everything after a valid mac1: DH, AEAD, cookie replies)
// and is under load while that work took more than UNDER_LOAD_SHARE of the last second; under load
// it demands mac2 (answering with cookie replies) and applies the per-source ratelimiter. Beyond
// HANDSHAKE_WORK_CAP of a second, handshake messages are dropped silently until the second is
// over, so a flood can never take more than that share of the loop from the transport path.
// Times are real milliseconds from the injected work clock.
import { UNDER_LOAD_AFTER } from '../noise/constants.ts';

/** Share of a second of handshake work above which the device is under load (250 ms: ~0.3 ms
 *  per handshake on a 2-core x86 VM, so about 800 handshakes a second before cookies are
 *  demanded; on a router core 10-30x slower, a few dozen). */
export const UNDER_LOAD_SHARE = 1 / 4;
/** Share of a second of handshake work after which handshake messages are dropped (500 ms): the
 *  transport path always keeps at least half of the loop. */
export const HANDSHAKE_WORK_CAP = 1 / 2;
const WINDOW = 1000;

export class HandshakeLoad {
  /** Work in ms within one window above which the device is under load (0: always under load). */
  shareMs: number;
  /** Work in ms within one window after which handshake messages are dropped. */
  capMs: number;
  private windowStart = -Infinity;
  private spentMs = 0;
  private underLoadUntil = -Infinity;

  constructor(share = UNDER_LOAD_SHARE, cap = HANDSHAKE_WORK_CAP) {
    this.shareMs = share * WINDOW;
    this.capMs = cap * WINDOW;
  }

  private roll(now: number): void {
    if (now - this.windowStart >= WINDOW) {
      this.windowStart = now;
      this.spentMs = 0;
    }
  }

  /** Call before handshake work: true while cookies (mac2) are demanded. */
  underLoad(now: number): boolean {
    this.roll(now);
    return this.shareMs <= 0 || now < this.underLoadUntil;
  }

  /** True when this window's handshake budget is used up: drop the message silently. */
  overCap(now: number): boolean {
    this.roll(now);
    return this.spentMs >= this.capMs;
  }

  /** Call after handshake work that started at `start` and ended at `now` (work clock). */
  spent(start: number, now: number): void {
    this.roll(now);
    const ms = now - start;
    if (ms > 0) this.spentMs += ms;
    if (this.spentMs > this.shareMs) this.underLoadUntil = now + UNDER_LOAD_AFTER;
  }

  /** Handshake work in the current window, ms (status and tests). */
  get spentInWindow(): number {
    return this.spentMs;
  }
}
