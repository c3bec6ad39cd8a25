// Translation of a guest block into the body of a WebAssembly function (pc: f64) → i32.
//
// A block runs from its start through not-taken conditional branches (each a side exit) up to
// and including the first JAL or JALR, stops before any instruction the interpreter must run
// (CSR, SYSTEM, FENCE.I, anything illegal), and never crosses a 4 KiB page. A block whose
// branch or jump goes back to its own start (a copy loop) turns inside its function while the
// dispatcher's budget lasts. Guest registers live in i64 locals inside the block: loaded from
// the hart's block of the VM memory at entry, and stored back once, on the way out: every exit
// branches to one epilogue, and a trap thrown by a slow path passes a catch_all that stores
// them for the trap handler. So a side exit or a slow-path call costs a few bytes, not a copy
// of every register (the module's size is what its compile time follows). Loads and stores
// call the module's access helpers (wasmAccess.ts): they probe the TLB in memory, and on a
// miss, a page-crossing access or MMIO call the slow path (slowPath.ts), which may throw a
// trap or ask the block to stop after the instruction. The interpreter's code for FP, atomics
// and CSRs reads its operands from memory: those are stored before the call.
//
// The function stores the next pc in the PC slot and returns the instructions retired. The
// semantics mirror interpreter.ts exactly; tests/unit/jitDifferential.test.ts checks it.

import { COMPRESSED } from "../compressed.js";
import * as S from "../hartState.js";
import { Op, Type, WasmCode } from "./wasmCode.js";
import { classify, Kind } from "./classify.js";
import { type FloatEmitter, translateFloat } from "./wasmFloat.js";
import { emitSlowCall, SLOW_INTERPRET, SLOW_LOAD, SLOW_STORE, SLOW_WIDE_JUMP } from "./slowPathTable.js";
import {
  emitHalves,
  emitHostAddress,
  emitProbe,
  FN_LOAD_HELPER,
  FN_STORE_HELPER,
  LOADS,
  STORES,
} from "./wasmAccess.js";

/** Longest block translated: bounds the size of one generated function. */
const MAX_INSTRUCTIONS = 64;

// The module's own helpers come first: mulhu, then the access helpers (wasmAccess.ts). The slow
// paths are reached through the function table (slowPathTable.ts); what a block tells them of
// the instruction, k, is its index in the block | its byte offset << 8 (see slowPath.ts).
export const FN_MULHU = 0; // (i64, i64) → high 64 bits of the unsigned product

// Locals: the pc parameter, fixed temporaries, then one i64 per guest register the block uses
// (only those: the compile time of a function grows with its locals at every branch and merge).
const L_PC = 0;
const L_PC64 = 1;
const L_VA = 2;
const L_VP = 3;
const L_T = 4;
const L_T2 = 5;
/** The pc an exit leaves with. */
const L_NEXT = 6;
const L_E = 7;
/** The locals of the inline probe of FP loads and stores. */
const PROBE = { va: L_VA, vp: L_VP, e: L_E };
/**
 * What the count of instructions retired differs from an instruction's index by: plus the
 * earlier turns of a block that loops on itself, minus those a forward branch inside the block
 * jumped over.
 */
const L_ADJ = 8;
/** The count an exit leaves with. */
const L_RET = 9;
const L_REGS = 10;
/** The fixed locals after the pc parameter; the registers' follow. */
const FIXED_LOCALS: [Type, number][] = [
  [Type.I64, 6],
  [Type.I32, 3],
];

/** The instructions of a block: expanded 32-bit forms, raw encodings and byte offsets. */
export interface Scan {
  inst: number[];
  raw: number[];
  off: number[];
  /** Byte length of the translated part. */
  bytes: number;
}

