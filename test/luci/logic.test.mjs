// uvu tests of luci-app's pure module wgjs/logic.js: the very file LuCI loads, evaluated here
// with a stand-in for LuCI's `baseclass` (the only module it requires) and for the global _().
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const src = readFileSync(new URL('../../luci-app/htdocs/luci-static/resources/wgjs/logic.js', import.meta.url), 'utf8');
const baseclass = { extend: (proto) => function Logic() { Object.assign(this, proto); } };
// LuCI's global _() (cbi.js) as identity: the untranslated (English) strings
const Logic = new Function('baseclass', '_', src)(baseclass, (s) => s);
const L = new Logic();
const t = suite('luci/logic');

const KEY = 'nE8FLoGzMKTG0kG3iR9qjT/5/DHquRoC1sXtMg0rLXg=';

t('formatAgo', () => {
  assert.is(L.formatAgo(1000, 0), 'never');
  assert.is(L.formatAgo(1000, 988), '12s ago');
  assert.is(L.formatAgo(1000, 1005), '0s ago'); // clock skew never shows negative
  assert.is(L.formatAgo(1000, 1000 - 184), '3m 4s ago');
  assert.is(L.formatAgo(100000, 100000 - 7500), '2h 5m ago');
  assert.is(L.formatAgo(1e6, 1e6 - 3 * 86400 - 3600), '3d 1h ago');
});

t('formatBytes', () => {
  assert.is(L.formatBytes(0), '0 B');
  assert.is(L.formatBytes(1023), '1023 B');
  assert.is(L.formatBytes(1536), '1.50 KiB');
  assert.is(L.formatBytes(150 * 1024 * 1024), '150 MiB');
  assert.is(L.formatBytes(3.2e9), '2.98 GiB');
  assert.is(L.formatBytes(undefined), '0 B');
});


t('peer names: description, else shortened key', () => {
  assert.is(L.peerName({ name: 'Phone', public_key: KEY }), 'Phone');
  assert.is(L.peerName({ name: null, public_key: KEY }), 'nE8FLoGz\u2026');
});

t('key validation: 44 base64 chars of exactly 32 bytes', () => {
  assert.is(L.validKey(KEY), true);
  assert.is(L.validKey('', true), true);
  assert.type(L.validKey(''), 'string');
  assert.type(L.validKey(KEY.slice(0, 43)), 'string');
  assert.type(L.validKey(KEY.replace('=', 'A')), 'string');
  assert.type(L.validKey('nE8FLoGzMKTG0kG3iR9qjT/5/DHquRoC1sXtMg0rLXh='), 'string', 'non-zero padding bits');
  assert.type(L.validKey('nE8FLoGzMKTG0kG3iR9qjT/5/DHquRoC1sXtMg0rL*g='), 'string');
});

t('ports, prefixes, hosts, keepalive, MTU, fwmark', () => {
  assert.is(L.validPort('51820'), true);
  assert.type(L.validPort('65536'), 'string');
  assert.type(L.validPort('0'), 'string');
  assert.is(L.validPort('', true), true);
  assert.type(L.validPort('x1'), 'string');
  for (const ok of ['10.0.0.2/32', '10.0.0.0/8', '0.0.0.0/0', '::/0', 'fd00::2/128', '192.168.1.1', '2001:db8::1', '::ffff:1.2.3.4/128'])
    assert.is(L.validCidr(ok), true, ok);
  for (const bad of ['10.0.0.256/32', '10.0.0.1/33', 'fd00::/129', '1.2.3', 'fd00:::1', 'host/24', '', '01.2.3.4'])
    assert.type(L.validCidr(bad), 'string', bad);
  assert.is(L.validHost('vpn.example.com'), true);
  assert.is(L.validHost('[2001:db8::1]'), true);
  assert.type(L.validHost('bad host'), 'string');
  assert.type(L.validHost('a..b'), 'string');
  assert.is(L.validKeepalive('25'), true);
  assert.type(L.validKeepalive('-1'), 'string');
  assert.is(L.validMtu('1420'), true);
  assert.type(L.validMtu('500'), 'string');
  assert.is(L.validFwmark('0x1234'), true);
  assert.type(L.validFwmark('0x123456789'), 'string');
  assert.equal(L.splitList(['10.0.0.1/32, 10.0.0.2/32', 'fd00::1/128']), ['10.0.0.1/32', '10.0.0.2/32', 'fd00::1/128']);
});

t('parseConf: a phone configuration with every key', () => {
  const c = L.parseConf(`# exported
[Interface]
PrivateKey = ${KEY}
Address = 10.8.0.5/32, fd08::5/128
DNS = 192.168.1.1
ListenPort = 51821
MTU = 1420

[Peer]
PublicKey = qou04WoRy69IapJuUOleV53FO1rVSCLfQPMSkvF6A1c=
PresharedKey = AwgNEhccISYrMDU6P0RJTlNYXWJnbHF2e4CFio+UmZ4=
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = [2001:db8::7]:51820
PersistentKeepalive = 25
[peer]
publickey = 5veQ0+9YNb4d+mpqD0eJ1HxZxZQMtgP8OLJajmJLo04=
AllowedIPs = 10.9.0.0/24
AllowedIPs = 10.10.0.0/24
Endpoint = vpn.example.net:4500
`);
  assert.is(c.iface.PrivateKey, KEY);
  assert.equal(c.iface.Address, ['10.8.0.5/32', 'fd08::5/128']);
  assert.equal(c.iface.DNS, ['192.168.1.1']);
  assert.is(c.iface.ListenPort, '51821');
  assert.is(c.peers.length, 2);
  assert.equal(c.peers[0].AllowedIPs, ['0.0.0.0/0', '::/0']);
  assert.is(c.peers[0].EndpointHost, '2001:db8::7');
  assert.is(c.peers[0].EndpointPort, '51820');
  assert.is(c.peers[0].PersistentKeepalive, '25');
  assert.equal(c.peers[1].AllowedIPs, ['10.9.0.0/24', '10.10.0.0/24']);
  assert.is(c.peers[1].EndpointHost, 'vpn.example.net');
});

