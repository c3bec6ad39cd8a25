// Campaign "rings": random descriptor tables, indirect tables, avail rings and register
// traffic against every virtio device, through the real virtio-mmio transport. A case fails
// when device code throws, asks for host memory outside guest RAM, writes guest RAM outside
// the writable buffers and used rings, uses more entries than were made available, or does
// more guest-memory work than its bound.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtioP9 } from "../src/virtio/9p/device.js";
import { HostFsBackend } from "../src/virtio/9p/hostFsBackend.js";
import { VirtioBlk } from "../src/virtio/blk/device.js";
import { MemoryBackend } from "../src/virtio/blk/memoryBackend.js";
import { VirtioConsole } from "../src/virtio/console.js";
import { MMIO } from "../src/virtio/mmioTransport.js";
import { LoopbackBackend } from "../src/virtio/net/backend.js";
import { VirtioNet } from "../src/virtio/net/device.js";
import { VirtioRng } from "../src/virtio/rng.js";
import { MAX_INDIRECT } from "../src/virtio/virtqueue.js";
import type { VirtioDevice } from "../src/virtio/virtioDevice.js";
import { VirtioVsock } from "../src/virtio/vsock/device.js";
import {
  DATA_BASE,
  DESC_INDIRECT,
  DESC_NEXT,
  DESC_WRITE,
  F_EVENT_IDX,
  F_INDIRECT,
  FakeGuest,
  QUEUE_AREA,
  RAM_BASE,
  TestDriver,
  type Desc,
} from "../tests/unit/virtioHarness.js";
import { EchoVsockBackend, fillData } from "../tests/unit/virtioRandomData.js";
import { type Campaign, type Trace, hex } from "./campaign.js";
import { FuzzFailure, WorkMeter, checkedRam } from "./checkedMemory.js";
import type { Prng } from "./prng.js";

/** Queue areas (4 queues at most, 32 KiB each) up to DATA_BASE, then 36 KiB of buffers. */
const RAM_BYTES = DATA_BASE - RAM_BASE + 0x9000;
const RAM_END = RAM_BASE + RAM_BYTES;
const DATA_SIZE = RAM_END - DATA_BASE;

/** Addresses that are not RAM, or wrap, or are not safe integers. */
const HOSTILE: (number | bigint)[] = [
  0,
  0x1000,
  0x0c00_0000,
  0x1000_1000,
  RAM_BASE - 16,
  RAM_BASE - 1,
  RAM_END,
  RAM_END - 4,
  0xffff_ffff_ffff_f000n,
  0xffff_ffff_ffff_fff8n,
  1n << 53n,
  (1n << 53n) + BigInt(RAM_BASE),
  1n << 63n,
];

const KINDS = ["rng", "console", "net", "blk", "9p", "vsock"] as const;
type Kind = (typeof KINDS)[number];

interface RingsTarget {
  share: string;
  guest: FakeGuest;
  meter: WorkMeter;
  /** RAM as it was before the round, to find what the device wrote. */
  before: Uint8Array;
}

function makeDevice(kind: Kind, share: string): VirtioDevice {
  switch (kind) {
    case "rng":
      return new VirtioRng();
    case "console":
      return new VirtioConsole(() => {});
    case "net":
      return new VirtioNet(new LoopbackBackend(true));
    case "blk":
      return new VirtioBlk(new MemoryBackend(new Uint8Array(64 * 512).fill(0x5a), { id: "fuzz" }));
    case "9p":
      return new VirtioP9(new HostFsBackend(share), "fuzz");
    case "vsock":
      return new VirtioVsock(3, new EchoVsockBackend(), { bufAlloc: 4096, maxConnections: 4 });
  }
}

/** A fresh share: a file and a subdirectory (9p cases may create, rename and remove more). */
function populate(share: string): void {
  rmSync(share, { recursive: true, force: true });
  mkdirSync(join(share, "sub"), { recursive: true });
  writeFileSync(join(share, "f"), "file");
}

