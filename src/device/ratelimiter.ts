// Per-source token bucket for handshake messages under load: 20 per second, burst 5; IPv4 keyed
// by address, IPv6 by its /64. A fixed table allocated once; when every slot a source may use is
// taken by a recently active source, the packet is refused (as the kernel does when full).
import type { Clock } from '../platform/types.ts';

const PACKETS_PER_SECOND = 20;
const BURST = 5;
const COST_MS = 1000 / PACKETS_PER_SECOND; // one token = 50 ms
const MAX_TOKENS_MS = COST_MS * BURST;
const SLOTS = 4096; // power of two
const PROBE = 8;
const STALE_MS = 1000; // an idle bucket is full again after 250 ms; reuse after 1 s

export class Ratelimiter {
  // key: family + up to 8 address bytes as three 32-bit words; 0 family = free slot
  private readonly fam = new Uint8Array(SLOTS);
  private readonly k1 = new Uint32Array(SLOTS);
  private readonly k2 = new Uint32Array(SLOTS);
  private readonly tokens = new Float64Array(SLOTS); // in ms of credit
  private readonly last = new Float64Array(SLOTS);

  constructor(private readonly clock: Clock) {}

  reset(): void {
    this.fam.fill(0);
  }

  allow(ep: Uint8Array): boolean {
    const family = ep[0]!;
    if (family !== 4 && family !== 6) return false;
    const a = ((ep[4]! << 24) | (ep[5]! << 16) | (ep[6]! << 8) | ep[7]!) >>> 0;
    const b = family === 6 ? ((ep[8]! << 24) | (ep[9]! << 16) | (ep[10]! << 8) | ep[11]!) >>> 0 : 0;
    let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1) ^ family, 0x85ebca6b) >>> 0;
    h ^= h >>> 15;
    const now = this.clock.now();
    let free = -1;
    for (let i = 0; i < PROBE; i++) {
      const s = (h + i) & (SLOTS - 1);
      if (this.fam[s] === family && this.k1[s] === a && this.k2[s] === b) {
        let t = this.tokens[s]! + (now - this.last[s]!);
        if (t > MAX_TOKENS_MS) t = MAX_TOKENS_MS;
        this.last[s] = now;
        if (t >= COST_MS) {
          this.tokens[s] = t - COST_MS;
          return true;
        }
        this.tokens[s] = t;
        return false;
      }
      if (free < 0 && (this.fam[s] === 0 || now - this.last[s]! > STALE_MS)) free = s;
    }
    if (free < 0) return false;
    this.fam[free] = family;
    this.k1[free] = a;
    this.k2[free] = b;
    this.last[free] = now;
    this.tokens[free] = MAX_TOKENS_MS - COST_MS;
    return true;
  }
}
