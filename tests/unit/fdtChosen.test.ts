import { test } from "node:test";
import assert from "node:assert/strict";
import { FdtBuilder } from "../../src/machine/fdt.js";
import { withChosen } from "../../src/machine/fdtChosen.js";
import { dumpFdt, findNode, parseFdt, propString, propU64s } from "../../src/machine/fdtParse.js";

function tree(chosen?: string): Uint8Array {
  const b = new FdtBuilder().addReservation(0x8000_0000, 0x1000).beginNode("").propU32("#address-cells", 2);
  b.beginNode("cpus").beginNode("cpu@0").prop("device_type", "cpu").endNode().endNode();
  if (chosen !== undefined) b.beginNode("chosen").prop("bootargs", chosen).prop("stdout-path", "/soc/uart").endNode();
  b.beginNode("memory@80000000")
    .prop("device_type", "memory")
    .propU64s("reg", [0x8000_0000, 1 << 28])
    .endNode();
  return b.endNode().finish(3);
}

test("fdt chosen: a tree without /chosen gets one with the command line and the initrd", () => {
  const out = parseFdt(
    withChosen(tree(), { bootargs: "console=hvc0", initrd: { start: 0x8400_0000, end: 0x8480_0000 } }),
  );
  const chosen = findNode(out.root, "/chosen")!;
  assert.equal(propString(chosen, "bootargs"), "console=hvc0");
  assert.deepEqual(propU64s(chosen, "linux,initrd-start"), [0x8400_0000n]);
  assert.deepEqual(propU64s(chosen, "linux,initrd-end"), [0x8480_0000n]);
});

test("fdt chosen: without a command line the tree's own stays; the rest of the tree is kept", () => {
  const before = parseFdt(tree("root=/dev/vda"));
  const after = parseFdt(withChosen(tree("root=/dev/vda"), { bootargs: "" }));
  assert.equal(dumpFdt(after.root), dumpFdt(before.root));
  assert.deepEqual(after.reservations, before.reservations);
  assert.equal(after.bootCpuId, 3);
});

test("fdt chosen: a given command line replaces the tree's and keeps its other /chosen properties", () => {
  const chosen = findNode(parseFdt(withChosen(tree("quiet"), { bootargs: "loud" })).root, "/chosen")!;
  assert.equal(propString(chosen, "bootargs"), "loud");
  assert.equal(propString(chosen, "stdout-path"), "/soc/uart");
});
