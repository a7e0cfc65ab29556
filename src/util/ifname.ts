// Linux interface names, as the kernel's dev_valid_name() accepts them: 1..15 bytes (IFNAMSIZ
// 16 with its NUL), not "." or "..", no '/', ':', NUL or white space. The one rule for the
// daemon's argument and for UCI section names (OpenWrt's netifd uses the section name).
import { utf8Encode } from './bytes.ts';

export const MAX_IFNAME = 15;

export function validIfname(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  const b = utf8Encode(name);
  if (b.length > MAX_IFNAME) return false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    // NUL, '/', ':', and what C's isspace() calls space: ' ', \t \n \v \f \r
    if (c === 0 || c === 47 || c === 58 || c === 32 || (c >= 9 && c <= 13)) return false;
  }
  return true;
}
