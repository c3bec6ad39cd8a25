// The legacy SBI v0.1 calls (EIDs 0x00..0x08), which kernels with SBI_V01 (the hvc0 SBI
// console, older kernels) still use. Hart masks are pointers into S-mode virtual memory.

import type { Hart } from "../cpu/hart.js";
import { TrapSignal } from "../cpu/trap.js";
import { remoteFence, sendIpi } from "./sbiIpiFence.js";
import { type SbiHost, type SbiRet, SBI_ERR_INVALID_ADDRESS, SBI_ERR_NOT_SUPPORTED, fail, ok } from "./sbiTypes.js";

/** Reads the legacy hart mask through the caller's address translation (0 = all harts). */
function legacyMask(hart: Hart, pointer: bigint): { mask: bigint; base: bigint } | null {
  if (pointer === 0n) return { mask: 0n, base: -1n };
  const addr = BigInt.asIntN(64, pointer);
  if (addr > BigInt(Number.MAX_SAFE_INTEGER) || addr < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  try {
    return { mask: hart.mmu.load64(Number(addr)), base: 0n };
  } catch (e) {
    if (e instanceof TrapSignal) return null; // an unmapped pointer: an error for the caller, not a trap
    throw e;
  }
}

export function sbiLegacy(host: SbiHost, caller: number, eid: number, a: bigint[]): SbiRet {
  const hart = host.harts[caller];
  switch (eid) {
    case 0:
      host.setTimer(caller, BigInt.asUintN(64, a[0]));
      return ok();
    case 1:
      host.consoleWrite(Uint8Array.of(Number(a[0] & 0xffn)));
      return ok();
    case 2: {
      const c = host.consoleRead(1);
      return { error: c.length ? c[0] : -1, value: 0n }; // legacy calls return their value in a0
    }
    case 3:
      hart.clearSoftwareInterrupt(1);
      return ok();
    case 4:
    case 5:
    case 6:
    case 7: {
      const m = legacyMask(hart, a[0]);
      if (!m) return fail(SBI_ERR_INVALID_ADDRESS);
      return eid === 4 ? sendIpi(host, m.mask, m.base) : remoteFence(host, m.mask, m.base, eid !== 5);
    }
    case 8:
      host.reset(0, 0);
      return ok();
  }
  return fail(SBI_ERR_NOT_SUPPORTED);
}
