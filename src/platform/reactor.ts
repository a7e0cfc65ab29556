// The daemon's readiness loop: one epoll fd registered with QuickJS's event loop, dispatching to
// our handlers. (quickjs-ng 0.17's poll loop only looks at the first N of its pollfds after
// poll() reports N ready, so several os.setReadHandler registrations can starve each other; with
// a single registration that cannot happen.) Timers and signals stay with qjs:os.
// `after` runs at the end of every dispatch round, even when a handler threw: the daemon flushes
// its queued datagrams there, so nothing sent by a handler waits past this callback.
import * as os from 'qjs:os';
import * as sys from 'wgjs:sys';
import { readU32LE } from '../util/bytes.ts';

const EP = sys.epoll;

interface Handlers {
  read: () => void;
  write: (() => void) | null;
  /** Read readiness wanted (errors and hangups are reported to `read` regardless). */
  reading: boolean;
}

export class Reactor {
  private readonly epfd: number;
  private readonly handlers = new Map<number, Handlers>();
  private readonly events = new Uint8Array(64 * 8);
  private readonly onReady = (): void => this.dispatch();

  constructor(private readonly after: () => void = () => {}) {
    this.epfd = sys.epollCreate();
    os.setReadHandler(this.epfd, this.onReady);
  }

  onRead(fd: number, fn: () => void): void {
    const h = this.handlers.get(fd);
    if (h) {
      h.read = fn;
      return;
    }
    this.handlers.set(fd, { read: fn, write: null, reading: true });
    sys.epollCtl(this.epfd, EP.ADD, fd, EP.IN);
  }

  onWrite(fd: number, fn: (() => void) | null): void {
    const h = this.handlers.get(fd);
    if (!h || h.write === fn) return;
    h.write = fn;
    sys.epollCtl(this.epfd, EP.MOD, fd, (h.reading ? EP.IN : 0) | (fn ? EP.OUT : 0));
  }

  /** Stops or resumes watching fd for read readiness (flow control); its handler stays. */
  setRead(fd: number, on: boolean): void {
    const h = this.handlers.get(fd);
    if (!h || h.reading === on) return;
    h.reading = on;
    sys.epollCtl(this.epfd, EP.MOD, fd, (on ? EP.IN : 0) | (h.write ? EP.OUT : 0));
  }

  remove(fd: number): void {
    if (!this.handlers.delete(fd)) return;
    try {
      sys.epollCtl(this.epfd, EP.DEL, fd, 0);
    } catch {
      /* already closed */
    }
  }

  private dispatch(): void {
    try {
      const n = sys.epollWait(this.epfd, this.events, 0);
      for (let i = 0; i < n; i++) {
        const fd = readU32LE(this.events, 8 * i);
        const flags = this.events[8 * i + 4]!;
        const h = this.handlers.get(fd);
        if (!h) continue;
        if (flags & (EP.IN | EP.ERR)) h.read();
        if (flags & EP.OUT && h.write) {
          const again = this.handlers.get(fd);
          if (again && again.write) again.write();
        }
      }
    } finally {
      this.after();
    }
  }
}
