// /etc/config/network -> the configuration of one wgjs interface.
//
// The UCI schema is OpenWrt's proto 'wireguard' (only the proto name differs):
//   config interface 'wg0'            proto 'wgjs', private_key, listen_port, addresses, mtu,
//                                     fwmark, ip6prefix, nohostroute, tunlink, disabled;
//                                     wgjs only: offload, tun_tso, tun_uso, udp_gso, udp_gro
//                                     (booleans, unset = on; '0' puts WGJS_OFFLOAD=0 etc. into
//                                     the daemon's environment: OFFLOAD_OPTIONS); listen_address
//                                     (option or list: at most one IPv4 and one IPv6 address,
//                                     the source of every UDP datagram of that family; into the
//                                     daemon's environment as WGJS_LISTEN_ADDRESS=A[,B])
//   config wireguard_wg0              public_key, preshared_key, allowed_ips, route_allowed_ips,
//                                     endpoint_host, endpoint_port, persistent_keepalive,
//                                     disabled, description (private_key: LuCI's, for export)
// The result is a SetRequest with replace_peers semantics (the whole desired state, as `wg
// setconf` would apply it; `syncRequest` in src/cli/set.ts turns it into syncconf's minimal
// change) plus what netifd must be told (addresses, routes, prefixes, host dependencies, MTU).
//
// Differences from the stock shell handler, on purpose: several prefixes in one allowed_ips
// entry ("10.0.0.0/24, 10.1.0.0/24") are all used, and the preshared key is never dropped
// (openwrt #21847, #21411); an endpoint name that does not resolve only leaves that peer without
// an endpoint and is reported for a later retry, the interface still comes up (#24511). Invalid
// values are errors naming the section and option, and then nothing is applied. A rejected key
// is never repeated in the message (it may be a private key): only what is wrong with it.
import { generatePrivateKey } from '../crypto/x25519.ts';
import type { Resolver } from '../config/values.ts';
import type { RandomFill } from '../platform/types.ts';
import type { PeerOp, SetRequest } from '../uapi/types.ts';
import { keyFromBase64, toBase64 } from '../util/bytes.ts';
import { formatIp, formatPrefix, makeEndpoint, maskPrefix, parseIp, parseIp6, parsePrefix, parseUint } from '../util/ip.ts';
import { uciGet, uciList, uciSectionRef, type UciPackage, type UciSection } from './uci.ts';
import { MAX_IFNAME, validIfname } from '../util/ifname.ts';

const DEFAULT_ENDPOINT_PORT = 51820;
/** Linux IFNAMSIZ - 1. */

interface NetifdAddress {
  family: 4 | 6;
  /** Address text (host part kept). */
  address: string;
  mask: number;
}

interface NetifdRoute {
  family: 4 | 6;
  /** Network address (host bits cleared). */
  target: string;
  mask: number;
}

interface PlannedPeer {
  /** UCI section name ("cfg0a1b2c" or a given name). */
  section: string;
  /** "@wireguard_wg0[0]" or the section name. */
  ref: string;
  publicKey: string;
  description: string | null;
  /** endpoint_host as written (brackets removed), null when none. */
  endpointHost: string | null;
  endpointPort: number;
  /** "ip:port" / "[ip6]:port" once resolved, else null. */
  endpoint: string | null;
  routeAllowedIps: boolean;
}

interface UnresolvedEndpoint {
  section: string;
  ref: string;
  publicKey: string;
  host: string;
  port: number;
  /** The resolver's message. */
  error: string;
}

