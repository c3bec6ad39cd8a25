// Peak host memory under hostile rings (issue 11): the virtio devices behind their transport,
// driven by a pretend guest (the unit tests' harness) with 64 MiB of RAM that builds the rings
// meant to make the host work or allocate without bound:
//   rng      64 chains, each 1024 descriptors aliasing one 4 MiB buffer (4 GiB per chain)
//   console  the same chains on the transmit queue, into a sink that never drains
//   blk      one 4 GiB read chain made available again and again while in use, on a slow disk
// It samples process.memoryUsage().rss every event-loop turn, prints the peak growth and the
// work done per turn, and exits 1 when the growth passes guest RAM + 256 MiB. Counted work, no
// timing: run it with `npm run bench:hostile`.

import { VirtioBlk } from "../src/virtio/blk/device.js";
import type { BlockBackend } from "../src/virtio/blk/backend.js";
import * as P from "../src/virtio/blk/protocol.js";
import { VirtioConsole } from "../src/virtio/console.js";
import { VirtioRng } from "../src/virtio/rng.js";
import type { VirtioDevice } from "../src/virtio/virtioDevice.js";
import {
  DESC_INDIRECT,
  DESC_WRITE,
  F_INDIRECT,
  F_VERSION_1,
  FakeGuest,
  TestDriver,
  type Desc,
} from "../tests/unit/virtioHarness.js";

const GUEST_RAM = 64 << 20;
const BOUND = GUEST_RAM + (256 << 20);
const ALIAS_BUF = 4 << 20;
const TABLE = 1024; // descriptors per indirect table: 1024 × 4 MiB = 4 GiB
const TURNS = 200;

/** A disk of 8 GiB of zeroes whose reads complete one event-loop turn later. */
class SlowZeroDisk implements BlockBackend {
  readonly size = 8 * 2 ** 30;
  readonly readOnly = false;
  readonly id = "hostile";
  bytesRead = 0;
  async read(_offset: number, length: number): Promise<Uint8Array> {
    await new Promise((r) => setImmediate(r));
    this.bytesRead += length;
    return new Uint8Array(length);
  }
  async write(): Promise<void> {}
  async flush(): Promise<void> {}
  async discard(): Promise<void> {}
  async writeZeroes(): Promise<void> {}
  async close(): Promise<void> {}
}

function rss(): number {
  return process.memoryUsage().rss;
}

/** The guest and driver for one device, with an indirect table aliasing one buffer. */
function setup(device: VirtioDevice, q: number, size: number, flags: number, prefix: Desc[] = [], suffix: Desc[] = []) {
  const guest = new FakeGuest(GUEST_RAM);
  const drv = new TestDriver(guest, device);
  drv.start(F_VERSION_1 | F_INDIRECT, size);
  const buf = guest.alloc(ALIAS_BUF);
  const descs = [
    ...prefix,
    ...Array.from({ length: TABLE - prefix.length - suffix.length }, () => ({ addr: buf, len: ALIAS_BUF, flags })),
    ...suffix,
  ];
  const table = guest.alloc(16 * TABLE);
  descs.forEach((d, i) =>
    drv.writeDesc(table, i, { ...d, flags: (d.flags ?? 0) | (i < TABLE - 1 ? 1 : 0), next: i + 1 }),
  );
  const head = drv.chain(q, [{ addr: table, len: 16 * TABLE, flags: DESC_INDIRECT }]);
  return { guest, drv, head };
}

interface Result {
  name: string;
  peak: number;
  note: string;
}

async function turns(drv: TestDriver, each: () => void = () => {}): Promise<number> {
  let peak = 0;
  const base = rss();
  for (let t = 0; t < TURNS; t++) {
    drv.transport.poll();
    each();
    await new Promise((r) => setImmediate(r));
    peak = Math.max(peak, rss() - base);
  }
  return peak;
}

async function rng(): Promise<Result> {
  let filled = 0;
  const { drv, head } = setup(
    new VirtioRng((b) => {
      filled += b.length;
      b.fill(1);
    }),
    0,
    64,
    DESC_WRITE,
  );
  for (let i = 0; i < 64; i++) drv.publish(0, head);
  drv.kick(0);
  const first = filled;
  const peak = await turns(drv);
  return { name: "rng", peak, note: `first notify filled ${first} B, all ${drv.usedIdx(0)} chains ${filled} B` };
}

async function console(): Promise<Result> {
  let held = 0;
  const sinkLimit = 1 << 20;
  const device = new VirtioConsole(
    (b) => (held += b.length), // a pipe nobody reads: everything stays queued
    undefined,
    () => held >= sinkLimit,
  );
  const { drv, head } = setup(device, 1, 128, 0);
  for (let i = 0; i < 128; i++) drv.publish(1, head);
  drv.kick(1);
  const peak = await turns(drv, () => device.resumeOutput());
  return { name: "console", peak, note: `sink holds ${held} B, ${drv.usedIdx(1)} of 128 chains taken` };
}

async function blk(): Promise<Result> {
  const disk = new SlowZeroDisk();
  const device = new VirtioBlk(disk);
  const header = new Uint8Array(P.REQUEST_HEADER_SIZE); // VIRTIO_BLK_T_IN at sector 0
  const probe = new FakeGuest(1 << 20);
  const hdr = probe.alloc(16, header);
  const { guest, drv, head } = setup(
    device,
    0,
    256,
    DESC_WRITE,
    [{ addr: hdr, len: 16 }],
    [{ addr: hdr + 16, len: 1, flags: DESC_WRITE }],
  );
  guest.write(hdr, header);
  let published = 0;
  const peak = await turns(drv, () => {
    // A queue's worth, and then more, every turn, without waiting for any to complete.
    for (let i = 0; i < 256 && !drv.needsReset; i++, published++) {
      drv.publish(0, head);
      drv.kick(0);
    }
  });
  const inUse = drv.transport.queue(0).state.inUse;
  const reset = drv.needsReset;
  drv.w(0x070, 0); // reset: the requests still in flight stop at their next piece
  await device.idle();
  return {
    name: "blk",
    peak,
    note: `${published} made available, ${inUse} in flight at the reset, NEEDS_RESET ${reset}, ${disk.bytesRead} B read`,
  };
}

const results: Result[] = [];
for (const run of [rng, console, blk]) results.push(await run());
let ok = true;
for (const r of results) {
  const mib = (r.peak / 2 ** 20).toFixed(1);
  process.stdout.write(`${r.name.padEnd(8)} peak RSS growth ${mib.padStart(7)} MiB  ${r.note}\n`);
  if (r.peak > BOUND) ok = false;
}
process.stdout.write(`bound: guest RAM + 256 MiB = ${BOUND / 2 ** 20} MiB: ${ok ? "within" : "EXCEEDED"}\n`);
process.exitCode = ok ? 0 : 1;
