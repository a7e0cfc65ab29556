import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import encodeQR from 'qr';
import { rpcdCall, rpcdList, rpcdMain, RPCD_METHODS, type RpcdEnv } from '../../src/openwrt/rpcd.ts';
import { parseUci, type UciPackage } from '../../src/openwrt/uci.ts';
import { parseGet, type GetDevice } from '../../src/uapi/get.ts';
import { utf8Encode } from '../../src/util/bytes.ts';
import { NETWORK_WG0 } from '../fixtures/uci/network.ts';
import { PEER1_PRIV, PEER1_PUB, PEER3_PUB, PEER5_PUB, PSK, ROUTER_PRIV, ROUTER_PUB } from '../fixtures/uci/keys.ts';
import { getAnswer } from '../fixtures/uci/runtime.ts';
import { fakeWorld, seeded } from '../fixtures/wg/fake-env.ts';

const t = suite('openwrt/rpcd');
const NOW = 1700000000;

function pkgOf(text: string): UciPackage {
  const r = parseUci(text, { package: 'network', single: true });
  if (!r.ok) throw new Error(r.error);
  return r.packages[0]!;
}

function dev(text: string): GetDevice {
  const r = parseGet(text);
  if (!r.ok) throw new Error('bad get');
  return r.dev;
}

const WG0 = getAnswer({
  priv: ROUTER_PRIV,
  port: 51820,
  fwmark: 0x1234,
  peers: [
    { pub: PEER1_PUB, psk: PSK, endpoint: '203.0.113.7:51821', handshake: NOW - 30, rx: 1234, tx: 5678, keepalive: 25, allowed: ['10.99.0.2/32', '192.168.50.0/24'] },
    { pub: PEER3_PUB, allowed: ['10.99.0.5/32', 'fd99::5/128'] },
    { pub: PEER5_PUB, endpoint: '[2001:db8::9]:4500', handshake: NOW - 200, allowed: [] },
  ],
});

function env(o: { network?: string | null; devs?: Record<string, string>; list?: string[] } = {}): RpcdEnv {
  const text = o.network === undefined ? NETWORK_WG0 : o.network;
  const devs = o.devs ?? { wg0: WG0 };
  return {
    network: () => (text === null ? null : pkgOf(text)),
    get: (n) => (devs[n] ? dev(devs[n]!) : null),
    list: () => o.list ?? Object.keys(devs),
    random: seeded(99),
    now: () => NOW,
  };
}

function call(e: RpcdEnv, method: string, args: unknown = {}) {
  return JSON.parse(rpcdCall(e, method, JSON.stringify(args)));
}

t('list: every method with argument examples', () => {
  assert.equal(JSON.parse(rpcdList()), RPCD_METHODS);
  assert.equal(Object.keys(RPCD_METHODS), ['status', 'genkey', 'genpsk', 'pubkey', 'peerconf', 'peerqr']);
});

t('status: runtime data with UCI names, up = handshake younger than 140 s', () => {
  const r = call(env(), 'status');
  assert.equal(Object.keys(r.interfaces), ['wg0']);
  const wg0 = r.interfaces.wg0;
  assert.equal(
    { ...wg0, peers: undefined },
    { name: 'wg0', configured: true, running: true, public_key: ROUTER_PUB, listen_port: 51820, fwmark: 0x1234, peers: undefined },
  );
  assert.equal(wg0.peers[0], {
    name: 'Cloud server',
    section: wg0.peers[0].section,
    public_key: PEER1_PUB,
    endpoint: '203.0.113.7:51821',
    allowed_ips: ['10.99.0.2/32', '192.168.50.0/24'],
    latest_handshake: NOW - 30,
    transfer_rx: 1234,
    transfer_tx: 5678,
    persistent_keepalive: 25,
    preshared_key: true,
    up: true,
  });
  assert.match(wg0.peers[0].section, /^cfg\w{6}$/);
  assert.equal([wg0.peers[1].name, wg0.peers[1].section, wg0.peers[1].endpoint, wg0.peers[1].up, wg0.peers[1].latest_handshake], ['Phone', 'phone', null, false, 0]);
  assert.equal([wg0.peers[2].name, wg0.peers[2].endpoint, wg0.peers[2].up, wg0.peers[2].allowed_ips], [null, '[2001:db8::9]:4500', false, []]);
});

