// Key wiping: every point where the kernel zeroes key material, checked by holding a reference to
// the buffer and asserting it is all zero afterwards (Node with @noble, and inside wgjs-test with
// the native backend).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Handshake, consumeInitiation, consumeResponse, createInitiation, createResponse, deriveTransportKeys, scratchIsZero } from '../../src/noise/handshake.ts';
import { generatePrivateKey, publicKey } from '../../src/crypto/x25519.ts';
import { Net, connect, ipv4, seededRandom } from './helpers/sim.ts';

const t = suite('key wiping');
const A_IN: [number, number, number, number] = [10, 0, 0, 1];
const B_IN: [number, number, number, number] = [10, 0, 0, 2];

const zero = (b: Uint8Array): boolean => b.every((x) => x === 0);

function identities() {
  const r = seededRandom(99);
  const ia = generatePrivateKey(r);
  const ib = generatePrivateKey(r);
  return {
    a: { privateKey: ia, publicKey: publicKey(ia) },
    b: { privateKey: ib, publicKey: publicKey(ib) },
    random: r,
  };
}

t('handshake: the scratch state is zero after every function, on success and on failure', () => {
  const { a, b, random } = identities();
  const ha = new Handshake(b.publicKey);
  const hb = new Handshake(a.publicKey);
  ha.presharedKey.fill(3);
  hb.presharedKey.fill(3);
  const init = new Uint8Array(148);
  assert.ok(createInitiation(a, ha, 1234, init, random, 1_700_000_000));
  assert.ok(scratchIsZero(), 'after createInitiation');
  const forged = init.slice();
  forged[50]! ^= 1;
  assert.is(consumeInitiation(b, forged, 0, () => ({ handshake: hb }), 1e6), null);
  assert.ok(scratchIsZero(), 'after a failed consumeInitiation');
  assert.ok(consumeInitiation(b, init, 0, () => ({ handshake: hb }), 1e6));
  assert.ok(scratchIsZero(), 'after consumeInitiation');
  const resp = new Uint8Array(92);
  assert.ok(createResponse(hb, 5678, resp, random));
  assert.ok(scratchIsZero(), 'after createResponse');
  const badResp = resp.slice();
  badResp[50]! ^= 1;
  assert.not.ok(consumeResponse(a, ha, badResp, 0));
  assert.ok(scratchIsZero(), 'after a failed consumeResponse');
  assert.ok(consumeResponse(a, ha, resp, 0));
  assert.ok(scratchIsZero(), 'after consumeResponse');
  // the transport keys: the chaining key, hash and both ephemerals are wiped
  const ka = deriveTransportKeys(ha)!;
  const kb = deriveTransportKeys(hb)!;
  assert.equal(ka[0], kb[1]);
  assert.equal(ka[1], kb[0]);
  for (const hs of [ha, hb]) {
    assert.ok(zero(hs.chainKey) && zero(hs.hash) && zero(hs.localEphemeral) && zero(hs.remoteEphemeral));
  }
});

t('handshake: a retransmitted initiation overwrites the previous ephemeral key in place', () => {
  const { a, b, random } = identities();
  const hs = new Handshake(b.publicKey);
  const buf = hs.localEphemeral;
  const out = new Uint8Array(148);
  assert.ok(createInitiation(a, hs, 1, out, random, 1_700_000_000));
  const first = buf.slice();
  assert.not.ok(zero(first));
  assert.ok(createInitiation(a, hs, 2, out, random, 1_700_000_001));
  assert.is(hs.localEphemeral, buf, 'the same buffer: no copy of the old key is left behind');
  assert.not.equal(Array.from(buf), Array.from(first));
});

t('a removed peer: preshared key, static-static DH, session keys and cookie are zeroed', () => {
  const net = new Net();
  const a = net.add('a', [192, 168, 1, 1], 51820, 11);
  const b = net.add('b', [192, 168, 1, 2], 51820, 22);
  connect(a, b, [[10, 0, 0, 2, 32]], { endpoint: true, psk: new Uint8Array(32).fill(9) });
  connect(b, a, [[10, 0, 0, 1, 32]], { psk: new Uint8Array(32).fill(9) });
  a.inject(ipv4(A_IN, B_IN));
  net.pump();
  const p = a.peerOf(b);
  const kp = p.keypairs.current!;
  assert.ok(kp);
  const send = kp.sendKey;
  const recv = kp.recvKey;
  const psk = p.handshake.presharedKey;
  const ss = p.handshake.staticStatic(a.dev.identity)!;
  assert.ok(!zero(send) && !zero(recv) && !zero(psk) && !zero(ss));
  a.dev.removePeer(p);
  assert.ok(zero(send), 'send key');
  assert.ok(zero(recv), 'receive key');
  assert.ok(zero(psk), 'preshared key');
  assert.ok(zero(ss), 'static-static DH');
  assert.not.ok(p.cookie.hasFreshCookie());
});

t('a new private key: the old one is zeroed, and every precomputed static-static DH', () => {
  const net = new Net();
  const a = net.add('a', [192, 168, 1, 1], 51820, 11);
  const b = net.add('b', [192, 168, 1, 2], 51820, 22);
  connect(a, b, [[10, 0, 0, 2, 32]], { endpoint: true });
  const old = a.dev.identity.privateKey!;
  const ss = a.peerOf(b).handshake.staticStatic(a.dev.identity)!;
  assert.not.ok(zero(old));
  a.dev.setPrivateKey(generatePrivateKey(seededRandom(5)));
  assert.ok(zero(old), 'old private key');
  assert.ok(zero(ss), 'static-static DH of the old key');
  assert.is.not(a.dev.identity.privateKey, old);
});

t('sessions expired after REJECT_AFTER_TIME * 3: keys zeroed', () => {
  const net = new Net();
  const a = net.add('a', [192, 168, 1, 1], 51820, 11);
  const b = net.add('b', [192, 168, 1, 2], 51820, 22);
  connect(a, b, [[10, 0, 0, 2, 32]], { endpoint: true });
  connect(b, a, [[10, 0, 0, 1, 32]]);
  a.inject(ipv4(A_IN, B_IN));
  net.pump();
  const kp = a.peerOf(b).keypairs.current!;
  const kpb = b.peerOf(a).keypairs.current ?? b.peerOf(a).keypairs.next!;
  const keys = [kp.sendKey, kp.recvKey, kpb.sendKey, kpb.recvKey];
  assert.ok(keys.every((k) => !zero(k)));
  net.advance(541_000, 5000);
  assert.ok(keys.every(zero));
  assert.ok(zero(a.peerOf(b).handshake.chainKey));
});

t.run();
