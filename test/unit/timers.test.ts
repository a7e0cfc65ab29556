// The per-peer timers (src/device/timers.ts) on a real Context with a fake clock and transport and
// the sending replaced by recording TimerActions: each hook arms or disarms the right deadline (and
// the device's wake bound is never later than the earliest one), and expire() does what the
// whitepaper's section 6 (and wireguard-go's timers.go) say when each one is due.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Context } from '../../src/device/context.ts';
import { Peer } from '../../src/device/peer.ts';
import * as timers from '../../src/device/timers.ts';
import {
  KEEPALIVE_TIMEOUT, MAX_TIMER_HANDSHAKES, REKEY_ATTEMPT_TIME, REKEY_TIMEOUT, REKEY_TIMEOUT_JITTER_MAX, ZERO_KEYS_AFTER,
} from '../../src/noise/constants.ts';
import { HandshakeState } from '../../src/noise/handshake.ts';
import { Keypair } from '../../src/noise/keypair.ts';
import type { Clock } from '../../src/platform/types.ts';
import { toBase64 } from '../../src/util/bytes.ts';
import { seededInt, seededRandom } from '../helpers/random.ts';

const t = suite('device/timers');

class FakeClock implements Clock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
  wall(): number {
    return 1_700_000_000 + this.t / 1000;
  }
}

/** A context with one peer, and TimerActions that record what they are asked to send. */
function world() {
  const clock = new FakeClock();
  const events: string[] = [];
  const logs: string[] = [];
  const ctx = new Context({
    clock,
    random: seededRandom(1),
    transport: { send: () => true },
    tun: { write() {} },
    events: { peerUp: () => void events.push('up'), peerDown: () => void events.push('down') },
    log: { level: 2, error: (m) => void logs.push(m), verbose: (m) => void logs.push(m), debug() {} },
  });
  const pub = new Uint8Array(32).fill(9);
  const p = new Peer(pub, () => clock.now(), ctx.wake);
  ctx.peerMap.set(toBase64(pub), p);
  p.endpoint.set([4, 0, 0xca, 0x6c, 192, 0, 2, 1]);
  p.endpoint.fill(0x77, 20, 40); // a sticky source address and ifindex
  const calls: string[] = [];
  // sendInitiation behaves like send.ts's as far as the timers go: it resets the attempts when
  // not a retry and arms the retransmit timer (no jitter)
  const actions: timers.TimerActions = {
    sendInitiation(c, peer, retry) {
      assert.ok(c === ctx && peer === p);
      calls.push(retry ? 'retry' : 'initiation');
      if (!retry) peer.handshakeAttempts = 0;
      timers.handshakeInitiated(peer, clock.now(), 0);
    },
    sendKeepalive(c, peer) {
      assert.ok(c === ctx && peer === p);
      calls.push('keepalive');
    },
    sendStaged(c, peer) {
      assert.ok(c === ctx && peer === p);
      calls.push('staged');
    },
  };
  /** Device.tick for this one peer: runs expire() when something is due, then the exact bound. */
  const tick = (): void => {
    const now = clock.now();
    if (now < ctx.wake.at) return;
    ctx.wake.at = Infinity;
    if (p.nextDeadline() <= now) timers.expire(ctx, p, now, actions);
    if (p.nextDeadline() < ctx.wake.at) ctx.wake.at = p.nextDeadline();
  };
  /** Runs expire() directly at `at`, checking that every deadline it arms lowers the bound; then
   *  recomputes the bound as Device.tick does. */
  const expireAt = (at: number): void => {
    clock.t = at;
    const before = deadlines(p);
    ctx.wake.at = Infinity;
    timers.expire(ctx, p, at, actions);
    const after = deadlines(p);
    for (const k of Object.keys(after) as (keyof typeof after)[]) {
      if (after[k] !== before[k]) assert.ok(ctx.wake.at <= after[k], `expire armed ${k} at ${after[k]} without lowering the bound (${ctx.wake.at})`);
    }
    if (p.nextDeadline() < ctx.wake.at) ctx.wake.at = p.nextDeadline();
  };
  const wakeOk = (what = ''): void =>
    assert.ok(ctx.wake.at <= p.nextDeadline(), `${what}: wake ${ctx.wake.at} later than the earliest deadline ${p.nextDeadline()}`);
  return { clock, ctx, p, calls, events, logs, actions, tick, expireAt, wakeOk };
}

