// uvu tests of the two rpcd ACL files of wgjs, through the rpcd ACL model the browser test's
// backend enforces (test/luci/acl.mjs): luci-app-wgjs's group and the package's own "wgjs"
// group grant the same wgjs methods; read = status only (the plugin's and the daemons'
// "wgjs.<ifname>" objects); everything that returns or creates key material, and UCI network,
// only with write.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { aclFile, allowed, sessionGrants } from './acl.mjs';

const app = aclFile(new URL('../../luci-app/root/usr/share/rpcd/acl.d/luci-app-wgjs.json', import.meta.url));
const pkg = aclFile(new URL('../../files/usr/share/rpcd/acl.d/wgjs.json', import.meta.url));
const groups = { ...app, ...pkg };
const KEY_METHODS = ['genkey', 'genpsk', 'pubkey', 'peerconf', 'peerqr'];
const t = suite('luci/acl');

for (const g of ['luci-app-wgjs', 'wgjs']) {
  const ro = sessionGrants([{ group: g, perms: ['read'] }], groups);
  const rw = sessionGrants([{ group: g, perms: ['read', 'write'] }], groups);

  t(`${g}: read grants the status calls only`, () => {
    assert.ok(allowed(ro, 'ubus', 'wgjs', 'status'));
    assert.ok(allowed(ro, 'ubus', 'wgjs.wg0', 'status'));
    assert.ok(allowed(ro, 'ubus', 'wgjs.vpn_home', 'status'));
    for (const m of KEY_METHODS) assert.not.ok(allowed(ro, 'ubus', 'wgjs', m), m);
    assert.not.ok(allowed(ro, 'ubus', 'wgjs.wg0', 'peerqr'));
    assert.not.ok(allowed(ro, 'uci', 'network', 'read'));
    assert.not.ok(allowed(ro, 'uci', 'network', 'write'));
    assert.not.ok(allowed(ro, 'ubus', 'network.interface.wan', 'status'));
  });

  t(`${g}: write grants key generation and export`, () => {
    for (const m of ['status', ...KEY_METHODS]) assert.ok(allowed(rw, 'ubus', 'wgjs', m), m);
    assert.not.ok(allowed(rw, 'ubus', 'wgjs', 'reboot'));
    assert.not.ok(allowed(rw, 'ubus', 'wgjsx', 'status'));
  });
}

t('the two files grant the same wgjs methods at each level', () => {
  for (const level of ['read', 'write']) {
    const a = app['luci-app-wgjs'][level].ubus, b = pkg.wgjs[level].ubus;
    for (const o of new Set([...Object.keys(a), ...Object.keys(b)].filter((o) => o === 'wgjs' || o.startsWith('wgjs.'))))
      assert.equal([...(a[o] || [])].sort(), [...(b[o] || [])].sort(), `${level} ${o}`);
  }
});

t('luci-app-wgjs: UCI network read and write only with write', () => {
  const rw = sessionGrants([{ group: 'luci-app-wgjs', perms: ['read', 'write'] }], groups);
  assert.ok(allowed(rw, 'uci', 'network', 'read'));
  assert.ok(allowed(rw, 'uci', 'network', 'write'));
  assert.not.ok(allowed(rw, 'uci', 'firewall', 'read'));
  assert.not.ok(allowed(sessionGrants([{ group: 'wgjs', perms: ['read', 'write'] }], groups), 'uci', 'network', 'read'));
});

t('rpcd semantics: array notation grants the part name, patterns match whole names', () => {
  const g = { x: { read: { uci: ['net*'] }, write: { ubus: { 'a.*': ['m?'] } } } };
  const ro = sessionGrants([{ group: 'x', perms: ['read'] }], g);
  const rw = sessionGrants([{ group: 'x', perms: ['read', 'write'] }], g);
  assert.ok(allowed(ro, 'uci', 'network', 'read'));
  assert.not.ok(allowed(ro, 'uci', 'network', 'write'));
  assert.not.ok(allowed(ro, 'ubus', 'a.b', 'm1'));
  assert.ok(allowed(rw, 'ubus', 'a.b', 'm1'));
  assert.not.ok(allowed(rw, 'ubus', 'a', 'm1'));
  assert.not.ok(allowed(rw, 'ubus', 'a.b', 'm12'));
});

t.run();
