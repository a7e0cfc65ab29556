// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (whitepaper section 5.4).
// Each function either succeeds and commits its result to the handshake state, or fails and
// changes nothing: consuming a message works on local copies until every check has passed.
import { hash, kdf } from '../crypto/blake2s.ts';
import { open, seal } from '../crypto/aead.ts';
import { dh, generatePrivateKey, publicKey } from '../crypto/x25519.ts';
import { readU32LE, writeU32LE } from '../util/bytes.ts';
import type { RandomFill } from '../platform/types.ts';
import { HANDSHAKE_INITIATION_RATE, INITIAL_CHAIN_KEY, INITIAL_HASH } from './constants.ts';
import {
  INIT_EPHEMERAL, INIT_SENDER, INIT_STATIC, INIT_TIMESTAMP, MSG_INITIATION, MSG_RESPONSE,
  RESP_EMPTY, RESP_EPHEMERAL, RESP_RECEIVER, RESP_SENDER, writeHeader,
} from './messages.ts';
import { compareTai64n, tai64n } from './tai64n.ts';

export const enum HandshakeState {
  Zeroed = 0,
  InitiationCreated = 1,
  InitiationConsumed = 2,
  ResponseCreated = 3,
  ResponseConsumed = 4,
}

const EMPTY = new Uint8Array(0);

/** Our static identity. */
export interface StaticIdentity {
  privateKey: Uint8Array | null;
  publicKey: Uint8Array | null;
}

/** Per-peer handshake state (allocated once per peer, at configuration time). */
export class Handshake {
  state = HandshakeState.Zeroed;
  readonly hash = new Uint8Array(32);
  readonly chainKey = new Uint8Array(32);
  localEphemeral: Uint8Array = new Uint8Array(32);
  readonly remoteEphemeral = new Uint8Array(32);
  readonly presharedKey = new Uint8Array(32);
  /** DH(our static, their static), computed lazily; null if it is all zero (no handshake possible). */
  precomputedStaticStatic: Uint8Array | null = null;
  precomputed = false;
  localIndex = 0;
  remoteIndex = 0;
  readonly lastTimestamp = new Uint8Array(12);
  lastInitiationConsumption = -Infinity; // monotonic ms
  lastSentHandshake = -Infinity; // monotonic ms
  constructor(readonly remoteStatic: Uint8Array) {}

  staticStatic(local: StaticIdentity): Uint8Array | null {
    if (!this.precomputed) {
      this.precomputedStaticStatic = local.privateKey ? dh(local.privateKey, this.remoteStatic) : null;
      this.precomputed = true;
    }
    return this.precomputedStaticStatic;
  }

  /** Forget the precomputation (our private key changed). */
  invalidateStatic(): void {
    this.precomputed = false;
    this.precomputedStaticStatic = null;
  }

  clear(): void {
    this.state = HandshakeState.Zeroed;
    this.hash.fill(0);
    this.chainKey.fill(0);
    this.localEphemeral.fill(0);
    this.remoteEphemeral.fill(0);
    this.localIndex = 0;
    this.remoteIndex = 0;
  }
}

function mixHash(h: Uint8Array, data: Uint8Array): Uint8Array {
  return hash(h, data);
}

/**
 * Writes an initiation (without macs) into out[0..148) with sender index `localIndex`.
 * Returns false if no handshake is possible (no private key, or a low-order peer key).
 */
export function createInitiation(
  local: StaticIdentity, hs: Handshake, localIndex: number, out: Uint8Array,
  random: RandomFill, wallSeconds: number,
): boolean {
  if (!local.privateKey || !local.publicKey) return false;
  const ss = hs.staticStatic(local);
  if (!ss) return false;
  let c: Uint8Array = INITIAL_CHAIN_KEY;
  let h = mixHash(INITIAL_HASH, hs.remoteStatic);
  const e = generatePrivateKey(random);
  const ePub = publicKey(e);
  writeHeader(out, 0, MSG_INITIATION);
  writeU32LE(out, INIT_SENDER, localIndex);
  out.set(ePub, INIT_EPHEMERAL);
  c = kdf(1, c, ePub)[0]!;
  h = mixHash(h, ePub);
  const es = dh(e, hs.remoteStatic);
  if (!es) return false;
  let [c1, k] = kdf(2, c, es) as [Uint8Array, Uint8Array];
  const encStatic = seal(k, 0, local.publicKey, h);
  out.set(encStatic, INIT_STATIC);
  h = mixHash(h, encStatic);
  [c1, k] = kdf(2, c1, ss) as [Uint8Array, Uint8Array];
  const encTs = seal(k, 0, tai64n(wallSeconds), h);
  out.set(encTs, INIT_TIMESTAMP);
  h = mixHash(h, encTs);
  hs.chainKey.set(c1);
  hs.hash.set(h);
  hs.localEphemeral = e;
  hs.localIndex = localIndex;
  hs.state = HandshakeState.InitiationCreated;
  return true;
}

/**
 * Consumes an initiation msg[off..off+148) (macs already checked). `lookup` finds the peer's
 * handshake by the decrypted static key. On success the peer's handshake is updated and returned;
 * on any failure nothing changes and null is returned.
 */
