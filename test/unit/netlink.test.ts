import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelGet, kernelList, kernelSet, setMessages, type KernelEnv } from '../../src/client/kernel.ts';
import { runWg } from '../../src/cli/wg.ts';
import { NlReader, NlWriter, parseMessages, request, type NetlinkSocket } from '../../src/netlink/netlink.ts';
import type { PeerOp, SetRequest } from '../../src/uapi/types.ts';
import { fromBase64, toBase64 } from '../../src/util/bytes.ts';
import { formatEndpoint, formatPrefix, parseEndpoint, parsePrefix } from '../../src/util/ip.ts';
import { captured } from '../fixtures/wg/captured.ts';
import { fakeWorld } from '../fixtures/wg/fake-env.ts';
import { FakeKernel, WG_FAMILY, type KDevice } from './helpers/fake-kernel.ts';

const t = suite('netlink + kernel WireGuard backend');
const keys = captured.keys as Record<string, string>;

function key(fill: number): Uint8Array {
  return new Uint8Array(32).fill(fill);
}

function kenv(k: FakeKernel): KernelEnv {
  return {
    netlink: (p) => k.socket(p),
    errno: { EINVAL: 22, EPROTO: 71, ENOENT: 2, EPROTONOSUPPORT: 93, ENAMETOOLONG: 36 },
    seqBase: 1000,
  };
}

function peerOp(pk: Uint8Array, ips: string[], extra: Partial<PeerOp> = {}): PeerOp {
  return {
    publicKey: pk, remove: false, updateOnly: false, replaceAllowedIps: false,
    allowedIps: ips.map((s) => ({ remove: false, ...parsePrefix(s)! })), ...extra,
  };
}

function emptyDevice(name: string): KDevice {
  return { name, privateKey: null, port: 0, fwmark: 0, peers: [] };
}

// Bytes written out by hand from linux/netlink.h, genetlink.h and wireguard.h, in either order.
function golden(le: boolean): number[] {
  const b: number[] = [];
  const u16 = (v: number) => (le ? b.push(v & 255, v >> 8) : b.push(v >> 8, v & 255));
  const u32 = (v: number) => (le ? b.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24) : b.push(v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255));
  u32(148); u16(WG_FAMILY); u16(0x5); u32(7); u32(0); // nlmsghdr: len, type, REQUEST|ACK, seq, pid
  b.push(1, 1, 0, 0); // genlmsghdr: WG_CMD_SET_DEVICE, version 1
  u16(8); u16(2); b.push(0x77, 0x67, 0x30, 0); // WGDEVICE_A_IFNAME "wg0\0"
  u16(6); u16(6); u16(51820); b.push(0, 0); // WGDEVICE_A_LISTEN_PORT
  u16(112); u16(0x8008); // WGDEVICE_A_PEERS | NLA_F_NESTED
  u16(108); u16(0x8000); // peer 0
  u16(36); u16(1); for (let i = 0; i < 32; i++) b.push(0x11); // WGPEER_A_PUBLIC_KEY
  u16(20); u16(4); u16(2); b.push(0xca, 0x6d, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0); // ENDPOINT: sockaddr_in, port 51821 in network order
  u16(6); u16(5); u16(25); b.push(0, 0); // PERSISTENT_KEEPALIVE_INTERVAL
  u16(8); u16(3); u32(2); // WGPEER_A_FLAGS: REPLACE_ALLOWEDIPS
  u16(32); u16(0x8009); // WGPEER_A_ALLOWEDIPS | NLA_F_NESTED
  u16(28); u16(0x8000); // entry 0
  u16(6); u16(1); u16(2); b.push(0, 0); // WGALLOWEDIP_A_FAMILY AF_INET
  u16(8); u16(2); b.push(10, 9, 0, 2); // WGALLOWEDIP_A_IPADDR
  u16(5); u16(3); b.push(32, 0, 0, 0); // WGALLOWEDIP_A_CIDR_MASK
  return b;
}

t('SET_DEVICE bytes as the kernel expects them, little- and big-endian', () => {
  const req: SetRequest = {
    listenPort: 51820, replacePeers: false,
    peers: [peerOp(key(0x11), ['10.9.0.2/32'], { endpoint: parseEndpoint('10.0.0.2:51821')!, persistentKeepalive: 25, replaceAllowedIps: true })],
  };
  for (const le of [true, false]) {
    const m = setMessages('wg0', req, WG_FAMILY, le, () => 7);
    assert.is(m.length, 1);
    assert.equal(Array.from(m[0]!.msg), golden(le), le ? 'little-endian' : 'big-endian');
  }
});

