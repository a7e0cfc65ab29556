#!/usr/bin/env node
// A ubusd stand-in for tests (CI cannot build the real one), speaking ubus's wire protocol over a
// unix socket, written from ubus's ubusmsg.h / ubusd_proto.c / ubusd_event.c and libubox's
// blob.c / blobmsg.c independently of src/ubus (its own small codec), so the two check each other.
//   serve SOCK                      the daemon: HELLO, ADD_OBJECT (with signatures), LOOKUP,
//                                   INVOKE forwarding and replies, events (register/send), PING.
//                                   Test-only extension: INVOKE of object 1 method
//                                   "standin.malform" {path} sends the owner of path a message
//                                   whose blob length runs past its end.
//   call SOCK PATH METHOD [JSON]    like `ubus call`: prints the reply as JSON; exit status = ubus
//                                   status (4 not found, 3 method not found ...)
//   list SOCK                       object paths, one a line
//   listen SOCK PATTERN             like `ubus listen`: one JSON line {"EVENT": data} per event
//   object SOCK PATH LOGFILE        registers PATH with method "renew" (+ any method), appends
//                                   {"method","args"} lines to LOGFILE for each invocation
//   malform SOCK PATH               asks the server to send PATH's owner a malformed message
//   call-repeat SOCK PATH METHOD N  N sequential calls on one connection (test/bench/run.sh)
import { createServer, createConnection } from 'node:net';
import { appendFileSync, unlinkSync } from 'node:fs';

// ------------------------------------------------------------------------------ blob / blobmsg
const A = { STATUS: 1, OBJPATH: 2, OBJID: 3, METHOD: 4, OBJTYPE: 5, SIGNATURE: 6, DATA: 7, TARGET: 8, NO_REPLY: 10 };
const M = { HELLO: 0, STATUS: 1, DATA: 2, PING: 3, LOOKUP: 4, INVOKE: 5, ADD_OBJECT: 6, REMOVE_OBJECT: 7 };
const pad = (n) => (n + 3) & ~3;

/** blob attribute bytes: id, payload (Buffer), extended flag. */
function attr(id, payload, ext = false) {
  const raw = 4 + payload.length;
  const b = Buffer.alloc(pad(raw));
  b.writeUInt32BE(((ext ? 0x80000000 : 0) | (id << 24) | raw) >>> 0, 0);
  payload.copy(b, 4);
  return b;
}
const u32 = (id, v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return attr(id, b); };
const str = (id, s) => attr(id, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]));

/** blobmsg attribute of a JSON value (types as blobmsg_add_json_element picks them). */
function bmsg(name, v) {
  const nb = Buffer.from(name, 'utf8');
  const hdr = Buffer.alloc(pad(2 + nb.length + 1));
  hdr.writeUInt16BE(nb.length, 0);
  nb.copy(hdr, 2);
  let type, data;
  if (v === null || v === undefined) (type = 0), (data = Buffer.alloc(0));
  else if (typeof v === 'boolean') (type = 7), (data = Buffer.from([v ? 1 : 0]));
  else if (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
    type = 5; data = Buffer.alloc(4); data.writeInt32BE(v);
  } else if (typeof v === 'number' && Number.isInteger(v)) {
    type = 4; data = Buffer.alloc(8); data.writeBigInt64BE(BigInt(v));
  } else if (typeof v === 'number') {
    type = 8; data = Buffer.alloc(8); data.writeDoubleBE(v);
  } else if (typeof v === 'string') (type = 3), (data = Buffer.concat([Buffer.from(v, 'utf8'), Buffer.from([0])]));
  else if (Array.isArray(v)) (type = 1), (data = Buffer.concat(v.map((x) => bmsg('', x))));
  else (type = 2), (data = table(v));
  return attr(type, Buffer.concat([hdr, data]), true);
}
const table = (o) => Buffer.concat(Object.entries(o).map(([k, v]) => bmsg(k, v)));