/** Decodes the block at buffer offset `host` (guest page offset `pageOff`); empty when its first instruction is the interpreter's. */
export function scan(u16: Uint16Array, host: number, pageOff: number): Scan {
  const s: Scan = { inst: [], raw: [], off: [], bytes: 0 };
  let d = 0;
  /** The furthest forward target in the page of a branch or JAL so far: the scan goes on past a jump up to it. */
  let reach = 0;
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
    const t = d + jumpOffset(inst);
    if (t > d && pageOff + t < 4096) reach = Math.max(reach, t);
    d += len;
    // JAL and JALR end it unless an earlier branch goes further (an if-else); branches exit at the side.
    if (kind === Kind.Jump && (inst & 0x7f) !== 0x63 && reach < d) break;
  }
  s.bytes = d;
  return s;
}

/** The immediate of a branch or JAL (relative to the instruction); NaN for anything else. */
function jumpOffset(inst: number): number {
  const op = inst & 0x7f;
  if (op === 0x63)
    return ((inst >> 31) << 12) | (((inst >> 7) & 1) << 11) | (((inst >> 25) & 0x3f) << 5) | (((inst >> 8) & 0xf) << 1);
  if (op === 0x6f)
    return (
      ((inst >> 31) << 20) | (((inst >> 12) & 0xff) << 12) | (((inst >> 20) & 1) << 11) | (((inst >> 21) & 0x3ff) << 1)
    );
  return NaN;
}

/** Opcodes run by the interpreter's code through SLOW_INTERPRET: AMO, LOAD-FP, STORE-FP, FMA, OP-FP, SYSTEM (CSR). */
const CALLED_OUT = new Set([0x2f, 0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53, 0x73]);
const regAddr = (r: number) => 8 * r;
const PC_ADDR = 8 * S.PC;
const STOP_ADDR = 4 * S.JIT_STOP;
const DONE_ADDR = 4 * S.JIT_DONE;
const BUDGET_ADDR = 4 * S.JIT_BUDGET;
const SCRATCH_ADDR = 8 * S.JIT_SCRATCH;
const MIN64 = -(2n ** 63n);

/** A block's function: its body and extra locals. */
export interface Translation {
  body: WasmCode;
  locals: [Type, number][];
}

/** Emits one block's function; `state` is the buffer offset of the hart's block. */
export function translate(s: Scan, state: number): Translation {
  const w = new BlockWriter(s, state);
  const body = w.write();
  const locals: [Type, number][] = [...FIXED_LOCALS, [Type.I64, w.registerCount]];
  if (w.counted) locals.push([Type.I32, 2]);
  return { body, locals };
}

class BlockWriter implements FloatEmitter {
  readonly c = new WasmCode();
  /**
   * The x registers the block may write: loaded at entry with the ones it reads, so that the
   * one store of all of them on the way out (normal exit or trap) is right wherever it leaves.
   */
  private readonly written: Set<number>;
  /** Some branch or jump of the block goes back to its start: the body is a WebAssembly loop. */
  private readonly loops: boolean;
  /** Instructions that a branch or JAL before them in the block jumps to: each ends a WebAssembly block. */
  private readonly forward = new Set<number>();
  /** The label depth of each of those, while it is open. */
  private readonly label = new Map<number, number>();
  /** L_ADJ is used: the block loops or jumps forward inside itself. */
  readonly counted: boolean;
  /** Nesting depth inside the exit label, the stop label, and the loop label of a looping block. */
  private exitDepth = 0;
  private stopDepth = 0;
  private turnDepth = 0;
  /** Local of each guest register the block uses. */
  private readonly local = new Map<number, number>();

  constructor(
    private readonly s: Scan,
    readonly state: number,
  ) {
    this.loops = s.inst.some((inst, i) => this.target(i, inst) === 0);
    const index = new Map(s.off.map((off, i) => [off, i]));
    s.inst.forEach((inst, i) => {
      const j = index.get(this.target(i, inst));
      if (j !== undefined && j > i) this.forward.add(j);
    });
    this.counted = this.loops || this.forward.size > 0;
    this.written = new Set(this.writtenRegisters());
  }

