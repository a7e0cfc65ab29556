// HTTP server for the luci-app-wgjs browser test. It stands in for uhttpd + rpcd on a router:
//  - /ubus/       ubus JSON-RPC over HTTP (as uhttpd-mod-ubus; single calls, batches and "list"),
//                 with rpcd's per-session ACL check (test/luci/acl.mjs) against luci-app-wgjs's
//                 REAL acl.d file plus stand-in groups of luci-base and luci-mod-network; a call
//                 the session's ACL does not grant answers JSON-RPC error -32002 "Access denied"
//                 as uhttpd does (sessions: SESSIONS below, chosen by the page's ?session=):
//                   wgjs.*                    the REAL rpcd plugin: `wgjs rpcd call METHOD` with the
//                                             JSON arguments on stdin, run inside the router's
//                                             network and mount namespaces (nsenter -t routerPid)
//                                             next to a live daemon
//                   wgjs.<ifname> status      TEST STAND-IN for the daemons' own ubus objects
//                                             (issue 16), made from the plugin's status
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
//  - /luci-static/resources/...  the app's htdocs; with LUCI_SRC also the REAL luci-base runtime
//                 and the bootstrap theme, else the test double test/luci/luci-double/luci.js.
//                 LUCI_SRC is either a LuCI source tree (modules/luci-base/htdocs/...,
//                 themes/luci-theme-bootstrap/htdocs/...) or a router's /www layout
//                 (luci-static/resources/luci.js, luci-static/bootstrap/cascade.css)
//  - /cgi-bin/luci/admin/menu, /cgi-bin/luci/admin/translations/en: the menu tree made from the
//                 app's menu.d JSON (real-LuCI mode), no translations
//   /?view=wgjs/status&session=ro&dark=1   a page (dark: the bootstrap theme's dark mode)
//   startServer({ wgjs, routerPid, uciFile, luciSrc }) -> { url, calls, denied, sessions,
//                 setDaemonObjects(bool), close() }
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { aclFile, allowed, glob, sessionGrants } from './acl.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const app = join(root, 'luci-app');
const appResources = join(app, 'htdocs/luci-static/resources');
const harnessResources = join(root, 'test/luci/harness');

// stand-ins for netifd's ubus objects the export dialog reads (not part of wgjs)
const NETIFD = {
  'network.interface.wan': { up: true, 'ipv4-address': [{ address: '203.0.113.1', mask: 24 }] },
  'network.interface.lan': { up: true, 'ipv4-address': [{ address: '192.168.1.1', mask: 24 }] },
};

// Stand-ins for the ACL groups of other LuCI packages a router has (luci-base.json: every
// session's boot calls; luci-mod-network's "luci-mod-network-config": uci network), merged with
// the REAL acl.d file of luci-app-wgjs. Denied calls answer as uhttpd-mod-ubus does: JSON-RPC
// error -32002 "Access denied".
const STANDIN_GROUPS = {
  'luci-base': {
    read: {
      ubus: { luci: ['getFeatures'], file: ['list'], session: ['access'], uci: ['changes', 'get', 'add', 'apply', 'confirm', 'delete', 'order', 'rename', 'set'] },
      uci: ['system', 'luci'],
    },
  },
  'luci-mod-network-config': { read: { uci: ['network'] }, write: { uci: ['network'] } },
};
// The test's login sessions (the page picks one with ?session=NAME; default admin):
//   admin    luci-app-wgjs read+write (nothing from luci-mod-network: the app's ACL must suffice)
//   ro       luci-app-wgjs read only, plus luci-mod-network-config read (a read-only LuCI user)
//   robare   luci-app-wgjs read only and nothing else
export const SESSIONS = {
  admin: { sid: '0123456789abcdef0123456789abcdef', groups: [['luci-base', 'rw'], ['luci-app-wgjs', 'rw']] },
  ro: { sid: '11111111111111111111111111111111', groups: [['luci-base', 'r'], ['luci-app-wgjs', 'r'], ['luci-mod-network-config', 'r']] },
  robare: { sid: '22222222222222222222222222222222', groups: [['luci-base', 'r'], ['luci-app-wgjs', 'r']] },
};

const UCI_READ = new Set(['get', 'changes', 'state']);
const MIME = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.gif': 'image/gif', '.json': 'application/json' };

