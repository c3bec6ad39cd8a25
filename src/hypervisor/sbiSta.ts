// STA extension (EID 0x535441): steal time. The guest names a 64-byte shared record; paravm
// adds to its steal counter the host time a hart was ready but another hart was running.

import {
  type SbiHost,
  type SbiRet,
  SBI_ERR_INVALID_ADDRESS,
  SBI_ERR_INVALID_PARAM,
  SBI_ERR_NOT_SUPPORTED,
  fail,
  ok,
} from "./sbiTypes.js";

export const EID_STA = 0x535441;

/** Per-hart steal-time record address (-1: none); plain data, part of the VM's state. */
export class StealTime {
  readonly state: { shmem: Float64Array; stolenNs: Float64Array };

  constructor(harts: number) {
    this.state = { shmem: new Float64Array(harts).fill(-1), stolenNs: new Float64Array(harts) };
  }

  call(host: SbiHost, caller: number, fid: number, a: bigint[]): SbiRet {
    if (fid !== 0) return fail(SBI_ERR_NOT_SUPPORTED);
    const lo = BigInt.asUintN(64, a[0]);
    const hi = BigInt.asUintN(64, a[1]);
    if (a[2] !== 0n) return fail(SBI_ERR_INVALID_PARAM); // flags: none defined
    if (lo === 0xffffffffffffffffn && hi === 0xffffffffffffffffn) {
      this.state.shmem[caller] = -1;
      return ok();
    }
    if (hi !== 0n || lo & 63n || lo > BigInt(Number.MAX_SAFE_INTEGER)) return fail(SBI_ERR_INVALID_PARAM);
    const rec = host.ram(Number(lo), 64);
    if (!rec) return fail(SBI_ERR_INVALID_ADDRESS);
    rec.fill(0);
    this.state.shmem[caller] = Number(lo);
    return ok();
  }

  /** Adds stolen time to a hart and publishes it (sequence odd while the record changes). */
  account(host: SbiHost, hart: number, ns: number): void {
    this.state.stolenNs[hart] += ns;
    const at = this.state.shmem[hart];
    if (at < 0) return;
    const rec = host.ram(at, 64);
    if (!rec) return;
    const dv = new DataView(rec.buffer, rec.byteOffset, 64);
    const seq = dv.getUint32(0, true);
    dv.setUint32(0, (seq | 1) >>> 0, true);
    dv.setBigUint64(8, BigInt(Math.floor(this.state.stolenNs[hart])), true);
    dv.setUint32(0, ((seq | 1) + 1) >>> 0, true);
  }
}