  /** The i32 locals of a counted block, after the registers': JIT_DONE at entry, and the turns the budget allows. */
  private get doneAtEntry(): number {
    return L_REGS + this.local.size;
  }

  private get turnLimit(): number {
    return L_REGS + this.local.size + 1;
  }

  /**
   * try { block $exit { block $stop { [loop $turn {] [block $j...] body [}] } exit after L_E } }
   * catch_all { store registers; rethrow } then store registers and the pc. An exit sets L_NEXT
   * and L_RET and branches to $exit; a stop after a call out branches to $stop with the next
   * instruction's offset and count in L_E; a trap (thrown by a slow path) stores the registers
   * for the trap handler on its way out. A forward branch to instruction j inside the block
   * branches out of the WebAssembly block that ends just before j.
   */
  write(): WasmCode {
    const c = this.c;
    c.get(L_PC).op(Op.I64TruncF64S).set(L_PC64);
    for (const r of new Set([...this.readRegisters(), ...this.written])) {
      this.local.set(r, L_REGS + this.local.size);
      c.i32(0)
        .mem(Op.I64Load, this.state + regAddr(r))
        .set(this.reg(r));
    }
    const n = this.s.inst.length;
    if (this.counted) {
      // JIT_DONE stays as the dispatcher set it while the block runs; a trap or a CSR call sets it.
      c.i32(0)
        .mem(Op.I32Load, this.state + DONE_ADDR)
        .set(this.doneAtEntry);
      // The next turn may run up to the whole block: turns while L_ADJ <= budget - done - n.
      if (this.loops)
        c.i32(0)
          .mem(Op.I32Load, this.state + BUDGET_ADDR)
          .get(this.doneAtEntry)
          .op(Op.I32Sub)
          .i32(n)
          .op(Op.I32Sub)
          .set(this.turnLimit);
    }
    c.open(Op.Try).open(Op.Block);
    this.exitDepth = c.depth;
    c.open(Op.Block);
    this.stopDepth = c.depth;
    if (this.loops) {
      c.open(Op.Loop);
      this.turnDepth = c.depth;
    }
    for (const j of [...this.forward].sort((a, b) => b - a)) {
      c.open(Op.Block);
      this.label.set(j, c.depth);
    }
    let ended = false;
    for (let i = 0; i < n; i++) {
      if (this.forward.has(i)) c.end();
      ended = this.instruction(i);
    }
    if (!ended) this.exit(this.pcAt(n), n);
    if (this.loops) c.end();
    c.end(); // $stop: L_E = next offset << 8 | count
    c.get(L_PC64).get(L_E).i32(8).op(Op.I32ShrU).op(Op.I64ExtendI32U).op(Op.I64Add).set(L_NEXT);
    c.get(L_E).i32(255).op(Op.I32And).set(L_RET);
    c.end().op(Op.CatchAll);
    if (this.counted) this.storeDone();
    this.spill(this.written);
    c.byte(Op.Rethrow).u32(0).end();
    this.spill(this.written);
    c.i32(0)
      .get(L_NEXT)
      .op(Op.F64ConvertI64S)
      .mem(Op.F64Store, this.state + PC_ADDR);
    c.get(L_RET);
    if (this.counted) c.get(L_ADJ).op(Op.I32Add);
    return c;
  }

  /** JIT_DONE as a trap or a CSR read of instret must see it: the count before this block, adjusted. */
  private storeDone(): void {
    this.c
      .i32(0)
      .get(this.doneAtEntry)
      .get(L_ADJ)
      .op(Op.I32Add)
      .mem(Op.I32Store, this.state + DONE_ADDR);
  }

  /** Offset of the target of instruction i from the block's start, if it is a JAL or a branch; else NaN. */
  private target(i: number, inst: number): number {
    return this.s.off[i] + jumpOffset(inst);
  }

