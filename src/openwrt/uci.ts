// UCI configuration files (/etc/config/*) and `uci export` output: reader and writer.
// Pure: text in, data out (runs under QuickJS and Node alike).
//
// The syntax rules follow libuci's parser (file.c):
//  - One command per line: `package NAME`, `config TYPE [NAME]`, `option NAME [VALUE]`,
//    `list NAME [VALUE]`; the command words may be abbreviated to p, c, o, l. Blank lines and
//    lines whose first word starts with '#' are ignored.
//  - Arguments are separated by whitespace. An argument is made of adjacent parts: 'single
//    quoted' (everything literal, may span lines), "double quoted" (may span lines; a backslash
//    takes the next character literally) and unquoted text (a backslash takes the next character
//    literally; '#' starts a comment that runs to the end of the line). Parts concatenate:
//    'a'"b"c is "abc". A backslash at the end of a line (outside single quotes) joins the next
//    line. CR is whitespace outside quotes, so CRLF files read like LF files.
//  - ';' outside quotes ends a command; another one may follow on the same line.
//  - Names: packages [A-Za-z0-9_-], sections and options [A-Za-z0-9_]; types any printable
//    ASCII except space.
//  - `option NAME` with an empty or missing value deletes the option; `list NAME VALUE` appends
//    (turning an existing single value into a list); `option` replaces a list. A named section
//    declared twice is the same section (a different type is an error). `package NAME` switches
//    to that package (as `uci import` does); with `single: true` (as `uci_load` reads one
//    /etc/config file) package lines are checked but ignored.
// Deliberate differences from libuci, for inputs libuci mangles: a ';' right after an unquoted
// word separates commands (libuci drops the rest of that line), and a line continuation between
// two arguments keeps the second one (libuci ends the first argument there with an empty value).
//
// Anonymous sections get libuci's own names, so ids match `uci show -X` and what LuCI sends:
// "cfg" + 2 hex digits of the section's ordinal in its package (1-based, counting every section
// declaration that created a section) + 4 hex digits of the DJB hash of its type, taken when the
// section is created (libuci's uci_fixup_section runs before any option is added).
//
// Errors are reported as "FILE:LINE: message" with libuci's messages; nothing is returned then.

export type UciValue = string | string[];

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

export interface UciParseOptions {
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

function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
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

/** Where an argument ended. */
const END_WS = 0; // whitespace: more arguments may follow
const END_LINE = 1; // end of line, comment or end of input
const END_CMD = 2; // ';'

class Lexer {
  pos = 0;
  line = 1;
  constructor(readonly text: string) {}

  atEof(): boolean {
    return this.pos >= this.text.length;
  }

  /** At '\n' (or EOF): end of the physical line. */
  atEol(): boolean {
    return this.pos >= this.text.length || this.text.charCodeAt(this.pos) === 10;
  }

  /** Moves past the '\n' that ends the current line (if any). */
  nextLine(): void {
    const nl = this.text.indexOf('\n', this.pos);
    if (nl < 0) this.pos = this.text.length;
    else {
      this.pos = nl + 1;
      this.line++;
    }
  }

