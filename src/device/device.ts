// The device: our identity, the peers, cryptokey routing, the index table, and the entry points
// the host calls (configuration, receiveUdp, receiveTun, tick). Pure: I/O, clock and randomness
// are injected.
import { clamp, publicKey as derivePublic } from '../crypto/x25519.ts';
import { CookieChecker } from '../noise/cookie.ts';
import type { StaticIdentity } from '../noise/handshake.ts';
import type { Keypair } from '../noise/keypair.ts';
import { COOKIE_REPLY_SIZE, INITIATION_SIZE, TRANSPORT_HEADER_SIZE } from '../noise/messages.ts';
import type { Clock, Logger, PeerEvents, RandomFill, Transport, TunWriter } from '../platform/types.ts';
import type { SetRequest } from '../uapi/types.ts';
import { ctEqual, isZero, toBase64 } from '../util/bytes.ts';
import { AllowedIps } from './allowedips.ts';
import { IndexTable } from './indextable.ts';
import { HandshakeLoad } from './load.ts';
import { Peer } from './peer.ts';
import { Ratelimiter } from './ratelimiter.ts';
import { receiveUdp, receiveUdpBatch } from './receive.ts';
import { sendInitiation, sendKeepalive, sendPacket, sendPackets, sendStaged } from './send.ts';
import * as timers from './timers.ts';

export interface DeviceOptions {
  clock: Clock;
  random: RandomFill;
  transport: Transport;
  tun: TunWriter;
  log?: Logger;
  events?: PeerEvents;
  mtu?: number;
  /** Real milliseconds for measuring handshake work (src/device/load.ts); default clock.now. */
  workClock?: () => number;
}

const silent: Logger = { level: 0, error() {}, verbose() {}, debug() {} };

export class Device {
  readonly clock: Clock;
  readonly random: RandomFill;
  readonly transport: Transport;
  readonly tun: TunWriter;
  readonly log: Logger;
  readonly events: PeerEvents;
  mtu: number;
  readonly identity: StaticIdentity = { privateKey: null, publicKey: null };
  /** Earliest-deadline bound shared with the peers (see tick and timers.ts). */
  readonly wake = { at: Infinity };
  listenPort = 0;
  fwmark = 0;
  readonly allowedIps = new AllowedIps<Peer>();
  readonly indexes: IndexTable<Peer>;
  readonly cookieChecker: CookieChecker;
  readonly ratelimiter: Ratelimiter;
  private readonly peerMap = new Map<string, Peer>();
  private running = false;
  // buffers reused on the packet path
  readonly handshakeBuf = new Uint8Array(INITIATION_SIZE);
  readonly cookieBuf = new Uint8Array(COOKIE_REPLY_SIZE);
  readonly sendBuf = new Uint8Array(TRANSPORT_HEADER_SIZE + 65535 + 64);
  /** @internal Within one receive batch (receive.ts): what the previous packet already settled.
   *  Reset at every batch: configuration never changes in the middle of one. */
  /** @internal send.ts: a TUN run's padded lengths and datagram ranges (grow to the largest batch) */
  txPads = new Int32Array(128);
  txDOffs = new Int32Array(128);
  txDLens = new Int32Array(128);
  /** @internal receive.ts: transportOpen's per-message results (grows to the largest batch) */
  rxOpened = new Int32Array(4096); // the daemon's largest read: 64 messages x 64 GRO segments
  readonly rxBatch = { ep: null as Uint8Array | null, epPeer: null as Peer | null, src4: 0, srcPeer: null as Peer | null };
  private readonly rnd1 = new Uint8Array(1);
  // under load: measured by the time spent on handshake work (src/device/load.ts)
  readonly load = new HandshakeLoad();
  readonly workClock: () => number;
  /** Bound once: finds a peer by public key (used by the handshake). */
  readonly lookupPeer = (pub: Uint8Array): Peer | undefined => this.peerMap.get(toBase64(pub));

  constructor(opts: DeviceOptions) {
    this.clock = opts.clock;
    this.random = opts.random;
    this.transport = opts.transport;
    this.tun = opts.tun;
    this.log = opts.log ?? silent;
    this.events = opts.events ?? {};
    this.mtu = opts.mtu ?? 1420;
    this.workClock = opts.workClock ?? ((): number => this.clock.now());
    this.indexes = new IndexTable<Peer>(this.random);
    const now = (): number => this.clock.now();
    this.cookieChecker = new CookieChecker(this.random, now);
    this.ratelimiter = new Ratelimiter(this.clock, { random: this.random });
  }

  // ------------------------------------------------------------------ configuration
  get privateKey(): Uint8Array | null {
    return this.identity.privateKey;
  }
  get publicKey(): Uint8Array | null {
    return this.identity.publicKey;
  }
  get isUp(): boolean {
    return this.running;
  }

