// The per-peer timers of the whitepaper (section 6), as the kernel's timers.c lays them out: the
// hooks the packet path calls (each says when), and what each timer does when it expires. A
// timer is a deadline on the peer (monotonic ms, Infinity = not armed): re-armed in O(1), no
// closure or allocation per packet; Device.tick() runs expire() for the peers that are due.
//   retransmit        REKEY_TIMEOUT + jitter after an initiation: send another, up to
//                     MAX_TIMER_HANDSHAKES, then give up (keys zeroed later, peer down)
//   keepalive         KEEPALIVE_TIMEOUT after data was received with nothing sent back: a keepalive
//   newHandshake      KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after data was sent with nothing
//                     received back: a new handshake (the peer may have lost its session)
//   zeroKeys          REJECT_AFTER_TIME * 3 after the last session was derived: every key zeroed
//   persistentKeepalive  every N s without traffic, when configured
// The sending itself is send.ts's, handed in as TimerActions (no import cycle).
import {
  KEEPALIVE_TIMEOUT, MAX_TIMER_HANDSHAKES, REKEY_TIMEOUT, REKEY_TIMEOUT_JITTER_MAX, ZERO_KEYS_AFTER,
} from '../noise/constants.ts';
import { toBase64 } from '../util/bytes.ts';
import { clearSource } from '../util/ip.ts';
import type { Context } from './context.ts';
import type { Peer } from './peer.ts';

/** What an expired timer may send (send.ts). */
export interface TimerActions {
  sendInitiation(ctx: Context, p: Peer, retry: boolean): void;
  sendKeepalive(ctx: Context, p: Peer): void;
  sendStaged(ctx: Context, p: Peer): void;
}

/** Records a deadline being armed: the device's earliest-deadline bound (p.wake) only ever moves
 *  earlier here; Device.tick() recomputes it exactly when it fires. O(1) per packet event. */
function arm(p: Peer, t: number): number {
  if (t < p.wake.at) p.wake.at = t;
  return t;
}

/** 0..REKEY_TIMEOUT_JITTER_MAX-1 ms of jitter from a byte of randomness. */
export function jitter(randomByte: number): number {
  return (randomByte * REKEY_TIMEOUT_JITTER_MAX) >> 8;
}

// ------------------------------------------------------------------ hooks

/** Call after sending a transport message carrying data (only while newHandshake is not armed:
 *  the jitter costs a random byte). */
export function dataSent(p: Peer, now: number, jitterMs: number): void {
  if (p.newHandshakeAt === Infinity) p.newHandshakeAt = arm(p, now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitterMs);
}
/** Call after receiving a transport message carrying data. */
export function dataReceived(p: Peer, now: number): void {
  if (p.keepaliveAt === Infinity) p.keepaliveAt = arm(p, now + KEEPALIVE_TIMEOUT);
  else p.keepaliveNeedAnother = true;
}
/** Call after sending any authenticated message (handshake or transport). */
export function anyAuthenticatedPacketSent(p: Peer): void {
  p.keepaliveAt = Infinity;
}
/** Call after receiving any authenticated message. */
export function anyAuthenticatedPacketReceived(p: Peer): void {
  p.newHandshakeAt = Infinity;
}
/** Call after sending or receiving any authenticated message. */
export function anyAuthenticatedPacketTraversal(p: Peer, now: number): void {
  if (p.persistentKeepalive > 0) p.persistentKeepaliveAt = arm(p, now + p.persistentKeepalive * 1000);
}
/** Call after a transport message authenticated and was accepted: received, traversal, then data
 *  received when it carried data (the kernel's order), in one call per packet. */
export function transportReceived(p: Peer, now: number, data: boolean): void {
  p.newHandshakeAt = Infinity;
  if (p.persistentKeepalive > 0) p.persistentKeepaliveAt = arm(p, now + p.persistentKeepalive * 1000);
  if (data) {
    if (p.keepaliveAt === Infinity) p.keepaliveAt = arm(p, now + KEEPALIVE_TIMEOUT);
    else p.keepaliveNeedAnother = true;
  }
}
/** Call after sending a transport message (or a run of them): traversal and sent. Data sent is the
 *  separate dataSent call. */
