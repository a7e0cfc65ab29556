// `wgjs [-f|--foreground] IFNAME`: the daemon, with wireguard-go's contract.
// Creates the TUN device and the UAPI socket, then runs the datapath in QuickJS's event loop.
// Exits on SIGTERM/SIGINT, when the TUN device is deleted, or when the socket file is removed.
// On OpenWrt it also reads its interface's UCI section (UciView): peer descriptions for the
// peer-up/down events, and endpoint_host names, which it keeps re-resolving (Reresolver) in a
// child process (`wgjs resolve NAME...`), so DNS never blocks the datapath.
//
// Environment:
//   WGJS_UCI_CONFIG=FILE        the UCI network file (default /etc/config/network)
//   WGJS_RERESOLVE_INTERVAL=S   periodic re-resolution of endpoint names (default 300 s)
//   WGJS_HOTPLUG_DIR=DIR        peer event scripts when not on OpenWrt (src/openwrt/hotplug.ts)
//   WGJS_DEBUG_TIME_SCALE=X     test/debug only: the protocol clock runs X times faster (e.g. 10:
//                               REKEY_TIMEOUT 0.5 s, give-up after 9 s, re-resolution 10x
//                               sooner). Logged at start; never set it on a real link.
//   WGJS_OFFLOAD=0              every offload off; or one by one (README "Offloads"):
//   WGJS_TUN_TSO=0              plain TUN: no IFF_VNET_HDR, no TSO on read, no GRO on write
//   WGJS_TUN_USO=0              no UDP segmentation/coalescing on the TUN (kernel >= 6.2)
//   WGJS_UDP_GSO=0              no UDP_SEGMENT on the outer socket
//   WGJS_UDP_GRO=0              no UDP_GRO on the outer socket
//   WGJS_DEBUG_OFFLOAD_REFUSE=tun,uso,gso,gro  testing: the probes act as if the kernel refused
//   WGJS_LISTEN_ADDRESS=A[,B]   the local source address of every UDP datagram, one IPv4 and/or
//                               one IPv6 (src/daemon/bind.ts; UCI listen_address)
import * as os from 'qjs:os';
import * as std from 'qjs:std';
import * as sys from 'wgjs:sys';
import { implementation as cryptoImplementation } from '../crypto/backend.ts';
import { Device } from '../device/device.ts';
import { makePeerEvents, peersDownAtExit, UBUS_PATHS } from '../openwrt/hotplug.ts';
import { parseResolveOutput, renewInterface, Reresolver, RERESOLVE_PERIOD_S, RERESOLVE_STALE_S, type PeerView, type Resolution } from '../openwrt/reresolve.ts';
import { attachUbus } from '../ubus/attach.ts';
import type { UbusClient } from '../ubus/client.ts';
import { keyFromBase64 } from '../util/bytes.ts';
import { formatEndpoint, hasEndpoint, parseIp } from '../util/ip.ts';
import { validIfname } from '../util/ifname.ts';
import { wallSeconds } from '../platform/qjs.ts';
import type { Logger } from '../platform/types.ts';
import { UAPI_SOCKET_DIR, type SetRequest } from '../uapi/types.ts';
import { openBind, closeBind, UdpTransport, type BindSockets } from './bind.ts';
import { describeListen, listenAddressesFromEnv } from './bind.ts';
import { Reactor } from '../platform/reactor.ts';
import { UapiServer } from './uapiserver.ts';
import { UciView, UCI_NETWORK_FILE } from './uciview.ts';

