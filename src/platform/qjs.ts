// The QuickJS side of the platform interfaces (src/platform/types.ts): clock, randomness, logging,
// environment, arguments, files and exit, over qjs:std and the native module wgjs:sys.
// Only the product binary (and the QuickJS test binary) import this file.
import * as std from 'qjs:std';
import * as sys from 'wgjs:sys';
import type { Clock, RandomFill, Logger, LogLevel } from './types.ts';

declare const scriptArgs: string[];

/** The wall clock as UNIX seconds with the fraction (CLOCK_REALTIME): the one reading of it. */
export function wallSeconds(): number {
  const t = sys.realtime();
  return t[0] + t[1] / 1e9;
}

export const clock: Clock = {
  now: () => sys.monotonicMs(),
  wall: wallSeconds,
};

/** getrandom(2): blocks only until the kernel's pool is initialised (early boot). */
export const randomFill: RandomFill = (out) => sys.getrandom(out);

/** LOG_LEVEL as wireguard-go reads it: silent|error|verbose|debug (default `fallback`). */
export function parseLogLevel(value: string | undefined, fallback: LogLevel = 1): LogLevel {
  switch (value) {
    case 'silent': return 0;
    case 'error': return 1;
    case 'verbose': return 2;
    case 'debug': return 3;
    default: return fallback;
  }
}

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** wireguard-go's log line: `LEVEL: (IFNAME) 2006/01/02 15:04:05 message`, local time. */
function stamp(): string {
  const d = new Date();
  return `${d.getFullYear()}/${two(d.getMonth() + 1)}/${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A Logger writing to stderr. `prefix` is e.g. `(wg0) `. The level can be changed later. */
export function createLogger(level: LogLevel, prefix = ''): Logger {
  const line = (tag: string, msg: string): void => {
    std.err.puts(`${tag}: ${prefix}${stamp()} ${msg}\n`);
    std.err.flush();
  };
  return {
    level,
    error(msg: string) { if (this.level >= 1) line('ERROR', msg); },
    verbose(msg: string) { if (this.level >= 2) line('INFO', msg); },
    debug(msg: string) { if (this.level >= 3) line('DEBUG', msg); },
  };
}

export function getenv(name: string): string | undefined {
  return std.getenv(name);
}

/** The process arguments, argv[0] included (the name the binary was invoked by). */
export function args(): string[] {
  return scriptArgs.slice();
}

/** argv[0]'s file name: `wg` when invoked through a link named wg. */
export function programName(): string {
  const a0 = scriptArgs[0] ?? 'wgjs';
  const i = a0.lastIndexOf('/');
  return i >= 0 ? a0.slice(i + 1) : a0;
}

/** A file's contents decoded as UTF-8, or null if it cannot be read. */
export function readTextFile(path: string): string | null {
  return std.loadFile(path);
}

/** A file's bytes, or null if it cannot be read. */
export function readFileBytes(path: string): Uint8Array | null {
  return std.loadFile(path, { binary: true });
}

/** Writes a string to a file (created or truncated); throws with the error on failure. */
export function writeTextFile(path: string, text: string): void {
  const err: { errno?: number } = {};
  const f = std.open(path, 'w', err);
  if (!f) throw sysError(err.errno ?? 0, `open ${path}`);
  f.puts(text);
  f.close();
}

export function writeOut(text: string): void {
  std.out.puts(text);
}

export function writeErr(text: string): void {
  std.err.puts(text);
  std.err.flush();
}

/** An Error carrying `.errno` and `.code` like the ones wgjs:sys throws. */
export function sysError(errno: number, what: string): Error & { errno: number; code: string } {
  let code = 'EUNKNOWN';
  for (const k in sys.errno) {
    if (sys.errno[k] === errno) {
      code = k; // the first name, as sys.c reports it (EOPNOTSUPP before ENOTSUP)
      break;
    }
  }
  const e = new Error(`${what}: ${std.strerror(errno)}`) as Error & { errno: number; code: string };
  e.errno = errno;
  e.code = code;
  return e;
}

/** Flushes stdout/stderr and exits the process with `code`. */
export function exit(code: number): never {
  std.out.flush();
  std.err.flush();
  return std.exit(code);
}
