// rpcd exec plugin `wgjs` (ubus object "wgjs"): /usr/libexec/rpcd/wgjs runs `wgjs rpcd list`
// and `wgjs rpcd call METHOD` (JSON arguments on standard input, one JSON object out).
//
// Methods:
//   status   {interface?}  every wgjs interface (proto 'wgjs' in UCI, plus any running daemon):
//            {interfaces: {IFNAME: {name, configured, running, public_key, listen_port, fwmark,
//             peers: [{name, section, public_key, endpoint, allowed_ips[], latest_handshake,
//             transfer_rx, transfer_tx, persistent_keepalive, preshared_key, up}]}}}
//            latest_handshake in UNIX seconds (0 = never); up = handshake younger than 140 s.
//   genkey   {}                 {private_key, public_key}
//   genpsk   {}                 {preshared_key}
//   pubkey   {private_key}      {public_key}
//   peerconf {interface, peer?, endpoint?, dns?, allowed_ips?, keepalive?,
//             private_key?, preshared_key?, address?, name?, router_public_key?}
//            {config, filename}: a wg-quick configuration for the peer (export/QR): Interface
//            PrivateKey = the peer's private key, Address = its allowed_ips, DNS; Peer = this
//            router's public key, preshared key, AllowedIPs (default "0.0.0.0/0, ::/0"),
//            Endpoint = endpoint[:listen_port], PersistentKeepalive (0/absent = none).
//            The peer's values come from its UCI section `peer` (private_key, preshared_key,
//            allowed_ips, description); the arguments private_key/preshared_key/address/name
//            override them, so an editor can export values it has not saved yet (then `peer`
//            may be omitted). A private key that does not belong to the section's public_key
//            is refused. router_public_key overrides the router's key (an unsaved new one).
//   peerqr   same arguments     {config, filename, svg}: the configuration as an SVG QR code.
// Failures answer {"error": "message"}; no message ever contains a key.
import encodeQR from 'qr';
import { ipcGet } from '../client/ipc.ts';
import { publicKey as derivePublicKey } from '../crypto/x25519.ts';
import type { WgEnv } from '../client/env.ts';
import { clamp } from '../crypto/x25519.ts';
import type { RandomFill } from '../platform/types.ts';
import type { GetDevice } from '../uapi/get.ts';
import { keyFromBase64, toBase64, utf8Encode } from '../util/bytes.ts';
import { formatEndpoint, formatPrefix, parseIp, parsePrefix, parseUint } from '../util/ip.ts';
import { peerSectionsByKey, splitItems, validHostname, wgjsInterfaces } from './network.ts';
import { uciFindSection, uciGet, uciList, type UciPackage, type UciSection } from './uci.ts';
import { loadNetwork, UCI_NETWORK_FILE } from './ucisync.ts';

/** A peer counts as up while its latest handshake is younger than this (REKEY_AFTER_TIME 120 s
 *  plus margin). */
export const PEER_UP_SECONDS = 140;

/** A peer is up when its latest handshake is younger than PEER_UP_SECONDS (the one rule: the
 *  plugin's status, the daemon's ubus object; LuCI shows the field). */
export function peerUp(latestHandshake: number, now: number): boolean {
  return latestHandshake > 0 && now - latestHandshake < PEER_UP_SECONDS;
}
const DEFAULT_CLIENT_ALLOWED_IPS = ['0.0.0.0/0', '::/0'];

export interface RpcdEnv {
  /** The parsed network configuration, or null when it cannot be read. */
  network(): UciPackage | null;
  /** Parsed `get=1` of a running interface, or null when it does not answer. */
  get(ifname: string): GetDevice | null;
  /** Names of running userspace interfaces. */
  list(): string[];
  random: RandomFill;
  /** Wall clock, UNIX seconds. */
  now(): number;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Args = Record<string, unknown>;

const PEERCONF_ARGS: Record<string, Json> = {
  interface: 'str', peer: 'str', endpoint: 'str', dns: 'str', allowed_ips: 'str', keepalive: 32,
  private_key: 'str', preshared_key: 'str', address: 'str', name: 'str', router_public_key: 'str',
};

/** `list`: method -> argument examples (rpcd takes the types from them). */
export const RPCD_METHODS: Record<string, Record<string, Json>> = {
  status: { interface: 'str' },
  genkey: {},
  genpsk: {},
  pubkey: { private_key: 'str' },
  peerconf: PEERCONF_ARGS,
  peerqr: PEERCONF_ARGS,
};

class RpcError {
  constructor(readonly message: string) {}
}

function str(args: Args, name: string, required: boolean): string | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw new RpcError(`missing argument '${name}'`);
    return undefined;
  }
  if (typeof v !== 'string') throw new RpcError(`argument '${name}' must be a string`);
  return v;
}

