// src/ubus/client.ts over a scripted UbusIo: the bytes it writes (golden ADD_OBJECT, replies,
// events, lookup + invoke), what it does with ubusd's messages (split across reads, several in
// one read), and how it fails: malformed, oversized, EOF -> one log line, reconnect with backoff.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BlobWriter } from '../../src/ubus/blob.ts';
import { decodeTable, writeTableBody, type BlobmsgValue } from '../../src/ubus/blobmsg.ts';
import { UbusClient, type UbusIo } from '../../src/ubus/client.ts';
import {
  ATTR_DATA, ATTR_METHOD, ATTR_OBJID, ATTR_OBJPATH, ATTR_STATUS, beginMessage, finishMessage, MSG_DATA, MSG_INVOKE,
  MSG_LOOKUP, MSG_STATUS, parseMessage, UbusMsg,
} from '../../src/ubus/proto.ts';
import type { Logger } from '../../src/platform/types.ts';
import { hex, toHexStr } from '../helpers/hex.ts';

const t = suite('ubus/client');


class FakeIo implements UbusIo {
  socket = false;
  refuse = false;
  fd = -1;
  nextFd = 10;
  closed: number[] = [];
  input: Uint8Array[] = [];
  eof = false;
  out: number[] = [];
  readFn: (() => void) | null = null;
  timers: { fn: () => void; ms: number }[] = [];
  exists(): boolean {
    return this.socket;
  }
  connect(): number {
    if (this.refuse) throw new Error('connect: Connection refused');
    this.fd = this.nextFd++;
    this.eof = false;
    this.input = [];
    return this.fd;
  }
  read(fd: number, buf: Uint8Array, off: number, len: number): number {
    assert.is(fd, this.fd);
    if (this.input.length === 0) return this.eof ? 0 : -1;
    const c = this.input[0]!;
    const n = Math.min(len, c.length);
    buf.set(c.subarray(0, n), off);
    if (n === c.length) this.input.shift();
    else this.input[0] = c.subarray(n);
    return n;
  }
  write(fd: number, buf: Uint8Array, off: number, len: number): number {
    assert.is(fd, this.fd);
    for (let i = 0; i < len; i++) this.out.push(buf[off + i]!);
    return len;
  }
  writable(): boolean {
    return true;
  }
  close(fd: number): void {
    this.closed.push(fd);
  }
  onReadable(_fd: number, fn: (() => void) | null): void {
    this.readFn = fn;
  }
  onWritable(): void {}
  setTimer(fn: () => void, ms: number): unknown {
    this.timers.push({ fn, ms });
    return this.timers.length;
  }
  clearTimer(): void {}
  /** ubusd sends bytes: one readiness callback per read, as the reactor would call it. */
  feed(b: Uint8Array, reads = 1): void {
    this.input.push(b);
    for (let i = 0; i < reads && this.readFn; i++) this.readFn();
  }
  /** Written messages since the last take(), parsed. */
  take(): { type: number; seq: number; peer: number; hex: string; data: Record<string, unknown> | null; m: UbusMsg }[] {
    const b = Uint8Array.from(this.out);
    this.out = [];
    const res = [];
    let off = 0;
    const dv = new DataView(b.buffer);
    while (off < b.length) {
      const len = 8 + (dv.getUint32(off + 8) & 0xffffff);
      const m = new UbusMsg();
      parseMessage(b, dv, off, len, m);
      let data = null;
      if (m.has(ATTR_DATA)) {
        const [a, e] = m.payload(ATTR_DATA);
        data = decodeTable(b, a, e);
      }
      res.push({ type: m.type, seq: m.seq, peer: m.peer, hex: toHexStr(b.subarray(off, off + len)), data, m });
      off += len;
    }
    return res;
  }
}

function logger(lines: string[]): Logger {
  return { level: 3, error: (m) => lines.push('E ' + m), verbose: (m) => lines.push('V ' + m), debug: (m) => lines.push('D ' + m) };
}

