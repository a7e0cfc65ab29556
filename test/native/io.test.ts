// Batched UDP I/O of wgjs:sys (src/native/io.c) over loopback, inside the QuickJS test binary on
// each arch (natively and under qemu-user; mips is big-endian): recvmmsg into an arena with
// endpoint records, the C send queue flushed with sendmmsg, argument checks, truncation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as std from 'qjs:std';
import * as sys from 'wgjs:sys';
import { hasIpv6 } from './ipv6.ts';
import { readU32LE } from '../../src/util/bytes.ts';

const t = suite('native/io');

const EP = 40;

// qemu-user copies IP_PKTINFO/IPV6_PKTINFO control messages between guest and host without byte
// swapping, so under qemu-mips (big-endian guest, little-endian host) the kernel's ipi_ifindex
// arrives byte-swapped. A real MIPS kernel (test/qemu's full-system guest) lists "cpu model" in
// /proc/cpuinfo; under qemu-user /proc/cpuinfo is the host's.
const qemuUserSwapsPktinfo = sys.arch === 'mips' && !/^cpu model\s*:/m.test(std.loadFile('/proc/cpuinfo') ?? '');
const swap32 = (v: number): number => (((v & 255) << 24) | (((v >> 8) & 255) << 16) | (((v >> 16) & 255) << 8) | (v >>> 24)) >>> 0;
const loIndex = (): number => (qemuUserSwapsPktinfo ? swap32(sys.ifIndex('lo')) : sys.ifIndex('lo'));

function epTo(family: 4 | 6, port: number): Uint8Array {
  const ep = new Uint8Array(EP);
  ep[0] = family;
  ep[2] = port >> 8;
  ep[3] = port & 255;
  if (family === 4) ep.set([127, 0, 0, 1], 4);
  else ep[19] = 1; // ::1
  return ep;
}

/** datagram `i` of sender `s`: its first bytes say who and which, then a pattern */
function datagram(s: number, i: number, size: number): Uint8Array {
  const d = new Uint8Array(size);
  for (let k = 0; k < size; k++) d[k] = (s * 31 + i * 7 + k) & 255;
  if (size >= 2) {
    d[0] = s;
    d[1] = i;
  }
  return d;
}

interface Got {
  data: Uint8Array;
  len: number;
  ep: Uint8Array;
}

/** udpRecvBatch where each message is one datagram (no UDP_GRO on the socket): datagram i is
 *  message i, so offs[i] must be i * slot and src[i] must be i (checked here). */
function recvBatch(fd: number, arena: Uint8Array, slot: number, max: number, lens: Int32Array, eps: Uint8Array): number {
  const offs = new Int32Array(lens.length);
  const src = new Int32Array(lens.length);
  const n = sys.udpRecvBatch(fd, arena, slot, max, offs, lens, src, eps);
  for (let i = 0; i < n; i++) {
    assert.is(offs[i], i * slot, `datagram ${i} at its message's slot`);
    assert.is(src[i], i, `datagram ${i} is message ${i}`);
  }
  return n;
}

/** Receives with udpRecvBatch until `want` datagrams arrived (or ~2 s passed); `messages` counts
 *  the recvmmsg messages they came in (fewer than datagrams when UDP_GRO merged some). */
function recvAll(fd: number, want: number, slot = 4096, max = 16, messages = { n: 0 }): Got[] {
  const arena = new Uint8Array(slot * max);
  const offs = new Int32Array(max * 64);
  const lens = new Int32Array(max * 64);
  const src = new Int32Array(max * 64);
  const eps = new Uint8Array(max * EP);
  const got: Got[] = [];
  for (let tries = 0; tries < 200 && got.length < want; tries++) {
    const n = sys.udpRecvBatch(fd, arena, slot, max, offs, lens, src, eps);
    if (n < 0) {
      sys.pollIn(fd, 10);
      continue;
    }
    assert.ok(n >= 1 && n <= max * 64, `count ${n} within 1..${max * 64}`);
    for (let i = 0; i < n; i++) {
      const len = lens[i]!;
      const m = src[i]!;
      assert.ok(m >= 0 && m < max && (i === 0 || m >= src[i - 1]!), 'message index in order');
      if (i === 0 || m !== src[i - 1]) messages.n++;
      assert.ok(offs[i]! >= m * slot && offs[i]! + Math.max(len, 0) <= (m + 1) * slot, 'inside its message slot');
      got.push({ data: arena.slice(offs[i]!, offs[i]! + Math.max(len, 0)), len, ep: eps.slice(m * EP, m * EP + EP) });
    }
  }
  return got;
}

