// Golden-packet tests of the TUN offload code (src/native/offload.c) inside the QuickJS test
// binary on each arch (mips is big-endian: the virtio_net_hdr's u16 fields are host order, so
// they are built and read with sys.littleEndian). Every output is compared byte for byte with
// what test/native/pkt.ts (an independent TypeScript reference, itself checked by
// test/unit/pkt.test.ts) says it must be, and its checksums are verified on their own as well.
//   sys.vnetSplit: one TUN read (vnet header + packet) -> plain packets in an arena (TSO/USO split,
//                  NEEDS_CSUM completion, malformed input -1, headroom/tailroom/alignment)
//   sys.tunQueue + sys.tunFlush(capture): GRO coalescing of TCP (mode 1) and UDP (mode 3) runs,
//                  what must NOT be coalesced, plain TUN (mode 0)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sys from 'wgjs:sys';
import {
  ACK, CWR, ECE, FIN, PSH, RST, SYN, URG, V4A, V4B, V6A, V6B, VNET_HDR_LEN,
  F_DATA_VALID, F_NEEDS_CSUM, GSO_ECN, GSO_NONE, GSO_TCPV4, GSO_TCPV6, GSO_UDP_L4,
  build, checksumProblem, coalesce, completeChecksum, concat, firstDiff, fold, get16, hex,
  ipRouterAlert, ipv4HeaderChecksum, parse, parseVnet, payload, pseudoSum, put16, segmentsOf, sumWords,
  tcpTimestamps, vnetHeader, type PacketSpec, type Vnet,
} from './pkt.ts';

const t = suite('native/offload');
const LE = sys.littleEndian;

// ---------------------------------------------------------------------------------------------
// helpers

/** got must equal want byte for byte; the message says where they first differ. */
function same(got: Uint8Array, want: Uint8Array, what: string): void {
  const d = firstDiff(got, want);
  const from = Math.max(0, d - 4);
  assert.ok(
    d === -1,
    `${what}: ${got.length} bytes, expected ${want.length}; first difference at byte ${d}: ` +
      `got ${hex(got.subarray(from, d + 12))} expected ${hex(want.subarray(from, d + 12))}` +
      (d < 80 ? ` | got head ${hex(got.subarray(0, 80))} | expected head ${hex(want.subarray(0, 80))}` : ''),
  );
}

interface TcpSuper {
  v: 4 | 6;
  len: number;
  flags?: number;
  seq?: number;
  id?: number;
  ts?: boolean;
  ipOptions?: Uint8Array;
  seed?: number;
}

/** A TSO super-packet as the kernel hands it over: full headers, the payload, and in the TCP
 *  checksum field the pseudo-header sum (CHECKSUM_PARTIAL). */
function tcpSuper(o: TcpSuper): Uint8Array {
  const spec: PacketSpec = {
    v: o.v, src: o.v === 4 ? V4A : V6A, dst: o.v === 4 ? V4B : V6B, id: o.id ?? 0x1234, tos: 0x10,
    l4: { proto: 'tcp', sport: 50001, dport: 443, seq: o.seq ?? 0x10203040, ack: 0x0a0b0c0d, flags: o.flags ?? (ACK | PSH),
      window: 1000, options: o.ts === false ? undefined : tcpTimestamps(0x11223344, 0x55667788) },
    payload: payload(o.len, o.seed ?? o.len), csum: 'partial',
  };
  if (o.ipOptions) spec.ipOptions = o.ipOptions;
  return build(spec);
}

function udpSuper(v: 4 | 6, len: number, id = 0x4321): Uint8Array {
  return build({
    v, src: v === 4 ? V4A : V6A, dst: v === 4 ? V4B : V6B, id,
    l4: { proto: 'udp', sport: 40000, dport: 51820 }, payload: payload(len, len + 7), csum: 'partial',
  });
}

/** The vnet header the kernel gives a super-packet p (TSO/USO) with gso_size. */
function gsoHdr(p: Uint8Array, gsoSize: number, ecn = false): Partial<Vnet> {
  const h = parse(p);
  const type = h.proto === 17 ? GSO_UDP_L4 : h.v === 4 ? GSO_TCPV4 : GSO_TCPV6;
  return {
    flags: F_NEEDS_CSUM, gsoType: type | (ecn ? GSO_ECN : 0), hdrLen: h.payloadOff, gsoSize,
    csumStart: h.iphLen, csumOffset: h.proto === 17 ? 6 : 16,
  };
}

interface SplitOpts {
  arenaSize?: number;
  maxOut?: number;
  headroom?: number;
  tailroom?: number;
  /** len argument (default: the whole input) */
  len?: number;
}

/** Runs vnetSplit; on success checks the arena contract (in bounds, headroom 16-aligned,
 *  headroom+packet+tailroom regions disjoint) and returns copies of the packets. */
