// The DNS address (10.0.2.3): A queries are answered from the host's resolver (node:dns
// lookup, so /etc/hosts counts too); other types get an empty answer so that clients fall
// back to A at once; a name the host cannot resolve is NXDOMAIN. One question per query.

import { lookup } from "node:dns/promises";
import { parseIp } from "./ipv4.js";

export const DNS_PORT = 53;
const HEADER = 12;
const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const TTL_SECONDS = 60;
const MAX_ANSWERS = 8;

/** Resolves a name to IPv4 addresses; an empty list or a rejection with code ENOTFOUND is NXDOMAIN. */
export type Resolver = (name: string) => Promise<number[]>;

export const hostResolver: Resolver = async (name) => {
  const found = await lookup(name, { family: 4, all: true });
  return found.map((a) => parseIp(a.address)).filter((ip): ip is number => ip !== null);
};

export interface DnsQuestion {
  id: number;
  /** The query's flags, for RD in the answer. */
  flags: number;
  name: string;
  type: number;
  class: number;
  /** The question section as sent, copied into the answer. */
  section: Uint8Array;
}

/** A standard query with exactly one question; null for anything else. */
export function parseQuery(b: Uint8Array): DnsQuestion | null {
  if (b.length < HEADER) return null;
  const flags = (b[2] << 8) | b[3];
  if (flags & 0x8000 || (flags >> 11) & 0xf) return null; // a response, or not a standard query
  if (((b[4] << 8) | b[5]) !== 1) return null;
  const labels: string[] = [];
  let i = HEADER;
  for (;;) {
    if (i >= b.length) return null;
    const len = b[i++];
    if (len === 0) break;
    if (len > 63 || i + len > b.length) return null; // compression has no place in a question
    labels.push(String.fromCharCode(...b.subarray(i, i + len)));
    i += len;
  }
  if (i + 4 > b.length) return null;
  return {
    id: (b[0] << 8) | b[1],
    flags,
    name: labels.join("."),
    type: (b[i] << 8) | b[i + 1],
    class: (b[i + 2] << 8) | b[i + 3],
    section: b.slice(HEADER, i + 4),
  };
}

export function buildAnswer(q: DnsQuestion, rcode: number, addresses: number[]): Uint8Array {
  const answers = addresses.slice(0, MAX_ANSWERS);
  const b = new Uint8Array(HEADER + q.section.length + 16 * answers.length);
  b[0] = q.id >> 8;
  b[1] = q.id & 0xff;
  b[2] = 0x80 | ((q.flags >> 8) & 0x01); // QR, RD copied
  b[3] = 0x80 | rcode; // RA
  b[5] = 1;
  b[7] = answers.length;
  b.set(q.section, HEADER);
  let at = HEADER + q.section.length;
  for (const ip of answers) {
    // Name: a pointer to the question's; type A, class IN, TTL, 4 bytes of address.
    b.set([0xc0, HEADER, 0, TYPE_A, 0, CLASS_IN, 0, 0, TTL_SECONDS >> 8, TTL_SECONDS & 0xff, 0, 4], at);
    b.set([ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff], at + 12);
    at += 16;
  }
  return b;
}

/** The answer to a query, or null for a message that is not one. */
export async function answerQuery(message: Uint8Array, resolve: Resolver): Promise<Uint8Array | null> {
  const q = parseQuery(message);
  if (!q) return null;
  if (q.class !== CLASS_IN) return buildAnswer(q, RCODE_NOTIMP, []);
  if (q.type !== TYPE_A || q.name === "") return buildAnswer(q, 0, []);
  try {
    const ips = await resolve(q.name);
    return buildAnswer(q, ips.length ? 0 : RCODE_NXDOMAIN, ips);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return buildAnswer(q, code === "ENOTFOUND" || code === "ENODATA" ? RCODE_NXDOMAIN : RCODE_SERVFAIL, []);
  }
}
