// UCI configuration files (/etc/config/*) and `uci export` output: reader and writer.
// Pure: bytes or text in, data out (runs under QuickJS and Node alike).
//
// The reader reproduces libuci's parser (file.c, checked against libuci built from source): same
// data, same errors, for every input, including the inputs libuci treats oddly. Its model:
//  - Input is read line by line as fgets does into libuci's growing buffer (32 bytes, doubled):
//    a NUL byte ends what that read returned (the rest of it is lost, the next read is appended).
//    A backslash before the line end (LF, CRLF or the end of input), outside single quotes,
//    appends the next line in place of the line end; a quoted string that is still open at the
//    end of the line continues on the next line (the line end is part of the value).
//  - A line holds commands. A command word is taken up to a space or tab only (so "config\r"
//    or a word running into the line end is an invalid command); `#` as its first character
//    ignores the rest of the line. `package NAME`, `config TYPE [NAME]`, `option NAME [VALUE]`,
//    `list NAME [VALUE]` (or p, c, o, l) then read exactly that many arguments, and one more
//    that must be empty ("too many arguments").
//  - An argument: whitespace (space, \t-\r) is skipped; a ';' there ends the command (the
//    argument is empty); otherwise parts are joined up to whitespace: 'single quoted' (all
//    literal), "double quoted" (a backslash takes the next character literally) and unquoted
//    text (the same backslash rule; '#' starts a comment to the end of the line). After an
//    argument made only of unquoted characters, a ';' is lost together with the rest of the
//    line; after one with quotes or backslashes the ';' ends the command and the next command
//    follows (a line end right after that ';' is then read as a command word: invalid).
//  - `option NAME ''` (empty value) changes nothing; `list NAME ''` appends an empty item;
//    `list` turns a single value into a list, `option` replaces a list. A named section declared
//    again is the same section (another type is an error). `package NAME` switches packages (as
//    `uci import` does); with `single: true` (uci_load reading one /etc/config file) package
//    lines are checked and ignored.
//  - Names: packages [A-Za-z0-9_-], sections and options [A-Za-z0-9_]; types any printable ASCII
//    except space. Errors are "FILE:LINE: message" with libuci's message and line (the count of
//    complete lines read when it stopped); nothing is returned then.
//
// Values are bytes, as in libuci. Given a Uint8Array, the bytes that are valid UTF-8 become
// text; every other byte becomes the lone surrogate U+DC80+byte (Python's "surrogateescape"),
// so a Latin-1 description survives unchanged: formatUciBytes / uciEncode turn those back into
// the original bytes. A string input is taken as the UTF-8 text of the bytes (escapes included).
//
// Anonymous sections get libuci's own names, so ids match `uci show -X` and what LuCI sends:
// "cfg" + 2 hex digits of the section's ordinal in its package (1-based, counting every section
// declaration that created a section) + 4 hex digits of the DJB hash of its type, taken when the
// section is created (libuci's uci_fixup_section runs before any option is added).
import { utf8Encode } from '../util/bytes.ts';

type UciValue = string | string[];

export interface UciSection {
  /** The given name, or the generated "cfgNNHHHH" of an anonymous section. */
  name: string;
  type: string;
  anonymous: boolean;
  /** Position among the package's sections of the same type (uci's `@type[index]`). */
  index: number;
  /** Line of the `config` statement that created the section. */
  line: number;
  /** In file order; a list keeps its items in order. */
  options: Map<string, UciValue>;
}

export interface UciPackage {
  name: string;
  sections: UciSection[];
}

interface UciParseOptions {
  /** Used in error messages (default "-"). */
  file?: string;
  /** Package for sections that appear before any `package` line (uci_import's `name`). */
  package?: string;
  /** Ignore `package` lines (reading one /etc/config file, as uci_load does). */
  single?: boolean;
}

export type UciParseResult =
  | { ok: true; packages: UciPackage[] }
  | { ok: false; error: string; file: string; line: number; message: string };

class UciSyntaxError {
  constructor(readonly line: number, readonly message: string) {}
}

function validName(s: string, allowDash: boolean): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (allowDash && c === 45);
    if (!ok) return false;
  }
  return true;
}

function validType(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/** libuci's djbhash over a string, 31-bit result. */
function djbHash(s: string): number {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 33) + s.charCodeAt(i)) >>> 0;
  return h & 0x7fffffff;
}

function hex(n: number, width: number): string {
  let s = n.toString(16);
  while (s.length < width) s = '0' + s;
  return s;
}

/** libuci's name for the anonymous section created as the package's `ordinal`-th section. */
export function anonymousSectionName(ordinal: number, type: string): string {
  return `cfg${hex(ordinal, 2)}${hex(djbHash(type) % 65536, 4)}`;
}

