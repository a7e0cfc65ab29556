// `wg show` and `wg showconf`, with wg(8)'s output formats (show.c, showconf.c, terminal.c).
import { formatConfig } from '../config/format.ts';
import { toBase64 } from '../util/bytes.ts';
import { formatEndpoint, formatPrefix, hasEndpoint } from '../util/ip.ts';
import type { GetDevice, GetPeer } from '../uapi/get.ts';
import type { WgEnv } from '../client/env.ts';
import { ifname, ipcGet, listDevices } from '../client/ipc.ts';
import { derivePublicKey } from './keys.ts';

const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const YELLOW = '\x1b[33m';
const CYAN = '\x1b[36m';

/** Removes ANSI escape sequences (ESC '[' ... up to a letter), as wg does without colours. */
function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[^A-Za-z]*[A-Za-z]?/g, '');
}

function colorMode(env: WgEnv): boolean {
  const v = env.getenv('WG_COLOR_MODE');
  if (v === 'always') return true;
  if (v === 'never') return false;
  return env.isatty;
}

function key(k: Uint8Array): string {
  return toBase64(k);
}

function maybeKey(k: Uint8Array | null): string {
  return k ? toBase64(k) : '(none)';
}

function maskedKey(env: WgEnv, k: Uint8Array): string {
  return env.getenv('WG_HIDE_KEYS') === 'never' ? toBase64(k) : '(hidden)';
}

function prettyTime(left: number): string {
  const parts: string[] = [];
  const years = Math.floor(left / (365 * 24 * 3600));
  left %= 365 * 24 * 3600;
  const days = Math.floor(left / (24 * 3600));
  left %= 24 * 3600;
  const hours = Math.floor(left / 3600);
  left %= 3600;
  const minutes = Math.floor(left / 60);
  const seconds = left % 60;
  const unit = (n: number, u: string): void => {
    if (n) parts.push(`${n} ${CYAN}${u}${n === 1 ? '' : 's'}${RESET}`);
  };
  unit(years, 'year');
  unit(days, 'day');
  unit(hours, 'hour');
  unit(minutes, 'minute');
  unit(seconds, 'second');
  return parts.join(', ');
}

function ago(now: number, sec: number): string {
  if (now === sec) return 'Now';
  if (now < sec) return `(${RED}System clock wound backward; connection problems may ensue.${RESET})`;
  return prettyTime(now - sec) + ' ago';
}

/**
 * printf("%.2f") of x (a finite non-negative double): toFixed rounds exact ties up, C rounds
 * them to even. With x = b / 2^k the only exact ties at two decimals are odd multiples of 1/8.
 */
function fixed2(x: number): string {
  const eighths = x * 8;
  if (Number.isInteger(eighths) && eighths % 2 === 1 && x < 2 ** 40) {
    const lo = (25 * eighths - 1) / 2; // floor(x * 100)
    const k = lo % 2 === 0 ? lo : lo + 1;
    return `${Math.floor(k / 100)}.${String(k % 100).padStart(2, '0')}`;
  }
  return x.toFixed(2);
}

function bytes(b: bigint): string {
  const d = Number(b);
  if (b < 1024n) return `${b} ${CYAN}B${RESET}`;
  if (b < 1024n ** 2n) return `${fixed2(d / 1024)} ${CYAN}KiB${RESET}`;
  if (b < 1024n ** 3n) return `${fixed2(d / 1024 ** 2)} ${CYAN}MiB${RESET}`;
  if (b < 1024n ** 4n) return `${fixed2(d / 1024 ** 3)} ${CYAN}GiB${RESET}`;
  return `${fixed2(d / 1024 ** 3 / 1024)} ${CYAN}TiB${RESET}`;
}

function endpoint(p: GetPeer): string | null {
  return hasEndpoint(p.endpoint) ? formatEndpoint(p.endpoint) : null;
}

/** Most recent handshake first, never-handshaken last; stable otherwise. */
function sortPeers(peers: GetPeer[]): GetPeer[] {
  const never = (p: GetPeer): boolean => !p.lastHandshakeSec && !p.lastHandshakeNsec;
  return peers.slice().sort((a, b) => {
    if (never(a) && !never(b)) return 1;
    if (never(b) && !never(a)) return -1;
    const d = a.lastHandshakeSec - b.lastHandshakeSec || a.lastHandshakeNsec - b.lastHandshakeNsec;
    return d < 0 ? 1 : d > 0 ? -1 : 0;
  });
}

