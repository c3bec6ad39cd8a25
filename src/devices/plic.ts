// The PLIC (SiFive / RISC-V platform-level interrupt controller), register layout as QEMU virt:
// priority +0x0 + 4·source, pending bits +0x1000, enables +0x2000 + 0x80·context,
// threshold +0x200000 + 0x1000·context and claim/complete 4 bytes after it.
//
// Sources are level-triggered with a gateway: a claimed source is not pending again until the
// hart completes it, and then only if its line is still high. Each context drives one external
// interrupt line of one hart through `notify`.
//
// Context layout. The DT lists the contexts in `interrupts-extended`, and Linux numbers them by
// their position in that list, so the PLIC must have exactly the contexts the DT lists, in the
// same order. `plicContextLayout` is the one place that order is decided; the device tree and
// the machine's wiring of `notify` both use it:
//   full: 2 contexts per hart, 2h = hart h MEIP (for the firmware), 2h+1 = hart h SEIP.
//   pv:   1 context per hart,   h = hart h SEIP. No guest M-mode exists, so, as QEMU does
//         under KVM, only S contexts are listed and laid out one per hart.

import type { InterruptSink } from "./irq.js";
import type { MmioDevice } from "./device.js";

export const IRQ_SEI = 9;
export const IRQ_MEI = 11;

/** The hart and the interrupt line (mip bit) a PLIC context drives. */
export interface PlicContext {
  hart: number;
  irq: typeof IRQ_SEI | typeof IRQ_MEI;
}

export function plicContextLayout(mode: "pv" | "full", harts: number): PlicContext[] {
  const out: PlicContext[] = [];
  for (let hart = 0; hart < harts; hart++) {
    if (mode === "full") out.push({ hart, irq: IRQ_MEI });
    out.push({ hart, irq: IRQ_SEI });
  }
  return out;
}

/** Sources 1..31 (0 means "none"): the DT says riscv,ndev = 31. */
export const PLIC_SOURCES = 32;
/** The size of the window the DT gives, as QEMU virt (room for many contexts). */
export const PLIC_SIZE = 0x60_0000;
const PRIORITY_MASK = 7; // 3 bits, as QEMU's 7 levels
const PENDING_BASE = 0x1000;
const ENABLE_BASE = 0x2000;
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x20_0000;
const CONTEXT_STRIDE = 0x1000;

export class Plic implements MmioDevice, InterruptSink {
  readonly name = "plic";
  /** The MMIO window, the same for every context count: what the DT's `reg` says. */
  readonly size = PLIC_SIZE;
  readonly state: {
    priority: Uint32Array;
    /** The line level each device drives. */
    level: Uint32Array;
    /** Gateway output: requests waiting to be claimed. */
    pending: Uint32Array;
    /** Claimed and not yet completed. */
    claimed: Uint32Array;
    /** words per context, context-major */
    enable: Uint32Array;
    threshold: Uint32Array;
    /** Last level given to `notify`, per context. */
    eip: Uint8Array;
  };
  private readonly words = PLIC_SOURCES / 32;

  constructor(
    readonly contexts: number,
    private readonly notify: (context: number, level: boolean) => void,
  ) {
    this.state = {
      priority: new Uint32Array(PLIC_SOURCES),
      level: new Uint32Array(this.words),
      pending: new Uint32Array(this.words),
      claimed: new Uint32Array(this.words),
      enable: new Uint32Array(contexts * this.words),
      threshold: new Uint32Array(contexts),
      eip: new Uint8Array(contexts),
    };
  }

  setIrq(source: number, level: boolean): void {
    if (!Number.isInteger(source) || source <= 0 || source >= PLIC_SOURCES) return;
    const w = source >>> 5;
    const bit = 1 << (source & 31);
    const s = this.state;
    if (level) {
      s.level[w] |= bit;
      if (!(s.claimed[w] & bit)) s.pending[w] |= bit;
    } else {
      // A level source that drops before being claimed has nothing left to serve.
      s.level[w] &= ~bit;
      s.pending[w] &= ~bit;
    }
    this.update();
  }

  /** Recomputes every context's line; `force` re-drives unchanged lines too (after a restore). */
  update(force = false): void {
    const s = this.state;
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const level = this.best(ctx) !== 0 ? 1 : 0;
      if (force || level !== s.eip[ctx]) {
        s.eip[ctx] = level;
        this.notify(ctx, level === 1);
      }
    }
  }

  mmioRead(offset: number, size: number): number {
    if (size !== 4 || offset & 3 || offset < 0) return 0; // the PLIC has 32-bit registers only
    const s = this.state;
    if (offset < PENDING_BASE) {
      const src = offset >>> 2;
      return src < PLIC_SOURCES ? s.priority[src] : 0;
    }
    if (offset < ENABLE_BASE) {
      const w = (offset - PENDING_BASE) >>> 2;
      return w < this.words ? s.pending[w] >>> 0 : 0;
    }
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
      return ctx < this.contexts && w < this.words ? s.enable[ctx * this.words + w] >>> 0 : 0;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.contexts) return 0;
    const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (reg === 0) return s.threshold[ctx];
    if (reg === 4) return this.claim(ctx);
    return 0;
  }

  mmioWrite(offset: number, size: number, value: number): void {
    if (size !== 4 || offset & 3 || offset < 0) return;
    const s = this.state;
    if (offset < PENDING_BASE) {
      const src = offset >>> 2;
      if (src > 0 && src < PLIC_SOURCES) s.priority[src] = value & PRIORITY_MASK;
    } else if (offset < ENABLE_BASE) {
      return; // pending bits are read-only
    } else if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
      if (ctx >= this.contexts || w >= this.words) return;
      s.enable[ctx * this.words + w] = w === 0 ? value & ~1 : value; // source 0 does not exist
    } else {
      const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
      if (ctx >= this.contexts) return;
      const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
      if (reg === 0) s.threshold[ctx] = value & PRIORITY_MASK;
      else if (reg === 4) this.complete(ctx, value >>> 0);
      else return;
    }
    this.update();
  }

  /** The highest-priority pending, enabled, unclaimed source above the threshold (lowest id on ties), or 0. */
  private best(ctx: number): number {
    const s = this.state;
    let best = 0;
    let bestPrio = s.threshold[ctx];
    for (let w = 0; w < this.words; w++) {
      let bits = s.pending[w] & ~s.claimed[w] & s.enable[ctx * this.words + w];
      while (bits) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const src = w * 32 + b;
        if (s.priority[src] > bestPrio) {
          bestPrio = s.priority[src];
          best = src;
        }
      }
    }
    return best;
  }

  private claim(ctx: number): number {
    const src = this.best(ctx);
    if (src !== 0) {
      const bit = 1 << (src & 31);
      this.state.pending[src >>> 5] &= ~bit;
      this.state.claimed[src >>> 5] |= bit;
      this.update();
    }
    return src;
  }

  private complete(ctx: number, src: number): void {
    if (src <= 0 || src >= PLIC_SOURCES) return;
    const w = src >>> 5;
    const bit = 1 << (src & 31);
    const s = this.state;
    // The spec ignores completion of a source the context has not enabled.
    if (!(s.enable[ctx * this.words + w] & bit)) return;
    s.claimed[w] &= ~bit;
    if (s.level[w] & bit) s.pending[w] |= bit;
  }
}
