// Receiving: dispatch by message type; handshake messages behind mac1 (and, under load, mac2 and
// the ratelimiter); transport data decrypted in place, replay-checked after authentication,
// source-checked against the peer's allowed IPs, then written to TUN.
import { aeadOpen, TAG_SIZE, transportOpen } from '../crypto/aead.ts';
import { REJECT_AFTER_MESSAGES, REJECT_AFTER_TIME, REKEY_ON_RECEIVE_AGE } from '../noise/constants.ts';
import { consumeInitiation, consumeResponse } from '../noise/handshake.ts';
import type { Keypair } from '../noise/keypair.ts';
import {
  COOKIE_RECEIVER, INIT_SENDER, messageType, MSG_COOKIE_REPLY, MSG_INITIATION, MSG_RESPONSE,
  MSG_TRANSPORT, RESP_RECEIVER, RESP_SENDER, TRANSPORT_COUNTER, TRANSPORT_HEADER_SIZE,
  TRANSPORT_MIN_SIZE, TRANSPORT_RECEIVER,
} from '../noise/messages.ts';
import { readU32LE, readU64LE } from '../util/bytes.ts';
import { ENDPOINT_SIZE } from '../platform/types.ts';
import type { Context } from './context.ts';
import type { Peer } from './peer.ts';
import { beginSession, sendInitiation, sendResponse, sendStaged, sendKeepalive } from './send.ts';
import * as timers from './timers.ts';

function setEndpoint(ctx: Context, peer: Peer, ep: Uint8Array): void {
  // roaming: the source of every authenticated packet becomes the endpoint
  const t = ctx.transport;
  if (t.updateEndpoint) {
    t.updateEndpoint(peer.endpoint, ep);
    return;
  }
  for (let i = 0; i < ENDPOINT_SIZE; i++) {
    if (peer.endpoint[i] !== ep[i]) {
      peer.endpoint.set(ep.subarray(0, ENDPOINT_SIZE));
      return;
    }
  }
}

/** messageType's rule for transport data, without a call (the per-packet case) */
function isTransport(buf: Uint8Array, off: number, len: number): boolean {
  return buf[off] === MSG_TRANSPORT && len >= TRANSPORT_MIN_SIZE && buf[off + 1] === 0 && buf[off + 2] === 0 && buf[off + 3] === 0;
}

/**
 * Datagrams of one read (Device.receiveUdpBatch), with the batch's clock reading. A run of
 * transport messages naming the same receiver index (what UDP GRO hands over from one peer) is
 * looked up once and opened in one native call; then each message that authenticated goes
 * through every per-packet decision (counter, replay window, session rotation, endpoint, timers,
 * allowed IPs) on its own. Anything else is receiveUdp's.
 */
export function receiveUdpBatch(ctx: Context, buf: Uint8Array, offs: Int32Array, lens: Int32Array, src: Int32Array, eps: Uint8Array[], start: number, n: number): void {
  const now = ctx.clock.now();
  const rx = ctx.rxBatch;
  rx.ep = rx.epPeer = rx.srcPeer = null;
  if (ctx.rxOpened.length < n) ctx.rxOpened = new Int32Array(n);
  const res = ctx.rxOpened;
  let k = start;
  while (k < n) {
    const off = offs[k]!;
    const len = lens[k]!;
    if (len < 0) {
      k++; // truncated
      continue;
    }
    if (!isTransport(buf, off, len)) {
      receiveUdp(ctx, buf, off, len, eps[src[k]!]!);
      k++;
      continue;
    }
    const r = off + TRANSPORT_RECEIVER;
    let j = k + 1;
    for (; j < n; j++) {
      const o = offs[j]!;
      const l = lens[j]!;
      if (l < 0 || !isTransport(buf, o, l)) break;
      if (buf[o + 4] !== buf[r] || buf[o + 5] !== buf[r + 1] || buf[o + 6] !== buf[r + 2] || buf[o + 7] !== buf[r + 3]) break;
    }
    const entry = ctx.indexes.get((buf[r]! | (buf[r + 1]! << 8) | (buf[r + 2]! << 16) | (buf[r + 3]! << 24)) >>> 0);
    if (entry && entry.keypair !== null && now - entry.keypair.created < REJECT_AFTER_TIME) {
      const kp = entry.keypair;
      if (transportOpen(kp.recvKey, buf, offs, lens, k, j, res) > 0) {
        for (let i = k; i < j; i++) {
          const c = res[i]!;
          if (c === -2) continue; // not authentic: silence
          const o = offs[i]!;
          authenticated(ctx, entry.peer, kp, buf, o, lens[i]!, eps[src[i]!]!, c >= 0 ? c : readU64LE(buf, o + TRANSPORT_COUNTER), now);
        }
      }
    }
    k = j;
  }
}

