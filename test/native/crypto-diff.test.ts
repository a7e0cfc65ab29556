// Differential tests: the native primitives (wgjs:crypto: libsodium + libb2, what the daemon runs)
// against the @noble reference (src/crypto/noble.ts) on random inputs, inside the QuickJS test
// binary on every arch (mips big-endian under qemu -cpu 24Kc included). The known-answer vectors
// of test/unit/crypto-kat.test.ts run through the native backend here too (the QuickJS bundle
// resolves src/crypto/backend.ts to native.ts). Iteration counts shrink under qemu
// (WGJS_TEST_SCALE); the assertions never do.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sys from 'wgjs:sys';
import * as native from '../../src/crypto/native.ts';
import * as ref from '../../src/crypto/noble.ts';
import { fromHex, toHex } from '../../src/util/bytes.ts';
import { xorshift32 } from '../helpers/random.ts';

const t = suite('native/crypto: native vs @noble');
const SCALE = (globalThis as { __WGJS_TEST_SCALE?: number }).__WGJS_TEST_SCALE ?? 1;
const n = (full: number): number => Math.max(3, Math.round(full * SCALE));

// the seeded generator (test/helpers/random.ts), so a failure can be reproduced; the seed is
// printed on failure
const START = (() => { const b = new Uint8Array(4); sys.getrandom(b); return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 || 1; })();
const next = xorshift32(START);
const bytes = (len: number): Uint8Array => { const b = new Uint8Array(len); for (let i = 0; i < len; i++) b[i] = next() & 0xff; return b; };
const below = (m: number): number => next() % m;
const msg = (what: string): string => `${what} (seed ${START})`;

/** Lengths 0..1500 with the edges (block and tag boundaries) always included. */
function lengths(count: number): number[] {
  const edge = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1420, 1500];
  const out = edge.slice(0, Math.min(edge.length, count));
  while (out.length < count) out.push(below(1501));
  return out;
}

function counter(): number {
  switch (below(4)) {
    case 0: return below(1000);
    case 1: return next() * 2 ** 21 + below(2 ** 21); // up to 2^53
    case 2: return 2 ** 53 - 1 - below(1000);
    default: return next();
  }
}

t('implementation names', () => {
  assert.match(native.implementation, /^libsodium 1\.0\.22/);
  assert.match(ref.implementation, /noble/);
});

t('ChaCha20-Poly1305: seal and open agree on random keys, counters, AD and lengths 0-1500', () => {
  for (const len of lengths(n(120))) {
    const key = bytes(32);
    const c = counter();
    const ad = below(3) === 0 ? null : bytes(below(80));
    const off = below(40);
    const plain = bytes(len);
    const a = new Uint8Array(off + len + 16 + 8);
    const b = new Uint8Array(off + len + 16 + 8);
    a.set(plain, off);
    b.set(plain, off);
    native.aeadSeal(key, c, ad, a, off, len);
    ref.aeadSeal(key, c, ad, b, off, len);
    assert.is(toHex(a), toHex(b), msg(`seal len ${len} counter ${c}`));
    assert.ok(native.aeadOpen(key, c, ad, a, off, len + 16), msg('native opens'));
    assert.is(toHex(a.subarray(off, off + len)), toHex(plain), msg('plaintext back'));
    // a forgery: one flipped bit anywhere in ciphertext or tag fails, buffer unchanged
    native.aeadSeal(key, c, ad, a, off, len);
    const flip = off + below(len + 16);
    a[flip]! ^= 1 << below(8);
    const before = toHex(a);
    assert.not.ok(native.aeadOpen(key, c, ad, a, off, len + 16), msg('forgery rejected'));
    assert.is(toHex(a), before, msg('buffer unchanged after a failed open'));
    assert.not.ok(ref.aeadOpen(key, c, ad, a.slice(), off, len + 16), msg('reference rejects it too'));
    if (len > 0) assert.not.ok(native.aeadOpen(key, c + 1, ad, b, off, len + 16), msg('wrong counter fails'));
  }
});

