import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hotplugCommands, hotplugEnv, makePeerEvents, RUN_DIR_SCRIPT, type SpawnSpec } from '../../src/openwrt/hotplug.ts';
import { peerSectionsByKey } from '../../src/openwrt/network.ts';
import { parseUci } from '../../src/openwrt/uci.ts';
import { uciGet } from '../../src/openwrt/uci.ts';
import { fromBase64 } from '../../src/util/bytes.ts';
import { makeEndpoint } from '../../src/util/ip.ts';
import { NETWORK_WG0 } from '../fixtures/uci/network.ts';
import { PEER1_PUB, PEER5_PUB } from '../fixtures/uci/keys.ts';

const t = suite('openwrt/hotplug');

function sys(paths: string[], env: Record<string, string> = {}) {
  return { exists: (p: string) => paths.indexOf(p) >= 0, getenv: (n: string) => env[n] };
}

const EV = {
  action: 'peer-up' as const,
  ifname: 'wg0',
  publicKey: fromBase64(PEER1_PUB, 32)!,
  endpoint: makeEndpoint(6, Uint8Array.of(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7), 51821),
  description: 'Cloud server',
  section: 'cfg0496fc',
};

const ENV = {
  ACTION: 'peer-up',
  INTERFACE: 'wg0',
  PUBLIC_KEY: PEER1_PUB,
  ENDPOINT: '[2001:db8::7]:51821',
  DESCRIPTION: 'Cloud server',
  SECTION: 'cfg0496fc',
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
};

t('environment of the scripts', () => {
  assert.equal(hotplugEnv(EV), ENV);
  assert.equal(hotplugEnv({ action: 'peer-down', ifname: 'wg1', publicKey: PEER5_PUB }), {
    ACTION: 'peer-down', INTERFACE: 'wg1', PUBLIC_KEY: PEER5_PUB, ENDPOINT: '', DESCRIPTION: '', SECTION: '', PATH: ENV.PATH,
  });
});

t('OpenWrt: hotplug-call wgjs, then ubus send wgjs.peer', () => {
  const cmds = hotplugCommands(EV, sys(['/sbin/hotplug-call', '/bin/ubus', '/etc/hotplug.d/wgjs']));
  assert.is(cmds.length, 2);
  assert.equal(cmds[0], { argv: ['/sbin/hotplug-call', 'wgjs'], env: ENV });
  assert.equal(cmds[1]!.argv.slice(0, 3), ['/bin/ubus', 'send', 'wgjs.peer']);
  assert.equal(JSON.parse(cmds[1]!.argv[3]!), {
    action: 'peer-up', interface: 'wg0', public_key: PEER1_PUB, endpoint: '[2001:db8::7]:51821', description: 'Cloud server', section: 'cfg0496fc',
  });
});

t('WGJS_HOTPLUG_DIR wins over hotplug-call; no ubus binary, no ubus event', () => {
  const cmds = hotplugCommands(EV, sys(['/sbin/hotplug-call', '/tmp/hooks'], { WGJS_HOTPLUG_DIR: '/tmp/hooks' }));
  assert.equal(cmds, [{ argv: ['/bin/sh', '-c', RUN_DIR_SCRIPT, '/tmp/hooks'], env: ENV }]);
});

t('no hotplug-call: the default directory when it exists, else nothing', () => {
  assert.equal(hotplugCommands(EV, sys(['/etc/hotplug.d/wgjs'])).map((c) => c.argv[3]), ['/etc/hotplug.d/wgjs']);
  assert.equal(hotplugCommands(EV, sys([])), []);
  assert.equal(hotplugCommands(EV, sys(['/usr/bin/ubus'])).map((c) => c.argv[0]), ['/usr/bin/ubus']);
});

t('makePeerEvents: device callbacks become spawns, descriptions from UCI, spawn errors contained', () => {
  const r = parseUci(NETWORK_WG0, { package: 'network', single: true });
  if (!r.ok) throw new Error(r.error);
  const byKey = peerSectionsByKey(r.packages[0]!, 'wg0');
  const spawned: SpawnSpec[] = [];
  let fail = false;
  const events = makePeerEvents({
    ifname: 'wg0',
    sys: sys(['/sbin/hotplug-call', '/bin/ubus']),
    spawn: (s) => {
      if (fail) throw new Error('fork failed');
      spawned.push(s);
    },
    describe: (k) => {
      const s = byKey.get(k);
      return s ? { description: uciGet(s, 'description') ?? null, section: s.name } : undefined;
    },
  });
  events.peerUp!(fromBase64(PEER1_PUB, 32)!, makeEndpoint(4, Uint8Array.of(203, 0, 113, 7), 51821));
  events.peerDown!(fromBase64(PEER5_PUB, 32)!, new Uint8Array(40));
  assert.is(spawned.length, 4);
  assert.equal(spawned[0]!.env.ACTION, 'peer-up');
  assert.equal(spawned[0]!.env.DESCRIPTION, 'Cloud server');
  assert.equal(spawned[0]!.env.ENDPOINT, '203.0.113.7:51821');
  assert.match(spawned[0]!.env.SECTION!, /^cfg\w{6}$/);
  assert.equal(spawned[2]!.env.ACTION, 'peer-down');
  assert.equal(spawned[2]!.env.ENDPOINT, '', 'an empty endpoint record means none');
  assert.equal(spawned[2]!.env.DESCRIPTION, '');
  fail = true;
  events.peerUp!(fromBase64(PEER1_PUB, 32)!, new Uint8Array(40));
});

t.run();
