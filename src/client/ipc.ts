// The CLI's device access, like wg(8)'s ipc.c: an interface with a live UAPI socket is talked
// to over it (one connection per operation, ipc-uapi.h); any other name is the kernel's
// WireGuard over netlink (src/client/kernel.ts) when the environment has netlink.
import { errorText } from '../config/values.ts';
import { kernelGet, kernelList, kernelSet, type KernelEnv } from './kernel.ts';
import { formatSet } from '../uapi/set.ts';
import { parseGet, type GetDevice } from '../uapi/get.ts';
import type { SetRequest } from '../uapi/types.ts';
import type { UapiConnection, WgEnv } from './env.ts';

/** wg keeps interface names in IFNAMSIZ (16) bytes. */
export function ifname(name: string): string {
  return name.slice(0, 15);
}

function eproto(env: WgEnv): number {
  return env.errno.EPROTO ?? 71;
}

function kernelEnv(env: WgEnv): KernelEnv | null {
  if (!env.netlink) return null;
  const e = env.errno;
  return {
    netlink: (proto) => env.netlink!(proto),
    errno: {
      EINVAL: e.EINVAL ?? 22, EPROTO: eproto(env), ENOENT: e.ENOENT ?? 2,
      EPROTONOSUPPORT: e.EPROTONOSUPPORT ?? 93, ENAMETOOLONG: e.ENAMETOOLONG ?? 36,
    },
    seqBase: Math.floor(env.now()),
  };
}

/**
 * userspace_has_wireguard_interface(): a UAPI socket that accepts a connection is used; no
 * socket, not a socket, a stale one (refused, and removed) or a '/' in the name mean the kernel
 * is asked, if there is netlink; other connection errors are reported.
 */
function open(env: WgEnv, name: string): { conn: UapiConnection } | { kernel: KernelEnv } | { error: string } {
  try {
    return { conn: env.connect(name) };
  } catch (e) {
    const k = kernelEnv(env);
    const n = (e as { errno?: number }).errno;
    const e2 = env.errno;
    if (k && (n === e2.ENOENT || n === e2.EBADF || n === e2.ECONNREFUSED || n === e2.EINVAL)) return { kernel: k };
    return { error: errorText(e) };
  }
}

/** All interfaces, kernel ones first, as wg lists them; throws (message = strerror text). */
export function listDevices(env: WgEnv): string[] {
  const names: string[] = [];
  const k = kernelEnv(env);
  if (k) {
    try {
      names.push(...kernelList(k));
    } catch (e) {
      const n = (e as { errno?: number }).errno;
      throw new Error(typeof n === 'number' ? env.strerror(n) : errorText(e));
    }
  }
  names.push(...env.listInterfaces());
  return names;
}

/** Reads the configuration of `name`; on failure the strerror text wg would print. */
export function ipcGet(env: WgEnv, name: string): { ok: true; dev: GetDevice } | { ok: false; error: string } {
  const b = open(env, name);
  if ('error' in b) return { ok: false, error: b.error };
  if ('kernel' in b) {
    const r = kernelGet(b.kernel, name);
    return r.ok ? r : { ok: false, error: env.strerror(r.errno) };
  }
  let text: string;
  try {
    text = b.conn.request('get=1\n\n');
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
  const r = parseGet(text);
  if (r.ok) return r;
  return { ok: false, error: env.strerror(r.err === 'EPROTO' ? eproto(env) : r.err) };
}

/**
 * Applies `req` to `name`; null on success, else the strerror text wg would print. The answer is
 * read as wg does: the last `errno=N` line before the blank line counts, its number taken as is
 * (a device answering a positive number makes wg print strerror of its negation).
 */
export function ipcSet(env: WgEnv, name: string, req: SetRequest): string | null {
  const b = open(env, name);
  if ('error' in b) return b.error;
  if ('kernel' in b) {
    const n = kernelSet(b.kernel, name, req);
    return n ? env.strerror(n) : null;
  }
  let text: string;
  try {
    text = b.conn.request(formatSet(req));
  } catch (e) {
    return errorText(e);
  }
  let setErrno = -eproto(env);
  let ret = -eproto(env);
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    ret = setErrno;
    if (line.length === 0) return ret === 0 ? null : env.strerror(-ret);
    const eq = line.indexOf('=');
    if (eq < 0) break;
    if (line.slice(0, eq) === 'errno') {
      const v = line.slice(eq + 1);
      if (!/^-?[0-9]+$/.test(v)) break;
      const n = Number(v);
      if (n > 0x7fffffff || n < -0x80000000) break;
      setErrno = n;
    }
  }
  return env.strerror(eproto(env));
}
