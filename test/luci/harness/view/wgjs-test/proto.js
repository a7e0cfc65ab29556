'use strict';
'require view';
'require form';
'require uci';
'require network';
'require protocol.wgjs';

// Test harness (real LuCI only, LUCI_SRC): what luci-mod-network's interface editor does for
// the protocol of an interface: a form.Map('network') with a NamedSection of the interface,
// tabs "general" and "advanced", and the protocol handler's renderFormOptions(section).
// The interface comes from ?iface=NAME.

return view.extend({
	load: function() {
		return uci.load('network');
	},

	render: function() {
		var ifname = new URLSearchParams(window.location.search).get('iface');
		var m = new form.Map('network', _('Interface %s').format(ifname), _('Protocol handler test harness'));
		var s = m.section(form.NamedSection, ifname, 'interface');
		s.tab('general', _('General Settings'));
		s.tab('advanced', _('Advanced Settings'));
		var proto = network.getProtocol('wgjs', ifname);
		proto.renderFormOptions(s);
		this.map = m;
		return m.render().then(function(node) {
			return E('div', { 'class': 'wgjs-proto-harness', 'data-proto-name': proto.getI18n() }, node);
		});
	},

	// LuCI's default handleSave rejects after its "Save error" dialog; the harness keeps the
	// rejection out of the page's error log (the test checks the dialog and the file instead)
	handleSave: function() {
		return this.map.save().then(function() {
			document.body.setAttribute('data-saved', String(Date.now()));
		}, function(e) {
			document.body.setAttribute('data-save-error', e.message);
		});
	},

	handleSaveApply: null,
	handleReset: null
});
