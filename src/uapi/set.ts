// UAPI `set=1`: parsing and validating one operation into a SetRequest (server side), writing a
// SetRequest as UAPI text (client side, in wg(8)'s key order), and the per-connection framing
// of the UAPI socket (UapiSession).
//
// Validation follows wireguard-go's device/uapi.go key by key (which keys are device keys, which
// values each accepts, which errno each failure answers), with one deliberate difference: the
// whole operation is validated before anything is applied, so a failed set changes nothing.
import { fromHex, toHex, utf8Encode } from '../util/bytes.ts';
import { formatEndpoint, formatPrefix, parseEndpoint, parsePrefix, parseUint } from '../util/ip.ts';
import type { AllowedIpOp, PeerOp, SetRequest } from './types.ts';

export type UapiErrno = 'EINVAL' | 'EPROTO';
export type ParseSetResult =
  | { ok: true; req: SetRequest }
  | { ok: false; errno: UapiErrno; message: string };

function fail(errno: UapiErrno, message: string): ParseSetResult {
  return { ok: false, errno, message };
}

function hexKey(v: string): Uint8Array | null {
  return fromHex(v, 32);
}

/**
 * Parses the body of one `set=1` operation: the lines after `set=1` up to (not including) the
 * blank line. A blank line inside `text` ends the operation (the rest is ignored); one trailing
 * '\r' per line is dropped (as Go's line scanner does).
 */
export function parseSet(text: string): ParseSetResult {
  const req: SetRequest = { replacePeers: false, peers: [] };
  let peer: PeerOp | null = null;
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let raw of lines) {
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw === '') break;
    const eq = raw.indexOf('=');
    if (eq < 0) return fail('EPROTO', `failed to parse line "${raw}"`);
    const key = raw.slice(0, eq);
    const value = raw.slice(eq + 1);

    if (key === 'public_key') {
      const k = hexKey(value);
      if (!k) return fail('EINVAL', `failed to get peer by public key: ${value}`);
      peer = { publicKey: k, remove: false, updateOnly: false, replaceAllowedIps: false, allowedIps: [] };
      req.peers.push(peer);
      continue;
    }

    if (!peer) {
      switch (key) {
        case 'private_key': {
          const k = hexKey(value);
          if (!k) return fail('EINVAL', 'failed to set private_key: invalid hex key');
          req.privateKey = k;
          break;
        }
        case 'listen_port': {
          const p = parseUint(value, 65535);
          if (p < 0) return fail('EINVAL', `failed to parse listen_port: ${value}`);
          req.listenPort = p;
          break;
        }
        case 'fwmark': {
          const m = parseUint(value, 0xffffffff);
          if (m < 0) return fail('EINVAL', `invalid fwmark: ${value}`);
          req.fwmark = m;
          break;
        }
        case 'replace_peers':
          if (value !== 'true') return fail('EINVAL', `failed to set replace_peers, invalid value: ${value}`);
          req.replacePeers = true;
          break;
        default:
          return fail('EINVAL', `invalid UAPI device key: ${key}`);
      }
      continue;
    }

    switch (key) {
      case 'update_only':
        if (value !== 'true') return fail('EINVAL', `failed to set update only, invalid value: ${value}`);
        peer.updateOnly = true;
        break;
      case 'remove':
        if (value !== 'true') return fail('EINVAL', `failed to set remove, invalid value: ${value}`);
        peer.remove = true;
        break;
      case 'preshared_key': {
        const k = hexKey(value);
        if (!k) return fail('EINVAL', 'failed to set preshared key: invalid hex key');
        peer.presharedKey = k;
        break;
      }
      case 'endpoint': {
        const ep = parseEndpoint(value);
        if (!ep) return fail('EINVAL', `failed to set endpoint ${value}`);
        peer.endpoint = ep;
        break;
      }
      case 'persistent_keepalive_interval': {
        const s = parseUint(value, 65535);
        if (s < 0) return fail('EINVAL', `failed to set persistent keepalive interval: ${value}`);
        peer.persistentKeepalive = s;
        break;
      }
      case 'replace_allowed_ips':
        if (value !== 'true') return fail('EINVAL', `failed to replace allowedips, invalid value: ${value}`);
        // Applied in order by wireguard-go: it also drops the allowed IPs given before it.
        peer.replaceAllowedIps = true;
        peer.allowedIps.length = 0;
        break;
      case 'allowed_ip': {
        const remove = value.charCodeAt(0) === 45; // '-'
        const p = parsePrefix(remove ? value.slice(1) : value, false);
        if (!p) return fail('EINVAL', `failed to set allowed ip: ${value}`);
        const op: AllowedIpOp = { remove, family: p.family, addr: p.addr, cidr: p.cidr };
        peer.allowedIps.push(op);
        break;
      }
      case 'protocol_version':
        if (value !== '1') return fail('EINVAL', `invalid protocol version: ${value}`);
        break;
      default:
        return fail('EINVAL', `invalid UAPI peer key: ${key}`);
    }
  }
  return { ok: true, req };
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
    if (p.endpoint && (p.endpoint[0] === 4 || p.endpoint[0] === 6)) s += `endpoint=${formatEndpoint(p.endpoint)}\n`;
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

// ---------------------------------------------------------------------------------------------
// Server-side framing