/** Ranges of guest RAM the device may write, as offsets into RAM. */
class Writable {
  readonly ranges: [number, number][] = [];
  add(addr: number | bigint, len: number): void {
    const a = Number(addr);
    const lo = Math.max(a, RAM_BASE);
    const hi = Math.min(a + len, RAM_END);
    if (hi > lo) this.ranges.push([lo - RAM_BASE, hi - RAM_BASE]);
  }
  /** The first offset outside every range where `now` differs from `before`, or -1. */
  firstStray(before: Uint8Array, now: Uint8Array): number {
    const sorted = this.ranges.slice().sort((x, y) => x[0] - y[0]);
    let at = 0;
    const gaps: [number, number][] = [];
    for (const [lo, hi] of sorted) {
      if (lo > at) gaps.push([at, lo]);
      at = Math.max(at, hi);
    }
    gaps.push([at, now.length]);
    const b = Buffer.from(before.buffer, before.byteOffset, before.length);
    const n = Buffer.from(now.buffer, now.byteOffset, now.length);
    for (const [lo, hi] of gaps) {
      if (hi > lo && b.compare(n, lo, hi, lo, hi) !== 0) {
        for (let i = lo; i < hi; i++) if (before[i] !== now[i]) return i;
      }
    }
    return -1;
  }
}

function randomFlags(rng: Prng): number {
  switch (rng.weighted([12, 2, 1, 1])) {
    case 0:
      return rng.pick([0, DESC_NEXT, DESC_WRITE, DESC_NEXT | DESC_WRITE]);
    case 1:
      return DESC_INDIRECT;
    case 2:
      return rng.below(8);
    default:
      return rng.below(0x10000);
  }
}

function randomLen(rng: Prng): number {
  switch (rng.weighted([3, 8, 1])) {
    case 0:
      return rng.pick([0, 1, 16, 17, 512, 513, 1024, 0xffffffff]);
    case 1:
      return rng.below(2049);
    default:
      return rng.u32();
  }
}

/** A descriptor: buffers in the data area, on the rings or hostile; indirect ones at a table. */
function randomDesc(rng: Prng, size: number, ring: number[], tables: number[], tableLens: number[]): Desc {
  const flags = randomFlags(rng);
  const next = [rng.below(size), rng.below(size + 2), rng.below(0x10000)][rng.weighted([8, 1, 1])];
  if (flags & DESC_INDIRECT) {
    const t = rng.chance(0.8) ? rng.below(tables.length) : -1;
    const addr = t >= 0 ? tables[t] : rng.pick(HOSTILE);
    const len = rng.chance(0.66)
      ? t >= 0
        ? tableLens[t]
        : 16
      : rng.pick([0, 8, 17, 32, 16 * MAX_INDIRECT, 16 * (MAX_INDIRECT + 1), 0xfffffff0]);
    return { addr, len, flags, next };
  }
  const where = rng.weighted([6, 4, 1, 1]);
  const addr =
    where === 0
      ? DATA_BASE + rng.below(DATA_SIZE)
      : where === 1
        ? DATA_BASE + 64 * rng.below(400)
        : where === 2
          ? rng.pick(ring)
          : rng.pick(HOSTILE);
  return { addr, len: randomLen(rng), flags, next };
}

/** Random register traffic between rounds: the driver misbehaving while buffers are in flight. */
function chaos(drv: TestDriver, rng: Prng, queues: number, trace: Trace): number {
  const op = rng.below(7);
  let kicks = 0;
  switch (op) {
    case 0:
      drv.ack();
      break;
    case 1:
      drv.w(MMIO.QueueSel, rng.below(queues + 1));
      drv.w(MMIO.QueueReady, 0);
      break;
    case 2:
      drv.w(MMIO.Status, 0);
      break;
    case 3:
      drv.w(MMIO.Status, rng.below(256));
      break;
    case 4:
      drv.w(MMIO.Config + rng.below(64), rng.u32(), rng.pick([1, 2, 4]));
      break;
    case 5:
      drv.w(MMIO.QueueNotify, rng.chance(0.8) ? rng.below(queues) : rng.u32());
      kicks++;
      break;
    default:
      drv.w(rng.below(0x100) & ~3, rng.u32());
      kicks++;
  }
  trace?.(`chaos op ${op}`);
  return kicks;
}

