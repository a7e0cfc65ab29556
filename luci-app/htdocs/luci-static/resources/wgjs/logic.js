'use strict';
'require baseclass';

// Pure helpers of the wgjs views (no DOM, no rpc): formatting, the up/down rule, input
// validation, and wg-quick .conf parsing for "add peer from .conf". Tested by uvu in Node
// (test/luci/logic.test.mjs evaluates this very file).

var B64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/; // 32 bytes: the last char carries 4 bits

/** fmt(_('line %s: %s'), a, b): %s placeholders filled in order (no String.prototype.format,
 *  so the module also runs outside LuCI). Every message is a literal inside _() for i18n scans. */
function fmt(s) {
	var args = arguments, i = 1;
	return s.replace(/%s/g, function() { return String(args[i++]); });
}

function parseIp4(s) {
	var m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
	if (!m) return false;
	for (var i = 1; i <= 4; i++)
		if (+m[i] > 255 || (m[i].length > 1 && m[i][0] === '0')) return false;
	return true;
}

function parseIp6(s) {
	if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.length < 2) return false;
	var halves = s.split('::');
	if (halves.length > 2) return false;
	var groups = 0;
	for (var h = 0; h < halves.length; h++) {
		if (halves[h] === '') continue;
		var parts = halves[h].split(':');
		for (var i = 0; i < parts.length; i++) {
			var p = parts[i];
			if (i === parts.length - 1 && h === halves.length - 1 && p.indexOf('.') >= 0) {
				if (!parseIp4(p)) return false;
				groups += 2;
			}
			else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) groups++;
			else return false;
		}
	}
	return halves.length === 2 ? groups < 8 : groups === 8;
}

