import { test } from "node:test";
import assert from "node:assert/strict";
import { MMIO } from "../../src/virtio/mmioTransport.js";
import { VirtioRng } from "../../src/virtio/rng.js";
import { MAX_INDIRECT } from "../../src/virtio/virtqueue.js";
import {
  DESC_INDIRECT,
  DESC_NEXT,
  DESC_WRITE,
  F_INDIRECT,
  F_VERSION_1,
  FakeGuest,
  RAM_BASE,
  RAM_SIZE,
  TestDriver,
  type Desc,
} from "./virtioHarness.js";

const QSIZE = 8;

function rng(features?: bigint) {
  const guest = new FakeGuest();
  const drv = new TestDriver(guest, new VirtioRng((b) => b.fill(0xee)));
  drv.start(features, QSIZE);
  return { guest, drv };
}

/** Runs a chain, expecting NEEDS_RESET, no used entry and no RAM changed but the avail_event. */
function expectReset(what: string, build: (drv: TestDriver, guest: FakeGuest) => number, features?: bigint) {
  const { drv, guest } = rng(features);
  const head = build(drv, guest);
  drv.publish(0, head);
  const before = guest.bytes.slice();
  drv.kick(0);
  assert.ok(drv.needsReset, `${what}: NEEDS_RESET`);
  assert.equal(drv.usedIdx(0), 0, `${what}: nothing used`);
  const l = drv.layout(0);
  for (let i = 0; i < RAM_SIZE; i++) {
    const a = RAM_BASE + i;
    if (before[i] !== guest.bytes[i] && !(a >= l.used + 4 + 8 * QSIZE && a < l.used + 6 + 8 * QSIZE)) {
      assert.fail(`${what}: RAM changed at ${a.toString(16)}`);
    }
  }
  assert.equal(drv.r(MMIO.InterruptStatus) & 2, 2, `${what}: config-change interrupt`);
}

test("virtqueue: a chain of readable then writable buffers; only the writable ones are filled", () => {
  const { drv, guest } = rng();
  const a = guest.alloc(8, new Uint8Array(8).fill(1));
  const b = guest.alloc(100);
  const c = guest.alloc(28);
  drv.submit(0, [
    { addr: a, len: 8 },
    { addr: b, len: 100, flags: DESC_WRITE },
    { addr: c, len: 28, flags: DESC_WRITE },
  ]);
  assert.equal(drv.usedIdx(0), 1);
  assert.deepEqual(drv.usedElem(0, 0), { id: 0, len: 128 });
  assert.deepEqual([...guest.read(a, 8)], new Array(8).fill(1));
  assert.ok(guest.read(b, 100).every((x) => x === 0xee));
  assert.ok(guest.read(c, 28).every((x) => x === 0xee));
});

test("virtqueue: many requests wrap the 16-bit indices and the rings", () => {
  const { drv, guest } = rng();
  const buf = guest.alloc(4);
  for (let i = 0; i < 70000; i += 1) {
    drv.submit(0, [{ addr: buf, len: 4, flags: DESC_WRITE }]);
    if (i % 1000 === 0) {
      drv.ack();
      drv.transport.poll(); // a run-loop turn: the allowance of host work is renewed
    }
  }
  assert.equal(drv.usedIdx(0), 70000 & 0xffff);
  assert.equal(drv.needsReset, false);
});

test("virtqueue: buffers outside RAM, at MMIO, wrapping 2^64 or oversized mark NEEDS_RESET", () => {
  const cases: [string, Desc][] = [
    ["past the end of RAM", { addr: RAM_BASE + RAM_SIZE, len: 16, flags: DESC_WRITE }],
    ["straddling the end of RAM", { addr: RAM_BASE + RAM_SIZE - 8, len: 16, flags: DESC_WRITE }],
    ["below RAM", { addr: 0x1000, len: 16 }],
    ["at a virtio MMIO window", { addr: 0x1000_1000, len: 4, flags: DESC_WRITE }],
    ["at the PLIC", { addr: 0x0c00_0000, len: 4 }],
    ["wrapping around 2^64", { addr: 0xffff_ffff_ffff_f000n, len: 0x2000, flags: DESC_WRITE }],
    ["just below 2^64", { addr: 0xffff_ffff_ffff_fff0n, len: 16 }],
    ["above 2^53", { addr: 2n ** 53n + BigInt(RAM_BASE), len: 16, flags: DESC_WRITE }],
    ["oversized (4 GiB - 1)", { addr: RAM_BASE + 0x40000, len: 0xffffffff, flags: DESC_WRITE }],
    ["over the descriptor table", { addr: RAM_BASE, len: 16, flags: DESC_WRITE }],
    ["over the used ring", { addr: RAM_BASE + 0x2000 + 8, len: 4, flags: DESC_WRITE }],
  ];
  for (const [what, d] of cases) expectReset(what, (drv) => drv.chain(0, [d]));
});