const keypair = (ctx: Context, p: Peer, initiator = true): Keypair => {
  const idx = ctx.indexes.newIndex(p);
  const kp = new Keypair(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), initiator, ctx.clock.now(), idx, 77);
  ctx.indexes.setKeypair(idx, kp);
  return kp;
};
const source = (p: Peer): string => Array.from(p.endpoint.subarray(20, 40)).join(',');
const deadlines = (p: Peer) => ({
  retransmit: p.retransmitAt, keepalive: p.keepaliveAt, newHandshake: p.newHandshakeAt, zeroKeys: p.zeroKeysAt,
  persistentKeepalive: p.persistentKeepaliveAt,
});

// ------------------------------------------------------------------ hooks

t('jitter: 0 .. REKEY_TIMEOUT_JITTER_MAX-1 ms from one random byte', () => {
  assert.is(timers.jitter(0), 0);
  assert.is(timers.jitter(128), REKEY_TIMEOUT_JITTER_MAX >> 1);
  for (let b = 0; b < 256; b++) {
    assert.ok(timers.jitter(b) >= 0 && timers.jitter(b) < REKEY_TIMEOUT_JITTER_MAX, `byte ${b}`);
    if (b > 0) assert.ok(timers.jitter(b) >= timers.jitter(b - 1));
  }
  assert.ok(timers.jitter(255) >= REKEY_TIMEOUT_JITTER_MAX - 2, 'spans the range');
});

t('dataSent arms newHandshake (KEEPALIVE + REKEY_TIMEOUT + jitter) once; any authenticated receive disarms it', () => {
  const w = world();
  const now = w.clock.t;
  timers.dataSent(w.p, now, 123);
  assert.is(w.p.newHandshakeAt, now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + 123);
  w.wakeOk('dataSent');
  timers.dataSent(w.p, now + 500, 0);
  assert.is(w.p.newHandshakeAt, now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + 123, 'not pushed back by more data');
  timers.anyAuthenticatedPacketReceived(w.p);
  assert.is(w.p.newHandshakeAt, Infinity);
  timers.dataSent(w.p, now + 600, 5);
  assert.is(w.p.newHandshakeAt, now + 600 + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + 5);
  timers.transportReceived(w.p, now + 700, false);
  assert.is(w.p.newHandshakeAt, Infinity, 'a keepalive received disarms it too');
  assert.equal(w.calls, []);
});

t('dataReceived arms keepalive once, then asks for another; any authenticated send disarms it', () => {
  const w = world();
  const now = w.clock.t;
  timers.dataReceived(w.p, now);
  assert.is(w.p.keepaliveAt, now + KEEPALIVE_TIMEOUT);
  assert.not.ok(w.p.keepaliveNeedAnother);
  w.wakeOk('dataReceived');
  timers.dataReceived(w.p, now + 100);
  assert.is(w.p.keepaliveAt, now + KEEPALIVE_TIMEOUT, 'not moved');
  assert.ok(w.p.keepaliveNeedAnother);
  timers.anyAuthenticatedPacketSent(w.p);
  assert.is(w.p.keepaliveAt, Infinity);
  timers.transportReceived(w.p, now + 200, true);
  assert.is(w.p.keepaliveAt, now + 200 + KEEPALIVE_TIMEOUT);
  timers.transportSent(w.p, now + 300);
  assert.is(w.p.keepaliveAt, Infinity, 'a transport send disarms it');
});

