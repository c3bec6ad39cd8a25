// `paravm run`: boot a guest (by default the embedded Linux guest) in pv or full mode.

import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_GUEST_DIR, readArtefact } from "../machine/guestArtefacts.js";
import { ImageError, isLinuxImage, maybeGunzip } from "../machine/linuxImage.js";
import { ElfError } from "../machine/elfLoader.js";
import { LayoutError } from "../vmm/bootLayout.js";
import { type GuestMode, Vm, type VmEnd } from "../vmm/vm.js";
import { parseSize } from "../util/size.js";
import { attachTerminal } from "./terminal.js";
import { FileBackend } from "../virtio/blk/fileBackend.js";
import type { BlockBackend } from "../virtio/blk/backend.js";
import { UsageError } from "./usageError.js";

const DEFAULT_FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";

export const RUN_HELP = `Usage: paravm run [options]

Boots a RISC-V 64 guest. With no options: the embedded default Linux guest, to a shell.

Options:
  --kernel FILE      Linux Image (gzip accepted); default: the embedded guest's
  --initrd FILE      initramfs (gzip accepted); default: the embedded guest's
  --append "ARGS"    kernel command line; default "console=hvc0 earlycon=sbi" (pv),
                     "console=ttyS0" (full)
  --mode pv|full     pv (default): the kernel enters S-mode and paravm serves SBI.
                     full: an M-mode firmware boots it on emulated CLINT and UART.
  --firmware FILE    full mode: the M-mode firmware (ELF or raw binary at 0x80000000);
                     default Debian's OpenSBI fw_dynamic. A bare-metal kernel (xv6) runs
                     here with no --kernel.
  --dtb FILE         use this device tree instead of the generated one
  --memory SIZE      guest RAM, e.g. 512M; default 256M
  --cpus N           harts (run interleaved on one thread); default 1
  --disk FILE[,ro][,serial=ID]
                     a raw disk image as virtio-blk (repeatable: vda, vdb, …); ro makes
                     guest writes fail; a writable image is locked (FILE.lock)
  --stats            at exit, print exits by cause with host time, and guest MIPS
  --timeout S        end a guest still running after S seconds (exit status 124)
  -h, --help         this text

Console: stdin/stdout. In a terminal, raw mode; Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.
Exit status: 0 guest powered off, 1 guest failure, 2 bad arguments or files, 124 timeout.`;

function readFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      kernel: { type: "string" },
      initrd: { type: "string" },
      append: { type: "string" },
      mode: { type: "string" },
      firmware: { type: "string" },
      dtb: { type: "string" },
      memory: { type: "string" },
      cpus: { type: "string" },
      stats: { type: "boolean" },
      timeout: { type: "string" },
      disk: { type: "string", multiple: true },
      share: { type: "string", multiple: true },
      net: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP + "\n");
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (see paravm run --help)`);
  for (const opt of ["share", "net"] as const) {
    if (values[opt]) throw new UsageError(`--${opt} is not available yet (virtio-9p and virtio-net are still to come)`);
  }
  const mode = (values.mode ?? "pv") as GuestMode;
  if (mode !== "pv" && mode !== "full") throw new UsageError(`--mode must be pv or full, not '${values.mode}'`);
  const memory = values.memory === undefined ? 256 * 1024 * 1024 : parseSize(values.memory);
  if (memory === null || memory < 16 * 1024 * 1024)
    throw new UsageError(`--memory wants a size of at least 16M, such as 512M, not '${values.memory}'`);
  const cpus = values.cpus === undefined ? 1 : Number(values.cpus);
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 16)
    throw new UsageError(`--cpus wants 1..16, not '${values.cpus}'`);
  const timeout = values.timeout === undefined ? null : Number(values.timeout);
  if (timeout !== null && !(timeout > 0))
    throw new UsageError(`--timeout wants a positive number of seconds, not '${values.timeout}'`);

  let kernel: Uint8Array | undefined;
  let initrd: Uint8Array | undefined;
  let firmware: Uint8Array | undefined;
  try {
    const bareMetal = mode === "full" && values.firmware !== undefined && values.kernel === undefined;
    if (!bareMetal) {
      kernel = maybeGunzip(
        values.kernel ? readFile(values.kernel, "kernel") : readArtefact(DEFAULT_GUEST_DIR, "kernel"),
        "kernel",
      );
      if (!isLinuxImage(kernel))
        throw new UsageError(`${values.kernel ?? "the default kernel"} is not a RISC-V Linux Image`);
      if (values.initrd) initrd = maybeGunzip(readFile(values.initrd, "initrd"), "initrd");
      else if (!values.kernel) initrd = readArtefact(DEFAULT_GUEST_DIR, "initrd");
    }
    if (mode === "full") {
      const fw = values.firmware ?? DEFAULT_FIRMWARE;
      if (!values.firmware && !existsSync(fw)) {
        throw new UsageError(`no firmware for full mode: install Debian's opensbi package (${fw}) or give --firmware`);
      }
      firmware = readFile(fw, "firmware");
    }
  } catch (e) {
    if (e instanceof ImageError) throw new UsageError(e.message);
    throw e;
  }
  const disks: BlockBackend[] = [];
  for (const spec of values.disk ?? []) disks.push(await openDisk(spec));
  const append = values.append ?? (mode === "pv" ? "console=hvc0 earlycon=sbi" : "console=ttyS0");
  const dtb = values.dtb ? readFile(values.dtb, "device tree") : undefined;

  const term = attachTerminal(
    (bytes) => vm?.pushInput(bytes),
    () => vm?.stop(),
    () => {},
  );
  let vm: Vm | null = null;
  let timedOut = false;
  const timer = timeout === null ? null : setTimeout(() => ((timedOut = true), vm?.stop()), timeout * 1000);
  const started = performance.now();
  let end: VmEnd;
  try {
    for (;;) {
      try {
        vm = new Vm({
          mode,
          memoryBytes: memory,
          cpus,
          kernel,
          initrd,
          append,
          firmware,
          dtb,
          disks,
          output: (b) => term.write(b),
        });
      } catch (e) {
        if (e instanceof LayoutError || e instanceof ElfError || e instanceof ImageError)
          throw new UsageError(e.message);
        throw e;
      }
      end = await vm.run();
      if (end.kind !== "reboot") break;
    }
  } finally {
    if (timer) clearTimeout(timer);
    term.close();
    for (const d of disks) await (d as FileBackend).close();
  }
  if (values.stats && vm) {
    const s = (performance.now() - started) / 1000;
    const n = vm.instructions();
    process.stderr.write(
      `\n${vm.formatStats()}\ninstructions ${n}, ${s.toFixed(2)} s, ${(n / s / 1e6).toFixed(1)} MIPS\n`,
    );
  }
  if (timedOut) {
    process.stderr.write(`paravm: the guest was still running after ${timeout} s\n`);
    return 124;
  }
  return end.kind === "failure" ? Math.min(Math.max(end.code, 1), 125) : 0;
}

/** --disk FILE[,ro][,serial=ID] */
async function openDisk(spec: string): Promise<BlockBackend> {
  const [path, ...opts] = spec.split(",");
  let readOnly = false;
  let id: string | undefined;
  for (const o of opts) {
    if (o === "ro") readOnly = true;
    else if (o.startsWith("serial=")) id = o.slice(7);
    else throw new UsageError(`--disk ${spec}: unknown option '${o}' (ro, serial=ID)`);
  }
  if (!path) throw new UsageError("--disk wants a file name");
  try {
    return await FileBackend.open(path, { readOnly, id });
  } catch (e) {
    throw new UsageError(`--disk ${path}: ${(e as Error).message}`);
  }
}
