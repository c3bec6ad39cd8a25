// The --net option, QEMU's habits: `user[,hostfwd=tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]…
// [,mac=52:54:00:12:34:56]`. Errors are one line, for the command line to print.

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

export type NetSpec = UserNetSpec;

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
  const [kind, ...options] = spec.split(",");
  if (kind !== "user") throw new Error(`--net ${spec}: unknown network '${kind}' (user)`);
  const result: UserNetSpec = { kind: "user", hostfwd: [] };
  for (const o of options) {
    const eq = o.indexOf("=");
    const name = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? "" : o.slice(eq + 1);
    if (name === "hostfwd") result.hostfwd.push(parseHostForward(value, spec));
    else if (name === "mac") {
      const mac = parseMac(value);
      if (!mac || mac[0] & 1) throw new Error(`--net ${spec}: bad MAC address '${value}'`);
      result.mac = mac;
    } else throw new Error(`--net ${spec}: unknown option '${o}' (hostfwd=…, mac=…)`);
  }
  return result;
}
