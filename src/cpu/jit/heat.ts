// How hot jump targets are: one countdown per slot, the slot a hash of the target's virtual
// pc (collisions only cost an early return to the block loop). Shared by the interpreter,
// which counts the jumps it takes, and jit/run.ts, which translates a block when it hits zero.

export const HEAT_SIZE = 1 << 12;
export const HEAT_MASK = HEAT_SIZE - 1;
/** Arrivals at a target before its block is translated: new Function code only pays off once V8 optimizes it. */
export const HOT = 20000;
/** A slot whose block cannot be translated: never counts down to zero again. */
export const NEVER = 0x3fffffff;
