// A configured peer: its keys, endpoint, sessions, timers and counters. Everything a peer needs on
// the packet path is allocated here, when the peer is configured.
import { CookieGenerator } from '../noise/cookie.ts';
import { Handshake } from '../noise/handshake.ts';
import { Keypairs } from '../noise/keypair.ts';
import { ENDPOINT_SIZE } from '../platform/types.ts';

export class Peer {
  readonly publicKey: Uint8Array;
  readonly handshake: Handshake;
  readonly cookie: CookieGenerator;
  readonly keypairs = new Keypairs();
  /** 40-byte endpoint record; family 0 = none. Updated from every authenticated packet. */
  readonly endpoint = new Uint8Array(ENDPOINT_SIZE);
  persistentKeepalive = 0; // seconds
  rxBytes = 0;
  txBytes = 0;
  lastHandshakeSec = 0;
  lastHandshakeNsec = 0;
  removed = false;
  /** A handshake completed since the peer was last considered unreachable (peer-up/down events). */
  reachable = false;

  // --- timers: deadlines in monotonic ms, Infinity = not armed (re-armed in O(1), no closures)
  retransmitAt = Infinity;
  keepaliveAt = Infinity; // passive keepalive after receiving data
  keepaliveNeedAnother = false;
  newHandshakeAt = Infinity;
  zeroKeysAt = Infinity;
  persistentKeepaliveAt = Infinity;
  handshakeAttempts = 0;
  sentLastMinuteHandshake = false;

  /** Packets from TUN waiting for a session (copies; bounded). */
  readonly staged: Uint8Array[] = [];

  /** The device's bound on its earliest deadline (shared by its peers; see timers.ts arm). */
  readonly wake: { at: number };

  constructor(publicKey: Uint8Array, now: () => number, wake: { at: number } = { at: Infinity }) {
    this.wake = wake;
    this.publicKey = publicKey.slice();
    this.handshake = new Handshake(this.publicKey);
    this.cookie = new CookieGenerator(this.publicKey, now);
  }

  get presharedKey(): Uint8Array {
    return this.handshake.presharedKey;
  }

  /** The earliest armed timer of this peer. */
  nextDeadline(): number {
    return Math.min(this.retransmitAt, this.keepaliveAt, this.newHandshakeAt, this.zeroKeysAt, this.persistentKeepaliveAt);
  }
}
