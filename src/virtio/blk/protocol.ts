// virtio-blk wire format (virtio 1.2 §5.2): feature bits, request types, status codes and the
// config space layout.

export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_F_DISCARD = 13;
export const VIRTIO_BLK_F_WRITE_ZEROES = 14;

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;

export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

/** struct virtio_blk_outhdr: type u32, reserved u32, sector u64. */
export const REQUEST_HEADER_SIZE = 16;
/** struct virtio_blk_discard_write_zeroes: sector u64, num_sectors u32, flags u32. */
export const SEGMENT_SIZE = 16;
export const VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1;
export const SECTOR_SIZE = 512;
export const VIRTIO_BLK_ID_BYTES = 20;

/** Limits the device advertises (QEMU's choices: one segment per discard / write-zeroes). */
export const MAX_DISCARD_SECTORS = 0x40_0000; // 2 GiB per request
export const MAX_DISCARD_SEG = 1;
export const MAX_WRITE_ZEROES_SECTORS = 0x40_0000;
export const MAX_WRITE_ZEROES_SEG = 1;

export interface BlkConfigValues {
  capacitySectors: number;
  segMax: number;
  blkSize: number;
}

/** struct virtio_blk_config up to write_zeroes_may_unmap (offset 56), padded to 60 bytes. */
export function blkConfig(c: BlkConfigValues): Uint8Array {
  const b = new Uint8Array(60);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(c.capacitySectors), true);
  v.setUint32(8, 0, true); // size_max: not offered
  v.setUint32(12, c.segMax, true);
  v.setUint32(20, c.blkSize, true);
  v.setUint32(36, MAX_DISCARD_SECTORS, true);
  v.setUint32(40, MAX_DISCARD_SEG, true);
  v.setUint32(44, 1, true); // discard_sector_alignment, in sectors
  v.setUint32(48, MAX_WRITE_ZEROES_SECTORS, true);
  v.setUint32(52, MAX_WRITE_ZEROES_SEG, true);
  b[56] = 0; // write_zeroes_may_unmap: zeroes are written, never left as holes
  return b;
}
