// HTTP server for the luci-app-wgjs browser test. It stands in for uhttpd + rpcd on a router:
//  - /ubus/       ubus JSON-RPC over HTTP (as uhttpd-mod-ubus; single calls and batches), with
//                 rpcd's ACL check against luci-app-wgjs's own ACL file (a call the app's ACL
//                 does not grant fails with ubus code 6, "Permission denied", as on a router):
//                   wgjs.*                    the REAL rpcd plugin: `wgjs rpcd call METHOD` with the
//                                             JSON arguments on stdin, run inside the router's
//                                             network and mount namespaces (nsenter -t routerPid)
//                                             next to a live daemon
//                   uci get/set/add/delete/order/changes
//                                             a REAL UCI file, parsed and written by the project's
//                                             UCI code (src/openwrt/uci.ts); section names stay
//                                             stable within a run as in an rpcd uci session; a
//                                             change is written to the file at once (staging and
//                                             commit are not modelled: "saved" = in the file)
//                   network.interface.{wan,lan} status
//                                             stand-ins for netifd (fixed addresses)
//                   luci getFeatures, file list, session access
//                                             what LuCI's runtime asks at boot (luci-base grants)
//  - /luci-static/resources/...  the app's htdocs; with LUCI_SRC (a LuCI source tree) also the
//                 REAL luci-base runtime and the bootstrap theme, else the test double
//                 test/luci/luci-double/luci.js
//  - /cgi-bin/luci/admin/menu, /cgi-bin/luci/admin/translations/en: the menu tree made from the
//                 app's menu.d JSON (real-LuCI mode), no translations
//   startServer({ wgjs, routerPid, uciFile, luciSrc }) -> { url, calls, page(view), close() }
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const app = join(root, 'luci-app');
const appResources = join(app, 'htdocs/luci-static/resources');
const harnessResources = join(root, 'test/luci/harness');

// stand-ins for netifd's ubus objects the export dialog reads (not part of wgjs)
const NETIFD = {
  'network.interface.wan': { up: true, 'ipv4-address': [{ address: '203.0.113.1', mask: 24 }] },
  'network.interface.lan': { up: true, 'ipv4-address': [{ address: '192.168.1.1', mask: 24 }] },
};

// what luci-base's own ACL (luci-base.json: groups "unauthenticated", "luci-base") grants every
// LuCI session; the rest must come from luci-app-wgjs.json
const LUCI_BASE_UBUS = {
  luci: ['getFeatures'],
  file: ['list'],
  session: ['access'],
  uci: ['changes', 'get', 'add', 'apply', 'confirm', 'delete', 'order', 'rename', 'set'],
};
const LUCI_BASE_UCI_READ = ['system', 'luci'];
const UCI_READ = new Set(['get', 'changes', 'state']);

const MIME = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.gif': 'image/gif', '.json': 'application/json' };

function loadAcl() {
  const acl = JSON.parse(readFileSync(join(app, 'root/usr/share/rpcd/acl.d/luci-app-wgjs.json'), 'utf8'))['luci-app-wgjs'];
  const ubus = new Map();
  const grant = (o, m) => ubus.set(o, new Set([...(ubus.get(o) || []), ...m]));
  for (const [o, m] of Object.entries(LUCI_BASE_UBUS)) grant(o, m);
  for (const level of ['read', 'write']) for (const [o, m] of Object.entries(acl[level]?.ubus || {})) grant(o, m);
  return { ubus, uciRead: new Set([...LUCI_BASE_UCI_READ, ...(acl.read?.uci || []), ...(acl.write?.uci || [])]), uciWrite: new Set(acl.write?.uci || []) };
}

function menuTree() {
  const menu = JSON.parse(readFileSync(join(app, 'root/usr/share/luci/menu.d/luci-app-wgjs.json'), 'utf8'));
  const tree = { satisfied: true, children: { admin: { title: 'Administration', satisfied: true, children: {
    status: { title: 'Status', order: 10, satisfied: true, children: {} },
    network: { title: 'Network', order: 50, satisfied: true, children: {} },
  } } } };
  for (const [path, node] of Object.entries(menu)) {
    const [, parent, name] = path.split('/');
    tree.children.admin.children[parent].children[name] = { ...node, satisfied: true };
  }
  return { tree, menu };
}

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

