// Value parsers shared by wg(8) config files and `wg set` arguments, with wg's exact messages
// (config.c). Each parser pushes its message to `msgs` (what wg prints on stderr, without the
// newline) and returns null on failure.
import { hexNibble, keyFromBase64 } from '../util/bytes.ts';
import { hasHostBits, makeEndpoint, parseIp, parseUint, splitHostPort } from '../util/ip.ts';
import type { AllowedIpOp, PeerOp } from '../uapi/types.ts';

/** Name resolution (getaddrinfo(host, NULL, AF_UNSPEC, SOCK_DGRAM)), injected. Throws an error
 *  whose message is the resolver's text (gai_strerror); `transient` marks EAI_AGAIN-like ones. */
export type Resolver = (host: string) => [4 | 6, Uint8Array][];

export interface EndpointOptions {
  resolve?: Resolver;
  /** WG_ENDPOINT_RESOLUTION_RETRIES as given (undefined = 15; "infinity" = forever). */
  retriesEnv?: string;
  /** Waits between retries of transient resolution failures; without it there are none. */
  sleep?(ms: number): void;
}

/** Thrown where wg calls exit(): the CLI prints `pending` (messages not yet printed, one per
 *  line) and stops with `code`. */
export class ExitRequest {
  constructor(readonly code: number, readonly pending: string[]) {}
}

export function isSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32;
}

function isDigitChar(s: string, i = 0): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** Removes every whitespace character (wg strips them all from config lines and allowed-ips). */
export function stripSpaces(s: string): string {
  let o = '';
  for (let i = 0; i < s.length; i++) if (!isSpace(s.charCodeAt(i))) o += s[i];
  return o;
}

/** ListenPort: a decimal port 0..65535 (service names are not looked up). */
export function parsePortValue(value: string, msgs: string[]): number | null {
  if (value.length === 0) {
    msgs.push('Unable to parse empty port');
    return null;
  }
  const p = parseUint(value, 65535);
  if (p < 0) {
    msgs.push(`Servname not supported for ai_socktype: \`${value}'`);
    return null;
  }
  return p;
}

/** FwMark: "off", decimal, or hexadecimal with a "0x" prefix; 0..0xffffffff. */
export function parseFwmarkValue(value: string, msgs: string[]): number | null {
  if (value.toLowerCase() === 'off') return 0;
  let v = -1;
  if (isDigitChar(value)) {
    if (value.length > 2 && value[0] === '0' && value[1] === 'x') {
      v = 0;
      for (let i = 2; i < value.length; i++) {
        const d = hexNibble(value.charCodeAt(i));
        if (d < 0 || v < 0) {
          v = -1;
          break;
        }
        v = v * 16 + d;
        if (v > 0xffffffff) v = -1;
      }
    } else v = parseUint(value, 0xffffffff);
  }
  if (v < 0) {
    msgs.push(`Fwmark is neither 0/off nor 0-0xffffffff: \`${value}'`);
    return null;
  }
  return v;
}

/** A base64 key: exactly 44 characters, '=' last, canonical. */
export function parseKeyValue(value: string, msgs: string[]): Uint8Array | null {
  const k = keyFromBase64(value);
  if (!k) msgs.push(`Key is not the correct length or format: \`${value}'`);
  return k;
}

/**
 * A key file (`wg set ... private-key FILE`): 44 base64 characters, then only whitespace. An
 * empty file (e.g. /dev/null) means "no key" (all zero). `readFile` throws with the strerror
 * text as message.
 */
export function parseKeyFile(path: string, readFile: (p: string) => string, msgs: string[]): Uint8Array | null {
  let data: string;
  try {
    data = readFile(path);
  } catch (e) {
    msgs.push(`fopen: ${errorText(e)}`);
    return null;
  }
  if (data.length < 44) {
    if (data.length === 0) return new Uint8Array(32);
    msgs.push('Invalid length key in key file');
    return null;
  }
  for (let i = 44; i < data.length; i++) {
    if (!isSpace(data.charCodeAt(i))) {
      msgs.push(`Found trailing character in key file: \`${data[i]}'`);
      return null;
    }
  }
  return parseKeyValue(data.slice(0, 44), msgs);
}

/** PersistentKeepalive: "off" or 0..65535. */
export function parseKeepaliveValue(value: string, msgs: string[]): number | null {
  if (value.toLowerCase() === 'off') return 0;
  const v = isDigitChar(value) ? parseUint(value, 65535) : -1;
  if (v < 0) {
    msgs.push(`Persistent keepalive interval is neither 0/off nor 1-65535: \`${value}'`);
    return null;
  }
  return v;
}

