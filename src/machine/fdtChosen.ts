// A device tree given by the user gets what only the loader knows, in /chosen, as QEMU does
// with -dtb: the command line when one is given, and where the initrd was put. Without them
// the kernel would miss its initrd and --append would be dropped without a word.

import { FdtBuilder } from "./fdt.js";
import { FdtError, type FdtNode, parseFdt } from "./fdtParse.js";

export interface Chosen {
  /** Replaces /chosen/bootargs when given and not empty. */
  bootargs?: string;
  initrd?: { start: number; end: number };
}

/** `dtb` (already checked) with /chosen updated; the rest of the tree is kept as it was. */
export function withChosen(dtb: Uint8Array, chosen: Chosen): Uint8Array {
  const fdt = parseFdt(dtb);
  let node = fdt.root.children.find((n) => n.name === "chosen");
  if (!node) fdt.root.children.push((node = { name: "chosen", props: {}, children: [] }));
  if (chosen.bootargs) node.props["bootargs"] = new TextEncoder().encode(chosen.bootargs + "\0");
  if (chosen.initrd) {
    node.props["linux,initrd-start"] = u64(chosen.initrd.start);
    node.props["linux,initrd-end"] = u64(chosen.initrd.end);
  }
  const out = new FdtBuilder();
  for (const r of fdt.reservations) out.addReservation(r.address, r.size);
  try {
    emit(out, fdt.root);
    return out.finish(fdt.bootCpuId);
  } catch (e) {
    throw new FdtError((e as Error).message);
  }
}

function emit(b: FdtBuilder, node: FdtNode): void {
  b.beginNode(node.name);
  for (const [name, value] of Object.entries(node.props)) b.propBytes(name, value);
  for (const child of node.children) emit(b, child);
  b.endNode();
}

function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}
