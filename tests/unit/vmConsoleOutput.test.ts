// The run loop and console output the host cannot take: a guest that writes the UART without
// looking at LSR stops being run while stdout is full (it waits, nothing is lost), the VM stays
// live (stop() ends it), and it goes on once stdout drained.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Vm } from "../../src/vmm/vm.js";
import { jal, li, lui, sb } from "./asm.js";

const [T0, S0] = [5, 8];

/** M-mode firmware: 'A' into the UART's THR, forever. */
function writer(): Uint8Array {
  const code = [lui(S0, 0x10000), ...li(T0, 0x41), sb(T0, S0, 0), jal(0, -4)];
  const bytes = new Uint8Array(code.length * 4);
  const dv = new DataView(bytes.buffer);
  code.forEach((w, i) => dv.setUint32(4 * i, w, true));
  return bytes;
}

const turn = () => new Promise((r) => setTimeout(r, 5));

test("a guest writing on while stdout is full is held, not buffered without bound; it resumes on drain", async () => {
  let written = 0;
  let full = false;
  const vm = new Vm({
    mode: "full",
    memoryBytes: 16 << 20,
    cpus: 1,
    append: "",
    firmware: writer(),
    output: (b) => {
      written += b.length;
      if (written >= 1000) full = true; // a pipe whose reader went away
    },
    outputFull: () => full,
  });
  const run = vm.run();
  const sleeps = () => vm.stats.entries().find((e) => e.cause === "idle sleep")?.count ?? 0;
  for (let i = 0; i < 400 && sleeps() < 3; i++) await turn();
  const held = written;
  // One slice of guest time may write before the round notices; never more than that.
  assert.ok(held < 1000 + 4096 + 20_000, `${held} bytes written into a full stdout`);
  assert.ok(sleeps() >= 3, "the VM waits (sleeps) while stdout is full");
  full = false;
  written = 0;
  vm.outputDrained();
  for (let i = 0; i < 400 && written < 1000; i++) await turn();
  assert.ok(written >= 1000, "output goes on once stdout drained");
  vm.stop();
  assert.deepEqual(await run, { kind: "stopped" });
});