t('transportSealRun: the same bytes as transportSeal per packet (native and reference), ranges checked', () => {
  for (let round = 0; round < n(10); round++) {
    const key = bytes(32);
    const count = 1 + below(10);
    const c0 = round === 0 ? 2 ** 32 - 3 : below(2 ** 31);
    const size = count * 1600 + 64;
    const bufs = [new Uint8Array(size), new Uint8Array(size), new Uint8Array(size)];
    const offs = new Int32Array(count);
    const lens = new Int32Array(count);
    const pads = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const len = lengths(13)[below(13)]!;
      offs[i] = 16 + i * 1600 + below(8);
      lens[i] = len;
      pads[i] = Math.min(len + below(16), 1500);
      if (pads[i]! < len) pads[i] = len;
      const p = bytes(len);
      for (const b of bufs) b.set(p, offs[i]!);
    }
    const dOffs = [new Int32Array(count), new Int32Array(count)];
    const dLens = [new Int32Array(count), new Int32Array(count)];
    native.transportSealRun(key, 1234, c0, bufs[0]!, offs, lens, pads, 0, count, dOffs[0]!, dLens[0]!);
    ref.transportSealRun(key, 1234, c0, bufs[1]!, offs, lens, pads, 0, count, dOffs[1]!, dLens[1]!);
    for (let i = 0; i < count; i++) native.transportSeal(key, 1234, c0 + i, bufs[2]!, offs[i]!, lens[i]!, pads[i]!);
    assert.equal(Array.from(bufs[0]!), Array.from(bufs[2]!), msg('run = one by one (native)'));
    assert.equal(Array.from(bufs[1]!), Array.from(bufs[2]!), msg('reference run = native'));
    for (let i = 0; i < count; i++) {
      assert.is(dOffs[0]![i], offs[i]! - 16);
      assert.is(dLens[0]![i], 32 + pads[i]!);
      assert.is(dOffs[1]![i], offs[i]! - 16);
      assert.is(dLens[1]![i], 32 + pads[i]!);
    }
  }
  const key = bytes(32);
  const buf = new Uint8Array(200);
  const d = new Int32Array(2);
  for (const impl of [native, ref]) {
    const before = buf.slice();
    assert.throws(() => impl.transportSealRun(key, 1, 0, buf, Int32Array.of(16, 8), Int32Array.of(10, 10), Int32Array.of(16, 16), 0, 2, d, d), RangeError);
    assert.throws(() => impl.transportSealRun(key, 1, 0, buf, Int32Array.of(16, 170), Int32Array.of(10, 10), Int32Array.of(16, 16), 0, 2, d, d), RangeError);
    assert.throws(() => impl.transportSealRun(key, 1, 2 ** 53 - 1, buf, Int32Array.of(16, 80), Int32Array.of(10, 10), Int32Array.of(16, 16), 0, 2, d, d), RangeError);
    assert.equal(Array.from(buf), Array.from(before), 'nothing written when a range is bad');
  }
});

