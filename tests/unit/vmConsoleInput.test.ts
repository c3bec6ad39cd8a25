// The run loop and console input: a VM whose harts all wait in wfi does not sleep while typed
// input sits in paravm's queue and the guest's UART could take it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Vm } from "../../src/vmm/vm.js";
import { B, I, addi, csrrs, jal, li, lui, sb, sw, wfi } from "./asm.js";

const lw = (rd: number, rs1: number, imm: number) => I(0x03, 2, rd, rs1, imm);
const lbu = (rd: number, rs1: number, imm: number) => I(0x03, 4, rd, rs1, imm);
const andi = (rd: number, rs1: number, imm: number) => I(0x13, 7, rd, rs1, imm);
const beq = (rs1: number, rs2: number, off: number) => B(0, rs1, rs2, off);
const blt = (rs1: number, rs2: number, off: number) => B(4, rs1, rs2, off);

const [T0, T1, S0, S1, S2, S3] = [5, 6, 8, 9, 18, 19];
const MIE = 0x304;
const BYTES = 100;

/**
 * M-mode firmware (raw, at 0x80000000): UART receive interrupts through PLIC context 0 with
 * mstatus.MIE off, so wfi only wakes it; it drains the FIFO after each wake-up and powers off
 * once it has read BYTES bytes.
 */
function reader(): Uint8Array {
  const code = [
    lui(S0, 0x10000), // UART
    ...li(T0, 1),
    sb(T0, S0, 2), // FCR: FIFOs on (16 bytes)
    sb(T0, S0, 1), // IER: received data available
    lui(T1, 0xc000),
    sw(T0, T1, 4 * 10), // source 10 priority 1
    lui(T1, 0xc002),
    ...li(T0, 1 << 10),
    sw(T0, T1, 0), // enabled in context 0 (hart 0 M-mode)
    lui(S1, 0xc200),
    sw(0, S1, 0), // threshold 0
    ...li(T0, 1 << 11),
    csrrs(0, MIE, T0), // MEIE
    addi(S2, 0, 0),
    ...li(S3, BYTES),
  ];
  const loop = code.length;
  code.push(wfi(), lw(T1, S1, 4)); // claim
  const drain = code.length;
  code.push(lbu(T0, S0, 5), andi(T0, T0, 1)); // LSR.DR
  code.push(beq(T0, 0, 4 * 4)); // → complete
  code.push(lbu(T0, S0, 0), addi(S2, S2, 1), jal(0, 4 * (drain - (code.length + 2))));
  code.push(sw(T1, S1, 4)); // complete
  code.push(blt(S2, S3, 4 * (loop - code.length)));
  code.push(lui(T0, 0x100), ...li(T1, 0x5555), sw(T1, T0, 0)); // syscon: power off
  code.push(wfi(), jal(0, -4));
  const bytes = new Uint8Array(code.length * 4);
  const dv = new DataView(bytes.buffer);
  code.forEach((w, i) => dv.setUint32(4 * i, w, true));
  return bytes;
}

test("typed input reaches a guest waiting in wfi without idle sleeps, 16 bytes at a time", async () => {
  const vm = new Vm({
    mode: "full",
    memoryBytes: 16 << 20,
    cpus: 1,
    append: "",
    firmware: reader(),
    output: () => {},
  });
  vm.pushInput(new Uint8Array(BYTES).fill(0x61));
  assert.deepEqual(await vm.run(), { kind: "poweroff" });
  const sleeps = vm.stats.entries().find((e) => e.cause === "idle sleep");
  assert.equal(sleeps, undefined, `the VM slept ${sleeps?.count} times with input waiting`);
  assert.ok((vm.stats.entries().find((e) => e.cause === "wfi")?.count ?? 0) >= Math.ceil(BYTES / 16));
});
