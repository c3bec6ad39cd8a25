// The table of npm run bench (bench/guestTable.ts): medians, ratios to QEMU, and cells for
// failed, skipped and not-applicable rows, in markdown that GitHub renders as one table.

import { test } from "node:test";
import assert from "node:assert/strict";
import { addError, addSample, errorLines, markdownTable, median, newRow, type Row } from "../../bench/guestTable.js";
import type { System } from "../../bench/guestSystems.js";

const system = (key: System["key"], name: string): System => ({
  key,
  name,
  maxCpus: 1,
  start: () => {
    throw new Error("not started in this test");
  },
});
const systems = [system("pv", "paravm pv"), system("qemu", "QEMU")];
const row = newRow;

test("median of an odd and an even number of samples, none for no samples", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), undefined);
});

test("each system's median with the ratio to QEMU's, and | escaped in the label", () => {
  const r = row("seq", "`seq 1 10 | md5sum`");
  for (const v of [30, 10, 20]) addSample(r, "pv", v);
  for (const v of [2, 1, 3]) addSample(r, "qemu", v, v + 0.1);
  const lines = markdownTable([r], systems).split("\n");
  assert.equal(lines[0], "| in the guest | paravm pv | QEMU | paravm pv / QEMU |");
  assert.equal(lines[2], "| `seq 1 10 \\| md5sum` | 20.0 s | 2.00 s | 10.0x |");
  assert.deepEqual(r.hostSamples?.qemu, [2.1, 1.1, 3.1]);
});

test("a max row shows the most of its samples", () => {
  const r: Row = { ...row("rss", "peak RSS", "MiB"), statistic: "max" };
  for (const v of [100, 140, 120]) addSample(r, "pv", v);
  addSample(r, "qemu", 70);
  assert.match(markdownTable([r], systems), /\| peak RSS \| 140 MiB \| 70 MiB \| 2\.0x \|/);
});

test("failed, skipped and not-applicable cells, and each error once under the table", () => {
  const failed = row("dd", "dd");
  addSample(failed, "qemu", 1);
  addError(failed, "pv", "no prompt\nlong output");
  addError(failed, "pv", "no prompt\nlong output");
  const skipped: Row = { ...row("debianBoot", "Debian boot"), skipped: "not built: run guests/debian/build.sh" };
  const na: Row = { ...row("bootSmp", "2 harts"), notApplicable: { pv: "1 hart" } };
  addSample(na, "qemu", 2);
  const table = markdownTable([failed, skipped, na], systems);
  assert.match(table, /\| dd \| failed \| 1\.00 s \| – \|/);
  assert.match(table, /\| Debian boot: not built: run guests\/debian\/build\.sh \| – \| – \| – \|/);
  assert.match(table, /\| 2 harts \| n\/a \(1 hart\) \| 2\.00 s \| – \|/);
  assert.deepEqual(errorLines([failed, skipped, na], systems), ["paravm pv, dd: no prompt"]);
});
