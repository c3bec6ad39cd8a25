// ARP for IPv4 over Ethernet (RFC 826): the user network answers for the addresses it owns.

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
const ARP_SIZE = 28;

export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

function ip(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** Only Ethernet/IPv4 ARP; anything else is null. */
export function parseArp(b: Uint8Array): ArpPacket | null {
  if (b.length < ARP_SIZE) return null;
  const htype = (b[0] << 8) | b[1];
  const ptype = (b[2] << 8) | b[3];
  if (htype !== 1 || ptype !== 0x0800 || b[4] !== 6 || b[5] !== 4) return null;
  return {
    op: (b[6] << 8) | b[7],
    senderMac: b.slice(8, 14),
    senderIp: ip(b, 14),
    targetMac: b.slice(18, 24),
    targetIp: ip(b, 24),
  };
}

export function buildArp(p: ArpPacket): Uint8Array {
  const b = new Uint8Array(ARP_SIZE);
  b.set([0, 1, 0x08, 0x00, 6, 4, 0, p.op]);
  b.set(p.senderMac.subarray(0, 6), 8);
  b.set([p.senderIp >>> 24, (p.senderIp >>> 16) & 0xff, (p.senderIp >>> 8) & 0xff, p.senderIp & 0xff], 14);
  b.set(p.targetMac.subarray(0, 6), 18);
  b.set([p.targetIp >>> 24, (p.targetIp >>> 16) & 0xff, (p.targetIp >>> 8) & 0xff, p.targetIp & 0xff], 24);
  return b;
}

/** The reply to a request for `ownIp`, sent from `ownMac`; null if it is not such a request. */
export function arpReply(request: ArpPacket, ownIp: number, ownMac: Uint8Array): Uint8Array | null {
  if (request.op !== ARP_REQUEST || request.targetIp !== ownIp) return null;
  return buildArp({
    op: ARP_REPLY,
    senderMac: ownMac,
    senderIp: ownIp,
    targetMac: request.senderMac,
    targetIp: request.senderIp,
  });
}
