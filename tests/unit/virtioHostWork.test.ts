// Hostile rings that try to make the host do unbounded work or hold unbounded memory: chains of
// descriptors that all alias one buffer (4 GiB of "buffer" from a few KiB of RAM), heads handed
// over again while in use, and a console whose host side never drains. What is asserted is
// counted work (bytes, chains, requests), never time.

import { test } from "node:test";
import assert from "node:assert/strict";
import { CHUNK_BYTES, VirtioBlk } from "../../src/virtio/blk/device.js";
import { MemoryBackend } from "../../src/virtio/blk/memoryBackend.js";
import * as P from "../../src/virtio/blk/protocol.js";
import { MAX_CHAIN_BYTES as CONSOLE_MAX_CHAIN, VirtioConsole } from "../../src/virtio/console.js";
import { LoopbackBackend } from "../../src/virtio/net/backend.js";
import { VirtioNet } from "../../src/virtio/net/device.js";
import { MAX_CHAIN_BYTES as RNG_MAX_CHAIN, VirtioRng } from "../../src/virtio/rng.js";
import { TURN_BUDGET_BYTES } from "../../src/virtio/virtioDevice.js";
import {
  DESC_INDIRECT,
  DESC_WRITE,
  F_INDIRECT,
  F_VERSION_1,
  FakeGuest,
  TestDriver,
  type Desc,
} from "./virtioHarness.js";

const ALIAS = 64; // descriptors in one aliasing table
const BUF = 256 * 1024; // the one buffer they all name

/** An indirect table of ALIAS descriptors naming the same BUF bytes; returns its address. */
function aliasingTable(drv: TestDriver, q: number, flags: number): { table: number; buf: number } {
  const buf = drv.guest.alloc(BUF);
  const table = drv.indirectTable(
    q,
    Array.from({ length: ALIAS }, () => ({ addr: buf, len: BUF, flags })),
  );
  return { table, buf };
}

/** Makes `count` chains available, each one indirect descriptor pointing at `table`. */
function publishAliasing(drv: TestDriver, q: number, table: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const head = drv.chain(q, [{ addr: table, len: 16 * ALIAS, flags: DESC_INDIRECT }]);
    drv.publish(q, head);
  }
}

test("virtio-rng: aliasing chains get bounded entropy per chain and per turn; the rest comes later", () => {
  const guest = new FakeGuest();
  let filled = 0;
  const drv = new TestDriver(
    guest,
    new VirtioRng((b) => {
      filled += b.length;
      b.fill(0x5a);
    }),
  );
  drv.start(F_VERSION_1 | F_INDIRECT, 64);
  const { table } = aliasingTable(drv, 0, DESC_WRITE);
  publishAliasing(drv, 0, table, 64); // 64 chains of 16 MiB each: 1 GiB asked for
  drv.kick(0);
  assert.ok(filled <= TURN_BUDGET_BYTES + RNG_MAX_CHAIN, `one notify filled ${filled} bytes`);
  const first = drv.usedIdx(0);
  assert.ok(first > 0 && first < 64, `one notify served ${first} of 64 chains`);
  assert.equal(drv.usedElem(0, 0).len, RNG_MAX_CHAIN, "a chain gets at most MAX_CHAIN_BYTES");
  assert.ok(drv.transport.hasDeferred, "the rest is deferred to later turns");
  let turns = 0;
  while (drv.usedIdx(0) < 64 && turns < 1000) {
    const before = filled;
    drv.transport.poll();
    assert.ok(filled - before <= TURN_BUDGET_BYTES + RNG_MAX_CHAIN, "a turn is bounded too");
    turns++;
  }
  assert.equal(drv.usedIdx(0), 64, "every chain is served in the end");
  assert.equal(filled, 64 * RNG_MAX_CHAIN);
  drv.transport.poll();
  assert.equal(drv.transport.hasDeferred, false);
  assert.equal(drv.needsReset, false);
});

test("virtio-rng: notifications within one turn share its allowance", () => {
  const guest = new FakeGuest();
  let filled = 0;
  const drv = new TestDriver(guest, new VirtioRng((b) => (filled += b.length)));
  drv.start(F_VERSION_1, 8);
  const buf = guest.alloc(RNG_MAX_CHAIN);
  // A chain and a notify, again and again within one slice of guest time (one run-loop turn).
  for (let i = 0; i < 8; i++) drv.submit(0, [{ addr: buf, len: RNG_MAX_CHAIN, flags: DESC_WRITE }]);
  assert.ok(filled <= TURN_BUDGET_BYTES + RNG_MAX_CHAIN, `8 notifies in one turn filled ${filled} bytes`);
  assert.ok(drv.usedIdx(0) < 8);
  for (let i = 0; i < 100 && drv.transport.hasDeferred; i++) drv.transport.poll();
  assert.equal(drv.usedIdx(0), 8);
  assert.equal(drv.needsReset, false);
});

