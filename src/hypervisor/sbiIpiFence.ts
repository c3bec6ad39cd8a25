// IPI (EID 0x735049) and RFENCE (EID 0x52464E43): supervisor software interrupts and remote
// fences for a set of harts.

import { selectHarts } from "./hartMask.js";
import { type SbiHost, type SbiRet, SBI_ERR_NOT_SUPPORTED, fail, ok } from "./sbiTypes.js";

export const EID_IPI = 0x735049;
export const EID_RFENCE = 0x52464e43;
const IRQ_SSI = 1;

export function sendIpi(host: SbiHost, mask: bigint, base: bigint): SbiRet {
  const targets = selectHarts(mask, base, host.harts.length);
  if (typeof targets === "number") return fail(targets);
  for (const t of targets) host.harts[t].raiseSoftwareInterrupt(IRQ_SSI);
  return ok();
}

export function sbiIpi(host: SbiHost, fid: number, a: bigint[]): SbiRet {
  return fid === 0 ? sendIpi(host, a[0], a[1]) : fail(SBI_ERR_NOT_SUPPORTED);
}

export function remoteFence(host: SbiHost, mask: bigint, base: bigint, tlb: boolean): SbiRet {
  const targets = selectHarts(mask, base, host.harts.length);
  if (typeof targets === "number") return fail(targets);
  // fence.i drops the translated blocks (they are keyed by physical address, so sfence.vma
  // leaves them alone). The TLBs are flushed whole, which covers any address range and ASID.
  for (const t of targets) {
    if (tlb) host.harts[t].mmu.flushAll();
    else host.harts[t].fenceI();
  }
  return ok();
}

export function sbiRfence(host: SbiHost, fid: number, a: bigint[]): SbiRet {
  switch (fid) {
    case 0:
      return remoteFence(host, a[0], a[1], false);
    case 1:
    case 2:
      return remoteFence(host, a[0], a[1], true);
  }
  return fail(SBI_ERR_NOT_SUPPORTED); // the hypervisor-extension fences: no H extension here
}