t('transportOpen: a run of transport messages (sealed by both), forgeries and short ones, counters', () => {
  for (let round = 0; round < n(20); round++) {
    const key = bytes(32);
    const count = 1 + below(12);
    const buf = new Uint8Array(count * 1600 + 64);
    const offs = new Int32Array(count);
    const lens = new Int32Array(count);
    const want: number[] = [];
    const plains: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const len = lengths(13)[below(13)]!;
      const c = i === 3 ? 2 ** 31 + below(1000) : i === 5 ? 2 ** 40 + below(1000) : below(2 ** 31 - 1);
      const off = 32 + i * 1600 + below(8);
      const p = bytes(len);
      buf.set(p, off);
      (i & 1 ? native : ref).transportSeal(key, 77, c, buf, off, len, len);
      offs[i] = off - 16;
      lens[i] = 16 + len + 16;
      plains.push(p);
      want.push(c < 2 ** 31 ? c : -1);
    }
    // forge one (flip a bit in its tag or ciphertext) and cut one short
    const forged = below(count);
    buf[offs[forged]! + lens[forged]! - 1 - below(8)]! ^= 1 << below(8);
    want[forged] = -2;
    const copy = buf.slice();
    const resN = new Int32Array(count + 2).fill(9);
    const resR = new Int32Array(count + 2).fill(9);
    const refBuf = buf.slice();
    const gotN = native.transportOpen(key, buf, offs, lens, 0, count, resN);
    const gotR = ref.transportOpen(key, refBuf, offs, lens, 0, count, resR);
    assert.equal(Array.from(resN.subarray(0, count)), want, msg('native results'));
    assert.equal(Array.from(resR.subarray(0, count)), want, msg('reference results'));
    assert.is(resN[count], 9, 'nothing written beyond end');
    assert.is(gotN, count - 1);
    assert.is(gotR, count - 1);
    assert.equal(Array.from(buf), Array.from(refBuf), msg('same bytes after opening'));
    for (let i = 0; i < count; i++) {
      const o = offs[i]! + 16;
      if (i === forged) assert.equal(Array.from(buf.subarray(offs[i]!, offs[i]! + lens[i]!)), Array.from(copy.subarray(offs[i]!, offs[i]! + lens[i]!)), msg('forgery left unchanged'));
      else assert.equal(Array.from(buf.subarray(o, o + plains[i]!.length)), Array.from(plains[i]!), msg(`message ${i} decrypted`));
    }
  }
  const res = new Int32Array(2);
  const key = bytes(32);
  assert.is(native.transportOpen(key, new Uint8Array(40), Int32Array.of(0, 8), Int32Array.of(31, 32), 0, 2, res), 0);
  assert.equal(Array.from(res), [-2, -2], 'shorter than header + tag, or not authentic');
  assert.throws(() => native.transportOpen(key, new Uint8Array(40), Int32Array.of(0), Int32Array.of(32), 0, 2, res), RangeError);
  assert.throws(() => ref.transportOpen(key, new Uint8Array(40), Int32Array.of(0), Int32Array.of(32), 0, 2, res), RangeError);
});

t('XChaCha20-Poly1305: both directions agree', () => {
  for (const len of lengths(n(40))) {
    const key = bytes(32);
    const nonce = bytes(24);
    const ad = bytes(below(64));
    const plain = bytes(len);
    const a = new Uint8Array(len + 16);
    const b = new Uint8Array(len + 16);
    native.xaeadSeal(key, nonce, ad, plain, 0, len, a, 0);
    ref.xaeadSeal(key, nonce, ad, plain, 0, len, b, 0);
    assert.is(toHex(a), toHex(b), msg(`xseal len ${len}`));
    const out = new Uint8Array(len);
    assert.ok(native.xaeadOpen(key, nonce, ad, b, 0, len + 16, out, 0));
    assert.is(toHex(out), toHex(plain));
    b[below(len + 16)]! ^= 0x80;
    assert.not.ok(native.xaeadOpen(key, nonce, ad, b, 0, len + 16, out, 0), msg('xchacha forgery rejected'));
  }
});

// Curve25519 points of small order (and their non-canonical encodings): every DH with them is
// all zero, which WireGuard must reject (whitepaper 5.4.3; the kernel's curve25519 returns false)
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1
];

t('X25519: public keys and DH agree on random scalars; low-order points rejected by both', () => {
  for (let i = 0; i < n(16); i++) {
    const a = bytes(32);
    const b = bytes(32);
    const pa = new Uint8Array(32);
    const pr = new Uint8Array(32);
    native.x25519Base(pa, a);
    ref.x25519Base(pr, a);
    assert.is(toHex(pa), toHex(pr), msg('public key'));
    const s1 = new Uint8Array(32);
    const s2 = new Uint8Array(32);
    const point = i % 4 === 3 ? bytes(32) : pa; // also arbitrary 32-byte strings as points
    const ok1 = native.x25519(s1, b, point);
    const ok2 = ref.x25519(s2, b, point);
    assert.is(ok1, ok2, msg('same verdict'));
    assert.is(toHex(s1), toHex(s2), msg('shared secret'));
  }
  for (const hex of LOW_ORDER) {
    const p = fromHex(hex, 32)!;
    const out = new Uint8Array(32).fill(0xaa);
    assert.not.ok(native.x25519(out, bytes(32), p), `native rejects ${hex}`);
    assert.is(toHex(out), '00'.repeat(32), 'out zeroed');
    assert.not.ok(ref.x25519(new Uint8Array(32), bytes(32), p), `reference rejects ${hex}`);
  }
});

