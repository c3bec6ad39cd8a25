// The A extension: LR/SC with a reservation, and every AMO, on naturally aligned RAM words.

import type { Hart } from "./hart.js";
import * as S from "./hartState.js";
import {
  ACCESS_LOAD,
  ACCESS_STORE,
  CAUSE_ILLEGAL_INSTRUCTION,
  CAUSE_LOAD_ACCESS,
  CAUSE_MISALIGNED_LOAD,
  CAUSE_MISALIGNED_STORE,
  CAUSE_STORE_ACCESS,
} from "./trap.js";

const TWO32 = 4294967296;

export function executeAtomic(hart: Hart, inst: number, rdw: number, rs1: number, rs2: number, f3: number): void {
  const h = hart.hart;
  const mmu = hart.mmu;
  const funct5 = inst >>> 27;
  const size = f3 === 2 ? 4 : f3 === 3 ? 8 : 0;
  const isLr = funct5 === 2;
  if (size === 0 || (isLr && rs2 !== 0) || !isAmoFunct(funct5)) mmu.fault(CAUSE_ILLEGAL_INSTRUCTION, inst >>> 0);
  const hi = h.x32[2 * rs1 + 1];
  const va = hi * TWO32 + (h.x32[2 * rs1] >>> 0);
  // Misaligned atomics fault (the spec allows no emulation of them); so do wide addresses.
  if (hi > 0x1fffff || hi < -0x200000 || va % size !== 0) {
    const full = h.x[rs1];
    mmu.fault(
      isLr ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE,
      Number.isSafeInteger(va) && va % size !== 0 ? va : full,
    );
  }
  const off = mmu.offset(va, isLr ? ACCESS_LOAD : ACCESS_STORE);
  if (off < 0) mmu.fault(isLr ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS, va);
  const paddr = off - mmu.ramDelta;
  if (isLr) {
    h.s64[S.RESERVATION] = BigInt(paddr);
    if (size === 8) h.x[rdw] = mmu.m64[off >>> 3];
    else h.x[rdw] = BigInt(mmu.dv.getInt32(off, true));
    return;
  }
  if (funct5 === 3) {
    // SC: succeeds only on the reservation this hart's LR made, and always clears it.
    const ok = h.s64[S.RESERVATION] === BigInt(paddr);
    h.s64[S.RESERVATION] = -1n;
    if (ok) {
      if (size === 8) mmu.m64[off >>> 3] = h.x[rs2];
      else mmu.dv.setInt32(off, h.x32[2 * rs2], true);
    }
    h.x[rdw] = ok ? 0n : 1n;
    return;
  }
  if (size === 8) {
    const old = mmu.m64[off >>> 3];
    mmu.m64[off >>> 3] = amo64(funct5, old, h.x[rs2]);
    h.x[rdw] = old;
  } else {
    const old = mmu.dv.getInt32(off, true);
    mmu.dv.setInt32(off, amo32(funct5, old, h.x32[2 * rs2]), true);
    h.x[rdw] = BigInt(old);
  }
}

function isAmoFunct(f: number): boolean {
  return (
    f === 0 ||
    f === 1 ||
    f === 2 ||
    f === 3 ||
    f === 4 ||
    f === 8 ||
    f === 12 ||
    f === 16 ||
    f === 20 ||
    f === 24 ||
    f === 28
  );
}

function amo64(f: number, a: bigint, b: bigint): bigint {
  switch (f) {
    case 0:
      return a + b;
    case 1:
      return b;
    case 4:
      return a ^ b;
    case 8:
      return a | b;
    case 12:
      return a & b;
    case 16:
      return a < b ? a : b;
    case 20:
      return a > b ? a : b;
    case 24:
      return BigInt.asUintN(64, a) < BigInt.asUintN(64, b) ? a : b;
    default:
      return BigInt.asUintN(64, a) > BigInt.asUintN(64, b) ? a : b;
  }
}

function amo32(f: number, a: number, b: number): number {
  switch (f) {
    case 0:
      return (a + b) | 0;
    case 1:
      return b;
    case 4:
      return a ^ b;
    case 8:
      return a | b;
    case 12:
      return a & b;
    case 16:
      return a < b ? a : b;
    case 20:
      return a > b ? a : b;
    case 24:
      return a >>> 0 < b >>> 0 ? a : b;
    default:
      return a >>> 0 > b >>> 0 ? a : b;
  }
}
