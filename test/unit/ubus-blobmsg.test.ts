// src/ubus/blob.ts + blobmsg.ts + proto.ts against hand-written golden bytes (as libubox's
// blob.c / blobmsg.c lay them out: big-endian id/length words, name headers padded to 4, values
// padded to 4, nested lengths counting their children's padding), round trips, and rejection of
// truncated, overlong and misaligned input. Runs in Node and inside wgjs-test on every arch.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BlobError, BlobWriter } from '../../src/ubus/blob.ts';
import { bm, decodeField, decodeList, decodeTable, encodeTable, writeField, Typed, type BlobmsgValue, type Decoded } from '../../src/ubus/blobmsg.ts';
import { beginMessage, finishMessage, messageLength, parseMessage, UbusMsg, ATTR_OBJID, ATTR_METHOD, ATTR_DATA, MSG_INVOKE } from '../../src/ubus/proto.ts';
import { hex } from '../helpers/hex.ts';

const t = suite('ubus/blobmsg');

function toHexStr(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
function field(name: string, v: BlobmsgValue): Uint8Array {
  const w = new BlobWriter(16);
  writeField(w, name, v);
  return w.buf.slice(0, w.len);
}
function eqBytes(a: Uint8Array, b: Uint8Array, msg?: string): void {
  assert.is(toHexStr(a), toHexStr(b), msg);
}
function throwsBlob(fn: () => unknown, what: string): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof BlobError, `${what}: expected BlobError, got ${String(err)}`);
}

// every scalar type, one-letter names (name header 00 01 XX 00 = 4 bytes)
const GOLDEN: [string, BlobmsgValue, string, Decoded, Decoded][] = [
  // name, value, bytes, JSON-mode decode, typed decode
  ['s', 'a', '8300000a 00017300 61000000', 'a', 'a'],
  ['z', '', '83000009 00017a00 00000000', '', ''],
  ['w', 'abcd', '8300000d 00017700 61626364 00000000', 'abcd', 'abcd'],
  ['u', 'é', '8300000b 00017500 c3a90000', 'é', 'é'],
  ['b', true, '87000009 00016200 01000000', true, bm.int8(1)],
  ['f', false, '87000009 00016600 00000000', false, bm.int8(0)],
  ['c', bm.int8(0x7f), '87000009 00016300 7f000000', true, bm.int8(0x7f)],
  ['h', bm.int16(-2), '8600000a 00016800 fffe0000', -2, bm.int16(-2)],
  ['i', 0x01020304, '8500000c 00016900 01020304', 0x01020304, bm.int32(0x01020304)],
  ['m', -1, '8500000c 00016d00 ffffffff', -1, bm.int32(-1)],
  ['l', bm.int64(0x0102030405060708n), '84000010 00016c00 01020304 05060708', 0x0102030405060708n, bm.int64(0x0102030405060708n)],
  ['k', 2 ** 40, '84000010 00016b00 00000100 00000000', 2 ** 40, bm.int64(2 ** 40)],
  ['g', -(2 ** 33), '84000010 00016700 fffffffe 00000000', -(2 ** 33), bm.int64(-(2 ** 33))],
  ['d', 1.5, '88000010 00016400 3ff80000 00000000', 1.5, bm.double(1.5)],
  ['e', bm.double(-0.1), '88000010 00016500 bfb99999 9999999a', -0.1, bm.double(-0.1)],
  ['n', null, '80000008 00016e00', null, bm.unspec()],
  ['x', bm.unspec(Uint8Array.of(1, 2, 3)), '8000000b 00017800 01020300', null, bm.unspec(Uint8Array.of(1, 2, 3))],
];

t('every blobmsg type: golden bytes, decoded as JSON and typed', () => {
  for (const [name, v, bytes, json, typed] of GOLDEN) {
    eqBytes(field(name, v), hex(bytes), `encode ${name}`);
    const [n, got, len] = decodeField(hex(bytes));
    assert.is(n, name);
    assert.is(len, hex(bytes).length);
    assert.equal(got, json, `json ${name}`);
    assert.equal(decodeField(hex(bytes), 0, hex(bytes).length, true)[1], typed, `typed ${name}`);
  }
});

