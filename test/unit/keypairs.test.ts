// A peer's session rotation (src/noise/keypair.ts Keypairs): install as initiator or responder,
// with and without a responder session waiting in `next`, confirm, clear; which keypairs are
// dropped (keys zeroed, index forgotten through the callback) and which survive untouched.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keypair, Keypairs } from '../../src/noise/keypair.ts';

const t = suite('noise/keypairs');

/** A keypair with recognisable non-zero keys and local index `idx`. */
function kp(idx: number, initiator: boolean): Keypair {
  return new Keypair(new Uint8Array(32).fill(idx), new Uint8Array(32).fill(idx + 100), initiator, idx * 1000, idx, idx + 500);
}
const zeroed = (k: Keypair): boolean => k.sendKey.every((b) => b === 0) && k.recvKey.every((b) => b === 0);
const intact = (k: Keypair): boolean => k.sendKey.every((b) => b === k.localIndex) && k.recvKey.every((b) => b === k.localIndex + 100);

/** Keypairs in a given state, and the indexes the callback was told to forget. */
function setup(cur: Keypair | null, prev: Keypair | null, next: Keypair | null) {
  const kps = new Keypairs();
  kps.current = cur;
  kps.previous = prev;
  kps.next = next;
  const forgotten: number[] = [];
  return { kps, forgotten, forget: (i: number) => void forgotten.push(i) };
}
const slots = (k: Keypairs) => [k.current?.localIndex ?? null, k.previous?.localIndex ?? null, k.next?.localIndex ?? null];

t('initiator, first session: current, nothing dropped', () => {
  const s = setup(null, null, null);
  const a = kp(1, true);
  s.kps.install(a, s.forget);
  assert.equal(slots(s.kps), [1, null, null]);
  assert.equal(s.forgotten, []);
  assert.ok(intact(a));
});

t('initiator, no next: the new one is current, current becomes previous, previous is dropped', () => {
  const cur = kp(1, true);
  const prev = kp(2, true);
  const s = setup(cur, prev, null);
  s.kps.install(kp(3, true), s.forget);
  assert.equal(slots(s.kps), [3, 1, null], '[current, previous, next]');
  assert.equal(s.forgotten, [2]);
  assert.ok(zeroed(prev), 'the dropped keypair is zeroed');
  assert.ok(intact(cur), 'the kept one is not');
});

t('initiator with a responder session waiting in next: next becomes previous, current and previous are dropped', () => {
  const cur = kp(1, true);
  const prev = kp(2, false);
  const next = kp(3, false);
  const s = setup(cur, prev, next);
  s.kps.install(kp(4, true), s.forget);
  assert.equal(slots(s.kps), [4, 3, null]);
  assert.equal(s.forgotten.slice().sort(), [1, 2]);
  assert.ok(zeroed(cur) && zeroed(prev));
  assert.ok(intact(next), 'the waiting session is kept (as previous), not zeroed');
});

t('responder: the new one waits in next, previous is dropped, current stays', () => {
  const cur = kp(1, true);
  const prev = kp(2, true);
  const s = setup(cur, prev, null);
  s.kps.install(kp(3, false), s.forget);
  assert.equal(slots(s.kps), [1, null, 3]);
  assert.equal(s.forgotten, [2]);
  assert.ok(zeroed(prev) && intact(cur));
});

t('responder with a session already in next: the older next is dropped too', () => {
  const cur = kp(1, true);
  const prev = kp(2, true);
  const next = kp(3, false);
  const s = setup(cur, prev, next);
  s.kps.install(kp(4, false), s.forget);
  assert.equal(slots(s.kps), [1, null, 4]);
  assert.equal(s.forgotten.slice().sort(), [2, 3]);
  assert.ok(zeroed(next) && zeroed(prev) && intact(cur));
});

t('confirm: only the session in next rotates (next -> current -> previous, previous dropped)', () => {
  const cur = kp(1, true);
  const prev = kp(2, true);
  const next = kp(3, false);
  const s = setup(cur, prev, next);
  assert.not.ok(s.kps.confirm(cur, s.forget), 'a packet on current: nothing to do');
  assert.not.ok(s.kps.confirm(prev, s.forget), 'on previous: nothing');
  assert.not.ok(s.kps.confirm(kp(9, false), s.forget), 'a keypair not in the set: nothing');
  assert.equal(slots(s.kps), [1, 2, 3]);
  assert.equal(s.forgotten, []);
  assert.ok(s.kps.confirm(next, s.forget));
  assert.equal(slots(s.kps), [3, 1, null]);
  assert.equal(s.forgotten, [2]);
  assert.ok(zeroed(prev) && intact(cur) && intact(next));
  assert.not.ok(s.kps.confirm(next, s.forget), 'once');
  const empty = setup(null, null, null);
  assert.not.ok(empty.kps.confirm(kp(1, false), empty.forget));
});

t('a responder session confirmed with no current: it becomes current, nothing dropped', () => {
  const s = setup(null, null, null);
  const n = kp(5, false);
  s.kps.install(n, s.forget);
  assert.equal(slots(s.kps), [null, null, 5]);
  assert.ok(s.kps.confirm(n, s.forget));
  assert.equal(slots(s.kps), [5, null, null]);
  assert.equal(s.forgotten, []);
});

t('clear: every session dropped, zeroed and forgotten once', () => {
  const all = [kp(1, true), kp(2, true), kp(3, false)];
  const s = setup(all[0]!, all[1]!, all[2]!);
  s.kps.clear(s.forget);
  assert.equal(slots(s.kps), [null, null, null]);
  assert.equal(s.forgotten.slice().sort(), [1, 2, 3]);
  assert.ok(all.every(zeroed));
  s.kps.clear(s.forget);
  assert.equal(s.forgotten.length, 3, 'clearing an empty set forgets nothing');
});

t.run();
