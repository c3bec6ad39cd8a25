// How hot jump targets are: one countdown per slot, the slot a hash of the target's virtual
// pc (collisions only cost an early return to the block loop). Shared by the interpreter,
// which counts the jumps it takes, and jit/run.ts, which translates a block when it hits zero.

export const HEAT_SIZE = 1 << 12;
export const HEAT_MASK = HEAT_SIZE - 1;
/** Arrivals at a target before its block is translated. */
export const HOT = 1000;
/** A slot whose block waits in the compile queue: the queue sets it to 0 when compiled. */
export const QUEUED = 0x1fffffff;
