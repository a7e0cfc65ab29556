// UAPI `get=1`: rendering the answer from a device (server side, byte-for-byte what
// wireguard-go writes) and parsing an answer into a plain structure (client side, with the
// rules wg(8) applies in ipc-uapi.h).
import { fromHex, isZero, toHex } from '../util/bytes.ts';
import { formatEndpoint, formatPrefix, hasEndpoint, makeEndpoint, parseIp, parseUint, splitHostPort, type Prefix } from '../util/ip.ts';

/** What renderGet needs from a peer (a structural view of the core's Peer). */
export interface UapiPeer {
  publicKey: Uint8Array;
  /** All zero = none. */
  presharedKey: Uint8Array;
  /** 40-byte endpoint record; [0] = 0 when there is none. */
  endpoint: Uint8Array;
  persistentKeepalive: number;
  rxBytes: number;
  txBytes: number;
  lastHandshakeSec: number;
  lastHandshakeNsec: number;
}

/** What renderGet needs from a device (a structural view of the core's Device). */
export interface UapiDevice<P extends UapiPeer = UapiPeer> {
  privateKey: Uint8Array | null;
  listenPort: number;
  fwmark: number;
  peers(): Iterable<P>;
  allowedIps: { entriesForPeer(p: P): { family: 4 | 6; addr: Uint8Array; cidr: number }[] };
}

function int(n: number): string {
  // u64 counters are JS numbers here (exact below 2^53); never print an exponent or fraction.
  if (!(n >= 0)) return '0';
  if (n >= 1e21) return '18446744073709551615';
  return String(Math.floor(n));
}

/** Size a chunk of a `get=1` answer reaches before renderGetChunks yields it. */
const GET_CHUNK = 16384;

/**
 * The `get=1` answer in chunks of about `chunk` characters (a chunk ends after a whole peer), so
 * the daemon can write each before rendering the next and forward packets in between. The last
 * chunk ends with "errno=0\n\n". The peers are read live, from a Map iterator: a peer removed
 * while the answer is being written is left out, one added is appended.
 * Order as wireguard-go: private_key (when set), listen_port (when non-zero), fwmark (when
 * non-zero); per peer public_key, preshared_key (zeros when none), protocol_version=1, endpoint
 * (when known), last_handshake_time_sec, last_handshake_time_nsec, tx_bytes, rx_bytes,
 * persistent_keepalive_interval, allowed_ip lines.
 */
export function* renderGetChunks<P extends UapiPeer>(dev: UapiDevice<P>, chunk = GET_CHUNK): Generator<string, void, void> {
  let s = '';
  if (dev.privateKey && !isZero(dev.privateKey)) s += `private_key=${toHex(dev.privateKey)}\n`;
  if (dev.listenPort) s += `listen_port=${dev.listenPort}\n`;
  if (dev.fwmark) s += `fwmark=${dev.fwmark >>> 0}\n`;
  for (const p of dev.peers()) {
    s += `public_key=${toHex(p.publicKey)}\n`;
    s += `preshared_key=${toHex(p.presharedKey)}\n`;
    s += 'protocol_version=1\n';
    if (hasEndpoint(p.endpoint)) s += `endpoint=${formatEndpoint(p.endpoint)}\n`;
    s += `last_handshake_time_sec=${int(p.lastHandshakeSec)}\n`;
    s += `last_handshake_time_nsec=${int(p.lastHandshakeNsec)}\n`;
    s += `tx_bytes=${int(p.txBytes)}\n`;
    s += `rx_bytes=${int(p.rxBytes)}\n`;
    s += `persistent_keepalive_interval=${p.persistentKeepalive}\n`;
    for (const a of dev.allowedIps.entriesForPeer(p)) s += `allowed_ip=${formatPrefix(a)}\n`;
    if (s.length >= chunk) {
      yield s;
      s = '';
    }
  }
  yield s + 'errno=0\n\n';
}

