// Campaign "mmio": random loads and stores (1, 2, 4 or 8 bytes, aligned or not, in range or
// past the end) through the machine's bus to every device window of a Vm, full mode and pv
// mode, with every kind of virtio device plugged in, and to the holes between them. Now and
// then a case brings a virtio device up by MMIO alone, with rings at random places in guest
// RAM holding random descriptors, and notifies it. A case fails when device code throws, a
// load answers a value that does not fit its size (or anything from a hole), a view of guest
// memory leaves RAM, or one case does more guest-memory work than its bound.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLIC_SIZE } from "../src/devices/plic.js";
import { PLATFORM } from "../src/machine/platform.js";
import { HostFsBackend } from "../src/virtio/9p/hostFsBackend.js";
import { MemoryBackend } from "../src/virtio/blk/memoryBackend.js";
import { MMIO, STATUS } from "../src/virtio/mmioTransport.js";
import { LoopbackBackend } from "../src/virtio/net/backend.js";
import { MAX_INDIRECT } from "../src/virtio/virtqueue.js";
import { Vm } from "../src/vmm/vm.js";
import { EchoVsockBackend } from "../tests/unit/virtioRandomData.js";
import { type Campaign, type Trace, hex } from "./campaign.js";
import { fakeImage } from "./fakeImage.js";
import { FuzzFailure, WorkMeter, checkedRam } from "./checkedMemory.js";
import type { Prng } from "./prng.js";

const RAM = PLATFORM.ram.base;
const RAM_BYTES = 8 << 20;
/** Rings and buffers of brought-up devices: 256 KiB of guest RAM full of random bytes. */
const ARENA = RAM + 0x10_0000;
const ARENA_BYTES = 0x4_0000;

interface Region {
  name: string;
  base: number;
  size: number;
}

const VIRTIO_SLOTS: Region[] = Array.from({ length: PLATFORM.virtio.slots }, (_, i) => ({
  name: `virtio${i}`,
  base: PLATFORM.virtio.base + i * PLATFORM.virtio.stride,
  size: PLATFORM.virtio.stride,
}));

const REGIONS: Region[] = [
  { name: "syscon", ...PLATFORM.syscon },
  { name: "rtc", base: PLATFORM.rtc.base, size: PLATFORM.rtc.size },
  { name: "clint", ...PLATFORM.clint },
  { name: "plic", base: PLATFORM.plic.base, size: PLIC_SIZE },
  { name: "uart", ...PLATFORM.uart },
  ...VIRTIO_SLOTS,
];

interface MmioTarget {
  vm: Vm;
  share: string;
  meter: WorkMeter;
}

/** An offset in a window: often a register, sometimes misaligned, sometimes past the end. */
function offsetIn(rng: Prng, r: Region, size: number): number {
  switch (rng.weighted([5, 2, 1, 1])) {
    case 0:
      return Math.min(rng.below(0x200), r.size - size) & ~(size - 1);
    case 1:
      return rng.below(r.size) & ~(size - 1);
    case 2:
      return rng.below(r.size);
    default:
      return r.size - size + rng.int(-2, 2);
  }
}

function randomValue(rng: Prng): number {
  switch (rng.weighted([3, 3, 1, 1])) {
    case 0:
      return rng.below(16);
    case 1:
      return rng.u32();
    case 2:
      return rng.pick([0x5555, 0x3333, 0x7777, 0xff, 0xffff, 0xffffffff, 0x80000000]);
    default:
      return RAM + rng.below(RAM_BYTES);
  }
}

export class MmioCampaign implements Campaign<MmioTarget> {
  readonly name = "mmio";
  readonly epoch = 2000;
  private accesses = 0;
  private bringUps = 0;
  private maxCalls = 0;