  /** The x registers the block may write (a superset: the rd field of every instruction that has one). */
  private writtenRegisters(): number[] {
    const out = new Set<number>();
    for (const inst of this.s.inst) {
      const op = inst & 0x7f;
      if (op !== 0x23 && op !== 0x63 && op !== 0x27 && op !== 0x0f) out.add((inst >> 7) & 31);
    }
    out.delete(0);
    return [...out];
  }

  private readRegisters(): number[] {
    const used = new Set<number>();
    for (const inst of this.s.inst) {
      const op = inst & 0x7f;
      const rs1 = (inst >> 15) & 31;
      const rs2 = (inst >> 20) & 31;
      // What calls out reads its operands from memory and reloads rd after the call; of the FP
      // instructions, the inline ones that read an x register (wasmFloat.ts) read rs1.
      if (CALLED_OUT.has(op)) {
        const funct5 = inst >>> 27;
        if (op === 0x07 || op === 0x27 || (op === 0x53 && (funct5 === 0x1a || funct5 === 0x1e))) used.add(rs1);
        continue;
      }
      if (op !== 0x37 && op !== 0x17 && op !== 0x6f) used.add(rs1);
      if (op === 0x33 || op === 0x3b || op === 0x23 || op === 0x63) used.add(rs2);
    }
    used.delete(0);
    return [...used];
  }

  /** What a call out tells the slow path of instruction i. */
  private k(i: number): number {
    return i | (this.s.off[i] << 8);
  }

  /** Byte offset of instruction i (i = length: the end of the block). */
  private offAt(i: number): number {
    return i < this.s.inst.length ? this.s.off[i] : this.s.bytes;
  }

  /** Pushes the virtual pc of instruction i as an i64. */
  private pcAt(i: number): () => void {
    return () => this.c.get(L_PC64).i64(this.offAt(i)).op(Op.I64Add);
  }

  get registerCount(): number {
    return this.local.size;
  }

  /** The local of guest register r (loaded at entry: the block reads or writes it). */
  private reg(r: number): number {
    const l = this.local.get(r);
    if (l === undefined) throw new Error(`translator: x${r} used but not loaded at entry`);
    return l;
  }

  read(r: number): void {
    if (r === 0) this.c.i64(0);
    else this.c.get(this.reg(r));
  }

  /** Pops an i64 into rd (x0 discards it). */
  writeRd(rd: number): void {
    if (rd === 0) this.c.op(Op.Drop);
    else {
      if (!this.written.has(rd)) throw new Error(`translator: x${rd} written but not in the block's write set`);
      this.c.set(this.reg(rd));
    }
  }

  /** Stores the registers `regs` (those of them the block may write) to the hart's block. */
  private spill(regs: Iterable<number>): void {
    for (const r of regs)
      if (this.written.has(r))
        this.c
          .i32(0)
          .get(this.reg(r))
          .mem(Op.I64Store, this.state + regAddr(r));
  }

  /** Leaves with the next pc and `retired` (plus the earlier turns of a loop). */
  private exit(pc: () => void, retired: number): void {
    pc();
    this.c.set(L_NEXT).i32(retired).set(L_RET);
    this.c.byte(Op.Br).u32(this.c.depth - this.exitDepth);
  }

  /**
   * A taken jump from instruction i back to the block's start: another turn while the
   * dispatcher's budget lasts, else an exit to the start. L_ADJ counts the turns.
   */
  private turn(i: number): void {
    const c = this.c;
    c.get(L_ADJ)
      .i32(i + 1)
      .op(Op.I32Add)
      .tee(L_ADJ)
      .get(this.turnLimit)
      .op(Op.I32LeS)
      .byte(Op.BrIf)
      .u32(c.depth - this.turnDepth);
    this.exit(() => c.get(L_PC64), 0);
  }

