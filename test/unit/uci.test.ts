import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  anonymousSectionName, formatUci, formatUciBytes, parseUci, uciDecode, uciEncode, uciFindSection, uciGet, uciList, uciQuote,
  uciSectionRef, type UciPackage, type UciParseResult,
} from '../../src/openwrt/uci.ts';
import { LIBUCI_CASES } from '../fixtures/uci/libuci.ts';
import { MALFORMED, SYNTAX_EXPECTED, SYNTAX_TEXT } from '../fixtures/uci/syntax.ts';
import { seededInt } from '../helpers/random.ts';

const t = suite('openwrt/uci');

function plain(pkgs: UciPackage[]) {
  return pkgs.map((p) => ({
    name: p.name,
    sections: p.sections.map((s) => ({
      name: s.name,
      type: s.type,
      anonymous: s.anonymous,
      index: s.index,
      line: s.line,
      options: [...s.options].map(([k, v]) => [k, typeof v === 'string' ? v : v.slice()]),
    })),
  }));
}

function ok(r: UciParseResult): UciPackage[] {
  if (!r.ok) throw new Error(`unexpected parse error: ${r.error}`);
  return r.packages;
}

t('every syntax form gives the data libuci gives', () => {
  assert.equal(plain(ok(parseUci(SYNTAX_TEXT, { file: 'syntax' }))), SYNTAX_EXPECTED);
});

t('CRLF line ends read like LF when no command word ends a line (a multi-line quoted value keeps its CR)', () => {
  const got = plain(ok(parseUci(SYNTAX_TEXT.replace(/\n/g, '\r\n'))));
  const want = JSON.parse(JSON.stringify(SYNTAX_EXPECTED)) as typeof SYNTAX_EXPECTED;
  for (const o of want[0]!.sections[0]!.options) if (o[0] === 'multi') o[1] = 'line one\r\nline two';
  assert.equal(got, want);
});

t('single: package lines are ignored, one package, ordinals keep counting', () => {
  const pkgs = ok(parseUci(SYNTAX_TEXT, { package: 'network', single: true }));
  assert.is(pkgs.length, 1);
  assert.is(pkgs[0]!.name, 'network');
  assert.equal(pkgs[0]!.sections.map((s) => s.name), ['lan', 'cfg0296fc', 'cfg0396fc', 'cfg04e63d', 'cfg05dc81']);
});

t('anonymous names: libuci scheme (2 hex digits of the ordinal, 4 of the type hash)', () => {
  assert.is(anonymousSectionName(1, 'defaults'), 'cfg01e63d');
  assert.is(anonymousSectionName(2, 'zone'), 'cfg02dc81');
  assert.is(anonymousSectionName(0x1ab, 'zone'), 'cfg1abdc81');
  const pkgs = ok(parseUci("config a 'x'\nconfig b\nconfig a\nconfig a 'x'\nconfig a\n", { package: 'p' }));
  // 'x' redeclared does not create a section: ordinals 1..4
  assert.equal(pkgs[0]!.sections.map((s) => [s.name, s.index]), [['x', 0], [anonymousSectionName(2, 'b'), 0], [anonymousSectionName(3, 'a'), 1], [anonymousSectionName(4, 'a'), 2]]);
});

t('malformed input: FILE:LINE: libuci message, no data', () => {
  for (const [text, line, message] of MALFORMED) {
    const r = parseUci(text, { file: '/etc/config/network', package: 'network' });
    assert.is(r.ok, false, JSON.stringify(text));
    if (r.ok) continue;
    assert.is(r.error, `/etc/config/network:${line}: ${message}`, JSON.stringify(text));
    assert.is(r.line, line);
    assert.is((r as { packages?: unknown }).packages, undefined);
  }
});

t('a file without package name and without default is an error', () => {
  const r = parseUci("config interface 'lan'\n");
  assert.is(r.ok, false);
  if (!r.ok) assert.is(r.error, '-:1: attempting to import a file without a package name');
  assert.equal(ok(parseUci('# only a comment\n')), []);
  assert.equal(plain(ok(parseUci('', { package: 'network' }))), [{ name: 'network', sections: [] }]);
});

t('uci export output with several packages', () => {
  const text = "package dhcp\n\nconfig dnsmasq\n\toption domain 'lan'\n\npackage network\n\nconfig interface 'lan'\n\toption proto 'static'\n\n";
  const pkgs = ok(parseUci(text));
  assert.equal(pkgs.map((p) => p.name), ['dhcp', 'network']);
  assert.is(uciGet(pkgs[1]!.sections[0]!, 'proto'), 'static');
});

