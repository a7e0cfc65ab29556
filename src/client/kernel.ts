// The CLI's kernel backend: the Linux kernel's WireGuard over generic netlink (family
// "wireguard", linux/wireguard.h), and the list of kernel WireGuard links over rtnetlink; the
// counterpart of wg(8)'s ipc-linux.h, so `wgjs` (and the `wg` link of the wgjs-wg package)
// manages kernel interfaces as the stock wg does. Pure: the socket comes from the environment.
import {
  NETLINK_GENERIC, NETLINK_ROUTE, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NlReader, NlWriter, request,
  type NetlinkSocket, type NlAttr, type NlMessage,
} from '../netlink/netlink.ts';
import { ctEqual, isZero, utf8Encode } from '../util/bytes.ts';
import { hasEndpoint, makeEndpoint, type Prefix } from '../util/ip.ts';
import type { GetDevice, GetPeer } from '../uapi/get.ts';
import type { SetRequest } from '../uapi/types.ts';

// linux/genetlink.h
const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
const GENL_HDRLEN = 4;

// linux/wireguard.h
const WG_GENL_NAME = 'wireguard';
const WG_GENL_VERSION = 1;
const WG_CMD_GET_DEVICE = 0;
const WG_CMD_SET_DEVICE = 1;
const WGDEVICE_A_IFNAME = 2;
const WGDEVICE_A_PRIVATE_KEY = 3;
const WGDEVICE_A_FLAGS = 5;
const WGDEVICE_A_LISTEN_PORT = 6;
const WGDEVICE_A_FWMARK = 7;
const WGDEVICE_A_PEERS = 8;
const WGDEVICE_F_REPLACE_PEERS = 1;
const WGPEER_A_PUBLIC_KEY = 1;
const WGPEER_A_PRESHARED_KEY = 2;
const WGPEER_A_FLAGS = 3;
const WGPEER_A_ENDPOINT = 4;
const WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL = 5;
const WGPEER_A_LAST_HANDSHAKE_TIME = 6;
const WGPEER_A_RX_BYTES = 7;
const WGPEER_A_TX_BYTES = 8;
const WGPEER_A_ALLOWEDIPS = 9;
const WGPEER_F_REMOVE_ME = 1;
const WGPEER_F_REPLACE_ALLOWEDIPS = 2;
const WGPEER_F_UPDATE_ONLY = 4;
const WGALLOWEDIP_A_FAMILY = 1;
const WGALLOWEDIP_A_IPADDR = 2;
const WGALLOWEDIP_A_CIDR_MASK = 3;
const WGALLOWEDIP_A_FLAGS = 4; // kernels before 6.16 reject it (EINVAL): removal needs a new kernel
const WGALLOWEDIP_F_REMOVE_ME = 1;

// linux/rtnetlink.h, linux/if_link.h
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const IFINFOMSG_LEN = 16;
const IFLA_IFNAME = 3;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;

const AF_INET = 2;
const AF_INET6 = 10;
const IFNAMSIZ = 16;

/** wg(8) sends at most this much per message (min(page size, 8192) there; 4096 on routers). */
const MESSAGE_LIMIT = 4096;

/** The errno numbers this backend answers with (the target's, from the environment). */
interface KernelErrnos {
  EINVAL: number;
  EPROTO: number;
  ENOENT: number;
  EPROTONOSUPPORT: number;
  ENAMETOOLONG: number;
}

export interface KernelEnv {
  netlink(protocol: number): NetlinkSocket;
  errno: KernelErrnos;
  /** Sequence numbers start here (wg uses time(NULL)). */
  seqBase: number;
}

/** Thrown socket errors carry `errno`; anything else is EINVAL. */
function errnoOf(e: unknown, env: KernelEnv): number {
  const n = (e as { errno?: unknown }).errno;
  return typeof n === 'number' && n > 0 ? n : env.errno.EINVAL;
}

