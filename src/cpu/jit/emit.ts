// One guest instruction as a line of JavaScript for a translated block (see compile.ts).
// The semantics mirror interpreter.ts exactly; the choice of operations follows what V8
// lowers to machine code: 64-bit add/sub/logic/mul/shifts by constants and signed compares
// as BigInt on `x` (TurboFan keeps them unboxed when the result is stored to the typed
// array), unsigned compares and variable shift amounts on the 32-bit halves `x32`. Writes go
// through `x` only: writing halves and then reading the register as BigInt stalls the CPU's
// store-to-load forwarding.
//
// In scope of the generated code: pc (virtual address of the block start), x, x32, mmu, hart,
// k (index of the current instruction, read by the block's catch on a trap) and the helpers
// of compile.ts.

/** What a block does with an instruction. */
export const enum Kind {
  /** Not translated: the block ends before it and the interpreter runs it. */
  Stop = 0,
  /** Translated; the block goes on. */
  Plain = 1,
  /** Translated and may leave the block early when a device asks the hart to stop. */
  Memory = 2,
  /** Translated; ends the block (branch, jump). */
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
  }
  return Kind.Stop;
}

const big = (v: number) => `(${v}n)`;
/** An effective address rs1 + imm as a number, faulting (like the interpreter) on wide values. */
const address = (rs1: number, imm: number, access: number) =>
  `const hi = x32[${2 * rs1 + 1}]; if (hi > 0x1fffff || hi < -0x200000) wide(hart, x[${rs1}], ${imm}, ${access}); ` +
  `const va = hi * 4294967296 + (x32[${2 * rs1}] >>> 0) + ${imm};`;
/** Unsigned 64-bit a < b on the halves of two registers (or of a register and a constant). */
const ltu = (ah: string, al: string, bh: string, bl: string) =>
  `(${ah} >>> 0 < ${bh} >>> 0 || (${ah} === ${bh} && ${al} >>> 0 < ${bl} >>> 0))`;

/**
 * JavaScript for one instruction at byte offset `off` of the block. Returns the statements;
 * a Jump's statements end with `return <next pc>`.
 */
