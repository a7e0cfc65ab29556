// A ubus client (what libubus does for a daemon, event-driven): connects to ubusd's unix
// socket, waits for HELLO, registers its objects (ADD_OBJECT with method signatures), answers
// INVOKEs of them (DATA reply + STATUS), sends events (INVOKE of ubusd's event object, method
// "send") and invokes other objects by path (LOOKUP, then INVOKE). I/O goes through UbusIo (the
// daemon's reactor in the product, a fake in tests): one read per readiness callback, writes
// only when the socket can take them, the rest queued. Handlers are bound once; a message is
// parsed in place in the receive buffer. A malformed or oversized message, a read/write error
// or EOF closes the connection with one log line and never throws out of the callbacks;
// reconnection backs off from RETRY_MIN_MS to RETRY_MAX_MS (libubus's auto-connect retries
// every second) and registers the objects again. Without ubusd the client just keeps retrying.
import type { Logger } from '../platform/types.ts';
import { BlobError, BlobWriter } from './blob.ts';
import { decodeTable, writeField, writeTableBody, type BlobmsgValue, type Decoded } from './blobmsg.ts';
import {
  ATTR_DATA, ATTR_METHOD, ATTR_NO_REPLY, ATTR_OBJID, ATTR_OBJPATH, ATTR_SIGNATURE, ATTR_STATUS,
  beginMessage, finishMessage, messageLength, MSG_ADD_OBJECT, MSG_DATA, MSG_HELLO, MSG_INVOKE,
  MSG_LOOKUP, MSG_STATUS, parseMessage, STATUS_CONNECTION_FAILED, STATUS_INVALID_ARGUMENT,
  STATUS_METHOD_NOT_FOUND, STATUS_NOT_FOUND, STATUS_OK, STATUS_UNKNOWN_ERROR, SYSTEM_OBJECT_EVENT,
  UBUS_MAX_MSGLEN, UBUS_MSG_HDR, UbusMsg,
} from './proto.ts';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;
/** Bytes per write() (the socket reports writable with at least 3/4 of its buffer free). */
const WRITE_SLICE = 16384;
/** Queued output past this means ubusd stopped reading: the connection is dropped. */
const OUT_MAX = UBUS_MAX_MSGLEN + 65536;
const READ_CHUNK = 65536;
const PENDING_MAX = 64;

/** The system calls the client needs (src/ubus/io.ts: QuickJS + the daemon's reactor). */
export interface UbusIo {
  exists(path: string): boolean;
  /** A connected stream socket (throws on failure). */
  connect(path: string): number;
  /** Bytes read, 0 at EOF, -1 when nothing is there; throws on errors. */
  read(fd: number, buf: Uint8Array, off: number, len: number): number;
  /** Bytes written, -1 when it would block; throws on errors. */
  write(fd: number, buf: Uint8Array, off: number, len: number): number;
  /** A write of up to WRITE_SLICE bytes would not block (waits up to waitMs). */
  writable(fd: number, waitMs: number): boolean;
  close(fd: number): void;
  onReadable(fd: number, fn: (() => void) | null): void;
  onWritable(fd: number, fn: (() => void) | null): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(t: unknown): void;
}

/** What a method returns: reply data (status 0) or a bare status code. */
type UbusReply = number | { [k: string]: BlobmsgValue };

interface UbusMethod {
  name: string;
  /** Argument name -> blobmsg type (the signature ubus -v list shows). */
  args?: Record<string, number>;
  call(args: { [k: string]: Decoded }): UbusReply;
}

export interface UbusObject {
  path: string;
  methods: UbusMethod[];
}

interface Registered {
  def: UbusObject;
  id: number;
}

/** An outstanding request of ours, by seq. */
interface Pending {
  kind: 'add' | 'lookup' | 'invoke';
  obj: Registered | null;
  /** lookup: the object id found; invoke: its target. */
  id: number;
  method: string;
  data: { [k: string]: BlobmsgValue } | null;
  done: ((status: number) => void) | null;
}

