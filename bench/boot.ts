// npm run bench:boot — time from start to the shell prompt of the default guest, in paravm
// (pv and full mode) and in qemu-system-riscv64 -machine virt (TCG, its own OpenSBI), with
// the guest instructions paravm executed. Each run powers the guest off once the prompt shows.

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { DEFAULT_GUEST_DIR, readArtefact } from "../src/machine/guestArtefacts.js";

const MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const PROMPT = /[#$] $/;
const TIMEOUT_MS = 300_000;

interface Boot {
  seconds: number;
  instructions: number | null;
}

function boot(cmd: string, args: string[], consoleName: string): Promise<Boot> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let seconds = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${consoleName}: no prompt within ${TIMEOUT_MS / 1000} s; output:\n${out.slice(-2000)}`));
    }, TIMEOUT_MS);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("latin1");
      if (!seconds && PROMPT.test(out.replace(/\r/g, ""))) {
        seconds = (performance.now() - t0) / 1000;
        child.stdin.write("poweroff -f\n");
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", () => {
      clearTimeout(timer);
      if (!seconds) return reject(new Error(`${consoleName}: exited before the prompt:\n${out.slice(-2000)}\n${err}`));
      const m = /instructions (\d+)/.exec(err);
      resolve({ seconds, instructions: m ? Number(m[1]) : null });
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), "paravm-boot-"));
const kernel = join(tmp, "Image");
const initrd = join(tmp, "initramfs.cpio.gz");
writeFileSync(kernel, gunzipSync(readArtefact(DEFAULT_GUEST_DIR, "kernel")));
writeFileSync(initrd, readArtefact(DEFAULT_GUEST_DIR, "initrd"));

const rows: string[][] = [["system", "to prompt (s)", "guest instructions", "vs QEMU"]];
const results: [string, Boot | Error][] = [];
for (const [name, cmd, args] of [
  ["paravm pv", process.execPath, [MAIN, "run", "--stats"]],
  ["paravm full", process.execPath, [MAIN, "run", "--mode", "full", "--stats"]],
  [
    "qemu virt",
    "qemu-system-riscv64",
    ["-machine", "virt", "-nographic", "-m", "256M", "-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0"],
  ],
] as const) {
  try {
    results.push([name, await boot(cmd, [...args], name)]);
  } catch (e) {
    results.push([name, e as Error]);
  }
}
const q = results.find(([n]) => n === "qemu virt")?.[1];
for (const [name, r] of results) {
  if (r instanceof Error) rows.push([name, "failed", "", r.message.split("\n")[0]]);
  else
    rows.push([
      name,
      r.seconds.toFixed(2),
      r.instructions === null ? "n/a" : String(r.instructions),
      q && !(q instanceof Error) ? (r.seconds / q.seconds).toFixed(2) + "x" : "n/a",
    ]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join("  "));
