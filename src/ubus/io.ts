// UbusIo over wgjs:sys and the daemon's reactor (QuickJS only). sys.unixConnect returns a
// BLOCKING socket (there is no native call to make it non-blocking), so the client never calls
// read() unless the reactor reported the socket readable (one read per report), and never
// write()s unless a private epoll set says it is writable (a unix stream socket reports that
// with at least 3/4 of its send buffer free, far more than one 16 KiB slice).
import * as os from 'qjs:os';
import * as sys from 'wgjs:sys';
import type { Reactor } from '../daemon/reactor.ts';
import type { UbusIo } from './client.ts';

export function reactorIo(reactor: Reactor): UbusIo {
  let wep = -1; // epoll set holding the ubus socket for EPOLLOUT only
  let wfd = -1;
  const ev = new Uint8Array(8);
  return {
    exists: (path) => sys.stat(path) !== null,
    connect(path) {
      const fd = sys.unixConnect(path);
      if (wep < 0) wep = sys.epollCreate();
      if (wfd >= 0) {
        try {
          sys.epollCtl(wep, 2, wfd, 0);
        } catch {
          /* closed already */
        }
      }
      sys.epollCtl(wep, 1, fd, 2);
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
          sys.epollCtl(wep, 2, fd, 0);
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
