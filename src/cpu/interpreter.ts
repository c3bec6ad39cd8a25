// The instruction interpreter: fetch, decode and execute of RV64IMAC + Zicsr + Zifencei.
// Registers are read as BigInt (64-bit work) or as 32-bit halves (W-ops, compares, addresses),
// whichever avoids converting. pc is a JavaScript number: every pc that can be fetched is a
// safe integer, and a jump to any other address faults at once with the full value in tval.

import { COMPRESSED } from "./compressed.js";
import { csrAccess } from "./csr.js";
import type { Hart } from "./hart.js";
import * as S from "./hartState.js";
import { executeAtomic } from "./atomic.js";
import { wideAddressFault } from "./address.js";
import { executeFp } from "./fpu/fpExecute.js";
import { HEAT_MASK } from "./jit/heat.js";
import {
  ACCESS_FAULT_CAUSE,
  ACCESS_FETCH,
  CAUSE_BREAKPOINT,
  CAUSE_ILLEGAL_INSTRUCTION,
  CAUSE_MACHINE_ECALL,
  CAUSE_SUPERVISOR_ECALL,
  CAUSE_USER_ECALL,
  PAGE_FAULT_CAUSE,
} from "./trap.js";

const TWO32 = 4294967296;
const U64 = (v: bigint) => BigInt.asUintN(64, v);
const MIN64 = -(1n << 63n);

function illegal(hart: Hart, bits: number): never {
  return hart.mmu.fault(CAUSE_ILLEGAL_INSTRUCTION, bits >>> 0);
}

