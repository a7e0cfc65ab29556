// Sliding-window replay protection (RFC 6479), as the Linux kernel does it: a ring of 8192 bits in
// 128 blocks of 64 bits (kept as pairs of 32-bit words), window 8192 - 64 = 8128 counters.
// Internal state only, never wire bytes, so a Uint32Array is fine. No allocation per call.

const RING_BITS = 8192;
const BLOCK_BITS = 64;
const BLOCKS = RING_BITS / BLOCK_BITS; // 128
export const REPLAY_WINDOW = RING_BITS - BLOCK_BITS; // 8128

export class ReplayFilter {
  /** One more than the highest counter accepted (0 = none yet). */
  private top = 0;
  private readonly ring = new Uint32Array(BLOCKS * 2);

  reset(): void {
    this.top = 0;
    this.ring.fill(0);
  }

  /**
   * True if `counter` is below `limit`, not older than the window and not seen before; it is
   * then recorded. Counters are exact integers (< 2^53) or Infinity (an over-large u64).
   */
  validateCounter(counter: number, limit: number): boolean {
    if (!(counter < limit) || !(counter >= 0)) return false;
    const c = counter + 1;
    if (REPLAY_WINDOW + c < this.top) return false; // too old
    const index = Math.floor(c / BLOCK_BITS);
    if (c > this.top) {
      const current = Math.floor(this.top / BLOCK_BITS);
      const n = Math.min(index - current, BLOCKS);
      for (let i = 1; i <= n; i++) {
        const b = (current + i) % BLOCKS;
        this.ring[2 * b] = 0;
        this.ring[2 * b + 1] = 0;
      }
      this.top = c;
    }
    const bit = c % BLOCK_BITS;
    const word = 2 * (index % BLOCKS) + (bit >>> 5);
    const mask = 1 << (bit & 31);
    if ((this.ring[word]! & mask) !== 0) return false;
    this.ring[word] = this.ring[word]! | mask;
    return true;
  }
}
