#!/usr/bin/env node
// wgflood: sends WireGuard handshake initiations at ONE responder (--target), for the flood e2e
// test (test/e2e/flood.sh) and the handshake benchmark (test/bench/handshake.sh).
//
//   node test/tools/wgflood.mjs --mode junk|mac1|replay|valid --target HOST:PORT
//      --responder-pub B64 [--rate PER_SECOND] [--seconds S] [--sources A1,A2,...]
//      [--peer-keys FILE] [--json] [--wait S]
//
// Modes (every message is a 148-byte type-1 initiation):
//   junk    random bytes after the header: mac1 is invalid
//   mac1    random ephemeral/static/timestamp, a VALID mac1, mac2 zero: the responder has to do
//           a Diffie-Hellman (or, under load, send a cookie reply)
//   replay  one genuine initiation from the first key of --peer-keys, sent once (the tool waits up
//           to 1 s for its response), then the same bytes replayed at --rate for --seconds
//   valid   fresh genuine initiations from every key of --peer-keys (one base64 private key a
//           line), round-robin, strictly increasing TAI64N timestamps per peer and at most one
//           per peer per 25 ms (the rate is capped at 40 x peers); all precomputed before the
//           timed phase (a new sender index, timestamp and encryption each; after 1,024 fresh
//           ephemeral keys a run they are used again in turn, which costs a responder the same).
//           Cookie replies are counted, not answered.
// --sources binds one UDP socket per address and spreads the messages over them round-robin
// (default: one socket on the wildcard address). Every socket counts what comes back by message
// type and size. Pacing: batches on a 10 ms tick, the number due computed from the elapsed time.
// After the timed phase the tool listens --wait seconds more (default 1) for late answers.
// Output: a human summary (on stderr when --json), and with --json one JSON line on stdout:
//   {"mode","sent","seconds","rate","received":{"response","cookie","transport","other"},...}
// When the timed phase starts it writes "wgflood: sending" on stderr (scripts wait for it).
//
// Safety: the only destination is --target, and it must be a private, loopback or ULA address
// (the tests use namespace addresses only).
import dgram from 'node:dgram';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';

// ------------------------------------------------------------------ arguments
function usage(msg) {
  if (msg) process.stderr.write(`wgflood: ${msg}\n`);
  process.stderr.write(
    'usage: node test/tools/wgflood.mjs --mode junk|mac1|replay|valid --target HOST:PORT\n' +
      '         --responder-pub B64 [--rate PER_SECOND] [--seconds S] [--sources A1,A2,...]\n' +
      '         [--peer-keys FILE] [--json] [--wait S]\n',
  );
  process.exit(2);
}

const opts = { rate: 1000, seconds: 5, json: false, wait: 1, sources: [] };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const k = a[i];
    const v = () => {
      if (i + 1 >= a.length) usage(`${k} needs a value`);
      return a[++i];
    };
    switch (k) {
      case '--mode': opts.mode = v(); break;
      case '--target': opts.target = v(); break;
      case '--responder-pub': opts.pub = v(); break;
      case '--rate': opts.rate = Number(v()); break;
      case '--seconds': opts.seconds = Number(v()); break;
      case '--sources': opts.sources = v().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--peer-keys': opts.peerKeys = v(); break;
      case '--wait': opts.wait = Number(v()); break;
      case '--json': opts.json = true; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${k}`);
    }
  }
}
if (!['junk', 'mac1', 'replay', 'valid'].includes(opts.mode)) usage('--mode junk|mac1|replay|valid');
if (!opts.target) usage('--target HOST:PORT is required');
if (!opts.pub) usage('--responder-pub is required');
if (!(opts.rate > 0) || !(opts.seconds > 0) || !(opts.wait >= 0)) usage('--rate, --seconds must be > 0');
if ((opts.mode === 'replay' || opts.mode === 'valid') && !opts.peerKeys) usage(`--mode ${opts.mode} needs --peer-keys`);

function parseTarget(t) {
  let m = /^\[([^\]]+)\]:(\d+)$/.exec(t);
  if (!m) m = /^([^:]+):(\d+)$/.exec(t);
  if (!m) usage(`bad --target ${t}`);
  const host = m[1];
  const port = Number(m[2]);
  const fam = net.isIP(host);
  if (!fam || port < 1 || port > 65535) usage(`--target needs a literal address and a port: ${t}`);
  return { host, port, fam };
}
const target = parseTarget(opts.target);

/** Private, loopback, link-local, CGN, benchmark or ULA addresses only. */
function allowedTarget(host, fam) {
  if (fam === 4) {
    const [a, b] = host.split('.').map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) ||
      (a === 169 && b === 254) || (a === 100 && b >= 64 && b < 128) || (a === 198 && (b === 18 || b === 19));
  }
  const h = host.toLowerCase();
  return h === '::1' || /^f[cd][0-9a-f]{0,2}:/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h);
}
if (!allowedTarget(target.host, target.fam)) usage(`refusing target ${target.host}: not a private/loopback/ULA address`);

const b64 = (s, what) => {
  const b = Buffer.from(s.trim(), 'base64');
  if (b.length !== 32) usage(`${what}: not a base64 32-byte key`);
  return new Uint8Array(b);
};
const responderPub = b64(opts.pub, '--responder-pub');
for (const s of opts.sources) {
  if (net.isIP(s) !== target.fam) usage(`source ${s} is not of the target's address family`);
}

