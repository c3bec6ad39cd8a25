// A tiny 9P2000.L client for the virtio-9p tests: it encodes T-messages with its own little
// encoder (not the device's), sends each as one chain through the MMIO transport of a
// TestDriver, waits for the device and decodes the answer.

import assert from "node:assert/strict";
import { VirtioP9 } from "../../src/virtio/9p/device.js";
import { FakeGuest, TestDriver } from "./virtioHarness.js";

export const NOFID = 0xffffffff;
export const QTDIR = 0x80;
export const QTSYMLINK = 0x02;
export const QTFILE = 0;

export class Enc {
  private parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u64(v: bigint | number): this {
    const b = BigInt.asUintN(64, BigInt(v));
    return this.u32(Number(b & 0xffffffffn)).u32(Number(b >> 32n));
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u16(b.length).bytes(b);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export class Dec {
  private at = 0;
  private readonly v: DataView;
  constructor(readonly b: Uint8Array) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  get remaining(): number {
    return this.b.length - this.at;
  }
  u8(): number {
    return this.v.getUint8(this.at++);
  }
  u16(): number {
    const x = this.v.getUint16(this.at, true);
    this.at += 2;
    return x;
  }
  u32(): number {
    const x = this.v.getUint32(this.at, true);
    this.at += 4;
    return x;
  }
  u64(): bigint {
    const x = this.v.getBigUint64(this.at, true);
    this.at += 8;
    return x;
  }
  bytes(n: number): Uint8Array {
    const x = this.b.slice(this.at, this.at + n);
    this.at += n;
    return x;
  }
  str(): string {
    return new TextDecoder().decode(this.bytes(this.u16()));
  }
  qid(): Qid {
    return { type: this.u8(), version: this.u32(), path: this.u64() };
  }
}

export interface Qid {
  type: number;
  version: number;
  path: bigint;
}

/** An Rlerror, thrown by the client's calls. */
export class RlError extends Error {
  constructor(readonly errno: number) {
    super(`Rlerror ${errno}`);
  }
}

/** The errno a call failed with (fails the test when it succeeded). */
export async function errnoOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RlError) return e.errno;
    throw e;
  }
  assert.fail("expected an Rlerror");
}

export interface Reply {
  type: number;
  tag: number;
  body: Dec;
  /** The used length the device pushed. */
  usedLen: number;
}

export interface SendOptions {
  /** Writable bytes offered (default: msize). */
  inLen?: number;
  /** Split the readable message at these offsets into several descriptors. */
  splitOut?: number[];
  /** Writable descriptor lengths (overrides inLen). */
  inLens?: number[];
  /** Override the size field. */
  size?: number;
}

export class P9Client {
  readonly guest = new FakeGuest();
  readonly drv: TestDriver;
  msize = 8192;
  private tag = 1;

  constructor(readonly device: VirtioP9) {
    this.drv = new TestDriver(this.guest, device);
    this.drv.start(undefined, 64);
  }

  /** Sends one T-message (type + body) and returns the chain's head, without waiting. */
  post(type: number, body: Uint8Array, o: SendOptions = {}): { head: number; ins: number[]; inLens: number[] } {
    const tag = this.tag++ & 0xffff;
    const msg = new Enc()
      .u32(o.size ?? body.length + 7)
      .u8(type)
      .u16(tag)
      .bytes(body)
      .done();
    const cuts = [0, ...(o.splitOut ?? []), msg.length];
    const out = cuts.slice(1).map((end, i) => msg.subarray(cuts[i], end));
    const inLens = o.inLens ?? [o.inLen ?? this.msize];
    return { ...this.drv.request(0, out, inLens), inLens };
  }

  /** Sends a raw message and waits for its answer; null when nothing was pushed. */
  async raw(message: Uint8Array[], inLens: number[]): Promise<Reply | null> {
    const mark = this.guest.allocMark;
    const before = this.drv.usedIdx(0);
    const { head, ins } = this.drv.request(0, message, inLens);
    await this.device.idle();
    const reply = this.collect(before, head, ins, inLens);
    this.guest.rewind(mark);
    return reply;
  }

