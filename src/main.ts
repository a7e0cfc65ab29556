// wgjs entry point (QuickJS). For now: `wgjs --version`; the daemon (`wgjs [-f] IFNAME`) and the
// wg-compatible CLI (`wgjs genkey|show|set ...`, or invoked through a link named `wg`) hook in here.
import * as sys from 'wgjs:sys';
import { args, createLogger, exit, getenv, parseLogLevel, programName, writeErr, writeOut } from './platform/qjs.ts';
import { runWg } from './cli/wg.ts';
import { makeQjsEnv } from './cli/qjs-env.ts';
import { rpcdMain } from './openwrt/rpcd.ts';
import { uciSyncMain } from './openwrt/ucisync.ts';
import { runDaemon } from './daemon/daemon.ts';

export const USAGE =
  'Usage: wgjs [-f/--foreground] INTERFACE-NAME\n' +
  '       wgjs show|showconf|set|setconf|addconf|syncconf|genkey|genpsk|pubkey ... (as wg(8))\n' +
  '       wgjs uci-sync IFNAME | wgjs rpcd list|call METHOD | wgjs --version\n';

const WG_COMMANDS = ['show', 'showconf', 'set', 'setconf', 'addconf', 'syncconf', 'genkey', 'genpsk', 'pubkey'];

function main(argv: string[]): number {
  const rest = argv.slice(1);
  // invoked through a link named `wg`: behave exactly as wg(8)
  if (programName() === 'wg') return runWg(makeQjsEnv('wg', rest));
  if (rest.length > 0 && WG_COMMANDS.includes(rest[0]!)) return runWg(makeQjsEnv('wgjs', rest));
  if (rest[0] === 'uci-sync') return uciSyncMain(makeQjsEnv('wgjs', rest), rest);
  if (rest[0] === 'rpcd') return rpcdMain(makeQjsEnv('wgjs', rest), rest);
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