t('name header padding: names of 0..4 bytes', () => {
  eqBytes(field('', 7), hex('8500000c 00000000 00000007'));
  eqBytes(field('a', 7), hex('8500000c 00016100 00000007'));
  eqBytes(field('ab', 7), hex('85000010 00026162 00000000 00000007'));
  eqBytes(field('abc', 7), hex('85000010 00036162 63000000 00000007'));
  eqBytes(field('abcd', 7), hex('85000010 00046162 63640000 00000007'));
  eqBytes(field('abcde', 7), hex('85000010 00056162 63646500 00000007'));
  eqBytes(field('abcdef', 7), hex('85000014 00066162 63646566 00000000 00000007'));
});

t('arrays and tables, nested, lengths counting the children\'s padding', () => {
  // "a": [1, "x"]: elements carry an empty name, as libubox writes them
  const arr = hex('81000020 00016100 | 8500000c 00000000 00000001 | 8300000a 00000000 78000000');
  eqBytes(field('a', [1, 'x']), arr);
  assert.equal(decodeField(arr)[1], [1, 'x']);
  // "t": {"k": true, "s": {"e": {}, "l": []}}
  const tbl = hex(
    '8200002c 00017400 | 87000009 00016b00 01000000 | 82000018 00017300 | 82000008 00016500 | 81000008 00016c00',
  );
  eqBytes(field('t', { k: true, s: { e: {}, l: [] } }), tbl);
  assert.equal(decodeField(tbl)[1], { k: true, s: { e: {}, l: [] } });
  // array of arrays of tables
  const deep = { r: [[{ a: 'b' }], []] };
  const bytes = encodeTable(deep);
  eqBytes(
    bytes,
    hex('8100002c 00017200 | 8100001c 00000000 | 82000014 00000000 | 8300000a 00016100 62000000 | 81000008 00000000'),
  );
  assert.equal(decodeTable(bytes), deep);
  // array elements written by other producers without the extended bit are accepted
  assert.equal(decodeList(hex('05000008 00000009 | 03000007 68690000'), 0, 16, false) as Decoded[], [9, 'hi']);
});

t('a table of 1,000 entries: golden layout, decoded in order', () => {
  const o: Record<string, number> = {};
  for (let i = 0; i < 1000; i++) o[`k${String(i).padStart(3, '0')}`] = i * 65537;
  const b = encodeTable(o);
  assert.is(b.length, 16000);
  for (let i = 0; i < 1000; i++) {
    const d = String(i).padStart(3, '0');
    const exp = `85000010 0004 6b${toHexStr(new Uint8Array([...d].map((c) => c.charCodeAt(0))))} 0000 ${(i * 65537).toString(16).padStart(8, '0')}`;
    eqBytes(b.subarray(16 * i, 16 * i + 16), hex(exp), `entry ${i}`);
  }
  const back = decodeTable(b);
  assert.equal(Object.keys(back), Object.keys(o));
  assert.equal(back, o);
  // the same table nested in a field: length 4 + 8 + 16000
  const f = field('big', o);
  eqBytes(f.subarray(0, 12), hex('82003e8c 00036269 67000000'));
  assert.equal(decodeField(f)[1], o);
});

