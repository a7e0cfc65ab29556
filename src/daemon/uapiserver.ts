// The UAPI socket server: accepts connections on the listening UNIX socket, frames operations
// with UapiSession, answers get from the device and applies set atomically.
import * as sys from 'wgjs:sys';
import type { Device } from '../device/device.ts';
import type { Logger } from '../platform/types.ts';
import type { Reactor } from './reactor.ts';
import { renderGet } from '../uapi/get.ts';
import { UapiSession } from '../uapi/set.ts';
import type { SetRequest } from '../uapi/types.ts';

const READ_CHUNK = 65536;

class Conn {
  readonly session: UapiSession;
  out: Uint8Array = new Uint8Array(0);
  outOff = 0;
  eof = false;
  constructor(readonly fd: number, server: UapiServer) {
    this.session = new UapiSession({
      handleGet: () => server.get(),
      handleSet: (req) => server.set(req),
      errno: sys.errno,
      log: (m) => server.log.verbose(`UAPI: ${m}`),
    });
  }
}

export class UapiServer {
  private readonly buf = new Uint8Array(READ_CHUNK);
  constructor(
    private readonly device: Device,
    readonly log: Logger,
    private readonly reactor: Reactor,
    private readonly rebind: (port: number, fwmark: number) => number,
    private readonly boundPort: () => number,
  ) {}

  get(): string {
    return renderGet(this.device);
  }

  set(req: SetRequest): number {
    const r = this.device.apply(req, this.rebind);
    // like the kernel and wireguard-go, report the port actually bound (random when 0 was asked)
    if (r === 0) this.device.listenPort = this.boundPort();
    return r;
  }

  accept(listenFd: number): void {
    for (let i = 0; i < 16; i++) {
      let fd: number;
      try {
        fd = sys.unixAccept(listenFd);
      } catch (e) {
        this.log.error(`UAPI accept: ${(e as Error).message}`);
        return;
      }
      if (fd < 0) return;
      const c = new Conn(fd, this);
      this.reactor.onRead(fd, () => this.readable(c));
    }
  }

  private readable(c: Conn): void {
    let n: number;
    try {
      n = sys.read(c.fd, this.buf, 0, READ_CHUNK);
    } catch {
      this.close(c);
      return;
    }
    if (n < 0) return;
    const out = n === 0 ? c.session.end() : c.session.feed(this.buf.subarray(0, n));
    if (n === 0) c.eof = true;
    this.queue(c, out);
  }

  private queue(c: Conn, data: Uint8Array): void {
    if (data.length) {
      const rest = c.out.subarray(c.outOff);
      const merged = new Uint8Array(rest.length + data.length);
      merged.set(rest);
      merged.set(data, rest.length);
      c.out = merged;
      c.outOff = 0;
    }
    this.flush(c);
  }

  private flush(c: Conn): void {
    while (c.outOff < c.out.length) {
      let w: number;
      try {
        w = sys.write(c.fd, c.out, c.outOff, c.out.length - c.outOff);
      } catch {
        this.close(c);
        return;
      }
      if (w < 0) {
        this.reactor.onWrite(c.fd, () => this.flush(c));
        return;
      }
      c.outOff += w;
    }
    this.reactor.onWrite(c.fd, null);
    if (c.eof || c.session.closed) this.close(c);
  }

  private close(c: Conn): void {
    this.reactor.remove(c.fd);
    sys.close(c.fd);
  }
}