  setPrivateKey(key: Uint8Array | null): void {
    const k = key && !isZero(key) ? clamp(key.slice()) : null;
    const cur = this.identity.privateKey;
    if (cur && k && ctEqual(cur, k)) {
      k.fill(0);
      return;
    }
    if (!cur && !k) return;
    this.identity.privateKey = k;
    cur?.fill(0); // the old static key is gone from memory, not just unreferenced
    this.identity.publicKey = k ? derivePublic(k) : null;
    this.cookieChecker.init(this.identity.publicKey);
    if (this.identity.publicKey) {
      const same = this.getPeer(this.identity.publicKey);
      if (same) this.removePeer(same);
    }
    for (const p of this.peerMap.values()) {
      p.handshake.invalidateStatic();
      this.expireSessions(p);
    }
  }

  addPeer(pub: Uint8Array): Peer {
    const key = toBase64(pub);
    let p = this.peerMap.get(key);
    if (!p) {
      p = new Peer(pub, () => this.clock.now(), this.wake);
      this.peerMap.set(key, p);
    }
    return p;
  }
  getPeer(pub: Uint8Array): Peer | undefined {
    return this.peerMap.get(toBase64(pub));
  }
  removePeer(p: Peer): void {
    if (!this.peerMap.delete(toBase64(p.publicKey))) return;
    p.removed = true;
    this.allowedIps.removeByPeer(p);
    this.expireSessions(p);
    timers.stopAll(p);
    p.staged.length = 0;
    // like the kernel (peer.c zeroes the whole peer on release): the preshared key, the
    // static-static DH and the cookie go with the sessions
    p.handshake.wipe();
    p.cookie.wipe();
  }
  removeAllPeers(): void {
    for (const p of [...this.peerMap.values()]) this.removePeer(p);
  }
  peers(): Iterable<Peer> {
    return this.peerMap.values();
  }
  get peerCount(): number {
    return this.peerMap.size;
  }

  setPersistentKeepalive(p: Peer, seconds: number): void {
    const was = p.persistentKeepalive;
    p.persistentKeepalive = seconds;
    if (seconds === 0) p.persistentKeepaliveAt = Infinity;
    else if (was === 0 && this.running) sendKeepaliveOrHandshake(this, p);
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
      if (this.identity.publicKey && ctEqual(op.publicKey, this.identity.publicKey)) continue; // never ourselves
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
      if (op.endpoint) p.endpoint.set(op.endpoint.subarray(0, 40));
      if (op.replaceAllowedIps) this.allowedIps.removeByPeer(p);
      for (const a of op.allowedIps) {
        if (a.remove) this.allowedIps.remove(p, a.family, a.addr, a.cidr);
        else this.allowedIps.insert(p, a.family, a.addr, a.cidr);
      }
      if (op.persistentKeepalive !== undefined) this.setPersistentKeepalive(p, op.persistentKeepalive);
    }
    return 0;
  }

  up(): void {
    if (this.running) return;
    this.running = true;
    for (const p of this.peerMap.values()) {
      if (p.persistentKeepalive > 0) sendKeepaliveOrHandshake(this, p);
    }
  }
  down(): void {
    if (!this.running) return;
    this.running = false;
    for (const p of this.peerMap.values()) {
      this.expireSessions(p);
      timers.stopAll(p);
      p.staged.length = 0;
    }
  }

  // ------------------------------------------------------------------ packet path
  receiveUdp(buf: Uint8Array, off: number, len: number, ep: Uint8Array): void {
    if (!this.running) return;
    receiveUdp(this, buf, off, len, ep);
  }

  /** Datagrams k in [start, end) of one read: buf[offs[k] .. +lens[k]) from endpoint
   *  eps[src[k]] (lens[k] < 0: truncated, skipped). Runs of transport messages to one session
   *  are opened together; every decision stays per datagram (receive.ts); the batch shares one
   *  clock reading. */
  receiveUdpBatch(buf: Uint8Array, offs: Int32Array, lens: Int32Array, src: Int32Array, eps: Uint8Array[], start: number, end: number): void {
    if (!this.running) return;
    receiveUdpBatch(this, buf, offs, lens, src, eps, start, end);
  }

  receiveTun(buf: Uint8Array, off: number, len: number): void {
    if (!this.running || len < 1) return;
    const v = buf[off]! >> 4;
    let peer: Peer | null;
    if (v === 4 && len >= 20) peer = this.allowedIps.lookup(4, buf, off + 16);
    else if (v === 6 && len >= 40) peer = this.allowedIps.lookup(6, buf, off + 24);
    else return;
    if (!peer) return; // no route: dropped (the kernel answers ICMP unreachable; so do we not)
    sendPacket(this, peer, buf, off, len);
  }

  /** Packets i in [0, n) read from TUN: buf[offs[i] .. +lens[i]), each with the head- and
   *  tailroom receiveTun needs. A run of packets to the same destination address (the segments
   *  of one TSO super-packet) takes one routing decision: the same address has the same route. */
  receiveTunBatch(buf: Uint8Array, offs: Int32Array, lens: Int32Array, n: number): void {
    if (!this.running) return;
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
        peer = this.allowedIps.lookup(4, buf, off + 16);
      } else if (v === 6 && len >= 40) {
        dst = 24;
        size = 16;
        peer = this.allowedIps.lookup(6, buf, off + 24);
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
      if (peer) sendPackets(this, peer, buf, offs, lens, i, j);
      i = j;
    }
  }

  /** Runs the due timers of every peer. Does nothing before the earliest deadline (O(1)); when
   *  it is reached, one pass runs what is due and recomputes the exact earliest deadline. */
  tick(): void {
    const now = this.clock.now();
    if (now < this.wake.at) return;
    this.wake.at = Infinity; // timers armed while this pass runs lower it again (timers.ts arm)
    let next = Infinity;
    for (const p of this.peerMap.values()) {
      if (p.nextDeadline() <= now) runTimers(this, p, now);
      const d = p.nextDeadline();
      if (d < next) next = d;
    }
    if (next < this.wake.at) this.wake.at = next;
  }

  /** A bound on the earliest timer deadline of any peer: never later than it, maybe earlier (a
   *  timer disarmed or pushed back since); O(1), asked after every packet batch. */
  nextDeadline(): number {
    return this.wake.at;
  }

  // ------------------------------------------------------------------ internal helpers
  /** @internal */ jitter(): number {
    this.random(this.rnd1);
    return timers.jitter(this.rnd1[0]!);
  }
  /** @internal */ dropKeypair(kp: Keypair | null): void {
    if (!kp) return;
    this.indexes.delete(kp.localIndex);
    kp.zero();
  }
  /** @internal */ releaseHandshakeIndex(p: Peer): void {
    const idx = p.handshake.localIndex;
    if (idx !== 0) {
      const e = this.indexes.get(idx);
      if (e && e.keypair === null) this.indexes.delete(idx);
      p.handshake.localIndex = 0;
    }
  }
  /** @internal */ notifyHandshake(p: Peer): void {
    this.log.verbose(`peer ${toBase64(p.publicKey).slice(0, 8)}...: handshake complete`);
    if (!p.reachable) {
      p.reachable = true;
      if (this.events.peerUp) this.events.peerUp(p.publicKey, p.endpoint);
    }
  }
  /** @internal */ notifyUnreachable(p: Peer): void {
    if (p.reachable) {
      p.reachable = false;
      if (this.events.peerDown) this.events.peerDown(p.publicKey, p.endpoint);
    }
  }
  /** @internal */ expireSessions(p: Peer): void {
    const k = p.keypairs;
    this.dropKeypair(k.previous);
    this.dropKeypair(k.current);
    this.dropKeypair(k.next);
    k.previous = k.current = k.next = null;
    this.releaseHandshakeIndex(p);
    p.handshake.clear();
    p.handshake.lastSentHandshake = -Infinity;
  }
}

