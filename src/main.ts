// wgjs entry point (QuickJS): the daemon (`wgjs [-f] IFNAME`), the wg-compatible CLI (`wgjs
// genkey|show|set ...`, or invoked through a link named `wg`), and the OpenWrt commands (rpcd
// plugin, uci-sync, hotplug helpers), chosen by the program name and the first argument.
import * as sys from 'wgjs:sys';
import { args, createLogger, exit, getenv, parseLogLevel, programName, writeErr, writeOut } from './platform/qjs.ts';
import { runWg } from './cli/wg.ts';
import { makeQjsEnv } from './client/qjs-env.ts';
import { rpcdMain } from './openwrt/rpcd.ts';
import { uciSyncMain } from './openwrt/ucisync.ts';
import { runDaemon } from './daemon/daemon.ts';
import { formatIp } from './util/ip.ts';

const USAGE =
  'Usage: wgjs [-f/--foreground] INTERFACE-NAME\n' +
  '       wgjs show|showconf|set|setconf|addconf|syncconf|genkey|genpsk|pubkey ... (as wg(8))\n' +
  '       wgjs uci-sync IFNAME | wgjs rpcd list|call METHOD | wgjs resolve HOST... | wgjs --version\n';

const WG_COMMANDS = ['show', 'showconf', 'set', 'setconf', 'addconf', 'syncconf', 'genkey', 'genpsk', 'pubkey'];

function main(argv: string[]): number {
  const rest = argv.slice(1);
  // invoked through a link named `wg`: behave exactly as wg(8)
  if (programName() === 'wg') return runWg(makeQjsEnv('wg', rest));
  if (rest.length > 0 && WG_COMMANDS.includes(rest[0]!)) return runWg(makeQjsEnv('wgjs', rest));
  if (rest[0] === 'uci-sync') return uciSyncMain(makeQjsEnv('wgjs', rest), rest);
  if (rest[0] === 'resolve') return resolveMain(rest.slice(1));
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

/** `wgjs resolve HOST...`: "HOST 4|6 ADDRESS" per address, "HOST - MESSAGE" when a name does
 *  not resolve (the daemon's re-resolution runs this as a child so DNS never blocks it). */
function resolveMain(hosts: string[]): number {
  if (hosts.length === 0) {
    writeErr('Usage: wgjs resolve HOST...\n');
    return 2;
  }
  let out = '';
  let rc = 0;
  for (const h of hosts) {
    try {
      const found = sys.resolve(h);
      if (found.length === 0) throw new Error('no address found');
      for (const [fam, addr] of found) out += `${h} ${fam} ${formatIp(fam, addr)}\n`;
    } catch (e) {
      out += `${h} - ${String((e as Error).message ?? e).replace(/\s+/g, ' ')}\n`;
      rc = 1;
    }
  }
  writeOut(out);
  return rc;
}

const code = main(args());
if (code >= 0) exit(code);