function consoleDriver(full: { value: boolean }) {
  const guest = new FakeGuest();
  const out: Uint8Array[] = [];
  const device = new VirtioConsole(
    (b) => out.push(b),
    undefined,
    () => full.value,
  );
  const drv = new TestDriver(guest, device);
  drv.start(F_VERSION_1 | F_INDIRECT, 16);
  const written = () => out.reduce((n, b) => n + b.length, 0);
  return { guest, drv, device, out, written };
}

test("virtio-console: an aliasing chain gives the host at most MAX_CHAIN_BYTES; a turn is bounded", () => {
  const full = { value: false };
  const { drv, device, written } = consoleDriver(full);
  const { table } = aliasingTable(drv, 1, 0);
  publishAliasing(drv, 1, table, 16); // 16 chains of 16 MiB of output each
  drv.kick(1);
  assert.ok(written() <= TURN_BUDGET_BYTES + CONSOLE_MAX_CHAIN, `one notify wrote ${written()} bytes`);
  assert.ok(drv.usedIdx(1) < 16);
  for (let i = 0; i < 100 && drv.transport.hasDeferred; i++) drv.transport.poll();
  assert.equal(drv.usedIdx(1), 16);
  assert.equal(written(), 16 * CONSOLE_MAX_CHAIN);
  assert.equal(device.state.txTruncated, 16 * (ALIAS * BUF - CONSOLE_MAX_CHAIN));
});

test("virtio-console: no transmit chain is taken while the host sink is full; they go on after it drained", () => {
  const full = { value: true };
  const { guest, drv, device, out } = consoleDriver(full);
  const text = new TextEncoder().encode("hello");
  for (let i = 0; i < 3; i++) drv.submit(1, [{ addr: guest.alloc(5, text), len: 5 }]);
  assert.equal(drv.usedIdx(1), 0, "the chains stay in the ring");
  assert.equal(out.length, 0);
  assert.equal(device.state.txBlocked, 1);
  drv.transport.poll();
  device.resumeOutput(); // still full: nothing moves
  drv.transport.poll();
  assert.equal(drv.usedIdx(1), 0);
  full.value = false;
  device.resumeOutput();
  assert.equal(drv.usedIdx(1), 0, "resumed on the next turn, not inside the drain event");
  drv.transport.poll();
  assert.equal(drv.usedIdx(1), 3);
  assert.equal(out.length, 3);
  assert.equal(device.state.txBlocked, 0);
});

test("virtio-console: a sink that fills after each write takes one chain per drain", () => {
  const full = { value: false };
  const { guest, drv, device, out } = consoleDriver(full);
  const device2 = device;
  const orig = out.push.bind(out);
  out.push = (...b: Uint8Array[]) => {
    full.value = true; // the sink is full after every write
    return orig(...b);
  };
  for (let i = 0; i < 4; i++) drv.submit(1, [{ addr: guest.alloc(1, Uint8Array.of(65 + i)), len: 1 }]);
  assert.equal(drv.usedIdx(1), 1);
  for (let k = 2; k <= 4; k++) {
    full.value = false;
    device2.resumeOutput();
    drv.transport.poll();
    assert.equal(drv.usedIdx(1), k);
  }
  assert.deepEqual(
    out.map((b) => b[0]),
    [65, 66, 67, 68],
  );
});

/** A disk whose reads wait until the test lets them go, and that records each read's length. */
class HeldBackend extends MemoryBackend {
  readonly reads: number[] = [];
  readonly writes: number[] = [];
  private held: (() => void)[] = [];
  hold = true;

  override async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push(length);
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    return super.read(offset, length);
  }

  override async write(offset: number, data: Uint8Array): Promise<void> {
    this.writes.push(data.length);
    return super.write(offset, data);
  }

  release(): void {
    this.hold = false;
    for (const r of this.held.splice(0)) r();
  }
}

function blkHeader(type: number, sector: number): Uint8Array {
  const h = new Uint8Array(P.REQUEST_HEADER_SIZE);
  const v = new DataView(h.buffer);
  v.setUint32(0, type, true);
  v.setUint32(8, sector, true);
  return h;
}

test("virtio-blk: a head handed over again while in use is a driver error: in flight stays within the queue", async () => {
  const guest = new FakeGuest();
  const backend = new HeldBackend(new Uint8Array(1 << 20));
  const blk = new VirtioBlk(backend);
  const drv = new TestDriver(guest, blk);
  const size = 16;
  drv.start(F_VERSION_1, size);
  const head = drv.chain(0, [
    { addr: guest.alloc(16, blkHeader(P.VIRTIO_BLK_T_IN, 0)), len: 16 },
    { addr: guest.alloc(512), len: 512, flags: DESC_WRITE },
    { addr: guest.alloc(1), len: 1, flags: DESC_WRITE },
  ]);
  for (let i = 0; i < size; i++) drv.publish(0, head); // one chain, made available 16 times
  drv.kick(0);
  assert.equal(backend.reads.length, size, "a queue's worth of requests may be in flight");
  assert.equal(drv.needsReset, false);
  assert.equal(drv.transport.queue(0).state.inUse, size);
  drv.publish(0, head); // the 17th while all 16 are still being served
  drv.kick(0);
  assert.equal(drv.needsReset, true, "more chains in use than the queue size: NEEDS_RESET");
  assert.equal(backend.reads.length, size, "and no 17th request reached the host");
  backend.release();
  await blk.idle();
});

