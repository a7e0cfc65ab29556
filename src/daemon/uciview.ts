// The daemon's view of its own UCI configuration on OpenWrt (/etc/config/network, or the file
// named by WGJS_UCI_CONFIG): the endpoint names of its peers (for re-resolution) and their
// descriptions (for peer events). Re-read only when the file changes (mtime/size). A daemon
// whose interface is not a proto 'wgjs' interface of that file (any non-OpenWrt use) has no
// names and no descriptions. The file is read as bytes (UCI values are bytes; see uci.ts). What
// it logs about a bad file names the file, line, section and option, never a key value.
import * as os from 'qjs:os';
import * as std from 'qjs:std';
import type { Logger } from '../platform/types.ts';
import { peerSectionsByKey, planInterface } from '../openwrt/network.ts';
import type { NamedEndpoint } from '../openwrt/reresolve.ts';
import { parseUci, uciGet } from '../openwrt/uci.ts';

export const UCI_NETWORK_FILE = '/etc/config/network';

interface PeerLabel {
  description: string | null;
  section: string | null;
}

export class UciView {
  /** The interface is configured in the file (proto 'wgjs'). */
  managed = false;
  names: NamedEndpoint[] = [];
  nohostroute = false;
  private labels = new Map<string, PeerLabel>();
  private mtime = -1;
  private size = -1;
  private lastError = '';

  constructor(readonly path: string, readonly ifname: string, readonly log: Logger, readonly random: (b: Uint8Array) => void) {}

  /** Re-reads the file when it changed; a file that no longer parses keeps the previous view. */
  refresh(): void {
    const [st, err] = os.stat(this.path);
    if (err !== 0) {
      this.mtime = this.size = -1;
      this.clear();
      return;
    }
    if (st.mtime === this.mtime && st.size === this.size) return;
    this.mtime = st.mtime;
    this.size = st.size;
    const text = std.loadFile(this.path, { binary: true });
    if (text === null) return;
    const parsed = parseUci(text, { file: this.path, package: 'network', single: true });
    const pkg = parsed.ok ? parsed.packages.find((p) => p.name === 'network') : undefined;
    if (!pkg) return this.problem(parsed.ok ? `${this.path}: no 'network' package` : parsed.error);
    if (!pkg.sections.some((s) => s.name === this.ifname && s.type === 'interface')) return this.clear();
    // peers are named from their sections as rpcd's status names them, even while another
    // section of the file is invalid (the plan below then keeps its last good state)
    this.labels.clear();
    for (const [key, s] of peerSectionsByKey(pkg, this.ifname)) this.labels.set(key, { description: uciGet(s, 'description') ?? null, section: s.name });
    // names are not resolved here: the daemon never blocks on DNS
    const r = planInterface(pkg, this.ifname, { random: this.random, noResolve: 'deferred' });
    if (!r.ok) return this.problem(r.error);
    this.lastError = '';
    this.managed = true;
    this.nohostroute = r.plan.nohostroute;
    this.names = [];
    for (const p of r.plan.peers) {
      if (p.endpointHost !== null && p.endpoint === null) this.names.push({ publicKey: p.publicKey, host: p.endpointHost, port: p.endpointPort });
    }
  }

  describe(publicKey: string): PeerLabel | undefined {
    this.refresh();
    return this.labels.get(publicKey);
  }

  private clear(): void {
    this.managed = false;
    this.names = [];
    this.labels.clear();
  }

  private problem(msg: string): void {
    // logged once per distinct problem; the last good view stays in force
    if (msg !== this.lastError) this.log.error(`(${this.ifname}) ${msg}`);
    this.lastError = msg;
  }
}