function split(input: Uint8Array, o: SplitOpts = {}): { n: number; pkts: Uint8Array[] } {
  const arena = new Uint8Array(o.arenaSize ?? 256 * 1024);
  const offs = new Int32Array(o.maxOut ?? 128);
  const lens = new Int32Array(o.maxOut ?? 128);
  const hr = o.headroom ?? 16;
  const tr = o.tailroom ?? 32;
  const n = sys.vnetSplit(input, o.len ?? input.length, arena, offs, lens, hr, tr);
  const pkts: Uint8Array[] = [];
  if (n <= 0) return { n, pkts };
  assert.ok(n <= offs.length, `count ${n} within offs (${offs.length})`);
  const regions: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const off = offs[i]!;
    const len = lens[i]!;
    assert.ok(len > 0, `packet ${i}: length ${len}`);
    assert.ok(off - hr >= 0, `packet ${i}: offset ${off} leaves headroom ${hr}`);
    assert.is((off - hr) % 16, 0, `packet ${i}: offset ${off} - headroom ${hr} is 16-aligned`);
    assert.ok(off + len + tr <= arena.length, `packet ${i}: ${off}+${len}+tailroom ${tr} within the arena (${arena.length})`);
    regions.push([off - hr, off + len + tr]);
    pkts.push(arena.slice(off, off + len));
  }
  regions.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < regions.length; i++)
    assert.ok(regions[i]![0] >= regions[i - 1]![1], `headroom+packet+tailroom regions overlap: ${JSON.stringify(regions)}`);
  return { n, pkts };
}

/** Splits vnet(hdr)+p and compares with `want` (default: pkt.ts's segments of p) byte for byte,
 *  and checks every output's checksums independently. */
function expectSplit(what: string, p: Uint8Array, hdr: Partial<Vnet>, want?: Uint8Array[], o: SplitOpts = {}): Uint8Array[] {
  const w = want ?? segmentsOf(p, hdr.gsoSize!);
  const r = split(concat([vnetHeader(hdr, LE), p]), o);
  assert.is(r.n, w.length, `${what}: packet count (vnet ${JSON.stringify(hdr)}, ${p.length}-byte packet)`);
  for (let i = 0; i < w.length; i++) {
    same(r.pkts[i]!, w[i]!, `${what}: packet ${i} of ${w.length}`);
    assert.is(checksumProblem(r.pkts[i]!), '', `${what}: packet ${i} checksums`);
  }
  return r.pkts;
}

function tcpFlagsOf(p: Uint8Array): number {
  return p[parse(p).l4Off + 13]!;
}

// ---------------------------------------------------------------------------------------------
// vnetSplit: TSO / USO

for (const v of [4, 6] as const) {
  const G = v === 4 ? 'TCPv4' : 'TCPv6';
  t(`split ${G}: odd size, the last segment shorter`, () => {
    const p = tcpSuper({ v, len: 2901 });
    const out = expectSplit(G, p, gsoHdr(p, 1000));
    assert.equal(out.map((s) => s.length - parse(s).payloadOff), [1000, 1000, 901]);
  });
  t(`split ${G}: exactly divisible`, () => {
    const p = tcpSuper({ v, len: 4 * 1448 });
    const out = expectSplit(G, p, gsoHdr(p, 1448));
    assert.is(out.length, 4);
  });
  t(`split ${G}: one segment (payload < gso_size)`, () => {
    const p = tcpSuper({ v, len: 700, flags: ACK | PSH | FIN | CWR });
    const out = expectSplit(G, p, gsoHdr(p, 1000));
    assert.is(tcpFlagsOf(out[0]!), ACK | PSH | FIN | CWR, 'a lone segment keeps every flag');
  });
  t(`split ${G}: gso_size 1`, () => {
    const p = tcpSuper({ v, len: 5 });
    expectSplit(G, p, gsoHdr(p, 1));
  });
  t(`split ${G}: PSH+FIN only on the last, CWR only on the first, ECE on all`, () => {
    const p = tcpSuper({ v, len: 3500, flags: ACK | PSH | FIN | CWR | ECE });
    const out = expectSplit(G, p, gsoHdr(p, 1000));
    assert.equal(out.map(tcpFlagsOf), [ACK | CWR | ECE, ACK | ECE, ACK | ECE, ACK | ECE | PSH | FIN]);
  });
  t(`split ${G}: ECN bit in gso_type`, () => {
    const p = tcpSuper({ v, len: 2100, flags: ACK | CWR | PSH });
    const out = expectSplit(`${G}|ECN`, p, gsoHdr(p, 1000, true));
    assert.equal(out.map(tcpFlagsOf), [ACK | CWR, ACK, ACK | PSH]);
  });
  t(`split ${G}: without TCP options, sequence number wrapping`, () => {
    const p = tcpSuper({ v, len: 3000, ts: false, seq: 0xfffffa00, id: 0xfffe });
    const out = expectSplit(G, p, gsoHdr(p, 1460));
    assert.equal(out.map((s) => hex(s.subarray(parse(s).l4Off + 4, parse(s).l4Off + 8))), ['fffffa00', 'ffffffb4', '00000568']);
    if (v === 4) assert.equal(out.map((s) => get16(s, 4)), [0xfffe, 0xffff, 0]);
  });
  t(`split ${G}: a 65535-byte super-packet`, () => {
    const data = 65535 - (v === 4 ? 20 : 40) - 32;
    const p = tcpSuper({ v, len: data });
    assert.is(p.length, 65535);
    const out = expectSplit(G, p, gsoHdr(p, 1448));
    assert.is(out.length, Math.ceil(data / 1448));
  });
  t(`split UDPv${v} (USO): odd, divisible, one segment`, () => {
    for (const [len, gso, n] of [[3000, 1200, 3], [2400, 1200, 2], [300, 1200, 1], [4, 1, 4]] as const) {
      const p = udpSuper(v, len);
      const out = expectSplit(`UDP_L4 v${v} ${len}/${gso}`, p, gsoHdr(p, gso));
      assert.is(out.length, n);
      for (const s of out) assert.is(get16(s, parse(s).l4Off + 4), s.length - parse(s).l4Off, 'UDP length');
    }
  });
}

