// A small test double of LuCI's client runtime (luci-base's luci.js, rpc.js, uci.js, ui.js), for
// the browser test of luci-app-wgjs when no LuCI source tree is at hand. It implements ONLY
// what the wgjs views use, with LuCI's semantics:
//   module loading  'require x' / 'require x.y as z' directives; factory(window, document, L,
//                   ...deps); file modules are instantiated (new _class()), as L.require does
//   globals         E(tag, attrs, children), _(), String.prototype.format (%s %d), L.resolveDefault,
//                   L.env.sessionid, L.hasViewPermission() (false for a read-only session),
//                   L.raise, L.isObject, L.toArray
//   baseclass       extend()                         view  extend(), load/render, footer buttons
//   dom             create, append, content, attr    poll  add(fn, seconds)
//   rpc             declare({object, method, params, expect, reject}) -> ubus JSON-RPC "call" POSTed
//                   to /ubus/ (the test server runs the real rpcd plugin `wgjs rpcd call`); a
//                   JSON-RPC error (e.g. -32002 Access denied) rejects with an RPCError, as in
//                   LuCI; list(pattern...) -> the "list" method's result
//   uci             load, sections, set, unset, add, remove, save: LuCI's pending-change
//                   cache, saved through the ubus "uci" object get/add/set/delete (the test
//                   server edits a real UCI file)
//   ui              addNotification, showModal, hideModal, createHandlerFn, changes.apply
//   footer          Save / Save & Apply disabled when the view has no write permission (as
//                   LuCI's View.addFooter with hasViewPermission())
// The footer buttons call handleSave/handleSaveApply like LuCI's View.addFooter (a rejection is
// not caught, as in LuCI, so it shows up as a page error).
(function(window, document) {
	'use strict';

	String.prototype.format = function() {
		var args = arguments, i = 0;
		return this.replace(/%([sd%])/g, function(m, c) {
			if (c === '%') return '%';
			var v = args[i++];
			return c === 'd' ? String(Math.floor(+v || 0)) : String(v == null ? '' : v);
		});
	};

	window._ = function(s) { return s; };

	// dom.append / dom.content / dom.attr / dom.create and E(), with LuCI's exact rules (luci.js
	// LuCI.dom): an array child adds Nodes as-is and anything else as a text node (nested arrays
	// become text too); a lone string child is set as innerHTML; a function attribute is an event
	// listener, an object attribute is JSON; E(tag, x) takes x as attributes when it is an Object
	// but not an array.
	function isElem(e) { return e != null && typeof e === 'object' && 'nodeType' in e; }
	var dom = {
		elem: isElem,
		append: function(node, children) {
			if (!isElem(node)) return null;
			if (Array.isArray(children)) {
				for (var i = 0; i < children.length; i++)
					if (isElem(children[i])) node.appendChild(children[i]);
					else node.appendChild(document.createTextNode('' + children[i]));
				return node.lastChild;
			}
			if (typeof children === 'function') return this.append(node, children(node));
			if (isElem(children)) return node.appendChild(children);
			if (children !== null && children !== undefined) { node.innerHTML = '' + children; return node.lastChild; }
			return null;
		},
		content: function(node, children) {
			if (!isElem(node)) return null;
			while (node.firstChild) node.removeChild(node.firstChild);
			return this.append(node, children);
		},
		attr: function(node, attr) {
			for (var k in attr || {}) {
				if (!attr.hasOwnProperty(k) || attr[k] == null) continue;
				if (typeof attr[k] === 'function') node.addEventListener(k, attr[k]);
				else if (typeof attr[k] === 'object') node.setAttribute(k, JSON.stringify(attr[k]));
				else node.setAttribute(k, attr[k]);
			}
		},
		create: function(html, attr, data) {
			var elem;
			if (!(attr instanceof Object) || Array.isArray(attr)) { data = attr; attr = null; }
			if (Array.isArray(html)) {
				elem = document.createDocumentFragment();
				for (var i = 0; i < html.length; i++) elem.appendChild(this.create(html[i]));
			}
			else if (isElem(html)) elem = html;
			else if (html.charCodeAt(0) === 60) {
				var t = document.createElement('template');
				t.innerHTML = html;
				elem = t.content.firstChild;
			}
			else elem = document.createElement(html);
			if (!elem) return null;
			this.attr(elem, attr);
			this.append(elem, data);
			return elem;
		}
	};
	window.E = function() { return dom.create.apply(dom, arguments); };

	function makeClass(proto, parent) {
		var C = function() {
			if (typeof this.__init__ === 'function') this.__init__.apply(this, arguments);
		};
		C.prototype = Object.create(parent ? parent.prototype : Object.prototype);
		Object.assign(C.prototype, proto);
		C.extend = function(p) { return makeClass(p, C); };
		C.isSubclass = true;
		return C;
	}
	var baseclass = makeClass({});

	var poll = {
		add: function(fn, seconds) {
			var busy = false;
			window.setInterval(function() {
				if (busy) return;
				busy = true;
				Promise.resolve(fn()).finally(function() { busy = false; });
			}, (seconds || 5) * 1000 / (window.WGJS_POLL_SPEEDUP || 1));
		}
	};

	// rpc.declare: one ubus JSON-RPC "call" per invocation, POSTed to /ubus/ as LuCI's rpc.js does
	// (no batching); a non-zero ubus status rejects when declared with reject: true, else resolves
	// to the expect default, like LuCI.
	var rpcId = 1;
	var rpc = {
		declare: function(d) {
			return function() {
				var args = {}, argv = arguments;
				(d.params || []).forEach(function(p, i) { if (argv[i] !== undefined) args[p] = argv[i]; });
				var msg = { jsonrpc: '2.0', id: rpcId++, method: 'call', params: [L.env.sessionid, d.object, d.method, args] };
				return fetch('/ubus/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(msg) })
					.then(function(r) {
						if (!r.ok) throw new Error('RPC call to ' + d.object + '/' + d.method + ' failed with HTTP error ' + r.status);
						return r.json();
					}).then(function(reply) {
						if (reply.error && reply.error.code)
							L.raise('RPCError', 'RPC call to %s/%s failed with error %d: %s', d.object, d.method, reply.error.code, reply.error.message || '?');
						var res = reply.result || [];
						if (d.reject && res[0] !== 0)
							throw new Error('RPC call to ' + d.object + '/' + d.method + ' failed with ubus code ' + res[0]);
						var v = res.length > 1 ? res[1] : res[0];
						// expect {key: default}: picks v[key] ('' = the whole reply); default on a type mismatch
						for (var key in d.expect || {}) {
							if (v != null && key !== '') v = v[key];
							if (v == null || Object.prototype.toString.call(v) !== Object.prototype.toString.call(d.expect[key])) v = d.expect[key];
							break;
						}
						return v;
					});
			};
		}
	};

	rpc.list = function() {
		var msg = { jsonrpc: '2.0', id: rpcId++, method: 'list', params: arguments.length ? [].slice.call(arguments) : undefined };
		return fetch('/ubus/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(msg) })
			.then(function(r) { return r.json(); })
			.then(function(reply) {
				if (reply.error && reply.error.code) L.raise('RPCError', 'RPC list failed with error %d: %s', reply.error.code, reply.error.message);
				return reply.result;
			});
	};

	// uci: LuCI's local cache with pending changes; save() sends them through the ubus "uci" object
	// (delete, add, set, as LuCI's uci.js does), then reloads.
	var callLoad = rpc.declare({ object: 'uci', method: 'get', params: ['config'], expect: { values: {} }, reject: true });
	var callAdd = rpc.declare({ object: 'uci', method: 'add', params: ['config', 'type', 'name', 'values'], expect: { section: '' }, reject: true });
	var callSet = rpc.declare({ object: 'uci', method: 'set', params: ['config', 'section', 'values'], reject: true });
	var callDelete = rpc.declare({ object: 'uci', method: 'delete', params: ['config', 'section', 'options'], reject: true });
	var st = { values: {}, creates: {}, changes: {}, deletes: {} }, newId = 0;
	function merged(conf) {
		var out = [];
		var v = st.values[conf] || {};
		Object.keys(v).sort(function(a, b) { return v[a]['.index'] - v[b]['.index']; }).forEach(function(sid) {
			if ((st.deletes[conf] || {})[sid] === true) return;
			var s = Object.assign({}, v[sid], (st.changes[conf] || {})[sid]);
			for (var o in (st.deletes[conf] || {})[sid] || {}) delete s[o];
			out.push(s);
		});
		for (var sid in st.creates[conf] || {}) out.push(Object.assign({}, st.creates[conf][sid]));
		return out;
	}
	var uci = {
		load: function(conf) {
			return callLoad(conf).then(function(values) {
				st.values[conf] = values;
				return conf;
			});
		},
		sections: function(conf, type) {
			return merged(conf).filter(function(s) { return !type || s['.type'] === type; });
		},
		set: function(conf, sid, opt, val) {
			var c = st.creates[conf] && st.creates[conf][sid];
			if (c) { if (val == null || val === '') delete c[opt]; else c[opt] = val; return; }
			if (!(st.values[conf] || {})[sid] || (st.deletes[conf] || {})[sid] === true) return;
			if (val == null || val === '') {
				if (st.changes[conf] && st.changes[conf][sid]) delete st.changes[conf][sid][opt];
				if (st.values[conf][sid].hasOwnProperty(opt)) {
					st.deletes[conf] = st.deletes[conf] || {};
					st.deletes[conf][sid] = st.deletes[conf][sid] || {};
					st.deletes[conf][sid][opt] = true;
				}
				return;
			}
			if (st.deletes[conf] && st.deletes[conf][sid]) delete st.deletes[conf][sid][opt];
			st.changes[conf] = st.changes[conf] || {};
			st.changes[conf][sid] = st.changes[conf][sid] || {};
			st.changes[conf][sid][opt] = val;
		},
		unset: function(conf, sid, opt) { this.set(conf, sid, opt, null); },
		add: function(conf, type, name) {
			var sid = name || ('new' + (++newId).toString(16));
			st.creates[conf] = st.creates[conf] || {};
			st.creates[conf][sid] = { '.name': sid, '.type': type, '.anonymous': !name, '.create': name };
			return sid;
		},
		remove: function(conf, sid) {
			if (st.creates[conf] && st.creates[conf][sid]) { delete st.creates[conf][sid]; return; }
			st.deletes[conf] = st.deletes[conf] || {};
			st.deletes[conf][sid] = true;
		},
		save: function() {
			var tasks = [], pkgs = {};
			Object.keys(st.deletes).forEach(function(conf) {
				for (var sid in st.deletes[conf]) {
					var o = st.deletes[conf][sid];
					tasks.push(callDelete(conf, sid, o === true ? null : Object.keys(o)));
				}
				pkgs[conf] = true;
			});
			Object.keys(st.creates).forEach(function(conf) {
				for (var sid in st.creates[conf]) {
					var c = st.creates[conf][sid], values = {};
					for (var k in c) if (k.charAt(0) !== '.') values[k] = c[k];
					tasks.push(callAdd(conf, c['.type'], c['.create'], values));
				}
				pkgs[conf] = true;
			});
			Object.keys(st.changes).forEach(function(conf) {
				for (var sid in st.changes[conf]) tasks.push(callSet(conf, sid, st.changes[conf][sid]));
				pkgs[conf] = true;
			});
			return Promise.all(tasks).then(function() {
				st.creates = {}; st.changes = {}; st.deletes = {};
				return Promise.all(Object.keys(pkgs).map(function(conf) { return uci.load(conf); }));
			});
		}
	};

	var ui = {
		addNotification: function(title, children, cls) {
			// as LuCI: a banner inserted at the top of #maincontent
			var n = E('div', { 'class': 'alert-message fade-in ' + (cls || '') }, [title ? E('h4', {}, title) : '', children]);
			var mc = document.querySelector('#maincontent');
			mc.insertBefore(n, mc.firstElementChild);
			return n;
		},
		showModal: function(title, children) {
			var m = document.querySelector('#modal_overlay');
			var dlg = E('div', { 'class': 'modal', 'role': 'dialog' });
			dom.content(m, dlg);
			dom.content(dlg, E('h4', {}, title)); // as LuCI: a string title is innerHTML
			dom.append(dlg, children);
			m.style.display = 'block';
			document.body.classList.add('modal-overlay-active');
			return dlg;
		},
		hideModal: function() {
			var m = document.querySelector('#modal_overlay');
			m.style.display = 'none';
			document.body.classList.remove('modal-overlay-active');
		},
		createHandlerFn: function(ctx, fn) {
			var args = Array.prototype.slice.call(arguments, 2);
			var f = typeof fn === 'string' ? ctx[fn] : fn;
			return function() {
				Promise.resolve(f.apply(ctx, args.concat([].slice.call(arguments))));
			};
		},
		changes: { apply: function() { document.body.setAttribute('data-applied', '1'); } }
	};

	var view = baseclass.extend({
		load: function() {},
		render: function() {},
		handleSave: function() {},
		handleSaveApply: function() {},
		handleReset: function() {}
	});

	var L = {
		env: { sessionid: '00000000000000000000000000000000', readonly: false },
		resolveDefault: function(p, def) { return Promise.resolve(p).catch(function() { return def; }); },
		hasViewPermission: function() { return !L.env.readonly; },
		isObject: function(v) { return v != null && typeof v === 'object'; },
		toArray: function(v) { return v == null ? [] : (Array.isArray(v) ? v : String(v).trim().split(/\s+/)); },
		raise: function(type, fmt) {
			var e = new Error(String.prototype.format.apply(fmt, [].slice.call(arguments, 2)));
			e.name = type;
			throw e;
		}
	};
	window.L = L;

	var builtins = { baseclass: baseclass, view: view, dom: dom, poll: poll, rpc: rpc, uci: uci, ui: ui };
	var loaded = {};

	function requireModule(name) {
		if (builtins[name]) return Promise.resolve(builtins[name]);
		if (loaded[name]) return loaded[name];
		var url = '/luci-static/resources/' + name.replace(/\./g, '/') + '.js';
		loaded[name] = fetch(url).then(function(r) {
			if (!r.ok) throw new Error('HTTP ' + r.status + ' loading ' + url);
			return r.text();
		}).then(function(src) {
			// the leading string directives, as LuCI's L.require reads them
			var deps = [], names = [], re = /^\s*(['"])(.*?)\1\s*;?/, rest = src, m;
			while ((m = re.exec(rest))) {
				var d = /^require\s+(\S+)(?:\s+as\s+([A-Za-z_]\S*))?$/.exec(m[2]);
				if (d) { deps.push(requireModule(d[1])); names.push(d[2] || d[1].replace(/[^a-zA-Z0-9_]/g, '_')); }
				else if (!/^use\s+strict$/.test(m[2])) break;
				rest = rest.slice(m[0].length);
			}
			return Promise.all(deps).then(function(instances) {
				var factory = new Function(['window', 'document', 'L'].concat(names).join(','), src + '\n//# sourceURL=' + url);
				var Cls = factory.apply(null, [window, document, L].concat(instances));
				if (typeof Cls !== 'function' || !Cls.isSubclass) throw new TypeError(name + ': factory yields invalid constructor');
				return new Cls(); // L.require instantiates every class file
			});
		});
		return loaded[name];
	}

	/** Boots a view as LuCI's ui.instantiateView + View.__init__ do: load(), render(), footer buttons. */
	window.bootView = function(path, env) {
		for (var k in env || {}) L.env[k] = env[k];
		return requireModule('view.' + path.replace(/\//g, '.')).then(function(v) {
			return Promise.resolve(v.load()).then(function(data) { return v.render(data); }).then(function(node) {
				var root = document.querySelector('#view');
				dom.content(root, node);
				var footer = E('div', { 'class': 'cbi-page-actions' });
				var ro = !L.hasViewPermission() || null;
				if (v.handleSaveApply) footer.appendChild(E('button', { 'class': 'btn cbi-button-apply', 'disabled': ro, 'click': function(ev) { ui.createHandlerFn(v, 'handleSaveApply')(ev, '0'); } }, _('Save & Apply')));
				if (v.handleSave) footer.appendChild(E('button', { 'class': 'btn cbi-button-save', 'disabled': ro, 'click': ui.createHandlerFn(v, 'handleSave') }, _('Save')));
				if (footer.childNodes.length) root.appendChild(footer);
				document.body.setAttribute('data-view-ready', path);
				return v;
			});
		}).catch(function(e) {
			document.querySelector('#view').textContent = 'view failed: ' + e.message;
			document.body.setAttribute('data-view-ready', 'error');
			throw e;
		});
	};
})(window, document);
