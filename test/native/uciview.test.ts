// src/daemon/uciview.ts inside the QuickJS test binary (it reads files with qjs:os/qjs:std).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sys from 'wgjs:sys';
import { UciView } from '../../src/daemon/uciview.ts';
import type { Logger } from '../../src/platform/types.ts';
import { writeTextFile } from '../../src/platform/qjs.ts';
import { badKeys, leaked, SECRETS } from '../fixtures/uci/badkeys.ts';
import { PSK, ROUTER_PRIV } from '../fixtures/uci/keys.ts';

const t = suite('daemon/uciview');

const PUB1 = 'nE8FLoGzMKTG0kG3iR9qjT/5/DHquRoC1sXtMg0rLXg=';
const PUB2 = 'qou04WoRy69IapJuUOleV53FO1rVSCLfQPMSkvF6A1c=';
const PUB3 = '5veQ0+9YNb4d+mpqD0eJ1HxZxZQMtgP8OLJajmJLo04=';

function network(endpoint2: string, extra = ''): string {
  return `config interface 'wg0'
	option proto 'wgjs'
	option private_key 'IDA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o='
${extra}
config wireguard_wg0 'server'
	option description 'Cloud server'
	option public_key '${PUB1}'
	option endpoint_host '203.0.113.7'

config wireguard_wg0
	option description 'By name'
	option public_key '${PUB2}'
	option endpoint_host '${endpoint2}'
	option endpoint_port '4500'

config wireguard_wg0
	option public_key '${PUB3}'
	option disabled '1'
	option endpoint_host 'disabled.example'
`;
}

function logger(lines: string[]): Logger {
  return { level: 1, error: (m) => lines.push(m), verbose: () => {}, debug: () => {} };
}

t('names of enabled peers (IP literals excluded), descriptions, re-read only on change, bad file keeps the view', () => {
  const path = `/tmp/wgjs-uciview-${sys.getpid()}`;
  const errors: string[] = [];
  try {
    writeTextFile(path, network('vpn.example'));
    const v = new UciView(path, 'wg0', logger(errors), sys.getrandom);
    v.refresh();
    assert.ok(v.managed);
    assert.equal(v.names, [{ publicKey: PUB2, host: 'vpn.example', port: 4500 }]);
    assert.equal(v.describe(PUB1), { description: 'Cloud server', section: 'server' });
    assert.is(v.describe(PUB2)!.description, 'By name');
    // a disabled peer is not configured (no name to re-resolve), but it is named from its
    // section like rpcd's status names it (a running daemon may still have it)
    assert.not.ok(v.names.some((n) => n.publicKey === PUB3), 'disabled peers are not configured');
    assert.is(v.describe(PUB3)?.section !== undefined, true);
    assert.not.ok(v.nohostroute);

    // changed (size differs): re-read
    writeTextFile(path, network('other.example', "\toption nohostroute '1'\n"));
    v.refresh();
    assert.equal(v.names.map((n) => n.host), ['other.example']);
    assert.ok(v.nohostroute);

    // a file whose plan fails (a bad allowed IP in one peer): the names stay, every peer is
    // still named from its section
    writeTextFile(path, network('other.example', "\toption nohostroute '1'\n").replace("option description 'Cloud server'", "option description 'Cloud <b>x</b>'\n\tlist allowed_ips 'nonsense'"));
    v.refresh();
    assert.equal(v.names.map((n) => n.host), ['other.example']);
    assert.is(v.describe(PUB1)!.description, 'Cloud <b>x</b>');
    assert.is(errors.length, 1, 'the bad allowed IP was reported');
    errors.length = 0;

    // a file that no longer parses: one error logged, the last good view stays
    writeTextFile(path, network('x.example') + "config 'unterminated\n");
    v.refresh();
    v.refresh();
    assert.equal(v.names.map((n) => n.host), ['other.example']);
    assert.is(errors.length, 1, errors.join('|'));
    assert.ok(errors[0]!.includes(path), errors[0]);

    // another interface's file: not managed
    const w = new UciView(path.replace(/$/, ''), 'wg9', logger([]), sys.getrandom);
    writeTextFile(path, network('vpn.example'));
    w.refresh();
    assert.not.ok(w.managed);
    assert.equal(w.names, []);

    // file removed: nothing
    sys.unlink(path);
    v.refresh();
    assert.not.ok(v.managed);
    assert.equal(v.names, []);
    assert.is(v.describe(PUB1), undefined);
  } finally {
    sys.unlink(path);
  }
});

t('bad keys: the problem logged once, never any piece of the key', () => {
  const path = `/tmp/wgjs-uciview-keys-${sys.getpid()}`;
  try {
    let n = 0;
    for (const secret of SECRETS) {
      for (const [what, bad] of badKeys(secret)) {
        const quoted = `'${bad.split("'").join("'\\''")}'`;
        for (const [option, current] of [['private_key', ROUTER_PRIV], ['preshared_key', PSK]] as const) {
          const base = network('vpn.example', option === 'preshared_key' ? `\toption nohostroute '0'\n` : '');
          const text = option === 'private_key'
            ? base.replace(`option private_key '${current}'`, `option private_key ${quoted}`)
            : base.replace(`option public_key '${PUB1}'`, `option public_key '${PUB1}'\n\toption preshared_key ${quoted}`);
          assert.ok(text !== base, `${what}: fixture edit`);
          writeTextFile(path, text);
          const lines: string[] = [];
          const v = new UciView(path, 'wg0', { level: 3, error: (m) => lines.push(m), verbose: (m) => lines.push(m), debug: (m) => lines.push(m) }, sys.getrandom);
          v.refresh();
          assert.is(lines.length, 1, `${what} in ${option}: ${lines.join('|')}`);
          assert.match(lines[0]!, new RegExp(`\\.${option}: not a base64 WireGuard key`));
          assert.is(leaked(lines.join('\n'), bad, secret), null, lines[0]);
          n++;
        }
      }
    }
    assert.is(n, SECRETS.length * 12 * 2);
  } finally {
    sys.unlink(path);
  }
});

t.run();
