// Golden-packet reference for the TUN offload tests (test/native/offload.test.ts): builders for
// IPv4/IPv6 + TCP/UDP packets, RFC 1071 checksums, the virtio_net_hdr, a checker, and what a
// TSO/USO split and a GRO coalesce MUST produce, all computed here in TypeScript independently of
// the C (src/native/offload.c). Pure: no wgjs:sys, so test/unit/pkt.test.ts checks it under Node
// and QuickJS. Every wire field is read/written byte by byte in network order (big-endian); the
// only host-order data, the virtio_net_hdr's u16 fields, take an explicit `littleEndian` flag.

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

// TCP flags (byte 13 of the TCP header)
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

// virtio_net_hdr
export const VNET_HDR_LEN = 10;
export const F_NEEDS_CSUM = 1;
export const F_DATA_VALID = 2;
export const GSO_NONE = 0;
export const GSO_TCPV4 = 1;
export const GSO_TCPV6 = 4;
export const GSO_UDP_L4 = 5;
export const GSO_ECN = 0x80;

// ---------------------------------------------------------------------------------------------
// big-endian (network order) field access

export function get16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}
export function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 255;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}
export function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/** First index where a and b differ (-1 if equal), for readable failure messages. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Deterministic payload bytes from a seed (an LCG; any seed gives a different stream). */
export function payload(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 23;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 1071 Internet checksum

/** Adds the 16-bit big-endian words of b[off..off+len) to `sum` (an odd last byte is padded with
 *  a zero byte) and returns the unfolded sum (a plain Number, exact far beyond any packet size). */
export function sumWords(b: Uint8Array, off: number, len: number, sum = 0): number {
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  return sum;
}

/** End-around-carry fold to 16 bits. A non-zero sum folds to 1..0xffff, never to 0. */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** RFC 1071 checksum of b[off..off+len): the complement of the folded sum. */
export function checksum(b: Uint8Array, off = 0, len = b.length - off, initial = 0): number {
  return ~fold(sumWords(b, off, len, initial)) & 0xffff;
}

/** Unfolded pseudo-header sum: v4 {src, dst, 0, proto, l4len}; v6 {src, dst, l4len (32), 0, next}. */
export function pseudoSum(v: 4 | 6, src: Uint8Array, dst: Uint8Array, proto: number, l4len: number): number {
  let s = sumWords(src, 0, src.length) + sumWords(dst, 0, dst.length) + proto;
  if (v === 4) s += l4len;
  else s += Math.floor(l4len / 0x10000) + (l4len & 0xffff);
  return s;
}

// ---------------------------------------------------------------------------------------------
// parsing

export interface Parsed {
  v: 4 | 6;
  iphLen: number;
  proto: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** IP total length from the header (v4 total length; v6 40 + payload length) */
  ipLen: number;
  l4Off: number;
  /** TCP: data offset * 4; UDP: 8 */
  l4HdrLen: number;
  payloadOff: number;
}

/** Parses an IPv4/IPv6 (no extension headers) TCP/UDP packet; throws on anything malformed. */
export function parse(p: Uint8Array): Parsed {
  if (p.length < 1) throw new Error('empty packet');
  const v = p[0]! >> 4;
  let iphLen: number;
  let proto: number;
  let ipLen: number;
  let src: Uint8Array;
  let dst: Uint8Array;
  if (v === 4) {
    iphLen = (p[0]! & 15) * 4;
    if (iphLen < 20 || p.length < iphLen) throw new Error(`bad IPv4 header length ${iphLen}`);
    proto = p[9]!;
    ipLen = get16(p, 2);
    src = p.slice(12, 16);
    dst = p.slice(16, 20);
  } else if (v === 6) {
    iphLen = 40;
    if (p.length < 40) throw new Error('short IPv6 header');
    proto = p[6]!;
    ipLen = 40 + get16(p, 4);
    src = p.slice(8, 24);
    dst = p.slice(24, 40);
  } else throw new Error(`IP version ${v}`);
  if (ipLen > p.length || ipLen < iphLen) throw new Error(`IP length ${ipLen} vs ${p.length} bytes`);
  const l4Off = iphLen;
  let l4HdrLen: number;
  if (proto === PROTO_TCP) {
    if (ipLen < l4Off + 20) throw new Error('short TCP header');
    l4HdrLen = (p[l4Off + 12]! >> 4) * 4;
    if (l4HdrLen < 20 || l4Off + l4HdrLen > ipLen) throw new Error(`bad TCP data offset ${l4HdrLen}`);
  } else if (proto === PROTO_UDP) {
    if (ipLen < l4Off + 8) throw new Error('short UDP header');
    l4HdrLen = 8;
  } else throw new Error(`protocol ${proto}`);
  return { v: v as 4 | 6, iphLen, proto, src, dst, ipLen, l4Off, l4HdrLen, payloadOff: l4Off + l4HdrLen };
}

/** The L4 checksum field's offset inside the L4 header (TCP 16, UDP 6). */
export function csumOffsetOf(proto: number): number {
  return proto === PROTO_TCP ? 16 : 6;
}

// ---------------------------------------------------------------------------------------------
// building

export interface TcpSpec {
  proto: 'tcp';
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** byte 13 (ACK, PSH, ...); default ACK */
  flags?: number;
  window?: number;
  urgent?: number;
  /** TCP options, padded by the caller to a multiple of 4 */
  options?: Uint8Array;
}
export interface UdpSpec {
  proto: 'udp';
  sport: number;
  dport: number;
}

export interface PacketSpec {
  v: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  /** v4 TOS / v6 traffic class */
  tos?: number;
  /** v4 TTL / v6 hop limit; default 64 */
  ttl?: number;
  /** v4 only */
  id?: number;
  df?: boolean;
  mf?: boolean;
  fragOff?: number;
  /** v4 options (multiple of 4 bytes) */
  ipOptions?: Uint8Array;
  /** v6 only */
  flowLabel?: number;
  l4: TcpSpec | UdpSpec;
  payload: Uint8Array;
  /** L4 checksum field: 'full' (valid, default), 'partial' (folded pseudo-header sum over the L4
   *  length, uncomplemented, as the kernel leaves it with CHECKSUM_PARTIAL), or 'zero'. */
  csum?: 'full' | 'partial' | 'zero';
}

/** Builds the packet bytes of `s`; the IPv4 header checksum is always valid. */
export function build(s: PacketSpec): Uint8Array {
  const ipo = s.ipOptions ?? new Uint8Array(0);
  if (ipo.length % 4 !== 0 || ipo.length > 40) throw new Error('IPv4 options: multiple of 4, <= 40');
  if (s.v === 6 && ipo.length) throw new Error('IPv6 has no header options here');
  const iphLen = s.v === 4 ? 20 + ipo.length : 40;
  const tcpo = s.l4.proto === 'tcp' ? (s.l4.options ?? new Uint8Array(0)) : new Uint8Array(0);
  if (tcpo.length % 4 !== 0 || tcpo.length > 40) throw new Error('TCP options: multiple of 4, <= 40');
  const l4h = s.l4.proto === 'tcp' ? 20 + tcpo.length : 8;
  const l4len = l4h + s.payload.length;
  const p = new Uint8Array(iphLen + l4len);
  const protoNum = s.l4.proto === 'tcp' ? PROTO_TCP : PROTO_UDP;
  if (s.v === 4) {
    if (s.src.length !== 4 || s.dst.length !== 4) throw new Error('IPv4 addresses are 4 bytes');
    p[0] = 0x40 | (iphLen / 4);
    p[1] = s.tos ?? 0;
    put16(p, 2, p.length);
    put16(p, 4, s.id ?? 0);
    put16(p, 6, (s.df === false ? 0 : 0x4000) | (s.mf ? 0x2000 : 0) | ((s.fragOff ?? 0) & 0x1fff));
    p[8] = s.ttl ?? 64;
    p[9] = protoNum;
    p.set(s.src, 12);
    p.set(s.dst, 16);
    p.set(ipo, 20);
    put16(p, 10, ipv4HeaderChecksum(p));
  } else {
    if (s.src.length !== 16 || s.dst.length !== 16) throw new Error('IPv6 addresses are 16 bytes');
    const tc = s.tos ?? 0;
    const fl = s.flowLabel ?? 0;
    put32(p, 0, ((6 << 28) | (tc << 20) | (fl & 0xfffff)) >>> 0);
    put16(p, 4, l4len);
    p[6] = protoNum;
    p[7] = s.ttl ?? 64;
    p.set(s.src, 8);
    p.set(s.dst, 24);
  }
  const o = iphLen;
  if (s.l4.proto === 'tcp') {
    const t = s.l4;
    put16(p, o, t.sport);
    put16(p, o + 2, t.dport);
    put32(p, o + 4, t.seq >>> 0);
    put32(p, o + 8, t.ack >>> 0);
    p[o + 12] = (l4h / 4) << 4;
    p[o + 13] = t.flags ?? ACK;
    put16(p, o + 14, t.window ?? 502);
    put16(p, o + 18, t.urgent ?? 0);
    p.set(tcpo, o + 20);
  } else {
    put16(p, o, s.l4.sport);
    put16(p, o + 2, s.l4.dport);
    put16(p, o + 4, l4len);
  }
  p.set(s.payload, o + l4h);
  const mode = s.csum ?? 'full';
  if (mode === 'full') fillL4Checksum(p);
  else if (mode === 'partial') fillPartialChecksum(p);
  return p;
}

/** Checksum of the IPv4 header of p (its checksum field taken as zero). */
export function ipv4HeaderChecksum(p: Uint8Array): number {
  const ihl = (p[0]! & 15) * 4;
  return ~fold(sumWords(p, 0, ihl) - get16(p, 10)) & 0xffff;
}

/** Writes a full L4 checksum (over pseudo-header, L4 header, payload) into p; UDP 0 -> 0xffff. */
export function fillL4Checksum(p: Uint8Array): void {
  const h = parse(p);
  const at = h.l4Off + csumOffsetOf(h.proto);
  put16(p, at, 0);
  const l4len = h.ipLen - h.l4Off;
  let c = checksum(p, h.l4Off, l4len, pseudoSum(h.v, h.src, h.dst, h.proto, l4len));
  if (c === 0 && h.proto === PROTO_UDP) c = 0xffff;
  put16(p, at, c);
}

/** Writes the folded, uncomplemented pseudo-header sum (NEEDS_CSUM / CHECKSUM_PARTIAL form). */
export function fillPartialChecksum(p: Uint8Array): void {
  const h = parse(p);
  put16(p, h.l4Off + csumOffsetOf(h.proto), partialValue(p));
}

/** The folded pseudo-header sum over p's current L4 length (what NEEDS_CSUM expects in the field). */
export function partialValue(p: Uint8Array): number {
  const h = parse(p);
  return fold(pseudoSum(h.v, h.src, h.dst, h.proto, h.ipLen - h.l4Off));
}

/** Why p's checksums are not valid ('' when the IPv4 header checksum (v4) and the L4 checksum
 *  both verify). A UDP checksum field of 0 counts as invalid unless allowZeroUdp (IPv4 "none"). */
export function checksumProblem(p: Uint8Array, allowZeroUdp = false): string {
  let h: Parsed;
  try {
    h = parse(p);
  } catch (e) {
    return `unparsable: ${(e as Error).message}`;
  }
  if (h.ipLen !== p.length) return `IP length ${h.ipLen} but ${p.length} bytes`;
  if (h.v === 4 && fold(sumWords(p, 0, h.iphLen)) !== 0xffff) return `bad IPv4 header checksum ${get16(p, 10).toString(16)}`;
  const l4len = h.ipLen - h.l4Off;
  const field = get16(p, h.l4Off + csumOffsetOf(h.proto));
  if (h.proto === PROTO_UDP) {
    if (get16(p, h.l4Off + 4) !== l4len) return `UDP length ${get16(p, h.l4Off + 4)} but ${l4len} bytes`;
    if (field === 0) return allowZeroUdp && h.v === 4 ? '' : 'UDP checksum 0';
  }
  const s = fold(sumWords(p, h.l4Off, l4len, pseudoSum(h.v, h.src, h.dst, h.proto, l4len)));
  return s === 0xffff ? '' : `bad ${h.proto === PROTO_TCP ? 'TCP' : 'UDP'} checksum ${field.toString(16)} (sum ${s.toString(16)})`;
}

// ---------------------------------------------------------------------------------------------
// virtio_net_hdr (u16 fields in HOST byte order)

export interface Vnet {
  flags: number;
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
}

export function vnetHeader(h: Partial<Vnet>, littleEndian: boolean): Uint8Array {
  const b = new Uint8Array(VNET_HDR_LEN);
  const dv = new DataView(b.buffer);
  b[0] = h.flags ?? 0;
  b[1] = h.gsoType ?? 0;
  dv.setUint16(2, h.hdrLen ?? 0, littleEndian);
  dv.setUint16(4, h.gsoSize ?? 0, littleEndian);
  dv.setUint16(6, h.csumStart ?? 0, littleEndian);
  dv.setUint16(8, h.csumOffset ?? 0, littleEndian);
  return b;
}

export function parseVnet(b: Uint8Array, off: number, littleEndian: boolean): Vnet {
  const dv = new DataView(b.buffer, b.byteOffset + off, VNET_HDR_LEN);
  return {
    flags: b[off]!,
    gsoType: b[off + 1]!,
    hdrLen: dv.getUint16(2, littleEndian),
    gsoSize: dv.getUint16(4, littleEndian),
    csumStart: dv.getUint16(6, littleEndian),
    csumOffset: dv.getUint16(8, littleEndian),
  };
}

// ---------------------------------------------------------------------------------------------
// reference offloads

/** The segments a TSO/USO super-packet `sp` (full packet, its L4 checksum field whatever the
 *  sender left) with gso_size `gsoSize` must become: per segment i the same headers with IPv4
 *  total length, id + i (mod 2^16) and header checksum, or IPv6 payload length; TCP seq +
 *  i*gsoSize, FIN/PSH only on the last, CWR only on the first; UDP length; a full L4 checksum
 *  (UDP 0 -> 0xffff). The last segment carries the remainder (shorter, or equal if divisible). */
export function segmentsOf(sp: Uint8Array, gsoSize: number): Uint8Array[] {
  if (gsoSize < 1) throw new Error('gso_size 0');
  const h = parse(sp);
  const hdr = sp.subarray(0, h.payloadOff);
  const data = sp.subarray(h.payloadOff, h.ipLen);
  const n = Math.max(1, Math.ceil(data.length / gsoSize));
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const chunk = data.subarray(i * gsoSize, Math.min(data.length, (i + 1) * gsoSize));
    const seg = concat([hdr, chunk]);
    if (h.v === 4) {
      put16(seg, 2, seg.length);
      put16(seg, 4, (get16(sp, 4) + i) & 0xffff);
      put16(seg, 10, ipv4HeaderChecksum(seg));
    } else put16(seg, 4, seg.length - 40);
    const o = h.l4Off;
    if (h.proto === PROTO_TCP) {
      put32(seg, o + 4, (get32(sp, o + 4) + i * gsoSize) >>> 0);
      let f = sp[o + 13]!;
      if (i !== n - 1) f &= ~(FIN | PSH);
      if (i !== 0) f &= ~CWR;
      seg[o + 13] = f;
    } else put16(seg, o + 4, seg.length - o);
    fillL4Checksum(seg);
    out.push(seg);
  }
  return out;
}

