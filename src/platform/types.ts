// What the pure core (src/noise, src/device) needs from the world. Injected, so the same code
// runs under Node (tests, with fakes) and QuickJS (product, src/platform/qjs.ts).

export interface Clock {
  /** Monotonic milliseconds (float). Drives every timer. */
  now(): number;
  /** Wall clock as UNIX seconds (float, sub-ms precision): TAI64N and last_handshake_time. */
  wall(): number;
}

/** Fills `out` with cryptographically secure random bytes. */
export type RandomFill = (out: Uint8Array) => void;

export type LogLevel = 0 | 1 | 2 | 3; // silent, error, verbose, debug
export interface Logger {
  level: LogLevel;
  error(msg: string): void;
  verbose(msg: string): void;
  debug(msg: string): void;
}

/**
 * Endpoint record: 40 bytes, filled by the platform on receive and stored per peer.
 *   [0] family 4|6 (0 = none)  [1] 0  [2..3] remote port big-endian  [4..19] remote address
 *   [20..35] local source address (zero = any)  [36..39] local ifindex u32 little-endian
 */
export const ENDPOINT_SIZE = 40;

/** Outer transport (UDP). Sends to the remote in `ep`, from ep's local address when set. */
export interface Transport {
  send(buf: Uint8Array, off: number, len: number, ep: Uint8Array): boolean;
  /** Copies the endpoint record `src` over `dst` when they differ; true if it changed. Optional:
   *  the daemon's does it natively (a 40-step loop costs ~3 us a packet in QuickJS). */
  updateEndpoint?(dst: Uint8Array, src: Uint8Array): boolean;
  /** `send` of buf[offs[i] .. +lens[i]) for i in [start, end), in order, to `ep`. Optional: the
   *  daemon's queues a run of sealed segments in one native call. */
  sendRun?(buf: Uint8Array, offs: Int32Array, lens: Int32Array, start: number, end: number, ep: Uint8Array): void;
}

/** Inner side (TUN): one IP packet per write. */
export interface TunWriter {
  write(buf: Uint8Array, off: number, len: number): void;
}

/** Peer up/down notifications (OpenWrt hotplug, ubus), called outside the packet hot loop. */
export interface PeerEvents {
  peerUp?(publicKey: Uint8Array, endpoint: Uint8Array): void;
  peerDown?(publicKey: Uint8Array, endpoint: Uint8Array): void;
}
