// The world the wg-compatible CLI sees. Injected, so the CLI logic is pure and runs under Node
// tests with a fake, and in the binary with src/client/qjs-env.ts.
import type { NetlinkSocket } from '../netlink/netlink.ts';
import type { RandomFill } from '../platform/types.ts';

/** One UAPI exchange on a fresh connection: sends `text`, returns everything read back up to the
 *  first blank line (or end of stream). Throws on I/O errors (message = strerror text). */
export interface UapiConnection {
  request(text: string): string;
}

export interface WgEnv {
  /** The program name wg prints in usage lines and messages (wg uses argv[0]). */
  progName: string;
  /** Arguments after the program name. */
  args: string[];
  /** All of standard input. */
  stdin(): string;
  stdout(s: string): void;
  stderr(s: string): void;
  /** Whole file; throws an error whose message is the strerror text ("No such file or directory"). */
  readFile(path: string): string;
  /** The same as bytes (UCI values are bytes, not UTF-8: src/openwrt/uci.ts); optional. */
  readFileBytes?(path: string): Uint8Array;
  /** All of standard input as bytes; optional. */
  stdinBytes?(): Uint8Array;
  /** Names of live userspace interfaces (/var/run/wireguard/NAME.sock), in directory order. */
  listInterfaces(): string[];
  /** Connects to NAME's UAPI socket; throws an error whose message is the strerror text and
   *  whose `errno` says why (ENOENT, EBADF: not a socket, ECONNREFUSED: stale, EINVAL: '/'). */
  connect(ifname: string): UapiConnection;
  /** A netlink socket of `protocol` bound to the kernel (Linux): with it, interfaces without a
   *  UAPI socket are the kernel's WireGuard (src/client/kernel.ts), as for wg(8). Absent = UAPI only. */
  netlink?(protocol: number): NetlinkSocket;
  /** getaddrinfo(host): [family, address] in resolver order; throws (message = resolver text,
   *  `transient: true` for failures worth retrying). */
  resolve(host: string): [4 | 6, Uint8Array][];
  random: RandomFill;
  /** Wall clock, UNIX seconds. */
  now(): number;
  /** Standard output is a terminal (colours, unless WG_COLOR_MODE says otherwise). */
  isatty: boolean;
  getenv(name: string): string | undefined;
  /** strerror() of the target for any number (also negative/unknown ones). */
  strerror(errno: number): string;
  /** Target errno numbers by name (EPROTO, EINVAL, ...). */
  errno: Record<string, number>;
  /** Sleeps (resolution retries); optional. */
  sleep?(ms: number): void;
  /** Standard output is a regular file that others can access (genkey warns). */
  stdoutWorldAccessible?(): boolean;
  /** Version text for `wg --version`. */
  version?: string;
}
