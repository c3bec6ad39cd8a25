import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtioBlk } from "../../src/virtio/blk/device.js";
import { MemoryBackend } from "../../src/virtio/blk/memoryBackend.js";
import * as P from "../../src/virtio/blk/protocol.js";
import { MMIO } from "../../src/virtio/mmioTransport.js";
import { DESC_WRITE, F_VERSION_1, FakeGuest, TestDriver, type Desc } from "./virtioHarness.js";

const DISK_SECTORS = 64;
const { VIRTIO_BLK_S_OK: OK, VIRTIO_BLK_S_IOERR: IOERR, VIRTIO_BLK_S_UNSUPP: UNSUPP } = P;

function make(options: { readOnly?: boolean; features?: bigint; backend?: MemoryBackend; id?: string } = {}) {
  const guest = new FakeGuest();
  const disk = new Uint8Array(DISK_SECTORS * 512);
  for (let i = 0; i < disk.length; i++) disk[i] = (i * 7 + (i >> 9)) & 0xff;
  const backend =
    options.backend ??
    new MemoryBackend(disk, { readOnly: options.readOnly, id: options.id ?? "paravm-test-disk-serial" });
  const device = new VirtioBlk(backend);
  const drv = new TestDriver(guest, device);
  drv.start(options.features);
  return { guest, drv, device, backend };
}

interface Req {
  type: number;
  sector?: bigint;
  /** Data after the header (readable). */
  out?: Uint8Array[];
  /** Writable data areas before the status byte. */
  inLens?: number[];
  /** Leave the status byte out. */
  noStatus?: boolean;
  /** Header length (16 normally). */
  headerLen?: number;
}

async function run(t: ReturnType<typeof make>, r: Req) {
  const { guest, drv, device } = t;
  const hdr = guest.alloc(16);
  guest.w32(hdr, r.type);
  guest.w64(hdr + 8, r.sector ?? 0n);
  const descs: Desc[] = [{ addr: hdr, len: r.headerLen ?? 16 }];
  for (const o of r.out ?? []) descs.push({ addr: guest.alloc(o.length, o), len: o.length });
  const ins = (r.inLens ?? []).map((n) => guest.alloc(n));
  ins.forEach((addr, k) => descs.push({ addr, len: r.inLens![k], flags: DESC_WRITE }));
  const st = guest.alloc(1);
  guest.w8(st, 0xff);
  if (!r.noStatus) descs.push({ addr: st, len: 1, flags: DESC_WRITE });
  const before = drv.usedIdx(0);
  const head = drv.submit(0, descs);
  await device.idle();
  const used = drv.usedIdx(0) === before ? null : drv.usedElem(0, before);
  if (used) assert.equal(used.id, head);
  const data = ins.map((a, k) => guest.read(a, r.inLens![k]));
  return { status: guest.r8(st), used, data };
}

const seg = (sector: bigint, count: number, flags = 0) => {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, sector, true);
  v.setUint32(8, count, true);
  v.setUint32(12, flags, true);
  return b;
};

test("virtio-blk: features, capacity and read-only bit", () => {
  const t = make();
  const f = t.drv.offered();
  for (const bit of [2, 6, 9, 13, 14, 28, 29, 32]) assert.ok(f & (1n << BigInt(bit)), `bit ${bit}`);
  assert.equal(f & (1n << 5n), 0n, "not read-only");
  assert.equal(t.drv.r(MMIO.DeviceID), 2);
  assert.equal(t.drv.r(0x100), DISK_SECTORS);
  assert.ok(make({ readOnly: true }).drv.offered() & (1n << 5n));
});

test("virtio-blk: write then read back, data split across descriptors", async () => {
  const t = make();
  const data = new Uint8Array(1024).map((_, i) => i ^ 0x5a);
  const w = await run(t, { type: P.VIRTIO_BLK_T_OUT, sector: 3n, out: [data.subarray(0, 100), data.subarray(100)] });
  assert.equal(w.status, OK);
  assert.equal(w.used?.len, 1);
  assert.deepEqual(t.backend.bytes.subarray(3 * 512, 5 * 512), data);
  const r = await run(t, { type: P.VIRTIO_BLK_T_IN, sector: 3n, inLens: [512, 300, 212] });
  assert.equal(r.status, OK);
  assert.equal(r.used?.len, 1025);
  const back = new Uint8Array(1024);
  back.set(r.data[0], 0);
  back.set(r.data[1], 512);
  back.set(r.data[2], 812);
  assert.deepEqual(back, data);
  assert.equal(t.drv.irqLevel, true);
});

