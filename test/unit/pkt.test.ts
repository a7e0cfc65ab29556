// Known answers for the golden-packet reference test/native/pkt.ts (the oracle of the native
// offload tests): published checksum examples, packets whose checksums Linux computed, and
// builder / segmenter / coalescer agreeing with each other.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ACK, CWR, FIN, PSH, SYN, V4A, V4B, V6A, V6B, F_NEEDS_CSUM, GSO_TCPV4, GSO_TCPV6, GSO_UDP_L4,
  build, checksum, checksumProblem, coalesce, completeChecksum, fold, get16, get32, hex,
  ipv4HeaderChecksum, parse, parseVnet, partialValue, payload, pseudoSum, segmentsOf,
  sumWords, tcpTimestamps, unhex, vnetHeader, type PacketSpec,
} from '../native/pkt.ts';

const t = suite('pkt (offload test oracle)');

t('RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2', () => {
  const b = unhex('0001f203f4f5f6f7');
  assert.is(fold(sumWords(b, 0, 8)), 0xddf2);
  assert.is(checksum(b), 0x220d);
  // byte order independence (RFC 1071 1.2.B): the byte-swapped data sums to the swapped sum
  assert.is(fold(sumWords(unhex('0100 03f2 f5f4 f7f6'.replace(/ /g, '')), 0, 8)), 0xf2dd);
  // an odd length pads with a zero byte
  assert.is(fold(sumWords(unhex('0001f203f4f5f6'), 0, 7)), fold(sumWords(unhex('0001f203f4f5f600'), 0, 8)));
});

