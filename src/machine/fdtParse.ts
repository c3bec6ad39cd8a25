// Reads a DTB back into a tree of nodes: the tests check what fdt.ts wrote through it, and a
// later loader may inspect a user-supplied DTB. The input is untrusted: every offset and
// length is bounds-checked and a malformed blob gives an Error, never an out-of-range read.

import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAGIC, FDT_NOP, FDT_PROP } from "./fdt.js";

export interface FdtNode {
  name: string;
  props: Record<string, Uint8Array>;
  children: FdtNode[];
}

export interface Fdt {
  version: number;
  lastCompVersion: number;
  bootCpuId: number;
  reservations: Array<{ address: bigint; size: bigint }>;
  root: FdtNode;
}

/** A malformed device tree. */
export class FdtError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** The newest layout this parser reads (version 17); a blob may claim a newer one if it stays compatible with it. */
const FDT_VERSION = 17;
const HEADER_BYTES = 40;

export function parseFdt(dtb: Uint8Array): Fdt {
  const view = new DataView(dtb.buffer, dtb.byteOffset, dtb.byteLength);
  const u32 = (off: number): number => {
    if (off < 0 || off + 4 > dtb.length) throw new FdtError(`fdt: read past the end at ${off}`);
    return view.getUint32(off);
  };
  if (dtb.length < HEADER_BYTES || u32(0) !== FDT_MAGIC) throw new FdtError("fdt: bad magic");
  const total = u32(4);
  const offStruct = u32(8);
  const offStrings = u32(12);
  const offRsv = u32(16);
  const version = u32(20);
  const sizeStrings = u32(32);
  const sizeStruct = u32(36);
  if (total > dtb.length) throw new FdtError("fdt: totalsize beyond the buffer");
  if (version < FDT_VERSION) throw new FdtError(`fdt: version ${version} not supported`);
  if (u32(24) > FDT_VERSION) throw new FdtError(`fdt: last compatible version ${u32(24)} is newer than ${FDT_VERSION}`);
  if (offRsv < HEADER_BYTES || offRsv % 8 || offStruct < HEADER_BYTES || offStruct % 4 || offStrings < HEADER_BYTES)
    throw new FdtError("fdt: a block overlaps the header or is misaligned");
  if (offStruct + sizeStruct > total || offStrings + sizeStrings > total)
    throw new FdtError("fdt: block beyond totalsize");

  const reservations: Fdt["reservations"] = [];
  for (let off = offRsv; ; off += 16) {
    if (off + 16 > total) throw new FdtError("fdt: unterminated reservation block");
    const address = (BigInt(u32(off)) << 32n) | BigInt(u32(off + 4));
    const size = (BigInt(u32(off + 8)) << 32n) | BigInt(u32(off + 12));
    if (address === 0n && size === 0n) break;
    reservations.push({ address, size });
  }

  const cstring = (start: number, end: number): [string, number] => {
    const nul = dtb.subarray(start, end).indexOf(0);
    if (nul < 0) throw new FdtError(`fdt: unterminated string at ${start}`);
    try {
      return [utf8.decode(dtb.subarray(start, start + nul)), start + nul + 1];
    } catch {
      throw new FdtError(`fdt: a name at ${start} is not UTF-8`);
    }
  };
  const align4 = (n: number) => (n + 3) & ~3;

  const structEnd = offStruct + sizeStruct;
  const stack: FdtNode[] = [];
  let root: FdtNode | null = null;
  let off = offStruct;
  for (;;) {
    if (off + 4 > structEnd) throw new FdtError("fdt: structure block ends without FDT_END");
    const token = u32(off);
    off += 4;
    if (token === FDT_BEGIN_NODE) {
      const [name, next] = cstring(off, structEnd);
      off = align4(next);
      const node: FdtNode = { name, props: {}, children: [] };
      if (stack.length) stack[stack.length - 1].children.push(node);
      else if (root) throw new FdtError("fdt: more than one root node");
      else root = node;
      stack.push(node);
    } else if (token === FDT_END_NODE) {
      if (!stack.pop()) throw new FdtError("fdt: FDT_END_NODE without a node");
    } else if (token === FDT_PROP) {
      const len = u32(off);
      const nameOff = u32(off + 4);
      off += 8;
      if (off + len > structEnd) throw new FdtError("fdt: property value beyond the structure block");
      if (nameOff >= sizeStrings) throw new FdtError("fdt: property name beyond the strings block");
      const [name] = cstring(offStrings + nameOff, offStrings + sizeStrings);
      const node = stack[stack.length - 1];
      if (!node) throw new FdtError(`fdt: property ${name} outside a node`);
      node.props[name] = dtb.slice(off, off + len);
      off = align4(off + len);
    } else if (token === FDT_NOP) {
      continue;
    } else if (token === FDT_END) {
      break;
    } else {
      throw new FdtError(`fdt: unknown token ${token} at ${off - 4}`);
    }
  }
  if (!root || stack.length) throw new FdtError("fdt: unbalanced nodes");
  return { version, lastCompVersion: u32(24), bootCpuId: u32(28), reservations, root };
}

