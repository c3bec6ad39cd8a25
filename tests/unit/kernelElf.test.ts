// `--kernel` as an ELF, as QEMU's -kernel: segments at their physical addresses, entered at the
// entry point in S-mode with a0 = hart ID and a1 = the device tree (pv mode), or reached through
// the firmware's fw_dynamic next_addr (full mode). A bad ELF is one line and exit status 2.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Vm, type VmConfig, type VmEnd } from "../../src/vmm/vm.js";
import { B, I, addi, csrrs, csrrw, ecall, ld, li, lui, mret, sw } from "./asm.js";
import { buildElf } from "./miniElf.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "paravm-kernel-elf-"));
const [T0, T1, A0, A1, A2, A6, A7] = [5, 6, 10, 11, 12, 16, 17];
/** Not the 2 MiB an Image would get: the ELF's own address. */
const BASE = 0x8060_0000;

const lw = (rd: number, rs1: number, imm: number) => I(0x03, 2, rd, rs1, imm);
const bne = (rs1: number, rs2: number, off: number) => B(1, rs1, rs2, off);
/** SRST system_reset(shutdown, reason): 0 powers off, 1 is a failure. */
const srst = (reason: number) => [addi(A0, 0, 0), addi(A1, 0, reason), addi(A6, 0, 0), ...li(A7, 0x53525354), ecall()];

async function boot(config: Omit<VmConfig, "memoryBytes" | "cpus" | "append" | "output">): Promise<VmEnd> {
  const vm = new Vm({ memoryBytes: 64 << 20, cpus: 1, append: "", output: () => {}, ...config });
  const guard = setTimeout(() => vm.stop(), 20_000);
  try {
    return await vm.run();
  } finally {
    clearTimeout(guard);
  }
}

test("pv mode: an ELF kernel runs in S-mode at its entry with a0 = hart ID and a1 = the device tree", async () => {
  const fail = srst(1);
  const checks = [...li(T1, 0xedfe0dd0 | 0), lw(T0, A1, 0)];
  const okLength = srst(0).length;
  const code = [
    ...checks,
    bne(T0, T1, 4 * (2 + okLength)), // the FDT magic at a1
    bne(A0, 0, 4 * (1 + okLength)), // hart 0
    ...srst(0), // an ecall that paravm serves: only from S-mode
    ...fail,
  ];
  const end = await boot({ mode: "pv", kernel: buildElf(code, { tohost: false, base: BASE, entry: BASE }) });
  assert.deepEqual(end, { kind: "poweroff" });
});

test("full mode: the firmware finds the ELF's entry point in fw_dynamic_info.next_addr", async () => {
  const MSTATUS = 0x300;
  const MEPC = 0x341;
  // M-mode firmware (raw, at the start of RAM): mret to next_addr in S-mode.
  const firmware = [ld(T0, A2, 16), csrrw(0, MEPC, T0), ...li(T1, 1 << 11), csrrs(0, MSTATUS, T1), mret()];
  const raw = new Uint8Array(firmware.length * 4);
  firmware.forEach((w, i) => new DataView(raw.buffer).setUint32(4 * i, w, true));
  // The S-mode program powers off through the syscon.
  const kernel = buildElf([lui(T0, 0x100), ...li(T1, 0x5555), sw(T1, T0, 0)], { tohost: false, base: BASE });
  assert.deepEqual(await boot({ mode: "full", firmware: raw, kernel }), { kind: "poweroff" });
});

test("paravm run refuses a bad ELF kernel with one line and exit status 2", () => {
  const noSegment = buildElf([0], { tohost: false });
  noSegment[64] = 0; // PT_LOAD -> PT_NULL
  const cases: [string, Uint8Array, string[], RegExp][] = [
    ["outside RAM", buildElf([0], { base: 0xa000_0000 }), [], /outside guest RAM/],
    ["over the device tree", buildElf([0], { base: 0x80f0_0000 }), ["--memory", "16M"], /device tree/],
    ["entry 0", buildElf([0], { entry: 0 }), [], /entry point 0x0 is in no loaded segment/],
    ["no segment", noSegment, [], /no segment to load/],
    ["not RISC-V", buildElf([0], { machine: 62 }), [], /not a RISC-V ELF/],
  ];
  for (const [name, elf, args, reason] of cases) {
    const file = join(dir, `${name.replaceAll(" ", "-")}.elf`);
    writeFileSync(file, elf);
    const r = spawnSync(process.execPath, [MAIN, "run", "--kernel", file, "--timeout", "20", ...args], {
      encoding: "utf8",
    });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, reason, name);
  }
});
