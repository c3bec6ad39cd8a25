// Builds small RISC-V ELF64 files for tests: one loadable segment at 0x80000000 (or `base`)
// holding the code, then an 8-byte `tohost` symbol at 0x80001000 (base + 0x1000).

export const CODE_BASE = 0x8000_0000;
export const TOHOST = 0x8000_1000;

export function buildElf(
  code: number[],
  options: { tohost?: boolean; machine?: number; base?: number; entry?: number } = {},
): Uint8Array {
  const withTohost = options.tohost ?? true;
  const base = options.base ?? CODE_BASE;
  const segOffset = 0x1000;
  const segSize = 0x1000 + 16;
  const strtab = new TextEncoder().encode("\0tohost\0");
  const symOffset = segOffset + segSize;
  const symSize = 2 * 24;
  const strOffset = symOffset + symSize;
  const shOffset = (strOffset + strtab.length + 7) & ~7;
  const total = shOffset + 3 * 64;
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, options.machine ?? 243, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(options.entry ?? base), true);
  dv.setBigUint64(32, 64n, true); // phoff
  dv.setBigUint64(40, BigInt(withTohost ? shOffset : 0), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, 1, true);
  dv.setUint16(58, 64, true);
  dv.setUint16(60, withTohost ? 3 : 0, true);
  // PT_LOAD
  dv.setUint32(64, 1, true);
  dv.setUint32(68, 7, true);
  dv.setBigUint64(72, BigInt(segOffset), true);
  dv.setBigUint64(80, BigInt(base), true);
  dv.setBigUint64(88, BigInt(base), true);
  dv.setBigUint64(96, BigInt(segSize), true);
  dv.setBigUint64(104, BigInt(segSize), true);
  code.forEach((w, i) => dv.setUint32(segOffset + 4 * i, w >>> 0, true));
  // symtab: null symbol, then tohost
  dv.setUint32(symOffset + 24, 1, true);
  buf[symOffset + 24 + 4] = 0x11; // STB_GLOBAL, STT_OBJECT
  dv.setBigUint64(symOffset + 24 + 8, BigInt(base + TOHOST - CODE_BASE), true);
  buf.set(strtab, strOffset);
  // section headers: null, .symtab (link 2), .strtab
  const sh = (i: number, type: number, off: number, size: number, link: number) => {
    const b = shOffset + 64 * i;
    dv.setUint32(b + 4, type, true);
    dv.setBigUint64(b + 24, BigInt(off), true);
    dv.setBigUint64(b + 32, BigInt(size), true);
    dv.setUint32(b + 40, link, true);
  };
  sh(1, 2, symOffset, symSize, 2);
  sh(2, 3, strOffset, strtab.length, 0);
  return buf;
}
