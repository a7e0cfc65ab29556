// The CLI's environment inside the wgjs binary (QuickJS + wgjs:sys). Not loadable under Node.
import * as os from 'qjs:os';
import * as std from 'qjs:std';
import * as sys from 'wgjs:sys';
import type { NetlinkSocket } from '../netlink/netlink.ts';
import { utf8Decode, utf8Encode } from '../util/bytes.ts';
import { wallSeconds } from '../platform/qjs.ts';
import { UAPI_SOCKET_DIR as SOCK_DIR } from '../uapi/types.ts';
import type { UapiConnection, WgEnv } from './env.ts';

const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;
const S_IFREG = 0o100000;

function sysError(e: unknown): Error & { errno?: number } {
  const errno = (e as { errno?: number }).errno;
  const err = new Error(typeof errno === 'number' ? std.strerror(errno) : String((e as Error).message ?? e));
  (err as { errno?: number }).errno = errno;
  return err;
}

function errnoError(name: string): Error {
  const n = sys.errno[name] ?? 22;
  const err = new Error(std.strerror(n));
  (err as { errno?: number }).errno = n;
  return err;
}

function isConnRefused(e: unknown): boolean {
  return (e as { code?: string }).code === 'ECONNREFUSED';
}

/** userspace_interface_file(): the socket must exist, be a socket, and accept a connection; a
 *  refused connection means a dead daemon, whose socket file is removed. */
function open(name: string): number {
  if (name.indexOf('/') >= 0) throw errnoError('EINVAL');
  const path = `${SOCK_DIR}/${name}.sock`;
  const st = sys.stat(path);
  if (!st) throw errnoError('ENOENT');
  if ((st[2] & S_IFMT) !== S_IFSOCK) throw errnoError('EBADF');
  try {
    return sys.unixConnect(path);
  } catch (e) {
    if (isConnRefused(e)) sys.unlink(path);
    throw sysError(e);
  }
}

function exchange(fd: number, text: string): string {
  const out = utf8Encode(text);
  try {
    for (let off = 0; off < out.length; ) {
      const n = sys.write(fd, out, off, out.length - off);
      if (n < 0) sys.pollIn(fd, 100);
      else off += n;
    }
    const buf = new Uint8Array(65536);
    let got = '';
    for (;;) {
      const n = sys.read(fd, buf, 0, buf.length);
      if (n < 0) {
        if (!sys.pollIn(fd, 30000)) break;
        continue;
      }
      if (n === 0) break;
      got += utf8Decode(buf, 0, n);
      if (got.indexOf('\n\n') >= 0 || got.startsWith('\n')) break;
    }
    return got;
  } catch (e) {
    throw sysError(e);
  } finally {
    sys.close(fd);
  }
}

/** A netlink socket to the kernel; each operation waits at most 10 s for an answer. */
function netlink(protocol: number): NetlinkSocket {
  let fd: number;
  try {
    fd = sys.netlinkOpen(protocol);
  } catch (e) {
    throw sysError(e);
  }
  return {
    littleEndian: sys.littleEndian,
    send(msg) {
      let n: number;
      try {
        n = sys.write(fd, msg, 0, msg.length); // a blocking socket: one datagram, all or nothing
      } catch (e) {
        throw sysError(e);
      }
      if (n < 0) throw errnoError('EAGAIN');
    },
    recv(buf) {
      try {
        if (!sys.pollIn(fd, 10000)) throw errnoError('ETIMEDOUT');
        const n = sys.read(fd, buf, 0, buf.length);
        if (n < 0) throw errnoError('ETIMEDOUT');
        return n;
      } catch (e) {
        throw sysError(e);
      }
    },
    close: () => sys.close(fd),
  };
}

/** Everything left in a stdio FILE, as bytes. */
function readAll(f: std.FILE): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const buf = new ArrayBuffer(65536);
    const n = f.read(buf, 0, buf.byteLength);
    if (n <= 0) break;
    chunks.push(new Uint8Array(buf, 0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export function makeQjsEnv(progName: string, args: string[]): WgEnv {
  return {
    progName,
    args,
    stdin: () => std.in.readAsString(),
    stdout: (s) => {
      std.out.puts(s);
      std.out.flush();
    },
    stderr: (s) => {
      std.err.puts(s);
      std.err.flush();
    },
    readFile(path) {
      const err: { errno?: number } = {};
      const f = std.open(path, 'r', err);
      if (!f) throw new Error(std.strerror(err.errno ?? 2));
      try {
        return f.readAsString();
      } finally {
        f.close();
      }
    },
    readFileBytes(path) {
      const err: { errno?: number } = {};
      const f = std.open(path, 'rb', err);
      if (!f) throw new Error(std.strerror(err.errno ?? 2));
      try {
        return readAll(f);
      } finally {
        f.close();
      }
    },
    stdinBytes: () => readAll(std.in),
    listInterfaces() {
      let names: string[];
      try {
        names = sys.readdir(SOCK_DIR);
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return [];
        throw sysError(e);
      }
      const live: string[] = [];
      for (const n of names) {
        if (n.length <= 5 || !n.endsWith('.sock')) continue;
        const name = n.slice(0, -5);
        const path = `${SOCK_DIR}/${n}`;
        const st = sys.stat(path);
        if (!st || (st[2] & S_IFMT) !== S_IFSOCK) continue;
        try {
          sys.close(sys.unixConnect(path));
        } catch (e) {
          if (isConnRefused(e)) {
            sys.unlink(path);
            continue;
          }
        }
        live.push(name);
      }
      return live;
    },
    connect(name): UapiConnection {
      const fd = open(name);
      return { request: (text) => exchange(fd, text) };
    },
    netlink,
    resolve(host) {
      try {
        return sys.resolve(host);
      } catch (e) {
        const err = new Error(String((e as Error).message ?? e));
        const code = (e as { code?: string }).code ?? '';
        (err as { transient?: boolean }).transient = code === 'EAI_AGAIN' || code === 'EAI_SYSTEM' || code === 'EAI_MEMORY';
        throw err;
      }
    },
    random: (out) => sys.getrandom(out),
    now: wallSeconds,
    isatty: sys.isatty(1),
    getenv: (name) => std.getenv(name),
    strerror: (n) => std.strerror(n),
    errno: sys.errno,
    sleep: (ms) => os.sleep(ms),
    stdoutWorldAccessible() {
      const st = sys.stat('/proc/self/fd/1');
      return !!st && (st[2] & S_IFMT) === S_IFREG && (st[2] & 0o007) !== 0;
    },
    version: sys.wgjsVersion,
  };
}
