// One UAPI connection's framing (server side): the bytes a client sends, cut into operations
// (`get=1`, `set=1` and its lines up to a blank one), and the bytes answered. The session owns
// both buffers and does a bounded amount of work per step, so the daemon's single loop never
// stalls on one client: a large `get` is rendered a chunk per step, at most OPS_PER_STEP
// operations are handled per step, nothing is read while more than OUT_HIGH bytes of answer
// wait, and every line is scanned once. Limits, each with its own errno:
//   - a line longer than MAX_LINE bytes (wireguard-go's line scanner limit): -EMSGSIZE, closed;
//   - an operation longer than MAX_OPERATION bytes: -ENOMEM, closed;
//   - a first line that is neither get=1 nor set=1: -EINVAL, closed.
// Pure: no syscalls (the daemon's uapiserver.ts reads into inBuf and writes out of outBuf).
import type { SetRequest } from './types.ts';
import { SetParser } from './set.ts';

/** Longest line, without its '\n' (wireguard-go: bufio.Scanner's 64 KiB token limit). */
export const MAX_LINE = 65536;
/** Longest `set=1` operation, in bytes up to its blank line. A 4,000-peer `wg setconf` with
 *  keys, endpoints and keepalives is about 1.2 MB; 4 MiB is room for some 14,000 such peers. */
export const MAX_OPERATION = 4 << 20;
/** Nothing more is read or rendered while this much answer waits to be written. */
export const OUT_HIGH = 65536;
/** Operations handled per step, at most. */
const OPS_PER_STEP = 64;
const IN_INITIAL = 4096;

export interface UapiHandlers {
  /** The `get=1` answer in chunks, the last one ending with "errno=0\n\n" (see renderGetChunks). */
  handleGet(): Iterator<string, void, void>;
  /** Applies a validated request; returns 0 or a NEGATIVE target errno. */
  handleSet(req: SetRequest): number;
  /** The target's errno numbers by name (EINVAL, EPROTO, ENOMEM, EMSGSIZE at least), positive. */
  errno: Record<string, number>;
  /** Told about every failed operation (for the daemon's log). */
  log?(message: string): void;
  /** Overrides of the limits (tests). */
  maxOperation?: number;
  maxLine?: number;
}

const enum State {
  Op, // waiting for "get=1\n" / "set=1\n"
  GetEnd, // after "get=1\n": one more byte, which must be '\n'
  SetBody, // lines up to a blank one
  Closed,
}

export class UapiSession {
  /** Received bytes: inBuf[inStart, inEnd) not handled yet. The owner reads into inBuf[inEnd..). */
  inBuf: Uint8Array = new Uint8Array(IN_INITIAL);
  inStart = 0;
  inEnd = 0;
  /** Answer bytes: outBuf[outStart, outEnd) wait to be written. */
  outBuf: Uint8Array = new Uint8Array(IN_INITIAL);
  outStart = 0;
  outEnd = 0;
  /** No more input will come (the client shut down its sending side). */
  eof = false;
  /** Nothing more will be handled: write what is in outBuf, then close. */
  closed = false;

  private state = State.Op;
  /** inBuf[inStart, scan) holds no '\n' (each byte is looked at once). */
  private scan = 0;
  private opBytes = 0;
  private readonly parser = new SetParser();
  private get: Iterator<string, void, void> | null = null;
  private readonly maxLine: number;
  private readonly maxOp: number;

  constructor(private readonly h: UapiHandlers) {
    this.maxLine = h.maxLine ?? MAX_LINE;
    this.maxOp = h.maxOperation ?? MAX_OPERATION;
  }

  get pending(): number {
    return this.outEnd - this.outStart;
  }

  /** Room to read into: makes inBuf[inEnd, +n) free (n > 0) unless a line is already too long. */
  room(): number {
    if (this.inStart > 0 && this.inEnd === this.inStart) this.inStart = this.inEnd = this.scan = 0;
    let free = this.inBuf.length - this.inEnd;
    if (free > 0) return free;
    if (this.inStart > 0) {
      this.inBuf.copyWithin(0, this.inStart, this.inEnd);
      this.inEnd -= this.inStart;
      this.scan -= this.inStart;
      this.inStart = 0;
    } else if (this.inBuf.length < this.maxLine + 1) {
      const b = new Uint8Array(Math.min(this.inBuf.length * 2, this.maxLine + 1));
      b.set(this.inBuf.subarray(0, this.inEnd));
      this.inBuf = b;
    }
    free = this.inBuf.length - this.inEnd;
    return free;
  }