/** A string of comma/space separated items, or an array of strings. */
function items(args: Args, name: string): string[] | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return splitItems([v]);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return splitItems(v as string[]);
  throw new RpcError(`argument '${name}' must be a string or a list of strings`);
}

function keyArg(v: string, name: string): Uint8Array {
  const k = keyFromBase64(v);
  if (!k) throw new RpcError(`argument '${name}' is not a base64 WireGuard key`);
  return k;
}

function uciKey(s: UciSection, option: string): Uint8Array | null {
  const v = uciGet(s, option) ?? '';
  return keyFromBase64(v);
}

function interfaceStatus(env: RpcdEnv, pkg: UciPackage | null, ifname: string, configured: boolean, now: number): Json {
  const dev = env.get(ifname);
  const names = pkg ? peerSectionsByKey(pkg, ifname) : new Map<string, UciSection>();
  let publicKey: string | null = null;
  if (dev?.privateKey) publicKey = toBase64(derivePublicKey(dev.privateKey));
  else if (pkg) {
    const s = uciFindSection(pkg, ifname);
    const k = s ? uciKey(s, 'private_key') : null;
    if (k) publicKey = toBase64(derivePublicKey(k));
  }
  const peers: Json[] = [];
  for (const p of dev?.peers ?? []) {
    const key = toBase64(p.publicKey);
    const s = names.get(key);
    const hs = p.lastHandshakeSec;
    peers.push({
      name: s ? uciGet(s, 'description') ?? null : null,
      section: s ? s.name : null,
      public_key: key,
      endpoint: p.endpoint ? formatEndpoint(p.endpoint) : null,
      allowed_ips: p.allowedIps.map(formatPrefix),
      latest_handshake: hs,
      transfer_rx: Number(p.rxBytes),
      transfer_tx: Number(p.txBytes),
      persistent_keepalive: p.persistentKeepalive,
      preshared_key: p.presharedKey !== null,
      up: peerUp(hs, now),
    });
  }
  return {
    name: ifname,
    configured,
    running: dev !== null,
    public_key: publicKey,
    listen_port: dev ? dev.listenPort : null,
    fwmark: dev ? dev.fwmark : null,
    peers,
  };
}

function status(env: RpcdEnv, args: Args): Json {
  const only = str(args, 'interface', false);
  const pkg = env.network();
  const configured = pkg ? wgjsInterfaces(pkg) : [];
  let running: string[] = [];
  try {
    running = env.list();
  } catch {
    running = [];
  }
  const names = configured.slice();
  for (const r of running) if (names.indexOf(r) < 0) names.push(r);
  if (only !== undefined && names.indexOf(only) < 0) throw new RpcError(`no wgjs interface '${only}'`);
  const now = env.now();
  const out: { [k: string]: Json } = {};
  for (const n of names) {
    if (only !== undefined && n !== only) continue;
    out[n] = interfaceStatus(env, pkg, n, configured.indexOf(n) >= 0, now);
  }
  return { interfaces: out };
}

function genkey(env: RpcdEnv): Json {
  const k = new Uint8Array(32);
  env.random(k);
  clamp(k);
  return { private_key: toBase64(k), public_key: toBase64(derivePublicKey(k)) };
}

function genpsk(env: RpcdEnv): Json {
  const k = new Uint8Array(32);
  env.random(k);
  return { preshared_key: toBase64(k) };
}

function pubkey(args: Args): Json {
  const k = keyArg(str(args, 'private_key', true)!, 'private_key');
  return { public_key: toBase64(derivePublicKey(k)) };
}

/** host, host:port, v4:port, v6, [v6], [v6]:port -> "host:port" (IPv6 bracketed). */
function endpointArg(v: string, port: number | null): string {
  let host = v;
  let p: number | null = null;
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close < 0) throw new RpcError(`argument 'endpoint' is not a host[:port]: '${v}'`);
    host = v.slice(1, close);
    const rest = v.slice(close + 1);
    if (rest !== '') {
      if (rest[0] !== ':') throw new RpcError(`argument 'endpoint' is not a host[:port]: '${v}'`);
      p = parseUint(rest.slice(1), 65535);
      if (p < 1) throw new RpcError(`argument 'endpoint' has an invalid port: '${v}'`);
    }
    if (parseIp(host)?.family !== 6) throw new RpcError(`argument 'endpoint' is not an IPv6 address in brackets: '${v}'`);
  } else if (v.indexOf(':') !== v.lastIndexOf(':')) {
    if (parseIp(v)?.family !== 6) throw new RpcError(`argument 'endpoint' is not a host[:port]: '${v}'`);
  } else if (v.indexOf(':') >= 0) {
    host = v.slice(0, v.indexOf(':'));
    p = parseUint(v.slice(v.indexOf(':') + 1), 65535);
    if (p < 1) throw new RpcError(`argument 'endpoint' has an invalid port: '${v}'`);
  }
  if (!parseIp(host) && !validHostname(host)) throw new RpcError(`argument 'endpoint' is not a host name or IP address: '${v}'`);
  const port2 = p ?? port;
  if (port2 === null) throw new RpcError(`the interface has no listen port: pass 'endpoint' as host:port`);
  return `${host.indexOf(':') >= 0 ? `[${host}]` : host}:${port2}`;
}

