import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UapiSession, MAX_OPERATION, type UapiHandlers } from '../../src/uapi/set.ts';
import type { SetRequest } from '../../src/uapi/types.ts';
import { utf8Decode, utf8Encode } from '../../src/util/bytes.ts';
import { captured } from '../fixtures/wg/captured.ts';
import { LINUX_ERRNO } from '../fixtures/wg/fake-env.ts';

const t = suite('uapi/session');

const GET = 'listen_port=51999\nerrno=0\n\n';

function handlers(result = 0): UapiHandlers & { sets: SetRequest[]; gets: number; logs: string[] } {
  const h = {
    sets: [] as SetRequest[],
    gets: 0,
    logs: [] as string[],
    errno: LINUX_ERRNO,
    handleGet(): string {
      h.gets++;
      return GET;
    },
    handleSet(req: SetRequest): number {
      h.sets.push(req);
      return result;
    },
    log(m: string): void {
      h.logs.push(m);
    },
  };
  return h;
}

function run(input: string, h = handlers(), chunk = 0): { out: string; s: UapiSession } {
  const s = new UapiSession(h);
  let out = '';
  if (chunk <= 0) out = utf8Decode(s.feed(utf8Encode(input)));
  else for (let i = 0; i < input.length; i += chunk) out += s.feedText(input.slice(i, i + chunk));
  return { out, s };
}

t('several operations per connection, in any chunking', () => {
  const input = 'get=1\n\nset=1\nlisten_port=7\n\nset=1\nbogus=1\nlisten_port=8\n\nget=1\n\n';
  const want = GET + 'errno=0\n\n' + 'errno=-22\n\n' + GET;
  for (const chunk of [0, 1, 2, 3, 7, 1000]) {
    const h = handlers();
    const { out, s } = run(input, h, chunk);
    assert.is(out, want, `chunk ${chunk}`);
    assert.is(h.sets.length, 1, 'the failed set is not applied');
    assert.is(h.sets[0]!.listenPort, 7);
    assert.is(h.gets, 2);
    assert.not.ok(s.closed);
    assert.is(h.logs.length, 1);
  }
});

t('captured framing cases (wireguard-go); differences are deliberate', () => {
  const cases = captured.uapi_framing as { send: string; response: string }[];
  const byInput = new Map(cases.map((c) => [c.send, c.response]));
  // two gets in one write: same as wireguard-go (its get text differs; ours is GET)
  assert.is(byInput.get('get=1\n\nget=1\n\n')!.split('errno=0\n\n').length - 1, 2);
  assert.is(run('get=1\n\nget=1\n\n').out, GET + GET);
  // a trailing character after get=1: errno=-EINVAL, like wireguard-go
  assert.is(byInput.get('get=1\nx'), 'errno=-22\n\n');
  assert.is(run('get=1\nx').out, 'errno=-22\n\n');
  // wireguard-go's line scanner swallows what follows a set in the same write (its answer
  // ends after the set); wgjs answers the pipelined get too
  assert.is(byInput.get('set=1\nlisten_port=0\n\nget=1\n\n'), 'errno=0\n\n');
  assert.is(run('set=1\nlisten_port=0\n\nget=1\n\n').out, 'errno=0\n\n' + GET);
  assert.is(byInput.get('set=1\nbogus=1\nlisten_port=0\n\nget=1\n\n'), 'errno=-22\n\n');
  assert.is(run('set=1\nbogus=1\nlisten_port=0\n\nget=1\n\n').out, 'errno=-22\n\n' + GET);
  // an unknown operation: wireguard-go closes silently; wgjs answers errno=-EINVAL, then closes
  assert.is(byInput.get('get=2\n\n'), '');
  const bad = run('get=2\n\nget=1\n\n');
  assert.is(bad.out, 'errno=-22\n\n');
  assert.ok(bad.s.closed);
  assert.is(bad.s.feedText('get=1\n\n'), '', 'nothing after close');
});

t('errno numbers come from the injected table (mips differs)', () => {
  const h = { ...handlers(), errno: { EINVAL: 22, EPROTO: 134, ENOMEM: 12 } };
  assert.is(run('set=1\nnoequals\n\n', h).out, 'errno=-134\n\n');
  assert.is(run('set=1\nlisten_port=x\n\n', h).out, 'errno=-22\n\n');
  assert.is(run('set=1\nlisten_port=1\n\n', handlers(-98)).out, 'errno=-98\n\n', 'handler result as is');
});

t('set body: \\r\\n lines, blank line variants, end of input without blank line', () => {
  const h = handlers();
  assert.is(run('set=1\r\n', h).out, 'errno=-22\n\n', '"set=1\\r" is not an operation');
  const h2 = handlers();
  assert.is(run('set=1\nlisten_port=3\r\n\r\nget=1\n\n', h2).out, 'errno=0\n\n' + GET);
  assert.is(h2.sets[0]!.listenPort, 3);
  const h3 = handlers();
  const s = new UapiSession(h3);
  assert.is(s.feedText('set=1\nlisten_port=4\nfwmark=5'), '');
  assert.is(utf8Decode(s.end()), 'errno=0\n\n');
  assert.is(h3.sets[0]!.fwmark, 5);
  assert.ok(s.closed);
  const h4 = handlers();
  const s4 = new UapiSession(h4);
  s4.feedText('get=1\n');
  assert.is(s4.end().length, 0, 'an unfinished get is dropped');
  assert.is(h4.gets, 0);
});

t('an operation that never ends is cut off', () => {
  assert.is(MAX_OPERATION, 16 << 20);
  const h = { ...handlers(), maxOperation: 100000 };
  const s = new UapiSession(h);
  s.feedText('set=1\n');
  const line = `allowed_ip=10.0.0.0/8\n`.repeat(512);
  let out = '';
  for (let i = 0; i * line.length <= 100000 + line.length && !s.closed; i++) out += s.feedText(line);
  assert.ok(s.closed);
  assert.is(out, 'errno=-12\n\n');
  assert.is(h.sets.length, 0);
  const garbage = new UapiSession(handlers());
  assert.is(garbage.feedText('x'.repeat(100)), 'errno=-22\n\n');
  assert.ok(garbage.closed);
});

t.run();