  private collect(before: number, head: number, ins: number[], inLens: number[]): Reply | null {
    for (let i = before; i !== this.drv.usedIdx(0); i = (i + 1) & 0xffff) {
      const u = this.drv.usedElem(0, i);
      if (u.id !== head) continue;
      const bytes = this.drv.readStream(ins, inLens, u.len);
      const d = new Dec(bytes);
      const size = d.u32();
      assert.equal(size, u.len, "used length is the answer's size");
      return { type: d.u8(), tag: d.u16(), body: d, usedLen: u.len };
    }
    return null;
  }

  /** Sends, waits for the device to be idle and returns the answer; its buffers are reused after. */
  async send(type: number, body: Uint8Array, o: SendOptions = {}): Promise<Reply> {
    const mark = this.guest.allocMark;
    const before = this.drv.usedIdx(0);
    const { head, ins, inLens } = this.post(type, body, o);
    await this.device.idle();
    const reply = this.collect(before, head, ins, inLens);
    this.guest.rewind(mark);
    assert.ok(reply, "the device answered");
    return reply;
  }

  /** Sends and expects type + 1, else throws RlError. */
  async call(type: number, body: Uint8Array, o?: SendOptions): Promise<Dec> {
    const r = await this.send(type, body, o);
    if (r.type === 7) throw new RlError(r.body.u32());
    assert.equal(r.type, type + 1);
    return r.body;
  }