/** The node at an absolute path ("/", "/soc/plic@c000000"), or undefined. */
export function findNode(root: FdtNode, path: string): FdtNode | undefined {
  let node: FdtNode | undefined = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    node = node.children.find((c: FdtNode) => c.name === part);
    if (!node) return undefined;
  }
  return node;
}

export function propStrings(node: FdtNode, name: string): string[] | undefined {
  const v = node.props[name];
  if (!v) return undefined;
  const text = utf8.decode(v);
  return text.endsWith("\0") ? text.slice(0, -1).split("\0") : [text];
}

export function propString(node: FdtNode, name: string): string | undefined {
  return propStrings(node, name)?.[0];
}

export function propCells(node: FdtNode, name: string): number[] | undefined {
  const v = node.props[name];
  if (!v || v.length % 4) return undefined;
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  return Array.from({ length: v.length / 4 }, (_, i) => view.getUint32(i * 4));
}

export function propU64s(node: FdtNode, name: string): bigint[] | undefined {
  const cells = propCells(node, name);
  if (!cells || cells.length % 2) return undefined;
  return Array.from({ length: cells.length / 2 }, (_, i) => (BigInt(cells[2 * i]) << 32n) | BigInt(cells[2 * i + 1]));
}

/** The tree as dts-like text, for debugging and test failure messages. */
export function dumpFdt(node: FdtNode, indent = ""): string {
  const lines = [`${indent}${node.name || "/"} {`];
  for (const [name, value] of Object.entries(node.props)) {
    lines.push(`${indent}  ${name}${value.length ? " = " + formatValue(value) : ""};`);
  }
  for (const child of node.children) lines.push(dumpFdt(child, indent + "  "));
  lines.push(`${indent}};`);
  return lines.join("\n");
}

function formatValue(v: Uint8Array): string {
  // Like dtc: a stringlist when every byte is printable or a lone terminator between strings.
  const text = Array.from(v, (b) => String.fromCharCode(b)).join("");
  if (
    text.endsWith("\0") &&
    !text.startsWith("\0") &&
    !text.includes("\0\0") &&
    v.every((b) => b === 0 || (b >= 0x20 && b < 0x7f))
  ) {
    return text
      .slice(0, -1)
      .split("\0")
      .map((s) => JSON.stringify(s))
      .join(", ");
  }
  if (v.length % 4 === 0) {
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const cells = Array.from({ length: v.length / 4 }, (_, i) => "0x" + view.getUint32(i * 4).toString(16));
    return `<${cells.join(" ")}>`;
  }
  return `[${Array.from(v, (b) => b.toString(16).padStart(2, "0")).join(" ")}]`;
}
