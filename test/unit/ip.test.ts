import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatEndpoint, formatIp4, formatIp6, formatPrefix, hasHostBits, makeEndpoint, maskPrefix, parseEndpoint, parseIp,
  parseIp4, parseIp6, parsePrefix, parseUint,
} from '../../src/util/ip.ts';

const t = suite('util/ip');

function hex6(s: string): Uint8Array {
  // 8 groups of hex, fully written: "2001:0db8:0:0:1:0:0:1"
  const out = new Uint8Array(16);
  s.split(':').forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 255;
  });
  return out;
}

t('IPv4: strict dotted quads', () => {
  assert.equal(Array.from(parseIp4('0.0.0.0')!), [0, 0, 0, 0]);
  assert.equal(Array.from(parseIp4('255.255.255.255')!), [255, 255, 255, 255]);
  assert.equal(Array.from(parseIp4('10.1.20.200')!), [10, 1, 20, 200]);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.02.3.4', '1..2.3', '.1.2.3', '1.2.3.',
    ' 1.2.3.4', '1.2.3.4 ', '-1.2.3.4', '1.2.3.4/8', '0x1.2.3.4', '1.2.3.1000']) {
    assert.is(parseIp4(bad), null, bad);
  }
  assert.is(formatIp4(Uint8Array.from([192, 168, 0, 1])), '192.168.0.1');
});

