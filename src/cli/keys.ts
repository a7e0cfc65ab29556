// `wg genkey`, `wg genpsk`, `wg pubkey` (genkey.c, pubkey.c).
import { clamp, publicKey } from '../crypto/x25519.ts';
import { keyFromBase64, toBase64 } from '../util/bytes.ts';
import { isSpace } from '../config/values.ts';
import type { WgEnv } from '../client/env.ts';

/** The one place the CLI derives public keys (src/crypto/x25519.ts; clamps internally). */
export function derivePublicKey(priv: Uint8Array): Uint8Array {
  return publicKey(priv);
}

/** `wg genkey` / `wg genpsk`; argv[0] is the subcommand name. */
export function genkeyMain(env: WgEnv, argv: string[]): number {
  if (argv.length !== 1) {
    env.stderr(`Usage: ${env.progName} ${argv[0]}\n`);
    return 1;
  }
  if (env.stdoutWorldAccessible?.()) {
    env.stderr('Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n');
  }
  const key = new Uint8Array(32);
  try {
    env.random(key);
  } catch (e) {
    env.stderr(`getrandom: ${(e as { message?: string }).message ?? String(e)}\n`);
    return 1;
  }
  if (argv[0] === 'genkey') clamp(key);
  env.stdout(toBase64(key) + '\n');
  return 0;
}

/** `wg pubkey`: a base64 private key on stdin (trailing whitespace allowed). */
export function pubkeyMain(env: WgEnv, argv: string[]): number {
  if (argv.length !== 1) {
    env.stderr(`Usage: ${env.progName} ${argv[0]}\n`);
    return 1;
  }
  const input = env.stdin();
  if (input.length < 44) {
    env.stderr(`${env.progName}: Key is not the correct length or format\n`);
    return 1;
  }
  for (let i = 44; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c !== 0 && !isSpace(c)) {
      env.stderr(`${env.progName}: Trailing characters found after key\n`);
      return 1;
    }
  }
  const text = input.slice(0, 44);
  const key = keyFromBase64(text);
  if (!key) {
    env.stderr(`${env.progName}: Key is not the correct length or format\n`);
    return 1;
  }
  env.stdout(toBase64(derivePublicKey(key)) + '\n');
  return 0;
}
