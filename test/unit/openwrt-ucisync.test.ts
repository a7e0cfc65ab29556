import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { uciSyncMain } from '../../src/openwrt/ucisync.ts';
import { fromBase64, toHex } from '../../src/util/bytes.ts';
import { NETWORK_WG0 } from '../fixtures/uci/network.ts';
import { PEER1_PUB, PEER3_PUB, PEER4_PUB, PEER5_PUB, PSK, ROUTER_PRIV } from '../fixtures/uci/keys.ts';
import { getAnswer } from '../fixtures/uci/runtime.ts';
import { fakeWorld } from '../fixtures/wg/fake-env.ts';

const t = suite('openwrt/uci-sync');
const hex = (b64: string) => toHex(fromBase64(b64, 32)!);
const FILES = { '/etc/config/network': NETWORK_WG0 };

const RUNTIME = getAnswer({
  priv: ROUTER_PRIV,
  port: 51820,
  peers: [
    { pub: PEER1_PUB, psk: PSK, endpoint: '203.0.113.7:51821', keepalive: 25, allowed: ['10.99.0.2/32'] },
    { pub: PEER5_PUB, endpoint: '198.51.100.200:51820', allowed: ['10.99.0.9/32'] },
    { pub: PEER3_PUB, allowed: ['10.99.0.5/32'] },
  ],
});

function run(args: string[], opts: Parameters<typeof fakeWorld>[1] = {}) {
  const w = fakeWorld(['uci-sync', ...args], { files: FILES, servers: { wg0: { get: RUNTIME } }, ...opts });
  const code = uciSyncMain(w.env, ['uci-sync', ...args]);
  return { code, w };
}

const FACTS = [
  'mtu 1380',
  'address4 10.99.0.1 24',
  'address6 fd99::1 64',
  'route4 10.99.0.2 32',
  'route4 192.168.50.0 24',
  'route4 192.168.51.0 24',
  'route4 10.99.0.5 32',
  'route6 fd99::5 128',
  'prefix6 fd99:1::/48',
  'host 203.0.113.7 wan',
  'host 2001:db8::7 wan',
  'retry phone unresolvable.example',
];

t('full sync: syncconf against the runtime, facts for netifd on stdout', () => {
  const { code, w } = run(['wg0']);
  assert.is(w.err, '');
  assert.is(code, 0);
  const lines = w.out.trimEnd().split('\n');
  assert.equal(lines.slice(0, FACTS.length), FACTS);
  assert.equal(lines.slice(FACTS.length).map((l) => l.split(' ')[0]), ['warn', 'warn', 'warn']);
  assert.is(w.servers.wg0!.sets.length, 1);
  const body = w.servers.wg0!.sets[0]!;
  // syncconf: no replace_peers; the peer only the runtime has is removed first, the others are
  // updated in place (their sessions survive)
  assert.not.match(body, /replace_peers/);
  assert.ok(body.startsWith(`private_key=${hex(ROUTER_PRIV)}\nlisten_port=51820\nfwmark=4660\npublic_key=${hex(PEER5_PUB)}\nremove=true\npublic_key=${hex(PEER1_PUB)}\n`), body);
  assert.match(body, new RegExp(`public_key=${hex(PEER4_PUB)}\npreshared_key=0{64}\nendpoint=\\[2001:db8::7\\]:51820\n`));
});

t('generated key: printed for storing, applied', () => {
  const files = { '/etc/config/network': NETWORK_WG0.replace("option private_key 'IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o='", "option private_key 'generate'") };
  const { code, w } = run(['wg0'], { files });
  assert.is(code, 0);
  const m = /^private_key (\S{43}=)\n/.exec(w.out);
  assert.ok(m, w.out);
  assert.ok(w.servers.wg0!.sets[0]!.startsWith(`private_key=${hex(m![1]!)}\n`));
});

t('--dry-run: checks and prints, never touches the daemon', () => {
  const { code, w } = run(['--dry-run', 'wg0'], { servers: {} });
  assert.is(code, 0);
  assert.equal(w.out.split('\n').slice(0, FACTS.length), FACTS);
});

t('--config -: reads `uci export network` from standard input', () => {
  const { code, w } = run(['--config', '-', '--dry-run', 'wg0'], { files: {}, stdin: 'package network\n\n' + NETWORK_WG0 });
  assert.is(code, 0, w.err);
  assert.ok(w.out.startsWith('mtu 1380\n'));
});

