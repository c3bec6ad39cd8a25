// One RISC-V hart: run loop, trap entry, interrupts and the privileged instructions.
// Instruction execution itself is in interpreter.ts.

import type { Bus } from "./bus.js";
import { CsrContext, readMip, updateSstc } from "./csr.js";
import * as S from "./hartState.js";
import {
  HartState,
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPRV,
  MSTATUS_SIE,
  MSTATUS_SPIE,
  MSTATUS_SPP,
} from "./hartState.js";
import { Mmu } from "./mmu.js";
import { execute } from "./interpreter.js";
import { BlockCache } from "./jit/blockCache.js";
import { executeBlocks } from "./jit/run.js";
import { TrapSignal } from "./trap.js";

/** Why run() returned. */
export const enum Exit {
  /** The instruction budget ran out. */
  Budget = 0,
  /** The hart waits for an interrupt (wfi) and none is pending. */
  Wfi = 1,
  /** ecall from S-mode with sbiExits set: the hypervisor serves it (pc still at the ecall). */
  SbiCall = 2,
  /** requestExit() was called (a device, a breakpoint on tohost …). */
  Requested = 3,
}

/** Interrupt priority order of the privileged spec: MEI, MSI, MTI, SEI, SSI, STI. */
const IRQ_ORDER = [11, 3, 7, 9, 1, 5];

export interface HartOptions {
  hartId: number;
  /** ecall from S-mode leaves the guest (pv mode: the hypervisor serves SBI). */
  sbiExits?: boolean;
  /** The platform timebase for the time CSR. */
  time: () => bigint;
  /** Translate hot blocks to WebAssembly (jit/); default on, PARAVM_JIT=0 in the environment turns it off. */
  jit?: boolean;
}

/** The environment's PARAVM_JIT, where there is a process (Node). */
const jitDefault =
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.PARAVM_JIT !== "0";

export class Hart implements CsrContext {
  readonly hart: HartState;
  readonly mmu: Mmu;
  readonly trap = new TrapSignal();
  readonly sbiExits: boolean;
  readonly time: () => bigint;
  /** Translated blocks; null when the interpreter runs everything. */
  readonly blocks: BlockCache | null;
  /** Set to leave the interpreter loop after the current instruction. */
  stop = false;
  /** Instructions retired in the current execute() call before the current one. */
  localRetired = 0;
  private exitReason = Exit.Budget;
  /**
   * Traps taken, indexed by (target M ? 0 : 32) + (interrupt ? 16 : 0) + cause: in full mode
   * the traps into M-mode are the firmware's work that pv mode turns into exits.
   */
  readonly trapCounts = new Float64Array(64);

  constructor(
    memory: WebAssembly.Memory,
    stateOffset: number,
    readonly bus: Bus,
    options: HartOptions,
  ) {
    const buffer = memory.buffer;
    this.hart = new HartState(buffer, stateOffset);
    this.mmu = new Mmu(this.hart, bus, this.trap, buffer);
    this.sbiExits = options.sbiExits ?? false;
    this.time = options.time;
    this.blocks = (options.jit ?? jitDefault) ? new BlockCache(this, memory) : null;
    this.reset(options.hartId, 0);
  }

  /** Puts the hart in its reset state: M-mode at pc. */
  reset(hartId: number, pc: number): void {
    const h = this.hart;
    h.s64.fill(0n);
    h.i32[S.HARTID] = hartId;
    h.i32[S.PRIV] = S.PRIV_M;
    h.s64[S.RESERVATION] = -1n;
    h.s64[S.STIMECMP] = -1n;
    h.pc = pc;
    this.mmu.flushAll();
    this.blocks?.clear();
  }

  /** FENCE.I, local or remote: translated code may be stale. */
  fenceI(): void {
    this.blocks?.flush();
  }

  retired(): number {
    return this.hart.f64[S.INSTRET] + this.localRetired;
  }

  changed(): void {
    this.stop = true;
  }

  /** Leave run() as soon as the current instruction completes. */
  requestExit(): void {
    this.exitReason = Exit.Requested;
    this.stop = true;
  }

  /** Sets or clears an interrupt line driven by the platform (MSIP, MTIP, MEIP, SEIP, STIP). */
  setInterruptLine(irq: number, level: boolean): void {
    const i32 = this.hart.i32;
    if (level) i32[S.MIP_HW] |= 1 << irq;
    else i32[S.MIP_HW] &= ~(1 << irq);
    if (level) this.stop = true;
  }

  /** Sstc: re-evaluates STIP from stimecmp when menvcfg.STCE is set; returns the deadline or null. */
  sstcDeadline(): bigint | null {
    const h = this.hart;
    if (h.s64[S.MENVCFG] >= 0n) return null;
    updateSstc(this);
    if (h.i32[S.MIP_HW] & (1 << 5)) this.stop = true;
    return BigInt.asUintN(64, h.s64[S.STIMECMP]);
  }

  /** Sets a software-writable pending bit (SSIP): how the hypervisor injects an IPI. */
  raiseSoftwareInterrupt(irq: number): void {
    this.hart.i32[S.MIP_SW] |= 1 << irq;
    this.hart.i32[S.WFI] = 0;
    this.stop = true;
  }

  clearSoftwareInterrupt(irq: number): void {
    this.hart.i32[S.MIP_SW] &= ~(1 << irq);
  }

