// The virtio-vsock packet header (virtio 1.2 §5.10.6): 44 little-endian bytes in front of
// every packet on the rx and tx queues.

export const HEADER_SIZE = 44;

/** Well-known CIDs: the host is always 2; a guest's CID is 3 or more. */
export const HOST_CID = 2;
export const MIN_GUEST_CID = 3;
/** CIDs are 32-bit in practice (struct sockaddr_vm); the header field is 64-bit. */
export const MAX_GUEST_CID = 0xffff_fffe;

export const TYPE_STREAM = 1;

export const OP_REQUEST = 1;
export const OP_RESPONSE = 2;
export const OP_RST = 3;
export const OP_SHUTDOWN = 4;
export const OP_RW = 5;
export const OP_CREDIT_UPDATE = 6;
export const OP_CREDIT_REQUEST = 7;

/** SHUTDOWN flags: the sender will receive no more (RCV) / send no more (SEND). */
export const SHUTDOWN_RCV = 1;
export const SHUTDOWN_SEND = 2;
export const SHUTDOWN_BOTH = SHUTDOWN_RCV | SHUTDOWN_SEND;

/** The largest payload Linux puts in one packet; we send no more either. */
export const MAX_PACKET_PAYLOAD = 64 * 1024;

export const OP_NAMES: Record<number, string> = {
  [OP_REQUEST]: "REQUEST",
  [OP_RESPONSE]: "RESPONSE",
  [OP_RST]: "RST",
  [OP_SHUTDOWN]: "SHUTDOWN",
  [OP_RW]: "RW",
  [OP_CREDIT_UPDATE]: "CREDIT_UPDATE",
  [OP_CREDIT_REQUEST]: "CREDIT_REQUEST",
};

export interface VsockHeader {
  /** CIDs as bigint: the field is 64-bit and a hostile guest may fill all of it. */
  srcCid: bigint;
  dstCid: bigint;
  srcPort: number;
  dstPort: number;
  len: number;
  type: number;
  op: number;
  flags: number;
  bufAlloc: number;
  fwdCnt: number;
}

export function encodeHeader(h: VsockHeader, out = new Uint8Array(HEADER_SIZE), at = 0): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset + at, HEADER_SIZE);
  v.setBigUint64(0, BigInt.asUintN(64, h.srcCid), true);
  v.setBigUint64(8, BigInt.asUintN(64, h.dstCid), true);
  v.setUint32(16, h.srcPort >>> 0, true);
  v.setUint32(20, h.dstPort >>> 0, true);
  v.setUint32(24, h.len >>> 0, true);
  v.setUint16(28, h.type & 0xffff, true);
  v.setUint16(30, h.op & 0xffff, true);
  v.setUint32(32, h.flags >>> 0, true);
  v.setUint32(36, h.bufAlloc >>> 0, true);
  v.setUint32(40, h.fwdCnt >>> 0, true);
  return out;
}

/** Reads a header from the first 44 bytes of `b`; null when `b` is shorter. */
export function decodeHeader(b: Uint8Array): VsockHeader | null {
  if (b.length < HEADER_SIZE) return null;
  const v = new DataView(b.buffer, b.byteOffset, HEADER_SIZE);
  return {
    srcCid: v.getBigUint64(0, true),
    dstCid: v.getBigUint64(8, true),
    srcPort: v.getUint32(16, true),
    dstPort: v.getUint32(20, true),
    len: v.getUint32(24, true),
    type: v.getUint16(28, true),
    op: v.getUint16(30, true),
    flags: v.getUint32(32, true),
    bufAlloc: v.getUint32(36, true),
    fwdCnt: v.getUint32(40, true),
  };
}

/** struct virtio_vsock_config: guest_cid le64. */
export function vsockConfig(guestCid: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(guestCid), true);
  return b;
}
