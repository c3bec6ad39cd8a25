// Runs the project's own ISA test programs (tests/isa, committed as ELFs) through paravm.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runBareMetal } from "../../src/vmm/bareMetal.js";

const BIN = fileURLToPath(new URL("../../../tests/isa/bin/", import.meta.url));
const elves = readdirSync(BIN)
  .filter((f) => f.endsWith(".elf"))
  .sort();

test("the ISA test programs exist", () => {
  assert.ok(elves.length >= 8, `only ${elves.length} ELFs in ${BIN}`);
});

for (const name of elves) {
  test(`isa ${name}`, () => {
    let out = "";
    const r = runBareMetal({
      elf: readFileSync(BIN + name),
      memoryBytes: 64 * 1024 * 1024,
      maxInstructions: 50_000_000,
      output: (b) => (out += Buffer.from(b).toString()),
    });
    assert.deepEqual(r.kind === "fail" ? `fail test ${r.test}` : r.kind, "pass", out);
  });
}