const DEFAULT_MTU = 1420;
const HEADROOM = 16; // transport header written in front of the packet (in-place encryption)
const TAILROOM = 32; // padding (< 16) and the 16-byte tag after it
const TX_ARENA = 512 * 1024; // TUN reads: room for several 64 KiB super-packets cut into segments
const BATCH = 128; // TUN packets (segments) handled per readiness callback before yielding
// UDP receive arena: one recvmmsg per readiness callback fills up to RX_SLOTS slots of RX_SLOT
// bytes. 65536 holds any UDP datagram (so a peer with a large MTU is never truncated); +64 keeps
// the slots from starting on the same cache set (a 64 KiB stride aliases in L1 and L2). The
// 4 MiB are virtual: the arena is one fresh mmap (musl's calloc does not touch it) and the kernel
// only backs the pages datagrams are written to: measured +276 kB RSS after a flood of 148-byte
// datagrams (1-2 pages per slot).
const RX_SLOTS = 64;
const RX_SLOT = 65536 + 64;
const RX_DATAGRAMS = RX_SLOTS * 64; // with UDP GRO a message carries up to 64 datagrams
const RX_CHUNK = 256; // datagrams handed to the device at a time (between them: FLUSH_MS)
// Queued datagrams and TUN writes go out at the end of every callback, and within a long receive
// batch (up to 64 x 64 datagrams with UDP GRO) once this much time has passed since the last
// flush (checked every RX_CHUNK datagrams): the first ones are not held back by the rest.
const FLUSH_MS = 1;
const EP = 40; // endpoint record size
const RERESOLVE_CHECK_MS = 10_000; // daemon clock: how often names are considered
const RESOLVE_TIMEOUT_MS = 30_000; // real time: a resolver child running longer is killed

