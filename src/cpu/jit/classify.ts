// What the translator does with each instruction (see wasmTranslate.ts).

/** What a block does with an instruction. */
export const enum Kind {
  /** Not translated: the block ends before it and the interpreter runs it. */
  Stop = 0,
  /** Translated; the block goes on. */
  Plain = 1,
  /** Translated; calls out of the block (memory, FP, atomics) and may leave it early when a device asks the hart to stop. */
  Memory = 2,
  /** Translated; a conditional branch leaves the block at its side, a jump ends it. */
  Jump = 3,
}

/** Classifies an expanded (32-bit form) instruction; Stop for anything illegal or privileged. */
export function classify(inst: number): Kind {
  const f3 = (inst >> 12) & 7;
  const f7 = inst >>> 25;
  switch (inst & 0x7f) {
    case 0x13:
      if (f3 === 1) return inst >>> 26 === 0 ? Kind.Plain : Kind.Stop;
      if (f3 === 5) return inst >>> 26 === 0 || inst >>> 26 === 0x10 ? Kind.Plain : Kind.Stop;
      return Kind.Plain;
    case 0x33:
      if (f7 === 0 || f7 === 1) return Kind.Plain;
      return f7 === 0x20 && (f3 === 0 || f3 === 5) ? Kind.Plain : Kind.Stop;
    case 0x03:
      return f3 === 7 ? Kind.Stop : Kind.Memory;
    case 0x23:
      return f3 > 3 ? Kind.Stop : Kind.Memory;
    case 0x63:
      return f3 === 2 || f3 === 3 ? Kind.Stop : Kind.Jump;
    case 0x37:
    case 0x17:
      return Kind.Plain;
    case 0x6f:
      return Kind.Jump;
    case 0x67:
      return f3 === 0 ? Kind.Jump : Kind.Stop;
    case 0x1b:
      if (f3 === 0) return Kind.Plain;
      if (f3 === 1) return f7 === 0 ? Kind.Plain : Kind.Stop;
      if (f3 === 5) return f7 === 0 || f7 === 0x20 ? Kind.Plain : Kind.Stop;
      return Kind.Stop;
    case 0x3b:
      if (f7 === 1) return f3 === 0 || f3 >= 4 ? Kind.Plain : Kind.Stop;
      if (f3 === 0) return f7 === 0 || f7 === 0x20 ? Kind.Plain : Kind.Stop;
      if (f3 === 1) return f7 === 0 ? Kind.Plain : Kind.Stop;
      if (f3 === 5) return f7 === 0 || f7 === 0x20 ? Kind.Plain : Kind.Stop;
      return Kind.Stop;
    case 0x07:
    case 0x27:
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f:
    case 0x53:
    case 0x2f:
      // FP and atomics call the interpreter's helpers, which check legality themselves.
      return Kind.Memory;
    case 0x0f:
      // FENCE is a no-op; FENCE.I must reach the interpreter, which flushes the block cache.
      return f3 === 0 ? Kind.Plain : Kind.Stop;
    case 0x73:
      // CSR instructions run the interpreter's code (a write stops the block after it, as it
      // ends the interpreter's slice); ECALL, xRET, WFI and SFENCE.VMA are the interpreter's.
      return f3 === 0 ? Kind.Stop : Kind.Memory;
  }
  return Kind.Stop;
}