function checkEp(ep: Uint8Array, family: 4 | 6, port: number): void {
  assert.is(ep[0], family, 'family');
  assert.is(ep[1], 0);
  assert.is((ep[2]! << 8) | ep[3]!, port, 'remote port, big-endian bytes');
  if (family === 4) {
    assert.equal(Array.from(ep.subarray(4, 8)), [127, 0, 0, 1], 'remote address');
    assert.equal(Array.from(ep.subarray(8, 20)), new Array(12).fill(0));
    assert.equal(Array.from(ep.subarray(20, 24)), [127, 0, 0, 1], 'pktinfo local address');
    assert.equal(Array.from(ep.subarray(24, 36)), new Array(12).fill(0));
  } else {
    assert.equal(Array.from(ep.subarray(4, 20)), [...new Array(15).fill(0), 1], 'remote ::1');
    assert.equal(Array.from(ep.subarray(20, 36)), [...new Array(15).fill(0), 1], 'pktinfo local ::1');
  }
  assert.ok(sys.ifIndex('lo') > 0);
  assert.is(readU32LE(ep, 36), loIndex(), `ifindex of lo, little-endian bytes${qemuUserSwapsPktinfo ? ' (byte-swapped by qemu-user)' : ''}`);
}

function withSockets(family: 4 | 6, n: number, fn: (fds: number[], ports: number[]) => void): void {
  const fds: number[] = [];
  try {
    for (let i = 0; i < n; i++) fds.push(sys.udpOpen(family, 0, 0));
    fn(fds, fds.map((fd) => sys.udpLocalPort(fd)));
  } finally {
    sys.udpFlush(); // nothing may stay queued for a closed fd
    for (const fd of fds) sys.close(fd);
  }
}

function batchFromTwoSenders(family: 4 | 6): void {
  withSockets(family, 3, ([rx, a, b], [prx, pa, pb]) => {
    const to = epTo(family, prx!);
    const sizes = [0, 1, 148, 1452, 3000, 32, 9000, 92];
    // sender a with udpSend, sender b through the queue: interleaved on the wire
    for (let i = 0; i < sizes.length; i++) {
      const da = datagram(1, i, sizes[i]!);
      assert.is(sys.udpSend(a!, da, 0, da.length, to), da.length);
      const db = datagram(2, i, sizes[sizes.length - 1 - i]!);
      assert.ok(sys.udpQueue(b!, db, 0, db.length, to));
    }
    // b's 9000- and 3000-byte datagrams (> 2048-byte slots) went out at once, each after a flush
    // of what was queued before it: 4 datagrams are left for this flush
    assert.is(sys.udpFlush(), 4);
    const got = recvAll(rx!, 2 * sizes.length, 9216, 5); // several batches of at most 5
    assert.is(got.length, 2 * sizes.length);
    const fromA = got.filter((g) => (g.ep[2]! << 8 | g.ep[3]!) === pa);
    const fromB = got.filter((g) => (g.ep[2]! << 8 | g.ep[3]!) === pb);
    assert.is(fromA.length, sizes.length);
    assert.is(fromB.length, sizes.length);
    for (let i = 0; i < sizes.length; i++) {
      const ga = fromA[i]!;
      const gb = fromB[i]!;
      assert.is(ga.len, sizes[i]!, `a #${i} length`);
      assert.equal(Array.from(ga.data), Array.from(datagram(1, i, sizes[i]!)), `a #${i} contents, in order`);
      assert.is(gb.len, sizes[sizes.length - 1 - i]!, `b #${i} length`);
      assert.equal(Array.from(gb.data), Array.from(datagram(2, i, sizes[sizes.length - 1 - i]!)), `b #${i} contents, in order`);
      checkEp(ga.ep, family, pa!);
      checkEp(gb.ep, family, pb!);
    }
    assert.is(recvBatch(rx!, new Uint8Array(100), 100, 1, new Int32Array(1), new Uint8Array(EP)), -1, 'EAGAIN is -1');
  });
}

