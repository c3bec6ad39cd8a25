// RVC: every 16-bit encoding expanded once, at load time, into the 32-bit instruction it
// stands for, so the interpreter decodes one format. 0 marks a reserved encoding.

const r = (rd: number, rs1: number, rs2: number, f3: number, f7: number, op: number) =>
  (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
const i = (rd: number, rs1: number, imm: number, f3: number, op: number) =>
  ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
const s = (rs1: number, rs2: number, imm: number, f3: number, op: number) =>
  (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op;
const b = (rs1: number, rs2: number, imm: number, f3: number) =>
  (((imm >> 12) & 1) << 31) |
  (((imm >> 5) & 0x3f) << 25) |
  (rs2 << 20) |
  (rs1 << 15) |
  (f3 << 12) |
  (((imm >> 1) & 0xf) << 8) |
  (((imm >> 11) & 1) << 7) |
  0x63;
const j = (rd: number, imm: number) =>
  (((imm >> 20) & 1) << 31) |
  (((imm >> 1) & 0x3ff) << 21) |
  (((imm >> 11) & 1) << 20) |
  (((imm >> 12) & 0xff) << 12) |
  (rd << 7) |
  0x6f;

const OP_LOAD = 0x03,
  OP_LOAD_FP = 0x07,
  OP_IMM = 0x13,
  OP_IMM32 = 0x1b,
  OP_STORE = 0x23;
const OP_STORE_FP = 0x27,
  OP = 0x33,
  OP32 = 0x3b,
  OP_LUI = 0x37,
  OP_JALR = 0x67;

const bit = (h: number, n: number) => (h >> n) & 1;
const bits = (h: number, hi: number, lo: number) => (h >> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, width: number) => (v << (32 - width)) >> (32 - width);

/** Expands one 16-bit parcel (low two bits ≠ 3) into its 32-bit equivalent, or 0 if reserved. */
export function expandCompressed(h: number): number {
  const f3 = h >> 13;
  const rdp = bits(h, 4, 2) + 8; // rd' / rs2'
  const rs1p = bits(h, 9, 7) + 8;
  const rd = bits(h, 11, 7);
  const rs2 = bits(h, 6, 2);
  const imm6 = sext((bit(h, 12) << 5) | rs2, 6);
  const uimmLd = (bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6); // C.LD, C.SD, C.FLD, C.FSD
  const uimmLw = (bits(h, 12, 10) << 3) | (bit(h, 6) << 2) | (bit(h, 5) << 6);
  switch (h & 3) {
    case 0:
      switch (f3) {
        case 0: {
          const nz = (bits(h, 10, 7) << 6) | (bits(h, 12, 11) << 4) | (bit(h, 5) << 3) | (bit(h, 6) << 2);
          return nz === 0 ? 0 : i(rdp, 2, nz, 0, OP_IMM);
        }
        case 1:
          return i(rdp, rs1p, uimmLd, 3, OP_LOAD_FP);
        case 2:
          return i(rdp, rs1p, uimmLw, 2, OP_LOAD);
        case 3:
          return i(rdp, rs1p, uimmLd, 3, OP_LOAD);
        case 5:
          return s(rs1p, rdp, uimmLd, 3, OP_STORE_FP);
        case 6:
          return s(rs1p, rdp, uimmLw, 2, OP_STORE);
        case 7:
          return s(rs1p, rdp, uimmLd, 3, OP_STORE);
      }
      return 0;
    case 1:
      switch (f3) {
        case 0:
          return i(rd, rd, imm6, 0, OP_IMM);
        case 1:
          return rd === 0 ? 0 : i(rd, rd, imm6, 0, OP_IMM32);
        case 2:
          return i(rd, 0, imm6, 0, OP_IMM);
        case 3: {
          if (rd === 2) {
            const nz = sext(
              (bit(h, 12) << 9) | (bit(h, 6) << 4) | (bit(h, 5) << 6) | (bits(h, 4, 3) << 7) | (bit(h, 2) << 5),
              10,
            );
            return nz === 0 ? 0 : i(2, 2, nz, 0, OP_IMM);
          }
          if (imm6 === 0) return 0;
          return ((imm6 << 12) & 0xfffff000) | (rd << 7) | OP_LUI;
        }
        case 4: {
          const shamt = (bit(h, 12) << 5) | rs2;
          switch (bits(h, 11, 10)) {
            case 0:
              return i(rs1p, rs1p, shamt, 5, OP_IMM);
            case 1:
              return i(rs1p, rs1p, shamt | 0x400, 5, OP_IMM);
            case 2:
              return i(rs1p, rs1p, imm6, 7, OP_IMM);
          }
          const f = bits(h, 6, 5);
          if (bit(h, 12) === 0) {
            const f3s = [0, 4, 6, 7][f];
            return r(rs1p, rs1p, rdp, f3s, f === 0 ? 0x20 : 0, OP);
          }
          if (f === 0) return r(rs1p, rs1p, rdp, 0, 0x20, OP32);
          if (f === 1) return r(rs1p, rs1p, rdp, 0, 0, OP32);
          return 0;
        }
        case 5: {
          const off = sext(
            (bit(h, 12) << 11) |
              (bit(h, 11) << 4) |
              (bits(h, 10, 9) << 8) |
              (bit(h, 8) << 10) |
              (bit(h, 7) << 6) |
              (bit(h, 6) << 7) |
              (bits(h, 5, 3) << 1) |
              (bit(h, 2) << 5),
            12,
          );
          return j(0, off);
        }
        default: {
          const off = sext(
            (bit(h, 12) << 8) | (bits(h, 11, 10) << 3) | (bits(h, 6, 5) << 6) | (bits(h, 4, 3) << 1) | (bit(h, 2) << 5),
            9,
          );
          return b(rs1p, 0, off, f3 === 6 ? 0 : 1);
        }
      }
    case 2:
      switch (f3) {
        case 0:
          return i(rd, rd, (bit(h, 12) << 5) | rs2, 1, OP_IMM);
        case 1:
          return i(rd, 2, (bit(h, 12) << 5) | (bits(h, 6, 5) << 3) | (bits(h, 4, 2) << 6), 3, OP_LOAD_FP);
        case 2:
          return rd === 0 ? 0 : i(rd, 2, (bit(h, 12) << 5) | (bits(h, 6, 4) << 2) | (bits(h, 3, 2) << 6), 2, OP_LOAD);
        case 3:
          return rd === 0 ? 0 : i(rd, 2, (bit(h, 12) << 5) | (bits(h, 6, 5) << 3) | (bits(h, 4, 2) << 6), 3, OP_LOAD);
        case 4:
          if (bit(h, 12) === 0) {
            if (rs2 === 0) return rd === 0 ? 0 : i(0, rd, 0, 0, OP_JALR);
            return r(rd, 0, rs2, 0, 0, OP);
          }
          if (rs2 === 0) return rd === 0 ? 0x00100073 : i(1, rd, 0, 0, OP_JALR);
          return r(rd, rd, rs2, 0, 0, OP);
        case 5:
          return s(2, rs2, (bits(h, 12, 10) << 3) | (bits(h, 9, 7) << 6), 3, OP_STORE_FP);
        case 6:
          return s(2, rs2, (bits(h, 12, 9) << 2) | (bits(h, 8, 7) << 6), 2, OP_STORE);
        case 7:
          return s(2, rs2, (bits(h, 12, 10) << 3) | (bits(h, 9, 7) << 6), 3, OP_STORE);
      }
  }
  return 0;
}

/** The expansion of every 16-bit parcel, indexed by the parcel. */
export const COMPRESSED = (() => {
  const table = new Int32Array(65536);
  for (let h = 0; h < 65536; h++) if ((h & 3) !== 3) table[h] = expandCompressed(h);
  return table;
})();