/** The network package of one UCI file, edited the way an rpcd uci session does. */
class UciFile {
  constructor(uci, file) {
    this.uci = uci;
    this.file = file;
    const r = uci.parseUci(readFileSync(file, 'utf8'), { file, package: 'network', single: true });
    if (!r.ok) throw new Error(r.error);
    this.pkg = r.packages[0] || { name: 'network', sections: [] };
    this.created = this.pkg.sections.length; // libuci's ordinal for the next anonymous name
  }
  find(sid) {
    return this.pkg.sections.find((s) => s.name === sid);
  }
  write() {
    const byType = new Map();
    for (const s of this.pkg.sections) {
      s.index = byType.get(s.type) || 0;
      byType.set(s.type, s.index + 1);
    }
    writeFileSync(this.file, this.uci.formatUci(this.pkg, { header: false }));
  }
  values() {
    const out = {};
    this.pkg.sections.forEach((s, i) => {
      const o = { '.anonymous': s.anonymous, '.type': s.type, '.name': s.name, '.index': i };
      for (const [k, v] of s.options) o[k] = Array.isArray(v) ? v.slice() : v;
      out[s.name] = o;
    });
    return out;
  }
  setValues(s, values) {
    for (const [k, v] of Object.entries(values || {})) {
      if (!/^[A-Za-z0-9_]+$/.test(k)) throw new Error(`bad option name ${k}`);
      if (Array.isArray(v)) s.options.set(k, v.map(String));
      else if (v === null || v === '') s.options.delete(k);
      else s.options.set(k, String(v));
    }
  }
  // ubus uci methods: [status, data]
  call(method, a) {
    switch (method) {
      case 'get':
        return [0, { values: this.values() }];
      case 'changes':
        return [0, { changes: {} }];
      case 'set': {
        const s = this.find(a.section);
        if (!s) return [4]; // UBUS_STATUS_NOT_FOUND
        this.setValues(s, a.values);
        this.write();
        return [0];
      }
      case 'add': {
        if (typeof a.type !== 'string' || !a.type) return [2];
        const name = a.name || this.uci.anonymousSectionName(++this.created, a.type);
        if (a.name) {
          if (!/^[A-Za-z0-9_]+$/.test(a.name) || this.find(a.name)) return [2];
          this.created++;
        }
        const s = { name, type: a.type, anonymous: !a.name, index: 0, line: 0, options: new Map() };
        this.setValues(s, a.values);
        this.pkg.sections.push(s);
        this.write();
        return [0, { section: name }];
      }
      case 'delete': {
        const s = this.find(a.section);
        if (!s) return [4];
        const opts = a.options || (a.option ? [a.option] : null);
        if (opts) for (const o of opts) s.options.delete(o);
        else this.pkg.sections.splice(this.pkg.sections.indexOf(s), 1);
        this.write();
        return [0];
      }
      case 'order': {
        const order = (a.sections || []).map((sid) => this.find(sid)).filter(Boolean);
        const rest = this.pkg.sections.filter((s) => !order.includes(s));
        this.pkg.sections = [...order, ...rest];
        this.write();
        return [0];
      }
      default:
        return [3]; // UBUS_STATUS_METHOD_NOT_FOUND
    }
  }
}

function pageDouble(view) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>wgjs - LuCI (test double)</title>
<link rel="stylesheet" href="/double/double.css">
<script src="/double/luci.js"></script>
</head><body>
<header>OpenWrt - LuCI (test double)</header>
<div id="maincontent"><div id="notifications"></div><div id="view"></div></div>
<div id="modal_overlay"></div>
<script>bootView(${JSON.stringify(view)});</script>
</body></html>`;
}

// As modules/luci-base/ucode/template/header.ut + view.ut + the bootstrap theme's header/footer
function pageReal(view, nodespec, dispatchpath) {
  const env = {
    media: '/luci-static/bootstrap', resource: '/luci-static/resources', scriptname: '/cgi-bin/luci',
    pathinfo: '/' + dispatchpath.join('/'), documentroot: '/www', requestpath: dispatchpath, dispatchpath,
    pollinterval: 5, ubuspath: '/ubus/', sessionid: '0123456789abcdef0123456789abcdef', token: 'x',
    nodespec, apply_rollback: 90, apply_holdoff: 4, apply_timeout: 5, apply_display: 1.5, rollback_token: null,
  };
  return `<!DOCTYPE html>