/** The human-readable form (`wg show IFNAME`). */
function prettyPrint(env: WgEnv, name: string, dev: GetDevice): string {
  const now = Math.floor(env.now());
  let s = RESET;
  s += `${GREEN}${BOLD}interface${RESET}: ${GREEN}${name}${RESET}\n`;
  if (dev.privateKey) {
    s += `  ${BOLD}public key${RESET}: ${key(derivePublicKey(dev.privateKey))}\n`;
    s += `  ${BOLD}private key${RESET}: ${maskedKey(env, dev.privateKey)}\n`;
  }
  if (dev.listenPort) s += `  ${BOLD}listening port${RESET}: ${dev.listenPort}\n`;
  if (dev.fwmark) s += `  ${BOLD}fwmark${RESET}: 0x${dev.fwmark.toString(16)}\n`;
  const peers = sortPeers(dev.peers);
  if (peers.length) s += '\n';
  peers.forEach((p, i) => {
    s += `${YELLOW}${BOLD}peer${RESET}: ${YELLOW}${key(p.publicKey)}${RESET}\n`;
    if (p.presharedKey) s += `  ${BOLD}preshared key${RESET}: ${maskedKey(env, p.presharedKey)}\n`;
    const ep = endpoint(p);
    if (ep !== null) s += `  ${BOLD}endpoint${RESET}: ${ep}\n`;
    s += `  ${BOLD}allowed ips${RESET}: `;
    if (p.allowedIps.length) {
      s += p.allowedIps.map((a) => `${formatPrefix(a).replace(/\/(\d+)$/, `${CYAN}/${RESET}$1`)}`).join(', ') + '\n';
    } else s += '(none)\n';
    if (p.lastHandshakeSec) s += `  ${BOLD}latest handshake${RESET}: ${ago(now, p.lastHandshakeSec)}\n`;
    if (p.rxBytes || p.txBytes) s += `  ${BOLD}transfer${RESET}: ${bytes(p.rxBytes)} received, ${bytes(p.txBytes)} sent\n`;
    if (p.persistentKeepalive) s += `  ${BOLD}persistent keepalive${RESET}: every ${prettyTime(p.persistentKeepalive)}\n`;
    if (i + 1 < peers.length) s += '\n';
  });
  return colorMode(env) ? s : stripAnsi(s);
}

function dumpPrint(name: string | null, dev: GetDevice): string {
  const pre = name === null ? '' : `${name}\t`;
  const pub = dev.privateKey ? derivePublicKey(dev.privateKey) : null;
  let s = `${pre}${maybeKey(dev.privateKey)}\t${maybeKey(pub)}\t${dev.listenPort}\t`;
  s += dev.fwmark ? `0x${dev.fwmark.toString(16)}\n` : 'off\n';
  for (const p of dev.peers) {
    s += `${pre}${key(p.publicKey)}\t${maybeKey(p.presharedKey)}\t${endpoint(p) ?? '(none)'}\t`;
    s += p.allowedIps.length ? p.allowedIps.map(formatPrefix).join(',') : '(none)';
    s += `\t${p.lastHandshakeSec}\t${p.rxBytes}\t${p.txBytes}\t`;
    s += p.persistentKeepalive ? `${p.persistentKeepalive}\n` : 'off\n';
  }
  return s;
}

