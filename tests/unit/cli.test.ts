import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildElf } from "./miniElf.js";
import { U, addi, jal, li, sb, sd, sw } from "./asm.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "paravm-cli-"));
const auipcT0 = U(0x17, 5, 1); // t0 = 0x80001000 (tohost), from pc 0x80000000
const T0 = 5;
const T1 = 6;

function run(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function elfFile(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

test("tohost = 1 passes with exit status 0", () => {
  const f = elfFile("pass.elf", buildElf([auipcT0, addi(T1, 0, 1), sd(T1, T0, 0), jal(0, 0)]));
  assert.equal(run(["elf", f]).status, 0);
});

test("an odd tohost value fails and names the test", () => {
  const f = elfFile("fail.elf", buildElf([auipcT0, addi(T1, 0, 7), sd(T1, T0, 0), jal(0, 0)]));
  const r = run(["elf", f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /test 3/);
});

test("the instruction limit ends a looping program with exit status 3", () => {
  const f = elfFile("loop.elf", buildElf([jal(0, 0)]));
  const r = run(["elf", f, "--max-instructions", "5000"]);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /instruction limit/);
});

test("a program without tohost ends through the syscon and prints through the UART", () => {
  const code = [
    U(0x37, T0, 0x10000), // t0 = 0x10000000, the UART
    addi(T1, 0, 0x68),
    sb(T1, T0, 0),
    addi(T1, 0, 0x69),
    sb(T1, T0, 0),
    U(0x37, T0, 0x100), // t0 = 0x100000, the syscon
    ...li(T1, 0x5555),
    sw(T1, T0, 0),
    jal(0, 0),
  ];
  const r = run(["elf", elfFile("syscon.elf", buildElf(code, { tohost: false }))]);
  assert.equal(r.stdout, "hi");
  assert.equal(r.status, 0);
});

test("syscon 0x3333 reports failure", () => {
  const code = [U(0x37, T0, 0x100), ...li(T1, 0x3333), sw(T1, T0, 0), jal(0, 0)];
  assert.equal(run(["elf", elfFile("sysfail.elf", buildElf(code, { tohost: false }))]).status, 1);
});

test("files that are not RISC-V 64-bit ELFs are refused with one line and exit status 2", () => {
  const cases = [
    elfFile("x86.elf", buildElf([jal(0, 0)], { machine: 62 })),
    elfFile("text.elf", "hello, world\n"),
    join(dir, "missing.elf"),
  ];
  for (const f of cases) {
    const r = run(["elf", f]);
    assert.equal(r.status, 2, f);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^paravm: /);
  }
});

test("bad arguments exit with status 2", () => {
  assert.equal(run(["elf"]).status, 2);
  assert.equal(run(["elf", "x", "--max-instructions", "lots"]).status, 2);
  assert.equal(run(["elf", "x", "--bogus"]).status, 2);
  assert.equal(run(["frobnicate"]).status, 2);
});
