// The VM's one WebAssembly.Memory: hart state blocks first, then guest RAM.

import { HART_STATE_BYTES } from "../cpu/hartState.js";

const WASM_PAGE = 65536;
/** Room for the state blocks of up to 16 harts, ahead of RAM. */
export const STATE_AREA = 16 * HART_STATE_BYTES;
/** wasm32 memories end at 4 GiB. */
export const MAX_RAM = 4 * 1024 * 1024 * 1024 - STATE_AREA - WASM_PAGE;

export class VmMemory {
  readonly memory: WebAssembly.Memory;
  readonly buffer: ArrayBuffer;
  readonly ramOffset = STATE_AREA;

  constructor(
    readonly ramBase: number,
    readonly ramSize: number,
  ) {
    if (!Number.isInteger(ramSize) || ramSize <= 0 || ramSize > MAX_RAM) {
      throw new RangeError(`guest memory size ${ramSize} is outside 1 byte .. ${MAX_RAM} bytes`);
    }
    const pages = Math.ceil((STATE_AREA + ramSize) / WASM_PAGE);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.buffer = this.memory.buffer;
  }

  hartStateOffset(hart: number): number {
    return hart * HART_STATE_BYTES;
  }

  /** RAM as bytes, indexed from ramBase. */
  ram(): Uint8Array {
    return new Uint8Array(this.buffer, this.ramOffset, this.ramSize);
  }

  /** Whether [paddr, paddr + length) lies inside RAM. */
  inRam(paddr: number, length: number): boolean {
    return paddr >= this.ramBase && length >= 0 && paddr + length <= this.ramBase + this.ramSize;
  }
}
