// Where the kernel, initrd, device tree and firmware go in guest RAM (QEMU virt's habits).

export interface BootLayout {
  kernel: number;
  initrd: { start: number; end: number } | null;
  dtb: number;
  /** fw_dynamic_info, full mode only. */
  fwInfo: number;
}

const MiB = 1024 * 1024;

export class LayoutError extends Error {}

export function planBoot(
  ramBase: number,
  ramSize: number,
  kernelOffset: number,
  kernelSize: number,
  initrdSize: number,
  dtbSize: number,
): BootLayout {
  const ramEnd = ramBase + ramSize;
  // The device tree at the top of RAM, 2 MiB aligned below the end like QEMU; the
  // fw_dynamic_info record just below it.
  const dtb = Math.floor((ramEnd - dtbSize - 64) / (2 * MiB)) * 2 * MiB;
  const fwInfo = dtb - 64;
  const kernel = ramBase + kernelOffset;
  const kernelEnd = kernel + kernelSize;
  if (kernelEnd > fwInfo)
    throw new LayoutError(
      `the kernel (${kernelSize} bytes at 0x${kernel.toString(16)}) reaches into the device tree ` +
        `at 0x${fwInfo.toString(16)} near the top of RAM; give more --memory`,
    );
  let initrd: BootLayout["initrd"] = null;
  if (initrdSize > 0) {
    const start = Math.max(Math.ceil(kernelEnd / (2 * MiB)) * 2 * MiB, kernel + Math.min(ramSize / 2, 128 * MiB));
    const placed = start + initrdSize <= fwInfo ? start : Math.ceil(kernelEnd / 4096) * 4096;
    if (placed + initrdSize > fwInfo)
      throw new LayoutError(`the initrd (${initrdSize} bytes) does not fit in RAM; give more --memory`);
    initrd = { start: placed, end: placed + initrdSize };
  }
  return { kernel, initrd, dtb, fwInfo };
}
