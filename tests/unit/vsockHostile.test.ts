// virtio-vsock against a hostile guest: every bad packet is counted and answered with RST
// (never to an RST, and not to a header too short to name anyone), the connection it names
// ends, nothing throws, and the connection table stays bounded.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { HostStream, StreamSink, VsockBackend } from "../../src/virtio/vsock/backend.js";
import { VirtioVsock } from "../../src/virtio/vsock/device.js";
import * as P from "../../src/virtio/vsock/protocol.js";
import { GUEST_CID, VsockGuest } from "./vsockGuest.js";

/** Host streams in memory: connects succeed at once (or are held, with `hold`). */
class MemoryBackend implements VsockBackend {
  readonly streams: { port: number; written: number; destroyed: boolean; sink: StreamSink | null }[] = [];
  readonly held: ((s: HostStream | null) => void)[] = [];
  constructor(private readonly hold = false) {}
  connect(port: number, done: (stream: HostStream | null) => void): void {
    if (this.hold) {
      this.held.push(done);
      return;
    }
    const rec = { port, written: 0, destroyed: false, sink: null as StreamSink | null };
    this.streams.push(rec);
    done({
      start: (sink) => (rec.sink = sink),
      write: (b, cb) => {
        rec.written += b.length;
        cb();
      },
      end: () => {},
      pause: () => {},
      resume: () => {},
      destroy: () => (rec.destroyed = true),
    });
  }
  listen(): void {}
  async close(): Promise<void> {}
}

function connected(bufAlloc?: number) {
  const backend = new MemoryBackend();
  const device = new VirtioVsock(GUEST_CID, backend, { bufAlloc });
  const g = new VsockGuest(device);
  g.send({ op: P.OP_REQUEST, srcPort: 1000, dstPort: 5000 });
  assert.deepEqual(
    g.packetsOf(1000, 5000).map((p) => p.op),
    [P.OP_RESPONSE],
  );
  return { backend, device, g };
}

const lastOp = (g: VsockGuest) => g.poll().at(-1)?.op ?? g.received.at(-1)?.op;

test("a header shorter than 44 bytes: counted, dropped, no reply", () => {
  const { device, g } = connected();
  const before = g.received.length;
  g.send({}, undefined, new Uint8Array(20));
  g.poll();
  assert.equal(g.received.length, before);
  assert.equal(device.state.counters.shortHeader, 1);
  assert.equal(device.connectionCount, 1);
});

for (const [name, h, counter] of [
  ["len past the buffer", { len: 5000 }, "badLength"],
  ["type other than STREAM", { type: 2 }, "badType"],
  ["unknown op", { op: 99 }, "badOp"],
  ["op 0", { op: 0 }, "badOp"],
  ["source CID not the guest's", { srcCid: 7n }, "badCid"],
  ["source CID past 32 bits", { srcCid: (1n << 40n) + 3n }, "badCid"],
  ["destination CID not the host", { dstCid: 5n }, "badCid"],
  ["REQUEST on an open connection", { op: P.OP_REQUEST }, "badState"],
  ["RESPONSE from the guest to its own connection", { op: P.OP_RESPONSE }, "badState"],
] as const) {
  test(`${name}: RST, counted, the connection ends`, () => {
    const { backend, device, g } = connected();
    g.send({ srcPort: 1000, dstPort: 5000, ...h }, new Uint8Array(16));
    assert.equal(lastOp(g), P.OP_RST);
    const rst = g.received.at(-1)!;
    assert.equal(rst.dstCid, BigInt(GUEST_CID));
    assert.equal(rst.dstPort, 1000);
    assert.equal(device.state.counters[counter], 1);
    if ((h as { dstCid?: bigint }).dstCid === undefined) {
      assert.equal(device.connectionCount, 0);
      assert.equal(backend.streams[0].destroyed, true);
    }
  });
}

