// The native module `wgjs:sys` (src/native/sys.c): syscalls only, no protocol logic.
// Every function throws an Error on failure whose `errno` is the TARGET's errno number (mips
// differs from x86) and whose `code` is its name ("EINVAL"). Exceptions: the non-blocking I/O
// calls return -1 on EAGAIN instead of throwing, so the packet path allocates nothing.
// Buffers are Uint8Array views; the C side honours byteOffset/byteLength and `off`/`len`.
declare module 'wgjs:sys' {
  /** Target errno numbers by name (EINVAL, EPROTO, EADDRINUSE, ENOENT, EEXIST, EAGAIN, ...). */
  export const errno: Record<string, number>;
  export const version: string; // quickjs-ng version the binary was built with
  export const arch: string; // build ARCH (x86_64, aarch64, arm, mips, mipsel)

  // --- TUN ---
  /** Opens /dev/net/tun for `name` (IFF_TUN|IFF_NO_PI, non-blocking); returns the fd. `want`
   *  (src/native/offload.c): bit 1 asks for IFF_VNET_HDR with TUNSETOFFLOAD CSUM|TSO4|TSO6, bit 2
   *  also USO4|USO6 (kernel >= 6.2). What the kernel refused falls back (a refused TSO: the device
   *  is opened again as a plain TUN; a refused USO: TSO only); tunOffload() tells what it got.
   *  WGJS_DEBUG_OFFLOAD_REFUSE=tun,uso (testing) acts as if the kernel had refused with EINVAL. */
  export function tunOpen(name: string, want?: number): number;
  /** Of the last tunOpen: [mode (0 plain TUN, 1 vnet header + TSO, 3 + USO), errno that refused
   *  TSO (0 if none), errno that refused USO (0 if none)]. */
  export function tunOffload(): [number, number, number];
  /** Reads the TUN until EAGAIN or until `max` packets / the arena are filled. mode 0: plain
   *  reads. mode 1|3: each read is a virtio_net_hdr + packet that is split (vnetSplit's rules) into
   *  IP packets; a super-packet that does not fit is continued by the next call. Packet i is at
   *  arena[offs[i] .. +lens[i]) with `headroom` bytes free before and `tailroom` after. Returns the
   *  count, -1 if nothing was there (EAGAIN). Throws on a read error when nothing was read. The
   *  arena must hold one 64 KiB packet with its head/tailroom. */
  export function tunReadBatch(fd: number, mode: number, arena: Uint8Array, offs: Int32Array, lens: Int32Array, max: number, headroom: number, tailroom: number): number;
  /** Pure: splits ONE vnet read pkt[0..len) (10-byte virtio_net_hdr, u16 fields in host order, +
   *  IP packet) as tunReadBatch does: gso NONE gives the packet, its partial checksum completed if
   *  NEEDS_CSUM (0 -> 0xffff); TCPV4/TCPV6/UDP_L4 give gso_size segments (IPv4 total length, id + i,
   *  header checksum; IPv6 payload length; TCP seq + i*gso_size, FIN/PSH on the last only, CWR on
   *  the first only; UDP length; full L4 checksums). Output as tunReadBatch (as many entries as
   *  offs/lens hold). -1 if malformed or if it does not fit. */
  export function vnetSplit(pkt: Uint8Array, len: number, arena: Uint8Array, offs: Int32Array, lens: Int32Array, headroom: number, tailroom: number): number;
  /** Queues an IP packet buf[off..off+len) for the TUN fd (copied). mode 0: written as is. mode 1:
   *  with a virtio_net_hdr; consecutive TCP segments of one flow (same addresses, ports, ACK,
   *  window, options, TOS/TTL/DF, no IP options or fragments, only ACK/PSH, valid checksums, IPv4
   *  ids consecutive unless DF) are merged into one super-packet of <= 64 KiB written with
   *  NEEDS_CSUM and GSO TCPV4/TCPV6; everything else alone with a zero header, in order within
   *  its flow. mode 3: UDP datagrams of one flow too (GSO UDP_L4). */
  export function tunQueue(fd: number, mode: number, buf: Uint8Array, off: number, len: number): boolean;
  /** Writes what tunQueue holds; returns the number of writes. Tests: with capture/capLens
   *  nothing is written; the bytes write() would get are appended to capture, their lengths to
   *  capLens; returns their count (RangeError if capture is too small). */
  export function tunFlush(capture?: Uint8Array, capLens?: Int32Array): number;
  /** Counters of tunFlush's real writes: [writes done, super-packets among them, segments those
   *  carried, super-packets the kernel refused (EINVAL) and that went out segment by segment]. */
  export function tunStats(): [number, number, number, number];
  export function tunSetMtu(name: string, mtu: number): void;
  /** Brings the link up (IFF_UP). */
  export function linkUp(name: string): void;
  /** Interface index, or 0 if no such interface (in the current namespace). */
  export function ifIndex(name: string): number;
  /** Name of the interface attached to a tun fd (TUNGETIFF), works after the link moved netns. */
  export function tunName(fd: number): string;

