import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AllowedIps } from '../../src/device/allowedips.ts';
import { formatIp4, formatIp6, parseIp } from '../../src/util/ip.ts';
import { seededFloat } from '../helpers/random.ts';

const t = suite('device/allowedips');
const SCALE = typeof (globalThis as { __WGJS_TEST_SCALE?: unknown }).__WGJS_TEST_SCALE === 'number'
  ? (globalThis as unknown as { __WGJS_TEST_SCALE: number }).__WGJS_TEST_SCALE
  : 1;

function ip(s: string): { family: 4 | 6; addr: Uint8Array } {
  const r = parseIp(s);
  if (!r) throw new Error(`bad ip ${s}`);
  return r;
}
function ins<P>(tab: AllowedIps<P>, peer: P, prefix: string): void {
  const [a, c] = prefix.split('/');
  const { family, addr } = ip(a!);
  tab.insert(peer, family, addr, Number(c));
}
function rem<P>(tab: AllowedIps<P>, peer: P, prefix: string): boolean {
  const [a, c] = prefix.split('/');
  const { family, addr } = ip(a!);
  return tab.remove(peer, family, addr, Number(c));
}
/** Looks the address up from the middle of a larger buffer, as the packet path does. */
function look<P>(tab: AllowedIps<P>, s: string): P | null {
  const { family, addr } = ip(s);
  const buf = new Uint8Array(40).fill(0xa5);
  buf.set(addr, 7);
  return tab.lookup(family, buf, 7);
}
function list<P>(tab: AllowedIps<P>, peer: P): string[] {
  return tab.entriesForPeer(peer).map((e) =>
    `${e.family === 4 ? formatIp4(e.addr) : formatIp6(e.addr)}/${e.cidr}`);
}

t('host bits are masked on insert, lookup and remove', () => {
  const tab = new AllowedIps<string>();
  ins(tab, 'a', '10.1.2.3/8');
  ins(tab, 'a', '2001:db8:1:2:3:4:5:6/35');
  assert.equal(list(tab, 'a'), ['10.0.0.0/8', '2001:db8::/35']);
  assert.is(look(tab, '10.200.0.1'), 'a');
  assert.is(look(tab, '11.0.0.0'), null);
  assert.is(look(tab, '2001:db8:1fff::1'), 'a');
  assert.is(look(tab, '2001:db8:2000::1'), null);
  ins(tab, 'a', '10.9.9.9/8'); // the same prefix once masked: no second entry
  assert.equal(list(tab, 'a'), ['2001:db8::/35', '10.0.0.0/8']);
  assert.ok(rem(tab, 'a', '10.255.255.255/8'));
  assert.is(look(tab, '10.200.0.1'), null);
  assert.equal(list(tab, 'a'), ['2001:db8::/35']);
  tab.checkInvariants();
});

t('an identical prefix changes owner; order is insertion order, moved ones at the end', () => {
  const tab = new AllowedIps<string>();
  ins(tab, 'a', '192.168.1.0/24');
  ins(tab, 'a', '10.0.0.0/8');
  ins(tab, 'a', 'fd00::/8');
  ins(tab, 'b', '172.16.0.0/12');
  assert.is(look(tab, '10.1.1.1'), 'a');
  ins(tab, 'b', '10.0.0.0/8');
  assert.is(look(tab, '10.1.1.1'), 'b');
  assert.equal(list(tab, 'a'), ['192.168.1.0/24', 'fd00::/8']);
  assert.equal(list(tab, 'b'), ['172.16.0.0/12', '10.0.0.0/8']);
  ins(tab, 'a', '192.168.1.0/24'); // re-added by its owner: moves to the end (kernel list_move_tail)
  assert.equal(list(tab, 'a'), ['fd00::/8', '192.168.1.0/24']);
  ins(tab, 'a', '10.0.0.0/8'); // and back
  assert.equal(list(tab, 'a'), ['fd00::/8', '192.168.1.0/24', '10.0.0.0/8']);
  assert.equal(list(tab, 'b'), ['172.16.0.0/12']);
  assert.equal(list(tab, 'nobody'), []);
  assert.is(tab.checkInvariants().entries, 4);
});