test("credit overrun: more than our buf_alloc unconsumed → RST", () => {
  const backend = new MemoryBackend();
  const device = new VirtioVsock(GUEST_CID, backend, { bufAlloc: 4096 });
  const g = new VsockGuest(device);
  // a host stream that never takes the bytes: credit never comes back
  backend.connect = (_port, done) =>
    done({
      start: () => {},
      write: () => {},
      end: () => {},
      pause: () => {},
      resume: () => {},
      destroy: () => {},
    });
  g.send({ op: P.OP_REQUEST, srcPort: 1, dstPort: 2 });
  g.send({ srcPort: 1, dstPort: 2 }, new Uint8Array(3000));
  assert.equal(device.state.counters.creditOverrun, 0);
  g.send({ srcPort: 1, dstPort: 2 }, new Uint8Array(1097));
  assert.equal(lastOp(g), P.OP_RST);
  assert.equal(device.state.counters.creditOverrun, 1);
  assert.equal(device.connectionCount, 0);
});

test("packets for no connection get RST; RST for none gets nothing; RW after SHUTDOWN(SEND) gets RST", () => {
  const { device, g } = connected();
  g.send({ op: P.OP_RW, srcPort: 1, dstPort: 2 }, new Uint8Array(8));
  assert.equal(lastOp(g), P.OP_RST);
  const n = g.received.length;
  g.send({ op: P.OP_RST, srcPort: 1, dstPort: 2 });
  g.send({ op: P.OP_RST, srcPort: 1, dstPort: 2, type: 9 });
  g.poll();
  assert.equal(g.received.length, n, "never an RST for an RST");
  g.send({ op: P.OP_SHUTDOWN, flags: P.SHUTDOWN_SEND, srcPort: 1000, dstPort: 5000 });
  g.send({ op: P.OP_RW, srcPort: 1000, dstPort: 5000 }, new Uint8Array(8));
  assert.equal(lastOp(g), P.OP_RST);
  assert.equal(device.connectionCount, 0);
  assert.equal(device.state.counters.badState, 2);
});

test("the connection table is bounded: REQUESTs past the limit get RST", () => {
  const backend = new MemoryBackend(true);
  const device = new VirtioVsock(GUEST_CID, backend, { maxConnections: 4 });
  const g = new VsockGuest(device);
  for (let p = 0; p < 10; p++) g.send({ op: P.OP_REQUEST, srcPort: 100 + p, dstPort: 5000 });
  assert.equal(device.connectionCount, 4);
  assert.equal(device.state.counters.tooManyConnections, 6);
  assert.equal(g.poll().filter((p) => p.op === P.OP_RST).length, 6);
  // The held connects complete after the guest gave up on one of them (RST): that stream is closed.
  g.send({ op: P.OP_RST, srcPort: 100, dstPort: 5000 });
  let destroyed = 0;
  for (const done of backend.held)
    done({
      start: () => {},
      write: () => {},
      end: () => {},
      pause: () => {},
      resume: () => {},
      destroy: () => destroyed++,
    });
  assert.equal(destroyed, 1);
  assert.equal(device.connectionCount, 3);
});

test("without rx buffers, owed resets pile up only so far: tx processing waits, then goes on", () => {
  const device = new VirtioVsock(GUEST_CID, new MemoryBackend());
  const g = new VsockGuest(device, 0);
  const rx = Array.from({ length: 16 }, () => g.guest.alloc(100)); // before the tx data, which stays
  for (let i = 0; i < 256; i++) g.send({ op: 99, srcPort: i, dstPort: 1 });
  assert.equal(g.drv.usedIdx(1), 256);
  for (let i = 0; i < 3; i++) g.send({ op: 99, srcPort: 1000 + i, dstPort: 1 });
  assert.equal(g.drv.usedIdx(1), 256, "the queue of resets is full: tx waits");
  assert.equal(device.state.counters.badOp, 256);
  for (const a of rx) g.postRx(a);
  assert.equal(g.drv.usedIdx(1), 259, "the guest took resets: tx goes on");
  assert.ok(g.poll().every((p) => p.op === P.OP_RST));
  assert.equal(device.state.counters.badOp, 259);
  assert.equal(g.drv.needsReset, false);
});

test("device reset drops every connection and closes its host stream", () => {
  const { backend, device, g } = connected();
  g.drv.w(0x070, 0); // Status = 0
  assert.equal(device.connectionCount, 0);
  assert.equal(backend.streams[0].destroyed, true);
});