  // --- generic fd I/O (non-blocking fds: return -1 on EAGAIN) ---
  export function read(fd: number, buf: Uint8Array, off: number, len: number): number;
  export function write(fd: number, buf: Uint8Array, off: number, len: number): number;
  export function close(fd: number): void;
  /** poll(2) on one fd for readability with a timeout in ms; true if readable/hangup. */
  export function pollIn(fd: number, timeoutMs: number): boolean;

  // --- UDP ---
  // Endpoint record: a 40-byte Uint8Array, layout (explicit bytes, same on every endianness):
  //   [0]      family: 4 or 6 (0 = none)       [1] reserved 0
  //   [2..3]   remote port, big-endian (network order)
  //   [4..19]  remote address (IPv4 uses [4..7])
  //   [20..35] local (source) address the packet arrived on / should leave from; all zero = any
  //   [36..39] local interface index, little-endian u32 (0 = any)
  /** UDP socket of family 4|6 bound to port (0 = random), non-blocking, IPV6_V6ONLY on v6,
   *  IP_PKTINFO / IPV6_RECVPKTINFO enabled, SO_MARK set when fwmark != 0, socket buffers of
   *  4 MiB asked for (SO_RCVBUFFORCE/SO_SNDBUFFORCE as root, else capped by net.core.*mem_max).
   *  Bound to `addr` (4 or 16 bytes as the family says) when given, else the wildcard. Returns fd. */
  export function udpOpen(family: 4 | 6, port: number, fwmark: number, addr?: Uint8Array): number;
  export function udpLocalPort(fd: number): number;
  export function setMark(fd: number, fwmark: number): void;
  /** recvmsg into buf[off..off+len); fills `ep` (40 bytes) with remote + local address.
   *  Returns bytes received or -1 on EAGAIN. */
  export function udpRecv(fd: number, buf: Uint8Array, off: number, len: number, ep: Uint8Array): number;
  /** sendmsg of buf[off..off+len) to `ep`'s remote; uses `ep`'s local address/ifindex as the
   *  source (IP_PKTINFO/IPV6_PKTINFO) when set; if the kernel refuses that source (EINVAL,
   *  EADDRNOTAVAIL) it clears ep[20..39] and retries once without. Returns bytes or -1 on EAGAIN. */
  export function udpSend(fd: number, buf: Uint8Array, off: number, len: number, ep: Uint8Array): number;