interface PeerConfig {
  config: string;
  filename: string;
}

function peerconf(env: RpcdEnv, args: Args): PeerConfig {
  const ifname = str(args, 'interface', true)!;
  const peerRef = str(args, 'peer', false);
  const privArg = str(args, 'private_key', false);
  const pskArg = str(args, 'preshared_key', false);
  const routerPubArg = str(args, 'router_public_key', false);
  const nameArg = str(args, 'name', false);
  if (peerRef === undefined && privArg === undefined) throw new RpcError("missing argument 'peer'");
  const pkg = env.network();
  if (!pkg) throw new RpcError('cannot read the network configuration');
  const iface = uciFindSection(pkg, ifname);
  if (!iface || iface.type !== 'interface' || uciGet(iface, 'proto') !== 'wgjs') throw new RpcError(`no wgjs interface '${ifname}'`);
  let peer: UciSection | null = null;
  if (peerRef !== undefined) {
    peer = uciFindSection(pkg, peerRef) ?? null;
    if (!peer || peer.type !== `wireguard_${ifname}`) throw new RpcError(`no peer section '${peerRef}' of interface '${ifname}'`);
  }

  // this router's public key and port: UCI first, the running daemon for generated keys/ports
  let dev: GetDevice | null | undefined;
  const runtime = () => (dev === undefined ? (dev = env.get(ifname)) : dev);
  let routerPub: Uint8Array;
  if (routerPubArg !== undefined) routerPub = keyArg(routerPubArg, 'router_public_key');
  else {
    let priv = uciKey(iface, 'private_key');
    if (!priv) priv = runtime()?.privateKey ?? null;
    if (!priv) throw new RpcError(`interface '${ifname}' has no private key yet (bring it up once to generate one)`);
    routerPub = derivePublicKey(priv);
  }
  let port: number | null = null;
  const lp = uciGet(iface, 'listen_port');
  if (lp !== undefined && parseUint(lp, 65535) > 0) port = parseUint(lp, 65535);
  else if (runtime()?.listenPort) port = runtime()!.listenPort;

  const address: string[] = [];
  const addrArg = items(args, 'address');
  const addrSource = addrArg ?? (peer ? splitItems(uciList(peer, 'allowed_ips')) : []);
  const addrWhere = addrArg ? "argument 'address'" : `${peer ? peer.name : ''}.allowed_ips`;
  for (const a of addrSource) {
    const p = parsePrefix(a, true);
    if (!p) throw new RpcError(`${addrWhere}: not an IP address or prefix: '${a}'`);
    address.push(formatPrefix(p));
  }
  const dns = items(args, 'dns') ?? [];
  for (const d of dns) if (!parseIp(d) && !validHostname(d)) throw new RpcError(`argument 'dns': not an address or domain: '${d}'`);
  const allowed = items(args, 'allowed_ips') ?? DEFAULT_CLIENT_ALLOWED_IPS;
  const allowedNorm = allowed.map((a) => {
    const p = parsePrefix(a, true);
    if (!p) throw new RpcError(`argument 'allowed_ips': not an IP address or prefix: '${a}'`);
    return formatPrefix(p);
  });
  let keepalive = 0;
  const ka = args.keepalive;
  if (ka !== undefined && ka !== null && ka !== '') {
    const n = typeof ka === 'number' ? ka : typeof ka === 'string' ? parseUint(ka, 65535) : -1;
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RpcError(`argument 'keepalive' must be 0..65535`);
    keepalive = n;
  }
  const endpointText = str(args, 'endpoint', false);
  const endpoint = endpointText !== undefined ? endpointArg(endpointText, port) : null;

  // the peer's own keys: arguments first, then its section; never echoed in an error
  let peerPriv: Uint8Array | null;
  if (privArg !== undefined) peerPriv = keyArg(privArg, 'private_key');
  else {
    const stored = peer ? uciGet(peer, 'private_key') ?? '' : '';
    peerPriv = peer ? uciKey(peer, 'private_key') : null;
    if (stored !== '' && !peerPriv) throw new RpcError(`peer '${peer!.name}': its private_key is not a base64 WireGuard key`);
  }
  if (peerPriv && peer) {
    const pub = uciKey(peer, 'public_key');
    if (pub && toBase64(derivePublicKey(peerPriv)) !== toBase64(pub))
      throw new RpcError(`peer '${peer.name}': the private key does not belong to its public_key`);
  }
  const psk = pskArg !== undefined ? keyArg(pskArg, 'preshared_key') : peer ? uciKey(peer, 'preshared_key') : null;

  let c = '[Interface]\n';
  if (peerPriv) c += `PrivateKey = ${toBase64(peerPriv)}\n`;
  else c += '# PrivateKey = (not stored on the router: insert the private key of this peer)\n';
  if (address.length) c += `Address = ${address.join(', ')}\n`;
  if (dns.length) c += `DNS = ${dns.join(', ')}\n`;
  c += '\n[Peer]\n';
  c += `PublicKey = ${toBase64(routerPub)}\n`;
  if (psk) c += `PresharedKey = ${toBase64(psk)}\n`;
  c += `AllowedIPs = ${allowedNorm.join(', ')}\n`;
  if (endpoint) c += `Endpoint = ${endpoint}\n`;
  if (keepalive) c += `PersistentKeepalive = ${keepalive}\n`;

  const label = nameArg ?? (peer ? uciGet(peer, 'description') ?? '' : '');
  const desc = label.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '');
  return { config: c, filename: `${ifname}-${desc || (peer ? peer.name : 'peer')}.conf` };
}

