import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPLAY_WINDOW, ReplayFilter } from '../../src/noise/replay.ts';
import { REJECT_AFTER_MESSAGES } from '../../src/noise/constants.ts';
import { seededFloat } from '../helpers/random.ts';

const t = suite('noise/replay');
const W = REPLAY_WINDOW;
const SCALE = typeof (globalThis as { __WGJS_TEST_SCALE?: unknown }).__WGJS_TEST_SCALE === 'number'
  ? (globalThis as unknown as { __WGJS_TEST_SCALE: number }).__WGJS_TEST_SCALE
  : 1;

/** Runs [counter, expected] steps against one filter, naming the first step that differs. */
function script(f: ReplayFilter, limit: number, steps: [number, boolean][]): void {
  steps.forEach(([n, want], i) => {
    assert.is(f.validateCounter(n, limit), want, `step ${i + 1}: counter ${n}`);
  });
}

t('window is 8192 minus one 64-bit block', () => {
  assert.is(W, 8128);
});

t('scripted sequence around the window edges (after the kernel selftest)', () => {
  const f = new ReplayFilter();
  const L = W + 1;
  const big = 1e9;
  script(f, big, [
    [0, true], [1, true], [1, false], [9, true], [8, true], [7, true], [7, false],
    [L, true], [L - 1, true], [L - 1, false], [L - 2, true],
    [2, true], [2, false], // the window now starts at 1
    [L + 16, true], [3, false], [L + 16, false], // 3 fell out when the top moved 16 on
    [L * 4, true],
    [L * 4 - (L - 1), true], // exactly W behind the top: the oldest counter still accepted
    [10, false],
    [L * 4 - L, false], // W + 1 behind: just out
    [L * 4 - (L + 1), false],
    [L * 4 - (L - 2), true],
    [L * 4 + 1 - L, false], // already seen (same counter as two steps back)
    [0, false],
  ]);
});

t('limit: counter must be below it; highest counters of a small limit', () => {
  const lim = 100000; // stands for REJECT_AFTER_MESSAGES, which is above 2^53
  const f = new ReplayFilter();
  script(f, lim, [
    [0, true],
    [lim, false], [lim - 1, true], [lim, false], [lim - 1, false], [lim - 2, true],
    [lim + 1, false], [lim + 2, false], [lim - 2, false], [lim - 3, true],
    [0, false], // long out of the window now
    [lim - 1 - W, true], // the oldest one still in the window
    [lim - 2 - W, false],
  ]);
  // rejecting at the limit records nothing: the window did not move
  const g = new ReplayFilter();
  assert.ok(g.validateCounter(5, 10));
  assert.not.ok(g.validateCounter(10 + 5 * W, 10));
  assert.ok(g.validateCounter(4, 10));
  assert.ok(g.validateCounter(9, 10));
  assert.not.ok(g.validateCounter(9, 10));
});

t('real REJECT_AFTER_MESSAGES: Infinity, NaN and negatives are refused', () => {
  const f = new ReplayFilter();
  assert.not.ok(f.validateCounter(Infinity, REJECT_AFTER_MESSAGES));
  assert.not.ok(f.validateCounter(NaN, REJECT_AFTER_MESSAGES));
  assert.not.ok(f.validateCounter(-1, REJECT_AFTER_MESSAGES));
  assert.not.ok(f.validateCounter(Infinity, Infinity));
  assert.ok(f.validateCounter(0, REJECT_AFTER_MESSAGES));
  // the largest exact counters still index the ring correctly
  const top = 2 ** 53 - 2;
  assert.ok(f.validateCounter(top, REJECT_AFTER_MESSAGES));
  assert.not.ok(f.validateCounter(top, REJECT_AFTER_MESSAGES));
  assert.ok(f.validateCounter(top - 1, REJECT_AFTER_MESSAGES));
  assert.ok(f.validateCounter(top - W, REJECT_AFTER_MESSAGES));
  assert.not.ok(f.validateCounter(top - W - 1, REJECT_AFTER_MESSAGES));
  assert.not.ok(f.validateCounter(0, REJECT_AFTER_MESSAGES));
  assert.ok(f.validateCounter(top - 64, REJECT_AFTER_MESSAGES));
  assert.not.ok(f.validateCounter(top - 64, REJECT_AFTER_MESSAGES));
  assert.not.ok(f.validateCounter(Infinity, REJECT_AFTER_MESSAGES));
});

