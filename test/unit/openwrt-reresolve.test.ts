import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseResolveOutput, Reresolver, type PeerView, type Resolution } from '../../src/openwrt/reresolve.ts';
import { parseIp } from '../../src/util/ip.ts';

const t = suite('openwrt/reresolve');

const K1 = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const K2 = 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=';
const P = 300_000; // period ms
const S = 30_000; // stale ms

function ip(s: string): Resolution {
  const p = parseIp(s)!;
  return [p.family, p.addr];
}

/** A world of peers: their runtime endpoint and whether they are retrying handshakes. */
function world(init: Record<string, PeerView>) {
  const peers = new Map(Object.entries(init));
  return { peers, view: (k: string) => peers.get(k) };
}

t('a name that gave no endpoint at setup is resolved at the first check and set', () => {
  const w = world({ [K1]: { endpoint: null, retrying: false } });
  const r = new Reresolver(P, S);
  r.setNames([{ publicKey: K1, host: 'vpn.example', port: 51820 }], 0, w.view);
  assert.equal(r.due(0, w.view), ['vpn.example']);
  const u = r.apply(0, new Map([['vpn.example', ip('192.0.2.7')]]), w.view);
  assert.equal(u.length, 1);
  assert.is(u[0]!.publicKey, K1);
  assert.is(u[0]!.text, '192.0.2.7:51820');
  assert.is(u[0]!.why, 'no endpoint');
  assert.is(u[0]!.endpoint.length, 40);
});

t('a name that still does not resolve backs off: 30 s, 60 s, 120 s ... capped at the period', () => {
  const w = world({ [K1]: { endpoint: null, retrying: false } });
  const r = new Reresolver(P, S);
  r.setNames([{ publicKey: K1, host: 'down.example', port: 1 }], 0, w.view);
  let now = 0;
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    // find the next time it is due, in 1 s steps
    while (r.due(now, w.view).length === 0) now += 1000;
    times.push(now);
    assert.equal(r.apply(now, new Map([['down.example', null]]), w.view), []);
  }
  assert.equal(times.slice(0, 5), [0, 30_000, 90_000, 210_000, 300_000]);
  // after the cap, every period (the periodic and the stale schedule coincide)
  for (let i = 5; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! <= P, `gap ${times[i]! - times[i - 1]!}`);
});

t('periodic: a working (maybe roamed) endpoint is kept while DNS gives the same answer', () => {
  const w = world({ [K1]: { endpoint: '198.51.100.9:4500', retrying: false } }); // roamed behind NAT
  const r = new Reresolver(P, S);
  // at setup uci-sync set 192.0.2.7:51820; the peer has since roamed
  w.peers.set(K1, { endpoint: '192.0.2.7:51820', retrying: false });
  r.setNames([{ publicKey: K1, host: 'vpn.example', port: 51820 }], 0, w.view);
  w.peers.set(K1, { endpoint: '198.51.100.9:4500', retrying: false });
  assert.equal(r.due(P - 1, w.view), [], 'nothing due before the period');
  assert.equal(r.due(P, w.view), ['vpn.example']);
  assert.equal(r.apply(P, new Map([['vpn.example', ip('192.0.2.7')]]), w.view), [], 'DNS unchanged: roamed endpoint kept');
});

t('periodic: the endpoint follows when the DNS record moves', () => {
  const w = world({ [K1]: { endpoint: '192.0.2.7:51820', retrying: false } });
  const r = new Reresolver(P, S);
  r.setNames([{ publicKey: K1, host: 'vpn.example', port: 51820 }], 0, w.view);
  assert.equal(r.due(P, w.view), ['vpn.example']);
  const u = r.apply(P, new Map([['vpn.example', ip('2001:db8::5')]]), w.view);
  assert.equal(u.map((x) => [x.text, x.why]), [['[2001:db8::5]:51820', 'dns changed']]);
  // next period, same answer, endpoint now set: nothing
  w.peers.set(K1, { endpoint: '[2001:db8::5]:51820', retrying: false });
  assert.equal(r.due(2 * P, w.view), ['vpn.example']);
  assert.equal(r.apply(2 * P, new Map([['vpn.example', ip('2001:db8::5')]]), w.view), []);
});

