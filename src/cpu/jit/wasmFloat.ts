// The common F and D instructions inline in a translated block: loads, stores and moves of
// FP registers, double compares of numbers, sign injection, and conversions from integers
// that are exact. Each runs inline only when mstatus.FS is on and its operands need none of
// the flags or roundings the interpreter's code handles (NaN compares, inexact conversions,
// reserved rounding modes, TLB misses); otherwise the block calls out to that code (fpExecute.ts),
// so the result, the flags and any trap are the interpreter's by construction. Busybox's
// number formatting runs about a dozen of these per line of `seq`, each a call out before.
//
// The FP registers stay in the hart's block of memory: the block reads and writes them there.

import * as S from "../hartState.js";
import { Op, Type, type WasmCode } from "./wasmCode.js";

/** What the float translation uses of the block writer (wasmTranslate.ts). */
export interface FloatEmitter {
  readonly c: WasmCode;
  /** Buffer offset of the hart's block. */
  readonly state: number;
  /** The effective address rs1 + imm into the address local. */
  address(rs1: number, imm: number): void;
  /** Pushes i32: the access of `size` bytes at the address hits the TLB set of `setSlot`. */
  probe(setSlot: number, size: number): void;
  /** Pushes the buffer address of the probed access. */
  hostAddress(): void;
  /** Pushes x[r] as an i64. */
  read(r: number): void;
  /** Pops an i64 into x[rd]. */
  writeRd(rd: number): void;
  /** Instruction i through the interpreter's code (may end the block). */
  callOut(i: number): void;
}

const FS_MASK = 3 << 13;
const BOX = -0x100000000n; // a single's upper 32 bits: all ones
const SIGN = -(2n ** 63n);
const MSTATUS_ADDR = 4 * S.MSTATUS;
const FCSR_ADDR = 4 * S.FCSR;
const TWO53 = 2 ** 53;

