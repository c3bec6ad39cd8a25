// Translated blocks of one hart, keyed by the buffer offset of their first instruction (a
// physical address: the same code mapped at two virtual addresses shares its blocks, and
// sfence.vma or satp changes leave them valid). Stale until FENCE.I, as the ISA allows.
//
// Linux runs FENCE.I often (every first mapping of an executable page flushes the icache), so
// a fence does not throw the translations away: it starts a new generation, and a block of
// an older generation is checked against the code in memory before it runs again.

import { compile, scan, type BlockExit, type BlockFn } from "./compile.js";
import { HEAT_SIZE, HOT } from "./heat.js";

const L1_SIZE = 1 << 12;
/** Bound on remembered blocks; past it the cache starts over. */
const MAX_BLOCKS = 1 << 16;

export class Block {
  generation: number;

  constructor(
    readonly key: number,
    readonly fn: BlockFn,
    /** Instructions in the block. */
    readonly len: number,
    /** Byte offset of each instruction, to find the pc of one that traps. */
    readonly off: number[],
    /** The halfwords the translation was made from, to revalidate it after a FENCE.I. */
    readonly code: Uint16Array,
    generation: number,
  ) {
    this.generation = generation;
  }
}

export class BlockCache {
  /** Direct-mapped front of `all`, holding only blocks valid in the current generation. */
  private readonly l1: (Block | undefined)[] = new Array<Block | undefined>(L1_SIZE).fill(undefined);
  private readonly all = new Map<number, Block>();
  private generation = 0;
  readonly exit: BlockExit = { n: 0 };
  /** Countdowns to translation per jump target (see heat.ts). */
  readonly heat = new Int32Array(HEAT_SIZE);

  constructor(private readonly u16: Uint16Array) {
    this.setHot(HOT);
  }

  /** Arrivals before translation (tests lower it to translate almost at once). */
  setHot(hot: number): void {
    this.heat.fill(hot);
  }

  /** The translated block at buffer offset `key`, or null. */
  get(key: number): Block | null {
    const slot = (key >>> 1) & (L1_SIZE - 1);
    const b = this.l1[slot];
    if (b !== undefined && b.key === key) return b;
    const found = this.all.get(key);
    if (found === undefined) return null;
    if (found.generation !== this.generation) {
      if (!this.unchanged(found)) {
        this.all.delete(key);
        return null;
      }
      found.generation = this.generation;
    }
    this.l1[slot] = found;
    return found;
  }

  /** Translates the block at buffer offset `key` (guest page offset `pageOff`); null if it has no translatable start. */
  translate(key: number, pageOff: number): Block | null {
    const s = scan(this.u16, key, pageOff);
    if (s.inst.length === 0) return null;
    if (this.all.size >= MAX_BLOCKS) this.clear();
    const code = this.u16.slice(key >>> 1, (key + s.bytes) >>> 1);
    const b = new Block(key, compile(s), s.inst.length, s.off, code, this.generation);
    this.all.set(key, b);
    return b;
  }

  private unchanged(b: Block): boolean {
    const code = b.code;
    const u16 = this.u16;
    const at = b.key >>> 1;
    for (let i = 0; i < code.length; i++) if (u16[at + i] !== code[i]) return false;
    return true;
  }

  /** FENCE.I (local or by SBI remote fence): any code may have changed. */
  flush(): void {
    this.generation++;
    this.l1.fill(undefined);
  }

  /** Forgets every block (reset, or too many blocks). */
  clear(): void {
    this.l1.fill(undefined);
    this.all.clear();
  }
}