function daemonUsage(prog: string): string {
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
  if (!validIfname(name)) {
    std.err.puts(`wgjs: invalid interface name '${name}'\n`);
    return 1;
  }
  const scale = positiveNumber('WGJS_DEBUG_TIME_SCALE', 1, 0.01, 1000);
  const period = positiveNumber('WGJS_RERESOLVE_INTERVAL', RERESOLVE_PERIOD_S, 1, 86400 * 365);
  if (scale === null || period === null) return 1;
  if (scale !== 1) log.error(`(${name}) WGJS_DEBUG_TIME_SCALE=${scale}: protocol timers run ${scale}x faster (testing only)`);
  const offloads = offloadSwitches();
  if (!offloads) return 1;
  // --- listen addresses (WGJS_LISTEN_ADDRESS): a bad value exits 1 before anything is created
  const listen = listenAddressesFromEnv();
  if (!listen) return 1;
  // ---
  if (!foreground) sys.daemonize(); // the parent returns only once we call daemonReady
  try {
    const d = new Daemon(name, log, scale, period, offloads);
    d.transport.setListenAddresses(listen); // --- listen addresses
    d.start();
    log.verbose(`(${name}) listen address: ${describeListen(listen)}`); // --- listen addresses
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
  // every dispatch round ends by sending the datagrams its handlers queued
  readonly reactor = new Reactor(() => this.flush());
  // packet buffers: allocated once, reused for every packet
  readonly txArena = new Uint8Array(TX_ARENA);
  readonly txOffs = new Int32Array(BATCH);
  readonly txLens = new Int32Array(BATCH);
  readonly rxArena = new Uint8Array(RX_SLOTS * RX_SLOT);
  readonly rxOffs = new Int32Array(RX_DATAGRAMS);
  readonly rxLens = new Int32Array(RX_DATAGRAMS);
  readonly rxSrc = new Int32Array(RX_DATAGRAMS);
  readonly rxEps = new Uint8Array(RX_SLOTS * EP);
  udpGroErr = 0; // errno with which the kernel refused UDP_GRO (0: on, or switched off)
  // one 40-byte view per slot, made once: per datagram nothing is allocated
  readonly rxEpViews: Uint8Array[] = Array.from({ length: RX_SLOTS }, (_, i) => this.rxEps.subarray(i * EP, i * EP + EP));
  timer: unknown = null;
  timerAt = Infinity;
  stopping = false;
  // handlers bound once (no closure per packet)
  readonly onTun = (): void => this.drainTun();
  readonly onUdp4 = (): void => this.drainUdp(this.transport.sockets.fd4);
  readonly onUdp6 = (): void => this.drainUdp(this.transport.sockets.fd6);
  // os.setTimeout callbacks flush like reactor rounds do (no datagram waits past its callback)
  readonly onTimer = (): void => {
    try {
      this.fireTimers();
    } finally {
      this.flush();
    }
  };
  readonly onWatch = (): void => {
    try {
      this.watch();
    } finally {
      this.flush();
    }
  };
  readonly onReresolve = (): void => {
    try {
      this.reresolveCheck();
    } finally {
      this.flush();
    }
  };
  // endpoint names (OpenWrt UCI) and their re-resolution
  readonly uci: UciView;
  readonly reresolver: Reresolver;
  resolver: { pid: number; fd: number; out: string; started: number } | null = null;
  readonly peerView = (key: string): PeerView | undefined => {
    const k = keyFromBase64(key);
    const p = k ? this.device.getPeer(k) : undefined;
    if (!p) return undefined;
    return { endpoint: hasEndpoint(p.endpoint) ? formatEndpoint(p.endpoint) : null, retrying: p.handshakeAttempts > 0 };
  };
  readonly now: () => number;
  // ubus (src/ubus): the object wgjs.<ifname>, peer events, renew; null until start / without it
  ubus: UbusClient | null = null;

  constructor(
    readonly name: string,
    readonly log: Logger,
    readonly scale = 1,
    periodS = RERESOLVE_PERIOD_S,
    readonly offloads: Offloads = { tso: true, uso: true, gso: true, gro: true },
  ) {
    this.sockPath = `${UAPI_SOCKET_DIR}/${name}.sock`;
    this.now = scale === 1 ? sys.monotonicMs : () => sys.monotonicMs() * scale;
    this.uci = new UciView(std.getenv('WGJS_UCI_CONFIG') || UCI_NETWORK_FILE, name, log, sys.getrandom);
    this.reresolver = new Reresolver(periodS * 1000, Math.min(RERESOLVE_STALE_S, periodS) * 1000);
    this.device = new Device({
      clock: { now: this.now, wall: wallSeconds },
      // handshake work is measured in real time, whatever WGJS_DEBUG_TIME_SCALE says
      workClock: sys.monotonicMs,
      random: sys.getrandom,
      transport: this.transport,
      tun: this.tunOut,
      log,
      mtu: DEFAULT_MTU,
      // peer up/down: OpenWrt hotplug scripts and ubus (or WGJS_HOTPLUG_DIR elsewhere), never waited for
      events: makePeerEvents({
        ifname: name,
        sys: { exists: (p) => sys.stat(p) !== null, getenv: (n) => std.getenv(n) },
        spawn: (spec) => this.spawn(spec.argv, spec.env),
        describe: (key) => this.uci.describe(key),
        sendEvent: (id, data) => this.ubus?.sendEvent(id, data) ?? false,
      }),
    });
    this.uapi = new UapiServer(this.device, log, this.reactor, (port: number, fwmark: number) => this.rebind(port, fwmark), () => this.boundPort());
  }

  start(): void {
    const o = this.offloads;
    this.tunFd = sys.tunOpen(this.name, (o.tso ? 1 : 0) | (o.uso ? 2 : 0));
    this.tunOut.open(this.tunFd, sys.tunOffload()[0]);
    sys.tunSetMtu(this.name, DEFAULT_MTU);
    this.openSocket();
    const b = openBind(0, 0, this.transport.listen);
    if (typeof b === 'number') throw new Error(`cannot bind UDP: errno ${-b}`);
    this.useBind(b);
    this.device.listenPort = b.port; // like the kernel: a random port until one is set
    this.device.up();
    this.reactor.onRead(this.tunFd, this.onTun);
    this.uapi.listen(this.listenFd);
    // ubus: wgjs.<ifname> status from the live device (src/ubus/attach.ts)
    this.ubus = attachUbus(this.reactor, this.log, {
      ifname: this.name,
      device: this.device,
      configured: () => (this.uci.refresh(), this.uci.managed),
      describe: (key) => this.uci.describe(key),
      now: wallSeconds,
    });
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
    os.setTimeout(this.onReresolve, RERESOLVE_CHECK_MS / this.scale);
    this.flush();
    this.log.verbose(`(${this.name}) device started, UAPI at ${this.sockPath}; crypto: ${cryptoImplementation}`);
    this.log.verbose(`(${this.name}) offloads: ${this.offloadLine()}`);
  }

  /** Writes the packets queued for the TUN and sends the datagrams queued by the transport;
   *  called at the end of every callback. */
  flush(): void {
    sys.tunFlush();
    this.transport.flush();
  }

  /** `tun-tso=S tun-uso=S udp-gso=S udp-gro=S`, S: on, off (switched off) or refused(ERRNO). */
  offloadLine(): string {
    const o = this.offloads;
    const [mode, tsoErr, usoErr] = sys.tunOffload();
    const state = (wanted: boolean, on: boolean, err: number): string =>
      on ? 'on' : !wanted ? 'off' : err ? `refused(${errnoName(err)})` : 'off';
    const fd = this.transport.sockets.fd4 >= 0 ? this.transport.sockets.fd4 : this.transport.sockets.fd6;
    const [gso, , , gsoErr] = sys.udpGsoStats(fd);
    return [
      `tun-tso=${state(o.tso, mode !== 0, tsoErr)}`,
      `tun-uso=${state(o.tso && o.uso && mode !== 0, mode === 3, usoErr)}`,
      `udp-gso=${state(o.gso, gso === 1, gsoErr)}`,
      `udp-gro=${state(o.gro, o.gro && this.udpGroErr === 0, this.udpGroErr)}`,
    ].join(' ');
  }

  /** Starts a child without waiting for it (hooks, ubus); never throws into the datapath. */
  spawn(argv: string[], env: Record<string, string>, stdout?: number): number {
    try {
      // a clean child: default signal state, no inherited descriptors (sys.c spawn)
      return sys.spawn(argv, env, stdout);
    } catch (e) {
      this.log.error(`(${this.name}) ${argv[0]}: ${String((e as Error).message ?? e)}`);
      return -1;
    }
  }

  /** Every RERESOLVE_CHECK_MS (daemon clock): resolve the endpoint names that are due, in a child. */
  private reresolveCheck(): void {
    if (this.stopping) return;
    os.setTimeout(this.onReresolve, RERESOLVE_CHECK_MS / this.scale);
    if (this.resolver) {
      if (sys.monotonicMs() - this.resolver.started > RESOLVE_TIMEOUT_MS) {
        this.log.error(`(${this.name}) endpoint name resolution takes too long, killed`);
        os.kill(this.resolver.pid, sys.signals.SIGKILL ?? 9);
        this.resolverDone();
      }
      return;
    }
    this.uci.refresh();
    const now = this.now();
    this.reresolver.setNames(this.uci.names, now, this.peerView);
    const hosts = this.reresolver.due(now, this.peerView);
    if (hosts.length === 0) return;
    const exe = os.exePath() ?? '/proc/self/exe';
    const [rfd, wfd] = os.pipe() ?? [-1, -1];
    if (rfd < 0) return;
    const pid = this.spawn([exe, 'resolve', ...hosts], { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, wfd);
    os.close(wfd);
    if (pid < 0) {
      os.close(rfd);
      this.reresolver.apply(now, new Map(), this.peerView);
      return;
    }
    this.resolver = { pid, fd: rfd, out: '', started: sys.monotonicMs() };
    this.reactor.onRead(rfd, () => this.resolverRead());
  }

  private resolverRead(): void {
    const r = this.resolver;
    if (!r) return;
    const buf = new Uint8Array(4096);
    const n = os.read(r.fd, buf.buffer, 0, buf.length);
    if (n > 0 && r.out.length < 65536) {
      for (let i = 0; i < n; i++) r.out += String.fromCharCode(buf[i]!);
      return;
    }
    this.resolverDone();
  }

  /** The child finished (or was killed): set the endpoints that follow from its answers. */
  private resolverDone(): void {
    const r = this.resolver;
    if (!r) return;
    this.resolver = null;
    this.reactor.remove(r.fd);
    os.close(r.fd);
    const results: Map<string, Resolution> = parseResolveOutput(r.out, parseIp);
    const updates = this.reresolver.apply(this.now(), results, this.peerView);
    if (updates.length === 0) return;
    const req: SetRequest = { replacePeers: false, peers: [] };
    for (const u of updates) {
      const key = keyFromBase64(u.publicKey)!;
      this.log.verbose(`(${this.name}) peer ${u.publicKey.slice(0, 8)}...: endpoint ${u.text} (${u.why})`);
      req.peers.push({ publicKey: key, remove: false, updateOnly: true, endpoint: u.endpoint, replaceAllowedIps: false, allowedIps: [] });
    }
    this.device.apply(req);
    this.schedule();
    // netifd keeps a host route to each endpoint: a renew reports the new addresses
    if (this.uci.managed && !this.uci.nohostroute) {
      // natively over ubus when connected, else `ubus call ... renew` as a child
      const c = this.ubus;
      renewInterface(
        this.name,
        c ? (path, method, done) => c.invokePath(path, method, {}, done) : null,
        (args) => {
          const ubus = UBUS_PATHS.find((p) => sys.stat(p) !== null);
          return ubus !== undefined && this.spawn([ubus, ...args], { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }) > 0;
        },
        (status) => {
          if (status !== 0) this.log.error(`(${this.name}) ubus: renew of network.interface.${this.name}: status ${status}`);
        },
      );
    }
  }

  /** UAPI socket: dir 0755, socket under umask 077, "in use" vs stale socket. */
  private openSocket(): void {
    sys.mkdir('/var/run', 0o755);
    sys.mkdir(UAPI_SOCKET_DIR, 0o755);
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
    this.flush(); // queued datagrams name the old fds: out before they close
    if (old !== b) closeBind(old);
    this.transport.sockets = b;
    if (this.offloads.gro) {
      // UDP GRO: datagrams of one flow come in as one buffer, cut apart in udpRecvBatch
      for (const fd of [b.fd4, b.fd6]) {
        if (fd < 0) continue;
        const e = sys.udpGro(fd, 1);
        if (e !== 0) this.udpGroErr = e;
      }
    }
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
    const b = openBind(port, fwmark, this.transport.listen);
    if (typeof b === 'number') return b;
    this.useBind(b);
    return 0;
  }

  /** The port actually bound (wg shows it even when the configured one is 0). */
  boundPort(): number {
    return this.transport.sockets.port;
  }

  /** Up to BATCH packets per readiness callback: with TSO one read is a super-packet the C side
   *  cuts into MTU-sized packets; the device routes a run of them once and seals each. */
  private drainTun(): void {
    let n: number;
    try {
      n = sys.tunReadBatch(this.tunFd, this.tunOut.mode, this.txArena, this.txOffs, this.txLens, BATCH, HEADROOM, TAILROOM);
    } catch (e) {
      this.tunGone(e);
      return;
    }
    if (n > 0) this.device.receiveTunBatch(this.txArena, this.txOffs, this.txLens, n);
    this.schedule();
  }

  /** One recvmmsg of up to RX_SLOTS messages per readiness callback (then other fds get a turn);
   *  with UDP GRO a message holds many datagrams. Handed to the device RX_CHUNK at a time, with
   *  what they queued sent in between once FLUSH_MS has passed. */
  private drainUdp(fd: number): void {
    const arena = this.rxArena;
    let n: number;
    try {
      n = sys.udpRecvBatch(fd, arena, RX_SLOT, RX_SLOTS, this.rxOffs, this.rxLens, this.rxSrc, this.rxEps);
    } catch {
      n = 0; // e.g. ICMP errors reported on the socket: nothing to do
    }
    let t0 = sys.monotonicMs();
    for (let k = 0; k < n; k += RX_CHUNK) {
      const end = Math.min(n, k + RX_CHUNK);
      this.device.receiveUdpBatch(arena, this.rxOffs, this.rxLens, this.rxSrc, this.rxEpViews, k, end);
      if (end < n && sys.monotonicMs() - t0 >= FLUSH_MS) {
        this.flush();
        t0 = sys.monotonicMs();
      }
    }
    this.schedule();
  }

  /** Keeps one os timer at the device's earliest deadline (re-armed only when it moves earlier). */
  schedule(): void {
    const d = this.device.nextDeadline();
    if (d >= this.timerAt - 1) return;
    if (this.timer !== null) os.clearTimeout(this.timer);
    this.timerAt = d;
    this.timer = d === Infinity ? null : os.setTimeout(this.onTimer, Math.max(0, d - this.now()) / this.scale);
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
    // peers that were up get their peer-down event (hotplug + ubus) before the device goes down
    peersDownAtExit(this.device.peers(), this.device.ctx.events);
    this.ubus?.stop(500);
    try {
      this.device.down();
    } catch {
      /* shutting down anyway */
    }
    this.flush();
    // no key outlives the daemon in its memory: sessions, PSKs and the static key are zeroed
    this.device.removeAllPeers();
    this.device.setPrivateKey(null);
    const [writes, supers, segs, refused] = sys.tunStats();
    const [, gsoSends, gsoSegs] = sys.udpGsoStats();
    this.log.verbose(`(${this.name}) TUN writes ${writes} (super-packets ${supers} carrying ${segs} packets; refused by the kernel and sent one by one: ${refused}), UDP GSO sends ${gsoSends} carrying ${gsoSegs} datagrams`);
    const st = sys.stat(this.sockPath);
    if (st && st[1] === this.sockIno) sys.unlink(this.sockPath);
    std.exit(code);
  }
}

class TunOut {
  fd = -1;
  mode = 0; // sys.tunOffload()[0]: 0 plain TUN, 1 vnet header + TCP coalescing, 3 + UDP
  /** Copies a packet into the C write queue (coalesced per flow when the TUN takes
   *  super-packets), written by flush() at the end of the callback; a TUN that is down or gone
   *  loses them. Until open() nothing is written. */
  write: (buf: Uint8Array, off: number, len: number) => void = () => {};
  open(fd: number, mode: number): void {
    this.fd = fd;
    this.mode = mode;
    // the native call itself, fd and mode bound: no JS frame per packet
    this.write = sys.tunQueue.bind(undefined, fd, mode);
  }
}

interface Offloads {
  tso: boolean; // TUN: IFF_VNET_HDR, TSO on read, GRO on write
  uso: boolean; // TUN: UDP segmentation/coalescing too
  gso: boolean; // outer UDP_SEGMENT
  gro: boolean; // outer UDP_GRO
}

/** The offload switches from the environment ("0" off, "1"/unset on); null after a message. */
function offloadSwitches(): Offloads | null {
  const get = (name: string): boolean | null => {
    const v = std.getenv(name);
    if (v === undefined || v === '' || v === '1') return true;
    if (v === '0') return false;
    std.err.puts(`wgjs: ${name}='${v}' must be 0 (off) or 1 (on)\n`);
    return null;
  };
  const all = get('WGJS_OFFLOAD');
  const tso = get('WGJS_TUN_TSO');
  const uso = get('WGJS_TUN_USO');
  const gso = get('WGJS_UDP_GSO');
  const gro = get('WGJS_UDP_GRO');
  if (all === null || tso === null || uso === null || gso === null || gro === null) return null;
  return { tso: all && tso, uso: all && tso && uso, gso: all && gso, gro: all && gro };
}

function errnoName(n: number): string {
  for (const k in sys.errno) if (sys.errno[k] === n) return k;
  return String(n);
}

/** A numeric environment setting in [min, max], `def` when unset; null (after a message) when bad. */
function positiveNumber(name: string, def: number, min: number, max: number): number | null {
  const v = std.getenv(name);
  if (v === undefined || v === '') return def;
  const n = /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) {
    std.err.puts(`wgjs: ${name}='${v}' is not a number in ${min}..${max}\n`);
    return null;
  }
  return n;
}

