// Cryptokey routing table: longest-prefix match from an inner IP address to a peer.
//
// One path-compressed binary trie per family. Every node holds a masked prefix (key, cidr); a
// child's prefix strictly extends its parent's, and the child sits under the parent's bit at
// position parent.cidr. A node without a peer exists only to branch and always has two
// children, so the trie has fewer than 2n nodes for n prefixes. Lookup walks down from the
// root, checking each node's prefix only from where its parent's ended, so it reads each
// address byte about once (O(prefix length)) and allocates nothing.
//
// Each peer's prefixes form a doubly linked list through the nodes, in insertion order (a
// re-inserted or re-assigned prefix moves to the end, as the kernel's list_move_tail does), so
// removing a peer costs O(its prefixes) and `wg show` lists them in the kernel's order.

class TrieNode<P> {
  c0: TrieNode<P> | null = null;
  c1: TrieNode<P> | null = null;
  /** Previous / next node of the same peer. */
  prev: TrieNode<P> | null = null;
  next: TrieNode<P> | null = null;
  constructor(
    public parent: TrieNode<P> | null,
    public peer: P | null,
    readonly family: 4 | 6,
    /** The prefix, host bits zero: 4 or 16 bytes. */
    readonly key: Uint8Array,
    readonly cidr: number,
  ) {
    // the prefix as big-endian 32-bit words and their masks, for lookup's integer compares
    this.k0 = word(key, 0, cidr, 0);
    this.m0 = mask(cidr, 0);
    if (family === 6) {
      this.k1 = word(key, 4, cidr, 32);
      this.m1 = mask(cidr, 32);
      this.k2 = word(key, 8, cidr, 64);
      this.m2 = mask(cidr, 64);
      this.k3 = word(key, 12, cidr, 96);
      this.m3 = mask(cidr, 96);
    }
  }
  k0 = 0;
  k1 = 0;
  k2 = 0;
  k3 = 0;
  m0 = 0;
  m1 = 0;
  m2 = 0;
  m3 = 0;
}

/** The int32 mask of prefix length `cidr` over address bits [from, from + 32). */
function mask(cidr: number, from: number): number {
  const bits = cidr - from;
  return bits <= 0 ? 0 : bits >= 32 ? -1 : -1 << (32 - bits);
}

/** Bytes key[o..o+4) as a big-endian int32, masked to `cidr` (over bits [from, from + 32)). */
function word(key: Uint8Array, o: number, cidr: number, from: number): number {
  return ((key[o]! << 24) | (key[o + 1]! << 16) | (key[o + 2]! << 8) | key[o + 3]!) & mask(cidr, from);
}

interface PeerList<P> {
  head: TrieNode<P> | null;
  tail: TrieNode<P> | null;
}

interface AllowedIpEntry {
  family: 4 | 6;
  addr: Uint8Array;
  cidr: number;
}