test("virtqueue: loops, chains longer than the queue and next past the table mark NEEDS_RESET", () => {
  expectReset("a two-descriptor loop", (drv, guest) => {
    const b = guest.alloc(16);
    drv.writeDesc(drv.layout(0).desc, 0, { addr: b, len: 16, flags: DESC_NEXT | DESC_WRITE, next: 1 });
    drv.writeDesc(drv.layout(0).desc, 1, { addr: b, len: 16, flags: DESC_NEXT | DESC_WRITE, next: 0 });
    return 0;
  });
  expectReset("a descriptor pointing at itself", (drv, guest) => {
    drv.writeDesc(drv.layout(0).desc, 3, { addr: guest.alloc(1), len: 1, flags: DESC_NEXT, next: 3 });
    return 3;
  });
  expectReset("next past the table", (drv, guest) => {
    drv.writeDesc(drv.layout(0).desc, 0, { addr: guest.alloc(1), len: 1, flags: DESC_NEXT, next: QSIZE });
    return 0;
  });
  expectReset("a head past the table", () => QSIZE + 3);
  expectReset("a loop inside an indirect table", (drv, guest) => {
    const t = drv.indirectTable(0, [{ addr: guest.alloc(8), len: 8 }]);
    drv.writeDesc(t, 0, { addr: guest.alloc(8), len: 8, flags: DESC_NEXT, next: 0 });
    return drv.chain(0, [{ addr: t, len: 16, flags: DESC_INDIRECT }]);
  });
  expectReset("next past an indirect table", (drv, guest) => {
    const t = drv.indirectTable(0, [{ addr: guest.alloc(8), len: 8 }]);
    drv.writeDesc(t, 0, { addr: guest.alloc(8), len: 8, flags: DESC_NEXT, next: 1 });
    return drv.chain(0, [{ addr: t, len: 16, flags: DESC_INDIRECT }]);
  });
});

test("virtqueue: indirect tables are checked", () => {
  const buf = (guest: FakeGuest) => ({ addr: guest.alloc(16), len: 16, flags: DESC_WRITE });
  expectReset("indirect inside indirect", (drv, guest) => {
    const inner = drv.indirectTable(0, [buf(guest)]);
    const outer = drv.indirectTable(0, [{ addr: inner, len: 16, flags: DESC_INDIRECT }]);
    return drv.chain(0, [{ addr: outer, len: 16, flags: DESC_INDIRECT }]);
  });
  for (const len of [0, 8, 17, 16 * (MAX_INDIRECT + 1), 0xfffffff0]) {
    expectReset(`an indirect table of ${len} bytes`, (drv, guest) => {
      const t = drv.indirectTable(0, [buf(guest)]);
      return drv.chain(0, [{ addr: t, len, flags: DESC_INDIRECT }]);
    });
  }
  expectReset("an indirect table outside RAM", (drv) =>
    drv.chain(0, [{ addr: 0x1000_2000, len: 16, flags: DESC_INDIRECT }]),
  );
  expectReset("indirect with NEXT", (drv, guest) => {
    const t = drv.indirectTable(0, [buf(guest)]);
    drv.writeDesc(drv.layout(0).desc, 0, { addr: t, len: 16, flags: DESC_INDIRECT | DESC_NEXT, next: 1 });
    drv.writeDesc(drv.layout(0).desc, 1, buf(guest));
    return 0;
  });
  expectReset(
    "indirect without VIRTIO_F_INDIRECT_DESC",
    (drv, guest) => drv.chain(0, [{ addr: drv.indirectTable(0, [buf(guest)]), len: 16, flags: DESC_INDIRECT }]),
    F_VERSION_1,
  );
});

test("virtqueue: a readable descriptor after a writable one marks NEEDS_RESET", () => {
  expectReset("write then read", (drv, guest) =>
    drv.chain(0, [
      { addr: guest.alloc(8), len: 8, flags: DESC_WRITE },
      { addr: guest.alloc(8), len: 8 },
    ]),
  );
  expectReset("write then read, in an indirect table", (drv, guest) => {
    const t = drv.indirectTable(0, [
      { addr: guest.alloc(8), len: 8, flags: DESC_WRITE },
      { addr: guest.alloc(8), len: 8 },
    ]);
    return drv.chain(0, [{ addr: t, len: 32, flags: DESC_INDIRECT }]);
  });
});

