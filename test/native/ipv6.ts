// Whether this host can open an IPv6 UDP socket (a kernel without IPv6, or a namespace with it
// disabled, cannot): the native tests skip their IPv6 cases then.
import * as sys from 'wgjs:sys';

export function hasIpv6(): boolean {
  try {
    sys.close(sys.udpOpen(6, 0, 0));
    return true;
  } catch (e) {
    if ((e as { code?: string }).code !== 'EAFNOSUPPORT') throw e;
    return false;
  }
}