// ------------------------------------------------------------------ WireGuard primitives
// BLAKE2s-256, HMAC-BLAKE2s and ChaCha20-Poly1305 through Node's crypto (OpenSSL) when it has
// them and they agree with noble on a test input (about 10x faster), else noble. The keyed
// BLAKE2s-128 of mac1 is noble's (OpenSSL's blake2s256 has no key and no output length).
const enc = new TextEncoder();
const nobleHash = (...parts) => {
  const h = blake2s.create();
  for (const p of parts) h.update(p);
  return h.digest();
};
const nobleHmac = (key, ...parts) => {
  const h = hmac.create(blake2s, key);
  for (const p of parts) h.update(p);
  return h.digest();
};
const ZERO_NONCE = new Uint8Array(12); // counter 0: every handshake AEAD uses it
const nobleAead = (key, plain, ad) => chacha20poly1305(key, ZERO_NONCE, ad).encrypt(plain);
const nodeHash = (...parts) => {
  const h = crypto.createHash('blake2s256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const nodeHmac = (key, ...parts) => {
  const h = crypto.createHmac('blake2s256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const nodeAead = (key, plain, ad) => {
  const c = crypto.createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  c.setAAD(ad, { plaintextLength: plain.length });
  return new Uint8Array(Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]));
};
let hash = nobleHash;
let hm = nobleHmac;
let aead = nobleAead;
let nativeSym = false;
try {
  const k = crypto.randomBytes(32);
  const d = crypto.randomBytes(45);
  const eq = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  if (eq(nodeHash(k, d), nobleHash(k, d)) && eq(nodeHmac(k, d), nobleHmac(k, d)) && eq(nodeAead(k, d, k), nobleAead(k, d, k))) {
    hash = nodeHash; hm = nodeHmac; aead = nodeAead; nativeSym = true;
  }
} catch { /* noble it is */ }
const mac = (key, data) => blake2s(data, { key, dkLen: 16 });
function kdf(n, key, input) {
  const prk = hm(key, input);
  const out = [];
  let prev = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    prev = hm(prk, prev, Uint8Array.of(i));
    out.push(prev);
  }
  return out;
}

const CONSTRUCTION = enc.encode('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s');
const IDENTIFIER = enc.encode('WireGuard v1 zx2c4 Jason@zx2c4.com');
const CI = hash(CONSTRUCTION);
const HI = hash(CI, IDENTIFIER);
const MAC1_KEY = hash(enc.encode('mac1----'), responderPub);
const H0 = hash(HI, responderPub); // the initiator's first hash, the same for every initiation

