// The CLI's UAPI client: one connection per operation, like wg(8)'s ipc-uapi.h.
import { errorText } from '../config/values.ts';
import { formatSet } from '../uapi/set.ts';
import { parseGet, type GetDevice } from '../uapi/get.ts';
import type { SetRequest } from '../uapi/types.ts';
import type { WgEnv } from './env.ts';

/** wg keeps interface names in IFNAMSIZ (16) bytes. */
export function ifname(name: string): string {
  return name.slice(0, 15);
}

function eproto(env: WgEnv): number {
  return env.errno.EPROTO ?? 71;
}

/** Reads the configuration of `name`; on failure the strerror text wg would print. */
export function ipcGet(env: WgEnv, name: string): { ok: true; dev: GetDevice } | { ok: false; error: string } {
  let text: string;
  try {
    text = env.connect(name).request('get=1\n\n');
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
  let text: string;
  try {
    text = env.connect(name).request(formatSet(req));
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
