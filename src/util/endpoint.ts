// The 40-byte endpoint record (layout in src/platform/types.ts): parse/format like wg(8).
import { ENDPOINT_SIZE } from '../platform/types.ts';

export function newEndpoint(): Uint8Array {
  return new Uint8Array(ENDPOINT_SIZE);
}
export function endpointFamily(ep: Uint8Array): number {
  return ep[0]!;
}
export function endpointPort(ep: Uint8Array): number {
  return (ep[2]! << 8) | ep[3]!;
}
/** Same remote address and port (local source part ignored). */
export function sameRemote(a: Uint8Array, b: Uint8Array): boolean {
  if (a[0] !== b[0]) return false;
  const n = a[0] === 4 ? 8 : 20;
  for (let i = 2; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