export class UbusClient {
  fd = -1;
  /** Our client id (HELLO), 0 while not connected. */
  localId = 0;
  private helloSeen = false;
  private readonly objects: Registered[] = [];
  private readonly byId = new Map<number, Registered>();
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private rbuf = new Uint8Array(READ_CHUNK);
  private rdv = new DataView(this.rbuf.buffer);
  private rlen = 0;
  private out = new Uint8Array(READ_CHUNK);
  private oStart = 0;
  private oEnd = 0;
  private writeWatch = false;
  private retryMs = RETRY_MIN_MS;
  private timer: unknown = null;
  private failLogged = false;
  private stopped = false;
  private readonly w = new BlobWriter(4096, UBUS_MAX_MSGLEN + UBUS_MSG_HDR);
  private readonly m = new UbusMsg();
  /** Counters (tests, bench): messages in, invokes answered, reconnects. */
  readonly stats = { messages: 0, invokes: 0, connects: 0, malformed: 0 };
  // bound once: no closure per message
  private readonly onRead = (): void => this.readable();
  private readonly onWrite = (): void => this.flush();
  private readonly onRetry = (): void => {
    this.timer = null;
    this.connect();
  };

  constructor(
    private readonly io: UbusIo,
    private readonly log: Logger,
    readonly paths: string[],
    private readonly tag = 'ubus',
  ) {}

  /** Connected and greeted by ubusd. */
  get connected(): boolean {
    return this.fd >= 0 && this.helloSeen;
  }

  /** Registers an object now (when connected) and after every reconnection. */
  addObject(def: UbusObject): void {
    const r: Registered = { def, id: 0 };
    this.objects.push(r);
    if (this.connected) this.sendAdd(r);
  }

  /** Object id ubusd gave `path` on this connection (0 while not registered). */
  objectId(path: string): number {
    for (const r of this.objects) if (r.def.path === path) return r.id;
    return 0;
  }

  /** First connection attempt (then retries on their own). */
  start(): void {
    this.stopped = false;
    if (this.fd < 0 && this.timer === null) this.connect();
  }

  /** Closes the connection for good (queued output is written first, up to waitMs). */
  stop(waitMs = 0): void {
    if (waitMs > 0) this.drain(waitMs);
    this.stopped = true;
    if (this.timer !== null) this.io.clearTimer(this.timer);
    this.timer = null;
    this.drop();
  }

  /** Sends event `id` with `data` (ubus send); false when not connected (nothing sent). */
  sendEvent(id: string, data: { [k: string]: BlobmsgValue }): boolean {
    if (!this.connected) return false;
    const w = this.w;
    const top = beginMessage(w, MSG_INVOKE, this.nextSeq(), SYSTEM_OBJECT_EVENT);
    w.putU32(ATTR_OBJID, SYSTEM_OBJECT_EVENT);
    w.putString(ATTR_METHOD, 'send');
    const d = w.open();
    writeField(w, 'id', id);
    writeField(w, 'data', data);
    w.close(d, ATTR_DATA, false);
    finishMessage(w, top);
    return this.send();
  }

  /** Invokes `method` of the object at `path` (LOOKUP, then INVOKE); `done` gets the final
   *  status (STATUS_NOT_FOUND when there is no such object). False when not connected. */
  invokePath(path: string, method: string, data: { [k: string]: BlobmsgValue }, done: ((status: number) => void) | null): boolean {
    if (!this.connected) return false;
    const seq = this.nextSeq();
    const w = this.w;
    const top = beginMessage(w, MSG_LOOKUP, seq, 0);
    w.putString(ATTR_OBJPATH, path);
    finishMessage(w, top);
    this.track(seq, { kind: 'lookup', obj: null, id: 0, method, data, done });
    return this.send();
  }

  /** Writes what is queued, waiting up to waitMs for the socket (shutdown only). */
  drain(waitMs: number): void {
    if (this.fd < 0) return;
    const until = Date.now() + waitMs;
    while (this.oStart < this.oEnd && this.fd >= 0) {
      const left = until - Date.now();
      if (left <= 0 || !this.io.writable(this.fd, left)) return;
      this.flush();
    }
  }

  // ---------------------------------------------------------------------------- connection

