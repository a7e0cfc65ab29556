// The outer UDP side of the daemon: one IPv4 and one IPv6 socket on the same port, with
// rebinding that either fully succeeds or leaves the old sockets in place.
//
// Listen addresses (WGJS_LISTEN_ADDRESS=A[,B], at most one IPv4 and one IPv6 address; UCI
// listen_address): the socket of that family is bound to that address, so datagrams to the
// router's other addresses are not received and every datagram leaves from it (handshake
// initiations, responses, cookies, keepalives and data); the transport also writes it as the
// source of each record it sends to (IP_PKTINFO / IPV6_PKTINFO, record bytes 20..39). An address
// that is not on the router fails the bind (EADDRNOTAVAIL: the daemon does not start, netifd
// retries). A family without an address stays on the wildcard with the kernel's choice.
import * as std from 'qjs:std';
import * as sys from 'wgjs:sys';
import { formatIp } from '../util/ip.ts';
import { LISTEN_ADDRESS_ENV, parseListenAddresses, type ListenAddresses } from '../openwrt/network.ts';
import type { Transport } from '../platform/types.ts';

const NO_LISTEN: ListenAddresses = { v4: null, v6: null };

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
export function openBind(port: number, fwmark: number, listen: ListenAddresses = NO_LISTEN): BindSockets | number {
  for (let attempt = 0; attempt < (port === 0 ? 100 : 1); attempt++) {
    let fd4 = -1;
    let fd6 = -1;
    try {
      fd4 = sys.udpOpen(4, port, fwmark, listen.v4 ?? undefined);
    } catch (e) {
      const n = errnoOf(e);
      if (n !== sys.errno.EAFNOSUPPORT) return -n;
    }
    const actual = fd4 >= 0 ? sys.udpLocalPort(fd4) : port;
    try {
      fd6 = sys.udpOpen(6, actual, fwmark, listen.v6 ?? undefined);
    } catch (e) {
      const n = errnoOf(e);
      if (n === sys.errno.EADDRINUSE && port === 0 && fd4 >= 0) {
        sys.close(fd4);
        continue;
      }
      // no IPv6 on this router: IPv4 only, unless an IPv6 listen address was asked for
      if ((n !== sys.errno.EAFNOSUPPORT && n !== sys.errno.EADDRNOTAVAIL) || listen.v6) {
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

/** WGJS_LISTEN_ADDRESS from the environment (none when unset or empty); null after a message on
 *  stderr when it is not one or two addresses of different families. */
export function listenAddressesFromEnv(): ListenAddresses | null {
  const v = std.getenv(LISTEN_ADDRESS_ENV);
  if (v === undefined || v === '') return { v4: null, v6: null };
  const l = parseListenAddresses([v]);
  if (typeof l === 'string') {
    std.err.puts(`wgjs: ${LISTEN_ADDRESS_ENV}='${v}': ${l}\n`);
    return null;
  }
  return l;
}

/** For the start line: "192.0.2.10 (IPv4), any (IPv6)". */
export function describeListen(l: ListenAddresses): string {
  return `${l.v4 ? formatIp(4, l.v4) : 'any'} (IPv4), ${l.v6 ? formatIp(6, l.v6) : 'any'} (IPv6)`;
}

/**
 * Transport over the current sockets (the daemon swaps `sockets` on rebind). `send` only queues
 * the datagram in the C send queue (src/native/io.c, a copy: the caller may reuse `buf` at once);
 * the owner calls `flush()` before its event-loop callback returns.
 */
export class UdpTransport implements Transport {
  sockets: BindSockets = { fd4: -1, fd6: -1, port: 0, fwmark: 0 };
  /** Listen addresses: the source written into every record sent to (null: the kernel's). */
  private source4: Uint8Array | null = null;
  private source6: Uint8Array | null = null;
  private pinned = false;

  /** The listen addresses the sockets are bound to (openBind's third argument). */
  listen: ListenAddresses = NO_LISTEN;

  setListenAddresses(l: ListenAddresses): void {
    this.listen = { v4: l.v4 ? l.v4.slice() : null, v6: l.v6 ? l.v6.slice() : null };
    this.source4 = l.v4 ? l.v4.slice() : null;
    this.source6 = l.v6 ? l.v6.slice() : null;
    this.pinned = this.source4 !== null || this.source6 !== null;
  }

  /** Makes the record's source the listen address of its family (no-op when it already is). */
  private pin(ep: Uint8Array): void {
    const src = ep[0] === 4 ? this.source4 : ep[0] === 6 ? this.source6 : null;
    if (src === null) return;
    for (let i = 0; i < src.length; i++) {
      if (ep[20 + i] !== src[i]) {
        ep.set(src, 20);
        ep.fill(0, 20 + src.length, 40); // rest of the address field and the interface index
        return;
      }
    }
  }

  send(buf: Uint8Array, off: number, len: number, ep: Uint8Array): boolean {
    const fd = ep[0] === 4 ? this.sockets.fd4 : ep[0] === 6 ? this.sockets.fd6 : -1;
    if (fd < 0) return false;
    if (this.pinned) this.pin(ep);
    try {
      return sys.udpQueue(fd, buf, off, len, ep);
    } catch {
      return false; // a bad range or record: nothing queued
    }
  }
  sendRun(buf: Uint8Array, offs: Int32Array, lens: Int32Array, start: number, end: number, ep: Uint8Array): void {
    const fd = ep[0] === 4 ? this.sockets.fd4 : ep[0] === 6 ? this.sockets.fd6 : -1;
    if (fd < 0) return;
    if (this.pinned) this.pin(ep);
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