/** Executes up to `budget` instructions; returns how many retired. Traps are thrown (TrapSignal). */
export function execute(hart: Hart, budget: number): number {
  const h = hart.hart;
  const x = h.x;
  const x32 = h.x32;
  const mmu = hart.mmu;
  const u16 = mmu.u16;
  // With translated blocks (jit/): a countdown per jump target, hashed by pc. Taken branches
  // and jumps count it down; at zero the target is hot (or already translated) and the
  // loop returns, for jit/run.ts to run the translation.
  const heat = hart.blocks?.heat ?? null;
  let pc = h.pc;
  // The page the last instruction came from: fetches within it skip translation.
  let fetchPage = NaN;
  let fetchHost = 0;
  let n = 0;
  try {
    loop: for (; n < budget; n++) {
      // ---- fetch
      let d = pc - fetchPage;
      let inst: number;
      if (d >= 0 && d < 4094) {
        inst = u16[(fetchHost + d) >>> 1];
        if ((inst & 3) === 3) inst |= u16[(fetchHost + d + 2) >>> 1] << 16;
      } else {
        inst = mmu.fetch16(pc);
        const off = mmu.offset(pc, ACCESS_FETCH);
        fetchPage = pc - (pc & 0xfff);
        fetchHost = off - (pc & 0xfff);
        d = pc & 0xfff;
        if ((inst & 3) === 3) inst |= (d < 4094 ? u16[(off + 2) >>> 1] : mmu.fetch16(pc + 2)) << 16;
      }
      let len = 4;
      const raw = inst;
      if ((inst & 3) !== 3) {
        const c = COMPRESSED[inst];
        if (c === 0) illegal(hart, raw);
        len = 2;
        inst = c;
      }
      const rd = (inst >> 7) & 31;
      const rdw = rd || 32;
      const rs1 = (inst >> 15) & 31;
      const rs2 = (inst >> 20) & 31;
      const f3 = (inst >> 12) & 7;
      switch (inst & 0x7f) {
        case 0x13: {
          // OP-IMM
          const imm = inst >> 20;
          switch (f3) {
            case 0:
              x[rdw] = x[rs1] + BigInt(imm);
              break;
            case 1:
              if (inst >>> 26 !== 0) illegal(hart, raw);
              shiftLeft(x32, rdw, rs1, imm & 63);
              break;
            case 2:
              setLess(x32, rdw, x32[2 * rs1 + 1], x32[2 * rs1], imm >> 31, imm, true);
              break;
            case 3:
              setLess(x32, rdw, x32[2 * rs1 + 1], x32[2 * rs1], imm >> 31, imm, false);
              break;
            case 4:
              x[rdw] = x[rs1] ^ BigInt(imm);
              break;
            case 5: {
              const top = inst >>> 26;
              if (top === 0) shiftRight(x32, rdw, rs1, imm & 63, false);
              else if (top === 0x10) shiftRight(x32, rdw, rs1, imm & 63, true);
              else illegal(hart, raw);
              break;
            }
            case 6:
              x[rdw] = x[rs1] | BigInt(imm);
              break;
            default:
              x[rdw] = x[rs1] & BigInt(imm);
          }
          pc += len;
          break;
        }
        case 0x33: {
          // OP
          const f7 = inst >>> 25;
          if (f7 === 0) {
            switch (f3) {
              case 0:
                x[rdw] = x[rs1] + x[rs2];
                break;
              case 1:
                shiftLeft(x32, rdw, rs1, x32[2 * rs2] & 63);
                break;
              case 2:
                setLess(x32, rdw, x32[2 * rs1 + 1], x32[2 * rs1], x32[2 * rs2 + 1], x32[2 * rs2], true);
                break;
              case 3:
                setLess(x32, rdw, x32[2 * rs1 + 1], x32[2 * rs1], x32[2 * rs2 + 1], x32[2 * rs2], false);
                break;
              case 4:
                x[rdw] = x[rs1] ^ x[rs2];
                break;
              case 5:
                shiftRight(x32, rdw, rs1, x32[2 * rs2] & 63, false);
                break;
              case 6:
                x[rdw] = x[rs1] | x[rs2];
                break;
              default:
                x[rdw] = x[rs1] & x[rs2];
            }
          } else if (f7 === 0x20 && (f3 === 0 || f3 === 5)) {
            if (f3 === 0) x[rdw] = x[rs1] - x[rs2];
            else shiftRight(x32, rdw, rs1, x32[2 * rs2] & 63, true);
          } else if (f7 === 1) {
            x[rdw] = mulDiv(f3, x[rs1], x[rs2]);
          } else illegal(hart, raw);
          pc += len;
          break;
        }
        case 0x03: {
          // LOAD
          const hi = x32[2 * rs1 + 1];
          const va = hi * TWO32 + (x32[2 * rs1] >>> 0) + (inst >> 20);
          if (hi > 0x1fffff || hi < -0x200000) wideAddressFault(hart, x[rs1], inst >> 20, 1);
          let v: number;
          switch (f3) {
            case 0:
              v = (mmu.loadU(va, 1) << 24) >> 24;
              break;
            case 1:
              v = (mmu.loadU(va, 2) << 16) >> 16;
              break;
            case 2:
              v = mmu.loadU(va, 4) | 0;
              break;
            case 3:
              x[rdw] = mmu.load64(va);
              pc += len;
              continue;
            case 4:
              v = mmu.loadU(va, 1);
              break;
            case 5:
              v = mmu.loadU(va, 2);
              break;
            case 6:
              x32[2 * rdw] = mmu.loadU(va, 4);
              x32[2 * rdw + 1] = 0;
              pc += len;
              continue;
            default:
              illegal(hart, raw);
          }
          x32[2 * rdw] = v;
          x32[2 * rdw + 1] = v >> 31;
          pc += len;
          break;
        }
        case 0x23: {
          // STORE
          const imm = ((inst >> 25) << 5) | ((inst >> 7) & 31);
          const hi = x32[2 * rs1 + 1];
          const va = hi * TWO32 + (x32[2 * rs1] >>> 0) + imm;
          if (hi > 0x1fffff || hi < -0x200000) wideAddressFault(hart, x[rs1], imm, 2);
          switch (f3) {
            case 0:
              mmu.store(va, 1, x32[2 * rs2]);
              break;
            case 1:
              mmu.store(va, 2, x32[2 * rs2]);
              break;
            case 2:
              mmu.store(va, 4, x32[2 * rs2]);
              break;
            case 3:
              mmu.store64(va, x[rs2]);
              break;
            default:
              illegal(hart, raw);
          }
          pc += len;
          break;
        }
        case 0x63: {
          // BRANCH
          const ah = x32[2 * rs1 + 1];
          const bh = x32[2 * rs2 + 1];
          const al = x32[2 * rs1];
          const bl = x32[2 * rs2];
          let taken: boolean;
          switch (f3) {
            case 0:
              taken = al === bl && ah === bh;
              break;
            case 1:
              taken = al !== bl || ah !== bh;
              break;
            case 4:
              taken = ah < bh || (ah === bh && al >>> 0 < bl >>> 0);
              break;
            case 5:
              taken = ah > bh || (ah === bh && al >>> 0 >= bl >>> 0);
              break;
            case 6:
              taken = ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 < bl >>> 0);
              break;
            case 7:
              taken = ah >>> 0 > bh >>> 0 || (ah === bh && al >>> 0 >= bl >>> 0);
              break;
            default:
              illegal(hart, raw);
          }
          if (taken) {
            pc +=
              ((inst >> 31) << 12) |
              (((inst >> 7) & 1) << 11) |
              (((inst >> 25) & 0x3f) << 5) |
              (((inst >> 8) & 0xf) << 1);
            if (heat !== null && --heat[(pc >>> 1) & HEAT_MASK] <= 0) {
              n++;
              break loop;
            }
          } else pc += len;
          break;
        }
        case 0x37: // LUI
          x32[2 * rdw] = inst & 0xfffff000;
          x32[2 * rdw + 1] = inst >> 31;
          pc += len;
          break;
        case 0x17: // AUIPC
          x[rdw] = BigInt(pc + (inst & 0xfffff000));
          pc += len;
          break;
        case 0x6f: {
          // JAL
          x[rdw] = BigInt(pc + len);
          pc +=
            ((inst >> 31) << 20) |
            (((inst >> 12) & 0xff) << 12) |
            (((inst >> 20) & 1) << 11) |
            (((inst >> 21) & 0x3ff) << 1);
          if (heat !== null && --heat[(pc >>> 1) & HEAT_MASK] <= 0) {
            n++;
            break loop;
          }
          break;
        }
        case 0x67: {
          // JALR
          if (f3 !== 0) illegal(hart, raw);
          const hi = x32[2 * rs1 + 1];
          const base = x[rs1];
          const t = hi * TWO32 + (x32[2 * rs1] >>> 0) + (inst >> 20);
          x[rdw] = BigInt(pc + len);
          if (hi > 0x1fffff || hi < -0x200000) {
            h.pc = pc; // the fault is the next fetch's; report the target as epc and tval
            const full = BigInt.asIntN(64, base + BigInt(inst >> 20)) & ~1n;
            wideFetchFault(hart, full);
          }
          pc = t - (t & 1 ? 1 : 0);
          if (heat !== null && --heat[(pc >>> 1) & HEAT_MASK] <= 0) {
            n++;
            break loop;
          }
          break;
        }
        case 0x1b: {
          // OP-IMM-32
          const a = x32[2 * rs1];
          let v: number;
          if (f3 === 0) v = (a + (inst >> 20)) | 0;
          else if (f3 === 1 && inst >>> 25 === 0) v = a << rs2;
          else if (f3 === 5 && inst >>> 25 === 0) v = (a >>> rs2) | 0;
          else if (f3 === 5 && inst >>> 25 === 0x20) v = a >> rs2;
          else illegal(hart, raw);
          x32[2 * rdw] = v;
          x32[2 * rdw + 1] = v >> 31;
          pc += len;
          break;
        }
        case 0x3b: {
          // OP-32
          const a = x32[2 * rs1];
          const b = x32[2 * rs2];
          const f7 = inst >>> 25;
          let v: number;
          if (f7 === 0 && f3 === 0) v = (a + b) | 0;
          else if (f7 === 0x20 && f3 === 0) v = (a - b) | 0;
          else if (f7 === 0 && f3 === 1) v = a << (b & 31);
          else if (f7 === 0 && f3 === 5) v = (a >>> (b & 31)) | 0;
          else if (f7 === 0x20 && f3 === 5) v = a >> (b & 31);
          else if (f7 === 1) v = mulDivW(f3, a, b, hart, raw);
          else illegal(hart, raw);
          x32[2 * rdw] = v;
          x32[2 * rdw + 1] = v >> 31;
          pc += len;
          break;
        }
        case 0x07: // LOAD-FP
        case 0x27: // STORE-FP
        case 0x43: // FMADD
        case 0x47: // FMSUB
        case 0x4b: // FNMSUB
        case 0x4f: // FNMADD
        case 0x53: // OP-FP
          executeFp(hart, inst, raw, rdw);
          pc += len;
          break;
        case 0x2f: // AMO
          executeAtomic(hart, inst, rdw, rs1, rs2, f3);
          pc += len;
          break;
        case 0x0f: // MISC-MEM: FENCE is a no-op; FENCE.I drops the translated blocks (jit/)
          if (f3 > 1) illegal(hart, raw);
          if (f3 === 1) hart.fenceI();
          pc += len;
          break;
        case 0x73: {
          // SYSTEM
          if (f3 === 0) {
            h.pc = pc;
            hart.localRetired = n;
            system(hart, inst, pc);
            pc = h.pc; // the instructions that end the slice set hart.stop: the check below returns
            break;
          }
          hart.localRetired = n;
          executeCsr(hart, inst, raw, rdw);
          pc += len;
          break;
        }
        default:
          illegal(hart, raw);
      }
      if (hart.stop) {
        n++;
        break;
      }
    }
  } catch (e) {
    // A trap: the run loop needs the trapping pc and how many instructions retired before it.
    h.pc = pc;
    hart.localRetired = n;
    throw e;
  }
  h.pc = pc;
  hart.localRetired = n;
  return n;
}

