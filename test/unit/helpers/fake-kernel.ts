// A stand-in for the Linux kernel's side of netlink, for the CLI's kernel backend: the generic
// netlink controller (family lookup), the "wireguard" family (SET_DEVICE applied to a model of
// the device with the kernel's semantics, GET_DEVICE dumped in several messages so peers split
// across them), and RTM_GETLINK. Works in either byte order, so big-endian hosts are tested on
// little-endian machines. Answers are built with explicit DataView writes, not with NlWriter.
import type { NetlinkSocket } from '../../../src/netlink/netlink.ts';
import { utf8Decode, utf8Encode } from '../../../src/util/bytes.ts';

export interface KPeer {
  publicKey: Uint8Array;
  psk: Uint8Array;
  endpoint: Uint8Array | null; // raw sockaddr as the kernel keeps it
  keepalive: number;
  rx: bigint;
  tx: bigint;
  hsSec: bigint;
  hsNsec: bigint;
  ips: { family: number; addr: Uint8Array; cidr: number }[];
}

export interface KDevice {
  name: string;
  privateKey: Uint8Array | null;
  port: number;
  fwmark: number;
  peers: KPeer[];
}

export const WG_FAMILY = 0x1b;
const ENODEV = 19;
const EINVAL = 22;
const ENOENT = 2;

class Out {
  bytes: number[] = [];
  constructor(readonly le: boolean) {}
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >> 8) : this.u8(v >> 8).u8(v);
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    for (const x of this.le ? b : b.reverse()) this.u8(x);
    return this;
  }
  u64(v: bigint): this {
    const lo = Number(v & 0xffffffffn);
    const hi = Number(v >> 32n);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.u8(b[i]!);
    return this;
  }
  pad(): this {
    while (this.bytes.length % 4) this.u8(0);
    return this;
  }
  /** attribute: header + payload from `fill`, padded */
  attr(type: number, fill: (o: Out) => void): this {
    const o = new Out(this.le);
    fill(o);
    this.u16(4 + o.bytes.length).u16(type).raw(o.bytes).pad();
    return this;
  }
  nest(type: number, fill: (o: Out) => void): this {
    return this.attr(type | 0x8000, fill);
  }
}

function message(le: boolean, type: number, flags: number, seq: number, body: (o: Out) => void): number[] {
  const o = new Out(le);
  body(o);
  const h = new Out(le).u32(16 + o.bytes.length).u16(type).u16(flags).u32(seq).u32(4242);
  return [...h.bytes, ...o.bytes];
}

interface Attr {
  type: number;
  nested: boolean;
  data: Uint8Array;
}

export class FakeKernel {
  readonly le: boolean;
  wireguardLoaded = true;
  devices: KDevice[] = [];
  /** Other links (name, kind) the RTM_GETLINK dump reports. */
  links: [string, string][] = [];
  /** Every SET_DEVICE message received, as raw bytes. */
  sets: Uint8Array[] = [];
  /** How many peers a GET_DEVICE message carries before the dump goes on in another message;
   *  the peer at the boundary is split in the middle of its allowed IPs. */
  peersPerMessage = 1;
  /** Set NLM_F_DUMP_INTR on the first `intr` GET_DEVICE dumps. */
  intr = 0;
  opened = 0;
  closed = 0;

  constructor(le: boolean) {
    this.le = le;
  }

