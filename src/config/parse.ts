// wg(8) configuration files (the [Interface]/[Peer] INI format of `wg setconf`, `addconf`,
// `syncconf`) into a SetRequest, with wg's rules (config.c): '#' starts a comment, every
// whitespace character is removed from a line, section names and keys are case-insensitive,
// values cannot be empty, unknown lines are errors. wg-quick's own [Interface] keys (Address,
// DNS, MTU, ...) are errors too, exactly as for `wg setconf`, unless `wgQuick` is set (then they
// are dropped, like `wg-quick strip`). Parsing stops at the first error; nothing is applied.
import type { PeerOp, SetRequest } from '../uapi/types.ts';
import {
  parseAllowedIpsValue, parseEndpointValue, parseFwmarkValue, parseKeepaliveValue, parseKeyValue,
  parsePortValue, stripSpaces, type EndpointOptions,
} from './values.ts';

export interface ConfigOptions extends EndpointOptions {
  /** addconf: only what the file says. Otherwise (setconf) the file replaces everything: the
   *  private key (zero if absent), listen port 0, fwmark 0 and all peers unless given. */
  append?: boolean;
  /** Drop wg-quick's [Interface] keys instead of rejecting them. */
  wgQuick?: boolean;
}

type ConfigResult =
  | { ok: true; req: SetRequest; messages: string[] }
  | {
      ok: false;
      /** 1-based line of the error; 0 when it concerns the whole file. */
      line: number;
      /** The error itself, as wg prints it. */
      message: string;
      /** Everything wg prints on stderr before its closing line (warnings, the error). */
      messages: string[];
      /** wg's closing line: "Configuration parsing error" or "Invalid configuration". */
      trailer: string;
    };

const WG_QUICK_KEYS = ['address', 'dns', 'mtu', 'table', 'preup', 'predown', 'postup', 'postdown', 'saveconfig'];

interface PeerDraft extends Omit<PeerOp, 'publicKey'> {
  publicKey: Uint8Array | null;
}

/** "Line 7: Key is not the correct length or format: `abc'" (or the message alone for line 0). */
export function describeConfigError(r: { line: number; message: string }): string {
  return r.line > 0 ? `Line ${r.line}: ${r.message}` : r.message;
}

/** The value after "Key=" when `line` starts with it (case-insensitive) and has a value. */
function valueOf(line: string, key: string): string | null {
  if (line.length <= key.length + 1) return null;
  if (line.slice(0, key.length + 1).toLowerCase() !== key.toLowerCase() + '=') return null;
  return line.slice(key.length + 1);
}

export function parseConfig(text: string, opts: ConfigOptions = {}): ConfigResult {
  const msgs: string[] = [];
  const req: SetRequest = { replacePeers: false, peers: [] };
  if (!opts.append) {
    req.privateKey = new Uint8Array(32);
    req.listenPort = 0;
    req.fwmark = 0;
    req.replacePeers = true;
  }
  const peers: PeerDraft[] = [];
  let peer: PeerDraft | null = null;
  let inInterface = false;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const hash = raw.indexOf('#');
    const nul = raw.indexOf('\0');
    let end = hash < 0 ? raw.length : hash;
    if (nul >= 0 && nul < end) end = nul;
    const line = stripSpaces(raw.slice(0, end));
    if (line.length === 0) continue;
    const fail = (): ConfigResult => ({
      ok: false, line: n + 1, message: msgs[msgs.length - 1] ?? '', messages: msgs, trailer: 'Configuration parsing error',
    });

    const lower = line.toLowerCase();
    if (lower === '[interface]') {
      inInterface = true;
      peer = null;
      continue;
    }
    if (lower === '[peer]') {
      inInterface = false;
      peer = { publicKey: null, remove: false, updateOnly: false, replaceAllowedIps: true, allowedIps: [] };
      peers.push(peer);
      continue;
    }
    let v: string | null;
    if (inInterface) {
      if ((v = valueOf(line, 'ListenPort')) !== null) {
        const p = parsePortValue(v, msgs);
        if (p === null) return fail();
        req.listenPort = p;
      } else if ((v = valueOf(line, 'FwMark')) !== null) {
        const m = parseFwmarkValue(v, msgs);
        if (m === null) return fail();
        req.fwmark = m;
      } else if ((v = valueOf(line, 'PrivateKey')) !== null) {
        const k = parseKeyValue(v, msgs);
        if (!k) return fail();
        req.privateKey = k;
      } else if (opts.wgQuick && line.indexOf('=') > 0 && WG_QUICK_KEYS.includes(lower.slice(0, lower.indexOf('=')))) {
        continue;
      } else {
        msgs.push(`Line unrecognized: \`${line}'`);
        return fail();
      }
    } else if (peer) {
      if ((v = valueOf(line, 'Endpoint')) !== null) {
        const ep = parseEndpointValue(v, opts, msgs);
        if (!ep) return fail();
        peer.endpoint = ep;
      } else if ((v = valueOf(line, 'PublicKey')) !== null) {
        const k = parseKeyValue(v, msgs);
        if (!k) return fail();
        peer.publicKey = k;
      } else if ((v = valueOf(line, 'AllowedIPs')) !== null) {
        if (!parseAllowedIpsValue(peer as PeerOp, v, msgs)) return fail();
      } else if ((v = valueOf(line, 'PersistentKeepalive')) !== null) {
        const s = parseKeepaliveValue(v, msgs);
        if (s === null) return fail();
        peer.persistentKeepalive = s;
      } else if ((v = valueOf(line, 'PresharedKey')) !== null) {
        const k = parseKeyValue(v, msgs);
        if (!k) return fail();
        peer.presharedKey = k;
      } else {
        msgs.push(`Line unrecognized: \`${line}'`);
        return fail();
      }
    } else {
      msgs.push(`Line unrecognized: \`${line}'`);
      return fail();
    }
  }
  for (const p of peers) {
    if (!p.publicKey) {
      msgs.push('A peer is missing a public key');
      return { ok: false, line: 0, message: msgs[msgs.length - 1]!, messages: msgs, trailer: 'Invalid configuration' };
    }
    req.peers.push(p as PeerOp);
  }
  return { ok: true, req, messages: msgs };
}
