// A stand-in for the wgjs binary in the netifd handler test (test/openwrt/proto.sh), run by Node
// (bundled with esbuild; plain JS so that tsc, which has no Node types here, skips it). `uci-sync` and `rpcd` are the real TypeScript code; the daemon is
// simulated:
//   wgjs -f IFNAME        creates $WGJS_SYS_NET/IFNAME and a listening unix socket at
//                         $WGJS_RUN_DIR/IFNAME.sock, then waits for SIGTERM (removes both);
//                         FAKE_DAEMON=broken: starts but never creates them;
//                         FAKE_DAEMON=late-socket: the device at once, the socket 0.6 s later
//                         (as the real daemon: TUN first), replacing any file at that path.
//                         The socket's inode goes to $FAKE_ROOT/IFNAME.sockino: a
//                         "connection" to a socket file that is not the daemon's is refused
//   wgjs uci-sync ...     uciSyncMain with /etc/config/network read from $FAKE_ROOT, names
//                         resolved from the JSON object in $FAKE_ROOT/hosts, and a UAPI
//                         "connection" that applies set=1 to a JSON device state
//                         ($FAKE_ROOT/IFNAME.state) and appends each body to $FAKE_ROOT/IFNAME.sets
//   wgjs hotplug ACTION IFNAME KEY [ENDPOINT DESCRIPTION]   prints hotplugCommands() as JSON
// Every invocation is appended to $FAKE_ROOT/calls.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hotplugCommands } from '../../src/openwrt/hotplug.ts';
import { uciSyncMain } from '../../src/openwrt/ucisync.ts';
import { parseSet } from '../../src/uapi/set.ts';
import { toHex } from '../../src/util/bytes.ts';
import { formatEndpoint, formatPrefix, parseIp } from '../../src/util/ip.ts';
import { seeded } from '../fixtures/wg/fake-env.ts';

const root = process.env.FAKE_ROOT;
const runDir = process.env.WGJS_RUN_DIR;
const sysNet = process.env.WGJS_SYS_NET;
const argv = process.argv.slice(2);
appendFileSync(`${root}/calls`, `wgjs ${argv.join(' ')}\n`);

function loadState(ifname) {
  try {
    return JSON.parse(readFileSync(`${root}/${ifname}.state`, 'utf8'));
  } catch {
    return { priv: null, port: 0, fwmark: 0, peers: {} };
  }
}

function apply(ifname, body) {
  const r = parseSet(body);
  if (!r.ok) return -22;
  const st = loadState(ifname);
  const q = r.req;
  if (q.privateKey) st.priv = toHex(q.privateKey);
  if (q.listenPort !== undefined) st.port = q.listenPort;
  if (q.fwmark !== undefined) st.fwmark = q.fwmark;
  if (q.replacePeers) st.peers = {};
  for (const p of q.peers) {
    const k = toHex(p.publicKey);
    if (p.remove) {
      delete st.peers[k];
      continue;
    }
    if (p.updateOnly && !st.peers[k]) continue;
    const ps = (st.peers[k] ??= { endpoint: null, psk: '00'.repeat(32), keepalive: 0, allowed: [] });
    if (p.presharedKey) ps.psk = toHex(p.presharedKey);
    if (p.endpoint) ps.endpoint = formatEndpoint(p.endpoint);
    if (p.persistentKeepalive !== undefined) ps.keepalive = p.persistentKeepalive;
    if (p.replaceAllowedIps) ps.allowed = [];
    for (const a of p.allowedIps) ps.allowed.push(formatPrefix(a));
  }
  writeFileSync(`${root}/${ifname}.state`, JSON.stringify(st));
  appendFileSync(`${root}/${ifname}.sets`, body + '--\n');
  return 0;
}