export function transportSent(p: Peer, now: number): void {
  if (p.persistentKeepalive > 0) p.persistentKeepaliveAt = arm(p, now + p.persistentKeepalive * 1000);
  p.keepaliveAt = Infinity;
}
/** Call after sending a handshake initiation. */
export function handshakeInitiated(p: Peer, now: number, jitterMs: number): void {
  p.retransmitAt = arm(p, now + REKEY_TIMEOUT + jitterMs);
}
/** Call after a handshake completed (the response consumed, or the first packet on the
 *  responder's session received). */
export function handshakeComplete(p: Peer, wallSeconds: number): void {
  p.retransmitAt = Infinity;
  p.handshakeAttempts = 0;
  p.sentLastMinuteHandshake = false;
  const s = Math.floor(wallSeconds);
  p.lastHandshakeSec = s;
  p.lastHandshakeNsec = Math.min(999_999_999, Math.floor((wallSeconds - s) * 1e9));
}
/** Call after transport keys were derived (a new session). */
export function sessionDerived(p: Peer, now: number): void {
  p.zeroKeysAt = arm(p, now + ZERO_KEYS_AFTER);
}
/** Call when the peer is removed or the device goes down. */
export function stopAll(p: Peer): void {
  p.retransmitAt = p.keepaliveAt = p.newHandshakeAt = p.zeroKeysAt = p.persistentKeepaliveAt = Infinity;
  p.keepaliveNeedAnother = false;
}

// ------------------------------------------------------------------ expiry

/** Runs the due timers of one peer (wireguard-go's timers.go semantics). */
export function expire(ctx: Context, p: Peer, now: number, send: TimerActions): void {
  if (p.retransmitAt <= now) {
    p.retransmitAt = Infinity;
    retransmitHandshake(ctx, p, now, send);
  }
  if (p.keepaliveAt <= now) {
    p.keepaliveAt = Infinity;
    send.sendKeepalive(ctx, p);
    // data arrived again while this timer was armed: one more keepalive later
    if (p.keepaliveNeedAnother) {
      p.keepaliveNeedAnother = false;
      dataReceived(p, now);
    }
  }
  if (p.newHandshakeAt <= now) {
    p.newHandshakeAt = Infinity;
    // we sent data and heard nothing back: maybe our source address is what broke
    clearSource(p.endpoint);
    send.sendInitiation(ctx, p, false);
  }
  if (p.zeroKeysAt <= now) {
    p.zeroKeysAt = Infinity;
    ctx.expireSessions(p);
    ctx.unreachable(p);
  }
  if (p.persistentKeepaliveAt <= now) {
    p.persistentKeepaliveAt = Infinity;
    if (p.persistentKeepalive > 0) keepaliveOrHandshake(ctx, p, send);
  }
  if (p.staged.length > 0 && p.keypairs.current) send.sendStaged(ctx, p);
}

function retransmitHandshake(ctx: Context, p: Peer, now: number, send: TimerActions): void {
  if (p.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
    ctx.log.verbose(`peer ${toBase64(p.publicKey).slice(0, 8)}...: handshake did not complete after ${p.handshakeAttempts + 1} attempts, giving up`);
    p.keepaliveAt = Infinity;
    p.staged.length = 0;
    // nothing more is tried until there is something to send; the keys go in 540 s unless a
    // session comes first
    if (p.zeroKeysAt === Infinity) p.zeroKeysAt = arm(p, now + ZERO_KEYS_AFTER);
    ctx.unreachable(p);
    return;
  }
  p.handshakeAttempts++;
  clearSource(p.endpoint); // forget the sticky source: maybe it is what broke
  p.handshake.lastSentHandshake = -Infinity;
  send.sendInitiation(ctx, p, true);
}

/** A keepalive when a session exists, else a handshake (persistent keepalive, and going up). */
export function keepaliveOrHandshake(ctx: Context, p: Peer, send: TimerActions): void {
  if (p.keypairs.current) send.sendKeepalive(ctx, p);
  else send.sendInitiation(ctx, p, false);
}
