// src/ubus/wgjs.ts: `wgjs.<ifname>` status built from the live device equals the rpcd plugin's
// `wgjs status` for that interface (which goes through a UAPI get), after a blobmsg round trip
// (booleans as int8, null as unspec, counters past 2^31 as int64).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { peerSectionsByKey, wgjsInterfaces } from '../../src/openwrt/network.ts';
import { rpcdCall, type RpcdEnv } from '../../src/openwrt/rpcd.ts';
import { parseUci, uciGet, type UciPackage } from '../../src/openwrt/uci.ts';
import { decodeTable, encodeTable } from '../../src/ubus/blobmsg.ts';
import { wgjsObject, InterfaceStatus } from '../../src/ubus/wgjs.ts';
import { parseGet, renderGet, type UapiDevice, type UapiPeer } from '../../src/uapi/get.ts';
import { fromBase64 } from '../../src/util/bytes.ts';
import { makeEndpoint, parsePrefix, type Prefix } from '../../src/util/ip.ts';
import { NETWORK_WG0 } from '../fixtures/uci/network.ts';
import { PEER1_PUB, PEER2_PUB, PSK, ROUTER_PRIV, ROUTER_PUB } from '../fixtures/uci/keys.ts';

const t = suite('ubus/status');
const NOW = 1_800_000_000;

interface P extends UapiPeer {
  ips: Prefix[];
}

function device(): UapiDevice<P> {
  const p1: P = {
    publicKey: fromBase64(PEER1_PUB, 32)!,
    presharedKey: fromBase64(PSK, 32)!,
    endpoint: makeEndpoint(4, Uint8Array.of(192, 0, 2, 7), 51821),
    persistentKeepalive: 25,
    rxBytes: 12345,
    txBytes: 2 ** 40 + 3,
    lastHandshakeSec: NOW - 10,
    lastHandshakeNsec: 5,
    ips: [parsePrefix('10.99.0.2/32')!, parsePrefix('192.168.50.0/24')!],
  };
  const p2: P = {
    publicKey: fromBase64(PEER2_PUB, 32)!,
    presharedKey: new Uint8Array(32),
    endpoint: new Uint8Array(40),
    persistentKeepalive: 0,
    rxBytes: 0,
    txBytes: 0,
    lastHandshakeSec: NOW - 200,
    lastHandshakeNsec: 0,
    ips: [parsePrefix('fd99::2/128')!],
  };
  return {
    privateKey: fromBase64(ROUTER_PRIV, 32),
    listenPort: 51820,
    fwmark: 0x1234,
    peers: () => [p1, p2],
    allowedIps: { entriesForPeer: (p: P) => p.ips },
  };
}

function pkg(): UciPackage {
  const r = parseUci(NETWORK_WG0, { package: 'network', single: true });
  assert.ok(r.ok);
  return (r as { ok: true; packages: UciPackage[] }).packages[0]!;
}

t('equals the rpcd plugin status of the interface, through blobmsg', () => {
  const dev = device();
  const net = pkg();
  const env: RpcdEnv = {
    network: () => net,
    get: (n) => {
      if (n !== 'wg0') return null;
      const r = parseGet(renderGet(dev));
      return r.ok ? r.dev : null;
    },
    list: () => ['wg0'],
    random: () => {},
    now: () => NOW,
  };
  const rpcd = JSON.parse(rpcdCall(env, 'status', '{"interface":"wg0"}')).interfaces.wg0;
  const sections = peerSectionsByKey(net, 'wg0');
  const obj = wgjsObject({
    ifname: 'wg0',
    device: dev,
    configured: () => wgjsInterfaces(net).indexOf('wg0') >= 0,
    describe: (k) => {
      const s = sections.get(k);
      return s ? { description: uciGet(s, 'description') ?? null, section: s.name } : undefined;
    },
    now: () => NOW + 0.7,
  });
  assert.is(obj.path, 'wgjs.wg0');
  assert.equal(obj.methods.map((m) => m.name), ['status']);
  const reply = obj.methods[0]!.call({});
  assert.ok(typeof reply === 'object');
  const wire = decodeTable(encodeTable(reply as Record<string, never>));
  assert.equal(wire, rpcd);
  // what the comparison covers
  assert.is(rpcd.public_key, ROUTER_PUB);
  assert.is(rpcd.configured, true);
  assert.is(rpcd.peers[0].name, 'Cloud server');
  assert.is(rpcd.peers[0].up, true);
  assert.is(rpcd.peers[1].up, false);
  assert.is(rpcd.peers[0].transfer_tx, 2 ** 40 + 3);
  assert.is(rpcd.peers[1].endpoint, null);
});

t('public key derived once per private key; none without one', () => {
  const dev = device();
  const st = new InterfaceStatus({ ifname: 'x', device: dev, configured: () => false, describe: () => undefined, now: () => NOW });
  assert.is(st.build().public_key, ROUTER_PUB);
  dev.privateKey = null;
  assert.is(st.build().public_key, null);
  dev.privateKey = fromBase64(ROUTER_PRIV, 32);
  assert.is(st.build().public_key, ROUTER_PUB);
});

t.run();