function render(ifname) {
  const st = loadState(ifname);
  let s = '';
  if (st.priv) s += `private_key=${st.priv}\n`;
  if (st.port) s += `listen_port=${st.port}\n`;
  if (st.fwmark) s += `fwmark=${st.fwmark}\n`;
  for (const [k, p] of Object.entries(st.peers)) {
    s += `public_key=${k}\npreshared_key=${p.psk}\nprotocol_version=1\n`;
    if (p.endpoint) s += `endpoint=${p.endpoint}\n`;
    s += 'last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n';
    s += `persistent_keepalive_interval=${p.keepalive}\n`;
    for (const a of p.allowed) s += `allowed_ip=${a}\n`;
  }
  return s + 'errno=0\n\n';
}

function isSocket(path) {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** A WgEnv (src/client/env.ts) over the fake world. */
function env(args) {
  return {
    progName: 'wgjs',
    args,
    stdin: () => readFileSync(0, 'utf8'),
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readFile(path) {
      const p = path === '/etc/config/network' ? `${root}/network` : path;
      try {
        return readFileSync(p, 'utf8');
      } catch {
        throw new Error('No such file or directory');
      }
    },
    listInterfaces: () => [],
    connect(name) {
      const sock = `${runDir}/${name}.sock`;
      if (!isSocket(sock)) throw new Error('No such file or directory');
      let ino = '';
      try {
        ino = readFileSync(`${root}/${name}.sockino`, 'utf8');
      } catch {
        /* no daemon ever listened */
      }
      if (String(statSync(sock).ino) !== ino) throw new Error('Connection refused');
      return {
        request(text) {
          if (text === 'get=1\n\n') return render(name);
          if (text.startsWith('set=1\n') && text.endsWith('\n\n')) return `errno=${apply(name, text.slice(6, -1))}\n\n`;
          return '';
        },
      };
    },
    resolve(host) {
      let hosts = {};
      try {
        hosts = JSON.parse(readFileSync(`${root}/hosts`, 'utf8'));
      } catch {
        hosts = {};
      }
      const ip = hosts[host] ? parseIp(hosts[host]) : null;
      if (!ip) throw new Error('Name or service not known');
      return [[ip.family, ip.addr]];
    },
    random: seeded(4242),
    now: () => Date.now() / 1000,
    isatty: false,
    getenv: (n) => process.env[n],
    strerror: (n) => (n === 22 ? 'Invalid argument' : `Unknown error ${n}`),
    errno: { EINVAL: 22, EPROTO: 71, ENOENT: 2 },
  };
}

function daemon(ifname) {
  if (process.env.FAKE_DAEMON === 'broken') {
    setInterval(() => {}, 1000);
    return;
  }
  const dev = `${sysNet}/${ifname}`;
  const sock = `${runDir}/${ifname}.sock`;
  mkdirSync(runDir, { recursive: true });
  const late = process.env.FAKE_DAEMON === 'late-socket';
  const server = createServer(() => {});
  const listen = () => {
    rmSync(sock, { force: true });
    server.listen(sock, () => {
      writeFileSync(`${root}/${ifname}.sockino`, String(statSync(sock).ino));
      // by default the socket first, the device last: the handler must wait for both
      if (!late) setTimeout(() => mkdirSync(dev, { recursive: true }), 150);
    });
  };
  if (late) {
    mkdirSync(dev, { recursive: true });
    setTimeout(listen, 600);
  } else listen();
  process.on('SIGTERM', () => {
    rmSync(dev, { recursive: true, force: true });
    server.close();
    rmSync(sock, { force: true });
    appendFileSync(`${root}/calls`, `daemon ${ifname} stopped\n`);
    process.exit(0);
  });
}

if (argv[0] === '-f' && argv.length === 2) daemon(argv[1]);
else if (argv[0] === 'uci-sync') process.exitCode = uciSyncMain(env(argv), argv);
else if (argv[0] === 'hotplug') {
  const [, action, ifname, key, endpoint, description] = argv;
  const cmds = hotplugCommands(
    { action, ifname, publicKey: key, endpoint: endpoint ?? null, description: description ?? null },
    { exists: (p) => existsSync(p), getenv: (n) => process.env[n] },
  );
  process.stdout.write(JSON.stringify(cmds) + '\n');
} else {
  process.stderr.write(`fake wgjs: unsupported arguments: ${argv.join(' ')}\n`);
  process.exitCode = 2;
}
