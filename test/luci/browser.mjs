// Browser test of luci-app-wgjs in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core). test/luci/run.sh prepares the world and passes it in the environment:
//   WGJS (binary), ROUTER_PID (a process in the router's network + mount namespaces, where a live
//   daemon IFNAME runs), IFNAME, UCI (the UCI file
//   the daemon was configured from), PEER_PUB (the server peer, handshake done), PHONE_PUB (a
//   peer that never connects, described with HTML markup), EVIL_PUB and EVIL (a peer whose UCI
//   description, allowed_ips and endpoint_host are the markup EVIL), ROUTER_PUB,
//   DAEMON_PID (stopped at the end to see the "not running" message), LUCI_SRC (optional: a LuCI
//   source tree; the views then run on the real luci-base runtime instead of the test double,
//   and the protocol handler is tested in a form as the interface editor builds it).
// Prints "ok - ..." / "not ok - ..." lines and "browser: N passed, N failed"; screenshots go to
// test/artifacts/{status,export,config}.png (real LuCI: real-{status,export,config,proto}.png),
// and at 412 px, light and dark, to $SHOTS (when set): {double|real}-{view}-{light|dark}.png.
// QR codes are decoded (qr/decode.js) from the rendered image and checked against the keys.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import decodeQR from 'qr/decode.js';
import { startServer } from './server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const art = join(root, 'test/artifacts');
mkdirSync(art, { recursive: true });
const { WGJS, ROUTER_PID, IFNAME, UCI, PEER_PUB, PHONE_PUB, EVIL_PUB, EVIL, ROUTER_PUB, DAEMON_PID } = process.env;
const SHOTS = process.env.SHOTS || '';
const LUCI_SRC = process.env.LUCI_SRC || '';
const shot = (name) => join(art, `${LUCI_SRC ? 'real-' : ''}${name}.png`);
const ROOTS = '#view #wgjs-status, #view #wgjs-config, #view .wgjs-proto-harness';
let pass = 0, fail = 0;
function check(name, cond, detail = '') {
  if (cond) { pass++; console.log(`ok - ${name}`); }
  else { fail++; console.log(`not ok - ${name}${detail ? ` (${detail})` : ''}`); }
}
const KEY = /^[A-Za-z0-9+/]{43}=$/;
const pubOf = (priv) => execFileSync(WGJS, ['pubkey'], { input: priv + '\n', encoding: 'utf8' }).trim();

