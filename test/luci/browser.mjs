// Browser test of luci-app-wgjs in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core). test/luci/run.sh prepares the world and passes it in the environment:
//   WGJS (binary), ROUTER_PID (a process in the router's network + mount namespaces, where a live
//   daemon IFNAME runs), IFNAME, UCI (the UCI file
//   the daemon was configured from), PEER_PUB (the server peer, handshake done), PHONE_PUB (a
//   peer that never connects, described with HTML markup), ROUTER_PUB,
//   DAEMON_PID (stopped at the end to see the "not running" message), LUCI_SRC (optional: a LuCI
//   source tree; the views then run on the real luci-base runtime instead of the test double,
//   and the protocol handler is tested in a form as the interface editor builds it).
// Prints "ok - ..." / "not ok - ..." lines and "browser: N passed, N failed"; screenshots go to
// test/artifacts/{status,export,config}.png (real LuCI: real-{status,export,config,proto}.png).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const art = join(root, 'test/artifacts');
mkdirSync(art, { recursive: true });
const { WGJS, ROUTER_PID, IFNAME, UCI, PEER_PUB, PHONE_PUB, ROUTER_PUB, DAEMON_PID } = process.env;
const LUCI_SRC = process.env.LUCI_SRC || '';
const shot = (name) => join(art, `${LUCI_SRC ? 'real-' : ''}${name}.png`);
const ROOTS = '#view #wgjs-status, #view #wgjs-config, #view .wgjs-proto-harness';
let pass = 0, fail = 0;
function check(name, cond, detail = '') {
  if (cond) { pass++; console.log(`ok - ${name}`); }
  else { fail++; console.log(`not ok - ${name}${detail ? ` (${detail})` : ''}`); }
}
const KEY = /^[A-Za-z0-9+/]{43}=$/;