test("virtio-blk: flush, get_id, unknown types", async () => {
  const t = make();
  assert.equal((await run(t, { type: P.VIRTIO_BLK_T_FLUSH })).status, OK);
  const id = await run(t, { type: P.VIRTIO_BLK_T_GET_ID, inLens: [20] });
  assert.equal(id.status, OK);
  assert.equal(new TextDecoder().decode(id.data[0]), "paravm-test-disk-ser");
  assert.equal(id.used?.len, 21);
  const short = await run(make({ id: "ab" }), { type: P.VIRTIO_BLK_T_GET_ID, inLens: [20] });
  assert.deepEqual([...short.data[0].subarray(0, 4)], [0x61, 0x62, 0, 0], "NUL-padded");
  const small = await run(t, { type: P.VIRTIO_BLK_T_GET_ID, inLens: [5] });
  assert.equal(small.status, OK);
  assert.equal(new TextDecoder().decode(small.data[0]), "parav");
  for (const type of [10, 14, 99, 0xffffffff]) assert.equal((await run(t, { type })).status, UNSUPP, `type ${type}`);
  // Without FLUSH negotiated, a flush is unsupported.
  const noFlush = make({ features: F_VERSION_1 });
  assert.equal((await run(noFlush, { type: P.VIRTIO_BLK_T_FLUSH })).status, UNSUPP);
  assert.equal((await run(noFlush, { type: P.VIRTIO_BLK_T_DISCARD, out: [seg(0n, 1)] })).status, UNSUPP);
});

test("virtio-blk: discard and write zeroes", async () => {
  const t = make();
  const d = P.VIRTIO_BLK_T_DISCARD;
  const z = P.VIRTIO_BLK_T_WRITE_ZEROES;
  assert.equal((await run(t, { type: d, out: [seg(2n, 4)] })).status, OK);
  assert.equal((await run(t, { type: d, out: [seg(2n, 4, 1)] })).status, UNSUPP, "unmap on discard");
  assert.equal((await run(t, { type: z, out: [seg(2n, 4, 2)] })).status, UNSUPP, "unknown flag");
  assert.equal((await run(t, { type: d, out: [seg(0n, 1), seg(4n, 1)] })).status, UNSUPP, "two segments");
  assert.equal((await run(t, { type: d, out: [seg(0n, 1).subarray(0, 8)] })).status, IOERR, "half a segment");
  assert.equal((await run(t, { type: d })).status, IOERR, "no segment");
  assert.equal((await run(t, { type: d, out: [seg(60n, 5)] })).status, IOERR, "past the end");
  assert.equal(
    (await run(t, { type: z, out: [seg(0n, P.MAX_WRITE_ZEROES_SECTORS + 1)] })).status,
    IOERR,
    "too many sectors",
  );
  assert.equal((await run(t, { type: z, out: [seg(0xffff_ffff_ffff_ffffn, 1)] })).status, IOERR, "sector overflow");
  assert.ok(t.backend.bytes.subarray(512, 1024).some((x) => x !== 0));
  assert.equal((await run(t, { type: z, out: [seg(1n, 2, 1)] })).status, OK, "write zeroes may unmap");
  assert.ok(t.backend.bytes.subarray(512, 1536).every((x) => x === 0));
  assert.ok(
    t.backend.bytes.subarray(1536, 2048).some((x) => x !== 0),
    "only the segment",
  );
});

test("virtio-blk: a read-only disk refuses writes, discards and write zeroes with IOERR", async () => {
  const t = make({ readOnly: true });
  const before = t.backend.bytes.slice();
  assert.equal((await run(t, { type: P.VIRTIO_BLK_T_OUT, out: [new Uint8Array(512)] })).status, IOERR);
  assert.equal((await run(t, { type: P.VIRTIO_BLK_T_DISCARD, out: [seg(0n, 1)] })).status, IOERR);
  assert.equal((await run(t, { type: P.VIRTIO_BLK_T_WRITE_ZEROES, out: [seg(0n, 1)] })).status, IOERR);
  assert.deepEqual(t.backend.bytes, before);
  assert.equal((await run(t, { type: P.VIRTIO_BLK_T_IN, inLens: [512] })).status, OK);
  assert.equal((await run(t, { type: P.VIRTIO_BLK_T_FLUSH })).status, OK);
});

