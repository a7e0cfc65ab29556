// The handshake: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (whitepaper 5.4.2,
// 5.4.3), written as the pattern:
//
//   IKpsk2:
//     <- s
//     ...
//     -> e, es, s, ss, {timestamp}       initiation (createInitiation / consumeInitiation)
//     <- e, ee, se, psk, {}              response   (createResponse / consumeResponse)
//
// The symmetric state (chaining key c, hash h, key k) lives in module scratch buffers while a
// message is built or read, and is committed to the peer's Handshake only once every check has
// passed: a failed consume changes nothing. Every function wipes the scratch before it returns,
// and a replaced ephemeral key is overwritten in place (the kernel's noise.c does the same with
// memzero_explicit). Token helpers, as in the Noise specification (section 5.2):
//   mixHash(data)        h = HASH(h || data)
//   mixKey(input)        (c, k) = KDF2(c, input)   (KDF1's output is KDF2's first: same c)
//   mixDh(priv, pub)     mixKey(DH(priv, pub)); fails on an all-zero DH (a low-order point)
//   mixPsk(psk)          (c, tau, k) = KDF3(c, psk); mixHash(tau)
//   encryptAndHash(...)  AEAD(k, 0, plain, h) into the message; mixHash(ciphertext)
//   decryptAndHash(...)  the inverse, into scratch; mixHash(ciphertext)
import { aeadOpen, aeadSeal, blake2s, kdf, x25519, x25519Base } from '../crypto/backend.ts';
import { clamp } from '../crypto/x25519.ts';
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
  readonly localEphemeral = new Uint8Array(32);
  readonly remoteEphemeral = new Uint8Array(32);
  readonly presharedKey = new Uint8Array(32);
  /** DH(our static, their static), computed once per static key pair (see staticStatic). */
  private readonly ss = new Uint8Array(32);
  /** 0: not computed yet, 1: in `ss`, -1: all zero (no handshake possible). */
  private ssState = 0;
  localIndex = 0;
  remoteIndex = 0;
  readonly lastTimestamp = new Uint8Array(12);
  lastInitiationConsumption = -Infinity; // monotonic ms
  lastSentHandshake = -Infinity; // monotonic ms
  constructor(readonly remoteStatic: Uint8Array) {}

  /** DH(our static, their static), or null when it is all zero (or we have no private key). */
  staticStatic(local: StaticIdentity): Uint8Array | null {
    if (this.ssState === 0) this.ssState = local.privateKey && x25519(this.ss, local.privateKey, this.remoteStatic) ? 1 : -1;
    return this.ssState === 1 ? this.ss : null;
  }

  /** Forgets the precomputed static-static DH (our private key changed, or the peer is removed). */
  invalidateStatic(): void {
    this.ss.fill(0);
    this.ssState = 0;
  }

  /** The session in progress is forgotten: chaining key, hash, both ephemeral keys. */
  clear(): void {
    this.state = HandshakeState.Zeroed;
    this.hash.fill(0);
    this.chainKey.fill(0);
    this.localEphemeral.fill(0);
    this.remoteEphemeral.fill(0);
    this.localIndex = 0;
    this.remoteIndex = 0;
  }

  /** Everything secret, for a removed peer: the session, the preshared key, the static DH. */
  wipe(): void {
    this.clear();
    this.presharedKey.fill(0);
    this.invalidateStatic();
  }
}

// ------------------------------------------------------------------ the symmetric state (scratch)

const c = new Uint8Array(32); // chaining key
const h = new Uint8Array(32); // hash
const k = new Uint8Array(32); // cipher key
const tau = new Uint8Array(32);
const dhOut = new Uint8Array(32);
const eph = new Uint8Array(32); // a new ephemeral private key
const ePub = new Uint8Array(32); // an ephemeral public key (ours or theirs)
const plain = new Uint8Array(48); // decrypted payloads (static key, timestamp), with room for the tag
const ct = new Uint8Array(48); // a ciphertext being mixed into h
// views made once: nothing is allocated while a message is read or written
const plainStatic = plain.subarray(0, 32);
const plainTimestamp = plain.subarray(0, 12);
const ctOf: Record<number, Uint8Array> = { 16: ct.subarray(0, 16), 28: ct.subarray(0, 28), 48: ct };
const SCRATCH = [c, h, k, tau, dhOut, eph, ePub, plain, ct];