t('split TCPv4 with IPv4 options (IHL 6)', () => {
  const p = tcpSuper({ v: 4, len: 2500, ipOptions: ipRouterAlert() });
  assert.is(parse(p).iphLen, 24);
  const out = expectSplit('TCPv4+IP options', p, gsoHdr(p, 1000));
  for (const s of out) same(s.subarray(20, 24), ipRouterAlert(), 'options copied');
});

t('split UDPv4 with IPv4 options', () => {
  const p = build({
    v: 4, src: V4A, dst: V4B, id: 9, ipOptions: ipRouterAlert(), l4: { proto: 'udp', sport: 1, dport: 2 },
    payload: payload(2000, 5), csum: 'partial',
  });
  expectSplit('UDPv4+IP options', p, gsoHdr(p, 900));
});

t('split: hdr_len is not trusted (0 gives the same segments)', () => {
  const p = tcpSuper({ v: 4, len: 2500 });
  expectSplit('TCPv4 hdr_len 0', p, { ...gsoHdr(p, 1000), hdrLen: 0 });
  const u = udpSuper(6, 2500);
  expectSplit('UDPv6 hdr_len 0', u, { ...gsoHdr(u, 1000), hdrLen: 0 });
});

t('split: honours len (trailing bytes after it ignored) and the input view offset', () => {
  const p = tcpSuper({ v: 6, len: 2222 });
  const whole = concat([new Uint8Array(7), vnetHeader(gsoHdr(p, 1000), LE), p, new Uint8Array(100).fill(0xee)]);
  const input = whole.subarray(7);
  const r = split(input, { len: VNET_HDR_LEN + p.length });
  const want = segmentsOf(p, 1000);
  assert.is(r.n, 3);
  for (let i = 0; i < 3; i++) same(r.pkts[i]!, want[i]!, `segment ${i}`);
});

t('split: headroom/tailroom/alignment contract for several values', () => {
  const p = tcpSuper({ v: 4, len: 4000 });
  for (const [hr, tr] of [[0, 0], [16, 16], [32, 48], [48, 7], [5, 3]] as const)
    expectSplit(`headroom ${hr} tailroom ${tr}`, p, gsoHdr(p, 1000), undefined, { headroom: hr, tailroom: tr });
});

// ---------------------------------------------------------------------------------------------
// vnetSplit: gso NONE

for (const v of [4, 6] as const) {
  t(`NONE + NEEDS_CSUM completes the TCP checksum (v${v})`, () => {
    const spec: PacketSpec = {
      v, src: v === 4 ? V4A : V6A, dst: v === 4 ? V4B : V6B, id: 77,
      l4: { proto: 'tcp', sport: 22, dport: 60000, seq: 1, ack: 2, flags: ACK | PSH, options: tcpTimestamps(3, 4) },
      payload: payload(333, 9), csum: 'partial',
    };
    const p = build(spec);
    const h = parse(p);
    const full = build({ ...spec, csum: 'full' });
    assert.is(hex(completeChecksum(p, h.iphLen, 16)), hex(full), 'reference');
    expectSplit(`TCPv${v} NEEDS_CSUM`, p, { flags: F_NEEDS_CSUM, gsoType: GSO_NONE, hdrLen: h.payloadOff, csumStart: h.iphLen, csumOffset: 16 }, [full]);
  });
  t(`NONE + NEEDS_CSUM completes the UDP checksum (v${v}), 0 becomes ffff`, () => {
    const base: PacketSpec = {
      v, src: v === 4 ? V4A : V6A, dst: v === 4 ? V4B : V6B, id: 78,
      l4: { proto: 'udp', sport: 53, dport: 33333 }, payload: payload(101, 10), csum: 'partial',
    };
    const p = build(base);
    const hdr = { flags: F_NEEDS_CSUM, gsoType: GSO_NONE, csumStart: parse(p).iphLen, csumOffset: 6 };
    expectSplit(`UDPv${v} NEEDS_CSUM`, p, hdr, [build({ ...base, csum: 'full' })]);
    // a payload whose checksum computes to 0: pick its last two bytes
    const pl = payload(64, 11);
    pl[62] = 0;
    pl[63] = 0;
    const z = build({ ...base, payload: pl, csum: 'zero' });
    const l4 = z.length - parse(z).l4Off;
    const s = fold(sumWords(z, parse(z).l4Off, l4, pseudoSum(v, base.src, base.dst, 17, l4)));
    pl[62] = (0xffff - s) >> 8;
    pl[63] = (0xffff - s) & 255;
    const want = build({ ...base, payload: pl, csum: 'full' });
    assert.is(get16(want, parse(want).l4Off + 6), 0xffff, 'reference makes ffff');
    expectSplit(`UDPv${v} NEEDS_CSUM sum 0`, build({ ...base, payload: pl }), hdr, [want]);
  });
}

