// Connects a daemon to ubus (QuickJS only): a UbusClient on the daemon's reactor that registers
// `wgjs.<ifname>` (src/ubus/wgjs.ts) and keeps reconnecting. Without ubusd (a plain Linux host)
// it only retries quietly in the background (a stat of the socket path every few seconds).
//   WGJS_UBUS=0                  no ubus client at all (events and renew spawn `ubus` as before)
//   WGJS_UBUS_SOCKET=PATH        ubusd's socket (default /var/run/ubus/ubus.sock, then
//                                /var/run/ubus.sock)
import * as std from 'qjs:std';
import type { Reactor } from '../platform/reactor.ts';
import type { Logger } from '../platform/types.ts';
import type { UapiDevice, UapiPeer } from '../uapi/get.ts';
import { UbusClient } from './client.ts';
import { reactorIo } from './io.ts';
import { UBUS_SOCKETS } from './proto.ts';
import { wgjsObject, type StatusSource } from './wgjs.ts';

export function attachUbus<P extends UapiPeer>(reactor: Reactor, log: Logger, src: StatusSource<P> & { device: UapiDevice<P> }): UbusClient | null {
  if (std.getenv('WGJS_UBUS') === '0') return null;
  const path = std.getenv('WGJS_UBUS_SOCKET');
  const client = new UbusClient(reactorIo(reactor), log, path ? [path] : UBUS_SOCKETS, `(${src.ifname}) ubus`);
  client.addObject(wgjsObject(src));
  client.start();
  return client;
}