export interface InterfacePlan {
  ifname: string;
  /** replace_peers semantics: the complete desired configuration. */
  request: SetRequest;
  /** Base64 private key generated because private_key was empty or 'generate': must be stored
   *  in UCI (network.IFNAME.private_key), else the next start generates another one. */
  generatedPrivateKey: string | null;
  mtu: number | null;
  addresses: NetifdAddress[];
  /** Routes for the allowed IPs of peers with route_allowed_ips (deduplicated). */
  routes: NetifdRoute[];
  /** ip6prefix entries, normalised ("fd00:1::/48"). */
  ip6prefix: string[];
  /** Resolved endpoint addresses that need a host route outside the tunnel (proto_add_host_
   *  dependency); empty when nohostroute is set. Deduplicated. */
  hostDependencies: string[];
  /** Logical interface the host dependencies are bound to, or null. */
  tunlink: string | null;
  nohostroute: boolean;
  /** The interface's generic `disabled` option (netifd does not start it). */
  disabled: boolean;
  /** Environment for the daemon from the offload options ("WGJS_OFFLOAD=0", ...; only the
   *  switched-off ones, in OFFLOAD_OPTIONS order), then WGJS_LISTEN_ADDRESS=... if set. */
  daemonEnv: string[];
  /** Peers put into `request`, in order. */
  peers: PlannedPeer[];
  unresolved: UnresolvedEndpoint[];
  /** Skipped peers and other things worth a log line. */
  warnings: string[];
}

type PlanResult = { ok: true; plan: InterfacePlan } | { ok: false; error: string };

export interface PlanOptions {
  /** Name resolution for endpoint_host names (throws on failure). Without it names are
   *  reported as unresolved. */
  resolve?: Resolver;
  /** Randomness for a generated private key. */
  random: RandomFill;
  /** Skip name resolution entirely (names are reported as unresolved with this message). */
  noResolve?: string;
  /** UCI package name used in messages (default "network"). */
  packageName?: string;
}

class PlanError {
  constructor(readonly message: string) {}
}

const TRUE_WORDS = ['1', 'yes', 'on', 'true', 'enabled'];
const FALSE_WORDS = ['0', 'no', 'off', 'false', 'disabled'];

/** Interface options switching the daemon's offloads (UCI booleans, unset = on), and the
 *  environment variable each one sets to "0" when off. The daemon reads these at start, so the
 *  proto handler passes them when netifd starts it (`wgjs uci-sync --env`). */
export const OFFLOAD_OPTIONS: readonly (readonly [option: string, env: string])[] = [
  ['offload', 'WGJS_OFFLOAD'],
  ['tun_tso', 'WGJS_TUN_TSO'],
  ['tun_uso', 'WGJS_TUN_USO'],
  ['udp_gso', 'WGJS_UDP_GSO'],
  ['udp_gro', 'WGJS_UDP_GRO'],
];

/** The environment variable of the daemon's listen addresses (and of the UCI option listen_address). */
export const LISTEN_ADDRESS_ENV = 'WGJS_LISTEN_ADDRESS';

export interface ListenAddresses {
  /** 4 bytes, or null: IPv4 datagrams leave from the address the kernel picks. */
  v4: Uint8Array | null;
  /** 16 bytes, or null. */
  v6: Uint8Array | null;
}

/**
 * Listen addresses from items ("10.0.0.2", "2001:db8::2", or both in one item separated by a
 * comma or spaces): at most one per family, each a unicast address (not the wildcard, not
 * multicast or broadcast; not IPv6 link-local, which would need an interface). An error text
 * otherwise, quoting the bad item.
 */
export function parseListenAddresses(items: string[]): ListenAddresses | string {
  const out: ListenAddresses = { v4: null, v6: null };
  for (const item of splitItems(items)) {
    const ip = parseIp(item);
    if (!ip) return `not an IP address: '${item}'`;
    const a = ip.addr;
    if (ip.family === 4) {
      if (a.every((b) => b === 0)) return `'${item}' is the wildcard address; leave the option unset for any address`;
      if (a[0]! >= 224) return `'${item}' is not a unicast address`;
      if (out.v4) return `more than one IPv4 address ('${formatIp(4, out.v4)}', '${item}'); one per family`;
      out.v4 = a;
    } else {
      if (a.every((b) => b === 0)) return `'${item}' is the wildcard address; leave the option unset for any address`;
      if (a[0] === 0xff) return `'${item}' is not a unicast address`;
      if (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80) return `'${item}' is link-local (needs an interface); use a global or ULA address`;
      if (out.v6) return `more than one IPv6 address ('${formatIp(6, out.v6)}', '${item}'); one per family`;
      out.v6 = a;
    }
  }
  return out;
}