t('status: configured but stopped, running but unconfigured, filter by interface', () => {
  const e = env({ network: NETWORK_WG0 + "\nconfig interface 'wg1'\n\toption proto 'wgjs'\n", devs: { wgx: 'errno=0\n\n' } });
  const r = call(e, 'status');
  assert.equal(Object.keys(r.interfaces), ['wg0', 'wg1', 'wgx']);
  assert.equal(r.interfaces.wg0, { name: 'wg0', configured: true, running: false, public_key: ROUTER_PUB, listen_port: null, fwmark: null, peers: [] });
  assert.is(r.interfaces.wg1.public_key, null);
  assert.equal([r.interfaces.wgx.configured, r.interfaces.wgx.running], [false, true]);
  assert.equal(Object.keys(call(e, 'status', { interface: 'wg1' }).interfaces), ['wg1']);
  assert.equal(call(e, 'status', { interface: 'lan' }), { error: "no wgjs interface 'lan'" });
  assert.equal(Object.keys(call(env({ network: null }), 'status').interfaces), ['wg0']);
});

t('genkey / genpsk / pubkey', () => {
  const k = call(env(), 'genkey');
  assert.match(k.private_key, /^[A-Za-z0-9+/]{43}=$/);
  assert.is(call(env(), 'pubkey', { private_key: k.private_key }).public_key, k.public_key);
  assert.is(call(env(), 'pubkey', { private_key: ROUTER_PRIV }).public_key, ROUTER_PUB);
  assert.match(call(env(), 'genpsk').preshared_key, /^[A-Za-z0-9+/]{43}=$/);
  assert.is.not(call(env(), 'genpsk').preshared_key, k.private_key);
  assert.equal(call(env(), 'pubkey', {}), { error: "missing argument 'private_key'" });
  assert.equal(call(env(), 'pubkey', { private_key: 'abc' }), { error: "argument 'private_key' is not a base64 WireGuard key" });
  assert.equal(call(env(), 'pubkey', { private_key: 5 }), { error: "argument 'private_key' must be a string" });
});

const WITH_PEER_KEY = NETWORK_WG0.replace("option description 'Cloud server'", `option description 'Cloud server'\n\toption private_key '${PEER1_PRIV}'`);

t('peerconf: a wg-quick config for the peer', () => {
  const r = call(env({ network: WITH_PEER_KEY }), 'peerconf', { interface: 'wg0', peer: '@wireguard_wg0[0]', endpoint: 'vpn.example.com', dns: '10.99.0.1, fd99::1', keepalive: 25 });
  assert.is(r.filename, 'wg0-Cloud_server.conf');
  assert.is(
    r.config,
    '[Interface]\n' +
      `PrivateKey = ${PEER1_PRIV}\n` +
      'Address = 10.99.0.2/32, 192.168.50.0/24, 192.168.51.0/24\n' +
      'DNS = 10.99.0.1, fd99::1\n' +
      '\n[Peer]\n' +
      `PublicKey = ${ROUTER_PUB}\n` +
      `PresharedKey = ${PSK}\n` +
      'AllowedIPs = 0.0.0.0/0, ::/0\n' +
      'Endpoint = vpn.example.com:51820\n' +
      'PersistentKeepalive = 25\n',
  );
});