t('NONE without flags (and with DATA_VALID) passes the packet unchanged', () => {
  // a deliberately wrong TCP checksum must not be "fixed", nor an ICMP packet touched
  const tcp = build({
    v: 4, src: V4A, dst: V4B, l4: { proto: 'tcp', sport: 1, dport: 2, seq: 3, ack: 4 }, payload: payload(50, 1), csum: 'partial',
  });
  const udp6 = build({ v: 6, src: V6A, dst: V6B, l4: { proto: 'udp', sport: 1, dport: 2 }, payload: payload(51, 2) });
  const icmp = build({ v: 4, src: V4A, dst: V4B, l4: { proto: 'udp', sport: 0x0800, dport: 0 }, payload: payload(56, 3) });
  icmp[9] = 1; // protocol ICMP
  put16(icmp, 10, 0);
  put16(icmp, 10, ~fold(sumWords(icmp, 0, 20)) & 0xffff);
  for (const [name, p] of [['TCPv4 bad csum', tcp], ['UDPv6', udp6], ['ICMP', icmp]] as const)
    for (const flags of [0, F_DATA_VALID]) {
      const r = split(concat([vnetHeader({ flags }, LE), p]));
      assert.is(r.n, 1, `${name} flags ${flags}`);
      same(r.pkts[0]!, p, `${name} flags ${flags} unchanged`);
    }
});

// ---------------------------------------------------------------------------------------------
// vnetSplit: malformed -> -1

t('malformed: gso_size 0, unknown gso type, type/packet mismatch', () => {
  const p4 = tcpSuper({ v: 4, len: 3000 });
  const p6 = tcpSuper({ v: 6, len: 3000 });
  const u4 = udpSuper(4, 3000);
  const cases: [string, Uint8Array, Partial<Vnet>][] = [
    ['TCPV4 gso_size 0', p4, { ...gsoHdr(p4, 1000), gsoSize: 0 }],
    ['UDP_L4 gso_size 0', u4, { ...gsoHdr(u4, 1000), gsoSize: 0 }],
    ['gso_type 3 (UFO)', u4, { ...gsoHdr(u4, 1000), gsoType: 3 }],
    ['TCPV4 on an IPv6 packet', p6, { ...gsoHdr(p6, 1000), gsoType: GSO_TCPV4 }],
    ['TCPV6 on an IPv4 packet', p4, { ...gsoHdr(p4, 1000), gsoType: GSO_TCPV6 }],
    ['TCPV4 on a UDP packet', u4, { ...gsoHdr(u4, 1000), gsoType: GSO_TCPV4, csumOffset: 16 }],
  ];
  for (const [name, p, h] of cases) assert.is(split(concat([vnetHeader(h, LE), p])).n, -1, name);
});

t('malformed: csum_start / csum_offset beyond the packet', () => {
  const p = build({ v: 4, src: V4A, dst: V4B, l4: { proto: 'udp', sport: 1, dport: 2 }, payload: payload(30, 1), csum: 'partial' });
  const bad: [string, Partial<Vnet>][] = [
    ['csum_start past the end', { flags: F_NEEDS_CSUM, csumStart: p.length + 4, csumOffset: 6 }],
    ['csum_start at the end', { flags: F_NEEDS_CSUM, csumStart: p.length, csumOffset: 0 }],
    ['checksum field past the end', { flags: F_NEEDS_CSUM, csumStart: 20, csumOffset: p.length - 20 - 1 }],
  ];
  for (const [name, h] of bad) assert.is(split(concat([vnetHeader(h, LE), p])).n, -1, name);
  // the same packet with a sane header works (so -1 above is about the offsets)
  assert.is(split(concat([vnetHeader({ flags: F_NEEDS_CSUM, csumStart: 20, csumOffset: 6 }, LE), p])).n, 1);
});

