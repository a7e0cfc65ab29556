// wgjs entry point (QuickJS). For now: `wgjs --version`; the daemon (`wgjs [-f] IFNAME`) and the
// wg-compatible CLI (`wgjs genkey|show|set ...`, or invoked through a link named `wg`) hook in here.
import * as sys from 'wgjs:sys';
import { args, createLogger, exit, getenv, parseLogLevel, writeErr, writeOut } from './platform/qjs.ts';
import { runDaemon } from './daemon/daemon.ts';

export const USAGE = 'Usage: wgjs [-f/--foreground] INTERFACE-NAME\n       wgjs --version\n';

function main(argv: string[]): number {
  const rest = argv.slice(1);
  if (rest.length === 1 && (rest[0] === '--version' || rest[0] === '-v')) {
    writeOut(`wgjs ${sys.wgjsVersion} (quickjs-ng ${sys.version}, ${sys.arch})\n`);
    return 0;
  }
  if (rest.length === 0 || rest[0] === '-h' || rest[0] === '--help') {
    writeErr(USAGE);
    return rest.length === 0 ? 1 : 0;
  }
  // wgjs [-f|--foreground] IFNAME: the daemon; -1 = keep running in the event loop
  return runDaemon(rest, createLogger(parseLogLevel(getenv('LOG_LEVEL'))));
}

const code = main(args());
if (code >= 0) exit(code);
