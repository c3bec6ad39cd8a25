// The device trees paravm writes, read back by the reference tool: Debian's dtc (package
// device-tree-compiler, which .ci/run installs; run by `npm run test:tools`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeviceTree } from "../../src/machine/deviceTree.js";
import { deviceTreeConfig, sampleFdt } from "../unit/fdtFixtures.js";
import { requireTool } from "./requireTool.js";

const dir = mkdtempSync(join(tmpdir(), "paravm-dtc-"));

/** dtc's source form of the blob, with its exit status and warnings. */
function decompile(name: string, blob: Uint8Array): { status: number | null; stdout: string; stderr: string } {
  requireTool("dtc", "device-tree-compiler");
  const file = join(dir, `${name}.dtb`);
  writeFileSync(file, blob);
  return spawnSync("dtc", ["-I", "dtb", "-O", "dts", file], { encoding: "utf8" });
}

test("dtc: decompiles the builder's blob with every kind of property", () => {
  const r = decompile("sample", sampleFdt());
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /compatible = "riscv-virtio";/);
  assert.match(r.stdout, /reg = <0x00 0x80000000 0x00 0x8000000>;/);
  assert.match(r.stdout, /names = "a\\0bc\\0";|names = "a", "bc", "";/);
});

test("dtc: accepts the device tree of both modes without warnings", () => {
  for (const mode of ["pv", "full"] as const) {
    const blob = buildDeviceTree(deviceTreeConfig({ mode, initrd: { start: 0x8800_0000, end: 0x8900_0000 } }));
    const r = decompile(mode, blob);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "", `${mode}: ${r.stderr}`);
  }
});
