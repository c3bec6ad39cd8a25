// The control and status registers: access rules (privilege, read-only, counter enables,
// TVM), WARL masks, and the views (sstatus, sip, sie) onto the machine-level registers.

import * as S from "./hartState.js";
import {
  MSTATUS_FS,
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPRV,
  MSTATUS_MXR,
  MSTATUS_SIE,
  MSTATUS_SPIE,
  MSTATUS_SPP,
  MSTATUS_SUM,
  MSTATUS_TSR,
  MSTATUS_TVM,
  MSTATUS_TW,
} from "./hartState.js";
import type { HartState } from "./hartState.js";
import type { Mmu } from "./mmu.js";

/** misa: RV64 with A, C, D, F, I, M, S and U. */
export const MISA =
  (2n << 62n) |
  (1n << 0n) |
  (1n << 2n) |
  (1n << 3n) |
  (1n << 5n) |
  (1n << 8n) |
  (1n << 12n) |
  (1n << 18n) |
  (1n << 20n);

const MSTATUS_WRITABLE =
  MSTATUS_SIE |
  MSTATUS_MIE |
  MSTATUS_SPIE |
  MSTATUS_MPIE |
  MSTATUS_SPP |
  MSTATUS_MPP |
  MSTATUS_FS |
  MSTATUS_MPRV |
  MSTATUS_SUM |
  MSTATUS_MXR |
  MSTATUS_TVM |
  MSTATUS_TW |
  MSTATUS_TSR;
const SSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR;
/** Bits of mstatus that change how addresses translate: a write to them flushes the TLB. */
const MSTATUS_MMU = MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM | MSTATUS_MXR;
/** UXL = SXL = 2 (64-bit), read-only. */
const MSTATUS_HIGH = (2n << 32n) | (2n << 34n);
const SSTATUS_HIGH = 2n << 32n;

/** Supervisor-level interrupt bits: SSIP, STIP, SEIP. */
export const S_INTERRUPTS = (1 << 1) | (1 << 5) | (1 << 9);
const M_INTERRUPTS = (1 << 3) | (1 << 7) | (1 << 11);
/** Exceptions that medeleg can delegate (not ecall from M, not reserved causes). */
const MEDELEG_WRITABLE = 0xb3ff;

export const CSR_FFLAGS = 0x001;
export const CSR_SATP = 0x180;
export const CSR_MSTATUS = 0x300;

/** Everything a CSR access needs besides the register state. */
export interface CsrContext {
  readonly hart: HartState;
  readonly mmu: Mmu;
  /** The platform timebase (mtime), for the time CSR. */
  time(): bigint;
  /** Instructions retired before the current one. */
  retired(): number;
  /** Called after a write that may enable a pending interrupt or change translation. */
  changed(): void;
}

function sd(mstatus: number): bigint {
  return (mstatus & MSTATUS_FS) === MSTATUS_FS ? 1n << 63n : 0n;
}

/** Reads mip: software-written bits OR the lines the platform drives. */
export function readMip(hart: HartState): number {
  return hart.i32[S.MIP_SW] | hart.i32[S.MIP_HW];
}

/**
 * Performs a CSR access. Returns the old value, or null if the access is illegal
 * (the caller raises an illegal-instruction exception). `write` is false for csrrs/csrrc
 * with x0 / zero immediate, which do not write and so may read read-only CSRs.
 */
export function csrAccess(
  ctx: CsrContext,
  csr: number,
  write: boolean,
  newValue: (old: bigint) => bigint,
): bigint | null {
  const hart = ctx.hart;
  const priv = hart.i32[S.PRIV];
  if (((csr >> 8) & 3) > priv) return null;
  if (write && csr >> 10 === 3) return null;
  const old = readCsr(ctx, csr, priv);
  if (old === null) return null;
  if (write) {
    // csrrs/csrrc on mip modify the software-writable bits: a SEIP driven by the PLIC must
    // not be latched into the software bit by an unrelated read-modify-write.
    const base = csr === 0x344 ? BigInt(hart.i32[S.MIP_SW]) : old;
    const status = hart.i32[S.MSTATUS];
    if (!writeCsr(ctx, csr, BigInt.asIntN(64, newValue(base)))) return null;
    if (!inertWrite(csr, status, hart.i32[S.MSTATUS])) ctx.changed();
  }
  return old;
}

/** Trap-handling scratch and cause registers: nothing reads them until a trap or a return. */
const DATA_CSRS = new Set([0x140, 0x141, 0x142, 0x143, 0x340, 0x341, 0x342, 0x343]);

