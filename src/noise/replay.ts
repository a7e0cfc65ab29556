// Anti-replay sliding window (RFC 6479) with the Linux kernel's and wireguard-go's parameters:
// a ring of 8192 bits made of 128 blocks of 64 bits, so the window holds 8192 - 64 = 8128
// counters behind the highest one seen. A block is kept as two 32-bit words of an Int32Array
// (internal state, never wire bytes, so host endianness does not matter).
//
// Counters are exact integers below 2^53 or Infinity (a u64 too large for a double), as
// readU64LE returns them. validateCounter allocates nothing.

const RING_BITS = 8192;
const BLOCK_BITS = 64;
const BLOCKS = RING_BITS / BLOCK_BITS; // 128
const BLOCK_MASK = BLOCKS - 1;
/** How far behind the highest accepted counter a counter may still be accepted. */
export const REPLAY_WINDOW = RING_BITS - BLOCK_BITS; // 8128

export class ReplayFilter {
  /**
   * One more than the highest counter accepted so far (0: nothing accepted yet). Working with
   * counter + 1 makes 0 a valid first counter while "nothing seen" needs no extra flag.
   */
  private next = 0;
  /** Block b occupies words 2b (bits 0..31) and 2b + 1 (bits 32..63). */
  private readonly ring = new Int32Array(BLOCKS * 2); // Int32: QuickJS keeps the words as integers

  reset(): void {
    this.next = 0;
    this.ring.fill(0);
  }

  /** Zeroes the `count` blocks after block `current` (at most the whole ring). `current` may
   *  exceed 2^32: only its value modulo BLOCKS matters, taken before any 32-bit operation. */
  private advance(current: number, count: number): void {
    const n = count > BLOCKS ? BLOCKS : count;
    const base = current % BLOCKS;
    const ring = this.ring;
    for (let i = 1; i <= n; i++) {
      const w = ((base + i) & BLOCK_MASK) << 1;
      ring[w] = 0;
      ring[w + 1] = 0;
    }
  }

  /**
   * Returns false if `counter` is not below `limit`, lies before the window, or was already
   * accepted; otherwise records it and returns true. Call only after the packet authenticated.
   */
  validateCounter(counter: number, limit: number): boolean {
    // Also rejects NaN, negatives and Infinity (no finite limit admits it).
    if (!(counter >= 0 && counter < limit)) return false;
    const c = counter + 1; // exact for every counter below 2^53
    const next = this.next;
    if (c + REPLAY_WINDOW < next) return false; // fell out of the window
    if (c < 0x7fffffff && next < 0x7fffffff) {
      // Both fit in an int32 (the first 2^31 counters of a session: every session that rekeys on
      // time): the same computation in 32-bit integer operations, several times faster in QuickJS.
      const block = c >> 6;
      if (c > next) {
        const current = next >> 6;
        if (block !== current) this.advance(current, block - current); // a call only per new block
        this.next = c;
      }
      const w = ((block & BLOCK_MASK) << 1) | ((c >> 5) & 1);
      const mask = 1 << (c & 31);
      const word = this.ring[w]!;
      if ((word & mask) !== 0) return false;
      this.ring[w] = word | mask;
      return true;
    }
    // Block index of c: c / 64 with Math.floor (counters exceed 2^32, so no `>>>` here).
    const block = Math.floor(c / BLOCK_BITS);
    if (c > next) {
      // Moving forward: zero every block strictly after the current one up to c's block
      // (at most the whole ring), then advance.
      const current = Math.floor(next / BLOCK_BITS);
      this.advance(current, block - current);
      this.next = c;
    }
    // `block` may exceed 2^32, so reduce it with % before any 32-bit operation.
    const bit = c - block * BLOCK_BITS; // 0..63
    const w = ((block % BLOCKS) << 1) + (bit >>> 5);
    const mask = 1 << (bit & 31);
    const word = this.ring[w]!;
    if ((word & mask) !== 0) return false;
    this.ring[w] = word | mask;
    return true;
  }
}
