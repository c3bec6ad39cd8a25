// Full mode with no firmware at all (QEMU's -bios none -kernel): guests/bare-metal/kernel.elf
// starts in M-mode at its ELF entry and drives the emulated hardware itself: CLINT timer
// interrupts, UART receive and THRE interrupts through the PLIC, and a virtio-blk disk over the
// virtio-mmio v2 transport with completions through the PLIC. tests/tools/bareMetalQemu.test.ts
// checks that the ELF rebuilds from source and that QEMU prints the same.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DISK_BYTES,
  KERNEL,
  LINE,
  PARAVM,
  SECTOR0,
  TRANSCRIPT,
  makeDisk,
  parseStats,
  runWithInput,
  sectorPattern,
} from "./bareMetalRun.js";

const dir = mkdtempSync(join(tmpdir(), "paravm-baremetal-"));

const paravm = (args: string[]) =>
  runWithInput(process.execPath, [PARAVM, "run", "--mode", "full", "--firmware", KERNEL, ...args], 120_000);

test("full mode, no firmware: a bare-metal kernel takes CLINT, UART, PLIC and virtio-blk interrupts", async () => {
  const disk = makeDisk(dir);
  const r = await paravm(["--disk", disk, "--timeout", "60", "--stats"]);
  assert.equal(r.status, 0, r.out + r.err);
  assert.match(r.out, /^timer: 5 machine timer interrupts$/m);
  assert.match(r.out, new RegExp(`^uart: echo: ${LINE}$`, "m"));
  assert.match(r.out, /^uart: 18 bytes sent by THRE interrupts, THRI off again$/m);
  assert.match(r.out, /^virtio: read sector 1 back, status OK, used len 513: pattern matches$/m);
  assert.match(r.out, new RegExp(`^virtio: sector 0 says: ${SECTOR0}$`, "m"));
  assert.match(r.out, /^BAREMETAL PASS$/m);
  assert.equal(r.out, TRANSCRIPT + "\n");

  // the kernel's write reached the host image, and nothing else changed
  const image = readFileSync(disk);
  assert.equal(image.length, DISK_BYTES);
  assert.ok(image.subarray(512, 1024).equals(sectorPattern()), "sector 1 holds the kernel's pattern");
  assert.equal(image.subarray(0, SECTOR0.length).toString("latin1"), SECTOR0);
  assert.ok(
    image.subarray(1024).every((b) => b === 0),
    "sectors past 1 are untouched",
  );

  // every device was reached through MMIO exits; the interrupts were the guest's own M-mode traps
  const stats = parseStats(r.err);
  for (const device of ["clint", "plic", "uart", "virtio-blk", "syscon"]) {
    assert.ok((stats.get(`mmio ${device}`) ?? 0) > 0, `no mmio ${device} exits in --stats:\n${r.err}`);
  }
  assert.ok((stats.get("trap to M: interrupt MTI") ?? 0) >= 5, r.err);
  // one UART receive, at least one THRE and one per virtio request
  assert.ok((stats.get("trap to M: interrupt MEI") ?? 0) >= 5, r.err);
  // a claim and a complete per PLIC interrupt at least
  assert.ok((stats.get("mmio plic") ?? 0) >= 10, r.err);
  assert.ok((stats.get("wfi") ?? 0) > 0, r.err);
});

test("full mode, no firmware: the kernel's failure code comes out as paravm's exit status", async () => {
  const r = await paravm(["--timeout", "60"]); // no disk: step 5 fails
  assert.match(r.out, /^uart: echo: hello$/m);
  assert.match(r.out, /^BAREMETAL FAIL no virtio-blk device$/m);
  assert.equal(r.status, 5, r.out + r.err);
});