/** Every scratch buffer is zero (unit tests check it after each function). */
export function scratchIsZero(): boolean {
  for (const b of SCRATCH) for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function wipeScratch(): void {
  for (const b of SCRATCH) b.fill(0);
}

function initialize(responderStatic: Uint8Array): void {
  c.set(INITIAL_CHAIN_KEY);
  h.set(INITIAL_HASH);
  mixHash(responderStatic); // <- s (the pre-message)
}

function resume(hs: Handshake): void {
  c.set(hs.chainKey);
  h.set(hs.hash);
}

function commit(hs: Handshake): void {
  hs.chainKey.set(c);
  hs.hash.set(h);
}

function mixHash(data: Uint8Array): void {
  blake2s(h, 32, null, h, data);
}

function mixKey(input: Uint8Array): void {
  kdf(c, input, c, k);
}

function mixDh(priv: Uint8Array, pub: Uint8Array): boolean {
  if (!x25519(dhOut, priv, pub)) return false;
  mixKey(dhOut);
  return true;
}

function mixPsk(psk: Uint8Array): void {
  kdf(c, psk, c, tau, k);
  mixHash(tau);
}

/** The `e` token: a new ephemeral key pair, its public half written at msg[off] and mixed. */
function writeEphemeral(random: RandomFill, msg: Uint8Array, off: number): void {
  random(eph);
  clamp(eph);
  x25519Base(ePub, eph);
  msg.set(ePub, off);
  mixHash(ePub);
  mixKey(ePub);
}

/** The peer's `e` token: read from msg[off] into ePub and mixed. */
function readEphemeral(msg: Uint8Array, off: number): void {
  for (let i = 0; i < 32; i++) ePub[i] = msg[off + i]!;
  mixHash(ePub);
  mixKey(ePub);
}

/** msg[off, +len+16) = AEAD(k, 0, data[0, len), h); then the ciphertext is mixed into h. */
function encryptAndHash(data: Uint8Array, len: number, msg: Uint8Array, off: number): void {
  for (let i = 0; i < len; i++) msg[off + i] = data[i]!;
  aeadSeal(k, 0, h, msg, off, len);
  for (let i = 0; i < len + 16; i++) ct[i] = msg[off + i]!;
  mixHash(ctOf[len + 16]!);
}

/** plain[0, len) = the payload of msg[off, +len+16) under k and h; false when it is forged. */
function decryptAndHash(msg: Uint8Array, off: number, len: number): boolean {
  for (let i = 0; i < len + 16; i++) plain[i] = ct[i] = msg[off + i]!;
  if (!aeadOpen(k, 0, h, plain, 0, len + 16)) return false;
  mixHash(ctOf[len + 16]!);
  return true;
}

// ------------------------------------------------------------------ the initiation

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
  try {
    initialize(hs.remoteStatic);
    writeHeader(out, 0, MSG_INITIATION);
    writeU32LE(out, INIT_SENDER, localIndex);
    writeEphemeral(random, out, INIT_EPHEMERAL); // -> e
    if (!mixDh(eph, hs.remoteStatic)) return false; // es
    encryptAndHash(local.publicKey, 32, out, INIT_STATIC); // s
    mixKey(ss); // ss
    tai64n(wallSeconds, plain, 0);
    encryptAndHash(plain, 12, out, INIT_TIMESTAMP); // {timestamp}
    commit(hs);
    hs.localEphemeral.set(eph); // the previous attempt's key is overwritten
    hs.localIndex = localIndex;
    hs.state = HandshakeState.InitiationCreated;
    return true;
  } finally {
    wipeScratch();
  }
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
  try {
    initialize(local.publicKey);
    readEphemeral(msg, off + INIT_EPHEMERAL); // -> e
    if (!mixDh(local.privateKey, ePub)) return null; // es
    if (!decryptAndHash(msg, off + INIT_STATIC, 32)) return null; // s
    const peer = lookup(plainStatic);
    if (!peer) return null;
    const hs = peer.handshake;
    const ss = hs.staticStatic(local);
    if (!ss) return null;
    mixKey(ss); // ss
    if (!decryptAndHash(msg, off + INIT_TIMESTAMP, 12)) return null; // {timestamp}
    // replay and flood protection: strictly newer timestamp, and not within 20 ms of the last one
    const ts = plainTimestamp;
    if (compareTai64n(ts, hs.lastTimestamp) <= 0) return null;
    if (now - hs.lastInitiationConsumption < HANDSHAKE_INITIATION_RATE) return null;
    commit(hs);
    hs.remoteEphemeral.set(ePub);
    hs.remoteIndex = readU32LE(msg, off + INIT_SENDER);
    hs.lastTimestamp.set(ts);
    hs.lastInitiationConsumption = now;
    hs.state = HandshakeState.InitiationConsumed;
    return peer;
  } finally {
    wipeScratch();
  }
}

