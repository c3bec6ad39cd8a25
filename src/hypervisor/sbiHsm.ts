// HSM extension (EID 0x48534D): start, stop, status and suspend of harts.

import {
  HsmState,
  type SbiHost,
  type SbiRet,
  SBI_ERR_ALREADY_AVAILABLE,
  SBI_ERR_INVALID_ADDRESS,
  SBI_ERR_INVALID_PARAM,
  SBI_ERR_NOT_SUPPORTED,
  fail,
  ok,
} from "./sbiTypes.js";

export const EID_HSM = 0x48534d;

export function sbiHsm(host: SbiHost, caller: number, fid: number, a: bigint[]): SbiRet {
  switch (fid) {
    case 0: {
      // hart_start(hartid, start_addr, opaque)
      const target = BigInt.asUintN(64, a[0]);
      if (target >= BigInt(host.harts.length)) return fail(SBI_ERR_INVALID_PARAM);
      const t = Number(target);
      const addr = BigInt.asUintN(64, a[1]);
      if (addr > BigInt(Number.MAX_SAFE_INTEGER) || !host.ram(Number(addr), 4)) return fail(SBI_ERR_INVALID_ADDRESS);
      if (host.hsmState(t) !== HsmState.Stopped) return fail(SBI_ERR_ALREADY_AVAILABLE);
      host.startHart(t, Number(addr), a[2]);
      return ok();
    }
    case 1:
      host.stopHart(caller);
      return ok();
    case 2: {
      const target = BigInt.asUintN(64, a[0]);
      if (target >= BigInt(host.harts.length)) return fail(SBI_ERR_INVALID_PARAM);
      return ok(host.hsmState(Number(target)));
    }
    case 3: {
      // hart_suspend(type, resume_addr, opaque): only the retentive default type is offered
      const type = BigInt.asUintN(32, a[0]);
      if (type === 0n) {
        host.suspendHart(caller);
        return ok();
      }
      if (type === 0x80000000n) return fail(SBI_ERR_NOT_SUPPORTED);
      return fail(SBI_ERR_INVALID_PARAM);
    }
  }
  return fail(SBI_ERR_NOT_SUPPORTED);
}
