// Guest loads and stores of translated blocks: the inline TLB probe, and the module's access
// helpers that wrap it. A block calls one helper per load or store (about 15 bytes at the
// call site) instead of carrying the probe and its slow-path call inline (about 120 bytes):
// loads and stores were two thirds of the generated code, and WebAssembly's compile time
// follows the code's size. The helpers are called often enough for V8 to optimise them early,
// which the blocks' own code (most of it run a few thousand times) rarely is.

import * as S from "../hartState.js";
import { emitSlowCall, SLOW_LOAD, SLOW_STORE } from "./slowPathTable.js";
import { Op, Type, WasmCode } from "./wasmCode.js";

/** Index of the load helper for funct3 f3 (0..6): (va: i64, k: i32) → i64; after the mulhu helper. */
export const FN_LOAD_HELPER = 1;
/** Index of the store helper for funct3 f3 (0..3): (va: i64, value: i64, k: i32). */
export const FN_STORE_HELPER = FN_LOAD_HELPER + 7;
/** The first function after the helpers. */
export const FN_AFTER_HELPERS = FN_STORE_HELPER + 4;

export const LOADS = [
  Op.I64Load8S,
  Op.I64Load16S,
  Op.I64Load32S,
  Op.I64Load,
  Op.I64Load8U,
  Op.I64Load16U,
  Op.I64Load32U,
];
export const STORES = [Op.I64Store8, Op.I64Store16, Op.I64Store32, Op.I64Store];

/** The locals a probe uses: the virtual address (i64), its page (i64), the TLB entry (i32). */
export interface ProbeLocals {
  va: number;
  vp: number;
  e: number;
}

/**
 * Pushes an i32 condition: the access of `size` bytes at `va` hits the TLB set whose base is
 * in the hart's slot `setSlot` and stays within its page; leaves the entry in `e`.
 */
export function emitProbe(c: WasmCode, state: number, l: ProbeLocals, setSlot: number, size: number): void {
  c.get(l.va).i64(12).op(Op.I64ShrS).tee(l.vp);
  c.op(Op.I32WrapI64)
    .i32(S.TLB_ENTRIES - 1)
    .op(Op.I32And)
    .i32(4)
    .op(Op.I32Shl);
  c.i32(0)
    .mem(Op.I32Load, state + 4 * setSlot)
    .op(Op.I32Add)
    .tee(l.e);
  c.mem(Op.F64Load, 0).get(l.vp).op(Op.F64ConvertI64S).op(Op.F64Eq);
  if (size > 1) {
    c.get(l.va)
      .op(Op.I32WrapI64)
      .i32(0xfff)
      .op(Op.I32And)
      .i32(4096 - size)
      .op(Op.I32LeU)
      .op(Op.I32And);
  }
}

/** Pushes the buffer address of `va` in the page of the probed TLB entry. */
export function emitHostAddress(c: WasmCode, l: ProbeLocals): void {
  c.get(l.e).mem(Op.I32Load, 8).get(l.va).op(Op.I32WrapI64).i32(0xfff).op(Op.I32And).op(Op.I32Add);
}

/** Pushes the high and low 32 bits of i64 local `l` as two i32. */
export function emitHalves(c: WasmCode, l: number): void {
  c.get(l).i64(32).op(Op.I64ShrS).op(Op.I32WrapI64).get(l).op(Op.I32WrapI64);
}

export const LOAD_HELPER_TYPE = { params: [Type.I64, Type.I32], results: [Type.I64] };
export const STORE_HELPER_TYPE = { params: [Type.I64, Type.I64, Type.I32], results: [] };
/** Extra locals of every helper: the page and the TLB entry. */
export const HELPER_LOCALS: [Type, number][] = [
  [Type.I64, 1],
  [Type.I32, 1],
];

/** Body of the load helper for funct3 f3: the value, through the slow path on a miss (which may throw). */
export function loadHelperBody(state: number, f3: number): WasmCode {
  const c = new WasmCode();
  const [VA, K, VP, E] = [0, 1, 2, 3];
  emitProbe(c, state, { va: VA, vp: VP, e: E }, S.TLB_LOAD_SET, 1 << (f3 & 3));
  c.open(Op.If, Type.I64);
  emitHostAddress(c, { va: VA, vp: VP, e: E });
  c.mem(LOADS[f3], 0);
  c.op(Op.Else);
  c.get(K);
  emitHalves(c, VA);
  c.i32(f3);
  emitSlowCall(c, SLOW_LOAD);
  c.i32(0).mem(Op.I64Load, state + 8 * S.JIT_SCRATCH);
  c.end();
  return c;
}

/** Body of the store helper for funct3 f3, through the slow path on a miss (which may throw). */
export function storeHelperBody(state: number, f3: number): WasmCode {
  const c = new WasmCode();
  const [VA, V, K, VP, E] = [0, 1, 2, 3, 4];
  emitProbe(c, state, { va: VA, vp: VP, e: E }, S.TLB_STORE_SET, 1 << f3);
  c.open(Op.If);
  emitHostAddress(c, { va: VA, vp: VP, e: E });
  c.get(V).mem(STORES[f3], 0);
  c.op(Op.Else);
  c.get(K);
  emitHalves(c, VA);
  c.i32(f3);
  emitHalves(c, V);
  emitSlowCall(c, SLOW_STORE);
  c.end();
  return c;
}