t('full window filled upwards, then 0', () => {
  const f = new ReplayFilter();
  for (let i = 1; i <= W; i++) assert.ok(f.validateCounter(i, 1e9), `counter ${i}`);
  assert.ok(f.validateCounter(0, 1e9), '0 is exactly W behind');
  assert.not.ok(f.validateCounter(0, 1e9));
  for (let i = 0; i <= W; i++) assert.not.ok(f.validateCounter(i, 1e9), `replayed ${i}`);
});

t('full window filled from 2 upwards: 1 in, 0 out', () => {
  const f = new ReplayFilter();
  for (let i = 2; i <= W + 1; i++) assert.ok(f.validateCounter(i, 1e9));
  assert.ok(f.validateCounter(1, 1e9));
  assert.not.ok(f.validateCounter(0, 1e9));
});

t('full window filled downwards', () => {
  let f = new ReplayFilter();
  for (let i = W + 1; i-- > 0; ) assert.ok(f.validateCounter(i, 1e9), `counter ${i}`);
  for (let i = 0; i <= W; i++) assert.not.ok(f.validateCounter(i, 1e9), `replayed ${i}`);

  f = new ReplayFilter();
  for (let i = W + 2; i-- > 1; ) assert.ok(f.validateCounter(i, 1e9));
  assert.not.ok(f.validateCounter(0, 1e9));

  f = new ReplayFilter();
  for (let i = W + 1; i-- > 1; ) assert.ok(f.validateCounter(i, 1e9));
  assert.ok(f.validateCounter(W + 1, 1e9));
  assert.not.ok(f.validateCounter(0, 1e9));

  f = new ReplayFilter();
  for (let i = W + 1; i-- > 1; ) assert.ok(f.validateCounter(i, 1e9));
  assert.ok(f.validateCounter(0, 1e9));
  assert.ok(f.validateCounter(W + 1, 1e9));
});

t('a jump far ahead clears the whole ring, including the slots that alias', () => {
  const f = new ReplayFilter();
  for (let i = 0; i < 8192; i++) f.validateCounter(i, 1e12); // every bit of the ring was set once
  const base = 8192 * 1000 + 7; // same ring position as counter 7
  assert.ok(f.validateCounter(base, 1e12));
  for (let i = base - W; i < base; i++) assert.ok(f.validateCounter(i, 1e12), `fresh ${i}`);
  for (let i = base - W; i <= base; i++) assert.not.ok(f.validateCounter(i, 1e12), `seen ${i}`);
  // exactly one ring length ahead: reuses the very bit of `base`
  assert.ok(f.validateCounter(base + 8192, 1e12));
  assert.not.ok(f.validateCounter(base + 8192, 1e12));
  assert.not.ok(f.validateCounter(base, 1e12), 'now out of the window');
  assert.ok(f.validateCounter(base + 8192 - W, 1e12), 'in the window, never seen');
  // short steps ahead keep the counters behind them
  assert.ok(f.validateCounter(base + 8192 + 65, 1e12));
  assert.not.ok(f.validateCounter(base + 8192, 1e12));
  assert.ok(f.validateCounter(base + 8192 + 1, 1e12));
});

t('reset forgets everything', () => {
  const f = new ReplayFilter();
  assert.ok(f.validateCounter(50000, 1e9));
  assert.not.ok(f.validateCounter(5, 1e9));
  f.reset();
  assert.ok(f.validateCounter(5, 1e9));
  assert.ok(f.validateCounter(0, 1e9));
  assert.not.ok(f.validateCounter(5, 1e9));
});

t('random traffic matches a naive model (set of seen counters + highest)', () => {
  const rounds = Math.max(200, Math.floor(20000 * SCALE));
  for (const seed of [1, 2, 3]) {
    const r = seededFloat(seed * 7919);
    const f = new ReplayFilter();
    const seen = new Set<number>();
    let max = -1;
    const limit = 3e7; // far above what the walk reaches (~5e6)
    for (let i = 0; i < rounds; i++) {
      const x = r();
      let n: number;
      if (max < 0 || x < 0.35) n = max + 1 + Math.floor(r() * 40); // mostly in order
      else if (x < 0.37) n = max + Math.floor(r() * 3 * 8192); // jumps, some past the ring
      else if (x < 0.7) n = max - W - 3 + Math.floor(r() * 7); // the window's edge
      else if (x < 0.98) n = max - Math.floor(r() * (W + 200)); // inside and just outside
      else n = limit + Math.floor(r() * 3); // at or past the limit
      if (n < 0) n = 0;
      const want = n < limit && n >= max - W && !seen.has(n);
      const got = f.validateCounter(n, limit);
      if (got !== want) assert.unreachable(`seed ${seed} step ${i}: counter ${n} max ${max}: got ${got}`);
      if (want) {
        seen.add(n);
        if (n > max) max = n;
      }
    }
  }
});

t.run();
