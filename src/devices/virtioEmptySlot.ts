// A virtio-mmio slot with no device behind it: it answers the magic value and version with
// device ID 0, which drivers take to mean "nothing here" (QEMU virt does the same).

import type { MmioDevice } from "./device.js";

export class VirtioEmptySlot implements MmioDevice {
  readonly name = "virtio-empty";
  readonly state = {};

  mmioRead(offset: number, size: number): number {
    if (size !== 4) return 0;
    if (offset === 0) return 0x74726976; // "virt"
    if (offset === 4) return 2;
    return 0;
  }

  mmioWrite(): void {}
}