function loadAcl() {
  const groups = { ...STANDIN_GROUPS, ...aclFile(join(app, 'root/usr/share/rpcd/acl.d/luci-app-wgjs.json')) };
  const bySid = new Map();
  for (const [name, s] of Object.entries(SESSIONS)) {
    const held = s.groups.map(([group, p]) => ({ group, perms: p === 'rw' ? ['read', 'write'] : ['read'] }));
    bySid.set(s.sid, { name, grants: sessionGrants(held, groups), readonly: !s.groups.some(([g, p]) => g === 'luci-app-wgjs' && p === 'rw') });
  }
  return bySid;
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

function pageDouble(view, session, dark) {
  return `<!DOCTYPE html>
<html data-darkmode="${dark ? 'true' : 'false'}"><head><meta charset="utf-8"><title>wgjs - LuCI (test double)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/double/double.css">
<script src="/double/luci.js"></script>
</head><body>
<header>OpenWrt - LuCI (test double)</header>
<div id="maincontent"><div id="notifications"></div><div id="view"></div></div>
<div id="modal_overlay"></div>
<script>bootView(${JSON.stringify(view)}, ${JSON.stringify({ sessionid: session.sid, readonly: session.readonly })});</script>
</body></html>`;
}

// As modules/luci-base/ucode/template/header.ut + view.ut + the bootstrap theme's header/footer
function pageReal(view, nodespec, dispatchpath, session, dark) {
  const env = {
    media: '/luci-static/bootstrap', resource: '/luci-static/resources', scriptname: '/cgi-bin/luci',
    pathinfo: '/' + dispatchpath.join('/'), documentroot: '/www', requestpath: dispatchpath, dispatchpath,
    pollinterval: 5, ubuspath: '/ubus/', sessionid: session.sid, token: 'x',
    nodespec, apply_rollback: 90, apply_holdoff: 4, apply_timeout: 5, apply_display: 1.5, rollback_token: null,
  };
  return `<!DOCTYPE html>
<html lang="en" data-darkmode="${dark ? 'true' : 'false'}"><head><meta charset="utf-8"><title>OpenWrt | wgjs</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/luci-static/bootstrap/cascade.css">
<link rel="stylesheet" media="only screen and (max-device-width: 854px)" href="/luci-static/bootstrap/mobile.css">
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
    const www = existsSync(join(luciSrc, 'luci-static/resources/luci.js')); // a router's /www
    if (www) {
      resourceDirs.push(harnessResources, join(luciSrc, 'luci-static/resources'));
      staticDirs.push(join(luciSrc, 'luci-static'));
    } else {
      resourceDirs.push(harnessResources,
        join(luciSrc, 'modules/luci-base/htdocs/luci-static/resources'),
        join(luciSrc, 'themes/luci-theme-bootstrap/htdocs/luci-static/resources'));
      staticDirs.push(join(luciSrc, 'themes/luci-theme-bootstrap/htdocs/luci-static'));
    }
    if (!existsSync(join(resourceDirs[2], 'luci.js')))
      throw new Error(`LUCI_SRC=${luciSrc}: neither a LuCI source tree (modules/luci-base/htdocs/luci-static/resources/luci.js) nor a /www layout (luci-static/resources/luci.js)`);
    if (!staticDirs.some((d) => existsSync(join(d, 'bootstrap/cascade.css'))))
      throw new Error(`LUCI_SRC=${luciSrc}: no bootstrap theme (luci-static/bootstrap/cascade.css)`);
  }

  const plugin = (method, args) => {
    const r = spawnSync('nsenter', ['-t', String(routerPid), '-m', '-n', 'env', `WGJS_UCI_CONFIG=${uciFile}`, wgjs, 'rpcd', method === 'list' ? 'list' : 'call', ...(method === 'list' ? [] : [method])], {
      input: JSON.stringify(args || {}),
      encoding: 'utf8',
      timeout: 20000,
    });
    if (r.status !== 0 || !r.stdout) {
      log(`rpcd plugin failed: ${r.stderr}`);
      return null;
    }
    return JSON.parse(r.stdout);
  };
  // The daemons' own ubus objects: every running wgjs daemon registers "wgjs.<ifname>" with
  // method "status". With UBUS_SOCK (run.sh starts test/tools/ubusd-standin.mjs there and the
  // router's daemon connects to it) list and call go to the REAL objects of the daemon through
  // that ubusd; without it, a TEST STAND-IN made from the exec plugin's status answers.
  // srv.setDaemonObjects(false) models a router without them (older daemons).
  let daemonObjects = true;
  const ubusSock = process.env.UBUS_SOCK || '';
  const standin = fileURLToPath(new URL('../tools/ubusd-standin.mjs', import.meta.url));
  const ubusd = (...a) => spawnSync(process.execPath, [standin, ...a], { encoding: 'utf8', timeout: 10000 });
  const daemonNames = () => {
    if (!daemonObjects) return [];
    if (ubusSock) {
      const r = ubusd('list', ubusSock);
      return r.status === 0 ? r.stdout.split('\n').filter((o) => /^wgjs\./.test(o)) : [];
    }
    const st = plugin('status', {});
    return Object.keys(st?.interfaces || {}).filter((n) => st.interfaces[n].running).map((n) => `wgjs.${n}`);
  };
  const daemonStatus = (object) => {
    if (ubusSock) {
      const r = ubusd('call', ubusSock, object, 'status', '{}');
      if (r.status !== 0) return [r.status || 9];
      calls.push(`ubusd:${object}.status`);
      return [0, JSON.parse(r.stdout)];
    }
    const ifname = object.slice(5);
    const r = plugin('status', { interface: ifname });
    return r?.interfaces?.[ifname] ? [0, r.interfaces[ifname]] : [4];
  };
  const STATIC_OBJECTS = ['uci', 'session', 'luci', 'file', 'network.interface.wan', 'network.interface.lan'];
  const signature = (object) => {
    if (object === 'wgjs') {
      const l = plugin('list', {}) || {};
      const type = (v) => (typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : 'string');
      return Object.fromEntries(Object.entries(l).map(([m, a]) => [m, Object.fromEntries(Object.entries(a).map(([k, v]) => [k, type(v)]))]));
    }
    if (object.startsWith('wgjs.')) return { status: {} };
    return {};
  };

  const ubusCall = (session, object, method, args) => {
    if (!session || !allowed(session.grants, 'ubus', object, method)) {
      denied.push(`${session ? session.name : 'nosession'}:${object}.${method}`);
      return null; // uhttpd: -32002 Access denied
    }
    if (object === 'uci') {
      if (method === 'apply' || method === 'confirm') return [0]; // staging/commit not modelled
      const conf = args.config;
      if (method === 'changes' && conf === undefined) return [0, { changes: {} }]; // all readable configs
      if (!allowed(session.grants, 'uci', conf, UCI_READ.has(method) ? 'read' : 'write')) {
        denied.push(`${session.name}:uci.${method}(${conf})`);
        return [6]; // rpcd's uci: UBUS_STATUS_PERMISSION_DENIED
      }
      if (conf !== 'network') return method === 'get' ? [0, { values: {} }] : [4]; // only network is a real file
      return uci.call(method, args);
    }
    if (NETIFD[object] && method === 'status') return [0, NETIFD[object]];
    if (object === 'luci' && method === 'getFeatures') return [0, {}];
    if (object === 'file' && method === 'list') return [0, { entries: [] }];
    if (object === 'session' && method === 'access') return [0, { access: allowed(session.grants, args.scope, args.object, args.function) }];
    if (object === 'wgjs') {
      const r = plugin(method, args);
      return r ? [0, r] : [9]; // UBUS_STATUS_UNKNOWN_ERROR
    }
    if (object.startsWith('wgjs.') && method === 'status') {
      if (!daemonNames().includes(object)) return [4]; // no such object (daemon not running)
      return daemonStatus(object);
    }
    return [3];
  };

  const jsonrpc = (msg) => {
    if (msg.method === 'list') {
      // uhttpd-mod-ubus: no params -> every object path; params [pattern...] -> {path: {method: {arg: type}}}
      const all = [...STATIC_OBJECTS, 'wgjs', ...daemonNames()];
      if (!Array.isArray(msg.params) || !msg.params.length) return { jsonrpc: '2.0', id: msg.id, result: all };
      const result = {};
      for (const p of msg.params) for (const o of all) if (glob(p).test(o)) result[o] = signature(o);
      calls.push(`list(${msg.params.join(',')})`);
      return { jsonrpc: '2.0', id: msg.id, result };
    }
    if (msg.method !== 'call' || !Array.isArray(msg.params)) return { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } };
    const [sid, object, method, args] = msg.params;
    const session = acl.get(sid);
    calls.push(`${object}.${method}`);
    const result = ubusCall(session, object, method, args || {});
    log(`ubus ${session?.name} ${object}.${method} -> ${result ? result[0] : 'access denied'}`);
    if (!result) return { jsonrpc: '2.0', id: msg.id, error: { code: -32002, message: 'Access denied' } };
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
        const sessionName = url.searchParams.get('session') || 'admin';
        const session = { ...SESSIONS[sessionName], readonly: acl.get(SESSIONS[sessionName].sid).readonly };
        if (!luciSrc) return send(200, 'text/html', pageDouble(view, session, url.searchParams.get('dark') === '1'));
        const entry = Object.entries(menu).find(([, n]) => n.action?.path === view);
        const dispatchpath = entry ? entry[0].split('/') : ['admin', 'test', ...view.split('/')];
        // LuCI's dispatcher marks the node readonly when the session holds its ACL group read-only
        const nodespec = { ...(entry ? entry[1] : {}), satisfied: true, readonly: session.readonly || undefined };
        return send(200, 'text/html', pageReal(view, nodespec, dispatchpath, session, url.searchParams.get('dark') === '1'));
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
    sessions: SESSIONS,
    setDaemonObjects: (on) => { daemonObjects = on; },
    close: () => new Promise((r) => server.close(r)),
  };
}