  /** The owner read n bytes into inBuf[inEnd..); 0 means end of input. */
  received(n: number): void {
    if (n === 0) this.eof = true;
    else this.inEnd += n;
  }

  /** Whether reading more is useful now (no answer backlog, no work waiting on input we have). */
  wantsInput(): boolean {
    return !this.eof && !this.closed && this.get === null && this.pending <= OUT_HIGH && !this.hasLine();
  }

  /** Whether step() has something to do right away. */
  hasWork(): boolean {
    if (this.closed) return false;
    if (this.get !== null) return true;
    return this.hasLine() || (this.eof && this.state !== State.Closed);
  }

  /** Done: nothing more to handle and nothing left to write. */
  finished(): boolean {
    return this.closed && this.pending === 0;
  }

  /**
   * A bounded amount of work: one chunk of the `get` answer in progress, or up to OPS_PER_STEP
   * operations from the input, while no more than OUT_HIGH bytes of answer wait.
   */
  step(): void {
    let ops = 0;
    while (!this.closed && this.pending <= OUT_HIGH) {
      if (this.get !== null) {
        const r = this.get.next();
        if (r.done) {
          this.get = null;
          continue;
        }
        this.write(r.value);
        return; // one chunk per step
      }
      if (ops >= OPS_PER_STEP) return;
      const nl = this.findLine();
      if (nl < 0) {
        this.checkPartial();
        return;
      }
      if (this.state === State.GetEnd) {
        ops += this.getEnd();
        continue;
      }
      const start = this.inStart;
      this.inStart = nl + 1;
      this.scan = this.inStart;
      if (this.state === State.Op) this.operation(start, nl);
      else ops += this.setLine(start, nl);
    }
  }

  /** Test and tool helper: feeds a whole chunk and runs every step; returns the answer. */
  feedText(text: string): string {
    let out = '';
    let i = 0;
    for (;;) {
      while (this.hasWork()) {
        this.step();
        out += this.take();
      }
      if (i >= text.length || this.closed) return out;
      const n = Math.min(this.room(), text.length - i);
      if (n > 0) {
        for (let k = 0; k < n; k++) this.inBuf[this.inEnd + k] = text.charCodeAt(i + k) & 0xff;
        this.received(n);
        i += n;
      }
      this.step(); // also: a line too long for the buffer, answered by its limit
      out += this.take();
    }
  }

  /** Test and tool helper: end of input; handles what is left; returns the answer. */
  endText(): string {
    this.received(0);
    let out = '';
    while (this.hasWork()) {
      this.step();
      out += this.take();
    }
    return out + this.take();
  }

  /** Removes and returns the pending answer as text (tests and tools). */
  take(): string {
    let s = '';
    for (let i = this.outStart; i < this.outEnd; i++) s += String.fromCharCode(this.outBuf[i]!);
    this.outStart = this.outEnd = 0;
    return s;
  }

  /** The owner wrote n bytes from outBuf[outStart..). */
  wrote(n: number): void {
    this.outStart += n;
    if (this.outStart === this.outEnd) this.outStart = this.outEnd = 0;
  }

  // ---------------------------------------------------------------- internals

  private hasLine(): boolean {
    return this.state !== State.Closed && this.findLine() >= 0;
  }

  /** Offset of the next '\n' in the unhandled input, or -1 (each byte scanned once). */
  private findLine(): number {
    if (this.state === State.GetEnd) return this.inEnd > this.inStart ? this.inStart : -1;
    const b = this.inBuf;
    for (let i = this.scan; i < this.inEnd; i++) {
      if (b[i] === 10) {
        this.scan = i;
        return i;
      }
    }
    this.scan = this.inEnd;
    return -1;
  }

