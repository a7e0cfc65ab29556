// wgjs entry point (QuickJS): dispatches to the daemon, the wg-compatible CLI, or tools.
import * as std from 'qjs:std';
import * as sys from 'wgjs:sys';

declare const scriptArgs: string[];

function main(argv: string[]): number {
  const args = argv.slice(1);
  if (args[0] === '--version' || args[0] === '-v' || args[0] === 'version') {
    std.out.puts(`wgjs ${sys.wgjsVersion} (quickjs-ng ${sys.version}, ${sys.arch})\n`);
    return 0;
  }
  std.err.puts('Usage: wgjs [-f/--foreground] INTERFACE-NAME | wgjs --version\n');
  return 1;
}

const code = main(scriptArgs);
if (code >= 0) std.exit(code);