  private dv(b: Uint8Array): DataView {
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private attrs(b: Uint8Array, start: number, end: number): Attr[] {
    const dv = this.dv(b);
    const out: Attr[] = [];
    for (let off = start; off + 4 <= end; ) {
      const len = dv.getUint16(off, this.le);
      const type = dv.getUint16(off + 2, this.le);
      if (len < 4 || off + len > end) throw new Error('fake kernel: malformed attribute');
      out.push({ type: type & 0x3fff, nested: (type & 0x8000) !== 0, data: b.slice(off + 4, off + len) });
      off += (len + 3) & ~3;
    }
    return out;
  }

  private u16(d: Uint8Array): number {
    return this.dv(d).getUint16(0, this.le);
  }
  private u32(d: Uint8Array): number {
    return this.dv(d).getUint32(0, this.le);
  }

  socket(protocol: number): NetlinkSocket {
    this.opened++;
    const queue: number[][] = [];
    return {
      littleEndian: this.le,
      send: (msg) => {
        const dv = this.dv(msg);
        if (dv.getUint32(0, this.le) !== msg.length) throw new Error('fake kernel: nlmsg_len mismatch');
        const type = dv.getUint16(4, this.le);
        const flags = dv.getUint16(6, this.le);
        const seq = dv.getUint32(8, this.le);
        for (const d of this.handle(protocol, type, flags, seq, msg)) queue.push(d);
      },
      recv: (buf) => {
        const d = queue.shift();
        if (!d) throw Object.assign(new Error('fake kernel: nothing to read'), { errno: 11 });
        buf.set(d);
        return d.length;
      },
      close: () => {
        this.closed++;
      },
    };
  }

  private error(seq: number, errno: number): number[] {
    return message(this.le, 2, 0, seq, (o) => o.u32(-errno >>> 0).raw(new Uint8Array(16)));
  }

  private handle(protocol: number, type: number, flags: number, seq: number, msg: Uint8Array): number[][] {
    if (protocol === 0) {
      if (type !== 18) return [this.error(seq, EINVAL)];
      // one datagram holding every link, then DONE
      const d: number[] = [];
      let i = 1;
      for (const [name, kind] of [...this.devices.map((x) => [x.name, 'wireguard'] as [string, string]), ...this.links]) {
        d.push(...message(this.le, 16, 2, seq, (o) => {
          o.u8(0).u8(0).u16(1).u32(i++).u32(0).u32(0); // ifinfomsg
          o.attr(3, (a) => a.raw(utf8Encode(name + '\0')));
          o.attr(4, (a) => a.u32(1420)); // IFLA_MTU, ignored
          if (kind) o.nest(18, (a) => a.attr(1, (k) => k.raw(utf8Encode(kind + '\0'))));
        }));
      }
      return [d, message(this.le, 3, 2, seq, (o) => o.u32(0))];
    }
    if (protocol !== 16) return [this.error(seq, EINVAL)];
    const cmd = msg[16]!;
    const attrs = this.attrs(msg, 20, msg.length);
    if (type === 0x10) {
      const name = attrs.find((a) => a.type === 2);
      const text = name ? utf8Decode(name.data.subarray(0, name.data.length - 1)) : '';
      if (cmd !== 3 || text !== 'wireguard' || !this.wireguardLoaded) return [this.error(seq, ENOENT)];
      return [
        [...message(this.le, 0x10, 0, seq, (o) => {
          o.u8(1).u8(2).u16(0);
          o.attr(2, (a) => a.raw(utf8Encode('wireguard\0')));
          o.attr(1, (a) => a.u16(WG_FAMILY));
        }), ...this.error(seq, 0)],
      ];
    }
    if (type !== WG_FAMILY) return [this.error(seq, ENOENT)];
    const ifname = attrs.find((a) => a.type === 2);
    const name = ifname ? utf8Decode(ifname.data).replace(/\0.*$/s, '') : '';
    const dev = this.devices.find((d) => d.name === name);
    if (!dev) return [this.error(seq, ENODEV)];
    if (cmd === 1) {
      if (!(flags & 4)) throw new Error('fake kernel: SET_DEVICE without NLM_F_ACK');
      this.sets.push(msg.slice());
      const err = this.apply(dev, attrs);
      return [this.error(seq, err)];
    }
    if (cmd === 0) {
      if ((flags & 0x300) !== 0x300) return [this.error(seq, EINVAL)];
      return this.dump(dev, seq);
    }
    return [this.error(seq, EINVAL)];
  }

  /** The kernel's set_device, on the model (validation first, like its policy checks). */
  private apply(dev: KDevice, attrs: Attr[]): number {
    for (const a of attrs) {
      if (a.type === 3 && a.data.length !== 32) return EINVAL;
      if (a.type === 6 && a.data.length !== 2) return EINVAL;
    }
    const flags = attrs.find((a) => a.type === 5);
    if (attrs.some((a) => a.type === 6)) dev.port = this.u16(attrs.find((a) => a.type === 6)!.data) || 40000;
    if (attrs.some((a) => a.type === 7)) dev.fwmark = this.u32(attrs.find((a) => a.type === 7)!.data);
    if (flags && this.u32(flags.data) & 1) dev.peers = [];
    const pk = attrs.find((a) => a.type === 3);
    if (pk) dev.privateKey = pk.data.every((x) => x === 0) ? null : pk.data;
    const peers = attrs.find((a) => a.type === 8);
    if (!peers) return 0;
    if (!peers.nested) return EINVAL;
    for (const pn of this.attrs(peers.data, 0, peers.data.length)) {
      const pa = this.attrs(pn.data, 0, pn.data.length);
      const key = pa.find((a) => a.type === 1);
      if (!key || key.data.length !== 32) return EINVAL;
      const pf = pa.find((a) => a.type === 3);
      const f = pf ? this.u32(pf.data) : 0;
      let p = dev.peers.find((x) => eq(x.publicKey, key.data));
      if (f & 1) {
        dev.peers = dev.peers.filter((x) => x !== p);
        continue;
      }
      if (!p) {
        if (f & 4) continue;
        p = { publicKey: key.data, psk: new Uint8Array(32), endpoint: null, keepalive: 0, rx: 0n, tx: 0n, hsSec: 0n, hsNsec: 0n, ips: [] };
        dev.peers.push(p);
      }
      for (const a of pa) {
        if (a.type === 2) p.psk = a.data;
        else if (a.type === 4) p.endpoint = a.data;
        else if (a.type === 5) p.keepalive = this.u16(a.data);
      }
      if (f & 2) p.ips = [];
      const ips = pa.find((a) => a.type === 9);
      if (ips) {
        for (const en of this.attrs(ips.data, 0, ips.data.length)) {
          const ea = this.attrs(en.data, 0, en.data.length);
          const fam = ea.find((a) => a.type === 1);
          const addr = ea.find((a) => a.type === 2);
          const cidr = ea.find((a) => a.type === 3);
          if (!fam || !addr || !cidr) return EINVAL;
          if (ea.some((a) => a.type > 3)) return EINVAL; // a 6.1 kernel: no WGALLOWEDIP_A_FLAGS
          p.ips.push({ family: this.u16(fam.data), addr: addr.data, cidr: cidr.data[0]! });
        }
      }
    }
    return 0;
  }

  private dump(dev: KDevice, seq: number): number[][] {
    const flags = 2 | (this.intr > 0 ? 0x10 : 0);
    if (this.intr > 0) this.intr--;
    const out: number[][] = [];
    const chunks: { peer: KPeer; ips: KPeer['ips']; first: boolean }[][] = [];
    // peersPerMessage peers per message; the last peer of a message has only its first half of
    // allowed IPs there, the rest opens the next message (public key again)
    let cur: { peer: KPeer; ips: KPeer['ips']; first: boolean }[] = [];
    for (const p of dev.peers) {
      if (cur.length >= this.peersPerMessage) {
        const last = cur[cur.length - 1]!;
        const half = Math.ceil(last.ips.length / 2);
        const rest = last.ips.slice(half);
        last.ips = last.ips.slice(0, half);
        chunks.push(cur);
        cur = rest.length ? [{ peer: last.peer, ips: rest, first: false }] : [];
      }
      cur.push({ peer: p, ips: p.ips, first: true });
    }
    chunks.push(cur);
    chunks.forEach((chunk, i) => {
      out.push(message(this.le, WG_FAMILY, flags, seq, (o) => {
        o.u8(0).u8(1).u16(0);
        if (i === 0) {
          o.attr(6, (a) => a.u16(dev.port));
          o.attr(7, (a) => a.u32(dev.fwmark));
          o.attr(1, (a) => a.u32(7));
          o.attr(2, (a) => a.raw(utf8Encode(dev.name + '\0')));
          if (dev.privateKey) {
            o.attr(3, (a) => a.raw(dev.privateKey!));
            o.attr(4, (a) => a.raw(new Uint8Array(32).fill(9))); // public key: not what wg shows
          }
        }
        o.nest(8, (ps) => {
          for (const c of chunk) {
            ps.nest(0, (pa) => {
              pa.attr(1, (a) => a.raw(c.peer.publicKey));
              if (c.first) {
                pa.attr(2, (a) => a.raw(c.peer.psk));
                pa.attr(6, (a) => a.u64(c.peer.hsSec).u64(c.peer.hsNsec));
                pa.attr(5, (a) => a.u16(c.peer.keepalive));
                pa.attr(8, (a) => a.u64(c.peer.tx));
                pa.attr(7, (a) => a.u64(c.peer.rx));
                pa.attr(10, (a) => a.u32(1));
                if (c.peer.endpoint) pa.attr(4, (a) => a.raw(c.peer.endpoint!));
              }
              pa.nest(9, (ips) => {
                for (const ip of c.ips) {
                  ips.nest(0, (e) => {
                    e.attr(3, (a) => a.u8(ip.cidr));
                    e.attr(2, (a) => a.raw(ip.addr));
                    e.attr(1, (a) => a.u16(ip.family));
                  });
                }
              });
            });
          }
        });
      }));
    });
    out.push(message(this.le, 3, flags, seq, (o) => o.u32(0)));
    // the first two messages share a datagram, as the kernel packs a dump
    if (out.length > 2) out.splice(0, 2, [...out[0]!, ...out[1]!]);
    return out;
  }
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