  private connect(): void {
    if (this.stopped || this.fd >= 0) return;
    let err = 'no socket';
    for (const p of this.paths) {
      if (!this.io.exists(p)) continue;
      try {
        this.fd = this.io.connect(p);
      } catch (e) {
        err = `${p}: ${String((e as Error).message ?? e)}`;
        continue;
      }
      this.rlen = 0;
      this.oStart = this.oEnd = 0;
      this.helloSeen = false;
      this.io.onReadable(this.fd, this.onRead);
      this.log.debug(`${this.tag}: connected to ${p}, waiting for ubusd's hello`);
      return;
    }
    if (!this.failLogged) this.log.debug(`${this.tag}: no ubusd (${err}); retrying in the background`);
    this.failLogged = true;
    this.retry();
  }

  private retry(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = this.io.setTimer(this.onRetry, this.retryMs);
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  /** Closes the socket; requests in flight fail with CONNECTION_FAILED. */
  private drop(): void {
    if (this.fd >= 0) {
      this.io.onReadable(this.fd, null);
      if (this.writeWatch) this.io.onWritable(this.fd, null);
      this.writeWatch = false;
      try {
        this.io.close(this.fd);
      } catch {
        /* closing anyway */
      }
    }
    this.fd = -1;
    this.localId = 0;
    this.helloSeen = false;
    this.rlen = 0;
    this.oStart = this.oEnd = 0;
    this.byId.clear();
    for (const r of this.objects) r.id = 0;
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) this.finish(p, STATUS_CONNECTION_FAILED);
  }

  /** The connection is gone or unusable: one log line, then reconnect with backoff. */
  private lost(why: string): void {
    const was = this.connected;
    this.log.error(`${this.tag}: ${why}; ${was ? 'reconnecting' : 'retrying'}`);
    this.drop();
    this.failLogged = false;
    this.retry();
  }

  // ---------------------------------------------------------------------------- receiving

  private readable(): void {
    const fd = this.fd;
    if (fd < 0) return;
    try {
      if (this.rlen === this.rbuf.length) this.grow(this.rbuf.length * 2);
      let n: number;
      try {
        n = this.io.read(fd, this.rbuf, this.rlen, this.rbuf.length - this.rlen);
      } catch (e) {
        this.lost(`read from ubusd failed (${String((e as Error).message ?? e)})`);
        return;
      }
      if (n === 0) {
        this.lost('ubusd closed the connection');
        return;
      }
      if (n < 0) return;
      this.rlen += n;
      let off = 0;
      while (this.fd === fd && this.rlen - off >= UBUS_MSG_HDR + 4) {
        const total = messageLength(this.rdv, off);
        if (this.rlen - off < total) {
          if (total > this.rbuf.length) {
            this.compact(off);
            off = 0;
            this.grow(total);
          }
          break;
        }
        parseMessage(this.rbuf, this.rdv, off, total, this.m);
        this.stats.messages++;
        this.dispatch(this.m);
        off += total;
      }
      if (this.fd === fd) this.compact(off);
    } catch (e) {
      if (e instanceof BlobError) {
        this.stats.malformed++;
        this.lost(`malformed message from ubusd (${e.message}), connection closed`);
      } else this.lost(`internal error (${String((e as Error).message ?? e)}), connection closed`);
    }
  }

  private compact(off: number): void {
    if (off === 0) return;
    this.rbuf.copyWithin(0, off, this.rlen);
    this.rlen -= off;
  }

  private grow(size: number): void {
    let cap = this.rbuf.length;
    while (cap < size) cap *= 2;
    if (cap === this.rbuf.length) return;
    const b = new Uint8Array(cap);
    b.set(this.rbuf.subarray(0, this.rlen));
    this.rbuf = b;
    this.rdv = new DataView(b.buffer);
  }

