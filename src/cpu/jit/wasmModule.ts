// Compiles translated blocks into one WebAssembly module over the VM's memory and the table of
// slow paths (slowPathTable.ts): a mulhu helper,
// the access helpers (wasmAccess.ts), and one exported function per block. The module imports
// no function, which keeps its compile cheap.

import * as S from "../hartState.js";
import { encodeModule, type ModuleSpec, Op, Type, WasmCode } from "./wasmCode.js";
import { mulhuBody, type Scan, translate } from "./wasmTranslate.js";
import { HELPER_LOCALS, LOAD_HELPER_TYPE, loadHelperBody, STORE_HELPER_TYPE, storeHelperBody } from "./wasmAccess.js";
import { SLOW_TYPES } from "./slowPathTable.js";

/** A translated block: (virtual pc of its start) → instructions retired; the next pc is in the PC slot. */
export type BlockFn = (pc: number) => number;

const I32 = Type.I32;

/** Compiles the scans (each non-empty) of one hart, whose block starts at buffer offset `state`. */
export function compileBlocks(
  scans: Scan[],
  state: number,
  memory: WebAssembly.Memory,
  slowPaths: WebAssembly.Table,
): BlockFn[] {
  const [blockType, mulhuType, loadType, storeType] = [0, 1, 2, 3].map((t) => SLOW_TYPES.length + t);
  const spec: ModuleSpec = {
    types: [
      ...SLOW_TYPES,
      { params: [Type.F64], results: [I32] },
      { params: [Type.I64, Type.I64], results: [Type.I64] },
      LOAD_HELPER_TYPE,
      STORE_HELPER_TYPE,
    ],
    imports: [],
    memoryPages: 1,
    table: true,
    funcs: [
      { type: mulhuType, locals: [[Type.I64, 6]], body: mulhuBody() },
      ...[0, 1, 2, 3, 4, 5, 6].map((f3) => ({
        type: loadType,
        locals: HELPER_LOCALS,
        body: loadHelperBody(state, f3),
      })),
      ...[0, 1, 2, 3].map((f3) => ({ type: storeType, locals: HELPER_LOCALS, body: storeHelperBody(state, f3) })),
      ...scans.map((s, i) => ({ type: blockType, ...translate(s, state), export: `b${i}` })),
    ],
  };
  const module = new WebAssembly.Module(encodeModule(spec));
  const instance = new WebAssembly.Instance(module, { h: { mem: memory, table: slowPaths } });
  return scans.map((_, i) => instance.exports[`b${i}`] as BlockFn);
}

/** Runs translated blocks from the pc in the PC slot: (pc, budget) → instructions retired. */
export type DispatchFn = (pc: number, budget: number) => number;

/**
 * The dispatcher: a loop in WebAssembly that finds the block at pc (fetch TLB, then the lookup
 * table in the hart's block) and calls it through the table, until a miss, a stop, or a block
 * longer than what is left of the budget; then it returns to jit/run.ts with the pc in the PC
 * slot. This keeps the calls between blocks inside WebAssembly: a call from JavaScript into
 * WebAssembly costs more than a short block itself.
 */
export function compileDispatcher(state: number, memory: WebAssembly.Memory, table: WebAssembly.Table): DispatchFn {
  const [PC, BUDGET, N, VP, E, HOST, W] = [0, 1, 2, 3, 4, 5, 6];
  const c = new WasmCode();
  const miss = () => c.byte(Op.If).byte(Type.Void).get(N).op(Op.Return).op(Op.End);
  c.i32(0)
    .get(BUDGET)
    .mem(Op.I32Store, state + 4 * S.JIT_BUDGET);
  c.byte(Op.Loop).byte(Type.Void);
  // The fetch TLB: the page of pc must be in it (else the run loop translates or faults).
  c.get(PC).op(Op.I64TruncF64S).i64(12).op(Op.I64ShrS).tee(VP);
  c.op(Op.I32WrapI64)
    .i32(S.TLB_ENTRIES - 1)
    .op(Op.I32And)
    .i32(4)
    .op(Op.I32Shl);
  c.i32(0)
    .mem(Op.I32Load, state + 4 * S.TLB_FETCH_SET)
    .op(Op.I32Add)
    .tee(E);
  c.mem(Op.F64Load, 0).get(VP).op(Op.F64ConvertI64S).op(Op.F64Ne);
  miss();
  c.get(E).mem(Op.I32Load, 8).get(PC).op(Op.I64TruncF64S).op(Op.I32WrapI64).i32(0xfff).op(Op.I32And).op(Op.I32Add);
  c.set(HOST);
  // The lookup entry of that buffer offset.
  c.get(HOST)
    .i32(1)
    .op(Op.I32ShrU)
    .i32(S.JIT_LOOKUP_ENTRIES - 1)
    .op(Op.I32And)
    .i32(3)
    .op(Op.I32Shl)
    .tee(E);
  c.mem(Op.I32Load, state + S.JIT_LOOKUP_OFFSET)
    .get(HOST)
    .op(Op.I32Ne);
  miss();
  c.get(E)
    .mem(Op.I32Load, state + S.JIT_LOOKUP_OFFSET + 4)
    .tee(W);
  c.i32(127).op(Op.I32And).get(BUDGET).get(N).op(Op.I32Sub).op(Op.I32GtS);
  miss();
  c.i32(0)
    .get(N)
    .mem(Op.I32Store, state + 4 * S.JIT_DONE);
  c.get(PC).get(W).i32(7).op(Op.I32ShrU).byte(Op.CallIndirect).u32(0).u32(0);
  c.get(N).op(Op.I32Add).set(N);
  c.i32(0)
    .mem(Op.F64Load, state + 8 * S.PC)
    .set(PC);
  c.i32(0).mem(Op.I32Load, state + 4 * S.JIT_STOP);
  miss();
  c.byte(Op.Br).u32(0);
  c.op(Op.End);
  c.get(N);
  const bytes = encodeModule({
    types: [
      { params: [Type.F64], results: [I32] },
      { params: [Type.F64, I32], results: [I32] },
    ],
    imports: [],
    memoryPages: 1,
    table: true,
    funcs: [
      {
        type: 1,
        locals: [
          [I32, 1],
          [Type.I64, 1],
          [I32, 3],
        ],
        body: c,
        export: "dispatch",
      },
    ],
  });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { h: { mem: memory, table } });
  return instance.exports.dispatch as DispatchFn;
}
