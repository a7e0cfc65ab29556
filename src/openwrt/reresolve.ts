// Endpoint re-resolution: the daemon keeps following the endpoint_host names of its UCI peers.
//
// A name is resolved again
//  - periodically (every `periodMs`): the peer's endpoint is changed only when the name now
//    gives another address than it gave last time (the DNS record moved). A peer that roamed
//    (its endpoint learnt from authenticated packets) keeps its endpoint while DNS is unchanged;
//  - when the peer is stale: it has no endpoint (the name did not resolve at setup) or its
//    handshake is being retried without an answer. Then the endpoint follows the name whenever
//    they differ. Stale retries back off from `staleMs`, doubling, up to `periodMs`.
// Pure: the caller resolves the names (in a child process, never blocking the datapath) and
// applies the endpoint updates. Times are in the daemon's clock (ms).
import { formatEndpoint, makeEndpoint } from '../util/ip.ts';

export const RERESOLVE_PERIOD_S = 300;
export const RERESOLVE_STALE_S = 30;

export interface NamedEndpoint {
  /** Canonical base64 public key. */
  publicKey: string;
  host: string;
  port: number;
}

export interface PeerView {
  /** Runtime endpoint as "ip:port" / "[ip6]:port", null when it has none. */
  endpoint: string | null;
  /** Handshake retried without answer. */
  retrying: boolean;
}

/** A name's first address in resolver order, null when it did not resolve. */
export type Resolution = [4 | 6, Uint8Array] | null;

interface EndpointUpdate {
  publicKey: string;
  /** 40-byte endpoint record. */
  endpoint: Uint8Array;
  text: string;
  why: 'no endpoint' | 'stale' | 'dns changed';
}

interface Entry {
  host: string;
  port: number;
  /** What the name gave last time ("ip:port"), or the endpoint the peer had when first seen. */
  last: string | null;
  nextPeriodic: number;
  nextStale: number;
  staleDelay: number;
  pending: boolean;
}

export class Reresolver {
  private entries = new Map<string, Entry>();

  constructor(readonly periodMs = RERESOLVE_PERIOD_S * 1000, readonly staleMs = RERESOLVE_STALE_S * 1000) {}

  /** The names currently configured (replaces the previous list; unchanged names keep their state). */
  setNames(list: NamedEndpoint[], now: number, view: (publicKey: string) => PeerView | undefined): void {
    const next = new Map<string, Entry>();
    for (const n of list) {
      const old = this.entries.get(n.publicKey);
      if (old && old.host === n.host && old.port === n.port) {
        next.set(n.publicKey, old);
        continue;
      }
      next.set(n.publicKey, {
        host: n.host,
        port: n.port,
        last: view(n.publicKey)?.endpoint ?? null,
        nextPeriodic: now + this.periodMs,
        nextStale: now,
        staleDelay: this.staleMs,
        pending: false,
      });
    }
    this.entries = next;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Names to resolve now (each once); marks their peers as waiting for `apply`. */
  due(now: number, view: (publicKey: string) => PeerView | undefined): string[] {
    const hosts: string[] = [];
    for (const [key, e] of this.entries) {
      const v = view(key);
      if (!v || e.pending) continue;
      const stale = v.endpoint === null || v.retrying;
      if (now >= e.nextPeriodic || (stale && now >= e.nextStale)) {
        e.pending = true;
        if (hosts.indexOf(e.host) < 0) hosts.push(e.host);
      }
    }
    return hosts;
  }

  /** Earliest time something may become due (for the caller's timer), Infinity when nothing is named. */
  nextCheck(): number {
    let t = Infinity;
    for (const e of this.entries.values()) t = Math.min(t, e.nextPeriodic, e.nextStale);
    return t;
  }

  /** Results of the names `due` returned (missing = did not resolve): the endpoints to set. */
  apply(now: number, results: Map<string, Resolution>, view: (publicKey: string) => PeerView | undefined): EndpointUpdate[] {
    const out: EndpointUpdate[] = [];
    for (const [key, e] of this.entries) {
      if (!e.pending) continue;
      e.pending = false;
      const v = view(key);
      const stale = !!v && (v.endpoint === null || v.retrying);
      if (now >= e.nextPeriodic) e.nextPeriodic = now + this.periodMs;
      if (stale) {
        e.nextStale = now + e.staleDelay;
        e.staleDelay = Math.min(e.staleDelay * 2, Math.max(this.periodMs, this.staleMs));
      } else {
        e.staleDelay = this.staleMs;
        e.nextStale = now;
      }
      const r = results.get(e.host);
      if (!r || !v) continue;
      const ep = makeEndpoint(r[0], r[1], e.port);
      const text = formatEndpoint(ep);
      const prev = e.last;
      e.last = text;
      if (v.endpoint === text) continue;
      let why: EndpointUpdate['why'] | null = null;
      if (v.endpoint === null) why = 'no endpoint';
      else if (v.retrying) why = 'stale';
      else if (prev !== null && prev !== text) why = 'dns changed';
      if (why) out.push({ publicKey: key, endpoint: ep, text, why });
    }
    return out;
  }
}

/** Parses the output of `wgjs resolve HOST...`: lines "HOST 4|6 ADDRESS" (first per host wins)
 *  and "HOST - MESSAGE" for names that did not resolve. */
export function parseResolveOutput(text: string, parseIp: (s: string) => { family: 4 | 6; addr: Uint8Array } | null): Map<string, Resolution> {
  const out = new Map<string, Resolution>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || out.has(f[0]!)) continue;
    if (f[1] === '4' || f[1] === '6') {
      const ip = parseIp(f[2]!);
      if (ip && String(ip.family) === f[1]) out.set(f[0]!, [ip.family, ip.addr]);
    } else if (f[1] === '-') out.set(f[0]!, null);
  }
  return out;
}

/** netifd keeps a host route to each endpoint: after endpoints changed, the interface's `renew`
 *  makes the proto handler report the new addresses. Invoked natively by the daemon's ubus
 *  client when it is connected (`invoke` returns true; `done` gets the ubus status), otherwise
 *  through `spawnUbus` with the arguments of `ubus call network.interface.NAME renew`
 *  (the caller finds the ubus binary; without one nothing happens). Returns which way it went. */
export function renewInterface(
  ifname: string,
  invoke: ((path: string, method: string, done: (status: number) => void) => boolean) | null,
  spawnUbus: (args: string[]) => boolean,
  done: (status: number) => void,
): 'native' | 'spawned' | 'none' {
  const path = `network.interface.${ifname}`;
  if (invoke && invoke(path, 'renew', done)) return 'native';
  return spawnUbus(['call', path, 'renew']) ? 'spawned' : 'none';
}