/** "10.0.0.2,2001:db8::2" (the environment form; '' when neither family is set). */
function formatListenAddresses(l: ListenAddresses): string {
  const parts: string[] = [];
  if (l.v4) parts.push(formatIp(4, l.v4));
  if (l.v6) parts.push(formatIp(6, l.v6));
  return parts.join(',');
}


/** A DNS host name (letters, digits, '-', '_', '.'; no empty label), max 253 characters. */
export function validHostname(h: string): boolean {
  if (h.length === 0 || h.length > 253) return false;
  const labels = h.endsWith('.') ? h.slice(0, -1).split('.') : h.split('.');
  for (const l of labels) {
    if (l.length === 0 || l.length > 63) return false;
    if (!/^[A-Za-z0-9_-]+$/.test(l)) return false;
  }
  return true;
}

/** What is wrong with a value that is not a base64 key, without repeating any of it. */
function keyProblem(v: string): string {
  if (v.length !== 44) return `${v.length} characters`;
  if (!/^[A-Za-z0-9+/]{43}=$/.test(v)) return 'characters outside base64 or misplaced padding';
  return 'the last character before the padding does not encode a 32-byte key';
}

function errorText(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as Error).message;
  return String(e);
}

/** Splits list items that hold several values separated by commas and/or whitespace. */
export function splitItems(items: string[]): string[] {
  const out: string[] = [];
  for (const item of items) for (const part of item.split(/[\s,]+/)) if (part.length) out.push(part);
  return out;
}

/** Endpoint address for a record: "1.2.3.4:51820", "[fd00::1]:51820". */
function endpointText(family: 4 | 6, addr: Uint8Array, port: number): string {
  return family === 4 ? `${formatIp(4, addr)}:${port}` : `[${formatIp(6, addr)}]:${port}`;
}

class Planner {
  readonly pkgName: string;
  constructor(readonly pkg: UciPackage, readonly opts: PlanOptions) {
    this.pkgName = opts.packageName ?? 'network';
  }

  where(s: UciSection, option?: string): string {
    let w = `${this.pkgName}.${uciSectionRef(s)}`;
    if (s.anonymous) w += ` (${s.name})`;
    return option === undefined ? w : `${w}.${option}`;
  }

  fail(s: UciSection, option: string, msg: string): never {
    throw new PlanError(`${this.where(s, option)}: ${msg}`);
  }

  /** A single value; a list here is an error. */
  single(s: UciSection, option: string): string | undefined {
    const v = s.options.get(option);
    if (v !== undefined && typeof v !== 'string') this.fail(s, option, 'must be a single value, not a list');
    return v;
  }

  bool(s: UciSection, option: string, dflt: boolean): boolean {
    const v = this.single(s, option);
    if (v === undefined) return dflt;
    if (TRUE_WORDS.indexOf(v.toLowerCase()) >= 0) return true;
    if (FALSE_WORDS.indexOf(v.toLowerCase()) >= 0) return false;
    return this.fail(s, option, `not a boolean: '${v}' (use 0 or 1)`);
  }

  uint(s: UciSection, option: string, max: number, min = 0): number | null {
    const v = this.single(s, option);
    if (v === undefined || v === '') return null;
    const n = parseUint(v, max);
    if (n < min) this.fail(s, option, `not a number in ${min}..${max}: '${v}'`);
    return n;
  }