t('udpRecvBatch IPv4: two senders, mixed sizes, lengths, contents, endpoint records', () => batchFromTwoSenders(4));

const ipv6 = hasIpv6();
(ipv6 ? t : t.skip)('udpRecvBatch IPv6: two senders, mixed sizes, lengths, contents, endpoint records', () => batchFromTwoSenders(6));

t('udpRecvBatch: EAGAIN is -1, and the endpoint records of a full batch', () => {
  withSockets(4, 2, ([rx, tx], [prx, ptx]) => {
    const arena = new Uint8Array(64 * 256);
    const lens = new Int32Array(64);
    const eps = new Uint8Array(64 * EP).fill(0xee);
    assert.is(recvBatch(rx!, arena, 256, 64, lens, eps), -1);
    assert.is(eps[0], 0xee, 'nothing written on EAGAIN');
    const to = epTo(4, prx!);
    for (let i = 0; i < 64; i++) sys.udpQueue(tx!, datagram(3, i, 200), 0, 200, to);
    assert.is(sys.udpQueued(), 64);
    assert.is(sys.udpFlush(), 64);
    assert.is(sys.udpQueued(), 0);
    sys.pollIn(rx!, 1000);
    let total = 0;
    for (let tries = 0; tries < 100 && total < 64; tries++) {
      const n = recvBatch(rx!, arena, 256, 64, lens, eps);
      if (n < 0) {
        sys.pollIn(rx!, 10);
        continue;
      }
      for (let i = 0; i < n; i++) {
        assert.is(lens[i], 200);
        assert.is(arena[i * 256 + 1], total + i, 'in order');
        checkEp(eps.subarray(i * EP, i * EP + EP), 4, ptx!);
      }
      total += n;
    }
    assert.is(total, 64);
  });
});

t('udpFlush with UDP GSO: a run of equal-sized datagrams and a shorter last one arrive as separate datagrams', () => {
  withSockets(4, 2, ([rx, tx], [prx]) => {
    const to = epTo(4, prx!);
    const sizes: number[] = [];
    for (let i = 0; i < 30; i++) sizes.push(1452);
    sizes.push(100, 1452, 1452, 0, 32);
    const before = sys.udpGsoStats();
    for (let i = 0; i < sizes.length; i++) sys.udpQueue(tx!, datagram(5, i, sizes[i]!), 0, sizes[i]!, to);
    assert.is(sys.udpFlush(), sizes.length);
    const after = sys.udpGsoStats();
    // x86_64 runs natively on the test machines (kernel >= 4.18, loopback up): GSO must be on
    // there; under qemu-user on big-endian mips the self-test must have switched it off
    if (sys.arch === 'x86_64') assert.is(after[0], 1, 'UDP GSO in use');
    if (after[0] === 1) assert.ok(after[1] > before[1] && after[2] - before[2] >= 31, 'segments went out with UDP_SEGMENT');
    const got = recvAll(rx!, sizes.length, 2048, 64);
    assert.is(got.length, sizes.length, 'every datagram separately, none merged or lost');
    for (let i = 0; i < sizes.length; i++) {
      assert.is(got[i]!.len, sizes[i]!, `#${i} length`);
      assert.equal(Array.from(got[i]!.data), Array.from(datagram(5, i, sizes[i]!)), `#${i} contents, in order`);
    }
  });
});