t('/0 catches everything of its family only', () => {
  const tab = new AllowedIps<string>();
  ins(tab, 'v4', '0.0.0.0/0');
  assert.is(look(tab, '1.2.3.4'), 'v4');
  assert.is(look(tab, '255.255.255.255'), 'v4');
  assert.is(look(tab, '::'), null);
  ins(tab, 'v6', '::/0');
  ins(tab, 'lan', '192.168.0.0/16');
  ins(tab, 'ula', 'fd00::/8');
  assert.is(look(tab, '192.168.3.4'), 'lan');
  assert.is(look(tab, '192.169.3.4'), 'v4');
  assert.is(look(tab, 'fd12::1'), 'ula');
  assert.is(look(tab, '2001:db8::1'), 'v6');
  assert.is(look(tab, '::ffff:192.168.3.4'), 'v6', 'a mapped address is not IPv4');
  assert.ok(rem(tab, 'v4', '1.2.3.4/0'));
  assert.is(look(tab, '192.169.3.4'), null);
  assert.is(look(tab, '192.168.3.4'), 'lan');
  tab.checkInvariants();
});

t('nested prefixes down to /128', () => {
  const tab = new AllowedIps<string>();
  ins(tab, 'p32', '2001:db8::/32');
  ins(tab, 'h0', '2001:db8::/128');
  ins(tab, 'h1', '2001:db8::1/128');
  ins(tab, 'p64', '2001:db8::/64');
  ins(tab, 'p127', '2001:db8::/127');
  ins(tab, 'hff', '2001:db8::ffff:ffff:ffff:ffff/128');
  assert.is(look(tab, '2001:db8::'), 'h0');
  assert.is(look(tab, '2001:db8::1'), 'h1');
  assert.is(look(tab, '2001:db8::2'), 'p64');
  assert.is(look(tab, '2001:db8::ffff:ffff:ffff:ffff'), 'hff');
  assert.is(look(tab, '2001:db8::ffff:ffff:ffff:fffe'), 'p64');
  assert.is(look(tab, '2001:db8:0:1::'), 'p32');
  assert.is(look(tab, '2001:db9::'), null);
  assert.ok(rem(tab, 'h0', '2001:db8::/128'));
  assert.is(look(tab, '2001:db8::'), 'p127');
  assert.ok(rem(tab, 'p127', '2001:db8::/127'));
  assert.is(look(tab, '2001:db8::'), 'p64');
  assert.is(look(tab, '2001:db8::1'), 'h1');
  tab.removeByPeer('p64');
  assert.is(look(tab, '2001:db8::'), 'p32');
  assert.is(look(tab, '2001:db8::1'), 'h1');
  const s = tab.checkInvariants();
  assert.is(s.entries, 3);
  assert.ok(s.nodes6 <= 2 * 3 - 1, `compressed trie: ${s.nodes6} nodes`);
});

t('/32 inside /31, /31 inside /30', () => {
  const tab = new AllowedIps<string>();
  ins(tab, 'p31', '192.168.0.2/31');
  ins(tab, 'h3', '192.168.0.3/32');
  assert.is(look(tab, '192.168.0.2'), 'p31');
  assert.is(look(tab, '192.168.0.3'), 'h3');
  assert.is(look(tab, '192.168.0.1'), null);
  assert.is(look(tab, '192.168.0.4'), null);
  ins(tab, 'p30', '192.168.0.0/30');
  assert.is(look(tab, '192.168.0.1'), 'p30');
  assert.is(look(tab, '192.168.0.2'), 'p31');
  ins(tab, 'h0', '192.168.0.0/32');
  ins(tab, 'h255', '255.255.255.255/32');
  ins(tab, 'hz', '0.0.0.0/32');
  assert.is(look(tab, '192.168.0.0'), 'h0');
  assert.is(look(tab, '255.255.255.255'), 'h255');
  assert.is(look(tab, '255.255.255.254'), null);
  assert.is(look(tab, '0.0.0.0'), 'hz');
  assert.is(look(tab, '0.0.0.1'), null);
  tab.checkInvariants();
});