/** A message from "ubusd". */
function msg(type: number, seq: number, peer: number, fill: (w: BlobWriter) => void): Uint8Array {
  const w = new BlobWriter(64);
  const top = beginMessage(w, type, seq, peer);
  fill(w);
  finishMessage(w, top);
  return w.buf.slice(0, w.len);
}
const status = (seq: number, peer: number, st: number) => msg(MSG_STATUS, seq, peer, (w) => w.putU32(ATTR_STATUS, st));
const data = (seq: number, peer: number, objid: number) => msg(MSG_DATA, seq, peer, (w) => w.putU32(ATTR_OBJID, objid));
function invoke(seq: number, peer: number, objid: number, method: string, args: Record<string, BlobmsgValue> | null): Uint8Array {
  return msg(MSG_INVOKE, seq, peer, (w) => {
    w.putU32(ATTR_OBJID, objid);
    w.putString(ATTR_METHOD, method);
    if (args) {
      const d = w.open();
      writeTableBody(w, args);
      w.close(d, ATTR_DATA, false);
    }
  });
}
const HELLO = hex('00000000 12345678 00000004');

function setup() {
  const io = new FakeIo();
  const lines: string[] = [];
  const c = new UbusClient(io, logger(lines), ['/x/ubus.sock'], 'ubus');
  const calls: Record<string, unknown>[] = [];
  c.addObject({
    path: 'wgjs.t0',
    methods: [
      { name: 'status', call: (a) => (calls.push(a), { a: 1, b: [true, null] }) },
      { name: 'fail', args: { x: 5 }, call: () => 8 },
      {
        name: 'throw',
        call: () => {
          throw new Error('boom');
        },
      },
    ],
  });
  return { io, c, lines, calls };
}

/** Connected and registered as object 0xabc. */
function up() {
  const s = setup();
  s.io.socket = true;
  s.c.start();
  s.io.feed(HELLO);
  const add = s.io.take();
  s.io.feed(new Uint8Array([...data(add[0]!.seq, 0, 0xabc), ...status(add[0]!.seq, 0, 0)]));
  return s;
}

t('no ubusd: retries quietly with backoff (250 ms doubling to 5 s), nothing thrown', () => {
  const { io, c, lines } = setup();
  c.start();
  assert.is(io.fd, -1);
  assert.not.ok(c.connected);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    const tm = io.timers.shift()!;
    delays.push(tm.ms);
    tm.fn();
  }
  assert.equal(delays, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  assert.is(lines.filter((l) => l.startsWith('E')).length, 0);
  assert.is(lines.length, 1); // one debug line, not one per retry
  assert.not.ok(c.sendEvent('x', {}));
  assert.not.ok(c.invokePath('a', 'b', {}, null));
  io.socket = true;
  io.refuse = true;
  io.timers.shift()!.fn();
  assert.is(io.fd, -1);
  assert.is(io.timers.length, 1);
});

t('hello, then ADD_OBJECT with the method signatures (golden bytes), object id from DATA', () => {
  const { io, c, lines } = setup();
  io.socket = true;
  c.start();
  assert.is(io.fd, 10);
  assert.not.ok(c.connected);
  assert.is(io.out.length, 0); // nothing before ubusd's hello
  io.feed(HELLO);
  assert.ok(c.connected);
  assert.is(c.localId, 0x12345678);
  const w = io.take();
  assert.is(w.length, 1);
  // OBJPATH "wgjs.t0"; SIGNATURE: tables status {}, fail {x: int32 5}, throw {}
  assert.is(
    w[0]!.hex,
    toHexStr(
      hex(
        '00060001 00000000 00000048 | 0200000c 77676a73 2e743000 | 06000038 | 82000010 00067374 61747573 00000000 ' +
          '| 82000018 00046661 696c0000 | 8500000c 00017800 00000005 | 8200000c 00057468 726f7700',
      ),
    ),
  );
  io.feed(new Uint8Array([...data(1, 0, 0xabc), ...status(1, 0, 0)]));
  assert.is(c.objectId('wgjs.t0'), 0xabc);
  assert.ok(lines.some((l) => l.includes('object wgjs.t0 registered')));
});

