#!/usr/bin/env node
// Node unit tests: bundle test/unit/*.test.ts exactly as the QuickJS test binary does, then run.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, 'build/test/unit.mjs');
execFileSync(process.execPath, [resolve(root, 'src/tools/bundle.mjs'), 'unit', out], { stdio: 'inherit' });
const r = spawnSync(process.execPath, [out], { stdio: 'inherit' });
process.exit(r.status ?? 1);