t('BLAKE2s: hash, keyed MAC, precomputed MAC state, HMAC and KDF agree', () => {
  for (const len of lengths(n(60)).map((l) => l % 300)) {
    const data = bytes(len);
    const extra = bytes(below(70));
    for (const outLen of [16, 32]) {
      const key = below(2) ? bytes(1 + below(32)) : null;
      const a = new Uint8Array(outLen);
      const b = new Uint8Array(outLen);
      native.blake2s(a, outLen, key, data, extra);
      ref.blake2s(b, outLen, key, data, extra);
      assert.is(toHex(a), toHex(b), msg(`blake2s len ${len} out ${outLen} key ${key ? key.length : 0}`));
    }
    const mk = bytes(32);
    const sn = new Uint8Array(native.macStateSize);
    const sr = new Uint8Array(ref.macStateSize);
    native.macKey(sn, mk);
    ref.macKey(sr, mk);
    const buf = new Uint8Array(len + 16);
    buf.set(data);
    native.macWrite(sn, buf, 0, len, buf, len);
    const want = new Uint8Array(16);
    ref.blake2s(want, 16, mk, data);
    assert.is(toHex(buf.subarray(len)), toHex(want), msg('macWrite = keyed BLAKE2s-128'));
    assert.ok(native.macCheck(sn, buf, 0, len, len), msg('macCheck accepts'));
    assert.ok(ref.macCheck(sr, buf, 0, len, len));
    buf[len + below(16)]! ^= 1;
    assert.not.ok(native.macCheck(sn, buf, 0, len, len), msg('macCheck rejects a wrong tag'));
    const k = bytes(32);
    const h1 = new Uint8Array(32);
    const h2 = new Uint8Array(32);
    native.hmac(h1, k, data, extra);
    ref.hmac(h2, k, data, extra);
    assert.is(toHex(h1), toHex(h2), msg('hmac'));
    const o = [new Uint8Array(32), new Uint8Array(32), new Uint8Array(32)];
    const r = [new Uint8Array(32), new Uint8Array(32), new Uint8Array(32)];
    native.kdf(k, data, o[0]!, o[1], o[2]);
    ref.kdf(k, data, r[0]!, r[1], r[2]);
    assert.is(o.map(toHex).join(), r.map(toHex).join(), msg('kdf3'));
    // an output may alias the key (the handshake chains c = KDF(c, x))
    const c = k.slice();
    native.kdf(c, data, c);
    assert.is(toHex(c), toHex(r[0]!), msg('kdf1 in place'));
  }
});

t('BLAKE2s reference vectors (RFC 7693 appendix B; BLAKE2 keyed KAT, first entries)', () => {
  const out = new Uint8Array(32);
  native.blake2s(out, 32, null, new Uint8Array(0));
  assert.is(toHex(out), '69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9');
  native.blake2s(out, 32, null, new Uint8Array([0x61, 0x62, 0x63]));
  assert.is(toHex(out), '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982');
  // keyed KAT: key 00..1f, message empty, and message 00
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  native.blake2s(out, 32, key, new Uint8Array(0));
  assert.is(toHex(out), '48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49');
  native.blake2s(out, 32, key, new Uint8Array([0]));
  assert.is(toHex(out), '40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1');
});

t('bad arguments throw and write nothing', () => {
  const key = bytes(32);
  const buf = new Uint8Array(64);
  assert.throws(() => native.aeadSeal(key, 0, null, buf, 40, 20)); // no room for the tag
  assert.throws(() => native.aeadSeal(key.subarray(0, 16), 0, null, buf, 0, 16)); // short key
  assert.throws(() => native.aeadSeal(key, -1, null, buf, 0, 16));
  assert.throws(() => native.aeadOpen(key, 0, null, buf, -1, 16));
  assert.throws(() => native.blake2s(new Uint8Array(8), 32, null, buf));
  assert.not.ok(native.aeadOpen(key, 0, null, buf, 0, 15), 'shorter than a tag: false, not a throw');
  assert.is(toHex(buf), '00'.repeat(64));
});

t.run();