t('uciGet / uciList / uciFindSection / uciSectionRef', () => {
  const pkg = ok(parseUci(SYNTAX_TEXT))[0]!;
  const lan = uciFindSection(pkg, 'lan')!;
  assert.is(uciGet(lan, 'dns'), '1.1.1.1 8.8.8.8 9.9.9.9');
  assert.equal(uciList(lan, 'dns'), ['1.1.1.1', '8.8.8.8', '9.9.9.9']);
  assert.equal(uciList(lan, 'proto'), ['static']);
  assert.equal(uciList(lan, 'nothing'), []);
  assert.is(uciGet(lan, 'nothing'), undefined);
  assert.is(uciFindSection(pkg, '@wireguard_wg0[0]')!.name, 'cfg0296fc');
  assert.is(uciFindSection(pkg, '@wireguard_wg0[-1]')!.name, 'cfg0396fc');
  assert.is(uciFindSection(pkg, 'cfg0396fc')!.index, 1);
  assert.is(uciFindSection(pkg, '@wireguard_wg0[2]'), undefined);
  assert.is(uciFindSection(pkg, '@interface[0]'), lan);
  assert.is(uciSectionRef(uciFindSection(pkg, 'cfg0396fc')!), '@wireguard_wg0[1]');
  assert.is(uciSectionRef(lan), 'lan');
});

t('writer: uci export format', () => {
  const pkgs = ok(parseUci("config interface 'wg0'\n option proto wgjs\n list addresses 10.0.0.1/24\n list addresses \"it's\"\nconfig wireguard_wg0\n option public_key abc\n", { package: 'network' }));
  assert.is(
    formatUci(pkgs),
    "package network\n\nconfig interface 'wg0'\n\toption proto 'wgjs'\n\tlist addresses '10.0.0.1/24'\n\tlist addresses 'it'\\''s'\n\nconfig wireguard_wg0\n\toption public_key 'abc'\n\n",
  );
  assert.is(formatUci(pkgs, { header: false, names: true }).split('\n')[6], "config wireguard_wg0 'cfg0296fc'");
  assert.is(uciQuote("a'b"), "'a'\\''b'");
});

t('writer round trip: the syntax fixture reads back identical', () => {
  const first = ok(parseUci(SYNTAX_TEXT));
  const again = ok(parseUci(formatUci(first)));
  const strip = (p: UciPackage[]) => plain(p).map((x) => ({ ...x, sections: x.sections.map((s) => ({ ...s, line: 0 })) }));
  assert.equal(strip(again), strip(first));
  // named export: anonymous sections come back named, same names
  const named = ok(parseUci(formatUci(first, { names: true })));
  assert.equal(named[0]!.sections.map((s) => s.name), first[0]!.sections.map((s) => s.name));
  assert.is(named[0]!.sections[1]!.anonymous, false);
});

t('writer round trip: random values with quotes, backslashes, #, ;, newlines, CR, tabs', () => {
  const rnd = seededInt(0x9e3779b9);
  const alphabet = "ab ;#'\"\\\n\r\t$`x=é.";
  for (let round = 0; round < 40; round++) {
    const pkg: UciPackage = { name: 'p', sections: [] };
    const nsec = 1 + rnd(3);
    for (let i = 0; i < nsec; i++) {
      const options = new Map<string, string | string[]>();
      const nopt = rnd(4);
      for (let j = 0; j < nopt; j++) {
        const val = () => {
          let s = 'v';
          const len = rnd(12);
          for (let k = 0; k < len; k++) s += alphabet[rnd(alphabet.length)];
          return s;
        };
        if (rnd(2)) options.set(`o${j}`, val());
        else options.set(`l${j}`, [val(), val()]);
      }
      pkg.sections.push({ name: `s${i}`, type: 't', anonymous: false, index: i, line: 0, options });
    }
    const back = ok(parseUci(formatUci(pkg)));
    assert.equal(
      back[0]!.sections.map((s) => [s.name, [...s.options]]),
      pkg.sections.map((s) => [s.name, [...s.options]]),
      `round ${round}`,
    );
  }
});

t('abbreviated and ;-separated commands, comments everywhere', () => {
  // "static;" (unquoted) loses the rest of its line; "'a';" ends the command, the next follows
  const pkgs = ok(parseUci("c interface lan # c\no proto static;o mtu 1400\nl dns 'a';l dns b#x\n#o skipped 1\n o x '#not a comment'", { package: 'n' }));
  assert.equal([...pkgs[0]!.sections[0]!.options], [['proto', 'static'], ['dns', ['a', 'b']], ['x', '#not a comment']]);
});