/** Attributes in b[off, end) -> [{id, ext, start (payload), end (raw end)}]; throws if malformed. */
function attrs(b, off, end) {
  const out = [];
  while (off < end) {
    if (end - off < 4) throw new Error('truncated attribute');
    const w = b.readUInt32BE(off);
    const raw = w & 0xffffff;
    if (raw < 4 || pad(raw) > end - off) throw new Error('attribute past its container');
    out.push({ id: (w >>> 24) & 0x7f, ext: (w & 0x80000000) !== 0, start: off + 4, end: off + raw });
    off += pad(raw);
  }
  return out;
}

/** blobmsg entries -> JSON value (as blobmsg_format_json). */
function unbmsg(b, off, end, named) {
  const o = named ? {} : [];
  for (const a of attrs(b, off, end)) {
    let p = a.start;
    let name = '';
    if (a.ext) {
      const nl = b.readUInt16BE(p);
      if (b[p + 2 + nl] !== 0) throw new Error('name not NUL-terminated');
      name = b.toString('utf8', p + 2, p + 2 + nl);
      p += pad(2 + nl + 1);
    }
    let v;
    switch (a.id) {
      case 0: v = null; break;
      case 1: v = unbmsg(b, p, a.end, false); break;
      case 2: v = unbmsg(b, p, a.end, true); break;
      case 3: if (b[a.end - 1] !== 0) throw new Error('string not terminated'); v = b.toString('utf8', p, a.end - 1); break;
      case 4: v = Number(b.readBigInt64BE(p)); break;
      case 5: v = b.readInt32BE(p); break;
      case 6: v = b.readInt16BE(p); break;
      case 7: v = b[p] !== 0; break;
      case 8: v = b.readDoubleBE(p); break;
      default: throw new Error(`unknown blobmsg type ${a.id}`);
    }
    if (named) o[name] = v;
    else o.push(v);
  }
  return o;
}

/** One message: header + blob(id 0) of the given attribute buffers. */
function msg(type, seq, peer, parts) {
  const body = attr(0, Buffer.concat(parts));
  const h = Buffer.alloc(8);
  h[0] = 0;
  h[1] = type;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(peer >>> 0, 4);
  return Buffer.concat([h, body]);
}

/** Splits a byte stream into messages; cb(hdr, tb (id -> attr), buf); throws if malformed. */
function framer(cb) {
  let acc = Buffer.alloc(0);
  return (chunk) => {
    acc = Buffer.concat([acc, chunk]);
    while (acc.length >= 12) {
      if (acc[0] !== 0) throw new Error(`bad version ${acc[0]}`);
      const raw = acc.readUInt32BE(8) & 0xffffff;
      if (raw < 4 || pad(raw) > 1048576) throw new Error(`bad message length ${raw}`);
      if (acc.length < 8 + raw) return;
      const b = acc.subarray(0, 8 + raw);
      acc = acc.subarray(8 + raw);
      const tb = {};
      for (const a of attrs(b, 12, 8 + raw)) tb[a.id] = a;
      cb({ type: b[1], seq: b.readUInt16BE(2), peer: b.readUInt32BE(4) }, tb, b);
    }
  };
}
const getU32 = (b, a) => b.readUInt32BE(a.start);
const getStr = (b, a) => b.toString('utf8', a.start, a.end - 1);