t('UDP GRO: a GSO run arrives merged and udpRecvBatch cuts it into the same datagrams', () => {
  withSockets(4, 2, ([rx, tx], [prx, ptx]) => {
    const to = epTo(4, prx!);
    const gro = sys.udpGro(rx!, 1);
    if (sys.arch === 'x86_64') assert.is(gro, 0, 'UDP_GRO accepted (kernel >= 5.0)');
    const sizes: number[] = [];
    for (let i = 0; i < 40; i++) sizes.push(1452);
    sizes.push(700, 1452, 1452, 1452, 1, 64, 64);
    for (let i = 0; i < sizes.length; i++) sys.udpQueue(tx!, datagram(6, i, sizes[i]!), 0, sizes[i]!, to);
    assert.is(sys.udpFlush(), sizes.length);
    const messages = { n: 0 };
    const got = recvAll(rx!, sizes.length, 65536 + 64, 8, messages);
    assert.is(got.length, sizes.length, 'every datagram, none merged or lost');
    for (let i = 0; i < sizes.length; i++) {
      assert.is(got[i]!.len, sizes[i]!, `#${i} length`);
      assert.equal(Array.from(got[i]!.data), Array.from(datagram(6, i, sizes[i]!)), `#${i} contents, in order`);
      checkEp(got[i]!.ep, 4, ptx!);
    }
    // natively (GSO on, GRO on) the 40 equal datagrams leave in one GSO send and stay one buffer
    if (sys.arch === 'x86_64' && gro === 0 && sys.udpGsoStats()[0] === 1) {
      assert.ok(messages.n < sizes.length / 4, `merged: ${sizes.length} datagrams in ${messages.n} messages`);
    }
  });
});

t('udpGro: WGJS_DEBUG_OFFLOAD_REFUSE=gro acts as a refusal (EINVAL); switching off is accepted', () => {
  withSockets(4, 1, ([rx]) => {
    std.setenv('WGJS_DEBUG_OFFLOAD_REFUSE', 'tun,gro');
    try {
      assert.is(sys.udpGro(rx!, 1), sys.errno.EINVAL);
    } finally {
      std.unsetenv('WGJS_DEBUG_OFFLOAD_REFUSE');
    }
    assert.is(sys.udpGro(rx!, 0), 0);
  });
});

t('udpQueueRun: a run of ranges of one buffer queued in order to one endpoint; bad ranges queue nothing', () => {
  withSockets(4, 2, ([rx, tx], [prx, ptx]) => {
    const to = epTo(4, prx!);
    const buf = new Uint8Array(8 * 2000);
    const offs = new Int32Array(10);
    const lens = new Int32Array(10);
    const sizes = [1452, 1452, 1452, 600, 1, 3000, 64, 64];
    sizes.forEach((n, i) => {
      offs[i + 1] = i * 2000 + (i & 3);
      lens[i + 1] = Math.min(n, 1999 - (i & 3));
      buf.set(datagram(8, i, lens[i + 1]!), offs[i + 1]!);
    });
    assert.throws(() => sys.udpQueueRun(tx!, buf, offs, lens, 1, 11, to), RangeError); // end beyond the arrays
    const bad = lens.slice();
    bad[4] = 1 << 20;
    assert.throws(() => sys.udpQueueRun(tx!, buf, offs, bad, 1, 9, to), RangeError);
    assert.is(sys.udpQueued(), 0, 'nothing queued by a bad call');
    assert.is(sys.udpQueueRun(tx!, buf, offs, lens, 1, 9, to), 8);
    sys.udpFlush();
    const got = recvAll(rx!, 8, 4096, 16);
    assert.is(got.length, 8);
    for (let i = 0; i < 8; i++) {
      assert.is(got[i]!.len, lens[i + 1]!, `#${i} length`);
      assert.equal(Array.from(got[i]!.data), Array.from(datagram(8, i, lens[i + 1]!)), `#${i} contents, in order`);
      checkEp(got[i]!.ep, 4, ptx!);
    }
  });
});

