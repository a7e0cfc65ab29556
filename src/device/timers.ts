// The per-peer timers of the whitepaper (section 6), as deadlines on the peer. Events on the
// packet path only store numbers; Device.tick() runs whatever is due.
import {
  KEEPALIVE_TIMEOUT, MAX_TIMER_HANDSHAKES, REKEY_TIMEOUT, ZERO_KEYS_AFTER,
} from '../noise/constants.ts';
import type { Peer } from './peer.ts';

/** Records a deadline being armed: the device's earliest-deadline bound (p.wake) only ever moves
 *  earlier here; Device.tick() recomputes it exactly when it fires. O(1) per packet event. */
function arm(p: Peer, t: number): number {
  if (t < p.wake.at) p.wake.at = t;
  return t;
}

/** 0..333 ms of jitter from a byte of randomness. */
export function jitter(randomByte: number): number {
  return (randomByte * 334) >> 8;
}

export function dataSent(p: Peer, now: number, jitterMs: number): void {
  if (p.newHandshakeAt === Infinity) p.newHandshakeAt = arm(p, now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitterMs);
}
export function dataReceived(p: Peer, now: number): void {
  if (p.keepaliveAt === Infinity) p.keepaliveAt = arm(p, now + KEEPALIVE_TIMEOUT);
  else p.keepaliveNeedAnother = true;
}
export function anyAuthenticatedPacketSent(p: Peer): void {
  p.keepaliveAt = Infinity;
}
export function anyAuthenticatedPacketReceived(p: Peer): void {
  p.newHandshakeAt = Infinity;
}
export function anyAuthenticatedPacketTraversal(p: Peer, now: number): void {
  if (p.persistentKeepalive > 0) p.persistentKeepaliveAt = arm(p, now + p.persistentKeepalive * 1000);
}
/** A transport message authenticated and accepted (the kernel's order: received, traversal, then
 *  data received when it carried data). One call per packet on the receive path. */
export function transportReceived(p: Peer, now: number, data: boolean): void {
  p.newHandshakeAt = Infinity;
  if (p.persistentKeepalive > 0) p.persistentKeepaliveAt = arm(p, now + p.persistentKeepalive * 1000);
  if (data) {
    if (p.keepaliveAt === Infinity) p.keepaliveAt = arm(p, now + KEEPALIVE_TIMEOUT);
    else p.keepaliveNeedAnother = true;
  }
}
/** A transport message sent: any authenticated packet traversal and sent (data sent, which needs
 *  jitter, is the caller's separate dataSent call when its timer is not armed). */
export function transportSent(p: Peer, now: number): void {
  if (p.persistentKeepalive > 0) p.persistentKeepaliveAt = arm(p, now + p.persistentKeepalive * 1000);
  p.keepaliveAt = Infinity;
}
export function handshakeInitiated(p: Peer, now: number, jitterMs: number): void {
  p.retransmitAt = arm(p, now + REKEY_TIMEOUT + jitterMs);
}
export function handshakeComplete(p: Peer, wallSeconds: number): void {
  p.retransmitAt = Infinity;
  p.handshakeAttempts = 0;
  p.sentLastMinuteHandshake = false;
  const s = Math.floor(wallSeconds);
  p.lastHandshakeSec = s;
  p.lastHandshakeNsec = Math.min(999_999_999, Math.floor((wallSeconds - s) * 1e9));
}
export function sessionDerived(p: Peer, now: number): void {
  p.zeroKeysAt = arm(p, now + ZERO_KEYS_AFTER);
}
/** Retries exhausted: true means give up now. */
export function retransmitExhausted(p: Peer): boolean {
  return p.handshakeAttempts > MAX_TIMER_HANDSHAKES;
}
/** Zeroing of the keys after the last handshake attempt gave up (unless already armed). */
export function zeroKeysLater(p: Peer, now: number): void {
  if (p.zeroKeysAt === Infinity) p.zeroKeysAt = arm(p, now + ZERO_KEYS_AFTER);
}
export function stopAll(p: Peer): void {
  p.retransmitAt = p.keepaliveAt = p.newHandshakeAt = p.zeroKeysAt = p.persistentKeepaliveAt = Infinity;
  p.keepaliveNeedAnother = false;
}
