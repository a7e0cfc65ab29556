// The import graph of src/ (type-only imports included): prints each directory's dependencies,
// every import cycle between files, and every import that goes upward in the layer order below.
// Exits 1 when there is a cycle or an upward import.
//   node src/tools/imports.mjs [--files]     (--files: also every file's imports)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const SRC = join(ROOT, 'src');
// Lower layers first; a file may import its own layer or lower ones. Within a layer, files may
// import each other (without cycles).
const LAYERS = [
  ['util', 'platform'],
  ['crypto', 'native'],
  ['noise', 'uapi', 'config', 'netlink'],
  ['device'],
  ['client'],
  ['cli', 'openwrt', 'ubus'],
  ['daemon'],
  ['main.ts', 'tools'],
];

function layerOf(rel) {
  for (let i = 0; i < LAYERS.length; i++) {
    for (const p of LAYERS[i]) if (rel === p || rel.startsWith(p + '/')) return i;
  }
  return -1;
}

function files(dir) {
  const out = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const graph = new Map();
for (const f of files(SRC)) {
  const text = readFileSync(f, 'utf8');
  const deps = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+['"](\.[^'"]+)['"]/gm)) {
    deps.push(resolve(dirname(f), m[1]));
  }
  graph.set(f, deps);
}

const rel = (f) => relative(SRC, f);
let bad = 0;

// cycles: Tarjan's strongly connected components
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const on = new Set();
const sccs = [];
function strong(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  on.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      c.push(w);
    } while (w !== v);
    if (c.length > 1) sccs.push(c);
  }
}
for (const v of graph.keys()) if (!idx.has(v)) strong(v);
for (const c of sccs) {
  bad++;
  console.log(`cycle: ${c.map(rel).join(' <-> ')}`);
}

// upward imports
for (const [f, deps] of graph) {
  const lf = layerOf(rel(f));
  for (const d of deps) {
    const ld = layerOf(rel(d));
    if (lf < 0 || ld < 0) {
      console.log(`unlayered: ${rel(f)} -> ${rel(d)}`);
      bad++;
    } else if (ld > lf) {
      console.log(`upward: ${rel(f)} -> ${rel(d)}`);
      bad++;
    }
  }
}

// directory summary
const dirs = new Map();
for (const [f, deps] of graph) {
  const df = dirname(rel(f)) === '.' ? rel(f) : dirname(rel(f));
  const set = dirs.get(df) ?? new Set();
  for (const d of deps) {
    const dd = dirname(rel(d)) === '.' ? rel(d) : dirname(rel(d));
    if (dd !== df) set.add(dd);
  }
  dirs.set(df, set);
}
for (const [d, set] of [...dirs].sort()) console.log(`${d} -> ${[...set].sort().join(', ') || '(nothing)'}`);
if (process.argv.includes('--files')) {
  for (const [f, deps] of [...graph].sort()) console.log(`${rel(f)}: ${deps.map(rel).join(' ')}`);
}
console.log(`${graph.size} files; ${sccs.length} cycles; ${bad - sccs.length} upward or unlayered imports`);
process.exit(bad ? 1 : 0);
