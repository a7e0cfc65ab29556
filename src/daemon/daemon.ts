// `wgjs [-f|--foreground] IFNAME`: the daemon, with wireguard-go's contract.
// Creates the TUN device and the UAPI socket, then runs the datapath in QuickJS's event loop.
// Exits on SIGTERM/SIGINT, when the TUN device is deleted, or when the socket file is removed.
import * as os from 'qjs:os';
import * as std from 'qjs:std';
import * as sys from 'wgjs:sys';
import { Device } from '../device/device.ts';
import { makePeerEvents } from '../openwrt/hotplug.ts';
import type { Logger } from '../platform/types.ts';
import { openBind, closeBind, UdpTransport, type BindSockets } from './bind.ts';
import { Reactor } from './reactor.ts';
import { UapiServer } from './uapiserver.ts';

const SOCKET_DIR = '/var/run/wireguard';
const DEFAULT_MTU = 1420;
const HEADROOM = 16; // transport header written in front of the packet (in-place encryption)
const MAX_PACKET = 65535;
const BATCH = 64; // datagrams/packets drained per readiness callback before yielding

export function validIfName(name: string): boolean {
  return name.length > 0 && name.length < 16 && name !== '.' && name !== '..' && !/[\/\s:]/.test(name);
}

export function daemonUsage(prog: string): string {
  return `Usage: ${prog} [-f/--foreground] INTERFACE-NAME\n`;
}

export function runDaemon(argv: string[], log: Logger): number {
  let foreground = std.getenv('WG_PROCESS_FOREGROUND') === '1';
  let name = '';
  for (const a of argv) {
    if (a === '-f' || a === '--foreground') foreground = true;
    else if (!name && !a.startsWith('-')) name = a;
    else {
      std.err.puts(daemonUsage('wgjs'));
      return 1;
    }
  }
  if (!name) {
    std.err.puts(daemonUsage('wgjs'));
    return 1;
  }
  if (!validIfName(name)) {
    std.err.puts(`wgjs: invalid interface name '${name}'\n`);
    return 1;
  }
  if (!foreground) sys.daemonize(); // the parent returns only once we call daemonReady
  try {
    new Daemon(name, log).start();
  } catch (e) {
    log.error(`(${name}) ${String((e as Error).message ?? e)}`);
    if (!foreground) sys.daemonReady(false);
    return 1;
  }
  if (!foreground) sys.daemonReady(true, std.getenv("LOG_LEVEL") !== undefined && log.level > 0);
  return -1; // keep running in the event loop
}

class Daemon {
  readonly sockPath: string;
  tunFd = -1;
  listenFd = -1;
  sockIno = 0;
  readonly transport = new UdpTransport();
  readonly tunOut = new TunOut();
  readonly device: Device;
  readonly uapi: UapiServer;
  readonly reactor = new Reactor();
  // packet buffers: allocated once, reused for every packet
  readonly tunBuf = new Uint8Array(HEADROOM + MAX_PACKET + 64);
  readonly udpBuf = new Uint8Array(MAX_PACKET + 64);
  readonly ep = new Uint8Array(40);
  timer: unknown = null;
  timerAt = Infinity;
  stopping = false;
  // handlers bound once (no closure per packet)
  readonly onTun = (): void => this.drainTun();
  readonly onUdp4 = (): void => this.drainUdp(this.transport.sockets.fd4);
  readonly onUdp6 = (): void => this.drainUdp(this.transport.sockets.fd6);
  readonly onTimer = (): void => this.fireTimers();
  readonly onWatch = (): void => this.watch();

  constructor(readonly name: string, readonly log: Logger) {
    this.sockPath = `${SOCKET_DIR}/${name}.sock`;
    this.device = new Device({
      clock: { now: sys.monotonicMs, wall: wallSeconds },
      random: sys.getrandom,
      transport: this.transport,
      tun: this.tunOut,
      log,
      mtu: DEFAULT_MTU,
      // peer up/down: OpenWrt hotplug scripts and ubus (or WGJS_HOTPLUG_DIR elsewhere), never waited for
      events: makePeerEvents({
        ifname: name,
        sys: { exists: (p) => sys.stat(p) !== null, getenv: (n) => std.getenv(n) },
        spawn: (spec) => {
          try {
            os.exec(spec.argv, { block: false, usePath: false, env: spec.env });
          } catch (e) {
            log.error(`(${name}) hook ${spec.argv[0]}: ${String((e as Error).message ?? e)}`);
          }
        },
      }),
    });
    this.uapi = new UapiServer(this.device, log, this.reactor, (port: number, fwmark: number) => this.rebind(port, fwmark), () => this.boundPort());
  }

  start(): void {
    this.tunFd = sys.tunOpen(this.name);
    this.tunOut.fd = this.tunFd;
    sys.tunSetMtu(this.name, DEFAULT_MTU);
    this.openSocket();
    const b = openBind(0, 0);
    if (typeof b === 'number') throw new Error(`cannot bind UDP: errno ${-b}`);
    this.useBind(b);
    this.device.listenPort = b.port; // like the kernel: a random port until one is set
    this.device.up();
    this.reactor.onRead(this.tunFd, this.onTun);
    this.reactor.onRead(this.listenFd, () => this.uapi.accept(this.listenFd));
    os.signal(sys.signals.SIGHUP!, undefined); // ignored, like a daemon should
    const sfd = sys.signalFd([sys.signals.SIGTERM!, sys.signals.SIGINT!]);
    this.reactor.onRead(sfd, () => {
      const sig = sys.readSignal(sfd);
      if (sig > 0) {
        this.log.verbose(`(${this.name}) signal ${sig}, shutting down`);
        this.stop(0);
      }
    });
    os.setTimeout(this.onWatch, 1000);
    this.log.verbose(`(${this.name}) device started, UAPI at ${this.sockPath}`);
  }

