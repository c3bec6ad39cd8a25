// How virtio code sees guest RAM: only through views that the memory hands out after checking
// the whole range lies inside RAM. A guest-physical address that is not RAM (a hole, an MMIO
// window, past the end) gives null, so a device never reads or writes outside the guest's RAM
// and never reaches another device through a descriptor.

export interface GuestMemory {
  /** A view of [addr, addr + length) of guest-physical RAM, or null if any byte is outside RAM. */
  ram(addr: number, length: number): Uint8Array | null;
}

const TWO_32 = 0x1_0000_0000;

/**
 * A 64-bit guest value given as two 32-bit halves, as a JS number; null when it is not a safe
 * integer (above 2^53), which no RAM address is, so callers treat null as "outside RAM".
 */
export function join64(lo: number, hi: number): number | null {
  const h = hi >>> 0;
  if (h >= 0x20_0000) return null;
  return h * TWO_32 + (lo >>> 0);
}

/** RAM as one byte array at a base address: the tests' guest, or any host without a VmMemory. */
export class ArrayGuestMemory implements GuestMemory {
  constructor(
    readonly base: number,
    readonly bytes: Uint8Array,
  ) {}

  ram(addr: number, length: number): Uint8Array | null {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(length) || length < 0) return null;
    const off = addr - this.base;
    if (off < 0 || off + length > this.bytes.length) return null;
    return this.bytes.subarray(off, off + length);
  }
}
