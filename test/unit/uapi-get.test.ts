import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGet, renderGet, type GetDevice, type UapiDevice, type UapiPeer } from '../../src/uapi/get.ts';
import { toHex } from '../../src/util/bytes.ts';
import { formatPrefix, parseEndpoint, parsePrefix } from '../../src/util/ip.ts';
import { captured } from '../fixtures/wg/captured.ts';

const t = suite('uapi/get');

interface FakePeer extends UapiPeer {
  ips: { family: 4 | 6; addr: Uint8Array; cidr: number }[];
}

/** A device shaped like the core's, holding what a parsed answer says. */
function deviceFrom(d: GetDevice): UapiDevice<FakePeer> {
  const peers: FakePeer[] = d.peers.map((p) => ({
    publicKey: p.publicKey,
    presharedKey: p.presharedKey ?? new Uint8Array(32),
    endpoint: p.endpoint ?? new Uint8Array(40),
    persistentKeepalive: p.persistentKeepalive,
    rxBytes: Number(p.rxBytes),
    txBytes: Number(p.txBytes),
    lastHandshakeSec: p.lastHandshakeSec,
    lastHandshakeNsec: p.lastHandshakeNsec,
    ips: p.allowedIps,
  }));
  return {
    privateKey: d.privateKey,
    listenPort: d.listenPort,
    fwmark: d.fwmark,
    peers: () => peers,
    allowedIps: { entriesForPeer: (p) => p.ips },
  };
}

function parsed(text: string): GetDevice {
  const r = parseGet(text);
  assert.ok(r.ok, text);
  if (!r.ok) throw new Error('unreachable');
  return r.dev;
}

t('renders byte for byte what wireguard-go answered (live captures)', () => {
  for (const name of ['getA', 'getB', 'getB2']) {
    const text = captured.live[name] as string;
    assert.is(renderGet(deviceFrom(parsed(text))), text, name);
  }
});

t('parses a live answer', () => {
  const d = parsed(captured.live.getA);
  assert.is(toHex(d.privateKey!), 'd053f9d26cd2f03d520019158c0be21a45ca5dcea2d65929e6a1e1f46e395570');
  assert.is(d.listenPort, 51820);
  assert.is(d.fwmark, 0x1234);
  assert.is(d.peers.length, 2);
  const b = d.peers[0]!;
  assert.ok(b.presharedKey !== null);
  assert.is(b.persistentKeepalive, 25);
  assert.ok(b.lastHandshakeSec > 1.7e9 && b.lastHandshakeNsec > 0);
  assert.ok(b.rxBytes > 0n && b.txBytes > 0n);
  assert.equal(b.allowedIps.map(formatPrefix), ['10.99.0.2/32', 'fd99::2/128', '192.168.77.0/24']);
  const c = d.peers[1]!;
  assert.is(c.presharedKey, null, 'zeros = none');
  assert.is(c.endpoint, null);
  assert.equal(c.allowedIps.map(formatPrefix), ['10.99.1.0/24', 'fd99:1::/64', '::ffff:10.98.0.0/120', '0.0.0.0/1']);
});

t('renderGet: optional lines and number formats', () => {
  const peer: FakePeer = {
    publicKey: new Uint8Array(32).fill(1),
    presharedKey: new Uint8Array(32),
    endpoint: parseEndpoint('[::ffff:1.2.3.4]:9')!,
    persistentKeepalive: 0,
    rxBytes: 2 ** 53 - 1,
    txBytes: 0,
    lastHandshakeSec: 0,
    lastHandshakeNsec: 0,
    ips: [maskless('10.0.0.0/8'), maskless('::/0')],
  };
  const dev: UapiDevice<FakePeer> = {
    privateKey: new Uint8Array(32), // all zero: not set
    listenPort: 0,
    fwmark: 0,
    peers: () => [peer, { ...peer, endpoint: new Uint8Array(40), ips: [] }],
    allowedIps: { entriesForPeer: (p) => p.ips },
  };
  const pk = '01'.repeat(32);
  const z = '00'.repeat(32);
  const common = `protocol_version=1\n`;
  assert.is(
    renderGet(dev),
    `public_key=${pk}\npreshared_key=${z}\n${common}endpoint=[::ffff:1.2.3.4]:9\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\n` +
      `tx_bytes=0\nrx_bytes=9007199254740991\npersistent_keepalive_interval=0\nallowed_ip=10.0.0.0/8\nallowed_ip=::/0\n` +
      `public_key=${pk}\npreshared_key=${z}\n${common}last_handshake_time_sec=0\nlast_handshake_time_nsec=0\n` +
      `tx_bytes=0\nrx_bytes=9007199254740991\npersistent_keepalive_interval=0\nerrno=0\n\n`,
  );
  assert.is(renderGet({ ...dev, privateKey: null, listenPort: 1, fwmark: 0xffffffff, peers: () => [] }), 'listen_port=1\nfwmark=4294967295\nerrno=0\n\n');
});