// ------------------------------------------------------------------------------------- server
function serve(path) {
  try { unlinkSync(path); } catch {}
  const clients = new Map(); // id -> socket
  const objects = new Map(); // id -> {path, client, sig: Buffer, type}
  const patterns = []; // {pattern, partial, obj}
  let nextObj = 0x1000 + Math.floor(Math.random() * 0x1000);
  let eventSeq = 0;
  const log = (s) => process.stderr.write(`ubusd-standin: ${s}\n`);
  const srv = createServer((sock) => {
    let id;
    do id = (Math.random() * 0xfffffff0 + 8) >>> 0; while (clients.has(id));
    clients.set(id, sock);
    const send = (b) => { if (!sock.destroyed) sock.write(b); };
    const status = (h, st) => send(msg(M.STATUS, h.seq, h.peer, [u32(A.STATUS, st)]));
    const bye = () => {
      clients.delete(id);
      for (const [oid, o] of objects) if (o.client === id) objects.delete(oid);
      for (let i = patterns.length - 1; i >= 0; i--) if (!objects.has(patterns[i].obj)) patterns.splice(i, 1);
    };
    sock.on('close', bye);
    sock.on('error', () => {});
    send(msg(M.HELLO, 0, id, []));
    const feed = framer((h, tb, b) => {
      switch (h.type) {
        case M.PING: send(msg(M.DATA, h.seq, h.peer, [])); return;
        case M.ADD_OBJECT: {
          const oid = nextObj++;
          const o = { path: tb[A.OBJPATH] ? getStr(b, tb[A.OBJPATH]) : null, client: id, sig: null };
          if (tb[A.SIGNATURE]) {
            // each method: a named blobmsg table of {arg: type}
            unbmsg(b, tb[A.SIGNATURE].start, tb[A.SIGNATURE].end, true);
            o.sig = Buffer.from(b.subarray(tb[A.SIGNATURE].start - 4, tb[A.SIGNATURE].end));
          }
          objects.set(oid, o);
          log(`client ${id.toString(16)} added object ${o.path ?? '(anonymous)'} ${oid.toString(16)}`);
          send(msg(M.DATA, h.seq, h.peer, [u32(A.OBJID, oid), ...(o.sig ? [u32(A.OBJTYPE, oid)] : [])]));
          status(h, 0);
          return;
        }
        case M.REMOVE_OBJECT: {
          const oid = tb[A.OBJID] ? getU32(b, tb[A.OBJID]) : 0;
          const o = objects.get(oid);
          if (!o) return status(h, 4);
          if (o.client !== id) return status(h, 6);
          objects.delete(oid);
          send(msg(M.DATA, h.seq, h.peer, [u32(A.OBJID, oid)]));
          return status(h, 0);
        }
        case M.LOOKUP: {
          const want = tb[A.OBJPATH] ? getStr(b, tb[A.OBJPATH]) : null;
          let found = 0;
          for (const [oid, o] of [...objects].sort((x, y) => String(x[1].path).localeCompare(String(y[1].path)))) {
            if (!o.path) continue;
            if (want !== null && !(want.endsWith('*') ? o.path.startsWith(want.slice(0, -1)) : o.path === want)) continue;
            found++;
            send(msg(M.DATA, h.seq, h.peer, [str(A.OBJPATH, o.path), u32(A.OBJID, oid), u32(A.OBJTYPE, oid), o.sig ?? attr(A.SIGNATURE, Buffer.alloc(0))]));
          }
          return status(h, want !== null && !found ? 4 : 0);
        }
        case M.INVOKE: {
          if (!tb[A.OBJID] || !tb[A.METHOD]) return status(h, 2);
          const oid = getU32(b, tb[A.OBJID]);
          const method = getStr(b, tb[A.METHOD]);
          if (oid === 1) {
            const d = tb[A.DATA] ? unbmsg(b, tb[A.DATA].start, tb[A.DATA].end, true) : null;
            if (!d) return status(h, 2);
            if (method === 'register') {
              if (typeof d.object !== 'number' || typeof d.pattern !== 'string') return status(h, 2);
              const o = objects.get(d.object >>> 0);
              if (!o || o.client !== id) return status(h, 6);
              const partial = d.pattern.endsWith('*');
              patterns.push({ pattern: partial ? d.pattern.slice(0, -1) : d.pattern, partial, obj: d.object >>> 0 });
              return status(h, 0);
            }
            if (method === 'send') {
              if (typeof d.id !== 'string' || !d.data || typeof d.data !== 'object') return status(h, 2);
              log(`event ${d.id} from ${id.toString(16)}: ${JSON.stringify(d.data)}`);
              const seen = new Set();
              for (const p of patterns) {
                const o = objects.get(p.obj);
                if (!o || o.client === id || seen.has(p.obj)) continue;
                if (!(p.partial ? d.id.startsWith(p.pattern) : d.id === p.pattern)) continue;
                seen.add(p.obj);
                // as ubusd_create_event_from_msg: OBJID, METHOD = event id, DATA = the data table
                clients.get(o.client)?.write(msg(M.INVOKE, ++eventSeq, 0, [u32(A.OBJID, p.obj), str(A.METHOD, d.id), attr(A.DATA, table(d.data))]));
              }
              return status(h, 0);
            }
            if (method === 'standin.malform') {
              for (const o of objects.values()) {
                if (o.path !== d.path) continue;
                const bad = Buffer.from(msg(M.DATA, 1, 0, [u32(A.OBJID, 7)]));
                bad.writeUInt32BE(0x00000100, 8); // the blob claims 256 bytes; ...
                bad.writeUInt32BE(0x03000200, 12); // ... its first attribute 512: past the message
                clients.get(o.client)?.write(Buffer.concat([bad, Buffer.alloc(256 - 16 + 8)]));
                log(`sent a malformed message to the owner of ${o.path}`);
                return status(h, 0);
              }
              return status(h, 4);
            }
            return status(h, 1);
          }
          const o = objects.get(oid);
          if (!o) return status(h, 4);
          const owner = clients.get(o.client);
          if (!owner) return status(h, 4);
          const parts = [u32(A.OBJID, oid), str(A.METHOD, method)];
          if (tb[A.DATA]) parts.push(attr(A.DATA, b.subarray(tb[A.DATA].start, tb[A.DATA].end)));
          if (tb[A.NO_REPLY]) parts.push(attr(A.NO_REPLY, Buffer.from([1])));
          owner.write(msg(M.INVOKE, h.seq, id, parts));
          return;
        }
        case M.STATUS:
        case M.DATA: {
          // a reply of an object owner: to the caller (hdr.peer), with peer = the object
          if (!tb[A.OBJID]) return;
          const oid = getU32(b, tb[A.OBJID]);
          const o = objects.get(oid);
          if (!o || o.client !== id) return;
          if (h.type === M.STATUS && !tb[A.STATUS]) return;
          if (h.type === M.DATA && !tb[A.DATA]) return;
          const to = clients.get(h.peer);
          if (!to) return;
          const out = Buffer.from(b);
          out.writeUInt32BE(oid, 4);
          to.write(out);
          return;
        }
        default:
          return status(h, 1);
      }
    });
    sock.on('data', (chunk) => {
      try {
        feed(chunk);
      } catch (e) {
        log(`client ${id.toString(16)}: ${e.message}; disconnected`);
        sock.destroy();
        bye();
      }
    });
  });
  srv.listen(path, () => log(`listening on ${path}`));
  const stop = () => { srv.close(); try { unlinkSync(path); } catch {} process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ------------------------------------------------------------------------------------- clients
/** Connects, waits for HELLO; returns {request(type, peer, parts) -> Promise<{status, data[]}>, onInvoke}. */
function connect(path) {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let seq = 0;
    const pending = new Map();
    const api = {
      sock,
      id: 0,
      onInvoke: null,
      request(type, peer, parts) {
        const s = ++seq & 0xffff;
        sock.write(msg(type, s, peer, parts));
        return new Promise((res) => pending.set(s, { res, data: [] }));
      },
    };
    sock.on('error', reject);
    sock.on('data', framer((h, tb, b) => {
      if (h.type === M.HELLO) {
        api.id = h.peer;
        resolve(api);
      } else if (h.type === M.DATA) pending.get(h.seq)?.data.push({ tb, b: Buffer.from(b) });
      else if (h.type === M.STATUS) {
        const p = pending.get(h.seq);
        if (!p) return;
        pending.delete(h.seq);
        p.res({ status: tb[A.STATUS] ? b.readInt32BE(tb[A.STATUS].start) : 2, data: p.data });
      } else if (h.type === M.INVOKE && api.onInvoke) api.onInvoke(h, tb, b);
    }));
  });
}