/** Instruction i inline where it has a fast form; false when the caller must call out. */
export function translateFloat(w: FloatEmitter, i: number, inst: number): boolean {
  const c = w.c;
  const op = inst & 0x7f;
  const rd = (inst >> 7) & 31;
  const rs1 = (inst >> 15) & 31;
  const rs2 = (inst >> 20) & 31;
  const f3 = (inst >> 12) & 7;
  const fAddr = (r: number) => w.state + 8 * (S.F + r);
  const loadF = (r: number, as: Op) => c.i32(0).mem(as, fAddr(r));
  /**
   * if (FS on && condition) fast else the interpreter's code. The call out is emitted first: the
   * registers it stores back must not include a destination the fast form writes.
   */
  const guarded = (condition: (() => void) | null, fast: () => void) => {
    c.i32(0)
      .mem(Op.I32Load, w.state + MSTATUS_ADDR)
      .i32(FS_MASK)
      .op(Op.I32And);
    if (condition) {
      c.i32(0).op(Op.I32Ne);
      condition();
      c.op(Op.I32And);
    }
    c.op(Op.I32Eqz).open(Op.If, Type.Void);
    w.callOut(i);
    c.op(Op.Else);
    fast();
    c.end();
  };
  /** Writes to an FP register make its state dirty. */
  const dirty = () =>
    c
      .i32(0)
      .i32(0)
      .mem(Op.I32Load, w.state + MSTATUS_ADDR)
      .i32(FS_MASK)
      .op(Op.I32Or)
      .mem(Op.I32Store, w.state + MSTATUS_ADDR);

  if (op === 0x07 || op === 0x27) {
    if (f3 !== 2 && f3 !== 3) return false;
    const size = f3 === 3 ? 8 : 4;
    const load = op === 0x07;
    const imm = load ? inst >> 20 : ((inst >> 25) << 5) | ((inst >> 7) & 31);
    w.address(rs1, imm);
    guarded(
      () => w.probe(load ? S.TLB_LOAD_SET : S.TLB_STORE_SET, size),
      () => {
        if (load) {
          c.i32(0);
          w.hostAddress();
          if (size === 8) c.mem(Op.I64Load, 0);
          else c.mem(Op.I64Load32U, 0).i64(BOX).op(Op.I64Or);
          c.mem(Op.I64Store, fAddr(rd));
          dirty();
        } else {
          w.hostAddress();
          loadF(rs2, Op.I64Load);
          c.mem(size === 8 ? Op.I64Store : Op.I64Store32, 0);
        }
      },
    );
    return true;
  }
  if (op !== 0x53) return false;
  const funct5 = inst >>> 27;
  const fmt = (inst >>> 25) & 3;
  if (fmt > 1) return false;
  const double = fmt === 1;
  switch (funct5) {
    case 0x1c: // fmv.x.{w,d}
      if (rs2 !== 0 || f3 !== 0) return false;
      guarded(null, () => {
        loadF(rs1, double ? Op.I64Load : Op.I64Load32S);
        w.writeRd(rd);
      });
      return true;
    case 0x1e: // fmv.{w,d}.x
      if (rs2 !== 0 || f3 !== 0) return false;
      guarded(null, () => {
        c.i32(0);
        w.read(rs1);
        if (!double) c.i64(BOX).op(Op.I64Or);
        c.mem(Op.I64Store, fAddr(rd));
        dirty();
      });
      return true;
    case 0x04: // fsgnj.d, fsgnjn.d, fsgnjx.d
      if (!double || f3 > 2) return false;
      guarded(null, () => {
        c.i32(0);
        if (f3 === 2) {
          loadF(rs1, Op.I64Load);
          loadF(rs2, Op.I64Load).i64(SIGN).op(Op.I64And).op(Op.I64Xor);
        } else {
          loadF(rs1, Op.I64Load).i64(~SIGN).op(Op.I64And);
          loadF(rs2, Op.I64Load);
          if (f3 === 1) c.i64(-1).op(Op.I64Xor);
          c.i64(SIGN).op(Op.I64And).op(Op.I64Or);
        }
        c.mem(Op.I64Store, fAddr(rd));
        dirty();
      });
      return true;
    case 0x14: // fle.d, flt.d, feq.d of two numbers: no flags
      if (!double || f3 > 2) return false;
      guarded(
        () => {
          loadF(rs1, Op.F64Load);
          loadF(rs1, Op.F64Load).op(Op.F64Eq);
          loadF(rs2, Op.F64Load);
          loadF(rs2, Op.F64Load).op(Op.F64Eq).op(Op.I32And);
        },
        () => {
          loadF(rs1, Op.F64Load);
          loadF(rs2, Op.F64Load).op([Op.F64Le, Op.F64Lt, Op.F64Eq][f3]).op(Op.I64ExtendI32U);
          w.writeRd(rd);
        },
      );
      return true;
    case 0x1a: {
      // fcvt.d.{w,wu,l,lu}: exact when the value has at most 53 significant bits
      if (!double || rs2 > 3 || f3 === 5 || f3 === 6) return false;
      const wide = rs2 >= 2;
      const signed = (rs2 & 1) === 0;
      // A dynamic rounding mode must name a valid one (rm = 7 with frm > 4 is illegal).
      const dynamic = f3 === 7;
      const condition = () => {
        if (dynamic)
          c.i32(0)
            .mem(Op.I32Load, w.state + FCSR_ADDR)
            .i32(5)
            .op(Op.I32ShrU)
            .i32(7)
            .op(Op.I32And)
            .i32(5)
            .op(Op.I32LtU);
        if (wide) {
          w.read(rs1);
          if (signed)
            c.i64(TWO53)
              .op(Op.I64Add)
              .i64(2 * TWO53)
              .op(Op.I64LeU);
          else c.i64(TWO53).op(Op.I64LeU);
          if (dynamic) c.op(Op.I32And);
        }
      };
      guarded(dynamic || wide ? condition : null, () => {
        c.i32(0);
        w.read(rs1);
        if (wide) c.op(signed ? Op.F64ConvertI64S : Op.F64ConvertI64U);
        else c.op(Op.I32WrapI64).op(signed ? Op.F64ConvertI32S : Op.F64ConvertI32U);
        c.mem(Op.F64Store, fAddr(rd));
        dirty();
      });
      return true;
    }
  }
  return false;
}