t('peerconf: no stored peer key, explicit allowed IPs and endpoint forms', () => {
  const e = env();
  const r = call(e, 'peerconf', { interface: 'wg0', peer: 'phone', allowed_ips: ['10.99.0.0/24', 'fd99::/64'], endpoint: '[2001:db8::1]:4444' });
  assert.is(r.filename, 'wg0-Phone.conf');
  assert.match(r.config, /^\[Interface\]\n# PrivateKey = \(not stored on the router/);
  assert.match(r.config, /\nAddress = 10\.99\.0\.5\/32, fd99::5\/128\n\n\[Peer\]\n/);
  assert.match(r.config, /\nAllowedIPs = 10\.99\.0\.0\/24, fd99::\/64\nEndpoint = \[2001:db8::1\]:4444\n$/);
  assert.match(call(e, 'peerconf', { interface: 'wg0', peer: 'phone', endpoint: '2001:db8::1' }).config, /\nEndpoint = \[2001:db8::1\]:51820\n/);
  assert.match(call(e, 'peerconf', { interface: 'wg0', peer: 'phone', endpoint: '198.51.100.1:1' }).config, /\nEndpoint = 198\.51\.100\.1:1\n/);
  assert.not.match(call(e, 'peerconf', { interface: 'wg0', peer: 'phone' }).config, /Endpoint/);
});

t('peerconf: key and port from the running daemon when UCI has none', () => {
  const text = NETWORK_WG0.replace("option private_key 'IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o='", "option private_key 'generate'").replace("option listen_port '51820'", '');
  const r = call(env({ network: text }), 'peerconf', { interface: 'wg0', peer: 'phone', endpoint: 'vpn.example.com' });
  assert.match(r.config, new RegExp(`PublicKey = ${ROUTER_PUB.replace(/\+/g, '\\+')}\n`));
  assert.match(r.config, /Endpoint = vpn\.example\.com:51820\n/);
  assert.equal(call(env({ network: text, devs: {} }), 'peerconf', { interface: 'wg0', peer: 'phone' }), {
    error: "interface 'wg0' has no private key yet (bring it up once to generate one)",
  });
});

t('peerconf: bad arguments answer a JSON error', () => {
  const e = env();
  const cases: [unknown, string][] = [
    [{ peer: 'phone' }, "missing argument 'interface'"],
    [{ interface: 'wg0' }, "missing argument 'peer'"],
    [{ interface: 'lan', peer: 'phone' }, "no wgjs interface 'lan'"],
    [{ interface: 'wg0', peer: 'wan' }, "no peer section 'wan' of interface 'wg0'"],
    [{ interface: 'wg0', peer: 'phone', endpoint: 'bad host' }, "argument 'endpoint' is not a host name or IP address: 'bad host'"],
    [{ interface: 'wg0', peer: 'phone', endpoint: 'h:0' }, "argument 'endpoint' has an invalid port: 'h:0'"],
    [{ interface: 'wg0', peer: 'phone', endpoint: '[h]:1' }, "argument 'endpoint' is not an IPv6 address in brackets: '[h]:1'"],
    [{ interface: 'wg0', peer: 'phone', allowed_ips: '10.0.0.0/33' }, "argument 'allowed_ips': not an IP address or prefix: '10.0.0.0/33'"],
    [{ interface: 'wg0', peer: 'phone', dns: 'a b!' }, "argument 'dns': not an address or domain: 'b!'"],
    [{ interface: 'wg0', peer: 'phone', keepalive: 70000 }, "argument 'keepalive' must be 0..65535"],
    [{ interface: 'wg0', peer: 'phone', allowed_ips: 7 }, "argument 'allowed_ips' must be a string or a list of strings"],
  ];
  for (const [args, error] of cases) assert.equal(call(e, 'peerconf', args), { error }, JSON.stringify(args));
  assert.equal(JSON.parse(rpcdCall(e, 'peerconf', '{not json')), { error: 'arguments are not valid JSON' });
  assert.equal(JSON.parse(rpcdCall(e, 'peerconf', '[1]')), { error: 'arguments must be a JSON object' });
  assert.equal(call(e, 'reboot'), { error: "unknown method 'reboot'" });
  assert.equal(call(env({ network: null }), 'peerconf', { interface: 'wg0', peer: 'phone' }), { error: 'cannot read the network configuration' });
});

t('peerconf: unsaved values from the editor override the section (peer optional)', () => {
  const e = env();
  // no section: the editor's freshly generated key pair, addresses and name
  const r = call(e, 'peerconf', { interface: 'wg0', private_key: PEER1_PRIV, preshared_key: PSK, address: '10.99.0.9/32, fd99::9', name: 'New phone', keepalive: '0' });
  assert.is(r.filename, 'wg0-New_phone.conf');
  assert.is(r.config, `[Interface]\nPrivateKey = ${PEER1_PRIV}\nAddress = 10.99.0.9/32, fd99::9/128\n\n[Peer]\nPublicKey = ${ROUTER_PUB}\nPresharedKey = ${PSK}\nAllowedIPs = 0.0.0.0/0, ::/0\n`);
  // a section plus the editor's private key: it must belong to the section's public key
  assert.match(call(e, 'peerconf', { interface: 'wg0', peer: '@wireguard_wg0[0]', private_key: PEER1_PRIV }).config, /^\[Interface\]\nPrivateKey = /);
  const bad = call(e, 'peerconf', { interface: 'wg0', peer: 'phone', private_key: PEER1_PRIV });
  assert.equal(bad, { error: "peer 'phone': the private key does not belong to its public_key" });
  // the router's key from an unsaved editor
  assert.match(call(e, 'peerconf', { interface: 'wg0', peer: 'phone', router_public_key: PEER3_PUB }).config, new RegExp(`\nPublicKey = ${PEER3_PUB.replace(/\+/g, '\\+')}\n`));
  assert.equal(call(e, 'peerconf', { interface: 'wg0' }), { error: "missing argument 'peer'" });
  assert.equal(call(e, 'peerconf', { interface: 'wg0', private_key: 'short' }), { error: "argument 'private_key' is not a base64 WireGuard key" });
  assert.equal(call(e, 'peerconf', { interface: 'wg0', private_key: PEER1_PRIV, address: '10.0.0.1/40' }), { error: "argument 'address': not an IP address or prefix: '10.0.0.1/40'" });
});

t('peerconf: a stored private key that does not fit the section is refused, never echoed', () => {
  const wrong = NETWORK_WG0.replace("config wireguard_wg0 'phone'\n", `config wireguard_wg0 'phone'\n\toption private_key '${PEER1_PRIV}'\n`);
  const r = call(env({ network: wrong }), 'peerconf', { interface: 'wg0', peer: 'phone' });
  assert.equal(r, { error: "peer 'phone': the private key does not belong to its public_key" });
  const garbled = NETWORK_WG0.replace("config wireguard_wg0 'phone'\n", `config wireguard_wg0 'phone'\n\toption private_key '${PEER1_PRIV.slice(0, 40)}'\n`);
  const g = call(env({ network: garbled }), 'peerconf', { interface: 'wg0', peer: 'phone' });
  assert.equal(g, { error: "peer 'phone': its private_key is not a base64 WireGuard key" });
  for (const k of [PEER1_PRIV, PEER1_PRIV.slice(0, 40), PSK]) assert.not.ok(JSON.stringify([r, g]).includes(k.slice(0, 12)));
});

/** The dark modules of an SVG path made of closed unit squares ("M x y" / "m dx dy" starts one). */
function svgModules(svg: string): Set<string> {
  const d = /<path d="([^"]*)"/.exec(svg)![1]!;
  const set = new Set<string>();
  let x = 0;
  let y = 0;
  let x0 = 0;
  let y0 = 0;
  const re = /([MmHhVvZz])([^MmHhVvZz]*)/g;
  for (let m = re.exec(d); m; m = re.exec(d)) {
    const nums = m[2]!.trim().split(/[\s,]+/).filter((s) => s.length).map(Number);
    const c = m[1]!;
    if (c === 'M' || c === 'm') {
      x = c === 'M' ? nums[0]! : x + nums[0]!;
      y = c === 'M' ? nums[1]! : y + nums[1]!;
      x0 = x;
      y0 = y;
      set.add(`${x},${y}`);
    } else if (c === 'Z' || c === 'z') {
      x = x0; // closepath returns to the start of the subpath
      y = y0;
    } else if (c === 'H') x = nums[0]!;
    else if (c === 'h') x += nums[0]!;
    else if (c === 'V') y = nums[0]!;
    else if (c === 'v') y += nums[0]!;
  }
  return set;
}

