#!/usr/bin/env node
// Differential test of the UCI reader (src/openwrt/uci.ts) against libuci itself: random inputs
// built from the characters and words that matter to libuci's parser (quotes, backslashes, ';',
// '#', CR, LF, NUL, non-UTF-8 bytes, command words), each loaded by the real `uci` CLI
// (`uci -c DIR -n export NAME`) and by parseUci; the exported bytes, or the error message and
// line, must be identical. Needs a `uci` binary built from openwrt/uci: UCI_BIN=/path/to/uci
// (test/openwrt/build-uci.sh builds one from sources you fetched). Without it the test says it
// was skipped and passes nothing.
//   UCI_BIN=... node test/openwrt/uci-diff.mjs [CASES] [SEED]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const uci = process.env.UCI_BIN;
if (!uci) {
  console.log('uci-diff: UCI_BIN not set, skipped (0 passed, 0 failed: nothing compared)');
  process.exit(0);
}
const cases = Number(process.argv[2] ?? 3000);
let seed = Number(process.argv[3] ?? 12345) >>> 0 || 1;
const dir = mkdtempSync(join(tmpdir(), 'wgjs-ucidiff.'));
const bundle = join(dir, 'uci.mjs');
execFileSync(join(root, 'node_modules/.bin/esbuild'), [join(root, 'src/openwrt/uci.ts'), '--bundle', '--format=esm', `--outfile=${bundle}`], { stdio: 'inherit' });
const { parseUci, uciEncode } = await import(pathToFileURL(bundle).href);
const fixture = join(dir, 'libuci.mjs');
execFileSync(join(root, 'node_modules/.bin/esbuild'), [join(root, 'test/fixtures/uci/libuci.ts'), '--bundle', '--format=esm', `--outfile=${fixture}`], { stdio: 'inherit' });
const { LIBUCI_CASES } = await import(pathToFileURL(fixture).href);

function rnd(n) {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
}
const pick = (a) => a[rnd(a.length)];

// libuci's export, byte for byte (uci_export_package with UCI_FLAG_EXPORT_NAME)
function esc(s) {
  return s.split("'").join("'\\''");
}
function exportLikeLibuci(pkg) {
  let out = `package ${esc(pkg.name)}\n`;
  for (const s of pkg.sections) {
    out += `\nconfig ${esc(s.type)} '${esc(s.name)}'\n`;
    for (const [name, v] of s.options) {
      if (typeof v === 'string') out += `\toption ${esc(name)} '${esc(v)}'\n`;
      else for (const item of v) out += `\tlist ${esc(name)} '${esc(item)}'\n`;
    }
  }
  return Buffer.from(uciEncode(out + '\n'));
}

const WORDS = ['config', 'c', 'option', 'o', 'list', 'l', 'package', 'p', 'conf', 'iface', 'wg0', 'a', 'b_1', 'x-y', 'v', '10.0.0.1/24', '$k=', 'é'];
const SEPS = [' ', ' ', ' ', '\t', '  ', '\n', '\r\n', ';', ' ; ', '; ', '#', ' #c', '\\\n', '\\\r\n', '\\', '\r', '\v'];
const PARTS = ["'", '"', "''", '""', "'q q'", '"d\\"q"', "'it'\\''s'", '\\ ', '\\;', '\\#', '\\\\', '\\n', '\x00', '\xe9', '\xff\xfe', '\xc3\xa9', '\xed\xa0\x80', 'é€'];

function value() {
  let v = '';
  const nparts = rnd(4);
  for (let k = 0; k < nparts; k++) v += rnd(2) === 0 ? pick(PARTS) : pick(WORDS);
  return v;
}

