// The SBI dispatcher: serves an ecall from S-mode (pv mode) with the hart's registers,
// writes a0/a1, steps over the ecall and counts the exit.

import type { Hart } from "../cpu/hart.js";
import { ExitStats } from "../util/exitStats.js";
import { EID_BASE, sbiBase } from "./sbiBase.js";
import { EID_DBCN, sbiDbcn } from "./sbiDbcn.js";
import { EID_HSM, sbiHsm } from "./sbiHsm.js";
import { EID_IPI, EID_RFENCE, sbiIpi, sbiRfence } from "./sbiIpiFence.js";
import { sbiLegacy } from "./sbiLegacy.js";
import { EID_SRST, sbiSrst } from "./sbiSrst.js";
import { EID_STA, StealTime } from "./sbiSta.js";
import { type SbiHost, type SbiRet, SBI_ERR_NOT_SUPPORTED, fail, ok } from "./sbiTypes.js";

export const EID_TIME = 0x54494d45;

const NAMES: Record<number, string> = {
  [EID_BASE]: "BASE",
  [EID_TIME]: "TIME",
  [EID_IPI]: "IPI",
  [EID_RFENCE]: "RFENCE",
  [EID_HSM]: "HSM",
  [EID_SRST]: "SRST",
  [EID_DBCN]: "DBCN",
  [EID_STA]: "STA",
};
const LEGACY = [
  "set_timer",
  "putchar",
  "getchar",
  "clear_ipi",
  "send_ipi",
  "fence_i",
  "sfence_vma",
  "sfence_vma_asid",
  "shutdown",
];

export class Sbi {
  readonly steal: StealTime;

  constructor(
    private readonly host: SbiHost,
    private readonly stats: ExitStats,
  ) {
    this.steal = new StealTime(host.harts.length);
  }

  probe(eid: number): boolean {
    return eid in NAMES || (eid >= 0 && eid <= 8);
  }

  /** Serves the ecall the hart stopped at. */
  call(hartIndex: number): void {
    const started = process.hrtime.bigint();
    const hart: Hart = this.host.harts[hartIndex];
    const x = hart.hart.x;
    const eid = Number(BigInt.asUintN(32, x[17]));
    const fid = Number(BigInt.asUintN(32, x[16]));
    const a = [x[10], x[11], x[12], x[13], x[14], x[15]];
    const r = this.dispatch(hartIndex, eid, fid, a);
    x[10] = BigInt(r.error);
    if (eid > 8) x[11] = r.value; // legacy calls leave a1 alone
    hart.hart.pc += 4;
    const name =
      eid <= 8 ? `sbi legacy ${LEGACY[eid]}` : `sbi ${NAMES[eid] ?? "unknown"} ${NAMES[eid] ? fid : eid.toString(16)}`;
    this.stats.add(name, Number(process.hrtime.bigint() - started));
  }

  private dispatch(caller: number, eid: number, fid: number, a: bigint[]): SbiRet {
    const host = this.host;
    if (eid <= 8) return sbiLegacy(host, caller, eid, a);
    switch (eid) {
      case EID_BASE:
        return sbiBase(fid, a[0], (e) => this.probe(e));
      case EID_TIME:
        if (fid !== 0) return fail(SBI_ERR_NOT_SUPPORTED);
        host.setTimer(caller, BigInt.asUintN(64, a[0]));
        return ok();
      case EID_IPI:
        return sbiIpi(host, fid, a);
      case EID_RFENCE:
        return sbiRfence(host, fid, a);
      case EID_HSM:
        return sbiHsm(host, caller, fid, a);
      case EID_SRST:
        return sbiSrst(host, fid, a);
      case EID_DBCN:
        return sbiDbcn(host, fid, a);
      case EID_STA:
        return this.steal.call(host, caller, fid, a);
    }
    return fail(SBI_ERR_NOT_SUPPORTED);
  }
}
