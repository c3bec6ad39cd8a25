// The emulators that bench/guest.ts compares, and how each starts a guest with the same
// machine: RAM, harts, kernel, initramfs, command line and one read-only virtio-blk disk.
// paravm pv and full run `paravm run`; QEMU is qemu-system-riscv64 -machine virt (TCG, its
// own OpenSBI); TinyEMU is a user's own `temu` build with a BIOS (it ships none), given by
// --tinyemu PATH or PARAVM_BENCH_TINYEMU; it is never built here.

import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PARAVM_MAIN } from "../tests/guest/guestShell.js";

/** A guest: a raw RISC-V Image (QEMU and TinyEMU take no gzip), an initramfs, and its consoles. */
export interface Guest {
  name: string;
  kernel: string;
  initrd: string;
  /** Kernel command line per system; a missing entry means the system's default. */
  append: Partial<Record<SystemKey, string>>;
}

export type SystemKey = "pv" | "full" | "qemu" | "tinyemu";

export interface Machine {
  memoryMiB: number;
  cpus: number;
  /** A raw disk image, attached read-only; none if undefined. */
  disk?: string;
}

export interface System {
  key: SystemKey;
  name: string;
  /** Most harts it runs; TinyEMU's riscv64 machine has one. */
  maxCpus: number;
  start(guest: Guest, m: Machine): ChildProcess;
}

const PIPES: SpawnOptions = { stdio: ["pipe", "pipe", "pipe"] };

function paravm(key: "pv" | "full"): System {
  return {
    key,
    name: `paravm ${key}`,
    maxCpus: 8,
    start(guest, m) {
      const args = [PARAVM_MAIN, "run", "--timeout", "14400", "--mode", key];
      args.push("--kernel", guest.kernel, "--initrd", guest.initrd);
      if (guest.append[key]) args.push("--append", guest.append[key]);
      args.push("--memory", `${m.memoryMiB}M`, "--cpus", String(m.cpus));
      if (m.disk) args.push("--disk", `${m.disk},ro`);
      return spawn(process.execPath, args, PIPES);
    },
  };
}

const qemu: System = {
  key: "qemu",
  name: "QEMU",
  maxCpus: 8,
  start(guest, m) {
    const args = ["-machine", "virt", "-nographic", "-no-reboot"];
    args.push("-m", `${m.memoryMiB}M`, "-smp", String(m.cpus));
    args.push("-kernel", guest.kernel, "-initrd", guest.initrd, "-append", guest.append.qemu ?? "console=ttyS0");
    if (m.disk) {
      args.push("-drive", `file=${m.disk},if=none,id=d0,format=raw,readonly=on`);
      args.push("-device", "virtio-blk-device,drive=d0");
    }
    return spawn("qemu-system-riscv64", args, PIPES);
  },
};

/**
 * TinyEMU reads a JSON configuration; its console is a virtio console (hvc0 in the default
 * guest) and it opens disks in snapshot mode unless given -rw, so guest writes never reach
 * the image.
 */
function tinyemu(temu: string, bios: string, tmp: string): System {
  return {
    key: "tinyemu",
    name: "TinyEMU",
    maxCpus: 1,
    start(guest, m) {
      const config = {
        version: 1,
        machine: "riscv64",
        memory_size: m.memoryMiB,
        bios,
        kernel: guest.kernel,
        initrd: guest.initrd,
        cmdline: guest.append.tinyemu ?? "console=hvc0",
        ...(m.disk ? { drive0: { file: m.disk } } : {}),
      };
      const path = join(tmp, `tinyemu-${guest.name.replace(/\W/g, "_")}.cfg`);
      writeFileSync(path, JSON.stringify(config, null, 2));
      return spawn(temu, [path], PIPES);
    },
  };
}

/** The systems to compare, in the order each round runs them. */
export function systems(o: { only?: SystemKey[]; tinyemu?: { temu: string; bios: string }; tmp: string }): System[] {
  const all = [paravm("pv"), paravm("full"), qemu];
  if (o.tinyemu) all.push(tinyemu(o.tinyemu.temu, o.tinyemu.bios, o.tmp));
  return all.filter((s) => !o.only || o.only.includes(s.key));
}
