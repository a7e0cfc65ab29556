// IP addresses, prefixes and endpoints as text, the way wg(8), the kernel and wireguard-go write
// them: strict dotted quads (no leading zeros), RFC 4291 IPv6 input (with an embedded dotted
// quad at the end), RFC 5952 output (lower case, longest run of >= 2 zero groups as "::", first
// run on a tie; IPv4-mapped addresses as ::ffff:a.b.c.d). IPv6 zone ids ("%eth0") are rejected:
// the 40-byte endpoint record has nowhere to keep them.
import { ENDPOINT_SIZE } from '../platform/types.ts';
import { hexNibble } from './bytes.ts';

export interface Prefix {
  family: 4 | 6;
  /** 4 or 16 bytes. */
  addr: Uint8Array;
  cidr: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}


/**
 * Unsigned decimal of digits only (no sign, no spaces; leading zeros allowed, like Go's
 * strconv.ParseUint(s, 10, n) and C's strtoul after a digit check). -1 when empty, not all
 * digits, or above max.
 */
export function parseUint(s: string, max: number): number {
  if (s.length === 0) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 48);
    if (v > max) return -1;
  }
  return v;
}

/** Strict dotted quad: exactly 4 decimal fields 0..255, no leading zeros ("010" is rejected). */
export function parseIp4(s: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let field = 0;
  let val = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // virtual '.' at the end
    if (isDigit(c)) {
      if (digits === 1 && val === 0) return null; // leading zero
      val = val * 10 + (c - 48);
      digits++;
      if (val > 255) return null;
    } else if (c === 46) {
      if (digits === 0 || field > 3) return null;
      out[field++] = val;
      val = 0;
      digits = 0;
    } else return null;
  }
  return field === 4 ? out : null;
}

/** IPv6 text (RFC 4291 section 2.2, incl. a trailing dotted quad). Zones are rejected. */
export function parseIp6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let i = 0;
  let n = 0; // bytes written
  let gap = -1; // byte position of "::"
  if (s.length >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
    if (s.length === 2) return out;
  }
  while (i < s.length) {
    if (n >= 16) return null;
    let j = i;
    let v = 0;
    for (; j < s.length && j - i < 5; j++) {
      const h = hexNibble(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
    }
    if (j === i || j - i > 4) return null;
    if (j < s.length && s.charCodeAt(j) === 46) {
      // embedded dotted quad: replaces the last two groups and ends the address
      if (gap < 0 ? n !== 12 : n > 12) return null;
      const v4 = parseIp4(s.slice(i));
      if (!v4) return null;
      out.set(v4, n);
      n += 4;
      i = s.length;
      break;
    }
    out[n] = v >> 8;
    out[n + 1] = v & 255;
    n += 2;
    i = j;
    if (i === s.length) break;
    if (s.charCodeAt(i) !== 58) return null;
    i++;
    if (i === s.length) return null; // a single trailing ':'
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return null; // a second "::"
      gap = n;
      i++;
    }
  }
  if (gap >= 0) {
    if (n === 16) return null; // "::" must stand for at least one group
    const shift = 16 - n;
    for (let k = n - 1; k >= gap; k--) out[k + shift] = out[k]!;
    for (let k = gap; k < gap + shift; k++) out[k] = 0;
  } else if (n !== 16) return null;
  return out;
}

/** An address of either family: IPv6 if the text has a ':' (as wg(8) decides), else IPv4. */
export function parseIp(s: string): { family: 4 | 6; addr: Uint8Array } | null {
  if (s.indexOf(':') >= 0) {
    const a = parseIp6(s);
    return a ? { family: 6, addr: a } : null;
  }
  const a = parseIp4(s);
  return a ? { family: 4, addr: a } : null;
}

export function formatIp4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text of the 16 bytes at b[off..off+16). */
export function formatIp6(b: Uint8Array, off = 0): string {
  let mapped = true;
  for (let k = 0; k < 10; k++) if (b[off + k] !== 0) mapped = false;
  if (mapped && b[off + 10] === 0xff && b[off + 11] === 0xff) return '::ffff:' + formatIp4(b, off + 12);
  const w: number[] = [];
  for (let k = 0; k < 8; k++) w.push((b[off + 2 * k]! << 8) | b[off + 2 * k + 1]!);
  let bestAt = -1;
  let bestLen = 1; // runs of a single zero group are not compressed
  for (let k = 0; k < 8; ) {
    if (w[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && w[e] === 0) e++;
    if (e - k > bestLen) {
      bestAt = k;
      bestLen = e - k;
    }
    k = e;
  }
  let s = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestAt) {
      s += '::';
      k += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += w[k]!.toString(16);
  }
  return s;
}

