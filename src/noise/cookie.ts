// mac1/mac2 and cookie replies (whitepaper section 5.4.4 and 5.4.7).
// CookieChecker belongs to the device (our static key); CookieGenerator to each peer (theirs).
import { hash, mac, MacKey } from '../crypto/blake2s.ts';
import { xopen, xseal } from '../crypto/xaead.ts';
import { writeU32LE } from '../util/bytes.ts';
import type { RandomFill } from '../platform/types.ts';
import { COOKIE_REFRESH_TIME, LABEL_COOKIE, LABEL_MAC1 } from './constants.ts';
import { COOKIE_ENCRYPTED, COOKIE_NONCE, COOKIE_RECEIVER, MAC1_FROM_END, MAC2_FROM_END, MSG_COOKIE_REPLY, writeHeader } from './messages.ts';

export class CookieChecker {
  private readonly mac1Key = new MacKey(); // HASH("mac1----" || our public key), precomputed
  private cookieKey: Uint8Array = new Uint8Array(32);
  private readonly cookieMac = new MacKey(); // keyed with the cookie of the source being checked
  private readonly cookie = new Uint8Array(16);
  private readonly source = new Uint8Array(18);
  private readonly secret = new Uint8Array(32);
  private secretSet = -Infinity;
  private enabled = false;

  constructor(private readonly random: RandomFill, private readonly now: () => number) {}

  /** Our static public key (null: no private key, nothing validates). */
  init(publicKey: Uint8Array | null): void {
    this.enabled = publicKey !== null;
    if (publicKey) {
      this.mac1Key.set(hash(LABEL_MAC1, publicKey));
      this.cookieKey = hash(LABEL_COOKIE, publicKey);
    }
    this.secretSet = -Infinity;
  }

  /** mac1 of the handshake message msg[off, off+len): one native call, nothing allocated. */
  checkMac1(msg: Uint8Array, off: number, len: number): boolean {
    if (!this.enabled) return false;
    return this.mac1Key.check(msg, off, len - MAC1_FROM_END, off + len - MAC1_FROM_END);
  }

  /** mac2 is valid only for a cookie made from a secret younger than COOKIE_REFRESH_TIME. */
  checkMac2(msg: Uint8Array, off: number, len: number, ep: Uint8Array): boolean {
    if (!this.enabled || this.now() - this.secretSet > COOKIE_REFRESH_TIME) return false;
    this.makeCookie(ep);
    this.cookieMac.set(this.cookie);
    return this.cookieMac.check(msg, off, len - MAC2_FROM_END, off + len - MAC2_FROM_END);
  }

  /** cookie = MAC(secret, source address || port) into this.cookie (no allocation). */
  private makeCookie(ep: Uint8Array): void {
    const n = ep[0] === 4 ? 4 : 16;
    const src = this.source;
    for (let i = 0; i < n; i++) src[i] = ep[4 + i]!;
    src[n] = ep[2]!;
    src[n + 1] = ep[3]!;
    this.cookieMac.set(this.secret);
    this.cookieMac.write(src, 0, n + 2, this.cookie, 0);
  }

  /** Fills `out` (64 bytes) with a cookie reply to the handshake message msg[off, off+len) from ep. */
  createReply(msg: Uint8Array, off: number, len: number, senderIndex: number, ep: Uint8Array, out: Uint8Array): void {
    const now = this.now();
    if (now - this.secretSet > COOKIE_REFRESH_TIME) {
      this.random(this.secret);
      this.secretSet = now;
    }
    this.makeCookie(ep);
    const nonce = new Uint8Array(24);
    this.random(nonce);
    const sealed = xseal(this.cookieKey, nonce, this.cookie, msg.subarray(off + len - MAC1_FROM_END, off + len - MAC2_FROM_END));
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
    const m1 = mac(this.mac1Key!, msg.subarray(0, len - MAC1_FROM_END));
    msg.set(m1, len - MAC1_FROM_END);
    this.lastMac1.set(m1);
    this.hasLastMac1 = true;
    if (this.now() - this.cookieSet < COOKIE_REFRESH_TIME) {
      msg.set(mac(this.cookie, msg.subarray(0, len - MAC2_FROM_END)), len - MAC2_FROM_END);
    } else {
      msg.fill(0, len - MAC2_FROM_END, len);
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

  /** Forgets the cookie and the last mac1 (the peer is removed). */
  wipe(): void {
    this.cookie.fill(0);
    this.cookieSet = -Infinity;
    this.lastMac1.fill(0);
    this.hasLastMac1 = false;
  }
}
