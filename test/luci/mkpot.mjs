// Regenerates luci-app/po/templates/wgjs.pot: every translatable string of luci-app-wgjs, i.e.
// the string literal of each _('...') / _("...") call in its JavaScript and the menu titles of
// its menu.d JSON (as LuCI's i18n-scan does), with the files and lines they come from.
//   node test/luci/mkpot.mjs          writes the file
//   node test/luci/mkpot.mjs --check  exits 1 when its strings differ from the sources' (the "#:"
//                                     line references are not compared)
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('../../luci-app/', import.meta.url));
const out = join(app, 'po/templates/wgjs.pot');

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  }).sort();
}

/** The JS string literal starting at src[i] (a quote) -> [value, end]. */
function literal(src, i) {
  const q = src[i];
  let v = '';
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j];
    if (c === '\\') {
      const n = src[++j];
      if (n === 'u') { v += String.fromCharCode(parseInt(src.slice(j + 1, j + 5), 16)); j += 4; }
      else v += { n: '\n', t: '\t', r: '\r' }[n] ?? n;
    } else if (c === q) return [v, j + 1];
    else v += c;
  }
  throw new Error('unterminated string');
}

const entries = new Map(); // msgid -> [refs]
const add = (msgid, ref) => { if (msgid) entries.set(msgid, [...(entries.get(msgid) || []), ref]); };
for (const f of files(join(app, 'htdocs'))) {
  if (!f.endsWith('.js')) continue;
  const src = readFileSync(f, 'utf8');
  const re = /(?<![\w.$])_\(\s*(['"])/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const start = m.index + m[0].length - 1;
    const [v, end] = literal(src, start);
    if (!/^\s*[,)]/.test(src.slice(end))) continue; // only a lone literal (or with a context argument)
    add(v, `${relative(app, f)}:${src.slice(0, start).split('\n').length}`);
  }
}
for (const f of files(join(app, 'root/usr/share/luci/menu.d'))) {
  for (const node of Object.values(JSON.parse(readFileSync(f, 'utf8')))) add(node.title, relative(app, f));
}
const esc = (s) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
let pot = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8"\n';
for (const id of [...entries.keys()].sort()) pot += `\n#: ${[...new Set(entries.get(id))].join(' ')}\nmsgid "${esc(id)}"\nmsgstr ""\n`;
if (process.argv.includes('--check')) {
  let cur = '';
  try { cur = readFileSync(out, 'utf8'); } catch {}
  // the strings must match; the "#:" references may lag behind moved lines
  const ids = (t) => t.split('\n').filter((l) => !l.startsWith('#:')).join('\n');
  if (ids(cur) !== ids(pot)) { console.log('wgjs.pot is not up to date: run node test/luci/mkpot.mjs'); process.exit(1); }
  console.log(`wgjs.pot up to date (${entries.size} strings)`);
} else {
  writeFileSync(out, pot);
  console.log(`${relative(process.cwd(), out)}: ${entries.size} strings`);
}