export function formatIp(family: 4 | 6, addr: Uint8Array, off = 0): string {
  return family === 4 ? formatIp4(addr, off) : formatIp6(addr, off);
}

/**
 * "10.0.0.0/8", "fd00::/8". A bare address means /32 or /128 when `allowBare` (wg's AllowedIPs);
 * UAPI (wireguard-go's netip.ParsePrefix) requires the slash. The length is decimal without
 * sign or leading zeros. Host bits are kept (not masked).
 */
export function parsePrefix(s: string, allowBare = true): Prefix | null {
  const slash = s.lastIndexOf('/');
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return allowBare ? { family: ip.family, addr: ip.addr, cidr: max } : null;
  const bits = s.slice(slash + 1);
  if (bits.length > 1 && bits.charCodeAt(0) === 48) return null;
  const cidr = parseUint(bits, max);
  if (cidr < 0) return null;
  return { family: ip.family, addr: ip.addr, cidr };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIp(p.family, p.addr)}/${p.cidr}`;
}

/** True when bits beyond the prefix length are set (wg warns about that). */
export function hasHostBits(p: Prefix): boolean {
  for (let i = 0; i < p.addr.length; i++) {
    const keep = p.cidr - i * 8;
    const mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if ((p.addr[i]! & ~mask & 0xff) !== 0) return true;
  }
  return false;
}

/** A copy of the prefix with the host bits cleared. */
export function maskPrefix(p: Prefix): Prefix {
  const addr = p.addr.slice();
  for (let i = 0; i < addr.length; i++) {
    const keep = p.cidr - i * 8;
    const mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    addr[i] = addr[i]! & mask;
  }
  return { family: p.family, addr, cidr: p.cidr };
}

/** The endpoint record names a remote (family 4 or 6); [0] = 0 means none. */
export function hasEndpoint(ep: Uint8Array | null | undefined): ep is Uint8Array {
  return ep != null && (ep[0] === 4 || ep[0] === 6);
}

/** Forgets the record's sticky local source (bytes 20..39: address and ifindex), so routing
 *  picks one again. */
export function clearSource(ep: Uint8Array): void {
  ep.fill(0, 20, ENDPOINT_SIZE);
}

/** A 40-byte endpoint record (src/platform/types.ts) for a remote address and port. */
export function makeEndpoint(family: 4 | 6, addr: Uint8Array, port: number): Uint8Array {
  const ep = new Uint8Array(ENDPOINT_SIZE);
  ep[0] = family;
  ep[2] = (port >> 8) & 0xff;
  ep[3] = port & 0xff;
  ep.set(addr.subarray(0, family === 4 ? 4 : 16), 4);
  return ep;
}

/**
 * "host:port" split the way wg(8) splits an endpoint: "[host]:port" up to the first ']', else
 * at the last ':'; the port must not be empty. `bracketed` says which form it was. Failures:
 * 'brace' (a '[' without its ']'), 'port' (no port).
 */
export function splitHostPort(s: string): { host: string; port: string; bracketed: boolean } | 'brace' | 'port' {
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    if (close < 0) return 'brace';
    if (s.charCodeAt(close + 1) !== 58 || close + 2 >= s.length) return 'port';
    return { host: s.slice(1, close), port: s.slice(close + 2), bracketed: true };
  }
  const colon = s.lastIndexOf(':');
  if (colon < 0 || colon === s.length - 1) return 'port';
  return { host: s.slice(0, colon), port: s.slice(colon + 1), bracketed: false };
}

/**
 * Numeric "1.2.3.4:51820" or "[v6]:51820" as wireguard-go accepts it in UAPI (netip
 * ParseAddrPort): split at the last ':', brackets exactly for IPv6, port 0..65535 in decimal.
 * Host names and zones are rejected. Returns the 40-byte record or null.
 */
export function parseEndpoint(s: string): Uint8Array | null {
  const hp = splitHostPort(s);
  if (typeof hp === 'string') return null;
  const port = parseUint(hp.port, 65535);
  const ip = parseIp(hp.host);
  if (port < 0 || !ip || (ip.family === 6) !== hp.bracketed) return null;
  return makeEndpoint(ip.family, ip.addr, port);
}

/** "1.2.3.4:51820" / "[fd00::1]:51820" for a record; "" when it holds no endpoint. */
export function formatEndpoint(ep: Uint8Array): string {
  const port = (ep[2]! << 8) | ep[3]!;
  if (ep[0] === 4) return `${formatIp4(ep, 4)}:${port}`;
  if (ep[0] === 6) return `[${formatIp6(ep, 4)}]:${port}`;
  return '';
}