function sendKeepaliveOrHandshake(dev: Device, p: Peer): void {
  if (p.keypairs.current) sendKeepalive(dev, p);
  else sendInitiation(dev, p, false);
}

/** Runs the due timers of one peer (whitepaper section 6.x; wireguard-go's timers.go semantics). */
function runTimers(dev: Device, p: Peer, now: number): void {
  if (p.retransmitAt <= now) {
    p.retransmitAt = Infinity;
    if (timers.retransmitExhausted(p)) {
      dev.log.verbose(`peer ${toBase64(p.publicKey).slice(0, 8)}...: handshake did not complete after ${p.handshakeAttempts + 1} attempts, giving up`);
      p.keepaliveAt = Infinity;
      p.staged.length = 0;
      timers.zeroKeysLater(p, now);
      dev.notifyUnreachable(p);
    } else {
      p.handshakeAttempts++;
      p.endpoint.fill(0, 20, 40); // forget the sticky source: maybe it is what broke
      p.handshake.lastSentHandshake = -Infinity;
      sendInitiation(dev, p, true);
    }
  }
  if (p.keepaliveAt <= now) {
    p.keepaliveAt = Infinity;
    sendKeepalive(dev, p);
    if (p.keepaliveNeedAnother) {
      p.keepaliveNeedAnother = false;
      timers.dataReceived(p, now);
    }
  }
  if (p.newHandshakeAt <= now) {
    p.newHandshakeAt = Infinity;
    p.endpoint.fill(0, 20, 40);
    sendInitiation(dev, p, false);
  }
  if (p.zeroKeysAt <= now) {
    p.zeroKeysAt = Infinity;
    dev.expireSessions(p);
    dev.notifyUnreachable(p);
  }
  if (p.persistentKeepaliveAt <= now) {
    p.persistentKeepaliveAt = Infinity;
    if (p.persistentKeepalive > 0) sendKeepaliveOrHandshake(dev, p);
  }
  if (p.staged.length > 0 && p.keypairs.current) sendStaged(dev, p);
}