t('answers INVOKE: DATA reply + STATUS (golden), method errors, unknown objects, no_reply', () => {
  const { io, c, calls } = up();
  io.feed(invoke(7, 0x55, 0xabc, 'status', { verbose: true }));
  const r = io.take();
  assert.is(r.length, 2);
  assert.is(
    r[0]!.hex,
    toHexStr(hex('00020007 00000055 | 00000038 | 03000008 00000abc | 0700002c | 8500000c 00016100 00000001 | 8100001c 00016200 | 87000009 00000000 01000000 | 80000008 00000000')),
  );
  assert.is(r[1]!.hex, toHexStr(hex('00010007 00000055 00000014 01000008 00000000 03000008 00000abc')));
  assert.equal(calls, [{ verbose: true }]);
  // a method returning a status: STATUS only
  io.feed(invoke(8, 0x55, 0xabc, 'fail', {}));
  let s = io.take();
  assert.is(s.length, 1);
  assert.is(s[0]!.type, MSG_STATUS);
  assert.is(s[0]!.m.u32(ATTR_STATUS), 8);
  // unknown method 3, missing DATA 2, unknown object 4 (OBJID 0), a throwing method 9 + log
  const st = (b: Uint8Array) => {
    io.feed(b);
    const x = io.take();
    assert.is(x.length, 1);
    return [x[0]!.m.u32(ATTR_STATUS), x[0]!.m.u32(ATTR_OBJID), x[0]!.seq];
  };
  assert.equal(st(invoke(9, 0x55, 0xabc, 'nope', {})), [3, 0xabc, 9]);
  assert.equal(st(invoke(10, 0x55, 0xabc, 'status', null)), [2, 0xabc, 10]);
  assert.equal(st(invoke(11, 0x55, 0x999, 'status', {})), [4, 0, 11]);
  assert.equal(st(invoke(12, 0x55, 0xabc, 'throw', {})), [9, 0xabc, 12]);
  // arguments that are not a valid table: INVALID_ARGUMENT, the connection stays
  const bad = msg(MSG_INVOKE, 13, 0x55, (w) => {
    w.putU32(ATTR_OBJID, 0xabc);
    w.putString(ATTR_METHOD, 'status');
    w.putU32(ATTR_DATA, 0x05000003);
  });
  assert.equal(st(bad), [2, 0xabc, 13]);
  assert.ok(c.connected);
  // no_reply: nothing written
  io.feed(msg(MSG_INVOKE, 14, 0x55, (w) => {
    w.putU32(ATTR_OBJID, 0xabc);
    w.putString(ATTR_METHOD, 'status');
    w.putU8(10, 1);
    const d = w.open();
    w.close(d, ATTR_DATA, false);
  }));
  s = io.take();
  assert.is(s.length, 0);
  assert.is(c.stats.invokes, 8);
});

t('events: INVOKE of ubusd\'s event object, method send, {id, data}', () => {
  const { io, c } = up();
  assert.ok(c.sendEvent('wgjs.peer', { action: 'peer-up', interface: 'wg0' }));
  const [e] = io.take();
  assert.is(e!.type, MSG_INVOKE);
  assert.is(e!.peer, 1);
  assert.is(e!.m.u32(ATTR_OBJID), 1);
  assert.is(e!.m.string(ATTR_METHOD), 'send');
  assert.equal(e!.data, { id: 'wgjs.peer', data: { action: 'peer-up', interface: 'wg0' } });
  // ubusd's STATUS for it is ignored
  io.feed(status(e!.seq, 1, 0));
  assert.ok(c.connected);
});

