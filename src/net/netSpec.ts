// The --net option, QEMU's habits: `user[,hostfwd=tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]…
// [,mac=52:54:00:12:34:56]` or `socket,path=DIR[,mac=…]` (a segment shared by the VMs that
// name DIR, src/net/socketNetwork.ts). Errors are one line, for the command line to print.

import { parseMac } from "./ethernet.js";
import { formatIp, parseIp } from "./ipv4.js";
import type { HostForward } from "./tcpProxy.js";
import { NETWORK } from "./userNetwork.js";

export interface UserNetSpec {
  kind: "user";
  hostfwd: HostForward[];
  /** The guest's MAC (for the virtio-net device and the network alike), if given. */
  mac?: Uint8Array;
}

export interface SocketNetSpec {
  kind: "socket";
  /** The folder that names the segment. */
  path: string;
  mac?: Uint8Array;
}

export type NetSpec = UserNetSpec | SocketNetSpec;

function parseMacOption(value: string, spec: string): Uint8Array {
  const mac = parseMac(value);
  if (!mac || mac[0] & 1) throw new Error(`--net ${spec}: bad MAC address '${value}'`);
  return mac;
}

function options(list: string[]): [name: string, value: string, text: string][] {
  return list.map((o) => {
    const eq = o.indexOf("=");
    return eq < 0 ? [o, "", o] : [o.slice(0, eq), o.slice(eq + 1), o];
  });
}

function port(text: string, what: string, spec: string, allowZero: boolean): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= (allowZero ? 0 : 1) && n <= 65535)) throw new Error(`--net ${spec}: bad ${what} '${text}'`);
  return n;
}

/** tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (the protocol may be left out; tcp is the only one). */
export function parseHostForward(text: string, spec: string): HostForward {
  const m = /^(?:(tcp|udp)?:)?([^:]*):(\d*)-([^:]*):(\d*)$/.exec(text);
  if (!m)
    throw new Error(`--net ${spec}: hostfwd wants [tcp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, not '${text}'`);
  const [, proto, hostAddr, hostPort, guestAddr, guestPort] = m;
  if (proto === "udp") throw new Error(`--net ${spec}: udp hostfwd is not supported (tcp only)`);
  if (hostAddr && parseIp(hostAddr) === null) throw new Error(`--net ${spec}: bad host address '${hostAddr}'`);
  if (guestAddr && parseIp(guestAddr) !== NETWORK.guest) {
    throw new Error(`--net ${spec}: the guest is ${formatIp(NETWORK.guest)}, not '${guestAddr}'`);
  }
  return {
    hostAddress: hostAddr || "127.0.0.1",
    hostPort: port(hostPort, "host port", spec, true),
    guestPort: port(guestPort, "guest port", spec, false),
  };
}

export function parseNetSpec(spec: string): NetSpec {
  const [kind, ...rest] = spec.split(",");
  if (kind === "socket") return parseSocketSpec(spec, rest);
  if (kind !== "user") throw new Error(`--net ${spec}: unknown network '${kind}' (user, socket)`);
  const result: UserNetSpec = { kind: "user", hostfwd: [] };
  for (const [name, value, o] of options(rest)) {
    if (name === "hostfwd") result.hostfwd.push(parseHostForward(value, spec));
    else if (name === "mac") result.mac = parseMacOption(value, spec);
    else throw new Error(`--net ${spec}: unknown option '${o}' (hostfwd=…, mac=…)`);
  }
  return result;
}

/** socket,path=DIR[,mac=…]: DIR may not hold a comma (it separates options). */
function parseSocketSpec(spec: string, rest: string[]): SocketNetSpec {
  let path: string | undefined;
  let mac: Uint8Array | undefined;
  for (const [name, value, o] of options(rest)) {
    if (name === "path" && value) path = value;
    else if (name === "mac") mac = parseMacOption(value, spec);
    else throw new Error(`--net ${spec}: unknown option '${o}' (path=DIR, mac=…)`);
  }
  if (path === undefined) throw new Error(`--net ${spec}: socket wants path=DIR (a folder the VMs share)`);
  return mac ? { kind: "socket", path, mac } : { kind: "socket", path };
}
