// A DHCP server (RFC 2131/2132) for one guest: DISCOVER → OFFER, REQUEST → ACK (or NAK for
// an address that is not the guest's), INFORM → ACK. Every client gets the same lease; what a
// client such as busybox udhcpc checks is there: the transaction id, the server identifier,
// the lease time, and (in userNetwork.ts) a plain 20-byte IP header with exact lengths.

import { readIp, writeIp } from "./ipv4.js";

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const DHCP_DISCOVER = 1;
export const DHCP_OFFER = 2;
export const DHCP_REQUEST = 3;
export const DHCP_ACK = 5;
export const DHCP_NAK = 6;
export const DHCP_INFORM = 8;

export const OPT_SUBNET_MASK = 1;
export const OPT_ROUTER = 3;
export const OPT_DNS = 6;
export const OPT_BROADCAST = 28;
export const OPT_REQUESTED_IP = 50;
export const OPT_LEASE_TIME = 51;
export const OPT_MESSAGE_TYPE = 53;
export const OPT_SERVER_ID = 54;
const OPT_PAD = 0;
const OPT_END = 255;

const BOOTREQUEST = 1;
const BOOTREPLY = 2;
/** op … file: the fixed BOOTP part, then the magic cookie, then options. */
const FIXED = 236;
const COOKIE = [99, 130, 83, 99];
const OPTIONS_AT = FIXED + 4;
/** Replies are padded to BOOTP's 300 bytes: some old clients want at least that. */
const MIN_REPLY = 300;
const FLAG_BROADCAST = 0x8000;

export interface DhcpLease {
  guestIp: number;
  serverIp: number;
  router: number;
  dns: number;
  netmask: number;
  leaseSeconds: number;
}

export interface DhcpAnswer {
  /** The BOOTP message for UDP port 68. */
  payload: Uint8Array;
  /** Where it goes: the broadcast address while the client has no address, else its address. */
  dstIp: number;
  clientMac: Uint8Array;
  type: number;
}

/** Options by code (the last one wins); null when the options run past the message. */
export function parseOptions(b: Uint8Array): Map<number, Uint8Array> | null {
  const options = new Map<number, Uint8Array>();
  let i = OPTIONS_AT;
  while (i < b.length) {
    const code = b[i++];
    if (code === OPT_PAD) continue;
    if (code === OPT_END) return options;
    if (i >= b.length) return null;
    const len = b[i++];
    if (i + len > b.length) return null;
    options.set(code, b.subarray(i, i + len));
    i += len;
  }
  return options; // no END: tolerated, as most servers do
}

/** The server's answer to a client message, or null when it deserves none. */
export function dhcpReply(request: Uint8Array, lease: DhcpLease): DhcpAnswer | null {
  if (request.length < OPTIONS_AT || request[0] !== BOOTREQUEST || request[1] !== 1 || request[2] !== 6) return null;
  if (COOKIE.some((c, k) => request[FIXED + k] !== c)) return null;
  const options = parseOptions(request);
  const type = options?.get(OPT_MESSAGE_TYPE);
  if (!options || !type || type.length !== 1) return null;
  const ciaddr = readIp(request, 12);
  const serverId = options.get(OPT_SERVER_ID);
  if (serverId && (serverId.length !== 4 || readIp(serverId, 0) !== lease.serverIp)) return null; // another server's
  let reply: number;
  switch (type[0]) {
    case DHCP_DISCOVER:
      reply = DHCP_OFFER;
      break;
    case DHCP_REQUEST: {
      const wanted = options.get(OPT_REQUESTED_IP);
      const ip = wanted?.length === 4 ? readIp(wanted, 0) : ciaddr;
      reply = ip === lease.guestIp ? DHCP_ACK : DHCP_NAK;
      break;
    }
    case DHCP_INFORM:
      reply = DHCP_ACK;
      break;
    default:
      return null; // DECLINE, RELEASE: nothing to say
  }
  const clientMac = request.slice(28, 34);
  const broadcast = ciaddr === 0 || ((request[10] << 8) | request[11]) & FLAG_BROADCAST || reply === DHCP_NAK;
  return {
    payload: buildReply(request, reply, type[0] === DHCP_INFORM, lease),
    dstIp: broadcast ? 0xffffffff : ciaddr,
    clientMac,
    type: reply,
  };
}

function buildReply(request: Uint8Array, type: number, inform: boolean, lease: DhcpLease): Uint8Array {
  const opts: number[] = [OPT_MESSAGE_TYPE, 1, type];
  const addr = (code: number, ip: number) =>
    opts.push(code, 4, ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff);
  addr(OPT_SERVER_ID, lease.serverIp);
  if (type !== DHCP_NAK) {
    if (!inform) addr(OPT_LEASE_TIME, lease.leaseSeconds);
    addr(OPT_SUBNET_MASK, lease.netmask);
    addr(OPT_ROUTER, lease.router);
    addr(OPT_DNS, lease.dns);
    addr(OPT_BROADCAST, (lease.guestIp & lease.netmask) | (~lease.netmask >>> 0));
  }
  opts.push(OPT_END);
  const b = new Uint8Array(Math.max(MIN_REPLY, OPTIONS_AT + opts.length));
  b[0] = BOOTREPLY;
  b[1] = 1;
  b[2] = 6;
  b.set(request.subarray(4, 8), 4); // xid
  b.set(request.subarray(10, 12), 10); // flags
  b.set(request.subarray(12, 16), 12); // ciaddr
  if (type !== DHCP_NAK && !inform) writeIp(b, 16, lease.guestIp); // yiaddr
  if (type !== DHCP_NAK) writeIp(b, 20, lease.serverIp); // siaddr
  b.set(request.subarray(24, 28), 24); // giaddr
  b.set(request.subarray(28, 44), 28); // chaddr
  b.set(COOKIE, FIXED);
  b.set(opts, OPTIONS_AT);
  return b;
}
