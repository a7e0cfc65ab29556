// Smoke tests of every native call, run inside the QuickJS test binary on each arch (natively and
// under qemu-user). They import wgjs:sys, so Node never runs them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as os from 'qjs:os';
import * as sys from 'wgjs:sys';
import { hasIpv6 } from './ipv6.ts';
import { readU32LE, writeU32LE, readU64LE } from '../../src/util/bytes.ts';

const t = suite('native/sys');

// errno numbers of the targets (Linux asm-generic vs mips; musl uses the kernel's numbers)
const GENERIC = { EPROTO: 71, EADDRINUSE: 98, EADDRNOTAVAIL: 99, EMSGSIZE: 90, EOPNOTSUPP: 95, ECONNREFUSED: 111, ENOKEY: 126 };
const MIPS = { EPROTO: 71, EADDRINUSE: 125, EADDRNOTAVAIL: 126, EMSGSIZE: 97, EOPNOTSUPP: 122, ECONNREFUSED: 146, ENOKEY: 161 };
const ERRNO: Record<string, Record<string, number>> = {
  x86_64: GENERIC, aarch64: GENERIC, arm: GENERIC, mips: MIPS, mipsel: MIPS,
};

t('build identity and target errno numbers', () => {
  assert.match(sys.version, /^\d+\.\d+\.\d+/);
  const want = ERRNO[sys.arch];
  assert.ok(want, `known arch ${sys.arch}`);
  for (const [name, num] of Object.entries(want!)) assert.is(sys.errno[name], num, `${name} on ${sys.arch}`);
  for (const [name, num] of [['EPERM', 1], ['ENOENT', 2], ['EAGAIN', 11], ['EEXIST', 17], ['ENODEV', 19], ['EINVAL', 22]] as const)
    assert.is(sys.errno[name], num, name);
  assert.is(sys.signals.SIGTERM, 15);
  assert.is(sys.signals.SIGCHLD, sys.arch.startsWith('mips') ? 18 : 17);
});