/**
 * A write that can neither make an interrupt take effect nor invalidate what the running code
 * holds: a data CSR, or an mstatus/sstatus write that sets no interrupt-enable bit (the TLB set
 * slots move in place, and FS, TW, TVM and TSR are read where they apply). Linux writes
 * sscratch on every trap and toggles SUM around every user copy; each of those ended the slice.
 */
function inertWrite(csr: number, before: number, after: number): boolean {
  if (DATA_CSRS.has(csr)) return true;
  if (csr !== CSR_MSTATUS && csr !== 0x100) return false;
  return (after & ~before & (MSTATUS_MIE | MSTATUS_SIE)) === 0;
}

function counterAllowed(hart: HartState, index: number, priv: number): boolean {
  if (priv < S.PRIV_M && !((hart.i32[S.MCOUNTEREN] >> index) & 1)) return false;
  if (priv < S.PRIV_S && !((hart.i32[S.SCOUNTEREN] >> index) & 1)) return false;
  return true;
}

function readCsr(ctx: CsrContext, csr: number, priv: number): bigint | null {
  const hart = ctx.hart;
  const i32 = hart.i32;
  const s64 = hart.s64;
  if (csr >= 1 && csr <= 3) {
    if ((i32[S.MSTATUS] & MSTATUS_FS) === 0) return null; // FP state off
    const fcsr = i32[S.FCSR];
    return BigInt(csr === 1 ? fcsr & 0x1f : csr === 2 ? (fcsr >> 5) & 7 : fcsr & 0xff);
  }
  if (csr >= 0xc00 && csr <= 0xc1f) {
    const index = csr - 0xc00;
    if (!counterAllowed(hart, index, priv)) return null;
    if (index === 0) return BigInt(ctx.retired()) + s64[S.MCYCLE_OFFSET];
    if (index === 1) return ctx.time();
    if (index === 2) return BigInt(ctx.retired()) + s64[S.MINSTRET_OFFSET];
    return 0n;
  }
  if (csr >= 0xb03 && csr <= 0xb1f) return 0n; // mhpmcounter3..31: not implemented, read zero
  if (csr >= 0x323 && csr <= 0x33f) return 0n; // mhpmevent3..31
  // Sdtrig with no triggers: tselect holds only 0, whose tdata1 type 0 says "no trigger".
  if (csr >= 0x7a0 && csr <= 0x7a3) return 0n;
  if (csr === 0x7a4) return 1n; // tinfo: only type 0
  if (csr >= 0x3b0 && csr <= 0x3bf) return s64[S.PMPADDR + csr - 0x3b0];
  if (csr >= 0x3c0 && csr <= 0x3ef) return 0n; // pmpaddr16..63: no such entries
  if (csr >= 0x3a0 && csr <= 0x3af) {
    if (csr & 1) return null; // odd pmpcfg registers do not exist on RV64
    return csr <= 0x3a2 ? s64[S.PMPCFG + ((csr - 0x3a0) >> 1)] : 0n;
  }
  switch (csr) {
    case 0x100: {
      const m = i32[S.MSTATUS];
      return BigInt((m & SSTATUS_WRITABLE) >>> 0) | SSTATUS_HIGH | sd(m);
    }
    case 0x104:
      return BigInt(i32[S.MIE] & i32[S.MIDELEG]);
    case 0x105:
      return s64[S.STVEC];
    case 0x106:
      return BigInt(i32[S.SCOUNTEREN] >>> 0);
    case 0x10a:
      return s64[S.SENVCFG];
    case 0x140:
      return s64[S.SSCRATCH];
    case 0x141:
      return s64[S.SEPC];
    case 0x142:
      return s64[S.SCAUSE];
    case 0x143:
      return s64[S.STVAL];
    case 0x144:
      return BigInt(readMip(hart) & i32[S.MIDELEG]);
    case 0x180:
      if (priv === S.PRIV_S && i32[S.MSTATUS] & MSTATUS_TVM) return null;
      return s64[S.SATP];
    case 0x14d:
      return stimecmpAllowed(hart, priv) ? s64[S.STIMECMP] : null;
    case 0xf11:
    case 0xf12:
    case 0xf13:
    case 0xf15:
      return 0n;
    case 0xf14:
      return BigInt(i32[S.HARTID]);
    case 0x300: {
      const m = i32[S.MSTATUS];
      return BigInt(m >>> 0) | MSTATUS_HIGH | sd(m);
    }
    case 0x301:
      return MISA;
    case 0x302:
      return BigInt(i32[S.MEDELEG]);
    case 0x303:
      return BigInt(i32[S.MIDELEG]);
    case 0x304:
      return BigInt(i32[S.MIE]);
    case 0x305:
      return s64[S.MTVEC];
    case 0x306:
      return BigInt(i32[S.MCOUNTEREN] >>> 0);
    case 0x30a:
      return s64[S.MENVCFG];
    case 0x320:
      return 0n; // mcountinhibit: counters cannot be inhibited (hardwired zero)
    case 0x340:
      return s64[S.MSCRATCH];
    case 0x341:
      return s64[S.MEPC];
    case 0x342:
      return s64[S.MCAUSE];
    case 0x343:
      return s64[S.MTVAL];
    case 0x344:
      return BigInt(readMip(hart));
    case 0xb00:
      return BigInt(ctx.retired()) + s64[S.MCYCLE_OFFSET];
    case 0xb02:
      return BigInt(ctx.retired()) + s64[S.MINSTRET_OFFSET];
  }
  return null;
}

