// SRST extension (EID 0x53525354): shutdown and reboot.

import { type SbiHost, type SbiRet, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, fail, ok } from "./sbiTypes.js";

export const EID_SRST = 0x53525354;

export function sbiSrst(host: SbiHost, fid: number, a: bigint[]): SbiRet {
  if (fid !== 0) return fail(SBI_ERR_NOT_SUPPORTED);
  const type = BigInt.asUintN(32, a[0]);
  const reason = BigInt.asUintN(32, a[1]);
  if (type > 2n || reason > 1n) return fail(SBI_ERR_INVALID_PARAM);
  host.reset(Number(type), Number(reason));
  return ok();
}
