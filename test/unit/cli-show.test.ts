import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runWg } from '../../src/cli/wg.ts';
import { captured } from '../fixtures/wg/captured.ts';
import { fakeWorld } from '../fixtures/wg/fake-env.ts';

const t = suite('cli/show');

const FAKE = 'wgjsfake0';
interface Run {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

function wg(args: string[], get: string, o: { now?: number; env?: Record<string, string>; isatty?: boolean } = {}) {
  const w = fakeWorld(args, { servers: { [FAKE]: { get } }, ...o });
  const code = runWg(w.env);
  return { code, stdout: w.out, stderr: w.err };
}

function same(got: { code: number; stdout: string; stderr: string }, want: Run, what: string): void {
  assert.is(got.stdout, want.stdout, `${what}: stdout`);
  assert.is(got.stderr, want.stderr, `${what}: stderr`);
  assert.is(got.code, want.code, `${what}: exit code`);
}

t('every `wg show IF FIELD` form, as the real wg printed it', () => {
  const shows = captured.fake.showA as Record<string, Run>;
  const get = captured.live.getA as string;
  for (const p of ['public-key', 'private-key', 'listen-port', 'fwmark', 'peers', 'preshared-keys', 'endpoints',
    'allowed-ips', 'latest-handshakes', 'persistent-keepalive', 'transfer', 'dump', 'bogus']) {
    same(wg(['show', FAKE, p], get), shows[p]!, p);
  }
  same(wg(['showconf', FAKE], get), shows.showconf!, 'showconf');
});

t('human form: plain, coloured (WG_COLOR_MODE / terminal), WG_HIDE_KEYS=never', () => {
  const s = captured.fake.showA;
  const get = captured.live.getA as string;
  same(wg(['show', FAKE], get, { now: s.human_now }), s.human!, 'human');
  same(wg(['show', FAKE], get, { now: s.human_color_now, env: { WG_COLOR_MODE: 'always' } }), s.human_color!, 'colour');
  same(wg(['show', FAKE], get, { now: s.human_color_now, isatty: true }), s.human_color!, 'tty');
  same(wg(['show', FAKE], get, { now: s.human_now, isatty: true, env: { WG_COLOR_MODE: 'never' } }), s.human!, 'never');
  same(wg(['show', FAKE], get, { now: s.human_nohide_now, env: { WG_HIDE_KEYS: 'never' } }), s.human_nohide!, 'keys');
  assert.ok(s.human!.stdout.includes('latest handshake: '));
  assert.ok(s.human!.stdout.includes('persistent keepalive: every 25 seconds'));
});

t('crafted answer: sorting, time spans, sizes, v4-mapped and compressed v6, no private key', () => {
  const c = captured.fake.crafted; // eslint-disable-line @typescript-eslint/no-explicit-any
  same(wg(['show', FAKE], c.get, { now: c.now }), c.human!, 'human');
  for (const p of ['dump', 'endpoints', 'allowed-ips', 'fwmark', 'private-key']) same(wg(['show', FAKE, p], c.get), c[p]!, p);
  same(wg(['showconf', FAKE], c.get), c.showconf!, 'showconf');
  same(wg(['show', 'all', 'dump'], c.get), c.all_dump!, 'all dump');
  assert.ok(c.human!.stdout.includes('latest handshake: 1 year, 2 days, 1 hour, 1 minute, 1 second ago'));
  assert.ok(c.human!.stdout.includes('latest handshake: Now'));
  assert.ok(c.human!.stdout.includes('4.66 GiB received, 0 B sent'));
  // wg 1.0.20210914 printed the interface name only before the first line of `show all
  // endpoints` (fixed upstream in b4f6b4f); wgjs prints it on every line, like today's wg.
  const all = wg(['show', 'all', 'endpoints'], c.get);
  assert.is(all.stdout.split('\n').length, 4);
  assert.is(all.stdout, wg(['show', FAKE, 'endpoints'], c.get).stdout.replace(/^/gm, `${FAKE}\t`).replace(/wgjsfake0\t$/, ''));
});

t('transfer sizes round like printf("%.2f"): exact ties to even', () => {
  const r = captured.fake.rounding;
  same(wg(['show', FAKE], r.get), r.human, 'rounding');
  assert.ok(r.human.stdout.includes('1.12 KiB received, 1.38 KiB sent'));
});

t('live wireguard-go with one peer: dump, showconf, human', () => {
  const l = captured.live;
  same(wg(['show', FAKE, 'dump'], l.getB), { ...l.B_dump!, stdout: l.B_dump!.stdout }, 'dump');
  same(wg(['showconf', FAKE], l.getB), l.B_showconf!, 'showconf');
  const human = wg(['show', FAKE], l.getB2, { now: l.B_show_now });
  assert.is(human.stdout, l.B_show!.stdout.replace('interface: wgjsfxb', `interface: ${FAKE}`));
});

t('empty device and broken answers', () => {
  const f = captured.fake as Record<string, Run>;
  same(wg(['show', FAKE], 'errno=0\n\n'), f.empty_show!, 'show');
  same(wg(['show', FAKE, 'dump'], 'errno=0\n\n'), f.empty_dump!, 'dump');
  same(wg(['showconf', FAKE], 'errno=0\n\n'), f.empty_showconf!, 'showconf');
  const bad = captured.fake.bad_get as Record<string, Run>;
  const texts: Record<string, string> = {
    no_errno: 'listen_port=1\n\n', errno_22: 'errno=22\n\n', errno_neg: 'errno=-22\n\n',
    bad_key: 'private_key=zz\nerrno=0\n\n', bad_line: 'listen_port\nerrno=0\n\n', unknown_key: 'foo=1\nerrno=0\n\n',
  };
  for (const [name, text] of Object.entries(texts)) same(wg(['show', FAKE, 'dump'], text), bad[name]!, name);
});

t('show all / interfaces / usage', () => {
  const shows = captured.fake.showA;
  const get = captured.live.getA as string;
  // two interfaces and a dead one: blank line between the human blocks, error on stderr
  const w = fakeWorld(['show'], { servers: { a: { get }, b: { get: 'errno=0\n\n' } }, interfaces: ['a', 'gone', 'b'], now: shows.human_now });
  assert.is(runWg(w.env), 0);
  const one = shows.human!.stdout.replace(`interface: ${FAKE}`, 'interface: a');
  assert.is(w.out, one + '\n' + 'interface: b\n');
  assert.is(w.err, 'Unable to access interface gone: No such file or directory\n');
  const none = fakeWorld([], { interfaces: [] });
  assert.is(runWg(none.env), 0, 'no interfaces: nothing, success');
  assert.is(none.out + none.err, '');
  const allBad = fakeWorld(['show', 'all'], { interfaces: ['gone'] });
  assert.is(runWg(allBad.env), 1, 'all failed');
  const list = fakeWorld(['show', 'interfaces'], { servers: { a: {}, b: {} } });
  assert.is(runWg(list.env), 0);
  assert.is(list.out, 'a b\n');
  const m = captured.fake.misc as Record<string, Run>;
  for (const [k, args] of [['show_help', ['show', '--help']], ['show_toomany', ['show', FAKE, 'dump', 'x']],
    ['show_interfaces_arg', ['show', 'interfaces', 'x']], ['showconf_usage', ['showconf']]] as [string, string[]][]) {
    same(wg(args, get), m[k]!, k);
  }
  // missing interface: wg on Linux falls back to netlink ("Protocol not supported" without the
  // kernel module); a UAPI-only tool reports what the socket lookup said, as wg does elsewhere.
  assert.is(m.show_missing!.stderr, 'Unable to access interface: Protocol not supported\n');
  const missing = wg(['show', 'wgjsnosuch0'], get);
  assert.equal([missing.code, missing.stderr], [1, 'Unable to access interface: No such file or directory\n']);
});

t.run();