  key(s: UciSection, option: string, v: string): Uint8Array {
    const k = keyFromBase64(v);
    if (!k) this.fail(s, option, `not a base64 WireGuard key (44 characters ending in '='): ${keyProblem(v)}`);
    return k;
  }

  fwmark(s: UciSection): number {
    const v = this.single(s, 'fwmark');
    if (v === undefined || v === '') return 0;
    if (v.toLowerCase() === 'off') return 0;
    let n = -1;
    if (/^0[xX][0-9a-fA-F]{1,8}$/.test(v)) n = parseInt(v.slice(2), 16);
    else if (/^[0-9]+$/.test(v)) n = parseUint(v, 0xffffffff);
    if (n < 0) this.fail(s, 'fwmark', `not a 32-bit mark (0x hex or decimal): '${v}'`);
    return n;
  }

  /** The interface section of a wgjs interface (checked: type, proto, usable device name). */
  iface(ifname: string): UciSection {
    const iface = this.pkg.sections.find((s) => s.name === ifname);
    if (!iface) throw new PlanError(`${this.pkgName}.${ifname}: no such interface section`);
    if (iface.type !== 'interface') throw new PlanError(`${this.pkgName}.${ifname}: is a '${iface.type}' section, not an interface`);
    const proto = uciGet(iface, 'proto');
    if (proto !== 'wgjs') throw new PlanError(`${this.pkgName}.${ifname}.proto: is '${proto ?? ''}', not 'wgjs'`);
    if (!validIfname(ifname)) {
      throw new PlanError(`${this.pkgName}.${ifname}: the section name is the device name and must be 1..${MAX_IFNAME} characters without '/', ':' or spaces`);
    }
    return iface;
  }

  /** The offload options and listen_address as daemon environment (see OFFLOAD_OPTIONS). */
  daemonEnv(iface: UciSection): string[] {
    const env: string[] = [];
    for (const [option, name] of OFFLOAD_OPTIONS) if (!this.bool(iface, option, true)) env.push(`${name}=0`);
    const listen = parseListenAddresses(uciList(iface, 'listen_address'));
    if (typeof listen === 'string') this.fail(iface, 'listen_address', listen);
    const text = formatListenAddresses(listen);
    if (text !== '') env.push(`${LISTEN_ADDRESS_ENV}=${text}`);
    return env;
  }

