// `wg set`, `wg setconf`, `wg addconf`, `wg syncconf` (set.c, setconf.c, config.c).
import { parseConfig } from '../config/parse.ts';
import {
  parseAllowedIpsValue, parseEndpointValue, parseFwmarkValue, parseKeepaliveValue, parseKeyFile, parseKeyValue,
  parsePortValue, stripSpaces, errorText, type EndpointOptions,
} from '../config/values.ts';
import type { PeerOp, SetRequest } from '../uapi/types.ts';
import { syncRequest } from '../client/sync.ts';
import type { WgEnv } from '../client/env.ts';
import { ifname, ipcGet, ipcSet } from '../client/ipc.ts';

const SET_USAGE =
  '<interface> [listen-port <port>] [fwmark <mark>] [private-key <file path>] [peer <base64 public key> [remove] [preshared-key <file path>] [endpoint <ip>:<port>] [persistent-keepalive <interval seconds>] [allowed-ips [+|-]<ip1>/<cidr1>[,[+|-]<ip2>/<cidr2>]...] ]...';

function endpointOptions(env: WgEnv): EndpointOptions {
  const o: EndpointOptions = { resolve: (h) => env.resolve(h), retriesEnv: env.getenv('WG_ENDPOINT_RESOLUTION_RETRIES') };
  if (env.sleep) o.sleep = (ms) => env.sleep!(ms);
  return o;
}

function flush(env: WgEnv, msgs: string[]): void {
  for (const m of msgs) env.stderr(m + '\n');
  msgs.length = 0;
}

/** The arguments of `wg set IFNAME ...` (after the name) as a request; null after printing why. */
function parseSetArgs(env: WgEnv, args: string[]): SetRequest | null {
  const req: SetRequest = { replacePeers: false, peers: [] };
  const msgs: string[] = [];
  const opts = endpointOptions(env);
  let peer: PeerOp | null = null;
  let i = 0;
  const fail = (): null => {
    flush(env, msgs);
    return null;
  };
  while (i < args.length) {
    const a = args[i]!;
    const v = args[i + 1];
    const has = v !== undefined;
    if (a === 'listen-port' && has && !peer) {
      const p = parsePortValue(v, msgs);
      if (p === null) return fail();
      req.listenPort = p;
      i += 2;
    } else if (a === 'fwmark' && has && !peer) {
      const m = parseFwmarkValue(v, msgs);
      if (m === null) return fail();
      req.fwmark = m;
      i += 2;
    } else if (a === 'private-key' && has && !peer) {
      const k = parseKeyFile(v, (p) => env.readFile(p), msgs);
      if (!k) return fail();
      req.privateKey = k;
      i += 2;
    } else if (a === 'peer' && has) {
      const k = parseKeyValue(v, msgs);
      if (!k) return fail();
      peer = { publicKey: k, remove: false, updateOnly: false, replaceAllowedIps: false, allowedIps: [] };
      req.peers.push(peer);
      i += 2;
    } else if (a === 'remove' && peer) {
      peer.remove = true;
      i += 1;
    } else if (a === 'endpoint' && has && peer) {
      const ep = parseEndpointValue(v, opts, msgs);
      if (!ep) return fail();
      peer.endpoint = ep;
      i += 2;
    } else if (a === 'allowed-ips' && has && peer) {
      if (!parseAllowedIpsValue(peer, stripSpaces(v), msgs)) return fail();
      i += 2;
    } else if (a === 'persistent-keepalive' && has && peer) {
      const s = parseKeepaliveValue(v, msgs);
      if (s === null) return fail();
      peer.persistentKeepalive = s;
      i += 2;
    } else if (a === 'preshared-key' && has && peer) {
      const k = parseKeyFile(v, (p) => env.readFile(p), msgs);
      if (!k) return fail();
      peer.presharedKey = k;
      i += 2;
    } else {
      msgs.push(`Invalid argument: ${a}`);
      return fail();
    }
    flush(env, msgs); // warnings, as they happen
  }
  return req;
}

/** `wg set IFNAME ...`. */
export function setMain(env: WgEnv, argv: string[]): number {
  if (argv.length < 3) {
    env.stderr(`Usage: ${env.progName} ${argv[0]} ${SET_USAGE}\n`);
    return 1;
  }
  const req = parseSetArgs(env, argv.slice(2));
  if (!req) return 1;
  const err = ipcSet(env, ifname(argv[1]!), req);
  if (err !== null) {
    env.stderr(`Unable to modify interface: ${err}\n`);
    return 1;
  }
  return 0;
}

/** `wg setconf|addconf|syncconf IFNAME FILE`. */
export function setconfMain(env: WgEnv, argv: string[]): number {
  const cmd = argv[0]!;
  if (argv.length !== 3) {
    env.stderr(`Usage: ${env.progName} ${cmd} <interface> <configuration filename>\n`);
    return 1;
  }
  let text: string;
  try {
    text = env.readFile(argv[2]!);
  } catch (e) {
    env.stderr(`fopen: ${errorText(e)}\n`);
    return 1;
  }
  const r = parseConfig(text, { append: cmd === 'addconf', ...endpointOptions(env) });
  flush(env, r.messages);
  if (!r.ok) {
    env.stderr(r.trailer + '\n');
    return 1;
  }
  const name = ifname(argv[1]!);
  let req = r.req;
  if (cmd === 'syncconf' && req.peers.length) {
    const rt = ipcGet(env, name);
    if (!rt.ok) {
      env.stderr(`Unable to retrieve current interface configuration: ${rt.error}\n`);
      return 1;
    }
    req = syncRequest(req, rt.dev);
  }
  const err = ipcSet(env, name, req);
  if (err !== null) {
    env.stderr(`Unable to modify interface: ${err}\n`);
    return 1;
  }
  return 0;
}