t('udpQueue + udpFlush: order per socket over several flushes, two sockets, oversize in between', () => {
  withSockets(4, 3, ([rx, a, b], [prx, pa, pb]) => {
    const to = epTo(4, prx!);
    const buf = new Uint8Array(4000);
    let queuedA = 0;
    let queuedB = 0;
    for (let i = 0; i < 200; i++) {
      // 200 > 128 slots: the full queue flushes itself along the way
      const fd = i % 3 === 0 ? b! : a!;
      const idx = fd === a ? queuedA++ : queuedB++;
      const size = i === 100 ? 2500 : 60 + (i % 50);
      buf.set(datagram(fd === a ? 1 : 2, idx & 255, size), 7);
      assert.ok(sys.udpQueue(fd, buf, 7, size, to));
      buf.fill(0); // the queue holds a copy
    }
    assert.ok(sys.udpQueued() < 128);
    sys.udpFlush();
    assert.is(sys.udpQueued(), 0);
    assert.is(sys.udpFlush(), 0, 'an empty flush sends nothing');
    const got = recvAll(rx!, 200, 4096, 32);
    assert.is(got.length, 200);
    const seen = { [pa!]: 0, [pb!]: 0 } as Record<number, number>;
    for (const g of got) {
      const port = (g.ep[2]! << 8) | g.ep[3]!;
      const s = port === pa ? 1 : port === pb ? 2 : 0;
      assert.ok(s > 0, 'from one of the two senders');
      const idx = seen[port]!++;
      assert.is(g.data[0], s);
      assert.is(g.data[1], idx & 255, `sender ${s}: datagram ${idx} in order`);
      assert.equal(Array.from(g.data), Array.from(datagram(s, idx & 255, g.len)));
    }
    assert.is(seen[pa!], queuedA);
    assert.is(seen[pb!], queuedB);
  });
});

t('udpRecvBatch: a truncated datagram is reported as -1, the others are intact', () => {
  withSockets(4, 2, ([rx, tx], [prx]) => {
    const to = epTo(4, prx!);
    sys.udpSend(tx!, datagram(1, 0, 300), 0, 300, to);
    sys.udpSend(tx!, datagram(1, 1, 50), 0, 50, to);
    sys.udpSend(tx!, datagram(1, 2, 100), 0, 100, to);
    const arena = new Uint8Array(400).fill(0xaa);
    const lens = new Int32Array(3);
    const eps = new Uint8Array(3 * EP);
    sys.pollIn(rx!, 1000);
    let n = -1;
    for (let i = 0; i < 100 && n < 3; i++) {
      // wait for all three (loopback delivers at once; qemu may be slow)
      if (n < 0) sys.pollIn(rx!, 10);
      n = recvBatch(rx!, arena, 100, 3, lens, eps);
      if (n > 0) break;
    }
    assert.ok(n >= 1, 'received');
    assert.is(lens[0], -1, 'the 300-byte datagram did not fit a 100-byte slot');
    assert.equal(Array.from(arena.subarray(0, 100)), Array.from(datagram(1, 0, 100)), 'slot 0 holds its first 100 bytes only');
    if (n < 3) n += recvBatch(rx!, arena.subarray(100), 100, 2, lens.subarray(1), eps.subarray(EP));
    assert.is(n, 3);
    assert.is(lens[1], 50);
    assert.equal(Array.from(arena.subarray(100, 150)), Array.from(datagram(1, 1, 50)));
    assert.is(arena[150], 0xaa, 'nothing written past the datagram');
    assert.is(lens[2], 100, 'a datagram exactly the slot size is not truncated');
    assert.equal(Array.from(arena.subarray(200, 300)), Array.from(datagram(1, 2, 100)));
    assert.equal(Array.from(arena.subarray(300, 400)), new Array(100).fill(0xaa), 'nothing past maxMsgs * slotSize');
  });
});