function writeMstatus(ctx: CsrContext, value: number, mask: number): void {
  const i32 = ctx.hart.i32;
  const old = i32[S.MSTATUS];
  let next = (old & ~mask) | (value & mask);
  if (((next >> 11) & 3) === 2) next = (next & ~MSTATUS_MPP) | (old & MSTATUS_MPP); // MPP cannot hold 2
  i32[S.MSTATUS] = next;
  if ((old ^ next) & MSTATUS_MMU) ctx.mmu.mstatusChanged(old, next);
}

function writeTvec(s64: BigInt64Array, slot: number, v: bigint): void {
  // Modes 0 (direct) and 1 (vectored); a reserved mode leaves the mode field unchanged.
  const mode = v & 3n;
  s64[slot] = mode < 2n ? v : (v & ~3n) | (s64[slot] & 3n);
}

function writeCsr(ctx: CsrContext, csr: number, v: bigint): boolean {
  const hart = ctx.hart;
  const i32 = hart.i32;
  const s64 = hart.s64;
  const lo = Number(BigInt.asIntN(32, v));
  if (csr >= 1 && csr <= 3) {
    const fcsr = i32[S.FCSR];
    if (csr === 1) i32[S.FCSR] = (fcsr & ~0x1f) | (lo & 0x1f);
    else if (csr === 2) i32[S.FCSR] = (fcsr & 0x1f) | ((lo & 7) << 5);
    else i32[S.FCSR] = lo & 0xff;
    i32[S.MSTATUS] |= MSTATUS_FS;
    return true;
  }
  if (csr >= 0xb03 && csr <= 0xb1f) return true;
  if (csr >= 0x7a0 && csr <= 0x7a4) return true;
  if (csr >= 0x323 && csr <= 0x33f) return true;
  if (csr >= 0x3b0 && csr <= 0x3bf) {
    const entry = csr - 0x3b0;
    if (pmpLocked(s64, entry)) return true;
    s64[S.PMPADDR + entry] = v & 0x3fffffffffffffn; // bits 53..0 of a 56-bit physical address
    return true;
  }
  if (csr >= 0x3c0 && csr <= 0x3ef) return true;
  if (csr >= 0x3a0 && csr <= 0x3af) {
    if (csr > 0x3a2) return true;
    const slot = S.PMPCFG + ((csr - 0x3a0) >> 1);
    let out = 0n;
    for (let i = 0; i < 8; i++) {
      const oldByte = (s64[slot] >> BigInt(8 * i)) & 0xffn;
      let b = (v >> BigInt(8 * i)) & 0xffn;
      if (oldByte & 0x80n)
        b = oldByte; // locked
      else {
        b &= 0x9fn; // bits 5 and 6 are reserved
        if ((b & 3n) === 2n) b &= ~2n; // R=0, W=1 is reserved
      }
      out |= b << BigInt(8 * i);
    }
    s64[slot] = BigInt.asIntN(64, out);
    return true;
  }
  switch (csr) {
    case 0x100:
      writeMstatus(ctx, lo, SSTATUS_WRITABLE);
      return true;
    case 0x104: {
      const d = i32[S.MIDELEG];
      i32[S.MIE] = (i32[S.MIE] & ~d) | (lo & d);
      return true;
    }
    case 0x105:
      writeTvec(s64, S.STVEC, v);
      return true;
    case 0x106:
      i32[S.SCOUNTEREN] = lo;
      return true;
    case 0x10a:
      s64[S.SENVCFG] = v & 1n; // FIOM
      return true;
    case 0x140:
      s64[S.SSCRATCH] = v;
      return true;
    case 0x141:
      s64[S.SEPC] = v & ~1n;
      return true;
    case 0x142:
      s64[S.SCAUSE] = v;
      return true;
    case 0x143:
      s64[S.STVAL] = v;
      return true;
    case 0x144: {
      // Only SSIP is writable through sip, and only when delegated.
      const m = i32[S.MIDELEG] & (1 << 1);
      i32[S.MIP_SW] = (i32[S.MIP_SW] & ~m) | (lo & m);
      return true;
    }
    case 0x14d:
      if (!stimecmpAllowed(hart, i32[S.PRIV])) return false;
      s64[S.STIMECMP] = v;
      updateSstc(ctx);
      return true;
    case 0x180: {
      if (i32[S.PRIV] === S.PRIV_S && i32[S.MSTATUS] & MSTATUS_TVM) return false;
      const mode = (v >> 60n) & 0xfn;
      if (mode !== 0n && mode !== 8n && mode !== 9n) return true; // unsupported mode: no effect
      s64[S.SATP] = v; // MODE, a 16-bit ASID and a 44-bit PPN: every bit is writable
      ctx.mmu.satpChanged();
      return true;
    }
    case 0x300:
      writeMstatus(ctx, lo, MSTATUS_WRITABLE);
      return true;
    case 0x301:
      return true; // misa is read-only here (WARL)
    case 0x302:
      i32[S.MEDELEG] = lo & MEDELEG_WRITABLE;
      return true;
    case 0x303:
      i32[S.MIDELEG] = lo & S_INTERRUPTS;
      return true;
    case 0x304:
      i32[S.MIE] = lo & (S_INTERRUPTS | M_INTERRUPTS);
      return true;
    case 0x305:
      writeTvec(s64, S.MTVEC, v);
      return true;
    case 0x306:
      i32[S.MCOUNTEREN] = lo;
      return true;
    case 0x30a:
      s64[S.MENVCFG] = v & ((1n << 63n) | 1n); // STCE (Sstc) and FIOM; PBMTE, ADUE and CBxE are not implemented
      updateSstc(ctx);
      return true;
    case 0x320:
      return true;
    case 0x340:
      s64[S.MSCRATCH] = v;
      return true;
    case 0x341:
      s64[S.MEPC] = v & ~1n;
      return true;
    case 0x342:
      s64[S.MCAUSE] = v;
      return true;
    case 0x343:
      s64[S.MTVAL] = v;
      return true;
    case 0x344: {
      // With Sstc enabled STIP follows stimecmp and is read-only.
      const m = s64[S.MENVCFG] < 0n ? S_INTERRUPTS & ~(1 << 5) : S_INTERRUPTS;
      i32[S.MIP_SW] = (i32[S.MIP_SW] & ~m) | (lo & m);
      return true;
    }
    case 0xb00:
      // The write takes the place of this instruction's own increment.
      s64[S.MCYCLE_OFFSET] = v - BigInt(ctx.retired() + 1);
      return true;
    case 0xb02:
      s64[S.MINSTRET_OFFSET] = v - BigInt(ctx.retired() + 1);
      return true;
  }
  return false;
}

