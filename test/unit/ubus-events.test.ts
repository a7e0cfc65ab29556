// Peer events and renew with the native ubus client (src/openwrt/hotplug.ts, reresolve.ts):
// the event goes out natively when the client is connected (then no `ubus send` child), the
// hotplug scripts run either way, `ubus send` is spawned as before otherwise; peer-down for every
// peer that was up when the daemon stops; renew natively or through `ubus call`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makePeerEvents, peersDownAtExit, type SpawnSpec } from '../../src/openwrt/hotplug.ts';
import { renewInterface } from '../../src/openwrt/reresolve.ts';
import { fromBase64 } from '../../src/util/bytes.ts';
import { makeEndpoint } from '../../src/util/ip.ts';
import { PEER1_PUB, PEER2_PUB } from '../fixtures/uci/keys.ts';

const t = suite('ubus/events');

const EP = makeEndpoint(4, Uint8Array.of(192, 0, 2, 1), 51820);
const K1 = fromBase64(PEER1_PUB, 32)!;
const K2 = fromBase64(PEER2_PUB, 32)!;
const DATA1 = { action: 'peer-up', interface: 'wg0', public_key: PEER1_PUB, endpoint: '192.0.2.1:51820', description: 'Cloud', section: 'cfg01' };

function setup(connected: boolean | 'throws') {
  const spawned: SpawnSpec[] = [];
  const sent: [string, Record<string, string>][] = [];
  const ev = makePeerEvents({
    ifname: 'wg0',
    sys: { exists: (p) => p === '/sbin/hotplug-call' || p === '/bin/ubus', getenv: () => undefined },
    spawn: (s) => spawned.push(s),
    describe: (k) => (k === PEER1_PUB ? { description: 'Cloud', section: 'cfg01' } : undefined),
    sendEvent: (id, data) => {
      if (connected === 'throws') throw new Error('x');
      sent.push([id, data]);
      return connected;
    },
  });
  return { ev, spawned, sent };
}

t('connected: native wgjs.peer event, hotplug-call still spawned, no `ubus send`', () => {
  const { ev, spawned, sent } = setup(true);
  ev.peerUp!(K1, EP);
  assert.equal(sent, [['wgjs.peer', DATA1]]);
  assert.equal(spawned.map((s) => s.argv), [['/sbin/hotplug-call', 'wgjs']]);
  assert.is(spawned[0]!.env.ACTION, 'peer-up');
});

t('not connected (or failing): `ubus send` spawned as before, same data', () => {
  for (const mode of [false, 'throws'] as const) {
    const { ev, spawned } = setup(mode);
    ev.peerUp!(K1, EP);
    assert.equal(spawned.map((s) => s.argv[0]), ['/sbin/hotplug-call', '/bin/ubus']);
    assert.equal(spawned[1]!.argv.slice(1, 3), ['send', 'wgjs.peer']);
    assert.equal(JSON.parse(spawned[1]!.argv[3]!), DATA1);
  }
});

t('peersDownAtExit: one peer-down per peer that was up, once', () => {
  const { ev, sent } = setup(true);
  const peers = [
    { reachable: true, publicKey: K1, endpoint: EP },
    { reachable: false, publicKey: K2, endpoint: EP },
  ];
  assert.is(peersDownAtExit(peers, ev), 1);
  assert.equal(sent, [['wgjs.peer', { ...DATA1, action: 'peer-down' }]]);
  assert.is(peers[0]!.reachable, false);
  assert.is(peersDownAtExit(peers, ev), 0);
  assert.is(sent.length, 1);
  // a failing sink does not stop the others
  let n = 0;
  const two = [
    { reachable: true, publicKey: K1, endpoint: EP },
    { reachable: true, publicKey: K2, endpoint: EP },
  ];
  assert.is(peersDownAtExit(two, { peerDown: () => { n++; throw new Error('x'); } }), 2);
  assert.is(n, 2);
});

t('renewInterface: native invoke when connected, else `ubus call ... renew`', () => {
  const calls: string[] = [];
  const done = (s: number) => calls.push(`done ${s}`);
  const spawn = (args: string[]) => (calls.push(`spawn ${args.join(' ')}`), true);
  assert.is(renewInterface('wg0', (p, m, d) => (calls.push(`invoke ${p} ${m}`), d(0), true), spawn, done), 'native');
  assert.is(renewInterface('wg0', () => false, spawn, done), 'spawned');
  assert.is(renewInterface('wg0', null, () => false, done), 'none');
  assert.equal(calls, ['invoke network.interface.wg0 renew', 'done 0', 'spawn call network.interface.wg0 renew']);
});

t.run();
