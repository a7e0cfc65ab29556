import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { interfaceDaemonEnv, OFFLOAD_OPTIONS, planInterface, peerSectionsByKey, splitItems, validHostname, wgjsInterfaces, type PlanOptions } from '../../src/openwrt/network.ts';
import { parseUci, type UciPackage } from '../../src/openwrt/uci.ts';
import { formatSetBody, parseSet } from '../../src/uapi/set.ts';
import { fromBase64, toBase64, toHex } from '../../src/util/bytes.ts';
import { NETWORK_WG0 } from '../fixtures/uci/network.ts';
import { PEER1_PUB, PEER3_PUB, PEER4_PUB, PSK, ROUTER_PRIV } from '../fixtures/uci/keys.ts';
import { seeded } from '../fixtures/wg/fake-env.ts';

const t = suite('openwrt/network');

function pkgOf(text: string): UciPackage {
  const r = parseUci(text, { file: 'network', package: 'network', single: true });
  if (!r.ok) throw new Error(r.error);
  return r.packages[0]!;
}

const hex = (b64: string) => toHex(fromBase64(b64, 32)!);

function resolver(hosts: Record<string, [4 | 6, Uint8Array][]>): PlanOptions['resolve'] {
  return (h) => {
    const r = hosts[h];
    if (!r) throw new Error('Name or service not known');
    return r;
  };
}

function plan(text: string, ifname = 'wg0', opts: Partial<PlanOptions> = {}) {
  const r = planInterface(pkgOf(text), ifname, { random: seeded(7), resolve: resolver({}), ...opts });
  if (!r.ok) throw new Error(r.error);
  return r.plan;
}

function planError(text: string, ifname = 'wg0'): string {
  const r = planInterface(pkgOf(text), ifname, { random: seeded(7), resolve: resolver({}) });
  assert.is(r.ok, false, 'expected an error');
  return r.ok ? '' : r.error;
}

t('fixture router: full request in wg(8) order, replace_peers semantics', () => {
  const p = plan(NETWORK_WG0);
  const zero = '00'.repeat(32);
  assert.is(
    formatSetBody(p.request),
    [
      `private_key=${hex(ROUTER_PRIV)}`,
      'listen_port=51820',
      `fwmark=${0x1234}`,
      'replace_peers=true',
      // cloud server: PSK, keepalive, multi-prefix allowed_ips entry split
      `public_key=${hex(PEER1_PUB)}`,
      `preshared_key=${hex(PSK)}`,
      'endpoint=203.0.113.7:51821',
      'persistent_keepalive_interval=25',
      'replace_allowed_ips=true',
      'allowed_ip=10.99.0.2/32',
      'allowed_ip=192.168.50.0/24',
      'allowed_ip=192.168.51.0/24',
      // phone: name does not resolve -> no endpoint, still configured
      `public_key=${hex(PEER3_PUB)}`,
      `preshared_key=${zero}`,
      'persistent_keepalive_interval=0',
      'replace_allowed_ips=true',
      'allowed_ip=10.99.0.5/32',
      'allowed_ip=fd99::5/128',
      // site B: allowed_ips as an option, bracketed IPv6 endpoint, default port
      `public_key=${hex(PEER4_PUB)}`,
      `preshared_key=${zero}`,
      'endpoint=[2001:db8::7]:51820',
      'persistent_keepalive_interval=0',
      'replace_allowed_ips=true',
      'allowed_ip=10.98.0.0/16',
      '',
    ].join('\n'),
  );
  // the request is a valid UAPI operation
  const back = parseSet(formatSetBody(p.request));
  assert.ok(back.ok);
  if (back.ok) assert.is(formatSetBody(back.req), formatSetBody(p.request));
});

