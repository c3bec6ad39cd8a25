// virtio-net wire format (virtio 1.2 §5.1): feature bits, the per-packet header and the
// config space layout.

export const VIRTIO_NET_F_CSUM = 0;
export const VIRTIO_NET_F_GUEST_CSUM = 1;
export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_MRG_RXBUF = 15;
export const VIRTIO_NET_F_STATUS = 16;

/** config.status bits. */
export const VIRTIO_NET_S_LINK_UP = 1;

/**
 * struct virtio_net_hdr: flags u8, gso_type u8, hdr_len u16, gso_size u16, csum_start u16,
 * csum_offset u16, num_buffers u16. num_buffers exists with VERSION_1 or MRG_RXBUF; a legacy
 * driver without either uses the first 10 bytes only.
 */
export const NET_HDR_SIZE = 12;
export const LEGACY_NET_HDR_SIZE = 10;
export const NUM_BUFFERS_OFFSET = 10;

/** Ethernet frames the device carries: a header at least, a 1500-byte payload at most (no VLAN tag). */
export const MIN_FRAME = 14;
export const MAX_FRAME = 1514;

/** QEMU's default MAC (52:54:00 is its locally administered prefix), so guests see a familiar one. */
export const DEFAULT_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);

/** struct virtio_net_config up to status (max_virtqueue_pairs and mtu need MQ / MTU, not offered). */
export function netConfig(mac: Uint8Array, status: number): Uint8Array {
  const b = new Uint8Array(8);
  b.set(mac.subarray(0, 6));
  b[6] = status & 0xff;
  b[7] = (status >> 8) & 0xff;
  return b;
}

/** A receive header: no offload flags, only num_buffers (meaningful with MRG_RXBUF, 1 otherwise). */
export function rxHeader(size: number, numBuffers: number): Uint8Array {
  const h = new Uint8Array(size);
  if (size >= NET_HDR_SIZE) {
    h[NUM_BUFFERS_OFFSET] = numBuffers & 0xff;
    h[NUM_BUFFERS_OFFSET + 1] = (numBuffers >> 8) & 0xff;
  }
  return h;
}
