// src/device/load.ts: "under load" measured by the time spent on handshake work.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HANDSHAKE_WORK_CAP, HandshakeLoad, UNDER_LOAD_SHARE } from '../../src/device/load.ts';

const t = suite('device/load: under load by cost');

t('cheap work never puts the device under load; costly work does, for UNDER_LOAD_AFTER', () => {
  const l = new HandshakeLoad();
  let now = 0;
  // 1,000 cookie-reply-sized pieces of work (0.02 ms) in one second: 20 ms, far below the share
  for (let i = 0; i < 1000; i++, now += 0.9) {
    assert.not.ok(l.underLoad(now));
    l.spent(now, now + 0.02);
  }
  // Diffie-Hellman-sized work (0.25 ms, paced 0.4 ms apart): under load once the share of the
  // window is exceeded
  let n = 0;
  now = 2000;
  while (!l.underLoad(now) && n < 10_000) {
    l.spent(now, now + 0.25);
    now += 0.4;
    n++;
  }
  assert.is(n, Math.floor((UNDER_LOAD_SHARE * 1000) / 0.25) + 1, 'under load right after the share was used');
  assert.ok(l.underLoad(now + 999 - 1), 'still under load within UNDER_LOAD_AFTER');
  assert.not.ok(l.underLoad(now + 1000 + 1000), 'over once a quiet second has passed');
});

t('the hard cap: beyond HANDSHAKE_WORK_CAP of a second, handshake messages are dropped until the next window', () => {
  const l = new HandshakeLoad();
  let now = 5000;
  let i = 0;
  while (!l.overCap(now) && i < 10_000) {
    l.spent(now, now + 1);
    now += 1.5;
    i++;
  }
  assert.is(i, HANDSHAKE_WORK_CAP * 1000, 'cap reached after its share of work');
  assert.ok(l.spentInWindow >= HANDSHAKE_WORK_CAP * 1000);
  assert.not.ok(l.overCap(5000 + 1000), 'a new window starts with a fresh budget');
});

t('share 0 means always under load (tests of the cookie path use it)', () => {
  const l = new HandshakeLoad();
  l.shareMs = 0;
  assert.ok(l.underLoad(0));
  assert.ok(l.underLoad(1e9));
});

t.run();