  /** Runs at most `budget` instructions. Returns why it stopped. */
  run(budget: number): Exit {
    const h = this.hart;
    this.exitReason = Exit.Budget;
    this.blocks?.sliceEnded();
    h.s64[S.RESERVATION] = -1n; // other harts may have run since: no LR/SC pair spans a slice
    let left = budget;
    while (left > 0) {
      if (this.takeInterrupt()) left--;
      if (h.i32[S.WFI]) {
        if ((readMip(h) & h.i32[S.MIE]) === 0) return Exit.Wfi;
        h.i32[S.WFI] = 0;
      }
      this.stop = false;
      const n = this.executeSlice(left);
      left -= n;
      if (this.exitReason !== Exit.Budget) return this.exitReason;
      if (h.i32[S.WFI] && (readMip(h) & h.i32[S.MIE]) === 0) return Exit.Wfi;
    }
    return Exit.Budget;
  }

  /** Executes until the budget, a trap or a stop; returns instructions retired (a trap counts one). */
  private executeSlice(budget: number): number {
    this.localRetired = 0;
    try {
      const n = this.blocks !== null ? executeBlocks(this, budget) : execute(this, budget);
      this.hart.f64[S.INSTRET] += n;
      return n;
    } catch (e) {
      if (e !== this.trap) throw e;
      const n = this.localRetired;
      this.hart.f64[S.INSTRET] += n;
      this.enterTrap(this.trap.cause, this.trap.tval, false, this.trap.epc);
      this.trap.epc = null;
      return n + 1;
    }
  }

  /** Takes the highest-priority enabled pending interrupt, if any. */
  private takeInterrupt(): boolean {
    const h = this.hart;
    const i32 = h.i32;
    const pending = readMip(h) & i32[S.MIE];
    if (pending === 0) return false;
    const priv = i32[S.PRIV];
    const mstatus = i32[S.MSTATUS];
    const deleg = i32[S.MIDELEG];
    let m = pending & ~deleg;
    if (priv === S.PRIV_M && !(mstatus & MSTATUS_MIE)) m = 0;
    let s = pending & deleg;
    if (priv === S.PRIV_M || (priv === S.PRIV_S && !(mstatus & MSTATUS_SIE))) s = 0;
    const take = m || s;
    if (!take) return false;
    for (const irq of IRQ_ORDER) {
      if (take & (1 << irq)) {
        i32[S.WFI] = 0;
        this.enterTrap(irq, 0, true);
        return true;
      }
    }
    return false;
  }

  /** Trap entry: delegation, cause, epc, tval, status stack and the new pc. */
  enterTrap(cause: number, tval: number | bigint, interrupt: boolean, epcOverride: bigint | null = null): void {
    const h = this.hart;
    const i32 = h.i32;
    const s64 = h.s64;
    const priv = i32[S.PRIV];
    const epc = epcOverride ?? BigInt(h.pc);
    const causeValue = interrupt ? (1n << 63n) | BigInt(cause) : BigInt(cause);
    const delegated = priv <= S.PRIV_S && ((interrupt ? i32[S.MIDELEG] : i32[S.MEDELEG]) >> cause) & 1;
    this.trapCounts[(delegated ? 32 : 0) + (interrupt ? 16 : 0) + (cause & 15)]++;
    let mstatus = i32[S.MSTATUS];
    let tvec: bigint;
    if (delegated) {
      s64[S.SCAUSE] = causeValue;
      s64[S.SEPC] = epc;
      s64[S.STVAL] = BigInt(tval);
      mstatus =
        (mstatus & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP)) |
        (mstatus & MSTATUS_SIE ? MSTATUS_SPIE : 0) |
        (priv === S.PRIV_S ? MSTATUS_SPP : 0);
      i32[S.PRIV] = S.PRIV_S;
      tvec = s64[S.STVEC];
    } else {
      s64[S.MCAUSE] = causeValue;
      s64[S.MEPC] = epc;
      s64[S.MTVAL] = BigInt(tval);
      mstatus =
        (mstatus & ~(MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP)) |
        (mstatus & MSTATUS_MIE ? MSTATUS_MPIE : 0) |
        (priv << 11);
      i32[S.PRIV] = S.PRIV_M;
      tvec = s64[S.MTVEC];
    }
    i32[S.MSTATUS] = mstatus;
    let target = tvec & ~3n;
    if (interrupt && (tvec & 3n) === 1n) target += BigInt(4 * cause);
    h.pc = Number(BigInt.asIntN(64, target));
    this.mmu.contextChanged();
  }

  /** mret and sret. Returns false if the instruction is illegal here. */
  trapReturn(fromM: boolean): boolean {
    const h = this.hart;
    const i32 = h.i32;
    const priv = i32[S.PRIV];
    let mstatus = i32[S.MSTATUS];
    let next: number;
    if (fromM) {
      if (priv !== S.PRIV_M) return false;
      next = (mstatus >> 11) & 3;
      mstatus = (mstatus & ~(MSTATUS_MIE | MSTATUS_MPP)) | (mstatus & MSTATUS_MPIE ? MSTATUS_MIE : 0) | MSTATUS_MPIE;
      h.pc = Number(h.s64[S.MEPC]);
    } else {
      if (priv < S.PRIV_S || (priv === S.PRIV_S && mstatus & (1 << 22))) return false;
      next = (mstatus >> 8) & 1;
      mstatus = (mstatus & ~(MSTATUS_SIE | MSTATUS_SPP)) | (mstatus & MSTATUS_SPIE ? MSTATUS_SIE : 0) | MSTATUS_SPIE;
      h.pc = Number(h.s64[S.SEPC]);
    }
    if (next !== S.PRIV_M) mstatus &= ~MSTATUS_MPRV;
    i32[S.MSTATUS] = mstatus;
    i32[S.PRIV] = next;
    this.mmu.contextChanged();
    this.stop = true;
    return true;
  }

  /** ecall in pv mode from S-mode stops here; the hypervisor calls this when it has served it. */
  sbiExit(): Exit {
    this.exitReason = Exit.SbiCall;
    this.stop = true;
    return Exit.SbiCall;
  }
}
