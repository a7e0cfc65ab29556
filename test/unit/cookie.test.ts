// mac1, mac2 and cookie replies (src/noise/cookie.ts, whitepaper 5.4.4 and 5.4.7) against golden
// bytes computed with @noble from the whitepaper's formulas (test/fixtures/noise-golden.mjs), and
// the cookie's lifetimes on a fake clock.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hash } from '../../src/crypto/blake2s.ts';
import { publicKey } from '../../src/crypto/x25519.ts';
import { COOKIE_REFRESH_TIME, LABEL_MAC1 } from '../../src/noise/constants.ts';
import { CookieChecker, CookieGenerator } from '../../src/noise/cookie.ts';
import { COOKIE_REPLY_SIZE, INITIATION_SIZE, MAC1_FROM_END, MAC2_FROM_END } from '../../src/noise/messages.ts';

const INIT_MAC1 = INITIATION_SIZE - MAC1_FROM_END;
const INIT_MAC2 = INITIATION_SIZE - MAC2_FROM_END;
import type { RandomFill } from '../../src/platform/types.ts';
import { fromHex, toHex } from '../../src/util/bytes.ts';
import { seededRandom } from '../helpers/random.ts';

const t = suite('noise/cookie');

// from `node test/fixtures/noise-golden.mjs` (`--check` compares them with this file)
const GOLDEN = {
  pubR: '64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d48466',
  mac1KeyR: '376bf7166fcca639d72ff35a0fe5886cac5cd9bec3cce33285e4f865bf9b3008',
  initiation: '0100000044332211883186b800b41d5cf0429695da9b3cc4f328ebcd184a6e482fa578c103f06c77fa6ff1a71203eaf305dc6260f1911ba7d914db25d127ce39ef62f6c6467fb8a777377a28376c744882e58802dabbe0882d2440df1460a78f52929ae011fe789f31ad536c016f9ba5c6bed617db339edb511765b56b7db9073570f1aa00000000000000000000000000000000',
  cookie: '751e4556bc1753a99838862c640d6b49',
  cookieReply: '03000000443322116162636465666768696a6b6c6d6e6f70717273747576777828326f5795d13e4958f8f23d0f97e86026ec0c77208884de685d69338ad0aa20',
  initiationMac2: '0100000044332211883186b800b41d5cf0429695da9b3cc4f328ebcd184a6e482fa578c103f06c77fa6ff1a71203eaf305dc6260f1911ba7d914db25d127ce39ef62f6c6467fb8a777377a28376c744882e58802dabbe0882d2440df1460a78f52929ae011fe789f31ad536c016f9ba5c6bed617db339edb511765b56b7db9073570f1aa44accf49bf7fd46bdefb39de46393ee5',
};
const pattern = (start: number, n = 32): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (start + i) & 255);
const hex = (s: string): Uint8Array => fromHex(s, s.length / 2)!;
const PRIV_R = pattern(0x41);
const PUB_R = publicKey(PRIV_R);
const INDEX_I = 0x11223344;

/** A 40-byte endpoint record (platform/types.ts) for an IPv4 or IPv6 source. */
function ep(addr: number[], port: number): Uint8Array {
  const e = new Uint8Array(40);
  e[0] = addr.length === 4 ? 4 : 6;
  e[2] = port >> 8;
  e[3] = port & 255;
  e.set(addr, 4);
  for (let i = 20; i < 40; i++) e[i] = i; // the local half: not part of the cookie
  return e;
}
const SOURCE = ep([192, 0, 2, 7], 51820);

/** A RandomFill of the given bytes in order, counting what is drawn; then seeded bytes. */
function scripted(...chunks: Uint8Array[]): RandomFill & { draws: number } {
  const rest = seededRandom(99);
  const queue = chunks.slice();
  const f = ((out: Uint8Array) => {
    f.draws++;
    const c = queue.shift();
    if (!c) return rest(out);
    assert.is(c.length, out.length, 'draw size');
    out.set(c);
  }) as RandomFill & { draws: number };
  f.draws = 0;
  return f;
}

class Clock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
}

