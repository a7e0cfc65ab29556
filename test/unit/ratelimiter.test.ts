import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Ratelimiter } from '../../src/device/ratelimiter.ts';
import type { Clock } from '../../src/platform/types.ts';
import { parseIp } from '../../src/util/ip.ts';

const t = suite('device/ratelimiter');

class FakeClock implements Clock {
  ms = 1000;
  now(): number {
    return this.ms;
  }
  wall(): number {
    return 1.7e9 + this.ms / 1000;
  }
}

/** A 40-byte endpoint record for `addr` (port and local fields filled with noise). */
function ep(addr: string, port = 51820, noise = 0): Uint8Array {
  const r = parseIp(addr);
  if (!r) throw new Error(addr);
  const e = new Uint8Array(40);
  e[0] = r.family;
  e[2] = port >> 8;
  e[3] = port & 0xff;
  e.set(r.addr, 4);
  for (let i = 4 + r.addr.length; i < 20; i++) e[i] = noise; // unused tail of an IPv4 address
  for (let i = 20; i < 40; i++) e[i] = noise ^ i;
  return e;
}

/** How many of n back-to-back packets (no time passing) are allowed. */
function burst(rl: Ratelimiter, e: Uint8Array, n = 20): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (rl.allow(e)) ok++;
  return ok;
}

t('burst of 5, then refused', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c);
  const a = ep('192.0.2.1');
  for (let i = 0; i < 5; i++) assert.ok(rl.allow(a), `packet ${i + 1}`);
  assert.not.ok(rl.allow(a));
  assert.not.ok(rl.allow(a));
});

t('refill: one packet per 50 ms, at most 5 banked', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c);
  const a = ep('192.0.2.1');
  assert.is(burst(rl, a), 5);
  c.ms += 49;
  assert.not.ok(rl.allow(a), '49 ms: not yet');
  c.ms += 1;
  assert.ok(rl.allow(a), '50 ms: one token (refused packets do not reset the clock)');
  assert.not.ok(rl.allow(a));
  c.ms += 100;
  assert.is(burst(rl, a), 2);
  c.ms += 60_000;
  assert.is(burst(rl, a), 5, 'a long pause banks no more than the burst');
  c.ms += 125;
  assert.is(burst(rl, a), 2, 'half a token is kept for later');
  c.ms += 25;
  assert.is(burst(rl, a), 1);
});

t('steady flood: 5 + 20 per second get through', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c);
  const a = ep('198.51.100.7');
  let ok = 0;
  for (let i = 0; i < 100; i++, c.ms += 10) if (rl.allow(a)) ok++;
  // allowed at 0, 10, 20, 30, 40, 50 ms (burst plus refill) and then every 50 ms up to 950
  assert.is(ok, 24);
  let more = 0;
  for (let i = 0; i < 1000; i++, c.ms += 10) if (rl.allow(a)) more++;
  assert.is(more, 200, '10 s at 100 packets/s: 20 per second');
});

t('sources are independent; port and local address do not matter', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c);
  assert.is(burst(rl, ep('192.0.2.1')), 5);
  assert.is(burst(rl, ep('192.0.2.2')), 5);
  assert.is(burst(rl, ep('192.0.2.1', 1234, 0x5a)), 0, 'same IPv4 source, other port and noise');
  assert.is(burst(rl, ep('10.0.2.1')), 5);
  c.ms += 50;
  assert.is(burst(rl, ep('192.0.2.2')), 1);
  assert.is(burst(rl, ep('192.0.2.3')), 5);
});

t('IPv6 is keyed by the /64', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c);
  assert.is(burst(rl, ep('2001:db8:1:2::1')), 5);
  assert.is(burst(rl, ep('2001:db8:1:2:ffff:ffff:ffff:ffff')), 0, 'same /64');
  assert.is(burst(rl, ep('2001:db8:1:2:1234::9', 9, 0x77)), 0, 'same /64, other port');
  assert.is(burst(rl, ep('2001:db8:1:2:8000::')), 0, 'differs from the first in bit 64 only');
  assert.is(burst(rl, ep('2001:db8:1:3::1')), 5, 'next /64: differs in bit 63 only');
  assert.is(burst(rl, ep('3001:db8:1:2::1')), 5, 'differs in the first byte');
});

t('IPv4 and IPv6 with the same leading bytes are different sources', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c);
  assert.is(burst(rl, ep('10.0.0.1')), 5);
  assert.is(burst(rl, ep('a00:1::')), 5, 'IPv6 starting 0a 00 00 01');
  assert.is(burst(rl, ep('::ffff:10.0.0.1')), 5, 'mapped address is another key');
  assert.is(burst(rl, ep('10.0.0.1')), 0);
});

t('IPv4 and IPv6 keys never mix, even on shared hash chains', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c, { maxEntries: 512 }); // 64 chains for 400 sources
  for (let i = 0; i < 200; i++) {
    // 10.0.i.1 and a00:i01:: give the same 64 key bits
    assert.is(burst(rl, ep(`10.0.${i}.1`), 6), 5, `v4 ${i}`);
    assert.is(burst(rl, ep(`a00:${i.toString(16)}01::`), 6), 5, `v6 ${i}`);
  }
});

