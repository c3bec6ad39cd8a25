// guests/sbi-timer (an S-mode ELF, loaded by --kernel as QEMU's -kernel does) through paravm run
// in pv mode: timer interrupts programmed through SBI TIME and legacy set_timer (also with a
// deadline in the past) and through Sstc's stimecmp wake a hart waiting in wfi, not before their
// deadline and once; with two and three harts, a second hart does the same while the boot hart
// waits on its own timer. QEMU virt with its OpenSBI prints the same lines.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const ELF = fileURLToPath(new URL("../../../guests/sbi-timer/timer.elf", import.meta.url));

const ONE_HART = [
  "sbi time set_timer: ok",
  "sbi legacy set_timer: ok",
  "sbi time set_timer in the past: ok",
  "sbi legacy set_timer in the past: ok",
  "sstc stimecmp: ok",
];
const TWO_HARTS = [
  ...ONE_HART,
  "other hart: sbi time set_timer: ok",
  "other hart: sstc stimecmp: ok",
  "boot hart's timer while the other hart waits on its own: ok",
];

for (const [cpus, lines] of [
  [1, ONE_HART],
  [2, TWO_HARTS],
  [3, TWO_HARTS],
] as const) {
  test(`pv mode, ${cpus} hart(s): SBI and Sstc timer interrupts wake a hart in wfi`, () => {
    const r = spawnSync(
      process.execPath,
      [MAIN, "run", "--kernel", ELF, "--cpus", String(cpus), "--stats", "--timeout", "30"],
      { encoding: "utf8" },
    );
    assert.equal(r.stdout, lines.map((l) => l + "\n").join(""), r.stderr);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /sbi TIME 0\s+\d+/);
    assert.match(r.stderr, /sbi legacy set_timer\s+\d+/);
  });
}