/** Random bytes over a descriptor table or the data area, in RAM and in its copy alike. */
function scribble(ram: Uint8Array, copy: Uint8Array, rng: Prng, table: number): void {
  const at = rng.chance(0.5) ? table - RAM_BASE + rng.below(256) : DATA_BASE - RAM_BASE + rng.below(DATA_SIZE - 256);
  const bytes = new Uint8Array(rng.int(1, 256));
  rng.fill(bytes);
  ram.set(bytes, at);
  copy.set(bytes, at);
}

export class RingsCampaign implements Campaign<RingsTarget> {
  readonly name = "rings";
  readonly epoch = 1000;
  private readonly byKind = new Map<Kind, number>();

  open(): RingsTarget {
    const share = mkdtempSync(join(tmpdir(), "paravm-fuzz-9p-"));
    populate(share);
    const guest = new FakeGuest(RAM_BYTES);
    const meter = new WorkMeter();
    const plain = guest.mem.ram.bind(guest.mem);
    guest.mem.ram = checkedRam(plain, guest.bytes.buffer, guest.bytes.byteOffset, RAM_BASE, RAM_BYTES, meter);
    return { share, guest, meter, before: new Uint8Array(RAM_BYTES) };
  }

  async close(t: RingsTarget): Promise<void> {
    rmSync(t.share, { recursive: true, force: true });
  }

  figures(): Record<string, number> {
    return Object.fromEntries([...this.byKind].map(([k, n]) => [`cases ${k}`, n]));
  }

