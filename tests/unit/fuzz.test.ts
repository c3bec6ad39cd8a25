// The fuzzer (fuzz/, npm run fuzz) checked on a few cases of each campaign: the same seed
// gives the same cases (so a failure replays), the campaigns pass on the current code, and
// the checks that make a case fail do fail on what they look for.

import { test } from "node:test";
import assert from "node:assert/strict";
import { CAMPAIGNS, makeCampaign } from "../../fuzz/campaigns.js";
import { WorkMeter, checkedRam } from "../../fuzz/checkedMemory.js";
import { Prng } from "../../fuzz/prng.js";
import { type CaseFailure, runCases } from "../../fuzz/runner.js";

/** Cases [from, to) of a campaign: each one's trace, and the failures. */
async function run(name: (typeof CAMPAIGNS)[number], seed: number, from: number, to: number) {
  const traces: string[] = [];
  const failures: CaseFailure[] = [];
  await runCases(makeCampaign(name), seed, from, to, {
    starting: (i) => traces.push(`case ${i}`),
    failed: (f) => failures.push(f),
    trace: () => (line) => traces.push(line),
  });
  return { traces, failures };
}

const CASES = { rings: 60, sbi: 400, mmio: 200 } as const;

for (const name of CAMPAIGNS) {
  test(`fuzz campaign ${name}: a few cases pass, and a seed replays the same cases`, async () => {
    const a = await run(name, 7, 0, CASES[name]);
    assert.deepEqual(a.failures, []);
    const b = await run(name, 7, 0, CASES[name]);
    assert.deepEqual(b.traces, a.traces);
    const other = await run(name, 8, 0, CASES[name]);
    assert.notDeepEqual(other.traces, a.traces);
  });
}

test("fuzz: a case replays alone from its epoch's start as it ran in the campaign", async () => {
  const whole = await run("sbi", 3, 0, 50);
  const tail = await run("sbi", 3, 0, 50);
  assert.deepEqual(tail.traces, whole.traces);
  // Case 40's lines are the same when cases 0..40 run again (what --replay does).
  const at = (t: string[], i: number) => t.slice(t.indexOf(`case ${i}`), t.indexOf(`case ${i + 1}`));
  const replay = await run("sbi", 3, 0, 41);
  assert.deepEqual(at(replay.traces.concat("case 41"), 40), at(whole.traces, 40));
});

test("fuzz: the PRNG is a pure function of its seed and spreads over its range", () => {
  const draw = (seed: number) => Array.from({ length: 1000 }, () => new Prng(seed)).map((r, i) => r.below(i + 1));
  assert.deepEqual(draw(1), draw(1));
  const r = new Prng(42);
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 8000; i++) counts[r.below(8)]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `bucket ${c} of 8000`);
});

test("fuzz: guest-memory views outside RAM and work past the bound fail the case", () => {
  const host = new Uint8Array(4096);
  const meter = new WorkMeter();
  // Guest RAM [0x1000, 0x1800) is host bytes [1024, 3072); a broken memory hands out the
  // host's bytes before it for the first guest page.
  const broken = (addr: number, n: number) =>
    addr < 0x1100 ? host.subarray(addr - 0x1000, addr - 0x1000 + n) : host.subarray(addr - 0xc00, addr - 0xc00 + n);
  const ram = checkedRam(broken, host.buffer, 1024, 0x1000, 2048, meter);
  assert.notEqual(ram(0x1400, 16), null);
  meter.check(10);
  assert.equal(ram(0x1000, 16), null, "the view before RAM is refused");
  assert.throws(() => meter.check(10), /outside guest RAM/);
  meter.reset();
  for (let i = 0; i < 11; i++) ram(0x1400, 4);
  assert.throws(() => meter.check(10), /work bound: 11/);
  // A device in a loop is stopped at the limit, and the case fails even if it caught that.
  meter.reset(5);
  for (let i = 0; i < 5; i++) ram(0x1400, 4);
  assert.throws(() => ram(0x1400, 4), /work bound/);
  assert.throws(() => meter.check(100), /work bound/);
});