t('IPv6: accepted input forms', () => {
  const cases: [string, string][] = [
    ['::', '0:0:0:0:0:0:0:0'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['1::', '1:0:0:0:0:0:0:0'],
    ['2001:DB8::1', '2001:db8:0:0:0:0:0:1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:0:0:0:1'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['::ffff:10.0.0.1', '0:0:0:0:0:ffff:a00:1'],
    ['::1.2.3.4', '0:0:0:0:0:0:102:304'],
    ['fe80::1:2', 'fe80:0:0:0:0:0:1:2'],
  ];
  for (const [text, full] of cases) assert.equal(Array.from(parseIp6(text)!), Array.from(hex6(full)), text);
});

t('IPv6: rejected input forms (incl. zone ids)', () => {
  for (const bad of ['', ':', ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1::2::3', ':1', '1:', '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8', '12345::', 'g::', '1.2.3.4::', '::1.2.3', '::1.2.3.04', '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:1.2.3.4:5', 'fe80::1%eth0', 'fe80::1%', '[::1]', '::1 ', '1:2:3:4:5:6:7:8%1', '::1.2.3.4.5']) {
    assert.is(parseIp6(bad), null, bad);
  }
});

t('IPv6: RFC 5952 output', () => {
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group: not compressed
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // tie: the first run
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
    ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::'],
    ['fe80:0:0:0:abcd:ef01:0:0', 'fe80::abcd:ef01:0:0'],
    ['0:0:0:0:0:ffff:102:304', '::ffff:1.2.3.4'], // IPv4-mapped: dotted
    ['0:0:0:0:0:ffff:0:0', '::ffff:0.0.0.0'],
    ['0:0:0:0:0:0:102:304', '::102:304'], // IPv4-compatible (deprecated): hex
    ['64:ff9b:0:0:0:0:102:304', '64:ff9b::102:304'],
    ['0:0:0:0:1:ffff:102:304', '::1:ffff:102:304'],
    ['abcd:ef01:2345:6789:abcd:ef01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
  ];
  for (const [full, text] of cases) {
    assert.is(formatIp6(hex6(full)), text, full);
    assert.equal(Array.from(parseIp6(text)!), Array.from(hex6(full)), `round trip ${text}`);
  }
  // at an offset inside a larger buffer
  const buf = new Uint8Array(20);
  buf.set(hex6('fd00:0:0:0:0:0:0:1'), 4);
  assert.is(formatIp6(buf, 4), 'fd00::1');
});

t('parseIp decides the family by the presence of ":"', () => {
  assert.is(parseIp('1.2.3.4')!.family, 4);
  assert.is(parseIp('::ffff:1.2.3.4')!.family, 6);
  assert.is(parseIp('1.2.3.4:5'), null);
  assert.is(parseIp('host'), null);
});

t('prefixes', () => {
  const p = parsePrefix('10.1.2.3/8')!;
  assert.equal([p.family, Array.from(p.addr), p.cidr], [4, [10, 1, 2, 3], 8]);
  assert.is(formatPrefix(p), '10.1.2.3/8');
  assert.ok(hasHostBits(p));
  assert.is(formatPrefix(maskPrefix(p)), '10.0.0.0/8');
  assert.is(parsePrefix('10.0.0.1')!.cidr, 32);
  assert.is(parsePrefix('fd00::1')!.cidr, 128);
  assert.is(parsePrefix('10.0.0.1', false), null, 'UAPI needs the slash');
  assert.is(parsePrefix('0.0.0.0/0')!.cidr, 0);
  assert.is(parsePrefix('::/0')!.cidr, 0);
  assert.is(parsePrefix('::/128')!.cidr, 128);
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/08', '10.0.0.0/+8', '10.0.0.0/-1', '10.0.0.0/8 ',
    '/8', 'fe80::/10%eth0', 'fe80::1%eth0/64', '10.0.0.0/8/8', '010.0.0.0/8']) {
    assert.is(parsePrefix(bad), null, bad);
  }
  assert.is(formatPrefix(maskPrefix(parsePrefix('fd12:3456:789a::1/20')!)), 'fd12:3000::/20');
  assert.is(formatPrefix(maskPrefix(parsePrefix('255.255.255.255/0')!)), '0.0.0.0/0');
  assert.is(formatPrefix(maskPrefix(parsePrefix('10.255.255.255/31')!)), '10.255.255.254/31');
  assert.not.ok(hasHostBits(parsePrefix('10.0.0.0/8')!));
  assert.not.ok(hasHostBits(parsePrefix('fd00::/8')!));
  assert.ok(hasHostBits(parsePrefix('fd00::1/127')!));
});

t('endpoints: UAPI form into and out of the 40-byte record', () => {
  const e = parseEndpoint('1.2.3.4:51820')!;
  assert.is(e.length, 40);
  assert.equal(Array.from(e.subarray(0, 8)), [4, 0, 0xca, 0x6c, 1, 2, 3, 4]);
  assert.ok(e.subarray(8).every((b) => b === 0));
  assert.is(formatEndpoint(e), '1.2.3.4:51820');
  const e6 = parseEndpoint('[FE80::1]:1')!;
  assert.equal(Array.from(e6.subarray(0, 4)), [6, 0, 0, 1]);
  assert.is(formatEndpoint(e6), '[fe80::1]:1');
  assert.is(formatEndpoint(parseEndpoint('[::ffff:1.2.3.4]:65535')!), '[::ffff:1.2.3.4]:65535');
  assert.is(formatEndpoint(parseEndpoint('1.2.3.4:0')!), '1.2.3.4:0');
  assert.is(formatEndpoint(parseEndpoint('1.2.3.4:051820')!), '1.2.3.4:51820');
  for (const bad of ['1.2.3.4', '[1.2.3.4]:5', '::1:5', '1.2.3.4:65536', '[fe80::1%lo]:1', 'host:1', ':1', '1.2.3.4:',
    '[::1]5', '[::1]:-1', '1.2.3.4:+1', '[::1:5', '::1]:5', '[]:5', '1.2.3.4: 5']) {
    assert.is(parseEndpoint(bad), null, bad);
  }
  assert.is(formatEndpoint(new Uint8Array(40)), '');
  assert.equal(makeEndpoint(6, parseIp6('fd00::2')!, 443), parseEndpoint('[fd00::2]:443'));
});

t('parseUint: digits only, bounds', () => {
  assert.is(parseUint('0', 5), 0);
  assert.is(parseUint('0005', 5), 5);
  assert.is(parseUint('6', 5), -1);
  assert.is(parseUint('', 5), -1);
  assert.is(parseUint('+1', 5), -1);
  assert.is(parseUint('4294967295', 0xffffffff), 0xffffffff);
  assert.is(parseUint('4294967296', 0xffffffff), -1);
  assert.is(parseUint('99999999999999999999999', 0xffffffff), -1);
});

t.run();