  async run(t: RingsTarget, rng: Prng, trace: Trace): Promise<void> {
    const kind = rng.pick(KINDS);
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    const { guest, meter } = t;
    guest.bytes.fill(0);
    guest.rewind(DATA_BASE);
    const device = makeDevice(kind, t.share);
    const drv = new TestDriver(guest, device);
    const indirect = rng.chance(0.5);
    const eventIdx = rng.chance(0.5);
    trace?.(`device ${kind}, indirect ${indirect}, event_idx ${eventIdx}`);
    meter.reset();
    try {
      const features = (o: bigint) =>
        (o & ~(F_INDIRECT | F_EVENT_IDX)) | (indirect ? F_INDIRECT : 0n) | (eventIdx ? F_EVENT_IDX : 0n);
      if (!drv.negotiate(features)) throw new FuzzFailure("FEATURES_OK refused for offered features");
      const sizes = device.queueSizes.map((max) => rng.pick([1, 2, 4, 8, 16].filter((n) => n <= max)));
      sizes.forEach((size, q) => {
        if (drv.setupQueue(q, size) !== 1) throw new FuzzFailure(`queue ${q} of size ${size} not ready`);
      });
      drv.driverOk();
      fillData(guest, rng.u32(), kind === "vsock");
      const writable = new Writable();
      let bound = 4096;
      const avail = sizes.map(() => 0);
      const published = sizes.map(() => 0);
      sizes.forEach((size, q) => {
        const l = drv.layout(q);
        const ring = [l.desc, l.avail, l.used];
        const tableLens = Array.from({ length: 4 }, () => 16 * rng.int(1, 8));
        const tables: number[] = [];
        let at = QUEUE_AREA(q) + 0x3000;
        for (const len of tableLens) {
          tables.push(at);
          at += len;
        }
        const write = (base: number, count: number) => {
          for (let i = 0; i < count; i++) {
            const d = randomDesc(rng, count, ring, tables, tableLens);
            drv.writeDesc(base, i, d);
            // A device must refuse a writable buffer over its queue's descriptors or avail ring.
            const overRings = [
              [l.desc, 16 * size],
              [l.avail, 6 + 2 * size],
            ].some(([a, n]) => Number(d.addr) < a + n && a < Number(d.addr) + d.len);
            if (!(d.flags! & DESC_INDIRECT) && d.flags! & DESC_WRITE && !overRings) writable.add(d.addr, d.len);
          }
        };
        write(l.desc, size);
        tables.forEach((base, i) => write(base, tableLens[i] / 16));
        guest.w16(l.avail, rng.below(2));
        guest.w16(l.avail + 4 + 2 * size, rng.below(0x10000));
        writable.add(l.used, 6 + 8 * size);
        // A chain reads at most the queue's descriptors plus one indirect table, per head.
        bound += 8 * size * (size + MAX_INDIRECT + 8);
      });
      const perRound = bound;
      const rounds = rng.int(1, 3);
      // No round kicks more than 16 times: a device past that much work is stopped there.
      meter.limit = bound + perRound * 16 * rounds;
      const before = t.before;
      before.set(guest.bytes);
      for (let r = 0; r < rounds; r++) {
        sizes.forEach((size, q) => {
          const l = drv.layout(q);
          const n = [rng.int(1, size), 0, rng.below(0x10000)][rng.weighted([6, 1, 1])];
          for (let i = 0; i < Math.min(n, size); i++) {
            const head = rng.chance(0.9) ? rng.below(size) : rng.below(0x10000);
            guest.w16(l.avail + 4 + 2 * ((avail[q] + i) % size), head);
          }
          avail[q] = (avail[q] + n) & 0xffff;
          published[q] += n;
          guest.w16(l.avail + 2, avail[q]);
          before.set(guest.bytes.subarray(l.avail - RAM_BASE, l.avail - RAM_BASE + 6 + 2 * size), l.avail - RAM_BASE);
        });
        let kicks = 0;
        if (device instanceof VirtioConsole) {
          device.input(rng.chance(0.5) ? new Uint8Array(rng.below(300)) : new Uint8Array(rng.below(5000)));
          kicks++;
        }
        if (device instanceof VirtioNet) {
          for (const n of [rng.below(80), 14, 1514, 1515, rng.below(70000)]) device.receive(new Uint8Array(n));
          kicks += 5;
        }
        const first = rng.below(sizes.length);
        for (let k = 0; k < sizes.length; k++) drv.kick((first + k) % sizes.length);
        drv.kick(sizes.length);
        kicks += sizes.length + 1;
        if (rng.chance(0.2)) kicks += chaos(drv, rng, sizes.length, trace);
        // The guest rewrites rings and buffers while requests are in flight (blk and 9p finish later).
        if (rng.chance(0.2)) scribble(guest.bytes, before, rng, drv.layout(rng.below(sizes.length)).desc);
        if (device instanceof VirtioBlk || device instanceof VirtioP9) await device.idle();
        bound += perRound * kicks;
        trace?.(`round ${r}: avail ${avail.join(",")}, used ${sizes.map((_, q) => drv.usedIdx(q)).join(",")}`);
        const stray = writable.firstStray(before, guest.bytes);
        if (stray >= 0) throw new FuzzFailure(`guest RAM written outside writable buffers at ${hex(RAM_BASE + stray)}`);
        before.set(guest.bytes);
      }
      sizes.forEach((_, q) => {
        const used = drv.usedIdx(q);
        if (used > published[q]) throw new FuzzFailure(`queue ${q}: used ${used} of ${published[q]} made available`);
      });
      if (drv.r(MMIO.MagicValue) !== 0x74726976) throw new FuzzFailure("the transport stopped answering");
      meter.check(bound);
    } finally {
      if (device instanceof VirtioP9) await device.close();
      if (device instanceof VirtioVsock) device.close();
    }
  }
}
