'use strict';
'require ui';
'require uci';
'require rpc';
'require form';
'require network';
'require dom';
'require wgjs.logic as logic';
'require wgjs.export as wgexport';

// Protocol "wgjs" for LuCI's standard interface editor (Network -> Interfaces -> Edit): the
// interface options of OpenWrt's proto 'wireguard' plus a peers grid (sections of type
// wireguard_<ifname>). Keys come from the wgjs rpcd plugin; validation uses LuCI datatypes and
// the custom validators of wgjs/logic.js, so the form refuses to save invalid input.
// "Add peer" generates the peer's key pair and preshared key on the router and suggests a free
// address; the peer's private key is kept in its section (private_key, as luci-proto-wireguard
// does) so the peer editor can show its wg-quick file, QR code and Download (wgjs/export.js).
// Grid cells show UCI values as text only (textvalue returns nodes with text children or
// LuCI's %h-escaped strings). RPC failures become notifications.

var callGenkey = rpc.declare({ object: 'wgjs', method: 'genkey', expect: { '': {} } });
var callGenpsk = rpc.declare({ object: 'wgjs', method: 'genpsk', expect: { '': {} } });
var callPubkey = rpc.declare({ object: 'wgjs', method: 'pubkey', params: ['private_key'], expect: { '': {} } });

/** form validate(section_id, value) from a logic validator (value, optional). */
function validator(name, optional) {
	return function(section_id, value) {
		return logic[name](value, optional);
	};
}

/** The derived public key under the private key field: '' when the key is missing or invalid. */
function derivePublic(priv) {
	if (logic.validKey(priv) !== true || !L.hasViewPermission()) // pubkey needs write access
		return Promise.resolve('');
	return L.resolveDefault(callPubkey(priv), {}).then(function(r) { return (r && r.public_key) || ''; });
}

function rpcFailed(what) {
	return function(e) {
		ui.addNotification(null, E('p', {}, [_('%s failed: %s').format(what, e.message)]), 'error');
	};
}

function showPublic(section_id, priv) {
	var out = document.getElementById('wgjs-pubkey-' + section_id);
	if (!out)
		return Promise.resolve();
	return derivePublic(priv).then(function(pub) {
		out.textContent = pub || (priv ? _('(not a valid key)') : _('(generated when the interface starts)'));
	});
}