t('fixture router: netifd facts', () => {
  const p = plan(NETWORK_WG0);
  assert.is(p.generatedPrivateKey, null);
  assert.is(p.mtu, 1380);
  assert.equal(p.addresses, [
    { family: 4, address: '10.99.0.1', mask: 24 },
    { family: 6, address: 'fd99::1', mask: 64 },
  ]);
  assert.equal(p.routes.map((r) => `${r.target}/${r.mask}`), ['10.99.0.2/32', '192.168.50.0/24', '192.168.51.0/24', '10.99.0.5/32', 'fd99::5/128']);
  assert.equal(p.ip6prefix, ['fd99:1::/48']);
  assert.equal(p.hostDependencies, ['203.0.113.7', '2001:db8::7']);
  assert.is(p.tunlink, 'wan');
  assert.is(p.nohostroute, false);
  assert.equal(p.peers.map((x) => [x.description, x.endpoint]), [
    ['Cloud server', '203.0.113.7:51821'],
    ['Phone', null],
    ['Site B', '[2001:db8::7]:51820'],
  ]);
  assert.equal(p.peers.map((x) => x.ref), ['@wireguard_wg0[0]', 'phone', '@wireguard_wg0[4]']);
  assert.equal(p.unresolved.map((u) => [u.section, u.host, u.port, u.publicKey, u.error]), [
    ['phone', 'unresolvable.example', 51820, PEER3_PUB, 'Name or service not known'],
  ]);
  assert.is(p.warnings.length, 3);
  assert.match(p.warnings[0]!, /^network\.@wireguard_wg0\[1\] \(cfg\w{6}\) 'Laptop \(disabled\)': disabled, skipped$/);
  assert.match(p.warnings[1]!, /'No key yet': no public_key, skipped$/);
  assert.match(p.warnings[2]!, /'Phone': endpoint_host 'unresolvable.example' did not resolve/);
});

t('endpoint names resolve through the injected resolver (first answer), per peer', () => {
  const p = plan(NETWORK_WG0, 'wg0', {
    resolve: resolver({ 'unresolvable.example': [[6, fromBase64('IAENuAAAAAAAAAAAAAAACQ==', 16)!], [4, Uint8Array.of(198, 51, 100, 9)]] }),
  });
  assert.is(p.peers[1]!.endpoint, '[2001:db8::9]:51820');
  assert.equal(p.unresolved, []);
  assert.equal(p.hostDependencies, ['203.0.113.7', '2001:db8::9', '2001:db8::7']);
});

t('nohostroute: no host dependencies; tunlink empty = none', () => {
  const p = plan(NETWORK_WG0.replace("option tunlink 'wan'", "option nohostroute '1'\n\toption tunlink ''"));
  assert.equal(p.hostDependencies, []);
  assert.is(p.nohostroute, true);
  assert.is(p.tunlink, null);
});

t("private_key empty or 'generate': a fresh clamped key, reported for storing", () => {
  for (const v of ["option private_key 'generate'", '']) {
    const p = plan(NETWORK_WG0.replace("option private_key 'IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o='", v));
    const k = p.request.privateKey!;
    assert.is(p.generatedPrivateKey, toBase64(k));
    assert.is(k[0]! & 7, 0);
    assert.is(k[31]! & 0xc0, 0x40);
    const again = new Uint8Array(32);
    seeded(7)(again);
    again[0]! &= 248;
    again[31] = (again[31]! & 127) | 64;
    assert.equal(k, again, 'from the injected randomness');
  }
});

t('minimal interface: no peers still replaces peers; absent listen_port stays unchanged', () => {
  const p = plan("config interface 'wg1'\n\toption proto 'wgjs'\n\toption private_key 'IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o='\n", 'wg1');
  assert.is(formatSetBody(p.request), `private_key=${hex(ROUTER_PRIV)}\nfwmark=0\nreplace_peers=true\n`);
  assert.is(p.mtu, null);
  assert.equal(p.addresses, []);
});

t('addresses: bare addresses are host routes; option with several entries', () => {
  const p = plan("config interface 'wg1'\n\toption proto 'wgjs'\n\toption addresses '10.0.0.1 fd00::1,10.0.1.1/16'\n", 'wg1');
  assert.equal(p.addresses.map((a) => `${a.address}/${a.mask}`), ['10.0.0.1/32', 'fd00::1/128', '10.0.1.1/16']);
});

t('route targets are masked and deduplicated; host bits kept in allowed IPs', () => {
  const text =
    "config interface 'wg1'\n\toption proto 'wgjs'\n" +
    `config wireguard_wg1\n\toption public_key '${PEER1_PUB}'\n\toption route_allowed_ips 'yes'\n\tlist allowed_ips '10.1.2.3/16'\n\tlist allowed_ips '10.1.0.0/16'\n`;
  const p = plan(text, 'wg1');
  assert.equal(p.routes, [{ family: 4, target: '10.1.0.0', mask: 16 }]);
  assert.match(formatSetBody(p.request), /allowed_ip=10\.1\.2\.3\/16\nallowed_ip=10\.1\.0\.0\/16/);
});

