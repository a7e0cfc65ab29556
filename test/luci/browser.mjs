// Browser test of luci-app-wgjs in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core). test/luci/run.sh prepares the world and passes it in the environment:
//   WGJS (binary), NETNS (router namespace with a live daemon IFNAME), IFNAME, UCI (the UCI file
//   the daemon was configured from), PEER_PUB (the server peer, handshake done), ROUTER_PUB.
// Prints "ok - ..." / "not ok - ..." lines and "browser: N passed, N failed"; screenshots go to
// test/artifacts/{status,config,export}.png.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const art = join(root, 'test/artifacts');
mkdirSync(art, { recursive: true });
const { WGJS, NETNS, IFNAME, UCI, PEER_PUB, ROUTER_PUB } = process.env;
let pass = 0, fail = 0;
function check(name, cond, detail = '') {
  if (cond) { pass++; console.log(`ok - ${name}`); }
  else { fail++; console.log(`not ok - ${name}${detail ? ` (${detail})` : ''}`); }
}
const KEY = /^[A-Za-z0-9+/]{43}=$/;

const srv = await startServer({ wgjs: WGJS, netns: NETNS, uciFile: UCI, log: (m) => process.env.DEBUG && console.log(`# ${m}`) });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('crash', () => errors.push('page crashed'));
  if (process.env.DEBUG) page.on('console', (m) => console.log(`# console: ${m.text()}`));
  const open = async (view) => {
    await page.goto(`${srv.url}/?view=${view}`);
    await page.waitForSelector(`body[data-view-ready]`, { timeout: 15000 });
    return page.getAttribute('body', 'data-view-ready');
  };

  // ---- Status -> wgjs
  const st = await open('wgjs/status');
  check('status view loads', st === 'wgjs/status', `${st}: ${await page.textContent('#view')}`);
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
  await page.screenshot({ path: join(art, 'status.png'), fullPage: true });

  // polled every 5 s: the transfer counters move after more traffic
  const before = await cell('wgjs-transfer');
  execFileSync('ip', ['netns', 'exec', NETNS, 'ping', '-c', '3', '-i', '0.2', '-s', '1000', '10.77.0.1'], { stdio: 'ignore' });
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
  await page.screenshot({ path: join(art, 'export.png'), fullPage: true });

  // ---- Network -> wgjs
  check('config view loads', (await open('wgjs/config')) === 'wgjs/config');
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
  await page.waitForSelector('#notifications .alert-message', { timeout: 5000 }).catch(() => {});
  const note = (await page.locator('#notifications').textContent()) || '';
  check('validation: bad key refused with a message', note.includes('Invalid key') && note.includes('Cloud server'), note);
  check('validation: the field is marked', (await prow.locator('[name="public_key"].cbi-input-invalid').count()) === 1);
  await page.waitForTimeout(300);
  check('validation: nothing saved', readFileSync(UCI, 'utf8') === fileBefore && !srv.calls.includes('uci.save'));

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
  await page.screenshot({ path: join(art, 'config.png'), fullPage: true });

  // fix the key, import a peer from a .conf, save: the UCI file holds it all
  await prow.locator('[name="public_key"]').fill(PEER_PUB);
  const importedPub = execFileSync(WGJS, ['pubkey'], { input: execFileSync(WGJS, ['genkey'], { encoding: 'utf8' }), encoding: 'utf8' }).trim();
  await page.click('button.wgjs-import');
  await page.fill('#wgjs-import-text', `[Peer]\nPublicKey = ${importedPub}\nAllowedIPs = 10.77.0.8/32, 192.168.8.0/24\nEndpoint = phone.example.net:51820\n`);
  await page.click('button.wgjs-import-ok');
  check('import: a new peer row from the pasted .conf', (await page.locator('tr.wgjs-peer-row').count()) === 2);
  await page.click('button.cbi-button-save');
  await page.waitForTimeout(1000);
  const saved = readFileSync(UCI, 'utf8');
  check('save: generated private key stored', saved.includes(`option private_key '${newPriv}'`));
  check('save: imported peer stored with its allowed IPs and endpoint', saved.includes(`option public_key '${importedPub}'`) &&
    saved.includes("list allowed_ips '192.168.8.0/24'") && saved.includes("option endpoint_host 'phone.example.net'"));
  check('save: the existing peer kept its options', saved.includes(`option public_key '${PEER_PUB}'`) && saved.includes("option description 'Cloud server'"));
  const sync = execFileSync('ip', ['netns', 'exec', NETNS, WGJS, 'uci-sync', '--config', UCI, '--dry-run', IFNAME], { encoding: 'utf8' });
  check('save: the saved file is a valid wgjs configuration (uci-sync --dry-run)', sync.includes('address4 10.77.0.2 24'), sync);
  check('no JavaScript errors on any page', errors.length === 0, errors.join(' | '));
} catch (e) {
  fail++;
  console.log(`not ok - browser test aborted: ${e.stack || e}`);
} finally {
  await browser.close();
  await srv.close();
}
console.log(`browser: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
