// Abusive UAPI clients for test/e2e/hardening.sh. Each mode connects to a daemon's UNIX socket,
// misbehaves in one way, and prints one line of key=value results.
//   node uapi-abuse.mjs gets SOCK N SECONDS        N gets pipelined in one write, answers read for SECONDS
//   node uapi-abuse.mjs longline SOCK MIB op|set   a MIB MiB line without newline, streamed
//   node uapi-abuse.mjs idle SOCK N WG IFNAME      N idle connections, then `WG show IFNAME` timed
//   node uapi-abuse.mjs halfclose SOCK N SECONDS   N gets, shutdown(SHUT_WR), never reads, holds SECONDS
//   node uapi-abuse.mjs conns SOCK N SECONDS       N connections held SECONDS (the fd limit test)
//   node uapi-abuse.mjs peers N FILE               writes a wg(8) config with N peers (random keys)
import net from 'node:net';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const [mode, ...args] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connect(path) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path, allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

async function gets(path, n, seconds) {
  const s = await connect(path);
  let bytes = 0;
  let answers = 0;
  let tail = '';
  s.on('data', (d) => {
    bytes += d.length;
    const t = tail + d.toString('latin1');
    answers += t.split('errno=0\n\n').length - 1;
    tail = t.slice(-9);
  });
  s.on('error', () => {});
  s.write('get=1\n\n'.repeat(n));
  await sleep(seconds * 1000);
  s.destroy();
  console.log(`answers=${answers} bytes=${bytes}`);
}

async function longline(path, mib, where) {
  const s = await connect(path);
  let reply = '';
  let closed = false;
  let written = 0;
  s.on('data', (d) => (reply += d.toString('latin1')));
  s.on('error', () => (closed = true));
  s.on('close', () => (closed = true));
  s.on('end', () => (closed = true));
  const t0 = Date.now();
  if (where === 'set') s.write('set=1\n');
  const chunk = Buffer.alloc(1 << 20, 0x61);
  for (let i = 0; i < mib && !closed; i++) {
    const ok = s.write(chunk);
    written += chunk.length;
    if (!ok) await new Promise((r) => { s.once('drain', r); s.once('close', r); });
  }
  for (let i = 0; i < 50 && !closed; i++) await sleep(100);
  s.destroy();
  console.log(`reply=${JSON.stringify(reply)} closed=${closed ? 1 : 0} written_mib=${(written / 1048576).toFixed(0)} ms=${Date.now() - t0}`);
}

async function idle(path, n, wg, ifname) {
  const socks = [];
  let closedByDaemon = 0;
  for (let i = 0; i < n; i++) {
    try {
      const s = await connect(path);
      s.on('end', () => closedByDaemon++);
      s.on('error', () => {});
      socks.push(s);
    } catch {
      /* refused: counted below */
    }
  }
  await sleep(300);
  const t0 = Date.now();
  const out = await new Promise((resolve) => execFile(wg, ['show', ifname], { timeout: 10000 }, (err, stdout) => resolve(err ? `ERR ${err.message}` : stdout)));
  const ms = Date.now() - t0;
  const ok = out.startsWith(`interface: ${ifname}`) ? 1 : 0;
  await sleep(200);
  for (const s of socks) s.destroy();
  console.log(`connected=${socks.length} wgshow_ms=${ms} wgshow_ok=${ok} closed_by_daemon=${closedByDaemon}`);
}

async function halfclose(path, n, seconds) {
  const s = await connect(path);
  s.on('error', () => {});
  s.pause(); // never reads
  s.write('get=1\n\n'.repeat(n));
  s.end(); // shutdown(SHUT_WR)
  await sleep(seconds * 1000);
  s.destroy();
  console.log('held=1');
}

async function conns(path, n, seconds) {
  const socks = [];
  let failed = 0;
  let closedByDaemon = 0;
  for (let i = 0; i < n; i++) {
    try {
      const s = await connect(path);
      s.on('end', () => closedByDaemon++);
      s.on('error', () => {});
      socks.push(s);
    } catch {
      failed++;
    }
  }
  await sleep(seconds * 1000);
  for (const s of socks) s.destroy();
  console.log(`connected=${socks.length} failed=${failed} closed_by_daemon=${closedByDaemon}`);
}

function peers(n, file) {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += `[Peer]\nPublicKey = ${randomBytes(32).toString('base64')}\nAllowedIPs = 10.${200 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32\n\n`;
  }
  writeFileSync(file, s);
}

const num = (v) => Number(v);
switch (mode) {
  case 'gets': await gets(args[0], num(args[1]), num(args[2])); break;
  case 'longline': await longline(args[0], num(args[1]), args[2]); break;
  case 'idle': await idle(args[0], num(args[1]), args[2], args[3]); break;
  case 'halfclose': await halfclose(args[0], num(args[1]), num(args[2])); break;
  case 'conns': await conns(args[0], num(args[1]), num(args[2])); break;
  case 'peers': peers(num(args[0]), args[1]); break;
  default:
    console.error('usage: see the comment at the top of test/tools/uapi-abuse.mjs');
    process.exit(2);
}
