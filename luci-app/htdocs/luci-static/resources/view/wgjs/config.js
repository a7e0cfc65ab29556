'use strict';
'require view';
'require dom';
'require rpc';
'require uci';
'require ui';
'require wgjs.logic as logic';

// Network -> wgjs: the interfaces with proto 'wgjs' in /etc/config/network and their peers
// (sections of type wireguard_<ifname>), with the option names of OpenWrt's proto 'wireguard'.
// Every field is validated when saving; nothing is written unless all of it is valid.
// Values go into the DOM as text nodes ([value]) or input values: LuCI's E() sets a lone string
// child as innerHTML.

var callGenkey = rpc.declare({ object: 'wgjs', method: 'genkey', expect: { '': {} } });
var callGenpsk = rpc.declare({ object: 'wgjs', method: 'genpsk', expect: { '': {} } });
var callPubkey = rpc.declare({ object: 'wgjs', method: 'pubkey', params: ['private_key'], expect: { '': {} } });

function listOf(v) {
	return v == null ? [] : (Array.isArray(v) ? v : [v]);
}

function field(label, input, help) {
	return E('div', { 'class': 'cbi-value' }, [
		E('label', { 'class': 'cbi-value-title' }, label),
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

return view.extend({
	load: function() {
		return uci.load('network');
	},

	ifaces: function() {
		return uci.sections('network', 'interface').filter(function(s) { return s.proto === 'wgjs'; });
	},

	/** Fills the derived public key under the private key field. */
	showPublicKey: function(box, priv) {
		if (logic.validKey(priv) !== true) {
			dom.content(box, E('em', {}, priv ? _('(not a valid key)') : _('(generated when the interface starts)')));
			return Promise.resolve();
		}
		return callPubkey(priv).then(function(r) {
			dom.content(box, r && r.public_key ? E('code', { 'class': 'wgjs-derived-pubkey' }, [r.public_key]) : E('em', {}, [(r && r.error) || '?']));
		});
	},

	handleGenerateKey: function(form) {
		var self = this;
		return callGenkey().then(function(r) {
			if (!r || !r.private_key) return ui.addNotification(null, E('p', {}, [_('Key generation failed: %s').format((r && r.error) || '?')]), 'error');
			form.querySelector('[name="private_key"]').value = r.private_key;
			return self.showPublicKey(form.querySelector('.wgjs-pubkey-box'), r.private_key);
		});
	},

	peerRow: function(s) {
		s = s || {};
		var row = E('tr', { 'class': 'tr wgjs-peer-row', 'data-section': s['.name'] || '' }, [
			E('td', { 'class': 'td' }, text('description', s.description, { 'placeholder': _('Name'), 'cell': 6 })),
			E('td', { 'class': 'td' }, text('public_key', s.public_key, { 'cell': 10 })),
			E('td', { 'class': 'td' }, [
				text('preshared_key', s.preshared_key, { 'type': 'password', 'cell': 6 }),
				E('button', {
					'class': 'btn cbi-button wgjs-genpsk',
					'click': function(ev) {
						ev.preventDefault();
						return callGenpsk().then(function(r) { if (r && r.preshared_key) row.querySelector('[name="preshared_key"]').value = r.preshared_key; });
					}
				}, _('Generate'))
			]),
			E('td', { 'class': 'td' }, text('allowed_ips', listOf(s.allowed_ips).join(', '), { 'placeholder': '10.0.0.2/32, fd00::2/128', 'cell': 10 })),
			E('td', { 'class': 'td' }, checkbox('route_allowed_ips', s.route_allowed_ips === '1')),
			E('td', { 'class': 'td' }, text('endpoint_host', s.endpoint_host, { 'placeholder': 'vpn.example.com', 'cell': 7 })),
			E('td', { 'class': 'td' }, text('endpoint_port', s.endpoint_port, { 'placeholder': '51820', 'cell': 4 })),
			E('td', { 'class': 'td' }, text('persistent_keepalive', s.persistent_keepalive, { 'placeholder': '0', 'cell': 3 })),
			E('td', { 'class': 'td' }, checkbox('disabled', s.disabled === '1')),
			E('td', { 'class': 'td' }, E('button', {
				'class': 'btn cbi-button-remove wgjs-remove',
				'click': function(ev) { ev.preventDefault(); row.parentNode.removeChild(row); }
			}, _('Delete')))
		]);
		return row;
	},

	/** "Add peer from .conf": peers of a pasted or uploaded wg-quick file become new rows. */
	handleImport: function(tbody) {
		var self = this;
		var area = E('textarea', { 'id': 'wgjs-import-text', 'style': 'width:100%', 'rows': 12, 'placeholder': '[Peer]\nPublicKey = …' });
		var err = E('div', { 'class': 'wgjs-import-error' });
		var file = E('input', {
			'type': 'file', 'accept': '.conf,text/plain',
			'change': function(ev) {
				var f = ev.target.files && ev.target.files[0];
				if (f) f.text().then(function(t) { area.value = t; });
			}
		});
		ui.showModal(_('Add peer from .conf'), [
			E('p', {}, _('Paste or upload a WireGuard (wg-quick) configuration; each [Peer] becomes a peer here.')),
			file, area, err,
			E('div', { 'class': 'right' }, [
				E('button', { 'class': 'btn cbi-button-neutral', 'click': ui.hideModal }, _('Cancel')), ' ',
				E('button', {
					'class': 'btn cbi-button-positive wgjs-import-ok',
					'click': function() {
						var conf;
						try {
							conf = logic.parseConf(area.value);
						}
						catch (e) {
							dom.content(err, E('p', { 'class': 'alert-message error' }, [e.message]));
							return;
						}
						if (!conf.peers.length) {
							dom.content(err, E('p', { 'class': 'alert-message error' }, _('The configuration has no [Peer] section')));
							return;
						}
						conf.peers.forEach(function(p) {
							tbody.appendChild(self.peerRow({
								public_key: p.PublicKey, preshared_key: p.PresharedKey, allowed_ips: p.AllowedIPs,
								endpoint_host: p.EndpointHost, endpoint_port: p.EndpointPort,
								persistent_keepalive: p.PersistentKeepalive, route_allowed_ips: '1'
							}));
						});
						ui.hideModal();
					}
				}, _('Add peers'))
			])
		]);
	},

	renderIface: function(s) {
		var self = this, ifname = s['.name'];
		var pubBox = E('div', { 'class': 'wgjs-pubkey-box' });
		var tbody = E('tbody', {}, uci.sections('network', 'wireguard_' + ifname).map(function(p) { return self.peerRow(p); }));
		var priv = s.private_key === 'generate' ? '' : (s.private_key || '');
		var form = E('div', { 'class': 'cbi-section wgjs-iface', 'data-interface': ifname }, [
			E('h3', {}, [_('Interface %s').format(ifname)]),
			field(_('Private key'), [
				text('private_key', priv, { 'type': 'password', 'size': 46, 'placeholder': _('empty: generated at start'),
					'change': function(ev) { self.showPublicKey(pubBox, ev.target.value); } }),
				' ',
				E('button', { 'class': 'btn cbi-button wgjs-genkey', 'click': function(ev) { ev.preventDefault(); return self.handleGenerateKey(form); } }, _('Generate new key pair'))
			]),
			field(_('Public key'), pubBox, _('Give this key to the peers.')),
			field(_('Listen port'), text('listen_port', s.listen_port, { 'placeholder': _('random') })),
			field(_('Addresses'), text('addresses', listOf(s.addresses).join(', '), { 'placeholder': '10.0.0.1/24, fd00::1/64' })),
			field(_('MTU'), text('mtu', s.mtu, { 'placeholder': '1420' })),
			field(_('Firewall mark'), text('fwmark', s.fwmark, { 'placeholder': '0x0' })),
			E('h4', {}, _('Peers')),
			E('table', { 'class': 'table wgjs-peers-edit' }, [
				E('thead', {}, E('tr', { 'class': 'tr table-titles' }, [
					_('Description'), _('Public key'), _('Preshared key'), _('Allowed IPs'), _('Route allowed IPs'),
					_('Endpoint host'), _('Endpoint port'), _('Keepalive'), _('Disabled'), ''
				].map(function(h) { return E('th', { 'class': 'th' }, h); }))),
				tbody
			]),
			E('div', {}, [
				E('button', { 'class': 'btn cbi-button-add wgjs-add', 'click': function(ev) { ev.preventDefault(); tbody.appendChild(self.peerRow()); } }, _('Add peer')),
				' ',
				E('button', { 'class': 'btn cbi-button wgjs-import', 'click': function(ev) { ev.preventDefault(); self.handleImport(tbody); } }, _('Add peer from .conf'))
			])
		]);
		this.showPublicKey(pubBox, priv);
		return form;
	},

	render: function() {
		var self = this;
		var ifaces = this.ifaces();
		var body = ifaces.length ? ifaces.map(function(s) { return self.renderIface(s); }) :
			E('p', { 'class': 'alert-message' }, _('No interface uses protocol "wgjs" yet. Add one under Network → Interfaces (protocol "wgjs").'));
		this.root = E('div', { 'id': 'wgjs-config' }, body);
		return E([], [E('h2', {}, _('wgjs: WireGuard configuration')), this.root]);
	},

	/** Reads and validates every field; returns {errors, ifaces: [{name, opts, peers: [...]}]}. */
	collect: function() {
		var errors = [], out = [];
		var mark = function(input, res) {
			input.classList.toggle('cbi-input-invalid', res !== true);
			if (res !== true) errors.push(res);
		};
		this.root.querySelectorAll('.wgjs-iface').forEach(function(f) {
			var get = function(n) { return f.querySelector('[name="' + n + '"]'); };
			var opts = {
				private_key: get('private_key').value.trim(),
				listen_port: get('listen_port').value.trim(),
				addresses: logic.splitList(get('addresses').value),
				mtu: get('mtu').value.trim(),
				fwmark: get('fwmark').value.trim()
			};
			mark(get('private_key'), logic.validKey(opts.private_key, true));
			mark(get('listen_port'), logic.validPort(opts.listen_port, true));
			var a = opts.addresses.map(logic.validCidr).filter(function(r) { return r !== true; });
			mark(get('addresses'), a.length ? a[0] : true);
			mark(get('mtu'), logic.validMtu(opts.mtu));
			mark(get('fwmark'), logic.validFwmark(opts.fwmark));
			var peers = [];
			f.querySelectorAll('.wgjs-peer-row').forEach(function(row) {
				var g = function(n) { return row.querySelector('[name="' + n + '"]'); };
				var p = {
					section: row.getAttribute('data-section'),
					description: g('description').value.trim(),
					public_key: g('public_key').value.trim(),
					preshared_key: g('preshared_key').value.trim(),
					allowed_ips: logic.splitList(g('allowed_ips').value),
					route_allowed_ips: g('route_allowed_ips').checked ? '1' : '0',
					endpoint_host: g('endpoint_host').value.trim(),
					endpoint_port: g('endpoint_port').value.trim(),
					persistent_keepalive: g('persistent_keepalive').value.trim(),
					disabled: g('disabled').checked ? '1' : '0'
				};
				var label = p.description || _('new peer');
				var pre = function(r) { return r === true ? r : label + ': ' + r; };
				mark(g('public_key'), pre(logic.validKey(p.public_key)));
				mark(g('preshared_key'), pre(logic.validKey(p.preshared_key, true)));
				var bad = p.allowed_ips.map(logic.validCidr).filter(function(r) { return r !== true; });
				mark(g('allowed_ips'), bad.length ? pre(bad[0]) : true);
				mark(g('endpoint_host'), pre(logic.validHost(p.endpoint_host)));
				mark(g('endpoint_port'), pre(logic.validPort(p.endpoint_port, true)));
				mark(g('persistent_keepalive'), pre(logic.validKeepalive(p.persistent_keepalive)));
				peers.push(p);
			});
			out.push({ name: f.getAttribute('data-interface'), opts: opts, peers: peers });
		});
		return { errors: errors, ifaces: out };
	},

	handleSave: function() {
		var c = this.collect();
		if (c.errors.length) {
			ui.addNotification(_('Not saved: invalid input'), E('ul', { 'class': 'wgjs-errors' }, c.errors.map(function(e) { return E('li', {}, [e]); })), 'error');
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
				['description', 'public_key', 'preshared_key', 'allowed_ips', 'endpoint_host', 'endpoint_port', 'persistent_keepalive'].forEach(function(k) { set(sid, k, p[k]); });
				set(sid, 'route_allowed_ips', p.route_allowed_ips === '1' ? '1' : '');
				set(sid, 'disabled', p.disabled === '1' ? '1' : '');
			});
			uci.sections('network', 'wireguard_' + i.name).forEach(function(s) {
				if (!keep[s['.name']]) uci.remove('network', s['.name']);
			});
		});
		return uci.save().then(function() { return true; });
	},

	handleSaveApply: function(ev, mode) {
		return this.handleSave(ev).then(function(saved) { if (saved) ui.changes.apply(mode == '0'); });
	},

	handleReset: null
});
