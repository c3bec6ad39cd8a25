// Random rings against every device: whatever the guest writes into its descriptor tables and
// avail rings, the device never throws, never writes guest RAM outside the writable buffers
// the rings describe and the used rings, and does bounded work.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { VirtioP9 } from "../../src/virtio/9p/device.js";
import { HostFsBackend } from "../../src/virtio/9p/hostFsBackend.js";
import { VirtioBlk } from "../../src/virtio/blk/device.js";
import { MemoryBackend } from "../../src/virtio/blk/memoryBackend.js";
import { VirtioConsole } from "../../src/virtio/console.js";
import { MMIO } from "../../src/virtio/mmioTransport.js";
import { LoopbackBackend } from "../../src/virtio/net/backend.js";
import { VirtioNet } from "../../src/virtio/net/device.js";
import { VirtioRng } from "../../src/virtio/rng.js";
import type { VirtioDevice } from "../../src/virtio/virtioDevice.js";
import { VirtioVsock } from "../../src/virtio/vsock/device.js";
import { MAX_INDIRECT } from "../../src/virtio/virtqueue.js";
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
  RAM_SIZE,
  TestDriver,
  type Desc,
} from "./virtioHarness.js";
import { EchoVsockBackend, fillData } from "./virtioRandomData.js";

const DATA_SIZE = RAM_BASE + RAM_SIZE - DATA_BASE;
/** Indirect tables of queue q live in [QUEUE_AREA(q) + 0x3000, + 0x4000): at most MAX_INDIRECT·16 more stays in the queue's area. */
const TABLES = (q: number) => QUEUE_AREA(q) + 0x3000;

/** Addresses that are not RAM, or wrap, or are not safe integers. */
const HOSTILE: (number | bigint)[] = [
  0,
  0x1000,
  0x0c00_0000,
  0x1000_1000,
  0x1000_1ff8,
  RAM_BASE - 16,
  RAM_BASE + RAM_SIZE,
  RAM_BASE + RAM_SIZE - 4,
  0xffff_ffff_ffff_f000n,
  0xffff_ffff_ffff_fff8n,
  1n << 53n,
  (1n << 53n) + BigInt(RAM_BASE),
  1n << 63n,
];

interface RawDesc {
  flags: number;
  bufAddr: { kind: "data"; offset: number } | { kind: "ring"; which: number } | { kind: "hostile"; i: number };
  bufLen: number;
  table: { kind: "table"; i: number } | { kind: "hostile"; i: number };
  tableLen: { kind: "exact" } | { kind: "fixed"; len: number };
  next: number;
}

const rawDesc = (tableSize: number): fc.Arbitrary<RawDesc> =>
  fc.record({
    flags: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(0, DESC_NEXT, DESC_WRITE, DESC_NEXT | DESC_WRITE) },
      { weight: 2, arbitrary: fc.constant(DESC_INDIRECT) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
    ),
    bufAddr: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant("data" as const),
          offset: fc.integer({ min: 0, max: DATA_SIZE - 1 }),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("data" as const),
          offset: fc.integer({ min: 0, max: 400 }).map((k) => 64 * k),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant("ring" as const), which: fc.integer({ min: 0, max: 2 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("hostile" as const), i: fc.nat(HOSTILE.length - 1) }) },
    ),
    bufLen: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(0, 1, 16, 17, 512, 513, 1024, 0xffffffff) },
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 2048 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
    ),
    table: fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("table" as const), i: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("hostile" as const), i: fc.nat(HOSTILE.length - 1) }) },
    ),
    tableLen: fc.oneof(
      { weight: 4, arbitrary: fc.constant({ kind: "exact" as const }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("fixed" as const),
          len: fc.constantFrom(0, 8, 17, 32, 16 * MAX_INDIRECT, 16 * (MAX_INDIRECT + 1), 0xfffffff0),
        }),
      },
    ),
    next: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: tableSize - 1 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: tableSize + 1 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
    ),
  });

interface QueueCase {
  size: number;
  descs: RawDesc[];
  tables: RawDesc[][];
  avail: number[];
  availIdx: number;
  availFlags: number;
  usedEvent: number;
}

