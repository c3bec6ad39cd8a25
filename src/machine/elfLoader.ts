// ELF64 RISC-V loader: PT_LOAD segments at their physical addresses, the entry point, and
// the symbol table (for tohost/fromhost).

import type { VmMemory } from "./memory.js";

export class ElfError extends Error {}

const EM_RISCV = 243;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;

export interface ElfImage {
  entry: number;
  segments: { paddr: number; fileOffset: number; fileSize: number; memSize: number }[];
  symbols: Map<string, number>;
}

/** Whether the file starts with the ELF magic (it may still be a bad ELF). */
export function isElf(file: Uint8Array): boolean {
  return file.length >= 4 && file[0] === 0x7f && file[1] === 0x45 && file[2] === 0x4c && file[3] === 0x46;
}

/** Parses and checks an ELF file; throws ElfError with a one-line reason. */
export function parseElf(file: Uint8Array): ElfImage {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 64 || !isElf(file)) throw new ElfError("not an ELF file");
  if (file[4] !== 2) throw new ElfError("not a 64-bit ELF file");
  if (file[5] !== 1) throw new ElfError("not a little-endian ELF file");
  if (dv.getUint16(18, true) !== EM_RISCV) throw new ElfError("not a RISC-V ELF file");
  const u64 = (off: number) => {
    const v = dv.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError("ELF field out of range");
    return Number(v);
  };
  const entry = u64(24);
  const phoff = u64(32);
  const shoff = u64(40);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);
  if (phnum === 0) throw new ElfError("ELF file has no program headers");
  if (phentsize < 56 || phoff + phnum * phentsize > file.length)
    throw new ElfError("ELF program headers are truncated");
  const segments: ElfImage["segments"] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== PT_LOAD) continue;
    const seg = { fileOffset: u64(p + 8), paddr: u64(p + 24), fileSize: u64(p + 32), memSize: u64(p + 40) };
    if (seg.fileOffset + seg.fileSize > file.length) throw new ElfError("ELF segment extends past the end of the file");
    if (seg.fileSize > seg.memSize) throw new ElfError("ELF segment is larger in the file than in memory");
    segments.push(seg);
  }
  const symbols = new Map<string, number>();
  if (shoff !== 0 && shentsize >= 64 && shoff + shnum * shentsize <= file.length) {
    for (let i = 0; i < shnum; i++) {
      const s = shoff + i * shentsize;
      if (dv.getUint32(s + 4, true) !== SHT_SYMTAB) continue;
      const link = dv.getUint32(s + 40, true);
      if (link >= shnum) continue;
      const symOff = u64(s + 24);
      const symSize = u64(s + 32);
      const strOff = u64(shoff + link * shentsize + 24);
      const strSize = u64(shoff + link * shentsize + 32);
      if (symOff + symSize > file.length || strOff + strSize > file.length) continue;
      for (let e = symOff; e + 24 <= symOff + symSize; e += 24) {
        const nameOff = dv.getUint32(e, true);
        if (nameOff === 0 || nameOff >= strSize) continue;
        let end = strOff + nameOff;
        while (end < strOff + strSize && file[end] !== 0) end++;
        const name = new TextDecoder().decode(file.subarray(strOff + nameOff, end));
        symbols.set(name, Number(dv.getBigUint64(e + 8, true)));
      }
    }
  }
  return { entry, segments, symbols };
}

/** Throws ElfError unless every byte of every segment lies in guest RAM. */
export function checkElfInRam(image: ElfImage, mem: VmMemory): void {
  for (const seg of image.segments) {
    if (seg.memSize === 0 || mem.inRam(seg.paddr, seg.memSize)) continue;
    throw new ElfError(
      `ELF segment at 0x${seg.paddr.toString(16)} (${seg.memSize} bytes) is outside guest RAM ` +
        `0x${mem.ramBase.toString(16)}..0x${(mem.ramBase + mem.ramSize).toString(16)}`,
    );
  }
}

/** The guest-physical range [start, end) the segments occupy, or null when nothing loads. */
export function elfExtent(image: ElfImage): { start: number; end: number } | null {
  const loaded = image.segments.filter((s) => s.memSize > 0);
  if (loaded.length === 0) return null;
  return {
    start: Math.min(...loaded.map((s) => s.paddr)),
    end: Math.max(...loaded.map((s) => s.paddr + s.memSize)),
  };
}

/** Copies the segments into guest RAM; every byte must land in RAM. */
export function loadElf(file: Uint8Array, image: ElfImage, mem: VmMemory): void {
  checkElfInRam(image, mem);
  const ram = mem.ram();
  for (const seg of image.segments) {
    if (seg.memSize === 0) continue;
    const at = seg.paddr - mem.ramBase;
    ram.set(file.subarray(seg.fileOffset, seg.fileOffset + seg.fileSize), at);
    ram.fill(0, at + seg.fileSize, at + seg.memSize);
  }
}
