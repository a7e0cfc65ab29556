// The device: configuration (identity, peers, cryptokey routing, port and mark) and the entry
// points the host calls (receiveUdp/receiveUdpBatch, receiveTun/receiveTunBatch, tick). What the
// packet path shares lives in its Context (context.ts); sending, receiving and the timers are
// send.ts, receive.ts and timers.ts, which depend on the context only. Pure: I/O, clock and
// randomness are injected.
import { clamp, publicKey as derivePublic } from '../crypto/x25519.ts';
import type { StaticIdentity } from '../noise/handshake.ts';
import { ENDPOINT_SIZE, type Clock, type Logger } from '../platform/types.ts';
import type { SetRequest } from '../uapi/types.ts';
import { ctEqual, isZero, toBase64 } from '../util/bytes.ts';
import type { AllowedIps } from './allowedips.ts';
import { Context, type ContextOptions } from './context.ts';
import type { IndexTable } from './indextable.ts';
import type { HandshakeLoad } from './load.ts';
import { Peer } from './peer.ts';
import { receiveUdp, receiveUdpBatch } from './receive.ts';
import { sendInitiation, sendKeepalive, sendPacket, sendPackets, sendStaged } from './send.ts';
import * as timers from './timers.ts';

type DeviceOptions = ContextOptions;

/** What expired timers send (timers.ts takes them as a parameter: no import cycle). */
const SEND: timers.TimerActions = { sendInitiation, sendKeepalive, sendStaged };

export class Device {
  /** The packet path's shared state. */
  readonly ctx: Context;
  listenPort = 0;
  fwmark = 0;

  constructor(opts: DeviceOptions) {
    this.ctx = new Context(opts);
  }

  get clock(): Clock {
    return this.ctx.clock;
  }
  get log(): Logger {
    return this.ctx.log;
  }
  get identity(): StaticIdentity {
    return this.ctx.identity;
  }
  get allowedIps(): AllowedIps<Peer> {
    return this.ctx.allowedIps;
  }
  get indexes(): IndexTable<Peer> {
    return this.ctx.indexes;
  }
  get load(): HandshakeLoad {
    return this.ctx.load;
  }
  get mtu(): number {
    return this.ctx.mtu;
  }
  set mtu(v: number) {
    this.ctx.mtu = v;
  }

  // ------------------------------------------------------------------ configuration
  get privateKey(): Uint8Array | null {
    return this.ctx.identity.privateKey;
  }
  get publicKey(): Uint8Array | null {
    return this.ctx.identity.publicKey;
  }
  get isUp(): boolean {
    return this.ctx.running;
  }

  setPrivateKey(key: Uint8Array | null): void {
    const k = key && !isZero(key) ? clamp(key.slice()) : null;
    const cur = this.ctx.identity.privateKey;
    if (cur && k && ctEqual(cur, k)) {
      k.fill(0);
      return;
    }
    if (!cur && !k) return;
    this.ctx.identity.privateKey = k;
    cur?.fill(0); // the old static key is gone from memory, not just unreferenced
    this.ctx.identity.publicKey = k ? derivePublic(k) : null;
    this.ctx.cookieChecker.init(this.ctx.identity.publicKey);
    if (this.ctx.identity.publicKey) {
      const same = this.getPeer(this.ctx.identity.publicKey);
      if (same) this.removePeer(same);
    }
    for (const p of this.ctx.peerMap.values()) {
      p.handshake.invalidateStatic();
      this.ctx.expireSessions(p);
    }
  }

  addPeer(pub: Uint8Array): Peer {
    const key = toBase64(pub);
    let p = this.ctx.peerMap.get(key);
    if (!p) {
      p = new Peer(pub, () => this.ctx.clock.now(), this.ctx.wake);
      this.ctx.peerMap.set(key, p);
    }
    return p;
  }
  getPeer(pub: Uint8Array): Peer | undefined {
    return this.ctx.peerMap.get(toBase64(pub));
  }
  removePeer(p: Peer): void {
    if (!this.ctx.peerMap.delete(toBase64(p.publicKey))) return;
    p.removed = true;
    this.ctx.allowedIps.removeByPeer(p);
    this.ctx.expireSessions(p);
    timers.stopAll(p);
    p.staged.length = 0;
    // like the kernel (peer.c zeroes the whole peer on release): the preshared key, the
    // static-static DH and the cookie go with the sessions
    p.handshake.wipe();
    p.cookie.wipe();
  }
  removeAllPeers(): void {
    for (const p of [...this.ctx.peerMap.values()]) this.removePeer(p);
  }
  peers(): Iterable<Peer> {
    return this.ctx.peerMap.values();
  }
  get peerCount(): number {
    return this.ctx.peerMap.size;
  }

  setPersistentKeepalive(p: Peer, seconds: number): void {
    const was = p.persistentKeepalive;
    p.persistentKeepalive = seconds;
    if (seconds === 0) p.persistentKeepaliveAt = Infinity;
    else if (was === 0 && this.ctx.running) timers.keepaliveOrHandshake(this.ctx, p, SEND);
  }

