// Runs every queued uvu suite and closes with the line CI reads: `N passed, N failed`.
// Works under Node and inside the QuickJS test binary (which provides globalThis.__wgjsExit).
import './prelude.ts';
import { exec } from 'uvu';

type Runner = () => Promise<[string | true, number, number, number]>;

export function runAll(files: string[]): void {
  const g = globalThis as unknown as Record<string, unknown>;
  const queue = g.UVU_QUEUE as unknown[][];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const group of queue) {
    for (let i = 1; i < group.length; i++) {
      const run = group[i] as Runner;
      group[i] = async () => {
        const r = await run();
        passed += r[1];
        skipped += r[2];
        failed += r[3] - r[1];
        return r;
      };
    }
  }
  exec().then(
    () => {
      console.log(`unit (${files.length} files): ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
      finish(failed === 0 && passed > 0 ? 0 : 1);
    },
    (e: unknown) => {
      console.log(`harness error: ${String(e)}`);
      console.log(`unit: ${passed} passed, ${failed + 1} failed`);
      finish(1);
    },
  );
}

function finish(code: number): void {
  const g = globalThis as unknown as Record<string, unknown>;
  const proc = g.process as { exitCode?: number } | undefined;
  if (typeof g.__wgjsExit === 'function') (g.__wgjsExit as (c: number) => void)(code);
  else if (proc) proc.exitCode = code;
}
