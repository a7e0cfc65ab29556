#!/usr/bin/env node
// Node unit tests: bundle test/unit/*.test.ts exactly as the QuickJS test binary does, then run.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `node test/run-unit.mjs NAME` runs only test files whose name contains NAME.
if (process.argv[2]) process.env.WGJS_TEST_FILTER = process.argv[2];
const out = resolve(root, `build/test/unit${process.argv[2] ? '-' + process.pid : ''}.mjs`);
execFileSync(process.execPath, [resolve(root, 'src/tools/bundle.mjs'), 'unit', out], { stdio: 'inherit' });
const r = spawnSync(process.execPath, [out], { stdio: 'inherit' });
process.exit(r.status ?? 1);
