// Sending: handshake messages, keepalives, and transport data (encrypted in place). Works on the
// device's Context; every function is named after what the whitepaper sends.
import { TAG_SIZE, transportSeal, transportSealRun } from '../crypto/aead.ts';
import {
  MAX_STAGED_PACKETS, PADDING_MULTIPLE, REJECT_AFTER_MESSAGES, REJECT_AFTER_TIME,
  REKEY_AFTER_MESSAGES, REKEY_AFTER_TIME, REKEY_TIMEOUT,
} from '../noise/constants.ts';
import { createInitiation, createResponse, deriveTransportKeys } from '../noise/handshake.ts';
import { Keypair } from '../noise/keypair.ts';
import { INITIATION_SIZE, RESPONSE_SIZE, TRANSPORT_HEADER_SIZE } from '../noise/messages.ts';
import type { Context } from './context.ts';
import type { Peer } from './peer.ts';
import * as timers from './timers.ts';

/** Padding to a multiple of 16, never beyond the MTU (whitepaper 5.4.6, as wireguard-go). */
function paddedLength(len: number, mtu: number): number {
  let last = len;
  if (mtu > 0 && last > mtu) last %= mtu;
  let padded = (last + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
  if (mtu > 0 && padded > mtu) padded = mtu;
  return len + (padded - last);
}

function transmit(ctx: Context, peer: Peer, buf: Uint8Array, off: number, len: number): void {
  if (peer.endpoint[0] === 0) return;
  peer.txBytes += len;
  ctx.transport.send(buf, off, len, peer.endpoint);
}

/** Starts a handshake unless one was sent within REKEY_TIMEOUT. `retry`: from the retransmit timer. */
export function sendInitiation(ctx: Context, peer: Peer, retry: boolean): void {
  if (!retry) peer.handshakeAttempts = 0;
  const now = ctx.clock.now();
  const hs = peer.handshake;
  if (now - hs.lastSentHandshake < REKEY_TIMEOUT || peer.removed) return;
  if (!ctx.running) return;
  const msg = ctx.handshakeBuf;
  ctx.releaseHandshakeIndex(peer);
  const idx = ctx.indexes.newIndex(peer);
  if (!createInitiation(ctx.identity, hs, idx, msg, ctx.random, ctx.clock.wall())) {
    ctx.indexes.delete(idx);
    return;
  }
  hs.lastSentHandshake = now;
  peer.cookie.addMacs(msg, INITIATION_SIZE);
  timers.anyAuthenticatedPacketTraversal(peer, now);
  timers.anyAuthenticatedPacketSent(peer);
  transmit(ctx, peer, msg, 0, INITIATION_SIZE);
  timers.handshakeInitiated(peer, now, timers.jitter(ctx.randomByte()));
}

/** Answers a consumed initiation and installs the responder's session as `next`. */
export function sendResponse(ctx: Context, peer: Peer): void {
  const now = ctx.clock.now();
  const msg = ctx.handshakeBuf;
  ctx.releaseHandshakeIndex(peer);
  const idx = ctx.indexes.newIndex(peer);
  if (!createResponse(peer.handshake, idx, msg, ctx.random)) {
    ctx.indexes.delete(idx);
    return;
  }
  peer.handshake.lastSentHandshake = now;
  peer.cookie.addMacs(msg, RESPONSE_SIZE);
  if (!beginSession(ctx, peer)) return;
  timers.sessionDerived(peer, now);
  timers.anyAuthenticatedPacketTraversal(peer, now);
  timers.anyAuthenticatedPacketSent(peer);
  transmit(ctx, peer, msg, 0, RESPONSE_SIZE);
}

/** Derives the transport keys of a finished handshake and rotates the peer's keypairs. */
export function beginSession(ctx: Context, peer: Peer): boolean {
  const hs = peer.handshake;
  const localIndex = hs.localIndex;
  const remoteIndex = hs.remoteIndex;
  const keys = deriveTransportKeys(hs);
  if (!keys) return false;
  const kp = new Keypair(keys[0], keys[1], keys[2], ctx.clock.now(), localIndex, remoteIndex);
  hs.localIndex = 0; // the index now names the keypair
  ctx.indexes.setKeypair(localIndex, kp);
  peer.keypairs.install(kp, ctx.forgetIndex);
  return true;
}

/** The session usable for sending now, or null (then a handshake is needed). */
function sendingKeypair(peer: Peer, now: number): Keypair | null {
  const kp = peer.keypairs.current;
  if (!kp) return null;
  if (kp.sendCounter >= REJECT_AFTER_MESSAGES || now - kp.created >= REJECT_AFTER_TIME) return null;
  return kp;
}

/**
 * Encrypts buf[off, off+len) in place (header written in the 16 bytes before `off`, padding and
 * tag after) and sends it. The caller guarantees the headroom and tailroom.
 */
function encryptAndSend(ctx: Context, peer: Peer, kp: Keypair, buf: Uint8Array, off: number, len: number, now: number): void {
  // the usual case inline (a packet within the MTU), paddedLength for the rest
  const mtu = ctx.mtu;
  let padded = (len + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
  if (padded > mtu) padded = paddedLength(len, mtu);
  const counter = kp.sendCounter++;
  // padding, header (type, receiver, counter) and encryption: one native call
  transportSeal(kp.sendKey, kp.remoteIndex, counter, buf, off, len, padded);
  timers.transportSent(peer, now);
  // jitter only when the timer is armed: no getrandom call per data packet
  if (len > 0 && peer.newHandshakeAt === Infinity) timers.dataSent(peer, now, timers.jitter(ctx.randomByte()));
  if (peer.endpoint[0] !== 0) {
    const n = TRANSPORT_HEADER_SIZE + padded + TAG_SIZE;
    peer.txBytes += n;
    ctx.transport.send(buf, off - TRANSPORT_HEADER_SIZE, n, peer.endpoint);
  }
  // keep the key fresh: the initiator rekeys after REKEY_AFTER_TIME or REKEY_AFTER_MESSAGES
  if ((kp.isInitiator && now - kp.created >= REKEY_AFTER_TIME) || kp.sendCounter >= REKEY_AFTER_MESSAGES) {
    sendInitiation(ctx, peer, false);
  }
}

/** A packet from TUN for `peer`: send it now if a session exists, else stage it and handshake. */
export function sendPacket(ctx: Context, peer: Peer, buf: Uint8Array, off: number, len: number): void {
  const now = ctx.clock.now();
  const kp = peer.keypairs.current;
  // sendingKeypair's checks inline: this is the per-packet path
  if (kp !== null && peer.staged.length === 0 && kp.sendCounter < REJECT_AFTER_MESSAGES && now - kp.created < REJECT_AFTER_TIME) {
    encryptAndSend(ctx, peer, kp, buf, off, len, now);
    return;
  }
  if (peer.staged.length >= MAX_STAGED_PACKETS) peer.staged.shift();
  peer.staged.push(buf.slice(off, off + len));
  sendStaged(ctx, peer);
}

/**
 * Packets i in [start, end) of a TUN batch (buf[offs[i] .. +lens[i]), head- and tailroom as
 * encryptAndSend), all routed to `peer`. When the current session can carry them all, they are
 * sealed and queued in a row: one clock reading, counters in order, the timer events and the
 * rekey check once after the run (each would be the same per packet). Otherwise (no session,
 * packets staged, limits reached) every packet takes sendPacket's path.
 */
export function sendPackets(ctx: Context, peer: Peer, buf: Uint8Array, offs: Int32Array, lens: Int32Array, start: number, end: number): void {
  const now = ctx.clock.now();
  const kp = peer.keypairs.current;
  if (kp === null || peer.staged.length !== 0 || kp.sendCounter + (end - start) > REJECT_AFTER_MESSAGES || now - kp.created >= REJECT_AFTER_TIME) {
    for (let i = start; i < end; i++) sendPacket(ctx, peer, buf, offs[i]!, lens[i]!);
    return;
  }
  const mtu = ctx.mtu;
  const key = kp.sendKey;
  const remote = kp.remoteIndex;
  const ep = peer.endpoint;
  const transport = ctx.transport;
  let data = false;
  let bytes = 0;
  if (transport.sendRun) {
    // the whole run in two native calls: sealed with counters in order, then queued
    if (ctx.txPads.length < end) {
      ctx.txPads = new Int32Array(end);
      ctx.txDOffs = new Int32Array(end);
      ctx.txDLens = new Int32Array(end);
    }
    const pads = ctx.txPads;
    for (let i = start; i < end; i++) {
      const len = lens[i]!;
      let padded = (len + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
      if (padded > mtu) padded = paddedLength(len, mtu);
      pads[i] = padded;
      if (len > 0) data = true;
      bytes += TRANSPORT_HEADER_SIZE + padded + TAG_SIZE;
    }
    transportSealRun(key, remote, kp.sendCounter, buf, offs, lens, pads, start, end, ctx.txDOffs, ctx.txDLens);
    kp.sendCounter += end - start;
    if (ep[0] !== 0) {
      peer.txBytes += bytes;
      transport.sendRun(buf, ctx.txDOffs, ctx.txDLens, start, end, ep);
    }
    afterSend(ctx, peer, kp, now, data);
    return;
  }
  for (let i = start; i < end; i++) {
    const off = offs[i]!;
    const len = lens[i]!;
    let padded = (len + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
    if (padded > mtu) padded = paddedLength(len, mtu);
    transportSeal(key, remote, kp.sendCounter++, buf, off, len, padded);
    if (len > 0) data = true;
    if (ep[0] !== 0) {
      const n = TRANSPORT_HEADER_SIZE + padded + TAG_SIZE;
      bytes += n;
      transport.send(buf, off - TRANSPORT_HEADER_SIZE, n, ep);
    }
  }
  peer.txBytes += bytes;
  afterSend(ctx, peer, kp, now, data);
}

/** After a run of transport messages: the timer events and the rekey check, once. */
function afterSend(ctx: Context, peer: Peer, kp: Keypair, now: number, data: boolean): void {
  timers.transportSent(peer, now);
  if (data && peer.newHandshakeAt === Infinity) timers.dataSent(peer, now, timers.jitter(ctx.randomByte()));
  if ((kp.isInitiator && now - kp.created >= REKEY_AFTER_TIME) || kp.sendCounter >= REKEY_AFTER_MESSAGES) {
    sendInitiation(ctx, peer, false);
  }
}

/** Flushes staged packets if a session allows it, otherwise asks for a handshake. */
export function sendStaged(ctx: Context, peer: Peer): void {
  if (peer.staged.length === 0) return;
  const now = ctx.clock.now();
  const kp = sendingKeypair(peer, now);
  if (!kp) {
    sendInitiation(ctx, peer, false);
    return;
  }
  const pkts = peer.staged.splice(0, peer.staged.length);
  const buf = ctx.sendBuf;
  for (const p of pkts) {
    buf.set(p, TRANSPORT_HEADER_SIZE);
    encryptAndSend(ctx, peer, kp, buf, TRANSPORT_HEADER_SIZE, p.length, now);
  }
}

/** An empty transport message (only when nothing is staged, which would carry the same). */
export function sendKeepalive(ctx: Context, peer: Peer): void {
  if (peer.staged.length > 0) {
    sendStaged(ctx, peer);
    return;
  }
  const now = ctx.clock.now();
  const kp = sendingKeypair(peer, now);
  if (!kp) return;
  encryptAndSend(ctx, peer, kp, ctx.sendBuf, TRANSPORT_HEADER_SIZE, 0, now);
}
