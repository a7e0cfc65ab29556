'use strict';
'require ui';
'require uci';
'require rpc';
'require form';
'require network';
'require wgjs.logic as logic';

// Protocol "wgjs" for LuCI's standard interface editor (Network -> Interfaces -> Edit): the
// interface options of OpenWrt's proto 'wireguard' plus a peers grid (sections of type
// wireguard_<ifname>). Keys come from the wgjs rpcd plugin; validation uses LuCI datatypes and
// the custom validators of wgjs/logic.js, so the form refuses to save invalid input.

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
	if (logic.validKey(priv) !== true)
		return Promise.resolve('');
	return L.resolveDefault(callPubkey(priv), {}).then(function(r) { return (r && r.public_key) || ''; });
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
			});
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
		o.datatype = 'range(1280,9200)';
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

		o = ss.option(form.Flag, 'disabled', _('Disabled'));
		o.editable = true;
		o.optional = true;

		o = ss.option(form.Value, 'description', _('Description'));
		o.placeholder = _('Name of the peer');

		o = ss.option(form.Value, 'public_key', _('Public key'));
		o.rmempty = false;
		o.validate = validator('validKey', false);
		o.textvalue = function(section_id) {
			return E('code', { 'title': this.cfgvalue(section_id) || '' }, [logic.shortKey(this.cfgvalue(section_id))]);
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
			});
		};

		o = ss.option(form.DynamicList, 'allowed_ips', _('Allowed IPs'), _('Prefixes this peer may send from and that are routed to it.'));
		o.datatype = 'ipaddr';
		o.textvalue = function(section_id) {
			return logic.splitList(this.cfgvalue(section_id) || []).join(', ') || '-';
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
	}
});