export function emit(inst: number, raw: number, off: number, len: number): string {
  const rd = (inst >> 7) & 31;
  const rdw = rd || 32;
  const rs1 = (inst >> 15) & 31;
  const rs2 = (inst >> 20) & 31;
  const f3 = (inst >> 12) & 7;
  const f7 = inst >>> 25;
  const X = (r: number) => (r === 0 ? "0n" : `x[${r}]`);
  const lo = (r: number) => `x32[${2 * r}]`;
  const hi = (r: number) => `x32[${2 * r + 1}]`;
  const next = `pc + ${off + len}`;
  const set = (v: string) => (rd === 0 ? "" : `x[${rd}] = ${v};`);
  switch (inst & 0x7f) {
    case 0x13: {
      const imm = inst >> 20;
      const s = imm & 63;
      switch (f3) {
        case 0:
          return set(imm === 0 ? X(rs1) : rs1 === 0 ? big(imm) : `${X(rs1)} + ${big(imm)}`);
        case 1:
          return set(`${X(rs1)} << ${s}n`);
        case 2:
          return set(`${X(rs1)} < ${big(imm)} ? 1n : 0n`);
        case 3:
          return set(`${ltu(hi(rs1), lo(rs1), String(imm >> 31), String(imm))} ? 1n : 0n`);
        case 4:
          return set(`${X(rs1)} ^ ${big(imm)}`);
        case 5:
          return inst >>> 26 === 0
            ? set(`BigInt.asIntN(64, BigInt.asUintN(64, ${X(rs1)}) >> ${s}n)`)
            : set(`${X(rs1)} >> ${s}n`);
        case 6:
          return set(`${X(rs1)} | ${big(imm)}`);
        default:
          return set(`${X(rs1)} & ${big(imm)}`);
      }
    }
    case 0x33: {
      const a = X(rs1);
      const b = X(rs2);
      const amount = `BigInt(${lo(rs2)} & 63)`;
      if (f7 === 1) return set(f3 === 0 ? `${a} * ${b}` : `${MULDIV[f3]}(${a}, ${b})`);
      if (f7 === 0x20) return f3 === 0 ? set(`${a} - ${b}`) : set(`${a} >> ${amount}`);
      switch (f3) {
        case 0:
          return set(`${a} + ${b}`);
        case 1:
          return set(`${a} << ${amount}`);
        case 2:
          return set(`${a} < ${b} ? 1n : 0n`);
        case 3:
          return set(`${ltu(hi(rs1), lo(rs1), hi(rs2), lo(rs2))} ? 1n : 0n`);
        case 4:
          return set(`${a} ^ ${b}`);
        case 5:
          return set(`BigInt.asIntN(64, BigInt.asUintN(64, ${a}) >> ${amount})`);
        case 6:
          return set(`${a} | ${b}`);
        default:
          return set(`${a} & ${b}`);
      }
    }
    case 0x03: {
      const load = [
        "BigInt((mmu.loadU(va, 1) << 24) >> 24)",
        "BigInt((mmu.loadU(va, 2) << 16) >> 16)",
        "BigInt(mmu.loadU(va, 4) | 0)",
        "mmu.load64(va)",
        "BigInt(mmu.loadU(va, 1))",
        "BigInt(mmu.loadU(va, 2))",
        "BigInt(mmu.loadU(va, 4))",
      ][f3];
      return `{ ${address(rs1, inst >> 20, 1)} x[${rdw}] = ${load}; }`;
    }
    case 0x23: {
      const imm = ((inst >> 25) << 5) | ((inst >> 7) & 31);
      const store = f3 === 3 ? `mmu.store64(va, ${X(rs2)})` : `mmu.store(va, ${1 << f3}, ${lo(rs2)})`;
      return `{ ${address(rs1, imm, 2)} ${store}; }`;
    }
    case 0x63: {
      const target =
        ((inst >> 31) << 12) | (((inst >> 7) & 1) << 11) | (((inst >> 25) & 0x3f) << 5) | (((inst >> 8) & 0xf) << 1);
      const a = X(rs1);
      const b = X(rs2);
      const cond = [
        `${a} === ${b}`,
        `${a} !== ${b}`,
        "",
        "",
        `${a} < ${b}`,
        `${a} >= ${b}`,
        ltu(hi(rs1), lo(rs1), hi(rs2), lo(rs2)),
        `!${ltu(hi(rs1), lo(rs1), hi(rs2), lo(rs2))}`,
      ][f3];
      return `return ${cond} ? pc + ${off + target} : ${next};`;
    }
    case 0x37:
      return set(big(inst & 0xfffff000));
    case 0x17:
      return set(`BigInt(pc + ${off + (inst & 0xfffff000)})`);
    case 0x6f: {
      const target =
        ((inst >> 31) << 20) |
        (((inst >> 12) & 0xff) << 12) |
        (((inst >> 20) & 1) << 11) |
        (((inst >> 21) & 0x3ff) << 1);
      return `${set(`BigInt(${next})`)} return pc + ${off + target};`;
    }
    case 0x67: {
      // As the interpreter: rd is written before a wide target faults (epc = the target).
      const imm = inst >> 20;
      return (
        `{ const hi = ${hi(rs1)}; const base = x[${rs1}]; const t = hi * 4294967296 + (${lo(rs1)} >>> 0) + ${imm}; ` +
        `x[${rdw}] = BigInt(${next}); if (hi > 0x1fffff || hi < -0x200000) wideJump(hart, base, ${imm}); ` +
        `return t - (t & 1 ? 1 : 0); }`
      );
    }
    case 0x1b: {
      const a = lo(rs1);
      const v =
        f3 === 0
          ? `${a} + ${inst >> 20}`
          : f3 === 1
            ? `${a} << ${rs2}`
            : f7 === 0
              ? `${a} >>> ${rs2}`
              : `${a} >> ${rs2}`;
      return set(`BigInt((${v}) | 0)`);
    }
    case 0x3b: {
      const a = lo(rs1);
      const b = lo(rs2);
      if (f7 === 1) return set(`BigInt(${MULDIVW[f3]}(${a}, ${b}))`);
      if (f3 === 0)
        return set(f7 === 0 ? `BigInt.asIntN(32, ${X(rs1)} + ${X(rs2)})` : `BigInt.asIntN(32, ${X(rs1)} - ${X(rs2)})`);
      const v = f3 === 1 ? `${a} << (${b} & 31)` : f7 === 0 ? `(${a} >>> (${b} & 31)) | 0` : `${a} >> (${b} & 31)`;
      return set(`BigInt(${v})`);
    }
    case 0x2f:
      return `atomic(hart, ${inst | 0}, ${rdw}, ${rs1}, ${rs2}, ${f3});`;
    case 0x0f:
      return "";
    default:
      // FP: the interpreter's executor, which checks mstatus.FS and the rounding mode.
      return `fp(hart, ${inst | 0}, ${raw | 0}, ${rdw});`;
  }
}

// Helpers for M-extension operations (names bound in compile.ts), indexed by funct3.
const MULDIV = ["", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"];
const MULDIVW = ["mulw", "", "", "", "divw", "divuw", "remw", "remuw"];