t('round trips of mixed values', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const value = (depth: number): BlobmsgValue => {
    switch (rnd(depth > 3 ? 6 : 8)) {
      case 0: return rnd(2) === 0;
      case 1: return rnd(1 << 30) - (1 << 29);
      case 2: return (rnd(1 << 30) + 1) * 4096 * (rnd(2) ? 1 : -1);
      case 3: return rnd(1000) / 7;
      case 4: return 'str' + 'é€𝄞'.slice(0, rnd(4)) + 'x'.repeat(rnd(9));
      case 5: return null;
      case 6: return Array.from({ length: rnd(5) }, () => value(depth + 1));
      default: {
        const o: Record<string, BlobmsgValue> = {};
        for (let i = rnd(5); i > 0; i--) o[`key${rnd(100)}${'_'.repeat(rnd(4))}`] = value(depth + 1);
        return o;
      }
    }
  };
  for (let i = 0; i < 200; i++) {
    const o: Record<string, BlobmsgValue> = { v: value(0), w: value(0) };
    const b = encodeTable(o);
    assert.is(b.length % 4, 0);
    assert.equal(decodeTable(b), JSON.parse(JSON.stringify(o)));
  }
  // int64 beyond 2^53 stays exact (bigint), and __proto__ is an ordinary key
  assert.equal(decodeTable(encodeTable({ x: bm.int64(-(2n ** 63n)) })), { x: -(2n ** 63n) });
  const p = decodeTable(encodeTable(JSON.parse('{"__proto__": 1}') as Record<string, BlobmsgValue>));
  assert.is(Object.getPrototypeOf(p), Object.prototype);
  assert.equal(Object.keys(p), ['__proto__']);
});

t('rejects truncated input (every cut inside an attribute)', () => {
  const b = encodeTable({ a: 'text', t: { n: [1, 2, { q: 1.5 }] } });
  const bounds = new Set<number>([0]);
  for (let p = 0; p < b.length; ) {
    p += (new DataView(b.buffer).getUint32(p) & 0xffffff) + 3 & ~3;
    bounds.add(p);
  }
  let cuts = 0;
  for (let n = 1; n < b.length; n++) {
    if (bounds.has(n)) continue;
    throwsBlob(() => decodeTable(b.subarray(0, n)), `cut at ${n}`);
    cuts++;
  }
  assert.ok(cuts > 40);
});

t('rejects overlong, misaligned and malformed attributes', () => {
  const ok = hex('8500000c 00016900 01020304');
  assert.equal(decodeTable(ok), { i: 0x01020304 });
  throwsBlob(() => decodeTable(hex('85000010 00016900 01020304')), 'length past the container');
  throwsBlob(() => decodeTable(hex('85000003 00016900 01020304')), 'length below the header');
  throwsBlob(() => decodeTable(hex('0000 8500000c 00016900 01020304'), 2), 'misaligned start');
  throwsBlob(() => decodeTable(hex('8300000a 00017300 6100')), 'padding missing at the end');
  throwsBlob(() => decodeTable(hex('8500000c 00016900 01020304 00')), 'trailing byte');
  throwsBlob(() => decodeTable(hex('8500000b 00016900 010203 00')), 'int32 of 3 bytes');
  throwsBlob(() => decodeTable(hex('87000008 00016200')), 'int8 of 0 bytes');
  throwsBlob(() => decodeTable(hex('84000011 00016c00 01020304 05060708 00000000')), 'int64 of 9 bytes');
  throwsBlob(() => decodeTable(hex('8300000a 00017300 6162 0000')), 'string not NUL-terminated');
  throwsBlob(() => decodeTable(hex('83000008 00017300')), 'string of 0 bytes');
  throwsBlob(() => decodeTable(hex('8900000c 00017800 00000000')), 'type 9');
  throwsBlob(() => decodeTable(hex('8500000c 00026900 01020304')), 'name longer than its header');
  throwsBlob(() => decodeTable(hex('8500000c 00016978 01020304')), 'name not NUL-terminated');
  throwsBlob(() => decodeTable(hex('0500000c 00016900 01020304')), 'table entry without the extended bit');
  throwsBlob(() => decodeTable(hex('8500000c 00000000 01020304')), 'table entry with an empty name');
  throwsBlob(() => decodeTable(hex('82000014 00017400 | 0500000c 00016900 01020304')), 'nested nameless entry');
  throwsBlob(() => decodeTable(hex('85000005 0001')), 'truncated name header');
  // nesting past the limit
  let v: BlobmsgValue = 1;
  for (let i = 0; i < 63; i++) v = [v];
  decodeTable(encodeTable({ v }));
  let bytes = encodeTable({ v });
  for (let i = 0; i < 3; i++) {
    const w = new BlobWriter(16);
    const at = w.open();
    w.u32(0);
    w.bytes(bytes);
    w.close(at, 1, true);
    bytes = w.buf.slice(0, w.len);
  }
  throwsBlob(() => decodeList(bytes, 0, bytes.length, false), 'nesting too deep');
  // encoding refuses cycles instead of recursing forever
  const cyc: Record<string, BlobmsgValue> = {};
  cyc.self = cyc;
  assert.throws(() => encodeTable(cyc));
});