/**
 * A Zicsr instruction (SYSTEM with funct3 ≠ 0), its result into x[rdw] (32 for x0); the caller
 * has set hart.localRetired for counter reads. A write ends the slice (CsrContext.changed).
 */
export function executeCsr(hart: Hart, inst: number, raw: number, rdw: number): void {
  const f3 = (inst >> 12) & 7;
  const rs1 = (inst >> 15) & 31;
  if (f3 === 4) illegal(hart, raw);
  const write = f3 === 1 || f3 === 5 || rs1 !== 0;
  const operand = f3 >= 5 ? BigInt(rs1) : hart.hart.x[rs1];
  const old = csrAccess(hart, inst >>> 20, write, (o) =>
    (f3 & 3) === 1 ? operand : (f3 & 3) === 2 ? o | operand : o & ~operand,
  );
  if (old === null) illegal(hart, raw);
  hart.hart.x[rdw] = old;
}

// 64-bit shifts and compares on 32-bit halves: BigInt shifts and unsigned views allocate.

function shiftLeft(x32: Int32Array, rd: number, rs: number, s: number): void {
  const lo = x32[2 * rs];
  const hi = x32[2 * rs + 1];
  if (s === 0) {
    x32[2 * rd] = lo;
    x32[2 * rd + 1] = hi;
  } else if (s < 32) {
    x32[2 * rd] = lo << s;
    x32[2 * rd + 1] = (hi << s) | (lo >>> (32 - s));
  } else {
    x32[2 * rd] = 0;
    x32[2 * rd + 1] = lo << (s - 32);
  }
}