t('traversal arms persistent keepalive only when configured, and pushes it back each time', () => {
  const w = world();
  const now = w.clock.t;
  timers.anyAuthenticatedPacketTraversal(w.p, now);
  assert.is(w.p.persistentKeepaliveAt, Infinity, 'not configured');
  w.p.persistentKeepalive = 25;
  timers.anyAuthenticatedPacketTraversal(w.p, now);
  assert.is(w.p.persistentKeepaliveAt, now + 25_000);
  w.wakeOk('traversal');
  timers.transportSent(w.p, now + 1000);
  assert.is(w.p.persistentKeepaliveAt, now + 26_000, 'sending pushes it back');
  timers.transportReceived(w.p, now + 2000, false);
  assert.is(w.p.persistentKeepaliveAt, now + 27_000, 'receiving too');
  w.wakeOk('pushed back');
});

t('transportReceived / transportSent are the kernel hooks in one call each', () => {
  for (const data of [false, true]) {
    for (const armed of [false, true]) {
      const a = world();
      const b = world();
      for (const x of [a, b]) {
        x.p.persistentKeepalive = 7;
        timers.dataSent(x.p, 10, 3);
        if (armed) timers.dataReceived(x.p, 20);
      }
      timers.transportReceived(a.p, 50, data);
      timers.anyAuthenticatedPacketReceived(b.p);
      timers.anyAuthenticatedPacketTraversal(b.p, 50);
      if (data) timers.dataReceived(b.p, 50);
      assert.equal(deadlines(a.p), deadlines(b.p), `received, data ${data}, keepalive armed ${armed}`);
      assert.is(a.p.keepaliveNeedAnother, b.p.keepaliveNeedAnother);
      timers.transportSent(a.p, 60);
      timers.anyAuthenticatedPacketTraversal(b.p, 60);
      timers.anyAuthenticatedPacketSent(b.p);
      assert.equal(deadlines(a.p), deadlines(b.p), 'sent');
    }
  }
});

t('handshakeInitiated arms retransmit; handshakeComplete disarms it and resets the attempts', () => {
  const w = world();
  const now = w.clock.t;
  timers.handshakeInitiated(w.p, now, 250);
  assert.is(w.p.retransmitAt, now + REKEY_TIMEOUT + 250);
  w.wakeOk('initiated');
  w.p.handshakeAttempts = 4;
  w.p.sentLastMinuteHandshake = true;
  timers.handshakeComplete(w.p, 1_700_000_123.25);
  assert.is(w.p.retransmitAt, Infinity);
  assert.is(w.p.handshakeAttempts, 0);
  assert.not.ok(w.p.sentLastMinuteHandshake);
  assert.equal([w.p.lastHandshakeSec, w.p.lastHandshakeNsec], [1_700_000_123, 250_000_000]);
  timers.handshakeComplete(w.p, 5.9999999999);
  assert.ok(w.p.lastHandshakeNsec <= 999_999_999, 'nanoseconds below 10^9');
});

t('sessionDerived arms zeroKeys (REJECT_AFTER_TIME * 3), re-armed by each new session; stopAll disarms all', () => {
  const w = world();
  timers.sessionDerived(w.p, 1000);
  assert.is(w.p.zeroKeysAt, 1000 + ZERO_KEYS_AFTER);
  timers.sessionDerived(w.p, 5000);
  assert.is(w.p.zeroKeysAt, 5000 + ZERO_KEYS_AFTER);
  w.wakeOk('sessionDerived');
  w.p.persistentKeepalive = 1;
  timers.handshakeInitiated(w.p, 1, 0);
  timers.dataReceived(w.p, 1);
  timers.dataReceived(w.p, 1);
  timers.dataSent(w.p, 1, 0);
  timers.anyAuthenticatedPacketTraversal(w.p, 1);
  timers.stopAll(w.p);
  assert.equal(deadlines(w.p), { retransmit: Infinity, keepalive: Infinity, newHandshake: Infinity, zeroKeys: Infinity, persistentKeepalive: Infinity });
  assert.not.ok(w.p.keepaliveNeedAnother);
});

