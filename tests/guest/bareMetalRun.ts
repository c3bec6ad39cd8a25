// Shared by tests/guest/bareMetalFull.test.ts (paravm) and tests/tools/bareMetalQemu.test.ts
// (QEMU, the oracle): runs guests/bare-metal/kernel.elf, types a line when it asks for one,
// and gives back its console output, its stderr and its exit status.

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const KERNEL = fileURLToPath(new URL("../../../guests/bare-metal/kernel.elf", import.meta.url));
export const PARAVM = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export const PROMPT = "uart: type a line\n";
export const LINE = "hello";
export const SECTOR0 = "paravm bare-metal disk: sector 0 says hello";
export const DISK_BYTES = 64 * 1024;

/** What the kernel prints when every step passes and the disk sits in virtio slot 0. */
export const TRANSCRIPT = [
  "bare-metal: M-mode on hart 0, no firmware",
  "timer: 5 machine timer interrupts",
  "timer: mtime advanced at least 50 ms",
  "uart: type a line",
  `uart: received ${LINE.length} bytes through PLIC interrupts`,
  `uart: echo: ${LINE}`,
  `uart: ${"uart: echo: ".length + LINE.length + 1} bytes sent by THRE interrupts, THRI off again`,
  "virtio: blk in slot 0, PLIC source 1, virtio-mmio version 2",
  "virtio: features accepted: VERSION_1 only",
  `virtio: queue 0 ready with 8 entries, DRIVER_OK, capacity ${DISK_BYTES / 512} sectors`,
  "virtio: wrote sector 1 (byte i = i*13+7), status OK, used len 1",
  "virtio: read sector 1 back, status OK, used len 513: pattern matches",
  `virtio: sector 0 says: ${SECTOR0}`,
  "virtio: 3 requests completed through PLIC interrupts",
  "BAREMETAL PASS",
].join("\n");

/** The bytes the kernel writes to sector 1: byte i is i*13+7. */
export function sectorPattern(): Buffer {
  const b = Buffer.alloc(512);
  for (let i = 0; i < b.length; i++) b[i] = (i * 13 + 7) & 0xff;
  return b;
}

/** A 64 KiB raw disk image in `dir` with SECTOR0 at the start of sector 0. */
export function makeDisk(dir: string, name = "disk.img"): string {
  const path = join(dir, name);
  const image = Buffer.alloc(DISK_BYTES);
  image.write(SECTOR0, 0, "latin1");
  writeFileSync(path, image);
  return path;
}

export interface Run {
  status: number | null;
  /** Console output with carriage returns removed. */
  out: string;
  err: string;
}

/** Runs `cmd`, types LINE + "\n" once PROMPT appears, kills it after `ms`. */
export function runWithInput(cmd: string, args: string[], ms: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let typed = false;
    child.stdout.setEncoding("latin1");
    child.stderr.setEncoding("latin1");
    child.stdin.on("error", () => {}); // the child may end before reading its input
    child.stdout.on("data", (s: string) => {
      out += s;
      if (!typed && out.includes(PROMPT)) {
        typed = true;
        child.stdin.write(`${LINE}\n`);
      }
    });
    child.stderr.on("data", (s: string) => (err += s));
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, out: out.replace(/\r/g, ""), err });
    });
  });
}

/** The --stats tables as cause → count. */
export function parseStats(stderr: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of stderr.split("\n")) {
    const m = /^(\S.*?)\s{2,}(\d+)(\s+\d+\.\d)?$/.exec(line);
    if (m) counts.set(m[1], Number(m[2]));
  }
  return counts;
}
