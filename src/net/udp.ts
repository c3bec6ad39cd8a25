// UDP datagrams (RFC 768) with the pseudo-header checksum.

import { internetChecksum, pseudoHeaderSum, PROTO_UDP } from "./ipv4.js";

export const UDP_HEADER = 8;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** A view into the packet. */
  payload: Uint8Array;
}

export type UdpDrop = "short" | "length" | "checksum";

export function parseUdp(src: number, dst: number, b: Uint8Array): UdpDatagram | UdpDrop {
  if (b.length < UDP_HEADER) return "short";
  const length = (b[4] << 8) | b[5];
  if (length < UDP_HEADER || length > b.length) return "length";
  const datagram = b.subarray(0, length);
  const sum = (b[6] << 8) | b[7];
  // A zero checksum means the sender computed none (allowed over IPv4).
  if (sum !== 0 && internetChecksum(datagram, pseudoHeaderSum(src, dst, PROTO_UDP, length)) !== 0) return "checksum";
  return { srcPort: (b[0] << 8) | b[1], dstPort: (b[2] << 8) | b[3], payload: datagram.subarray(UDP_HEADER) };
}

export function buildUdp(src: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(UDP_HEADER + payload.length);
  b[0] = srcPort >> 8;
  b[1] = srcPort & 0xff;
  b[2] = dstPort >> 8;
  b[3] = dstPort & 0xff;
  b[4] = b.length >> 8;
  b[5] = b.length & 0xff;
  b.set(payload, UDP_HEADER);
  // 0 means "no checksum", so a computed 0 goes out as its other form, 0xffff.
  const sum = internetChecksum(b, pseudoHeaderSum(src, dst, PROTO_UDP, b.length)) || 0xffff;
  b[6] = sum >> 8;
  b[7] = sum & 0xff;
  return b;
}
