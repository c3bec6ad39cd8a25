// A pretend guest for the virtio tests: RAM in a byte array at the platform's RAM base, and a
// driver that talks to the transport only through MMIO reads and writes, building rings by hand.

import { ArrayGuestMemory } from "../../src/virtio/guestMemory.js";
import { MMIO, STATUS, VirtioMmio } from "../../src/virtio/mmioTransport.js";
import type { VirtioDevice } from "../../src/virtio/virtioDevice.js";

export const RAM_BASE = 0x8000_0000;
export const RAM_SIZE = 1 << 20;
/** Where queue q's rings go: desc +0, avail +0x1000, used +0x2000, indirect tables from +0x3000. */
export const QUEUE_AREA = (q: number) => RAM_BASE + q * 0x8000;
/** Buffers are allocated from here up. */
export const DATA_BASE = RAM_BASE + 0x40000;

export const F_INDIRECT = 1n << 28n;
export const F_EVENT_IDX = 1n << 29n;
export const F_VERSION_1 = 1n << 32n;

export const DESC_NEXT = 1;
export const DESC_WRITE = 2;
export const DESC_INDIRECT = 4;

export class FakeGuest {
  readonly bytes: Uint8Array;
  readonly mem: ArrayGuestMemory;
  readonly view: DataView;
  private next = DATA_BASE;

  /** `size` bytes of RAM from RAM_BASE; less than RAM_SIZE leaves a smaller data area (the fuzzer's). */
  constructor(readonly size = RAM_SIZE) {
    this.bytes = new Uint8Array(size);
    this.mem = new ArrayGuestMemory(RAM_BASE, this.bytes);
    this.view = new DataView(this.bytes.buffer);
  }

  /** One past the last byte of RAM. */
  get end(): number {
    return RAM_BASE + this.bytes.length;
  }

  w8(addr: number, v: number): void {
    this.view.setUint8(addr - RAM_BASE, v);
  }
  w16(addr: number, v: number): void {
    this.view.setUint16(addr - RAM_BASE, v, true);
  }
  w32(addr: number, v: number): void {
    this.view.setUint32(addr - RAM_BASE, v, true);
  }
  w64(addr: number, v: bigint): void {
    this.view.setBigUint64(addr - RAM_BASE, BigInt.asUintN(64, v), true);
  }
  r8(addr: number): number {
    return this.view.getUint8(addr - RAM_BASE);
  }
  r16(addr: number): number {
    return this.view.getUint16(addr - RAM_BASE, true);
  }
  r32(addr: number): number {
    return this.view.getUint32(addr - RAM_BASE, true);
  }
  read(addr: number, length: number): Uint8Array {
    return this.bytes.slice(addr - RAM_BASE, addr - RAM_BASE + length);
  }
  write(addr: number, data: Uint8Array): void {
    this.bytes.set(data, addr - RAM_BASE);
  }

  /** Where the next buffer goes; `rewind` to it frees every buffer allocated since. */
  get allocMark(): number {
    return this.next;
  }
  rewind(mark: number): void {
    this.next = mark;
  }

  /** A fresh buffer in the data area, 16-byte aligned. */
  alloc(length: number, fill?: Uint8Array): number {
    const addr = this.next;
    this.next += Math.ceil(Math.max(length, 1) / 16) * 16;
    if (this.next > this.end) throw new Error("fake guest out of RAM");
    if (fill) this.write(addr, fill);
    return addr;
  }
}

/** A descriptor as the test writes it; `addr` may be any 64-bit value. */
export interface Desc {
  addr: number | bigint;
  len: number;
  flags?: number;
  next?: number;
}

export interface QueueLayout {
  size: number;
  desc: number;
  avail: number;
  used: number;
}

export class TestDriver {
  readonly transport: VirtioMmio;
  irqLevel = false;
  irqRaises = 0;
  private readonly layouts = new Map<number, QueueLayout>();
  private readonly nextDesc = new Map<number, number>();
  private readonly availIdx = new Map<number, number>();
  private indirectNext = new Map<number, number>();