  private dispatch(m: UbusMsg): void {
    switch (m.type) {
      case MSG_HELLO:
        if (this.helloSeen) return;
        this.helloSeen = true;
        this.localId = m.peer;
        this.retryMs = RETRY_MIN_MS;
        this.stats.connects++;
        this.log.verbose(`${this.tag}: connected to ubusd (client id ${m.peer.toString(16).padStart(8, '0')})`);
        for (const r of this.objects) this.sendAdd(r);
        return;
      case MSG_DATA: {
        const p = this.pending.get(m.seq);
        if (!p || !m.has(ATTR_OBJID)) return;
        if (p.kind === 'add' && p.obj) {
          p.obj.id = m.u32(ATTR_OBJID);
          this.byId.set(p.obj.id, p.obj);
        } else if (p.kind === 'lookup') p.id = m.u32(ATTR_OBJID);
        return;
      }
      case MSG_STATUS: {
        const p = this.pending.get(m.seq);
        if (!p) return;
        this.pending.delete(m.seq);
        this.finish(p, m.has(ATTR_STATUS) ? m.u32(ATTR_STATUS) | 0 : STATUS_INVALID_ARGUMENT);
        return;
      }
      case MSG_INVOKE:
        if (this.helloSeen) this.invoked(m);
        return;
      default:
        return; // NOTIFY (subscribers), UNSUBSCRIBE, MONITOR: nothing subscribes here
    }
  }

  private finish(p: Pending, status: number): void {
    if (p.kind === 'add') {
      if (status === STATUS_CONNECTION_FAILED) return; // the connection dropped: registered again on the next
      if (status !== STATUS_OK) this.log.error(`${this.tag}: ubusd refused object ${p.obj?.def.path} (status ${status})`);
      else this.log.verbose(`${this.tag}: object ${p.obj?.def.path} registered (id ${p.obj?.id.toString(16)})`);
      return;
    }
    if (p.kind === 'lookup' && status === STATUS_OK && p.id !== 0 && this.connected) {
      this.sendInvoke(p.id, p.method, p.data ?? {}, p.done);
      return;
    }
    if (p.kind === 'lookup' && status === STATUS_OK) status = STATUS_NOT_FOUND;
    if (p.done) {
      try {
        p.done(status);
      } catch (e) {
        this.log.error(`${this.tag}: ${String((e as Error).message ?? e)}`);
      }
    }
  }

  /** An INVOKE of one of our objects: run the method, send DATA (if any) and STATUS. */
  private invoked(m: UbusMsg): void {
    if (!m.has(ATTR_OBJID)) return;
    const objid = m.u32(ATTR_OBJID);
    const seq = m.seq;
    const peer = m.peer;
    const noReply = m.has(ATTR_NO_REPLY) && m.u8(ATTR_NO_REPLY) !== 0;
    const r = this.byId.get(objid);
    let status = STATUS_OK;
    let reply: UbusReply = STATUS_OK;
    if (!r) status = STATUS_NOT_FOUND;
    else if (!m.has(ATTR_METHOD)) status = STATUS_INVALID_ARGUMENT;
    else {
      const name = m.string(ATTR_METHOD);
      let method: UbusMethod | null = null;
      for (const x of r.def.methods) if (x.name === name) method = x;
      if (!method) status = STATUS_METHOD_NOT_FOUND;
      else if (!m.has(ATTR_DATA)) status = STATUS_INVALID_ARGUMENT;
      else {
        let args: { [k: string]: Decoded } | null = null;
        const [a, b] = m.payload(ATTR_DATA);
        try {
          args = decodeTable(m.buf, a, b);
        } catch (e) {
          // the caller's arguments are bad, not ubusd's framing: answer, keep the connection
          if (!(e instanceof BlobError)) throw e;
          status = STATUS_INVALID_ARGUMENT;
        }
        if (args) {
          try {
            reply = method.call(args);
          } catch (e) {
            this.log.error(`${this.tag}: ${r.def.path} ${name}: ${String((e as Error).message ?? e)}`);
            reply = STATUS_UNKNOWN_ERROR;
          }
          status = typeof reply === 'number' ? reply : STATUS_OK;
        }
      }
    }
    this.stats.invokes++;
    if (noReply) return;
    const w = this.w;
    if (typeof reply === 'object') {
      const top = beginMessage(w, MSG_DATA, seq, peer);
      w.putU32(ATTR_OBJID, objid);
      const d = w.open();
      writeTableBody(w, reply);
      w.close(d, ATTR_DATA, false);
      finishMessage(w, top);
      if (!this.send(false)) return;
    }
    const top = beginMessage(w, MSG_STATUS, seq, peer);
    w.putU32(ATTR_STATUS, status);
    w.putU32(ATTR_OBJID, r ? objid : 0);
    finishMessage(w, top);
    this.send(); // DATA and STATUS in one write
  }