function throwsKind(fn: () => unknown, kind: 'RangeError' | 'TypeError' | 'errno', what: string): void {
  try {
    fn();
  } catch (e) {
    if (kind === 'errno') assert.is((e as { code?: string }).code, 'EDESTADDRREQ', what);
    else assert.is((e as Error).name, kind, what);
    return;
  }
  assert.unreachable(`${what}: must throw`);
}

t('udpRecvBatch: bad arguments throw before any I/O (the waiting datagram stays)', () => {
  withSockets(4, 2, ([rx, tx], [prx]) => {
    sys.udpSend(tx!, datagram(1, 9, 64), 0, 64, epTo(4, prx!));
    sys.pollIn(rx!, 1000);
    const arena = new Uint8Array(4 * 128);
    const lens = new Int32Array(4);
    const eps = new Uint8Array(4 * EP);
    const bad: [string, () => unknown, 'RangeError' | 'TypeError'][] = [
      ['slotSize 0', () => recvBatch(rx!, arena, 0, 4, lens, eps), 'RangeError'],
      ['slotSize negative', () => recvBatch(rx!, arena, -128, 4, lens, eps), 'RangeError'],
      ['maxMsgs 0', () => recvBatch(rx!, arena, 128, 0, lens, eps), 'RangeError'],
      ['maxMsgs above 128', () => recvBatch(rx!, new Uint8Array(129 * 128), 128, 129, new Int32Array(129), new Uint8Array(129 * EP)), 'RangeError'],
      ['arena too small', () => recvBatch(rx!, arena, 129, 4, lens, eps), 'RangeError'],
      ['arena view too small', () => recvBatch(rx!, arena.subarray(1), 128, 4, lens, eps), 'RangeError'],
      ['slotSize * maxMsgs = 128 MiB, arena 512 bytes', () => recvBatch(rx!, arena, 1 << 20, 128, new Int32Array(128), new Uint8Array(128 * EP)), 'RangeError'],
      ['lens too short', () => recvBatch(rx!, arena, 128, 4, new Int32Array(3), eps), 'RangeError'],
      ['lens view too short', () => recvBatch(rx!, arena, 128, 4, lens.subarray(1), eps), 'RangeError'],
      ['lens not an Int32Array', () => recvBatch(rx!, arena, 128, 4, new Uint32Array(4) as unknown as Int32Array, eps), 'TypeError'],
      ['eps too small', () => recvBatch(rx!, arena, 128, 4, lens, new Uint8Array(4 * EP - 1)), 'RangeError'],
      ['eps not a Uint8Array', () => recvBatch(rx!, arena, 128, 4, lens, new Int32Array(40) as unknown as Uint8Array), 'TypeError'],
      ['arena not a Uint8Array', () => recvBatch(rx!, [] as unknown as Uint8Array, 128, 4, lens, eps), 'TypeError'],
      ['slotSize not a number', () => recvBatch(rx!, arena, '128' as unknown as number, 4, lens, eps), 'TypeError'],
      ['fd negative', () => recvBatch(-1, arena, 128, 4, lens, eps), 'RangeError'],
    ];
    for (const [what, fn, kind] of bad) throwsKind(fn, kind, what);
    assert.equal(Array.from(lens), [0, 0, 0, 0], 'lens untouched');
    const n = recvBatch(rx!, arena, 128, 4, lens, eps);
    assert.is(n, 1, 'the datagram was still waiting');
    assert.is(lens[0], 64);
  });
});

