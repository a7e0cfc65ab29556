// Receiver indexes: random 32-bit numbers unique within the device, mapping to the peer and the
// handshake or keypair they name. Entries are made only for our own initiations/responses and
// authenticated sessions, never for an unauthenticated packet.
import type { RandomFill } from '../platform/types.ts';
import type { Keypair } from '../noise/keypair.ts';
import { readU32LE } from '../util/bytes.ts';

interface IndexEntry<P> {
  peer: P;
  keypair: Keypair | null; // null: a handshake in progress
}

export class IndexTable<P> {
  private readonly map = new Map<number, IndexEntry<P>>();
  private readonly rnd = new Uint8Array(4);
  constructor(private readonly random: RandomFill) {}

  /** A fresh unused index for `peer` (a handshake in progress). */
  newIndex(peer: P): number {
    for (;;) {
      this.random(this.rnd);
      const idx = readU32LE(this.rnd, 0);
      if (idx !== 0 && !this.map.has(idx)) { // 0 means "no index" to the handshake state
        this.map.set(idx, { peer, keypair: null });
        return idx;
      }
    }
  }
  get(idx: number): IndexEntry<P> | undefined {
    return this.map.get(idx);
  }
  setKeypair(idx: number, kp: Keypair): void {
    const e = this.map.get(idx);
    if (e) e.keypair = kp;
  }
  delete(idx: number): void {
    this.map.delete(idx);
  }
  get size(): number {
    return this.map.size;
  }
}
