// The block translator against the interpreter (the reference): generated programs run on two
// harts from the same state, one interpreting, one with translated blocks, and after every
// slice both must agree on registers, pc, retired count, trap CSRs and memory. Programs loop,
// so that blocks get translated, and walk a pointer out of RAM, so that loads and stores
// trap in the middle of translated blocks.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Hart } from "../../src/cpu/hart.js";
import * as S from "../../src/cpu/hartState.js";
import { COMPRESSED } from "../../src/cpu/compressed.js";
import { remoteFence } from "../../src/hypervisor/sbiIpiFence.js";
import type { SbiHost } from "../../src/hypervisor/sbiTypes.js";
import { MachineBus } from "../../src/machine/bus.js";
import { VmMemory } from "../../src/machine/memory.js";
import { addi, B, I, jal, R, S as Store, sw, U } from "./asm.js";

const RAM = 0x8000_0000;
const RAM_SIZE = 1 << 16;
const DATA = RAM + 0x2000;
const TRAP_VECTOR = RAM + 0x1f00;
const DOORBELL = 0x1000_0000;
const PTR = 26; // s10: walks through the data and out of RAM
const COUNT = 27; // s11: loop counter
const BELL = 25; // s9: the doorbell device's address
const RESERVED = [PTR, COUNT, BELL];

/** One item of a program body: an encoding (2 or 4 bytes), a forward branch or a forward JAL over `skip` items. */
type Item =
  { bits: number; size: 2 | 4 } | { branch: number; rs1: number; rs2: number; skip: number } | { jump: number };

const reg = fc.integer({ min: 0, max: 31 });
const dest = reg.filter((r) => !RESERVED.includes(r));
const imm12 = fc.integer({ min: -2048, max: 2047 });
const word = (bits: number): Item => ({ bits: bits >>> 0, size: 4 });

const aluImm = fc
  .tuple(fc.constantFrom(0x13, 0x1b), fc.integer({ min: 0, max: 7 }), dest, reg, imm12, fc.boolean())
  .map(([op, f3, rd, rs1, imm, arith]) => {
    // Shifts get a legal shamt (and sometimes SRA); other funct3 values take any immediate.
    if (f3 === 1 || f3 === 5) imm = (imm & (op === 0x13 ? 63 : 31)) | (f3 === 5 && arith ? 0x400 : 0);
    return word(I(op, f3, rd, rs1, imm));
  });
const aluReg = fc
  .tuple(fc.constantFrom(0x33, 0x3b), fc.integer({ min: 0, max: 7 }), fc.constantFrom(0, 0x20, 1), dest, reg, reg)
  .map(([op, f3, f7, rd, rs1, rs2]) => word(R(op, f3, f7, rd, rs1, rs2)));
const upper = fc
  .tuple(fc.constantFrom(0x37, 0x17), dest, fc.integer({ min: 0, max: 0xfffff }))
  .map(([op, rd, imm]) => word(U(op, rd, imm)));
const base = fc.oneof({ weight: 6, arbitrary: fc.constant(PTR) }, { weight: 1, arbitrary: reg });
const offset = fc.integer({ min: -24, max: 64 });
const load = fc
  .tuple(fc.integer({ min: 0, max: 6 }), dest, base, offset)
  .map(([f3, rd, rs1, imm]) => word(I(0x03, f3, rd, rs1, imm)));
const store = fc
  .tuple(fc.integer({ min: 0, max: 3 }), base, reg, offset)
  .map(([f3, rs1, rs2, imm]) => word(Store(0x23, f3, rs1, rs2, imm)));
const doorbell = fc.constant(word(Store(0x23, 0, BELL, 0, 0)));
const counters = fc
  .tuple(dest, fc.constantFrom(0xb00, 0xb02, 0xc00, 0xc02))
  .map(([rd, csr]) => word(I(0x73, 2, rd, 0, csr)));
