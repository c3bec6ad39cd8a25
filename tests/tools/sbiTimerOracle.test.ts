// guests/sbi-timer (an S-mode ELF) under qemu-system-riscv64 -machine virt with QEMU's OpenSBI,
// the oracle, and under paravm --mode full with Debian's OpenSBI fw_dynamic (which reaches the
// ELF's entry through next_addr): both print what paravm's pv mode prints (tests/guest/sbiTimer).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const ELF = fileURLToPath(new URL("../../../guests/sbi-timer/timer.elf", import.meta.url));
const FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";

/** The guest's own lines, without the firmware's banner. */
const caseLines = (stdout: string) => stdout.split(/\r?\n/).filter((l) => /: (ok|FAIL)$/.test(l));

function expected(cpus: number): string[] {
  const r = spawnSync(process.execPath, [MAIN, "run", "--kernel", ELF, "--cpus", String(cpus), "--timeout", "30"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return caseLines(r.stdout);
}

for (const cpus of [1, 2]) {
  test(`QEMU virt, ${cpus} hart(s): the same timer cases pass`, () => {
    const r = spawnSync(
      "qemu-system-riscv64",
      ["-machine", "virt", "-nographic", "-m", "256M", "-smp", String(cpus), "-no-reboot", "-kernel", ELF],
      { encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(r.error, undefined, "install qemu-system-misc");
    assert.deepEqual(caseLines(r.stdout), expected(cpus));
  });

  test(`paravm full mode with OpenSBI, ${cpus} hart(s): the same timer cases pass`, () => {
    assert.ok(existsSync(FW), "install Debian's opensbi package");
    const r = spawnSync(
      process.execPath,
      [MAIN, "run", "--mode", "full", "--kernel", ELF, "--cpus", String(cpus), "--timeout", "60"],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(caseLines(r.stdout), expected(cpus));
  });
}