test("virtqueue: avail.idx more than a queue size ahead marks NEEDS_RESET", () => {
  expectReset("runaway avail.idx", (drv, guest) => {
    const head = drv.chain(0, [{ addr: guest.alloc(8), len: 8, flags: DESC_WRITE }]);
    drv.publish(0, head, QSIZE); // together with the publish in expectReset: QSIZE + 1 ahead
    return head;
  });
  // Exactly a queue size ahead is fine.
  const { drv, guest } = rng();
  const b = guest.alloc(8);
  for (let i = 0; i < QSIZE; i++) drv.publish(0, drv.chain(0, [{ addr: b, len: 8, flags: DESC_WRITE }]));
  drv.kick(0);
  assert.equal(drv.usedIdx(0), QSIZE);
  assert.equal(drv.needsReset, false);
});

test("virtqueue: zero-length descriptors are empty buffers (the spec does not forbid them)", () => {
  const { drv, guest } = rng();
  drv.submit(0, [
    { addr: 0xdead_beef_0000n, len: 0 },
    { addr: 0x1000_1000, len: 0, flags: DESC_WRITE },
    { addr: guest.alloc(4), len: 4, flags: DESC_WRITE },
  ]);
  assert.equal(drv.needsReset, false);
  assert.deepEqual(drv.usedElem(0, 0), { id: 0, len: 4 });
});

test("virtqueue: indirect chains, alone and after direct descriptors", () => {
  const { drv, guest } = rng();
  const a = guest.alloc(16);
  const b = guest.alloc(16);
  const t = drv.indirectTable(0, [
    { addr: guest.alloc(4), len: 4 },
    { addr: a, len: 16, flags: DESC_WRITE },
  ]);
  drv.submit(0, [{ addr: t, len: 32, flags: DESC_INDIRECT | DESC_WRITE }]);
  assert.deepEqual(drv.usedElem(0, 0), { id: 0, len: 16 });
  const t2 = drv.indirectTable(0, [{ addr: b, len: 16, flags: DESC_WRITE }]);
  const head = drv.submit(0, [
    { addr: guest.alloc(4), len: 4 },
    { addr: t2, len: 16, flags: DESC_INDIRECT },
  ]);
  assert.deepEqual(drv.usedElem(0, 1), { id: head, len: 16 });
  assert.ok(guest.read(b, 16).every((x) => x === 0xee));
  assert.equal(drv.needsReset, false);
});

test("virtqueue: EVENT_IDX — used_event decides interrupts, avail_event is published", () => {
  const { drv, guest } = rng();
  const l = drv.layout(0);
  const b = guest.alloc(4);
  const usedEvent = (v: number) => guest.w16(l.avail + 4 + 2 * QSIZE, v);
  const availEvent = () => guest.r16(l.used + 4 + 8 * QSIZE);
  drv.submit(0, [{ addr: b, len: 4, flags: DESC_WRITE }]);
  assert.equal(drv.irqRaises, 1, "the first used buffer always interrupts");
  assert.equal(availEvent(), 1);
  drv.ack();
  usedEvent(2); // interrupt when used.idx passes 2, i.e. reaches 3
  drv.submit(0, [{ addr: b, len: 4, flags: DESC_WRITE }]);
  assert.equal(drv.irqRaises, 1, "used.idx 2: no interrupt");
  drv.submit(0, [{ addr: b, len: 4, flags: DESC_WRITE }]);
  assert.equal(drv.irqRaises, 2, "used.idx 3: interrupt");
  assert.equal(availEvent(), 3);
});

test("virtqueue: VIRTQ_AVAIL_F_NO_INTERRUPT without EVENT_IDX", () => {
  const { drv, guest } = rng(F_VERSION_1 | F_INDIRECT);
  const l = drv.layout(0);
  const b = guest.alloc(4);
  guest.w16(l.avail, 1);
  drv.submit(0, [{ addr: b, len: 4, flags: DESC_WRITE }]);
  assert.equal(drv.irqRaises, 0);
  assert.equal(drv.usedIdx(0), 1);
  guest.w16(l.avail, 0);
  drv.submit(0, [{ addr: b, len: 4, flags: DESC_WRITE }]);
  assert.equal(drv.irqRaises, 1);
  assert.equal(guest.r16(l.used + 4 + 8 * QSIZE), 0, "no avail_event without EVENT_IDX");
});