test("virtio-blk: sectors past the end, overflowing, partial sectors, short headers: IOERR", async () => {
  const t = make();
  const IN = P.VIRTIO_BLK_T_IN;
  const OUT = P.VIRTIO_BLK_T_OUT;
  const cases: [string, Req][] = [
    ["read at the capacity", { type: IN, sector: BigInt(DISK_SECTORS), inLens: [512] }],
    ["read across the end", { type: IN, sector: BigInt(DISK_SECTORS - 1), inLens: [1024] }],
    ["write across the end", { type: OUT, sector: BigInt(DISK_SECTORS - 1), out: [new Uint8Array(1024)] }],
    ["sector 2^64 - 1", { type: IN, sector: 0xffff_ffff_ffff_ffffn, inLens: [512] }],
    ["sector 2^55 (offset wraps 2^64)", { type: OUT, sector: 1n << 55n, out: [new Uint8Array(512)] }],
    ["sector 2^53 - 1", { type: IN, sector: (1n << 53n) - 1n, inLens: [512] }],
    ["partial sector read", { type: IN, inLens: [100] }],
    ["partial sector write", { type: OUT, out: [new Uint8Array(513)] }],
    ["8-byte header", { type: IN, headerLen: 8, inLens: [512] }],
  ];
  const before = t.backend.bytes.slice();
  for (const [what, r] of cases) {
    const res = await run(t, r);
    assert.equal(res.status, IOERR, what);
    assert.equal(res.used?.len, 1, what);
  }
  assert.deepEqual(t.backend.bytes, before);
  // The last sector itself is fine.
  assert.equal((await run(t, { type: IN, sector: BigInt(DISK_SECTORS - 1), inLens: [512] })).status, OK);
  assert.equal(t.drv.needsReset, false);
});

test("virtio-blk: a request without a status byte marks NEEDS_RESET", async () => {
  const t = make();
  const res = await run(t, { type: P.VIRTIO_BLK_T_OUT, out: [new Uint8Array(512)], noStatus: true });
  assert.equal(res.used, null);
  assert.ok(t.drv.needsReset);
});

test("virtio-blk: backend failures answer IOERR", async () => {
  class Broken extends MemoryBackend {
    override async read(): Promise<Uint8Array> {
      throw new Error("disk on fire");
    }
    override write(): Promise<void> {
      throw new Error("synchronous failure");
    }
  }
  const t = make({ backend: new Broken(new Uint8Array(8192)) });
  assert.equal((await run(t, { type: P.VIRTIO_BLK_T_IN, inLens: [512] })).status, IOERR);
  assert.equal((await run(t, { type: P.VIRTIO_BLK_T_OUT, out: [new Uint8Array(512)] })).status, IOERR);
});

test("virtio-blk: completions out of order, and completions after a reset are dropped", async () => {
  const gates: (() => void)[] = [];
  class Slow extends MemoryBackend {
    override async read(offset: number, length: number): Promise<Uint8Array> {
      await new Promise<void>((r) => gates.push(r));
      return super.read(offset, length);
    }
  }
  const t = make({ backend: new Slow(new Uint8Array(8192).fill(0x11)) });
  const { guest, drv, device } = t;
  const mk = () => {
    const hdr = guest.alloc(16, new Uint8Array(16)); // IN, sector 0
    const data = guest.alloc(512);
    const st = guest.alloc(1);
    guest.w8(st, 0xff);
    const head = drv.submit(0, [
      { addr: hdr, len: 16 },
      { addr: data, len: 512, flags: DESC_WRITE },
      { addr: st, len: 1, flags: DESC_WRITE },
    ]);
    return { head, data, st };
  };
  const a = mk();
  const b = mk();
  await new Promise((r) => setImmediate(r));
  assert.equal(gates.length, 2);
  gates[1]();
  await new Promise((r) => setImmediate(r));
  assert.equal(drv.usedIdx(0), 1);
  assert.equal(drv.usedElem(0, 0).id, b.head, "the second request completed first");
  gates[0]();
  await device.idle();
  assert.equal(drv.usedElem(0, 1).id, a.head);

  // Now a request in flight across a reset: its completion must not touch guest RAM.
  const c = mk();
  await new Promise((r) => setImmediate(r));
  drv.w(MMIO.Status, 0);
  drv.start();
  gates[2]();
  await device.idle();
  assert.equal(drv.usedIdx(0), 0, "nothing pushed into the new rings");
  assert.ok(
    guest.read(c.data, 512).every((x) => x === 0),
    "data buffer untouched",
  );
  assert.equal(guest.r8(c.st), 0xff, "status byte untouched");
});
