// npm run bench:cpu — guest MIPS of paravm and qemu-system-riscv64 on the same loops.
// Each ELF in bench/guests/bin holds a loop whose iteration count is the word `iterations`;
// both emulators run patched copies, and each one's start-up time is measured with 1 iteration
// and subtracted. The loops run long enough (hundreds of millions of instructions) for the
// steady state to count: V8 runs a translated block in its baseline compiler (Liftoff) for its
// first milliseconds, and at 5 M iterations that warm-up was most of paravm's time.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseElf } from "../src/machine/elfLoader.js";
import { runBareMetal } from "../src/vmm/bareMetal.js";

const BIN = fileURLToPath(new URL("../../bench/guests/bin/", import.meta.url));
const PARAVM_ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50_000_000);
const QEMU_ITERATIONS = PARAVM_ITERATIONS * 4;
const tmp = mkdtempSync(join(tmpdir(), "paravm-bench-"));

function withIterations(elf: Uint8Array, n: number): Uint8Array {
  const image = parseElf(elf);
  const at = image.symbols.get("iterations");
  if (at === undefined) throw new Error("benchmark ELF has no `iterations` symbol");
  const seg = image.segments.find((s) => at >= s.paddr && at + 8 <= s.paddr + s.fileSize);
  if (!seg) throw new Error("`iterations` is not in a loaded segment");
  const copy = Uint8Array.from(elf);
  new DataView(copy.buffer).setBigUint64(seg.fileOffset + at - seg.paddr, BigInt(n), true);
  return copy;
}

function paravm(elf: Uint8Array): { instructions: number; seconds: number } {
  const t = performance.now();
  const r = runBareMetal({ elf, memoryBytes: 64 << 20, maxInstructions: 1e12, output: () => {} });
  if (r.kind !== "pass") throw new Error(`paravm: ${r.kind}`);
  return { instructions: r.instructions, seconds: (performance.now() - t) / 1000 };
}

function qemuSeconds(elf: Uint8Array, name: string): number | null {
  const file = join(tmp, name);
  writeFileSync(file, elf);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync("qemu-system-riscv64", ["-machine", "spike", "-bios", "none", "-nographic", "-kernel", file]);
    if (r.error || r.status !== 0) return null;
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

const rows: string[][] = [["loop", "instructions", "paravm MIPS", "QEMU MIPS", "paravm/QEMU"]];
for (const name of readdirSync(BIN)
  .filter((f) => f.endsWith(".elf"))
  .sort()) {
  const elf = readFileSync(join(BIN, name));
  const base = paravm(withIterations(elf, 1));
  const run = paravm(withIterations(elf, PARAVM_ITERATIONS));
  const perIteration = (run.instructions - base.instructions) / (PARAVM_ITERATIONS - 1);
  // As for QEMU below: the VM's start-up (a run of one iteration) is not the loop's time.
  const mips = (run.instructions - base.instructions) / Math.max(run.seconds - base.seconds, 1e-3) / 1e6;
  const q0 = qemuSeconds(withIterations(elf, 1), `${name}.0`);
  const q1 = qemuSeconds(withIterations(elf, QEMU_ITERATIONS), `${name}.n`);
  const qmips =
    q0 !== null && q1 !== null ? (perIteration * (QEMU_ITERATIONS - 1)) / Math.max(q1 - q0, 1e-3) / 1e6 : null;
  rows.push([
    name.replace(".elf", ""),
    String(run.instructions),
    mips.toFixed(1),
    qmips === null ? "n/a" : qmips.toFixed(0),
    qmips === null ? "n/a" : (mips / qmips).toFixed(3),
  ]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join("  "));
if (rows.some((r) => r[3] === "n/a"))
  console.log("(QEMU not found or failed: install qemu-system-misc for the comparison)");