/**
 * AllowedIPs (whitespace already removed): comma separated, each "[+|-]ip[/cidr]". Sets
 * replaceAllowedIps unless an entry has a '+' or '-' prefix (incremental change). An empty
 * value only sets replaceAllowedIps (= remove all). Appends to peer.allowedIps.
 */
export function parseAllowedIpsValue(peer: PeerOp, value: string, msgs: string[]): boolean {
  peer.replaceAllowedIps = true;
  if (value.length === 0) return true;
  for (let entry of value.split(',')) {
    let remove = false;
    if (entry[0] === '-' || entry[0] === '+') {
      remove = entry[0] === '-';
      peer.replaceAllowedIps = false;
      entry = entry.slice(1);
    }
    const slash = entry.indexOf('/');
    const ipText = slash < 0 ? entry : entry.slice(0, slash);
    const ip = parseIp(ipText);
    if (!ip) {
      msgs.push(`Unable to parse IP address: \`${ipText}'`);
      return false;
    }
    let cidr = ip.family === 4 ? 32 : 128;
    if (slash >= 0) {
      const mask = entry.slice(slash + 1);
      cidr = isDigitChar(mask) ? parseUint(mask, cidr) : -1;
      if (cidr < 0) {
        msgs.push(`AllowedIP is not in the correct format: \`${entry}'`);
        return false;
      }
      const op: AllowedIpOp = { remove, family: ip.family, addr: ip.addr, cidr };
      if (hasHostBits(op)) msgs.push(`Warning: AllowedIP has nonzero host part: ${ipText}/${mask}`);
      peer.allowedIps.push(op);
    } else peer.allowedIps.push({ remove, family: ip.family, addr: ip.addr, cidr });
  }
  return true;
}

function parseRetries(raw: string | undefined, msgs: string[]): number {
  if (raw === undefined) return 15;
  if (raw === 'infinity') return -1;
  const n = parseUint(raw, 0x7fffffff);
  if (n < 0) {
    msgs.push(`Unable to parse WG_ENDPOINT_RESOLUTION_RETRIES: \`${raw}'`);
    throw new ExitRequest(1, msgs);
  }
  return n;
}

export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}

/**
 * Endpoint: "host:port" or "[host]:port"; host numeric or a name (resolved with opts.resolve,
 * first answer used; transient failures retried like wg); port decimal 0..65535. Returns the
 * 40-byte endpoint record.
 */
export function parseEndpointValue(value: string, opts: EndpointOptions, msgs: string[]): Uint8Array | null {
  if (value.length === 0) {
    msgs.push('Unable to parse empty endpoint');
    return null;
  }
  const hp = splitHostPort(value);
  if (hp === 'brace') {
    msgs.push(`Unable to find matching brace of endpoint: \`${value}'`);
    return null;
  }
  if (hp === 'port') {
    msgs.push(`Unable to find port of endpoint: \`${value}'`);
    return null;
  }
  const host = hp.host;
  const p = parseUint(hp.port, 65535);
  if (p < 0) {
    msgs.push(`Servname not supported for ai_socktype: \`${value}'`);
    return null;
  }
  const ip = parseIp(host);
  if (ip) return makeEndpoint(ip.family, ip.addr, p);
  if (host.indexOf('%') >= 0) {
    msgs.push(`IPv6 zone ids are not supported: \`${value}'`);
    return null;
  }
  let retries = parseRetries(opts.retriesEnv, msgs);
  for (let timeout = 1000000; ; timeout = Math.min(20000000, Math.floor((timeout * 6) / 5))) {
    let found: [4 | 6, Uint8Array][];
    try {
      if (!opts.resolve) throw new Error('Name or service not known');
      found = opts.resolve(host);
    } catch (e) {
      const transient = !!(e && typeof e === 'object' && (e as { transient?: unknown }).transient === true);
      if (!transient || !opts.sleep || (retries >= 0 && !retries--)) {
        msgs.push(`${errorText(e)}: \`${value}'`);
        return null;
      }
      msgs.push(`${errorText(e)}: \`${value}'. Trying again in ${(timeout / 1000000).toFixed(2)} seconds...`);
      opts.sleep(timeout / 1000);
      continue;
    }
    const first = found[0];
    if (!first || (first[0] === 4 ? first[1].length !== 4 : first[0] !== 6 || first[1].length !== 16)) {
      msgs.push(`Neither IPv4 nor IPv6 address found: \`${value}'`);
      return null;
    }
    return makeEndpoint(first[0], first[1], p);
  }
}