// X25519 through Node's native crypto (OpenSSL), about 20-50x faster than noble in Node, so the
// valid mode can precompute thousands of initiations; checked against noble once at start.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const privObj = (k) => crypto.createPrivateKey({ key: Buffer.concat([PKCS8_X25519, k]), format: 'der', type: 'pkcs8' });
const pubObj = (k) => crypto.createPublicKey({ key: Buffer.concat([SPKI_X25519, k]), format: 'der', type: 'spki' });
const rawPub = (keyObj) => new Uint8Array(crypto.createPublicKey(keyObj).export({ format: 'der', type: 'spki' }).subarray(12));
const responderPubObj = pubObj(responderPub);
function dhNative(privKeyObj, pubKeyObj) {
  return new Uint8Array(crypto.diffieHellman({ privateKey: privKeyObj, publicKey: pubKeyObj }));
}
let nativeX25519 = true;
try {
  const a = crypto.randomBytes(32);
  const b = crypto.randomBytes(32);
  const n1 = dhNative(privObj(a), pubObj(Buffer.from(x25519.getPublicKey(b))));
  const n2 = x25519.getSharedSecret(a, x25519.getPublicKey(b));
  const p1 = rawPub(privObj(a));
  if (Buffer.compare(Buffer.from(n1), Buffer.from(n2)) !== 0 || Buffer.compare(Buffer.from(p1), Buffer.from(x25519.getPublicKey(a))) !== 0) nativeX25519 = false;
} catch {
  nativeX25519 = false;
}

/** A peer the responder has configured: its keys and the precomputed static-static DH. */
function makePeer(priv) {
  const obj = nativeX25519 ? privObj(Buffer.from(priv)) : null;
  const pub = nativeX25519 ? rawPub(obj) : x25519.getPublicKey(priv);
  const ss = nativeX25519 ? dhNative(obj, responderPubObj) : x25519.getSharedSecret(priv, responderPub);
  return { priv, pub, ss, lastTs: null };
}

/**
 * An ephemeral key pair and DH(e, responder static). At most EPHEMERALS fresh ones a run, then
 * they are used again in turn: a responder does the same work for every initiation (no
 * implementation caches anything per ephemeral; the timestamp is what it checks for replays),
 * and X25519 in Node is what limits how fast initiations can be made.
 */
const EPHEMERALS = 1024;
const ephemerals = [];
let ephemeralNext = 0;
function ephemeral() {
  if (ephemerals.length < EPHEMERALS) {
    const e = freshEphemeral();
    ephemerals.push(e);
    return e;
  }
  return ephemerals[ephemeralNext++ % EPHEMERALS];
}
function freshEphemeral() {
  if (nativeX25519) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('x25519');
    const ePub = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
    return { ePub, es: dhNative(privateKey, responderPubObj) };
  }
  const e = x25519.utils.randomSecretKey();
  return { ePub: x25519.getPublicKey(e), es: x25519.getSharedSecret(e, responderPub) };
}

/** TAI64N of `ns` nanoseconds since the Unix epoch (a BigInt), 12 bytes big-endian. */
function tai64n(ns) {
  const out = new Uint8Array(12);
  const dv = new DataView(out.buffer);
  const secs = ns / 1_000_000_000n;
  dv.setBigUint64(0, (1n << 62n) + 10n + secs);
  dv.setUint32(8, Number(ns % 1_000_000_000n));
  return out;
}

function putHeader(m, sender) {
  m[0] = 1; m[1] = 0; m[2] = 0; m[3] = 0;
  m[4] = sender & 0xff; m[5] = (sender >>> 8) & 0xff; m[6] = (sender >>> 16) & 0xff; m[7] = sender >>> 24;
}
const randomU32 = () => crypto.randomBytes(4).readUInt32LE(0);

/** mac1 over msg[0..116) into msg[116..132); mac2 zero. */
function addMac1(m) {
  m.set(mac(MAC1_KEY, m.subarray(0, 116)), 116);
  m.fill(0, 132, 148);
}

/** A genuine initiation (Noise IK first message) from `peer` with timestamp `ts`. */
function initiation(peer, ts) {
  const m = Buffer.alloc(148);
  putHeader(m, randomU32());
  const { ePub, es } = ephemeral();
  m.set(ePub, 8);
  let c = kdf(1, CI, ePub)[0];
  let h = hash(H0, ePub);
  let k;
  [c, k] = kdf(2, c, es);
  const encStatic = aead(k, peer.pub, h);
  m.set(encStatic, 40);
  h = hash(h, encStatic);
  [c, k] = kdf(2, c, peer.ss);
  const encTs = aead(k, ts, h);
  m.set(encTs, 88);
  addMac1(m);
  return m;
}

function readPeerKeys(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) usage(`${file}: no keys`);
  return lines.map((l, i) => makePeer(b64(l, `${file} line ${i + 1}`)));
}

