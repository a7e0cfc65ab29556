// What the packet path shares: the device's injected world (clock, randomness, transport, TUN,
// log, events), our identity, the routing and index tables, the load measurement, and the
// buffers reused for every packet. send.ts, receive.ts and timers.ts work on this context; the
// Device (device.ts) owns one and adds configuration and the entry points. A leaf: it imports
// nothing from the files that use it.
import { CookieChecker } from '../noise/cookie.ts';
import type { StaticIdentity } from '../noise/handshake.ts';
import { COOKIE_REPLY_SIZE, INITIATION_SIZE, TRANSPORT_HEADER_SIZE } from '../noise/messages.ts';
import type { Clock, Logger, PeerEvents, RandomFill, Transport, TunWriter } from '../platform/types.ts';
import { toBase64 } from '../util/bytes.ts';
import { AllowedIps } from './allowedips.ts';
import { IndexTable } from './indextable.ts';
import { HandshakeLoad } from './load.ts';
import type { Peer } from './peer.ts';
import { Ratelimiter } from './ratelimiter.ts';

export interface ContextOptions {
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

/** What one receive batch already settled for the packet before (reset at every batch:
 *  configuration never changes in the middle of one). */
interface ReceiveBatch {
  /** The endpoint record last applied, and to which peer. */
  ep: Uint8Array | null;
  epPeer: Peer | null;
  /** The inner IPv4 source last routed, and its peer. */
  src4: number;
  srcPeer: Peer | null;
}

export class Context {
  readonly clock: Clock;
  readonly random: RandomFill;
  readonly transport: Transport;
  readonly tun: TunWriter;
  readonly log: Logger;
  readonly events: PeerEvents;
  mtu: number;
  /** Real milliseconds for the handshake load measurement. */
  readonly workClock: () => number;
  readonly identity: StaticIdentity = { privateKey: null, publicKey: null };
  /** Set between up() and down(). */
  running = false;
  /** A bound on the earliest timer deadline of any peer, shared with the peers (timers.ts). */
  readonly wake = { at: Infinity };
  readonly peerMap = new Map<string, Peer>();
  readonly allowedIps = new AllowedIps<Peer>();
  readonly indexes: IndexTable<Peer>;
  readonly cookieChecker: CookieChecker;
  readonly ratelimiter: Ratelimiter;
  /** Under load: measured by the time spent on handshake work (src/device/load.ts). */
  readonly load = new HandshakeLoad();

  // buffers reused on the packet path
  readonly handshakeBuf = new Uint8Array(INITIATION_SIZE);
  readonly cookieBuf = new Uint8Array(COOKIE_REPLY_SIZE);
  readonly sendBuf = new Uint8Array(TRANSPORT_HEADER_SIZE + 65535 + 64);
  /** send.ts: a TUN run's padded lengths and datagram ranges (grow to the largest batch). */
  txPads = new Int32Array(128);
  txDOffs = new Int32Array(128);
  txDLens = new Int32Array(128);
  /** receive.ts: transportOpen's per-message results (the daemon's largest read: 64 messages x 64 GRO segments). */
  rxOpened = new Int32Array(4096);
  readonly rxBatch: ReceiveBatch = { ep: null, epPeer: null, src4: 0, srcPeer: null };
  private readonly rnd1 = new Uint8Array(1);

  /** Finds a peer by public key (the handshake's lookup), bound once. */
  readonly lookupPeer = (pub: Uint8Array): Peer | undefined => this.peerMap.get(toBase64(pub));
  /** Frees the receiver index of a dropped keypair (Keypairs' callback), bound once. */
  readonly forgetIndex = (idx: number): void => this.indexes.delete(idx);

  constructor(opts: ContextOptions) {
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

  /** One random byte (timer jitter). */
  randomByte(): number {
    this.random(this.rnd1);
    return this.rnd1[0]!;
  }

  /** The index of the peer's handshake in progress is no longer needed (a new attempt, or gone). */
  releaseHandshakeIndex(p: Peer): void {
    const idx = p.handshake.localIndex;
    if (idx !== 0) {
      const e = this.indexes.get(idx);
      if (e && e.keypair === null) this.indexes.delete(idx);
      p.handshake.localIndex = 0;
    }
  }

  /** Every session of the peer and its handshake in progress are dropped, keys zeroed. */
  expireSessions(p: Peer): void {
    p.keypairs.clear(this.forgetIndex);
    this.releaseHandshakeIndex(p);
    p.handshake.clear();
    p.handshake.lastSentHandshake = -Infinity;
  }

  /** A handshake completed: the peer is reachable (peer-up once, until it goes down again). */
  handshakeDone(p: Peer): void {
    this.log.verbose(`peer ${toBase64(p.publicKey).slice(0, 8)}...: handshake complete`);
    if (!p.reachable) {
      p.reachable = true;
      if (this.events.peerUp) this.events.peerUp(p.publicKey, p.endpoint);
    }
  }

  /** The peer is unreachable (handshakes gave up, or its keys expired): peer-down once. */
  unreachable(p: Peer): void {
    if (p.reachable) {
      p.reachable = false;
      if (this.events.peerDown) this.events.peerDown(p.publicKey, p.endpoint);
    }
  }
}
