// guests/bare-metal under QEMU, the oracle (needs gcc-riscv64-unknown-elf and qemu-system-misc;
// run by .ci/run through `npm run test:tools`): the kernel rebuilds byte-identically from its
// source, and QEMU's virt machine with no firmware prints the same as paravm's full mode.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KERNEL, PARAVM, TRANSCRIPT, makeDisk, runWithInput, sectorPattern, type Run } from "../guest/bareMetalRun.js";

const BUILD = fileURLToPath(new URL("../../../guests/bare-metal/build.sh", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "paravm-baremetal-qemu-"));

/** QEMU virt, no firmware; `bus` picks the virtio-mmio slot (QEMU fills the last one first). */
function qemu(disk: string, bus?: number): Promise<Run> {
  const args = ["-machine", "virt", "-bios", "none", "-kernel", KERNEL, "-nographic", "-no-reboot"];
  args.push("-global", "virtio-mmio.force-legacy=false");
  args.push("-drive", `file=${disk},if=none,format=raw,id=d`);
  args.push("-device", `virtio-blk-device,drive=d${bus === undefined ? "" : `,bus=virtio-mmio-bus.${bus}`}`);
  return runWithInput("qemu-system-riscv64", args, 60_000);
}

test("guests/bare-metal/build.sh rebuilds the committed kernel.elf byte-identically", () => {
  const out = mkdtempSync(join(tmpdir(), "paravm-baremetal-build-"));
  const r = spawnSync("bash", [BUILD], { env: { ...process.env, OUT: out }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    readFileSync(join(out, "kernel.elf")).equals(readFileSync(KERNEL)),
    "kernel.elf differs from its source: run guests/bare-metal/build.sh",
  );
});

test("QEMU virt with -bios none prints what paravm full mode prints", async () => {
  const qemuDisk = makeDisk(dir, "qemu.img");
  const q = await qemu(qemuDisk, 0);
  assert.equal(q.status, 0, q.out + q.err);
  assert.equal(q.out, TRANSCRIPT + "\n");
  assert.ok(readFileSync(qemuDisk).subarray(512, 1024).equals(sectorPattern()));

  const paravmDisk = makeDisk(dir, "paravm.img");
  const p = await runWithInput(
    process.execPath,
    [PARAVM, "run", "--mode", "full", "--firmware", KERNEL, "--disk", paravmDisk, "--timeout", "60"],
    120_000,
  );
  assert.equal(p.status, 0, p.out + p.err);
  assert.equal(p.out, q.out);
  assert.ok(readFileSync(paravmDisk).equals(readFileSync(qemuDisk)), "the two disks differ afterwards");
});

test("QEMU: the kernel finds the disk in whichever virtio-mmio slot it sits", async () => {
  const q = await qemu(makeDisk(dir, "slot.img")); // QEMU's first -device goes to the last slot
  assert.equal(q.status, 0, q.out + q.err);
  assert.match(q.out, /^virtio: blk in slot 7, PLIC source 8, virtio-mmio version 2$/m);
  assert.match(q.out, /^BAREMETAL PASS$/m);
});
