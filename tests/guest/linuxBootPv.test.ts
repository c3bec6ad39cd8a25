import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { defineBootTests } from "./linuxBootCases.js";

defineBootTests("pv");

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

test("in a terminal, Ctrl-A x ends paravm (script(1) provides the terminal)", async () => {
  const child = spawn("script", ["-qfec", `${process.execPath} ${MAIN} run --timeout 120`, "/dev/null"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const sawPrompt = new Promise<void>((resolve) =>
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("latin1");
      if (/paravm:\/# /.test(out)) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await sawPrompt;
  child.stdin.write("\x01x");
  assert.equal(await exited, 0, out.slice(-1000));
});