export function receiveUdp(ctx: Context, buf: Uint8Array, off: number, len: number, ep: Uint8Array): void {
  const rx = ctx.rxBatch;
  rx.ep = rx.epPeer = rx.srcPeer = null;
  const type = messageType(buf, off, len);
  if (type === MSG_TRANSPORT) receiveTransport(ctx, buf, off, len, ep, ctx.clock.now());
  else if (type === MSG_INITIATION || type === MSG_RESPONSE) receiveHandshake(ctx, type, buf, off, len, ep);
  else if (type === MSG_COOKIE_REPLY) receiveCookieReply(ctx, buf, off);
  // anything else: silence
}

function receiveHandshake(ctx: Context, type: number, buf: Uint8Array, off: number, len: number, ep: Uint8Array): void {
  // mac1 first: one native call, nothing allocated, silence for anything that fails it
  if (!ctx.cookieChecker.checkMac1(buf, off, len)) return;
  const load = ctx.load;
  let t0 = ctx.workClock();
  if (load.overCap(t0)) return; // this second's handshake budget is spent: drop silently
  if (load.underLoad(t0)) {
    if (!ctx.cookieChecker.checkMac2(buf, off, len, ep)) {
      const sender = readU32LE(buf, off + (type === MSG_INITIATION ? INIT_SENDER : RESP_SENDER));
      ctx.cookieChecker.createReply(buf, off, len, sender, ep, ctx.cookieBuf);
      ctx.transport.send(ctx.cookieBuf, 0, ctx.cookieBuf.length, ep);
      load.spent(t0, ctx.workClock());
      return;
    }
    if (!ctx.ratelimiter.allow(ep)) return;
    t0 = ctx.workClock();
  }
  handshakeWork(ctx, type, buf, off, len, ep);
  load.spent(t0, ctx.workClock());
}

function handshakeWork(ctx: Context, type: number, buf: Uint8Array, off: number, len: number, ep: Uint8Array): void {
  const msg = off === 0 ? buf : buf.subarray(off, off + len);
  const now = ctx.clock.now();
  if (type === MSG_INITIATION) {
    const peer = consumeInitiation(ctx.identity, msg, 0, ctx.lookupPeer, now);
    if (!peer) return;
    setEndpoint(ctx, peer, ep);
    peer.rxBytes += len;
    timers.anyAuthenticatedPacketTraversal(peer, now);
    timers.anyAuthenticatedPacketReceived(peer);
    sendResponse(ctx, peer);
    return;
  }
  const entry = ctx.indexes.get(readU32LE(msg, RESP_RECEIVER));
  if (!entry || entry.keypair !== null) return;
  const peer = entry.peer;
  if (!consumeResponse(ctx.identity, peer.handshake, msg, 0)) return;
  setEndpoint(ctx, peer, ep);
  peer.rxBytes += len;
  timers.anyAuthenticatedPacketTraversal(peer, now);
  timers.anyAuthenticatedPacketReceived(peer);
  if (!beginSession(ctx, peer)) return;
  timers.sessionDerived(peer, now);
  timers.handshakeComplete(peer, ctx.clock.wall());
  ctx.handshakeDone(peer);
  // the initiator sends at once: staged data, or a keepalive to confirm the session
  if (peer.staged.length > 0) sendStaged(ctx, peer);
  else sendKeepalive(ctx, peer);
}

function receiveCookieReply(ctx: Context, buf: Uint8Array, off: number): void {
  const entry = ctx.indexes.get(readU32LE(buf, off + COOKIE_RECEIVER));
  if (!entry) return;
  entry.peer.cookie.consumeReply(buf, off);
}

