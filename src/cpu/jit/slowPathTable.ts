// How translated code reaches the slow paths of slowPath.ts: through a table of four small
// WebAssembly functions that call them, which every module of blocks imports. Such a module
// then imports no function at all: an imported function made each module cost about 0.3 ms
// more to compile, since V8 compiles a call wrapper for every function import of every module
// (a boot compiles about 300 modules, a 64 MiB dd another 300). The table is not the
// dispatcher's: instantiating a module that imports a table costs time in the table's size.

import type { slowPaths } from "./slowPath.js";
import { encodeModule, type FuncType, Op, Type, WasmCode } from "./wasmCode.js";

const I32 = Type.I32;

/** The slow paths by table slot, in the order of slowPath.ts's functions, and their types. */
export const SLOW_LOAD = 0; // (k, hi, lo, f3) → value in JIT_SCRATCH
export const SLOW_STORE = 1; // (k, hi, lo, f3, value hi, value lo)
export const SLOW_WIDE_JUMP = 2; // (k, hi, lo): jalr to an address no fetch can reach: throws
export const SLOW_INTERPRET = 3; // (k, inst, raw, rdw): FP, atomics and CSRs, run by the interpreter's code

const NAMES = ["ld", "st", "wj", "one"] as const;
const PARAMS = [4, 6, 3, 4];

/** The function types of the slow paths, to be the first types of a module that calls them. */
export const SLOW_TYPES: FuncType[] = [
  { params: [I32, I32, I32, I32], results: [] },
  { params: [I32, I32, I32, I32, I32, I32], results: [] },
  { params: [I32, I32, I32], results: [] },
];
const TYPE_OF_SLOT = [0, 1, 2, 0];

/** Emits a call of slow path `slot` whose arguments are on the stack (the module's types start with SLOW_TYPES). */
export function emitSlowCall(c: WasmCode, slot: number): void {
  c.i32(slot).byte(Op.CallIndirect).u32(TYPE_OF_SLOT[slot]).u32(0);
}

/** A table of WebAssembly functions that call the hart's slow paths, by slot. */
export function slowPathTable(memory: WebAssembly.Memory, paths: ReturnType<typeof slowPaths>): WebAssembly.Table {
  const forward = (i: number) => {
    const c = new WasmCode();
    for (let p = 0; p < PARAMS[i]; p++) c.get(p);
    return c.byte(Op.Call).u32(i);
  };
  const bytes = encodeModule({
    types: SLOW_TYPES,
    imports: NAMES.map((name, i) => ({ name, type: TYPE_OF_SLOT[i] })),
    memoryPages: 1,
    funcs: NAMES.map((name, i) => ({ type: TYPE_OF_SLOT[i], locals: [], body: forward(i), export: name })),
  });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { h: { ...paths, mem: memory } });
  const table = new WebAssembly.Table({ element: "anyfunc", initial: NAMES.length });
  NAMES.forEach((name, i) => table.set(i, instance.exports[name] as (...a: number[]) => void));
  return table;
}