t('invokePath: LOOKUP, then INVOKE of the id found; done gets the status', () => {
  const { io, c } = up();
  const got: number[] = [];
  assert.ok(c.invokePath('network.interface.wan', 'renew', {}, (s) => got.push(s)));
  let [l] = io.take();
  assert.is(l!.type, MSG_LOOKUP);
  assert.is(l!.m.string(ATTR_OBJPATH), 'network.interface.wan');
  io.feed(new Uint8Array([...data(l!.seq, 0, 0x77), ...status(l!.seq, 0, 0)]));
  const [i] = io.take();
  assert.is(i!.type, MSG_INVOKE);
  assert.is(i!.peer, 0x77);
  assert.is(i!.m.u32(ATTR_OBJID), 0x77);
  assert.is(i!.m.string(ATTR_METHOD), 'renew');
  assert.equal(i!.data, {});
  assert.equal(got, []);
  io.feed(status(i!.seq, 0x77, 0));
  assert.equal(got, [0]);
  // not found
  c.invokePath('network.interface.none', 'renew', {}, (s) => got.push(s));
  [l] = io.take();
  io.feed(status(l!.seq, 0, 4));
  assert.equal(got, [0, 4]);
  // in flight when the connection drops: CONNECTION_FAILED
  c.invokePath('network.interface.wan', 'renew', {}, (s) => got.push(s));
  io.eof = true;
  io.feed(new Uint8Array(0));
  assert.equal(got, [0, 4, 10]);
});

t('messages split across reads and several in one read', () => {
  const { io, c, calls } = up();
  const a = invoke(20, 0x55, 0xabc, 'status', { n: 1 });
  const b = invoke(21, 0x55, 0xabc, 'status', { n: 2 });
  const all = new Uint8Array([...a, ...b]);
  // byte by byte: one read per readiness
  for (let i = 0; i < all.length; i++) io.feed(all.subarray(i, i + 1));
  assert.equal(calls, [{ n: 1 }, { n: 2 }]);
  assert.is(io.take().length, 4);
  io.feed(new Uint8Array([...a, ...b, ...a]));
  assert.is(calls.length, 5);
  // a message larger than the 64 KiB receive buffer
  const big = invoke(22, 0x55, 0xabc, 'status', { s: 'x'.repeat(200000) });
  for (let o = 0; o < big.length; o += 30000) io.feed(big.subarray(o, o + 30000));
  assert.is(calls.length, 6);
  assert.is((calls[5] as { s: string }).s.length, 200000);
  assert.ok(c.connected);
});

t('malformed, oversized, EOF: one log line, socket closed, reconnect and register again', () => {
  const { io, c, lines } = up();
  const fd = io.fd;
  // version 1
  io.feed(hex('01020001 00000000 00000004'));
  assert.not.ok(c.connected);
  assert.equal(io.closed, [fd]);
  const errs = lines.filter((l) => l.startsWith('E '));
  assert.is(errs.length, 1);
  assert.match(errs[0]!, /malformed message from ubusd \(ubus: message version 1\)/);
  assert.is(io.timers.at(-1)!.ms, 250);
  assert.is(c.stats.malformed, 1);
  // reconnect: hello again, ADD_OBJECT again with a new seq
  io.timers.pop()!.fn();
  assert.is(io.fd, fd + 1);
  io.feed(HELLO);
  const [add] = io.take();
  assert.match(add!.hex, /^0006/);
  io.feed(new Uint8Array([...data(add!.seq, 0, 0xdef), ...status(add!.seq, 0, 0)]));
  assert.is(c.objectId('wgjs.t0'), 0xdef);
  // oversized: the blob claims 2 MiB
  io.feed(hex('00020001 00000000 00200000'));
  assert.not.ok(c.connected);
  assert.match(lines.filter((l) => l.startsWith('E ')).at(-1)!, /over the limit/);
  io.timers.pop()!.fn();
  io.feed(HELLO);
  io.take();
  // an attribute running past its message
  io.feed(hex('00020001 00000000 0000000c 03000010 00000001'));
  assert.not.ok(c.connected);
  assert.match(lines.filter((l) => l.startsWith('E ')).at(-1)!, /malformed message from ubusd \(blob: attribute longer than its container\)/, lines.join('\n'));
  io.timers.pop()!.fn();
  io.feed(HELLO);
  io.take();
  // EOF
  io.eof = true;
  io.feed(new Uint8Array(0));
  assert.not.ok(c.connected);
  assert.match(lines.filter((l) => l.startsWith('E ')).at(-1)!, /ubusd closed the connection; reconnecting/);
  assert.is(c.stats.connects, 4);
  // stop(): no more retries
  c.stop();
  const n = io.timers.length;
  assert.not.ok(c.connected);
  assert.is(io.timers.length, n);
});

t.run();