  /** A taken branch or JAL from instruction i to instruction j after it in the block. */
  private skipTo(i: number, j: number): void {
    const c = this.c;
    const skipped = j - i - 1;
    if (skipped > 0) c.get(L_ADJ).i32(skipped).op(Op.I32Sub).set(L_ADJ);
    c.byte(Op.Br).u32(c.depth - this.label.get(j)!);
  }

  /** After a call out: leave after instruction i when the hart was asked to stop. */
  private stopCheck(i: number): void {
    const c = this.c;
    c.i32(0)
      .mem(Op.I32Load, this.state + STOP_ADDR)
      .open(Op.If, Type.Void);
    c.i32((this.offAt(i + 1) << 8) | (i + 1))
      .set(L_E)
      .byte(Op.Br)
      .u32(c.depth - this.stopDepth);
    c.end();
  }

  /** One instruction; true when it ended the block. */
  private instruction(i: number): boolean {
    const c = this.c;
    const inst = this.s.inst[i];
    const raw = this.s.raw[i];
    const rd = (inst >> 7) & 31;
    const rs1 = (inst >> 15) & 31;
    const rs2 = (inst >> 20) & 31;
    const f3 = (inst >> 12) & 7;
    const f7 = inst >>> 25;
    const imm = inst >> 20;
    switch (inst & 0x7f) {
      case 0x13: {
        this.read(rs1);
        if (f3 === 1) c.i64(imm & 63).op(Op.I64Shl);
        else if (f3 === 5) c.i64(imm & 63).op(inst >>> 26 === 0 ? Op.I64ShrU : Op.I64ShrS);
        else if (f3 === 2 || f3 === 3)
          c.i64(imm)
            .op(f3 === 2 ? Op.I64LtS : Op.I64LtU)
            .op(Op.I64ExtendI32U);
        else c.i64(imm).op([Op.I64Add, 0, 0, 0, Op.I64Xor, 0, Op.I64Or, Op.I64And][f3]);
        this.writeRd(rd);
        return false;
      }
      case 0x33:
        if (f7 === 1) this.mulDiv(f3, rs1, rs2);
        else {
          this.read(rs1);
          this.read(rs2);
          if (f7 === 0x20) c.op(f3 === 0 ? Op.I64Sub : Op.I64ShrS);
          else if (f3 === 2 || f3 === 3) c.op(f3 === 2 ? Op.I64LtS : Op.I64LtU).op(Op.I64ExtendI32U);
          else c.op([Op.I64Add, Op.I64Shl, 0, 0, Op.I64Xor, Op.I64ShrU, Op.I64Or, Op.I64And][f3]);
        }
        this.writeRd(rd);
        return false;
      case 0x1b:
        this.read(rs1);
        c.op(Op.I32WrapI64);
        if (f3 === 0) c.i32(imm).op(Op.I32Add);
        else c.i32(rs2).op(f3 === 1 ? Op.I32Shl : f7 === 0 ? Op.I32ShrU : Op.I32ShrS);
        c.op(Op.I64ExtendI32S);
        this.writeRd(rd);
        return false;
      case 0x3b:
        if (f7 === 1) this.mulDivW(f3, rs1, rs2);
        else {
          this.read(rs1);
          c.op(Op.I32WrapI64);
          this.read(rs2);
          c.op(Op.I32WrapI64);
          if (f3 === 0) c.op(f7 === 0 ? Op.I32Add : Op.I32Sub);
          else c.op(f3 === 1 ? Op.I32Shl : f7 === 0 ? Op.I32ShrU : Op.I32ShrS);
        }
        c.op(Op.I64ExtendI32S);
        this.writeRd(rd);
        return false;
      case 0x37:
        c.i64((inst & 0xfffff000) | 0);
        this.writeRd(rd);
        return false;
      case 0x17:
        this.pcAt(i)();
        c.i64((inst & 0xfffff000) | 0).op(Op.I64Add);
        this.writeRd(rd);
        return false;
      case 0x03:
        this.load(i, rd, rs1, imm, f3);
        return false;
      case 0x23:
        this.store(i, rs1, rs2, ((inst >> 25) << 5) | ((inst >> 7) & 31), f3);
        return false;
      case 0x63:
        this.branch(i, rs1, rs2, f3, inst);
        return false;
      case 0x6f: {
        const len = inst === raw ? 4 : 2;
        c.get(L_PC64)
          .i64(this.offAt(i) + len)
          .op(Op.I64Add);
        this.writeRd(rd);
        this.jump(i, inst);
        return true;
      }
      case 0x67:
        this.jalr(i, rd, rs1, imm, inst === raw ? 4 : 2);
        return true;
      case 0x0f:
        return false; // FENCE: one hart, sequentially consistent here
      default:
        if (!translateFloat(this, i, inst)) this.callOut(i);
        return false;
    }
  }

