#!/usr/bin/env node
// Bundles TypeScript for QuickJS (and Node tests) with esbuild: one ES module, platform neutral.
//   node src/tools/bundle.mjs main  OUT.mjs   -> the product (src/main.ts)
//   node src/tools/bundle.mjs unit  OUT.mjs   -> every test/unit/*.test.ts (runs under Node and QuickJS)
//   node src/tools/bundle.mjs qjstest OUT.mjs -> unit tests + test/native/*.test.ts (QuickJS only)
// WGJS_TEST_FILTER=substr limits the test bundles to files whose name contains substr.
import { build } from 'esbuild';
import { readdirSync, mkdirSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [kind, outArg] = process.argv.slice(2);
if (!['main', 'unit', 'qjstest'].includes(kind) || !outArg) {
  console.error('usage: bundle.mjs main|unit|qjstest OUT.mjs');
  process.exit(2);
}
const out = resolve(outArg);

function testFiles(dir) {
  try {
    return readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.test.ts'))
      .filter((f) => !process.env.WGJS_TEST_FILTER || f.includes(process.env.WGJS_TEST_FILTER))
      .sort()
      .map((f) => join(root, dir, f));
  } catch {
    return [];
  }
}

let entry;
if (kind === 'main') {
  entry = join(root, 'src/main.ts');
} else {
  const files = testFiles('test/unit');
  if (kind === 'qjstest') files.push(...testFiles('test/native'));
  const gen = join(root, 'build/test', `${kind}-entry-${process.pid}.ts`);
  mkdirSync(dirname(gen), { recursive: true });
  const rel = (f) => './' + relative(dirname(gen), f).replace(/\\/g, '/');
  writeFileSync(
    gen,
    [
      `import { runAll } from ${JSON.stringify(rel(join(root, 'test/harness/harness.ts')))};`,
      ...files.map((f) => `import ${JSON.stringify(rel(f))};`),
      `runAll(${JSON.stringify(files.map((f) => relative(root, f)))});`,
      '',
    ].join('\n'),
  );
  entry = gen;
}
const cleanup = () => { if (kind !== 'main') try { unlinkSync(entry); } catch {} };

// The crypto backend seam (src/crypto/backend.ts): the QuickJS bundles use the native primitives
// (wgjs:crypto); Node's unit bundle keeps the @noble reference that backend.ts re-exports.
const backendFile = join(root, 'src/crypto/backend.ts');
const nativeBackend = {
  name: 'wgjs-native-crypto',
  setup(b) {
    b.onResolve({ filter: /backend\.ts$/ }, (args) =>
      resolve(args.resolveDir, args.path) === backendFile ? { path: join(root, 'src/crypto/native.ts') } : undefined);
  },
};

await build({
  entryPoints: [entry],
  plugins: kind === 'unit' ? [] : [nativeBackend],
  // the product is minified (shorter names in its bytecode: ~7 KB less on every arch); the test
  // bundles keep names so failures read well
  minify: kind === 'main',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['import', 'default'],
  target: 'es2022',
  outfile: out,
  external: ['wgjs:sys', 'wgjs:crypto', 'qjs:std', 'qjs:os'],
  legalComments: 'none',
  logLevel: 'warning',
}).finally(cleanup);