t('duplicate public keys: the later section is skipped with a warning', () => {
  const text =
    "config interface 'wg1'\n\toption proto 'wgjs'\n" +
    `config wireguard_wg1 'a'\n\toption public_key '${PEER1_PUB}'\nconfig wireguard_wg1 'b'\n\toption public_key '${PEER1_PUB}'\n`;
  const p = plan(text, 'wg1');
  assert.is(p.request.peers.length, 1);
  assert.equal(p.warnings, ['network.b: same public_key as network.a, skipped']);
});

t('peers of other interfaces are not taken', () => {
  const p = plan(NETWORK_WG0 + `\nconfig wireguard_wg9\n\toption public_key '${PEER1_PUB}'\n`);
  assert.is(p.request.peers.length, 3);
});

t('invalid values: an error naming the section and option, nothing applied', () => {
  const cases: [string, string, RegExp][] = [
    ["option private_key 'IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o='", "option private_key 'short'", /^network\.wg0\.private_key: not a base64 WireGuard key/],
    ["option listen_port '51820'", "option listen_port '65536'", /^network\.wg0\.listen_port: not a number in 0\.\.65535: '65536'$/],
    ["option mtu '1380'", "option mtu '1.5k'", /^network\.wg0\.mtu: /],
    ["option fwmark '0x1234'", "option fwmark 'mark'", /^network\.wg0\.fwmark: not a 32-bit mark/],
    ["list addresses 'fd99::1/64'", "list addresses 'fd99::1/129'", /^network\.wg0\.addresses: not an IP address or prefix: 'fd99::1\/129'$/],
    ["list ip6prefix 'fd99:1::/48'", "list ip6prefix '10.0.0.0/8'", /^network\.wg0\.ip6prefix: not an IPv6 prefix/],
    ["option route_allowed_ips '1'", "option route_allowed_ips 'maybe'", /^network\.@wireguard_wg0\[0\] \(cfg\w+\)\.route_allowed_ips: not a boolean: 'maybe'/],
    ["option endpoint_port '51821'", "option endpoint_port 'http'", /^network\.@wireguard_wg0\[0\] \(cfg\w+\)\.endpoint_port: not a number in 0\.\.65535: 'http'$/],
    ["option persistent_keepalive '25'", "option persistent_keepalive '-1'", /\.persistent_keepalive: not a number of seconds/],
    ["option preshared_key 'AwgNEhccISYrMDU6P0RJTlNYXWJnbHF2e4CFio+UmZ4='", "option preshared_key 'AwgN'", /\.preshared_key: not a base64 WireGuard key/],
    ["list allowed_ips '10.99.0.2/32'", "list allowed_ips '10.99.0.2/33'", /\.allowed_ips: not an IP address or prefix: '10\.99\.0\.2\/33'$/],
    ["option endpoint_host '203.0.113.7'", "option endpoint_host 'vpn.example.com:51820'", /\.endpoint_host: not a host name or IP address: 'vpn\.example\.com:51820' \(the port goes in endpoint_port\)$/],
    ["option endpoint_host '203.0.113.7'", "option endpoint_host 'bad host'", /\.endpoint_host: not a host name/],
    ["option endpoint_host '[2001:db8::7]'", "option endpoint_host '[vpn.example.com]'", /^network\.@wireguard_wg0\[4\] \(cfg\w+\)\.endpoint_host: not an IPv6 address in brackets/],
    // the value itself is never repeated (a key option may hold a private key): only its problem
    [`option public_key '${PEER4_PUB}'`, "option public_key 'not-a-key'", /^network\.@wireguard_wg0\[4\] \(cfg\w+\)\.public_key: not a base64 WireGuard key \(44 characters ending in '='\): 9 characters$/],
    ["option proto 'wgjs'", "option proto 'wireguard'", /^network\.wg0\.proto: is 'wireguard', not 'wgjs'$/],
    ["option tunlink 'wan'", "list tunlink 'wan'", /^network\.wg0\.tunlink: must be a single value, not a list$/],
  ];
  for (const [from, to, re] of cases) {
    assert.ok(NETWORK_WG0.indexOf(from) >= 0, from);
    assert.match(planError(NETWORK_WG0.replace(from, to)), re, to);
  }
  assert.is(planError(NETWORK_WG0, 'wg7'), 'network.wg7: no such interface section');
  assert.is(planError(NETWORK_WG0, 'wan'), "network.wan.proto: is 'dhcp', not 'wgjs'");
  assert.match(planError("config interface 'wireguard_tunnel0'\n\toption proto 'wgjs'\n", 'wireguard_tunnel0'), /must be 1\.\.15 characters/);
});

