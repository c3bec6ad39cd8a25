// Hostile encodings and hostile timing: truncated messages, lengths past the end, huge counts,
// bad fids, answers that do not fit, msize extremes, completions after a reset.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_MSIZE } from "../../src/virtio/9p/device.js";
import type { FsBackend, FsFile } from "../../src/virtio/9p/fsBackend.js";
import { MMIO } from "../../src/virtio/mmioTransport.js";
import { Enc, errnoOf } from "./p9Client.js";
import { makeShare, O_DIRECTORY, O_RDONLY, O_RDWR } from "./p9Fixture.js";

const EBADF = 9;
const EINVAL = 22;
const EMSGSIZE = 90;
const EFBIG = 27;
const EMFILE = 24;
const msg = (size: number, type: number, tag: number, body: Uint8Array) =>
  new Enc().u32(size).u8(type).u16(tag).bytes(body).done();

test("virtio-9p hostile: truncated headers and sizes that lie", async (t) => {
  const { c } = makeShare(t);
  await c.mount();
  const short = await c.raw([Uint8Array.of(1, 2, 3)], [64]);
  assert.ok(short);
  assert.deepEqual([short.type, short.tag, short.body.u32(), short.usedLen], [7, 0xffff, EINVAL, 11]);
  const body = new Enc().u32(0).u64(0).done(); // Tgetattr fid 0
  for (const size of [0, 6, 7 + body.length + 1, 0xffffffff]) {
    const r = await c.raw([msg(size, 24, 9, body)], [256]);
    assert.equal(r?.type, 7, `size ${size}`);
    assert.equal(r.body.u32(), EINVAL);
    assert.equal(r.tag, 9);
  }
  // A size shorter than the fields: the fields are cut, so the message is truncated.
  const cut = await c.raw([msg(7 + 6, 24, 3, body)], [256]);
  assert.equal(cut?.body.u32(), EINVAL);
  // Larger than msize (8192): EMSGSIZE.
  const big = new Enc().u32(0).u64(0).u32(9000).bytes(new Uint8Array(9000)).done();
  assert.equal((await c.raw([msg(7 + big.length, 118, 4, big)], [64]))?.body.u32(), EMSGSIZE);
  // Trailing bytes after the fields are ignored.
  const extra = await c.raw([msg(7 + body.length + 5, 24, 5, new Enc().bytes(body).u32(0).u8(0).done())], [256]);
  assert.equal(extra?.type, 25);
});

test("virtio-9p hostile: strings and counts past the end of the message", async (t) => {
  const { c } = makeShare(t);
  await c.mount();
  const abc = new TextEncoder().encode("abc");
  assert.equal(await errnoOf(c.call(110, new Enc().u32(0).u32(1).u16(1).u16(1000).bytes(abc).done())), EINVAL);
  assert.equal(await errnoOf(c.call(110, new Enc().u32(0).u32(1).u16(17).done())), EINVAL, "17 names");
  assert.equal(await errnoOf(c.call(110, new Enc().u32(0).u32(1).u16(0xffff).done())), EINVAL);
  assert.equal(await errnoOf(c.call(110, new Enc().u32(0).u32(1).u16(3).str("sub").done())), EINVAL, "names missing");
  assert.equal(await errnoOf(c.call(72, new Enc().u32(0).u16(0xffff).done())), EINVAL, "mkdir name past the end");
  const badUtf8 = new Enc().u32(0).u32(1).u16(1).u16(2).u8(0xc3).u8(0x28).done();
  assert.equal(await errnoOf(c.call(110, badUtf8)), EINVAL, "invalid UTF-8");
  await c.walk(0, 1, ["hello.txt"]);
  await c.lopen(1, O_RDWR);
  const w = (count: number, data: number) =>
    c.call(118, new Enc().u32(1).u64(0).u32(count).bytes(new Uint8Array(data)).done());
  assert.equal(await errnoOf(w(100, 10)), EINVAL, "Twrite count past the data");
  assert.equal(await errnoOf(w(0xffffffff, 10)), EINVAL);
  assert.equal((await w(0, 0)).u32(), 0);
  for (const type of [24, 12, 116, 40, 26, 52, 54, 76, 74]) {
    assert.equal(await errnoOf(c.call(type, new Enc().u32(1).done())), EINVAL, `type ${type} cut short`);
  }
});

