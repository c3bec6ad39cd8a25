// A program whose entry point or trap vector faults takes trap after trap and retires nothing.
// `paravm elf` and `paravm run` stop it with one clear line and exit status 126; the traps count
// against --max-instructions; `paravm elf --timeout` stops a program that runs on. A handler that
// does retire instructions between its traps is a running program, not a trap loop.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { I, U, csrrw, ecall, jal, lui, mret } from "./asm.js";
import { buildElf } from "./miniElf.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "paravm-trap-loop-"));
const T0 = 5;
const jalr = (rd: number, rs1: number, imm: number) => I(0x67, 0, rd, rs1, imm);
/** t0 = 0x1000, where there is no RAM, and jump there: the trap vector (0 at reset) faults too. */
const JUMP_OUT = [lui(T0, 1), jalr(0, T0, 0)];

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** paravm with a guard: a hang fails the test instead of hanging the suite. */
function paravm(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

const LOOP_LINE = /stuck in a trap loop: fetch fault at pc 0x0 \(trap to (M|S)-mode, tval 0x0\)/;

test("paravm elf: entry 0 and a jump out of RAM end as a trap loop, exit status 126", () => {
  for (const elf of [buildElf([jal(0, 0)], { entry: 0 }), buildElf(JUMP_OUT)]) {
    const r = paravm("elf", file("loop.elf", elf));
    assert.equal(r.status, 126, r.stderr);
    assert.match(r.stderr, LOOP_LINE);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

test("paravm elf: traps count against --max-instructions", () => {
  const r = paravm("elf", file("entry0.elf", buildElf([jal(0, 0)], { entry: 0 })), "--max-instructions", "1000");
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /instruction limit \(1000\)/);
});

test("paravm elf: a handler that retires instructions between traps runs on to the limit", () => {
  const MTVEC = 0x305;
  const MEPC = 0x341;
  // mtvec = the handler; ecall; the handler returns to the ecall itself, for ever.
  const code = [
    ...[U(0x17, T0, 0), I(0x13, 0, T0, T0, 20), csrrw(0, MTVEC, T0)], // auipc, addi
    ecall(),
    jal(0, 0),
    csrrw(T0, MEPC, T0), // handler at +20: read mepc (and write it back)
    csrrw(0, MEPC, T0),
    mret(),
  ];
  const r = paravm("elf", file("ecall-loop.elf", buildElf(code)), "--max-instructions", "200000");
  assert.equal(r.status, 3, r.stderr);
});

test("paravm elf --timeout stops a program that runs on, exit status 124", () => {
  // A jump to itself now turns inside one translated block at about 10^9 instructions a
  // second: the instruction limit must be out of reach, so that only the timeout can stop it.
  const spin = file("spin.elf", buildElf([jal(0, 0)]));
  const r = paravm("elf", spin, "--timeout", "1", "--max-instructions", String(Number.MAX_SAFE_INTEGER));
  assert.equal(r.status, 124, r.stderr);
  assert.match(r.stderr, /still running after 1 s/);
  assert.equal(paravm("elf", "x.elf", "--timeout", "soon").status, 2);
});

test("paravm run: an S-mode kernel (pv) or a firmware (full) in a trap loop ends with exit status 126", () => {
  const kernel = file("kernel.elf", buildElf(JUMP_OUT, { base: 0x8040_0000, tohost: false }));
  const firmware = file("firmware.elf", buildElf(JUMP_OUT, { tohost: false }));
  for (const [args, mode] of [
    [["--kernel", kernel], "S"],
    [["--mode", "full", "--firmware", firmware, "--cpus", "2"], "M"],
  ] as const) {
    const r = paravm("run", ...args, "--timeout", "30");
    assert.equal(r.status, 126, r.stderr);
    const m = LOOP_LINE.exec(r.stderr);
    assert.equal(m?.[1], mode, r.stderr);
  }
});