/** UTF-8 bytes -> text; a byte that does not start a valid UTF-8 sequence becomes U+DC80+byte. */
export function uciDecode(bytes: Uint8Array | string): string {
  const at = typeof bytes === 'string' ? (i: number) => bytes.charCodeAt(i) : (i: number) => bytes[i]!;
  const n = bytes.length;
  let out = '';
  let chunk: number[] = [];
  const push = (cp: number) => {
    chunk.push(cp);
    if (chunk.length >= 4096) {
      out += String.fromCodePoint(...chunk);
      chunk = [];
    }
  };
  for (let i = 0; i < n; ) {
    const b = at(i);
    if (b < 0x80) {
      push(b);
      i++;
      continue;
    }
    let len = 0;
    let cp = 0;
    let min = 0;
    if (b >= 0xc2 && b <= 0xdf) [len, cp, min] = [2, b & 0x1f, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [len, cp, min] = [3, b & 0x0f, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [len, cp, min] = [4, b & 0x07, 0x10000];
    let ok = len > 0 && i + len <= n;
    for (let k = 1; ok && k < len; k++) {
      const c = at(i + k);
      if ((c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      push(cp);
      i += len;
    } else {
      push(0xdc00 + b);
      i++;
    }
  }
  return out + String.fromCodePoint(...chunk);
}

/** Text -> bytes: UTF-8, except U+DC80..U+DCFF, which stand for the byte (see uciDecode). */
export function uciEncode(text: string): Uint8Array {
  return utf8Encode(text, true);
}

/** Bytes as a string of char codes 0..255 (what the reader works on). */
function byteString(input: string | Uint8Array): string {
  const b = typeof input === 'string' ? uciEncode(input) : input;
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** The end of the buffer (libuci's NUL terminator). */
const END = -1;
const LINEBUF = 32;

/** libuci's isspace (C locale): space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * libuci's parse state for one input: the line buffer (a byte string whose end is libuci's
 * terminating NUL), the read position in it, and the input behind it read as fgets would.
 */
class Reader {
  buf = '';
  pos = 0;
  /** libuci's line counter: lines read that ended with a line feed. */
  lines = 0;
  /** libuci's buf_filled: where the last successful read ended. */
  filled = 0;
  /** Physical line where the current logical line starts (1-based). */
  startLine = 1;
  private bufsz = 0;
  private off = 0;
  constructor(readonly data: string) {}

  more(): boolean {
    return this.off < this.data.length;
  }

  cur(): number {
    return this.pos < this.buf.length ? this.buf.charCodeAt(this.pos) : END;
  }

  at(i: number): number {
    return i < this.buf.length ? this.buf.charCodeAt(i) : END;
  }

  /** Reads the next line into the buffer from `offset` on (uci_getln). */
  readLine(offset: number): void {
    if (this.bufsz === 0) this.bufsz = LINEBUF;
    if (offset >= this.bufsz - 1) this.bufsz *= 2;
    this.buf = this.buf.slice(0, offset);
    for (;;) {
      if (this.off >= this.data.length) return;
      // fgets: at most bufsz - len - 1 bytes, up to and including a line feed
      const room = this.bufsz - this.buf.length - 1;
      const nl = this.data.indexOf('\n', this.off);
      const stop = Math.min(nl < 0 ? this.data.length : nl + 1, this.off + room);
      let got = this.data.slice(this.off, stop);
      this.off = stop;
      const nul = got.indexOf('\0');
      if (nul >= 0) got = got.slice(0, nul); // strlen stops at a NUL byte
      if (got.length === 0) return;
      this.buf += got;
      this.filled = this.buf.length;
      if (got.charCodeAt(got.length - 1) === 10) {
        this.lines++;
        return;
      }
      this.bufsz *= 2;
    }
  }

  /** Ends the line here (libuci writes its NUL over the current character). */
  cut(): void {
    this.buf = this.buf.slice(0, this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.buf.length && isSpace(this.buf.charCodeAt(this.pos))) this.pos++;
  }

  /** At a backslash: true if the next character is to be taken literally (pos is at it);
   *  false after a line continuation (the next line now follows in place of the line end). */
  backslash(): boolean {
    this.pos++;
    const c = this.cur();
    if (c === END || c === 10 || (c === 13 && this.at(this.pos + 1) === 10 && this.at(this.pos + 2) === END)) {
      this.readLine(this.pos);
      return false;
    }
    return true;
  }

  /** A quoted part (pos at the opening quote); returns its value. */
  quoted(q: number): string {
    let v = '';
    this.pos++;
    for (;;) {
      const c = this.cur();
      if (c === q) {
        this.pos++;
        return v;
      }
      if (c === END) {
        this.readLine(this.pos);
        if (this.cur() === END) throw new UciSyntaxError(this.lines, q === 39 ? "EOF with unterminated '" : 'EOF with unterminated "');
        continue;
      }
      if (c === 92 && q === 34 && !this.backslash()) continue;
      v += this.buf[this.pos];
      this.pos++;
    }
  }

  /** One argument (libuci's next_arg): '' at the end of the line or command. */
  arg(): string {
    this.skipSpace();
    if (this.cur() === 59 /* ; */) {
      this.pos++;
      return '';
    }
    let v = '';
    let plain = true; // only unquoted characters so far: libuci's copy has not fallen behind
    for (;;) {
      const c = this.cur();
      if (c === 39 || c === 34) {
        plain = false;
        v += this.quoted(c);
      } else if (c === 35 /* # */) {
        this.cut();
        return v;
      } else if (c === END) {
        return v;
      } else if (c === 59) {
        if (plain) this.cut(); // libuci's terminating NUL lands on the ';': the line ends
        return v;
      } else if (c === 92 /* \ */) {
        plain = false;
        if (this.backslash()) {
          v += this.buf[this.pos];
          this.pos++;
        }
      } else {
        v += this.buf[this.pos];
        this.pos++;
      }
      const d = this.cur();
      if (d === END || isSpace(d)) break;
    }
    if (this.cur() !== END) this.pos++; // the whitespace after the argument
    return v;
  }

  /** The next command word (strtok on space and tab), or null at the end of the line; pos is
   *  left after the word's delimiter. `short` is set when no delimiter followed the word. */
  word(): { word: string; short: boolean } | null {
    const b = this.buf;
    let p = this.pos;
    while (p < b.length && (b.charCodeAt(p) === 32 || b.charCodeAt(p) === 9)) p++;
    if (p >= b.length) return null;
    let q = p;
    while (q < b.length && b.charCodeAt(q) !== 32 && b.charCodeAt(q) !== 9) q++;
    const short = q + 1 > this.filled;
    this.pos = Math.min(q + 1, b.length);
    return { word: b.slice(p, q), short };
  }
}

interface Builder {
  packages: UciPackage[];
  current: UciPackage | null;
  counts: Map<UciPackage, number>;
  section: UciSection | null;
  defaultName: string | undefined;
}

function openPackage(b: Builder, name: string, line: number): void {
  for (const p of b.packages) {
    if (p.name === name) throw new UciSyntaxError(line, `duplicate package '${name}'`);
  }
  const p: UciPackage = { name, sections: [] };
  b.packages.push(p);
  b.current = p;
  b.counts.set(p, 0);
  b.section = null;
}

/** One command (the word is already read); its arguments are read from `r`. */
function runCommand(b: Builder, r: Reader, cmd: { word: string; short: boolean }, single: boolean): void {
  const err = (message: string): never => {
    throw new UciSyntaxError(r.lines, message);
  };
  const w = cmd.word;
  const is = (short: string, long: string) => w === short || w === long;
  // a command word with nothing after it at the very end of the input: "<cmd> without name"
  const needArgs = (what: string) => {
    if (cmd.short) err(`${what} without name`);
  };
  const required = (): string => {
    const v = r.arg();
    if (v === '') err('insufficient arguments');
    return v;
  };
  const eol = () => {
    if (r.arg() !== '') err('too many arguments');
  };
  if (is('p', 'package')) {
    needArgs('package');
    const name = required();
    if (!validName(name, true)) err('invalid character in name field');
    eol();
    if (!single) openPackage(b, name, r.lines);
  } else if (is('c', 'config')) {
    if (!b.current) {
      if (b.defaultName === undefined) err('attempting to import a file without a package name');
      openPackage(b, b.defaultName!, r.lines);
    }
    needArgs('config');
    const type = required();
    if (!validType(type)) err('invalid character in type field');
    const name = r.arg();
    if (name !== '' && !validName(name, false)) err('invalid character in name field');
    eol();
    const pkg = b.current!;
    if (name !== '') {
      const existing = pkg.sections.find((s) => s.name === name);
      if (existing) {
        if (existing.type !== type) err('section of different type overwrites prior section with same name');
        b.section = existing;
        return;
      }
    }
    const ordinal = b.counts.get(pkg)! + 1;
    b.counts.set(pkg, ordinal);
    let index = 0;
    for (const s of pkg.sections) if (s.type === type) index++;
    const s: UciSection = {
      name: name !== '' ? name : anonymousSectionName(ordinal, type),
      type,
      anonymous: name === '',
      index,
      line: r.startLine,
      options: new Map(),
    };
    pkg.sections.push(s);
    b.section = s;
  } else if (is('o', 'option') || is('l', 'list')) {
    if (!b.section) err('option/list command found before the first section');
    needArgs('option');
    const name = required();
    if (!validName(name, false)) err('invalid character in name field');
    const value = uciDecode(r.arg());
    eol();
    const opts = b.section!.options;
    if (w[0] === 'o') {
      if (value !== '') opts.set(name, value); // an empty value changes nothing (libuci's uci_set)
    } else {
      const old = opts.get(name);
      if (old === undefined) opts.set(name, [value]);
      else if (typeof old === 'string') opts.set(name, [old, value]);
      else old.push(value);
    }
  } else {
    err('invalid command');
  }
}

/** Parses UCI bytes (or their text). Returns every package it defines, or the first error. */
export function parseUci(input: string | Uint8Array, opts: UciParseOptions = {}): UciParseResult {
  const file = opts.file ?? '-';
  const r = new Reader(byteString(input));
  const b: Builder = { packages: [], current: null, counts: new Map(), section: null, defaultName: opts.package };
  try {
    while (r.more()) {
      r.pos = 0;
      r.startLine = r.lines + 1;
      r.readLine(0);
      if (r.buf.length === 0) continue;
      r.skipSpace();
      for (;;) {
        const cmd = r.word();
        if (!cmd || cmd.word.charCodeAt(0) === 35) break;
        runCommand(b, r, cmd, opts.single === true);
      }
    }
  } catch (e) {
    if (e instanceof UciSyntaxError) {
      return { ok: false, error: `${file}:${e.line}: ${e.message}`, file, line: e.line, message: e.message };
    }
    throw e;
  }
  if (b.packages.length === 0 && opts.package !== undefined) b.packages.push({ name: opts.package, sections: [] });
  return { ok: true, packages: b.packages };
}

/** The option as `config_get` sees it: a single value, or a list's items joined by spaces. */
export function uciGet(s: UciSection, name: string): string | undefined {
  const v = s.options.get(name);
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(' ');
}

/** The option as a list: a list's items, a single value as one item, nothing as []. */
export function uciList(s: UciSection, name: string): string[] {
  const v = s.options.get(name);
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : v.slice();
}

/** The package's sections, or only those of one type, in file order. */
function uciSections(pkg: UciPackage, type?: string): UciSection[] {
  return type === undefined ? pkg.sections.slice() : pkg.sections.filter((s) => s.type === type);
}

/** A section by name ("lan", "cfg0a1b2c") or uci's "@type[index]" (negative counts from the end). */
export function uciFindSection(pkg: UciPackage, ref: string): UciSection | undefined {
  const m = /^@([^\[\]]+)\[(-?[0-9]+)\]$/.exec(ref);
  if (m) {
    const list = uciSections(pkg, m[1]!);
    let i = Number(m[2]);
    if (i < 0) i += list.length;
    return list[i];
  }
  return pkg.sections.find((s) => s.name === ref);
}

/** "@type[index]" for anonymous sections, the name for named ones (how `uci show` names them). */
export function uciSectionRef(s: UciSection): string {
  return s.anonymous ? `@${s.type}[${s.index}]` : s.name;
}

/** A value in single quotes, embedded quotes written as '\'' (libuci's uci_escape). */
export function uciQuote(s: string): string {
  return `'${s.split("'").join("'\\''")}'`;
}

interface UciFormatOptions {
  /** Write the `package NAME` line (as `uci export` does). Default true. */
  header?: boolean;
  /** Also name anonymous sections (as `uci -n export`). Default false. */
  names?: boolean;
}

/** Writes packages the way `uci export` does (reads back to the same data). */
export function formatUci(pkgs: UciPackage | UciPackage[], opts: UciFormatOptions = {}): string {
  let out = '';
  for (const p of Array.isArray(pkgs) ? pkgs : [pkgs]) {
    if (opts.header !== false) out += `package ${p.name}\n`;
    for (const s of p.sections) {
      out += `\nconfig ${/['"#;\\]/.test(s.type) ? uciQuote(s.type) : s.type}`;
      if (!s.anonymous || opts.names) out += ` ${uciQuote(s.name)}`;
      out += '\n';
      for (const [name, v] of s.options) {
        if (typeof v === 'string') out += `\toption ${name} ${uciQuote(v)}\n`;
        else for (const item of v) out += `\tlist ${name} ${uciQuote(item)}\n`;
      }
    }
    out += '\n';
  }
  return out;
}

/** formatUci as bytes: the file libuci would write (bytes read from a file come back unchanged). */
export function formatUciBytes(pkgs: UciPackage | UciPackage[], opts: UciFormatOptions = {}): Uint8Array {
  return uciEncode(formatUci(pkgs, opts));
}
