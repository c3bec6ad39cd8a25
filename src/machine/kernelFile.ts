// What `--kernel` may be, as with QEMU's -kernel: a Linux Image, placed at RAM + its text
// offset and entered at its first byte, or an ELF, whose segments go to their physical
// addresses and which is entered at its entry point. Either way the hart (or the firmware's
// next stage) starts there in S-mode with a0 = hart ID and a1 = the device tree.

import { ElfError, checkElfInRam, elfExtent, isElf, loadElf, parseElf } from "./elfLoader.js";
import { parseLinuxImage } from "./linuxImage.js";
import type { VmMemory } from "./memory.js";

export interface KernelFile {
  /** The guest-physical range [start, end) it occupies once running (an Image's bss included). */
  start: number;
  end: number;
  entry: number;
  /** Copies it into guest RAM. */
  load(mem: VmMemory): void;
}

/** Checks the file against guest RAM; throws ElfError or ImageError with a one-line reason. */
export function parseKernel(bytes: Uint8Array, mem: VmMemory): KernelFile {
  if (!isElf(bytes)) {
    const image = parseLinuxImage(bytes);
    const start = mem.ramBase + image.textOffset;
    return {
      start,
      end: start + image.imageSize,
      entry: start,
      load: (m) => m.ram().set(image.bytes, start - m.ramBase),
    };
  }
  try {
    const image = parseElf(bytes);
    const extent = elfExtent(image);
    if (!extent) throw new ElfError("ELF file has no segment to load");
    checkElfInRam(image, mem);
    const entryLoaded = image.segments.some((s) => image.entry >= s.paddr && image.entry < s.paddr + s.memSize);
    if (!entryLoaded) throw new ElfError(`ELF entry point 0x${image.entry.toString(16)} is in no loaded segment`);
    return { ...extent, entry: image.entry, load: (m) => loadElf(bytes, image, m) };
  } catch (e) {
    if (e instanceof ElfError) throw new ElfError(`kernel: ${e.message}`);
    throw e;
  }
}
