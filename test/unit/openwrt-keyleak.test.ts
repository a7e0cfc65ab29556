// No key material in errors or logs: every rejected key value (made from real keys: too short,
// trailing garbage, bad characters, the key twice, ...) in every key option, through uci-sync
// (full sync, --dry-run, --env) and network.ts: the output must say what is wrong and must not
// contain any 12-character piece of the key or of the value. The daemon's UCI view has the same
// check in test/native/uciview.test.ts, the proto handler in test/openwrt/proto.sh.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planInterface } from '../../src/openwrt/network.ts';
import { uciSyncMain } from '../../src/openwrt/ucisync.ts';
import { parseUci, uciQuote } from '../../src/openwrt/uci.ts';
import { badKeys, leaked, SECRETS } from '../fixtures/uci/badkeys.ts';
import { PEER1_PUB, PSK, ROUTER_PRIV } from '../fixtures/uci/keys.ts';
import { NETWORK_WG0 } from '../fixtures/uci/network.ts';
import { getAnswer } from '../fixtures/uci/runtime.ts';
import { fakeWorld } from '../fixtures/wg/fake-env.ts';

const t = suite('openwrt/no key material in errors');

/** NETWORK_WG0 with `option NAME '<current>'` (its first occurrence) set to `value`. */
function withValue(name: string, current: string, value: string): string {
  const from = `option ${name} '${current}'`;
  assert.ok(NETWORK_WG0.indexOf(from) >= 0, from);
  return NETWORK_WG0.replace(from, `option ${name} ${uciQuote(value)}`);
}

const OPTIONS: [string, string][] = [
  ['private_key', ROUTER_PRIV],
  ['preshared_key', PSK],
  ['public_key', PEER1_PUB],
];
const RUNTIME = getAnswer({ priv: ROUTER_PRIV, port: 51820, peers: [] });

t('uci-sync (sync, --dry-run, --env) and planInterface: the problem named, no piece of the key', () => {
  let cases = 0;
  for (const secret of SECRETS) {
    for (const [what, bad] of badKeys(secret)) {
      for (const [option, current] of OPTIONS) {
        const text = withValue(option, current, bad);
        for (const args of [['wg0'], ['--dry-run', 'wg0'], ['--config', '-', 'wg0']]) {
          const w = fakeWorld(['uci-sync', ...args], { files: { '/etc/config/network': text }, stdin: text, servers: { wg0: { get: RUNTIME } } });
          const code = uciSyncMain(w.env, ['uci-sync', ...args]);
          const label = `${what} in ${option}, uci-sync ${args.join(' ')}`;
          assert.is(code, 1, label);
          assert.match(w.err, new RegExp(`\\.${option}: not a base64 WireGuard key`), label);
          assert.is(leaked(w.out + w.err, bad, secret), null, `${label}: ${w.err}`);
          cases++;
        }
        // --env does not look at keys: exit 0, nothing printed that holds one
        const w = fakeWorld(['uci-sync', '--env', 'wg0'], { files: { '/etc/config/network': text } });
        assert.is(uciSyncMain(w.env, ['uci-sync', '--env', 'wg0']), 0);
        assert.is(leaked(w.out + w.err, bad, secret), null);
        const parsed = parseUci(text, { package: 'network', single: true });
        if (!parsed.ok) throw new Error(parsed.error);
        const r = planInterface(parsed.packages[0]!, 'wg0', { random: () => {}, noResolve: 'no' });
        assert.is(r.ok, false);
        if (!r.ok) assert.is(leaked(r.error, bad, secret), null, r.error);
      }
    }
  }
  assert.is(cases, SECRETS.length * 12 * 3 * 3);
});

t('the check itself finds a key that is repeated (it can fail)', () => {
  const bad = ROUTER_PRIV + 'x';
  assert.is.not(leaked(`network.wg0.private_key: '${bad}'`, bad, ROUTER_PRIV), null);
  assert.is.not(leaked(`... ${ROUTER_PRIV.slice(5, 20)} ...`, bad, ROUTER_PRIV), null);
  assert.is(leaked('network.wg0.private_key: not a base64 WireGuard key (44 characters ending in \'=\'): 45 characters', bad, ROUTER_PRIV), null);
});

t.run();