// each case: [input (vnet header + packet), len argument]
const MALFORMED: [string, () => [Uint8Array, number]][] = [
  ['shorter than the vnet header', () => { const i = gsoInput(4); return [i, 5]; }],
  ['IPv4 header truncated (15 bytes)', () => [gsoInput(4), VNET_HDR_LEN + 15]],
  ['TCP header truncated (IPv4, 30 bytes)', () => [gsoInput(4), VNET_HDR_LEN + 30]],
  ['IPv4 total length claims 1 byte more than len', () => { const i = gsoInput(4); return [i, i.length - 1]; }],
  ['IPv6 header truncated (39 bytes)', () => [gsoInput(6), VNET_HDR_LEN + 39]],
  ['IPv6 payload length claims 100 bytes more than len', () => { const i = gsoInput(6); return [i, i.length - 100]; }],
  ['TCP data offset (60 bytes) past the end', () => {
    const q = tcpSuper({ v: 4, len: 10, ts: false });
    const h = gsoHdr(q, 1000);
    q[20 + 12] = 0xf0;
    const i = concat([vnetHeader({ ...h, hdrLen: 80 }, LE), q]);
    return [i, i.length];
  }],
  ['IHL 15 (60 bytes) on a 50-byte packet', () => {
    const r = tcpSuper({ v: 4, len: 10, ts: false });
    const h = gsoHdr(r, 1000);
    r[0] = 0x4f;
    const i = concat([vnetHeader(h, LE), r]);
    return [i, i.length];
  }],
  ['IHL 4', () => {
    const r = tcpSuper({ v: 4, len: 3000 });
    const h = gsoHdr(r, 1000);
    r[0] = 0x44;
    put16(r, 10, 0);
    put16(r, 10, ~fold(sumWords(r, 0, 16)) & 0xffff);
    const i = concat([vnetHeader({ ...h, csumStart: 16 }, LE), r]);
    return [i, i.length];
  }],
];
function gsoInput(v: 4 | 6): Uint8Array {
  const p = tcpSuper({ v, len: 3000 });
  return concat([vnetHeader(gsoHdr(p, 1000), LE), p]);
}
for (const [name, make] of MALFORMED)
  t(`malformed: ${name}`, () => {
    const [input, len] = make();
    const r = split(input, { len });
    assert.is(r.n, -1, `${name}: got ${r.n} packet(s) of ${r.pkts.map((p) => p.length).join(',')} bytes ` +
      `(input: vnet ${hex(input.subarray(0, 10))} + ${input.length - 10}-byte packet, len ${len}; ` +
      `packet head ${hex(input.subarray(10, 34))})`);
  });

t('malformed: does not fit in the arena or in offs', () => {
  const p = tcpSuper({ v: 4, len: 3000 });
  const input = concat([vnetHeader(gsoHdr(p, 1000), LE), p]);
  assert.is(split(input, { maxOut: 3 }).n, 3, 'fits with 3 slots');
  assert.is(split(input, { maxOut: 2 }).n, -1, 'offs/lens of 2 for 3 segments');
  assert.is(split(input, { arenaSize: 2300 }).n, -1, 'arena for about 2 of 3 segments');
  assert.is(split(input, { arenaSize: 1000 }).n, -1, 'arena smaller than one segment');
  const none = concat([vnetHeader({}, LE), segmentsOf(p, 1000)[0]!]);
  assert.is(split(none, { arenaSize: 1000 }).n, -1, 'NONE packet larger than the arena');
});

// ---------------------------------------------------------------------------------------------
// tunQueue / tunFlush: GRO

const cap = new Uint8Array(1 << 20);
const capLens = new Int32Array(512);
const ZERO_HDR = new Uint8Array(VNET_HDR_LEN);

/** Queues pkts (each at a different offset of a larger buffer) and returns the captured writes. */
function writes(mode: number, pkts: Uint8Array[]): Uint8Array[] {
  sys.tunFlush(cap, capLens); // leftovers of an earlier failed test
  for (let i = 0; i < pkts.length; i++) {
    const p = pkts[i]!;
    const buf = new Uint8Array(p.length + 3 + (i % 5));
    buf.set(p, 3);
    assert.ok(sys.tunQueue(-1, mode, buf, 3, p.length), `tunQueue of packet ${i}`);
  }
  const n = sys.tunFlush(cap, capLens);
  const out: Uint8Array[] = [];
  let o = 0;
  for (let i = 0; i < n; i++) {
    out.push(cap.slice(o, o + capLens[i]!));
    o += capLens[i]!;
  }
  return out;
}

interface FlowOpts {
  v: 4 | 6;
  sizes: number[];
  seq0?: number;
  id0?: number;
  sport?: number;
  ts?: boolean;
  /** flags of segment i (default ACK) */
  flags?: (i: number) => number;
  /** edits segment i's spec before it is built */
  mut?: (s: PacketSpec, i: number) => void;
  /** edits segment i's bytes after it is built */
  post?: (p: Uint8Array, i: number) => void;
}