// CSR writes and reads through every funct3: mscratch (illegal in U-mode: a trap mid-block)
// and the FP CSRs (frm feeds the rounding of the fadd.d below).
const csrAccess = fc
  .tuple(fc.constantFrom(1, 2, 3, 5, 6, 7), dest, reg, fc.constantFrom(0x340, 0x001, 0x002, 0x003))
  .map(([f3, rd, rs1, csr]) => word(I(0x73, f3, rd, rs1, csr)));
const fence = fc.constantFrom(word(0x0ff0000f), word(0x0000100f));
const atomic = fc
  .tuple(fc.constantFrom(0, 1, 2, 4, 8, 12, 16), fc.constantFrom(2, 3), dest, base, reg)
  .map(([f5, f3, rd, rs1, rs2]) => word(R(0x2f, f3, f5 << 2, rd, rs1, f5 === 2 ? 0 : rs2)));
const fp = fc.oneof(
  fc.tuple(reg, reg, reg).map(([fd, a, b]) => word(R(0x53, 7, 0x01, fd, a, b))), // fadd.d
  fc.tuple(reg, dest).map(([fs, rd]) => word(R(0x53, 0, 0x71, rd, fs, 0))), // fmv.x.d
  fc.tuple(reg, reg).map(([fd, rs]) => word(R(0x53, 0, 0x79, fd, rs, 0))), // fmv.d.x
  fc.tuple(reg, offset).map(([fd, imm]) => word(I(0x07, 3, fd, PTR, imm))), // fld
  fc.tuple(reg, base, offset).map(([fd, rs1, imm]) => word(I(0x07, 2, fd, rs1, imm))), // flw
  fc.tuple(fc.constantFrom(2, 3), base, reg, offset).map(([f3, rs1, fs, imm]) => word(Store(0x27, f3, rs1, fs, imm))), // fsw, fsd
  fc.tuple(fc.integer({ min: 0, max: 3 }), reg, reg, dest).map(([f3, a, b, rd]) => word(R(0x53, f3, 0x51, rd, a, b))), // fle, flt, feq.d
  fc.tuple(fc.integer({ min: 0, max: 3 }), reg, reg, reg).map(([f3, fd, a, b]) => word(R(0x53, f3, 0x11, fd, a, b))), // fsgnj*.d
  fc
    .tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 4 }), reg, reg)
    .map(([rm, rs2, fd, rs1]) => word(R(0x53, rm, 0x69, fd, rs1, rs2))), // fcvt.d.{w,wu,l,lu}
  fc.tuple(reg, dest, fc.constantFrom(0, 1)).map(([fs, rd, f3]) => word(R(0x53, f3, 0x71, rd, fs, 0))), // fmv.x.d, fclass.d
  fc.tuple(reg, dest).map(([fs, rd]) => word(R(0x53, 0, 0x70, rd, fs, 0))), // fmv.x.w
  fc.tuple(reg, reg).map(([fd, rs]) => word(R(0x53, 0, 0x78, fd, rs, 0))), // fmv.w.x
);
// Clears random bits of mstatus in every fourth turn of the loop, after the first turns have
// translated the blocks: FS off makes every FP instruction illegal, translated ones included.
const mstatusClear = fc
  .tuple(dest, reg)
  .map(([t, rs1]): Item[] => [
    word(I(0x13, 7, t, COUNT, 3)),
    { branch: 1, rs1: t, rs2: 0, skip: 1 },
    word(I(0x73, 3, 0, rs1, 0x300)),
  ]);
// Any 16-bit encoding the expansion table accepts, except control transfers and ebreak.
const compressed = fc
  .integer({ min: 0, max: 0xffff })
  .filter((h) => {
    const e = COMPRESSED[h];
    const op = e & 0x7f;
    return (h & 3) !== 3 && e !== 0 && op !== 0x63 && op !== 0x6f && op !== 0x67 && op !== 0x73;
  })
  .map((h): Item => ({ bits: h, size: 2 }));
const branch = fc
  .tuple(fc.constantFrom(0, 1, 4, 5, 6, 7), reg, reg, fc.integer({ min: 0, max: 3 }))
  .map(([f3, rs1, rs2, skip]): Item => ({ branch: f3, rs1, rs2, skip }));
