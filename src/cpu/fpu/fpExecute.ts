// The F and D instructions: loads and stores, arithmetic, fused multiply-add, conversions,
// moves, compares and classification, with NaN-boxing, fcsr and mstatus.FS.

import type { Hart } from "../hart.js";
import * as S from "../hartState.js";
import { effectiveAddress } from "../address.js";
import { ACCESS_LOAD, ACCESS_STORE, CAUSE_ILLEGAL_INSTRUCTION } from "../trap.js";
import * as SF from "./softfloat.js";
import { fastArith, fastExact, fastFma } from "./fastDouble.js";

const FS_MASK = 3 << 13;
const BOX = -0x100000000n; // the upper 32 bits all ones
const LOW32 = 0xffffffffn;

function illegal(hart: Hart, raw: number): never {
  return hart.mmu.fault(CAUSE_ILLEGAL_INSTRUCTION, raw >>> 0);
}

/** Reads f[r] as a value of the format: a single that is not NaN-boxed reads as the canonical NaN. */
function readF(s64: BigInt64Array, r: number, double: boolean): bigint {
  const v = s64[S.F + r];
  if (double) return BigInt.asUintN(64, v);
  return v >> 32n === -1n ? v & LOW32 : SF.F32.canonicalNaN;
}

function writeF(hart: Hart, r: number, bits: bigint, double: boolean): void {
  hart.hart.s64[S.F + r] = double ? bits : bits | BOX;
  hart.hart.i32[S.MSTATUS] |= FS_MASK;
}

function accrue(hart: Hart, flags: number): void {
  if (flags) {
    hart.hart.i32[S.FCSR] |= flags;
    hart.hart.i32[S.MSTATUS] |= FS_MASK;
  }
}

/** The rounding mode of an instruction: its rm field, or frm when rm = 7; reserved modes are illegal. */
function roundingMode(hart: Hart, raw: number, rm: number): number {
  const mode = rm === 7 ? (hart.hart.i32[S.FCSR] >> 5) & 7 : rm;
  if (mode > 4) illegal(hart, raw);
  return mode;
}