/** Consecutive segments of one TCP flow with valid checksums, IPv4 ids counting up, DF set. */
function tcpFlow(o: FlowOpts): Uint8Array[] {
  let seq = o.seq0 ?? 0x7ffffe00;
  return o.sizes.map((size, i) => {
    const spec: PacketSpec = {
      v: o.v, src: o.v === 4 ? V4A : V6A, dst: o.v === 4 ? V4B : V6B, id: ((o.id0 ?? 0x100) + i) & 0xffff, tos: 0, ttl: 63,
      l4: { proto: 'tcp', sport: o.sport ?? 443, dport: 41000, seq, ack: 0x55aa55aa, flags: o.flags ? o.flags(i) : ACK,
        window: 4096, options: o.ts === false ? undefined : tcpTimestamps(0xabcdef01, 0x12345678) },
      payload: payload(size, (o.sport ?? 443) * 1000 + i),
    };
    o.mut?.(spec, i);
    seq = (seq + size) >>> 0;
    const p = build(spec);
    o.post?.(p, i);
    return p;
  });
}

function udpFlow(v: 4 | 6, sizes: number[], sport = 51820): Uint8Array[] {
  return sizes.map((size, i) =>
    build({
      v, src: v === 4 ? V4A : V6A, dst: v === 4 ? V4B : V6B, id: 0x200 + i, ttl: 63,
      l4: { proto: 'udp', sport, dport: 41001 }, payload: payload(size, sport + i),
    }));
}

/** w must be exactly the GRO write of the run segs (pkt.ts's coalesce), and independently: its
 *  checksum completed as the kernel would verifies, and splitting it gives back segs. */
function expectCoalesced(w: Uint8Array | undefined, segs: Uint8Array[], what: string, idsFixed = false): void {
  assert.ok(w, `${what}: a write`);
  const c = coalesce(segs);
  const got = parseVnet(w, 0, LE);
  assert.equal(got, c.vnet, `${what}: vnet header (${segs.length} segments)`);
  same(w, concat([vnetHeader(c.vnet, LE), c.packet]), `${what}: coalesced write`);
  const p = w.subarray(VNET_HDR_LEN);
  assert.is(checksumProblem(completeChecksum(p, got.csumStart, got.csumOffset)), '', `${what}: checksum once completed`);
  const back = segmentsOf(p, got.gsoSize || 1);
  assert.is(back.length, segs.length, `${what}: segments it splits into`);
  for (let i = 0; i < segs.length; i++) {
    let want = segs[i]!;
    if (idsFixed) {
      // DF packets may share an id; the kernel's split counts up from the first one
      want = want.slice();
      put16(want, 4, (get16(segs[0]!, 4) + i) & 0xffff);
      put16(want, 10, ipv4HeaderChecksum(want));
    }
    same(back[i]!, want, `${what}: split back, segment ${i}`);
  }
}

/** writes must be the packets pkts, each alone, unchanged, after a zero vnet header. */
function expectAlone(ws: Uint8Array[], pkts: Uint8Array[], what: string): void {
  assert.is(ws.length, pkts.length, `${what}: number of writes (${ws.map((w) => w.length).join(',')})`);
  for (let i = 0; i < pkts.length; i++) same(ws[i]!, concat([ZERO_HDR, pkts[i]!]), `${what}: write ${i} (zero vnet header + the packet unchanged)`);
}