/** The golden initiation's body with mac1 and mac2 zeroed. */
const body = (): Uint8Array => hex(GOLDEN.initiation).fill(0, INIT_MAC1);

t('the golden public key', () => {
  assert.is(toHex(PUB_R), GOLDEN.pubR);
});

t('mac1 = MAC(HASH("mac1----" || responder public key), msg[0:116]); mac2 zero without a cookie', () => {
  assert.is(toHex(hash(LABEL_MAC1, PUB_R)), GOLDEN.mac1KeyR);
  const c = new Clock();
  const gen = new CookieGenerator(PUB_R, c.now);
  const m = body();
  m.fill(0xee, INIT_MAC1); // whatever was there is overwritten
  gen.addMacs(m, INITIATION_SIZE);
  assert.is(toHex(m), GOLDEN.initiation);
  assert.not.ok(gen.hasFreshCookie());
});

t('checkMac1: the golden message checks; a changed byte, mac or key does not', () => {
  const chk = new CookieChecker(seededRandom(1), new Clock().now);
  assert.not.ok(chk.checkMac1(hex(GOLDEN.initiation), 0, INITIATION_SIZE), 'no key yet: nothing validates');
  chk.init(PUB_R);
  const good = hex(GOLDEN.initiation);
  assert.ok(chk.checkMac1(good, 0, INITIATION_SIZE));
  // at an offset inside a larger buffer
  const big = new Uint8Array(INITIATION_SIZE + 20);
  big.set(good, 7);
  assert.ok(chk.checkMac1(big, 7, INITIATION_SIZE));
  for (const i of [0, 4, 8, 50, 115, 116, 131]) {
    const m = good.slice();
    m[i]! ^= 4;
    assert.not.ok(chk.checkMac1(m, 0, INITIATION_SIZE), `byte ${i} changed`);
  }
  const m = good.slice();
  m[140]! ^= 1;
  assert.ok(chk.checkMac1(m, 0, INITIATION_SIZE), 'mac2 is not under mac1');
  const other = new CookieChecker(seededRandom(1), new Clock().now);
  other.init(publicKey(pattern(0x42)));
  assert.not.ok(other.checkMac1(good, 0, INITIATION_SIZE), "another device's key");
  chk.init(null);
  assert.not.ok(chk.checkMac1(good, 0, INITIATION_SIZE), 'private key removed: nothing validates');
});

t('cookie reply: the golden bytes (XChaCha20-Poly1305 under HASH("cookie--" || key), mac1 as AD)', () => {
  const c = new Clock();
  const rnd = scripted(pattern(0x21), pattern(0x61, 24)); // the secret, then the nonce
  const chk = new CookieChecker(rnd, c.now);
  chk.init(PUB_R);
  const out = new Uint8Array(COOKIE_REPLY_SIZE);
  const msg = new Uint8Array(INITIATION_SIZE + 10);
  msg.set(hex(GOLDEN.initiation), 10); // at an offset: mac1 is read from the right place
  chk.createReply(msg, 10, INITIATION_SIZE, INDEX_I, SOURCE, out);
  assert.is(toHex(out), GOLDEN.cookieReply);
  assert.is(rnd.draws, 2);
});