const queueCase = (maxSize: number): fc.Arbitrary<QueueCase> =>
  fc.constantFrom(...[1, 2, 4, 8, 16].filter((n) => n <= maxSize)).chain((size) =>
    fc.record({
      size: fc.constant(size),
      descs: fc.array(rawDesc(size), { minLength: size, maxLength: size }),
      tables: fc.array(
        fc.integer({ min: 1, max: 8 }).chain((m) => fc.array(rawDesc(m), { minLength: m, maxLength: m })),
        { minLength: 4, maxLength: 4 },
      ),
      avail: fc.array(fc.oneof({ weight: 8, arbitrary: fc.nat(size - 1) }, { weight: 1, arbitrary: fc.nat(0xffff) }), {
        minLength: size,
        maxLength: size,
      }),
      availIdx: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: size }) },
        { weight: 1, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
      ),
      availFlags: fc.constantFrom(0, 1),
      usedEvent: fc.integer({ min: 0, max: 0xffff }),
    }),
  );

interface Case {
  indirect: boolean;
  eventIdx: boolean;
  queues: QueueCase[];
  seed: number;
  input: number[];
}

const caseFor = (device: () => VirtioDevice): fc.Arbitrary<Case> => {
  const sizes = device().queueSizes;
  return fc.record({
    indirect: fc.boolean(),
    eventIdx: fc.boolean(),
    queues: fc.tuple(...sizes.map((max) => queueCase(max))),
    seed: fc.integer(),
    input: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
  });
};

function toDesc(raw: RawDesc, ring: number[], tables: number[], tableLens: number[]): Desc {
  if (raw.flags & DESC_INDIRECT) {
    const ti = raw.table.kind === "table" ? raw.table.i : -1;
    const addr = ti >= 0 ? tables[ti] : HOSTILE[raw.table.kind === "hostile" ? raw.table.i : 0];
    const len = raw.tableLen.kind === "exact" ? (ti >= 0 ? tableLens[ti] : 16) : raw.tableLen.len;
    return { addr, len, flags: raw.flags, next: raw.next };
  }
  const b = raw.bufAddr;
  const addr = b.kind === "data" ? DATA_BASE + b.offset : b.kind === "ring" ? ring[b.which] : HOSTILE[b.i];
  return { addr, len: raw.bufLen, flags: raw.flags, next: raw.next };
}

function mark(allowed: Uint8Array, addr: number | bigint, len: number): void {
  const a = Number(addr);
  const lo = Math.max(a, RAM_BASE);
  const hi = Math.min(a + len, RAM_BASE + RAM_SIZE);
  if (hi > lo) allowed.fill(1, lo - RAM_BASE, hi - RAM_BASE);
}

