'use strict';
'require baseclass';
'require dom';
'require rpc';
'require ui';

// The peer export of the wgjs views: a panel with the editable Endpoint, DNS, AllowedIPs and
// PersistentKeepalive of a peer's wg-quick file, and the file itself as text, QR code, Copy and
// Download. The file is made on the router by the rpcd plugin (wgjs peerqr), from the peer's UCI
// section and/or the values an editor has not saved yet (its private key, preshared key and
// addresses). Also the Copy button used by the status page.
// The QR code is shown as an <img> of the SVG (data: URL): no markup from the router is ever
// inserted into the page; every other value is a text node.

var callPeerQr = rpc.declare({
	object: 'wgjs', method: 'peerqr',
	params: ['interface', 'peer', 'endpoint', 'dns', 'allowed_ips', 'keepalive', 'private_key', 'preshared_key', 'address', 'name', 'router_public_key'],
	expect: { '': {} }
});
var callWanStatus = rpc.declare({ object: 'network.interface.wan', method: 'status', expect: { '': {} } });
var callLanStatus = rpc.declare({ object: 'network.interface.lan', method: 'status', expect: { '': {} } });

function firstAddress(st, family) {
	var list = st && st[family === 6 ? 'ipv6-address' : 'ipv4-address'];
	return (list && list.length) ? list[0].address : null;
}

/** Copy button: the Clipboard API where the page is a secure context (https, localhost), else
 *  (LuCI over plain http, the usual case on a LAN) a selected hidden textarea + execCommand. */
function copyButton(text) {
	return E('button', {
		'class': 'btn cbi-button wgjs-copy',
		'title': _('Copy to clipboard'),
		'click': function(ev) {
			ev.preventDefault();
			var btn = ev.currentTarget;
			var done = function() { btn.textContent = _('Copied'); };
			var fallback = function() {
				var ta = E('textarea', { 'style': 'position:fixed;top:0;left:0;opacity:0' });
				ta.value = text;
				document.body.appendChild(ta);
				ta.select();
				var ok = false;
				try { ok = document.execCommand('copy'); } catch (e) {}
				document.body.removeChild(ta);
				if (ok) done();
				else btn.textContent = _('Copy failed: select the text');
			};
			if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext)
				navigator.clipboard.writeText(text).then(done, fallback);
			else
				fallback();
		}
	}, [_('Copy')]);
}

/** Download button: saves text as a file (Blob + <a download>). */
function downloadButton(filename, text) {
	return E('button', {
		'class': 'btn cbi-button wgjs-download',
		'click': function(ev) {
			ev.preventDefault();
			var url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
			var a = E('a', { 'href': url, 'download': filename, 'style': 'display:none' });
			document.body.appendChild(a);
			a.click();
			document.body.removeChild(a);
			window.setTimeout(function() { URL.revokeObjectURL(url); }, 1000);
		}
	}, [_('Download %s').format(filename)]);
}

function input(cls, value, placeholder) {
	return E('input', { 'class': 'cbi-input-text ' + cls, 'value': value == null ? '' : String(value), 'placeholder': placeholder || '', 'style': 'width:100%;box-sizing:border-box' });
}

function field(label, node) {
	return E('div', { 'class': 'cbi-value' }, [E('label', { 'class': 'cbi-value-title' }, [label]), E('div', { 'class': 'cbi-value-field' }, [node])]);
}

