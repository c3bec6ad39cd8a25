// A hart that takes trap after trap and retires nothing never gets anywhere: its trap vector
// traps again the same way (an entry point or a vector outside RAM, a vector on an illegal
// instruction) with interrupts off. run() still returns, since a trap is one step of its budget,
// but the instruction count stands still, so a limit on instructions never comes. The watch
// sees it from outside the hart: between two looks nothing retired, traps were taken, and the
// hart sits at the pc its last trap was taken at, with the same cause as at the look before.

import type { Hart } from "../cpu/hart.js";
import * as S from "../cpu/hartState.js";

/** Exception causes by number, as --stats and the trap-loop message name them. */
export const TRAP_CAUSES = [
  "misaligned fetch",
  "fetch fault",
  "illegal instruction",
  "breakpoint",
  "misaligned load",
  "load fault",
  "misaligned store",
  "store fault",
  "ecall from U",
  "ecall from S",
  "cause 10",
  "ecall from M",
  "fetch page fault",
  "load page fault",
  "cause 14",
  "store page fault",
];

export interface TrapLoop {
  hart: number;
  /** The pc every trap is taken at (the trap vector). */
  pc: number;
  /** mcause or scause, whichever mode the traps go to. */
  cause: bigint;
  tval: bigint;
  /** The privilege level the traps go to. */
  priv: number;
}

/** Traps a hart has entered (exceptions and interrupts), from its --stats counters. */
export function trapsTaken(hart: Hart): number {
  let n = 0;
  for (const c of hart.trapCounts) n += c;
  return n;
}

export function describeTrapLoop(loop: TrapLoop): string {
  const code = Number(loop.cause & 0xffn);
  const name = loop.cause < 0n ? `interrupt ${code}` : (TRAP_CAUSES[code] ?? `cause ${code}`);
  const mode = loop.priv === S.PRIV_M ? "M" : "S";
  return (
    `hart ${loop.hart} is stuck in a trap loop: ${name} at pc 0x${BigInt.asUintN(64, BigInt(loop.pc)).toString(16)} ` +
    `(trap to ${mode}-mode, tval 0x${BigInt.asUintN(64, loop.tval).toString(16)}), trap after trap with nothing retired`
  );
}

export class TrapLoopWatch {
  private retired = -1;
  private traps = -1;
  private pc = NaN;
  private cause = 0n;

  constructor(
    private readonly hart: Hart,
    private readonly index: number,
  ) {}

  /** Call after each run() of the hart; returns the loop once it is certain, else null. */
  check(): TrapLoop | null {
    const hart = this.hart;
    const st = hart.hart;
    const retired = hart.retired();
    const traps = trapsTaken(hart);
    const priv = st.i32[S.PRIV];
    const toM = priv === S.PRIV_M;
    const cause = st.s64[toM ? S.MCAUSE : S.SCAUSE];
    const atTrap = BigInt.asIntN(64, st.s64[toM ? S.MEPC : S.SEPC]) === BigInt(st.pc);
    const stuck = retired === this.retired && traps > this.traps && atTrap && st.pc === this.pc && cause === this.cause;
    this.retired = retired;
    this.traps = traps;
    this.pc = st.pc;
    this.cause = cause;
    if (!stuck) return null;
    return { hart: this.index, pc: st.pc, cause, tval: st.s64[toM ? S.MTVAL : S.STVAL], priv };
  }
}
