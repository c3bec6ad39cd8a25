// Translated blocks of one hart, keyed by the buffer offset of their first instruction (a
// physical address: the same code mapped at two virtual addresses shares its blocks, and
// sfence.vma or satp changes leave them valid). A store to a page that blocks were made from
// drops them (codeWatch.ts), unless the page keeps mixing code and data: then its blocks stay
// until FENCE.I, as the ISA allows.
//
// Linux runs FENCE.I often (every first mapping of an executable page flushes the icache), so
// a fence does not throw the translations away: it starts a new generation, and a block of
// an older generation is checked against the code in memory before it runs again.

import type { Hart } from "../hart.js";
import { type CodeWatchGroup, codeWatchGroup, type PageBlocks } from "./codeWatch.js";
import { JIT_LOOKUP_ENTRIES, JIT_LOOKUP_OFFSET } from "../hartState.js";
import { HEAT_SIZE, HOT } from "./heat.js";
import { slowPaths, type BlockExit } from "./slowPath.js";
import { slowPathTable } from "./slowPathTable.js";
import { compileBlocks, compileDispatcher, type DispatchFn } from "./wasmModule.js";
import { scan, type Scan } from "./wasmTranslate.js";

const L1_SIZE = 1 << 14;
const PAGE = 4096;
/** Blocks compiled together in one module, and the slices a queued block waits at most. */
const BATCH = 64;
const AGE = 16;
/** Bound on blocks translated (table indices handed out); past it the cache starts over. */
const MAX_BLOCKS = 1 << 16;
/** Lookup slots remembered between two FENCE.I; past it a fence clears the whole table. */
const MAX_INSTALLED = 4096;

export class Block {
  generation: number;

  constructor(
    readonly key: number,
    /** Where the block's function is in the cache's table. */
    readonly index: number,
    /** Instructions in the block (at most this many retire in one run). */
    readonly len: number,
    /** The halfwords the translation was made from, to revalidate it after a FENCE.I. */
    readonly code: Uint16Array,
    generation: number,
  ) {
    this.generation = generation;
  }
}

/** A block waiting for its batch: its scan, heat slot, and the code and generation the scan saw. */
interface Queued {
  scan: Scan;
  slot: number;
  code: Uint16Array;
  generation: number;
}

export class BlockCache implements PageBlocks {
  /** Direct-mapped front of `all`; an entry counts only if it is of the current generation. */
  private readonly l1: (Block | undefined)[] = new Array<Block | undefined>(L1_SIZE).fill(undefined);
  private readonly all = new Map<number, Block>();
  private generation = 0;
  readonly exit: BlockExit = { n: 0, off: 0, base: 0 };
  /** Countdowns to translation per jump target (see heat.ts). */
  readonly heat = new Int32Array(HEAT_SIZE);
  private readonly u16: Uint16Array;
  /** The block functions, called by index from the dispatcher. */
  private readonly table = new WebAssembly.Table({ element: "anyfunc", initial: 1024 });
  private nextIndex = 0;
  /** What the blocks call to reach slowPath.ts (see slowPathTable.ts). */
  private readonly slowTable: WebAssembly.Table;
  /** Blocks waiting to be compiled, by key; the interpreter runs them meanwhile. */
  private readonly queued = new Map<number, Queued>();
  private age = 0;
  private batch = BATCH;
  /** Arrivals at a target before it is translated (see setHot). */
  hot = HOT;
  /** The dispatcher's lookup table (see hartState.ts), in the VM memory. */
  private readonly lookup: Int32Array;
  /**
   * The lookup slots filled since the last FENCE.I, so that a fence clears those and not the
   * whole table: Debian's kernel fences tens of thousands of times while it boots, and clearing
   * 512 KiB each time took a fifth of that boot.
   */
  private readonly installed = new Int32Array(MAX_INSTALLED);
  private installedCount = 0;
  /** The watched blocks by page (codeWatch.ts), to drop when a store writes the page. */
  private readonly pageBlocks = new Map<number, Block[]>();
  private readonly codeWatch: CodeWatchGroup;
  /** Runs translated code from a pc until it reaches one without a block in the lookup table. */
  readonly dispatch: DispatchFn;

  constructor(
    private readonly hart: Hart,
    private readonly memory: WebAssembly.Memory,
  ) {
    this.u16 = hart.mmu.u16;
    this.slowTable = slowPathTable(memory, slowPaths(hart, this.exit));
    const state = hart.hart.s64.byteOffset;
    this.lookup = new Int32Array(memory.buffer, state + JIT_LOOKUP_OFFSET, 2 * JIT_LOOKUP_ENTRIES);
    this.dispatch = compileDispatcher(state, memory, this.table);
    this.setHot(HOT);
    this.codeWatch = codeWatchGroup(memory);
    this.codeWatch.join(this, hart.mmu);
  }