t('seeded run of hooks and ticks: the wake bound is never later than the earliest armed deadline', () => {
  const w = world();
  w.p.persistentKeepalive = 3;
  const r = seededInt(77);
  const hooks = [
    () => timers.dataSent(w.p, w.clock.t, r(REKEY_TIMEOUT_JITTER_MAX)),
    () => timers.dataReceived(w.p, w.clock.t),
    () => timers.anyAuthenticatedPacketSent(w.p),
    () => timers.anyAuthenticatedPacketReceived(w.p),
    () => timers.anyAuthenticatedPacketTraversal(w.p, w.clock.t),
    () => timers.transportReceived(w.p, w.clock.t, r(2) === 1),
    () => timers.transportSent(w.p, w.clock.t),
    () => timers.handshakeInitiated(w.p, w.clock.t, r(REKEY_TIMEOUT_JITTER_MAX)),
    () => timers.handshakeComplete(w.p, w.clock.wall()),
    () => timers.sessionDerived(w.p, w.clock.t),
    () => w.tick(),
  ];
  for (let i = 0; i < 3000; i++) {
    w.clock.t += r(4) === 0 ? r(30_000) : r(50);
    const h = r(hooks.length);
    hooks[h]!();
    w.wakeOk(`step ${i} (hook ${h})`);
  }
  assert.ok(w.calls.length > 0, 'timers did fire along the way');
});

// ------------------------------------------------------------------ expiry

t('nothing due: expire does nothing', () => {
  const w = world();
  const now = w.clock.t;
  w.p.persistentKeepalive = 25;
  timers.handshakeInitiated(w.p, now, 0);
  timers.dataReceived(w.p, now);
  timers.dataSent(w.p, now, 0);
  timers.sessionDerived(w.p, now);
  timers.anyAuthenticatedPacketTraversal(w.p, now);
  const before = deadlines(w.p);
  timers.expire(w.ctx, w.p, now + REKEY_TIMEOUT - 1, w.actions);
  assert.equal(w.calls, []);
  assert.equal(deadlines(w.p), before);
  assert.is(source(w.p), new Array(20).fill(0x77).join(','));
});

t('retransmit: another initiation (a retry), the source forgotten, the REKEY_TIMEOUT guard lifted', () => {
  const w = world();
  w.actions.sendInitiation(w.ctx, w.p, false);
  assert.equal(w.calls, ['initiation']);
  const due = w.p.retransmitAt;
  assert.is(due, w.clock.t + REKEY_TIMEOUT);
  w.p.handshake.lastSentHandshake = w.clock.t;
  w.expireAt(due - 1);
  assert.equal(w.calls, ['initiation'], 'not yet');
  w.expireAt(due);
  assert.equal(w.calls, ['initiation', 'retry']);
  assert.is(w.p.handshakeAttempts, 1);
  assert.is(w.p.handshake.lastSentHandshake, -Infinity, 'a retry is not held back by REKEY_TIMEOUT');
  assert.is(source(w.p), new Array(20).fill(0).join(','), 'the sticky source is cleared');
  assert.is(w.p.endpoint[0], 4, 'the remote endpoint is kept');
  assert.is(w.p.endpoint[7], 1);
  assert.is(w.p.retransmitAt, due + REKEY_TIMEOUT, 'the retry re-armed it');
});

