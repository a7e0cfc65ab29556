'use strict';
'require view';
'require dom';
'require rpc';
'require uci';
'require ui';
'require wgjs.logic as logic';
'require wgjs.export as wgexport';

// Network -> wgjs: the interfaces with proto 'wgjs' in /etc/config/network and their peers
// (sections of type wireguard_<ifname>), with the option names of OpenWrt's proto 'wireguard'.
// "Add peer" generates the peer's key pair and preshared key on the router, keeps its private key
// in the peer section (private_key, as luci-proto-wireguard does) and opens the export (wg-quick
// file, QR code, Download); every peer row has an Export button. Every field is validated when
// saving (and again as it is edited); nothing is written unless all of it is valid.
// Without write access (read-only LuCI user) every input is disabled and a message says why; RPC
// failures become notifications, never uncaught errors.
// Values go into the DOM as text nodes ([value]) or input values: LuCI's E() sets a lone string
// child as innerHTML.

var callGenkey = rpc.declare({ object: 'wgjs', method: 'genkey', expect: { '': {} } });
var callGenpsk = rpc.declare({ object: 'wgjs', method: 'genpsk', expect: { '': {} } });
var callPubkey = rpc.declare({ object: 'wgjs', method: 'pubkey', params: ['private_key'], expect: { '': {} } });
var callAccess = rpc.declare({ object: 'session', method: 'access', params: ['scope', 'object', 'function'], expect: { 'access': false } });

function listOf(v) {
	return v == null ? [] : (Array.isArray(v) ? v : [v]);
}

function field(label, input, help) {
	return E('div', { 'class': 'cbi-value' }, [
		E('label', { 'class': 'cbi-value-title' }, [label]),
		E('div', { 'class': 'cbi-value-field' }, [].concat(input, help ? [E('div', { 'class': 'cbi-value-description' }, [help])] : []))
	]);
}

function text(name, value, extra) {
	var attrs = { 'class': 'cbi-input-text', 'name': name, 'value': value == null ? '' : value };
	if (extra && extra.cell) { // inside the peers table: fill the cell, let the table fit the page
		attrs.style = 'width:100%;min-width:' + extra.cell + 'em;box-sizing:border-box';
		delete extra.cell;
	}
	for (var k in extra) attrs[k] = extra[k];
	return E('input', attrs);
}

function checkbox(name, checked) {
	var attrs = { 'type': 'checkbox', 'name': name };
	if (checked) attrs.checked = 'checked';
	return E('input', attrs);
}

/** The validator of each input (by name): value -> true | message. */
var VALIDATE = {
	private_key: function(v) { return logic.validKey(v, true); },
	listen_port: function(v) { return logic.validPort(v, true); },
	addresses: function(v) { var b = logic.splitList(v).map(logic.validCidr).filter(function(r) { return r !== true; }); return b.length ? b[0] : true; },
	mtu: function(v) { return logic.validMtu(v); },
	fwmark: function(v) { return logic.validFwmark(v); },
	public_key: function(v) { return logic.validKey(v); },
	peer_private_key: function(v) { return logic.validKey(v, true); },
	preshared_key: function(v) { return logic.validKey(v, true); },
	allowed_ips: function(v) { var b = logic.splitList(v).map(logic.validCidr).filter(function(r) { return r !== true; }); return b.length ? b[0] : true; },
	endpoint_host: function(v) { return logic.validHost(v); },
	endpoint_port: function(v) { return logic.validPort(v, true); },
	persistent_keepalive: function(v) { return logic.validKeepalive(v); }
};