t('invalid configuration: exit 1 with the section/option, nothing applied', () => {
  const files = { '/etc/config/network': NETWORK_WG0.replace("option endpoint_port '51821'", "option endpoint_port 'x'") };
  const { code, w } = run(['wg0'], { files });
  assert.is(code, 1);
  assert.match(w.err, /^wgjs uci-sync: network\.@wireguard_wg0\[0\] \(cfg\w+\)\.endpoint_port: not a number/);
  assert.is(w.out, '');
  assert.equal(w.servers.wg0!.sets, []);
  const bad = run(['wg0'], { files: { '/etc/config/network': "config interface 'wg0'\n\toption proto 'wgjs\n" } });
  assert.is(bad.code, 1);
  assert.is(bad.w.err, "wgjs uci-sync: /etc/config/network:2: EOF with unterminated '\n");
  const missing = run(['wg0'], { files: {} });
  assert.is(missing.code, 1);
  assert.is(missing.w.err, 'wgjs uci-sync: /etc/config/network: No such file or directory\n');
});

t('daemon not reachable or refusing: exit 3', () => {
  const down = run(['wg0'], { servers: {} });
  assert.is(down.code, 3);
  assert.is(down.w.err, 'wgjs uci-sync: Unable to access interface wg0: No such file or directory\n');
  assert.is(down.w.out, '');
  const refused = run(['wg0'], { servers: { wg0: { get: RUNTIME, errno: -22 } } });
  assert.is(refused.code, 3);
  assert.match(refused.w.err, /Unable to modify interface wg0: Invalid argument/);
});

t('--endpoints: gives a now-resolving name its endpoint, update only', () => {
  const hosts: Record<string, [4 | 6, Uint8Array][]> = { 'unresolvable.example': [[4, Uint8Array.of(198, 51, 100, 9)]] };
  const { code, w } = run(['--endpoints', 'wg0'], { hosts });
  assert.is(code, 0, w.err);
  assert.is(w.out, 'host 198.51.100.9 wan\n');
  assert.equal(w.servers.wg0!.sets, [`public_key=${hex(PEER3_PUB)}\nupdate_only=true\nendpoint=198.51.100.9:51820\n`]);
});

t('--endpoints: still unresolvable -> retry line, nothing sent', () => {
  const { code, w } = run(['--endpoints', 'wg0']);
  assert.is(code, 0);
  assert.is(w.out, 'retry phone unresolvable.example\n');
  assert.equal(w.servers.wg0!.sets, []);
});

t('--env: the daemon environment from the offload options, nothing else done', () => {
  const none = run(['--env', 'wg0'], { servers: {} });
  assert.is(none.code, 0, none.w.err);
  assert.is(none.w.out, '');
  assert.is(none.w.err, '');
  const files = { '/etc/config/network': NETWORK_WG0.replace("option tunlink 'wan'", "option tunlink 'wan'\n\toption offload '0'\n\toption udp_gro 'no'") };
  const off = run(['--env', 'wg0'], { files, servers: {} });
  assert.is(off.code, 0, off.w.err);
  assert.is(off.w.out, 'WGJS_OFFLOAD=0\nWGJS_UDP_GRO=0\n');
  // no key is generated and no name resolved: the daemon is not running yet
  const gen = { '/etc/config/network': NETWORK_WG0.replace("option private_key 'IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o='", "option private_key 'generate'") };
  const g = run(['--env', 'wg0'], { files: gen, servers: {} });
  assert.is(g.code, 0);
  assert.is(g.w.out, '');
  const bad = run(['--env', 'wg0'], { files: { '/etc/config/network': NETWORK_WG0.replace("option tunlink 'wan'", "option tunlink 'wan'\n\toption tun_tso 'maybe'") }, servers: {} });
  assert.is(bad.code, 1);
  assert.is(bad.w.err, "wgjs uci-sync: network.wg0.tun_tso: not a boolean: 'maybe' (use 0 or 1)\n");
  assert.is(bad.w.out, '');
  // the full sync refuses the bad value too, before contacting the daemon
  const full = run(['wg0'], { files: { '/etc/config/network': NETWORK_WG0.replace("option tunlink 'wan'", "option tunlink 'wan'\n\toption udp_gso 'maybe'") } });
  assert.is(full.code, 1);
  assert.match(full.w.err, /network\.wg0\.udp_gso: not a boolean: 'maybe'/);
  assert.equal(full.w.servers.wg0!.sets, []);
});