t(`retransmit up to MAX_TIMER_HANDSHAKES, then give up: zeroKeys armed, staged dropped, peer-down once`, () => {
  const w = world();
  w.ctx.handshakeDone(w.p); // reachable: peer-up
  assert.equal(w.events, ['up']);
  const start = w.clock.t;
  w.actions.sendInitiation(w.ctx, w.p, false);
  timers.dataReceived(w.p, start); // a keepalive pending: dropped when giving up
  w.p.staged.push(new Uint8Array(20));
  let guard = 0;
  while (w.p.retransmitAt !== Infinity && guard++ < 100) {
    w.clock.t = w.p.retransmitAt;
    w.tick();
    w.wakeOk('retransmitting');
  }
  const retries = w.calls.filter((c) => c === 'retry').length;
  assert.is(retries, MAX_TIMER_HANDSHAKES + 1, 'attempts 1 .. MAX_TIMER_HANDSHAKES+1, as wireguard-go and the kernel');
  assert.ok(w.clock.t - start >= REKEY_ATTEMPT_TIME, 'they span at least REKEY_ATTEMPT_TIME');
  assert.is(w.calls.filter((c) => c === 'initiation').length, 1);
  assert.is(w.p.retransmitAt, Infinity, 'no more retries');
  assert.is(w.p.keepaliveAt, Infinity);
  assert.is(w.p.staged.length, 0);
  assert.is(w.p.zeroKeysAt, w.clock.t + ZERO_KEYS_AFTER);
  assert.equal(w.events, ['up', 'down']);
  const sent = 1 + retries;
  assert.ok(w.logs.some((l) => l.includes(`after ${sent} attempts`)), `the log counts the ${sent} initiations sent: ${w.logs.join(' | ')}`);

  // a later attempt that fails again: no second peer-down, zeroKeys not pushed back
  const zk = w.p.zeroKeysAt;
  w.clock.t += 1000;
  w.actions.sendInitiation(w.ctx, w.p, false);
  while (w.p.retransmitAt !== Infinity && w.p.retransmitAt < zk) {
    w.clock.t = w.p.retransmitAt;
    w.tick();
  }
  assert.is(w.p.zeroKeysAt, zk, 'an armed zeroKeys is left where it is');
  assert.equal(w.events, ['up', 'down'], 'peer-down once');
});

t('keepalive: sent KEEPALIVE_TIMEOUT after data, once more when data kept coming', () => {
  const w = world();
  const t0 = w.clock.t;
  timers.dataReceived(w.p, t0);
  w.expireAt(t0 + KEEPALIVE_TIMEOUT - 1);
  assert.equal(w.calls, []);
  w.expireAt(t0 + KEEPALIVE_TIMEOUT);
  assert.equal(w.calls, ['keepalive']);
  assert.is(w.p.keepaliveAt, Infinity, 'nothing more');

  timers.dataReceived(w.p, t0 + 20_000);
  timers.dataReceived(w.p, t0 + 21_000); // more data while armed
  w.expireAt(t0 + 30_000);
  assert.equal(w.calls, ['keepalive', 'keepalive']);
  assert.not.ok(w.p.keepaliveNeedAnother);
  assert.is(w.p.keepaliveAt, t0 + 30_000 + KEEPALIVE_TIMEOUT, 'another one armed');
  w.expireAt(t0 + 40_000);
  assert.equal(w.calls, ['keepalive', 'keepalive', 'keepalive']);
  assert.is(w.p.keepaliveAt, Infinity);
});

t('newHandshake: data sent and nothing heard: a new (non-retry) initiation, the sticky source cleared', () => {
  const w = world();
  const t0 = w.clock.t;
  w.p.handshakeAttempts = 3;
  timers.dataSent(w.p, t0, 100);
  const due = t0 + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + 100;
  w.expireAt(due - 1);
  assert.equal(w.calls, []);
  w.expireAt(due);
  assert.equal(w.calls, ['initiation']);
  assert.is(w.p.newHandshakeAt, Infinity);
  assert.is(w.p.handshakeAttempts, 0, 'a fresh round of attempts');
  assert.is(source(w.p), new Array(20).fill(0).join(','));
  assert.is(w.p.endpoint[0], 4);
});

