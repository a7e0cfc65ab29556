// The ubus client over a real unix socket inside the QuickJS binary (every arch, mips big-endian
// included): a listening socket plays ubusd with golden bytes; the client side uses the blocking
// socket sys.unixConnect gives, read only when poll says readable, as the reactor drives it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sys from 'wgjs:sys';
import { decodeTable } from '../../src/ubus/blobmsg.ts';
import { UbusClient, type UbusIo } from '../../src/ubus/client.ts';
import type { Logger } from '../../src/platform/types.ts';
import { hex, toHexStr } from '../helpers/hex.ts';

const t = suite('ubus/native');


/** UbusIo on wgjs:sys; readiness by polling (the test pumps instead of the reactor). */
function sysIo(): UbusIo & { readFn: (() => void) | null; pump(ms: number): boolean } {
  const ev = new Uint8Array(8);
  let wep = -1;
  const io = {
    readFn: null as (() => void) | null,
    fd: -1,
    exists: (p: string) => sys.stat(p) !== null,
    connect(p: string) {
      io.fd = sys.unixConnect(p);
      wep = sys.epollCreate();
      sys.epollCtl(wep, 1, io.fd, 2);
      return io.fd;
    },
    read: (fd: number, b: Uint8Array, o: number, l: number) => sys.read(fd, b, o, l),
    write: (fd: number, b: Uint8Array, o: number, l: number) => sys.write(fd, b, o, l),
    writable: (_fd: number, ms: number) => sys.epollWait(wep, ev, ms) > 0,
    close(fd: number) {
      sys.close(wep);
      sys.close(fd);
    },
    onReadable(_fd: number, fn: (() => void) | null) {
      io.readFn = fn;
    },
    onWritable() {},
    setTimer: () => 0,
    clearTimer() {},
    /** One readiness callback if the socket becomes readable within ms. */
    pump(ms: number): boolean {
      if (!io.readFn || !sys.pollIn(io.fd, ms)) return false;
      io.readFn();
      return true;
    },
  };
  return io;
}

/** Reads what the client wrote (up to `want` bytes, waiting up to 1 s). */
function readAll(fd: number, want: number): Uint8Array {
  const buf = new Uint8Array(65536);
  let n = 0;
  while (n < want && sys.pollIn(fd, 1000)) {
    const r = sys.read(fd, buf, n, buf.length - n);
    if (r <= 0) break;
    n += r;
  }
  return buf.slice(0, n);
}
function writeAll(fd: number, b: Uint8Array): void {
  let o = 0;
  while (o < b.length) {
    const w = sys.write(fd, b, o, b.length - o);
    if (w > 0) o += w;
  }
}

t('hello, register, invoke status, event, malformed message over a unix socket', () => {
  const path = `/tmp/wgjs-ubus-test-${sys.getpid()}.sock`;
  sys.unlink(path);
  const l = sys.unixListen(path);
  const lines: string[] = [];
  const log: Logger = { level: 2, error: (m) => lines.push('E ' + m), verbose: (m) => lines.push('V ' + m), debug: () => {} };
  const io = sysIo();
  const c = new UbusClient(io, log, [path], 'ubus');
  c.addObject({ path: 'wgjs.n0', methods: [{ name: 'status', call: () => ({ up: true, port: 51820, rx: 2 ** 40 }) }] });
  try {
    c.start();
    let s = -1;
    for (let i = 0; i < 100 && s < 0; i++) s = sys.unixAccept(l);
    assert.ok(s >= 0, 'accepted');
    writeAll(s, hex('00000000 0a0b0c0d 00000004'));
    assert.ok(io.pump(1000));
    assert.ok(c.connected);
    assert.is(c.localId, 0x0a0b0c0d);
    // ADD_OBJECT "wgjs.n0" with signature {status: {}}
    const add = readAll(s, 44);
    assert.is(toHexStr(add), toHexStr(hex('00060001 00000000 00000024 0200000c 77676a73 2e6e3000 06000014 82000010 00067374 61747573 00000000')));
    writeAll(s, hex('00020001 00000000 00000014 03000008 00001234 05000008 00001234 | 00010001 00000000 0000000c 01000008 00000000'));
    assert.ok(io.pump(1000));
    assert.is(c.objectId('wgjs.n0'), 0x1234);
    // INVOKE status from client 0x99 seq 0x0102, empty DATA
    writeAll(s, hex('00050102 00000099 0000001c 03000008 00001234 0400000b 73746174 75730000 07000004'));
    assert.ok(io.pump(1000));
    const reply = readAll(s, 8 + 0x44 + 8 + 0x14);
    // DATA: seq/peer echoed, OBJID, DATA {up: true (int8), port: 51820 (int32), rx: 2^40 (int64)}
    assert.is(
      toHexStr(reply.subarray(0, 8 + 0x44)),
      toHexStr(hex('00020102 00000099 00000044 03000008 00001234 07000038 | 8700000d 00027570 00000000 01000000 | ' +
        '85000010 0004706f 72740000 0000ca6c | 84000014 00027278 00000000 00000100 00000000')),
    );
    assert.equal(decodeTable(reply, 24, 8 + 0x44), { up: true, port: 51820, rx: 2 ** 40 });
    assert.is(toHexStr(reply.subarray(8 + 0x44)), toHexStr(hex('00010102 00000099 00000014 01000008 00000000 03000008 00001234')));
    // an event
    assert.ok(c.sendEvent('wgjs.peer', { action: 'peer-up' }));
    const ev = readAll(s, 8);
    assert.is(toHexStr(ev.subarray(0, 8)), '0005000200000001');
    // a malformed message: the client logs, closes; the server side sees EOF
    writeAll(s, hex('00020001 00000000 0000000c 03000010 00000001'));
    assert.ok(io.pump(1000));
    assert.not.ok(c.connected);
    assert.ok(lines.some((x) => /^E ubus: malformed message from ubusd/.test(x)), lines.join('\n'));
    assert.ok(sys.pollIn(s, 1000));
    assert.is(sys.read(s, new Uint8Array(16), 0, 16), 0);
    sys.close(s);
  } finally {
    c.stop();
    sys.close(l);
    sys.unlink(path);
  }
});

t.run();