  /** UAPI socket: dir 0755, socket under umask 077, "in use" vs stale socket. */
  private openSocket(): void {
    sys.mkdir('/var/run', 0o755);
    sys.mkdir(SOCKET_DIR, 0o755);
    let inUse = false;
    try {
      const fd = sys.unixConnect(this.sockPath);
      sys.close(fd);
      inUse = true;
    } catch {
      /* nobody listening: stale or absent */
    }
    if (inUse) throw new Error(`UAPI socket ${this.sockPath} is in use by another process`);
    sys.unlink(this.sockPath);
    const old = sys.umask(0o077);
    try {
      this.listenFd = sys.unixListen(this.sockPath);
    } finally {
      sys.umask(old);
    }
    const st = sys.stat(this.sockPath);
    this.sockIno = st ? st[1] : 0;
  }

  private useBind(b: BindSockets): void {
    const old = this.transport.sockets;
    if (old.fd4 >= 0) this.reactor.remove(old.fd4);
    if (old.fd6 >= 0) this.reactor.remove(old.fd6);
    if (old !== b) closeBind(old);
    this.transport.sockets = b;
    if (b.fd4 >= 0) this.reactor.onRead(b.fd4, this.onUdp4);
    if (b.fd6 >= 0) this.reactor.onRead(b.fd6, this.onUdp6);
  }

  /** Called by UAPI set before anything else changes; returns 0 or a negative errno. */
  rebind(port: number, fwmark: number): number {
    const cur = this.transport.sockets;
    if (port === cur.port) {
      if (fwmark !== cur.fwmark) {
        try {
          if (cur.fd4 >= 0) sys.setMark(cur.fd4, fwmark);
          if (cur.fd6 >= 0) sys.setMark(cur.fd6, fwmark);
        } catch (e) {
          return -((e as { errno?: number }).errno ?? sys.errno.EINVAL!);
        }
        cur.fwmark = fwmark;
      }
      return 0;
    }
    const b = openBind(port, fwmark);
    if (typeof b === 'number') return b;
    this.useBind(b);
    return 0;
  }

  /** The port actually bound (wg shows it even when the configured one is 0). */
  boundPort(): number {
    return this.transport.sockets.port;
  }

  private drainTun(): void {
    const buf = this.tunBuf;
    try {
      for (let i = 0; i < BATCH; i++) {
        const n = sys.read(this.tunFd, buf, HEADROOM, MAX_PACKET);
        if (n <= 0) break;
        this.device.receiveTun(buf, HEADROOM, n);
      }
    } catch (e) {
      this.tunGone(e);
      return;
    }
    this.schedule();
  }

  private drainUdp(fd: number): void {
    const buf = this.udpBuf;
    const ep = this.ep;
    for (let i = 0; i < BATCH; i++) {
      let n: number;
      try {
        n = sys.udpRecv(fd, buf, 0, MAX_PACKET, ep);
      } catch {
        break; // e.g. ICMP errors reported on the socket: nothing to do
      }
      if (n < 0) break;
      this.device.receiveUdp(buf, 0, n, ep);
    }
    this.schedule();
  }

  /** Keeps one os timer at the device's earliest deadline (re-armed only when it moves earlier). */
  schedule(): void {
    const d = this.device.nextDeadline();
    if (d >= this.timerAt - 1) return;
    if (this.timer !== null) os.clearTimeout(this.timer);
    this.timerAt = d;
    this.timer = d === Infinity ? null : os.setTimeout(this.onTimer, Math.max(0, d - sys.monotonicMs()));
  }

  private fireTimers(): void {
    this.timer = null;
    this.timerAt = Infinity;
    this.device.tick();
    this.schedule();
  }

  /** Once a second: exit if the TUN device was deleted or our socket file removed/replaced. */
  private watch(): void {
    if (this.stopping) return;
    try {
      sys.tunName(this.tunFd);
    } catch (e) {
      this.tunGone(e);
      return;
    }
    const st = sys.stat(this.sockPath);
    if (!st || st[1] !== this.sockIno) {
      this.log.verbose(`(${this.name}) UAPI socket removed, shutting down`);
      this.stop(0);
      return;
    }
    // reap finished hook processes
    for (let i = 0; i < 16; i++) {
      const [pid] = os.waitpid(-1, os.WNOHANG);
      if (pid <= 0) break;
    }
    this.schedule();
    os.setTimeout(this.onWatch, 1000);
  }

  private tunGone(e: unknown): void {
    this.log.verbose(`(${this.name}) TUN device gone (${String((e as Error).message ?? e)}), shutting down`);
    this.stop(0);
  }

  stop(code: number): void {
    if (this.stopping) return;
    this.stopping = true;
    try {
      this.device.down();
    } catch {
      /* shutting down anyway */
    }
    const st = sys.stat(this.sockPath);
    if (st && st[1] === this.sockIno) sys.unlink(this.sockPath);
    std.exit(code);
  }
}

class TunOut {
  fd = -1;
  write(buf: Uint8Array, off: number, len: number): void {
    try {
      sys.write(this.fd, buf, off, len);
    } catch {
      /* TUN down or gone: the watchdog notices a deleted device */
    }
  }
}

function wallSeconds(): number {
  const [s, ns] = sys.realtime();
  return s + ns / 1e9;
}
