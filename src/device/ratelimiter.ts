// Per-source token bucket for handshake messages while under load, with the semantics of the
// kernel's ratelimiter.c (and wireguard-go's ratelimiter.go):
//   - a bucket holds at most 5 packets' worth of credit and refills at 20 packets per second
//     (credit is kept in milliseconds: one packet costs 50, the bucket holds 250);
//   - a source seen for the first time is allowed and starts with 4 packets of credit left;
//   - a source idle for more than 1 s is forgotten (by then its bucket was full again anyway,
//     so forgetting it changes no answer);
//   - IPv4 sources are keyed by the whole address, IPv6 sources by their /64;
//   - the table is bounded; when it is full of live sources, new sources are refused while the
//     known ones go on being rate limited (the kernel's err_oom path).
// Everything is allocated once, in the constructor: allow() allocates nothing. Stale entries are
// collected lazily: unlinked when met on a hash chain, and by a whole-table sweep (at most once
// per second, like the kernel's gc work) when a new source finds the table full.
import type { Clock, RandomFill } from '../platform/types.ts';

const PACKETS_PER_SECOND = 20;
const PACKETS_BURSTABLE = 5;
const PACKET_COST = 1000 / PACKETS_PER_SECOND; // ms of credit per packet: 50
const TOKEN_MAX = PACKET_COST * PACKETS_BURSTABLE; // 250
const STALE_MS = 1000;
const SWEEP_INTERVAL_MS = 1000;
/** Default capacity: what the kernel allows on a router with 128 MiB of RAM. */
const RATELIMITER_DEFAULT_ENTRIES = 8192;

interface RatelimiterOptions {
  /** Seeds the table's hash so remote hosts cannot aim at one chain. Default: fixed seed. */
  random?: RandomFill;
  /** Most sources tracked at once (default 8192); chains average 8 entries, as the kernel's. */
  maxEntries?: number;
}

function rotl(x: number, b: number): number {
  return (x << b) | (x >>> (32 - b));
}

export class Ratelimiter {
  private readonly maxEntries: number;
  private readonly bucketMask: number;
  private readonly heads: Int32Array; // first entry of each hash chain, -1 = empty
  private readonly next: Int32Array; // next entry on the chain / on the free list
  private readonly fam: Uint8Array;
  private readonly ipHi: Uint32Array; // address bytes 0..3 (big-endian order)
  private readonly ipLo: Uint32Array; // IPv6 address bytes 4..7, 0 for IPv4
  private readonly tokens: Float64Array; // ms of credit
  private readonly last: Float64Array; // clock.now() of the last packet
  private freeHead = -1;
  private count = 0;
  private lastSweep = -Infinity;
  private readonly k0: number;
  private readonly k1: number;

  constructor(
    private readonly clock: Clock,
    opts: RatelimiterOptions = {},
  ) {
    const max = opts.maxEntries ?? RATELIMITER_DEFAULT_ENTRIES;
    if (!Number.isInteger(max) || max < 1 || max > 1 << 24) throw new RangeError('maxEntries');
    this.maxEntries = max;
    let buckets = 16;
    while (buckets * 8 < max) buckets *= 2;
    this.bucketMask = buckets - 1;
    this.heads = new Int32Array(buckets);
    this.next = new Int32Array(max);
    this.fam = new Uint8Array(max);
    this.ipHi = new Uint32Array(max);
    this.ipLo = new Uint32Array(max);
    this.tokens = new Float64Array(max);
    this.last = new Float64Array(max);
    if (opts.random) {
      const seed = new Uint8Array(8);
      opts.random(seed);
      this.k0 = (seed[0]! | (seed[1]! << 8) | (seed[2]! << 16) | (seed[3]! << 24)) >>> 0;
      this.k1 = (seed[4]! | (seed[5]! << 8) | (seed[6]! << 16) | (seed[7]! << 24)) >>> 0;
    } else {
      this.k0 = 0x9e3779b9;
      this.k1 = 0x7f4a7c15;
    }
    this.reset();
  }

  /** Forgets every source. */
  reset(): void {
    this.heads.fill(-1);
    const next = this.next;
    for (let i = 0; i < this.maxEntries; i++) next[i] = i + 1 < this.maxEntries ? i + 1 : -1;
    this.freeHead = 0;
    this.count = 0;
    this.lastSweep = -Infinity;
  }