/** Decodes the QR code image of the export panel (drawn onto a canvas in the page). */
async function readQr(page, scope = '') {
  const img = await page.evaluate(async (sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    if (!el.complete) await new Promise((r) => el.addEventListener('load', r, { once: true }));
    const n = 400, c = document.createElement('canvas');
    c.width = c.height = n;
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, n, n);
    ctx.drawImage(el, 20, 20, n - 40, n - 40);
    const d = ctx.getImageData(0, 0, n, n).data;
    let bin = '';
    for (let i = 0; i < d.length; i += 0x8000) bin += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
    return { width: n, height: n, b64: btoa(bin) };
  }, `${scope} img.wgjs-qr-img`);
  if (!img) return '';
  try {
    return decodeQR({ width: img.width, height: img.height, data: new Uint8Array(Buffer.from(img.b64, 'base64')) });
  } catch (e) {
    return `(no QR code: ${e.message})`;
  }
}

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

  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  const noScript = async (where) => {
    const r = await page.evaluate(() => ({ flag: window.wgjsXss === 1, img: document.querySelectorAll('img[src="x"]').length }));
    check(`${where}: UCI markup runs no script and injects no element`, dialogs.length === 0 && !r.flag && r.img === 0, JSON.stringify({ dialogs, ...r }));
  };

  // ---- Status -> wgjs
  const st = await open('wgjs/status');
  check('status view loads', st === 'wgjs-status', st);
  const row = page.locator(`.wgjs-peer[data-key="${PEER_PUB}"]`);
  await row.waitFor({ timeout: 10000 }).catch(() => {});
  const cell = async (c, r = row) => ((await r.locator(`.${c}`).textContent().catch(() => '')) || '').trim();
  check('status: data from the daemons\' ubus objects wgjs.<ifname> (found by list wgjs.*)',
    (await page.locator('#wgjs-status [data-source="daemon"]').count()) === 1 && srv.calls.includes(`wgjs.${IFNAME}.status`) && srv.calls.includes('list(wgjs.*)'),
    srv.calls.filter((c) => c.startsWith('wgjs') || c.startsWith('list')).join(' '));
  if (process.env.UBUS_SOCK) {
    check('status: answered by the router daemon itself, through a ubusd (not the exec plugin)',
      srv.calls.includes(`ubusd:wgjs.${IFNAME}.status`), srv.calls.filter((c) => c.startsWith('ubusd')).join(' '));
  }
  check('status: interface with its public key', (await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] code.wgjs-pubkey`).textContent().catch(() => '')) === ROUTER_PUB);
  check('status: listen port', (await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] .wgjs-port`).textContent().catch(() => '')) === '51900');
  check('status: peer named by its UCI description', (await cell('wgjs-name')).startsWith('Cloud server'), await cell('wgjs-name'));
  check('status: key badge (first 5 and last 6 characters)', (await cell('wgjs-keybadge')) === `${PEER_PUB.slice(0, 5)}\u2026${PEER_PUB.slice(-6)}`, await cell('wgjs-keybadge'));
  check('status: endpoint', (await cell('wgjs-endpoint')) === '10.1.0.2:51901', await cell('wgjs-endpoint'));
  check('status: allowed IPs', (await cell('wgjs-allowed')) === '10.77.0.1/32, fd77::1/128', await cell('wgjs-allowed'));
  check('status: latest handshake as time and "(Ns ago)"', /^\d\d:\d\d:\d\d \(\d+s ago\)$/.test(await cell('wgjs-handshake')), await cell('wgjs-handshake'));
  check('status: keepalive column', (await cell('wgjs-keepalive')) === '25 s', await cell('wgjs-keepalive'));
  check('status: rx and tx columns in human units', /^\d+(\.\d+)? (B|KiB)$/.test(await cell('wgjs-rx')) && /^\d+(\.\d+)? (B|KiB)$/.test(await cell('wgjs-tx')),
    `${await cell('wgjs-rx')} / ${await cell('wgjs-tx')}`);
  check('status: up badge', (await cell('wgjs-state')) === 'up', await cell('wgjs-state'));
  const phone = page.locator(`.wgjs-peer[data-key="${PHONE_PUB}"]`);
  check('status: a peer without handshake: "never", down badge', (await cell('wgjs-handshake', phone)) === 'never' && (await cell('wgjs-state', phone)) === 'down',
    `${await cell('wgjs-handshake', phone)} ${await cell('wgjs-state', phone)}`);
  check('status: a UCI description is shown as text, never as markup', (await phone.locator('.wgjs-name span').first().textContent().catch(() => '')) === 'Phone <i>x</i>' &&
    (await phone.locator('.wgjs-name i').count()) === 0);
  const evil = page.locator(`.wgjs-peer[data-key="${EVIL_PUB}"]`);
  check('status: a markup description is shown as its text', (await evil.locator('.wgjs-name span').first().textContent().catch(() => '')) === EVIL);
  // every peer's full key: its badge opens the details window
  for (const [k, label] of [[PEER_PUB, 'server'], [PHONE_PUB, 'phone'], [EVIL_PUB, 'markup peer']]) {
    await page.locator(`.wgjs-peer[data-key="${k}"] button.wgjs-keybadge`).click().catch(() => {});
    await page.waitForSelector('#modal_overlay .wgjs-fullkey', { timeout: 5000 }).catch(() => {});
    const full = (await page.locator('#modal_overlay .wgjs-fullkey').textContent().catch(() => '')) || '';
    check(`status: details window shows the full key of the ${label}`, full === k, full);
    if (label === 'server') await page.screenshot({ path: shot('status-details'), fullPage: true });
    await page.click('#modal_overlay .modal button.cbi-button-neutral').catch(() => {});
  }
  await noScript('status');
  await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] button.wgjs-copy`).first().click();
  await page.waitForTimeout(300);
  check('status: the copy button copies the public key', (await page.evaluate(() => navigator.clipboard.readText()).catch((e) => String(e))) === ROUTER_PUB &&
    ((await page.locator(`.wgjs-interface[data-interface="${IFNAME}"] button.wgjs-copy`).first().textContent()) || '') === 'Copied');
  await page.screenshot({ path: shot('status'), fullPage: true });

  // polled every 5 s: the transfer counters move after more traffic
  const before = await cell('wgjs-rx');
  execFileSync('nsenter', ['-t', ROUTER_PID, '-m', '-n', 'ping', '-c', '3', '-i', '0.2', '-s', '1000', '10.77.0.1'], { stdio: 'ignore' });
  await page.waitForFunction(([k, b]) => {
    const t = document.querySelector(`.wgjs-peer[data-key="${k}"] .wgjs-rx`);
    return t && t.textContent.trim() !== b;
  }, [PEER_PUB, before], { timeout: 9000 }).catch(() => {});
  check('status: polled every 5 s (rx updated without reload)', (await cell('wgjs-rx')) !== before, `${before} -> ${await cell('wgjs-rx')}`);
  // without daemon objects (older daemons): the rpcd plugin's status
  srv.setDaemonObjects(false);
  await page.waitForSelector('#wgjs-status [data-source="plugin"]', { timeout: 9000 }).catch(() => {});
  check('status: falls back to the rpcd plugin when no wgjs.<ifname> object exists',
    (await page.locator('#wgjs-status [data-source="plugin"]').count()) === 1 && (await page.locator(`.wgjs-peer[data-key="${PEER_PUB}"] .wgjs-keybadge`).count()) === 1);
  srv.setDaemonObjects(true);

  // ---- export dialog: wg-quick config + QR + Download, keepalive editable
  await row.locator('button.wgjs-export').click();
  await page.waitForSelector('#modal_overlay img.wgjs-qr-img', { timeout: 15000 }).catch(() => {});
  check('export: QR code image shown', (await page.locator('#modal_overlay img.wgjs-qr-img').count()) === 1);
  let conf = (await page.locator('#modal_overlay pre.wgjs-config').textContent().catch(() => '')) || '';
  check('export: config has the router as [Peer]', conf.includes(`[Peer]\nPublicKey = ${ROUTER_PUB}`), conf);
  check('export: endpoint suggested from the WAN address and listen port', conf.includes('Endpoint = 203.0.113.1:51900'), conf);
  check('export: AllowedIPs default 0.0.0.0/0, ::/0', conf.includes('AllowedIPs = 0.0.0.0/0, ::/0'));
  check('export: DNS from the LAN address', conf.includes('DNS = 192.168.1.1'));
  check('export: Address from the peer\'s allowed IPs', conf.includes('Address = 10.77.0.1/32, fd77::1/128'));
  check('export: PersistentKeepalive 25 by default', conf.includes('PersistentKeepalive = 25'));
  check('export: the QR code decodes to the configuration', (await readQr(page, '#modal_overlay')) === conf, 'decoded text differs');
  await page.fill('#modal_overlay .wgjs-export-keepalive', '0');
  await page.fill('#modal_overlay .wgjs-export-dns', '9.9.9.9');
  await page.fill('#modal_overlay .wgjs-export-allowed', '10.77.0.0/24');
  await page.fill('#modal_overlay .wgjs-export-endpoint', 'vpn.example.net:4444');
  await page.click('#modal_overlay .wgjs-export-update');
  await page.waitForFunction(() => {
    const t = document.querySelector('#modal_overlay pre.wgjs-config')?.textContent || '';
    return !/PersistentKeepalive/.test(t) && t.includes('Endpoint = vpn.example.net:4444');
  }, null, { timeout: 8000 }).catch(() => {});
  conf = (await page.locator('#modal_overlay pre.wgjs-config').textContent().catch(() => '')) || '';
  check('export: keepalive, DNS, AllowedIPs and endpoint are editable', !conf.includes('PersistentKeepalive') && conf.includes('DNS = 9.9.9.9') &&
    conf.includes('AllowedIPs = 10.77.0.0/24') && conf.includes('Endpoint = vpn.example.net:4444'), conf);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 8000 }).catch(() => null), page.click('#modal_overlay button.wgjs-download').catch(() => {})]);
  const dlText = dl ? readFileSync(await dl.path(), 'utf8') : '';
  check('export: Download saves the .conf file', dl !== null && dl.suggestedFilename() === `${IFNAME}-Cloud_server.conf` && dlText === conf, dl ? dl.suggestedFilename() : 'no download');
  await page.screenshot({ path: shot('export'), fullPage: true });
  await page.click('#modal_overlay button.wgjs-export-close').catch(() => {});

  // ---- Network -> wgjs
  check('config view loads', (await open('wgjs/config')) === 'wgjs-config');
  const prow = page.locator('.wgjs-peer-row').first();
  check('config: peer row filled from UCI', (await prow.locator('[name="public_key"]').inputValue()) === PEER_PUB &&
    (await prow.locator('[name="description"]').inputValue()) === 'Cloud server' &&
    (await prow.locator('[name="allowed_ips"]').inputValue()) === '10.77.0.1/32, fd77::1/128');
  await page.waitForSelector('.wgjs-derived-pubkey', { timeout: 10000 }).catch(() => {});
  check('config: derived public key shown', (await page.locator('.wgjs-derived-pubkey').textContent().catch(() => '')) === ROUTER_PUB);
  const erow = page.locator('.wgjs-peer-row').nth(2);
  check('config: UCI markup shown as input values', (await erow.locator('[name="description"]').inputValue()) === EVIL &&
    (await erow.locator('[name="allowed_ips"]').inputValue()) === EVIL && (await erow.locator('[name="endpoint_host"]').inputValue()) === EVIL);
  await noScript('config');
  await erow.locator('button.wgjs-remove').click();

  // a bad key is refused with a message; nothing is saved; a second failed save shows one box
  const fileBefore = readFileSync(UCI, 'utf8');
  await prow.locator('[name="public_key"]').fill('not-a-key');
  await page.click('button.cbi-button-save');
  await page.waitForSelector('#maincontent .alert-message.error', { timeout: 5000 }).catch(() => {});
  const note = (await page.locator('#maincontent .alert-message.error').first().textContent().catch(() => '')) || '';
  check('validation: bad key refused with a message', note.includes('Invalid key') && note.includes('Cloud server'), note);
  check('validation: the field is marked', (await prow.locator('[name="public_key"].cbi-input-invalid').count()) === 1);
  await page.click('button.cbi-button-save');
  await page.waitForTimeout(500);
  check('validation: error boxes do not stack on each failed save', (await page.locator('#maincontent .alert-message.error').count()) === 1,
    String(await page.locator('#maincontent .alert-message.error').count()));
  check('validation: nothing saved', readFileSync(UCI, 'utf8') === fileBefore && !srv.calls.some((c) => /^uci\.(set|add|delete)$/.test(c)), srv.calls.join(' '));
  await prow.locator('[name="public_key"]').fill(PEER_PUB);
  check('validation: the red mark goes away once the field is fixed', (await prow.locator('[name="public_key"].cbi-input-invalid').count()) === 0);

  // generating a key pair fills the private key and shows the derived public key
  const oldPriv = await page.locator('[name="private_key"]').inputValue();
  await page.click('button.wgjs-genkey');
  await page.waitForFunction((old) => {
    const v = document.querySelector('[name="private_key"]').value;
    const d = document.querySelector('.wgjs-derived-pubkey');
    return v && v !== old && d && d.textContent.length === 44;
  }, oldPriv, { timeout: 10000 }).catch(() => {});
  const newPriv = await page.locator('[name="private_key"]').inputValue();
  const derived = (await page.locator('.wgjs-derived-pubkey').textContent().catch(() => '')) || '';
  check('generate: new private key filled', KEY.test(newPriv) && newPriv !== oldPriv);
  check('generate: derived public key matches `wgjs pubkey`', derived === pubOf(newPriv), `${derived} vs ${pubOf(newPriv)}`);

  // Add peer: keys generated on the router, a free address, the export with a complete file
  const nRows = await page.locator('.wgjs-peer-row').count();
  await page.click('button.wgjs-add');
  await page.waitForSelector('#modal_overlay img.wgjs-qr-img', { timeout: 15000 }).catch(() => {});
  const nrow = page.locator('.wgjs-peer-row').nth(nRows);
  const newPub = await nrow.locator('[name="public_key"]').inputValue().catch(() => '');
  const newPeerPriv = await nrow.locator('[name="peer_private_key"]').inputValue().catch(() => '');
  const newPsk = await nrow.locator('[name="preshared_key"]').inputValue().catch(() => '');
  check('add peer: key pair and preshared key generated', KEY.test(newPub) && KEY.test(newPeerPriv) && KEY.test(newPsk) && pubOf(newPeerPriv) === newPub);
  check('add peer: a free address suggested', (await nrow.locator('[name="allowed_ips"]').inputValue()) === '10.77.0.4/32');
  const qrText = await readQr(page, '#modal_overlay');
  const qrPriv = /^PrivateKey = (\S+)$/m.exec(qrText)?.[1] || '';
  check('add peer: the QR code decodes to a config whose PrivateKey belongs to the peer\'s public key',
    KEY.test(qrPriv) && pubOf(qrPriv) === newPub && qrText.includes(`PublicKey = ${derived}`) && qrText.includes(`PresharedKey = ${newPsk}`) &&
    qrText.includes('Address = 10.77.0.4/32'), qrText || (await page.locator('#modal_overlay').textContent().catch(() => '')));
  check('add peer: the shown file is the QR code\'s', (await page.locator('#modal_overlay pre.wgjs-config').textContent().catch(() => '')) === qrText);
  await page.screenshot({ path: shot('config-export'), fullPage: true });
  await page.click('#modal_overlay button.wgjs-export-close').catch(() => {});
  await nrow.locator('[name="description"]').fill('New phone');

  // import the peer's own file: it keeps its private key
  const ownPriv = execFileSync(WGJS, ['genkey'], { encoding: 'utf8' }).trim();
  await page.click('button.wgjs-import');
  await page.fill('#wgjs-import-text', `[Interface]\nPrivateKey = ${ownPriv}\nAddress = 10.77.0.9/32\nDNS = 192.168.1.1\n\n[Peer]\nPublicKey = ${derived}\nAllowedIPs = 0.0.0.0/0\nEndpoint = 203.0.113.1:51900\n`);
  await page.click('button.wgjs-import-ok');
  await page.waitForFunction((n) => document.querySelectorAll('.wgjs-peer-row').length === n, nRows + 2, { timeout: 8000 }).catch(() => {});
  const orow = page.locator('.wgjs-peer-row').nth(nRows + 1);
  check('import: the peer\'s own file becomes one peer that keeps its private key',
    (await orow.locator('[name="peer_private_key"]').inputValue().catch(() => '')) === ownPriv &&
    (await orow.locator('[name="public_key"]').inputValue().catch(() => '')) === pubOf(ownPriv) &&
    (await orow.locator('[name="allowed_ips"]').inputValue().catch(() => '')) === '10.77.0.9/32');
  await orow.locator('[name="description"]').fill('Imported laptop');
  // a file of [Peer]s adds those peers
  const importedPub = pubOf(execFileSync(WGJS, ['genkey'], { encoding: 'utf8' }).trim());
  await page.click('button.wgjs-import');
  await page.fill('#wgjs-import-text', `[Peer]\nPublicKey = ${importedPub}\nAllowedIPs = 10.77.0.8/32, 192.168.8.0/24\nEndpoint = phone.example.net:51820\n`);
  await page.click('button.wgjs-import-ok');
  check('import: a new peer row from the pasted .conf', (await page.locator('.wgjs-peer-row').count()) === nRows + 3);
  await page.screenshot({ path: shot('config'), fullPage: true });
  await page.click('button.cbi-button-save');
  await page.waitForTimeout(1200);
  const saved = readFileSync(UCI, 'utf8');
  check('save: generated private key stored', saved.includes(`option private_key '${newPriv}'`));
  check('save: the added peer keeps its private key, public key and PSK', saved.includes(`option private_key '${newPeerPriv}'`) &&
    saved.includes(`option public_key '${newPub}'`) && saved.includes(`option preshared_key '${newPsk}'`));
  check('save: the imported own file kept its private key', saved.includes(`option private_key '${ownPriv}'`));
  check('save: imported peer stored with its allowed IPs and endpoint', saved.includes(`option public_key '${importedPub}'`) &&
    saved.includes("list allowed_ips '192.168.8.0/24'") && saved.includes("option endpoint_host 'phone.example.net'"));
  check('save: the existing peer kept its options', saved.includes(`option public_key '${PEER_PUB}'`) && saved.includes("option description 'Cloud server'"));
  check('save: no error box left after a good save', (await page.locator('#maincontent .alert-message.error').count()) === 0);
  const sync = execFileSync('nsenter', ['-t', ROUTER_PID, '-m', '-n', WGJS, 'uci-sync', '--config', UCI, '--dry-run', IFNAME], { encoding: 'utf8' });
  check('save: the saved file is a valid wgjs configuration (uci-sync --dry-run)', sync.includes('address4 10.77.0.2 24'), sync);
  // the saved peer exports from its row by its section (stored private key)
  await page.locator('.wgjs-peer-row').nth(nRows).locator('button.wgjs-peer-export').click();
  await page.waitForSelector('#modal_overlay pre.wgjs-config', { timeout: 10000 }).catch(() => {});
  check('export from a saved row: the file holds the stored private key',
    ((await page.locator('#modal_overlay pre.wgjs-config').textContent().catch(() => '')) || '').includes(`PrivateKey = ${newPeerPriv}`),
    (await page.locator('#modal_overlay').textContent().catch(() => '')) || '');
  await page.click('#modal_overlay button.wgjs-export-close').catch(() => {});

  // the markup peer was deleted to save: it comes back (through the uci ubus API) for the grid
  await page.evaluate(([sid, type, evil, pub]) => fetch('/ubus/', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'call',
    params: [sid, 'uci', 'add', { config: 'network', type, values: { description: evil, public_key: pub, allowed_ips: [evil], endpoint_host: evil } }] }) }),
  [srv.sessions.admin.sid, `wireguard_${IFNAME}`, EVIL, EVIL_PUB]);

  // ---- the protocol handler in LuCI's form, as the interface editor builds it (real LuCI only)
  if (LUCI_SRC) {
    const wid = (opt) => `[id="widget.cbid.network.${IFNAME}.${opt}"]`;
    check('proto: form renders with the wgjs protocol', (await open('wgjs-test/proto', `&iface=${IFNAME}`)) === 'wgjs-proto-harness');
    const privNow = new RegExp(`config interface '${IFNAME}'[^]*?option private_key '([^']+)'`).exec(readFileSync(UCI, 'utf8'))?.[1] || '';
    const pubNow = execFileSync(WGJS, ['pubkey'], { input: privNow + '\n', encoding: 'utf8' }).trim();
    await page.waitForFunction(() => document.querySelector('.wgjs-derived-pubkey')?.textContent.length === 44, null, { timeout: 10000 }).catch(() => {});
    check('proto: derived public key of the stored private key', (await page.locator('.wgjs-derived-pubkey').textContent().catch(() => '')) === pubNow);
    check('proto: listen port loaded', (await page.locator(wid('listen_port')).inputValue().catch(() => '')) === '51900');
    await page.click('.cbi-tabmenu li[data-tab="peers"] a').catch(() => {});
    const grid = (await page.locator('.cbi-section-table').textContent().catch(() => '')) || '';
    check('proto: peers grid lists the UCI peers', grid.includes('Cloud server') && grid.includes('Phone <i>x</i>') && grid.includes('New phone'), grid);
    check('proto: markup in description, allowed IPs and endpoint host shown as text', grid.split(EVIL).length - 1 >= 2, grid);
    await noScript('proto grid');
    // Add peer: keys generated on the router; the peer editor exports the complete file
    await page.click('.cbi-section-create .cbi-button-add').catch(() => {});
    await page.waitForSelector('#modal_overlay .wgjs-peer-export', { timeout: 10000 }).catch(() => {});
    const pw = (opt) => page.locator(`#modal_overlay input[id^="widget.cbid.network."][id$=".${opt}"]`).first();
    const mPub = await pw('public_key').inputValue().catch(() => '');
    check('proto: Add peer fills a generated public key', KEY.test(mPub), mPub);
    await page.click('#modal_overlay .wgjs-peer-export').catch(() => {});
    await page.waitForSelector('#modal_overlay img.wgjs-qr-img', { timeout: 15000 }).catch(() => {});
    const pq = await readQr(page, '#modal_overlay');
    const pqPriv = /^PrivateKey = (\S+)$/m.exec(pq)?.[1] || '';
    check('proto: the peer editor\'s QR code decodes to a config whose PrivateKey belongs to the peer\'s public key', KEY.test(pqPriv) && pubOf(pqPriv) === mPub, pq);
    await page.screenshot({ path: shot('proto-export'), fullPage: true });
    await page.locator('#modal_overlay .modal button', { hasText: 'Dismiss' }).last().click({ timeout: 5000 }).catch((e) => console.log(`# dismiss: ${e.message.split('\n')[0]}`));
    await page.waitForSelector('#modal_overlay .modal', { state: 'hidden', timeout: 5000 }).catch(() => {});
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

  // ---- read-only sessions: status only; disabled inputs, a clear message, no page error
  const ubusAs = (sid, object, method, args = {}) => page.evaluate(([s, o, m, a]) => fetch('/ubus/', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'call', params: [s, o, m, a] }) }).then((r) => r.json()),
    [sid, object, method, args]);
  check('read-only: status view loads', (await open('wgjs/status', '&session=ro')) === 'wgjs-status');
  await page.locator(`.wgjs-peer[data-key="${PEER_PUB}"]`).waitFor({ timeout: 10000 }).catch(() => {});
  const ro = srv.sessions.ro.sid;
  const roCalls = {};
  for (const m of ['status', 'genkey', 'genpsk', 'pubkey', 'peerconf', 'peerqr']) roCalls[m] = await ubusAs(ro, 'wgjs', m, m === 'pubkey' ? { private_key: ROUTER_PUB } : m.startsWith('peer') ? { interface: IFNAME, peer: '@wireguard_x[0]' } : {});
  roCalls[`wgjs.${IFNAME}.status`] = await ubusAs(ro, `wgjs.${IFNAME}`, 'status');
  check('read-only: status calls allowed, every key method denied (-32002)',
    roCalls.status.result?.[0] === 0 && roCalls[`wgjs.${IFNAME}.status`].result?.[0] === 0 &&
    ['genkey', 'genpsk', 'pubkey', 'peerconf', 'peerqr'].every((m) => roCalls[m].error?.code === -32002), JSON.stringify(roCalls).slice(0, 400));
  check('read-only: status shows the peers; export disabled; a notice', (await page.locator('.wgjs-peer').count()) >= 2 &&
    (await page.locator('button.wgjs-export:not([disabled])').count()) === 0 && (await page.locator('.wgjs-readonly').count()) === 1);
  await page.locator(`.wgjs-peer[data-key="${PEER_PUB}"] button.wgjs-keybadge`).click().catch(() => {});
  check('read-only: the details window still shows the full key', ((await page.locator('#modal_overlay .wgjs-fullkey').textContent().catch(() => '')) || '') === PEER_PUB);
  await page.click('#modal_overlay .modal button.cbi-button-neutral').catch(() => {});
  check('read-only: config view loads', (await open('wgjs/config', '&session=ro')) === 'wgjs-config');
  await page.waitForTimeout(500);
  const enabled = await page.locator('#wgjs-config input:not([disabled]), #wgjs-config button:not([disabled])').count();
  check('read-only: every input disabled, a clear message, Save disabled', enabled === 0 && (await page.locator('#wgjs-config .wgjs-readonly').count()) === 1 &&
    (await page.locator('#wgjs-config input').count()) > 5 && (await page.locator('button.cbi-button-save[disabled]').count()) === 1, `enabled: ${enabled}`);
  check('read-only without network read: config view says why', (await open('wgjs/config', '&session=robare')) === 'wgjs-config' &&
    (await page.locator('.wgjs-noaccess').count()) === 1, (await page.locator('#wgjs-config').textContent().catch(() => '')) || '');
  if (LUCI_SRC) {
    check('read-only: proto form renders', (await open('wgjs-test/proto', `&iface=${IFNAME}&session=ro`)) === 'wgjs-proto-harness');
    await page.waitForTimeout(500);
    check('read-only: proto form inputs disabled', (await page.locator(`[id="widget.cbid.network.${IFNAME}.listen_port"][disabled], [id="widget.cbid.network.${IFNAME}.listen_port"][readonly]`).count()) === 1 &&
      (await page.locator('button.wgjs-genkey:not([disabled])').count()) === 0);
  }
  await noScript('every view');

  // ---- 412 px, light and dark: the peer tables keep their headers; screenshots
  const narrow = await browser.newContext({ viewport: { width: 412, height: 915 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  const np = await narrow.newPage();
  np.on('pageerror', (e) => errors.push(`412px: ${e}`));
  const mode = LUCI_SRC ? 'real' : 'double';
  for (const dark of [false, true]) {
    const tag = dark ? 'dark' : 'light';
    await np.goto(`${srv.url}/?view=wgjs/status${dark ? '&dark=1' : ''}`);
    await np.waitForSelector(`.wgjs-peer[data-key="${PEER_PUB}"]`, { timeout: 15000 }).catch(() => {});
    const heads = await np.evaluate((k) => {
      const r = document.querySelector(`.wgjs-peer[data-key="${k}"]`);
      const titles = r && r.closest('.table').querySelector('.table-titles');
      const titlesShown = titles && getComputedStyle(titles).display !== 'none' && titles.getBoundingClientRect().width <= window.innerWidth;
      const cells = r ? [...r.querySelectorAll('.td')].filter((td) => td.getAttribute('data-title')) : [];
      const labelled = cells.length > 0 && cells.every((td) => getComputedStyle(td, '::before').content === JSON.stringify(td.getAttribute('data-title')));
      return { titlesShown: !!titlesShown, labelled, width: document.documentElement.scrollWidth };
    }, PEER_PUB);
    if (!dark) check('412 px: the status peer table keeps its headers (per-cell titles) and fits', (heads.titlesShown || heads.labelled) && heads.width <= 430, JSON.stringify(heads));
    if (SHOTS) await np.screenshot({ path: join(SHOTS, `${mode}-status-${tag}.png`), fullPage: true });
    await np.locator(`.wgjs-peer[data-key="${PEER_PUB}"] button.wgjs-export`).click().catch(() => {});
    await np.waitForSelector('#modal_overlay img.wgjs-qr-img', { timeout: 15000 }).catch(() => {});
    await np.waitForTimeout(300);
    if (SHOTS) await np.screenshot({ path: join(SHOTS, `${mode}-export-${tag}.png`), fullPage: true });
    await np.goto(`${srv.url}/?view=wgjs/config${dark ? '&dark=1' : ''}`);
    await np.waitForSelector('.wgjs-peer-row', { timeout: 15000 }).catch(() => {});
    const cfg = await np.evaluate(() => {
      const r = document.querySelector('.wgjs-peer-row');
      const cells = r ? [...r.querySelectorAll('.td')].filter((td) => td.getAttribute('data-title')) : [];
      return { labelled: cells.length > 5 && cells.every((td) => getComputedStyle(td, '::before').content === JSON.stringify(td.getAttribute('data-title'))), width: document.documentElement.scrollWidth };
    });
    if (!dark) check('412 px: the config peer table keeps its headers (per-cell titles) and fits', cfg.labelled && cfg.width <= 430, JSON.stringify(cfg));
    await np.waitForTimeout(300);
    if (SHOTS) await np.screenshot({ path: join(SHOTS, `${mode}-config-${tag}.png`), fullPage: true });
  }
  await narrow.close();

  const deniedAdmin = srv.denied.filter((d) => d.startsWith('admin:'));
  const deniedRo = srv.denied.filter((d) => d.startsWith('ro:'));
  check('every call the views made is granted by luci-app-wgjs\'s ACL (admin); read-only views made no denied call',
    deniedAdmin.length === 0 && deniedRo.length === 5, srv.denied.join(' '));

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
