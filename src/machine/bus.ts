// The physical address space: RAM plus MMIO windows of devices.

import type { Bus } from "../cpu/bus.js";
import type { MmioDevice } from "../devices/device.js";
import type { VmMemory } from "./memory.js";
import type { ExitStats } from "../util/exitStats.js";

interface Window {
  base: number;
  size: number;
  device: MmioDevice;
}

export class MachineBus implements Bus {
  readonly ramBase: number;
  readonly ramSize: number;
  readonly ramOffset: number;
  private readonly windows: Window[] = [];
  constructor(
    readonly mem: VmMemory,
    private readonly stats: ExitStats | null = null,
  ) {
    this.ramBase = mem.ramBase;
    this.ramSize = mem.ramSize;
    this.ramOffset = mem.ramOffset;
  }

  map(base: number, size: number, device: MmioDevice): void {
    for (const w of this.windows) {
      if (base < w.base + w.size && w.base < base + size) throw new Error(`${device.name} overlaps ${w.device.name}`);
    }
    if (base < this.ramBase + this.ramSize && this.ramBase < base + size)
      throw new Error(`${device.name} overlaps RAM`);
    this.windows.push({ base, size, device });
  }

  private find(paddr: number, size: number): Window | null {
    for (const w of this.windows) {
      if (paddr >= w.base && paddr + size <= w.base + w.size) return w;
    }
    return null;
  }

  read(paddr: number, size: number): number | bigint | null {
    if (paddr >= this.ramBase && paddr + size <= this.ramBase + this.ramSize) return this.readRam(paddr, size);
    const w = this.find(paddr, size);
    if (!w) return null;
    const started = this.stats ? process.hrtime.bigint() : 0n;
    const off = paddr - w.base;
    let v: number | bigint;
    if (size === 8) {
      if (w.device.mmioRead64) v = w.device.mmioRead64(off);
      else v = BigInt(w.device.mmioRead(off, 4)) | (BigInt(w.device.mmioRead(off + 4, 4)) << 32n);
    } else v = w.device.mmioRead(off, size);
    this.account(w, started);
    return v;
  }

  /** Counts an MMIO exit and the host time it took. */
  private account(w: Window, started: bigint): void {
    this.stats?.add(`mmio ${w.device.name}`, Number(process.hrtime.bigint() - started));
  }

  write(paddr: number, size: number, value: number | bigint): boolean {
    if (paddr >= this.ramBase && paddr + size <= this.ramBase + this.ramSize) {
      this.writeRam(paddr, size, BigInt(value));
      return true;
    }
    const w = this.find(paddr, size);
    if (!w) return false;
    const started = this.stats ? process.hrtime.bigint() : 0n;
    const off = paddr - w.base;
    if (size === 8) {
      const v = BigInt.asUintN(64, BigInt(value));
      if (w.device.mmioWrite64) w.device.mmioWrite64(off, v);
      else {
        w.device.mmioWrite(off, 4, Number(v & 0xffffffffn));
        w.device.mmioWrite(off + 4, 4, Number(v >> 32n));
      }
    } else w.device.mmioWrite(off, size, Number(value));
    this.account(w, started);
    return true;
  }

  private readRam(paddr: number, size: number): number | bigint {
    const dv = new DataView(this.mem.buffer, this.ramOffset + paddr - this.ramBase, size);
    if (size === 8) return dv.getBigUint64(0, true);
    if (size === 4) return dv.getUint32(0, true);
    if (size === 2) return dv.getUint16(0, true);
    return dv.getUint8(0);
  }

  private writeRam(paddr: number, size: number, value: bigint): void {
    const bytes = new Uint8Array(this.mem.buffer, this.ramOffset + paddr - this.ramBase, size);
    for (let i = 0; i < size; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  }
}
