// Golden bytes written by hand in tests: hex with spaces, newlines or '|' between fields.
import { toHex } from '../../src/util/bytes.ts';

export function hex(s: string): Uint8Array {
  const h = s.replace(/[\s|]+/g, '');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const toHexStr = toHex;