t('writer: attributes past the limit are refused, nests cancel cleanly', () => {
  const w = new NlWriter(40, true);
  w.begin(16, 1, 1);
  assert.ok(w.put(1, new Uint8Array(10))); // 16 + 4 + 12 = 32
  const n = w.nestStart(2); // 36
  assert.ok(n >= 0);
  assert.not.ok(w.putU32(3, 1), 'does not fit: 36 + 8 > 40');
  w.cancel(n);
  const msg = w.done();
  assert.is(msg.length, 32);
  const r = new NlReader(msg, true);
  const ms = parseMessages(r, msg.length)!;
  assert.is(ms.length, 1);
  assert.equal(r.attrs(ms[0]!.start, ms[0]!.end)!.map((a) => [a.type, a.end - a.start]), [[1, 10]]);
  assert.is(r.attrs(0, 3)!.length, 0, 'fewer bytes than a header: nothing');
  const bad = Uint8Array.from([8, 0, 1, 0, 0, 0]); // says 8 bytes, has 6
  assert.is(new NlReader(bad, true).attrs(0, bad.length), null);
  assert.is(parseMessages(new NlReader(Uint8Array.from([99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), true), 16), null);
});

t('large configurations split over messages like wg(8), and apply completely', () => {
  for (const le of [true, false]) {
    for (const limit of [4096, 300, 180]) {
      const k = new FakeKernel(le);
      k.devices.push(emptyDevice('wg0'));
      const many = Array.from({ length: 300 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
      const req: SetRequest = {
        privateKey: key(0x42), listenPort: 51820, fwmark: 7, replacePeers: true,
        peers: [
          peerOp(key(1), many, { presharedKey: key(5), endpoint: parseEndpoint('[fd00::1]:9')!, persistentKeepalive: 5, replaceAllowedIps: true }),
          peerOp(key(2), ['fd09::2/128', '10.9.0.2/32'], { replaceAllowedIps: true }),
          peerOp(key(3), []),
        ],
      };
      let seq = 0;
      const msgs = setMessages('wg0', req, WG_FAMILY, le, () => ++seq, limit);
      assert.ok(msgs.length > (limit === 4096 ? 1 : 20), `${msgs.length} messages at ${limit}`);
      for (const m of msgs) assert.ok(m.msg.length <= limit);
      const r = kernelSet(kenv(k), 'wg0', req);
      assert.is(r, 0);
      // the kernel got as many messages as setMessages made at the default limit
      if (limit === 4096) assert.is(k.sets.length, msgs.length);
      // and, applied with the kernel's semantics, one after another, they give the whole config
      const k2 = new FakeKernel(le);
      k2.devices.push({ ...emptyDevice('wg0'), peers: [{ publicKey: key(9), psk: key(0), endpoint: null, keepalive: 0, rx: 0n, tx: 0n, hsSec: 0n, hsNsec: 0n, ips: [] }] });
      const s = k2.socket(16);
      for (const m of msgs) {
        // family lookup is done by kernelSet; here the messages go straight in
        s.send(m.msg);
        const buf = new Uint8Array(65536);
        const n = s.recv(buf);
        assert.is(new DataView(buf.buffer).getInt32(16, le), 0, 'ACK');
        assert.ok(n > 0);
      }
      const d = k2.devices[0]!;
      assert.is(d.port, 51820);
      assert.is(d.fwmark, 7);
      assert.equal(d.privateKey, key(0x42));
      assert.equal(d.peers.map((p) => p.publicKey[0]), [1, 2, 3], 'replace-peers dropped the old one; order kept');
      assert.is(d.peers[0]!.ips.length, 300, 'every allowed IP of the split peer arrived once');
      assert.equal(d.peers[0]!.ips.map((x) => `${x.addr.join('.')}/${x.cidr}`), many);
      assert.is(d.peers[0]!.keepalive, 5);
      assert.equal(d.peers[0]!.psk, key(5));
      assert.is(d.peers[1]!.ips.length, 2);
    }
  }
});

t('GET_DEVICE dumps: peers split across messages are joined; exact u64 counters; endpoints', () => {
  for (const le of [true, false]) {
    const k = new FakeKernel(le);
    const ep6 = new Uint8Array(28);
    const dv = new DataView(ep6.buffer);
    dv.setUint16(0, 10, le);
    ep6[2] = 0x13; ep6[3] = 0x88; // port 5000
    ep6.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 8);
    k.devices.push({
      name: 'kb', privateKey: fromBase64(keys.privB!, 32), port: 51821, fwmark: 0x10,
      peers: [
        { publicKey: key(1), psk: key(0), endpoint: ep6, keepalive: 25, rx: 2n ** 60n + 3n, tx: 1280n, hsSec: 1700000000n, hsNsec: 5n,
          ips: [4, 6, 4, 4].map((f, i) => (f === 4 ? { family: 2, addr: Uint8Array.from([10, 0, 0, i]), cidr: 32 } : { family: 10, addr: new Uint8Array(16).fill(0xfd), cidr: 64 })) },
        { publicKey: key(2), psk: key(7), endpoint: null, keepalive: 0, rx: 0n, tx: 0n, hsSec: 0n, hsNsec: 0n,
          ips: [{ family: 2, addr: Uint8Array.from([192, 168, 2, 0]), cidr: 24 }, { family: 2, addr: Uint8Array.from([10, 9, 0, 2]), cidr: 32 }] },
        { publicKey: key(3), psk: key(0), endpoint: null, keepalive: 0, rx: 0n, tx: 0n, hsSec: 0n, hsNsec: 0n, ips: [] },
      ],
    });
    k.peersPerMessage = 1; // peer 1 in two messages, peer 2 in two, peer 3 in one
    const r = kernelGet(kenv(k), 'kb');
    if (!r.ok) throw new Error(`errno ${r.errno}`);
    const d = r.dev;
    assert.is(d.listenPort, 51821);
    assert.is(d.fwmark, 0x10);
    assert.is(toBase64(d.privateKey!), keys.privB);
    assert.is(d.peers.length, 3, 'split peers were joined');
    const [a, b, c] = d.peers as [typeof d.peers[0], typeof d.peers[0], typeof d.peers[0]];
    assert.equal(a.allowedIps.map(formatPrefix), ['10.0.0.0/32', 'fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd/64', '10.0.0.2/32', '10.0.0.3/32']);
    assert.is(a.rxBytes, 2n ** 60n + 3n, 'u64 above 2^53 is exact');
    assert.is(a.txBytes, 1280n);
    assert.is(a.lastHandshakeSec, 1700000000);
    assert.is(a.lastHandshakeNsec, 5);
    assert.is(a.persistentKeepalive, 25);
    assert.is(formatEndpoint(a.endpoint!), '[fd00::1]:5000');
    assert.is(a.presharedKey, null, 'an all-zero preshared key is none');
    assert.equal(b.presharedKey, key(7));
    assert.equal(b.allowedIps.map(formatPrefix), ['192.168.2.0/24', '10.9.0.2/32']);
    assert.is(c.allowedIps.length, 0);
    assert.is(k.opened, k.closed, 'every socket closed');
  }
});

t('errors: no wireguard family, no device, long names, old kernels, interrupted dumps', () => {
  const k = new FakeKernel(true);
  k.devices.push(emptyDevice('kb'));
  assert.equal(kernelGet(kenv(k), 'nosuch'), { ok: false, errno: 19 }, 'ENODEV');
  assert.equal(kernelGet(kenv(k), 'a-very-long-name'), { ok: false, errno: 36 }, 'ENAMETOOLONG (16 bytes)');
  assert.ok(kernelGet(kenv(k), 'kb').ok);
  // allowed-IP removal needs WGALLOWEDIP_A_FLAGS, which a 6.1 kernel refuses
  const rm = peerOp(key(1), []);
  rm.allowedIps.push({ remove: true, ...parsePrefix('10.0.0.1/32')! });
  assert.is(kernelSet(kenv(k), 'kb', { replacePeers: false, peers: [rm] }), 22);
  // a dump marked interrupted is read again
  k.intr = 1;
  const before = k.opened;
  assert.ok(kernelGet(kenv(k), 'kb').ok);
  assert.is(k.opened - before, 2, 'read twice');
  k.wireguardLoaded = false;
  assert.equal(kernelGet(kenv(k), 'kb'), { ok: false, errno: 93 }, 'no family: EPROTONOSUPPORT, as wg says');
  assert.is(kernelSet(kenv(k), 'kb', { listenPort: 1, replacePeers: false, peers: [] }), 93);
  const broken: KernelEnv = { ...kenv(k), netlink: () => { throw Object.assign(new Error('x'), { errno: 97 }); } };
  assert.equal(kernelGet(broken, 'kb'), { ok: false, errno: 97 }, 'socket errors are reported');
  assert.is(k.opened, k.closed);
});

t('request(): other sequence numbers are skipped, errors and DONE end the exchange', () => {
  const le = false;
  const datagrams: Uint8Array[] = [];
  const msg = (type: number, seq: number, body: number[]) => {
    const b = new Uint8Array(16 + body.length);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, b.length, le); dv.setUint16(4, type, le); dv.setUint32(8, seq, le);
    b.set(body, 16);
    return b;
  };
  const seen: number[] = [];
  const sock: NetlinkSocket = { littleEndian: le, send: () => {}, recv: (buf) => { const d = datagrams.shift()!; buf.set(d); return d.length; }, close: () => {} };
  datagrams.push(msg(30, 99, [1, 2, 3, 4]), msg(31, 5, [0, 0, 0, 1]));
  datagrams.push(msg(2, 5, [0xff, 0xff, 0xff, 0xed, 0, 0, 0, 0])); // -19 big-endian
  const r = request(sock, new Uint8Array(16), 5, (_r, m) => seen.push(m.type), 71);
  assert.equal(r, { errno: 19, intr: false });
  assert.equal(seen, [31], 'only our sequence number');
  datagrams.push(Uint8Array.from([1, 2, 3]));
  assert.equal(request(sock, new Uint8Array(16), 5, () => {}, 71), { errno: 71, intr: false }, 'not netlink: EPROTO');
});

t('kernel list: links of kind wireguard only, in the kernel\'s order', () => {
  for (const le of [true, false]) {
    const k = new FakeKernel(le);
    k.devices.push(emptyDevice('wg1'), emptyDevice('kb'));
    k.links.push(['eth0', 'veth'], ['lo', ''], ['wa', 'tun']);
    assert.equal(kernelList(kenv(k)), ['wg1', 'kb']);
  }
});

t('the wg CLI uses the kernel for names without a UAPI socket', () => {
  const k = new FakeKernel(true);
  k.devices.push(emptyDevice('kb'));
  const get = captured.live.getA as string;
  const world = (args: string[]) => {
    const w = fakeWorld(args, { servers: { wa: { get } }, files: { '/tmp/k': keys.privB + '\n' }, now: 1700000000 });
    w.env.netlink = (p) => k.socket(p);
    return w;
  };
  const set = world(['set', 'kb', 'listen-port', '51821', 'private-key', '/tmp/k', 'peer', keys.pubA!, 'allowed-ips', '10.9.0.1/32,fd09::1/128', 'endpoint', '10.0.0.1:51820', 'persistent-keepalive', '25']);
  assert.is(runWg(set.env), 0, set.err);
  assert.equal(set.servers.wa!.sets, [], 'the UAPI device was not touched');
  const d = k.devices[0]!;
  assert.is(d.port, 51821);
  assert.is(toBase64(d.privateKey!), keys.privB);
  assert.is(d.peers.length, 1);
  assert.is(toBase64(d.peers[0]!.publicKey), keys.pubA);
  const conf = world(['showconf', 'kb']);
  assert.is(runWg(conf.env), 0, conf.err);
  assert.is(conf.out, `[Interface]\nListenPort = 51821\nPrivateKey = ${keys.privB}\n\n[Peer]\nPublicKey = ${keys.pubA}\nAllowedIPs = 10.9.0.1/32, fd09::1/128\nEndpoint = 10.0.0.1:51820\nPersistentKeepalive = 25\n`);
  const list = world(['show', 'interfaces']);
  assert.is(runWg(list.env), 0);
  assert.is(list.out, 'kb wa\n', 'kernel interfaces first, as wg lists them');
  const dump = world(['show', 'all', 'listen-port']);
  assert.is(runWg(dump.env), 0, dump.err);
  assert.is(dump.out, 'kb\t51821\nwa\t51820\n');
  const missing = world(['show', 'nosuch']);
  assert.is(runWg(missing.env), 1);
  assert.is(missing.err, 'Unable to access interface: No such device\n');
  k.wireguardLoaded = false;
  const nomod = world(['set', 'nosuch', 'listen-port', '1']);
  assert.is(runWg(nomod.env), 1);
  assert.is(nomod.err, 'Unable to modify interface: Protocol not supported\n', 'as the stock wg without the module');
  assert.is(k.opened, k.closed);
});

t.run();