  constructor(
    readonly guest: FakeGuest,
    readonly device: VirtioDevice,
  ) {
    this.transport = new VirtioMmio(guest.mem, device, (level) => {
      if (level && !this.irqLevel) this.irqRaises++;
      this.irqLevel = level;
    });
  }

  r(offset: number, size = 4): number {
    return this.transport.mmioRead(offset, size);
  }
  w(offset: number, value: number, size = 4): void {
    this.transport.mmioWrite(offset, size, value);
  }

  get status(): number {
    return this.r(MMIO.Status);
  }

  offered(): bigint {
    this.w(MMIO.DeviceFeaturesSel, 0);
    const lo = this.r(MMIO.DeviceFeatures);
    this.w(MMIO.DeviceFeaturesSel, 1);
    const hi = this.r(MMIO.DeviceFeatures);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** ACKNOWLEDGE, DRIVER, features, FEATURES_OK; true if the device kept FEATURES_OK. */
  negotiate(accept: bigint | ((offered: bigint) => bigint) = (o) => o): boolean {
    this.w(MMIO.Status, 0);
    this.w(MMIO.Status, STATUS.ACKNOWLEDGE);
    this.w(MMIO.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    const f = typeof accept === "bigint" ? accept : accept(this.offered());
    this.w(MMIO.DriverFeaturesSel, 0);
    this.w(MMIO.DriverFeatures, Number(f & 0xffffffffn));
    this.w(MMIO.DriverFeaturesSel, 1);
    this.w(MMIO.DriverFeatures, Number((f >> 32n) & 0xffffffffn));
    this.w(MMIO.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK);
    return (this.status & STATUS.FEATURES_OK) !== 0;
  }

  /** Programs queue q (rings zeroed first); returns QueueReady as read back. */
  setupQueue(q: number, size: number, layout?: Partial<QueueLayout>): number {
    const base = QUEUE_AREA(q);
    const l: QueueLayout = { size, desc: base, avail: base + 0x1000, used: base + 0x2000, ...layout };
    for (const [a, n] of [
      [l.desc, 16 * size],
      [l.avail, 6 + 2 * size],
      [l.used, 6 + 8 * size],
    ]) {
      if (a >= RAM_BASE && a + n <= this.guest.end) this.guest.bytes.fill(0, a - RAM_BASE, a - RAM_BASE + n);
    }
    this.w(MMIO.QueueSel, q);
    this.w(MMIO.QueueNum, size);
    this.w(MMIO.QueueDescLow, l.desc % 2 ** 32);
    this.w(MMIO.QueueDescHigh, Math.floor(l.desc / 2 ** 32));
    this.w(MMIO.QueueDriverLow, l.avail % 2 ** 32);
    this.w(MMIO.QueueDriverHigh, Math.floor(l.avail / 2 ** 32));
    this.w(MMIO.QueueDeviceLow, l.used % 2 ** 32);
    this.w(MMIO.QueueDeviceHigh, Math.floor(l.used / 2 ** 32));
    this.w(MMIO.QueueReady, 1);
    this.layouts.set(q, l);
    this.nextDesc.set(q, 0);
    this.availIdx.set(q, 0);
    this.indirectNext.set(q, base + 0x3000);
    return this.r(MMIO.QueueReady);
  }

  driverOk(): void {
    this.w(MMIO.Status, this.status | STATUS.DRIVER_OK);
  }

  /** The whole bring-up: every feature offered accepted (or `features`), every queue at `size`. */
  start(features?: bigint, size = 16): void {
    if (!this.negotiate(features ?? ((o) => o))) throw new Error("FEATURES_OK refused");
    for (let q = 0; q < this.device.queueSizes.length; q++) {
      if (!this.setupQueue(q, Math.min(size, this.device.queueSizes[q]))) throw new Error(`queue ${q} not ready`);
    }
    this.driverOk();
  }

  layout(q: number): QueueLayout {
    const l = this.layouts.get(q);
    if (!l) throw new Error(`queue ${q} not set up`);
    return l;
  }

  /** Writes descriptor i of a table at `table`. */
  writeDesc(table: number, i: number, d: Desc): void {
    const at = table + 16 * i;
    this.guest.w64(at, BigInt(d.addr));
    this.guest.w32(at + 8, d.len >>> 0);
    this.guest.w16(at + 12, d.flags ?? 0);
    this.guest.w16(at + 14, d.next ?? 0);
  }

  /**
   * Lays a chain into consecutive free descriptors of queue q (NEXT links added) and
   * returns its head; the chain is not yet available.
   */
  chain(q: number, descs: Desc[]): number {
    const l = this.layout(q);
    const head = this.nextDesc.get(q) ?? 0;
    descs.forEach((d, k) => {
      const i = (head + k) % l.size;
      const last = k === descs.length - 1;
      this.writeDesc(l.desc, i, {
        ...d,
        flags: (d.flags ?? 0) | (last ? 0 : DESC_NEXT),
        next: last ? (d.next ?? 0) : (i + 1) % l.size,
      });
    });
    this.nextDesc.set(q, (head + descs.length) % l.size);
    return head;
  }

  /** An indirect table holding `descs` (NEXT links added); returns its address. */
  indirectTable(q: number, descs: Desc[]): number {
    const at = this.indirectNext.get(q) ?? QUEUE_AREA(q) + 0x3000;
    descs.forEach((d, k) => {
      const last = k === descs.length - 1;
      this.writeDesc(at, k, { ...d, flags: (d.flags ?? 0) | (last ? 0 : DESC_NEXT), next: last ? 0 : k + 1 });
    });
    this.indirectNext.set(q, at + 16 * descs.length);
    return at;
  }

  /** Puts a head in the avail ring and bumps avail.idx (by `bump`, to test runaway indices). */
  publish(q: number, head: number, bump = 1): void {
    const l = this.layout(q);
    const idx = this.availIdx.get(q) ?? 0;
    this.guest.w16(l.avail + 4 + 2 * (idx % l.size), head);
    const next = (idx + bump) & 0xffff;
    this.availIdx.set(q, next);
    this.guest.w16(l.avail + 2, next);
  }

  kick(q: number): void {
    this.w(MMIO.QueueNotify, q);
  }

  /** chain + publish + kick. */
  submit(q: number, descs: Desc[]): number {
    const head = this.chain(q, descs);
    this.publish(q, head);
    this.kick(q);
    return head;
  }

  /**
   * One request: each of `out` in its own readable descriptor, then a writable descriptor of
   * each length in `inLens`. Returns the head and the writable buffers' addresses.
   */
  request(q: number, out: Uint8Array[], inLens: number[]): { head: number; ins: number[] } {
    const descs: Desc[] = out.map((o) => ({ addr: this.guest.alloc(o.length, o), len: o.length }));
    const ins = inLens.map((n) => this.guest.alloc(n));
    ins.forEach((addr, k) => descs.push({ addr, len: inLens[k], flags: DESC_WRITE }));
    return { head: this.submit(q, descs), ins };
  }

  /** The first `length` bytes of the stream the writable buffers `ins` (of `inLens` bytes) make up. */
  readStream(ins: number[], inLens: number[], length: number): Uint8Array {
    const out = new Uint8Array(length);
    let at = 0;
    ins.forEach((addr, k) => {
      const n = Math.min(inLens[k], length - at);
      if (n > 0) out.set(this.guest.read(addr, n), at);
      at += Math.max(n, 0);
    });
    return out;
  }

  usedIdx(q: number): number {
    return this.guest.r16(this.layout(q).used + 2);
  }

  usedElem(q: number, i: number): { id: number; len: number } {
    const l = this.layout(q);
    const at = l.used + 4 + 8 * (i % l.size);
    return { id: this.guest.r32(at), len: this.guest.r32(at + 4) };
  }

  ack(): void {
    this.w(MMIO.InterruptACK, this.r(MMIO.InterruptStatus));
  }

  get needsReset(): boolean {
    return (this.status & STATUS.DEVICE_NEEDS_RESET) !== 0;
  }
}
