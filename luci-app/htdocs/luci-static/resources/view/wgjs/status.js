'use strict';
'require view';
'require dom';
'require poll';
'require rpc';
'require ui';
'require wgjs.logic as logic';
'require wgjs.export as wgexport';

// Status -> wgjs: every wgjs interface and its peers, polled every 5 s. The data comes from the
// daemons' own ubus objects "wgjs.<ifname>" (method status; found with a ubus list of
// "wgjs.*") and, when no daemon object exists, from the rpcd plugin's "wgjs status".
// Per peer: name, key badge (click: details with the full key and a copy button), endpoint,
// allowed IPs, latest handshake as time and "(Ns ago)", keepalive, rx, tx, up/down, and
// "Generate configuration" (write access only).
// Values from UCI or the router always reach the DOM as text nodes ([value]): LuCI's E() and
// dom.append() set a lone string child as innerHTML.

var callStatus = rpc.declare({ object: 'wgjs', method: 'status', expect: { '': {} } });
var daemonCalls = {};

/** The status call of one daemon object "wgjs.<ifname>" (declared once per object). */
function callDaemon(object) {
	if (!daemonCalls[object])
		daemonCalls[object] = rpc.declare({ object: object, method: 'status', expect: { '': {} } });
	return daemonCalls[object]();
}

/** {interfaces: {...}, source: 'daemon'|'plugin'} or {error: message}. */
function fetchStatus() {
	return L.resolveDefault(rpc.list('wgjs.*'), {}).then(function(objs) {
		var names = Object.keys(L.isObject(objs) ? objs : {}).filter(function(o) { return /^wgjs\.[^.]+$/.test(o); }).sort();
		if (!names.length)
			return null;
		return Promise.all(names.map(callDaemon)).then(function(answers) {
			var out = {};
			names.forEach(function(o, i) {
				if (L.isObject(answers[i]) && answers[i].peers) out[o.substr(5)] = answers[i];
			});
			return Object.keys(out).length ? { interfaces: out, source: 'daemon' } : null;
		}, function() { return null; });
	}).then(function(d) {
		if (d)
			return d;
		return callStatus().then(function(r) {
			if (!L.isObject(r) || !r.interfaces) return { error: (r && r.error) || null };
			r.source = 'plugin';
			return r;
		}, function(e) {
			return { error: _('The wgjs status could not be read: %s').format(e.message) };
		});
	});
}

function nowSeconds() {
	return Math.floor(Date.now() / 1000);
}