t('stale entries met on a chain are dropped; live ones on the same chain are kept', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c, { maxEntries: 128 }); // 16 chains
  const t0 = c.ms;
  // New entries go to the head of their chain, so this order leaves chains mixed:
  // [live B] [stale S] [live A] (A and B are touched again later, S is not).
  const A = (i: number): Uint8Array => ep(`198.51.100.${i}`);
  const S = (i: number): Uint8Array => ep(`192.0.2.${i}`);
  const B = (i: number): Uint8Array => ep(`2001:db8:${i.toString(16)}::`);
  for (const f of [A, S, B]) for (let i = 0; i < 32; i++) assert.ok(rl.allow(f(i)));
  c.ms = t0 + 900;
  for (const f of [A, B]) for (let i = 0; i < 32; i++) assert.is(burst(rl, f(i)), 5);
  c.ms = t0 + 1001; // S entries are now stale, A and B are not
  for (let i = 0; i < 16; i++) assert.ok(rl.allow(ep(`203.0.113.${i}`)));
  assert.ok(rl.size < 96 + 16 - 8, `stale entries dropped on the way: size ${rl.size}`);
  for (const f of [A, B]) {
    for (let i = 0; i < 32; i++) {
      // remembered: 101 ms of credit since the burst = 2 packets (a forgotten one would get 5)
      assert.is(burst(rl, f(i)), 2, `live source ${f === A ? 'A' : 'B'}${i}`);
    }
  }
});

t('no family: refused', () => {
  const rl = new Ratelimiter(new FakeClock());
  assert.not.ok(rl.allow(new Uint8Array(40)));
  const e = ep('192.0.2.1');
  e[0] = 5;
  assert.not.ok(rl.allow(e));
});

t('an idle source is forgotten after a second and comes back with a full bucket', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c, { maxEntries: 16 });
  for (let i = 0; i < 16; i++) assert.is(burst(rl, ep(`192.0.2.${i}`)), 5);
  assert.is(rl.size, 16);
  assert.not.ok(rl.allow(ep('192.0.2.200')), 'full: a new source is refused');
  assert.is(burst(rl, ep('192.0.2.3')), 0, 'known sources still limited');
  c.ms += 50;
  assert.is(burst(rl, ep('192.0.2.3')), 1, 'and still refilled');
  c.ms = 2000;
  assert.not.ok(rl.allow(ep('192.0.2.201')), 'idle for exactly 1 s is not stale yet');
  c.ms = 3050;
  assert.ok(rl.allow(ep('192.0.2.200')), 'stale entries collected');
  assert.is(burst(rl, ep('192.0.2.5')), 5, 'a forgotten source starts afresh');
  for (let i = 0; i < 14; i++) assert.ok(rl.allow(ep(`198.51.100.${i}`)), `newcomer ${i}`);
  assert.is(rl.size, 16, 'every stale entry was reclaimed');
  assert.not.ok(rl.allow(ep('198.51.100.99')), 'full again');
});

t('a full table of live sources refuses newcomers, keeps serving members', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c, { maxEntries: 64 });
  // 64 sources on 16 hash chains: collisions galore
  for (let i = 0; i < 64; i++) assert.ok(rl.allow(ep(`2001:db8:0:${i.toString(16)}::1`)), `source ${i}`);
  for (let round = 0; round < 10; round++) {
    c.ms += 300; // members stay live (< 1 s idle)
    for (let i = 0; i < 64; i++) {
      assert.is(burst(rl, ep(`2001:db8:0:${i.toString(16)}::2`), 7), 5, `round ${round} source ${i}`);
    }
    assert.not.ok(rl.allow(ep(`198.51.100.${round}`)), `round ${round}: newcomer refused`);
  }
  assert.is(rl.size, 64);
});

t('thousands of sources in the default table', () => {
  const c = new FakeClock();
  const rl = new Ratelimiter(c);
  const e = ep('10.0.0.0');
  for (let i = 0; i < 3000; i++) {
    e[6] = i >> 8;
    e[7] = i & 0xff;
    if (burst(rl, e, 6) !== 5) assert.unreachable(`source ${i}`);
  }
  for (let i = 0; i < 3000; i++) {
    e[6] = i >> 8;
    e[7] = i & 0xff;
    if (rl.allow(e)) assert.unreachable(`source ${i} again`);
  }
  assert.is(rl.size, 3000);
});

t('reset forgets all sources; a seeded hash behaves the same', () => {
  const c = new FakeClock();
  let calls = 0;
  const rl = new Ratelimiter(c, {
    random: (out) => {
      calls++;
      for (let i = 0; i < out.length; i++) out[i] = 0x31 * (i + 1);
    },
  });
  assert.is(calls, 1);
  assert.is(burst(rl, ep('192.0.2.1')), 5);
  assert.is(burst(rl, ep('2001:db8::1')), 5);
  rl.reset();
  assert.is(rl.size, 0);
  assert.is(burst(rl, ep('192.0.2.1')), 5);
  assert.is(burst(rl, ep('2001:db8::1')), 5);
  assert.is(burst(rl, ep('2001:db8::2')), 0);
});

t('bad table sizes are refused', () => {
  assert.throws(() => new Ratelimiter(new FakeClock(), { maxEntries: 0 }), RangeError);
  assert.throws(() => new Ratelimiter(new FakeClock(), { maxEntries: 2.5 }), RangeError);
});

t.run();
