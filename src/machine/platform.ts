// The memory map, the same as QEMU virt (docs/design.md, "Platform").

export const PLATFORM = {
  syscon: { base: 0x0010_0000, size: 0x1000 },
  rtc: { base: 0x0010_1000, size: 0x1000, irq: 11 },
  clint: { base: 0x0200_0000, size: 0x1_0000 },
  plic: { base: 0x0c00_0000 },
  uart: { base: 0x1000_0000, size: 0x100, irq: 10 },
  virtio: { base: 0x1000_1000, stride: 0x1000, slots: 8, firstIrq: 1 },
  ram: { base: 0x8000_0000 },
} as const;