return view.extend({
	load: function() {
		return fetchStatus();
	},

	/** Details window of one peer: the full public key (copyable) and every counter. */
	handleDetails: function(ifname, peer) {
		var now = nowSeconds();
		var row = function(label, value, cls) {
			return E('div', { 'class': 'tr' }, [
				E('div', { 'class': 'td left', 'style': 'width:35%' }, [label]),
				E('div', { 'class': 'td left' + (cls ? ' ' + cls : '') }, [value])
			]);
		};
		ui.showModal([_('Peer %s').format(logic.peerName(peer))], [
			E('div', { 'class': 'table wgjs-details' }, [
				row(_('Public key'), E('span', {}, [E('code', { 'class': 'wgjs-fullkey', 'style': 'word-break:break-all' }, [peer.public_key]), ' ', wgexport.copyButton(peer.public_key)])),
				row(_('Interface'), ifname),
				row(_('Endpoint'), peer.endpoint || '-'),
				row(_('Allowed IPs'), (peer.allowed_ips || []).join(', ') || '-'),
				row(_('Latest handshake'), logic.formatHandshake(now, peer.latest_handshake)),
				row(_('Persistent keepalive'), logic.formatKeepalive(peer.persistent_keepalive)),
				row(_('Received'), logic.formatBytes(peer.transfer_rx)),
				row(_('Sent'), logic.formatBytes(peer.transfer_tx)),
				row(_('Preshared key'), peer.preshared_key ? _('yes') : _('no'))
			]),
			E('div', { 'class': 'right' }, [E('button', { 'class': 'btn cbi-button-neutral', 'click': ui.hideModal }, [_('Close')])])
		]);
	},

	renderPeer: function(ifname, iface, peer, now) {
		// the daemon (or the plugin) says whether the peer is up: one rule, src/openwrt/rpcd.ts peerUp
		var up = !!peer.up;
		var writable = L.hasViewPermission();
		var td = function(cls, title, content) {
			return E('div', { 'class': 'td ' + cls, 'data-title': title }, content);
		};
		var exportBtn = peer.section ? E('button', {
			'class': 'btn cbi-button wgjs-export',
			'disabled': writable ? null : '',
			'title': writable ? _('wg-quick file and QR code for this peer') : _('Needs write access to wgjs'),
			'click': ui.createHandlerFn(this, function() {
				return wgexport.show({ ifname: ifname, section: peer.section, name: logic.peerName(peer), listenPort: iface.listen_port });
			})
		}, [_('Generate configuration')]) : E('em', {}, [_('not in UCI')]);
		return E('div', { 'class': 'tr cbi-section-table-row wgjs-peer', 'data-key': peer.public_key }, [
			td('wgjs-name', _('Peer'), [
				E('span', {}, [logic.peerName(peer)]), ' ',
				E('button', {
					'class': 'btn cbi-button wgjs-keybadge',
					'title': peer.public_key,
					'style': 'font-family:monospace;padding:0 .4em',
					'click': ui.createHandlerFn(this, 'handleDetails', ifname, peer)
				}, [logic.badgeKey(peer.public_key)])
			]),
			td('wgjs-endpoint', _('Endpoint'), [peer.endpoint || '-']),
			td('wgjs-allowed', _('Allowed IPs'), [(peer.allowed_ips || []).join(', ') || '-']),
			td('wgjs-handshake', _('Latest handshake'), [logic.formatHandshake(now, peer.latest_handshake)]),
			td('wgjs-keepalive', _('Keepalive'), [logic.formatKeepalive(peer.persistent_keepalive)]),
			td('wgjs-rx', _('Received'), [logic.formatBytes(peer.transfer_rx)]),
			td('wgjs-tx', _('Sent'), [logic.formatBytes(peer.transfer_tx)]),
			td('wgjs-state', _('State'), [E('span', {
				'class': 'label ' + (up ? 'success' : 'warning'),
				'style': 'color:#fff;padding:2px 6px;border-radius:3px;background:' + (up ? '#2a8a2a' : '#a33')
			}, [up ? _('up') : _('down')])]),
			td('wgjs-actions', _('Configuration'), [exportBtn])
		]);
	},

	renderInterface: function(ifname, iface, now) {
		var self = this;
		var rows = (iface.peers || []).map(function(p) { return self.renderPeer(ifname, iface, p, now); });
		var th = function(t) { return E('div', { 'class': 'th' }, [t]); };
		return E('div', { 'class': 'cbi-section wgjs-interface', 'data-interface': ifname }, [
			E('h3', {}, [_('Interface %s').format(ifname) + (iface.running ? '' : ' (' + _('not running') + ')')]),
			E('div', { 'class': 'table' }, [
				E('div', { 'class': 'tr' }, [
					E('div', { 'class': 'td left', 'style': 'width:33%' }, [_('Public key')]),
					E('div', { 'class': 'td left' }, iface.public_key ? [E('code', { 'class': 'wgjs-pubkey', 'style': 'word-break:break-all' }, [iface.public_key]), ' ', wgexport.copyButton(iface.public_key)] : [_('none')])
				]),
				E('div', { 'class': 'tr' }, [
					E('div', { 'class': 'td left' }, [_('Listen port')]),
					E('div', { 'class': 'td left wgjs-port' }, [iface.listen_port != null ? String(iface.listen_port) : '-'])
				])
			]),
			rows.length ? E('div', { 'class': 'table cbi-section-table wgjs-peers' }, [
				E('div', { 'class': 'tr table-titles' }, [
					th(_('Peer')), th(_('Endpoint')), th(_('Allowed IPs')), th(_('Latest handshake')), th(_('Keepalive')),
					th(_('Received')), th(_('Sent')), th(_('State')), th('')
				])
			].concat(rows)) : E('p', { 'class': 'wgjs-nopeers' }, [E('em', {}, [_('No peers configured.')])])
		]);
	},

	renderStatus: function(data) {
		if (!data || !data.interfaces)
			return E('p', { 'class': 'alert-message warning wgjs-message' },
				[(data && data.error) || _('The wgjs service does not answer: is the wgjs package installed and rpcd running?')]);
		var names = Object.keys(data.interfaces).sort();
		if (!names.length)
			return E('p', { 'class': 'alert-message wgjs-message' },
				[_('No wgjs interface exists. Create one under Network → Interfaces with protocol "wgjs", or under Network → wgjs.')]);
		var now = nowSeconds(), self = this;
		var running = names.filter(function(n) { return data.interfaces[n].running !== false; });
		var parts = names.map(function(n) { return self.renderInterface(n, data.interfaces[n], now); });
		if (!running.length)
			parts.unshift(E('p', { 'class': 'alert-message warning wgjs-message' }, [_('No wgjs daemon is running: bring the interface up (ifup) to start it.')]));
		if (!L.hasViewPermission())
			parts.unshift(E('p', { 'class': 'alert-message notice wgjs-readonly' }, [_('Read-only access: status only. Exporting peer configurations needs write access to wgjs.')]));
		return E('div', { 'data-source': data.source || '' }, parts);
	},

	render: function(data) {
		var self = this;
		var box = E('div', { 'id': 'wgjs-status' }, [this.renderStatus(data)]);
		poll.add(function() {
			return fetchStatus().then(function(d) { dom.content(box, [self.renderStatus(d)]); });
		}, 5);
		return E([], [E('h2', {}, [_('wgjs: WireGuard status')]), box]);
	},

	handleSaveApply: null,
	handleSave: null,
	handleReset: null
});
