// syncconf's rule, shared by `wg syncconf` (src/cli/set.ts) and OpenWrt's uci-sync: the
// smallest change that turns a running device into what a configuration says.
import type { GetDevice } from '../uapi/get.ts';
import type { PeerOp, SetRequest } from '../uapi/types.ts';

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * syncconf: turns the file's request into the minimal change against `runtime`: peers only in
 * the runtime are removed (not the others: their sessions survive), a preshared key or
 * persistent keepalive the file no longer has is cleared, and replace_peers is dropped.
 * Mutates and returns `file`.
 */
export function syncRequest(file: SetRequest, runtime: GetDevice): SetRequest {
  if (!file.peers.length || !runtime.peers.length) return file;
  file.replacePeers = false;
  type Entry = { key: Uint8Array; fromFile: boolean; filePeer?: PeerOp; rt?: GetDevice['peers'][number] };
  const all: Entry[] = [];
  for (const p of file.peers) all.push({ key: p.publicKey, fromFile: true, filePeer: p });
  for (const p of runtime.peers) all.push({ key: p.publicKey, fromFile: false, rt: p });
  all.sort((a, b) => compareKeys(a.key, b.key) || Number(a.fromFile) - Number(b.fromFile));
  for (let i = 0; i < all.length; i++) {
    const e = all[i]!;
    if (e.fromFile) continue;
    const next = all[i + 1];
    if (!next || !next.fromFile || compareKeys(e.key, next.key) !== 0) {
      file.peers.unshift({ publicKey: e.key, remove: true, updateOnly: false, replaceAllowedIps: false, allowedIps: [] });
      continue;
    }
    const fp = next.filePeer!;
    if (e.rt!.presharedKey && fp.presharedKey === undefined) fp.presharedKey = new Uint8Array(32);
    if (e.rt!.persistentKeepalive && fp.persistentKeepalive === undefined) fp.persistentKeepalive = 0;
  }
  return file;
}