  /** No complete line in the input: enforce the limits on the partial one, handle end of input. */
  private checkPartial(): void {
    const partial = this.inEnd - this.inStart;
    if (this.state === State.Op && partial > 16) {
      this.abort('EINVAL', 'invalid UAPI operation');
      return;
    }
    if (partial > this.maxLine) {
      this.abort('EMSGSIZE', `UAPI line longer than ${this.maxLine} bytes`);
      return;
    }
    if (this.state === State.SetBody && this.opBytes + partial > this.maxOp) {
      this.abort('ENOMEM', 'UAPI operation too large');
      return;
    }
    if (!this.eof) return;
    // end of input: a set without its blank line is still applied (as wireguard-go does); an
    // unfinished get or operation line is dropped
    if (this.state === State.SetBody) {
      if (partial > 0) this.parser.line(this.text(this.inStart, this.inEnd));
      this.runSet();
    }
    this.inStart = this.inEnd = this.scan = 0;
    this.close();
  }

  private operation(start: number, nl: number): void {
    const op = this.text(start, nl);
    if (op === 'get=1') this.state = State.GetEnd;
    else if (op === 'set=1') {
      this.state = State.SetBody;
      this.opBytes = 0;
    } else this.abort('EINVAL', `invalid UAPI operation: ${JSON.stringify(op.slice(0, 16))}`);
  }

  private getEnd(): number {
    const c = this.inBuf[this.inStart]!;
    this.inStart++;
    this.scan = this.inStart;
    this.state = State.Op;
    if (c !== 10) {
      this.h.log?.(`trailing character in UAPI get: ${JSON.stringify(String.fromCharCode(c))}`);
      this.errnoLine('EINVAL');
    } else this.get = this.h.handleGet();
    return 1;
  }

  private setLine(start: number, nl: number): number {
    const len = nl - start;
    this.opBytes += len + 1;
    if (len > this.maxLine) {
      this.abort('EMSGSIZE', `UAPI line longer than ${this.maxLine} bytes`);
      return 1;
    }
    if (this.opBytes > this.maxOp) {
      this.abort('ENOMEM', 'UAPI operation too large');
      return 1;
    }
    if (len === 0 || (len === 1 && this.inBuf[start] === 13)) {
      this.state = State.Op;
      this.runSet();
      return 1;
    }
    this.parser.line(this.text(start, nl));
    return 0;
  }

  private runSet(): void {
    const r = this.parser.finish();
    if (!r.ok) {
      this.h.log?.(r.message);
      this.errnoLine(r.errno);
      return;
    }
    const n = this.h.handleSet(r.req);
    wipeRequest(r.req);
    this.write(`errno=${n}\n\n`);
  }

  private errnoLine(name: string): void {
    const n = this.h.errno[name] ?? this.h.errno.EINVAL ?? 22;
    this.write(`errno=${-n}\n\n`);
  }

  private abort(errno: string, message: string): void {
    this.h.log?.(message);
    this.errnoLine(errno);
    this.close();
  }

  private close(): void {
    this.closed = true;
    this.state = State.Closed;
    this.get = null;
    this.parser.finish();
    this.inStart = this.inEnd = this.scan = 0;
  }

  /** inBuf[a, b) as text, one char per byte (latin1: UAPI is ASCII; other bytes stay distinct). */
  private text(a: number, b: number): string {
    const buf = this.inBuf;
    let s = '';
    for (let i = a; i < b; i += 4096) s += String.fromCharCode.apply(null, Array.from(buf.subarray(i, Math.min(b, i + 4096))));
    return s;
  }

  /** Appends ASCII text to the answer. */
  private write(s: string): void {
    const n = s.length;
    if (this.outEnd + n > this.outBuf.length) {
      if (this.outStart > 0) {
        this.outBuf.copyWithin(0, this.outStart, this.outEnd);
        this.outEnd -= this.outStart;
        this.outStart = 0;
      }
      if (this.outEnd + n > this.outBuf.length) {
        let cap = this.outBuf.length * 2;
        while (cap < this.outEnd + n) cap *= 2;
        const b = new Uint8Array(cap);
        b.set(this.outBuf.subarray(0, this.outEnd));
        this.outBuf = b;
      }
    }
    const o = this.outBuf;
    let j = this.outEnd;
    for (let i = 0; i < n; i++) o[j++] = s.charCodeAt(i);
    this.outEnd = j;
  }
}

/** The key material of an applied (or refused) request is not kept around. */
function wipeRequest(req: SetRequest): void {
  req.privateKey?.fill(0);
  for (const p of req.peers) p.presharedKey?.fill(0);
}