// if (cond) { then } else { else }: a branch over the then-part and a JAL over the else-part,
// which translated blocks keep inside one block.
const ifElse = fc
  .tuple(
    fc.constantFrom(0, 1, 4, 5, 6, 7),
    reg,
    reg,
    fc.array(fc.oneof(aluImm, aluReg, load, store, counters), { minLength: 1, maxLength: 3 }),
    fc.array(fc.oneof(aluImm, aluReg, load, store, counters), { minLength: 1, maxLength: 3 }),
  )
  .map(([f3, rs1, rs2, then, otherwise]): Item[] => [
    { branch: f3, rs1, rs2, skip: then.length + 1 },
    ...then,
    { jump: otherwise.length },
    ...otherwise,
  ]);

const item = fc.oneof(
  { weight: 8, arbitrary: aluImm },
  { weight: 8, arbitrary: aluReg },
  { weight: 2, arbitrary: upper },
  { weight: 4, arbitrary: load },
  { weight: 4, arbitrary: store },
  { weight: 1, arbitrary: doorbell },
  { weight: 1, arbitrary: counters },
  { weight: 1, arbitrary: csrAccess },
  { weight: 1, arbitrary: fence },
  { weight: 1, arbitrary: atomic },
  { weight: 3, arbitrary: fp },
  { weight: 1, arbitrary: mstatusClear },
  { weight: 4, arbitrary: compressed },
  { weight: 2, arbitrary: branch },
  { weight: 2, arbitrary: ifElse },
);

/** Lays out body + loop tail (advance the pointer, count down, branch back) as bytes. */
function assemble(body: Item[], step: number): Uint8Array {
  const sizes = body.map((it) => ("size" in it ? it.size : 4));
  const at = (i: number) => sizes.slice(0, i).reduce((a, b) => a + b, 0);
  const words: [number, number][] = body.map((it, i) => {
    if ("size" in it) return [it.bits, it.size];
    if ("jump" in it) return [jal(0, at(Math.min(i + 1 + it.jump, body.length)) - at(i)), 4];
    const target = Math.min(i + 1 + it.skip, body.length);
    return [B(it.branch, it.rs1, it.rs2, at(target) - at(i)), 4];
  });
  const end = at(body.length);
  words.push([addi(PTR, PTR, step), 4], [addi(COUNT, COUNT, -1), 4], [B(1, COUNT, 0, -(end + 8)), 4], [jal(0, 0), 4]);
  const out = new Uint8Array(end + 16);
  const view = new DataView(out.buffer);
  let p = 0;
  for (const [bits, size] of words) {
    if (size === 4) view.setUint32(p, bits, true);
    else view.setUint16(p, bits, true);
    p += size;
  }
  return out;
}

/** Sv39 root table of the paged runs: gigapages for the doorbell's and RAM's gigabytes, U-mode, A and D clear. */
const ROOT = RAM + 0x1000;

function machine(jit: boolean, code: Uint8Array, regs: bigint[], iterations: number, paged = false) {
  const mem = new VmMemory(RAM, RAM_SIZE);
  const bus = new MachineBus(mem);
  const ram = new Uint8Array(mem.buffer, mem.ramOffset, RAM_SIZE);
  ram.set(code);
  new DataView(mem.buffer, mem.ramOffset).setUint32(TRAP_VECTOR - RAM, jal(0, 0), true);
  for (let i = 0x2000; i < RAM_SIZE; i++) ram[i] = (i * 37) & 0xff;
  const hart = new Hart(mem.memory, mem.hartStateOffset(0), bus, { hartId: 0, time: () => 0n, jit });
  hart.blocks?.setHot(2, 1);
  bus.map(DOORBELL, 0x1000, {
    name: "doorbell",
    state: {},
    mmioRead: () => 0,
    mmioWrite: () => hart.requestExit(),
  });
  const h = hart.hart;
  regs.forEach((v, i) => (h.x[i + 1] = v));
  h.x[PTR] = BigInt(DATA);
  h.x[COUNT] = BigInt(iterations);
  h.x[BELL] = BigInt(DOORBELL);
  h.s64[S.MTVEC] = BigInt(TRAP_VECTOR);
  h.i32[S.MSTATUS] |= S.MSTATUS_FS; // FP instructions legal
  h.pc = RAM;
  if (paged) {
    // Translation in U-mode: A and D are set by the walk, mid-block; traps go to M-mode.
    const pte = (pa: number, flags: number) => BigInt(Math.floor(pa / 4096)) * 1024n + BigInt(flags);
    const table = new BigInt64Array(mem.buffer, mem.ramOffset + (ROOT - RAM), 512);
    table[0] = pte(0, 0x17); // V R W U
    table[2] = pte(RAM, 0x1f); // V R W X U
    h.s64[S.SATP] = (8n << 60n) | BigInt(ROOT / 4096);
    h.i32[S.PRIV] = S.PRIV_U;
    hart.mmu.satpChanged();
    hart.mmu.contextChanged();
  }
  return { hart, ram };
}

