// TCP segments (RFC 793/9293): parse with the pseudo-header checksum, build, and the RST that
// answers a segment for no connection. Sequence numbers compare modulo 2^32.

import { internetChecksum, pseudoHeaderSum, PROTO_TCP } from "./ipv4.js";

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const TCP_HEADER = 20;
const OPT_END = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** The MSS option (SYN segments), or null. */
  mss: number | null;
  /** A view into the packet. */
  payload: Uint8Array;
}

export type TcpDrop = "short" | "length" | "checksum";

export function parseTcp(src: number, dst: number, b: Uint8Array): TcpSegment | TcpDrop {
  if (b.length < TCP_HEADER) return "short";
  const offset = (b[12] >> 4) * 4;
  if (offset < TCP_HEADER || offset > b.length) return "length";
  if (internetChecksum(b, pseudoHeaderSum(src, dst, PROTO_TCP, b.length)) !== 0) return "checksum";
  let mss: number | null = null;
  for (let i = TCP_HEADER; i < offset;) {
    const kind = b[i];
    if (kind === OPT_END) break;
    if (kind === OPT_NOP) {
      i++;
      continue;
    }
    const len = i + 1 < offset ? b[i + 1] : 0;
    if (len < 2 || i + len > offset) break; // malformed options: ignore the rest
    if (kind === OPT_MSS && len === 4) mss = (b[i + 2] << 8) | b[i + 3];
    i += len;
  }
  return {
    srcPort: (b[0] << 8) | b[1],
    dstPort: (b[2] << 8) | b[3],
    seq: readU32(b, 4),
    ack: readU32(b, 8),
    flags: b[13],
    window: (b[14] << 8) | b[15],
    mss,
    payload: b.subarray(offset),
  };
}

export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  mss?: number;
}

export function buildTcp(src: number, dst: number, f: TcpFields, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const header = TCP_HEADER + (f.mss !== undefined ? 4 : 0);
  const b = new Uint8Array(header + payload.length);
  b[0] = f.srcPort >> 8;
  b[1] = f.srcPort & 0xff;
  b[2] = f.dstPort >> 8;
  b[3] = f.dstPort & 0xff;
  writeU32(b, 4, f.seq);
  writeU32(b, 8, f.ack);
  b[12] = (header / 4) << 4;
  b[13] = f.flags;
  b[14] = (f.window >> 8) & 0xff;
  b[15] = f.window & 0xff;
  if (f.mss !== undefined) b.set([OPT_MSS, 4, f.mss >> 8, f.mss & 0xff], TCP_HEADER);
  b.set(payload, header);
  const sum = internetChecksum(b, pseudoHeaderSum(src, dst, PROTO_TCP, b.length));
  b[16] = sum >> 8;
  b[17] = sum & 0xff;
  return b;
}

/** The sequence space a segment occupies: its data, plus one each for SYN and FIN. */
export function segmentLength(s: TcpSegment): number {
  return s.payload.length + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0);
}

/** The RST for a segment that belongs to no connection (RFC 9293 §3.10.7.1); none for a RST. */
export function resetFor(s: TcpSegment): TcpFields | null {
  if (s.flags & RST) return null;
  if (s.flags & ACK) return { srcPort: s.dstPort, dstPort: s.srcPort, seq: s.ack, ack: 0, flags: RST, window: 0 };
  return {
    srcPort: s.dstPort,
    dstPort: s.srcPort,
    seq: 0,
    ack: seqAdd(s.seq, segmentLength(s)),
    flags: RST | ACK,
    window: 0,
  };
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** a − b as a signed 32-bit distance. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