// ------------------------------------------------------------------ the response

/** Writes a response (without macs) into out[0..92) after a consumed initiation. */
export function createResponse(hs: Handshake, localIndex: number, out: Uint8Array, random: RandomFill): boolean {
  if (hs.state !== HandshakeState.InitiationConsumed) return false;
  try {
    resume(hs);
    writeHeader(out, 0, MSG_RESPONSE);
    writeU32LE(out, RESP_SENDER, localIndex);
    writeU32LE(out, RESP_RECEIVER, hs.remoteIndex);
    writeEphemeral(random, out, RESP_EPHEMERAL); // <- e
    if (!mixDh(eph, hs.remoteEphemeral)) return false; // ee
    if (!mixDh(eph, hs.remoteStatic)) return false; // se
    mixPsk(hs.presharedKey); // psk
    encryptAndHash(plain, 0, out, RESP_EMPTY); // {}
    commit(hs);
    hs.localEphemeral.set(eph);
    hs.localIndex = localIndex;
    hs.state = HandshakeState.ResponseCreated;
    return true;
  } finally {
    wipeScratch();
  }
}

/**
 * Consumes a response msg[off..off+92) for the handshake `hs` found by its receiver index
 * (macs already checked). Commits only on success.
 */
export function consumeResponse(local: StaticIdentity, hs: Handshake, msg: Uint8Array, off: number): boolean {
  if (hs.state !== HandshakeState.InitiationCreated || !local.privateKey) return false;
  if (readU32LE(msg, off + RESP_RECEIVER) !== hs.localIndex) return false;
  try {
    resume(hs);
    readEphemeral(msg, off + RESP_EPHEMERAL); // <- e
    if (!mixDh(hs.localEphemeral, ePub)) return false; // ee
    if (!mixDh(local.privateKey, ePub)) return false; // se
    mixPsk(hs.presharedKey); // psk
    if (!decryptAndHash(msg, off + RESP_EMPTY, 0)) return false; // {}
    commit(hs);
    hs.remoteEphemeral.set(ePub);
    hs.remoteIndex = readU32LE(msg, off + RESP_SENDER);
    hs.state = HandshakeState.ResponseConsumed;
    return true;
  } finally {
    wipeScratch();
  }
}

// ------------------------------------------------------------------ the transport keys

/**
 * The transport keys of a finished handshake (whitepaper 5.4.5): [sendKey, recvKey, initiator],
 * (T_send, T_recv) = KDF2(c, empty) in the initiator's order. Wipes the handshake state.
 */
export function deriveTransportKeys(hs: Handshake): [Uint8Array, Uint8Array, boolean] | null {
  let isInitiator: boolean;
  if (hs.state === HandshakeState.ResponseConsumed) isInitiator = true;
  else if (hs.state === HandshakeState.ResponseCreated) isInitiator = false;
  else return null;
  const t1 = new Uint8Array(32);
  const t2 = new Uint8Array(32);
  kdf(hs.chainKey, null, t1, t2);
  hs.state = HandshakeState.Zeroed;
  hs.chainKey.fill(0);
  hs.hash.fill(0);
  hs.localEphemeral.fill(0);
  hs.remoteEphemeral.fill(0);
  return isInitiator ? [t1, t2, true] : [t2, t1, false];
}