  /** Skips spaces, tabs and CRs (not the newline). */
  skipBlank(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 10 || !isWs(c)) break;
      this.pos++;
    }
  }

  /**
   * At a backslash: a line continuation (backslash before "\n", "\r\n" or the end of input) is
   * consumed and returns null; otherwise consumes both characters and returns the escaped one.
   */
  backslash(): string | null {
    const t = this.text;
    const p = this.pos + 1;
    if (p >= t.length) {
      this.pos = p;
      return null;
    }
    if (t.charCodeAt(p) === 10 || (t.charCodeAt(p) === 13 && (p + 1 >= t.length || t.charCodeAt(p + 1) === 10))) {
      this.pos = p;
      this.nextLine();
      return null;
    }
    this.pos = p + 1;
    return t[p]!;
  }

  /** The command word: raw characters up to whitespace, ';' not special. */
  word(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !isWs(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** One argument at the current position (not at whitespace/EOL). */
  arg(): { value: string; end: number } {
    const t = this.text;
    let v = '';
    for (;;) {
      if (this.pos >= t.length) return { value: v, end: END_LINE };
      const c = t.charCodeAt(this.pos);
      if (c === 39 /* ' */) {
        const startLine = this.line;
        const close = t.indexOf("'", this.pos + 1);
        if (close < 0) throw new UciSyntaxError(startLine, "EOF with unterminated '");
        const part = t.slice(this.pos + 1, close);
        for (let i = 0; i < part.length; i++) if (part.charCodeAt(i) === 10) this.line++;
        v += part;
        this.pos = close + 1;
      } else if (c === 34 /* " */) {
        const startLine = this.line;
        this.pos++;
        for (;;) {
          if (this.pos >= t.length) throw new UciSyntaxError(startLine, 'EOF with unterminated "');
          const d = t.charCodeAt(this.pos);
          if (d === 34) {
            this.pos++;
            break;
          }
          if (d === 92 /* \ */) {
            const e = this.backslash();
            if (e !== null) v += e;
            continue;
          }
          if (d === 10) this.line++;
          v += t[this.pos];
          this.pos++;
        }
      } else if (c === 92) {
        const e = this.backslash();
        if (e !== null) v += e;
      } else if (c === 35 /* # */) {
        this.nextLineStay();
        return { value: v, end: END_LINE };
      } else if (c === 59 /* ; */) {
        this.pos++;
        return { value: v, end: END_CMD };
      } else if (c === 10) {
        return { value: v, end: END_LINE };
      } else if (isWs(c)) {
        return { value: v, end: END_WS };
      } else {
        v += t[this.pos];
        this.pos++;
      }
    }
  }

  /** Skips to the '\n' of the current line without consuming it (a comment). */
  nextLineStay(): void {
    const nl = this.text.indexOf('\n', this.pos);
    this.pos = nl < 0 ? this.text.length : nl;
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

function runCommand(b: Builder, cmd: string, args: string[], line: number, single: boolean): void {
  // libuci: nothing after the command word -> "<cmd> without name"; an empty first argument
  // ('' or "") -> "insufficient arguments"; one argument too many -> "too many arguments"
  const arity = (max: number, missing: string) => {
    if (args.length === 0) throw new UciSyntaxError(line, missing);
    if (args[0] === '') throw new UciSyntaxError(line, 'insufficient arguments');
    if (args.length > max) throw new UciSyntaxError(line, 'too many arguments');
  };
  switch (cmd) {
    case 'p':
    case 'package': {
      arity(1, 'package without name');
      if (!validName(args[0]!, true)) throw new UciSyntaxError(line, 'invalid character in name field');
      if (!single) openPackage(b, args[0]!, line);
      return;
    }
    case 'c':
    case 'config': {
      arity(2, 'config without name');
      const type = args[0]!;
      if (!validType(type)) throw new UciSyntaxError(line, 'invalid character in type field');
      const name = args[1] ?? '';
      if (name !== '' && !validName(name, false)) throw new UciSyntaxError(line, 'invalid character in name field');
      if (!b.current) {
        if (b.defaultName === undefined) throw new UciSyntaxError(line, 'attempting to import a file without a package name');
        openPackage(b, b.defaultName, line);
      }
      const pkg = b.current!;
      if (name !== '') {
        const existing = pkg.sections.find((s) => s.name === name);
        if (existing) {
          if (existing.type !== type) {
            throw new UciSyntaxError(line, 'section of different type overwrites prior section with same name');
          }
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
        line,
        options: new Map(),
      };
      pkg.sections.push(s);
      b.section = s;
      return;
    }
    case 'o':
    case 'option':
    case 'l':
    case 'list': {
      if (!b.section) throw new UciSyntaxError(line, 'option/list command found before the first section');
      arity(2, 'option without name');
      const name = args[0]!;
      if (!validName(name, false)) throw new UciSyntaxError(line, 'invalid character in name field');
      const value = args[1] ?? '';
      const opts = b.section.options;
      if (cmd[0] === 'o') {
        if (value === '') opts.delete(name);
        else opts.set(name, value);
      } else {
        const old = opts.get(name);
        if (old === undefined) opts.set(name, [value]);
        else if (typeof old === 'string') opts.set(name, [old, value]);
        else old.push(value);
      }
      return;
    }
    default:
      throw new UciSyntaxError(line, 'invalid command');
  }
}

/** Parses UCI text. Returns every package it defines, or the first error. */
export function parseUci(text: string, opts: UciParseOptions = {}): UciParseResult {
  const file = opts.file ?? '-';
  const lx = new Lexer(text);
  const b: Builder = { packages: [], current: null, counts: new Map(), section: null, defaultName: opts.package };
  try {
    while (!lx.atEof()) {
      // one physical line (plus continuation lines), possibly several ';'-separated commands
      for (;;) {
        lx.skipBlank();
        if (lx.atEol()) break;
        const line = lx.line;
        const cmd = lx.word();
        if (cmd.charCodeAt(0) === 35) {
          lx.nextLineStay();
          break;
        }
        const args: string[] = [];
        let end = END_WS;
        for (;;) {
          lx.skipBlank();
          if (lx.atEol()) {
            end = END_LINE;
            break;
          }
          if (lx.text.charCodeAt(lx.pos) === 59) {
            lx.pos++;
            end = END_CMD;
            break;
          }
          if (lx.text.charCodeAt(lx.pos) === 35) {
            lx.nextLineStay();
            end = END_LINE;
            break;
          }
          const a = lx.arg();
          args.push(a.value);
          if (a.end !== END_WS) {
            end = a.end;
            break;
          }
        }
        runCommand(b, cmd, args, line, opts.single === true);
        if (end === END_LINE) break;
      }
      lx.nextLine();
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
export function uciSections(pkg: UciPackage, type?: string): UciSection[] {
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

export interface UciFormatOptions {
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
