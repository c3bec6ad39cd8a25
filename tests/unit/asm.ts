// A tiny RISC-V assembler for tests: encoders for the base formats and a few pseudo-ops.

export const reg = (n: number) => n & 31;
export const R = (op: number, f3: number, f7: number, rd: number, rs1: number, rs2: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
export const I = (op: number, f3: number, rd: number, rs1: number, imm: number) =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
export const S = (op: number, f3: number, rs1: number, rs2: number, imm: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0;
export const U = (op: number, rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | op) >>> 0;
export const J = (rd: number, off: number) =>
  ((((off >> 20) & 1) << 31) |
    (((off >> 1) & 0x3ff) << 21) |
    (((off >> 11) & 1) << 20) |
    (((off >> 12) & 0xff) << 12) |
    (rd << 7) |
    0x6f) >>>
  0;
/** B-type: a conditional branch (f3: 0 beq, 1 bne, 4 blt, 5 bge, 6 bltu, 7 bgeu) by `off` bytes. */
export const B = (f3: number, rs1: number, rs2: number, off: number) =>
  ((((off >> 12) & 1) << 31) |
    (((off >> 5) & 0x3f) << 25) |
    (rs2 << 20) |
    (rs1 << 15) |
    (f3 << 12) |
    (((off >> 1) & 0xf) << 8) |
    (((off >> 11) & 1) << 7) |
    0x63) >>>
  0;

export const addi = (rd: number, rs1: number, imm: number) => I(0x13, 0, rd, rs1, imm);
export const lui = (rd: number, imm20: number) => U(0x37, rd, imm20);
export const sw = (rs2: number, rs1: number, imm: number) => S(0x23, 2, rs1, rs2, imm);
export const sd = (rs2: number, rs1: number, imm: number) => S(0x23, 3, rs1, rs2, imm);
export const sb = (rs2: number, rs1: number, imm: number) => S(0x23, 0, rs1, rs2, imm);
export const ld = (rd: number, rs1: number, imm: number) => I(0x03, 3, rd, rs1, imm);
export const csrrw = (rd: number, csr: number, rs1: number) => I(0x73, 1, rd, rs1, csr);
export const csrrs = (rd: number, csr: number, rs1: number) => I(0x73, 2, rd, rs1, csr);
export const jal = (rd: number, off: number) => J(rd, off);
export const ecall = () => 0x00000073;
export const mret = () => 0x30200073;
export const wfi = () => 0x10500073;

/** li for a 32-bit signed value: lui + addi. */
export function li(rd: number, value: number): number[] {
  const lo = (value << 20) >> 20;
  const hi = ((value - lo) >>> 12) & 0xfffff;
  return hi === 0 ? [addi(rd, 0, lo)] : [lui(rd, hi), addi(rd, rd, lo)];
}