/** The complete `get=1` answer in one string (see renderGetChunks). */
export function renderGet<P extends UapiPeer>(dev: UapiDevice<P>): string {
  let s = '';
  for (const c of renderGetChunks(dev, Infinity)) s += c;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Client side

export interface GetPeer {
  publicKey: Uint8Array;
  /** null when absent or all zero (wg shows "(none)"). */
  presharedKey: Uint8Array | null;
  /** 40-byte endpoint record, or null. */
  endpoint: Uint8Array | null;
  lastHandshakeSec: number;
  lastHandshakeNsec: number;
  /** Exact u64. */
  rxBytes: bigint;
  txBytes: bigint;
  persistentKeepalive: number;
  allowedIps: Prefix[];
}

export interface GetDevice {
  /** null when the device has none. */
  privateKey: Uint8Array | null;
  listenPort: number;
  fwmark: number;
  peers: GetPeer[];
}

/** `err` is the positive errno the device answered, or 'EPROTO' for a malformed answer. */
type ParseGetResult = { ok: true; dev: GetDevice } | { ok: false; err: number | 'EPROTO' };

/** wg's NUM(max): a digit first, all digits, at most max. Returns null otherwise. */
function num(v: string, max: bigint): bigint | null {
  if (v.length === 0) return null;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const n = BigInt(v);
  return n > max ? null : n;
}

const U16 = 0xffffn;
const U32 = 0xffffffffn;
const I64 = 0x7fffffffffffffffn;
const U64 = 0xffffffffffffffffn;

/** "1.2.3.4:5", "[v6]:5", also "[1.2.3.4]:5" (wg resolves it with getaddrinfo, numerically). */
function parseGetEndpoint(v: string): Uint8Array | null {
  const hp = splitHostPort(v);
  if (typeof hp === 'string') return null;
  const ip = parseIp(hp.host);
  const p = parseUint(hp.port, 65535);
  if (!ip || p < 0) return null;
  return makeEndpoint(ip.family, ip.addr, p);
}

function parseGetAllowedIp(v: string): Prefix | null {
  const slash = v.indexOf('/');
  if (slash < 0) return null;
  const mask = v.slice(slash + 1);
  const ip = parseIp(v.slice(0, slash));
  if (!ip) return null;
  const cidr = parseUint(mask, ip.family === 4 ? 32 : 128);
  return cidr < 0 ? null : { family: ip.family, addr: ip.addr, cidr };
}

/**
 * Parses a `get=1` answer the way wg(8) does: every line must end in '\n' and hold a '=';
 * device keys count only before the first public_key; unknown keys are ignored; the answer ends
 * at the blank line and succeeds only if an `errno=0` line came before it.
 */
export function parseGet(text: string): ParseGetResult {
  const dev: GetDevice = { privateKey: null, listenPort: 0, fwmark: 0, peers: [] };
  let peer: GetPeer | null = null;
  let err: number | 'EPROTO' = 'EPROTO';
  let pos = 0;
  const bad: ParseGetResult = { ok: false, err: 'EPROTO' };
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) return bad;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.length === 0) {
      if (err === 0) return { ok: true, dev };
      return { ok: false, err };
    }
    const eq = line.indexOf('=');
    if (eq < 0) return bad;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (!peer && key === 'private_key') {
      const k = fromHex(value, 32);
      if (!k) return bad;
      dev.privateKey = k;
    } else if (!peer && key === 'listen_port') {
      const n = num(value, U16);
      if (n === null) return bad;
      dev.listenPort = Number(n);
    } else if (!peer && key === 'fwmark') {
      const n = num(value, U32);
      if (n === null) return bad;
      dev.fwmark = Number(n);
    } else if (key === 'public_key') {
      const k = fromHex(value, 32);
      if (!k) return bad;
      peer = {
        publicKey: k, presharedKey: null, endpoint: null, lastHandshakeSec: 0, lastHandshakeNsec: 0,
        rxBytes: 0n, txBytes: 0n, persistentKeepalive: 0, allowedIps: [],
      };
      dev.peers.push(peer);
    } else if (peer && key === 'preshared_key') {
      const k = fromHex(value, 32);
      if (!k) return bad;
      peer.presharedKey = isZero(k) ? null : k;
    } else if (peer && key === 'endpoint') {
      const ep = parseGetEndpoint(value);
      if (!ep) return bad;
      peer.endpoint = ep;
    } else if (peer && key === 'persistent_keepalive_interval') {
      const n = num(value, U16);
      if (n === null) return bad;
      peer.persistentKeepalive = Number(n);
    } else if (peer && key === 'allowed_ip') {
      const p = parseGetAllowedIp(value);
      if (!p) return bad;
      peer.allowedIps.push(p);
    } else if (peer && key === 'last_handshake_time_sec') {
      const n = num(value, I64);
      if (n === null) return bad;
      peer.lastHandshakeSec = Number(n);
    } else if (peer && key === 'last_handshake_time_nsec') {
      const n = num(value, I64);
      if (n === null) return bad;
      peer.lastHandshakeNsec = Number(n);
    } else if (peer && key === 'rx_bytes') {
      const n = num(value, U64);
      if (n === null) return bad;
      peer.rxBytes = n;
    } else if (peer && key === 'tx_bytes') {
      const n = num(value, U64);
      if (n === null) return bad;
      peer.txBytes = n;
    } else if (key === 'errno') {
      const n = num(value, 0x7fffffffn);
      if (n === null) return bad;
      err = Number(n);
    }
  }
  return bad;
}