t('little-endian wire fields decode the same on every endianness', () => {
  const b = Uint8Array.from([0x04, 0x00, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.is(readU32LE(b, 0), 4);
  assert.is(readU32LE(b, 4), 0x12345678);
  assert.is(readU64LE(b, 8), 1);
  const c = new Uint8Array(4);
  writeU32LE(c, 0, 0xa1b2c3d4);
  assert.equal(Array.from(c), [0xd4, 0xc3, 0xb2, 0xa1]);
  // what an aliased Uint32Array would see differs on big-endian; our explicit reads never do
  const native = new Uint32Array(b.buffer, 4, 1)[0];
  const bigEndian = sys.arch === 'mips';
  assert.is(native === 0x12345678, !bigEndian);
});

t('getrandom fills buffers with fresh bytes', () => {
  const a = new Uint8Array(64);
  const b = new Uint8Array(64);
  sys.getrandom(a);
  sys.getrandom(b);
  let same = 0;
  for (let i = 0; i < 64; i++) if (a[i] === b[i]) same++;
  assert.ok(same < 16, `two random buffers nearly identical (${same}/64 equal)`);
  let zero = 0;
  for (let i = 0; i < 64; i++) if (a[i] === 0) zero++;
  assert.ok(zero < 16);
  const sub = new Uint8Array(16);
  sys.getrandom(sub.subarray(8)); // honours byteOffset/length
  assert.equal(Array.from(sub.subarray(0, 8)), [0, 0, 0, 0, 0, 0, 0, 0]);
});

t('clocks', () => {
  const m1 = sys.monotonicMs();
  const [s, ns] = sys.realtime();
  const m2 = sys.monotonicMs();
  assert.ok(m2 >= m1);
  assert.ok(s > 1.7e9 && s < 4e9, `realtime seconds ${s}`);
  assert.ok(ns >= 0 && ns < 1e9);
});

function udpRoundTrip(family: 4 | 6): void {
  const a = sys.udpOpen(family, 0, 0);
  const b = sys.udpOpen(family, 0, 0);
  try {
    const pa = sys.udpLocalPort(a);
    const pb = sys.udpLocalPort(b);
    assert.ok(pa > 0 && pb > 0 && pa !== pb);
    const ep = new Uint8Array(40);
    ep[0] = family;
    ep[2] = pb >> 8;
    ep[3] = pb & 255;
    if (family === 4) ep.set([127, 0, 0, 1], 4);
    else ep[19] = 1; // ::1
    const msg = new Uint8Array(100);
    for (let i = 0; i < 100; i++) msg[i] = i;
    assert.is(sys.udpSend(a, msg, 10, 50, ep), 50);
    const rx = new Uint8Array(200);
    const from = new Uint8Array(40);
    let n = -1;
    for (let i = 0; i < 100 && n < 0; i++) {
      sys.pollIn(b, 20);
      n = sys.udpRecv(b, rx, 5, 150, from);
    }
    assert.is(n, 50);
    assert.equal(Array.from(rx.subarray(5, 55)), Array.from(msg.subarray(10, 60)));
    assert.is(from[0], family);
    assert.is((from[2]! << 8) | from[3]!, pa, 'source port, big-endian bytes');
    if (family === 4) {
      assert.equal(Array.from(from.subarray(4, 8)), [127, 0, 0, 1]);
      assert.equal(Array.from(from.subarray(20, 24)), [127, 0, 0, 1], 'pktinfo local address');
    } else {
      assert.is(from[19], 1);
      assert.is(from[35], 1, 'pktinfo local address ::1');
    }
    assert.ok(readU32LE(from, 36) > 0, 'pktinfo ifindex (lo)');
    // a reply that uses the recorded local address as its source (sticky source)
    assert.is(sys.udpSend(b, msg, 0, 8, from), 8);
    let m = -1;
    for (let i = 0; i < 100 && m < 0; i++) {
      sys.pollIn(a, 20);
      m = sys.udpRecv(a, rx, 0, 200, from);
    }
    assert.is(m, 8);
    assert.is(sys.udpRecv(a, rx, 0, 200, from), -1, 'EAGAIN is -1, not an exception');
  } finally {
    sys.close(a);
    sys.close(b);
  }
}

t('UDP IPv4 loopback with pktinfo', () => udpRoundTrip(4));
// IPv6 may be missing (a kernel without it, or a namespace with it disabled): then skipped
const ipv6 = hasIpv6();
(ipv6 ? t : t.skip)('UDP IPv6 loopback with pktinfo', () => udpRoundTrip(6));

t('errors carry errno and code', () => {
  const a = sys.udpOpen(4, 0, 0);
  try {
    sys.udpOpen(4, sys.udpLocalPort(a), 0);
    assert.unreachable('second bind on the same port must fail');
  } catch (e) {
    const err = e as { errno?: number; code?: string };
    if (err.code === undefined) throw e;
    assert.is(err.code, 'EADDRINUSE');
    assert.is(err.errno, sys.errno.EADDRINUSE);
  } finally {
    sys.close(a);
  }
});

t('UNIX stream socket round trip', () => {
  const path = `/tmp/wgjs-test-${sys.getpid()}.sock`;
  sys.unlink(path);
  const l = sys.unixListen(path);
  try {
    assert.is(sys.unixAccept(l), -1, 'nothing pending');
    const c = sys.unixConnect(path);
    let s = -1;
    for (let i = 0; i < 50 && s < 0; i++) {
      sys.pollIn(l, 20);
      s = sys.unixAccept(l);
    }
    assert.ok(s >= 0);
    const msg = Uint8Array.from([103, 101, 116, 61, 49, 10, 10]); // "get=1\n\n"
    assert.is(sys.write(c, msg, 0, msg.length), msg.length);
    const rx = new Uint8Array(16);
    let n = -1;
    for (let i = 0; i < 50 && n < 0; i++) {
      sys.pollIn(s, 20);
      n = sys.read(s, rx, 0, 16);
    }
    assert.is(n, 7);
    assert.equal(Array.from(rx.subarray(0, 7)), Array.from(msg));
    sys.close(c);
    sys.close(s);
    const st = sys.stat(path);
    assert.ok(st && st[1] > 0);
  } finally {
    sys.close(l);
    sys.unlink(path);
  }
  assert.is(sys.stat(path), null);
  try {
    sys.unixConnect(path);
    assert.unreachable();
  } catch (e) {
    assert.ok(['ENOENT', 'ECONNREFUSED'].includes((e as { code?: string }).code ?? ''));
  }
});

t('names: numeric resolution and readdir', () => {
  const r = sys.resolve('127.0.0.1');
  assert.is(r[0]![0], 4);
  assert.equal(Array.from(r[0]![1]), [127, 0, 0, 1]);
  const r6 = sys.resolve('::1');
  assert.is(r6[0]![0], 6);
  assert.is(r6[0]![1][15], 1);
  assert.ok(sys.readdir('/').includes('tmp'));
});

// TUN needs root (CAP_NET_ADMIN) and a usable /dev/net/tun: probed once, else the test is SKIPPED
const tunName = `wgjst${sys.getpid() % 100000}`;
let tunUsable = false;
if (sys.stat('/dev/net/tun') !== null) {
  try {
    sys.close(sys.tunOpen(tunName));
    tunUsable = true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENODEV' && code !== 'ENOENT') throw e;
  }
}
(tunUsable ? t : t.skip)('TUN open by name (root, /dev/net/tun)', () => {
  const fd = sys.tunOpen(tunName);
  try {
    assert.is(sys.tunName(fd), tunName);
    assert.ok(sys.ifIndex(tunName) > 0);
    sys.tunSetMtu(tunName, 1420);
    const buf = new Uint8Array(2000);
    assert.is(sys.read(fd, buf, 0, 2000), -1, 'non-blocking, link down: nothing to read');
    sys.linkUp(tunName);
  } finally {
    sys.close(fd);
  }
  assert.is(sys.ifIndex(tunName), 0, 'non-persistent TUN disappears with its fd');
});

// Under qemu-user the host-level signal state of a child is qemu's, not what the emulated parent
// set up, so the check runs where the binary runs natively: x86_64 here and in its QEMU guest.
(sys.arch === 'x86_64' ? t : t.skip)('spawn: the child starts with no blocked or ignored signal and no inherited descriptor', () => {
  const sfd = sys.signalFd([sys.signals.SIGTERM!, sys.signals.SIGINT!]); // blocks them, as the daemon does
  os.signal(sys.signals.SIGHUP!, undefined); // ignored, as the daemon does (SIGPIPE: main.c)
  const [r, w] = os.pipe()!;
  const pid = sys.spawn(['/bin/sh', '-c', 'grep -E "^Sig(Blk|Ign):" /proc/self/status; ls /proc/self/fd | wc -l; echo "env=$WGJS_SPAWN_TEST"'],
    { WGJS_SPAWN_TEST: 'yes', PATH: '/usr/bin:/bin' }, w);
  os.close(w);
  let out = '';
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = os.read(r, buf.buffer, 0, buf.length);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) out += String.fromCharCode(buf[i]!);
  }
  os.close(r);
  const [got, status] = os.waitpid(pid, 0);
  os.signal(sys.signals.SIGHUP!, null);
  sys.close(sfd);
  assert.is(got, pid);
  assert.is(status, 0, 'exit status 0');
  assert.match(out, /^SigBlk:\s+0+$/m, 'no blocked signal');
  assert.match(out, /^SigIgn:\s+0+$/m, 'no ignored signal');
  // ls's own listing: 0, 1, 2 and the directory it reads (the pipe's read end and every other
  // descriptor of the parent are closed)
  assert.match(out, /^4$/m, `only stdio open in the child:\n${out}`);
  assert.match(out, /^env=yes$/m, 'exactly the given environment');
});

