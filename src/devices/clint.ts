// The CLINT (ACLINT MSWI + MTIMER): msip per hart at +0, mtimecmp per hart at +0x4000,
// mtime at +0xBFF8. It drives MSIP and MTIP of each hart.

import type { MmioDevice } from "./device.js";

export interface ClintHart {
  setInterruptLine(irq: number, level: boolean): void;
}

const IRQ_MSI = 3;
const IRQ_MTI = 7;

export class Clint implements MmioDevice {
  readonly name = "clint";
  readonly state: { msip: Uint8Array; mtimecmp: BigUint64Array };

  constructor(
    private readonly harts: ClintHart[],
    private readonly mtime: () => bigint,
  ) {
    this.state = {
      msip: new Uint8Array(harts.length),
      mtimecmp: new BigUint64Array(harts.length).fill(0xffffffffffffffffn),
    };
  }

  /** Updates MTIP of every hart from mtime; returns the earliest future deadline (mtime units). */
  update(): bigint {
    const now = this.mtime();
    let next = 0xffffffffffffffffn;
    this.state.mtimecmp.forEach((cmp, h) => {
      this.harts[h].setInterruptLine(IRQ_MTI, now >= cmp);
      if (cmp > now && cmp < next) next = cmp;
    });
    return next;
  }

  mmioRead64(offset: number): bigint {
    if (offset === 0xbff8) return this.mtime();
    const h = (offset - 0x4000) >> 3;
    if (offset >= 0x4000 && (offset & 7) === 0 && h < this.harts.length) return this.state.mtimecmp[h];
    return BigInt(this.mmioRead(offset, 4)) | (BigInt(this.mmioRead(offset + 4, 4)) << 32n);
  }

  mmioRead(offset: number, size: number): number {
    if (offset < 0x4000) {
      const h = offset >> 2;
      return h < this.harts.length && (offset & 3) === 0 ? this.state.msip[h] : 0;
    }
    let value: bigint;
    let base: number;
    if (offset >= 0xbff8 && offset < 0xc000) {
      value = this.mtime();
      base = 0xbff8;
    } else {
      const h = (offset - 0x4000) >> 3;
      if (h >= this.harts.length) return 0;
      value = this.state.mtimecmp[h];
      base = 0x4000 + h * 8;
    }
    const shift = BigInt(8 * (offset - base));
    const mask = size === 4 ? 0xffffffffn : size === 2 ? 0xffffn : 0xffn;
    return Number((value >> shift) & mask);
  }

  mmioWrite64(offset: number, value: bigint): void {
    const h = (offset - 0x4000) >> 3;
    if (offset >= 0x4000 && offset < 0xbff8 && (offset & 7) === 0 && h < this.harts.length) {
      this.state.mtimecmp[h] = value;
      this.update();
      return;
    }
    this.mmioWrite(offset, 4, Number(value & 0xffffffffn));
    this.mmioWrite(offset + 4, 4, Number(value >> 32n));
  }

  mmioWrite(offset: number, size: number, value: number): void {
    if (offset < 0x4000) {
      const h = offset >> 2;
      if (h < this.harts.length && (offset & 3) === 0) {
        this.state.msip[h] = value & 1;
        this.harts[h].setInterruptLine(IRQ_MSI, (value & 1) === 1);
      }
      return;
    }
    const h = (offset - 0x4000) >> 3;
    if (offset >= 0xbff8 || h >= this.harts.length) return; // mtime is read-only here: it follows the host clock
    const shift = BigInt(8 * (offset & 7));
    const mask = (size === 4 ? 0xffffffffn : size === 2 ? 0xffffn : 0xffn) << shift;
    const cur = this.state.mtimecmp[h];
    this.state.mtimecmp[h] = (cur & ~mask) | ((BigInt(value >>> 0) << shift) & mask);
    this.update();
  }
}
