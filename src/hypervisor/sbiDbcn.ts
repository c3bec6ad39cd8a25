// DBCN extension (EID 0x4442434E): the debug console, for earlycon=sbi and early output.

import { type SbiHost, type SbiRet, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, fail, ok } from "./sbiTypes.js";

export const EID_DBCN = 0x4442434e;
/** Bytes one console_write/console_read moves at most (the guest loops for the rest). */
export const MAX_MOVE = 64 * 1024;

function physical(lo: bigint, hi: bigint): number | null {
  const addr = (BigInt.asUintN(64, hi) << 64n) | BigInt.asUintN(64, lo);
  return addr <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(addr) : null;
}

export function sbiDbcn(host: SbiHost, fid: number, a: bigint[]): SbiRet {
  switch (fid) {
    case 0:
    case 1: {
      // console_write / console_read (num_bytes, base_addr_lo, base_addr_hi)
      const n = BigInt.asUintN(64, a[0]);
      const addr = physical(a[1], a[2]);
      if (n === 0n) return ok(0);
      // The whole buffer must be RAM; one call moves a bounded share of it (the guest loops).
      if (addr === null || n > BigInt(Number.MAX_SAFE_INTEGER) || !host.ram(addr, Number(n)))
        return fail(SBI_ERR_INVALID_PARAM);
      // While the host side is full nothing is written ("may do partial/no writes"): the
      // guest retries, and host memory does not fill with output nobody reads.
      if (fid === 0 && host.consoleFull()) return ok(0);
      const len = Number(n > BigInt(MAX_MOVE) ? BigInt(MAX_MOVE) : n);
      const mem = host.ram(addr, len);
      if (!mem) return fail(SBI_ERR_INVALID_PARAM);
      if (fid === 0) {
        host.consoleWrite(mem.slice());
        return ok(len);
      }
      const input = host.consoleRead(len);
      mem.set(input);
      return ok(input.length);
    }
    case 2:
      host.consoleWrite(Uint8Array.of(Number(a[0] & 0xffn)));
      return ok();
  }
  return fail(SBI_ERR_NOT_SUPPORTED);
}