return network.registerProtocol('wgjs', {
	getI18n: function() {
		return _('WireGuard (wgjs, userspace)');
	},

	getIfname: function() {
		return this._ubus('l3_device') || this.sid;
	},

	getPackageName: function() {
		return 'wgjs';
	},

	getOpkgPackage: function() {
		return 'wgjs';
	},

	isFloating: function() {
		return true;
	},

	isVirtual: function() {
		return true;
	},

	getDevices: function() {
		return null;
	},

	containsDevice: function(ifname) {
		return (network.getIfnameOf(ifname) == this.getIfname());
	},

	renderFormOptions: function(s) {
		var o, ss, ifname = s.section;

		// -- general
		o = s.taboption('general', form.Value, 'private_key', _('Private key'),
			_('Base64 key of this interface (44 characters). Empty: wgjs generates one when the interface starts and stores it.'));
		o.password = true;
		o.rmempty = true;
		o.validate = validator('validKey', true);
		o.onchange = function(ev, section_id, value) {
			showPublic(section_id, value);
		};

		o = s.taboption('general', form.Button, '_genkey', ' ');
		o.inputtitle = _('Generate new key pair');
		o.inputstyle = 'apply wgjs-genkey';
		o.onclick = function(ev, section_id) {
			var prv = this.section.getUIElement(section_id, 'private_key');
			return callGenkey().then(function(r) {
				if (!r || !r.private_key)
					return ui.addNotification(null, E('p', {}, [_('Key generation failed: %s').format((r && r.error) || '?')]), 'error');
				prv.setValue(r.private_key);
				prv.triggerValidation();
				var out = document.getElementById('wgjs-pubkey-' + section_id);
				if (out)
					out.textContent = r.public_key;
			}, rpcFailed(_('Key generation')));
		};

		o = s.taboption('general', form.DummyValue, '_public_key', _('Public key'), _('Give this key to the peers.'));
		o.load = function(section_id) {
			return derivePublic(uci.get('network', section_id, 'private_key'));
		};
		o.renderWidget = function(section_id, option_index, cfgvalue) {
			return E('code', { 'id': 'wgjs-pubkey-' + section_id, 'class': 'wgjs-derived-pubkey' },
				[cfgvalue || _('(generated when the interface starts)')]);
		};
		o.write = o.remove = function() {};

		o = s.taboption('general', form.Value, 'listen_port', _('Listen port'), _('UDP port; empty: random.'));
		o.datatype = 'port';
		o.placeholder = '51820';
		o.optional = true;

		o = s.taboption('general', form.DynamicList, 'addresses', _('IP addresses'), _('Addresses of the tunnel interface, with prefix length (e.g. 10.0.0.1/24).'));
		o.datatype = 'ipaddr';
		o.optional = true;

		// -- advanced
		o = s.taboption('advanced', form.Value, 'mtu', _('MTU'), _('Maximum transmission unit of the tunnel interface.'));
		o.validate = validator('validMtu'); // 1280..65535, as Network -> wgjs (see wgjs/logic.js)
		o.placeholder = '1420';
		o.optional = true;

		o = s.taboption('advanced', form.Value, 'fwmark', _('Firewall mark'), _('32-bit mark of the encrypted packets, decimal or 0x hex.'));
		o.optional = true;
		o.validate = validator('validFwmark');

		o = s.taboption('advanced', form.Flag, 'nohostroute', _('No host routes'), _('Do not add host routes to the peers\' endpoints.'));
		o.optional = true;

		o = s.taboption('advanced', form.DynamicList, 'ip6prefix', _('IPv6 routed prefix'), _('Prefix routed to this router for delegation.'));
		o.datatype = 'cidr6';
		o.optional = true;

		// -- peers
		try {
			s.tab('peers', _('Peers'));
		}
		catch (e) {}

		o = s.taboption('peers', form.SectionValue, '_peers', form.GridSection, 'wireguard_' + ifname);
		ss = o.subsection;
		ss.anonymous = true;
		ss.addremove = true;
		ss.addbtntitle = _('Add peer');
		ss.modaltitle = _('Edit peer');
		ss.nodescriptions = true;

		// "Add peer": the new section gets a key pair, a preshared key and a free address first
		ss.handleAdd = function(ev, name) {
			var self = this, conf = this.uciconfig || this.map.config;
			return Promise.all([callGenkey(), callGenpsk()]).then(function(k) {
				var sid = self.map.data.add(conf, self.sectiontype, name);
				if (k[0] && k[0].private_key) {
					self.map.data.set(conf, sid, 'private_key', k[0].private_key);
					self.map.data.set(conf, sid, 'public_key', k[0].public_key);
				}
				if (k[1] && k[1].preshared_key)
					self.map.data.set(conf, sid, 'preshared_key', k[1].preshared_key);
				var used = [];
				uci.sections(conf, self.sectiontype).forEach(function(p) { used = used.concat(L.toArray(p.allowed_ips)); });
				var addr = logic.nextFreeAddress(L.toArray(uci.get(conf, ifname, 'addresses')), used);
				if (addr)
					self.map.data.set(conf, sid, 'allowed_ips', [addr]);
				var mapNode = self.getPreviousModalMap();
				var prevMap = mapNode ? dom.findClassInstance(mapNode) : self.map;
				prevMap.addedSection = sid;
				return self.renderMoreOptionsModal(sid);
			}, rpcFailed(_('Key generation')));
		};

		o = ss.option(form.Flag, 'disabled', _('Disabled'));
		o.editable = true;
		o.optional = true;

		o = ss.option(form.Value, 'description', _('Description'));
		o.placeholder = _('Name of the peer');

		o = ss.option(form.Value, 'public_key', _('Public key'));
		o.rmempty = false;
		o.validate = validator('validKey', false);
		o.textvalue = function(section_id) {
			return E('code', { 'title': this.cfgvalue(section_id) || '' }, [logic.badgeKey(this.cfgvalue(section_id))]);
		};

		o = ss.option(form.Value, 'private_key', _('Private key'),
			_('The peer\'s own private key, kept only so that its configuration can be exported (QR code). Remove it after exporting if you prefer.'));
		o.password = true;
		o.modalonly = true;
		o.optional = true;
		o.validate = validator('validKey', true);

		o = ss.option(form.Button, '_genpeerkey', ' ');
		o.modalonly = true;
		o.inputtitle = _('Generate new key pair');
		o.inputstyle = 'apply wgjs-peer-genkey';
		o.onclick = function(ev, section_id) {
			var pub = this.section.getUIElement(section_id, 'public_key');
			var prv = this.section.getUIElement(section_id, 'private_key');
			return callGenkey().then(function(r) {
				if (!r || !r.private_key)
					return ui.addNotification(null, E('p', {}, [_('Key generation failed: %s').format((r && r.error) || '?')]), 'error');
				prv.setValue(r.private_key);
				pub.setValue(r.public_key);
				prv.triggerValidation();
				pub.triggerValidation();
			}, rpcFailed(_('Key generation')));
		};

		o = ss.option(form.Value, 'preshared_key', _('Preshared key'), _('Optional extra symmetric key (post-quantum resistance).'));
		o.password = true;
		o.modalonly = true;
		o.optional = true;
		o.validate = validator('validKey', true);

		o = ss.option(form.Button, '_genpsk', ' ');
		o.modalonly = true;
		o.inputtitle = _('Generate preshared key');
		o.inputstyle = 'apply wgjs-genpsk';
		o.onclick = function(ev, section_id) {
			var psk = this.section.getUIElement(section_id, 'preshared_key');
			return callGenpsk().then(function(r) {
				if (r && r.preshared_key) {
					psk.setValue(r.preshared_key);
					psk.triggerValidation();
				}
			}, rpcFailed(_('Key generation')));
		};

		o = ss.option(form.DynamicList, 'allowed_ips', _('Allowed IPs'), _('Prefixes this peer may send from and that are routed to it.'));
		o.datatype = 'ipaddr';
		o.textvalue = function(section_id) {
			// a node with a text child: a string returned here would be inserted as HTML
			return E('span', { 'class': 'wgjs-allowed-ips' }, [logic.splitList(this.cfgvalue(section_id) || []).join(', ') || '-']);
		};

		o = ss.option(form.Flag, 'route_allowed_ips', _('Route allowed IPs'));
		o.optional = true;

		o = ss.option(form.Value, 'endpoint_host', _('Endpoint host'));
		o.datatype = 'host';
		o.placeholder = 'vpn.example.com';
		o.optional = true;

		o = ss.option(form.Value, 'endpoint_port', _('Endpoint port'));
		o.datatype = 'port';
		o.placeholder = '51820';
		o.optional = true;

		o = ss.option(form.Value, 'persistent_keepalive', _('Persistent keepalive'), _('Seconds between keepalives (25 behind NAT); empty: off.'));
		o.datatype = 'range(0,65535)';
		o.placeholder = '0';
		o.optional = true;
		o.modalonly = true;

		// the peer's wg-quick file, QR code and Download, from the editor's current values
		o = ss.option(form.DummyValue, '_export', _('Configuration export'));
		o.modalonly = true;
		o.cfgvalue = function(section_id) {
			var sec = this.section, map = this.map;
			var panel = E('div', { 'class': 'wgjs-export-box' });
			var val = function(n) { var v = sec.formvalue(section_id, n); return Array.isArray(v) ? v : (v || '').trim(); };
			return E('div', {}, [
				E('button', {
					'class': 'btn cbi-button wgjs-peer-export',
					'disabled': map.readonly ? '' : null,
					'click': function(ev) {
						ev.preventDefault();
						var priv = val('private_key'), psk = val('preshared_key');
						var routerPub = document.getElementById('wgjs-pubkey-' + ifname);
						dom.content(panel, [wgexport.render({
							ifname: ifname,
							// the editor's keys are authoritative; without a private key the stored section is used
							section: logic.validKey(priv) === true ? null : section_id,
							name: val('description') || logic.shortKey(val('public_key')),
							listenPort: s.formvalue(s.section, 'listen_port') || uci.get('network', ifname, 'listen_port'),
							privateKey: logic.validKey(priv) === true ? priv : null,
							presharedKey: logic.validKey(psk) === true ? psk : null,
							address: logic.splitList(val('allowed_ips')),
							routerPublicKey: routerPub && logic.validKey(routerPub.textContent) === true ? routerPub.textContent : null
						})]);
					}
				}, [_('Generate configuration…')]),
				panel
			]);
		};
		o.write = o.remove = function() {};
	}
});