function peerqr(env: RpcdEnv, args: Args): Json {
  const pc = peerconf(env, args);
  const svg = encodeQR(pc.config, 'svg', { ecc: 'medium', border: 2, textEncoder: utf8Encode });
  return { config: pc.config, filename: pc.filename, svg };
}

/** The `list` answer. */
export function rpcdList(): string {
  return JSON.stringify(RPCD_METHODS);
}

/** One `call`: method name and its JSON argument text (empty = {}); returns JSON text. */
export function rpcdCall(env: RpcdEnv, method: string, input: string): string {
  let args: Args = {};
  const text = input.trim();
  if (text !== '') {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return JSON.stringify({ error: 'arguments are not valid JSON' });
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return JSON.stringify({ error: 'arguments must be a JSON object' });
    args = v as Args;
  }
  try {
    let r: Json;
    switch (method) {
      case 'status':
        r = status(env, args);
        break;
      case 'genkey':
        r = genkey(env);
        break;
      case 'genpsk':
        r = genpsk(env);
        break;
      case 'pubkey':
        r = pubkey(args);
        break;
      case 'peerconf': {
        const pc = peerconf(env, args);
        r = { config: pc.config, filename: pc.filename };
        break;
      }
      case 'peerqr':
        r = peerqr(env, args);
        break;
      default:
        return JSON.stringify({ error: `unknown method '${method}'` });
    }
    return JSON.stringify(r);
  } catch (e) {
    if (e instanceof RpcError) return JSON.stringify({ error: e.message });
    throw e;
  }
}

/** RpcdEnv over the CLI's environment (UAPI sockets, /etc/config/network). */
function rpcdEnvFromWg(env: WgEnv, networkFile = UCI_NETWORK_FILE): RpcdEnv {
  return {
    network() {
      const r = loadNetwork(env, networkFile);
      return r.ok ? r.pkg : null;
    },
    get(ifname) {
      const r = ipcGet(env, ifname);
      return r.ok ? r.dev : null;
    },
    list: () => env.listInterfaces(),
    random: env.random,
    now: () => Math.floor(env.now()),
  };
}

/** `wgjs rpcd list` / `wgjs rpcd call METHOD` (arguments on standard input); argv[0] = "rpcd". */
export function rpcdMain(env: WgEnv, argv: string[]): number {
  if (argv[1] === 'list' && argv.length === 2) {
    env.stdout(rpcdList() + '\n');
    return 0;
  }
  if (argv[1] === 'call' && argv.length === 3) {
    env.stdout(rpcdCall(rpcdEnvFromWg(env, env.getenv('WGJS_UCI_CONFIG') || UCI_NETWORK_FILE), argv[2]!, env.stdin()) + '\n');
    return 0;
  }
  env.stderr('Usage: wgjs rpcd list | wgjs rpcd call <method>  (JSON arguments on standard input)\n');
  return 2;
}