  /**
   * Applies a validated SetRequest atomically (src/uapi/types.ts). `rebind` runs first when the
   * port or fwmark changes; a negative errno from it aborts with nothing changed.
   */
  apply(req: SetRequest, rebind?: (port: number, fwmark: number) => number): number {
    const port = req.listenPort ?? this.listenPort;
    const mark = req.fwmark ?? this.fwmark;
    if ((req.listenPort !== undefined && req.listenPort !== this.listenPort) || mark !== this.fwmark) {
      if (rebind) {
        const r = rebind(port, mark);
        if (r < 0) return r;
      }
      this.listenPort = port;
      this.fwmark = mark;
    }
    if (req.privateKey) this.setPrivateKey(req.privateKey);
    if (req.replacePeers) this.removeAllPeers();
    for (const op of req.peers) {
      if (this.ctx.identity.publicKey && ctEqual(op.publicKey, this.ctx.identity.publicKey)) continue; // never ourselves
      let p = this.getPeer(op.publicKey);
      if (op.remove) {
        if (p) this.removePeer(p);
        continue;
      }
      if (!p) {
        if (op.updateOnly) continue;
        p = this.addPeer(op.publicKey);
      }
      if (op.presharedKey) p.handshake.presharedKey.set(op.presharedKey);
      if (op.endpoint) p.endpoint.set(op.endpoint.subarray(0, ENDPOINT_SIZE));
      if (op.replaceAllowedIps) this.ctx.allowedIps.removeByPeer(p);
      for (const a of op.allowedIps) {
        if (a.remove) this.ctx.allowedIps.remove(p, a.family, a.addr, a.cidr);
        else this.ctx.allowedIps.insert(p, a.family, a.addr, a.cidr);
      }
      if (op.persistentKeepalive !== undefined) this.setPersistentKeepalive(p, op.persistentKeepalive);
    }
    return 0;
  }

  up(): void {
    if (this.ctx.running) return;
    this.ctx.running = true;
    for (const p of this.ctx.peerMap.values()) {
      if (p.persistentKeepalive > 0) timers.keepaliveOrHandshake(this.ctx, p, SEND);
    }
  }
  down(): void {
    if (!this.ctx.running) return;
    this.ctx.running = false;
    for (const p of this.ctx.peerMap.values()) {
      this.ctx.expireSessions(p);
      timers.stopAll(p);
      p.staged.length = 0;
    }
  }

  // ------------------------------------------------------------------ packet path
  receiveUdp(buf: Uint8Array, off: number, len: number, ep: Uint8Array): void {
    if (!this.ctx.running) return;
    receiveUdp(this.ctx, buf, off, len, ep);
  }

  /** Datagrams k in [start, end) of one read: buf[offs[k] .. +lens[k]) from endpoint
   *  eps[src[k]] (lens[k] < 0: truncated, skipped). Runs of transport messages to one session
   *  are opened together; every decision stays per datagram (receive.ts); the batch shares one
   *  clock reading. */
  receiveUdpBatch(buf: Uint8Array, offs: Int32Array, lens: Int32Array, src: Int32Array, eps: Uint8Array[], start: number, end: number): void {
    if (!this.ctx.running) return;
    receiveUdpBatch(this.ctx, buf, offs, lens, src, eps, start, end);
  }

  receiveTun(buf: Uint8Array, off: number, len: number): void {
    if (!this.ctx.running || len < 1) return;
    const v = buf[off]! >> 4;
    let peer: Peer | null;
    if (v === 4 && len >= 20) peer = this.ctx.allowedIps.lookup(4, buf, off + 16);
    else if (v === 6 && len >= 40) peer = this.ctx.allowedIps.lookup(6, buf, off + 24);
    else return;
    if (!peer) return; // no route: dropped (the kernel answers ICMP unreachable; so do we not)
    sendPacket(this.ctx, peer, buf, off, len);
  }

  /** Packets i in [0, n) read from TUN: buf[offs[i] .. +lens[i]), each with the head- and
   *  tailroom receiveTun needs. A run of packets to the same destination address (the segments
   *  of one TSO super-packet) takes one routing decision: the same address has the same route. */
  receiveTunBatch(buf: Uint8Array, offs: Int32Array, lens: Int32Array, n: number): void {
    if (!this.ctx.running) return;
    let i = 0;
    while (i < n) {
      const off = offs[i]!;
      const len = lens[i]!;
      const v = len > 0 ? buf[off]! >> 4 : 0;
      let peer: Peer | null;
      let dst: number; // destination address offset in the packet
      let size: number; // and its length
      if (v === 4 && len >= 20) {
        dst = 16;
        size = 4;
        peer = this.ctx.allowedIps.lookup(4, buf, off + 16);
      } else if (v === 6 && len >= 40) {
        dst = 24;
        size = 16;
        peer = this.ctx.allowedIps.lookup(6, buf, off + 24);
      } else {
        i++;
        continue;
      }
      let j = i + 1;
      for (; j < n; j++) {
        const o = offs[j]!;
        if (lens[j]! < dst + size || buf[o]! >> 4 !== v) break;
        let k = 0;
        while (k < size && buf[o + dst + k] === buf[off + dst + k]) k++;
        if (k < size) break;
      }
      if (peer) sendPackets(this.ctx, peer, buf, offs, lens, i, j);
      i = j;
    }
  }

  /** Runs the due timers of every peer. Does nothing before the earliest deadline (O(1)); when
   *  it is reached, one pass runs what is due and recomputes the exact earliest deadline. */
  tick(): void {
    const ctx = this.ctx;
    const now = ctx.clock.now();
    const wake = ctx.wake;
    if (now < wake.at) return;
    wake.at = Infinity; // timers armed while this pass runs lower it again (timers.ts arm)
    let next = Infinity;
    for (const p of ctx.peerMap.values()) {
      if (p.nextDeadline() <= now) timers.expire(ctx, p, now, SEND);
      const d = p.nextDeadline();
      if (d < next) next = d;
    }
    if (next < wake.at) wake.at = next;
  }

  /** A bound on the earliest timer deadline of any peer: never later than it, maybe earlier (a
   *  timer disarmed or pushed back since); O(1), asked after every packet batch. */
  nextDeadline(): number {
    return this.ctx.wake.at;
  }
}