  open(rng: Prng): MmioTarget {
    const share = mkdtempSync(join(tmpdir(), "paravm-fuzz-mmio-"));
    mkdirSync(join(share, "sub"));
    writeFileSync(join(share, "f"), "file");
    const full = rng.chance(0.5);
    const vm = this.build(share, full);
    rng.fill(vm.mem.ram().subarray(ARENA - RAM, ARENA - RAM + ARENA_BYTES));
    const meter = new WorkMeter();
    const plain = vm.ram.bind(vm);
    vm.ram = checkedRam(plain, vm.mem.buffer, vm.mem.ramOffset, RAM, RAM_BYTES, meter);
    return { vm, share, meter };
  }

  /** A VM with one device of every kind; the share is removed if the VM cannot be built. */
  private build(share: string, full: boolean): Vm {
    try {
      return new Vm({
        mode: full ? "full" : "pv",
        memoryBytes: RAM_BYTES,
        cpus: 2,
        kernel: full ? undefined : fakeImage(),
        firmware: full ? Uint8Array.of(0x73, 0, 0, 0) : undefined,
        append: "",
        output: () => {},
        disks: [new MemoryBackend(new Uint8Array(64 * 512), { id: "fuzz" })],
        shares: [{ backend: new HostFsBackend(share), tag: "fuzz" }],
        nets: [{ backend: new LoopbackBackend(true) }],
        vsock: { cid: 3, backend: new EchoVsockBackend() },
      });
    } catch (e) {
      rmSync(share, { recursive: true, force: true });
      throw e;
    }
  }

  async close(t: MmioTarget): Promise<void> {
    await t.vm.close();
    rmSync(t.share, { recursive: true, force: true });
  }

  figures(): Record<string, number> {
    return {
      accesses: this.accesses,
      "virtio bring-ups": this.bringUps,
      "most guest-memory accesses one case": this.maxCalls,
    };
  }

  async run(t: MmioTarget, rng: Prng, trace: Trace): Promise<void> {
    const perNotify = 8 * 256 * (256 + MAX_INDIRECT + 8);
    // A bring-up notifies at most 5 times, then at most 16 accesses: past that, a device is stopped.
    t.meter.reset(4096 + 21 * perNotify);
    let notifies = 0;
    if (rng.chance(0.15)) {
      notifies += this.bringUp(t, rng, rng.pick(VIRTIO_SLOTS), trace);
    }
    const hole = rng.chance(0.05);
    const region = rng.pick(REGIONS);
    const n = rng.int(1, 16);
    for (let i = 0; i < n; i++) {
      const size = rng.pick([1, 2, 4, 8]);
      const addr = hole ? this.holeAddress(rng) : region.base + offsetIn(rng, region, size);
      if (region.name.startsWith("virtio") && addr - region.base === MMIO.QueueNotify) notifies++;
      this.access(t, rng, addr, size, hole, trace);
    }
    // Host I/O that a notify started (blk, 9p) completes on later turns of the event loop.
    if (notifies) await new Promise((r) => setImmediate(r));
    t.meter.check(4096 + notifies * perNotify);
    this.maxCalls = Math.max(this.maxCalls, t.meter.calls);
  }

  private access(t: MmioTarget, rng: Prng, addr: number, size: number, hole: boolean, trace: Trace): void {
    const bus = t.vm.bus;
    this.accesses++;
    if (rng.chance(0.5)) {
      const v = bus.read(addr, size);
      trace?.(`read ${size} @ ${hex(addr)} = ${v === null ? "fault" : hex(v)}`);
      if (hole) {
        if (v !== null) throw new FuzzFailure(`a read of the hole at ${hex(addr)} answered ${hex(v)}`);
        return;
      }
      if (v === null) return; // a window the access does not fit in whole (past the end)
      const fits =
        size === 8
          ? typeof v === "bigint" && v >= 0n && v < 1n << 64n
          : typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** (8 * size);
      if (!fits) throw new FuzzFailure(`read ${size} @ ${hex(addr)} answered ${v}, which does not fit`);
      return;
    }
    const value = size === 8 ? (BigInt(randomValue(rng)) << 32n) | BigInt(randomValue(rng)) : randomValue(rng);
    trace?.(`write ${size} @ ${hex(addr)} = ${hex(value)}`);
    const done = bus.write(addr, size, size === 8 ? value : Number(value) % 2 ** (8 * size));
    if (hole && done) throw new FuzzFailure(`a write to the hole at ${hex(addr)} was taken`);
  }