t('parseConf: errors name the line', () => {
  const bad = [
    ['[Peer]\nPublicKey = short\n', /^line 2: Invalid key/],
    ['[Peer]\nAllowedIPs = 10.0.0.0/8\n', /^line 1: \[Peer\] without PublicKey/],
    ['[Interface]\nPublicKey = ' + KEY + '\n', /^line 2: PublicKey is not valid here/],
    ['[Peer]\nPublicKey = ' + KEY + '\nAllowedIPs = 10.0.0.300/8\n', /^line 3: Invalid address/],
    ['[Peer]\nPublicKey = ' + KEY + '\nEndpoint = host\n', /^line 3: Endpoint must be host:port/],
    ['[Peer]\nPublicKey = ' + KEY + '\nFoo = 1\n', /^line 3: unknown key Foo/],
    ['PublicKey = ' + KEY + '\n', /^line 1: a key outside/],
    ['[Interface]\n[Interface]\n', /^line 2: a second \[Interface\]/],
    ['[Server]\n', /^line 1: unknown section/],
    ['just text\n', /^line 1: expected "Key = Value"/],
    ['\n# nothing\n', /no \[Interface\] or \[Peer\]/],
  ];
  for (const [text, re] of bad) assert.throws(() => L.parseConf(text), re, text);
});

t('key badge, handshake time with "(Ns ago)", keepalive', () => {
  assert.is(L.badgeKey(KEY), 'nE8FL\u20260rLXg=');
  assert.is(L.badgeKey(''), '');
  assert.is(L.formatHandshake(1000, 0), 'never');
  const then = 1700000000;
  const d = new Date(then * 1000);
  const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  assert.is(L.formatHandshake(then + 12, then), `${hms} (12s ago)`);
  assert.match(L.formatHandshake(then + 2 * 86400, then), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(2d 0h ago\)$/);
  assert.is(L.formatKeepalive(25), '25 s');
  assert.is(L.formatKeepalive(0), 'off');
  assert.is(L.formatKeepalive(null), 'off');
});

t('MTU: 1280..65535 (kernel TUN maximum; IPv6 minimum)', () => {
  assert.is(L.validMtu('1280'), true);
  assert.is(L.validMtu('65535'), true);
  assert.is(L.validMtu('9201'), true);
  assert.type(L.validMtu('1279'), 'string');
  assert.type(L.validMtu('65536'), 'string');
});

t('nextFreeAddress: first host of the interface subnets not used by it or a peer', () => {
  assert.is(L.nextFreeAddress(['10.77.0.2/24'], ['10.77.0.1/32', 'fd77::1/128', '10.77.0.3/32']), '10.77.0.4/32');
  assert.is(L.nextFreeAddress('10.0.0.1/24, fd00::1/64', ['10.0.0.0/30']), '10.0.0.4/32');
  assert.is(L.nextFreeAddress(['10.0.0.1/30'], ['10.0.0.2']), '');
  assert.is(L.nextFreeAddress(['fd00::1/64'], []), '');
  assert.is(L.nextFreeAddress([], []), '');
});

t('importPeers: the peer\'s own file keeps its private key; other files add their [Peer]s', () => {
  const ROUTER = 'nHydJOz6F47m+3a3NVL1zVONO+fcvus79vmX+yk1yTo=';
  const PSK = 'AwgNEhccISYrMDU6P0RJTlNYXWJnbHF2e4CFio+UmZ4=';
  const own = L.parseConf(`[Interface]\nPrivateKey = ${KEY}\nAddress = 10.0.0.5/32, fd00::5/128\nDNS = 10.0.0.1\n\n[Peer]\nPublicKey = ${ROUTER}\nPresharedKey = ${PSK}\nAllowedIPs = 0.0.0.0/0\nEndpoint = vpn.example.com:51820\n`);
  assert.equal(L.importPeers(own, ROUTER), [{ own: true, private_key: KEY, preshared_key: PSK, allowed_ips: ['10.0.0.5/32', 'fd00::5/128'], endpoint_host: '', endpoint_port: '', persistent_keepalive: '' }]);
  assert.is(L.importPeers(own, null)[0].own, true);
  // the [Peer] is another host: the router's view of that peer
  const other = L.importPeers(own, 'qou04WoRy69IapJuUOleV53FO1rVSCLfQPMSkvF6A1c=');
  assert.equal(other, [{ own: false, public_key: ROUTER, preshared_key: PSK, allowed_ips: ['0.0.0.0/0'], endpoint_host: 'vpn.example.com', endpoint_port: '51820', persistent_keepalive: '' }]);
  const peersOnly = L.parseConf(`[Peer]\nPublicKey = ${ROUTER}\nAllowedIPs = 10.9.0.0/24\nPersistentKeepalive = 25\n`);
  assert.equal(L.importPeers(peersOnly, null).map((p) => [p.own, p.public_key, p.persistent_keepalive]), [[false, ROUTER, '25']]);
});

t.run();