for (const v of [4, 6] as const) {
  t(`GRO TCPv${v}: one run of equal segments, PSH of the last kept`, () => {
    // the sequence numbers wrap past 2^32 inside the run
    const segs = tcpFlow({ v, sizes: [1448, 1448, 1448], seq0: 0xfffffa00, flags: (i) => (i === 2 ? ACK | PSH : ACK) });
    const ws = writes(1, segs);
    assert.is(ws.length, 1, 'one write');
    expectCoalesced(ws[0], segs, `TCPv${v}`);
    assert.is(tcpFlagsOf(ws[0]!.subarray(VNET_HDR_LEN)), ACK | PSH);
  });
  t(`GRO TCPv${v}: last segment shorter, no TCP options`, () => {
    const segs = tcpFlow({ v, sizes: [1000, 1000, 1000, 17], ts: false });
    const ws = writes(1, segs);
    assert.is(ws.length, 1, 'one write');
    expectCoalesced(ws[0], segs, `TCPv${v}`);
  });
  t(`GRO TCPv${v}: a shorter segment closes the run`, () => {
    const segs = tcpFlow({ v, sizes: [1200, 1200, 600, 1200] });
    const ws = writes(1, segs);
    assert.is(ws.length, 2, 'two writes');
    expectCoalesced(ws[0], segs.slice(0, 3), 'run');
    expectAlone(ws.slice(1), segs.slice(3), 'after the run');
  });
  t(`GRO TCPv${v}: PSH closes the run`, () => {
    const segs = tcpFlow({ v, sizes: [1200, 1200, 1200, 1200], flags: (i) => (i === 1 ? ACK | PSH : ACK) });
    const ws = writes(1, segs);
    assert.is(ws.length, 2, 'two writes');
    expectCoalesced(ws[0], segs.slice(0, 2), 'run with PSH');
    expectCoalesced(ws[1], segs.slice(2), 'next run');
  });
  t(`GRO TCPv${v}: more than 64 KiB makes two writes`, () => {
    const segs = tcpFlow({ v, sizes: new Array(47).fill(1448) });
    const hdr = (v === 4 ? 20 : 40) + 32;
    // 45 segments make 65212 (v4) / 65232 (v6) bytes, 46 more than 66600: the cut is the same
    // whether the limit is 65535 for the whole packet or for the IPv6 payload
    const fit = 45;
    assert.ok(hdr + fit * 1448 <= 65535 && hdr + (fit + 1) * 1448 > 65535 + 40);
    const ws = writes(1, segs);
    assert.is(ws.length, 2, `two writes (${ws.map((w) => w.length).join(',')})`);
    expectCoalesced(ws[0], segs.slice(0, fit), 'first 64 KiB');
    expectCoalesced(ws[1], segs.slice(fit), 'the rest');
  });
  t(`GRO TCPv${v}: two flows interleaved coalesce separately`, () => {
    const a = tcpFlow({ v, sizes: [1300, 1300, 1300], sport: 1001 });
    const b = tcpFlow({ v, sizes: [900, 900, 900, 100], sport: 1002, seq0: 5 });
    const ws = writes(1, [a[0]!, b[0]!, a[1]!, b[1]!, b[2]!, a[2]!, b[3]!]);
    assert.is(ws.length, 2, `two writes (${ws.map((w) => w.length).join(',')})`);
    const sportOf = (w: Uint8Array): number => get16(w, VNET_HDR_LEN + (v === 4 ? 20 : 40));
    const wa = ws.find((w) => sportOf(w) === 1001);
    const wb = ws.find((w) => sportOf(w) === 1002);
    expectCoalesced(wa, a, 'flow a');
    expectCoalesced(wb, b, 'flow b');
  });
  t(`GRO TCPv${v}: a packet that cannot merge keeps its place in the flow`, () => {
    const segs = tcpFlow({ v, sizes: [1000, 1000, 1000, 1000, 1000], post: (p, i) => { if (i === 2) p[p.length - 1]! ^= 1; } });
    const ws = writes(1, segs);
    assert.is(ws.length, 3, `three writes (${ws.map((w) => w.length).join(',')})`);
    expectCoalesced(ws[0], segs.slice(0, 2), 'before');
    expectAlone([ws[1]!], [segs[2]!], 'the bad one');
    expectCoalesced(ws[2], segs.slice(3), 'after');
  });
  t(`GRO TCPv${v}: a pure ACK between data segments is not merged and keeps its place`, () => {
    const segs = tcpFlow({ v, sizes: [1000, 0, 1000, 1000] });
    const ws = writes(1, segs);
    assert.is(ws.length, 3, `three writes (${ws.map((w) => w.length).join(',')})`);
    expectAlone(ws.slice(0, 2), segs.slice(0, 2), 'data, then the pure ACK');
    expectCoalesced(ws[2], segs.slice(2), 'after');
  });
  t(`GRO TCPv${v}: a lone segment is written alone`, () => {
    const segs = tcpFlow({ v, sizes: [1448] });
    expectAlone(writes(1, segs), segs, 'lone');
  });

  // pairs (or more) of segments that must not be merged: each written alone, unchanged, in order
  const NOT: [string, FlowOpts][] = [
    ['gap in seq', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1 && s.l4.proto === 'tcp') s.l4.seq += 1; } }],
    ['overlapping seq', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1 && s.l4.proto === 'tcp') s.l4.seq -= 500; } }],
    ['different ACK', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1 && s.l4.proto === 'tcp') s.l4.ack += 1000; } }],
    ['different options (TSval)', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1 && s.l4.proto === 'tcp') s.l4.options = tcpTimestamps(0xabcdef02, 0x12345678); } }],
    ['different option length', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1 && s.l4.proto === 'tcp') s.l4.options = undefined; } }],
    ['larger after smaller', { v, sizes: [500, 1000] }],
    ['bad TCP checksum on the second', { v, sizes: [1000, 1000], post: (p, i) => { if (i === 1) p[p.length - 1]! ^= 0x40; } }],
    ['bad TCP checksum on the first', { v, sizes: [1000, 1000], post: (p, i) => { if (i === 0) p[p.length - 7]! ^= 0x01; } }],
    ['different TOS/traffic class', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1) s.tos = 0x20; } }],
    ['different TTL/hop limit', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1) s.ttl = 64; } }],
    ['different window', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1 && s.l4.proto === 'tcp') s.l4.window = 4097; } }],
  ];
  for (const [name, flag] of [['SYN', SYN], ['FIN', FIN], ['RST', RST], ['URG', URG]] as const)
    for (const at of [0, 1])
      NOT.push([`${name} on segment ${at}`, { v, sizes: [1000, 1000], flags: (i) => (i === at ? ACK | flag : ACK), mut: (s, i) => {
        if (i === at && flag === URG && s.l4.proto === 'tcp') s.l4.urgent = 10;
      } }]);
  if (v === 4) {
    NOT.push(['no DF and ids not consecutive', { v, sizes: [1000, 1000], mut: (s, i) => { s.df = false; s.id = 0x300 + 2 * i; } }]);
    NOT.push(['different DF', { v, sizes: [1000, 1000], mut: (s, i) => { if (i === 1) s.df = false; } }]);
    NOT.push(['IPv4 options', { v, sizes: [1000, 1000], mut: (s) => { s.ipOptions = ipRouterAlert(); } }]);
    NOT.push(['fragments (MF)', { v, sizes: [1000, 1000], mut: (s) => { s.mf = true; } }]);
    NOT.push(['fragments (offset)', { v, sizes: [1000, 1000], mut: (s) => { s.fragOff = 100; } }]);
    NOT.push(['bad IPv4 header checksum', { v, sizes: [1000, 1000], post: (p, i) => { if (i === 1) p[10]! ^= 0x10; } }]);
  }
  for (const [name, o] of NOT)
    t(`GRO TCPv${v} not coalesced: ${name}`, () => {
      const segs = tcpFlow(o);
      expectAlone(writes(1, segs), segs, name);
    });

  if (v === 4) {
    t('GRO TCPv4 without DF: consecutive ids (wrapping) coalesce', () => {
      const segs = tcpFlow({ v, sizes: [1000, 1000, 1000], id0: 0xfffe, mut: (s) => { s.df = false; } });
      const ws = writes(1, segs);
      assert.is(ws.length, 1, 'one write');
      expectCoalesced(ws[0], segs, 'no DF');
    });
    t('GRO TCPv4 with DF: equal ids coalesce', () => {
      const segs = tcpFlow({ v, sizes: [1000, 1000, 1000], mut: (s) => { s.id = 0; } });
      const ws = writes(1, segs);
      assert.is(ws.length, 1, 'one write');
      expectCoalesced(ws[0], segs, 'DF, id 0', true);
    });
  }
  t(`GRO UDPv${v}: mode 3 coalesces one flow, mode 1 does not`, () => {
    const d = udpFlow(v, [1200, 1200, 1200, 700]);
    const ws = writes(3, d);
    assert.is(ws.length, 1, `one write in mode 3 (${ws.map((w) => w.length).join(',')})`);
    expectCoalesced(ws[0], d, `UDPv${v}`);
    assert.is(parseVnet(ws[0]!, 0, LE).csumOffset, 6);
    expectAlone(writes(1, d), d, 'mode 1');
  });
  t(`GRO UDPv${v}: mode 3 keeps flows apart, larger after smaller is not merged`, () => {
    const a = udpFlow(v, [1000, 1000], 5000);
    const b = udpFlow(v, [800], 5001);
    const ws = writes(3, [a[0]!, b[0]!, a[1]!]);
    assert.is(ws.length, 2, `two writes (${ws.map((w) => w.length).join(',')})`);
    const sportOf = (w: Uint8Array): number => get16(w, VNET_HDR_LEN + (v === 4 ? 20 : 40));
    expectCoalesced(ws.find((w) => sportOf(w) === 5000), a, 'flow a');
    expectAlone(ws.filter((w) => sportOf(w) === 5001), b, 'flow b');
    const c = udpFlow(v, [500, 1000]);
    expectAlone(writes(3, c), c, 'larger after smaller');
    const d = udpFlow(v, [1000, 1000]);
    d[1]![d[1]!.length - 1]! ^= 0x80;
    expectAlone(writes(3, d), d, 'bad UDP checksum on the second');
  });
  t(`GRO TCPv${v}: mode 3 still coalesces TCP`, () => {
    const segs = tcpFlow({ v, sizes: [1448, 1448] });
    const ws = writes(3, segs);
    assert.is(ws.length, 1);
    expectCoalesced(ws[0], segs, 'mode 3 TCP');
  });
}

t('mode 0: plain TUN writes, no vnet header, nothing coalesced', () => {
  const segs = [...tcpFlow({ v: 4, sizes: [1448, 1448, 1448] }), ...udpFlow(6, [1200, 1200])];
  const ws = writes(0, segs);
  assert.is(ws.length, segs.length, 'one write per packet');
  for (let i = 0; i < segs.length; i++) same(ws[i]!, segs[i]!, `write ${i} is the packet itself`);
});

t.run();
