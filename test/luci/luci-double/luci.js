// A small test double of LuCI's client runtime (luci-base's luci.js, rpc.js, uci.js, ui.js), for
// the browser test of luci-app-wgjs when no LuCI source tree is at hand. It implements ONLY
// what the wgjs views use, with LuCI's semantics:
//   module loading  'require x' / 'require x.y as z' directives; factory(window, document, L,
//                   ...deps); file modules are instantiated (new _class()), as L.require does
//   globals         E(tag, attrs, children), _(), String.prototype.format (%s %d), L.resolveDefault,
//                   L.bind, L.env
//   baseclass       extend()                         view  extend(), load/render, footer buttons
//   dom             content(node, children)          poll  add(fn, seconds)
//   rpc             declare({object, method, params, expect}) -> POST /rpc (the test server runs
//                   the real rpcd plugin `wgjs rpcd call`)
//   uci             load, sections, get, set, unset, add, remove, save -> GET/POST /uci/<config>
//                   (the test server reads and writes a real UCI file)
//   ui              addNotification, showModal, hideModal, createHandlerFn, changes.apply
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

	function append(node, data) {
		if (data == null || data === '') return;
		if (Array.isArray(data)) { data.forEach(function(d) { append(node, d); }); return; }
		node.appendChild(data instanceof Node ? data : document.createTextNode(String(data)));
	}

	window.E = function(tag, attrs, data) {
		var node;
		if (Array.isArray(tag)) {
			node = document.createDocumentFragment();
			append(node, tag);
		}
		else node = document.createElement(tag);
		if (attrs instanceof Node || Array.isArray(attrs) || typeof attrs !== 'object' || attrs === null) {
			data = attrs;
			attrs = null;
		}
		for (var k in attrs || {}) {
			var v = attrs[k];
			if (typeof v === 'function') node.addEventListener(k, v);
			else if (v != null) node.setAttribute(k, v);
		}
		append(node, data);
		return node;
	};

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

	var dom = {
		content: function(node, children) {
			while (node.firstChild) node.removeChild(node.firstChild);
			append(node, children);
			return node;
		}
	};

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

	function post(url, body) {
		return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
			.then(function(r) {
				if (!r.ok) return r.text().then(function(t) { throw new Error(t || ('HTTP ' + r.status)); });
				return r.json();
			});
	}

	var rpc = {
		declare: function(d) {
			return function() {
				var args = {}, arguments_ = arguments;
				(d.params || []).forEach(function(p, i) { if (arguments_[i] !== undefined) args[p] = arguments_[i]; });
				return post('/rpc', { object: d.object, method: d.method, params: args }).then(function(res) {
					// LuCI: expect {key: default} picks res[key]; the key '' means the whole result
					var key = d.expect ? Object.keys(d.expect)[0] : null;
					if (key == null) return res;
					var v = key === '' ? res : (res ? res[key] : undefined);
					return v == null ? d.expect[key] : v;
				});
			};
		}
	};

	var uciData = {}, newId = 0;
	var uci = {
		load: function(conf) {
			return fetch('/uci/' + conf).then(function(r) { return r.json(); }).then(function(sections) {
				uciData[conf] = sections;
				return conf;
			});
		},
		sections: function(conf, type) {
			return (uciData[conf] || []).filter(function(s) { return !type || s['.type'] === type; });
		},
		find: function(conf, sid) {
			return (uciData[conf] || []).filter(function(s) { return s['.name'] === sid; })[0];
		},
		get: function(conf, sid, opt) {
			var s = this.find(conf, sid);
			return s ? (opt == null ? s : s[opt]) : null;
		},
		set: function(conf, sid, opt, val) {
			var s = this.find(conf, sid);
			if (!s) return;
			if (val == null || val === '') delete s[opt];
			else s[opt] = Array.isArray(val) ? val.slice() : String(val);
		},
		unset: function(conf, sid, opt) { this.set(conf, sid, opt, null); },
		add: function(conf, type, name) {
			var sid = name || ('new' + (++newId));
			uciData[conf].push({ '.name': sid, '.type': type, '.anonymous': !name });
			return sid;
		},
		remove: function(conf, sid) {
			uciData[conf] = (uciData[conf] || []).filter(function(s) { return s['.name'] !== sid; });
		},
		save: function() {
			return Promise.all(Object.keys(uciData).map(function(conf) { return post('/uci/' + conf, uciData[conf]); }));
		}
	};

	var ui = {
		addNotification: function(title, children, cls) {
			var n = E('div', { 'class': 'alert-message fade-in ' + (cls || '') }, [title ? E('h4', {}, title) : '', children]);
			document.querySelector('#notifications').appendChild(n);
			return n;
		},
		showModal: function(title, children) {
			var m = document.querySelector('#modal_overlay');
			dom.content(m, E('div', { 'class': 'modal', 'role': 'dialog' }, [E('h4', {}, title), children]));
			m.style.display = 'block';
			document.body.classList.add('modal-overlay-active');
			return m.firstChild;
		},
		hideModal: function() {
			var m = document.querySelector('#modal_overlay');
			m.style.display = 'none';
			document.body.classList.remove('modal-overlay-active');
		},
		createHandlerFn: function(ctx, fn) {
			var args = Array.prototype.slice.call(arguments, 2);
			var f = typeof fn === 'string' ? ctx[fn] : fn;
			return function(ev) {
				return Promise.resolve(f.apply(ctx, args.concat([ev])));
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
		env: {},
		resolveDefault: function(p, def) { return Promise.resolve(p).catch(function() { return def; }); },
		bind: function(fn, self) { return fn.bind.apply(fn, [self].concat([].slice.call(arguments, 2))); }
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
	window.bootView = function(path) {
		return requireModule('view.' + path.replace(/\//g, '.')).then(function(v) {
			return Promise.resolve(v.load()).then(function(data) { return v.render(data); }).then(function(node) {
				var root = document.querySelector('#view');
				dom.content(root, node);
				var footer = E('div', { 'class': 'cbi-page-actions' });
				if (v.handleSaveApply) footer.appendChild(E('button', { 'class': 'btn cbi-button-apply', 'click': function(ev) { return v.handleSaveApply(ev, '0').catch(function() {}); } }, _('Save & Apply')));
				if (v.handleSave) footer.appendChild(E('button', { 'class': 'btn cbi-button-save', 'click': function(ev) { return v.handleSave(ev).catch(function() {}); } }, _('Save')));
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