t('remove only by the owner; removeByPeer and clear', () => {
  const tab = new AllowedIps<string>();
  ins(tab, 'a', '10.0.0.0/8');
  ins(tab, 'a', '10.1.0.0/16');
  ins(tab, 'b', '10.1.1.0/24');
  ins(tab, 'b', '::/0');
  assert.not.ok(rem(tab, 'b', '10.0.0.0/8'), 'not the owner');
  assert.not.ok(rem(tab, 'a', '10.0.0.0/9'), 'no such prefix');
  assert.not.ok(rem(tab, 'a', '10.1.1.0/24'), 'owned by b');
  assert.not.ok(rem(tab, 'a', '10.0.0.0/32'), 'absent, below a prefix');
  assert.is(look(tab, '10.2.0.0'), 'a');
  assert.ok(rem(tab, 'a', '10.1.0.0/16'));
  assert.not.ok(rem(tab, 'a', '10.1.0.0/16'), 'already gone');
  assert.is(look(tab, '10.1.2.3'), 'a');
  assert.is(look(tab, '10.1.1.3'), 'b');
  tab.removeByPeer('a');
  assert.is(look(tab, '10.2.0.0'), null);
  assert.is(look(tab, '10.1.1.3'), 'b');
  assert.equal(list(tab, 'a'), []);
  tab.removeByPeer('a'); // nothing left: no-op
  assert.equal(list(tab, 'b'), ['10.1.1.0/24', '::/0']);
  tab.clear();
  assert.is(look(tab, '10.1.1.3'), null);
  assert.is(look(tab, '::1'), null);
  assert.equal(list(tab, 'b'), []);
  const s = tab.checkInvariants();
  assert.equal([s.nodes4, s.nodes6, s.entries], [0, 0, 0]);
  ins(tab, 'c', '10.1.1.0/24');
  assert.is(look(tab, '10.1.1.3'), 'c');
});

t('remove of an absent prefix that would land on a present node', () => {
  const tab = new AllowedIps<string>();
  ins(tab, 'a', '10.0.0.0/16');
  ins(tab, 'a', '10.1.0.0/16'); // a branch node 10.0.0.0/15 above them
  assert.not.ok(rem(tab, 'a', '11.0.0.0/16'), 'differs above the branch');
  assert.not.ok(rem(tab, 'a', '138.0.0.0/16'), 'differs in the first bit');
  assert.not.ok(rem(tab, 'a', '10.0.0.0/15'), 'the peerless branch itself');
  assert.is(look(tab, '10.0.3.4'), 'a');
  assert.is(look(tab, '10.1.3.4'), 'a');
  assert.is(look(tab, '11.0.3.4'), null);
  assert.is(tab.checkInvariants().entries, 2);
});

t('peers are any objects; identity, not equality, decides ownership', () => {
  const p1 = { name: 'x' };
  const p2 = { name: 'x' };
  const tab = new AllowedIps<{ name: string }>();
  ins(tab, p1, '10.0.0.0/8');
  assert.not.ok(rem(tab, p2, '10.0.0.0/8'));
  assert.is(look(tab, '10.0.0.1'), p1);
  tab.removeByPeer(p2);
  assert.is(look(tab, '10.0.0.1'), p1);
});

