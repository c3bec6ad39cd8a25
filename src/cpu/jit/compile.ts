// Translation of a straight-line guest block into a JavaScript function (new Function). A block
// runs from its start up to and including the first branch or jump, stops before any
// instruction the interpreter must run (CSR, SYSTEM, FENCE.I, anything illegal), and never
// crosses a 4 KiB page: one fetch translation at the start covers all of it.

import { COMPRESSED } from "../compressed.js";
import { executeAtomic } from "../atomic.js";
import { wideAddressFault } from "../address.js";
import { executeFp } from "../fpu/fpExecute.js";
import type { Hart } from "../hart.js";
import { mulDiv, mulDivW, wideFetchFault } from "../interpreter.js";
import { classify, emit, Kind } from "./emit.js";

/** Longest block translated: bounds the size of one generated function. */
const MAX_INSTRUCTIONS = 64;

/** Trap bookkeeping shared with the generated code: how many instructions of the block retired. */
export interface BlockExit {
  n: number;
}

/** (virtual pc of the block start, registers, mmu, hart, exit) → next pc. */
export type BlockFn = (
  pc: number,
  x: BigInt64Array,
  x32: Int32Array,
  mmu: Hart["mmu"],
  hart: Hart,
  exit: BlockExit,
) => number;

/** The instructions of a block: expanded 32-bit forms, raw encodings and byte offsets. */
export interface Scan {
  inst: number[];
  raw: number[];
  off: number[];
  /** Byte length of the translated part. */
  bytes: number;
}

/**
 * Decodes the block at buffer offset `host` (guest page offset `pageOff`). An empty scan
 * means the first instruction is one the interpreter must run.
 */
export function scan(u16: Uint16Array, host: number, pageOff: number): Scan {
  const s: Scan = { inst: [], raw: [], off: [], bytes: 0 };
  let d = 0;
  while (s.inst.length < MAX_INSTRUCTIONS && pageOff + d < 4096) {
    let raw = u16[(host + d) >>> 1];
    let inst = raw;
    let len = 2;
    if ((raw & 3) === 3) {
      if (pageOff + d + 4 > 4096) break; // straddles the page: the interpreter fetches it
      raw = (raw | (u16[(host + d + 2) >>> 1] << 16)) >>> 0;
      inst = raw;
      len = 4;
    } else {
      inst = COMPRESSED[raw];
      if (inst === 0) break;
    }
    const kind = classify(inst);
    if (kind === Kind.Stop) break;
    s.inst.push(inst);
    s.raw.push(raw);
    s.off.push(d);
    d += len;
    if (kind === Kind.Jump) break;
  }
  s.bytes = d;
  return s;
}

// Bound once: the generated functions close over these.
const HELPERS = {
  wide: wideAddressFault,
  wideJump: (hart: Hart, base: bigint, imm: number) =>
    wideFetchFault(hart, BigInt.asIntN(64, base + BigInt(imm)) & ~1n),
  atomic: executeAtomic,
  fp: executeFp,
  mulh: (a: bigint, b: bigint) => mulDiv(1, a, b),
  mulhsu: (a: bigint, b: bigint) => mulDiv(2, a, b),
  mulhu: (a: bigint, b: bigint) => mulDiv(3, a, b),
  div: (a: bigint, b: bigint) => mulDiv(4, a, b),
  divu: (a: bigint, b: bigint) => mulDiv(5, a, b),
  rem: (a: bigint, b: bigint) => mulDiv(6, a, b),
  remu: (a: bigint, b: bigint) => mulDiv(7, a, b),
  // Only the legal funct3 values are translated, so mulDivW never needs the hart to fault.
  mulw: (a: number, b: number) => mulDivW(0, a, b, null as unknown as Hart, 0),
  divw: (a: number, b: number) => mulDivW(4, a, b, null as unknown as Hart, 0),
  divuw: (a: number, b: number) => mulDivW(5, a, b, null as unknown as Hart, 0),
  remw: (a: number, b: number) => mulDivW(6, a, b, null as unknown as Hart, 0),
  remuw: (a: number, b: number) => mulDivW(7, a, b, null as unknown as Hart, 0),
};
const HELPER_NAMES = Object.keys(HELPERS);
const HELPER_VALUES = Object.values(HELPERS);

/** JavaScript source of the block's function body. */
export function source(s: Scan): string {
  const lines = ["let k = 0;", "try {"];
  const count = s.inst.length;
  let ended = false;
  for (let i = 0; i < count; i++) {
    const inst = s.inst[i];
    const len = s.inst[i] === s.raw[i] ? 4 : 2;
    const kind = classify(inst);
    // k tells the catch which instruction trapped; only memory ops, helpers and jalr can.
    if (kind === Kind.Memory || (inst & 0x7f) === 0x67) lines.push(`k = ${i};`);
    lines.push(emit(inst, s.raw[i], s.off[i], len));
    // A device access may ask the hart to stop (an interrupt line, an exit): leave right after it.
    if (kind === Kind.Memory) lines.push(`if (hart.stop) { exit.n = ${i + 1}; return pc + ${s.off[i] + len}; }`);
    if (kind === Kind.Jump) ended = true;
  }
  if (!ended) lines.push(`return pc + ${s.bytes};`);
  lines.push("} catch (e) { exit.n = k; throw e; }");
  return lines.join("\n");
}

/** Compiles a non-empty scan into a block function. */
export function compile(s: Scan): BlockFn {
  const make = new Function(
    ...HELPER_NAMES,
    `"use strict"; return function block(pc, x, x32, mmu, hart, exit) {\n${source(s)}\n};`,
  ) as (...helpers: unknown[]) => BlockFn;
  return make(...HELPER_VALUES);
}
