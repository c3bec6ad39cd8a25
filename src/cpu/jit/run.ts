// The execution loop with translated blocks: look the pc up through the fetch TLB and run
// the block's function when it is translated; else count the arrival (heat.ts), and let the
// interpreter run until it jumps to a hot target. Same contract as execute():
// returns instructions retired; on a trap leaves h.pc at the trapping instruction and
// hart.localRetired at the count before it.

import type { Hart } from "../hart.js";
import * as S from "../hartState.js";
import { execute } from "../interpreter.js";
import { ACCESS_FETCH } from "../trap.js";
import type { Block } from "./blockCache.js";
import { HEAT_MASK, QUEUED } from "./heat.js";

const PAGE = 4096;

const IN_LOOP = 0;
const IN_BLOCK = 1;
const IN_INTERPRETER = 2;

export function executeBlocks(hart: Hart, budget: number): number {
  const cache = hart.blocks!;
  const h = hart.hart;
  const f64 = h.f64;
  const mmu = hart.mmu;
  const tlbTag = mmu.tlbTag;
  const tlbHost = mmu.tlbHost;
  const fetchSet = mmu.sets[ACCESS_FETCH]; // the privilege cannot change without leaving this loop
  const exit = cache.exit;
  const heat = cache.heat;
  let pc = h.pc;
  let n = 0;
  // Retired instructions already added to INSTRET, so that a CSR read of instret or cycle
  // inside an interpreter call sees the exact count; taken back out before returning.
  let folded = 0;
  let where = IN_LOOP;
  let block: Block | null = null;
  const i32 = h.i32;
  i32[S.JIT_STOP] = 0;
  try {
    while (n < budget) {
      // Translated code, as far as the dispatcher finds blocks for it.
      f64[S.PC] = pc;
      exit.base = n - folded;
      where = IN_BLOCK;
      n += cache.dispatch(pc, budget - n);
      where = IN_LOOP;
      pc = f64[S.PC];
      if (hart.stop || n >= budget) break;
      const vpage = Math.floor(pc / PAGE);
      let host: number;
      const e = fetchSet + (vpage & (S.TLB_ENTRIES - 1));
      if (tlbTag[2 * e] === vpage) host = tlbHost[4 * e + 2] + (pc & 0xfff);
      else host = mmu.offset(pc, ACCESS_FETCH); // may throw a fetch fault for the instruction at pc
      block = null;
      if (host >= 0) {
        block = cache.get(host);
        if (block === null) {
          const slot = (pc >>> 1) & HEAT_MASK;
          if (--heat[slot] <= 0) {
            heat[slot] = QUEUED; // before queue(): a compile it triggers sets the slot to 0
            // No translatable start: counted down again, since the slot is shared by other targets.
            if (!cache.queue(host, pc & 0xfff, slot)) heat[slot] = cache.hot;
          }
        }
      }
      if (block !== null && block.len <= budget - n) {
        cache.install(block); // the dispatcher runs it
        continue;
      }
      // Cold code, or a fetch from outside RAM (which the interpreter faults on): the
      // interpreter runs until it takes a jump to a hot target, a stop, a trap or the budget.
      h.pc = pc;
      f64[S.INSTRET] += n - folded;
      folded = n;
      where = IN_INTERPRETER;
      n += execute(hart, budget - n);
      where = IN_LOOP;
      pc = h.pc;
      // Jumps to a translated target keep counting below zero: keep the count from wrapping.
      if (heat[(pc >>> 1) & HEAT_MASK] < 0) heat[(pc >>> 1) & HEAT_MASK] = 0;
      if (hart.stop) break;
    }
  } catch (e) {
    f64[S.INSTRET] -= folded;
    if (where === IN_BLOCK) {
      // The PC slot holds the start of the block that trapped.
      h.pc = f64[S.PC] + exit.off;
      hart.localRetired = n + i32[S.JIT_DONE] + exit.n;
    } else if (where === IN_INTERPRETER) {
      hart.localRetired += n; // the interpreter left h.pc and its own count
    } else {
      h.pc = pc;
      hart.localRetired = n;
    }
    throw e;
  }
  f64[S.INSTRET] -= folded;
  h.pc = pc;
  hart.localRetired = n;
  return n;
}
