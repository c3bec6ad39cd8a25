// Device-tree blobs shared by the unit tests of the FDT code and the dtc check in
// tests/tools/dtc.test.ts, so that both look at the same trees.

import type { DeviceTreeConfig } from "../../src/machine/deviceTree.js";
import { FdtBuilder } from "../../src/machine/fdt.js";

/** A small blob using every kind of property the builder writes, and a repeated name. */
export function sampleFdt(): Uint8Array {
  const b = new FdtBuilder();
  b.beginNode("");
  b.prop("compatible", "riscv-virtio");
  b.propU32("#address-cells", 2);
  b.propU32("#size-cells", 2);
  b.beginNode("memory@80000000");
  b.prop("device_type", "memory");
  b.propCells("reg", [0, 0x80000000, 0, 0x8000000]);
  b.endNode();
  b.beginNode("chosen");
  b.propU64s("linux,initrd-start", [0x1_2345_6789n]);
  b.propStrings("names", ["a", "bc", ""]);
  b.propBytes("blob", Uint8Array.of(1, 2, 3));
  b.propEmpty("ranges");
  b.prop("compatible", "x"); // a second use of a name
  b.endNode();
  b.endNode();
  return b.finish(3);
}

/** A two-hart pv machine with 256 MiB of RAM, changed by `over`. */
export function deviceTreeConfig(over: Partial<DeviceTreeConfig> = {}): DeviceTreeConfig {
  return {
    mode: "pv",
    harts: 2,
    ramBase: 0x8000_0000,
    ramSize: 256 << 20,
    bootargs: "console=hvc0 quiet",
    isa: { base: "rv64imafdc", extensions: ["i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zicntr"] },
    timebaseHz: 10_000_000,
    virtioSlots: 8,
    stdout: "hvc",
    ...over,
  };
}