t('typed values round trip with their exact types', () => {
  const o = { a: bm.int8(-1 & 0xff), b: bm.int16(0x7fff), c: bm.int32(-5), d: bm.int64(1n), e: bm.double(2), f: bm.unspec() };
  const back = decodeTable(encodeTable(o), 0, undefined, true);
  assert.equal(back, { a: bm.int8(255), b: bm.int16(0x7fff), c: bm.int32(-5), d: bm.int64(1n), e: bm.double(2), f: bm.unspec() });
  assert.ok(back.a instanceof Typed);
});

t('ubus message framing: golden INVOKE, header checks, attribute checks', () => {
  const w = new BlobWriter(16);
  const top = beginMessage(w, MSG_INVOKE, 0x1234, 0xdeadbeef);
  w.putU32(ATTR_OBJID, 0x01020304);
  w.putString(ATTR_METHOD, 'status');
  const d = w.open();
  writeField(w, 'x', true);
  w.close(d, ATTR_DATA, false);
  finishMessage(w, top);
  const golden = hex(
    '00 05 1234 deadbeef | 00000028 | 03000008 01020304 | 0400000b 73746174 75730000 | 07000010 87000009 00017800 01000000',
  );
  eqBytes(w.buf.subarray(0, w.len), golden);
  const dv = new DataView(golden.buffer);
  assert.is(messageLength(dv, 0), golden.length);
  const m = new UbusMsg();
  parseMessage(golden, dv, 0, golden.length, m);
  assert.is(m.type, MSG_INVOKE);
  assert.is(m.seq, 0x1234);
  assert.is(m.peer, 0xdeadbeef);
  assert.is(m.u32(ATTR_OBJID), 0x01020304);
  assert.is(m.string(ATTR_METHOD), 'status');
  const [a, b] = m.payload(ATTR_DATA);
  assert.equal(decodeTable(golden, a, b), { x: true });
  assert.not.ok(m.has(1));
  // header: version, too short, over 1 MiB
  throwsBlob(() => messageLength(new DataView(hex('01050000 00000000 00000004').buffer), 0), 'version 1');
  throwsBlob(() => messageLength(new DataView(hex('00050000 00000000 00000003').buffer), 0), 'blob of 3');
  throwsBlob(() => messageLength(new DataView(hex('00050000 00000000 00100001').buffer), 0), 'over 1 MiB');
  assert.is(messageLength(new DataView(hex('00050000 00000000 00100000').buffer), 0), 8 + 0x100000);
  // attributes: OBJID of 3 bytes, METHOD without NUL, an attribute past the message
  const bad = (s: string) => {
    const x = hex(s);
    parseMessage(x, new DataView(x.buffer), 0, x.length, new UbusMsg());
  };
  bad('00050000 00000000 00000004');
  throwsBlob(() => bad('00050000 00000000 0000000c 03000007 01020300'), 'OBJID of 3 bytes');
  throwsBlob(() => bad('00050000 00000000 0000000c 04000008 61626364'), 'METHOD not a string');
  throwsBlob(() => bad('00050000 00000000 0000000c 03000010 01020304'), 'attribute past the message');
  throwsBlob(() => bad('00050000 00000000 0100000c 03000008 01020304'), 'top-level blob id 1');
});

t.run();