  /**
   * Whether a handshake message from the remote address of endpoint record `ep` (see
   * src/platform/types.ts: [0] family, [4..19] address) may be processed now.
   */
  allow(ep: Uint8Array): boolean {
    const family = ep[0]!;
    if (family !== 4 && family !== 6) return false;
    const hi = ((ep[4]! << 24) | (ep[5]! << 16) | (ep[6]! << 8) | ep[7]!) >>> 0;
    const lo = family === 6 ? ((ep[8]! << 24) | (ep[9]! << 16) | (ep[10]! << 8) | ep[11]!) >>> 0 : 0;
    const now = this.clock.now();
    const bucket = this.hash(family, hi, lo) & this.bucketMask;

    let prev = -1;
    let e = this.heads[bucket]!;
    while (e >= 0) {
      const after = this.next[e]!;
      if (this.fam[e] === family && this.ipHi[e] === hi && this.ipLo[e] === lo) {
        let elapsed = now - this.last[e]!;
        if (elapsed < 0) elapsed = 0;
        let t = this.tokens[e]! + elapsed;
        if (t > TOKEN_MAX) t = TOKEN_MAX;
        this.last[e] = now;
        if (t >= PACKET_COST) {
          this.tokens[e] = t - PACKET_COST;
          return true;
        }
        this.tokens[e] = t;
        return false;
      }
      if (now - this.last[e]! > STALE_MS) this.unlink(bucket, prev, e);
      else prev = e;
      e = after;
    }

    if (this.count >= this.maxEntries) {
      if (now - this.lastSweep < SWEEP_INTERVAL_MS) return false;
      this.sweep(now);
      if (this.count >= this.maxEntries) return false;
    }
    e = this.freeHead;
    this.freeHead = this.next[e]!;
    this.count++;
    this.fam[e] = family;
    this.ipHi[e] = hi;
    this.ipLo[e] = lo;
    this.last[e] = now;
    this.tokens[e] = TOKEN_MAX - PACKET_COST;
    this.next[e] = this.heads[bucket]!;
    this.heads[bucket] = e;
    return true;
  }

  /** Number of sources currently tracked (stale ones included until collected). */
  get size(): number {
    return this.count;
  }

  /** Removes every entry idle for more than a second. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (let b = 0; b <= this.bucketMask; b++) {
      let prev = -1;
      let e = this.heads[b]!;
      while (e >= 0) {
        const after = this.next[e]!;
        if (now - this.last[e]! > STALE_MS) this.unlink(b, prev, e);
        else prev = e;
        e = after;
      }
    }
  }

  /** Takes entry e (preceded by prev, or first when prev < 0) off chain b onto the free list. */
  private unlink(b: number, prev: number, e: number): void {
    if (prev < 0) this.heads[b] = this.next[e]!;
    else this.next[prev] = this.next[e]!;
    this.next[e] = this.freeHead;
    this.freeHead = e;
    this.count--;
  }

  /** HalfSipHash-1-3 of (family, hi, lo) under the table key. */
  private hash(family: number, hi: number, lo: number): number {
    let v0 = this.k0;
    let v1 = this.k1;
    let v2 = (this.k0 ^ 0x6c796765) | 0;
    let v3 = (this.k1 ^ 0x74656462) | 0;
    // three message words, then the length word
    for (let i = 0; i < 4; i++) {
      const m = i === 0 ? hi : i === 1 ? lo : i === 2 ? family : 12 << 24;
      v3 ^= m;
      // one SipRound
      v0 = (v0 + v1) | 0; v1 = rotl(v1, 5); v1 ^= v0; v0 = rotl(v0, 16);
      v2 = (v2 + v3) | 0; v3 = rotl(v3, 8); v3 ^= v2;
      v0 = (v0 + v3) | 0; v3 = rotl(v3, 7); v3 ^= v0;
      v2 = (v2 + v1) | 0; v1 = rotl(v1, 13); v1 ^= v2; v2 = rotl(v2, 16);
      v0 ^= m;
    }
    v2 ^= 0xff;
    for (let r = 0; r < 3; r++) {
      v0 = (v0 + v1) | 0; v1 = rotl(v1, 5); v1 ^= v0; v0 = rotl(v0, 16);
      v2 = (v2 + v3) | 0; v3 = rotl(v3, 8); v3 ^= v2;
      v0 = (v0 + v3) | 0; v3 = rotl(v3, 7); v3 ^= v0;
      v2 = (v2 + v1) | 0; v1 = rotl(v1, 13); v1 ^= v2; v2 = rotl(v2, 16);
    }
    return (v1 ^ v3) >>> 0;
  }
}
