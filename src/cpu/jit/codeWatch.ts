// The pages of the VM memory that translated blocks were made from, shared by every hart of
// the VM: a store by any hart to such a page, through its MMU (CodeWatch in mmu.ts), drops the
// blocks every hart made from it. The ISA lets code go stale until FENCE.I, but guests such as
// xv6 reuse a page for a new program without one, and QEMU notices the store.

import type { CodeWatch, Mmu } from "../mmu.js";

const PAGE = 4096;
/**
 * A page whose blocks a store dropped within CHURN_SLICES of its watch starting, CHURN_LIMIT
 * times, holds code and data that change together (a store in a loop next to the loop's
 * code): it is no longer watched, so that its blocks are not made and dropped over and over;
 * they stay until FENCE.I, as the ISA allows.
 */
const CHURN_SLICES = 64;
const CHURN_LIMIT = 4;

/** What a hart's block cache does when a page it made blocks from is written. */
export interface PageBlocks {
  dropPage(page: number): void;
}

export class CodeWatchGroup implements CodeWatch {
  /** Per page: 1 while blocks made from it are kept (no MMU's store sets map it then). */
  readonly pages: Uint8Array;
  private readonly watchedSince: Int32Array;
  private readonly churn: Uint8Array;
  private slices = 0;
  private readonly caches: PageBlocks[] = [];
  private readonly mmus: Mmu[] = [];

  constructor(bytes: number) {
    const pages = Math.ceil(bytes / PAGE);
    this.pages = new Uint8Array(pages);
    this.watchedSince = new Int32Array(pages);
    this.churn = new Uint8Array(pages);
  }

  /** A hart's cache and MMU join (before the hart runs). */
  join(cache: PageBlocks, mmu: Mmu): void {
    this.caches.push(cache);
    this.mmus.push(mmu);
    mmu.watchCode(this);
  }

  sliceEnded(): void {
    this.slices++;
  }

  /** Whether blocks made from buffer offset `key` are watched; starts the watch of its page. */
  watch(key: number): boolean {
    const page = Math.floor(key / PAGE);
    if (this.churn[page] >= CHURN_LIMIT) return false;
    if (this.pages[page]) return true;
    this.pages[page] = 1;
    this.watchedSince[page] = this.slices;
    for (const mmu of this.mmus) mmu.unmapStores(page);
    return true;
  }

  written(page: number): void {
    this.pages[page] = 0;
    if (this.slices - this.watchedSince[page] < CHURN_SLICES) this.churn[page]++;
    for (const cache of this.caches) cache.dropPage(page);
  }
}

const groups = new WeakMap<WebAssembly.Memory, CodeWatchGroup>();

/** The group of the harts that share `memory`. */
export function codeWatchGroup(memory: WebAssembly.Memory): CodeWatchGroup {
  let g = groups.get(memory);
  if (g === undefined) groups.set(memory, (g = new CodeWatchGroup(memory.buffer.byteLength)));
  return g;
}