test("virtio-blk: requests in flight are bounded however often the driver notifies", async () => {
  const guest = new FakeGuest();
  const backend = new HeldBackend(new Uint8Array(1 << 20));
  const blk = new VirtioBlk(backend);
  const drv = new TestDriver(guest, blk);
  drv.start(F_VERSION_1, 8);
  const head = drv.chain(0, [
    { addr: guest.alloc(16, blkHeader(P.VIRTIO_BLK_T_IN, 0)), len: 16 },
    { addr: guest.alloc(512), len: 512, flags: DESC_WRITE },
    { addr: guest.alloc(1), len: 1, flags: DESC_WRITE },
  ]);
  for (let i = 0; i < 10_000 && !drv.needsReset; i++) {
    drv.publish(0, head);
    drv.kick(0);
  }
  assert.ok(backend.reads.length <= 8, `${backend.reads.length} reads in flight`);
  assert.equal(drv.needsReset, true);
  backend.release();
  await blk.idle();
});

test("virtio-blk: a read or write of 16 MiB of aliasing buffers reaches the host in bounded pieces", async () => {
  const guest = new FakeGuest();
  const disk = new Uint8Array(ALIAS * BUF);
  for (let i = 0; i < disk.length; i += 512) disk[i] = (i / BUF) & 0xff;
  const backend = new HeldBackend(disk);
  backend.hold = false;
  const blk = new VirtioBlk(backend);
  const drv = new TestDriver(guest, blk);
  drv.start(F_VERSION_1 | F_INDIRECT, 16);
  const buf = guest.alloc(BUF);
  const status = guest.alloc(1);
  const request = (type: number, dataFlags: number) => {
    const descs: Desc[] = [{ addr: guest.alloc(16, blkHeader(type, 0)), len: 16 }];
    for (let i = 0; i < ALIAS; i++) descs.push({ addr: buf, len: BUF, flags: dataFlags });
    descs.push({ addr: status, len: 1, flags: DESC_WRITE });
    const table = drv.indirectTable(0, descs);
    drv.submit(0, [{ addr: table, len: 16 * descs.length, flags: DESC_INDIRECT }]);
  };
  request(P.VIRTIO_BLK_T_IN, DESC_WRITE);
  await blk.idle();
  assert.equal(drv.usedIdx(0), 1);
  assert.equal(guest.r8(status), P.VIRTIO_BLK_S_OK);
  assert.equal(drv.usedElem(0, 0).len, ALIAS * BUF + 1);
  assert.ok(Math.max(...backend.reads) <= CHUNK_BYTES, `a read of ${Math.max(...backend.reads)} bytes`);
  assert.equal(
    backend.reads.reduce((a, b) => a + b, 0),
    ALIAS * BUF,
  );
  assert.equal(guest.r8(buf), ALIAS - 1, "the buffer holds the last piece (it aliases every piece)");
  request(P.VIRTIO_BLK_T_OUT, 0);
  await blk.idle();
  assert.equal(drv.usedIdx(0), 2);
  assert.equal(guest.r8(status), P.VIRTIO_BLK_S_OK);
  assert.ok(Math.max(...backend.writes) <= CHUNK_BYTES, `a write of ${Math.max(...backend.writes)} bytes`);
  assert.equal(disk[0], ALIAS - 1, "every piece of the disk got the buffer's bytes");
  assert.equal(disk[(ALIAS - 1) * BUF], ALIAS - 1);
});

test("virtio-net: a notify after every frame cannot push more than a turn's budget to the backend", () => {
  const guest = new FakeGuest();
  const backend = new LoopbackBackend();
  const drv = new TestDriver(guest, new VirtioNet(backend));
  drv.start(F_VERSION_1, 256);
  const frame = guest.alloc(12 + 1514);
  const sent = () => backend.sent.reduce((n, f) => n + f.length, 0);
  // One slice of guest time: 256 frames, each made available and notified on its own.
  for (let i = 0; i < 256; i++) drv.submit(1, [{ addr: frame, len: 12 + 1514 }]);
  assert.ok(sent() <= TURN_BUDGET_BYTES + 1514, `one turn sent ${sent()} bytes`);
  assert.ok(drv.usedIdx(1) < 256);
  for (let i = 0; i < 100 && drv.transport.hasDeferred; i++) drv.transport.poll();
  assert.equal(backend.sent.length, 256, "the rest went out on the next turns");
  assert.equal(drv.needsReset, false);
});