  // --- batched UDP (src/native/io.c) ---
  /** recvmmsg(MSG_DONTWAIT) of up to maxMsgs (1..128) messages: message i goes to
   *  arena[i*slotSize ...] and its endpoint record (as udpRecv's `ep`) to eps[i*40 .. i*40+40).
   *  A message the kernel coalesced (UDP_GRO, see udpGro) is cut into its datagrams in place.
   *  Datagram k: arena[offs[k] .. offs[k]+lens[k]), from message src[k]; lens[k] -1 if the message
   *  was longer than slotSize (truncated: skip it). Returns the datagram count (at most the
   *  shortest of offs/lens/src: size them maxMsgs * 64 to never lose one), -1 on EAGAIN. Throws
   *  RangeError/TypeError on bad arguments (arena < maxMsgs*slotSize, offs/lens/src not Int32Arrays
   *  of >= maxMsgs, eps < maxMsgs*40, slotSize not in 1..1 MiB) before any I/O; other socket errors
   *  throw like udpRecv. */
  export function udpRecvBatch(fd: number, arena: Uint8Array, slotSize: number, maxMsgs: number, offs: Int32Array, lens: Int32Array, src: Int32Array, eps: Uint8Array): number;
  /** setsockopt UDP_GRO (kernel >= 5.0): 0, or the errno the kernel refused it with
   *  (WGJS_DEBUG_OFFLOAD_REFUSE=gro, testing: EINVAL). */
  export function udpGro(fd: number, on: number): number;
  /** Copies buf[off..off+len) and its addresses (from `ep`, as udpSend reads them) into a C send
   *  queue (128 slots of 2048 bytes; a full queue flushes itself). A datagram larger than a slot
   *  is sent at once with sendmsg, after everything queued before it. Returns true if queued or
   *  sent. Bad arguments throw (RangeError; an ep whose family is not 4|6: EDESTADDRREQ) and
   *  queue nothing.
   *  Source addresses: when udpFlush finds the kernel refusing a datagram's source (EINVAL,
   *  EADDRNOTAVAIL, ENETUNREACH) it resends that datagram once without it, and every later
   *  queued one with the same source too, and remembers the source for 1 s: udpQueue then clears
   *  ep[20..39] of a record carrying it (the caller's record, as udpSend clears it at once), so a
   *  peer's stored endpoint forgets the refused source at its next send. */
  export function udpQueue(fd: number, buf: Uint8Array, off: number, len: number, ep: Uint8Array): boolean;
  /** udpQueue of buf[offs[i] .. +lens[i]) for i in [start, end), in order, all to `ep`; every
   *  range is checked (RangeError, nothing queued) first. Returns how many were queued or sent. */
  export function udpQueueRun(fd: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, start: number, end: number, ep: Uint8Array): number;
  /** Sends everything queued with sendmmsg, per fd in queue order, continuing after a partial
   *  send. Never throws: a datagram the kernel refuses is lost (EAGAIN: the rest of that fd's
   *  group is dropped too, its send buffer is full). Returns how many datagrams left. Flush
   *  before closing a socket that has datagrams queued (its fd number could be reused). */
  export function udpFlush(): number;
  /** How many datagrams are queued (tests). */
  export function udpQueued(): number;
  /** UDP GSO in udpFlush: runs of equal-sized datagrams to one destination leave in one
   *  sendmsg with UDP_SEGMENT (off after EIO/EINVAL from the kernel, or with WGJS_UDP_GSO=0).
   *  WGJS_OFFLOAD=0 also switches it off; WGJS_DEBUG_OFFLOAD_REFUSE=gso acts as a refusal.
   *  [state (-1 not decided yet, 0 off, 1 on), GSO sends, datagrams they carried, errno of a
   *  refusal (EIO/EINVAL; 0 when switched off or on)]. With `fd`, an undecided state is decided
   *  now with that socket (the daemon's start log line). */
  export function udpGsoStats(fd?: number): [number, number, number, number];
  /** Copies the endpoint record src (40 bytes) over dst when they differ; true if it changed. */
  export function epSet(dst: Uint8Array, src: Uint8Array): boolean;

  // --- UNIX stream sockets (UAPI) ---
  /** socket+bind+listen on path (caller handles stale sockets); non-blocking listener. */
  export function unixListen(path: string): number;
  /** accept4 non-blocking; -1 on EAGAIN. */
  export function unixAccept(fd: number): number;
  /** connect() to a UNIX stream socket: blocking (the CLI, "in use" detection), or with
   *  `nonblock` a non-blocking socket whose connect fails at once (EAGAIN) when the listener
   *  cannot take it. */
  export function unixConnect(path: string, nonblock?: boolean): number;

