import { test } from "node:test";
import assert from "node:assert/strict";
import { GoldfishRtc } from "../../src/devices/goldfishRtc.js";

function make(start: bigint) {
  const clock = { t: start };
  const irqs: boolean[] = [];
  const rtc = new GoldfishRtc(
    () => clock.t,
    (l) => irqs.push(l),
  );
  const r = (off: number) => rtc.mmioRead(off, 4);
  const w = (off: number, v: number) => rtc.mmioWrite(off, 4, v);
  return { rtc, clock, irqs, r, w };
}

test("rtc: TIME_LOW latches TIME_HIGH so the halves form one instant", () => {
  const { clock, r } = make(0x1_ffff_fff0n);
  assert.equal(r(0x00), 0xffff_fff0);
  clock.t = 0x2_0000_0010n; // the low half wraps before the high half is read
  assert.equal(r(0x04), 1);
  assert.equal(r(0x00), 0x10);
  assert.equal(r(0x04), 2);
});

test("rtc: setting the time moves the guest's clock only, and it keeps running", () => {
  const { rtc, clock, w } = make(1_000n);
  w(0x04, 5); // high first, as Linux does
  w(0x00, 100);
  assert.equal(rtc.time(), (5n << 32n) | 100n);
  clock.t += 50n;
  assert.equal(rtc.time(), (5n << 32n) | 150n);
});

test("rtc: the alarm fires on update() once due, if interrupts are enabled", () => {
  const { rtc, clock, irqs, r, w } = make(1_000n);
  w(0x10, 1);
  w(0x0c, 0);
  w(0x08, 2_000);
  assert.equal(r(0x18), 1, "alarm running");
  assert.equal(r(0x08), 2_000);
  assert.equal(rtc.update(), 2_000n, "still waiting");
  assert.deepEqual(irqs, []);
  clock.t = 2_000n;
  assert.equal(rtc.update(), null);
  assert.deepEqual(irqs, [true]);
  assert.equal(r(0x18), 0, "alarm done");
  w(0x1c, 1);
  assert.deepEqual(irqs, [true, false]);
});

test("rtc: an alarm in the past fires at once; CLEAR_ALARM cancels; IRQ_ENABLED masks", () => {
  const { rtc, clock, irqs, w, r } = make(5_000n);
  w(0x08, 10); // interrupts disabled: pending but the line stays low
  assert.deepEqual(irqs, []);
  w(0x10, 1);
  assert.deepEqual(irqs, [true]);
  assert.equal(r(0x10), 1);
  w(0x1c, 0);
  w(0x08, 9_000);
  w(0x14, 1);
  clock.t = 10_000n;
  assert.equal(rtc.update(), null);
  assert.deepEqual(irqs, [true, false]);
});

test("rtc: odd offsets and sizes are harmless", () => {
  const { r, w, rtc } = make(7n);
  assert.equal(r(0x20), 0);
  assert.equal(rtc.mmioRead(0x00, 1), 0);
  w(0x20, 1);
  rtc.mmioWrite(0x00, 2, 1);
  assert.equal(rtc.time(), 7n);
});