export interface UapiHandlers {
  /** The complete `get=1` answer, ending with "errno=0\n\n" (see renderGet in ./get.ts). */
  handleGet(): string;
  /** Applies a validated request; returns 0 or a NEGATIVE target errno. */
  handleSet(req: SetRequest): number;
  /** The target's errno numbers by name (EINVAL, EPROTO, ENOMEM at least), positive. */
  errno: Record<string, number>;
  /** Told about every failed operation (for the daemon's log). */
  log?(message: string): void;
  /** Largest operation buffered before it ends (default MAX_OPERATION). */
  maxOperation?: number;
}

/** Largest operation accepted (bytes buffered without its end); beyond it -ENOMEM and close. */
export const MAX_OPERATION = 16 << 20;

const enum State {
  Op, // waiting for "get=1\n" / "set=1\n"
  GetEnd, // after "get=1\n": one more byte, which must be '\n'
  SetBody, // collecting lines up to a blank one
  Closed,
}

/**
 * One UAPI connection. Feed it the bytes read from the socket; it returns the bytes to write
 * back (possibly empty). Several operations may follow one another, also within one chunk. A
 * first line that is neither "get=1" nor "set=1" answers errno=-EINVAL and ends the session
 * (`closed` turns true: flush the output, then close the socket).
 */
export class UapiSession {
  private buf = '';
  private state = State.Op;
  private body = '';
  closed = false;

  constructor(private readonly h: UapiHandlers) {}

  private errnoLine(name: string): string {
    const n = this.h.errno[name] ?? this.h.errno.EINVAL ?? 22;
    return `errno=${-n}\n\n`;
  }

  /** Processes a chunk; returns the response bytes to write. */
  feed(chunk: Uint8Array): Uint8Array {
    return utf8Encode(this.feedText(latin1(chunk)));
  }

  /** Same as feed() on text (each char one byte). */
  feedText(text: string): string {
    if (this.closed) return '';
    this.buf += text;
    let out = '';
    for (;;) {
      if (this.state === State.Op) {
        const nl = this.buf.indexOf('\n');
        if (nl < 0) {
          if (this.buf.length > 16) out += this.abort('EINVAL', 'invalid UAPI operation');
          break;
        }
        const op = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (op === 'get=1') this.state = State.GetEnd;
        else if (op === 'set=1') {
          this.state = State.SetBody;
          this.body = '';
        } else {
          out += this.abort('EINVAL', `invalid UAPI operation: ${op}`);
          break;
        }
      } else if (this.state === State.GetEnd) {
        if (this.buf.length === 0) break;
        const c = this.buf.charCodeAt(0);
        this.buf = this.buf.slice(1);
        this.state = State.Op;
        if (c !== 10) {
          this.h.log?.(`trailing character in UAPI get: ${JSON.stringify(String.fromCharCode(c))}`);
          out += this.errnoLine('EINVAL');
        } else out += this.h.handleGet();
      } else if (this.state === State.SetBody) {
        const end = findBlankLine(this.buf);
        if (end < 0) {
          // keep whole lines in `body`, the partial last line in `buf`
          const nl = this.buf.lastIndexOf('\n');
          if (nl >= 0) {
            this.body += this.buf.slice(0, nl + 1);
            this.buf = this.buf.slice(nl + 1);
          }
          if (this.body.length + this.buf.length > (this.h.maxOperation ?? MAX_OPERATION)) out += this.abort('ENOMEM', 'UAPI operation too large');
          break;
        }
        const body = this.body + this.buf.slice(0, end);
        this.buf = this.buf.slice(blankLineEnd(this.buf, end));
        this.body = '';
        this.state = State.Op;
        out += this.runSet(body);
      } else break;
    }
    return out;
  }

  /**
   * The peer closed its sending side. A `set=1` without its blank line is still applied (as
   * wireguard-go does at end of input); returns the response bytes, if any.
   */
  end(): Uint8Array {
    let out = '';
    if (this.state === State.SetBody && !this.closed) {
      const body = this.body + this.buf;
      this.body = '';
      this.buf = '';
      this.state = State.Op;
      out = this.runSet(body);
    }
    this.closed = true;
    this.state = State.Closed;
    return utf8Encode(out);
  }

  private runSet(body: string): string {
    const r = parseSet(body);
    if (!r.ok) {
      this.h.log?.(r.message);
      return this.errnoLine(r.errno);
    }
    const n = this.h.handleSet(r.req);
    return `errno=${n}\n\n`;
  }

  private abort(errno: string, message: string): string {
    this.h.log?.(message);
    this.closed = true;
    this.state = State.Closed;
    this.buf = '';
    this.body = '';
    return this.errnoLine(errno);
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, Array.from(b.subarray(i, i + 4096)));
  return s;
}

/**
 * Offset in `s` where the blank line that ends a set body starts (the body is s[0..offset)),
 * or -1. A blank line is "\n" or "\r\n" at the start of `s` or right after a '\n'.
 */
function findBlankLine(s: string): number {
  let i = 0;
  for (;;) {
    if (s.charCodeAt(i) === 10) return i;
    if (s.charCodeAt(i) === 13 && s.charCodeAt(i + 1) === 10) return i;
    const nl = s.indexOf('\n', i);
    if (nl < 0) return -1;
    i = nl + 1;
  }
}

function blankLineEnd(s: string, at: number): number {
  return s.charCodeAt(at) === 13 ? at + 2 : at + 1;
}
