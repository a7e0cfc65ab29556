// For the shell tests (bundled by esbuild, run by Node; plain JS so that tsc skips it): the bad key values of
// test/fixtures/uci/badkeys.ts, and the leak check over files.
//   list KEY              the bad values made from KEY, one a line
//   check KEY BAD FILE... exit 1 (saying which piece, which file) if a file holds a 12-character
//                         piece of KEY or of BAD; missing files are skipped
import { readFileSync } from 'node:fs';
import { badKeys, leaked } from '../fixtures/uci/badkeys.ts';

const [cmd, key, bad, ...files] = process.argv.slice(2);
if (cmd === 'list') {
  for (const [, v] of badKeys(key)) process.stdout.write(v + '\n');
} else if (cmd === 'check') {
  for (const f of files) {
    let text = '';
    try {
      text = readFileSync(f, 'latin1');
    } catch {
      continue;
    }
    const p = leaked(text, bad, key);
    if (p !== null) {
      process.stderr.write(`key material '${p}' in ${f}\n`);
      process.exit(1);
    }
  }
} else {
  process.stderr.write('usage: badkeys list KEY | check KEY BAD FILE...\n');
  process.exit(2);
}
