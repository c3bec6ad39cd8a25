// Checks a device tree given by the user (--dtb) before boot. parseFdt checks the header and
// the structure; this adds what no kernel gets going without — a root node, a cpu under
// /cpus, memory that the machine has — so that a wrong file is refused with a reason instead
// of booting into silence.

import { FdtError, type FdtNode, parseFdt, propCells } from "./fdtParse.js";

export interface DeviceTreeLimits {
  /** The room for the tree in guest RAM. */
  maxBytes: number;
  ramBase: number;
  ramSize: number;
}

/** Throws an FdtError saying what is wrong with `dtb`. */
export function checkDeviceTree(dtb: Uint8Array, limits: DeviceTreeLimits): void {
  const { root } = parseFdt(dtb);
  const total = new DataView(dtb.buffer, dtb.byteOffset, dtb.byteLength).getUint32(4);
  if (total > limits.maxBytes) throw new FdtError(`fdt: ${total} bytes, more than the ${limits.maxBytes} it may take`);
  if (root.name !== "") throw new FdtError(`fdt: the root node is named '${root.name}'`);
  const cpus = root.children.find((n) => n.name === "cpus");
  if (!cpus?.children.some((n) => n.name === "cpu" || n.name.startsWith("cpu@")))
    throw new FdtError("fdt: no cpu node under /cpus");
  const addressCells = cellCount(root, "#address-cells", 2);
  const sizeCells = cellCount(root, "#size-cells", 1);
  const memories = root.children.filter((n) => isMemoryNode(n));
  if (!memories.length) throw new FdtError("fdt: no memory node");
  const ramEnd = BigInt(limits.ramBase) + BigInt(limits.ramSize);
  for (const m of memories) {
    const reg = propCells(m, "reg") ?? [];
    const pair = addressCells + sizeCells;
    if (!reg.length || reg.length % pair) throw new FdtError(`fdt: /${m.name} has no valid reg`);
    for (let i = 0; i < reg.length; i += pair) {
      const base = joinCells(reg.slice(i, i + addressCells));
      const end = base + joinCells(reg.slice(i + addressCells, i + pair));
      if (base < BigInt(limits.ramBase) || end > ramEnd)
        throw new FdtError(
          `fdt: /${m.name} spans 0x${base.toString(16)}..0x${end.toString(16)}, outside the guest RAM 0x${limits.ramBase.toString(16)}..0x${ramEnd.toString(16)} (--memory)`,
        );
    }
  }
}

function isMemoryNode(n: FdtNode): boolean {
  const type = n.props["device_type"];
  return type?.length === 7 && String.fromCharCode(...type) === "memory\0";
}

function cellCount(node: FdtNode, name: string, fallback: number): number {
  const v = propCells(node, name);
  if (v === undefined) return fallback;
  if (v.length !== 1 || v[0] < 1 || v[0] > 2) throw new FdtError(`fdt: ${name} of / is not 1 or 2`);
  return v[0];
}

function joinCells(cells: number[]): bigint {
  return cells.reduce((acc, c) => (acc << 32n) | BigInt(c), 0n);
}