t('malformed prefixes throw at configuration time', () => {
  const tab = new AllowedIps<string>();
  assert.throws(() => tab.insert('a', 4, new Uint8Array(4), 33), RangeError);
  assert.throws(() => tab.insert('a', 6, new Uint8Array(16), 129), RangeError);
  assert.throws(() => tab.insert('a', 4, new Uint8Array(4), -1), RangeError);
  assert.throws(() => tab.insert('a', 6, new Uint8Array(4), 8), RangeError);
  assert.throws(() => tab.insert('a', 4, new Uint8Array(4), 1.5), RangeError);
  assert.is(tab.checkInvariants().entries, 0);
});

t('removing thousands of prefixes of one peer among many is quick and leaves a tidy trie', () => {
  const tab = new AllowedIps<number>();
  const n = Math.max(200, Math.floor(3000 * SCALE));
  const a = new Uint8Array(16);
  for (let i = 0; i < n; i++) {
    a[0] = 0xfd; a[1] = i & 0xff; a[2] = (i >> 8) & 0xff; a[15] = i & 0xff;
    tab.insert(i % 3, 6, a, 128);
    tab.insert(i % 3, 4, a, 32);
  }
  tab.removeByPeer(1);
  const s = tab.checkInvariants();
  const left = n - Math.floor((n + 1) / 3);
  assert.is(s.entries, 2 * left);
  assert.ok(s.nodes6 < 2 * left && s.nodes4 < 2 * left, `nodes ${s.nodes4}/${s.nodes6}`);
  tab.removeByPeer(0);
  tab.removeByPeer(2);
  const e = tab.checkInvariants();
  assert.equal([e.nodes4, e.nodes6, e.entries], [0, 0, 0]);
});

interface Route { family: 4 | 6; key: Uint8Array; cidr: number; peer: number }

function maskedCopy(addr: Uint8Array, cidr: number): Uint8Array {
  const out = addr.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = cidr - 8 * i;
    out[i] = keep >= 8 ? out[i]! : keep <= 0 ? 0 : out[i]! & (0xff << (8 - keep));
  }
  return out;
}
function naiveMatch(r: Route, addr: Uint8Array): boolean {
  for (let i = 0; i * 8 < r.cidr; i++) {
    const keep = r.cidr - 8 * i;
    const m = keep >= 8 ? 0xff : (0xff << (8 - keep)) & 0xff;
    if ((addr[i]! & m) !== r.key[i]) return false;
  }
  return true;
}
function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

