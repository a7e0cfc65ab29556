// `wgjs uci-sync [options] IFNAME`: applies the UCI configuration of a wgjs interface to its
// running daemon (what `wg syncconf` does: peers no longer configured are removed, the others
// keep their sessions) and prints what netifd must be told, one fact per line, for the proto
// handler (/lib/netifd/proto/wgjs.sh) to pass on:
//
//   private_key KEY        a key was generated (private_key empty or 'generate'): store it
//   mtu N
//   address4 ADDR MASK     address6 ADDR MASK
//   route4 TARGET MASK     route6 TARGET MASK      (allowed IPs of peers with route_allowed_ips)
//   prefix6 PREFIX
//   host ADDR [TUNLINK]    host dependency for a resolved endpoint (not with nohostroute)
//   retry SECTION HOST     endpoint_host that did not resolve: the peer runs without endpoint
//   warn TEXT              something to log (skipped peer, unresolved name, ...)
//
// Options:
//   --config FILE   read FILE instead of /etc/config/network (or $WGJS_UCI_CONFIG when set; the
//                   daemon and `wgjs rpcd` read the same variable) ('-' = standard input, e.g.
//                   `uci export network | wgjs uci-sync --config - wg0`)
//   --endpoints     only give an endpoint to configured peers that have none at runtime (the
//                   retry for names that did not resolve); prints host/retry lines
//   --dry-run       check and print, do not contact the daemon
//   --env           only the daemon's environment from the interface's offload options
//                   (offload, tun_tso, tun_uso, udp_gso, udp_gro: UCI booleans, unset = on), one
//                   VAR=0 line per option switched off (none by default), e.g. WGJS_OFFLOAD=0,
//                   and WGJS_LISTEN_ADDRESS=A[,B] for listen_address (one address per family);
//                   checks nothing else and does not contact the daemon. The proto handler runs
//                   it before starting the daemon (a bad value: exit 1, nothing started).
// The file is read as bytes when the environment can (readFileBytes/stdinBytes): values are
// bytes in UCI. Error messages never repeat a key value.
// Exit status: 0 applied; 1 invalid configuration (restarting will not help); 2 usage; 3 the
// daemon could not be reached or refused the change.
import { ipcGet, ipcSet } from '../client/ipc.ts';
import { syncRequest } from '../client/sync.ts';
import type { WgEnv } from '../client/env.ts';
import type { PeerOp, SetRequest } from '../uapi/types.ts';
import { toBase64 } from '../util/bytes.ts';
import { formatIp } from '../util/ip.ts';
import { interfaceDaemonEnv, planInterface, type InterfacePlan } from './network.ts';
import { parseUci, type UciPackage } from './uci.ts';

export const UCI_NETWORK_FILE = '/etc/config/network';
const UCI_SYNC_USAGE = 'Usage: wgjs uci-sync [--config FILE|-] [--endpoints|--env] [--dry-run] <interface>\n';

/** What loadNetwork reads with: the CLI's environment, plus byte readers when it has them. */
type UciReadEnv = Pick<WgEnv, 'readFile' | 'stdin'> & {
  readFileBytes?(path: string): Uint8Array;
  stdinBytes?(): Uint8Array;
};

/** Reads and parses the network configuration; an error message instead on failure. */
export function loadNetwork(env: UciReadEnv, file: string): { ok: true; pkg: UciPackage } | { ok: false; error: string } {
  let text: string | Uint8Array;
  try {
    if (file === '-') text = env.stdinBytes ? env.stdinBytes() : env.stdin();
    else text = env.readFileBytes ? env.readFileBytes(file) : env.readFile(file);
  } catch (e) {
    return { ok: false, error: `${file}: ${(e as Error).message ?? String(e)}` };
  }
  const r = parseUci(text, { file, package: 'network', single: file !== '-' });
  if (!r.ok) return { ok: false, error: r.error };
  const pkg = r.packages.find((p) => p.name === 'network');
  if (!pkg) return { ok: false, error: `${file}: no 'network' package` };
  return { ok: true, pkg };
}

/** The fact lines for a full sync (see the header). */
function planFacts(plan: InterfacePlan): string {
  let s = '';
  if (plan.generatedPrivateKey) s += `private_key ${plan.generatedPrivateKey}\n`;
  if (plan.mtu !== null) s += `mtu ${plan.mtu}\n`;
  for (const a of plan.addresses) s += `address${a.family} ${a.address} ${a.mask}\n`;
  for (const r of plan.routes) s += `route${r.family} ${r.target} ${r.mask}\n`;
  for (const p of plan.ip6prefix) s += `prefix6 ${p}\n`;
  s += hostLines(plan, plan.hostDependencies);
  for (const u of plan.unresolved) s += `retry ${u.section} ${u.host}\n`;
  for (const w of plan.warnings) s += `warn ${w.replace(/\n/g, ' ')}\n`;
  return s;
}

