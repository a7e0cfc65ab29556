// mac1/mac2 and cookie replies (whitepaper section 5.4.4 and 5.4.7).
// CookieChecker belongs to the device (our static key); CookieGenerator to each peer (theirs).
import { hash, mac } from '../crypto/blake2s.ts';
import { xopen, xseal } from '../crypto/xaead.ts';
import { ctEqual, writeU32LE } from '../util/bytes.ts';
import type { RandomFill } from '../platform/types.ts';
import { COOKIE_REFRESH_TIME, LABEL_COOKIE, LABEL_MAC1 } from './constants.ts';
import { COOKIE_ENCRYPTED, COOKIE_NONCE, COOKIE_RECEIVER, MSG_COOKIE_REPLY, writeHeader } from './messages.ts';

/** The bytes a cookie is bound to: the source address, then the port big-endian. */
function sourceBytes(ep: Uint8Array): Uint8Array {
  const n = ep[0] === 4 ? 4 : 16;
  const out = new Uint8Array(n + 2);
  out.set(ep.subarray(4, 4 + n));
  out[n] = ep[2]!;
  out[n + 1] = ep[3]!;
  return out;
}

export class CookieChecker {
  private mac1Key: Uint8Array = new Uint8Array(32);
  private cookieKey: Uint8Array = new Uint8Array(32);
  private readonly secret = new Uint8Array(32);
  private secretSet = -Infinity;
  private enabled = false;

  constructor(private readonly random: RandomFill, private readonly now: () => number) {}

  /** Our static public key (null: no private key, nothing validates). */
  init(publicKey: Uint8Array | null): void {
    this.enabled = publicKey !== null;
    if (publicKey) {
      this.mac1Key = hash(LABEL_MAC1, publicKey);
      this.cookieKey = hash(LABEL_COOKIE, publicKey);
    }
    this.secretSet = -Infinity;
  }

  checkMac1(msg: Uint8Array, len: number): boolean {
    if (!this.enabled) return false;
    const m = mac(this.mac1Key, msg.subarray(0, len - 32));
    return ctEqual(m, msg.subarray(len - 32, len - 16));
  }

  /** mac2 is valid only for a cookie made from a secret younger than COOKIE_REFRESH_TIME. */
  checkMac2(msg: Uint8Array, len: number, ep: Uint8Array): boolean {
    if (!this.enabled || this.now() - this.secretSet > COOKIE_REFRESH_TIME) return false;
    const cookie = mac(this.secret, sourceBytes(ep));
    const m = mac(cookie, msg.subarray(0, len - 16));
    return ctEqual(m, msg.subarray(len - 16, len));
  }

  /** Fills `out` (64 bytes) with a cookie reply to the handshake message msg[0..len) from ep. */
  createReply(msg: Uint8Array, len: number, senderIndex: number, ep: Uint8Array, out: Uint8Array): void {
    const now = this.now();
    if (now - this.secretSet > COOKIE_REFRESH_TIME) {
      this.random(this.secret);
      this.secretSet = now;
    }
    const cookie = mac(this.secret, sourceBytes(ep));
    const nonce = new Uint8Array(24);
    this.random(nonce);
    const sealed = xseal(this.cookieKey, nonce, cookie, msg.subarray(len - 32, len - 16));
    writeHeader(out, 0, MSG_COOKIE_REPLY);
    writeU32LE(out, COOKIE_RECEIVER, senderIndex);
    out.set(nonce, COOKIE_NONCE);
    out.set(sealed, COOKIE_ENCRYPTED);
  }
}

export class CookieGenerator {
  // HASH(label || their key): computed on first use, so configuring many peers stays cheap
  private mac1Key: Uint8Array | null = null;
  private cookieKey: Uint8Array | null = null;
  private readonly cookie = new Uint8Array(16);
  private cookieSet = -Infinity;
  private readonly lastMac1 = new Uint8Array(16);
  private hasLastMac1 = false;

  constructor(private readonly remoteStatic: Uint8Array, private readonly now: () => number) {}

  private keys(): void {
    if (!this.mac1Key) {
      this.mac1Key = hash(LABEL_MAC1, this.remoteStatic);
      this.cookieKey = hash(LABEL_COOKIE, this.remoteStatic);
    }
  }

  /** Writes mac1 and mac2 into the last 32 bytes of msg[0..len). */
  addMacs(msg: Uint8Array, len: number): void {
    this.keys();
    const m1 = mac(this.mac1Key!, msg.subarray(0, len - 32));
    msg.set(m1, len - 32);
    this.lastMac1.set(m1);
    this.hasLastMac1 = true;
    if (this.now() - this.cookieSet < COOKIE_REFRESH_TIME) {
      msg.set(mac(this.cookie, msg.subarray(0, len - 16)), len - 16);
    } else {
      msg.fill(0, len - 16, len);
    }
  }

  /** Consumes a cookie reply for our last handshake message; false if it does not authenticate. */
  consumeReply(msg: Uint8Array, off: number): boolean {
    if (!this.hasLastMac1) return false;
    this.keys();
    const plain = xopen(
      this.cookieKey!,
      msg.subarray(off + COOKIE_NONCE, off + COOKIE_NONCE + 24),
      msg.subarray(off + COOKIE_ENCRYPTED, off + COOKIE_ENCRYPTED + 32),
      this.lastMac1,
    );
    if (!plain) return false;
    this.cookie.set(plain);
    this.cookieSet = this.now();
    this.hasLastMac1 = false;
    return true;
  }

  hasFreshCookie(): boolean {
    return this.now() - this.cookieSet < COOKIE_REFRESH_TIME;
  }
}