  /**
   * FP, atomics and CSR instructions: the interpreter's code, through memory. It reads its x
   * operands there; rd is stored too, so that reloading it is right when the code wrote an f
   * register of that number instead.
   */
  callOut(i: number): void {
    const inst = this.s.inst[i];
    const rd = (inst >> 7) & 31;
    this.spill(new Set([(inst >> 15) & 31, (inst >> 20) & 31, rd]));
    this.c
      .i32(this.k(i))
      .i32(inst | 0)
      .i32(this.s.raw[i] | 0)
      .i32(rd || 32);
    if (this.counted && (inst & 0x7f) === 0x73) this.storeDone();
    emitSlowCall(this.c, SLOW_INTERPRET);
    if (this.written.has(rd))
      this.c
        .i32(0)
        .mem(Op.I64Load, this.state + regAddr(rd))
        .set(this.reg(rd));
    this.stopCheck(i);
  }

  /** The effective address rs1 + imm into L_VA. */
  address(rs1: number, imm: number): void {
    this.read(rs1);
    this.c.i64(imm).op(Op.I64Add).set(L_VA);
  }

  /** The inline probe of FP loads and stores (wasmAccess.ts) on L_VA, entry into L_E. */
  probe(setSlot: number, size: number): void {
    emitProbe(this.c, this.state, PROBE, setSlot, size);
  }

  hostAddress(): void {
    emitHostAddress(this.c, PROBE);
  }

  /**
   * A load: a call of the module's helper, or, in a block that loops, the probe inline (the
   * kernel's copy loops: a call costs about 3 ns an access there, where the code's size hardly
   * matters).
   */
  private load(i: number, rd: number, rs1: number, imm: number, f3: number): void {
    const c = this.c;
    if (!this.loops) {
      this.read(rs1);
      c.i64(imm)
        .op(Op.I64Add)
        .i32(this.k(i))
        .byte(Op.Call)
        .u32(FN_LOAD_HELPER + f3);
      this.writeRd(rd);
      this.stopCheck(i);
      return;
    }
    this.address(rs1, imm);
    this.probe(S.TLB_LOAD_SET, 1 << (f3 & 3));
    c.open(Op.If);
    this.hostAddress();
    c.mem(LOADS[f3], 0);
    this.writeRd(rd);
    c.op(Op.Else).i32(this.k(i));
    emitHalves(c, L_VA);
    c.i32(f3);
    emitSlowCall(c, SLOW_LOAD);
    c.i32(0).mem(Op.I64Load, this.state + SCRATCH_ADDR);
    this.writeRd(rd);
    this.stopCheck(i);
    c.end();
  }

