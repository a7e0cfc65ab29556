// A parsed and fully validated UAPI `set=1` operation (also produced from wg(8) config files
// and UCI). Parsing validates everything; applying it to a device cannot fail half-way.

/** Where userspace WireGuard implementations listen: NAME.sock (wg(8) and wireguard-go agree). */
export const UAPI_SOCKET_DIR = '/var/run/wireguard';

export interface AllowedIpOp {
  /** `allowed_ip=-prefix`: remove this prefix from the peer (only if it belongs to it). */
  remove: boolean;
  family: 4 | 6;
  /** 4 or 16 bytes; host bits are NOT yet masked (the allowed-IPs table masks on insert). */
  addr: Uint8Array;
  cidr: number;
}

export interface PeerOp {
  publicKey: Uint8Array; // 32 bytes
  remove: boolean;
  updateOnly: boolean;
  /** 32 bytes; all zero = no preshared key. Absent = unchanged. */
  presharedKey?: Uint8Array;
  /** 40-byte endpoint record (src/platform/types.ts). Absent = unchanged. */
  endpoint?: Uint8Array;
  /** Seconds, 0..65535 (0 = off). Absent = unchanged. */
  persistentKeepalive?: number;
  replaceAllowedIps: boolean;
  /** In the order given. */
  allowedIps: AllowedIpOp[];
}

export interface SetRequest {
  /** 32 bytes (not yet clamped); all zero = remove the private key. Absent = unchanged. */
  privateKey?: Uint8Array;
  /** 0..65535; 0 = pick a random port. Absent = unchanged. */
  listenPort?: number;
  /** 0 = off. Absent = unchanged. */
  fwmark?: number;
  replacePeers: boolean;
  /** In the order given; the same public key may appear more than once. */
  peers: PeerOp[];
}
