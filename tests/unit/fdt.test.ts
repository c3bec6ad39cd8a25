import { test } from "node:test";
import assert from "node:assert/strict";
import { FdtBuilder } from "../../src/machine/fdt.js";
import { findNode, parseFdt, propCells, propString, propStrings, propU64s } from "../../src/machine/fdtParse.js";
import { sampleFdt } from "./fdtFixtures.js";

test("fdt: header is version 17, big-endian, blocks aligned and within totalsize", () => {
  const dtb = sampleFdt();
  const v = new DataView(dtb.buffer);
  assert.equal(v.getUint32(0), 0xd00dfeed);
  assert.equal(v.getUint32(4), dtb.length);
  const offStruct = v.getUint32(8);
  const offStrings = v.getUint32(12);
  const offRsv = v.getUint32(16);
  assert.equal(v.getUint32(20), 17);
  assert.equal(v.getUint32(24), 16);
  assert.equal(v.getUint32(28), 3);
  assert.equal(offRsv % 8, 0);
  assert.equal(offStruct % 4, 0);
  assert.equal(offStruct, offRsv + 16, "the reservation block holds only its terminator");
  assert.equal(offStrings, offStruct + v.getUint32(36));
  assert.ok(offStrings + v.getUint32(32) <= dtb.length);
});

test("fdt: property names are stored once in the strings block", () => {
  const dtb = sampleFdt();
  const v = new DataView(dtb.buffer);
  const strings = new TextDecoder().decode(dtb.subarray(v.getUint32(12), v.getUint32(12) + v.getUint32(32)));
  assert.equal(strings.split("\0").filter((s) => s === "compatible").length, 1);
});

test("fdt: round trip through parseFdt", () => {
  const fdt = parseFdt(sampleFdt());
  assert.equal(fdt.version, 17);
  assert.equal(fdt.bootCpuId, 3);
  assert.deepEqual(fdt.reservations, []);
  assert.equal(propString(fdt.root, "compatible"), "riscv-virtio");
  assert.deepEqual(propCells(fdt.root, "#size-cells"), [2]);
  const mem = findNode(fdt.root, "/memory@80000000")!;
  assert.deepEqual(propU64s(mem, "reg"), [0x80000000n, 0x8000000n]);
  const chosen = findNode(fdt.root, "/chosen")!;
  assert.deepEqual(propU64s(chosen, "linux,initrd-start"), [0x123456789n]);
  assert.deepEqual(propStrings(chosen, "names"), ["a", "bc", ""]);
  assert.deepEqual([...chosen.props["blob"]], [1, 2, 3]);
  assert.equal(chosen.props["ranges"].length, 0);
  assert.equal(propString(chosen, "compatible"), "x");
  assert.equal(findNode(fdt.root, "/nope"), undefined);
});

test("fdt: reservations are written and read back", () => {
  const b = new FdtBuilder().addReservation(0x80000000, 0x200000);
  b.beginNode("").endNode();
  assert.deepEqual(parseFdt(b.finish()).reservations, [{ address: 0x80000000n, size: 0x200000n }]);
});

test("fdt: misuse of the builder is an error", () => {
  assert.throws(() => new FdtBuilder().beginNode("x"));
  assert.throws(() => new FdtBuilder().beginNode("").finish());
  assert.throws(() => new FdtBuilder().beginNode("").endNode().beginNode(""));
  assert.throws(() => new FdtBuilder().beginNode("").propCells("x", [2 ** 32]));
  assert.throws(() => new FdtBuilder().beginNode("").propU64("x", -1));
});

test("fdt: parseFdt rejects malformed blobs with an Error", () => {
  const dtb = sampleFdt();
  assert.throws(() => parseFdt(dtb.subarray(0, 20)));
  const bad = dtb.slice();
  new DataView(bad.buffer).setUint32(36, 0xffff); // size_dt_struct beyond the blob
  assert.throws(() => parseFdt(bad), /beyond/);
  for (let cut = 40; cut < dtb.length; cut += 7) {
    const t = dtb.slice();
    new DataView(t.buffer).setUint32(4, cut);
    assert.throws(() => parseFdt(t.subarray(0, cut)), Error);
  }
});