t('zeroKeys: every session and the handshake in progress dropped, indexes freed, peer-down', () => {
  const w = world();
  const { ctx, p } = w;
  ctx.handshakeDone(p);
  const kps = [keypair(ctx, p), keypair(ctx, p), keypair(ctx, p, false)];
  p.keypairs.current = kps[0]!;
  p.keypairs.previous = kps[1]!;
  p.keypairs.next = kps[2]!;
  p.handshake.localIndex = ctx.indexes.newIndex(p);
  p.handshake.state = HandshakeState.InitiationCreated;
  p.handshake.chainKey.fill(5);
  p.handshake.localEphemeral.fill(6);
  p.handshake.lastSentHandshake = w.clock.t;
  assert.is(ctx.indexes.size, 4);
  timers.sessionDerived(p, w.clock.t);
  w.expireAt(w.clock.t + ZERO_KEYS_AFTER - 1);
  assert.is(p.keypairs.current, kps[0]);
  w.expireAt(w.clock.t + 1);
  assert.equal([p.keypairs.current, p.keypairs.previous, p.keypairs.next], [null, null, null]);
  for (const k of kps) assert.ok(k.sendKey.every((b) => b === 0) && k.recvKey.every((b) => b === 0), 'keys zeroed');
  assert.is(ctx.indexes.size, 0, 'every index freed');
  assert.is(p.handshake.state, HandshakeState.Zeroed);
  assert.ok(p.handshake.chainKey.every((b) => b === 0) && p.handshake.localEphemeral.every((b) => b === 0));
  assert.is(p.handshake.localIndex, 0);
  assert.is(p.handshake.lastSentHandshake, -Infinity);
  assert.is(p.zeroKeysAt, Infinity);
  assert.equal(w.events, ['up', 'down']);
  assert.equal(w.calls, [], 'nothing sent');
});

t('persistent keepalive: a keepalive with a session, an initiation without, nothing once unconfigured', () => {
  const w = world();
  const t0 = w.clock.t;
  w.p.persistentKeepalive = 25;
  timers.anyAuthenticatedPacketTraversal(w.p, t0);
  w.expireAt(t0 + 24_999);
  assert.equal(w.calls, []);
  w.expireAt(t0 + 25_000);
  assert.equal(w.calls, ['initiation'], 'no session: a handshake');
  w.calls.length = 0;
  w.p.keypairs.current = keypair(w.ctx, w.p);
  w.p.retransmitAt = Infinity;
  timers.anyAuthenticatedPacketTraversal(w.p, t0 + 30_000);
  w.expireAt(t0 + 55_000);
  assert.equal(w.calls, ['keepalive'], 'a session: a keepalive');
  timers.anyAuthenticatedPacketTraversal(w.p, t0 + 60_000);
  w.p.persistentKeepalive = 0; // unconfigured while armed
  w.expireAt(t0 + 85_000);
  assert.equal(w.calls, ['keepalive'], 'nothing sent');
  assert.is(w.p.persistentKeepaliveAt, Infinity);
});

t('staged packets go out from expire once a session exists', () => {
  const w = world();
  w.p.staged.push(new Uint8Array(10));
  timers.dataReceived(w.p, w.clock.t);
  w.expireAt(w.clock.t + KEEPALIVE_TIMEOUT);
  assert.equal(w.calls, ['keepalive'], 'no session: they wait');
  w.p.keypairs.current = keypair(w.ctx, w.p);
  timers.dataReceived(w.p, w.clock.t);
  w.expireAt(w.clock.t + KEEPALIVE_TIMEOUT);
  assert.equal(w.calls, ['keepalive', 'keepalive', 'staged']);
});

t('keepaliveOrHandshake: a keepalive with a current session, else an initiation', () => {
  const w = world();
  timers.keepaliveOrHandshake(w.ctx, w.p, w.actions);
  w.p.keypairs.next = keypair(w.ctx, w.p, false);
  timers.keepaliveOrHandshake(w.ctx, w.p, w.actions);
  w.p.keypairs.current = keypair(w.ctx, w.p);
  timers.keepaliveOrHandshake(w.ctx, w.p, w.actions);
  assert.equal(w.calls, ['initiation', 'initiation', 'keepalive'], 'an unconfirmed next is not a session to send on');
});

t.run();