function pmpLocked(s64: BigInt64Array, entry: number): boolean {
  const cfg = (e: number) => Number((s64[S.PMPCFG + (e >> 3)] >> BigInt(8 * (e & 7))) & 0xffn);
  if (cfg(entry) & 0x80) return true;
  // A locked TOR entry also locks the address register below it.
  if (entry + 1 < 16) {
    const next = cfg(entry + 1);
    if (next & 0x80 && ((next >> 3) & 3) === 1) return true;
  }
  return false;
}

/** Sstc: S-mode reaches stimecmp only when menvcfg.STCE and mcounteren.TM allow it. */
function stimecmpAllowed(hart: HartState, priv: number): boolean {
  if (priv === S.PRIV_M) return true;
  return hart.s64[S.MENVCFG] < 0n && (hart.i32[S.MCOUNTEREN] & 2) !== 0;
}

/** With STCE set, STIP is (time >= stimecmp); the platform re-evaluates it as time passes. */
export function updateSstc(ctx: CsrContext): void {
  const h = ctx.hart;
  if (h.s64[S.MENVCFG] >= 0n) return;
  h.i32[S.MIP_SW] &= ~(1 << 5);
  const due = ctx.time() >= BigInt.asUintN(64, h.s64[S.STIMECMP]);
  if (due) h.i32[S.MIP_HW] |= 1 << 5;
  else h.i32[S.MIP_HW] &= ~(1 << 5);
}
