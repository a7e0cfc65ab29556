// The daemon's own ubus object `wgjs.<ifname>`, method `status`: the same JSON as the rpcd
// plugin's `wgjs status` gives for this interface (the value of `interfaces[ifname]`, see
// src/openwrt/rpcd.ts), built from the live device instead of a UAPI round trip:
//   {name, configured, running, public_key, listen_port, fwmark, peers: [{name, section,
//    public_key, endpoint, allowed_ips[], latest_handshake, transfer_rx, transfer_tx,
//    persistent_keepalive, preshared_key, up}]}
// LuCI's status view discovers `wgjs.*` objects and calls their `status`.
import { publicKey as derivePublicKey } from '../crypto/x25519.ts';
import { peerUp } from '../openwrt/rpcd.ts';
import type { UapiDevice, UapiPeer } from '../uapi/get.ts';
import { isZero, toBase64 } from '../util/bytes.ts';
import { formatEndpoint, formatPrefix, hasEndpoint } from '../util/ip.ts';
import type { BlobmsgValue } from './blobmsg.ts';
import type { UbusObject } from './client.ts';

const WGJS_OBJECT_PREFIX = 'wgjs.';

export interface StatusSource<P extends UapiPeer> {
  ifname: string;
  device: UapiDevice<P>;
  /** The interface is a proto 'wgjs' interface of the UCI network file. */
  configured(): boolean;
  /** UCI description and section of a peer (base64 public key). */
  describe(publicKey: string): { description?: string | null; section?: string | null } | undefined;
  /** Wall clock, UNIX seconds. */
  now(): number;
}

export class InterfaceStatus<P extends UapiPeer> {
  private keyOf: Uint8Array | null = null;
  private pub: string | null = null;
  // base64 of each peer's public key (the array object of a peer never changes)
  private readonly b64 = new WeakMap<Uint8Array, string>();

  constructor(private readonly src: StatusSource<P>) {}

  /** Public key of the device's private key (derived once per key). */
  private publicKey(): string | null {
    const k = this.src.device.privateKey;
    if (!k || isZero(k)) return null;
    let same = this.keyOf !== null && this.keyOf.length === k.length;
    for (let i = 0; same && i < k.length; i++) same = this.keyOf![i] === k[i];
    if (!same) {
      this.keyOf = k.slice();
      this.pub = toBase64(derivePublicKey(k));
    }
    return this.pub;
  }

  build(): { [k: string]: BlobmsgValue } {
    const dev = this.src.device;
    const now = Math.floor(this.src.now());
    const peers: BlobmsgValue[] = [];
    for (const p of dev.peers()) {
      let key = this.b64.get(p.publicKey);
      if (key === undefined) this.b64.set(p.publicKey, (key = toBase64(p.publicKey)));
      const d = this.src.describe(key);
      const hs = p.lastHandshakeSec;
      const allowed: string[] = [];
      for (const a of dev.allowedIps.entriesForPeer(p)) allowed.push(formatPrefix(a));
      peers.push({
        name: d?.description ?? null,
        section: d?.section ?? null,
        public_key: key,
        endpoint: hasEndpoint(p.endpoint) ? formatEndpoint(p.endpoint) : null,
        allowed_ips: allowed,
        latest_handshake: hs,
        transfer_rx: p.rxBytes,
        transfer_tx: p.txBytes,
        persistent_keepalive: p.persistentKeepalive,
        preshared_key: !isZero(p.presharedKey),
        up: peerUp(hs, now),
      });
    }
    return {
      name: this.src.ifname,
      configured: this.src.configured(),
      running: true,
      public_key: this.publicKey(),
      listen_port: dev.listenPort,
      fwmark: dev.fwmark,
      peers,
    };
  }
}

/** The ubus object `wgjs.<ifname>` with its `status` method. */
export function wgjsObject<P extends UapiPeer>(src: StatusSource<P>): UbusObject {
  const st = new InterfaceStatus(src);
  return {
    path: WGJS_OBJECT_PREFIX + src.ifname,
    methods: [{ name: 'status', args: {}, call: () => st.build() }],
  };
}