function bitAt(key: Uint8Array, i: number): number {
  return (key[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** Number of leading bits on which a and b agree, at most `max`. */
function commonBits(a: Uint8Array, b: Uint8Array, max: number): number {
  let n = 0;
  for (let i = 0; n < max; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) {
      n += Math.clz32(x) - 24;
      break;
    }
    n += 8;
  }
  return n < max ? n : max;
}

/** A new `bytes`-long copy of src with every bit from `cidr` on cleared. */
function masked(src: Uint8Array, bytes: number, cidr: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const full = cidr >> 3;
  for (let i = 0; i < full; i++) out[i] = src[i]!;
  const rest = cidr & 7;
  if (rest !== 0) out[full] = src[full]! & (0xff00 >> rest) & 0xff;
  return out;
}

export class AllowedIps<P> {
  private root4: TrieNode<P> | null = null;
  private root6: TrieNode<P> | null = null;
  private readonly lists = new Map<P, PeerList<P>>();

  /**
   * Routes `addr`/`cidr` (host bits masked off) to `peer`. An identical prefix already present
   * changes owner to `peer`. Throws RangeError on a malformed prefix (configuration time only).
   */
  insert(peer: P, family: 4 | 6, addr: Uint8Array, cidr: number): void {
    const bits = checkPrefix(family, addr, cidr);
    const key = masked(addr, bits >> 3, cidr);
    let parent: TrieNode<P> | null = null;
    let node = family === 4 ? this.root4 : this.root6;
    let common = 0;
    while (node !== null) {
      common = commonBits(node.key, key, node.cidr < cidr ? node.cidr : cidr);
      if (common < node.cidr) break; // the new prefix leaves this node's path
      if (node.cidr === cidr) {
        this.setPeer(node, peer);
        return;
      }
      parent = node;
      node = bitAt(key, node.cidr) ? node.c1 : node.c0;
    }
    const fresh = new TrieNode<P>(null, null, family, key, cidr);
    if (node === null) {
      this.attach(family, parent, fresh);
    } else if (common === cidr) {
      // The new prefix contains `node`: it takes node's place and node hangs below it.
      this.replace(family, parent, node, fresh);
      this.attach(family, fresh, node);
    } else {
      // They part at bit `common`: a peerless branch node takes node's place.
      const branch = new TrieNode<P>(null, null, family, masked(key, bits >> 3, common), common);
      this.replace(family, parent, node, branch);
      this.attach(family, branch, node);
      this.attach(family, branch, fresh);
    }
    this.setPeer(fresh, peer);
  }

  /** Removes the prefix (host bits ignored) if `peer` owns it; true if it did. */
  remove(peer: P, family: 4 | 6, addr: Uint8Array, cidr: number): boolean {
    const bits = checkPrefix(family, addr, cidr);
    const key = masked(addr, bits >> 3, cidr);
    let node = family === 4 ? this.root4 : this.root6;
    while (node !== null && node.cidr <= cidr) {
      if (commonBits(node.key, key, node.cidr) < node.cidr) return false;
      if (node.cidr === cidr) {
        if (node.peer !== peer || node.peer === null) return false;
        this.unlinkPeer(node);
        this.prune(node);
        return true;
      }
      node = bitAt(key, node.cidr) ? node.c1 : node.c0;
    }
    return false;
  }

  removeByPeer(peer: P): void {
    const list = this.lists.get(peer);
    if (list === undefined) return;
    this.lists.delete(peer);
    let node = list.head;
    while (node !== null) {
      const next: TrieNode<P> | null = node.next;
      node.prev = node.next = null;
      node.peer = null;
      this.prune(node);
      node = next;
    }
  }

  /**
   * Longest-prefix match of the 4- or 16-byte address at buf[off..]; null if nothing routes it.
   * Packet path: no allocation.
   */
  lookup(family: 4 | 6, buf: Uint8Array, off: number): P | null {
    // The address as big-endian int32 words; each node's whole prefix is compared with one
    // masked XOR per word (the packet path: no loop over bytes, integers only).
    let best: P | null = null;
    const a0 = (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
    if (family === 4) {
      let node = this.root4;
      while (node !== null) {
        if (((a0 ^ node.k0) & node.m0) !== 0) return best;
        if (node.peer !== null) best = node.peer;
        const c = node.cidr;
        if (c === 32) break;
        node = (a0 >>> (31 - c)) & 1 ? node.c1 : node.c0;
      }
      return best;
    }
    const a1 = (buf[off + 4]! << 24) | (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!;
    const a2 = (buf[off + 8]! << 24) | (buf[off + 9]! << 16) | (buf[off + 10]! << 8) | buf[off + 11]!;
    const a3 = (buf[off + 12]! << 24) | (buf[off + 13]! << 16) | (buf[off + 14]! << 8) | buf[off + 15]!;
    let node = this.root6;
    while (node !== null) {
      if ((((a0 ^ node.k0) & node.m0) | ((a1 ^ node.k1) & node.m1) | ((a2 ^ node.k2) & node.m2) | ((a3 ^ node.k3) & node.m3)) !== 0) return best;
      if (node.peer !== null) best = node.peer;
      const c = node.cidr;
      if (c === 128) break;
      const w = c >> 5;
      const aw = w === 0 ? a0 : w === 1 ? a1 : w === 2 ? a2 : a3;
      node = (aw >>> (31 - (c & 31))) & 1 ? node.c1 : node.c0;
    }
    return best;
  }

  /** The peer's prefixes in insertion order (fresh copies: configuration time). */
  entriesForPeer(peer: P): AllowedIpEntry[] {
    const out: AllowedIpEntry[] = [];
    const list = this.lists.get(peer);
    for (let n = list ? list.head : null; n !== null; n = n.next) {
      out.push({ family: n.family, addr: n.key.slice(), cidr: n.cidr });
    }
    return out;
  }

  clear(): void {
    this.root4 = this.root6 = null;
    this.lists.clear();
  }

  /**
   * For tests: checks the trie's invariants and returns its node count per family, or throws.
   * Not for the packet path.
   */
  checkInvariants(): { nodes4: number; nodes6: number; entries: number } {
    const counts = [0, 0];
    let entries = 0;
    const roots: [TrieNode<P> | null, number][] = [[this.root4, 32], [this.root6, 128]];
    roots.forEach(([root, bits], fi) => {
      const stack: TrieNode<P>[] = root ? [root] : [];
      if (root && root.parent !== null) throw new Error('root has a parent');
      while (stack.length > 0) {
        const n = stack.pop()!;
        counts[fi]!++;
        if (n.cidr > bits || n.key.length !== bits >> 3) throw new Error('bad node size');
        if (commonBits(n.key, masked(n.key, n.key.length, n.cidr), bits) !== bits) {
          throw new Error('host bits set');
        }
        if (n.peer === null && (n.c0 === null || n.c1 === null)) throw new Error('useless node');
        if (n.peer !== null) entries++;
        for (const [c, b] of [[n.c0, 0], [n.c1, 1]] as const) {
          if (c === null) continue;
          if (c.parent !== n) throw new Error('parent link');
          if (c.cidr <= n.cidr) throw new Error('child not longer');
          if (commonBits(c.key, n.key, n.cidr) !== n.cidr) throw new Error('child off path');
          if (bitAt(c.key, n.cidr) !== b) throw new Error('child on wrong side');
          stack.push(c);
        }
      }
    });
    let listed = 0;
    for (const [peer, list] of this.lists) {
      if (list.head === null) throw new Error('empty peer list kept');
      let prev: TrieNode<P> | null = null;
      for (let n: TrieNode<P> | null = list.head; n !== null; n = n.next) {
        if (n.peer !== peer || n.prev !== prev) throw new Error('peer list');
        prev = n;
        listed++;
      }
      if (list.tail !== prev) throw new Error('peer list tail');
    }
    if (listed !== entries) throw new Error('peer lists and trie disagree');
    return { nodes4: counts[0]!, nodes6: counts[1]!, entries };
  }

  // ---------------------------------------------------------------- internals

  /** Gives `node` to `peer`, at the end of the peer's list. */
  private setPeer(node: TrieNode<P>, peer: P): void {
    if (node.peer !== null) this.unlinkPeer(node);
    node.peer = peer;
    let list = this.lists.get(peer);
    if (list === undefined) {
      list = { head: null, tail: null };
      this.lists.set(peer, list);
    }
    node.prev = list.tail;
    node.next = null;
    if (list.tail !== null) list.tail.next = node;
    else list.head = node;
    list.tail = node;
  }

  /** Takes `node` out of its peer's list and clears its peer. */
  private unlinkPeer(node: TrieNode<P>): void {
    const peer = node.peer!;
    const list = this.lists.get(peer)!;
    if (node.prev !== null) node.prev.next = node.next;
    else list.head = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    else list.tail = node.prev;
    node.prev = node.next = null;
    node.peer = null;
    if (list.head === null) this.lists.delete(peer);
  }

  /** After `node` lost its peer: drops it (and a parent left as a one-child branch). */
  private prune(node: TrieNode<P>): void {
    if (node.c0 !== null && node.c1 !== null) return; // still needed to branch
    const family = node.family;
    const parent = node.parent;
    const child = node.c0 !== null ? node.c0 : node.c1;
    this.replace(family, parent, node, child);
    node.parent = node.c0 = node.c1 = null;
    if (child === null && parent !== null && parent.peer === null) {
      const other = parent.c0 !== null ? parent.c0 : parent.c1;
      this.replace(family, parent.parent, parent, other);
      parent.parent = parent.c0 = parent.c1 = null;
    }
  }

  /** Hangs `child` under `parent` (or makes it the root) on the side its key selects. */
  private attach(family: 4 | 6, parent: TrieNode<P> | null, child: TrieNode<P>): void {
    child.parent = parent;
    if (parent === null) {
      if (family === 4) this.root4 = child;
      else this.root6 = child;
    } else if (bitAt(child.key, parent.cidr)) parent.c1 = child;
    else parent.c0 = child;
  }

  /** Puts `to` (may be null) where `from` hangs under `parent` (or at the root). */
  private replace(
    family: 4 | 6,
    parent: TrieNode<P> | null,
    from: TrieNode<P>,
    to: TrieNode<P> | null,
  ): void {
    if (to !== null) to.parent = parent;
    if (parent === null) {
      if (family === 4) this.root4 = to;
      else this.root6 = to;
    } else if (parent.c0 === from) parent.c0 = to;
    else parent.c1 = to;
  }
}

function checkPrefix(family: 4 | 6, addr: Uint8Array, cidr: number): number {
  const bits = family === 4 ? 32 : family === 6 ? 128 : 0;
  if (bits === 0) throw new RangeError(`allowed ip: bad family ${family}`);
  if (addr.length < bits >> 3) throw new RangeError('allowed ip: address too short');
  if (!Number.isInteger(cidr) || cidr < 0 || cidr > bits) {
    throw new RangeError(`allowed ip: bad cidr ${cidr}`);
  }
  return bits;
}
