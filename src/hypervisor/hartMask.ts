// SBI hart masks: (hart_mask, hart_mask_base) select harts base + i for each set bit i;
// base = -1 (all ones) selects every hart.

import { SBI_ERR_INVALID_PARAM } from "./sbiTypes.js";

/** The selected hart indices, or an SBI error if any selected hart does not exist. */
export function selectHarts(mask: bigint, base: bigint, harts: number): number[] | number {
  const all = BigInt.asUintN(64, base) === 0xffffffffffffffffn;
  if (all) return Array.from({ length: harts }, (_, i) => i);
  const b = BigInt.asUintN(64, base);
  const m = BigInt.asUintN(64, mask);
  const out: number[] = [];
  for (let i = 0n; i < 64n; i++) {
    if (((m >> i) & 1n) === 0n) continue;
    const h = b + i;
    if (h >= BigInt(harts)) return SBI_ERR_INVALID_PARAM;
    out.push(Number(h));
  }
  return out;
}