t('offload options: unset = no environment; each one off sets its own variable', () => {
  assert.equal(plan(NETWORK_WG0).daemonEnv, []);
  const expect: Record<string, string> = { offload: 'WGJS_OFFLOAD', tun_tso: 'WGJS_TUN_TSO', tun_uso: 'WGJS_TUN_USO', udp_gso: 'WGJS_UDP_GSO', udp_gro: 'WGJS_UDP_GRO' };
  assert.equal(OFFLOAD_OPTIONS.map(([o, e]) => [o, e]), Object.entries(expect));
  const withOpts = (lines: string) => NETWORK_WG0.replace("\toption tunlink 'wan'\n", `\toption tunlink 'wan'\n${lines}`);
  for (const [option, name] of Object.entries(expect)) {
    for (const off of ['0', 'no', 'off', 'false', 'disabled', 'OFF']) {
      assert.equal(plan(withOpts(`\toption ${option} '${off}'\n`)).daemonEnv, [`${name}=0`], `${option} ${off}`);
    }
    for (const on of ['1', 'yes', 'on', 'true', 'enabled']) {
      assert.equal(plan(withOpts(`\toption ${option} '${on}'\n`)).daemonEnv, [], `${option} ${on}`);
    }
    assert.match(planError(withOpts(`\toption ${option} 'maybe'\n`)), new RegExp(`^network\\.wg0\\.${option}: not a boolean: 'maybe' \\(use 0 or 1\\)$`));
    assert.match(planError(withOpts(`\tlist ${option} '0'\n`)), new RegExp(`^network\\.wg0\\.${option}: must be a single value, not a list$`));
  }
  const all = withOpts("\toption udp_gro '0'\n\toption offload '0'\n\toption tun_uso 'no'\n\toption tun_tso '1'\n");
  assert.equal(plan(all).daemonEnv, ['WGJS_OFFLOAD=0', 'WGJS_TUN_USO=0', 'WGJS_UDP_GRO=0']);
});

t('interfaceDaemonEnv: only the offload options, checked without the rest', () => {
  const pkg = (text: string) => pkgOf(text);
  assert.equal(interfaceDaemonEnv(pkg(NETWORK_WG0), 'wg0'), { ok: true, env: [] });
  // other invalid values are not its business (the full sync reports them)
  const otherBad = NETWORK_WG0.replace("option listen_port '51820'", "option listen_port 'x'").replace("option tunlink 'wan'", "option tunlink 'wan'\n\toption udp_gso 'off'");
  assert.equal(interfaceDaemonEnv(pkg(otherBad), 'wg0'), { ok: true, env: ['WGJS_UDP_GSO=0'] });
  assert.equal(interfaceDaemonEnv(pkg(NETWORK_WG0.replace("option tunlink 'wan'", "option tunlink 'wan'\n\toption offload '2'")), 'wg0'),
    { ok: false, error: "network.wg0.offload: not a boolean: '2' (use 0 or 1)" });
  assert.equal(interfaceDaemonEnv(pkg(NETWORK_WG0), 'wg7'), { ok: false, error: 'network.wg7: no such interface section' });
  assert.equal(interfaceDaemonEnv(pkg(NETWORK_WG0), 'wan'), { ok: false, error: "network.wan.proto: is 'dhcp', not 'wgjs'" });
});

t('helpers: splitItems, validHostname, wgjsInterfaces, peerSectionsByKey', () => {
  assert.equal(splitItems(['a, b', ' c ', 'd,e\tf', '']), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.ok(validHostname('vpn.example.com'));
  assert.ok(validHostname('host_1.lan.'));
  assert.not.ok(validHostname('a..b'));
  assert.not.ok(validHostname('-x y'));
  const pkg = pkgOf(NETWORK_WG0 + "\nconfig interface 'wg1'\n\toption proto 'wgjs'\n");
  assert.equal(wgjsInterfaces(pkg), ['wg0', 'wg1']);
  const m = peerSectionsByKey(pkg, 'wg0');
  assert.equal([...m.keys()], [PEER1_PUB, PEER3_PUB, PEER4_PUB, '0dNnnoruATrX8nJXhBGp2erlk7la9xCOCUVpw6TBEFE=']);
  assert.is(m.get(PEER3_PUB)!.name, 'phone');
});

t.run();
