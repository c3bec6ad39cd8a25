import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtioConsole } from "../../src/virtio/console.js";
import { MMIO } from "../../src/virtio/mmioTransport.js";
import { VirtioRng } from "../../src/virtio/rng.js";
import { DESC_WRITE, F_VERSION_1, FakeGuest, TestDriver } from "./virtioHarness.js";

const RX = 0;
const TX = 1;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function make(size?: { cols: number; rows: number }) {
  const guest = new FakeGuest();
  const out: string[] = [];
  const device = new VirtioConsole((b) => out.push(str(b)), size);
  const drv = new TestDriver(guest, device);
  return { guest, drv, device, out };
}

test("virtio-console: transmitted bytes reach the output, split across descriptors", () => {
  const { guest, drv, out } = make();
  assert.equal(drv.r(MMIO.DeviceID), 3);
  drv.start();
  const a = guest.alloc(3, text("hel"));
  const b = guest.alloc(2, text("lo"));
  drv.submit(TX, [
    { addr: a, len: 3 },
    { addr: b, len: 2 },
  ]);
  assert.deepEqual(out, ["hello"]);
  assert.deepEqual(drv.usedElem(TX, 0), { id: 0, len: 0 });
});

test("virtio-console: input waits for receive buffers and is never lost", () => {
  const { guest, drv, device } = make();
  device.input(text("early "));
  drv.start(F_VERSION_1); // no EVENT_IDX: every used buffer interrupts
  device.input(text("bird"));
  const b1 = guest.alloc(4);
  drv.submit(RX, [{ addr: b1, len: 4, flags: DESC_WRITE }]);
  assert.equal(str(guest.read(b1, 4)), "earl");
  assert.deepEqual(drv.usedElem(RX, 0), { id: 0, len: 4 });
  const b2 = guest.alloc(64);
  drv.submit(RX, [{ addr: b2, len: 64, flags: DESC_WRITE }]);
  assert.equal(str(guest.read(b2, 6)), "y bird");
  assert.equal(drv.usedElem(RX, 1).len, 6);
  // A buffer waits in the queue until input arrives, then goes back with it.
  const b3 = guest.alloc(16);
  drv.submit(RX, [{ addr: b3, len: 16, flags: DESC_WRITE }]);
  assert.equal(drv.usedIdx(RX), 2);
  drv.ack();
  device.input(text("x"));
  assert.equal(drv.usedIdx(RX), 3);
  assert.equal(str(guest.read(b3, 1)), "x");
  assert.equal(drv.irqLevel, true);
});

test("virtio-console: pending input survives a device reset", () => {
  const { guest, drv, device } = make();
  drv.start();
  device.input(text("keep"));
  drv.w(MMIO.Status, 0);
  drv.start();
  const b = guest.alloc(8);
  drv.submit(RX, [{ addr: b, len: 8, flags: DESC_WRITE }]);
  assert.equal(str(guest.read(b, 4)), "keep");
});

test("virtio-console: no size feature by default; with a size, cols/rows and resize", () => {
  const plain = make();
  assert.equal(plain.drv.offered() & 1n, 0n);
  assert.equal(plain.drv.r(0x100, 2), 0);
  const { drv, device } = make({ cols: 80, rows: 25 });
  assert.equal(drv.offered() & 1n, 1n);
  drv.start();
  assert.equal(drv.r(0x100, 2), 80);
  assert.equal(drv.r(0x102, 2), 25);
  assert.equal(drv.r(0x100, 4), 80 | (25 << 16));
  device.resize({ cols: 132, rows: 43 });
  assert.equal(drv.r(0x100, 2), 132);
  assert.equal(drv.r(MMIO.ConfigGeneration), 1);
  assert.equal(drv.r(MMIO.InterruptStatus), 2);
});

test("virtio-rng: fills writable buffers from node:crypto", () => {
  const guest = new FakeGuest();
  const drv = new TestDriver(guest, new VirtioRng());
  drv.start(F_VERSION_1);
  const b = guest.alloc(256);
  drv.submit(0, [{ addr: b, len: 256, flags: DESC_WRITE }]);
  assert.deepEqual(drv.usedElem(0, 0), { id: 0, len: 256 });
  const bytes = guest.read(b, 256);
  assert.ok(new Set(bytes).size > 100, "random-looking bytes");
  // A chain with nothing writable is returned empty.
  drv.submit(0, [{ addr: b, len: 16 }]);
  assert.deepEqual(drv.usedElem(0, 1), { id: 1, len: 0 });
});