  /** An address where no device is, below RAM. */
  private holeAddress(rng: Prng): number {
    for (;;) {
      const a = rng.below(RAM);
      if (!REGIONS.some((r) => a + 8 > r.base && a < r.base + r.size)) return a;
    }
  }

  /**
   * Reset, features, every queue at a random place in the arena with random descriptors
   * pointing into it, DRIVER_OK and a notify of each queue: all by MMIO. Returns the notifies.
   */
  private bringUp(t: MmioTarget, rng: Prng, slot: Region, trace: Trace): number {
    this.bringUps++;
    const w = (off: number, v: number) => t.vm.bus.write(slot.base + off, 4, v >>> 0);
    const r = (off: number) => Number(t.vm.bus.read(slot.base + off, 4) ?? 0);
    const ram = t.vm.mem.ram();
    const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
    w(MMIO.Status, 0);
    w(MMIO.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    for (const sel of [0, 1]) {
      w(MMIO.DeviceFeaturesSel, sel);
      const offered = r(MMIO.DeviceFeatures);
      w(MMIO.DriverFeaturesSel, sel);
      w(MMIO.DriverFeatures, rng.chance(0.9) ? offered & rng.u32() : rng.u32());
    }
    w(MMIO.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK);
    let queues = 0;
    for (let q = 0; q < 4; q++) {
      w(MMIO.QueueSel, q);
      const max = r(MMIO.QueueNumMax);
      if (max === 0) break;
      queues++;
      const size = rng.chance(0.9) ? 1 << rng.below(Math.min(Math.log2(max), 8) + 1) : rng.below(max + 2);
      const desc = ARENA + 16 * rng.below(ARENA_BYTES / 16 - 16 * size);
      const avail = ARENA + 2 * rng.below(ARENA_BYTES / 2 - 3 - size);
      const used = ARENA + 4 * rng.below(ARENA_BYTES / 4 - 2 - 2 * size);
      for (let i = 0; i < size; i++) {
        const at = desc - RAM + 16 * i;
        dv.setBigUint64(at, BigInt(rng.chance(0.9) ? ARENA + rng.below(ARENA_BYTES) : rng.u32()), true);
        dv.setUint32(at + 8, rng.chance(0.8) ? rng.below(4096) : rng.u32(), true);
        dv.setUint16(at + 12, rng.chance(0.9) ? rng.below(8) : rng.below(0x10000), true);
        dv.setUint16(at + 14, rng.chance(0.9) ? rng.below(size) : rng.below(0x10000), true);
        dv.setUint16(avail - RAM + 4 + 2 * i, rng.chance(0.9) ? rng.below(size) : rng.below(0x10000), true);
      }
      dv.setUint16(avail - RAM, rng.below(2), true);
      dv.setUint16(avail - RAM + 2, rng.chance(0.8) ? rng.int(0, size) : rng.below(0x10000), true);
      w(MMIO.QueueNum, size);
      w(MMIO.QueueDescLow, desc);
      w(MMIO.QueueDescHigh, 0);
      w(MMIO.QueueDriverLow, avail);
      w(MMIO.QueueDriverHigh, 0);
      w(MMIO.QueueDeviceLow, used);
      w(MMIO.QueueDeviceHigh, 0);
      w(MMIO.QueueReady, 1);
    }
    w(MMIO.Status, r(MMIO.Status) | STATUS.DRIVER_OK);
    for (let q = 0; q < queues; q++) w(MMIO.QueueNotify, q);
    trace?.(`brought up ${slot.name}: ${queues} queues, status ${hex(r(MMIO.Status))}`);
    return queues + 1;
  }
}