t('udpQueue: bad arguments throw and queue (and send) nothing', () => {
  withSockets(4, 2, ([rx, tx], [prx]) => {
    const to = epTo(4, prx!);
    const buf = new Uint8Array(100);
    const noFamily = new Uint8Array(EP);
    const before = sys.udpQueued();
    const bad: [string, () => unknown, 'RangeError' | 'TypeError' | 'errno'][] = [
      ['off negative', () => sys.udpQueue(tx!, buf, -1, 10, to), 'RangeError'],
      ['len negative', () => sys.udpQueue(tx!, buf, 0, -1, to), 'RangeError'],
      ['range past the end', () => sys.udpQueue(tx!, buf, 50, 51, to), 'RangeError'],
      ['range past a view', () => sys.udpQueue(tx!, buf.subarray(60), 0, 41, to), 'RangeError'],
      ['huge range past the end', () => sys.udpQueue(tx!, buf, 0x7fffffff, 0x7fffffff, to), 'RangeError'],
      ['endpoint record short', () => sys.udpQueue(tx!, buf, 0, 10, to.subarray(0, 39)), 'RangeError'],
      ['endpoint without family', () => sys.udpQueue(tx!, buf, 0, 10, noFamily), 'errno'],
      ['buffer not a Uint8Array', () => sys.udpQueue(tx!, [1, 2, 3] as unknown as Uint8Array, 0, 3, to), 'TypeError'],
      ['fd negative', () => sys.udpQueue(-1, buf, 0, 10, to), 'RangeError'],
    ];
    for (const [what, fn, kind] of bad) throwsKind(fn, kind, what);
    assert.is(sys.udpQueued(), before, 'nothing queued');
    assert.is(sys.udpFlush(), before);
    sys.pollIn(rx!, 100);
    assert.is(recvBatch(rx!, new Uint8Array(256), 256, 1, new Int32Array(1), new Uint8Array(EP)), -1, 'nothing arrived');
  });
});

t('udpFlush: a refused source is retried without it, and udpQueue then clears it in the caller\'s record', () => {
  withSockets(4, 2, ([rx, tx], [prx, ptx]) => {
    const ep = epTo(4, prx!);
    ep.set([192, 0, 2, 1], 20); // TEST-NET-1: not an address of this host, the kernel refuses it
    assert.ok(sys.udpQueue(tx!, datagram(1, 0, 80), 0, 80, ep));
    assert.ok(sys.udpQueue(tx!, datagram(1, 1, 80), 0, 80, ep));
    assert.is(ep[20], 192, 'queueing alone does not touch the record');
    assert.is(sys.udpFlush(), 2, 'both sent, without the source');
    assert.ok(sys.udpQueue(tx!, datagram(1, 2, 80), 0, 80, ep));
    assert.equal(Array.from(ep.subarray(20, 40)), new Array(20).fill(0), 'the refused source is cleared at the next queue');
    assert.is(sys.udpFlush(), 1);
    const got = recvAll(rx!, 3);
    assert.is(got.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.is(got[i]!.data[1], i, 'in order');
      checkEp(got[i]!.ep, 4, ptx!);
    }
    // a valid source stays
    const ok = epTo(4, prx!);
    ok.set([127, 0, 0, 1], 20);
    assert.ok(sys.udpQueue(tx!, datagram(1, 3, 10), 0, 10, ok));
    assert.is(sys.udpFlush(), 1);
    assert.is(ok[20], 127);
    assert.is(recvAll(rx!, 1).length, 1);
  });
});

t('udpFlush: datagrams to a closed fd are dropped without an exception', () => {
  const a = sys.udpOpen(4, 0, 0);
  const rx = sys.udpOpen(4, 0, 0);
  try {
    const to = epTo(4, sys.udpLocalPort(rx));
    const dead = sys.udpOpen(4, 0, 0);
    sys.close(dead);
    assert.ok(sys.udpQueue(dead, datagram(1, 0, 20), 0, 20, to));
    assert.ok(sys.udpQueue(a, datagram(2, 0, 20), 0, 20, to));
    assert.is(sys.udpFlush(), 1, 'only the live socket\'s datagram');
    const got = recvAll(rx, 1);
    assert.is(got.length, 1);
    assert.is(got[0]!.data[0], 2);
  } finally {
    sys.udpFlush();
    sys.close(a);
    sys.close(rx);
  }
});

t.run();
