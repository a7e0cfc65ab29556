// TAI64N timestamps (src/noise/tai64n.ts): the TAI64 label 2^62 + 10 + seconds big-endian, then
// the nanoseconds big-endian rounded down to a multiple of 2^24 (whitened, as wireguard-go), and
// their order under compareTai64n (what the responder's replay check relies on).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareTai64n, tai64n } from '../../src/noise/tai64n.ts';
import { toHex } from '../../src/util/bytes.ts';
import { seededFloat } from '../helpers/random.ts';

const t = suite('noise/tai64n');
const hex = (s: number): string => toHex(tai64n(s));

t('known values: label 2^62 + 10 + s, big-endian', () => {
  assert.is(hex(0), '400000000000000a' + '00000000');
  assert.is(hex(1), '400000000000000b' + '00000000');
  assert.is(hex(1_700_000_000), '400000006553f10a' + '00000000'); // 1700000010 = 0x6553f10a
  assert.is(hex(0xfffffff5), '40000000ffffffff' + '00000000');
  assert.is(hex(0xfffffff6), '4000000100000000' + '00000000', '2^32 - 10 + 10 carries into the high word');
  assert.is(hex(2 ** 32 + 5), '400000010000000f' + '00000000');
  assert.is(hex(2 ** 40 + 0x1234), '400001000000123e' + '00000000');
});

t('nanoseconds whitened to multiples of 2^24, big-endian', () => {
  assert.is(hex(1_700_000_000.5).slice(16), '1d000000', '500000000 ns -> 29 * 2^24');
  assert.is(hex(0.0168).slice(16), '01000000', '16800000 ns -> 2^24');
  assert.is(hex(0.0167).slice(16), '00000000', '16700000 ns < 2^24 -> 0');
  assert.is(hex(0.999999999).slice(16), '3b000000', '999999999 ns -> 59 * 2^24');
  assert.is(hex(0.9999999999).slice(16), '3b000000', 'never 10^9 ns');
  assert.is(hex(12.25).slice(0, 16), '4000000000000016', 'the fraction does not touch the seconds');
  for (let s = 0; s < 1; s += 0.013) {
    const ns = parseInt(hex(s).slice(16), 16);
    assert.is(ns % 2 ** 24, 0, `${s}: a multiple of 2^24`);
    assert.ok(ns <= s * 1e9 && s * 1e9 - ns < 2 ** 24, `${s}: rounded down by less than 2^24 ns`);
  }
});

t('written at an offset, nothing else touched; a new array by default', () => {
  const buf = new Uint8Array(20).fill(0xee);
  const r = tai64n(1, buf, 4);
  assert.ok(r === buf);
  assert.is(toHex(buf), 'eeeeeeee' + '400000000000000b00000000' + 'eeeeeeee');
  assert.is(tai64n(1).length, 12);
  assert.ok(tai64n(1) !== tai64n(1));
});

t('compareTai64n: big-endian order, 0 when equal', () => {
  const a = tai64n(100);
  assert.is(compareTai64n(a, tai64n(100)), 0);
  assert.ok(compareTai64n(tai64n(101), a) > 0);
  assert.ok(compareTai64n(a, tai64n(101)) < 0);
  assert.ok(compareTai64n(tai64n(100.5), a) > 0, 'nanoseconds count');
  assert.ok(compareTai64n(tai64n(2 ** 32), tai64n(2 ** 32 - 1 + 0.99)) > 0, 'across the word boundary');
  assert.ok(compareTai64n(tai64n(256), tai64n(255.99)) > 0, 'a higher byte wins over every lower one');
  const z = new Uint8Array(12);
  assert.ok(compareTai64n(tai64n(0), z) > 0, 'every timestamp is newer than the zero one a Handshake starts with');
  const x = tai64n(5);
  const y = x.slice();
  y[11] = 1;
  assert.ok(compareTai64n(y, x) > 0 && compareTai64n(x, y) < 0, 'the last byte counts');
});

t('ordering follows time: non-decreasing always, strictly increasing past 2^24 ns', () => {
  const r = seededFloat(2024);
  const times: number[] = [];
  for (let i = 0; i < 400; i++) times.push(1_600_000_000 + r() * 5);
  times.sort((p, q) => p - q);
  for (let i = 1; i < times.length; i++) {
    const c = compareTai64n(tai64n(times[i]!), tai64n(times[i - 1]!));
    assert.ok(c >= 0, `${times[i]} not before ${times[i - 1]}`);
    if (times[i]! - times[i - 1]! > 0.0168) assert.ok(c > 0, `${times[i]} after ${times[i - 1]}`);
  }
  // within one 2^24 ns slot the timestamps are equal (what makes a replay in the same slot refused)
  assert.is(compareTai64n(tai64n(7.5), tai64n(7.5 + 0.001)), 0);
});

t.run();