t('usage errors: exit 2', () => {
  for (const args of [[], ['--bogus', 'wg0'], ['wg0', 'wg1'], ['--env', '--endpoints', 'wg0']]) {
    const { code, w } = run(args);
    assert.is(code, 2, args.join(' '));
    assert.match(w.err, /^Usage: wgjs uci-sync/);
  }
});

t('--env: listen_address (option or list, one per family) becomes WGJS_LISTEN_ADDRESS; bad values exit 1', () => {
  const withOpt = (lines: string) => ({ '/etc/config/network': NETWORK_WG0.replace("option tunlink 'wan'", `option tunlink 'wan'\n${lines}`) });
  const cases: [string, string][] = [
    ["\toption listen_address '192.0.2.10'", 'WGJS_LISTEN_ADDRESS=192.0.2.10\n'],
    ["\tlist listen_address '2001:db8::10'\n\tlist listen_address '192.0.2.10'", 'WGJS_LISTEN_ADDRESS=192.0.2.10,2001:db8::10\n'],
    ["\toption listen_address '192.0.2.10 2001:DB8:0::10'", 'WGJS_LISTEN_ADDRESS=192.0.2.10,2001:db8::10\n'],
    ["\toption udp_gro '0'\n\toption listen_address 'fd00::1'", 'WGJS_UDP_GRO=0\nWGJS_LISTEN_ADDRESS=fd00::1\n'],
  ];
  for (const [lines, want] of cases) {
    const r = run(['--env', 'wg0'], { files: withOpt(lines), servers: {} });
    assert.is(r.w.err, '', lines);
    assert.is(r.code, 0, lines);
    assert.is(r.w.out, want, lines);
  }
  const bad: [string, RegExp][] = [
    ["\toption listen_address 'eth0'", /^wgjs uci-sync: network\.wg0\.listen_address: not an IP address: 'eth0'\n$/],
    ["\tlist listen_address '192.0.2.10'\n\tlist listen_address '192.0.2.11'", /listen_address: more than one IPv4 address \('192\.0\.2\.10', '192\.0\.2\.11'\); one per family/],
    ["\toption listen_address '0.0.0.0'", /listen_address: '0\.0\.0\.0' is the wildcard address/],
    ["\toption listen_address '::'", /listen_address: '::' is the wildcard address/],
    ["\toption listen_address '239.1.1.1'", /listen_address: '239\.1\.1\.1' is not a unicast address/],
    ["\toption listen_address 'fe80::1'", /listen_address: 'fe80::1' is link-local/],
    ["\toption listen_address '192.0.2.10/24'", /listen_address: not an IP address: '192\.0\.2\.10\/24'/],
  ];
  for (const [lines, re] of bad) {
    const r = run(['--env', 'wg0'], { files: withOpt(lines), servers: {} });
    assert.is(r.code, 1, lines);
    assert.is(r.w.out, '', lines);
    assert.match(r.w.err, re, lines);
  }
});

t('values are read as bytes when the environment can: a Latin-1 description survives', () => {
  const text = NETWORK_WG0.replace("option description 'Cloud server'", "option description 'Caf\u00e9'");
  const latin1 = new Uint8Array([...text].map((c) => c.charCodeAt(0)));
  const w = fakeWorld(['uci-sync', '--dry-run', 'wg0'], { files: FILES });
  const env = { ...w.env, readFileBytes: () => latin1 };
  assert.is(uciSyncMain(env, ['uci-sync', '--dry-run', 'wg0']), 0);
  // a warning quoting the description carries the byte as U+DCE9 (UTF-8 text would give U+00E9)
  const text2 = text.replace("option public_key '0dNnnoruATrX8nJXhBGp2erlk7la9xCOCUVpw6TBEFE='", "option public_key ''").replace("option description 'Laptop (disabled)'", "option description 'Caf\u00e9 2'");
  const bytes2 = new Uint8Array([...text2].map((c) => c.charCodeAt(0)));
  const w2 = fakeWorld(['uci-sync', '--dry-run', 'wg0'], { files: FILES });
  assert.is(uciSyncMain({ ...w2.env, readFileBytes: () => bytes2 }, ['uci-sync', '--dry-run', 'wg0']), 0);
  assert.match(w2.out, /'Caf\udce9 2': disabled, skipped/);
});

t.run();
