import { test } from "node:test";
import assert from "node:assert/strict";
import { LoopbackBackend } from "../../src/virtio/net/backend.js";
import { VirtioNet } from "../../src/virtio/net/device.js";
import { MMIO } from "../../src/virtio/mmioTransport.js";
import { DESC_WRITE, F_EVENT_IDX, F_VERSION_1, FakeGuest, TestDriver } from "./virtioHarness.js";

const RX = 0;
const TX = 1;
const HDR = 12;
const F_MRG_RXBUF = 1n << 15n;
const F_MAC = 1n << 5n;
const F_STATUS = 1n << 16n;

function make(maxPending?: number) {
  const guest = new FakeGuest();
  const backend = new LoopbackBackend();
  const device = new VirtioNet(backend, { maxPending });
  const drv = new TestDriver(guest, device);
  return { guest, backend, device, drv };
}

/** An Ethernet frame of `length` bytes with a recognisable pattern. */
function frame(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

/** Submits a frame on the transmit queue behind a zero header, split in two descriptors. */
function transmit(guest: FakeGuest, drv: TestDriver, f: Uint8Array): void {
  const h = guest.alloc(HDR, new Uint8Array(HDR));
  const b = guest.alloc(f.length, f);
  drv.submit(TX, [
    { addr: h, len: HDR },
    { addr: b, len: f.length },
  ]);
}

test("virtio-net: ID 1, offers MAC, STATUS and MRG_RXBUF, config holds the MAC and LINK_UP", () => {
  const { drv } = make();
  assert.equal(drv.r(MMIO.DeviceID), 1);
  const offered = drv.offered();
  for (const f of [F_MAC, F_STATUS, F_MRG_RXBUF, F_VERSION_1]) assert.equal(offered & f, f);
  drv.start();
  const mac = [0, 1, 2, 3, 4, 5].map((i) => drv.r(0x100 + i, 1));
  assert.deepEqual(mac, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
  assert.equal(drv.r(0x106, 2), 1);
});

test("virtio-net: a transmitted frame reaches the backend without the header", () => {
  const { guest, drv, backend, device } = make();
  drv.start();
  const f = frame(60);
  transmit(guest, drv, f);
  assert.equal(backend.sent.length, 1);
  assert.deepEqual(backend.sent[0], f);
  assert.deepEqual(drv.usedElem(TX, 0), { id: 0, len: 0 });
  assert.equal(device.state.counters.txFrames, 1);
  assert.equal(device.state.counters.txBytes, 60);
});

test("virtio-net: short and oversized transmitted frames are dropped and counted", () => {
  const { guest, drv, backend, device } = make();
  drv.start();
  transmit(guest, drv, frame(13));
  transmit(guest, drv, frame(1515));
  transmit(guest, drv, frame(1514));
  const h = guest.alloc(4);
  drv.submit(TX, [{ addr: h, len: 4 }]); // not even a header
  assert.equal(backend.sent.length, 1);
  assert.equal(backend.sent[0].length, 1514);
  assert.equal(device.state.counters.txDroppedShort, 2);
  assert.equal(device.state.counters.txDroppedLong, 1);
  assert.equal(drv.usedIdx(TX), 4, "every chain goes back");
});

test("virtio-net: a received frame lands with a zero header and num_buffers = 1", () => {
  const { guest, drv, backend, device } = make();
  drv.start();
  const b = guest.alloc(2048);
  guest.write(b, new Uint8Array(2048).fill(0xee));
  drv.submit(RX, [{ addr: b, len: 2048, flags: DESC_WRITE }]);
  const f = frame(100);
  backend.inject(f);
  assert.deepEqual(drv.usedElem(RX, 0), { id: 0, len: HDR + 100 });
  const got = guest.read(b, HDR + 100);
  assert.deepEqual(got.subarray(0, 10), new Uint8Array(10));
  assert.equal(guest.r16(b + 10), 1);
  assert.deepEqual(got.subarray(HDR), f);
  assert.equal(device.state.counters.rxFrames, 1);
  assert.equal(drv.irqLevel, true);
});

test("virtio-net: with MRG_RXBUF a frame spans several chains and num_buffers says how many", () => {
  const { guest, drv, backend } = make();
  drv.start();
  const bufs = [0, 1, 2].map(() => guest.alloc(600));
  for (const b of bufs) drv.submit(RX, [{ addr: b, len: 600, flags: DESC_WRITE }]);
  const f = frame(1400, 3);
  backend.inject(f);
  assert.equal(drv.usedIdx(RX), 3);
  assert.deepEqual(drv.usedElem(RX, 0), { id: 0, len: 600 });
  assert.deepEqual(drv.usedElem(RX, 1), { id: 1, len: 600 });
  assert.deepEqual(drv.usedElem(RX, 2), { id: 2, len: HDR + 1400 - 1200 });
  assert.equal(guest.r16(bufs[0] + 10), 3);
  const joined = new Uint8Array(HDR + 1400);
  joined.set(guest.read(bufs[0], 600), 0);
  joined.set(guest.read(bufs[1], 600), 600);
  joined.set(guest.read(bufs[2], HDR + 200), 1200);
  assert.deepEqual(joined.subarray(HDR), f);
});

test("virtio-net: frames wait for receive buffers, then are delivered in order on the notification", () => {
  const { guest, drv, backend, device } = make();
  drv.start(F_VERSION_1 | F_MRG_RXBUF | F_EVENT_IDX);
  backend.inject(frame(200, 1));
  backend.inject(frame(300, 2));
  assert.equal(device.state.pending.length, 2);
  // Not enough room for the first frame: nothing is written, the buffer stays with the driver.
  const small = guest.alloc(100);
  drv.submit(RX, [{ addr: small, len: 100, flags: DESC_WRITE }]);
  assert.equal(drv.usedIdx(RX), 0);
  const l = drv.layout(RX);
  assert.equal(guest.r16(l.used + 4 + 8 * l.size), 1, "EVENT_IDX: notify me at the next buffer added");
  const big = guest.alloc(1024);
  drv.submit(RX, [{ addr: big, len: 1024, flags: DESC_WRITE }]);
  assert.equal(drv.usedIdx(RX), 2, "the first frame took both buffers");
  assert.equal(guest.r16(small + 10), 2);
  assert.equal(device.state.pending.length, 1);
  const third = guest.alloc(1024);
  drv.submit(RX, [{ addr: third, len: 1024, flags: DESC_WRITE }]);
  assert.equal(drv.usedIdx(RX), 3);
  assert.deepEqual(guest.read(third + HDR, 300), frame(300, 2));
  assert.equal(device.state.pending.length, 0);
});

test("virtio-net: without MRG_RXBUF a frame too big for a buffer is dropped, the buffer kept", () => {
  const { guest, drv, backend, device } = make();
  drv.start(F_VERSION_1 | F_MAC);
  const b = guest.alloc(256);
  drv.submit(RX, [{ addr: b, len: 256, flags: DESC_WRITE }]);
  backend.inject(frame(1000));
  assert.equal(device.state.counters.rxDroppedNoRoom, 1);
  assert.equal(drv.usedIdx(RX), 0);
  backend.inject(frame(100, 9));
  assert.deepEqual(drv.usedElem(RX, 0), { id: 0, len: HDR + 100 });
  assert.equal(guest.r16(b + 10), 1);
});

test("virtio-net: the pending queue is bounded; bad frames from the backend are dropped", () => {
  const { backend, device } = make(4);
  for (let i = 0; i < 6; i++) backend.inject(frame(64, i));
  backend.inject(frame(10));
  backend.inject(frame(2000));
  assert.equal(device.state.pending.length, 4);
  assert.equal(device.state.counters.rxDroppedQueueFull, 2);
  assert.equal(device.state.counters.rxDroppedBadFrame, 2);
  assert.equal(device.stats()["net rx pending"], 4);
});

test("virtio-net: a reset drops pending frames; a legacy driver gets the 10-byte header", () => {
  const { guest, drv, backend, device } = make();
  drv.start();
  backend.inject(frame(64));
  drv.w(MMIO.Status, 0);
  assert.equal(device.state.pending.length, 0);
  drv.start(F_MAC); // neither VERSION_1 nor MRG_RXBUF
  const b = guest.alloc(128);
  drv.submit(RX, [{ addr: b, len: 128, flags: DESC_WRITE }]);
  backend.inject(frame(64, 5));
  assert.deepEqual(drv.usedElem(RX, 0), { id: 0, len: 10 + 64 });
  assert.deepEqual(guest.read(b + 10, 64), frame(64, 5));
  const h = guest.alloc(10, new Uint8Array(10));
  const f = guest.alloc(20, frame(20));
  drv.submit(TX, [
    { addr: h, len: 10 },
    { addr: f, len: 20 },
  ]);
  assert.deepEqual(backend.sent[0], frame(20));
});

test("virtio-net: a backend that throws is counted, the device goes on", () => {
  const guest = new FakeGuest();
  const backend = new LoopbackBackend();
  backend.send = () => {
    throw new Error("boom");
  };
  const device = new VirtioNet(backend);
  const drv = new TestDriver(guest, device);
  drv.start();
  transmit(guest, drv, frame(64));
  assert.equal(device.state.counters.txBackendErrors, 1);
  assert.equal(drv.usedIdx(TX), 1);
});

test("virtio-net: echo loopback carries a frame from TX back to RX", () => {
  const guest = new FakeGuest();
  const device = new VirtioNet(new LoopbackBackend(true));
  const drv = new TestDriver(guest, device);
  drv.start();
  const b = guest.alloc(1600);
  drv.submit(RX, [{ addr: b, len: 1600, flags: DESC_WRITE }]);
  transmit(guest, drv, frame(1514, 4));
  assert.deepEqual(guest.read(b + HDR, 1514), frame(1514, 4));
});