return view.extend({
	load: function() {
		return Promise.all([
			uci.load('network').then(function() { return null; }, function(e) { return e; }),
			L.resolveDefault(callAccess('uci', 'network', 'write'), false)
		]);
	},

	/** A failed RPC as a notification (one at a time), never an uncaught error. */
	notify: function(title, msg) {
		if (this.note && this.note.parentNode) this.note.parentNode.removeChild(this.note);
		this.note = ui.addNotification(title, E('p', {}, [msg]), 'error');
		return null;
	},

	rpcFailed: function(what) {
		var self = this;
		return function(e) { return self.notify(null, _('%s failed: %s').format(what, e.message)); };
	},

	ifaces: function() {
		return uci.sections('network', 'interface').filter(function(s) { return s.proto === 'wgjs'; });
	},

	/** Fills the derived public key under the private key field. */
	showPublicKey: function(box, priv) {
		if (logic.validKey(priv) !== true) {
			dom.content(box, [E('em', {}, [priv ? _('(not a valid key)') : _('(generated when the interface starts)')])]);
			return Promise.resolve();
		}
		if (this.readonly) { // pubkey needs write access: a read-only user sees the key elsewhere (status)
			dom.content(box, [E('em', {}, [_('(shown on the status page)')])]);
			return Promise.resolve();
		}
		return callPubkey(priv).then(function(r) {
			dom.content(box, [r && r.public_key ? E('code', { 'class': 'wgjs-derived-pubkey' }, [r.public_key]) : E('em', {}, [(r && r.error) || '?'])]);
		}, this.rpcFailed(_('Deriving the public key')));
	},

	handleGenerateKey: function(form) {
		var self = this;
		return callGenkey().then(function(r) {
			if (!r || !r.private_key) return self.notify(null, _('Key generation failed: %s').format((r && r.error) || '?'));
			var i = form.querySelector('[name="private_key"]');
			i.value = r.private_key;
			self.revalidate(i);
			return self.showPublicKey(form.querySelector('.wgjs-pubkey-box'), r.private_key);
		}, this.rpcFailed(_('Key generation')));
	},

	/** Generates a key pair and a preshared key for a peer row (kept in its section when saved). */
	handleGeneratePeerKeys: function(row) {
		var self = this;
		return Promise.all([callGenkey(), callGenpsk()]).then(function(r) {
			if (!r[0] || !r[0].private_key || !r[1] || !r[1].preshared_key)
				return self.notify(null, _('Key generation failed: %s').format((r[0] && r[0].error) || (r[1] && r[1].error) || '?'));
			var set = function(n, v) { var i = row.querySelector('[name="' + n + '"]'); i.value = v; self.revalidate(i); };
			set('public_key', r[0].public_key);
			set('peer_private_key', r[0].private_key);
			set('preshared_key', r[1].preshared_key);
			return true;
		}, this.rpcFailed(_('Key generation')));
	},

	/** The export dialog of a peer row, with the row's (possibly unsaved) values. */
	handleExport: function(form, row) {
		var g = function(n) { return row.querySelector('[name="' + n + '"]').value.trim(); };
		var derived = form.querySelector('.wgjs-derived-pubkey');
		var priv = g('peer_private_key');
		wgexport.show({
			ifname: form.getAttribute('data-interface'),
			// the row's keys are authoritative; without a private key the stored section is used
			section: logic.validKey(priv) === true ? null : (row.getAttribute('data-section') || null),
			name: g('description') || logic.shortKey(g('public_key')),
			listenPort: form.querySelector('[name="listen_port"]').value.trim(),
			privateKey: logic.validKey(priv) === true ? priv : null,
			presharedKey: logic.validKey(g('preshared_key')) === true ? g('preshared_key') : null,
			address: logic.splitList(g('allowed_ips')),
			routerPublicKey: derived ? derived.textContent : null
		});
	},

	/** "Add peer": a new row with keys generated on the router and a free address, then its export. */
	handleAddPeer: function(form, tbody) {
		var self = this;
		var used = [];
		tbody.querySelectorAll('[name="allowed_ips"]').forEach(function(i) { used = used.concat(logic.splitList(i.value)); });
		var row = this.peerRow(form, { allowed_ips: logic.nextFreeAddress(form.querySelector('[name="addresses"]').value, used) });
		tbody.appendChild(row);
		return this.handleGeneratePeerKeys(row).then(function(ok) {
			if (ok) self.handleExport(form, row);
		});
	},

	peerRow: function(form, s) {
		var self = this;
		s = s || {};
		var td = function(title, content) { return E('div', { 'class': 'td', 'data-title': title }, [].concat(content)); };
		var row = E('div', { 'class': 'tr cbi-section-table-row wgjs-peer-row', 'data-section': s['.name'] || '' }, [
			td(_('Description'), text('description', s.description, { 'placeholder': _('Name'), 'cell': 6 })),
			td(_('Public key'), text('public_key', s.public_key, { 'cell': 10 })),
			td(_('Private key'), text('peer_private_key', s.private_key, { 'type': 'password', 'cell': 6, 'title': _('The peer\'s own private key, kept on the router only to export its configuration') })),
			td(_('Preshared key'), text('preshared_key', s.preshared_key, { 'type': 'password', 'cell': 6 })),
			td(_('Allowed IPs'), text('allowed_ips', listOf(s.allowed_ips).join(', '), { 'placeholder': '10.0.0.2/32, fd00::2/128', 'cell': 10 })),
			td(_('Route allowed IPs'), checkbox('route_allowed_ips', s['.name'] ? s.route_allowed_ips === '1' : true)),
			td(_('Endpoint host'), text('endpoint_host', s.endpoint_host, { 'placeholder': 'vpn.example.com', 'cell': 7 })),
			td(_('Endpoint port'), text('endpoint_port', s.endpoint_port, { 'placeholder': '51820', 'cell': 4 })),
			td(_('Keepalive'), text('persistent_keepalive', s.persistent_keepalive, { 'placeholder': '0', 'cell': 3 })),
			td(_('Disabled'), checkbox('disabled', s.disabled === '1')),
			td('', [
				E('button', { 'class': 'btn cbi-button wgjs-peer-keys', 'title': _('New key pair and preshared key for this peer'),
					'click': function(ev) { ev.preventDefault(); return self.handleGeneratePeerKeys(row); } }, [_('Generate keys')]), ' ',
				E('button', { 'class': 'btn cbi-button wgjs-peer-export', 'title': _('wg-quick file and QR code for this peer'),
					'click': function(ev) { ev.preventDefault(); self.handleExport(form, row); } }, [_('Export')]), ' ',
				E('button', { 'class': 'btn cbi-button-remove wgjs-remove',
					'click': function(ev) { ev.preventDefault(); row.parentNode.removeChild(row); } }, [_('Delete')])
			])
		]);
		return row;
	},

	/** "Add peer from .conf": a pasted or uploaded wg-quick file. The peer's own file (its
	 *  [Interface] PrivateKey, this router as [Peer]) becomes one peer that keeps its private key;
	 *  any other file adds each of its [Peer] sections. */
	handleImport: function(form, tbody) {
		var self = this;
		var area = E('textarea', { 'id': 'wgjs-import-text', 'style': 'width:100%;box-sizing:border-box', 'rows': 12, 'placeholder': '[Peer]\nPublicKey = …' });
		var err = E('div', { 'class': 'wgjs-import-error' });
		var file = E('input', {
			'type': 'file', 'accept': '.conf,text/plain',
			'change': function(ev) {
				var f = ev.target.files && ev.target.files[0];
				if (f) f.text().then(function(t) { area.value = t; });
			}
		});
		var fail = function(msg) { dom.content(err, [E('p', { 'class': 'alert-message error' }, [msg])]); };
		ui.showModal([_('Add peer from .conf')], [
			E('p', {}, [_('Paste or upload a WireGuard (wg-quick) file: the peer\'s own file (it keeps its private key, so it can be exported again) or a file whose [Peer] sections become peers here.')]),
			file, area, err,
			E('div', { 'class': 'right' }, [
				E('button', { 'class': 'btn cbi-button-neutral', 'click': ui.hideModal }, [_('Cancel')]), ' ',
				E('button', {
					'class': 'btn cbi-button-positive wgjs-import-ok',
					'click': function() {
						var conf;
						try {
							conf = logic.parseConf(area.value);
						}
						catch (e) {
							return fail(e.message);
						}
						var derived = form.querySelector('.wgjs-derived-pubkey');
						var peers = logic.importPeers(conf, derived ? derived.textContent : null);
						if (!peers.length)
							return fail(_('The configuration has no [Peer] section'));
						return Promise.all(peers.map(function(p) {
							if (!p.own) return p;
							return callPubkey(p.private_key).then(function(r) {
								if (!r || !r.public_key) throw new Error((r && r.error) || '?');
								p.public_key = r.public_key;
								return p;
							});
						})).then(function(list) {
							list.forEach(function(p) {
								tbody.appendChild(self.peerRow(form, {
									public_key: p.public_key, private_key: p.private_key, preshared_key: p.preshared_key, allowed_ips: p.allowed_ips,
									endpoint_host: p.endpoint_host, endpoint_port: p.endpoint_port, persistent_keepalive: p.persistent_keepalive
								}));
							});
							ui.hideModal();
						}, function(e) { fail(_('Deriving the public key failed: %s').format(e.message)); });
					}
				}, [_('Add peers')])
			])
		]);
	},

	renderIface: function(s) {
		var self = this, ifname = s['.name'];
		var pubBox = E('div', { 'class': 'wgjs-pubkey-box' });
		var tbody = E('div', { 'class': 'wgjs-peer-rows' });
		var priv = s.private_key === 'generate' ? '' : (s.private_key || '');
		var th = function(t) { return E('div', { 'class': 'th' }, [t]); };
		var form = E('div', { 'class': 'cbi-section wgjs-iface', 'data-interface': ifname }, [
			E('h3', {}, [_('Interface %s').format(ifname)]),
			field(_('Private key'), [
				text('private_key', priv, { 'type': 'password', 'size': 46, 'style': 'max-width:100%', 'placeholder': _('empty: generated at start'),
					'change': function(ev) { self.showPublicKey(pubBox, ev.target.value.trim()); } }),
				' ',
				E('button', { 'class': 'btn cbi-button wgjs-genkey', 'click': function(ev) { ev.preventDefault(); return self.handleGenerateKey(form); } }, [_('Generate new key pair')])
			]),
			field(_('Public key'), pubBox, _('Give this key to the peers.')),
			field(_('Listen port'), text('listen_port', s.listen_port, { 'placeholder': _('random') })),
			field(_('Addresses'), text('addresses', listOf(s.addresses).join(', '), { 'placeholder': '10.0.0.1/24, fd00::1/64' })),
			field(_('MTU'), text('mtu', s.mtu, { 'placeholder': '1420' }), _('1280 to 65535')),
			field(_('Firewall mark'), text('fwmark', s.fwmark, { 'placeholder': '0x0' })),
			E('h4', {}, [_('Peers')]),
			E('div', { 'class': 'table cbi-section-table wgjs-peers-edit' }, [
				E('div', { 'class': 'tr table-titles' }, [
					th(_('Description')), th(_('Public key')), th(_('Private key')), th(_('Preshared key')), th(_('Allowed IPs')), th(_('Route allowed IPs')),
					th(_('Endpoint host')), th(_('Endpoint port')), th(_('Keepalive')), th(_('Disabled')), th('')
				]),
				tbody
			]),
			E('div', {}, [
				E('button', { 'class': 'btn cbi-button-add wgjs-add', 'click': function(ev) { ev.preventDefault(); return self.handleAddPeer(form, tbody); } }, [_('Add peer')]),
				' ',
				E('button', { 'class': 'btn cbi-button wgjs-import', 'click': function(ev) { ev.preventDefault(); self.handleImport(form, tbody); } }, [_('Add peer from .conf')])
			])
		]);
		uci.sections('network', 'wireguard_' + ifname).forEach(function(p) { tbody.appendChild(self.peerRow(form, p)); });
		this.showPublicKey(pubBox, priv);
		return form;
	},

	render: function(res) {
		var self = this;
		var loadError = res[0];
		this.readonly = !L.hasViewPermission() || res[1] !== true;
		if (loadError) {
			this.readonly = true;
			this.root = E('div', { 'id': 'wgjs-config' }, [E('p', { 'class': 'alert-message warning wgjs-noaccess' },
				[_('The network configuration cannot be read (%s). Ask for access to the wgjs configuration (ACL group luci-app-wgjs, write).').format(loadError.message)])]);
			return E([], [E('h2', {}, [_('wgjs: WireGuard configuration')]), this.root]);
		}
		var ifaces = this.ifaces();
		var body = ifaces.length ? ifaces.map(function(s) { return self.renderIface(s); }) :
			[E('p', { 'class': 'alert-message' }, [_('No interface uses protocol "wgjs" yet. Add one under Network → Interfaces (protocol "wgjs").')])];
		if (this.readonly) {
			body.unshift(E('p', { 'class': 'alert-message notice wgjs-readonly' }, [_('Read-only access: you can view this configuration but not change it, generate keys or export peers.')]));
			body.forEach(function(n) {
				n.querySelectorAll && n.querySelectorAll('input, button, textarea, select').forEach(function(i) { i.disabled = true; });
			});
		}
		this.root = E('div', { 'id': 'wgjs-config' }, body);
		// a field's red mark goes away (or comes back) as it is edited
		this.root.addEventListener('input', function(ev) {
			if (ev.target.classList && ev.target.classList.contains('cbi-input-invalid')) self.revalidate(ev.target);
		});
		return E([], [E('h2', {}, [_('wgjs: WireGuard configuration')]), this.root]);
	},

	/** Marks an input by its validator; returns true or the message. */
	revalidate: function(input) {
		var f = VALIDATE[input.name];
		var res = f ? f(input.value.trim()) : true;
		input.classList.toggle('cbi-input-invalid', res !== true);
		return res;
	},

	/** Reads and validates every field; returns {errors, ifaces: [{name, opts, peers: [...]}]}. */
	collect: function() {
		var self = this, errors = [], out = [];
		this.root.querySelectorAll('.wgjs-iface').forEach(function(f) {
			var get = function(n) { return f.querySelector('[name="' + n + '"]'); };
			['private_key', 'listen_port', 'addresses', 'mtu', 'fwmark'].forEach(function(n) {
				var r = self.revalidate(get(n));
				if (r !== true) errors.push(r);
			});
			var opts = {
				private_key: get('private_key').value.trim(),
				listen_port: get('listen_port').value.trim(),
				addresses: logic.splitList(get('addresses').value),
				mtu: get('mtu').value.trim(),
				fwmark: get('fwmark').value.trim()
			};
			var peers = [];
			f.querySelectorAll('.wgjs-peer-row').forEach(function(row) {
				var g = function(n) { return row.querySelector('[name="' + n + '"]'); };
				var p = {
					section: row.getAttribute('data-section'),
					description: g('description').value.trim(),
					public_key: g('public_key').value.trim(),
					private_key: g('peer_private_key').value.trim(),
					preshared_key: g('preshared_key').value.trim(),
					allowed_ips: logic.splitList(g('allowed_ips').value),
					route_allowed_ips: g('route_allowed_ips').checked ? '1' : '0',
					endpoint_host: g('endpoint_host').value.trim(),
					endpoint_port: g('endpoint_port').value.trim(),
					persistent_keepalive: g('persistent_keepalive').value.trim(),
					disabled: g('disabled').checked ? '1' : '0'
				};
				var label = p.description || _('new peer');
				['public_key', 'peer_private_key', 'preshared_key', 'allowed_ips', 'endpoint_host', 'endpoint_port', 'persistent_keepalive'].forEach(function(n) {
					var r = self.revalidate(g(n));
					if (r !== true) errors.push(label + ': ' + r);
				});
				peers.push(p);
			});
			out.push({ name: f.getAttribute('data-interface'), opts: opts, peers: peers });
		});
		return { errors: errors, ifaces: out };
	},

	handleSave: function() {
		if (this.readonly)
			return Promise.resolve(false);
		var c = this.collect();
		if (this.note && this.note.parentNode) this.note.parentNode.removeChild(this.note); // one message, never a stack
		this.note = null;
		if (c.errors.length) {
			this.note = ui.addNotification(_('Not saved: invalid input'), E('ul', { 'class': 'wgjs-errors' }, c.errors.map(function(e) { return E('li', {}, [e]); })), 'error');
			return Promise.resolve(false); // resolved, so LuCI's footer handler logs no error
		}
		var set = function(sid, name, v) {
			if (v == null || v === '' || (Array.isArray(v) && !v.length)) uci.unset('network', sid, name);
			else uci.set('network', sid, name, v);
		};
		c.ifaces.forEach(function(i) {
			for (var k in i.opts) set(i.name, k, i.opts[k]);
			var keep = {};
			i.peers.forEach(function(p) {
				var sid = p.section || uci.add('network', 'wireguard_' + i.name);
				keep[sid] = true;
				['description', 'public_key', 'private_key', 'preshared_key', 'allowed_ips', 'endpoint_host', 'endpoint_port', 'persistent_keepalive'].forEach(function(k) { set(sid, k, p[k]); });
				set(sid, 'route_allowed_ips', p.route_allowed_ips === '1' ? '1' : '');
				set(sid, 'disabled', p.disabled === '1' ? '1' : '');
			});
			uci.sections('network', 'wireguard_' + i.name).forEach(function(s) {
				if (!keep[s['.name']]) uci.remove('network', s['.name']);
			});
		});
		var self = this;
		return uci.save().then(function() {
			// new sections now have their names: the rows keep them for the next save and export
			self.reloadRows();
			return true;
		}, function(e) {
			self.notify(_('Not saved'), e.message);
			return false;
		});
	},

	/** After a save, rows of new peers take the names of their new sections (matched by key). */
	reloadRows: function() {
		this.root.querySelectorAll('.wgjs-iface').forEach(function(f) {
			var byKey = {};
			uci.sections('network', 'wireguard_' + f.getAttribute('data-interface')).forEach(function(s) { if (s.public_key) byKey[s.public_key] = s['.name']; });
			f.querySelectorAll('.wgjs-peer-row').forEach(function(row) {
				var k = row.querySelector('[name="public_key"]').value.trim();
				if (!row.getAttribute('data-section') && byKey[k]) row.setAttribute('data-section', byKey[k]);
			});
		});
	},

	handleSaveApply: function(ev, mode) {
		return this.handleSave(ev).then(function(saved) { if (saved) ui.changes.apply(mode == '0'); });
	},

	handleReset: null
});
