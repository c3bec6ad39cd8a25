// Boots guests/sbi-hello (an S-mode program in the Linux Image format) through paravm run
// in pv mode: paravm's own SBI serves its console, probe and shutdown calls.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const IMAGE = fileURLToPath(new URL("../../../guests/sbi-hello/Image", import.meta.url));

test("pv mode: an S-mode kernel talks to paravm's SBI and powers off", () => {
  const r = spawnSync(process.execPath, [MAIN, "run", "--kernel", IMAGE, "--stats", "--timeout", "30"], {
    encoding: "utf8",
  });
  assert.equal(r.stdout, "Hello from S-mode, through the SBI.\nok\n");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /sbi DBCN 0\s+1/);
  assert.match(r.stderr, /sbi SRST 0\s+1/);
});

test("paravm run refuses what it cannot boot, with one line and exit status 2", () => {
  for (const args of [
    ["--kernel", IMAGE + ".missing"],
    ["--kernel", MAIN],
    ["--mode", "paravirt"],
    ["--memory", "1K"],
    ["--cpus", "0"],
    ["--disk", "x.img"],
  ]) {
    const r = spawnSync(process.execPath, [MAIN, "run", ...args], { encoding: "utf8" });
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