function hostLines(plan: InterfacePlan, hosts: string[]): string {
  let s = '';
  if (plan.nohostroute) return s;
  for (const h of hosts) s += plan.tunlink ? `host ${h} ${plan.tunlink}\n` : `host ${h}\n`;
  return s;
}

/** `wgjs uci-sync ...`; argv[0] is "uci-sync". */
export function uciSyncMain(env: WgEnv & UciReadEnv, argv: string[]): number {
  let file = env.getenv('WGJS_UCI_CONFIG') || UCI_NETWORK_FILE;
  let endpointsOnly = false;
  let dryRun = false;
  let envOnly = false;
  let ifname: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' && i + 1 < argv.length) file = argv[++i]!;
    else if (a === '--endpoints') endpointsOnly = true;
    else if (a === '--dry-run') dryRun = true;
    else if (a === '--env') envOnly = true;
    else if (a.startsWith('-') || ifname !== null) {
      env.stderr(UCI_SYNC_USAGE);
      return 2;
    } else ifname = a;
  }
  if (ifname === null || (envOnly && endpointsOnly)) {
    env.stderr(UCI_SYNC_USAGE);
    return 2;
  }
  const loaded = loadNetwork(env, file);
  if (!loaded.ok) {
    env.stderr(`wgjs uci-sync: ${loaded.error}\n`);
    return 1;
  }
  if (envOnly) {
    const e = interfaceDaemonEnv(loaded.pkg, ifname);
    if (!e.ok) {
      env.stderr(`wgjs uci-sync: ${e.error}\n`);
      return 1;
    }
    env.stdout(e.env.map((v) => `${v}\n`).join(''));
    return 0;
  }
  const r = planInterface(loaded.pkg, ifname, { resolve: (h) => env.resolve(h), random: env.random });
  if (!r.ok) {
    env.stderr(`wgjs uci-sync: ${r.error}\n`);
    return 1;
  }
  const plan = r.plan;
  if (dryRun) {
    env.stdout(endpointsOnly ? endpointUpdate(plan, null).facts : planFacts(plan));
    return 0;
  }
  const runtime = ipcGet(env, ifname);
  if (!runtime.ok) {
    env.stderr(`wgjs uci-sync: Unable to access interface ${ifname}: ${runtime.error}\n`);
    return 3;
  }
  let req: SetRequest;
  let out: string;
  if (endpointsOnly) {
    const missing = new Set<string>();
    for (const p of runtime.dev.peers) if (!p.endpoint) missing.add(toBase64(p.publicKey));
    const u = endpointUpdate(plan, missing);
    req = u.req;
    out = u.facts;
  } else {
    req = syncRequest(plan.request, runtime.dev);
    out = planFacts(plan);
  }
  if (req.peers.length > 0 || !endpointsOnly) {
    const err = ipcSet(env, ifname, req);
    if (err !== null) {
      env.stderr(`wgjs uci-sync: Unable to modify interface ${ifname}: ${err}\n`);
      return 3;
    }
  }
  env.stdout(out);
  return 0;
}

function hostOf(ep: Uint8Array): string {
  return ep[0] === 6 ? formatIp(6, ep, 4) : formatIp(4, ep, 4);
}

/**
 * --endpoints: an update-only request giving their endpoint to the peers in `missing` (public
 * keys of peers without a runtime endpoint; null = every peer) that now have one, with host
 * lines for them and retry lines for those whose name still does not resolve.
 */
function endpointUpdate(plan: InterfacePlan, missing: Set<string> | null): { req: SetRequest; facts: string } {
  const req: SetRequest = { replacePeers: false, peers: [] };
  const hosts: string[] = [];
  for (let i = 0; i < plan.peers.length; i++) {
    const pp = plan.peers[i]!;
    const op = plan.request.peers[i]!;
    if ((missing && !missing.has(pp.publicKey)) || !op.endpoint) continue;
    const upd: PeerOp = { publicKey: op.publicKey, remove: false, updateOnly: true, endpoint: op.endpoint, replaceAllowedIps: false, allowedIps: [] };
    req.peers.push(upd);
    const h = hostOf(op.endpoint);
    if (hosts.indexOf(h) < 0) hosts.push(h);
  }
  let facts = hostLines(plan, hosts);
  for (const u of plan.unresolved) if (!missing || missing.has(u.publicKey)) facts += `retry ${u.section} ${u.host}\n`;
  return { req, facts };
}