async function lookup(c, path) {
  const r = await c.request(M.LOOKUP, 0, path === null ? [] : [str(A.OBJPATH, path)]);
  return r.data.map(({ tb, b }) => ({ path: getStr(b, tb[A.OBJPATH]), id: getU32(b, tb[A.OBJID]) }));
}

async function main() {
  const [cmd, sockPath, ...rest] = process.argv.slice(2);
  if (cmd === 'serve') return serve(sockPath);
  const c = await connect(sockPath);
  if (cmd === 'list') {
    for (const o of await lookup(c, null)) console.log(o.path);
    process.exit(0);
  }
  if (cmd === 'call') {
    const [path, method, json] = rest;
    const objs = await lookup(c, path);
    if (!objs.length) {
      console.error('Command failed: Not found');
      process.exit(4);
    }
    const r = await c.request(M.INVOKE, objs[0].id, [u32(A.OBJID, objs[0].id), str(A.METHOD, method), attr(A.DATA, table(json ? JSON.parse(json) : {}))]);
    for (const { tb, b } of r.data) if (tb[A.DATA]) console.log(JSON.stringify(unbmsg(b, tb[A.DATA].start, tb[A.DATA].end, true)));
    if (r.status) console.error(`Command failed: status ${r.status}`);
    process.exit(r.status);
  }
  if (cmd === 'call-repeat') {
    // N sequential invocations on one connection (bench): prints "calls=N ms=T bytes=B"
    const [path, method, n] = rest;
    const [o] = await lookup(c, path);
    if (!o) process.exit(4);
    const req = [u32(A.OBJID, o.id), str(A.METHOD, method), attr(A.DATA, table({}))];
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < Number(n); i++) {
      const r = await c.request(M.INVOKE, o.id, req);
      if (r.status) process.exit(r.status);
      for (const d of r.data) bytes += d.b.length;
    }
    console.log(`calls=${n} ms=${Number(process.hrtime.bigint() - t0) / 1e6} bytes=${bytes}`);
    process.exit(0);
  }
  if (cmd === 'malform') {
    const r = await c.request(M.INVOKE, 1, [u32(A.OBJID, 1), str(A.METHOD, 'standin.malform'), attr(A.DATA, table({ path: rest[0] }))]);
    process.exit(r.status);
  }
  if (cmd === 'listen' || cmd === 'object') {
    const add = await new Promise((res) => {
      const parts = cmd === 'object' ? [str(A.OBJPATH, rest[0]), attr(A.SIGNATURE, Buffer.concat([bmsg('renew', {})]))] : [];
      c.request(M.ADD_OBJECT, 0, parts).then(res);
    });
    const oid = getU32(add.data[0].b, add.data[0].tb[A.OBJID]);
    c.onInvoke = (h, tb, b) => {
      const method = getStr(b, tb[A.METHOD]);
      const data = tb[A.DATA] ? unbmsg(b, tb[A.DATA].start, tb[A.DATA].end, true) : {};
      if (cmd === 'listen') console.log(JSON.stringify({ [method]: data }));
      else appendFileSync(rest[1], JSON.stringify({ method, args: data }) + '\n');
      c.sock.write(msg(M.STATUS, h.seq, h.peer, [u32(A.STATUS, 0), u32(A.OBJID, oid)]));
    };
    if (cmd === 'listen') {
      const r = await c.request(M.INVOKE, 1, [u32(A.OBJID, 1), str(A.METHOD, 'register'), attr(A.DATA, table({ object: oid, pattern: rest[0] }))]);
      if (r.status) process.exit(r.status);
    }
    console.error(`${cmd}: ready`);
    c.sock.on('close', () => process.exit(0));
    return;
  }
  console.error('usage: ubusd-standin.mjs serve|call|list|listen|object|malform SOCK ...');
  process.exit(2);
}
main().catch((e) => {
  console.error(`ubusd-standin: ${e.message}`);
  process.exit(10);
});