// ------------------------------------------------------------------ messages
const log = (s) => process.stderr.write(`wgflood: ${s}\n`);
let rate = opts.rate;
let total = Math.max(1, Math.round(rate * opts.seconds));
const POOL_MAX = 100_000;
let pool = []; // Buffers sent in order (cycled when shorter than total)
let perPeer = null; // valid mode: pool[i] belongs to peer perPeer[i]
let peers = [];
let original = null; // replay mode: the genuine initiation sent first
const t0pre = performance.now();

if (opts.mode === 'junk') {
  const n = Math.min(total, POOL_MAX);
  const bytes = crypto.randomBytes(n * 148);
  for (let i = 0; i < n; i++) {
    const m = bytes.subarray(i * 148, i * 148 + 148);
    m[0] = 1; m[1] = 0; m[2] = 0; m[3] = 0;
    pool.push(m);
  }
} else if (opts.mode === 'mac1') {
  const n = Math.min(total, POOL_MAX);
  const bytes = crypto.randomBytes(n * 148);
  for (let i = 0; i < n; i++) {
    const m = bytes.subarray(i * 148, i * 148 + 148);
    m[0] = 1; m[1] = 0; m[2] = 0; m[3] = 0;
    addMac1(m);
    pool.push(m);
  }
} else if (opts.mode === 'replay') {
  peers = readPeerKeys(opts.peerKeys).slice(0, 1);
  original = initiation(peers[0], tai64n(BigInt(Date.now()) * 1_000_000n));
  pool = [original];
} else {
  peers = readPeerKeys(opts.peerKeys);
  const cap = peers.length * 40; // one per peer per 25 ms
  if (rate > cap) {
    log(`rate ${rate}/s capped at ${cap}/s (${peers.length} peers, one initiation per peer per 25 ms)`);
    rate = cap;
    total = Math.max(1, Math.round(rate * opts.seconds));
  }
  perPeer = new Int32Array(total);
  const base = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < total; i++) {
    const p = i % peers.length;
    // strictly increasing per peer, and newer than anything an earlier run precomputed
    const ts = tai64n(base + BigInt(Math.floor(i / peers.length)) * 1000n);
    pool.push(initiation(peers[p], ts));
    perPeer[i] = p;
  }
}
const precomputeMs = performance.now() - t0pre;

// ------------------------------------------------------------------ sockets
const counts = () => ({ t1: 0, t2: 0, t3: 0, t4: 0, other: 0, bytes: 0, sizes: {} });
const socks = [];
const answered = new Set(); // receiver indexes of the responses
function openSocket(addr) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: target.fam === 6 ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    const st = { sock: s, addr: addr || '*', rx: counts(), sent: 0, errors: 0 };
    s.on('message', (msg) => {
      const t = msg.length >= 4 && msg[1] === 0 && msg[2] === 0 && msg[3] === 0 ? msg[0] : 0;
      if (t === 1 && msg.length === 148) st.rx.t1++;
      else if (t === 2 && msg.length === 92) {
        st.rx.t2++;
        answered.add(msg.readUInt32LE(8));
      }
      else if (t === 3 && msg.length === 64) st.rx.t3++;
      else if (t === 4 && msg.length >= 32) st.rx.t4++;
      else st.rx.other++;
      st.rx.bytes += msg.length;
      st.rx.sizes[msg.length] = (st.rx.sizes[msg.length] || 0) + 1;
    });
    s.once('error', reject);
    s.bind(addr ? { address: addr, port: 0 } : { port: 0 }, () => {
      s.removeListener('error', reject);
      s.on('error', (e) => { st.errors++; if (st.errors === 1) log(`socket ${st.addr}: ${e.message}`); });
      socks.push(st);
      resolve(st);
    });
  });
}
try {
  if (opts.sources.length) for (const a of opts.sources) await openSocket(a);
  else await openSocket(null);
} catch (e) {
  log(`cannot bind: ${e.message}`);
  process.exit(1);
}

