// What translated blocks call out to: memory accesses that miss the inline TLB probe (a TLB
// refill, a page-crossing access, MMIO), jumps to unreachable addresses, and the FP, atomic
// and CSR instructions, which run the interpreter's own code. Each may throw a trap; `exit.n` tells
// the run loop which instruction of the block it was.

import { executeAtomic } from "../atomic.js";
import { wideAddressFault } from "../address.js";
import { executeFp } from "../fpu/fpExecute.js";
import type { Hart } from "../hart.js";
import * as S from "../hartState.js";
import { executeCsr, wideFetchFault } from "../interpreter.js";
import { ACCESS_LOAD, ACCESS_STORE } from "../trap.js";

/** Trap bookkeeping shared with the run loop: the block's instruction that called out. */
export interface BlockExit {
  /** Its index in the block: instructions of the block retired before it. */
  n: number;
  /** Its byte offset from the block's start. */
  off: number;
  /**
   * Instructions the run loop retired in this slice and has not added to INSTRET, before the
   * dispatch: with JIT_DONE and n, what a CSR read of instret or cycle counts.
   */
  base: number;
}

const TWO32 = 4294967296;

const full = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo >>> 0);

/** The functions a block module imports, bound to one hart. */
export function slowPaths(hart: Hart, exit: BlockExit) {
  const h = hart.hart;
  const i32 = h.i32;
  const s64 = h.s64;
  const mmu = hart.mmu;
  const lo32 = 2 * S.JIT_SCRATCH;
  const done = () => {
    i32[S.JIT_STOP] = hart.stop ? 1 : 0;
  };
  const address = (hi: number, lo: number, access: number) => {
    if (hi > 0x1fffff || hi < -0x200000) wideAddressFault(hart, full(hi, lo), 0, access);
    return hi * TWO32 + (lo >>> 0);
  };
  return {
    ld(k: number, hi: number, lo: number, f3: number): void {
      exit.n = k & 0xff;
      exit.off = k >> 8;
      const va = address(hi, lo, ACCESS_LOAD);
      let v: number;
      if (f3 === 3) {
        s64[S.JIT_SCRATCH] = mmu.load64(va);
        return done();
      }
      if (f3 === 0) v = (mmu.loadU(va, 1) << 24) >> 24;
      else if (f3 === 1) v = (mmu.loadU(va, 2) << 16) >> 16;
      else if (f3 === 2) v = mmu.loadU(va, 4) | 0;
      else v = mmu.loadU(va, 1 << (f3 & 3));
      i32[lo32] = v;
      i32[lo32 + 1] = f3 < 4 ? v >> 31 : 0;
      done();
    },
    st(k: number, hi: number, lo: number, f3: number, vhi: number, vlo: number): void {
      exit.n = k & 0xff;
      exit.off = k >> 8;
      const va = address(hi, lo, ACCESS_STORE);
      if (f3 === 3) mmu.store64(va, BigInt.asIntN(64, full(vhi, vlo)));
      else mmu.store(va, 1 << f3, vlo);
      done();
    },
    wj(k: number, hi: number, lo: number): void {
      exit.n = k & 0xff;
      exit.off = k >> 8;
      wideFetchFault(hart, BigInt.asIntN(64, full(hi, lo)));
    },
    one(k: number, inst: number, raw: number, rdw: number): void {
      exit.n = k & 0xff;
      exit.off = k >> 8;
      const op = inst & 0x7f;
      if (op === 0x2f) executeAtomic(hart, inst, rdw, (inst >> 15) & 31, (inst >> 20) & 31, (inst >> 12) & 7);
      else if (op === 0x73) {
        hart.localRetired = exit.base + i32[S.JIT_DONE] + exit.n;
        executeCsr(hart, inst, raw >>> 0, rdw);
      } else executeFp(hart, inst, raw >>> 0, rdw);
      done();
    },
  };
}