t('IPv4 header checksum of the well-known example header (b861)', () => {
  const h = unhex('450000730000400040110000c0a80001c0a800c7');
  assert.is(ipv4HeaderChecksum(h), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  assert.is(fold(sumWords(h, 0, 20)), 0xffff, 'a valid header sums to ffff');
  assert.is(ipv4HeaderChecksum(h), 0xb861, 'the field itself is not summed');
});

// Captured from a TUN without offloads (Linux 6.x computed every checksum in software):
// UDP 10.9.0.1:40000 -> 10.9.0.2:5353 (37 bytes, odd), UDP [fd00:9::1]:40001 -> [fd00:9::2]:53
// (21 bytes), and the TCP SYNs of connect() to 10.9.0.2:80 and [fd00:9::2]:443.
const KERNEL = {
  udp4: '45000041d78f400040114f080a0900010a0900029c4014e9002d9e3a030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff',
  udp6: '600d0185001d1140fd000009000000000000000000000001fd0000090000000000000000000000029c410035001d362701060b10151a1f24292e33383d42474c51565b6065',
  syn4: '4500003c40ff40004006e5a80a0900010a0900029c4200508329d1c400000000a002faf0b7190000020405b40402080a0a43861a000000000103030a',
  syn6: '60059b7e00280640fd000009000000000000000000000001fd0000090000000000000000000000029c4301bb31a2902800000000a002fd203e790000020405a00402080aade604b1000000000103030a',
};

t('packets checksummed by Linux verify, and one flipped bit does not', () => {
  for (const [name, h] of Object.entries(KERNEL)) {
    const p = unhex(h);
    assert.is(checksumProblem(p), '', name);
    for (const bit of [12 * 8 + 1, (p.length - 9) * 8 + 4, p.length * 8 - 1]) { // source address, L4, last byte
      const q = p.slice();
      q[bit >> 3]! ^= 1 << (bit & 7);
      assert.ok(checksumProblem(q) !== '', `${name} with bit ${bit} flipped`);
    }
  }
  assert.is(get16(unhex(KERNEL.udp4), 26), 0x9e3a);
});

t('the builder reproduces the kernel packets byte for byte (checksums included)', () => {
  const u4 = unhex(KERNEL.udp4);
  const pl4 = Uint8Array.from({ length: 37 }, (_, i) => (i * 7 + 3) & 255);
  assert.is(hex(build({ v: 4, src: V4A, dst: V4B, id: 0xd78f, l4: { proto: 'udp', sport: 40000, dport: 5353 }, payload: pl4 })), hex(u4));
  const pl6 = Uint8Array.from({ length: 21 }, (_, i) => (i * 5 + 1) & 255);
  assert.is(
    hex(build({ v: 6, src: V6A, dst: V6B, flowLabel: 0xd0185, l4: { proto: 'udp', sport: 40001, dport: 53 }, payload: pl6 })),
    KERNEL.udp6,
  );
  const s4 = unhex(KERNEL.syn4);
  assert.is(
    hex(build({
      v: 4, src: V4A, dst: V4B, id: 0x40ff,
      l4: { proto: 'tcp', sport: 40002, dport: 80, seq: get32(s4, 24), ack: 0, flags: SYN, window: 0xfaf0, options: s4.slice(40) },
      payload: new Uint8Array(0),
    })),
    KERNEL.syn4,
  );
  const s6 = unhex(KERNEL.syn6);
  assert.is(
    hex(build({
      v: 6, src: V6A, dst: V6B, flowLabel: 0x59b7e,
      l4: { proto: 'tcp', sport: 40003, dport: 443, seq: get32(s6, 44), ack: 0, flags: SYN, window: 0xfd20, options: s6.slice(60) },
      payload: new Uint8Array(0),
    })),
    KERNEL.syn6,
  );
});

t('parse, partial checksums, completion, vnet header byte order', () => {
  const spec: PacketSpec = {
    v: 4, src: V4A, dst: V4B, id: 7, ipOptions: Uint8Array.from([0x94, 4, 0, 0]),
    l4: { proto: 'tcp', sport: 1, dport: 2, seq: 100, ack: 200, options: tcpTimestamps(1, 2) },
    payload: payload(33, 1),
  };
  const full = build(spec);
  const h = parse(full);
  assert.equal([h.v, h.iphLen, h.l4HdrLen, h.payloadOff, h.ipLen], [4, 24, 32, 56, full.length]);
  const part = build({ ...spec, csum: 'partial' });
  assert.is(get16(part, 24 + 16), fold(pseudoSum(4, V4A, V4B, 6, full.length - 24)));
  assert.is(partialValue(full), get16(part, 40));
  assert.is(hex(completeChecksum(part, 24, 16)), hex(full));
  // UDP whose checksum computes to 0 is sent as ffff: choose the last two payload bytes for it
  const u: PacketSpec = { v: 6, src: V6A, dst: V6B, l4: { proto: 'udp', sport: 9, dport: 9 }, payload: payload(20, 2) };
  u.payload[18] = 0;
  u.payload[19] = 0;
  const z = build({ ...u, csum: 'zero' });
  const s = fold(sumWords(z, 40, z.length - 40, pseudoSum(6, V6A, V6B, 17, z.length - 40)));
  u.payload[18] = (0xffff - s) >> 8;
  u.payload[19] = (0xffff - s) & 255;
  const uz = build(u);
  assert.is(get16(uz, 46), 0xffff);
  assert.is(checksumProblem(uz), '');
  assert.is(get16(completeChecksum(build({ ...u, csum: 'partial' }), 40, 6), 46), 0xffff);
  assert.is(checksumProblem(build({ ...u, csum: 'zero' })), 'UDP checksum 0');

  const v = { flags: 1, gsoType: 4, hdrLen: 0x0102, gsoSize: 0x0304, csumStart: 0x0506, csumOffset: 0x0708 };
  assert.is(hex(vnetHeader(v, true)), '01040201040306050807');
  assert.is(hex(vnetHeader(v, false)), '01040102030405060708');
  assert.equal(parseVnet(vnetHeader(v, false), 0, false), v);
  assert.equal(parseVnet(vnetHeader(v, true), 0, true), v);
});

t('TSO reference: segmentsOf agrees with building each segment directly', () => {
  for (const v of [4, 6] as const) {
    const base = (seq: number, id: number, flags: number, pl: Uint8Array): Uint8Array =>
      build({
        v, src: v === 4 ? V4A : V6A, dst: v === 4 ? V4B : V6B, id, tos: 2,
        l4: { proto: 'tcp', sport: 443, dport: 50000, seq, ack: 0x01020304, flags, options: tcpTimestamps(5, 6) },
        payload: pl, csum: 'partial',
      });
    const data = payload(2500, 3);
    const sp = base(0xfffffc00, 0xfffe, ACK | PSH | FIN | CWR, data);
    const segs = segmentsOf(sp, 1000);
    assert.is(segs.length, 3);
    const want = [
      build({ ...specOf(v), id: 0xfffe, l4: { ...tcpOf(0xfffffc00, ACK | CWR) }, payload: data.slice(0, 1000) }),
      build({ ...specOf(v), id: 0xffff, l4: { ...tcpOf(0xfffffc00 + 1000, ACK) }, payload: data.slice(1000, 2000) }),
      build({ ...specOf(v), id: 0, l4: { ...tcpOf((0xfffffc00 + 2000) >>> 0, ACK | PSH | FIN) }, payload: data.slice(2000) }),
    ];
    for (let i = 0; i < 3; i++) {
      assert.is(hex(segs[i]!), hex(want[i]!), `v${v} segment ${i}`);
      assert.is(checksumProblem(segs[i]!), '');
    }
    // GRO of the segments, split again, gives them back (PSH/FIN on the last, CWR on the first)
    const c = coalesce(segs);
    assert.equal(c.vnet, {
      flags: F_NEEDS_CSUM, gsoType: v === 4 ? GSO_TCPV4 : GSO_TCPV6, hdrLen: (v === 4 ? 20 : 40) + 32,
      gsoSize: 1000, csumStart: v === 4 ? 20 : 40, csumOffset: 16,
    });
    // the super-packet minus FIN (a run never holds one): the same headers, the same partial sum
    assert.is(hex(c.packet), hex(base(0xfffffc00, 0xfffe, ACK | PSH | CWR, data)), `v${v} coalesced`);
    const lastNoFin = build({ ...specOf(v), id: 0, l4: { ...tcpOf((0xfffffc00 + 2000) >>> 0, ACK | PSH) }, payload: data.slice(2000) });
    assert.equal(segmentsOf(c.packet, 1000).map(hex), [hex(segs[0]!), hex(segs[1]!), hex(lastNoFin)], 'split of the coalesced');
    assert.is(segmentsOf(sp, 2500).length, 1);
    assert.is(segmentsOf(sp, 1).length, 2500);
  }
  function specOf(v: 4 | 6): Omit<PacketSpec, 'l4' | 'payload'> {
    return { v, src: v === 4 ? V4A : V6A, dst: v === 4 ? V4B : V6B, tos: 2 };
  }
  function tcpOf(seq: number, flags: number) {
    return { proto: 'tcp' as const, sport: 443, dport: 50000, seq, ack: 0x01020304, flags, options: tcpTimestamps(5, 6) };
  }
});

t('USO reference: UDP segments carry their own length and checksum', () => {
  const data = payload(2900, 4);
  const sp = build({ v: 4, src: V4A, dst: V4B, id: 10, l4: { proto: 'udp', sport: 53, dport: 5353 }, payload: data, csum: 'partial' });
  const segs = segmentsOf(sp, 1200);
  assert.equal(segs.map((s) => s.length), [1228, 1228, 528]);
  for (let i = 0; i < 3; i++)
    assert.is(hex(segs[i]!), hex(build({ v: 4, src: V4A, dst: V4B, id: 10 + i, l4: { proto: 'udp', sport: 53, dport: 5353 }, payload: data.slice(i * 1200, (i + 1) * 1200) })));
  const c = coalesce(segs);
  assert.is(c.vnet.gsoType, GSO_UDP_L4);
  assert.is(c.vnet.csumOffset, 6);
  assert.is(get16(c.packet, 24), 2908, 'UDP length of the whole');
  assert.equal(segmentsOf(c.packet, 1200).map(hex), segs.map(hex));
});

t.run();
