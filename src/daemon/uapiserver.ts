// The UAPI socket server: accepts connections on the listening UNIX socket, reads and writes them
// without blocking, and lets each connection's UapiSession (src/uapi/session.ts) do a bounded
// amount of work per turn of the loop, so no client can stall the tunnel:
//   - a connection is read only while its session wants input (no answer backlog over 64 KiB,
//     no get being rendered, not after end of input); a get is rendered a chunk per turn;
//   - at most MAX_CONNS connections: a new client always gets in, the longest idle one is closed;
//   - a connection without progress for IDLE_MS is closed;
//   - accept failing (EMFILE, ENFILE, ENOBUFS...) stops accepting for a while (100 ms doubling
//     to 2 s) with one log line, instead of spinning on the still-readable listening socket.
// "More work to do" is asked for as write readiness: a writable socket fires on the next turn,
// after every other ready descriptor (the TUN, the UDP sockets) had its turn.
import * as os from 'qjs:os';
import * as sys from 'wgjs:sys';
import type { Device } from '../device/device.ts';
import type { Logger } from '../platform/types.ts';
import type { Reactor } from '../platform/reactor.ts';
import { renderGetChunks } from '../uapi/get.ts';
import { UapiSession } from '../uapi/session.ts';
import type { SetRequest } from '../uapi/types.ts';

const MAX_CONNS = 64;
const IDLE_MS = 30000;
const SWEEP_MS = 5000;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2000;

class Conn {
  readonly session: UapiSession;
  lastActive: number;
  readOn = true;
  writeOn = false;
  open = true;
  readonly onRead: () => void;
  readonly onWrite: () => void;
  constructor(readonly fd: number, server: UapiServer) {
    this.session = new UapiSession({
      handleGet: () => renderGetChunks(server.device),
      handleSet: (req) => server.set(req),
      errno: sys.errno,
      log: (m) => server.log.verbose(`UAPI: ${m}`),
    });
    this.lastActive = sys.monotonicMs();
    this.onRead = () => server.readable(this);
    this.onWrite = () => server.writable(this);
  }
}

export class UapiServer {
  private readonly conns = new Set<Conn>();
  private listenFd = -1;
  private accepting = true;
  private backoff = 0;
  private refused = 0;
  private evicted = 0;
  private logAt = -Infinity;
  private sweeping = false;
  private readonly onAccept = (): void => this.accept();
  private readonly onResume = (): void => this.resume();
  private readonly onSweep = (): void => this.sweep();

  constructor(
    readonly device: Device,
    readonly log: Logger,
    private readonly reactor: Reactor,
    private readonly rebind: (port: number, fwmark: number) => number,
    private readonly boundPort: () => number,
  ) {}

  /** Starts accepting on the listening socket. */
  listen(fd: number): void {
    this.listenFd = fd;
    this.reactor.onRead(fd, this.onAccept);
  }

  get connections(): number {
    return this.conns.size;
  }

  set(req: SetRequest): number {
    const r = this.device.apply(req, this.rebind);
    // like the kernel and wireguard-go, report the port actually bound (random when 0 was asked)
    if (r === 0) this.device.listenPort = this.boundPort();
    return r;
  }

  private accept(): void {
    for (let i = 0; i < 16 && this.accepting; i++) {
      let fd: number;
      try {
        fd = sys.unixAccept(this.listenFd);
      } catch (e) {
        this.pauseAccepting((e as Error).message);
        return;
      }
      if (fd < 0) {
        this.backoff = 0; // the queue is drained: caught up
        return;
      }
      if (this.conns.size >= MAX_CONNS) {
        this.closeIdlest();
        this.evicted++;
        this.rateLog(`UAPI: at the limit of ${MAX_CONNS} connections, the longest idle is closed for a new one (${this.evicted} so far)`, false);
      }
      const c = new Conn(fd, this);
      this.conns.add(c);
      this.reactor.onRead(fd, c.onRead);
      this.armSweep();
    }
  }

  /** accept failed (out of descriptors or memory): wait before trying again (100 ms, doubling to
   *  2 s while it keeps failing), closing the longest idle client so a new one gets in. */
  private pauseAccepting(why: string): void {
    this.refused++;
    this.rateLog(`UAPI: ${why}; accepting again in a moment (${this.refused} refusals so far)`, true);
    if (this.conns.size > 0) this.closeIdlest();
    this.accepting = false;
    this.reactor.setRead(this.listenFd, false);
    this.backoff = this.backoff ? Math.min(this.backoff * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
    os.setTimeout(this.onResume, this.backoff);
  }

  /** One line per 10 s at most, whatever clients do. */
  private rateLog(line: string, error: boolean): void {
    const now = sys.monotonicMs();
    if (now - this.logAt < 10000) return;
    this.logAt = now;
    if (error) this.log.error(line);
    else this.log.verbose(line);
  }

  private resume(): void {
    if (this.listenFd < 0) return;
    this.accepting = true;
    this.reactor.setRead(this.listenFd, true);
  }

  readable(c: Conn): void {
    const s = c.session;
    const room = s.room();
    if (room > 0) {
      let n: number;
      try {
        n = sys.read(c.fd, s.inBuf, s.inEnd, room);
      } catch {
        this.close(c);
        return;
      }
      if (n < 0) return; // EAGAIN
      s.received(n);
      c.lastActive = sys.monotonicMs();
    }
    this.work(c);
  }

  writable(c: Conn): void {
    this.work(c);
  }

  /** One turn for a connection: a step of its session, write what is ready, set its interests. */
  private work(c: Conn): void {
    const s = c.session;
    if (s.pending > 0 && !this.flush(c)) return;
    s.step();
    if (s.pending > 0 && !this.flush(c)) return;
    if (s.finished()) {
      this.close(c);
      return;
    }
    const read = s.wantsInput();
    const write = s.pending > 0 || s.hasWork();
    if (read !== c.readOn) {
      c.readOn = read;
      this.reactor.setRead(c.fd, read);
    }
    if (write !== c.writeOn) {
      c.writeOn = write;
      this.reactor.onWrite(c.fd, write ? c.onWrite : null);
    }
  }

  /** Writes what the session has; false when the connection is gone. */
  private flush(c: Conn): boolean {
    const s = c.session;
    while (s.pending > 0) {
      let w: number;
      try {
        w = sys.write(c.fd, s.outBuf, s.outStart, s.pending);
      } catch {
        this.close(c);
        return false;
      }
      if (w < 0) return true; // EAGAIN: the write interest brings us back
      s.wrote(w);
      c.lastActive = sys.monotonicMs();
    }
    return true;
  }

  private close(c: Conn): void {
    if (!c.open) return;
    c.open = false;
    this.conns.delete(c);
    this.reactor.remove(c.fd);
    sys.close(c.fd);
  }

  private closeIdlest(): void {
    let idlest: Conn | null = null;
    for (const c of this.conns) if (!idlest || c.lastActive < idlest.lastActive) idlest = c;
    if (idlest) this.close(idlest);
  }

  private armSweep(): void {
    if (this.sweeping) return;
    this.sweeping = true;
    os.setTimeout(this.onSweep, SWEEP_MS);
  }

  private sweep(): void {
    this.sweeping = false;
    const now = sys.monotonicMs();
    for (const c of this.conns) if (now - c.lastActive > IDLE_MS) this.close(c);
    if (this.conns.size > 0) this.armSweep();
  }
}
