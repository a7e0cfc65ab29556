// The wg(8)-compatible command line (wg.c): `wg [show|showconf|set|setconf|addconf|syncconf|
// genkey|genpsk|pubkey] ...`, talking to UAPI sockets (wgjs, wireguard-go, ...) and, for any
// other interface, to the Linux kernel's WireGuard over netlink (src/client/kernel.ts).
import { ExitRequest } from '../config/values.ts';
import type { WgEnv } from '../client/env.ts';
import { genkeyMain, pubkeyMain } from './keys.ts';
import { setconfMain, setMain } from './set.ts';
import { showconfMain, showMain } from './show.ts';

export type { WgEnv, UapiConnection } from '../client/env.ts';

type Sub = (env: WgEnv, argv: string[]) => number;

const SUBCOMMANDS: [string, Sub, string][] = [
  ['show', showMain, 'Shows the current configuration and device information'],
  ['showconf', showconfMain, "Shows the current configuration of a given WireGuard interface, for use with `setconf'"],
  ['set', setMain, 'Change the current configuration, add peers, remove peers, or change peers'],
  ['setconf', setconfMain, 'Applies a configuration file to a WireGuard interface'],
  ['addconf', setconfMain, 'Appends a configuration file to a WireGuard interface'],
  ['syncconf', setconfMain, 'Synchronizes a configuration file to a WireGuard interface'],
  ['genkey', genkeyMain, 'Generates a new private key and writes it to stdout'],
  ['genpsk', genkeyMain, 'Generates a new preshared key and writes it to stdout'],
  ['pubkey', pubkeyMain, 'Reads a private key from stdin and writes a public key to stdout'],
];

function wgUsage(progName: string): string {
  let s = `Usage: ${progName} <cmd> [<args>]\n\nAvailable subcommands:\n`;
  for (const [name, , text] of SUBCOMMANDS) s += `  ${name}: ${text}\n`;
  return s + "You may pass `--help' to any of these subcommands to view usage.\n";
}

/** Runs one wg command line; returns the exit code. */
export function runWg(env: WgEnv): number {
  const args = env.args;
  try {
    if (args.length === 1 && (args[0] === '-v' || args[0] === '--version' || args[0] === 'version')) {
      env.stdout(`wgjs ${env.version ?? ''} - wg(8)-compatible configuration tool\n`.replace('  ', ' '));
      return 0;
    }
    if (args.length === 1 && (args[0] === '-h' || args[0] === '--help' || args[0] === 'help')) {
      env.stdout(wgUsage(env.progName));
      return 0;
    }
    if (args.length === 0) return showMain(env, ['show']);
    for (const [name, fn] of SUBCOMMANDS) if (args[0] === name) return fn(env, args);
    env.stderr(`Invalid subcommand: \`${args[0]}'\n`);
    env.stderr(wgUsage(env.progName));
    return 1;
  } catch (e) {
    if (e instanceof ExitRequest) {
      for (const m of e.pending) env.stderr(m + '\n');
      return e.code;
    }
    throw e;
  }
}