/** The one packet a NEEDS_CSUM packet must become: the ones-complement sum of p[csumStart..end)
 *  (which includes the partial sum the sender left in the field), complemented, stored at
 *  csumStart + csumOffset; 0 becomes 0xffff for UDP (RFC 768). */
export function completeChecksum(p: Uint8Array, csumStart: number, csumOffset: number): Uint8Array {
  const q = p.slice();
  let c = checksum(q, csumStart, q.length - csumStart);
  const h = parse(q);
  if (c === 0 && h.proto === PROTO_UDP) c = 0xffff;
  put16(q, csumStart + csumOffset, c);
  return q;
}

export interface Coalesced {
  vnet: Vnet;
  packet: Uint8Array;
}

/** What a GRO write of the run `segs` (segments of one flow, consecutive, already judged
 *  coalescable) must be: the first packet's headers, all payloads concatenated, IPv4 total
 *  length + header checksum (id of the first) or IPv6 payload length, TCP flags of the first
 *  plus PSH if the last had it, UDP length = L4 length, and in the L4 checksum field the folded
 *  pseudo-header sum over the whole L4 length; vnet: NEEDS_CSUM, GSO TCPV4/TCPV6/UDP_L4,
 *  hdr_len = IP + L4 header, gso_size = the first segment's payload, csum_start = IP header
 *  length, csum_offset 16/6. */
