// The outer UDP side of the daemon: one IPv4 and one IPv6 socket on the same port, with
// rebinding that either fully succeeds or leaves the old sockets in place.
import * as sys from 'wgjs:sys';
import type { Transport } from '../platform/types.ts';

export interface BindSockets {
  fd4: number; // -1 if none
  fd6: number; // -1 if none
  port: number;
  fwmark: number;
}

function errnoOf(e: unknown): number {
  const n = (e as { errno?: number }).errno;
  return typeof n === 'number' ? n : sys.errno.EINVAL!;
}

/**
 * Opens both families on `port` (0 = random, retried when the v6 side collides). IPv6 may be
 * missing on a router (EAFNOSUPPORT): then IPv4 only. Returns sockets or a negative errno.
 */
export function openBind(port: number, fwmark: number): BindSockets | number {
  for (let attempt = 0; attempt < (port === 0 ? 100 : 1); attempt++) {
    let fd4 = -1;
    let fd6 = -1;
    try {
      fd4 = sys.udpOpen(4, port, fwmark);
    } catch (e) {
      const n = errnoOf(e);
      if (n !== sys.errno.EAFNOSUPPORT) return -n;
    }
    const actual = fd4 >= 0 ? sys.udpLocalPort(fd4) : port;
    try {
      fd6 = sys.udpOpen(6, actual, fwmark);
    } catch (e) {
      const n = errnoOf(e);
      if (n === sys.errno.EADDRINUSE && port === 0 && fd4 >= 0) {
        sys.close(fd4);
        continue;
      }
      if (n !== sys.errno.EAFNOSUPPORT && n !== sys.errno.EADDRNOTAVAIL) {
        if (fd4 >= 0) sys.close(fd4);
        return -n;
      }
    }
    if (fd4 < 0 && fd6 < 0) return -sys.errno.EAFNOSUPPORT!;
    return { fd4, fd6, port: fd4 >= 0 ? actual : sys.udpLocalPort(fd6), fwmark };
  }
  return -sys.errno.EADDRINUSE!;
}

/** Closes both sockets; flush the transport first (a queued datagram names its fd). */
export function closeBind(b: BindSockets): void {
  if (b.fd4 >= 0) sys.close(b.fd4);
  if (b.fd6 >= 0) sys.close(b.fd6);
  b.fd4 = -1;
  b.fd6 = -1;
}

/**
 * Transport over the current sockets (the daemon swaps `sockets` on rebind). `send` only queues
 * the datagram in the C send queue (src/native/io.c, a copy: the caller may reuse `buf` at once);
 * the owner calls `flush()` before its event-loop callback returns.
 */
export class UdpTransport implements Transport {
  sockets: BindSockets = { fd4: -1, fd6: -1, port: 0, fwmark: 0 };
  send(buf: Uint8Array, off: number, len: number, ep: Uint8Array): boolean {
    const fd = ep[0] === 4 ? this.sockets.fd4 : ep[0] === 6 ? this.sockets.fd6 : -1;
    if (fd < 0) return false;
    try {
      return sys.udpQueue(fd, buf, off, len, ep);
    } catch {
      return false; // a bad range or record: nothing queued
    }
  }
  sendRun(buf: Uint8Array, offs: Int32Array, lens: Int32Array, start: number, end: number, ep: Uint8Array): void {
    const fd = ep[0] === 4 ? this.sockets.fd4 : ep[0] === 6 ? this.sockets.fd6 : -1;
    if (fd < 0) return;
    try {
      sys.udpQueueRun(fd, buf, offs, lens, start, end, ep);
    } catch {
      /* a bad range or record: nothing queued */
    }
  }
  updateEndpoint(dst: Uint8Array, src: Uint8Array): boolean {
    return sys.epSet(dst, src);
  }
  /** Sends everything queued (sendmmsg per socket); per-datagram errors are lost datagrams. */
  flush(): number {
    return sys.udpFlush();
  }
}