test("virtio-9p hostile: huge counts shrink to the writable space; split buffers", async (t) => {
  const { c, dir } = makeShare(t);
  await c.mount();
  await c.walk(0, 1, ["hello.txt"]);
  await c.lopen(1, O_RDONLY);
  const r = await c.read(1, 0, 0xffffffff, { inLen: 18 });
  assert.equal(new TextDecoder().decode(r), "hello, "); // 18 - 11 bytes
  // The answer split into 3-byte writable buffers, the request into 1-byte readable ones.
  const body = new Enc().u32(1).u64(0).u32(100).done();
  const split = await c.send(116, body, { inLens: Array(10).fill(3), splitOut: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] });
  assert.equal(split.type, 117);
  assert.equal(new TextDecoder().decode(split.body.bytes(split.body.u32())), "hello, world\n".slice(0, 19));
  assert.equal(readFileSync(join(dir, "hello.txt"), "utf8"), "hello, world\n");
  // Treaddir: a huge count in a small answer gives the entries that fit.
  await c.walk(0, 2, []);
  await c.lopen(2, O_RDONLY | O_DIRECTORY);
  const rd = await c.send(40, new Enc().u32(2).u64(0).u32(0xffffffff).done(), { inLen: 60 });
  assert.equal(rd.type, 41);
  const n = rd.body.u32();
  assert.ok(n > 0 && n <= 60 - 11);
});

test("virtio-9p hostile: answers that do not fit are Rlerror EMSGSIZE, and make no fid", async (t) => {
  const { c } = makeShare(t);
  await c.mount();
  const r = await c.send(24, new Enc().u32(0).u64(0x7ff).done(), { inLen: 20 });
  assert.deepEqual([r.type, r.body.u32(), r.usedLen], [7, EMSGSIZE, 11]);
  const names = new Enc().u32(0).u32(7).u16(2).str("sub").str("inner.txt").done();
  const walk = await c.send(110, names, { inLen: 20 });
  assert.equal(walk.body.u32(), EMSGSIZE);
  assert.equal(await errnoOf(c.getattr(7)), EBADF);
  assert.equal(c.device.fidCount, 1);
});

test("virtio-9p hostile: no room for an answer marks NEEDS_RESET", async (t) => {
  for (const inLens of [[], [10], [5, 5]]) {
    const { c } = makeShare(t);
    await c.mount();
    const r = await c.raw([msg(11, 120, 1, new Enc().u32(0).done())], inLens);
    assert.equal(r, null, `${inLens}`);
    assert.ok(c.drv.needsReset);
    assert.equal(c.device.fidCount, 1, "the request did not run");
  }
});

test("virtio-9p hostile: unknown fids, fids in use, and the fid limit", async (t) => {
  const { c } = makeShare(t, { maxFids: 4 });
  await c.mount();
  for (const fid of [1, 12345, 0xffffffff]) {
    assert.equal(await errnoOf(c.getattr(fid)), EBADF);
    assert.equal(await errnoOf(c.lopen(fid, O_RDONLY)), EBADF);
    assert.equal(await errnoOf(c.read(fid, 0, 10)), EBADF);
    assert.equal(await errnoOf(c.write(fid, 0, new Uint8Array(1))), EBADF);
    assert.equal(await errnoOf(c.clunk(fid)), EBADF);
    assert.equal(await errnoOf(c.walk(fid, 50, [])), EBADF);
    assert.equal(await errnoOf(c.mkdir(fid, "x")), EBADF);
    assert.equal(await errnoOf(c.renameat(0, "hello.txt", fid, "x")), EBADF);
    assert.equal(await errnoOf(c.statfs(fid)), EBADF);
  }
  assert.equal(await errnoOf(c.attach(0)), EINVAL, "attach onto a fid in use");
  await c.walk(0, 1, []);
  await c.walk(0, 2, []);
  await c.walk(0, 3, []);
  assert.equal(await errnoOf(c.walk(0, 4, [])), EMFILE);
  assert.equal(await errnoOf(c.attach(9)), EMFILE);
  await c.clunk(3);
  await c.walk(0, 4, ["sub"]);
});

test("virtio-9p hostile: offsets and sizes past 2^53", async (t) => {
  const { c } = makeShare(t);
  await c.mount();
  await c.walk(0, 1, ["hello.txt"]);
  await c.lopen(1, O_RDWR);
  assert.equal((await c.read(1, 1n << 63n, 10)).length, 0);
  assert.equal((await c.read(1, 0xffff_ffff_ffff_ffffn, 10)).length, 0);
  assert.equal(await errnoOf(c.write(1, 1n << 60n, new Uint8Array(1))), EFBIG);
  assert.equal(await errnoOf(c.setattr(1, { valid: 0x8, size: 1n << 60n })), EFBIG);
  assert.equal(await errnoOf(c.readdir(1, 0xffff_ffff_ffff_ffffn, 100)), 20);
});