/** The script-friendly forms (`wg show IFNAME FIELD`); null for an unknown field. */
function uglyPrint(name: string | null, dev: GetDevice, param: string): string | null {
  const pre = name === null ? '' : `${name}\t`;
  const perPeer = (f: (p: GetPeer) => string): string => dev.peers.map((p) => `${pre}${f(p)}\n`).join('');
  switch (param) {
    case 'public-key':
      return `${pre}${maybeKey(dev.privateKey ? derivePublicKey(dev.privateKey) : null)}\n`;
    case 'private-key':
      return `${pre}${maybeKey(dev.privateKey)}\n`;
    case 'listen-port':
      return `${pre}${dev.listenPort}\n`;
    case 'fwmark':
      return `${pre}${dev.fwmark ? `0x${dev.fwmark.toString(16)}` : 'off'}\n`;
    case 'endpoints':
      return perPeer((p) => `${key(p.publicKey)}\t${endpoint(p) ?? '(none)'}`);
    case 'allowed-ips':
      return perPeer((p) => `${key(p.publicKey)}\t${p.allowedIps.length ? p.allowedIps.map(formatPrefix).join(' ') : '(none)'}`);
    case 'latest-handshakes':
      return perPeer((p) => `${key(p.publicKey)}\t${p.lastHandshakeSec}`);
    case 'transfer':
      return perPeer((p) => `${key(p.publicKey)}\t${p.rxBytes}\t${p.txBytes}`);
    case 'persistent-keepalive':
      return perPeer((p) => `${key(p.publicKey)}\t${p.persistentKeepalive || 'off'}`);
    case 'preshared-keys':
      return perPeer((p) => `${key(p.publicKey)}\t${maybeKey(p.presharedKey)}`);
    case 'peers':
      return perPeer((p) => key(p.publicKey));
    case 'dump':
      return dumpPrint(name, dev);
    default:
      return null;
  }
}

function showUsage(env: WgEnv, command: string): void {
  env.stderr(
    `Usage: ${env.progName} ${command} { <interface> | all | interfaces } [public-key | private-key | listen-port | fwmark | peers | preshared-keys | endpoints | allowed-ips | latest-handshakes | transfer | persistent-keepalive | dump]\n`,
  );
}

/** `wg show ...`; argv[0] is the subcommand name. */
export function showMain(env: WgEnv, argv: string[]): number {
  const command = argv[0]!;
  if (argv.length > 3) {
    showUsage(env, command);
    return 1;
  }
  if (argv.length === 1 || argv[1] === 'all') {
    let names: string[];
    try {
      names = listDevices(env);
    } catch (e) {
      env.stderr(`Unable to list interfaces: ${(e as { message?: string }).message ?? String(e)}\n`);
      return 1;
    }
    let ret = names.length ? 1 : 0;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const r = ipcGet(env, name);
      if (!r.ok) {
        env.stderr(`Unable to access interface ${name}: ${r.error}\n`);
        continue;
      }
      if (argv.length === 3) {
        const out = uglyPrint(ifname(name), r.dev, argv[2]!);
        if (out === null) {
          env.stderr(`Invalid parameter: \`${argv[2]}'\n`);
          showUsage(env, command);
          return 1;
        }
        env.stdout(out);
      } else {
        env.stdout(prettyPrint(env, ifname(name), r.dev));
        if (i + 1 < names.length) env.stdout('\n');
      }
      ret = 0;
    }
    return ret;
  }
  if (argv[1] === 'interfaces') {
    if (argv.length > 2) {
      showUsage(env, command);
      return 1;
    }
    let names: string[];
    try {
      names = listDevices(env);
    } catch (e) {
      env.stderr(`Unable to list interfaces: ${(e as { message?: string }).message ?? String(e)}\n`);
      return 1;
    }
    if (names.length) env.stdout(names.join(' ') + '\n');
    return 0;
  }
  if (argv.length === 2 && (argv[1] === '-h' || argv[1] === '--help' || argv[1] === 'help')) {
    showUsage(env, command);
    return 0;
  }
  const r = ipcGet(env, argv[1]!);
  if (!r.ok) {
    env.stderr(`Unable to access interface: ${r.error}\n`);
    return 1;
  }
  if (argv.length === 3) {
    const out = uglyPrint(null, r.dev, argv[2]!);
    if (out === null) {
      env.stderr(`Invalid parameter: \`${argv[2]}'\n`);
      showUsage(env, command);
      return 1;
    }
    env.stdout(out);
    return 0;
  }
  env.stdout(prettyPrint(env, ifname(argv[1]!), r.dev));
  return 0;
}

/** `wg showconf IFNAME`. */
export function showconfMain(env: WgEnv, argv: string[]): number {
  if (argv.length !== 2) {
    env.stderr(`Usage: ${env.progName} ${argv[0]} <interface>\n`);
    return 1;
  }
  const r = ipcGet(env, argv[1]!);
  if (!r.ok) {
    env.stderr(`Unable to access interface: ${r.error}\n`);
    return 1;
  }
  env.stdout(formatConfig(r.dev));
  return 0;
}
