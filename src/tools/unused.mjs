// Exports of src/ that no other file uses: for every exported name of every src/**/*.ts, a search
// for the name as a word in every other .ts/.mjs/.js file of src/ and test/ (and luci-app/ for
// completeness). Declaration files (.d.ts: the native modules' typings) are the C side's
// contract and are left out. Exits 1 when something is unused.
//   node src/tools/unused.mjs
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

function files(dir, exts) {
  const out = [];
  for (const f of readdirSync(dir)) {
    if (f === 'node_modules') continue;
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...files(p, exts));
    else if (exts.some((e) => p.endsWith(e))) out.push(p);
  }
  return out;
}

const sources = files(join(ROOT, 'src'), ['.ts']).filter((f) => !f.endsWith('.d.ts'));
const all = [...files(join(ROOT, 'src'), ['.ts', '.mjs']), ...files(join(ROOT, 'test'), ['.ts', '.mjs', '.js'])];
const text = new Map(all.map((f) => [f, readFileSync(f, 'utf8')]));

let unused = 0;
for (const f of sources) {
  const src = text.get(f);
  const names = new Set();
  for (const m of src.matchAll(/^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum|abstract\s+class)\s+([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of src.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}(?!\s*from)/gm)) {
    for (const part of m[1].split(',')) {
      const n = part.trim().split(/\s+as\s+/).pop();
      if (n) names.add(n);
    }
  }
  for (const n of names) {
    const re = new RegExp(`(^|[^\\w$])${n.replace(/\$/g, '\\$')}([^\\w$]|$)`);
    let used = false;
    for (const [g, t] of text) {
      if (g === f) continue;
      if (re.test(t)) {
        used = true;
        break;
      }
    }
    if (!used) {
      unused++;
      const local = (src.match(new RegExp(re.source, 'g')) ?? []).length > 1;
      console.log(`${local ? 'exported, used only in its file' : 'dead'}: ${relative(ROOT, f)}: ${n}`);
    }
  }
}
console.log(`${sources.length} files; ${unused} unused exports`);
process.exit(unused ? 1 : 0);