  plan(ifname: string): InterfacePlan {
    const iface = this.iface(ifname);

    const warnings: string[] = [];
    let generated: string | null = null;
    const keyText = this.single(iface, 'private_key') ?? '';
    let privateKey: Uint8Array;
    if (keyText === '' || keyText === 'generate') {
      privateKey = generatePrivateKey(this.opts.random);
      generated = toBase64(privateKey);
    } else privateKey = this.key(iface, 'private_key', keyText);

    const listenPort = this.uint(iface, 'listen_port', 65535);
    const mtu = this.uint(iface, 'mtu', 65535, 68);
    const fwmark = this.fwmark(iface);
    const nohostroute = this.bool(iface, 'nohostroute', false);
    const disabled = this.bool(iface, 'disabled', false);
    const daemonEnv = this.daemonEnv(iface);
    let tunlink = this.single(iface, 'tunlink') ?? null;
    if (tunlink === '') tunlink = null;
    if (tunlink !== null && !/^[A-Za-z0-9_.-]+$/.test(tunlink)) this.fail(iface, 'tunlink', `not an interface name: '${tunlink}'`);

    const addresses: NetifdAddress[] = [];
    for (const a of splitItems(uciList(iface, 'addresses'))) {
      const p = parsePrefix(a, true);
      if (!p) this.fail(iface, 'addresses', `not an IP address or prefix: '${a}'`);
      addresses.push({ family: p.family, address: formatIp(p.family, p.addr), mask: p.cidr });
    }
    const ip6prefix: string[] = [];
    for (const a of splitItems(uciList(iface, 'ip6prefix'))) {
      const p = parsePrefix(a, false);
      if (!p || p.family !== 6) this.fail(iface, 'ip6prefix', `not an IPv6 prefix: '${a}'`);
      ip6prefix.push(formatPrefix(p));
    }

    const request: SetRequest = { privateKey, fwmark, replacePeers: true, peers: [] };
    if (listenPort !== null) request.listenPort = listenPort;

    const peers: PlannedPeer[] = [];
    const unresolved: UnresolvedEndpoint[] = [];
    const routes: NetifdRoute[] = [];
    const routeSeen = new Set<string>();
    const hosts: string[] = [];
    const seenKeys = new Map<string, string>();
    for (const s of this.pkg.sections) {
      if (s.type !== `wireguard_${ifname}`) continue;
      const where = this.where(s);
      const description = uciGet(s, 'description') ?? null;
      const label = description ? `${where} '${description}'` : where;
      if (this.bool(s, 'disabled', false)) {
        warnings.push(`${label}: disabled, skipped`);
        continue;
      }
      const pub = this.single(s, 'public_key') ?? '';
      if (pub === '') {
        warnings.push(`${label}: no public_key, skipped`);
        continue;
      }
      const publicKey = this.key(s, 'public_key', pub);
      const canonical = toBase64(publicKey);
      const firstAt = seenKeys.get(canonical);
      if (firstAt !== undefined) {
        warnings.push(`${label}: same public_key as ${firstAt}, skipped`);
        continue;
      }
      seenKeys.set(canonical, where);

      const op: PeerOp = {
        publicKey,
        remove: false,
        updateOnly: false,
        presharedKey: new Uint8Array(32),
        persistentKeepalive: 0,
        replaceAllowedIps: true,
        allowedIps: [],
      };
      const psk = this.single(s, 'preshared_key') ?? '';
      if (psk !== '') op.presharedKey = this.key(s, 'preshared_key', psk);
      const ka = this.single(s, 'persistent_keepalive');
      if (ka !== undefined && ka !== '' && ka.toLowerCase() !== 'off') {
        const n = parseUint(ka, 65535);
        if (n < 0) this.fail(s, 'persistent_keepalive', `not a number of seconds in 0..65535: '${ka}'`);
        op.persistentKeepalive = n;
      }
      const routeAllowedIps = this.bool(s, 'route_allowed_ips', false);
      for (const a of splitItems(uciList(s, 'allowed_ips'))) {
        const p = parsePrefix(a, true);
        if (!p) this.fail(s, 'allowed_ips', `not an IP address or prefix: '${a}'`);
        op.allowedIps.push({ remove: false, family: p.family, addr: p.addr, cidr: p.cidr });
        if (routeAllowedIps) {
          const m = maskPrefix(p);
          const key = formatPrefix(m);
          if (!routeSeen.has(key)) {
            routeSeen.add(key);
            routes.push({ family: m.family, target: formatIp(m.family, m.addr), mask: m.cidr });
          }
        }
      }

      let host = this.single(s, 'endpoint_host') ?? '';
      const port = this.uint(s, 'endpoint_port', 65535) ?? DEFAULT_ENDPOINT_PORT;
      let endpoint: string | null = null;
      if (host.startsWith('[') && host.endsWith(']')) {
        host = host.slice(1, -1);
        if (!parseIp6(host)) this.fail(s, 'endpoint_host', `not an IPv6 address in brackets: '[${host}]'`);
      }
      if (host !== '') {
        const ip = parseIp(host);
        if (ip) {
          op.endpoint = makeEndpoint(ip.family, ip.addr, port);
          endpoint = endpointText(ip.family, ip.addr, port);
          if (!nohostroute) hosts.push(formatIp(ip.family, ip.addr));
        } else if (host.indexOf(':') >= 0) {
          this.fail(s, 'endpoint_host', `not a host name or IP address: '${host}' (the port goes in endpoint_port)`);
        } else if (!validHostname(host)) {
          this.fail(s, 'endpoint_host', `not a host name or IP address: '${host}'`);
        } else {
          let found: [4 | 6, Uint8Array][] | null = null;
          let error = this.opts.noResolve ?? 'no resolver';
          if (this.opts.noResolve === undefined && this.opts.resolve) {
            try {
              found = this.opts.resolve(host);
              if (!found.length) error = 'no address found';
            } catch (e) {
              error = errorText(e);
            }
          }
          const first = found?.[0];
          if (first && (first[0] === 4 ? first[1].length === 4 : first[1].length === 16)) {
            op.endpoint = makeEndpoint(first[0], first[1], port);
            endpoint = endpointText(first[0], first[1], port);
            if (!nohostroute) hosts.push(formatIp(first[0], first[1]));
          } else {
            unresolved.push({ section: s.name, ref: uciSectionRef(s), publicKey: canonical, host, port, error });
            warnings.push(`${label}: endpoint_host '${host}' did not resolve (${error}); peer added without endpoint, will retry`);
          }
        }
      }

      request.peers.push(op);
      peers.push({
        section: s.name,
        ref: uciSectionRef(s),
        publicKey: canonical,
        description,
        endpointHost: host === '' ? null : host,
        endpointPort: port,
        endpoint,
        routeAllowedIps,
      });
    }

    const hostDependencies: string[] = [];
    for (const h of hosts) if (hostDependencies.indexOf(h) < 0) hostDependencies.push(h);
    return {
      ifname,
      request,
      generatedPrivateKey: generated,
      mtu,
      addresses,
      routes,
      ip6prefix,
      hostDependencies,
      tunlink,
      nohostroute,
      disabled,
      daemonEnv,
      peers,
      unresolved,
      warnings,
    };
  }
}