function shiftRight(x32: Int32Array, rd: number, rs: number, s: number, arithmetic: boolean): void {
  const lo = x32[2 * rs];
  const hi = x32[2 * rs + 1];
  if (s === 0) {
    x32[2 * rd] = lo;
    x32[2 * rd + 1] = hi;
  } else if (s < 32) {
    x32[2 * rd] = (lo >>> s) | (hi << (32 - s));
    x32[2 * rd + 1] = arithmetic ? hi >> s : hi >>> s;
  } else {
    x32[2 * rd] = arithmetic ? hi >> (s - 32) : hi >>> (s - 32);
    x32[2 * rd + 1] = arithmetic ? hi >> 31 : 0;
  }
}

function setLess(x32: Int32Array, rd: number, ah: number, al: number, bh: number, bl: number, signed: boolean): void {
  const less = signed
    ? ah < bh || (ah === bh && al >>> 0 < bl >>> 0)
    : ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 < bl >>> 0);
  x32[2 * rd] = less ? 1 : 0;
  x32[2 * rd + 1] = 0;
}

export function wideFetchFault(hart: Hart, target: bigint): never {
  // Report as if the jump had landed: epc and tval both hold the target.
  const h = hart.hart;
  const paged = h.i32[S.PRIV] !== S.PRIV_M && (h.s64[S.SATP] >> 60n) & 0xfn;
  hart.trap.epc = target;
  return hart.mmu.fault(
    paged ? PAGE_FAULT_CAUSE[ACCESS_FETCH] : ACCESS_FAULT_CAUSE[ACCESS_FETCH],
    paged ? target : U64(target),
  );
}

