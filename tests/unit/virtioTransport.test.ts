import { test } from "node:test";
import assert from "node:assert/strict";
import type { BlockBackend } from "../../src/virtio/blk/backend.js";
import { VirtioBlk } from "../../src/virtio/blk/device.js";
import { MMIO, VENDOR_ID, STATUS } from "../../src/virtio/mmioTransport.js";
import { VirtioRng } from "../../src/virtio/rng.js";
import {
  DESC_WRITE,
  F_EVENT_IDX,
  F_INDIRECT,
  F_VERSION_1,
  FakeGuest,
  RAM_BASE,
  RAM_SIZE,
  TestDriver,
} from "./virtioHarness.js";

function rng() {
  const guest = new FakeGuest();
  const drv = new TestDriver(guest, new VirtioRng((b) => b.fill(0xab)));
  return { guest, drv };
}

test("virtio-mmio: identification registers", () => {
  const { drv } = rng();
  assert.equal(drv.r(MMIO.MagicValue), 0x74726976);
  assert.equal(drv.r(MMIO.Version), 2);
  assert.equal(drv.r(MMIO.DeviceID), 4);
  assert.equal(drv.r(MMIO.VendorID), VENDOR_ID);
  assert.equal(drv.transport.name, "virtio-rng");
  const offered = drv.offered();
  assert.equal(offered, F_VERSION_1 | F_INDIRECT | F_EVENT_IDX);
  drv.w(MMIO.DeviceFeaturesSel, 7);
  assert.equal(drv.r(MMIO.DeviceFeatures), 0, "feature words past 63 are zero");
  assert.equal(drv.r(MMIO.MagicValue, 2), 0, "registers are 32-bit only");
  assert.equal(drv.r(MMIO.SHMLenLow), 0xffffffff, "no shared memory region");
});

test("virtio-mmio: FEATURES_OK refused for unoffered features; drivers without VERSION_1 are served", () => {
  const { drv } = rng();
  assert.equal(drv.negotiate(F_INDIRECT), true, "VERSION_1 left out (xv6 does this)");
  assert.equal(drv.negotiate(F_VERSION_1 | (1n << 5n)), false, "a feature not offered");
  assert.equal(drv.negotiate(F_VERSION_1 | (1n << 40n)), false, "a high feature not offered");
  assert.equal(drv.negotiate(F_VERSION_1), true);
  // Features are fixed once accepted.
  drv.w(MMIO.DriverFeaturesSel, 0);
  drv.w(MMIO.DriverFeatures, 0xffffffff);
  assert.equal(drv.transport.features, F_VERSION_1);
  // DRIVER_OK without FEATURES_OK (a legacy sequence) is not taken.
  drv.w(MMIO.Status, 0);
  drv.w(MMIO.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.DRIVER_OK);
  assert.equal(drv.status & STATUS.DRIVER_OK, 0);
});