function snapshot(hart: Hart, ram: Uint8Array) {
  const h = hart.hart;
  return {
    x: Array.from(h.x.subarray(0, 32)),
    f: Array.from(h.s64.subarray(S.F, S.F + 32)),
    pc: h.pc,
    retired: hart.retired(),
    csrs: [S.MEPC, S.MCAUSE, S.MTVAL, S.RESERVATION, S.MSCRATCH].map((i) => h.s64[i]),
    fcsr: h.i32[S.FCSR],
    traps: Array.from(hart.trapCounts),
    ram: Buffer.from(ram).toString("base64"),
  };
}

for (const paged of [false, true]) {
  const how = paged ? "in U-mode with Sv39 paging (A/D updates, page faults)" : "in M-mode";
  test(`translated blocks match the interpreter on generated programs ${how}, traps included`, () => {
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 40 }).map((items) => items.flat()),
        fc.array(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), { minLength: 31, maxLength: 31 }),
        fc.integer({ min: -256, max: 2047 }),
        fc.integer({ min: 3, max: 60 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }),
        (body, regs, step, iterations, slices) => {
          const code = assemble(body, step & ~7);
          const ref = machine(false, code, regs, iterations, paged);
          const jit = machine(true, code, regs, iterations, paged);
          for (const [i, budget] of slices.entries()) {
            const a = ref.hart.run(budget);
            const b = jit.hart.run(budget);
            // Code stored to without FENCE.I may run stale in translated blocks, as the ISA allows.
            const modified = (m: { ram: Uint8Array }) => m.ram.subarray(0, code.length).some((v, j) => v !== code[j]);
            if (modified(ref) || modified(jit)) break;
            assert.equal(b, a, `exit of slice ${i}`);
            assert.deepEqual(snapshot(jit.hart, jit.ram), snapshot(ref.hart, ref.ram), `state after slice ${i}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
}

test("translated M-extension edge cases match the interpreter (division by zero, MIN / -1, high products)", () => {
  const edge = [-(1n << 63n), -1n, 0n, 1n, (1n << 63n) - 1n, 0x8000_0000n, -0x8000_0000n, 0xffff_ffffn];
  const regs = Array.from({ length: 31 }, (_, i) => edge[i % edge.length]);
  const body: Item[] = [];
  for (const op of [0x33, 0x3b])
    for (let f3 = 0; f3 < 8; f3++) {
      if (op === 0x3b && f3 >= 1 && f3 <= 3) continue; // no mulh in the W forms
      for (let a = 1; a <= edge.length; a++)
        for (let b = 1; b <= edge.length; b++) {
          // Every result reaches x17 and x18, which the snapshots compare.
          body.push(word(R(op, f3, 1, 9, a, b)), word(R(0x33, 4, 0, 17, 17, 9)), word(R(0x33, 0, 0, 18, 18, 9)));
          body.push(word(I(0x13, 1, 17, 17, 1)));
        }
    }
  for (let at = 0; at < body.length; at += 60) {
    const code = assemble(body.slice(at, at + 60), 0); // one block: it starts at the loop head
    const ref = machine(false, code, regs, 3);
    const jit = machine(true, code, regs, 3);
    for (let i = 0; i < 4; i++) {
      assert.equal(jit.hart.run(400), ref.hart.run(400));
      assert.deepEqual(snapshot(jit.hart, jit.ram), snapshot(ref.hart, ref.ram), `chunk ${at}, slice ${i}`);
    }
  }
});

/** Code that adds `addi a0, a0, 1` 50 times in a loop, then patches that instruction to add 2. */
function selfModifying(fenceAfterPatch: boolean, batch = 1) {
  const patched = addi(10, 10, 2);
  const code = [
    addi(5, 0, 50), // t0 = 50
    addi(10, 10, 1), // 4: loop: a0 += 1   (patched below)
    addi(5, 5, -1),
    B(1, 5, 0, -8), // bnez t0, loop
    ...[U(0x37, 6, patched >>> 12), addi(6, 6, ((patched & 0xfff) << 20) >> 20)], // t1 = patched word
    U(0x17, 7, 0), // t2 = pc
    sw(6, 7, -20), // over the addi a0 of the loop
    fenceAfterPatch ? 0x0000100f : 0x0ff0000f,
    addi(5, 0, 50),
    B(0, 0, 0, -36), // to loop: 50 more passes
  ];
  const mem = new VmMemory(RAM, RAM_SIZE);
  const hart = new Hart(mem.memory, mem.hartStateOffset(0), new MachineBus(mem), { hartId: 0, time: () => 0n });
  const view = new DataView(mem.buffer, mem.ramOffset);
  code.forEach((w, i) => view.setUint32(4 * i, w, true));
  hart.hart.pc = RAM;
  hart.blocks?.setHot(2, batch); // the loop is translated after two passes
  return hart;
}

test("FENCE.I after code modification: the patched instruction runs", () => {
  const hart = selfModifying(true);
  // Setup 1, the first loop 50 × 3, the patch, fence and jump back 7, the second loop 50 × 3.
  hart.run(1 + 150 + 7 + 150);
  assert.equal(hart.hart.x[10], 50n + 100n);
});

test("a block queued before a FENCE.I and compiled after it runs the patched code", () => {
  const hart = selfModifying(true, 64); // 64 per batch: the loop waits in the queue, then its age compiles it
  hart.run(1 + 150 + 7);
  for (let i = 0; i < 20; i++) hart.run(0); // empty slices: the queue ages and compiles, after the fence
  hart.run(150);
  assert.equal(hart.hart.x[10], 50n + 100n);
});

test("a remote fence.i (SBI RFENCE) drops the target hart's blocks", () => {
  const hart = selfModifying(false);
  hart.run(1 + 150 + 7);
  // The patch is in memory; without a fence the loop may run the translated old code.
  remoteFence({ harts: [hart] } as unknown as SbiHost, 1n, 0n, false);
  hart.run(150);
  assert.equal(hart.hart.x[10], 50n + 100n);
});

test("a translated FP instruction is illegal once mstatus.FS is cleared, as in the interpreter", () => {
  // t0 = 10; loop: fmv.x.d t1, f1; s0 += 1; every fourth turn csrrc mstatus (all bits); t0 -= 1
  const prog = [
    I(0x13, 0, 5, 0, 10),
    R(0x53, 0, 0x71, 6, 1, 0),
    addi(8, 8, 1),
    I(0x13, 7, 9, 5, 3),
    B(1, 9, 0, 8),
    I(0x73, 3, 0, 7, 0x300),
    addi(5, 5, -1),
    B(1, 5, 0, -24),
    jal(0, 0),
  ];
  const code = new Uint8Array(4 * prog.length);
  prog.forEach((w, i) => new DataView(code.buffer).setUint32(4 * i, w >>> 0, true));
  const regs = new Array<bigint>(31).fill(0n);
  regs[6] = -1n; // x7: every bit cleared
  const runs = [false, true].map((jit) => {
    const m = machine(jit, code, regs, 0);
    for (let i = 0; i < 20; i++) m.hart.run(50);
    return snapshot(m.hart, m.ram);
  });
  assert.equal(runs[0].x[8], 3n, "the interpreter traps in the third turn");
  assert.deepEqual(runs[1], runs[0]);
});
