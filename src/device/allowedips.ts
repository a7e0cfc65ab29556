// Cryptokey routing: longest-prefix match from inner addresses to peers, one binary trie per
// family. Lookup walks at most 32/128 bits with explicit byte reads and allocates nothing.

interface Node<P> {
  c0: Node<P> | null;
  c1: Node<P> | null;
  parent: Node<P> | null;
  peer: P | null;
  family: 4 | 6;
  addr: Uint8Array; // masked prefix (4 or 16 bytes)
  cidr: number;
}

function newNode<P>(parent: Node<P> | null, family: 4 | 6, cidr: number): Node<P> {
  return { c0: null, c1: null, parent, peer: null, family, addr: new Uint8Array(family === 4 ? 4 : 16), cidr };
}

function bitAt(b: Uint8Array, off: number, i: number): number {
  return (b[off + (i >> 3)]! >> (7 - (i & 7))) & 1;
}

export interface AllowedIpEntry {
  family: 4 | 6;
  addr: Uint8Array;
  cidr: number;
}

export class AllowedIps<P> {
  private root4: Node<P> = newNode<P>(null, 4, 0);
  private root6: Node<P> = newNode<P>(null, 6, 0);
  private readonly byPeer = new Map<P, Set<Node<P>>>();

  /** Masks host bits; an identical prefix already present changes owner to `peer`. */
  insert(peer: P, family: 4 | 6, addr: Uint8Array, cidr: number): void {
    const node = this.walk(family, addr, cidr, true)!;
    if (node.peer === peer) return;
    if (node.peer !== null) this.byPeer.get(node.peer)?.delete(node);
    node.peer = peer;
    let set = this.byPeer.get(peer);
    if (!set) this.byPeer.set(peer, (set = new Set()));
    set.add(node);
  }

  /** Removes the prefix only if it belongs to `peer`. */
  remove(peer: P, family: 4 | 6, addr: Uint8Array, cidr: number): boolean {
    const node = this.walk(family, addr, cidr, false);
    if (!node || node.peer !== peer) return false;
    this.detach(node);
    return true;
  }

  removeByPeer(peer: P): void {
    const set = this.byPeer.get(peer);
    if (!set) return;
    for (const node of [...set]) this.detach(node);
    this.byPeer.delete(peer);
  }

  /** Longest-prefix match of the 4- or 16-byte address at buf[off..]. */
  lookup(family: 4 | 6, buf: Uint8Array, off: number): P | null {
    let node: Node<P> | null = family === 4 ? this.root4 : this.root6;
    const bits = family === 4 ? 32 : 128;
    let best: P | null = node.peer;
    for (let i = 0; i < bits; i++) {
      node = bitAt(buf, off, i) ? node.c1 : node.c0;
      if (node === null) break;
      if (node.peer !== null) best = node.peer;
    }
    return best;
  }

  entriesForPeer(peer: P): AllowedIpEntry[] {
    const set = this.byPeer.get(peer);
    const out: AllowedIpEntry[] = [];
    if (set) for (const n of set) out.push({ family: n.family, addr: n.addr.slice(), cidr: n.cidr });
    return out;
  }

  clear(): void {
    this.root4 = newNode<P>(null, 4, 0);
    this.root6 = newNode<P>(null, 6, 0);
    this.byPeer.clear();
  }

  private walk(family: 4 | 6, addr: Uint8Array, cidr: number, create: boolean): Node<P> | null {
    let node: Node<P> = family === 4 ? this.root4 : this.root6;
    for (let i = 0; i < cidr; i++) {
      const b = bitAt(addr, 0, i);
      let next = b ? node.c1 : node.c0;
      if (next === null) {
        if (!create) return null;
        next = newNode<P>(node, family, i + 1);
        // the node's prefix: the first i+1 bits of addr
        next.addr.set(node.addr);
        if (b) next.addr[i >> 3] = next.addr[i >> 3]! | (0x80 >> (i & 7));
        if (b) node.c1 = next;
        else node.c0 = next;
      }
      node = next;
    }
    return node;
  }

  private detach(node: Node<P>): void {
    if (node.peer !== null) this.byPeer.get(node.peer)?.delete(node);
    node.peer = null;
    // prune now-empty leaves back up the path
    let n: Node<P> | null = node;
    while (n && n.parent && n.peer === null && n.c0 === null && n.c1 === null) {
      const p: Node<P> = n.parent;
      if (p.c0 === n) p.c0 = null;
      else p.c1 = null;
      n = p;
    }
  }
}