t('peerqr: the configuration as an SVG QR code', () => {
  const args = { interface: 'wg0', peer: '@wireguard_wg0[0]', endpoint: 'vpn.example.com', dns: '10.99.0.1', keepalive: 25 };
  const e = env({ network: WITH_PEER_KEY });
  const conf = call(e, 'peerconf', args);
  const r = call(e, 'peerqr', args);
  assert.is(r.config, conf.config);
  assert.is(r.filename, conf.filename);
  assert.ok(r.svg.startsWith('<svg'), r.svg.slice(0, 40));
  // the dark modules are exactly those of the QR symbol of the configuration text
  const raw = encodeQR(conf.config, 'raw', { ecc: 'medium', border: 2, textEncoder: utf8Encode });
  const want = new Set<string>();
  for (let y = 0; y < raw.length; y++) for (let x = 0; x < raw.length; x++) if (raw[y]![x]) want.add(`${x},${y}`);
  const got = svgModules(r.svg);
  assert.is(got.size, want.size);
  for (const k of want) assert.ok(got.has(k), k);
});

t('rpcdMain over the CLI environment: list, call with stdin, usage', () => {
  const w = fakeWorld(['rpcd', 'call', 'status'], {
    files: { '/etc/config/network': NETWORK_WG0 },
    servers: { wg0: { get: WG0 } },
    stdin: '',
    now: NOW + 0.5,
  });
  assert.is(rpcdMain(w.env, ['rpcd', 'call', 'status']), 0);
  const r = JSON.parse(w.out);
  assert.is(r.interfaces.wg0.peers[0].up, true);
  assert.is(r.interfaces.wg0.peers[0].latest_handshake, NOW - 30);
  const l = fakeWorld(['rpcd', 'list']);
  assert.is(rpcdMain(l.env, ['rpcd', 'list']), 0);
  assert.equal(JSON.parse(l.out), RPCD_METHODS);
  const u = fakeWorld(['rpcd']);
  assert.is(rpcdMain(u.env, ['rpcd', 'frob']), 2);
  assert.match(u.err, /^Usage: wgjs rpcd list/);
  const p = fakeWorld(['rpcd', 'call', 'pubkey'], { stdin: JSON.stringify({ private_key: ROUTER_PRIV }) });
  assert.is(rpcdMain(p.env, ['rpcd', 'call', 'pubkey']), 0);
  assert.equal(JSON.parse(p.out), { public_key: ROUTER_PUB });
});

t.run();