return baseclass.extend({
	/** "never", "12s ago", "3m 4s ago", "2h 5m ago", "3d 1h ago". */
	formatAgo: function(now, then) {
		if (!then || then <= 0) return _('never');
		var d = Math.max(0, Math.floor(now - then)), span;
		if (d < 60) span = d + 's';
		else if (d < 3600) span = Math.floor(d / 60) + 'm ' + (d % 60) + 's';
		else if (d < 86400) span = Math.floor(d / 3600) + 'h ' + Math.floor(d % 3600 / 60) + 'm';
		else span = Math.floor(d / 86400) + 'd ' + Math.floor(d % 86400 / 3600) + 'h';
		return fmt(_('%s ago'), span);
	},

	/** 1023 -> "1023 B", 1536 -> "1.50 KiB", 3.2e9 -> "2.98 GiB". */
	formatBytes: function(n) {
		var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		n = Math.max(0, +n || 0);
		var i = 0;
		while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
		return i === 0 ? n + ' B' : n.toFixed(n < 10 ? 2 : (n < 100 ? 1 : 0)) + ' ' + units[i];
	},

	/** "12:04:31 (12s ago)" (the local time of the handshake), or "never". */
	formatHandshake: function(now, then) {
		if (!then || then <= 0) return _('never');
		var d = new Date(then * 1000), pad = function(n) { return (n < 10 ? '0' : '') + n; };
		var time = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
		if (now - then >= 86400)
			time = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + time;
		return time + ' (' + this.formatAgo(now, then) + ')';
	},

	/** 25 -> "25 s", 0/absent -> "off". */
	formatKeepalive: function(v) {
		return (+v > 0) ? fmt(_('%s s'), +v) : _('off');
	},

	shortKey: function(key) {
		return key ? key.substr(0, 8) + '\u2026' : '';
	},

	/** A key badge as stock LuCI shows it: "nE8FL…rLXg=" (first 5 and last 6 characters). */
	badgeKey: function(key) {
		return key && key.length > 12 ? key.substr(0, 5) + '\u2026' + key.substr(key.length - 6) : (key || '');
	},

	peerName: function(peer) {
		return (peer && peer.name) ? peer.name : this.shortKey(peer ? peer.public_key : '');
	},

	/* Validators in LuCI's convention: true when valid, else the message to show. */

	validKey: function(v, optional) {
		if ((v == null || v === '') && optional) return true;
		if (v == null || v === '') return _('A key is required');
		if (v.length !== 44 || !B64.test(v)) return _('Invalid key: expected 44 characters of base64 (32 bytes) ending with "="');
		return true;
	},

	validPort: function(v, optional) {
		if ((v == null || v === '') && optional) return true;
		if (!/^\d{1,5}$/.test(v) || +v > 65535 || (+v === 0 && !optional)) return _('Invalid port: expected a number from 1 to 65535');
		return true;
	},

	validCidr: function(v) {
		var m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(v || '');
		if (m && parseIp4(m[1]) && (m[2] == null || +m[2] <= 32)) return true;
		if (m && parseIp6(m[1]) && (m[2] == null || +m[2] <= 128)) return true;
		return fmt(_('Invalid address or prefix (e.g. 10.0.0.2/32 or fd00::2/128): %s'), v);
	},

	/** Several prefixes in one entry (comma or space separated), as the daemon accepts them. */
	splitList: function(v) {
		var out = [];
		(Array.isArray(v) ? v : [v]).forEach(function(x) {
			String(x == null ? '' : x).split(/[\s,]+/).forEach(function(y) { if (y) out.push(y); });
		});
		return out;
	},

	validHost: function(v) {
		if (v == null || v === '') return true;
		var h = v.replace(/^\[(.*)\]$/, '$1');
		if (parseIp4(h) || parseIp6(h)) return true;
		if (h.length <= 253 && /^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/.test(h)) return true;
		return fmt(_('Invalid host name or IP address: %s'), v);
	},

	validKeepalive: function(v) {
		if (v == null || v === '') return true;
		return (/^\d{1,5}$/.test(v) && +v <= 65535) ? true : _('Invalid keepalive: seconds from 0 to 65535');
	},

	/** 1280..65535: the kernel's TUN device takes up to 65535 (as `wgjs uci-sync` and netifd's
	 *  `ip link set mtu` do); below 1280 the kernel disables IPv6 on the link. */
	validMtu: function(v) {
		if (v == null || v === '') return true;
		return (/^\d{1,5}$/.test(v) && +v >= 1280 && +v <= 65535) ? true : _('Invalid MTU: expected 1280 to 65535');
	},

	validFwmark: function(v) {
		if (v == null || v === '' || v === 'off') return true;
		return (/^(0x[0-9A-Fa-f]{1,8}|\d{1,10})$/.test(v) && +v <= 0xffffffff) ? true : _('Invalid fwmark: a 32-bit number (decimal or 0x hex)');
	},

	/**
	 * The first free IPv4 host address (as "/32") in the IPv4 subnets of the interface's
	 * addresses (list of "a.b.c.d/len"), not used by the interface nor by any peer's allowed IPs
	 * (list); '' when there is none.
	 */
	nextFreeAddress: function(ifaceAddrs, used) {
		var toInt = function(ip) { return ip.split('.').reduce(function(a, o) { return a * 256 + (+o); }, 0); };
		var toIp = function(n) { return [Math.floor(n / 16777216), Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256].join('.'); };
		var v4 = function(a) {
			var m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(a);
			if (!m || !parseIp4(m[1]) || (m[2] != null && +m[2] > 32)) return null;
			var len = m[2] == null ? 32 : +m[2], size = Math.pow(2, 32 - len), ip = toInt(m[1]);
			return { ip: ip, len: len, first: Math.floor(ip / size) * size, last: Math.floor(ip / size) * size + size - 1 };
		};
		var own = this.splitList(ifaceAddrs).map(v4).filter(Boolean);
		// taken: the interface's own addresses and every prefix routed to a peer
		var taken = own.map(function(o) { return [o.ip, o.ip]; }).concat(this.splitList(used).map(v4).filter(Boolean).map(function(p) { return [p.first, p.last]; }));
		for (var i = 0; i < own.length; i++) {
			if (own[i].len > 30) continue;
			for (var n = own[i].first + 1; n < own[i].last; n++)
				if (taken.every(function(r) { return n < r[0] || n > r[1]; })) return toIp(n) + '/32';
		}
		return '';
	},

	/**
	 * What an imported wg-quick file adds as peers. The peer's OWN file ([Interface] with its
	 * PrivateKey, a [Peer] that is this router, or only one [Peer] when routerPub is unknown)
	 * becomes one peer that keeps the private key (its public key is derived by the caller),
	 * with the file's Address as allowed IPs and the router's PresharedKey. Any other file: each
	 * [Peer] becomes a peer. Returns [{own, private_key?, public_key?, preshared_key,
	 * allowed_ips[], endpoint_host, endpoint_port, persistent_keepalive}].
	 */
	importPeers: function(conf, routerPub) {
		var iface = conf.iface, peers = conf.peers;
		var router = peers.filter(function(p) { return routerPub && p.PublicKey === routerPub; })[0];
		if (iface && iface.PrivateKey && (router || (!routerPub && peers.length <= 1))) {
			var r = router || peers[0] || {};
			return [{
				own: true, private_key: iface.PrivateKey, preshared_key: r.PresharedKey || '', allowed_ips: iface.Address.slice(),
				endpoint_host: '', endpoint_port: '', persistent_keepalive: ''
			}];
		}
		return peers.map(function(p) {
			return {
				own: false, public_key: p.PublicKey, preshared_key: p.PresharedKey || '', allowed_ips: p.AllowedIPs.slice(),
				endpoint_host: p.EndpointHost || '', endpoint_port: p.EndpointPort || '', persistent_keepalive: p.PersistentKeepalive || ''
			};
		});
	},

	/**
	 * Parses a wg-quick configuration. Returns {iface: {PrivateKey, Address[], ListenPort, DNS[], MTU},
	 * peers: [{PublicKey, PresharedKey, AllowedIPs[], Endpoint, EndpointHost, EndpointPort,
	 * PersistentKeepalive}]}; throws Error("line N: ...") on anything invalid.
	 */
	parseConf: function(text) {
		var self = this, iface = null, peers = [], cur = null;
		var lines = String(text).split(/\r?\n/);
		var listKeys = { Address: 1, DNS: 1, AllowedIPs: 1 };
		var canon = {};
		['PrivateKey', 'Address', 'ListenPort', 'DNS', 'MTU', 'FwMark', 'Table', 'PreUp', 'PostUp', 'PreDown', 'PostDown', 'SaveConfig',
		 'PublicKey', 'PresharedKey', 'AllowedIPs', 'Endpoint', 'PersistentKeepalive'].forEach(function(k) { canon[k.toLowerCase()] = k; });
		function fail(n, msg) { throw new Error(fmt(_('line %s: %s'), n, msg)); }
		function check(n, r) { if (r !== true) fail(n, r); }

		for (var i = 0; i < lines.length; i++) {
			var n = i + 1, line = lines[i].replace(/#.*$/, '').trim();
			if (line === '') continue;
			var sec = /^\[(\w+)\]$/.exec(line);
			if (sec) {
				if (sec[1].toLowerCase() === 'interface') {
					if (iface) fail(n, _('a second [Interface] section'));
					cur = iface = { Address: [], DNS: [] };
				}
				else if (sec[1].toLowerCase() === 'peer') {
					cur = { AllowedIPs: [] };
					cur._line = n;
					peers.push(cur);
				}
				else fail(n, fmt(_('unknown section [%s]'), sec[1]));
				continue;
			}
			var kv = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
			if (!kv) fail(n, _('expected "Key = Value"'));
			if (!cur) fail(n, _('a key outside of [Interface] or [Peer]'));
			var key = canon[kv[1].toLowerCase()], val = kv[2].trim();
			if (!key) fail(n, fmt(_('unknown key %s'), kv[1]));
			if (listKeys[key]) {
				if (!(key in cur)) fail(n, fmt(_('%s is not valid here'), key));
				self.splitList(val).forEach(function(x) {
					if (key !== 'DNS') check(n, self.validCidr(x));
					cur[key].push(x);
				});
				continue;
			}
			switch (key) {
			case 'PrivateKey': case 'PublicKey': case 'PresharedKey':
				check(n, self.validKey(val));
				break;
			case 'ListenPort':
				check(n, self.validPort(val));
				break;
			case 'PersistentKeepalive':
				if (val === 'off') val = '0';
				check(n, self.validKeepalive(val));
				break;
			case 'MTU':
				check(n, self.validMtu(val));
				break;
			case 'Endpoint':
				var ep = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(val);
				if (!ep) fail(n, _('Endpoint must be host:port'));
				check(n, self.validHost(ep[1]));
				check(n, self.validPort(ep[2]));
				cur.EndpointHost = ep[1].replace(/^\[(.*)\]$/, '$1');
				cur.EndpointPort = ep[2];
				break;
			}
			var inPeer = cur !== iface;
			var peerKeys = { PublicKey: 1, PresharedKey: 1, Endpoint: 1, PersistentKeepalive: 1 };
			if (inPeer !== !!peerKeys[key]) fail(n, fmt(_('%s is not valid here'), key));
			cur[key] = val;
		}
		peers.forEach(function(p) {
			if (!p.PublicKey) fail(p._line, _('[Peer] without PublicKey'));
			delete p._line;
		});
		if (!iface && !peers.length) throw new Error(_('no [Interface] or [Peer] section found'));
		return { iface: iface, peers: peers };
	}
});
