import { test } from "node:test";
import assert from "node:assert/strict";
import { Hart } from "../../src/cpu/hart.js";
import * as S from "../../src/cpu/hartState.js";
import { MachineBus } from "../../src/machine/bus.js";
import { VmMemory } from "../../src/machine/memory.js";
import { addi, csrrs, csrrw, I, jal } from "./asm.js";

const RAM = 0x8000_0000;

function hartWith(code: number[]) {
  const mem = new VmMemory(RAM, 1 << 16);
  const view = new DataView(mem.buffer, mem.ramOffset);
  code.forEach((w, i) => view.setUint32(4 * i, w, true));
  const hart = new Hart(mem.memory, mem.hartStateOffset(0), new MachineBus(mem), { hartId: 0, time: () => 0n });
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

test("Sstc: stimecmp drives STIP once menvcfg.STCE is set, and STIP is then read-only", () => {
  let now = 1000n;
  const mem = new VmMemory(RAM, 1 << 16);
  const hart = new Hart(mem.memory, mem.hartStateOffset(0), new MachineBus(mem), { hartId: 0, time: () => now });
  const view = new DataView(mem.buffer, mem.ramOffset);
  // t0 = 1 << 63; csrw menvcfg, t0; t1 = 2000; csrw stimecmp, t1; t2 = STIP; csrs mip, t2; loop
  const code = [
    addi(5, 0, 1),
    I(0x13, 1, 5, 5, 63), // slli t0, t0, 63
    csrrw(0, 0x30a, 5),
    addi(6, 0, 2000),
    csrrw(0, 0x14d, 6),
    addi(7, 0, 1 << 5),
    csrrs(0, 0x344, 7),
    jal(0, 0),
  ];
  code.forEach((w, i) => view.setUint32(4 * i, w, true));
  hart.hart.pc = RAM;
  hart.run(8);
  const stip = () => (hart.hart.i32[S.MIP_SW] | hart.hart.i32[S.MIP_HW]) & (1 << 5);
  assert.equal(stip(), 0, "not due yet, and the csrs on mip could not set it");
  now = 2000n;
  hart.sstcDeadline();
  assert.equal(stip(), 1 << 5, "due");
});

test("Sstc: S-mode may not touch stimecmp unless STCE and TM allow it", () => {
  const hart = hartWith([csrrs(10, 0x14d, 0), jal(0, 0)]);
  hart.hart.i32[S.PRIV] = S.PRIV_S;
  hart.hart.i32[S.MCOUNTEREN] = 2;
  hart.run(1);
  assert.equal(Number(hart.hart.s64[S.MCAUSE]), 2, "illegal instruction while STCE = 0");
});

test("an mstatus write that sets MIE takes a pending interrupt before the next instruction; scratch writes do not", () => {
  // t0 = MIE; csrw mscratch, t0; csrs mstatus, t0; addi t1, x0, 1 (must not run before the trap).
  const code = [addi(5, 0, S.MSTATUS_MIE), csrrw(0, 0x340, 5), csrrs(0, 0x300, 5), addi(6, 0, 1), jal(0, 0)];
  code[64] = jal(0, 0); // the trap vector
  const hart = hartWith([...code].map((w) => w ?? 0));
  hart.hart.s64[S.MTVEC] = BigInt(RAM + 0x100);
  hart.hart.i32[S.MIE] = 1 << 7;
  hart.setInterruptLine(7, true);
  hart.run(50);
  assert.equal(hart.hart.s64[S.MSCRATCH], BigInt(S.MSTATUS_MIE), "mscratch written");
  assert.equal(BigInt.asUintN(64, hart.hart.s64[S.MCAUSE]), (1n << 63n) | 7n, "the machine timer interrupt was taken");
  assert.equal(hart.hart.s64[S.MEPC], BigInt(RAM + 12), "right after the write that enabled it");
  assert.equal(hart.hart.x[6], 0n, "the next instruction had not run");
});