return baseclass.extend({
	copyButton: copyButton,
	downloadButton: downloadButton,

	/**
	 * The export panel (a node). opts: {ifname, section (UCI peer section, optional), name,
	 * listenPort, privateKey, presharedKey, address (list), routerPublicKey, keepalive (default 25)}.
	 */
	render: function(opts) {
		var endpoint = input('wgjs-export-endpoint', window.location.hostname, 'vpn.example.com:51820');
		var dns = input('wgjs-export-dns', '', '192.168.1.1');
		var allowed = input('wgjs-export-allowed', '0.0.0.0/0, ::/0');
		var keepalive = input('wgjs-export-keepalive', opts.keepalive != null ? opts.keepalive : 25, _('0: off'));
		var out = E('div', { 'class': 'wgjs-export-output' }, [E('em', {}, [_('Generating…')])]);
		var seq = 0;

		var refresh = function() {
			var my = ++seq;
			var ka = keepalive.value.trim();
			var opt = function(v) { return v ? v : undefined; }; // absent arguments are not sent
			return callPeerQr(opts.ifname, opt(opts.section), opt(endpoint.value.trim()), opt(dns.value.trim()),
				opt(allowed.value.trim()), /^\d+$/.test(ka) ? +ka : (ka === '' ? 0 : ka),
				opt(opts.privateKey), opt(opts.presharedKey),
				opt(opts.address && opts.address.length ? opts.address.join(', ') : ''), opt(opts.name), opt(opts.routerPublicKey)
			).then(function(r) {
				if (my !== seq) return;
				if (!r || r.error || !r.config) {
					dom.content(out, [E('p', { 'class': 'alert-message warning wgjs-export-error' }, [(r && r.error) || _('No answer from the wgjs service')])]);
					return;
				}
				var img = E('img', {
					'class': 'wgjs-qr-img', 'alt': _('QR code of the configuration'),
					'src': 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(r.svg),
					'style': 'width:100%;height:auto;display:block;image-rendering:pixelated'
				});
				dom.content(out, [
					E('p', {}, [_('Scan with the WireGuard app, or copy or download the file %s:').format(r.filename)]),
					E('div', { 'style': 'display:flex;flex-wrap:wrap;gap:.5em;align-items:flex-start' }, [
						E('div', { 'class': 'wgjs-qr', 'style': 'flex:0 1 300px;max-width:300px;background:#fff;padding:8px;box-sizing:border-box' }, [img]),
						E('pre', { 'class': 'wgjs-config', 'style': 'flex:1 1 260px;white-space:pre-wrap;word-break:break-all;margin:0' }, [r.config])
					]),
					E('div', {}, [copyButton(r.config), ' ', downloadButton(r.filename, r.config)])
				]);
			}, function(e) {
				if (my === seq)
					dom.content(out, [E('p', { 'class': 'alert-message error wgjs-export-error' }, [_('The configuration could not be generated: %s').format(e.message)])]);
			});
		};

		// suggestions: the WAN address (else the address this page was reached at) with the listen
		// port, DNS = the LAN address
		Promise.all([L.resolveDefault(callWanStatus(), null), L.resolveDefault(callLanStatus(), null)]).then(function(st) {
			var wan = firstAddress(st[0], 4) || firstAddress(st[0], 6);
			if (wan) endpoint.value = wan.indexOf(':') >= 0 ? '[' + wan + ']' : wan;
			var lan = firstAddress(st[1], 4);
			if (lan) dns.value = lan;
			if (opts.listenPort && !/:\d+$/.test(endpoint.value)) endpoint.value += ':' + opts.listenPort;
			return refresh();
		});
		[endpoint, dns, allowed, keepalive].forEach(function(i) { i.addEventListener('change', refresh); });

		return E('div', { 'class': 'wgjs-export' }, [
			field(_('Endpoint'), endpoint),
			field(_('DNS'), dns),
			field(_('Allowed IPs'), allowed),
			field(_('Persistent keepalive'), keepalive),
			E('div', { 'class': 'right' }, [E('button', { 'class': 'btn cbi-button wgjs-export-update', 'click': function(ev) { ev.preventDefault(); refresh(); } }, [_('Update')])]),
			out
		]);
	},

	/** The export panel in a modal dialog. */
	show: function(opts) {
		var panel = this.render(opts);
		ui.showModal([_('Configuration for peer %s').format(opts.name || '')], [
			panel,
			E('div', { 'class': 'right' }, [E('button', { 'class': 'btn cbi-button-neutral wgjs-export-close', 'click': ui.hideModal }, [_('Close')])])
		]);
		return panel;
	}
});