const srv = await startServer({ wgjs: WGJS, routerPid: ROUTER_PID, uciFile: UCI, luciSrc: LUCI_SRC, log: (m) => process.env.DEBUG && console.log(`# ${m}`) });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('crash', () => errors.push('page crashed'));
  if (process.env.DEBUG) page.on('console', (m) => console.log(`# console: ${m.text()}`));
  // waits for the view's root element (LuCI's runtime or the double); returns its id/class
  const open = async (view, query = '') => {
    await page.goto(`${srv.url}/?view=${view}${query}`);
    await page.waitForSelector(ROOTS, { timeout: 20000 }).catch(() => {});
    return page.evaluate((sel) => {
      const r = document.querySelector(sel);
      return r ? r.id || r.className : `no view: ${document.querySelector('#view')?.textContent}`;
    }, ROOTS);
  };
  console.log(`# runtime: ${LUCI_SRC ? `real luci-base from ${LUCI_SRC}` : 'test double (test/luci/luci-double)'}`);

  // ---- Status -> wgjs
  const st = await open('wgjs/status');
  check('status view loads', st === 'wgjs-status', st);
  const row = page.locator(`tr.wgjs-peer[data-key="${PEER_PUB}"]`);
  await row.waitFor({ timeout: 10000 }).catch(() => {});
  const cell = async (c) => ((await row.locator(`.${c}`).textContent().catch(() => '')) || '').trim();
  check('status: interface with its public key', (await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] code.wgjs-pubkey`).textContent().catch(() => '')) === ROUTER_PUB);
  check('status: listen port', (await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] .wgjs-port`).textContent().catch(() => '')) === '51900');
  check('status: peer named by its UCI description', (await cell('wgjs-name')) === 'Cloud server', await cell('wgjs-name'));
  check('status: endpoint', (await cell('wgjs-endpoint')) === '10.1.0.2:51901', await cell('wgjs-endpoint'));
  check('status: allowed IPs', (await cell('wgjs-allowed')) === '10.77.0.1/32, fd77::1/128', await cell('wgjs-allowed'));
  check('status: latest handshake "Ns ago"', /^\d+s ago$/.test(await cell('wgjs-handshake')), await cell('wgjs-handshake'));
  check('status: rx/tx in human units', /^↓ \d+(\.\d+)? (B|KiB) \/ ↑ \d+(\.\d+)? (B|KiB)$/.test(await cell('wgjs-transfer')), await cell('wgjs-transfer'));
  check('status: up badge', (await cell('wgjs-state')) === 'up', await cell('wgjs-state'));
  const phone = page.locator(`tr.wgjs-peer[data-key="${PHONE_PUB}"]`);
  const pcell = async (c) => ((await phone.locator(`.${c}`).textContent().catch(() => '')) || '').trim();
  check('status: a peer without handshake: "never", down badge', (await pcell('wgjs-handshake')) === 'never' && (await pcell('wgjs-state')) === 'down',
    `${await pcell('wgjs-handshake')} ${await pcell('wgjs-state')}`);
  check('status: a UCI description is shown as text, never as markup', (await pcell('wgjs-name')) === 'Phone <i>x</i>' &&
    (await phone.locator('.wgjs-name i').count()) === 0, await pcell('wgjs-name'));
  await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] button.wgjs-copy`).click();
  await page.waitForTimeout(300);
  check('status: the copy button copies the public key', (await page.evaluate(() => navigator.clipboard.readText()).catch((e) => String(e))) === ROUTER_PUB &&
    ((await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] button.wgjs-copy`).textContent()) || '') === 'Copied');
  await page.screenshot({ path: shot('status'), fullPage: true });

  // polled every 5 s: the transfer counters move after more traffic
  const before = await cell('wgjs-transfer');
  execFileSync('nsenter', ['-t', ROUTER_PID, '-m', '-n', 'ping', '-c', '3', '-i', '0.2', '-s', '1000', '10.77.0.1'], { stdio: 'ignore' });
  await page.waitForFunction(([k, b]) => {
    const t = document.querySelector(`tr.wgjs-peer[data-key="${k}"] .wgjs-transfer`);
    return t && t.textContent.trim() !== b;
  }, [PEER_PUB, before], { timeout: 9000 }).catch(() => {});
  check('status: polled every 5 s (transfer updated without reload)', (await cell('wgjs-transfer')) !== before, `${before} -> ${await cell('wgjs-transfer')}`);

  // ---- export dialog: wg-quick config + QR
  await row.locator('button.wgjs-export').click();
  await page.waitForSelector('#modal_overlay .wgjs-qr svg', { timeout: 15000 }).catch(() => {});
  check('export: QR code SVG shown', (await page.locator('#modal_overlay .wgjs-qr svg').count()) === 1);
  const conf = (await page.locator('#modal_overlay pre.wgjs-config').textContent().catch(() => '')) || '';
  check('export: config has the router as [Peer]', conf.includes(`[Peer]\nPublicKey = ${ROUTER_PUB}`), conf);
  check('export: endpoint suggested from the WAN address and listen port', conf.includes('Endpoint = 203.0.113.1:51900'), conf);
  check('export: AllowedIPs default 0.0.0.0/0, ::/0', conf.includes('AllowedIPs = 0.0.0.0/0, ::/0'));
  check('export: DNS from the LAN address', conf.includes('DNS = 192.168.1.1'));
  check('export: Address from the peer\'s allowed IPs', conf.includes('Address = 10.77.0.1/32, fd77::1/128'));
  await page.screenshot({ path: shot('export'), fullPage: true });

  // ---- Network -> wgjs
  check('config view loads', (await open('wgjs/config')) === 'wgjs-config');
  const prow = page.locator('tr.wgjs-peer-row').first();
  check('config: peer row filled from UCI', (await prow.locator('[name="public_key"]').inputValue()) === PEER_PUB &&
    (await prow.locator('[name="description"]').inputValue()) === 'Cloud server' &&
    (await prow.locator('[name="allowed_ips"]').inputValue()) === '10.77.0.1/32, fd77::1/128');
  await page.waitForSelector('.wgjs-derived-pubkey', { timeout: 10000 }).catch(() => {});
  check('config: derived public key shown', (await page.locator('.wgjs-derived-pubkey').textContent().catch(() => '')) === ROUTER_PUB);

  // a bad key is refused with a message; nothing is saved
  const fileBefore = readFileSync(UCI, 'utf8');
  await prow.locator('[name="public_key"]').fill('not-a-key');
  await page.click('button.cbi-button-save');
  await page.waitForSelector('#maincontent .alert-message.error', { timeout: 5000 }).catch(() => {});
  const note = (await page.locator('#maincontent .alert-message.error').first().textContent().catch(() => '')) || '';
  check('validation: bad key refused with a message', note.includes('Invalid key') && note.includes('Cloud server'), note);
  check('validation: the field is marked', (await prow.locator('[name="public_key"].cbi-input-invalid').count()) === 1);
  await page.waitForTimeout(300);
  check('validation: nothing saved', readFileSync(UCI, 'utf8') === fileBefore && !srv.calls.some((c) => /^uci\.(set|add|delete)$/.test(c)), srv.calls.join(' '));

  // generating a key pair fills the private key and shows the derived public key
  const oldPriv = await page.locator('[name="private_key"]').inputValue();
  await page.click('button.wgjs-genkey');
  await page.waitForFunction((old) => {
    const v = document.querySelector('[name="private_key"]').value;
    const d = document.querySelector('.wgjs-derived-pubkey');
    return v && v !== old && d && d.textContent;
  }, oldPriv, { timeout: 10000 }).catch(() => {});
  const newPriv = await page.locator('[name="private_key"]').inputValue();
  const derived = (await page.locator('.wgjs-derived-pubkey').textContent().catch(() => '')) || '';
  const expectPub = execFileSync(WGJS, ['pubkey'], { input: newPriv + '\n', encoding: 'utf8' }).trim();
  check('generate: new private key filled', KEY.test(newPriv) && newPriv !== oldPriv);
  check('generate: derived public key matches `wgjs pubkey`', derived === expectPub, `${derived} vs ${expectPub}`);
  await page.screenshot({ path: shot('config'), fullPage: true });

  // fix the key, import a peer from a .conf, save: the UCI file holds it all
  await prow.locator('[name="public_key"]').fill(PEER_PUB);
  const importedPub = execFileSync(WGJS, ['pubkey'], { input: execFileSync(WGJS, ['genkey'], { encoding: 'utf8' }), encoding: 'utf8' }).trim();
  await page.click('button.wgjs-import');
  await page.fill('#wgjs-import-text', `[Peer]\nPublicKey = ${importedPub}\nAllowedIPs = 10.77.0.8/32, 192.168.8.0/24\nEndpoint = phone.example.net:51820\n`);
  await page.click('button.wgjs-import-ok');
  check('import: a new peer row from the pasted .conf', (await page.locator('tr.wgjs-peer-row').count()) === 3);
  await page.click('button.cbi-button-save');
  await page.waitForTimeout(1000);
  const saved = readFileSync(UCI, 'utf8');
  check('save: generated private key stored', saved.includes(`option private_key '${newPriv}'`));
  check('save: imported peer stored with its allowed IPs and endpoint', saved.includes(`option public_key '${importedPub}'`) &&
    saved.includes("list allowed_ips '192.168.8.0/24'") && saved.includes("option endpoint_host 'phone.example.net'"));
  check('save: the existing peer kept its options', saved.includes(`option public_key '${PEER_PUB}'`) && saved.includes("option description 'Cloud server'"));
  const sync = execFileSync('nsenter', ['-t', ROUTER_PID, '-m', '-n', WGJS, 'uci-sync', '--config', UCI, '--dry-run', IFNAME], { encoding: 'utf8' });
  check('save: the saved file is a valid wgjs configuration (uci-sync --dry-run)', sync.includes('address4 10.77.0.2 24'), sync);

  // ---- the protocol handler in LuCI's form, as the interface editor builds it (real LuCI only)
  if (LUCI_SRC) {
    const wid = (opt) => `[id="widget.cbid.network.${IFNAME}.${opt}"]`;
    check('proto: form renders with the wgjs protocol', (await open('wgjs-test/proto', `&iface=${IFNAME}`)) === 'wgjs-proto-harness');
    const privNow = /option private_key '([^']+)'/.exec(readFileSync(UCI, 'utf8'))?.[1] || '';
    const pubNow = execFileSync(WGJS, ['pubkey'], { input: privNow + '\n', encoding: 'utf8' }).trim();
    await page.waitForFunction(() => document.querySelector('.wgjs-derived-pubkey')?.textContent.length === 44, null, { timeout: 10000 }).catch(() => {});
    check('proto: derived public key of the stored private key', (await page.locator('.wgjs-derived-pubkey').textContent().catch(() => '')) === pubNow);
    check('proto: listen port loaded', (await page.locator(wid('listen_port')).inputValue().catch(() => '')) === '51900');
    await page.click('.cbi-tabmenu li[data-tab="peers"] a').catch(() => {});
    const grid = (await page.locator('.cbi-section-table').textContent().catch(() => '')) || '';
    check('proto: peers grid lists the UCI peers', grid.includes('Cloud server') && grid.includes('Phone <i>x</i>') && (await page.locator('.cbi-section-table-row').count()) === 3, grid);
    await page.click('.cbi-tabmenu li[data-tab="general"] a').catch(() => {});
    // invalid input: LuCI's datatype (port) and the wgjs key validator refuse; nothing is saved
    const before = readFileSync(UCI, 'utf8');
    const nSet = srv.calls.filter((c) => /^uci\.(set|add|delete)$/.test(c)).length;
    await page.fill(wid('listen_port'), '99999');
    await page.fill(wid('private_key'), 'AAAA');
    await page.locator(wid('private_key')).blur();
    await page.click('button.cbi-button-save');
    await page.waitForSelector('body[data-save-error]', { timeout: 5000 }).catch(() => {});
    const modal = (await page.locator('#modal_overlay .modal').textContent().catch(() => '')) || '';
    check('proto: invalid port and key refused with a message', (await page.getAttribute('body', 'data-save-error').catch(() => null)) !== null && modal.includes('Save error'), modal);
    check('proto: invalid fields marked', (await page.locator(`${wid('listen_port')}.cbi-input-invalid, ${wid('private_key')}.cbi-input-invalid`).count()) === 2);
    check('proto: nothing saved', readFileSync(UCI, 'utf8') === before && srv.calls.filter((c) => /^uci\.(set|add|delete)$/.test(c)).length === nSet);
    await page.click('#modal_overlay .modal button.cbi-button').catch(() => {});
    await page.fill(wid('listen_port'), '51900');
    // generate a key pair: the private key field is filled, the derived public key shown
    await page.click('button.wgjs-genkey');
    await page.waitForFunction((id) => {
      const v = document.getElementById(id)?.value || '';
      return v.length === 44 && document.querySelector('.wgjs-derived-pubkey')?.textContent.length === 44;
    }, `widget.cbid.network.${IFNAME}.private_key`, { timeout: 10000 }).catch(() => {});
    const genPriv = await page.locator(wid('private_key')).inputValue();
    const genPub = (await page.locator('.wgjs-derived-pubkey').textContent().catch(() => '')) || '';
    check('proto: generate fills the private key and shows its public key', KEY.test(genPriv) && genPriv !== privNow &&
      genPub === execFileSync(WGJS, ['pubkey'], { input: genPriv + '\n', encoding: 'utf8' }).trim(), `${genPriv} ${genPub}`);
    await page.screenshot({ path: shot('proto'), fullPage: true });
    await page.click('button.cbi-button-save');
    await page.waitForSelector('body[data-saved]', { timeout: 5000 }).catch(() => {});
    check('proto: valid form saved to the UCI file', readFileSync(UCI, 'utf8').includes(`option private_key '${genPriv}'`));
  }

  check('every call the views made is granted by luci-app-wgjs\'s ACL', srv.denied.length === 0, srv.denied.join(' '));

  // ---- the daemon stops: the status page says so (next poll, no reload)
  if (DAEMON_PID) {
    await open('wgjs/status');
    process.kill(Number(DAEMON_PID), 'SIGTERM');
    await page.waitForSelector('.wgjs-message', { timeout: 12000 }).catch(() => {});
    const msg = (await page.locator('.wgjs-message').first().textContent().catch(() => '')) || '';
    check('status: a clear message when the daemon is not running', msg.includes('No wgjs daemon is running') &&
      ((await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] h3`).textContent().catch(() => '')) || '').includes('not running'), msg);
    await page.screenshot({ path: shot('status-stopped'), fullPage: true });
    // and with no wgjs interface left in UCI: the page says there is none
    writeFileSync(UCI, "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n");
    await page.waitForFunction(() => /No wgjs interface exists/.test(document.querySelector('.wgjs-message')?.textContent || ''), null, { timeout: 12000 }).catch(() => {});
    check('status: a clear message when no wgjs interface exists', /No wgjs interface exists/.test((await page.locator('.wgjs-message').first().textContent().catch(() => '')) || ''),
      (await page.locator('#wgjs-status').textContent().catch(() => '')) || '');
  }
  check('no JavaScript errors on any page', errors.length === 0, errors.join(' | '));
} catch (e) {
  fail++;
  console.log(`not ok - browser test aborted: ${e.stack || e}`);
  for (const p of browser.contexts().flatMap((c) => c.pages())) await p.screenshot({ path: shot('failure'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  await srv.close();
}
console.log(`browser: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