  /** Makes the dispatcher find block b at its key (until a flush or another block takes the slot). */
  install(b: Block): void {
    const slot = (b.key >>> 1) & (JIT_LOOKUP_ENTRIES - 1);
    this.lookup[2 * slot] = b.key;
    this.lookup[2 * slot + 1] = (b.index << 7) | b.len;
    if (this.installedCount < MAX_INSTALLED) this.installed[this.installedCount] = slot;
    this.installedCount++;
  }

  /** Arrivals before translation, and blocks per batch (tests lower both to translate almost at once). */
  setHot(hot: number, batch = BATCH): void {
    this.heat.fill(hot);
    this.hot = hot;
    this.batch = batch;
  }

  /** The translated block at buffer offset `key`, or null. */
  get(key: number): Block | null {
    const slot = (key >>> 1) & (L1_SIZE - 1);
    const b = this.l1[slot];
    if (b !== undefined && b.key === key && b.generation === this.generation) return b;
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

  /**
   * Queues the block at buffer offset `key` (guest page offset `pageOff`, heat slot `slot`) for
   * translation; false if it has no translatable start. Blocks are compiled in batches, one
   * WebAssembly module each (a module costs far more than the functions in it): when BATCH are
   * waiting, or at the end of a slice once the oldest has waited AGE slices.
   */
  queue(key: number, pageOff: number, slot: number): boolean {
    if (this.queued.has(key)) return true;
    const s = scan(this.u16, key, pageOff);
    if (s.inst.length === 0) return false;
    // The code and generation the scan saw: a FENCE.I before the compile makes get() check it again.
    const code = this.u16.slice(key >>> 1, (key + s.bytes) >>> 1);
    this.codeWatch.watch(key); // a store before the compile drops the scan (dropPage)
    this.queued.set(key, { scan: s, slot, code, generation: this.generation });
    if (this.queued.size === 1) this.age = 0;
    if (this.queued.size >= this.batch) this.compileQueued();
    return true;
  }

  /** End of a slice: compiles the queue when its oldest block has waited long enough. */
  sliceEnded(): void {
    this.codeWatch.sliceEnded();
    if (this.queued.size > 0 && ++this.age >= AGE) this.compileQueued();
  }

  private compileQueued(): void {
    const entries = [...this.queued];
    this.queued.clear();
    // By table index, not by blocks kept: blocks dropped by a FENCE.I check or a store to their
    // page leave their index (and module) behind, so a guest that keeps rewriting code would
    // otherwise grow the table and the compiled modules without bound.
    if (this.nextIndex + entries.length > MAX_BLOCKS) this.clear();
    const scans = entries.map(([, q]) => q.scan);
    const fns = compileBlocks(scans, this.hart.hart.s64.byteOffset, this.memory, this.slowTable);
    while (this.nextIndex + fns.length > this.table.length) this.table.grow(this.table.length);
    entries.forEach(([key, q], i) => {
      this.table.set(this.nextIndex, fns[i]);
      const b = new Block(key, this.nextIndex++, q.scan.inst.length, q.code, q.generation);
      this.all.set(key, b);
      this.watch(b);
      this.heat[q.slot] = 0; // the interpreter returns at jumps here, for the run loop to run the block
    });
  }

  /** Keeps block b in its page's list when stores to the page are watched. */
  private watch(b: Block): void {
    if (!this.codeWatch.watch(b.key)) return;
    const page = Math.floor(b.key / PAGE);
    const list = this.pageBlocks.get(page);
    if (list === undefined) this.pageBlocks.set(page, [b]);
    else list.push(b);
  }

  /** A store is about to change page `page`: its blocks, and the queued scans of it, go. */
  dropPage(page: number): void {
    for (const b of this.pageBlocks.get(page) ?? []) {
      if (this.all.get(b.key) === b) this.all.delete(b.key);
      const l1 = (b.key >>> 1) & (L1_SIZE - 1);
      if (this.l1[l1] === b) this.l1[l1] = undefined;
      const slot = (b.key >>> 1) & (JIT_LOOKUP_ENTRIES - 1);
      if (this.lookup[2 * slot] === b.key) {
        this.lookup[2 * slot] = 0;
        this.lookup[2 * slot + 1] = 0;
      }
    }
    this.pageBlocks.delete(page);
    for (const [key, q] of this.queued)
      if (Math.floor(key / PAGE) === page) {
        this.queued.delete(key);
        this.heat[q.slot] = this.hot;
      }
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
    this.clearLookup();
  }

  private clearLookup(): void {
    if (this.installedCount > MAX_INSTALLED) this.lookup.fill(0);
    else
      for (let i = 0; i < this.installedCount; i++) {
        const slot = this.installed[i];
        this.lookup[2 * slot] = 0;
        this.lookup[2 * slot + 1] = 0;
      }
    this.installedCount = 0;
  }

  /** Forgets every block (reset, or too many blocks). */
  clear(): void {
    this.l1.fill(undefined);
    this.all.clear();
    this.pageBlocks.clear();
    this.lookup.fill(0);
    this.installedCount = 0;
    this.nextIndex = 0;
    for (const q of this.queued.values()) this.heat[q.slot] = 0; // counted again from the next arrival
    this.queued.clear();
  }
}