function receiveTransport(ctx: Context, buf: Uint8Array, off: number, len: number, ep: Uint8Array, now: number): void {
  // receiver index and counter, u32/u64 little-endian, read byte by byte (the packet path)
  const r = off + TRANSPORT_RECEIVER;
  const entry = ctx.indexes.get((buf[r]! | (buf[r + 1]! << 8) | (buf[r + 2]! << 16) | (buf[r + 3]! << 24)) >>> 0);
  if (!entry || entry.keypair === null) return;
  const kp: Keypair = entry.keypair;
  const counter = readU64LE(buf, off + TRANSPORT_COUNTER);
  if (!(counter < REJECT_AFTER_MESSAGES) || now - kp.created >= REJECT_AFTER_TIME) return;
  if (!aeadOpen(kp.recvKey, counter, null, buf, off + TRANSPORT_HEADER_SIZE, len - TRANSPORT_HEADER_SIZE)) return;
  authenticated(ctx, entry.peer, kp, buf, off, len, ep, counter, now);
}

/** A transport message of `kp` that authenticated (decrypted in place): the counter against the
 *  limit and the replay window, then the session, endpoint and timers; then the key's freshness
 *  and the inner packet. */
function authenticated(ctx: Context, peer: Peer, kp: Keypair, buf: Uint8Array, off: number, len: number, ep: Uint8Array, counter: number, now: number): void {
  if (!kp.replay.validateCounter(counter, REJECT_AFTER_MESSAGES)) return;
  const k = peer.keypairs;
  if (kp === k.next && k.confirm(kp, ctx.forgetIndex)) {
    timers.handshakeComplete(peer, ctx.clock.wall());
    ctx.handshakeDone(peer);
    sendStaged(ctx, peer);
  }
  // the endpoint record of this datagram's message was already applied for this peer?
  const rx = ctx.rxBatch;
  if (rx.ep !== ep || rx.epPeer !== peer) {
    setEndpoint(ctx, peer, ep);
    rx.ep = ep;
    rx.epPeer = peer;
  }
  peer.rxBytes += len;
  const plainLen = len - TRANSPORT_HEADER_SIZE - TAG_SIZE;
  timers.transportReceived(peer, now, plainLen > 0);
  const cur = k.current;
  if (cur !== null && cur.isInitiator && !peer.sentLastMinuteHandshake) keepKeyFresh(ctx, peer, cur, now);
  if (plainLen > 0) innerPacket(ctx, peer, buf, off + TRANSPORT_HEADER_SIZE, plainLen);
  // else: a keepalive
}

/** Keep the key fresh: an initiator whose session nears REJECT_AFTER_TIME rekeys once, on
 *  receive (the responder never rekeys on time; whitepaper 6.2). */
function keepKeyFresh(ctx: Context, peer: Peer, cur: Keypair, now: number): void {
  if (now - cur.created < REKEY_ON_RECEIVE_AGE) return;
  peer.sentLastMinuteHandshake = true;
  sendInitiation(ctx, peer, false);
}

/** The inner packet at buf[dataOff, +plainLen): its real length from its IP header, and its
 *  source must be one of the peer's allowed IPs (cryptokey routing); then it goes to the TUN. */
function innerPacket(ctx: Context, peer: Peer, buf: Uint8Array, dataOff: number, plainLen: number): void {
  const v = buf[dataOff]! >> 4;
  let ipLen: number;
  let family: 4 | 6;
  let srcOff: number;
  if (v === 4 && plainLen >= 20) {
    ipLen = (buf[dataOff + 2]! << 8) | buf[dataOff + 3]!;
    family = 4;
    srcOff = dataOff + 12;
  } else if (v === 6 && plainLen >= 40) {
    ipLen = 40 + ((buf[dataOff + 4]! << 8) | buf[dataOff + 5]!);
    family = 6;
    srcOff = dataOff + 8;
  } else return;
  if (ipLen > plainLen || ipLen < (family === 4 ? 20 : 40)) return;
  if (family === 4) {
    // the previous packet of this batch came from the same inner IPv4 source: same route
    const rx = ctx.rxBatch;
    const a = (buf[srcOff]! << 24) | (buf[srcOff + 1]! << 16) | (buf[srcOff + 2]! << 8) | buf[srcOff + 3]!;
    if (rx.srcPeer === null || rx.src4 !== a) {
      rx.srcPeer = ctx.allowedIps.lookup(4, buf, srcOff);
      rx.src4 = a;
    }
    if (rx.srcPeer !== peer) return;
  } else if (ctx.allowedIps.lookup(6, buf, srcOff) !== peer) return;
  ctx.tun.write(buf, dataOff, ipLen);
}
