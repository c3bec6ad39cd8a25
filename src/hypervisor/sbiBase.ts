// BASE extension (EID 0x10): versions, implementation and extension probing.

import { type SbiRet, SBI_ERR_NOT_SUPPORTED, fail, ok } from "./sbiTypes.js";

export const EID_BASE = 0x10;
/** SBI spec 3.0: major 3 in bits 30..24, minor 0. */
export const SPEC_VERSION = 3 << 24;
/**
 * The implementation ID paravm reports. IDs 0..11 belong to BBL, OpenSBI, Xvisor, KVM,
 * RustSBI, Diosix, Coffer, Xen, PolarFire HSS, coreboot, oreboot and bhyve; paravm takes
 * 0x7061 ("pa"), far from that list (docs/sbi.md).
 */
export const IMPL_ID = 0x7061;
export const IMPL_VERSION = 0x000100; // 0.1.0

export function sbiBase(fid: number, a0: bigint, probe: (eid: number) => boolean): SbiRet {
  switch (fid) {
    case 0:
      return ok(SPEC_VERSION);
    case 1:
      return ok(IMPL_ID);
    case 2:
      return ok(IMPL_VERSION);
    case 3:
      return ok(probe(Number(BigInt.asUintN(32, a0))) ? 1 : 0);
    case 4: // mvendorid
    case 5: // marchid
    case 6: // mimpid
      return ok(0);
  }
  return fail(SBI_ERR_NOT_SUPPORTED);
}
