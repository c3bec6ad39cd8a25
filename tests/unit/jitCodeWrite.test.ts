// Code rewritten by an ordinary store, without FENCE.I, then run again: the ISA lets a hart
// run the old code until it fences, but guests such as xv6 reuse a page for a new program
// without one, and QEMU runs the new code. Translated blocks must do as the interpreter does.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Hart } from "../../src/cpu/hart.js";
import { MachineBus } from "../../src/machine/bus.js";
import { VmMemory } from "../../src/machine/memory.js";
import { B, I, jal, S as Store } from "./asm.js";

const RAM = 0x8000_0000;
const BASE = 10; // a0: RAM's start
const TURNS = 2000;
/** addi x5, x5, 3: what the program stores over its loop's addi x5, x5, 1. */
const NEW = I(0x13, 0, 5, 5, 3);

/**
 * Counts x5 up by 1 for TURNS turns of a loop, stores NEW over the loop's first instruction
 * (no FENCE.I), and runs the loop again: x5 ends at TURNS * 4, or TURNS * 2 with stale code.
 */
function program(): Uint8Array {
  const words = [
    I(0x13, 0, 6, 0, TURNS), // 0x00: x6 = TURNS
    I(0x13, 0, 5, 5, 1), // 0x04: loop: x5 += 1
    I(0x13, 0, 6, 6, -1), // 0x08: x6 -= 1
    B(1, 6, 0, -8), // 0x0c: bnez x6, loop
    B(0, 9, 0, 8), // 0x10: first pass (x9 = 0): to 0x18
    jal(0, 0), // 0x14: done
    I(0x13, 0, 9, 0, 1), // 0x18: x9 = 1
    I(0x03, 2, 7, BASE, 0x100), // 0x1c: x7 = NEW
    Store(0x23, 2, BASE, 7, 4), // 0x20: over the loop's first instruction
    jal(0, -0x24), // 0x24: again from 0x00
  ];
  const code = new Uint8Array(0x104);
  const view = new DataView(code.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w >>> 0, true));
  view.setUint32(0x100, NEW >>> 0, true);
  return code;
}

function run(jit: boolean): bigint {
  const mem = new VmMemory(RAM, 1 << 16);
  new Uint8Array(mem.buffer, mem.ramOffset).set(program());
  const hart = new Hart(mem.memory, mem.hartStateOffset(0), new MachineBus(mem), { hartId: 0, time: () => 0n, jit });
  hart.blocks?.setHot(2, 1);
  hart.hart.x[BASE] = BigInt(RAM);
  hart.hart.pc = RAM;
  for (let i = 0; i < 100 && hart.hart.pc !== RAM + 0x14; i++) hart.run(500);
  assert.equal(hart.hart.pc, RAM + 0x14, "the program ran to its end");
  return hart.hart.x[5];
}

test("a store over translated code, without FENCE.I, changes what runs next (as in the interpreter)", () => {
  const interpreted = run(false);
  assert.equal(interpreted, BigInt(TURNS * 4));
  assert.equal(run(true), interpreted);
});
