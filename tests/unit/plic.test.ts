import { test } from "node:test";
import assert from "node:assert/strict";
import { IRQ_MEI, IRQ_SEI, Plic, plicContextLayout } from "../../src/devices/plic.js";

const PRIORITY = (src: number) => 4 * src;
const PENDING = 0x1000;
const ENABLE = (ctx: number) => 0x2000 + 0x80 * ctx;
const THRESHOLD = (ctx: number) => 0x20_0000 + 0x1000 * ctx;
const CLAIM = (ctx: number) => THRESHOLD(ctx) + 4;

function make(contexts = 2) {
  const lines = new Array<boolean>(contexts).fill(false);
  const plic = new Plic(contexts, (ctx, level) => (lines[ctx] = level));
  const w = (off: number, v: number) => plic.mmioWrite(off, 4, v);
  const r = (off: number) => plic.mmioRead(off, 4);
  return { plic, lines, w, r };
}

test("plic: a source interrupts a context only when enabled and above the threshold", () => {
  const { plic, lines, w, r } = make();
  plic.setIrq(5, true);
  assert.equal(r(PENDING), 1 << 5);
  assert.equal(lines[1], false, "priority 0 never interrupts");
  w(PRIORITY(5), 3);
  assert.equal(lines[1], false, "not enabled");
  w(ENABLE(1), 1 << 5);
  assert.equal(lines[1], true);
  assert.equal(lines[0], false, "other contexts keep their own enables");
  w(THRESHOLD(1), 3);
  assert.equal(lines[1], false, "priority must exceed the threshold");
  w(THRESHOLD(1), 2);
  assert.equal(lines[1], true);
});

test("plic: claim returns the highest priority, lowest id on ties; complete re-arms a level source", () => {
  const { plic, lines, w, r } = make();
  for (const [src, prio] of [
    [3, 2],
    [7, 5],
    [9, 5],
  ]) {
    w(PRIORITY(src), prio);
    plic.setIrq(src, true);
  }
  w(ENABLE(0), (1 << 3) | (1 << 7) | (1 << 9));
  assert.equal(r(CLAIM(0)), 7);
  assert.equal(r(PENDING) & (1 << 7), 0, "claiming clears pending");
  assert.equal(r(CLAIM(0)), 9);
  assert.equal(r(CLAIM(0)), 3);
  assert.equal(lines[0], false, "everything claimed");
  assert.equal(r(CLAIM(0)), 0);
  // Line 7 is still high: completing makes it pending again; line 9 dropped meanwhile.
  plic.setIrq(9, false);
  w(CLAIM(0), 7);
  w(CLAIM(0), 9);
  assert.equal(lines[0], true);
  assert.equal(r(CLAIM(0)), 7);
  assert.equal(r(CLAIM(0)), 0);
});

test("plic: a claimed source is not pending again before completion (gateway)", () => {
  const { plic, lines, w, r } = make();
  w(PRIORITY(1), 1);
  w(ENABLE(0), 2);
  plic.setIrq(1, true);
  assert.equal(r(CLAIM(0)), 1);
  plic.setIrq(1, false);
  plic.setIrq(1, true);
  assert.equal(r(PENDING), 0);
  assert.equal(lines[0], false);
  plic.setIrq(1, false);
  w(CLAIM(0), 1);
  assert.equal(lines[0], false, "line low at completion: nothing pending");
  plic.setIrq(1, true);
  assert.equal(lines[0], true);
});

test("plic: completion of a source the context has not enabled is ignored", () => {
  const { plic, w, r } = make();
  w(PRIORITY(2), 1);
  w(ENABLE(0), 1 << 2);
  plic.setIrq(2, true);
  assert.equal(r(CLAIM(0)), 2);
  w(CLAIM(1), 2);
  assert.equal(r(PENDING), 0);
  w(CLAIM(0), 2);
  assert.equal(r(PENDING), 1 << 2);
});

test("plic: a source dropping before its claim leaves nothing to claim", () => {
  const { plic, lines, w, r } = make();
  w(PRIORITY(4), 1);
  w(ENABLE(1), 1 << 4);
  plic.setIrq(4, true);
  assert.equal(lines[1], true);
  plic.setIrq(4, false);
  assert.equal(lines[1], false);
  assert.equal(r(CLAIM(1)), 0);
});

test("plic: register masks and read-back", () => {
  const { w, r } = make();
  w(PRIORITY(1), 0xffffffff);
  assert.equal(r(PRIORITY(1)), 7);
  w(PRIORITY(0), 5);
  assert.equal(r(PRIORITY(0)), 0, "source 0 does not exist");
  w(ENABLE(0), 0xffffffff);
  assert.equal(r(ENABLE(0)), 0xfffffffe);
  w(THRESHOLD(1), 0xff);
  assert.equal(r(THRESHOLD(1)), 7);
  w(PENDING, 0xffffffff);
  assert.equal(r(PENDING), 0, "pending is read-only");
});

test("plic: hostile accesses read 0 and are ignored, never throw", () => {
  const { plic, lines, w, r } = make();
  for (const off of [
    -4,
    0x1004,
    0x2004,
    ENABLE(2),
    THRESHOLD(2),
    CLAIM(2),
    THRESHOLD(0) + 8,
    0x5f_fffc,
    0x60_0000,
    2 ** 40,
  ]) {
    w(off, 0xffffffff);
    assert.equal(r(off), 0, `offset ${off}`);
  }
  assert.equal(plic.mmioRead(PRIORITY(1) + 1, 1), 0);
  plic.mmioWrite(ENABLE(0), 1, 0xff);
  assert.equal(r(ENABLE(0)), 0, "byte writes are ignored");
  w(CLAIM(0), 0);
  w(CLAIM(0), 12345);
  plic.setIrq(0, true);
  plic.setIrq(32, true);
  plic.setIrq(-1, true);
  plic.setIrq(1.5, true);
  assert.equal(r(PENDING), 0);
  assert.deepEqual(lines, [false, false]);
});

test("plic: update(true) re-drives every line, for restore", () => {
  const seen: Array<[number, boolean]> = [];
  const plic = new Plic(2, (c, l) => seen.push([c, l]));
  plic.update(true);
  assert.deepEqual(seen, [
    [0, false],
    [1, false],
  ]);
});

test("plic: context layout is M+S per hart in full mode, S per hart in pv mode", () => {
  assert.deepEqual(plicContextLayout("full", 2), [
    { hart: 0, irq: IRQ_MEI },
    { hart: 0, irq: IRQ_SEI },
    { hart: 1, irq: IRQ_MEI },
    { hart: 1, irq: IRQ_SEI },
  ]);
  assert.deepEqual(plicContextLayout("pv", 2), [
    { hart: 0, irq: IRQ_SEI },
    { hart: 1, irq: IRQ_SEI },
  ]);
});
