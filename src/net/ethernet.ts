// Ethernet II framing and MAC addresses. Frames carry no FCS here (virtio-net has none).

export const ETH_HEADER = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

export interface EthernetFrame {
  dst: Uint8Array;
  src: Uint8Array;
  type: number;
  payload: Uint8Array;
}

/** Views into `frame` (no copy); null when shorter than the header. */
export function parseEthernet(frame: Uint8Array): EthernetFrame | null {
  if (frame.length < ETH_HEADER) return null;
  return {
    dst: frame.subarray(0, 6),
    src: frame.subarray(6, 12),
    type: (frame[12] << 8) | frame[13],
    payload: frame.subarray(ETH_HEADER),
  };
}

export function buildEthernet(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(ETH_HEADER + payload.length);
  f.set(dst.subarray(0, 6), 0);
  f.set(src.subarray(0, 6), 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(payload, ETH_HEADER);
  return f;
}

export function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Group bit set: broadcast or multicast, never a host's own address. */
export function isMulticastMac(mac: Uint8Array): boolean {
  return (mac[0] & 1) === 1;
}

/** "52:54:00:12:34:56" → bytes; null unless six hex pairs. */
export function parseMac(text: string): Uint8Array | null {
  const parts = text.split(":");
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) return null;
  return Uint8Array.from(parts, (p) => Number.parseInt(p, 16));
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}
