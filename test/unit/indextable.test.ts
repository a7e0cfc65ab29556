// The receiver index table (src/device/indextable.ts): random 32-bit indexes, unique within the
// device even when the generator repeats itself, a keypair attached once the handshake finishes,
// and deletion.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IndexTable } from '../../src/device/indextable.ts';
import { Keypair } from '../../src/noise/keypair.ts';
import type { RandomFill } from '../../src/platform/types.ts';
import { seededRandom, seededInt } from '../helpers/random.ts';

const t = suite('device/indextable');

/** A RandomFill producing these 32-bit values (little-endian), in order; counts the draws. */
function values(...vs: number[]): RandomFill & { draws: number } {
  const f = ((out: Uint8Array) => {
    assert.is(out.length, 4);
    const v = vs[f.draws++ % vs.length]!;
    for (let i = 0; i < 4; i++) out[i] = (v >>> (8 * i)) & 255;
  }) as RandomFill & { draws: number };
  f.draws = 0;
  return f;
}

const kp = (idx: number): Keypair => new Keypair(new Uint8Array(32), new Uint8Array(32), true, 0, idx, 1);

t('an index is the 4 random bytes read little-endian, entered for the peer with no keypair yet', () => {
  const tab = new IndexTable<string>(values(0x12345678, 0xfffffffe));
  assert.is(tab.newIndex('a'), 0x12345678);
  assert.is(tab.newIndex('b'), 0xfffffffe, 'unsigned');
  assert.equal(tab.get(0x12345678), { peer: 'a', keypair: null });
  assert.equal(tab.get(0xfffffffe), { peer: 'b', keypair: null });
  assert.is(tab.get(0x78563412), undefined);
  assert.is(tab.size, 2);
});

t('a generator repeating values: every index handed out is still unique', () => {
  const rnd = values(5, 5, 7, 5, 7, 9, 9, 5, 11);
  const tab = new IndexTable<string>(rnd);
  assert.is(tab.newIndex('a'), 5);
  assert.is(tab.newIndex('b'), 7, 'the repeated 5 is skipped');
  assert.is(tab.newIndex('c'), 9, '5 and 7 are taken');
  assert.is(tab.newIndex('d'), 11);
  assert.is(rnd.draws, 9);
  assert.is(tab.get(5)!.peer, 'a', 'the first owner keeps its index');
  assert.is(tab.get(7)!.peer, 'b');
  // a generator with a tiny range: many indexes, all distinct, until the range is full
  const small = seededInt(42);
  const tiny: RandomFill = (out) => { out.fill(0); out[0] = small(41); };
  const t2 = new IndexTable<number>(tiny);
  const got = new Set<number>();
  for (let i = 0; i < 40; i++) got.add(t2.newIndex(i));
  assert.is(got.size, 40);
  assert.is(t2.size, 40);
  for (const idx of got) assert.ok(idx > 0 && idx <= 40, 'never 0: 0 means "no index" to the handshake state');
});

t('index 0 is never handed out', () => {
  const tab = new IndexTable<string>(values(0, 0, 3));
  assert.is(tab.newIndex('a'), 3);
});

t('setKeypair attaches to an existing entry only; delete frees the index for reuse', () => {
  const tab = new IndexTable<string>(values(5, 7, 5, 9));
  const a = tab.newIndex('a');
  const k = kp(a);
  tab.setKeypair(a, k);
  assert.ok(tab.get(a)!.keypair === k);
  assert.is(tab.get(a)!.peer, 'a');
  tab.setKeypair(1234, kp(1234));
  assert.is(tab.get(1234), undefined, 'no entry is made for an unknown index');
  assert.is(tab.size, 1);
  assert.is(tab.newIndex('b'), 7);
  tab.delete(a);
  assert.is(tab.get(a), undefined);
  assert.is(tab.size, 1);
  tab.delete(a); // twice: harmless
  tab.delete(999);
  assert.is(tab.size, 1);
  assert.is(tab.newIndex('c'), 5, 'a deleted index can be handed out again');
  assert.equal(tab.get(5), { peer: 'c', keypair: null }, 'fresh: no keypair left from before');
});

t('seeded: a thousand indexes, all distinct, all found, all deleted', () => {
  const tab = new IndexTable<number>(seededRandom(3));
  const idx: number[] = [];
  for (let i = 0; i < 1000; i++) idx.push(tab.newIndex(i));
  assert.is(new Set(idx).size, 1000);
  idx.forEach((x, i) => assert.is(tab.get(x)!.peer, i));
  for (const x of idx) tab.delete(x);
  assert.is(tab.size, 0);
});

t.run();