/** ecall, ebreak, mret, sret, wfi, sfence.vma. Sets h.pc to the next pc. */
function system(hart: Hart, inst: number, pc: number): void {
  const h = hart.hart;
  const priv = h.i32[S.PRIV];
  const mstatus = h.i32[S.MSTATUS];
  if (inst === 0x00000073) {
    if (priv === S.PRIV_S && hart.sbiExits) {
      hart.sbiExit();
      return;
    }
    hart.mmu.fault(
      priv === S.PRIV_U ? CAUSE_USER_ECALL : priv === S.PRIV_S ? CAUSE_SUPERVISOR_ECALL : CAUSE_MACHINE_ECALL,
      0,
    );
  }
  if (inst === 0x00100073) hart.mmu.fault(CAUSE_BREAKPOINT, pc);
  if (inst === 0x30200073) {
    if (!hart.trapReturn(true)) illegal(hart, inst);
    return;
  }
  if (inst === 0x10200073) {
    if (!hart.trapReturn(false)) illegal(hart, inst);
    return;
  }
  if (inst === 0x10500073) {
    // wfi: illegal in U-mode, and below M-mode when TW is set.
    if (priv === S.PRIV_U || (priv === S.PRIV_S && mstatus & (1 << 21))) illegal(hart, inst);
    h.i32[S.WFI] = 1;
    h.pc = pc + 4;
    hart.stop = true;
    return;
  }
  if ((inst & 0xfe007fff) === 0x12000073) {
    if (priv === S.PRIV_U || (priv === S.PRIV_S && mstatus & (1 << 20))) illegal(hart, inst);
    const rs1 = (inst >> 15) & 31;
    const rs2 = (inst >> 20) & 31;
    const vaddr = rs1 === 0 ? null : Number(h.x[rs1]);
    const asid = rs2 === 0 ? null : Number(h.x[rs2] & 0xffffn);
    hart.mmu.flush(vaddr, asid);
    h.pc = pc + 4;
    hart.stop = true;
    return;
  }
  illegal(hart, inst);
}

export function mulDiv(f3: number, a: bigint, b: bigint): bigint {
  switch (f3) {
    case 0:
      return a * b;
    case 1:
      return (a * b) >> 64n;
    case 2:
      return (a * U64(b)) >> 64n;
    case 3:
      return (U64(a) * U64(b)) >> 64n;
    case 4:
      if (b === 0n) return -1n;
      if (a === MIN64 && b === -1n) return a;
      return a / b;
    case 5:
      return b === 0n ? -1n : U64(a) / U64(b);
    case 6:
      if (b === 0n) return a;
      if (a === MIN64 && b === -1n) return 0n;
      return a % b;
    default:
      return b === 0n ? a : U64(a) % U64(b);
  }
}

export function mulDivW(f3: number, a: number, b: number, hart: Hart, inst: number): number {
  switch (f3) {
    case 0:
      return Math.imul(a, b);
    case 4:
      if (b === 0) return -1;
      if (a === -0x80000000 && b === -1) return a;
      return (a / b) | 0;
    case 5:
      return b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0;
    case 6:
      if (b === 0) return a;
      if (a === -0x80000000 && b === -1) return 0;
      return (a % b) | 0;
    case 7:
      return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
  }
  return illegal(hart, inst);
}
