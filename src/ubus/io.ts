// UbusIo over wgjs:sys and the daemon's reactor (QuickJS only). The socket is non-blocking
// (sys.unixConnect(path, true): a ubusd whose backlog is full fails the connect at once); the
// client still reads once per readiness report and writes when a private epoll set says the
// socket is writable, and takes -1 (EAGAIN) from either as "later".
import * as os from 'qjs:os';
import * as sys from 'wgjs:sys';
import type { Reactor } from '../platform/reactor.ts';
import type { UbusIo } from './client.ts';

export function reactorIo(reactor: Reactor): UbusIo {
  let wep = -1; // epoll set holding the ubus socket for EPOLLOUT only
  let wfd = -1;
  const ev = new Uint8Array(8);
  return {
    exists: (path) => sys.stat(path) !== null,
    connect(path) {
      const fd = sys.unixConnect(path, true);
      if (wep < 0) wep = sys.epollCreate();
      if (wfd >= 0) {
        try {
          sys.epollCtl(wep, sys.epoll.DEL, wfd, 0);
        } catch {
          /* closed already */
        }
      }
      sys.epollCtl(wep, sys.epoll.ADD, fd, sys.epoll.OUT);
      wfd = fd;
      return fd;
    },
    read: (fd, buf, off, len) => sys.read(fd, buf, off, len),
    write: (fd, buf, off, len) => sys.write(fd, buf, off, len),
    writable(fd, waitMs) {
      if (fd !== wfd || wep < 0) return false;
      // flags: 2 writable, 4 error/hangup (then write() fails and the client reconnects)
      return sys.epollWait(wep, ev, Math.max(0, Math.ceil(waitMs))) > 0;
    },
    close(fd) {
      if (fd === wfd) {
        try {
          sys.epollCtl(wep, sys.epoll.DEL, fd, 0);
        } catch {
          /* closed already */
        }
        wfd = -1;
      }
      sys.close(fd);
    },
    onReadable(fd, fn) {
      if (fn) reactor.onRead(fd, fn);
      else reactor.remove(fd);
    },
    onWritable: (fd, fn) => reactor.onWrite(fd, fn),
    setTimer: (fn, ms) => os.setTimeout(fn, ms),
    clearTimer: (t) => os.clearTimeout(t),
  };
}