let seqCounter = 0;
function nextSeq(env: KernelEnv): number {
  seqCounter = (seqCounter + 1) >>> 0;
  return (env.seqBase + seqCounter) >>> 0;
}

function genlBegin(w: NlWriter, family: number, cmd: number, version: number, flags: number, seq: number): void {
  w.begin(family, flags, seq);
  const h = w.extraHeader(GENL_HDRLEN);
  w.setU8(h, cmd);
  w.setU8(h + 1, version);
}

/** The id of the "wireguard" family; a kernel without it answers EPROTONOSUPPORT, as wg says. */
function familyId(env: KernelEnv, sock: NetlinkSocket): { id: number } | { errno: number } {
  const w = new NlWriter(MESSAGE_LIMIT, sock.littleEndian);
  const seq = nextSeq(env);
  genlBegin(w, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_REQUEST | NLM_F_ACK, seq);
  w.putStrz(CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
  let id = 0;
  const r = request(sock, w.done(), seq, (rd, m) => {
    for (const a of rd.attrs(m.start + GENL_HDRLEN, m.end) ?? []) {
      if (a.type === CTRL_ATTR_FAMILY_ID && a.end - a.start >= 2) id = rd.u16(a.start);
    }
  }, env.errno.EPROTO);
  if (r.errno) return { errno: r.errno === env.errno.ENOENT ? env.errno.EPROTONOSUPPORT : r.errno };
  return id ? { id } : { errno: env.errno.EPROTONOSUPPORT };
}

function withGenl<T>(env: KernelEnv, fn: (sock: NetlinkSocket, family: number) => T | { errno: number }): T | { errno: number } {
  let sock: NetlinkSocket;
  try {
    sock = env.netlink(NETLINK_GENERIC);
  } catch (e) {
    return { errno: errnoOf(e, env) };
  }
  try {
    const f = familyId(env, sock);
    if ('errno' in f) return f;
    return fn(sock, f.id);
  } catch (e) {
    return { errno: errnoOf(e, env) };
  } finally {
    sock.close();
  }
}

// ---------------------------------------------------------------------------------------------
// set

/** sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes) of a 40-byte endpoint record: the family
 *  is a host-order u16, the port is in network order. */
function sockaddr(ep: Uint8Array, le: boolean): Uint8Array {
  const v4 = ep[0] === 4;
  const sa = new Uint8Array(v4 ? 16 : 28);
  const dv = new DataView(sa.buffer);
  dv.setUint16(0, v4 ? AF_INET : AF_INET6, le);
  sa[2] = ep[2]!;
  sa[3] = ep[3]!;
  if (v4) sa.set(ep.subarray(4, 8), 4);
  else sa.set(ep.subarray(4, 20), 8);
  return sa;
}

/**
 * The SET_DEVICE messages for `req`, split as wg(8) splits them: when a message is full it is
 * closed and the next one carries on with the same peer (its public key again, no other peer
 * attributes, the rest of its allowed IPs). Device attributes go in the first message only.
 */
export function setMessages(name: string, req: SetRequest, family: number, le: boolean, seqs: () => number, limit = MESSAGE_LIMIT): { msg: Uint8Array; seq: number }[] {
  const out: { msg: Uint8Array; seq: number }[] = [];
  const w = new NlWriter(limit, le);
  let peerIdx = -1; // -1: the first message (device attributes); else the peer to carry on with
  let aipIdx = -1; // -1: the peer's attributes are still to send; else its next allowed IP
  for (;;) {
    const seq = seqs();
    genlBegin(w, family, WG_CMD_SET_DEVICE, WG_GENL_VERSION, NLM_F_REQUEST | NLM_F_ACK, seq);
    w.putStrz(WGDEVICE_A_IFNAME, name);
    if (peerIdx < 0) {
      if (req.privateKey) w.put(WGDEVICE_A_PRIVATE_KEY, req.privateKey);
      if (req.listenPort !== undefined) w.putU16(WGDEVICE_A_LISTEN_PORT, req.listenPort);
      if (req.fwmark !== undefined) w.putU32(WGDEVICE_A_FWMARK, req.fwmark);
      if (req.replacePeers) w.putU32(WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
      peerIdx = 0;
    }
    let more = false;
    if (req.peers.length) {
      const peersNest = w.nestStart(WGDEVICE_A_PEERS);
      for (; peerIdx < req.peers.length; peerIdx++) {
        const p = req.peers[peerIdx]!;
        const peerNest = w.nestStart(0);
        if (peerNest < 0) {
          more = true;
          break;
        }
        let flags = (p.remove ? WGPEER_F_REMOVE_ME : 0) | (p.updateOnly ? WGPEER_F_UPDATE_ONLY : 0);
        let fits = w.put(WGPEER_A_PUBLIC_KEY, p.publicKey);
        if (aipIdx < 0) {
          if (p.replaceAllowedIps) flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
          if (fits && p.presharedKey) fits = w.put(WGPEER_A_PRESHARED_KEY, p.presharedKey);
          if (fits && hasEndpoint(p.endpoint)) fits = w.put(WGPEER_A_ENDPOINT, sockaddr(p.endpoint, le));
          if (fits && p.persistentKeepalive !== undefined) fits = w.putU16(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p.persistentKeepalive);
        }
        if (fits && flags) fits = w.putU32(WGPEER_A_FLAGS, flags);
        if (!fits) {
          // this peer goes whole into the next message
          w.cancel(peerNest);
          more = true;
          break;
        }
        if (p.allowedIps.length) {
          if (aipIdx < 0) aipIdx = 0;
          const aipsNest = w.nestStart(WGPEER_A_ALLOWEDIPS);
          if (aipsNest >= 0) {
            for (; aipIdx < p.allowedIps.length; aipIdx++) {
              const a = p.allowedIps[aipIdx]!;
              const n = w.nestStart(0);
              const ok = n >= 0 &&
                w.putU16(WGALLOWEDIP_A_FAMILY, a.family === 4 ? AF_INET : AF_INET6) &&
                w.put(WGALLOWEDIP_A_IPADDR, a.addr.subarray(0, a.family === 4 ? 4 : 16)) &&
                w.putU8(WGALLOWEDIP_A_CIDR_MASK, a.cidr) &&
                (!a.remove || w.putU32(WGALLOWEDIP_A_FLAGS, WGALLOWEDIP_F_REMOVE_ME));
              if (!ok) {
                if (n >= 0) w.cancel(n);
                more = true;
                break;
              }
              w.nestEnd(n);
            }
            w.nestEnd(aipsNest);
          } else more = true;
        }
        w.nestEnd(peerNest);
        if (more) break;
        aipIdx = -1;
      }
      w.nestEnd(peersNest);
    }
    out.push({ msg: w.done(), seq });
    if (!more) return out;
  }
}

/** Applies `req` to the kernel interface `name`: 0, or a positive errno. */
export function kernelSet(env: KernelEnv, name: string, req: SetRequest): number {
  const r = withGenl(env, (sock, family) => {
    for (const { msg, seq } of setMessages(name, req, family, sock.littleEndian, () => nextSeq(env))) {
      const res = request(sock, msg, seq, () => {}, env.errno.EPROTO);
      if (res.errno) return { errno: res.errno };
    }
    return { errno: 0 };
  });
  return r.errno;
}

// ---------------------------------------------------------------------------------------------
// get

/** Collects one GET_DEVICE dump into a device; `bad` is set by a malformed answer. */
class DeviceParser {
  readonly dev: GetDevice = { privateKey: null, listenPort: 0, fwmark: 0, peers: [] };
  bad = false;

  /** One message of the dump (the genl header, then device attributes). */
  message(r: NlReader, m: NlMessage): void {
    const attrs = r.attrs(m.start + GENL_HDRLEN, m.end);
    if (!attrs) {
      this.bad = true;
      return;
    }
    for (const a of attrs) {
      const len = a.end - a.start;
      if (a.type === WGDEVICE_A_PRIVATE_KEY && len === 32) this.dev.privateKey = r.bytes(a);
      else if (a.type === WGDEVICE_A_LISTEN_PORT && len >= 2) this.dev.listenPort = r.u16(a.start);
      else if (a.type === WGDEVICE_A_FWMARK && len >= 4) this.dev.fwmark = r.u32(a.start);
      else if (a.type === WGDEVICE_A_PEERS) {
        for (const pa of r.attrs(a.start, a.end) ?? this.fail()) {
          const peer = this.peer(r, pa);
          if (!peer) {
            this.bad = true;
            return;
          }
          this.add(peer);
        }
      }
    }
  }

  private fail(): NlAttr[] {
    this.bad = true;
    return [];
  }

  private peer(r: NlReader, nest: NlAttr): GetPeer | null {
    const attrs = r.attrs(nest.start, nest.end);
    if (!attrs) return null;
    const p: GetPeer = {
      publicKey: new Uint8Array(0), presharedKey: null, endpoint: null, lastHandshakeSec: 0, lastHandshakeNsec: 0,
      rxBytes: 0n, txBytes: 0n, persistentKeepalive: 0, allowedIps: [],
    };
    for (const a of attrs) {
      const len = a.end - a.start;
      switch (a.type) {
        case WGPEER_A_PUBLIC_KEY:
          if (len === 32) p.publicKey = r.bytes(a);
          break;
        case WGPEER_A_PRESHARED_KEY:
          if (len === 32) {
            const k = r.bytes(a);
            p.presharedKey = isZero(k) ? null : k;
          }
          break;
        case WGPEER_A_ENDPOINT: {
          const fam = len >= 2 ? r.u16(a.start) : 0;
          const port = len >= 4 ? (r.buf[a.start + 2]! << 8) | r.buf[a.start + 3]! : 0;
          if (fam === AF_INET && len === 16) p.endpoint = makeEndpoint(4, r.buf.subarray(a.start + 4, a.start + 8), port);
          else if (fam === AF_INET6 && len === 28) p.endpoint = makeEndpoint(6, r.buf.subarray(a.start + 8, a.start + 24), port);
          break;
        }
        case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
          if (len >= 2) p.persistentKeepalive = r.u16(a.start);
          break;
        case WGPEER_A_LAST_HANDSHAKE_TIME:
          if (len === 16) {
            p.lastHandshakeSec = r.i64(a.start);
            p.lastHandshakeNsec = r.i64(a.start + 8);
          }
          break;
        case WGPEER_A_RX_BYTES:
          if (len >= 8) p.rxBytes = r.u64(a.start);
          break;
        case WGPEER_A_TX_BYTES:
          if (len >= 8) p.txBytes = r.u64(a.start);
          break;
        case WGPEER_A_ALLOWEDIPS: {
          const list = r.attrs(a.start, a.end);
          if (!list) return null;
          for (const e of list) {
            const ip = this.allowedIp(r, e);
            if (!ip) return null;
            p.allowedIps.push(ip);
          }
          break;
        }
      }
    }
    return p.publicKey.length === 32 ? p : null;
  }

  private allowedIp(r: NlReader, nest: NlAttr): Prefix | null {
    const attrs = r.attrs(nest.start, nest.end);
    if (!attrs) return null;
    let family = 0;
    let addr: Uint8Array | null = null;
    let cidr = -1;
    for (const a of attrs) {
      const len = a.end - a.start;
      if (a.type === WGALLOWEDIP_A_FAMILY && len >= 2) family = r.u16(a.start);
      else if (a.type === WGALLOWEDIP_A_IPADDR && (len === 4 || len === 16)) addr = r.bytes(a);
      else if (a.type === WGALLOWEDIP_A_CIDR_MASK && len >= 1) cidr = r.buf[a.start]!;
    }
    if (family === AF_INET && addr?.length === 4 && cidr >= 0 && cidr <= 32) return { family: 4, addr, cidr };
    if (family === AF_INET6 && addr?.length === 16 && cidr >= 0 && cidr <= 128) return { family: 6, addr, cidr };
    return null;
  }

  /** A peer split over two messages comes twice in a row: its allowed IPs are joined. */
  private add(p: GetPeer): void {
    const last = this.dev.peers[this.dev.peers.length - 1];
    if (last && ctEqual(last.publicKey, p.publicKey)) last.allowedIps.push(...p.allowedIps);
    else this.dev.peers.push(p);
  }
}

/** The device `name` as the kernel reports it. */
export function kernelGet(env: KernelEnv, name: string): { ok: true; dev: GetDevice } | { ok: false; errno: number } {
  if (utf8Encode(name).length >= IFNAMSIZ) return { ok: false, errno: env.errno.ENAMETOOLONG };
  for (let attempt = 1; ; attempt++) {
    let intr = false;
    const r = withGenl<{ dev: GetDevice }>(env, (sock, family) => {
      const w = new NlWriter(MESSAGE_LIMIT, sock.littleEndian);
      const seq = nextSeq(env);
      genlBegin(w, family, WG_CMD_GET_DEVICE, WG_GENL_VERSION, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq);
      w.putStrz(WGDEVICE_A_IFNAME, name);
      const p = new DeviceParser();
      const res = request(sock, w.done(), seq, (rd, m) => p.message(rd, m), env.errno.EPROTO);
      intr = res.intr;
      if (res.errno) return { errno: res.errno };
      if (p.bad) return { errno: env.errno.EINVAL };
      return { dev: p.dev };
    });
    if ('dev' in r) {
      if (intr && attempt < 10) continue; // the device changed during the dump: read it again, as wg does
      return { ok: true, dev: r.dev };
    }
    return { ok: false, errno: r.errno };
  }
}

// ---------------------------------------------------------------------------------------------
// list

/** Names of the links of kind "wireguard", in the kernel's order. */
function linkNames(r: NlReader, m: NlMessage, out: string[]): void {
  if (m.type !== RTM_NEWLINK) return;
  const attrs = r.attrs(m.start + IFINFOMSG_LEN, m.end);
  if (!attrs) return;
  let name = '';
  let wireguard = false;
  for (const a of attrs) {
    if (a.type === IFLA_IFNAME) name = r.str(a);
    else if (a.type === IFLA_LINKINFO) {
      for (const i of r.attrs(a.start, a.end) ?? []) {
        if (i.type === IFLA_INFO_KIND && r.str(i) === WG_GENL_NAME) wireguard = true;
      }
    }
  }
  if (name && wireguard) out.push(name);
}

/** The kernel's WireGuard interfaces in this network namespace; throws on socket errors. A dump
 *  interrupted by a concurrent change gives what it got, as wg does. */
export function kernelList(env: KernelEnv): string[] {
  const sock = env.netlink(NETLINK_ROUTE);
  try {
    const w = new NlWriter(MESSAGE_LIMIT, sock.littleEndian);
    const seq = nextSeq(env);
    w.begin(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq);
    w.extraHeader(IFINFOMSG_LEN); // ifi_family AF_UNSPEC
    const names: string[] = [];
    const r = request(sock, w.done(), seq, (rd, m) => linkNames(rd, m, names), env.errno.EPROTO);
    if (r.errno) {
      const err = new Error(`netlink: errno ${r.errno}`);
      (err as { errno?: number }).errno = r.errno;
      throw err;
    }
    return names;
  } finally {
    sock.close();
  }
}