<html lang="en" data-darkmode="false"><head><meta charset="utf-8"><title>OpenWrt | wgjs</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/luci-static/bootstrap/cascade.css">
<script src="/cgi-bin/luci/admin/translations/en"></script>
<script src="/luci-static/resources/cbi.js"></script>
</head><body class="lang_en" data-page="${dispatchpath.join('-')}">
<header><a class="brand" href="/">OpenWrt</a><ul class="nav" id="topmenu" style="display:none"></ul><div id="indicators" class="pull-right"></div></header>
<div id="maincontent" class="container"><div id="tabmenu" style="display:none"></div>
<script src="/luci-static/resources/luci.js"></script>
<script>L = new LuCI(${JSON.stringify(env)});</script>
<div id="view"><div class="spinning">Loading view…</div>
<script>L.require('ui').then(function(ui) { ui.instantiateView(${JSON.stringify(view)}); });</script>
</div></div>
<footer><span>Powered by LuCI (real luci-base from LUCI_SRC)</span><ul class="breadcrumb pull-right" id="modemenu" style="display:none"></ul></footer>
<script>L.require('menu-bootstrap')</script>
</body></html>`;
}

export async function startServer({ wgjs, routerPid, uciFile, luciSrc = '', log = () => {} }) {
  const uciCode = await loadUciCode();
  const uci = new UciFile(uciCode, uciFile);
  const acl = loadAcl();
  const { tree, menu } = menuTree();
  const calls = [];
  const denied = [];
  // resources: the app first, then the test harness (real-LuCI mode), then luci-base and the theme
  const resourceDirs = [appResources];
  const staticDirs = [];
  if (luciSrc) {
    resourceDirs.push(harnessResources,
      join(luciSrc, 'modules/luci-base/htdocs/luci-static/resources'),
      join(luciSrc, 'themes/luci-theme-bootstrap/htdocs/luci-static/resources'));
    staticDirs.push(join(luciSrc, 'themes/luci-theme-bootstrap/htdocs/luci-static'));
    if (!existsSync(join(resourceDirs[2], 'luci.js'))) throw new Error(`LUCI_SRC=${luciSrc}: no modules/luci-base/.../luci.js`);
  }

  const ubusCall = (object, method, args) => {
    const grant = acl.ubus.get(object);
    if (!grant || !grant.has(method)) {
      denied.push(`${object}.${method}`);
      return [6]; // UBUS_STATUS_PERMISSION_DENIED
    }
    if (object === 'uci') {
      if (method === 'apply' || method === 'confirm') return [0]; // staging/commit not modelled
      const conf = args.config;
      if (method === 'changes' && conf === undefined) return [0, { changes: {} }]; // all readable configs
      if (!(UCI_READ.has(method) ? acl.uciRead : acl.uciWrite).has(conf)) {
        denied.push(`uci.${method}(${conf})`);
        return [6];
      }
      if (conf !== 'network') return method === 'get' ? [0, { values: {} }] : [4]; // only network is a real file
      return uci.call(method, args);
    }
    if (NETIFD[object] && method === 'status') return [0, NETIFD[object]];
    if (object === 'luci' && method === 'getFeatures') return [0, {}];
    if (object === 'file' && method === 'list') return [0, { entries: [] }];
    if (object === 'session' && method === 'access') return [0, { access: true }];
    if (object === 'wgjs') {
      const r = spawnSync('nsenter', ['-t', String(routerPid), '-m', '-n', 'env', `WGJS_UCI_CONFIG=${uciFile}`, wgjs, 'rpcd', 'call', method], {
        input: JSON.stringify(args || {}),
        encoding: 'utf8',
        timeout: 20000,
      });
      if (r.status !== 0 || !r.stdout) {
        log(`rpcd plugin failed: ${r.stderr}`);
        return [9]; // UBUS_STATUS_UNKNOWN_ERROR
      }
      return [0, JSON.parse(r.stdout)];
    }
    return [3];
  };

  const jsonrpc = (msg) => {
    if (msg.method === 'list') return { jsonrpc: '2.0', id: msg.id, result: {} };
    if (msg.method !== 'call' || !Array.isArray(msg.params)) return { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } };
    const [, object, method, args] = msg.params;
    calls.push(`${object}.${method}`);
    const result = ubusCall(object, method, args || {});
    log(`ubus ${object}.${method} ${JSON.stringify(args)} -> ${result[0]}`);
    return { jsonrpc: '2.0', id: msg.id, result };
  };

  const sendFile = (send, dirs, rel) => {
    for (const d of dirs) {
      const p = normalize(join(d, rel));
      if ((p + sep).startsWith(d + sep) && existsSync(p) && statSync(p).isFile()) return send(200, MIME[extname(p)] || 'application/octet-stream', readFileSync(p));
    }
    return send(404, 'text/plain', 'not found');
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (code, type, body) => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    try {
      if (url.pathname === '/') {
        const view = url.searchParams.get('view') || 'wgjs/status';
        if (!luciSrc) return send(200, 'text/html', pageDouble(view));
        const entry = Object.entries(menu).find(([, n]) => n.action?.path === view);
        const dispatchpath = entry ? entry[0].split('/') : ['admin', 'test', ...view.split('/')];
        const nodespec = entry ? { ...entry[1], satisfied: true } : { satisfied: true };
        return send(200, 'text/html', pageReal(view, nodespec, dispatchpath));
      }
      if (!luciSrc && url.pathname.startsWith('/double/')) return sendFile(send, [join(root, 'test/luci/luci-double')], url.pathname.slice(8));
      if (url.pathname.startsWith('/luci-static/resources/')) return sendFile(send, resourceDirs, url.pathname.slice(23));
      if (url.pathname.startsWith('/luci-static/')) return sendFile(send, staticDirs, url.pathname.slice(13));
      if (url.pathname === '/cgi-bin/luci/admin/menu') return send(200, 'application/json', JSON.stringify(tree));
      if (url.pathname.startsWith('/cgi-bin/luci/admin/translations/')) return send(200, 'text/javascript', 'window.TR = {};');
      if (url.pathname.startsWith('/ubus') && req.method === 'POST') {
        const body = JSON.parse(await readBody(req));
        const reply = Array.isArray(body) ? body.map(jsonrpc) : jsonrpc(body);
        return send(200, 'application/json', JSON.stringify(reply));
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
    denied,
    close: () => new Promise((r) => server.close(r)),
  };
}