t('mac2 = MAC(cookie, msg[0:132]) only with a fresh cookie; checkMac2 only for that source and a young secret', () => {
  const c = new Clock();
  const chk = new CookieChecker(scripted(pattern(0x21), pattern(0x61, 24)), c.now);
  chk.init(PUB_R);
  const gen = new CookieGenerator(PUB_R, c.now);
  const m = body();
  gen.addMacs(m, INITIATION_SIZE);
  assert.not.ok(chk.checkMac2(m, 0, INITIATION_SIZE, SOURCE), 'no secret yet: no mac2 is valid');
  const reply = new Uint8Array(COOKIE_REPLY_SIZE);
  chk.createReply(m, 0, INITIATION_SIZE, INDEX_I, SOURCE, reply);
  assert.not.ok(chk.checkMac2(m, 0, INITIATION_SIZE, SOURCE), 'a zero mac2 is not valid');
  c.ms += 1000;
  assert.ok(gen.consumeReply(reply, 0), 'the reply to our last mac1 is accepted');
  assert.ok(gen.hasFreshCookie());
  const m2 = body();
  gen.addMacs(m2, INITIATION_SIZE);
  assert.is(toHex(m2), GOLDEN.initiationMac2, 'mac2 with the golden cookie');
  assert.ok(chk.checkMac2(m2, 0, INITIATION_SIZE, SOURCE));
  assert.ok(chk.checkMac1(m2, 0, INITIATION_SIZE), 'mac1 unchanged by mac2');
  assert.not.ok(chk.checkMac2(m2, 0, INITIATION_SIZE, ep([192, 0, 2, 7], 51821)), 'another port');
  assert.not.ok(chk.checkMac2(m2, 0, INITIATION_SIZE, ep([192, 0, 2, 8], 51820)), 'another address');
  const local = SOURCE.slice();
  local.fill(0xaa, 20);
  assert.ok(chk.checkMac2(m2, 0, INITIATION_SIZE, local), 'our local address is not part of the cookie');
  const forged = m2.slice();
  forged[INIT_MAC2 - 1]! ^= 1;
  assert.not.ok(chk.checkMac2(forged, 0, INITIATION_SIZE, SOURCE), 'mac2 covers mac1');

  // the generator's cookie ages out: mac2 zero again
  c.ms += COOKIE_REFRESH_TIME - 1; // since the reply was consumed
  assert.ok(gen.hasFreshCookie(), 'just under COOKIE_REFRESH_TIME');
  c.ms += 1;
  assert.not.ok(gen.hasFreshCookie(), 'at COOKIE_REFRESH_TIME: stale');
  const m3 = body();
  gen.addMacs(m3, INITIATION_SIZE);
  assert.is(toHex(m3.subarray(INIT_MAC2)), '0'.repeat(32), 'no mac2 with a stale cookie');
});

t('the checker rotates its secret after COOKIE_REFRESH_TIME; old cookies stop validating', () => {
  const c = new Clock();
  const rnd = scripted();
  const chk = new CookieChecker(rnd, c.now);
  chk.init(PUB_R);
  const gen = new CookieGenerator(PUB_R, c.now);
  const reply = new Uint8Array(COOKIE_REPLY_SIZE);
  const m = body();
  gen.addMacs(m, INITIATION_SIZE);
  chk.createReply(m, 0, INITIATION_SIZE, 1, SOURCE, reply);
  assert.is(rnd.draws, 2, 'first reply: a secret and a nonce');
  assert.ok(gen.consumeReply(reply, 0));
  c.ms += 60_000;
  gen.addMacs(m, INITIATION_SIZE);
  chk.createReply(m, 0, INITIATION_SIZE, 1, SOURCE, reply);
  assert.is(rnd.draws, 3, 'within COOKIE_REFRESH_TIME the secret is kept: only a nonce');
  assert.ok(gen.consumeReply(reply, 0));
  const cookieA = toHex(m.subarray(INIT_MAC2)); // mac2 made with the first cookie
  gen.addMacs(m, INITIATION_SIZE);
  assert.ok(chk.checkMac2(m, 0, INITIATION_SIZE, SOURCE));
  assert.is.not(cookieA, '0'.repeat(32));
  c.ms += 60_000; // COOKIE_REFRESH_TIME since the secret: still valid at exactly the limit
  assert.ok(chk.checkMac2(m, 0, INITIATION_SIZE, SOURCE), 'at exactly COOKIE_REFRESH_TIME');
  c.ms += 1;
  assert.not.ok(chk.checkMac2(m, 0, INITIATION_SIZE, SOURCE), 'past it: the secret is too old');
  const m2 = body();
  gen.addMacs(m2, INITIATION_SIZE);
  chk.createReply(m2, 0, INITIATION_SIZE, 1, SOURCE, reply);
  assert.is(rnd.draws, 5, 'a new secret, and a nonce');
  assert.ok(gen.consumeReply(reply, 0));
  gen.addMacs(m2, INITIATION_SIZE);
  assert.ok(chk.checkMac2(m2, 0, INITIATION_SIZE, SOURCE), 'the new cookie validates');
  assert.is.not(toHex(m2.subarray(INIT_MAC2)), toHex(m.subarray(INIT_MAC2)), 'a different cookie');
  assert.not.ok(chk.checkMac2(m, 0, INITIATION_SIZE, SOURCE), 'the old cookie does not');
  // a new static key starts over: the secret is drawn again
  chk.init(PUB_R);
  assert.not.ok(chk.checkMac2(m2, 0, INITIATION_SIZE, SOURCE), 'init forgets the secret');
});