/** bytes (a string of char codes 0..255) -> Uint8Array */
function bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** libuci's `uci -n export` of a package, as bytes in a char-code string (test/openwrt/uci-diff.mjs). */
function libuciExport(p: UciPackage): string {
  const esc = (v: string) => v.split("'").join("'\\''");
  let out = `package ${p.name}\n`;
  for (const s of p.sections) {
    out += `\nconfig ${esc(s.type)} '${esc(s.name)}'\n`;
    for (const [name, v] of s.options) {
      if (typeof v === 'string') out += `\toption ${name} '${esc(v)}'\n`;
      else for (const item of v) out += `\tlist ${name} '${esc(item)}'\n`;
    }
  }
  const b = uciEncode(out + '\n');
  let r = '';
  for (const c of b) r += String.fromCharCode(c);
  return r;
}

t('libuci cases: the same data (or the same error and line) as libuci for every recorded input', () => {
  for (const [title, input, want] of LIBUCI_CASES) {
    const r = parseUci(bytes(input), { file: 'network', package: 'network', single: true });
    const got = r.ok ? libuciExport(r.packages[0]!) : `error ${r.line}: ${r.message}`;
    assert.is(got, want, title);
  }
});

t("libuci: option x '' after option x 'v' keeps 'v' (a stored private_key is never lost)", () => {
  const pkg = ok(parseUci("config interface 'wg0'\n\toption private_key 'kAbc='\n\toption private_key ''\n\toption private_key\n", { package: 'network', single: true }))[0]!;
  assert.is(uciGet(pkg.sections[0]!, 'private_key'), 'kAbc=');
  const fresh = ok(parseUci("config interface 'wg0'\n\toption private_key ''\n", { package: 'network', single: true }))[0]!;
  assert.is(fresh.sections[0]!.options.has('private_key'), false);
});

t("libuci: ';' right after an unquoted word drops the rest of the line, after a quote it separates", () => {
  const pkg = ok(parseUci("config s 'x'\n\toption a v; option b w\n\toption c 'v'; option d w\n\toption e v ; option f w\n", { package: 'p', single: true }))[0]!;
  assert.equal([...pkg.sections[0]!.options.keys()], ['a', 'c', 'd', 'e', 'f']);
  const r = parseUci("config s 'x'\n\toption a 'v';\n", { file: 'f', package: 'p', single: true });
  assert.is(r.ok ? '' : r.error, 'f:2: invalid command');
});

t('libuci: values are bytes; Latin-1 and broken UTF-8 round-trip byte for byte', () => {
  const input = "config interface 'wg0'\n\toption proto 'wgjs'\n\nconfig wireguard_wg0\n\toption description 'Caf\xe9 M\xfcller \xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98'\n\tlist allowed_ips '\xff'\n";
  const pkgs = ok(parseUci(bytes(input), { package: 'network', single: true }));
  const peer = pkgs[0]!.sections[1]!;
  // valid UTF-8 is text, every other byte is U+DC80+byte
  assert.is(uciGet(peer, 'description'), 'Caf\udce9 M\udcfcller \u00e9 \udced\udca0\udc80 \udcf0\udc9f\udc98');
  const out = formatUciBytes(pkgs, { header: false });
  const want = "\nconfig interface 'wg0'\n\toption proto 'wgjs'\n\nconfig wireguard_wg0\n\toption description 'Caf\xe9 M\xfcller \xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98'\n\tlist allowed_ips '\xff'\n\n";
  assert.equal([...out], [...bytes(want)]);
  // and again: parse the written bytes, same data
  const again = ok(parseUci(out, { package: 'network', single: true }));
  assert.is(uciGet(again[0]!.sections[1]!, 'description'), uciGet(peer, 'description'));
});

t('uciDecode / uciEncode: every byte sequence survives, text stays text', () => {
  let x = 7;
  for (let round = 0; round < 200; round++) {
    const b = new Uint8Array(1 + (round % 23));
    for (let i = 0; i < b.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[i] = round % 3 === 0 ? 0x80 | (x >>> 24) % 0x80 : (x >>> 24) & 0xff;
    }
    assert.equal([...uciEncode(uciDecode(b))], [...b], `round ${round}`);
  }
  assert.is(uciDecode(uciEncode('Grüße, 日本, 😀')), 'Grüße, 日本, 😀');
  assert.equal([...uciEncode('\udce9')], [0xe9]);
});

t.run();
