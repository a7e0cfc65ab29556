// Known answers, written from the source documents (not from the implementation).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hash, hmac, kdf, mac } from '../../src/crypto/blake2s.ts';
import { aeadOpen, open, seal, transportSeal } from '../../src/crypto/aead.ts';
import { xopen, xseal } from '../../src/crypto/xaead.ts';
import { clamp, dh, publicKey } from '../../src/crypto/x25519.ts';
import { INITIAL_CHAIN_KEY, INITIAL_HASH } from '../../src/noise/constants.ts';
import { fromHex, toHex, utf8Encode } from '../../src/util/bytes.ts';

const h = (s: string): Uint8Array => fromHex(s.replace(/\s+/g, ''), s.replace(/\s+/g, '').length / 2)!;
const t = suite('crypto: known answers');

t('X25519, RFC 7748 section 5.2 (two vectors)', () => {
  assert.is(toHex(dh(h('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
    h('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'))!),
  'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  assert.is(toHex(dh(h('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'),
    h('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'))!),
  '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
});

t('X25519, RFC 7748 section 6.1 (Diffie-Hellman)', () => {
  const a = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const b = h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  assert.is(toHex(publicKey(a)), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.is(toHex(publicKey(b)), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.is(toHex(dh(a, publicKey(b))!), k);
  assert.is(toHex(dh(b, publicKey(a))!), k);
});

t('X25519 rejects low-order points (all-zero result) and clamps', () => {
  const priv = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  assert.is(dh(priv, new Uint8Array(32)), null);
  const one = new Uint8Array(32);
  one[0] = 1;
  assert.is(dh(priv, one), null);
  const k = clamp(new Uint8Array(32).fill(0xff));
  assert.is(k[0], 0xf8);
  assert.is(k[31], 0x7f);
});

const SUNSCREEN = utf8Encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
const KEY_80 = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);

t('ChaCha20-Poly1305, RFC 8439 section 2.8.2', () => {
  const ct = chacha20poly1305(KEY_80, h('07000000 4041424344454647'), h('50515253c0c1c2c3c4c5c6c7')).encrypt(SUNSCREEN);
  assert.is(toHex(ct.subarray(0, 16)), 'd31a8d34648e60db7b86afbc53ef7ec2');
  assert.is(toHex(ct.subarray(ct.length - 16)), '1ae10b594f09e26a7e902ecbd0600691');
});

t('ChaCha20-Poly1305 with the WireGuard nonce: a transport message sealed in place agrees with the allocating form', () => {
  const key = h('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0');
  const plain = SUNSCREEN.slice(0, 100);
  const padded = new Uint8Array(112); // padded to a multiple of 16 with zeros
  padded.set(plain);
  const sealed = seal(key, 12345, padded);
  const buf = new Uint8Array(16 + 112 + 16 + 8).fill(0xee);
  buf.set(plain, 16);
  transportSeal(key, 0x01020304, 12345, buf, 16, 100, 112);
  // header: type 4, three zero bytes, receiver index u32 LE, counter u64 LE
  assert.is(toHex(buf.subarray(0, 16)), '04000000' + '04030201' + '3930000000000000');
  assert.is(toHex(buf.subarray(16, 16 + 128)), toHex(sealed));
  assert.is(buf[144], 0xee, 'nothing written past the tag');
  // the nonce is 4 zero bytes then the counter little-endian
  const nonce = new Uint8Array(12);
  nonce[4] = 12345 & 255;
  nonce[5] = 12345 >> 8;
  assert.is(toHex(chacha20poly1305(key, nonce).encrypt(padded)), toHex(sealed));
  assert.ok(aeadOpen(key, 12345, null, buf, 16, 128));
  assert.is(toHex(buf.subarray(16, 128)), toHex(padded));
  transportSeal(key, 1, 1, buf, 16, 100, 112);
  buf[20]! ^= 1;
  assert.not.ok(aeadOpen(key, 1, null, buf, 16, 128), 'a flipped bit fails authentication');
  assert.is(open(key, 12346, sealed), null, 'wrong counter fails');
});

t('XChaCha20-Poly1305, draft-irtf-cfrg-xchacha A.3.1', () => {
  const nonce = h('404142434445464748494a4b4c4d4e4f5051525354555657');
  const aad = h('50515253c0c1c2c3c4c5c6c7');
  const ct = xseal(KEY_80, nonce, SUNSCREEN, aad);
  assert.is(toHex(ct.subarray(0, 16)), 'bd6d179d3e83d43b9576579493c0e939');
  assert.is(toHex(ct.subarray(ct.length - 16)), 'c0875924c1c7987947deafd8780acf49');
  assert.is(toHex(xopen(KEY_80, nonce, ct, aad)!), toHex(SUNSCREEN));
  assert.is(xopen(KEY_80, nonce, ct, new Uint8Array(0)), null);
});

t('BLAKE2s-256("abc"), RFC 7693 appendix', () => {
  assert.is(toHex(hash(utf8Encode('abc'))), '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982');
});

t('keyed BLAKE2s has a 16-byte OUTPUT length, not a truncated hash', () => {
  const key = new Uint8Array(32).fill(1);
  const m = mac(key, utf8Encode('abc'));
  assert.is(m.length, 16);
  assert.is.not(toHex(m), toHex(hash(utf8Encode('abc'))).slice(0, 32));
});

t('HMAC-BLAKE2s is RFC 2104 over a 64-byte block; KDF outputs chain', () => {
  // HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)), computed here by hand
  const key = utf8Encode('key');
  const k = new Uint8Array(64);
  k.set(key);
  const ipad = k.map((b) => b ^ 0x36);
  const opad = k.map((b) => b ^ 0x5c);
  const want = hash(opad, hash(ipad, utf8Encode('message')));
  assert.is(toHex(hmac(key, utf8Encode('message'))), toHex(want));
  const [t1, t2, t3] = kdf(3, key, utf8Encode('input'));
  const prk = hmac(key, utf8Encode('input'));
  assert.is(toHex(t1!), toHex(hmac(prk, Uint8Array.of(1))));
  assert.is(toHex(t2!), toHex(hmac(prk, t1!, Uint8Array.of(2))));
  assert.is(toHex(t3!), toHex(hmac(prk, t2!, Uint8Array.of(3))));
});

t('Noise initial chaining key and hash (as the kernel and wireguard-go precompute them)', () => {
  assert.is(toHex(INITIAL_CHAIN_KEY), '60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36');
  assert.is(toHex(INITIAL_HASH), '2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3');
});

t.run();