export function coalesce(segs: Uint8Array[]): Coalesced {
  if (segs.length < 2) throw new Error('a run has at least two segments');
  const h = parse(segs[0]!);
  const parts = [segs[0]!.subarray(0, h.payloadOff)];
  for (const s of segs) {
    const hs = parse(s);
    parts.push(s.subarray(hs.payloadOff, hs.ipLen));
  }
  const p = concat(parts);
  if (h.v === 4) {
    put16(p, 2, p.length);
    put16(p, 10, ipv4HeaderChecksum(p));
  } else put16(p, 4, p.length - 40);
  if (h.proto === PROTO_TCP) {
    const last = segs[segs.length - 1]!;
    p[h.l4Off + 13] = segs[0]![h.l4Off + 13]! | (last[parse(last).l4Off + 13]! & PSH);
  } else put16(p, h.l4Off + 4, p.length - h.l4Off);
  fillPartialChecksum(p);
  return {
    vnet: {
      flags: F_NEEDS_CSUM,
      gsoType: h.proto === PROTO_UDP ? GSO_UDP_L4 : h.v === 4 ? GSO_TCPV4 : GSO_TCPV6,
      hdrLen: h.payloadOff,
      gsoSize: h.ipLen - h.payloadOff,
      csumStart: h.iphLen,
      csumOffset: csumOffsetOf(h.proto),
    },
    packet: p,
  };
}

// ---------------------------------------------------------------------------------------------
// common options

/** TCP options: NOP NOP timestamp(TSval, TSecr) = 12 bytes. */
export function tcpTimestamps(tsval: number, tsecr: number): Uint8Array {
  const o = new Uint8Array(12);
  o[0] = 1;
  o[1] = 1;
  o[2] = 8;
  o[3] = 10;
  put32(o, 4, tsval);
  put32(o, 8, tsecr);
  return o;
}

/** IPv4 options: Router Alert (4 bytes, RFC 2113). */
export function ipRouterAlert(): Uint8Array {
  return Uint8Array.from([0x94, 0x04, 0x00, 0x00]);
}

export const V4A = Uint8Array.from([10, 9, 0, 1]);
export const V4B = Uint8Array.from([10, 9, 0, 2]);
export const V6A = unhex('fd000009000000000000000000000001');
export const V6B = unhex('fd000009000000000000000000000002');