let sent = 0; // sends handed to the kernel without error
let sendErrors = 0;
let inflight = 0;
const INFLIGHT_MAX = 4096;
function send(st, m) {
  inflight++;
  st.sock.send(m, 0, m.length, target.port, target.host, (err) => {
    inflight--;
    if (err) { sendErrors++; st.errors++; } else { sent++; st.sent++; }
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rxTotal = (k) => socks.reduce((a, s) => a + s.rx[k], 0);

// replay: the original first, and its answer (up to 1 s) before the replays
let originalAnswer = 'none';
if (original) {
  send(socks[0], original);
  const until = performance.now() + 1000;
  while (performance.now() < until && rxTotal('t2') + rxTotal('t3') === 0) await sleep(5);
  originalAnswer = rxTotal('t2') ? 'response' : rxTotal('t3') ? 'cookie' : 'none';
  log(`replay: original initiation sent, answer: ${originalAnswer}`);
}

// ------------------------------------------------------------------ timed phase
log('sending');
const t0 = performance.now();
let issued = 0; // messages issued in the timed phase
let tickLag = 0;
const lastPeerSend = perPeer ? new Float64Array(peers.length).fill(-Infinity) : null;
await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now();
    const el = (now - t0) / 1000;
    const due = Math.min(total, Math.floor(Math.min(el, opts.seconds) * rate));
    while (issued < due && inflight < INFLIGHT_MAX) {
      const i = issued;
      if (perPeer) {
        const p = perPeer[i];
        if (now - lastPeerSend[p] < 25) break; // this peer's previous one is too recent: next tick
        lastPeerSend[p] = now;
      }
      send(socks[i % socks.length], pool[i % pool.length]);
      issued++;
    }
    if (el >= opts.seconds || issued >= total) return resolve();
    const next = t0 + Math.ceil((now - t0 + 0.001) / 10) * 10; // next 10 ms boundary
    tickLag = Math.max(tickLag, now - (next - 10));
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();
});
// the timed phase is --seconds long; the last tick may land a few ms after it ends
const elapsed = Math.min((performance.now() - t0) / 1000, opts.seconds);
while (inflight > 0) await sleep(1);
await sleep(opts.wait * 1000);
for (const s of socks) s.sock.close();

// ------------------------------------------------------------------ report
const received = { response: rxTotal('t2'), cookie: rxTotal('t3'), transport: rxTotal('t4'), other: rxTotal('t1') + rxTotal('other') };
const sizes = {};
for (const s of socks) for (const [k, v] of Object.entries(s.rx.sizes)) sizes[k] = (sizes[k] || 0) + v;
const socketsWithResponse = socks.filter((s) => s.rx.t2 > 0).length;
const result = {
  mode: opts.mode,
  sent,
  seconds: Number(elapsed.toFixed(3)),
  rate: Number((issued / elapsed).toFixed(1)),
  received,
  target_rate: rate,
  issued,
  send_errors: sendErrors,
  sources: socks.length,
  sources_with_response: socketsWithResponse,
  received_sizes: sizes,
  peers: peers.length,
  precompute_ms: Math.round(precomputeMs),
  x25519: nativeX25519 ? 'node' : 'noble',
  symmetric: nativeSym ? 'node' : 'noble',
};
if (perPeer) {
  const per = new Int32Array(peers.length);
  const missing = [];
  for (let i = 0; i < issued; i++) {
    if (answered.has(pool[i].readUInt32LE(4))) per[perPeer[i]]++;
    else if (missing.length < 20) missing.push(i);
  }
  result.peers_answered = per.filter((n) => n > 0).length;
  if (process.env.WGFLOOD_DEBUG) log(`unanswered message numbers (first 20): ${missing.join(' ')}; per peer: ${per.join(' ')}`);
}
if (original) {
  result.original_answer = originalAnswer;
  result.sent_including_original = sent;
  result.sent = sent - 1; // the replays
}
const human =
  `wgflood ${opts.mode} -> ${opts.target}: ${result.sent} sent in ${result.seconds} s (${result.rate}/s of ${rate}/s asked, ` +
  `${sendErrors} send errors) from ${socks.length} source(s)${peers.length ? `, ${peers.length} peer key(s)` : ''}` +
  `${original ? `, original answered by ${originalAnswer}` : ''}\n` +
  `  received: ${received.response} responses (type 2), ${received.cookie} cookie replies (type 3), ` +
  `${received.transport} transport (type 4), ${received.other} other; sizes ${JSON.stringify(sizes)}\n`;
if (opts.json) {
  process.stderr.write(human);
  process.stdout.write(JSON.stringify(result) + '\n');
} else {
  process.stdout.write(human);
}
process.exit(0);
