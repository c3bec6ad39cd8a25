import { test } from "node:test";
import assert from "node:assert/strict";
import { Hart } from "../../src/cpu/hart.js";
import * as S from "../../src/cpu/hartState.js";
import { MachineBus } from "../../src/machine/bus.js";
import { VmMemory } from "../../src/machine/memory.js";
import { addi, csrrs, I, jal } from "./asm.js";

const RAM = 0x8000_0000;

function hartWith(code: number[]) {
  const mem = new VmMemory(RAM, 1 << 16);
  const view = new DataView(mem.buffer, mem.ramOffset);
  code.forEach((w, i) => view.setUint32(4 * i, w, true));
  const hart = new Hart(mem.buffer, mem.hartStateOffset(0), new MachineBus(mem), { hartId: 0, time: () => 0n });
  hart.hart.pc = RAM;
  return hart;
}

test("csrrs on mip does not latch a SEIP that the PLIC drives into the software bit", () => {
  // csrrs x0, mip, t0 with t0 = STIP, while the platform holds SEIP high.
  const hart = hartWith([addi(5, 0, 1 << 5), csrrs(0, 0x344, 5), jal(0, 0)]);
  hart.setInterruptLine(9, true);
  hart.run(3);
  assert.equal(hart.hart.i32[S.MIP_SW], 1 << 5, "only STIP was written");
  hart.setInterruptLine(9, false);
  assert.equal(hart.hart.i32[S.MIP_SW] | hart.hart.i32[S.MIP_HW], 1 << 5, "SEIP is gone once the PLIC drops it");
});

test("csrrc on mip clears software bits only", () => {
  const hart = hartWith([addi(5, 0, 1 << 9), I(0x73, 3, 0, 5, 0x344), jal(0, 0)]);
  hart.hart.i32[S.MIP_SW] = (1 << 9) | (1 << 1);
  hart.setInterruptLine(9, true);
  hart.run(3);
  assert.equal(hart.hart.i32[S.MIP_SW], 1 << 1, "the software SEIP is cleared, SSIP kept");
  assert.equal(hart.hart.i32[S.MIP_HW] & (1 << 9), 1 << 9, "the PLIC's line is untouched");
});
