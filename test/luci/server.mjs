// HTTP server for the luci-app-wgjs browser test: serves the app's views and the LuCI test
// double, answers rpc calls with the REAL rpcd plugin (`wgjs rpcd call METHOD` inside the
// router's network namespace, next to a live daemon) and uci load/save with a REAL UCI file
// (parsed and written by the project's UCI code, as libuci would).
//   startServer({ wgjs, netns, uciFile }) -> { url, close() }
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const resources = join(root, 'luci-app/htdocs/luci-static/resources');

// stand-ins for netifd's ubus objects the export dialog reads (not part of wgjs)
const NETIFD = {
  'network.interface.wan': { up: true, 'ipv4-address': [{ address: '203.0.113.1', mask: 24 }] },
  'network.interface.lan': { up: true, 'ipv4-address': [{ address: '192.168.1.1', mask: 24 }] },
};

const PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>wgjs - LuCI</title>
<style>
body { font-family: sans-serif; font-size: 14px; margin: 0; background: #f4f6f8; color: #222 }
header { background: #2d3e50; color: #fff; padding: 10px 20px; font-size: 18px }
#maincontent { padding: 10px 20px }
h2 { font-weight: normal } h3 { margin: 18px 0 8px }
.cbi-section { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 10px 14px; margin-bottom: 14px }
table.table { border-collapse: collapse; width: 100%; margin-top: 8px }
.table .th, .table th { text-align: left; background: #eef1f4; padding: 5px 6px; font-size: 12px }
.table .td, .table td { padding: 5px 6px; border-top: 1px solid #eee; vertical-align: top }
div.table { display: table; width: auto } div.tr { display: table-row } div.td { display: table-cell; padding: 3px 12px 3px 0 }
.cbi-value { display: flex; margin: 6px 0 } .cbi-value-title { width: 160px; font-weight: bold; padding-top: 4px }
.cbi-value-description { color: #666; font-size: 12px }
input.cbi-input-text { padding: 3px 5px; border: 1px solid #bbb; border-radius: 3px; font-family: monospace; font-size: 12px }
.cbi-input-invalid { border: 2px solid #c00 !important; background: #fee }
.btn { padding: 4px 10px; border: 1px solid #999; background: #fafafa; border-radius: 3px; cursor: pointer; margin: 2px }
.alert-message { padding: 8px 12px; border-radius: 4px; background: #e8f0fe; border: 1px solid #9ab }
.alert-message.error, .alert-message.warning { background: #fdecea; border-color: #e0a0a0 }
#modal_overlay { display: none; position: fixed; inset: 0; background: rgba(0,0,0,.45); overflow: auto }
.modal { background: #fff; margin: 30px auto; padding: 14px 20px; max-width: 720px; border-radius: 6px }
.cbi-page-actions { margin-top: 12px; text-align: right }
code { font-size: 12px }
</style>
<script src="/double/luci.js"></script>
</head><body>
<header>OpenWrt - LuCI (test double)</header>
<div id="maincontent"><div id="notifications"></div><div id="view"></div></div>
<div id="modal_overlay"></div>
<script>bootView(new URLSearchParams(location.search).get('view') || 'wgjs/status');</script>
</body></html>`;

async function loadUciCode() {
  const out = join(mkdtempSync(join(tmpdir(), 'wgjs-luci-')), 'uci.mjs');
  await build({ entryPoints: [join(root, 'src/openwrt/uci.ts')], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'warning' });
  return import(pathToFileURL(out).href);
}

function readBody(req) {
  return new Promise((res, rej) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => res(b));
    req.on('error', rej);
  });
}

export async function startServer({ wgjs, netns, uciFile, log = () => {} }) {
  const uci = await loadUciCode();
  const calls = [];

  const readSections = () => {
    const r = uci.parseUci(readFileSync(uciFile, 'utf8'), { file: uciFile, package: 'network', single: true });
    if (!r.ok) throw new Error(r.error);
    return r.packages[0].sections.map((s) => {
      const o = { '.name': s.name, '.type': s.type, '.anonymous': s.anonymous, '.index': s.index };
      for (const [k, v] of s.options) o[k] = v;
      return o;
    });
  };
  const writeSections = (list) => {
    const sections = list.map((o, i) => ({
      name: o['.name'], type: o['.type'], anonymous: !!o['.anonymous'], index: i, line: 0,
      options: new Map(Object.entries(o).filter(([k]) => !k.startsWith('.'))),
    }));
    writeFileSync(uciFile, uci.formatUci({ name: 'network', sections }, { header: false }));
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (code, type, body) => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    try {
      if (url.pathname === '/') return send(200, 'text/html', PAGE);
      if (url.pathname === '/double/luci.js') return send(200, 'text/javascript', readFileSync(join(root, 'test/luci/luci-double/luci.js')));
      if (url.pathname.startsWith('/luci-static/resources/')) {
        const p = normalize(join(resources, url.pathname.slice('/luci-static/resources/'.length)));
        if (!p.startsWith(resources) || !existsSync(p)) return send(404, 'text/plain', 'not found');
        return send(200, 'text/javascript', readFileSync(p));
      }
      if (url.pathname === '/rpc' && req.method === 'POST') {
        const { object, method, params } = JSON.parse(await readBody(req));
        calls.push(`${object}.${method}`);
        log(`rpc ${object}.${method} ${JSON.stringify(params)}`);
        if (NETIFD[object] && method === 'status') return send(200, 'application/json', JSON.stringify(NETIFD[object]));
        if (object !== 'wgjs') return send(404, 'text/plain', `no ubus object ${object}`);
        const r = spawnSync('ip', ['netns', 'exec', netns, 'env', `WGJS_UCI_CONFIG=${uciFile}`, wgjs, 'rpcd', 'call', method], {
          input: JSON.stringify(params || {}),
          encoding: 'utf8',
          timeout: 20000,
        });
        if (r.status !== 0 && !r.stdout) return send(500, 'text/plain', r.stderr || 'rpcd plugin failed');
        return send(200, 'application/json', r.stdout);
      }
      if (url.pathname === '/uci/network') {
        if (req.method === 'POST') {
          writeSections(JSON.parse(await readBody(req)));
          calls.push('uci.save');
          return send(200, 'application/json', '{}');
        }
        return send(200, 'application/json', JSON.stringify(readSections()));
      }
      return send(404, 'text/plain', 'not found');
    } catch (e) {
      log(`error: ${e.stack || e}`);
      return send(500, 'text/plain', String(e.message || e));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    close: () => new Promise((r) => server.close(r)),
  };
}
