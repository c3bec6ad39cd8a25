// The reader of the README's console transcripts (tests/guest/readme.test.ts runs them).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingLine, readTranscripts } from "../guest/readmeTranscripts.js";

test("console blocks become host and guest steps with their output; other blocks are left alone", () => {
  const file = join(mkdtempSync(join(tmpdir(), "paravm-transcript-")), "README.md");
  const md = [
    "```sh",
    "$ not a transcript",
    "```",
    "```console",
    "$ paravm run",
    "eth0: up",
    "paravm:/# echo hi",
    "hi",
    "",
    "```",
  ];
  writeFileSync(file, md.join("\n"));
  assert.deepEqual(readTranscripts(file), [
    {
      line: 4,
      steps: [
        { where: "host", command: "paravm run", expect: ["eth0: up"] },
        { where: "guest", command: "echo hi", expect: ["hi"] },
      ],
    },
  ]);
  writeFileSync(file, "```console\nstray output\n```\n");
  assert.throws(() => readTranscripts(file), /line 2: output before any command/);
});

test("expected lines are found in order, whole lines, with … for anything and blanks for blanks", () => {
  const out = "exit   count\nsbi BASE 0        1     0.1\ntotal   7\ninstructions 50, 0.04 s\n";
  assert.equal(missingLine(out, ["sbi BASE 0 1 …", "total 7", "instructions 50, …"]), undefined);
  assert.equal(missingLine(out, ["total 7", "sbi BASE 0 1 …"]), "sbi BASE 0 1 …");
  assert.equal(missingLine(out, ["total"]), "total");
  assert.equal(missingLine(out, ["total 8"]), "total 8");
});