export function consumeInitiation<P extends { handshake: Handshake }>(
  local: StaticIdentity, msg: Uint8Array, off: number,
  lookup: (remoteStatic: Uint8Array) => P | undefined, now: number,
): P | null {
  if (!local.privateKey || !local.publicKey) return null;
  let c: Uint8Array = INITIAL_CHAIN_KEY;
  let h = mixHash(INITIAL_HASH, local.publicKey);
  const eR = msg.slice(off + INIT_EPHEMERAL, off + INIT_EPHEMERAL + 32);
  c = kdf(1, c, eR)[0]!;
  h = mixHash(h, eR);
  const es = dh(local.privateKey, eR);
  if (!es) return null;
  let [c1, k] = kdf(2, c, es) as [Uint8Array, Uint8Array];
  const encStatic = msg.subarray(off + INIT_STATIC, off + INIT_STATIC + 48);
  const sPub = open(k, 0, encStatic, h);
  if (!sPub) return null;
  h = mixHash(h, encStatic);
  const peer = lookup(sPub);
  if (!peer) return null;
  const hs = peer.handshake;
  const ss = hs.staticStatic(local);
  if (!ss) return null;
  [c1, k] = kdf(2, c1, ss) as [Uint8Array, Uint8Array];
  const encTs = msg.subarray(off + INIT_TIMESTAMP, off + INIT_TIMESTAMP + 28);
  const ts = open(k, 0, encTs, h);
  if (!ts) return null;
  h = mixHash(h, encTs);
  // replay and flood protection: strictly newer timestamp, and not within 20 ms of the last one
  if (compareTai64n(ts, hs.lastTimestamp) <= 0) return null;
  if (now - hs.lastInitiationConsumption < HANDSHAKE_INITIATION_RATE) return null;
  hs.chainKey.set(c1);
  hs.hash.set(h);
  hs.remoteEphemeral.set(eR);
  hs.remoteIndex = readU32LE(msg, off + INIT_SENDER);
  hs.lastTimestamp.set(ts);
  hs.lastInitiationConsumption = now;
  hs.state = HandshakeState.InitiationConsumed;
  return peer;
}

/** Writes a response (without macs) into out[0..92) after a consumed initiation. */
export function createResponse(hs: Handshake, localIndex: number, out: Uint8Array, random: RandomFill): boolean {
  if (hs.state !== HandshakeState.InitiationConsumed) return false;
  let c: Uint8Array = hs.chainKey;
  let h: Uint8Array = hs.hash;
  const e = generatePrivateKey(random);
  const ePub = publicKey(e);
  writeHeader(out, 0, MSG_RESPONSE);
  writeU32LE(out, RESP_SENDER, localIndex);
  writeU32LE(out, RESP_RECEIVER, hs.remoteIndex);
  out.set(ePub, RESP_EPHEMERAL);
  c = kdf(1, c, ePub)[0]!;
  h = mixHash(h, ePub);
  const ee = dh(e, hs.remoteEphemeral);
  const se = dh(e, hs.remoteStatic);
  if (!ee || !se) return false;
  c = kdf(1, c, ee)[0]!;
  c = kdf(1, c, se)[0]!;
  const [c3, tau, k] = kdf(3, c, hs.presharedKey) as [Uint8Array, Uint8Array, Uint8Array];
  h = mixHash(h, tau);
  const encEmpty = seal(k, 0, EMPTY, h);
  out.set(encEmpty, RESP_EMPTY);
  h = mixHash(h, encEmpty);
  hs.chainKey.set(c3);
  hs.hash.set(h);
  hs.localEphemeral = e;
  hs.localIndex = localIndex;
  hs.state = HandshakeState.ResponseCreated;
  return true;
}

/**
 * Consumes a response msg[off..off+92) for the handshake `hs` found by its receiver index
 * (macs already checked). Commits only on success.
 */
export function consumeResponse(local: StaticIdentity, hs: Handshake, msg: Uint8Array, off: number): boolean {
  if (hs.state !== HandshakeState.InitiationCreated || !local.privateKey) return false;
  if (readU32LE(msg, off + RESP_RECEIVER) !== hs.localIndex) return false;
  let c: Uint8Array = hs.chainKey;
  let h: Uint8Array = hs.hash;
  const eR = msg.slice(off + RESP_EPHEMERAL, off + RESP_EPHEMERAL + 32);
  c = kdf(1, c, eR)[0]!;
  h = mixHash(h, eR);
  const ee = dh(hs.localEphemeral, eR);
  const se = dh(local.privateKey, eR);
  if (!ee || !se) return false;
  c = kdf(1, c, ee)[0]!;
  c = kdf(1, c, se)[0]!;
  const [c3, tau, k] = kdf(3, c, hs.presharedKey) as [Uint8Array, Uint8Array, Uint8Array];
  h = mixHash(h, tau);
  const encEmpty = msg.subarray(off + RESP_EMPTY, off + RESP_EMPTY + 16);
  if (!open(k, 0, encEmpty, h)) return false;
  h = mixHash(h, encEmpty);
  hs.chainKey.set(c3);
  hs.hash.set(h);
  hs.remoteEphemeral.set(eR);
  hs.remoteIndex = readU32LE(msg, off + RESP_SENDER);
  hs.state = HandshakeState.ResponseConsumed;
  return true;
}

/** The transport keys of a finished handshake: [sendKey, recvKey]; clears the handshake. */
export function deriveTransportKeys(hs: Handshake): [Uint8Array, Uint8Array, boolean] | null {
  let isInitiator: boolean;
  if (hs.state === HandshakeState.ResponseConsumed) isInitiator = true;
  else if (hs.state === HandshakeState.ResponseCreated) isInitiator = false;
  else return null;
  const [t1, t2] = kdf(2, hs.chainKey, EMPTY) as [Uint8Array, Uint8Array];
  hs.chainKey.fill(0);
  hs.hash.fill(0);
  hs.localEphemeral.fill(0);
  hs.remoteEphemeral.fill(0);
  hs.state = HandshakeState.Zeroed;
  return isInitiator ? [t1, t2, true] : [t2, t1, false];
}