/** Maps the UCI `network` package to the configuration of interface `ifname` (proto 'wgjs'). */
export function planInterface(pkg: UciPackage, ifname: string, opts: PlanOptions): PlanResult {
  try {
    return { ok: true, plan: new Planner(pkg, opts).plan(ifname) };
  } catch (e) {
    if (e instanceof PlanError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Only the daemon environment of interface `ifname` (its offload options; see OFFLOAD_OPTIONS),
 *  checked without the rest of the plan (no key generation, no name resolution): what the proto
 *  handler needs before it starts the daemon. */
export function interfaceDaemonEnv(pkg: UciPackage, ifname: string, packageName?: string): { ok: true; env: string[] } | { ok: false; error: string } {
  try {
    const p = new Planner(pkg, { random: () => { throw new Error('no randomness needed'); }, packageName });
    return { ok: true, env: p.daemonEnv(p.iface(ifname)) };
  } catch (e) {
    if (e instanceof PlanError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Names of the interfaces with proto 'wgjs', in file order. */
export function wgjsInterfaces(pkg: UciPackage): string[] {
  const out: string[] = [];
  for (const s of pkg.sections) if (s.type === 'interface' && uciGet(s, 'proto') === 'wgjs') out.push(s.name);
  return out;
}

/** Peer sections of interface `ifname` by canonical base64 public key (first section wins;
 *  enabled sections before disabled ones): for naming peers in status and events. */
export function peerSectionsByKey(pkg: UciPackage, ifname: string): Map<string, UciSection> {
  const out = new Map<string, UciSection>();
  const later: [string, UciSection][] = [];
  for (const s of pkg.sections) {
    if (s.type !== `wireguard_${ifname}`) continue;
    const k = keyFromBase64(uciGet(s, 'public_key') ?? '');
    if (!k) continue;
    const key = toBase64(k);
    const dis = TRUE_WORDS.indexOf((uciGet(s, 'disabled') ?? '').toLowerCase()) >= 0;
    if (dis) later.push([key, s]);
    else if (!out.has(key)) out.set(key, s);
  }
  for (const [k, s] of later) if (!out.has(k)) out.set(k, s);
  return out;
}
