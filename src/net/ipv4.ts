// IPv4 headers (RFC 791) and the Internet checksum (RFC 1071). Addresses are uint32 numbers.
// No fragmentation: a fragment is refused (the guest's MTU matches the link, so only a
// hostile or odd guest sends one), and every packet built here has Don't Fragment set.

export const IPV4_HEADER = 20;
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;

/** The 16-bit ones'-complement sum of `data` added to `initial`, folded (not complemented). */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The Internet checksum of `data` (plus an initial sum); over data holding a valid checksum it is 0. */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesSum(data, initial) & 0xffff;
}

/** The sum of the TCP/UDP pseudo header: source, destination, protocol, length. */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return onesSum(new Uint8Array(0), (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length);
}

export interface Ipv4Packet {
  src: number;
  dst: number;
  protocol: number;
  ttl: number;
  /** The payload as the total length says (Ethernet padding cut off); a view, no copy. */
  payload: Uint8Array;
}

export type Ipv4Drop = "short" | "version" | "length" | "checksum" | "fragment";

/** Checks a packet the guest sent; the reason when it must be dropped. */
export function parseIpv4(bytes: Uint8Array): Ipv4Packet | Ipv4Drop {
  if (bytes.length < IPV4_HEADER) return "short";
  if (bytes[0] >> 4 !== 4) return "version";
  const ihl = (bytes[0] & 0xf) * 4;
  const total = (bytes[2] << 8) | bytes[3];
  if (ihl < IPV4_HEADER || total < ihl || total > bytes.length) return "length";
  if (internetChecksum(bytes.subarray(0, ihl)) !== 0) return "checksum";
  const frag = (bytes[6] << 8) | bytes[7];
  if (frag & FLAG_MF || frag & OFFSET_MASK) return "fragment";
  return {
    src: readIp(bytes, 12),
    dst: readIp(bytes, 16),
    protocol: bytes[9],
    ttl: bytes[8],
    payload: bytes.subarray(ihl, total),
  };
}

let nextId = 1;

/** A 20-byte header (no options) in front of `payload`. */
export function buildIpv4(src: number, dst: number, protocol: number, payload: Uint8Array, ttl = 64): Uint8Array {
  const p = new Uint8Array(IPV4_HEADER + payload.length);
  const total = p.length;
  const id = nextId;
  nextId = (nextId + 1) & 0xffff;
  p[0] = 0x45;
  p[2] = total >> 8;
  p[3] = total & 0xff;
  p[4] = id >> 8;
  p[5] = id & 0xff;
  p[6] = FLAG_DF >> 8;
  p[8] = ttl;
  p[9] = protocol;
  writeIp(p, 12, src);
  writeIp(p, 16, dst);
  const sum = internetChecksum(p.subarray(0, IPV4_HEADER));
  p[10] = sum >> 8;
  p[11] = sum & 0xff;
  p.set(payload, IPV4_HEADER);
  return p;
}

export function readIp(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

export function writeIp(b: Uint8Array, at: number, ip: number): void {
  b[at] = ip >>> 24;
  b[at + 1] = (ip >>> 16) & 0xff;
  b[at + 2] = (ip >>> 8) & 0xff;
  b[at + 3] = ip & 0xff;
}

/** "10.0.2.15" → 0x0a00020f; null unless four decimal octets. */
export function parseIp(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((a, p) => a * 256 + Number(p), 0);
}

export function formatIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join(".");
}