  async version(msize = 8192, version = "9P2000.L"): Promise<{ msize: number; version: string }> {
    const d = await this.call(100, new Enc().u32(msize).str(version).done());
    const r = { msize: d.u32(), version: d.str() };
    this.msize = r.msize;
    return r;
  }
  async attach(fid = 0): Promise<Qid> {
    return (await this.call(104, new Enc().u32(fid).u32(NOFID).str("root").str("").u32(0).done())).qid();
  }
  /** version + attach(0). */
  async mount(): Promise<Qid> {
    await this.version();
    return this.attach(0);
  }
  async walk(fid: number, newfid: number, names: string[]): Promise<Qid[]> {
    const e = new Enc().u32(fid).u32(newfid).u16(names.length);
    for (const n of names) e.str(n);
    const d = await this.call(110, e.done());
    const n = d.u16();
    return Array.from({ length: n }, () => d.qid());
  }
  async lopen(fid: number, flags: number): Promise<Qid> {
    const d = await this.call(12, new Enc().u32(fid).u32(flags).done());
    const q = d.qid();
    d.u32();
    return q;
  }
  async lcreate(fid: number, name: string, flags: number, mode: number): Promise<Qid> {
    return (await this.call(14, new Enc().u32(fid).str(name).u32(flags).u32(mode).u32(0).done())).qid();
  }
  async read(fid: number, offset: number | bigint, count: number, o?: SendOptions): Promise<Uint8Array> {
    const d = await this.call(116, new Enc().u32(fid).u64(offset).u32(count).done(), o);
    return d.bytes(d.u32());
  }
  async write(fid: number, offset: number | bigint, data: Uint8Array): Promise<number> {
    return (await this.call(118, new Enc().u32(fid).u64(offset).u32(data.length).bytes(data).done())).u32();
  }
  async readdir(fid: number, offset: number | bigint, count: number): Promise<DirEntry[]> {
    const d = await this.call(40, new Enc().u32(fid).u64(offset).u32(count).done());
    const body = new Dec(d.bytes(d.u32()));
    const out: DirEntry[] = [];
    while (body.remaining > 0) out.push({ qid: body.qid(), offset: body.u64(), type: body.u8(), name: body.str() });
    return out;
  }
  /** Every entry, following offsets. */
  async readdirAll(fid: number, count = 256): Promise<DirEntry[]> {
    const all: DirEntry[] = [];
    let offset = 0n;
    for (;;) {
      const batch = await this.readdir(fid, offset, count);
      if (batch.length === 0) return all;
      all.push(...batch);
      offset = batch[batch.length - 1].offset;
    }
  }
  async getattr(fid: number): Promise<Attr> {
    const d = await this.call(24, new Enc().u32(fid).u64(0x3fff).done());
    const valid = d.u64();
    const qid = d.qid();
    const a = { valid, qid, mode: d.u32(), uid: d.u32(), gid: d.u32(), nlink: d.u64(), rdev: d.u64(), size: d.u64() };
    const blksize = d.u64();
    const blocks = d.u64();
    const t = () => [d.u64(), d.u64()] as const;
    return { ...a, blksize, blocks, atime: t(), mtime: t(), ctime: t(), btime: t() };
  }
  async setattr(fid: number, s: SetAttr): Promise<void> {
    const e = new Enc()
      .u32(fid)
      .u32(s.valid)
      .u32(s.mode ?? 0)
      .u32(s.uid ?? 0)
      .u32(s.gid ?? 0)
      .u64(s.size ?? 0);
    e.u64(s.atime?.[0] ?? 0)
      .u64(s.atime?.[1] ?? 0)
      .u64(s.mtime?.[0] ?? 0)
      .u64(s.mtime?.[1] ?? 0);
    await this.call(26, e.done());
  }
  async mkdir(dfid: number, name: string, mode = 0o755): Promise<Qid> {
    return (await this.call(72, new Enc().u32(dfid).str(name).u32(mode).u32(0).done())).qid();
  }
  async unlinkat(dfid: number, name: string, flags = 0): Promise<void> {
    await this.call(76, new Enc().u32(dfid).str(name).u32(flags).done());
  }
  async renameat(od: number, on: string, nd: number, nn: string): Promise<void> {
    await this.call(74, new Enc().u32(od).str(on).u32(nd).str(nn).done());
  }
  async rename(fid: number, dfid: number, name: string): Promise<void> {
    await this.call(20, new Enc().u32(fid).u32(dfid).str(name).done());
  }
  async symlink(dfid: number, name: string, target: string): Promise<Qid> {
    return (await this.call(16, new Enc().u32(dfid).str(name).str(target).u32(0).done())).qid();
  }
  async readlink(fid: number): Promise<string> {
    return (await this.call(22, new Enc().u32(fid).done())).str();
  }
  async link(dfid: number, fid: number, name: string): Promise<void> {
    await this.call(70, new Enc().u32(dfid).u32(fid).str(name).done());
  }
  async mknod(dfid: number, name: string, mode: number): Promise<Qid> {
    return (await this.call(18, new Enc().u32(dfid).str(name).u32(mode).u32(0).u32(0).u32(0).done())).qid();
  }
  async fsync(fid: number, datasync = 0): Promise<void> {
    await this.call(50, new Enc().u32(fid).u32(datasync).done());
  }
  async statfs(fid: number): Promise<Dec> {
    return this.call(8, new Enc().u32(fid).done());
  }
  async lock(fid: number, type = 1): Promise<number> {
    const e = new Enc().u32(fid).u8(type).u32(0).u64(0).u64(0).u32(42).str("guest");
    return (await this.call(52, e.done())).u8();
  }
  async getlock(fid: number): Promise<{ type: number; start: bigint; length: bigint; procId: number; client: string }> {
    const d = await this.call(54, new Enc().u32(fid).u8(1).u64(10).u64(20).u32(42).str("guest").done());
    return { type: d.u8(), start: d.u64(), length: d.u64(), procId: d.u32(), client: d.str() };
  }
  async clunk(fid: number): Promise<void> {
    await this.call(120, new Enc().u32(fid).done());
  }
  async remove(fid: number): Promise<void> {
    await this.call(122, new Enc().u32(fid).done());
  }
  async flush(oldtag: number): Promise<void> {
    await this.call(108, new Enc().u16(oldtag).done());
  }
}

export interface DirEntry {
  qid: Qid;
  offset: bigint;
  type: number;
  name: string;
}

export interface Attr {
  valid: bigint;
  qid: Qid;
  mode: number;
  uid: number;
  gid: number;
  nlink: bigint;
  rdev: bigint;
  size: bigint;
  blksize: bigint;
  blocks: bigint;
  atime: readonly [bigint, bigint];
  mtime: readonly [bigint, bigint];
  ctime: readonly [bigint, bigint];
  btime: readonly [bigint, bigint];
}

export interface SetAttr {
  valid: number;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number | bigint;
  atime?: [number | bigint, number | bigint];
  mtime?: [number | bigint, number | bigint];
}