t('randomized against a naive longest-prefix list (v4 and v6, many peers, removals)', () => {
  const routesWanted = Math.max(150, Math.floor(1000 * SCALE));
  const lookups = Math.max(150, Math.floor(1000 * SCALE));
  const PEERS = 60;
  for (const seed of [11, 12]) {
    const r = seededFloat(seed * 104729);
    const rand = (n: number): number => Math.floor(r() * n);
    const tab = new AllowedIps<number>();
    let naive: Route[] = []; // in global insertion order (a re-insert moves to the end)
    // a few bases so that prefixes nest and share long runs of bits
    const bases: Uint8Array[] = [];
    for (let i = 0; i < 24; i++) {
      const b = new Uint8Array(16);
      for (let j = 0; j < 16; j++) b[j] = rand(256);
      bases.push(b);
    }
    const randomAddr = (family: 4 | 6): Uint8Array => {
      const len = family === 4 ? 4 : 16;
      const a = bases[rand(bases.length)]!.slice(0, len);
      const flips = rand(4);
      for (let k = 0; k < flips; k++) {
        const bit = rand(len * 8);
        a[bit >> 3] = a[bit >> 3]! ^ (0x80 >> (bit & 7));
      }
      return a;
    };
    const randomCidr = (family: 4 | 6): number => {
      const bits = family === 4 ? 32 : 128;
      const x = r();
      return x < 0.1 ? bits : x < 0.15 ? rand(3) : rand(bits + 1);
    };
    const findRoute = (family: 4 | 6, key: Uint8Array, cidr: number): number =>
      naive.findIndex((e) => e.family === family && e.cidr === cidr && sameKey(e.key, key));
    const check = (what: string): void => {
      for (let i = 0; i < lookups; i++) {
        const family: 4 | 6 = r() < 0.5 ? 4 : 6;
        const addr = randomAddr(family);
        let best: Route | null = null;
        for (const e of naive) {
          if (e.family === family && (best === null || e.cidr > best.cidr) && naiveMatch(e, addr)) best = e;
        }
        const got = tab.lookup(family, addr, 0);
        if (got !== (best ? best.peer : null)) {
          assert.unreachable(`${what}: seed ${seed} lookup ${i}: got ${got}, want ${best?.peer}`);
        }
      }
      for (let p = 0; p < PEERS; p++) {
        const want = naive.filter((e) => e.peer === p);
        const got = tab.entriesForPeer(p);
        assert.is(got.length, want.length, `${what}: count for peer ${p}`);
        got.forEach((g, i) => {
          const w = want[i]!;
          if (g.family !== w.family || g.cidr !== w.cidr || !sameKey(g.addr, w.key)) {
            assert.unreachable(`${what}: peer ${p} entry ${i} differs`);
          }
        });
      }
      assert.is(tab.checkInvariants().entries, naive.length, what);
    };

    for (let i = 0; i < routesWanted; i++) {
      const family: 4 | 6 = r() < 0.5 ? 4 : 6;
      const addr = randomAddr(family);
      const cidr = randomCidr(family);
      const peer = rand(PEERS);
      tab.insert(peer, family, addr, cidr);
      const key = maskedCopy(addr, cidr);
      const at = findRoute(family, key, cidr);
      if (at >= 0) naive.splice(at, 1);
      naive.push({ family, key, cidr, peer });
    }
    check('after inserts');

    // removals: by prefix (owner or not, present or not) and whole peers; some re-inserts
    for (let i = 0; i < routesWanted / 2; i++) {
      const x = r();
      if (x < 0.5 && naive.length > 0) {
        const e = naive[rand(naive.length)]!;
        const owner = r() < 0.8;
        const peer = owner ? e.peer : (e.peer + 1) % PEERS;
        const addr = e.key.slice();
        if (e.cidr < addr.length * 8) addr[addr.length - 1] = addr[addr.length - 1]! | 1; // host bits
        assert.is(tab.remove(peer, e.family, addr, e.cidr), owner);
        if (owner) naive.splice(naive.indexOf(e), 1);
      } else if (x < 0.8) {
        const family: 4 | 6 = r() < 0.5 ? 4 : 6;
        const addr = randomAddr(family);
        const cidr = randomCidr(family);
        const peer = rand(PEERS);
        const at = findRoute(family, maskedCopy(addr, cidr), cidr);
        const want = at >= 0 && naive[at]!.peer === peer;
        assert.is(tab.remove(peer, family, addr, cidr), want);
        if (want) naive.splice(at, 1);
      } else if (x < 0.83) {
        const peer = rand(PEERS);
        tab.removeByPeer(peer);
        naive = naive.filter((e) => e.peer !== peer);
      } else {
        const family: 4 | 6 = r() < 0.5 ? 4 : 6;
        const addr = randomAddr(family);
        const cidr = randomCidr(family);
        const peer = rand(PEERS);
        tab.insert(peer, family, addr, cidr);
        const key = maskedCopy(addr, cidr);
        const at = findRoute(family, key, cidr);
        if (at >= 0) naive.splice(at, 1);
        naive.push({ family, key, cidr, peer });
      }
    }
    check('after removals');

    for (let p = 0; p < PEERS; p++) tab.removeByPeer(p);
    const s = tab.checkInvariants();
    assert.equal([s.nodes4, s.nodes6, s.entries], [0, 0, 0], 'all removed: no node left behind');
  }
});

t.run();
