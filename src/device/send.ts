// Sending: handshake messages, keepalives, and transport data (encrypted in place).
import { TAG_SIZE, transportSeal } from '../crypto/aead.ts';
import {
  MAX_STAGED_PACKETS, PADDING_MULTIPLE, REJECT_AFTER_MESSAGES, REJECT_AFTER_TIME,
  REKEY_AFTER_MESSAGES, REKEY_AFTER_TIME, REKEY_TIMEOUT,
} from '../noise/constants.ts';
import { createInitiation, createResponse, deriveTransportKeys } from '../noise/handshake.ts';
import { Keypair } from '../noise/keypair.ts';
import { INITIATION_SIZE, RESPONSE_SIZE, TRANSPORT_HEADER_SIZE } from '../noise/messages.ts';
import type { Device } from './device.ts';
import type { Peer } from './peer.ts';
import * as timers from './timers.ts';

/** Padding to a multiple of 16, never beyond the MTU (whitepaper 5.4.6, as wireguard-go). */
export function paddedLength(len: number, mtu: number): number {
  let last = len;
  if (mtu > 0 && last > mtu) last %= mtu;
  let padded = (last + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
  if (mtu > 0 && padded > mtu) padded = mtu;
  return len + (padded - last);
}

function transmit(dev: Device, peer: Peer, buf: Uint8Array, off: number, len: number): void {
  if (peer.endpoint[0] === 0) return;
  peer.txBytes += len;
  dev.transport.send(buf, off, len, peer.endpoint);
}

/** Starts a handshake unless one was sent within REKEY_TIMEOUT. `retry`: from the retransmit timer. */
export function sendInitiation(dev: Device, peer: Peer, retry: boolean): void {
  if (!retry) peer.handshakeAttempts = 0;
  const now = dev.clock.now();
  const hs = peer.handshake;
  if (now - hs.lastSentHandshake < REKEY_TIMEOUT || peer.removed) return;
  if (!dev.isUp) return;
  const msg = dev.handshakeBuf;
  dev.releaseHandshakeIndex(peer);
  const idx = dev.indexes.newIndex(peer);
  if (!createInitiation(dev.identity, hs, idx, msg, dev.random, dev.clock.wall())) {
    dev.indexes.delete(idx);
    return;
  }
  hs.lastSentHandshake = now;
  peer.cookie.addMacs(msg, INITIATION_SIZE);
  timers.anyAuthenticatedPacketTraversal(peer, now);
  timers.anyAuthenticatedPacketSent(peer);
  transmit(dev, peer, msg, 0, INITIATION_SIZE);
  timers.handshakeInitiated(peer, now, dev.jitter());
}

/** Answers a consumed initiation and installs the responder's session as `next`. */
export function sendResponse(dev: Device, peer: Peer): void {
  const now = dev.clock.now();
  const msg = dev.handshakeBuf;
  dev.releaseHandshakeIndex(peer);
  const idx = dev.indexes.newIndex(peer);
  if (!createResponse(peer.handshake, idx, msg, dev.random)) {
    dev.indexes.delete(idx);
    return;
  }
  peer.handshake.lastSentHandshake = now;
  peer.cookie.addMacs(msg, RESPONSE_SIZE);
  if (!beginSession(dev, peer)) return;
  timers.sessionDerived(peer, now);
  timers.anyAuthenticatedPacketTraversal(peer, now);
  timers.anyAuthenticatedPacketSent(peer);
  transmit(dev, peer, msg, 0, RESPONSE_SIZE);
}

/** Derives the transport keys of a finished handshake and rotates the peer's keypairs. */
export function beginSession(dev: Device, peer: Peer): boolean {
  const hs = peer.handshake;
  const localIndex = hs.localIndex;
  const remoteIndex = hs.remoteIndex;
  const keys = deriveTransportKeys(hs);
  if (!keys) return false;
  const kp = new Keypair(keys[0], keys[1], keys[2], dev.clock.now(), localIndex, remoteIndex);
  hs.localIndex = 0; // the index now names the keypair
  dev.indexes.setKeypair(localIndex, kp);
  const k = peer.keypairs;
  if (kp.isInitiator) {
    if (k.next) {
      dev.dropKeypair(k.previous);
      k.previous = k.next;
      k.next = null;
      dev.dropKeypair(k.current);
    } else {
      dev.dropKeypair(k.previous);
      k.previous = k.current;
    }
    k.current = kp;
  } else {
    dev.dropKeypair(k.next);
    k.next = kp;
    dev.dropKeypair(k.previous);
    k.previous = null;
  }
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
function encryptAndSend(dev: Device, peer: Peer, kp: Keypair, buf: Uint8Array, off: number, len: number, now: number): void {
  const padded = paddedLength(len, dev.mtu);
  const hdr = off - TRANSPORT_HEADER_SIZE;
  const counter = kp.sendCounter++;
  // padding, header (type, receiver, counter) and encryption: one native call
  transportSeal(kp.sendKey, kp.remoteIndex, counter, buf, off, len, padded);
  timers.transportSent(peer, now);
  // jitter only when the timer is armed: no getrandom call per data packet
  if (len > 0 && peer.newHandshakeAt === Infinity) timers.dataSent(peer, now, dev.jitter());
  transmit(dev, peer, buf, hdr, TRANSPORT_HEADER_SIZE + padded + TAG_SIZE);
  // keep the key fresh: the initiator rekeys after REKEY_AFTER_TIME or REKEY_AFTER_MESSAGES
  if ((kp.isInitiator && now - kp.created >= REKEY_AFTER_TIME) || kp.sendCounter >= REKEY_AFTER_MESSAGES) {
    sendInitiation(dev, peer, false);
  }
}

/** A packet from TUN for `peer`: send it now if a session exists, else stage it and handshake. */
export function sendPacket(dev: Device, peer: Peer, buf: Uint8Array, off: number, len: number): void {
  const now = dev.clock.now();
  const kp = peer.staged.length === 0 ? sendingKeypair(peer, now) : null;
  if (kp) {
    encryptAndSend(dev, peer, kp, buf, off, len, now);
    return;
  }
  if (peer.staged.length >= MAX_STAGED_PACKETS) peer.staged.shift();
  peer.staged.push(buf.slice(off, off + len));
  sendStaged(dev, peer);
}

/** Flushes staged packets if a session allows it, otherwise asks for a handshake. */
export function sendStaged(dev: Device, peer: Peer): void {
  if (peer.staged.length === 0) return;
  const now = dev.clock.now();
  const kp = sendingKeypair(peer, now);
  if (!kp) {
    sendInitiation(dev, peer, false);
    return;
  }
  const pkts = peer.staged.splice(0, peer.staged.length);
  const buf = dev.sendBuf;
  for (const p of pkts) {
    buf.set(p, TRANSPORT_HEADER_SIZE);
    encryptAndSend(dev, peer, kp, buf, TRANSPORT_HEADER_SIZE, p.length, now);
  }
}

/** An empty transport message (only when nothing is staged, which would carry the same). */
export function sendKeepalive(dev: Device, peer: Peer): void {
  if (peer.staged.length > 0) {
    sendStaged(dev, peer);
    return;
  }
  const now = dev.clock.now();
  const kp = sendingKeypair(peer, now);
  if (!kp) return;
  encryptAndSend(dev, peer, kp, dev.sendBuf, TRANSPORT_HEADER_SIZE, 0, now);
}