t('stale: a peer retrying its handshake is re-resolved before the period and follows the name', () => {
  const w = world({ [K1]: { endpoint: '192.0.2.7:51820', retrying: false }, [K2]: { endpoint: '192.0.2.8:51820', retrying: false } });
  const r = new Reresolver(P, S);
  r.setNames(
    [
      { publicKey: K1, host: 'a.example', port: 51820 },
      { publicKey: K2, host: 'b.example', port: 51820 },
    ],
    0,
    w.view,
  );
  assert.equal(r.due(10_000, w.view), [], 'healthy peers: nothing before the period');
  w.peers.set(K1, { endpoint: '192.0.2.7:51820', retrying: true });
  assert.equal(r.due(20_000, w.view), ['a.example'], 'only the stale one');
  assert.equal(r.due(20_000, w.view), [], 'not twice while pending');
  const u = r.apply(20_000, new Map([['a.example', ip('203.0.113.1')]]), w.view);
  assert.equal(u.map((x) => [x.publicKey, x.text, x.why]), [[K1, '203.0.113.1:51820', 'stale']]);
  // still stale right after: waits the stale delay
  assert.equal(r.due(20_000 + S - 1, w.view), []);
  assert.equal(r.due(20_000 + S, w.view), ['a.example']);
});

t('names shared by two peers are resolved once; unconfigured peers are ignored', () => {
  const w = world({ [K1]: { endpoint: null, retrying: false } });
  const r = new Reresolver(P, S);
  r.setNames(
    [
      { publicKey: K1, host: 'same.example', port: 1 },
      { publicKey: K2, host: 'same.example', port: 2 },
    ],
    0,
    w.view,
  );
  assert.equal(r.due(0, w.view), ['same.example']);
  w.peers.set(K2, { endpoint: null, retrying: false });
  assert.equal(r.due(0, w.view), ['same.example'], 'K2 configured now: due on its own');
  const u = r.apply(0, new Map([['same.example', ip('192.0.2.1')]]), w.view);
  assert.equal(u.map((x) => x.text).sort(), ['192.0.2.1:1', '192.0.2.1:2']);
});

t('changing a name or port restarts its state; removing it forgets it', () => {
  const w = world({ [K1]: { endpoint: '192.0.2.7:51820', retrying: false } });
  const r = new Reresolver(P, S);
  r.setNames([{ publicKey: K1, host: 'a.example', port: 51820 }], 0, w.view);
  assert.is(r.nextCheck(), 0);
  assert.equal(r.due(0, w.view), []);
  assert.is(r.size, 1);
  r.setNames([{ publicKey: K1, host: 'b.example', port: 51820 }], 100, w.view);
  assert.is(r.size, 1);
  assert.equal(r.due(100 + P, w.view), ['b.example']);
  r.setNames([], 200 + P, w.view);
  assert.is(r.size, 0);
  assert.is(r.nextCheck(), Infinity);
});

t('parseResolveOutput: first address per name, failures, garbage ignored', () => {
  const m = parseResolveOutput(
    'a.example 4 192.0.2.1\na.example 6 2001:db8::1\nb.example 6 2001:db8::2\nc.example - Name does not resolve\n' +
      'd.example 4 not-an-ip\ne.example 6 192.0.2.1\n\njunk\n',
    parseIp,
  );
  assert.equal([...m.keys()].sort(), ['a.example', 'b.example', 'c.example']);
  assert.equal(Array.from(m.get('a.example')![1]), [192, 0, 2, 1]);
  assert.is(m.get('b.example')![0], 6);
  assert.is(m.get('c.example'), null);
});

t.run();