  /** A store: as a load, a call of the module's helper or, in a block that loops, inline. */
  private store(i: number, rs1: number, rs2: number, imm: number, f3: number): void {
    const c = this.c;
    if (!this.loops) {
      this.read(rs1);
      c.i64(imm).op(Op.I64Add);
      this.read(rs2);
      c.i32(this.k(i))
        .byte(Op.Call)
        .u32(FN_STORE_HELPER + f3);
      this.stopCheck(i);
      return;
    }
    this.address(rs1, imm);
    this.probe(S.TLB_STORE_SET, 1 << f3);
    c.open(Op.If);
    this.hostAddress();
    this.read(rs2);
    c.mem(STORES[f3], 0);
    c.op(Op.Else).i32(this.k(i));
    emitHalves(c, L_VA);
    c.i32(f3);
    this.read(rs2);
    c.set(L_T);
    emitHalves(c, L_T);
    emitSlowCall(c, SLOW_STORE);
    this.stopCheck(i);
    c.end();
  }

  private branch(i: number, rs1: number, rs2: number, f3: number, inst: number): void {
    const c = this.c;
    this.read(rs1);
    this.read(rs2);
    const cmp = [Op.I64Eq, Op.I64Ne, 0, 0, Op.I64LtS, Op.I64GeS, Op.I64LtU, Op.I64GeU][f3];
    c.op(cmp).open(Op.If, Type.Void);
    this.jump(i, inst);
    c.end();
  }

  /**
   * The taken JAL or branch at i: another turn when it goes back to the start, a branch when
   * its target is further in the block, else an exit to its target.
   */
  private jump(i: number, inst: number): void {
    const t = this.target(i, inst);
    const j = this.s.off.indexOf(t, i + 1);
    if (t === 0) this.turn(i);
    else if (j > i && this.forward.has(j)) this.skipTo(i, j);
    else this.exit(() => this.c.get(L_PC64).i64(t).op(Op.I64Add), i + 1);
  }

  private jalr(i: number, rd: number, rs1: number, imm: number, len: number): void {
    const c = this.c;
    // The target from rs1 before rd is written (rd may be rs1).
    this.read(rs1);
    c.tee(L_T2).i64(imm).op(Op.I64Add).i64(-2).op(Op.I64And).set(L_T);
    c.get(L_PC64)
      .i64(this.offAt(i) + len)
      .op(Op.I64Add);
    this.writeRd(rd);
    // As the interpreter: a base of magnitude 2^53 or more cannot be fetched from.
    c.get(L_T2)
      .i64(2 ** 53)
      .op(Op.I64Add)
      .i64(2 ** 54)
      .op(Op.I64GeU)
      .open(Op.If, Type.Void);
    c.i32(this.k(i));
    emitHalves(this.c, L_T);
    emitSlowCall(c, SLOW_WIDE_JUMP);
    c.end();
    this.exit(() => c.get(L_T), i + 1);
  }

  /** M extension, 64-bit: operands in L_T (rs1) and L_T2 (rs2), result pushed. */
  private mulDiv(f3: number, rs1: number, rs2: number): void {
    const c = this.c;
    this.operands(rs1, rs2);
    const a = () => c.get(L_T);
    const b = () => c.get(L_T2);
    if (f3 === 0) {
      a();
      b();
      c.op(Op.I64Mul);
    } else if (f3 <= 3) {
      // mulh = mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0); mulhsu drops the last term.
      a();
      b();
      c.byte(Op.Call).u32(FN_MULHU);
      if (f3 === 3) return;
      b();
      a();
      c.i64(63).op(Op.I64ShrS).op(Op.I64And).op(Op.I64Sub);
      if (f3 === 2) return;
      a();
      b();
      c.i64(63).op(Op.I64ShrS).op(Op.I64And).op(Op.I64Sub);
    } else this.divide(f3, WIDE);
  }

  /** M extension, W forms: result pushed as i32 (the caller sign-extends). */
  private mulDivW(f3: number, rs1: number, rs2: number): void {
    this.operands(rs1, rs2);
    if (f3 === 0) this.c.get(L_T).op(Op.I32WrapI64).get(L_T2).op(Op.I32WrapI64).op(Op.I32Mul);
    else this.divide(f3, WORD);
  }