export function executeFp(hart: Hart, inst: number, raw: number, rdw: number): void {
  const h = hart.hart;
  if ((h.i32[S.MSTATUS] & FS_MASK) === 0) illegal(hart, raw);
  const op = inst & 0x7f;
  const rd = (inst >> 7) & 31;
  const rs1 = (inst >> 15) & 31;
  const rs2 = (inst >> 20) & 31;
  const f3 = (inst >> 12) & 7;
  const s64 = h.s64;
  if (op === 0x07) {
    if (f3 === 2) {
      const va = effectiveAddress(hart, rs1, inst >> 20, ACCESS_LOAD);
      writeF(hart, rd, BigInt(hart.mmu.loadU(va, 4)), false);
    } else if (f3 === 3) {
      const va = effectiveAddress(hart, rs1, inst >> 20, ACCESS_LOAD);
      writeF(hart, rd, hart.mmu.load64(va), true);
    } else illegal(hart, raw);
    return;
  }
  if (op === 0x27) {
    const imm = ((inst >> 25) << 5) | ((inst >> 7) & 31);
    if (f3 === 2) {
      const va = effectiveAddress(hart, rs1, imm, ACCESS_STORE);
      hart.mmu.store(va, 4, Number(s64[S.F + rs2] & LOW32) | 0);
    } else if (f3 === 3) {
      const va = effectiveAddress(hart, rs1, imm, ACCESS_STORE);
      hart.mmu.store64(va, s64[S.F + rs2]);
    } else illegal(hart, raw);
    return;
  }
  const fmt = (inst >>> 25) & 3;
  if (fmt > 1) illegal(hart, raw);
  const double = fmt === 1;
  const F = double ? SF.F64 : SF.F32;
  if (op !== 0x53) {
    // FMADD, FMSUB, FNMSUB, FNMADD: (±a·b) ± c
    const rm = roundingMode(hart, raw, f3);
    const negateProduct = op === 0x4b || op === 0x4f;
    const negateC = op === 0x47 || op === 0x4f;
    if (double && rm === SF.RNE) {
      const f64 = h.f64;
      const x = f64[S.F + rs1];
      const z = f64[S.F + (inst >>> 27)];
      const v = fastFma(negateProduct ? -x : x, f64[S.F + rs2], negateC ? -z : z);
      if (v !== null) {
        f64[S.F + rd] = v;
        h.i32[S.MSTATUS] |= FS_MASK;
        if (!fastExact) h.i32[S.FCSR] |= SF.NX;
        return;
      }
    }
    const a = readF(s64, rs1, double);
    const b = readF(s64, rs2, double);
    const c = readF(s64, inst >>> 27, double);
    const r = SF.fma(a, b, c, negateProduct, negateC, rm, F);
    writeF(hart, rd, r.bits, double);
    accrue(hart, r.flags);
    return;
  }
  const funct5 = inst >>> 27;
  const a = () => readF(s64, rs1, double);
  const b = () => readF(s64, rs2, double);
  let r: SF.Result;
  switch (funct5) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x03: {
      const rm = roundingMode(hart, raw, f3);
      if (double && rm === SF.RNE) {
        // The common case: host doubles, read and written through the Float64Array view.
        const v = fastArith(funct5, h.f64[S.F + rs1], h.f64[S.F + rs2]);
        if (v !== null) {
          h.f64[S.F + rd] = v;
          h.i32[S.MSTATUS] |= FS_MASK;
          if (!fastExact) h.i32[S.FCSR] |= SF.NX;
          return;
        }
      }
      r = arith(funct5, a(), b(), rm, F);
      break;
    }
    case 0x0b:
      if (rs2 !== 0) illegal(hart, raw);
      r = SF.sqrt(a(), roundingMode(hart, raw, f3), F);
      break;
    case 0x04: {
      if (f3 > 2) illegal(hart, raw);
      const x = a();
      const y = b();
      const signBit = double ? 1n << 63n : 1n << 31n;
      const sign = f3 === 0 ? y & signBit : f3 === 1 ? ~y & signBit : (x ^ y) & signBit;
      r = { bits: (x & ~signBit) | sign, flags: 0 };
      break;
    }
    case 0x05:
      if (f3 > 1) illegal(hart, raw);
      r = SF.minMax(a(), b(), f3 === 1, F);
      break;
    case 0x08: {
      // fcvt.s.d (fmt S, rs2 = 1) and fcvt.d.s (fmt D, rs2 = 0)
      if (rs2 !== (double ? 0 : 1)) illegal(hart, raw);
      const rm = roundingMode(hart, raw, f3);
      r = double
        ? SF.convert(readF(s64, rs1, false), SF.F32, SF.F64, rm)
        : SF.convert(readF(s64, rs1, true), SF.F64, SF.F32, rm);
      break;
    }
    case 0x14: {
      if (f3 > 2) illegal(hart, raw);
      const c = SF.compare(a(), b(), f3 === 2 ? "eq" : f3 === 1 ? "lt" : "le", F);
      h.x[rdw] = c.bits;
      accrue(hart, c.flags);
      return;
    }
    case 0x18: {
      // fcvt.{w,wu,l,lu}.fmt
      if (rs2 > 3) illegal(hart, raw);
      const rm = roundingMode(hart, raw, f3);
      const c = SF.toInt(a(), rs2 < 2 ? 32 : 64, (rs2 & 1) === 0, rm, F);
      h.x[rdw] = rs2 < 2 ? BigInt.asIntN(32, c.bits) : c.bits;
      accrue(hart, c.flags);
      return;
    }
    case 0x1a: {
      // fcvt.fmt.{w,wu,l,lu}
      if (rs2 > 3) illegal(hart, raw);
      const rm = roundingMode(hart, raw, f3);
      const v = h.x[rs1];
      const src =
        rs2 === 0 ? BigInt.asIntN(32, v) : rs2 === 1 ? BigInt.asUintN(32, v) : rs2 === 2 ? v : BigInt.asUintN(64, v);
      r = SF.fromInt(src, rm, F);
      break;
    }
    case 0x1c:
      if (rs2 !== 0) illegal(hart, raw);
      if (f3 === 0) {
        const v = s64[S.F + rs1];
        h.x[rdw] = double ? v : BigInt.asIntN(32, v);
      } else if (f3 === 1) h.x[rdw] = BigInt(SF.classify(a(), F));
      else illegal(hart, raw);
      return;
    case 0x1e:
      if (rs2 !== 0 || f3 !== 0) illegal(hart, raw);
      writeF(hart, rd, double ? h.x[rs1] : h.x[rs1] & LOW32, double);
      return;
    default:
      illegal(hart, raw);
  }
  writeF(hart, rd, r.bits, double);
  accrue(hart, r.flags);
}

function arith(funct5: number, x: bigint, y: bigint, rm: number, F: SF.Format): SF.Result {
  switch (funct5) {
    case 0:
      return SF.add(x, y, rm, F);
    case 1:
      return SF.add(x, y, rm, F, true);
    case 2:
      return SF.mul(x, y, rm, F);
    default:
      return SF.div(x, y, rm, F);
  }
}
