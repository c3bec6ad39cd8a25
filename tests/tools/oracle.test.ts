// QEMU as the oracle (needs gcc-riscv64-unknown-elf and qemu-system-misc; run by .ci/run
// through `npm run test:tools`): the ISA programs are rebuilt from source, must equal the
// committed ELFs, and paravm's verdict on each must equal qemu-system-riscv64's, except where
// tests/isa/qemu-xfail.txt records that QEMU departs from the spec.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runBareMetal } from "../../src/vmm/bareMetal.js";

const ISA = fileURLToPath(new URL("../../../tests/isa/", import.meta.url));
const BENCH = fileURLToPath(new URL("../../../bench/guests/", import.meta.url));
const built = mkdtempSync(join(tmpdir(), "paravm-isa-"));

/** 0 = pass, n = failed test n, -1 = no verdict. */
function qemuVerdict(elf: string): number {
  const r = spawnSync("qemu-system-riscv64", ["-machine", "spike", "-bios", "none", "-nographic", "-kernel", elf], {
    timeout: 30_000,
    stdio: ["ignore", "ignore", "ignore"],
  });
  return r.status ?? -1;
}

function paravmVerdict(elf: string): number {
  const r = runBareMetal({
    elf: readFileSync(elf),
    memoryBytes: 64 << 20,
    maxInstructions: 100_000_000,
    output: () => {},
  });
  return r.kind === "pass" ? 0 : r.kind === "fail" ? r.test : -1;
}

const xfail = new Map<string, Set<number>>();
for (const line of readFileSync(join(ISA, "qemu-xfail.txt"), "utf8").split("\n")) {
  const m = /^(\S+)\s+(\d+)/.exec(line);
  if (m && !line.startsWith("#")) xfail.set(m[1], (xfail.get(m[1]) ?? new Set()).add(Number(m[2])));
}

test("the ISA programs build from source and equal the committed ELFs", () => {
  const r = spawnSync("bash", [join(ISA, "build.sh")], { env: { ...process.env, ISA_BIN: built }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const f of readdirSync(join(ISA, "bin")).filter((n) => n.endsWith(".elf"))) {
    assert.ok(
      readFileSync(join(built, f)).equals(readFileSync(join(ISA, "bin", f))),
      `${f} differs from its source: run npm run build:tests`,
    );
  }
});

test("the benchmark guests build from source and equal the committed ELFs", () => {
  const out = mkdtempSync(join(tmpdir(), "paravm-bench-"));
  const r = spawnSync("bash", [join(BENCH, "build.sh")], { env: { ...process.env, BENCH_BIN: out }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const f of readdirSync(join(BENCH, "bin")).filter((n) => n.endsWith(".elf"))) {
    assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(BENCH, "bin", f))), `${f} differs from its source`);
  }
});

test("paravm's verdict equals QEMU's on every ISA program", () => {
  const names = readdirSync(built).filter((n) => n.endsWith(".elf"));
  assert.ok(names.length > 0);
  for (const name of names) {
    const base = name.replace(/\.elf$/, "");
    const q = qemuVerdict(join(built, name));
    const p = paravmVerdict(join(built, name));
    if (q !== p && xfail.get(base)?.has(q) && p === 0) continue; // QEMU departs from the spec here
    assert.equal(p, q, `${name}: paravm ${p}, QEMU ${q}`);
    const compat = join(built, "qemu-compat", name);
    if (existsSync(compat)) assert.equal(paravmVerdict(compat), qemuVerdict(compat), `qemu-compat/${name}`);
  }
});
