import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Device } from '../../src/device/device.ts';
import { toHex } from '../../src/util/bytes.ts';
import { Net, connect, ipv4 } from './helpers/sim.ts';

const A_IN: [number, number, number, number] = [10, 0, 0, 1];
const B_IN: [number, number, number, number] = [10, 0, 0, 2];

function fingerprint(dev: Device): string {
  const parts: string[] = [String(dev.indexes.size)];
  for (const p of dev.peers()) {
    parts.push(toHex(p.endpoint), String(p.rxBytes), String(p.txBytes), String(p.handshake.state),
      toHex(p.handshake.lastTimestamp), toHex(p.handshake.hash), String(p.keypairs.current !== null));
  }
  return parts.join('|');
}

const t = suite('device: under load and malformed input');

t('under load: a bad mac2 gets a cookie reply; the retry carries a valid mac2 and is accepted', () => {
  const net = new Net();
  const a = net.add('a', [192, 168, 1, 1], 51820, 5);
  const b = net.add('b', [192, 168, 1, 2], 51820, 6);
  // B counts every handshake message as load
  b.dev.load.shareMs = 0;
  connect(a, b, [[10, 0, 0, 2, 32]], { endpoint: true });
  connect(b, a, [[10, 0, 0, 1, 32]]);
  a.inject(ipv4(A_IN, B_IN));
  net.pump();
  assert.is(b.sent.length, 1);
  assert.is(b.sent[0]![0], 3, 'B answered with a cookie reply (type 3)');
  assert.is(b.sent[0]!.length, 64);
  assert.is(b.peerOf(a).rxBytes, 0, 'the initiation itself was not processed');
  assert.ok(a.peerOf(b).cookie.hasFreshCookie(), 'A consumed the cookie');
  net.advance(6000, 100); // retransmission after REKEY_TIMEOUT + jitter
  const inits = a.sent.filter((m) => m[0] === 1);
  assert.is(inits.length, 2);
  assert.ok(inits[1]!.subarray(132, 148).some((x) => x !== 0), 'second initiation carries a mac2');
  assert.is(b.tunOut.length, 1, 'handshake completed and the staged packet arrived');
});

t('malformed messages change nothing and get no reply', () => {
  const net = new Net();
  const a = net.add('a', [192, 168, 1, 1], 51820, 7);
  const b = net.add('b', [192, 168, 1, 2], 51820, 8);
  connect(a, b, [[10, 0, 0, 2, 32]], { endpoint: true });
  connect(b, a, [[10, 0, 0, 1, 32]]);
  a.inject(ipv4(A_IN, B_IN));
  const init = net.queue[0]!.data.slice(); // a valid initiation
  net.pump();
  a.inject(ipv4(A_IN, B_IN, 84, 1));
  const data = net.queue[0]!.data.slice(); // a valid transport message
  net.pump();
  const before = fingerprint(b.dev);
  const sentBefore = b.sent.length;
  const deliver = (m: Uint8Array) => {
    const buf = new Uint8Array(m.length + 64);
    buf.set(m);
    b.dev.receiveUdp(buf, 0, m.length, a.ep);
  };
  // every single-bit flip of a replayed initiation and a data message, truncations, extensions,
  // wrong types: all dropped silently, no state change
  const step = Math.max(1, Math.round(1 / ((globalThis as { __WGJS_TEST_SCALE?: number }).__WGJS_TEST_SCALE ?? 1)));
  for (const msg of [init, data]) {
    for (let i = 0; i < msg.length; i += step) {
      const m = msg.slice();
      m[i]! ^= 1 << (i & 7);
      deliver(m);
    }
    for (const n of [0, 1, 4, 31, msg.length - 1]) deliver(msg.slice(0, n));
    const longer = new Uint8Array(msg.length + 1);
    longer.set(msg);
    if (msg[0] !== 4) deliver(longer); // transport messages may be any length; handshakes may not
    for (const type of [0, 5, 255]) {
      const m = msg.slice();
      m[0] = type;
      deliver(m);
    }
  }
  deliver(init); // an exact replay: timestamp not newer
  deliver(data); // replayed counter
  assert.is(fingerprint(b.dev), before);
  assert.is(b.sent.length, sentBefore, 'no reply to anything');
  assert.is(b.tunOut.length, 2, 'nothing more reached TUN');
});

t.run();