// one command, mostly well formed: option/list NAME VALUE, config TYPE [NAME]
function command() {
  const sp = () => (rnd(8) === 0 ? pick(SEPS.slice(0, 5)) : ' ');
  switch (rnd(rnd(10) === 0 ? 5 : 4)) {
    case 0:
    case 1:
      return `${pick(['option', 'o', 'option'])}${sp()}${pick(['a', 'b', 'c', 'x'])}${rnd(6) ? sp() + value() : ''}`;
    case 2:
      return `${pick(['list', 'l', 'list'])}${sp()}${pick(['a', 'b', 'd'])}${rnd(6) ? sp() + value() : ''}`;
    case 3:
      return `${pick(['config', 'c'])}${sp()}${pick(['iface', 'wireguard_wg0', "'t'", 'a"b', 'x;y'])}${rnd(2) ? sp() + pick(["'wg0'", 'lan', "''", '"n"', 'n1', 'b;']) : ''}`;
    default:
      return `${pick(['package', 'p', 'bogus', '#', 'option'])}${pick(SEPS)}${value()}`;
  }
}

function line() {
  let s = rnd(3) === 0 ? pick(['\t', ' ', '  ', '\t ']) : '';
  s += command();
  while (rnd(5) === 0) s += pick([';', ' ;', '; ', ' ; ', ';\t']) + command();
  if (rnd(8) === 0) s += pick(SEPS);
  if (rnd(10) === 0) s += pick([' # comment', '#c', ' \'', '"', ' x', ' \\']);
  return s;
}

function input() {
  const lines = ["config iface 'wg0'"];
  const n = 1 + rnd(7);
  for (let i = 0; i < n; i++) lines.push(line());
  let text = lines.join(pick(['\n', '\n', '\n', '\r\n']));
  if (rnd(3)) text += '\n';
  return Buffer.from(text, 'latin1'); // every char is one byte (UTF-8 parts are spelled as bytes)
}

let okCount = 0;
let pass = 0;
let fail = 0;
const file = join(dir, 'cfg', 'net');
execFileSync('mkdir', ['-p', join(dir, 'cfg'), join(dir, 'save')]);

/** libuci's result for these bytes: its export, or "error LINE: MESSAGE". */
function libuci(bytes) {
  writeFileSync(file, bytes);
  const r = spawnSync(uci, ['-c', join(dir, 'cfg'), '-P', join(dir, 'save'), '-n', 'export', 'net']);
  if (r.status === 0) {
    okCount++;
    return r.stdout.toString('latin1').replace(/^package net\n/, 'package network\n');
  }
  const m = /Parse error \((.*)\) at line (\d+)/.exec(r.stderr.toString('latin1'));
  return m ? `error ${m[2]}: ${m[1]}` : `uci failed: ${r.stderr.toString('latin1')}`;
}

function ours(bytes) {
  const r = parseUci(new Uint8Array(bytes), { file: 'network', package: 'network', single: true });
  return r.ok ? exportLikeLibuci(r.packages[0]).toString('latin1') : `error ${r.line}: ${r.message}`;
}

function check(what, bytes, recorded) {
  const want = libuci(bytes);
  const got = ours(bytes);
  const same = got === want && (recorded === undefined || recorded === want);
  if (same) pass++;
  else {
    fail++;
    if (fail <= 10) {
      console.log(`${what}: input ${JSON.stringify(bytes.toString('latin1'))}\n  libuci: ${JSON.stringify(want)}\n  wgjs:   ${JSON.stringify(got)}`);
      if (recorded !== undefined) console.log(`  fixture: ${JSON.stringify(recorded)}`);
    }
  }
}

for (const [title, text, recorded] of LIBUCI_CASES) check(`fixture '${title}'`, Buffer.from(text, 'latin1'), recorded);
for (let i = 0; i < cases; i++) check(`case ${i}`, input());
rmSync(dir, { recursive: true, force: true });
console.log(`uci-diff: ${LIBUCI_CASES.length} fixture cases and ${cases} random inputs against ${uci} (${okCount} loaded, ${LIBUCI_CASES.length + cases - okCount} parse errors)`);
console.log(`${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
