// A deterministic in-memory network for device tests: fake clock, seeded randomness, a packet
// queue between devices, and captured TUN output.
import { Device } from '../../../src/device/device.ts';
import { generatePrivateKey, publicKey } from '../../../src/crypto/x25519.ts';
import type { Clock } from '../../../src/platform/types.ts';
import { seededRandom } from '../../helpers/random.ts';
import type { SetRequest } from '../../../src/uapi/types.ts';

// the one seeded generator (test/helpers/random.ts), re-exported for the device tests
export { seededRandom };

export class FakeClock implements Clock {
  t = 1_000_000;
  wallBase = 1_700_000_000;
  now(): number {
    return this.t;
  }
  wall(): number {
    return this.wallBase + this.t / 1000;
  }
}

export interface Wire {
  from: string;
  to: string;
  data: Uint8Array;
  ep: Uint8Array; // source endpoint as the receiver sees it
}

export function endpoint(ip: [number, number, number, number], port: number): Uint8Array {
  const ep = new Uint8Array(40);
  ep[0] = 4;
  ep[2] = port >> 8;
  ep[3] = port & 255;
  ep.set(ip, 4);
  return ep;
}

export class Node {
  dev: Device;
  readonly tunOut: Uint8Array[] = [];
  readonly sent: Uint8Array[] = [];
  priv: Uint8Array;
  pub: Uint8Array;
  ep: Uint8Array;
  constructor(readonly net: Net, readonly name: string, ip: [number, number, number, number], port: number, seed: number) {
    const random = seededRandom(seed);
    this.priv = generatePrivateKey(random);
    this.pub = publicKey(this.priv);
    this.ep = endpoint(ip, port);
    this.dev = new Device({
      clock: net.clock,
      random,
      transport: {
        send: (buf, off, len, to) => {
          const data = buf.slice(off, off + len);
          this.sent.push(data);
          net.queue.push({ from: this.name, to: net.byEndpoint(to), data, ep: this.ep.slice() });
          return true;
        },
      },
      tun: { write: (buf, off, len) => void this.tunOut.push(buf.slice(off, off + len)) },
    });
    this.dev.setPrivateKey(this.priv);
    this.dev.up();
  }
  /** Sends an inner IP packet as if read from TUN (with headroom/tailroom like the daemon). */
  inject(pkt: Uint8Array): void {
    const buf = new Uint8Array(16 + pkt.length + 64);
    buf.set(pkt, 16);
    this.dev.receiveTun(buf, 16, pkt.length);
  }
  peerOf(other: Node) {
    return this.dev.getPeer(other.pub)!;
  }
}

export class Net {
  readonly clock = new FakeClock();
  readonly queue: Wire[] = [];
  readonly nodes = new Map<string, Node>();
  /** drop filter: return true to drop a packet */
  drop: (w: Wire) => boolean = () => false;
  delivered = 0;

  add(name: string, ip: [number, number, number, number], port: number, seed: number): Node {
    const n = new Node(this, name, ip, port, seed);
    this.nodes.set(name, n);
    return n;
  }
  byEndpoint(ep: Uint8Array): string {
    for (const n of this.nodes.values()) {
      let same = true;
      for (let i = 0; i < 8; i++) if (n.ep[i] !== ep[i]) same = false;
      if (same) return n.name;
    }
    return '?';
  }
  /** Delivers queued packets (and what they trigger) until the queue is empty. */
  pump(max = 10_000): void {
    for (let i = 0; i < max && this.queue.length; i++) {
      const w = this.queue.shift()!;
      const to = this.nodes.get(w.to);
      if (!to || this.drop(w)) continue;
      this.delivered++;
      const buf = new Uint8Array(w.data.length + 64);
      buf.set(w.data);
      to.dev.receiveUdp(buf, 0, w.data.length, w.ep);
    }
  }
  /** Advances the clock in steps, running due timers and delivering packets. */
  advance(ms: number, step = 100): void {
    const end = this.clock.t + ms;
    while (this.clock.t < end) {
      let next = end;
      for (const n of this.nodes.values()) next = Math.min(next, n.dev.nextDeadline());
      this.clock.t = Math.max(this.clock.t + 0, Math.min(end, Math.max(next, this.clock.t)));
      if (this.clock.t < end && next > this.clock.t) this.clock.t = Math.min(end, this.clock.t + step);
      for (const n of this.nodes.values()) n.dev.tick();
      this.pump();
      if (next >= end && this.clock.t >= end) break;
    }
    this.clock.t = end;
    for (const n of this.nodes.values()) n.dev.tick();
    this.pump();
  }
}

/** Config helper: peer with allowed IPs and optional endpoint, via Device.apply. */
export function connect(a: Node, b: Node, allowed: [number, number, number, number, number][], opts: { endpoint?: boolean; psk?: Uint8Array; keepalive?: number } = {}): void {
  const req: SetRequest = {
    replacePeers: false,
    peers: [{
      publicKey: b.pub,
      remove: false,
      updateOnly: false,
      replaceAllowedIps: false,
      allowedIps: allowed.map(([x, y, z, w, cidr]) => ({ remove: false, family: 4 as const, addr: Uint8Array.of(x, y, z, w), cidr })),
      ...(opts.endpoint ? { endpoint: b.ep.slice() } : {}),
      ...(opts.psk ? { presharedKey: opts.psk } : {}),
      ...(opts.keepalive !== undefined ? { persistentKeepalive: opts.keepalive } : {}),
    }],
  };
  a.dev.apply(req);
}

/** An IPv4 packet of `len` bytes (ICMP-ish payload) from src to dst. */
export function ipv4(src: [number, number, number, number], dst: [number, number, number, number], len = 84, fill = 0): Uint8Array {
  const p = new Uint8Array(len);
  p[0] = 0x45;
  p[2] = len >> 8;
  p[3] = len & 255;
  p[8] = 64;
  p[9] = 1;
  p.set(src, 12);
  p.set(dst, 16);
  for (let i = 20; i < len; i++) p[i] = (i + fill) & 255;
  return p;
}