async function runCase(make: () => VirtioDevice, c: Case): Promise<void> {
  const guest = new FakeGuest();
  const device = make();
  const drv = new TestDriver(guest, device);
  const features = (o: bigint) =>
    (o & ~(F_INDIRECT | F_EVENT_IDX)) | (c.indirect ? F_INDIRECT : 0n) | (c.eventIdx ? F_EVENT_IDX : 0n);
  assert.ok(drv.negotiate(features));
  c.queues.forEach((qc, q) => assert.equal(drv.setupQueue(q, qc.size), 1));
  drv.driverOk();
  fillData(guest, c.seed, device instanceof VirtioVsock);

  const allowed = new Uint8Array(RAM_SIZE);
  c.queues.forEach((qc, q) => {
    const l = drv.layout(q);
    const ring = [l.desc, l.avail, l.used];
    // Tables side by side from TABLES(q).
    const tables: number[] = [];
    const tableLens: number[] = [];
    let at = TABLES(q);
    for (const t of qc.tables) {
      tables.push(at);
      tableLens.push(16 * t.length);
      at += 16 * t.length;
    }
    const writeTable = (base: number, raws: RawDesc[]) =>
      raws.forEach((raw, i) => {
        const d = toDesc(raw, ring, tables, tableLens);
        drv.writeDesc(base, i, d);
        if (!(d.flags! & DESC_INDIRECT) && d.flags! & DESC_WRITE) mark(allowed, d.addr, d.len);
      });
    writeTable(l.desc, qc.descs);
    qc.tables.forEach((t, i) => writeTable(tables[i], t));
    qc.avail.forEach((head, i) => guest.w16(l.avail + 4 + 2 * i, head));
    guest.w16(l.avail, qc.availFlags);
    guest.w16(l.avail + 2, qc.availIdx);
    guest.w16(l.avail + 4 + 2 * qc.size, qc.usedEvent);
    mark(allowed, l.used, 6 + 8 * qc.size);
  });

  const before = guest.bytes.slice();
  if (device instanceof VirtioConsole) device.input(Uint8Array.from(c.input));
  if (device instanceof VirtioNet) {
    // Frames of every size the device accepts, and some it does not: before and after the kicks.
    for (const n of [c.input.length, 14, 1514, 1515, 600 + c.input.length * 10]) device.receive(new Uint8Array(n));
  }
  for (let q = 0; q < c.queues.length; q++) drv.kick(q);
  drv.kick(c.queues.length); // past the last queue
  for (let q = 0; q < c.queues.length; q++) drv.kick(q); // again: nothing new
  if (device instanceof VirtioBlk || device instanceof VirtioP9) await device.idle();
  if (device instanceof VirtioNet) for (const n of [60, 1514]) device.receive(new Uint8Array(n).fill(0xab));

  for (let i = 0; i < RAM_SIZE; i++) {
    if (before[i] !== guest.bytes[i] && !allowed[i]) {
      assert.fail(`RAM written outside the ring's writable buffers at ${(RAM_BASE + i).toString(16)}`);
    }
  }
  // Bounded work: at most the entries that were made available were used.
  c.queues.forEach((qc, q) => {
    const used = drv.usedIdx(q);
    assert.ok(used <= Math.min(qc.availIdx, qc.size), `queue ${q}: used ${used} of ${qc.availIdx} available`);
  });
  // The transport still answers.
  assert.equal(drv.r(MMIO.MagicValue), 0x74726976);
  if (device instanceof VirtioP9) await device.close();
  if (device instanceof VirtioVsock) device.close();
}

/** The 9p device's share: a scratch directory with a file and a subdirectory. */
const shareDir = mkdtempSync(join(tmpdir(), "paravm-9p-prop-"));
mkdirSync(join(shareDir, "sub"));
writeFileSync(join(shareDir, "f"), "file");
after(() => rmSync(shareDir, { recursive: true, force: true }));

const DEVICES: [string, () => VirtioDevice][] = [
  ["virtio-rng", () => new VirtioRng()],
  ["virtio-console", () => new VirtioConsole(() => {})],
  ["virtio-net", () => new VirtioNet(new LoopbackBackend(true))],
  ["virtio-blk", () => new VirtioBlk(new MemoryBackend(new Uint8Array(64 * 512).fill(0x5a), { id: "prop" }))],
  ["virtio-9p", () => new VirtioP9(new HostFsBackend(shareDir), "prop")],
  ["virtio-vsock", () => new VirtioVsock(3, new EchoVsockBackend(), { bufAlloc: 4096, maxConnections: 4 })],
];

for (const [name, make] of DEVICES) {
  test(`property: random rings against ${name} never throw, stay inside writable buffers, terminate`, async () => {
    await fc.assert(
      fc.asyncProperty(caseFor(make), (c) => runCase(make, c)),
      { numRuns: 200 },
    );
  });
}

test("property: random MMIO register traffic never throws", () => {
  const offsets: number[] = [...Object.values(MMIO), 0x0c0, 0x101, 0x10f, 0x13c, 0xffc, 0x1000];
  const op = fc.record({
    offset: fc.oneof(fc.constantFrom(...offsets), fc.integer({ min: 0, max: 0xfff })),
    size: fc.constantFrom(1, 2, 4),
    value: fc.oneof(
      fc.constantFrom(0, 1, 2, 3, 4, 8, 0xb, 0xf, 0x40, 0xff, 16, RAM_BASE, RAM_BASE + 0x2000, 0xffffffff),
      fc.integer({ min: 0, max: 0xffffffff }),
    ),
    write: fc.boolean(),
  });
  for (const [, make] of DEVICES) {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const guest = new FakeGuest();
        const drv = new TestDriver(guest, make());
        for (const o of ops) {
          if (o.write) drv.w(o.offset, o.value, o.size);
          else drv.r(o.offset, o.size);
        }
      }),
      { numRuns: 200 },
    );
  }
});
