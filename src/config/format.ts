// The configuration as a wg(8) config file, exactly as `wg showconf` prints it.
import { toBase64 } from '../util/bytes.ts';
import { formatEndpoint, formatPrefix, hasEndpoint, type Prefix } from '../util/ip.ts';

export interface ConfigView {
  /** null = no private key line. */
  privateKey: Uint8Array | null;
  listenPort: number;
  fwmark: number;
  peers: {
    publicKey: Uint8Array;
    /** null = none. */
    presharedKey: Uint8Array | null;
    /** 40-byte endpoint record or null. */
    endpoint: Uint8Array | null;
    persistentKeepalive: number;
    allowedIps: Prefix[];
  }[];
}

export function formatConfig(c: ConfigView): string {
  let s = '[Interface]\n';
  if (c.listenPort) s += `ListenPort = ${c.listenPort}\n`;
  if (c.fwmark) s += `FwMark = 0x${(c.fwmark >>> 0).toString(16)}\n`;
  if (c.privateKey) s += `PrivateKey = ${toBase64(c.privateKey)}\n`;
  s += '\n';
  for (let i = 0; i < c.peers.length; i++) {
    const p = c.peers[i]!;
    s += `[Peer]\nPublicKey = ${toBase64(p.publicKey)}\n`;
    if (p.presharedKey) s += `PresharedKey = ${toBase64(p.presharedKey)}\n`;
    if (p.allowedIps.length) s += `AllowedIPs = ${p.allowedIps.map(formatPrefix).join(', ')}\n`;
    if (hasEndpoint(p.endpoint)) s += `Endpoint = ${formatEndpoint(p.endpoint)}\n`;
    if (p.persistentKeepalive) s += `PersistentKeepalive = ${p.persistentKeepalive}\n`;
    if (i + 1 < c.peers.length) s += '\n';
  }
  return s;
}
