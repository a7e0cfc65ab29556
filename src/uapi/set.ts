// UAPI `set=1`: parsing and validating one operation into a SetRequest (server side), writing a
// SetRequest as UAPI text (client side, in wg(8)'s key order), and the per-connection framing
// of the UAPI socket (UapiSession).
//
// Validation follows wireguard-go's device/uapi.go key by key (which keys are device keys, which
// values each accepts, which errno each failure answers), with one deliberate difference: the
// whole operation is validated before anything is applied, so a failed set changes nothing.
import { fromHex, toHex } from '../util/bytes.ts';
import { formatEndpoint, formatPrefix, hasEndpoint, parseEndpoint, parsePrefix, parseUint } from '../util/ip.ts';
import type { AllowedIpOp, PeerOp, SetRequest } from './types.ts';

type UapiErrno = 'EINVAL' | 'EPROTO';
type ParseSetResult =
  | { ok: true; req: SetRequest }
  | { ok: false; errno: UapiErrno; message: string };

function fail(errno: UapiErrno, message: string): ParseSetResult {
  return { ok: false, errno, message };
}

function hexKey(v: string): Uint8Array | null {
  return fromHex(v, 32);
}

/** Longest value quoted in an error message (a log line stays a line, whatever a client sends). */
const QUOTE_MAX = 64;

function quote(v: string): string {
  return v.length > QUOTE_MAX ? `${JSON.stringify(v.slice(0, QUOTE_MAX))}... (${v.length} bytes)` : JSON.stringify(v);
}

/**
 * A `set=1` body parsed line by line as it arrives (the daemon never holds the operation's text).
 * After the first bad line the rest of the operation is still consumed, up to its blank line, and
 * finish() answers that line's errno: nothing is applied. Messages never quote a key's value.
 */
export class SetParser {
  private req: SetRequest = { replacePeers: false, peers: [] };
  private peer: PeerOp | null = null;
  private failure: ParseSetResult | null = null;

  /** One line without its '\n' (one trailing '\r' is dropped, as Go's line scanner does). */
  line(raw: string): void {
    if (this.failure) return;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const r = this.apply(raw);
    if (r) this.failure = r;
  }

  /** The request, or the first failure; the parser is ready for the next operation. */
  finish(): ParseSetResult {
    const r: ParseSetResult = this.failure ?? { ok: true, req: this.req };
    this.req = { replacePeers: false, peers: [] };
    this.peer = null;
    this.failure = null;
    return r;
  }