  // ---------------------------------------------------------------------------- sending

  private nextSeq(): number {
    this.seq = (this.seq + 1) & 0xffff;
    return this.seq;
  }

  private track(seq: number, p: Pending): void {
    if (this.pending.size >= PENDING_MAX) {
      // ubusd answers every request; this many unanswered ones means it lost them
      const first = this.pending.keys().next().value as number;
      const old = this.pending.get(first)!;
      this.pending.delete(first);
      this.finish(old, STATUS_CONNECTION_FAILED);
    }
    this.pending.set(seq, p);
  }

  private sendAdd(r: Registered): void {
    const seq = this.nextSeq();
    const w = this.w;
    const top = beginMessage(w, MSG_ADD_OBJECT, seq, 0);
    w.putString(ATTR_OBJPATH, r.def.path);
    const sig = w.open();
    for (const m of r.def.methods) {
      const sigs: { [k: string]: BlobmsgValue } = {};
      for (const k in m.args ?? {}) sigs[k] = m.args![k]!;
      writeField(w, m.name, sigs);
    }
    w.close(sig, ATTR_SIGNATURE, false);
    finishMessage(w, top);
    this.track(seq, { kind: 'add', obj: r, id: 0, method: '', data: null, done: null });
    this.send();
  }

  private sendInvoke(objid: number, method: string, data: { [k: string]: BlobmsgValue }, done: ((status: number) => void) | null): void {
    const seq = this.nextSeq();
    const w = this.w;
    const top = beginMessage(w, MSG_INVOKE, seq, objid);
    w.putU32(ATTR_OBJID, objid);
    w.putString(ATTR_METHOD, method);
    const d = w.open();
    writeTableBody(w, data);
    w.close(d, ATTR_DATA, false);
    finishMessage(w, top);
    this.track(seq, { kind: 'invoke', obj: null, id: objid, method, data: null, done });
    this.send();
  }

  /** Queues the message in this.w and (unless `now` is false) writes what the socket takes;
   *  false if the connection was dropped. */
  private send(now = true): boolean {
    const n = this.w.len;
    if (this.fd < 0) return false;
    if (this.oEnd + n > this.out.length) {
      // compact, then grow
      if (this.oStart > 0) {
        this.out.copyWithin(0, this.oStart, this.oEnd);
        this.oEnd -= this.oStart;
        this.oStart = 0;
      }
      if (this.oEnd + n > OUT_MAX) {
        this.lost('ubusd does not read its socket (output queue full)');
        return false;
      }
      if (this.oEnd + n > this.out.length) {
        let cap = this.out.length * 2;
        while (cap < this.oEnd + n) cap *= 2;
        const b = new Uint8Array(cap);
        b.set(this.out.subarray(0, this.oEnd));
        this.out = b;
      }
    }
    this.out.set(this.w.buf.subarray(0, n), this.oEnd);
    this.oEnd += n;
    if (now) this.flush();
    return this.fd >= 0;
  }

  private flush(): void {
    const fd = this.fd;
    if (fd < 0) return;
    try {
      while (this.oStart < this.oEnd) {
        let n = -1;
        if (this.io.writable(fd, 0)) n = this.io.write(fd, this.out, this.oStart, Math.min(WRITE_SLICE, this.oEnd - this.oStart));
        if (n < 0) {
          if (!this.writeWatch) this.io.onWritable(fd, this.onWrite);
          this.writeWatch = true;
          return;
        }
        this.oStart += n;
      }
    } catch (e) {
      this.lost(`write to ubusd failed (${String((e as Error).message ?? e)})`);
      return;
    }
    this.oStart = this.oEnd = 0;
    if (this.writeWatch) this.io.onWritable(fd, null);
    this.writeWatch = false;
  }
}