t('IPv6 sources: the cookie covers the 16-byte address and the port', () => {
  const c = new Clock();
  const chk = new CookieChecker(seededRandom(5), c.now);
  chk.init(PUB_R);
  const gen = new CookieGenerator(PUB_R, c.now);
  const src = ep([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 443);
  const m = body();
  gen.addMacs(m, INITIATION_SIZE);
  const reply = new Uint8Array(COOKIE_REPLY_SIZE);
  chk.createReply(m, 0, INITIATION_SIZE, 1, src, reply);
  assert.ok(gen.consumeReply(reply, 0));
  gen.addMacs(m, INITIATION_SIZE);
  assert.ok(chk.checkMac2(m, 0, INITIATION_SIZE, src));
  const other = src.slice();
  other[19]! ^= 1; // the last address byte
  assert.not.ok(chk.checkMac2(m, 0, INITIATION_SIZE, other));
});

t('consumeReply refuses: a reply for another mac1, none sent, forged, another key, twice', () => {
  const c = new Clock();
  const chk = new CookieChecker(seededRandom(8), c.now);
  chk.init(PUB_R);
  const gen = new CookieGenerator(PUB_R, c.now);
  const reply = new Uint8Array(COOKIE_REPLY_SIZE);
  chk.createReply(hex(GOLDEN.initiation), 0, INITIATION_SIZE, 1, SOURCE, reply);
  assert.not.ok(gen.consumeReply(reply, 0), 'we sent no handshake message: nothing to match');

  const first = body();
  first[20]! ^= 1; // a different message, so a different mac1
  gen.addMacs(first, INITIATION_SIZE);
  chk.createReply(first, 0, INITIATION_SIZE, 1, SOURCE, reply);
  const second = body();
  gen.addMacs(second, INITIATION_SIZE); // our last mac1 is now this one's
  assert.not.ok(gen.consumeReply(reply, 0), 'a reply for a different mac1');
  assert.not.ok(gen.hasFreshCookie());

  chk.createReply(second, 0, INITIATION_SIZE, 1, SOURCE, reply);
  for (const i of [8, 31, 32, 47, 48, 63]) {
    const f = reply.slice();
    f[i]! ^= 0x10;
    assert.not.ok(gen.consumeReply(f, 0), `nonce/cookie/tag byte ${i} forged`);
  }
  const otherKey = publicKey(pattern(0x42));
  const chk2 = new CookieChecker(seededRandom(9), c.now);
  chk2.init(otherKey);
  const wrong = new Uint8Array(COOKIE_REPLY_SIZE);
  chk2.createReply(second, 0, INITIATION_SIZE, 1, SOURCE, wrong);
  assert.not.ok(gen.consumeReply(wrong, 0), 'sealed under another device key');
  assert.not.ok(gen.hasFreshCookie(), 'nothing was taken from the refused replies');

  const at = new Uint8Array(COOKIE_REPLY_SIZE + 5);
  at.set(reply, 5);
  assert.ok(gen.consumeReply(at, 5), 'the genuine reply, at an offset');
  assert.ok(gen.hasFreshCookie());
  assert.not.ok(gen.consumeReply(reply, 0), 'a reply is consumed once');
  gen.wipe();
  assert.not.ok(gen.hasFreshCookie(), 'wipe forgets the cookie');
  const m = body();
  gen.addMacs(m, INITIATION_SIZE);
  assert.is(toHex(m.subarray(INIT_MAC2)), '0'.repeat(32));
});

t.run();