function maskless(s: string): { family: 4 | 6; addr: Uint8Array; cidr: number } {
  return parsePrefix(s)!;
}

t('parseGet follows wg: malformed answers are EPROTO, errno=N is N', () => {
  const bad = captured.fake.bad_get as Record<string, { stderr: string }>;
  const cases: [string, string, number | 'EPROTO' | 'ok'][] = [
    ['no_errno', 'listen_port=1\n\n', 'EPROTO'],
    ['errno_22', 'errno=22\n\n', 22],
    ['errno_neg', 'errno=-22\n\n', 'EPROTO'],
    ['bad_key', 'private_key=zz\nerrno=0\n\n', 'EPROTO'],
    ['bad_line', 'listen_port\nerrno=0\n\n', 'EPROTO'],
    ['unknown_key', 'foo=1\nerrno=0\n\n', 'ok'],
  ];
  for (const [name, text, want] of cases) {
    const r = parseGet(text);
    assert.is(r.ok ? 'ok' : r.err, want, name);
    // and the real wg printed accordingly
    const msg = bad[name]!.stderr;
    if (want === 'EPROTO') assert.is(msg, 'Unable to access interface: Protocol error\n');
    else if (want === 22) assert.is(msg, 'Unable to access interface: Invalid argument\n');
    else assert.is(msg, '');
  }
  assert.is((parseGet('errno=0\n') as { err: unknown }).err, 'EPROTO', 'no blank line');
  assert.is((parseGet('errno=0\n\nx') as { ok: boolean }).ok, true, 'stops at the blank line');
  assert.is((parseGet('errno=0') as { err: unknown }).err, 'EPROTO');
  assert.is((parseGet('listen_port=65536\nerrno=0\n\n') as { err: unknown }).err, 'EPROTO');
  assert.is((parseGet('listen_port=+1\nerrno=0\n\n') as { err: unknown }).err, 'EPROTO');
  const pk = '02'.repeat(32);
  assert.is((parseGet(`public_key=${pk}\nallowed_ip=10.0.0.0\nerrno=0\n\n`) as { err: unknown }).err, 'EPROTO');
  assert.is((parseGet(`public_key=${pk}\nallowed_ip=10.0.0.0/33\nerrno=0\n\n`) as { err: unknown }).err, 'EPROTO');
  assert.is((parseGet(`public_key=${pk}\nendpoint=1.2.3.4\nerrno=0\n\n`) as { err: unknown }).err, 'EPROTO');
});

t('parseGet details: device keys only before peers, exact u64, lenient endpoint forms', () => {
  const pk = '03'.repeat(32);
  const d = parsed(
    `listen_port=5\npublic_key=${pk}\nlisten_port=6\nfwmark=7\nrx_bytes=18446744073709551615\ntx_bytes=9007199254740993\n` +
      `endpoint=[1.2.3.4]:5\nallowed_ip=10.0.0.0/08\nprotocol_version=1\nerrno=0\n\n`,
  );
  assert.is(d.listenPort, 5);
  assert.is(d.fwmark, 0);
  assert.is(d.peers[0]!.rxBytes, 18446744073709551615n);
  assert.is(d.peers[0]!.txBytes, 9007199254740993n);
  assert.is(d.peers[0]!.endpoint![0], 4);
  assert.is(d.peers[0]!.allowedIps[0]!.cidr, 8);
  assert.is((parseGet(`public_key=${pk}\nrx_bytes=18446744073709551616\nerrno=0\n\n`) as { err: unknown }).err, 'EPROTO');
});

t.run();