test("virtio-mmio: queue setup, QueueNumMax, frozen registers after QueueReady and DRIVER_OK", () => {
  const { drv } = rng();
  drv.w(MMIO.QueueSel, 0);
  assert.equal(drv.r(MMIO.QueueNumMax), 64);
  drv.w(MMIO.QueueSel, 1);
  assert.equal(drv.r(MMIO.QueueNumMax), 0, "queue 1 does not exist");
  drv.w(MMIO.QueueReady, 1);
  assert.equal(drv.r(MMIO.QueueReady), 0);

  // Before FEATURES_OK, QueueReady = 1 is ignored.
  drv.w(MMIO.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
  drv.w(MMIO.QueueSel, 0);
  drv.w(MMIO.QueueNum, 8);
  drv.w(MMIO.QueueReady, 1);
  assert.equal(drv.r(MMIO.QueueReady), 0);

  assert.ok(drv.negotiate());
  assert.equal(drv.setupQueue(0, 8), 1);
  drv.w(MMIO.QueueNum, 4);
  drv.w(MMIO.QueueDescLow, 0x1234);
  assert.equal(drv.r(MMIO.QueueNum), 8, "frozen while ready");
  drv.driverOk();
  drv.w(MMIO.QueueReady, 0);
  assert.equal(drv.r(MMIO.QueueReady), 0, "QueueReady = 0 stops a queue, as the spec says");
  drv.w(MMIO.QueueNum, 4);
  drv.w(MMIO.QueueReady, 1);
  assert.equal(drv.r(MMIO.QueueNum), 8, "frozen after DRIVER_OK");
  assert.equal(drv.r(MMIO.QueueReady), 0, "no re-enabling after DRIVER_OK");
  assert.equal(drv.needsReset, false);
});

test("virtio-mmio: bad queue configurations mark the device NEEDS_RESET", () => {
  const cases: [string, number, Record<string, number>][] = [
    ["size not a power of two", 6, {}],
    ["size above QueueNumMax", 128, {}],
    ["size zero", 0, {}],
    ["misaligned descriptor table", 8, { desc: RAM_BASE + 8 }],
    ["misaligned used ring", 8, { used: RAM_BASE + 0x2002 }],
    ["descriptor table past RAM", 8, { desc: RAM_BASE + RAM_SIZE - 64 }],
    ["rings at MMIO", 8, { avail: 0x1000_1000 }],
    ["rings below RAM", 8, { used: 0x100 }],
    ["address above 2^53", 8, { desc: 2 ** 60 }],
    ["wrapping past 2^64", 8, { desc: 2 ** 64 - 64 }],
    ["overlapping rings", 8, { avail: RAM_BASE + 0x40 }],
  ];
  for (const [what, size, layout] of cases) {
    const { drv } = rng();
    assert.ok(drv.negotiate());
    assert.equal(drv.setupQueue(0, size, layout), 0, what);
    assert.ok(drv.needsReset, what);
    // A reset clears it.
    drv.w(MMIO.Status, 0);
    assert.equal(drv.status, 0, what);
  }
});

test("virtio-mmio: QueueNotify past the last queue, and before DRIVER_OK, is ignored", () => {
  const { drv, guest } = rng();
  assert.ok(drv.negotiate());
  drv.setupQueue(0, 8);
  const buf = guest.alloc(16);
  drv.chain(0, [{ addr: buf, len: 16, flags: DESC_WRITE }]);
  drv.publish(0, 0);
  drv.kick(0);
  assert.equal(drv.usedIdx(0), 0, "nothing used before DRIVER_OK");
  drv.driverOk();
  assert.equal(drv.usedIdx(0), 1, "DRIVER_OK serves what was already available");
  for (const q of [1, 7, 0xffff, 0xffffffff]) drv.kick(q);
  assert.equal(drv.needsReset, false);
  assert.equal(drv.status & STATUS.DRIVER_OK, STATUS.DRIVER_OK);
});

test("virtio-mmio: interrupts, InterruptACK and reset", () => {
  const { drv, guest } = rng();
  drv.start(F_VERSION_1 | F_INDIRECT); // without EVENT_IDX every used buffer interrupts
  const buf = guest.alloc(32);
  drv.submit(0, [{ addr: buf, len: 32, flags: DESC_WRITE }]);
  assert.equal(drv.usedIdx(0), 1);
  assert.deepEqual(drv.usedElem(0, 0), { id: 0, len: 32 });
  assert.deepEqual([...guest.read(buf, 32)], new Array(32).fill(0xab));
  assert.equal(drv.r(MMIO.InterruptStatus), 1);
  assert.equal(drv.irqLevel, true);
  drv.ack();
  assert.equal(drv.irqLevel, false);
  drv.submit(0, [{ addr: buf, len: 8, flags: DESC_WRITE }]);
  assert.equal(drv.irqLevel, true);
  drv.w(MMIO.Status, 0);
  assert.equal(drv.irqLevel, false, "reset clears InterruptStatus");
  assert.equal(drv.r(MMIO.InterruptStatus), 0);
  assert.equal(drv.r(MMIO.QueueReady), 0);
  assert.equal(drv.r(MMIO.QueueNum), 0);
  assert.equal(drv.transport.features, 0n);
  // And the device comes back up.
  drv.start();
  drv.submit(0, [{ addr: buf, len: 4, flags: DESC_WRITE }]);
  assert.equal(drv.usedIdx(0), 1);
});

test("virtio-mmio: DEVICE_NEEDS_RESET sets 0x40 and raises a config-change interrupt", () => {
  const { drv } = rng();
  drv.start();
  drv.submit(0, [{ addr: 0x1000_1000, len: 16, flags: DESC_WRITE }]);
  assert.ok(drv.needsReset);
  assert.equal(drv.r(MMIO.InterruptStatus), 2);
  assert.equal(drv.irqLevel, true);
  assert.match(drv.transport.state.error, /outside RAM/);
  // The queue stays stopped until the reset.
  drv.kick(0);
  assert.equal(drv.usedIdx(0), 0);
});

test("virtio-mmio: config space reads are byte-accurate; out of range reads 0; writes ignored", () => {
  const guest = new FakeGuest();
  const size = 0x1234_5678_9a00; // bytes: capacity = size / 512 = 0x91a2b3c4d
  const none = async () => {};
  const backend: BlockBackend = {
    size,
    readOnly: false,
    id: "x",
    read: async (_o, n) => new Uint8Array(n),
    write: none,
    flush: none,
    discard: none,
    writeZeroes: none,
    close: none,
  };
  const drv = new TestDriver(guest, new VirtioBlk(backend));
  const cap = size / 512;
  assert.equal(drv.r(0x100, 4), cap % 2 ** 32);
  assert.equal(drv.r(0x104, 4), Math.floor(cap / 2 ** 32));
  assert.equal(drv.r(0x100, 1), cap & 0xff);
  assert.equal(drv.r(0x101, 1), (cap >>> 8) & 0xff);
  assert.equal(drv.r(0x102, 2), (cap >>> 16) & 0xffff);
  assert.equal(drv.r(0x100 + 20, 4), 512, "blk_size");
  assert.equal(drv.r(0x100 + 12, 4), 254, "seg_max");
  assert.equal(drv.r(0x100 + 60, 4), 0, "past the config space");
  assert.equal(drv.r(0x100 + 58, 4), 0, "straddling its end");
  assert.equal(drv.r(0xffc, 4), 0);
  assert.equal(drv.r(0x100, 3), 0, "3-byte access");
  drv.w(0x100, 0, 4);
  assert.equal(drv.r(0x100, 4), cap % 2 ** 32);
  assert.equal(drv.r(MMIO.ConfigGeneration), 0);
});
