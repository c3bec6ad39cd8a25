import { test } from "node:test";
import assert from "node:assert/strict";
import { buildDeviceTree, type DeviceTreeConfig } from "../../src/machine/deviceTree.js";
import { checkDeviceTree } from "../../src/machine/fdtCheck.js";
import { FdtError } from "../../src/machine/fdtParse.js";

const RAM = { ramBase: 0x8000_0000, ramSize: 256 << 20 };

function generated(over: Partial<DeviceTreeConfig>): Uint8Array {
  return buildDeviceTree({
    mode: "pv",
    harts: 1,
    ...RAM,
    bootargs: "console=hvc0",
    isa: { base: "rv64imafdc", extensions: ["i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zicntr"] },
    timebaseHz: 10_000_000,
    virtioSlots: 8,
    stdout: "hvc",
    ...over,
  });
}

test("fdt check: every tree paravm generates passes", () => {
  for (const mode of ["pv", "full"] as const)
    for (const harts of [1, 4, 16]) checkDeviceTree(generated({ mode, harts }), { maxBytes: 64 * 1024, ...RAM });
});

test("fdt check: a tree for more RAM than the machine has, or too big for its room, is refused", () => {
  const big = generated({ ramSize: 512 << 20 });
  assert.throws(() => checkDeviceTree(big, { maxBytes: 64 * 1024, ...RAM }), FdtError);
  assert.throws(() => checkDeviceTree(generated({}), { maxBytes: 100, ...RAM }), /more than the 100/);
});

test("fdt check: every truncation of a good tree is refused with an FdtError", () => {
  const good = generated({});
  for (let cut = 0; cut < good.length; cut += 7)
    assert.throws(() => checkDeviceTree(good.subarray(0, cut), { maxBytes: 64 * 1024, ...RAM }), FdtError);
});