  // --- readiness (the daemon's event loop; see sys.c on quickjs-ng 0.17's poll loop) ---
  /** epollCtl's operations (ADD, DEL, MOD) and the event bits of epollCtl and epollWait (IN,
   *  OUT; ERR: error or hangup, reported whatever was asked). */
  export const epoll: { ADD: number; DEL: number; MOD: number; IN: number; OUT: number; ERR: number };
  export function epollCreate(): number;
  /** op: epoll.ADD / DEL / MOD; events: epoll.IN | epoll.OUT. */
  export function epollCtl(epfd: number, op: number, fd: number, events: number): void;
  /** Fills `out` with 8-byte records (fd u32 LE, flags u32 LE: epoll.IN, OUT, ERR); returns
   *  how many. timeoutMs 0 = do not wait. */
  export function epollWait(epfd: number, out: Uint8Array, timeoutMs: number): number;

  /** Blocks `signals` and returns a non-blocking signalfd delivering them (quickjs-ng 0.17's
   *  loop stops when poll() is interrupted by a signal, so the daemon never lets one interrupt). */
  export function signalFd(signals: number[]): number;
  /** The next signal number read from a signalfd, or -1 if none is pending. */
  export function readSignal(fd: number): number;

  // --- netlink (the CLI's access to the kernel's WireGuard; src/client/kernel.ts) ---
  /** socket(AF_NETLINK, SOCK_RAW, protocol) bound to a kernel-chosen port id, blocking. Messages
   *  go out with write() and come in with read() (one datagram per read). */
  export function netlinkOpen(protocol: number): number;
  /** Byte order of the target (netlink's byte order). */
  export const littleEndian: boolean;

  // --- names ---
  /** getaddrinfo(host, NULL, AF_UNSPEC, SOCK_DGRAM): numeric or name (musl reads /etc/hosts and
   *  /etc/resolv.conf). Returns [family, 4- or 16-byte address] in resolver order; throws with
   *  code/errno on failure (EAI_* mapped to a message; errno ENOENT-like). */
  export function resolve(host: string): [4 | 6, Uint8Array][];
  /** Lists a directory's entry names (for /var/run/wireguard/*.sock). */
  export function readdir(path: string): string[];

  // --- misc ---
  export function getrandom(buf: Uint8Array): void;
  /** CLOCK_MONOTONIC in milliseconds (float, sub-ms precision). */
  export function monotonicMs(): number;
  /** CLOCK_REALTIME as [seconds, nanoseconds]. */
  export function realtime(): [number, number];
  export function umask(mask: number): number;
  export function mkdir(path: string, mode: number): void; // EEXIST is not an error
  export function unlink(path: string): void; // ENOENT is not an error
  /** stat: [dev, ino, mode] or null if missing (used to notice the socket file being removed). */
  export function stat(path: string): [number, number, number] | null;
  export function getpid(): number;
  export function isatty(fd: number): boolean;

  // --- processes and signals ---
  /** Starts argv[0] (a path; no PATH search) with exactly `env`, without waiting; returns its pid.
   *  The child starts clean: empty signal mask, every signal at its default action, stdin from
   *  /dev/null, stdout on stdoutFd (>= 0) or inherited, no other descriptor open. Throws on fork
   *  failure or bad arguments; a failed exec shows as exit status 127. */
  export function spawn(argv: string[], env: Record<string, string>, stdoutFd?: number): number;
  /** Daemonize like wireguard-go: fork; the parent blocks until the child calls
   *  daemonReady(ok), then exits with 0 (ready) or 1 (failed). In the child: setsid, stdin
   *  from /dev/null; returns normally. */
  export function daemonize(): void;
  /** Reports readiness to the waiting parent. Unless keepStdio, stdout/stderr are redirected to
   *  /dev/null first (like wireguard-go without LOG_LEVEL). */
  export function daemonReady(ok: boolean, keepStdio?: boolean): void;
  /** Signal numbers (SIGTERM, SIGINT, SIGHUP, SIGCHLD, ...) of the target. Spawning programs
   *  and handling signals use qjs:os (os.exec, os.waitpid, os.signal). */
  export const signals: Record<string, number>;
  /** wgjs package version the binary was built from. */
  export const wgjsVersion: string;
}