t('spawn: bad arguments throw and start nothing', () => {
  assert.throws(() => sys.spawn([], {}), 'an empty argv');
  assert.throws(() => sys.spawn({} as unknown as string[], {}), 'not an array');
});

t('numbers are converted before any buffer pointer is taken (valueOf cannot detach it under C)', () => {
  // Each call gets a numeric argument whose valueOf() detaches the buffer it is about to use.
  // Converting it first means the detached buffer is then refused (TypeError); converting it after
  // taking the pointer would read or write freed memory and return normally.
  const fd = os.open('/dev/zero', os.O_RDWR);
  assert.ok(fd >= 0);
  const ep = new Uint8Array(40);
  const cases: [string, () => unknown][] = [
    ['read', () => { const b = new Uint8Array(4096); return sys.read(fd, b, evil(b), 4096); }],
    ['write', () => { const b = new Uint8Array(4096); return sys.write(fd, b, 0, evil(b, 4096)); }],
    ['udpSend', () => { const b = new Uint8Array(4096); return sys.udpSend(-1, b, evil(b), 100, ep); }],
    ['udpQueue', () => { const b = new Uint8Array(4096); return sys.udpQueue(-1, b, 0, evil(b, 100), ep); }],
    ['tunQueue', () => { const b = new Uint8Array(4096); return sys.tunQueue(-1, 0, b, evil(b), 100); }],
    ['vnetSplit', () => { const b = new Uint8Array(4096); return sys.vnetSplit(b, evil(b, 100), new Uint8Array(65536), new Int32Array(64), new Int32Array(64), 16, 16); }],
    ['udpRecvBatch', () => { const a = new Uint8Array(65536); return sys.udpRecvBatch(fd, a, evil(a, 2048), 4, new Int32Array(64), new Int32Array(64), new Int32Array(64), new Uint8Array(160)); }],
  ];
  const probe = new Uint8Array(8);
  void (evil(probe) as unknown as { valueOf(): number }).valueOf();
  assert.is(probe.byteLength, 0, 'valueOf() detaches the buffer');
  for (const [name, call] of cases) {
    let threw = false;
    try {
      call();
    } catch {
      threw = true;
    }
    assert.ok(threw, `${name}: a detached buffer is refused`);
  }
  os.close(fd);
});

/** A number-like object: its valueOf detaches b's ArrayBuffer, then says `v`. */
function evil(b: Uint8Array, v = 0): number {
  return { valueOf: () => { (b.buffer as unknown as { transfer(): ArrayBuffer }).transfer(); return v; } } as unknown as number;
}

t.run();
