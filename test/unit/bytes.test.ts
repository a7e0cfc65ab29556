import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  utf8EncodeInto,
  fromBase64, fromHex, readU32LE, readU64LE, toBase64, toHex, utf8Decode, utf8Encode,
  writeU32LE, writeU64LE, ctEqual,
} from '../../src/util/bytes.ts';

const t = suite('util/bytes');

t('hex round trip and rejects', () => {
  const b = Uint8Array.from([0, 1, 0xab, 0xff]);
  assert.is(toHex(b), '0001abff');
  assert.equal(fromHex('0001ABff', 4), b);
  assert.is(fromHex('0001abf', 4), null);
  assert.is(fromHex('0001abfg', 4), null);
});

t('base64 keys: 44 chars, canonical', () => {
  const k = new Uint8Array(32).map((_, i) => i * 7);
  const s = toBase64(k);
  assert.is(s.length, 44);
  assert.equal(fromBase64(s, 32), k);
  assert.is(fromBase64(s.slice(0, 43), 32), null);
  assert.is(fromBase64(s.slice(0, 42) + 'B=', 32), null, 'non-canonical trailing bits');
  assert.is(fromBase64(s.slice(0, 10) + '*' + s.slice(11), 32), null);
  assert.is(toBase64(Uint8Array.from([102, 111, 111, 98])), 'Zm9vYg==');
});

t('little-endian fields by explicit bytes', () => {
  const b = new Uint8Array(8);
  writeU32LE(b, 0, 0x01020304);
  assert.equal(Array.from(b.subarray(0, 4)), [4, 3, 2, 1]);
  assert.is(readU32LE(b, 0), 0x01020304);
  writeU64LE(b, 0, 2 ** 40 + 5);
  assert.equal(Array.from(b), [5, 0, 0, 0, 0, 1, 0, 0]);
  assert.is(readU64LE(b, 0), 2 ** 40 + 5);
  b.fill(0xff);
  assert.is(readU64LE(b, 0), Infinity);
});

t('utf8 and constant-time compare', () => {
  const s = 'wg ✓ 🛡';
  assert.is(utf8Decode(utf8Encode(s)), s);
  assert.ok(ctEqual(Uint8Array.from([1, 2]), Uint8Array.from([1, 2])));
  assert.not.ok(ctEqual(Uint8Array.from([1, 2]), Uint8Array.from([1, 3])));
});

t('UTF-8: 1-4 byte forms, lone surrogates as U+FFFD, UCI byte escapes only when asked', () => {
  const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  assert.is(hex(utf8Encode('a\u00e9\u20ac\u{1f600}')), '61c3a9e282acf09f9880');
  assert.is(hex(utf8Encode('x\ud800y')), '78efbfbd79', 'a lone high surrogate');
  assert.is(hex(utf8Encode('\udce9')), 'efbfbd', 'an escape is a lone surrogate without byteEscapes');
  assert.is(hex(utf8Encode('Caf\udce9', true)), '436166e9', 'with byteEscapes: the byte 0xe9');
  const buf = new Uint8Array(16);
  assert.is(utf8EncodeInto('\u00e9', buf, 5), 7);
  assert.is(hex(buf.subarray(5, 7)), 'c3a9');
});

t.run();
