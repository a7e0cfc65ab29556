// Peer up/down notifications for OpenWrt: hotplug scripts and a ubus event.
//
// For every event this builds the commands to spawn (the caller spawns them without waiting):
//  - hotplug: `/sbin/hotplug-call wgjs` (OpenWrt: sources /etc/hotplug.d/wgjs/* with the event
//    in the environment). When WGJS_HOTPLUG_DIR is set, or hotplug-call does not exist, the
//    scripts of that directory (default /etc/hotplug.d/wgjs) are sourced the same way, in name
//    order, each in its own subshell, by one `/bin/sh -c`.
//  - ubus: the event `wgjs.peer` {json}: sent by the daemon's own ubus client when it is
//    connected to ubusd (src/ubus), otherwise by spawning `ubus send wgjs.peer {json}` when a
//    ubus binary exists (as before the native client).
// When the daemon stops (SIGTERM, ifdown, TUN deleted), every peer that was up gets its
// peer-down event (peersDownAtExit).
// Environment of the scripts (all strings):
//   ACTION=peer-up|peer-down  INTERFACE=wg0  PUBLIC_KEY=<base64>  ENDPOINT=1.2.3.4:51820|[v6]:port|""
//   DESCRIPTION=<UCI description or "">  SECTION=<UCI section name or "">  plus PATH.
// The ubus event data: {"action","interface","public_key","endpoint","description","section"}.
import type { PeerEvents } from '../platform/types.ts';
import { toBase64 } from '../util/bytes.ts';
import { formatEndpoint, hasEndpoint } from '../util/ip.ts';

const HOTPLUG_CALL = '/sbin/hotplug-call';
const DEFAULT_HOTPLUG_DIR = '/etc/hotplug.d/wgjs';
const HOTPLUG_SUBSYSTEM = 'wgjs';
const UBUS_EVENT = 'wgjs.peer';
export const UBUS_PATHS = ['/bin/ubus', '/usr/bin/ubus', '/sbin/ubus'];
const HOTPLUG_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

type PeerAction = 'peer-up' | 'peer-down';

interface PeerEvent {
  action: PeerAction;
  /** Interface (device) name. */
  ifname: string;
  /** 32 bytes, or base64 text. */
  publicKey: Uint8Array | string;
  /** 40-byte endpoint record, "ip:port" text, or nothing. */
  endpoint?: Uint8Array | string | null;
  description?: string | null;
  section?: string | null;
}

interface HotplugSystem {
  exists(path: string): boolean;
  getenv(name: string): string | undefined;
}

export interface SpawnSpec {
  argv: string[];
  /** The complete environment of the child. */
  env: Record<string, string>;
}

/** The script that runs every regular file of directory $0 like hotplug-call does. */
export const RUN_DIR_SCRIPT = 'for f in "$0"/*; do [ -f "$f" ] && ( . "$f" ); done';

function endpointString(ep: PeerEvent['endpoint']): string {
  if (!ep) return '';
  if (typeof ep === 'string') return ep;
  return formatEndpoint(ep);
}

/** The environment the hotplug scripts see for an event. */
export function hotplugEnv(ev: PeerEvent): Record<string, string> {
  return {
    ACTION: ev.action,
    INTERFACE: ev.ifname,
    PUBLIC_KEY: typeof ev.publicKey === 'string' ? ev.publicKey : toBase64(ev.publicKey),
    ENDPOINT: endpointString(ev.endpoint),
    DESCRIPTION: ev.description ?? '',
    SECTION: ev.section ?? '',
    PATH: HOTPLUG_PATH,
  };
}

/** The data of the `wgjs.peer` ubus event for a script environment. */
function ubusEventData(env: Record<string, string>): Record<string, string> {
  return {
    action: env.ACTION!,
    interface: env.INTERFACE!,
    public_key: env.PUBLIC_KEY!,
    endpoint: env.ENDPOINT!,
    description: env.DESCRIPTION!,
    section: env.SECTION!,
  };
}

/** The commands to spawn for one event (hotplug first, then `ubus send` unless `ubus` is false:
 *  the event went out natively). */
export function hotplugCommands(ev: PeerEvent, sys: HotplugSystem, ubus = true): SpawnSpec[] {
  const env = hotplugEnv(ev);
  const out: SpawnSpec[] = [];
  const dir = sys.getenv('WGJS_HOTPLUG_DIR');
  if (dir === undefined && sys.exists(HOTPLUG_CALL)) {
    out.push({ argv: [HOTPLUG_CALL, HOTPLUG_SUBSYSTEM], env });
  } else {
    const d = dir || DEFAULT_HOTPLUG_DIR;
    if (sys.exists(d)) out.push({ argv: ['/bin/sh', '-c', RUN_DIR_SCRIPT, d], env });
  }
  const bin = ubus ? UBUS_PATHS.find((p) => sys.exists(p)) : undefined;
  if (bin) out.push({ argv: [bin, 'send', UBUS_EVENT, JSON.stringify(ubusEventData(env))], env: { PATH: HOTPLUG_PATH } });
  return out;
}

interface PeerEventsOptions {
  ifname: string;
  sys: HotplugSystem;
  /** Starts a child without waiting for it; must not throw into the device. */
  spawn(spec: SpawnSpec): void;
  /** Description and UCI section for a base64 public key (e.g. from peerSectionsByKey). */
  describe?(publicKey: string): { description?: string | null; section?: string | null } | undefined;
  /** The daemon's ubus client: true when it sent the event itself (then no `ubus send`). */
  sendEvent?(id: string, data: Record<string, string>): boolean;
}

/** A PeerEvents sink for the device: each up/down becomes hotplug + ubus commands. */
export function makePeerEvents(o: PeerEventsOptions): PeerEvents {
  const fire = (action: PeerAction, publicKey: Uint8Array, endpoint: Uint8Array) => {
    const key = toBase64(publicKey);
    const d = o.describe?.(key);
    const ev: PeerEvent = {
      action,
      ifname: o.ifname,
      publicKey: key,
      endpoint: hasEndpoint(endpoint) ? endpoint : null,
      description: d?.description ?? null,
      section: d?.section ?? null,
    };
    let sent = false;
    if (o.sendEvent) {
      try {
        sent = o.sendEvent(UBUS_EVENT, ubusEventData(hotplugEnv(ev)));
      } catch {
        sent = false;
      }
    }
    for (const spec of hotplugCommands(ev, o.sys, !sent)) {
      try {
        o.spawn(spec);
      } catch {
        // a missing shell or fork failure must not disturb the tunnel
      }
    }
  };
  return {
    peerUp: (k, ep) => fire('peer-up', k, ep),
    peerDown: (k, ep) => fire('peer-down', k, ep),
  };
}

/** A peer as peersDownAtExit sees it (the device's Peer). */
interface ExitPeer {
  reachable: boolean;
  publicKey: Uint8Array;
  endpoint: Uint8Array;
}

/** The daemon is stopping: a peer-down event for every peer that was up (marked down, so a
 *  second call sends nothing). Returns how many. */
export function peersDownAtExit(peers: Iterable<ExitPeer>, events: PeerEvents): number {
  let n = 0;
  for (const p of peers) {
    if (!p.reachable) continue;
    p.reachable = false;
    n++;
    try {
      events.peerDown?.(p.publicKey, p.endpoint);
    } catch {
      // shutting down: one failed event must not keep the others from going out
    }
  }
  return n;
}