/** A backend whose chosen methods wait until released, one call at a time, in any order. */
function gated(methods: string[]) {
  const gates: (() => void)[] = [];
  const closed: FsFile[] = [];
  const wrap = (b: FsBackend): FsBackend =>
    new Proxy(b, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== "function") return v;
        return async (...args: unknown[]) => {
          if (methods.includes(String(prop))) await new Promise<void>((r) => gates.push(r));
          const out = await v.apply(target, args);
          if (prop === "open") {
            const f = out as FsFile;
            const close = f.close.bind(f);
            f.close = () => (closed.push(f), close());
          }
          return out;
        };
      },
    });
  return { wrap, gates, closed };
}

const tick = () => new Promise((r) => setImmediate(r));
/** Waits (boundedly) until `cond` holds: host I/O takes a few turns of the event loop. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(cond(), "condition reached");
}

test("virtio-9p hostile: requests complete out of order; completions after a reset are dropped", async (t) => {
  const g = gated(["lstat", "open"]);
  const { c, device } = makeShare(t, { wrap: g.wrap });
  const mount = c.mount();
  while (g.gates.length === 0) await tick();
  g.gates.shift()!();
  await mount;
  const before = c.drv.usedIdx(0);
  const a = c.post(110, new Enc().u32(0).u32(1).u16(1).str("sub").done());
  const b = c.post(110, new Enc().u32(0).u32(2).u16(1).str("hello.txt").done());
  await until(() => g.gates.length === 2);
  g.gates[1]();
  await until(() => c.drv.usedIdx(0) !== before);
  assert.equal(c.drv.usedElem(0, before).id, b.head, "the second finished first");
  g.gates[0]();
  await device.idle();
  assert.equal(c.drv.usedElem(0, before + 1).id, a.head);
  g.gates.length = 0;

  // A walk and an open in flight across a reset: nothing lands in RAM, the fid table or open files.
  const o = c.post(12, new Enc().u32(2).u32(0).done());
  const w = c.post(110, new Enc().u32(0).u32(3).u16(1).str("sub").done());
  const mark = c.guest.bytes.slice();
  await until(() => g.gates.length === 2);
  c.drv.w(MMIO.Status, 0);
  c.drv.start(undefined, 64);
  for (const gate of g.gates) gate();
  await device.idle();
  await until(() => g.closed.length === 1);
  assert.equal(c.drv.usedIdx(0), 0, "nothing pushed into the new rings");
  assert.deepEqual(c.guest.read(o.ins[0], 64), mark.subarray(o.ins[0] - 0x8000_0000, o.ins[0] - 0x8000_0000 + 64));
  assert.deepEqual(c.guest.read(w.ins[0], 64), mark.subarray(w.ins[0] - 0x8000_0000, w.ins[0] - 0x8000_0000 + 64));
  assert.equal(device.fidCount, 0);
  assert.equal(g.closed.length, 1, "the file opened too late was closed");
});

test("virtio-9p hostile: Tflush answers at once; the flushed request still completes", async (t) => {
  const g = gated(["readdir"]);
  const { c, device } = makeShare(t, { wrap: g.wrap });
  await c.mount();
  await c.walk(0, 1, []);
  await c.lopen(1, O_RDONLY | O_DIRECTORY);
  const before = c.drv.usedIdx(0);
  const rd = c.post(40, new Enc().u32(1).u64(0).u32(1000).done());
  await until(() => g.gates.length === 1);
  const fl = c.post(108, new Enc().u16(1).done());
  await until(() => c.drv.usedIdx(0) !== before);
  assert.equal(c.drv.usedElem(0, before).id, fl.head);
  g.gates[0]();
  await device.idle();
  assert.equal(c.drv.usedElem(0, before + 1).id, rd.head);
});

test("virtio-9p hostile: msize extremes", async (t) => {
  const { c } = makeShare(t);
  assert.equal(await errnoOf(c.version(0)), EINVAL);
  assert.equal(await errnoOf(c.version(11)), EINVAL);
  assert.equal((await c.version(0xffffffff)).msize, MAX_MSIZE);
  await c.attach(0);
  // With a large msize, reads are still bounded by the writable bytes offered.
  await c.walk(0, 1, ["hello.txt"]);
  await c.lopen(1, O_RDONLY);
  assert.equal((await c.read(1, 0, 0xffffffff, { inLen: 16 })).length, 5);
});