  /** rs1 into L_T, rs2 into L_T2. */
  private operands(rs1: number, rs2: number): void {
    this.read(rs1);
    this.c.set(L_T);
    this.read(rs2);
    this.c.set(L_T2);
  }

  /**
   * div, divu, rem, remu (f3 4..7) on L_T and L_T2 in width w: -1 for a quotient by zero, the
   * dividend for a remainder by zero, MIN for MIN / -1 (WebAssembly's div_s would trap), and
   * rem_s(MIN, -1) = 0 as WebAssembly gives it.
   */
  private divide(f3: number, w: Width): void {
    const c = this.c;
    const a = () => w.operand(c.get(L_T));
    const b = () => w.operand(c.get(L_T2));
    b();
    c.op(w.eqz).open(Op.If, w.type);
    if (f3 >= 6) a();
    else w.constant(c, -1);
    c.op(Op.Else);
    if (f3 === 4) {
      a();
      w.constant(c, w.min);
      c.op(w.eq);
      b();
      w.constant(c, -1);
      c.op(w.eq).op(Op.I32And).open(Op.If, w.type);
      w.constant(c, w.min);
      c.op(Op.Else);
    }
    a();
    b();
    c.op([w.divS, w.divU, w.remS, w.remU][f3 - 4]);
    if (f3 === 4) c.end();
    c.end();
  }
}

/** The operations of one operand width for divide(). */
interface Width {
  type: Type;
  operand: (c: WasmCode) => void;
  constant: (c: WasmCode, v: number | bigint) => void;
  min: number | bigint;
  eqz: Op;
  eq: Op;
  divS: Op;
  divU: Op;
  remS: Op;
  remU: Op;
}

const WIDE: Width = {
  type: Type.I64,
  operand: () => {},
  constant: (c, v) => c.i64(v),
  min: MIN64,
  eqz: Op.I64Eqz,
  eq: Op.I64Eq,
  divS: Op.I64DivS,
  divU: Op.I64DivU,
  remS: Op.I64RemS,
  remU: Op.I64RemU,
};

const WORD: Width = {
  type: Type.I32,
  operand: (c) => c.op(Op.I32WrapI64),
  constant: (c, v) => c.i32(Number(v)),
  min: -0x80000000,
  eqz: Op.I32Eqz,
  eq: Op.I32Eq,
  divS: Op.I32DivS,
  divU: Op.I32DivU,
  remS: Op.I32RemS,
  remU: Op.I32RemU,
};

/** Body of the module's mulhu helper: params a, b (i64); locals aL, aH, bL, bH, lh, hl (i64). */
export function mulhuBody(): WasmCode {
  const c = new WasmCode();
  const [A, B, AL, AH, BL, BH, LH, HL] = [0, 1, 2, 3, 4, 5, 6, 7];
  const lo32 = (l: number) => c.get(l).i64(0xffffffff).op(Op.I64And);
  const hi32 = (l: number) => c.get(l).i64(32).op(Op.I64ShrU);
  lo32(A).set(AL);
  hi32(A).set(AH);
  lo32(B).set(BL);
  hi32(B).set(BH);
  c.get(AL).get(BH).op(Op.I64Mul).set(LH);
  c.get(AH).get(BL).op(Op.I64Mul).set(HL);
  // high = aH·bH + hi(lh) + hi(hl) + hi(hi(aL·bL) + lo(lh) + lo(hl))
  c.get(AH).get(BH).op(Op.I64Mul);
  hi32(LH);
  c.op(Op.I64Add);
  hi32(HL);
  c.op(Op.I64Add);
  c.get(AL).get(BL).op(Op.I64Mul).i64(32).op(Op.I64ShrU);
  lo32(LH);
  c.op(Op.I64Add);
  lo32(HL);
  c.op(Op.I64Add).i64(32).op(Op.I64ShrU).op(Op.I64Add);
  return c;
}
