// The RISC-V Linux `Image` format: a 64-byte header with the text offset and image size,
// and the magic "RSC\x05" at byte 56. Gzipped files are accepted and decompressed in memory.

import { gunzipSync } from "node:zlib";

export class ImageError extends Error {}

export interface LinuxImage {
  /** Offset from the start of RAM where the image must be loaded (2 MiB on RV64). */
  textOffset: number;
  /** Bytes the kernel occupies once running (including bss). */
  imageSize: number;
  bytes: Uint8Array;
}

/** Returns the file's bytes, gunzipped when they start with the gzip magic. */
export function maybeGunzip(file: Uint8Array, what: string): Uint8Array {
  if (file.length >= 2 && file[0] === 0x1f && file[1] === 0x8b) {
    try {
      return gunzipSync(file);
    } catch (e) {
      throw new ImageError(`${what}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return file;
}

export function isLinuxImage(bytes: Uint8Array): boolean {
  return bytes.length >= 64 && bytes[56] === 0x52 && bytes[57] === 0x53 && bytes[58] === 0x43 && bytes[59] === 0x05;
}

export function parseLinuxImage(bytes: Uint8Array): LinuxImage {
  if (!isLinuxImage(bytes)) throw new ImageError("not a RISC-V Linux Image (no RSC\\x05 magic at byte 56)");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const textOffset = Number(dv.getBigUint64(8, true));
  const imageSize = Number(dv.getBigUint64(16, true));
  if (textOffset % 4096 !== 0 || textOffset > 1 << 30)
    throw new ImageError(`implausible text offset 0x${textOffset.toString(16)}`);
  return { textOffset, imageSize: Math.max(imageSize, bytes.length), bytes };
}