  private apply(raw: string): ParseSetResult | null {
    const eq = raw.indexOf('=');
    if (eq < 0) return fail('EPROTO', `failed to parse line: no '=' in a line of ${raw.length} bytes`);
    const key = raw.slice(0, eq);
    const value = raw.slice(eq + 1);
    const req = this.req;
    let peer = this.peer;

    if (key === 'public_key') {
      const k = hexKey(value);
      if (!k) return fail('EINVAL', 'failed to get peer by public key: invalid hex key');
      peer = { publicKey: k, remove: false, updateOnly: false, replaceAllowedIps: false, allowedIps: [] };
      this.peer = peer;
      req.peers.push(peer);
      return null;
    }

    if (!peer) {
      switch (key) {
        case 'private_key': {
          const k = hexKey(value);
          if (!k) return fail('EINVAL', 'failed to set private_key: invalid hex key');
          req.privateKey?.fill(0);
          req.privateKey = k;
          break;
        }
        case 'listen_port': {
          const p = parseUint(value, 65535);
          if (p < 0) return fail('EINVAL', `failed to parse listen_port: ${quote(value)}`);
          req.listenPort = p;
          break;
        }
        case 'fwmark': {
          const m = parseUint(value, 0xffffffff);
          if (m < 0) return fail('EINVAL', `invalid fwmark: ${quote(value)}`);
          req.fwmark = m;
          break;
        }
        case 'replace_peers':
          if (value !== 'true') return fail('EINVAL', `failed to set replace_peers, invalid value: ${quote(value)}`);
          req.replacePeers = true;
          break;
        default:
          return fail('EINVAL', `invalid UAPI device key: ${quote(key)}`);
      }
      return null;
    }

    switch (key) {
      case 'update_only':
        if (value !== 'true') return fail('EINVAL', `failed to set update only, invalid value: ${quote(value)}`);
        peer.updateOnly = true;
        break;
      case 'remove':
        if (value !== 'true') return fail('EINVAL', `failed to set remove, invalid value: ${quote(value)}`);
        peer.remove = true;
        break;
      case 'preshared_key': {
        const k = hexKey(value);
        if (!k) return fail('EINVAL', 'failed to set preshared key: invalid hex key');
        peer.presharedKey?.fill(0);
        peer.presharedKey = k;
        break;
      }
      case 'endpoint': {
        const ep = parseEndpoint(value);
        if (!ep) return fail('EINVAL', `failed to set endpoint ${quote(value)}`);
        peer.endpoint = ep;
        break;
      }
      case 'persistent_keepalive_interval': {
        const s = parseUint(value, 65535);
        if (s < 0) return fail('EINVAL', `failed to set persistent keepalive interval: ${quote(value)}`);
        peer.persistentKeepalive = s;
        break;
      }
      case 'replace_allowed_ips':
        if (value !== 'true') return fail('EINVAL', `failed to replace allowedips, invalid value: ${quote(value)}`);
        // Applied in order by wireguard-go: it also drops the allowed IPs given before it.
        peer.replaceAllowedIps = true;
        peer.allowedIps.length = 0;
        break;
      case 'allowed_ip': {
        const remove = value.charCodeAt(0) === 45; // '-'
        const p = parsePrefix(remove ? value.slice(1) : value, false);
        if (!p) return fail('EINVAL', `failed to set allowed ip: ${quote(value)}`);
        const op: AllowedIpOp = { remove, family: p.family, addr: p.addr, cidr: p.cidr };
        peer.allowedIps.push(op);
        break;
      }
      case 'protocol_version':
        if (value !== '1') return fail('EINVAL', `invalid protocol version: ${quote(value)}`);
        break;
      default:
        return fail('EINVAL', `invalid UAPI peer key: ${quote(key)}`);
    }
    return null;
  }
}

/**
 * Parses the body of one `set=1` operation: the lines after `set=1` up to (not including) the
 * blank line. A blank line inside `text` ends the operation (the rest is ignored); one trailing
 * '\r' per line is dropped (as Go's line scanner does).
 */
export function parseSet(text: string): ParseSetResult {
  const p = new SetParser();
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    if (raw === '' || raw === '\r') break;
    p.line(raw);
  }
  return p.finish();
}

/**
 * The lines of a `set=1` operation for `req` (without "set=1" and without the closing blank
 * line), in the order wg(8) writes them. A removed peer gets only public_key and remove=true.
 */
export function formatSetBody(req: SetRequest): string {
  let s = '';
  if (req.privateKey) s += `private_key=${toHex(req.privateKey)}\n`;
  if (req.listenPort !== undefined) s += `listen_port=${req.listenPort}\n`;
  if (req.fwmark !== undefined) s += `fwmark=${req.fwmark}\n`;
  if (req.replacePeers) s += 'replace_peers=true\n';
  for (const p of req.peers) {
    s += `public_key=${toHex(p.publicKey)}\n`;
    if (p.remove) {
      s += 'remove=true\n';
      continue;
    }
    if (p.updateOnly) s += 'update_only=true\n';
    if (p.presharedKey) s += `preshared_key=${toHex(p.presharedKey)}\n`;
    if (hasEndpoint(p.endpoint)) s += `endpoint=${formatEndpoint(p.endpoint)}\n`;
    if (p.persistentKeepalive !== undefined) s += `persistent_keepalive_interval=${p.persistentKeepalive}\n`;
    if (p.replaceAllowedIps) s += 'replace_allowed_ips=true\n';
    for (const a of p.allowedIps) s += `allowed_ip=${a.remove ? '-' : ''}${formatPrefix(a)}\n`;
  }
  return s;
}

/** A complete `set=1` request: "set=1\n" + body + "\n". */
export function formatSet(req: SetRequest): string {
  return 'set=1\n' + formatSetBody(req) + '\n';
}

