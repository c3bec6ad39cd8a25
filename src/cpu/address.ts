// Effective addresses: rs1 + imm as a number. A register value of magnitude 2^53 or more
// cannot address anything (not RAM, not a canonical Sv39/Sv48 address), so it faults here
// with the exact 64-bit value in tval.

import type { Hart } from "./hart.js";
import * as S from "./hartState.js";
import { ACCESS_FAULT_CAUSE, ACCESS_FETCH, PAGE_FAULT_CAUSE } from "./trap.js";

const TWO32 = 4294967296;

export function wideAddressFault(hart: Hart, base: bigint, imm: number, access: number): never {
  const addr = BigInt.asIntN(64, base + BigInt(imm));
  const h = hart.hart;
  const satpMode = Number((h.s64[S.SATP] >> 60n) & 0xfn);
  let priv = h.i32[S.PRIV];
  if (access !== ACCESS_FETCH && priv === S.PRIV_M && h.i32[S.MSTATUS] & (1 << 17)) priv = (h.i32[S.MSTATUS] >> 11) & 3;
  const paged = priv !== S.PRIV_M && satpMode !== 0;
  return hart.mmu.fault(
    paged ? PAGE_FAULT_CAUSE[access] : ACCESS_FAULT_CAUSE[access],
    paged ? addr : BigInt.asUintN(64, addr),
  );
}

export function effectiveAddress(hart: Hart, rs1: number, imm: number, access: number): number {
  const x32 = hart.hart.x32;
  const hi = x32[2 * rs1 + 1];
  if (hi > 0x1fffff || hi < -0x200000) wideAddressFault(hart, hart.hart.x[rs1], imm, access);
  return hi * TWO32 + (x32[2 * rs1] >>> 0) + imm;
}
