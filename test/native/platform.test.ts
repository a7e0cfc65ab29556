// src/platform/qjs.ts inside the QuickJS test binary (it imports qjs:std and wgjs:sys).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as std from 'qjs:std';
import * as sys from 'wgjs:sys';
import {
  clock, randomFill, parseLogLevel, createLogger, args, programName, readTextFile, readFileBytes,
  writeTextFile, sysError, getenv,
} from '../../src/platform/qjs.ts';

const t = suite('platform/qjs');

t('clock: monotonic ms and wall seconds agree with Date', () => {
  const a = clock.now();
  const w = clock.wall();
  const b = clock.now();
  assert.ok(b >= a);
  assert.ok(Math.abs(w - Date.now() / 1000) < 5, `wall ${w} vs Date ${Date.now() / 1000}`);
  assert.ok(w % 1 !== 0 || clock.wall() % 1 !== 0, 'sub-second precision');
});

t('randomFill fills the whole view, honouring its offset', () => {
  const buf = new Uint8Array(48);
  randomFill(buf.subarray(16, 48));
  assert.equal(Array.from(buf.subarray(0, 16)), new Array(16).fill(0));
  let zeros = 0;
  for (let i = 16; i < 48; i++) if (buf[i] === 0) zeros++;
  assert.ok(zeros < 8, `${zeros} zero bytes of 32`);
});

t('LOG_LEVEL names', () => {
  assert.is(parseLogLevel('silent'), 0);
  assert.is(parseLogLevel('error'), 1);
  assert.is(parseLogLevel('verbose'), 2);
  assert.is(parseLogLevel('debug'), 3);
  assert.is(parseLogLevel(undefined), 1);
  assert.is(parseLogLevel('bogus', 2), 2);
  const log = createLogger(0, '(wgtest) ');
  log.error('not printed at level silent');
  assert.is(log.level, 0);
});

t('args, program name, environment', () => {
  const a = args();
  assert.ok(a.length >= 1);
  assert.ok(/wgjs-test$/.test(a[0]!), a[0]);
  assert.is(programName(), 'wgjs-test');
  assert.is(getenv('WGJS_SURELY_UNSET_VARIABLE'), undefined);
  assert.ok(getenv('PATH') !== undefined || getenv('HOME') !== undefined);
});

t('files: write, read as text and bytes; missing file is null', () => {
  const path = `/tmp/wgjs-platform-${sys.getpid()}.txt`;
  writeTextFile(path, 'héllo\n');
  try {
    assert.is(readTextFile(path), 'héllo\n');
    assert.equal(Array.from(readFileBytes(path)!), [0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f, 0x0a]);
  } finally {
    sys.unlink(path);
  }
  assert.is(readTextFile(path), null);
  assert.is(readFileBytes(path), null);
  try {
    writeTextFile('/nonexistent-dir/x', 'x');
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, 'ENOENT');
  }
});

t('sysError carries the target errno and its name', () => {
  const e = sysError(sys.errno.EADDRINUSE!, 'bind');
  assert.is(e.errno, sys.errno.EADDRINUSE);
  assert.is(e.code, 'EADDRINUSE');
  assert.match(e.message, /^bind: /);
});

// wgjs-test's entry point (main.c built with WGJS_TEST_BINARY) reports engine memory
const memoryUsage = (): number => (globalThis as { __wgjsMemoryUsage?: () => number }).__wgjsMemoryUsage!();

t('memory usage grows with allocations', () => {
  std.gc(); // garbage of earlier tests must not be collected between the two readings
  const before = memoryUsage();
  const keep: Uint8Array[] = [];
  for (let i = 0; i < 16; i++) keep.push(new Uint8Array(65536));
  assert.ok(memoryUsage() - before >= 16 * 65536, 'one MiB of buffers is counted');
  assert.is(keep.length, 16);
});

t.run();
