// `paravm run`: boot a guest (by default the embedded Linux guest) in pv or full mode.

import { existsSync, realpathSync } from "node:fs";
import { DEFAULT_GUEST_DIR, readArtefact } from "../machine/guestArtefacts.js";
import { ImageError, isLinuxImage, maybeGunzip } from "../machine/linuxImage.js";
import { ElfError, isElf } from "../machine/elfLoader.js";
import { PLATFORM } from "../machine/platform.js";
import { LayoutError } from "../vmm/bootLayout.js";
import { describeTrapLoop } from "../vmm/trapLoop.js";
import { type GuestMode, Vm, type VmEnd } from "../vmm/vm.js";
import { attachTerminal } from "./terminal.js";
import { FileBackend } from "../virtio/blk/fileBackend.js";
import type { BlockBackend } from "../virtio/blk/backend.js";
import { UsageError } from "./usageError.js";
import { parseOptions } from "./commandLine.js";
import {
  appendOption,
  integerOption,
  MAX_APPEND_BYTES,
  MAX_MEMORY,
  memoryOption,
  describeFileError,
  readInputFile,
  secondsOption,
} from "./optionValues.js";
import { formatSize } from "../util/size.js";
import { FdtError } from "../machine/fdtParse.js";
import { checkDistinctTags, openShare, parseShareSpec, type Share } from "../virtio/9p/share.js";
import { parseNetSpec } from "../net/netSpec.js";
import { UserNetwork } from "../net/userNetwork.js";
import { parseVsockSpec, UnixSocketBackend } from "../virtio/vsock/unixBackend.js";
import { SocketNetwork } from "../net/socketNetwork.js";
import type { NetBackend } from "../virtio/net/backend.js";
import { randomBytes } from "node:crypto";

/** virtio-mmio slots left once the console and the rng have theirs. */
const VIRTIO_SLOTS_FOR_USER = PLATFORM.virtio.slots - 2;
const DEFAULT_FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";

export const RUN_HELP = `Usage: paravm run [options]

Boots a RISC-V 64 guest. With no options: the embedded default Linux guest, to a shell.

Options:
  --kernel FILE      Linux Image or S-mode ELF (at its physical addresses, entered at
                     its entry point); gzip accepted; default: the embedded guest's
  --initrd FILE      initramfs (gzip accepted); default: the embedded guest's
  --append "ARGS"    kernel command line, at most ${MAX_APPEND_BYTES} bytes (what Linux reads);
                     default "console=hvc0 earlycon=sbi" (pv), "console=ttyS0" (full)
  --mode pv|full     pv (default): the kernel enters S-mode and paravm serves SBI.
                     full: an M-mode firmware boots it on emulated CLINT and UART.
  --firmware FILE    full mode: the M-mode firmware (ELF or raw binary at 0x80000000);
                     default Debian's OpenSBI fw_dynamic. A bare-metal kernel (xv6) runs
                     here with no --kernel.
  --dtb FILE         use this device tree instead of the generated one; it is checked
                     first (header, structure, a cpu, memory inside the guest RAM); its
                     /chosen gets --append (if given) and the initrd's place, as in QEMU
  --memory SIZE      guest RAM, 16M..${formatSize(MAX_MEMORY)}, e.g. 512M or 1.5G; default 256M. The cap is
                     WebAssembly's: the VM's memory is one wasm32 Memory (4 GiB)
  --cpus N           harts, 1..16 (run interleaved on one thread); default 1
  --disk FILE[,ro][,serial=ID]
                     a raw disk image as virtio-blk (repeatable: vda, vdb, …); ro makes
                     guest writes fail; one paravm writes an image, or any number read
                     it, never both (FILE.lock, FILE.rlock.PID; a dead holder's lock is
                     taken over)
  --share HOSTDIR:TAG[,ro]
                     a host folder as virtio-9p (repeatable); in the guest:
                     mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt;
                     ro refuses every change; nothing outside HOSTDIR is reachable
  --net user[,hostfwd=tcp::HOSTPORT-:GUESTPORT]…[,mac=52:54:00:…]
                     a virtio-net card on a user-mode network (repeatable): DHCP gives
                     10.0.2.15; 10.0.2.2 is the host's 127.0.0.1; 10.0.2.3 answers DNS;
                     hostfwd forwards host TCP ports into the guest
  --net socket,path=DIR[,mac=52:54:00:…]
                     a virtio-net card on an Ethernet segment shared by every paravm
                     VM that names the folder DIR (made if missing); no DHCP there: give
                     addresses in the guests; without mac= the card gets a random one
  --vsock CID[,uds=PATH]
                     a virtio-vsock device, guest CID >= 3, Firecracker's convention: a
                     guest connection to host port P reaches the Unix socket PATH_P; a
                     host program connects to PATH, sends "CONNECT P\n", reads "OK N\n",
                     and talks to guest port P; default PATH $TMPDIR/paravm-vsock-<pid>.sock
  --stats            at exit, print exits by cause with host time, and guest MIPS
  --timeout S        end a guest still running after S seconds, 0 < S <= 2147483
                     (exit status 124)
  -h, --help         this text

Console: stdin/stdout. In a terminal, raw mode; Ctrl-A h lists the keys, Ctrl-A x ends the
VM, Ctrl-A Ctrl-A sends Ctrl-A.
Exit status: 0 guest powered off, 1 guest failure, 2 bad arguments or files (one line on
stderr), 124 timeout, 126 a hart stuck in a trap loop (trap after trap at one pc, nothing
retired).`;

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseOptions({
    args,
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
      vsock: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP + "\n");
    return 0;
  }
  const mode = (values.mode ?? "pv") as GuestMode;
  if (mode !== "pv" && mode !== "full") throw new UsageError(`--mode must be pv or full, not '${values.mode}'`);
  const memory = memoryOption(values.memory, 256 * 1024 * 1024, 16 * 1024 * 1024);
  const cpus = integerOption("cpus", values.cpus, 1, 1, 16);
  const timeout = secondsOption("timeout", values.timeout);
  // With --dtb and no --append, the tree's own bootargs stand (QEMU's way).
  const defaultAppend = values.dtb ? "" : mode === "pv" ? "console=hvc0 earlycon=sbi" : "console=ttyS0";
  const append = appendOption(values.append ?? defaultAppend);
  const dtb = values.dtb ? readInputFile("dtb", values.dtb) : undefined;
  checkDistinctDisks(values.disk ?? []);

  let kernel: Uint8Array | undefined;
  let initrd: Uint8Array | undefined;
  let firmware: Uint8Array | undefined;
  try {
    const bareMetal = mode === "full" && values.firmware !== undefined && values.kernel === undefined;
    if (!bareMetal) {
      kernel = maybeGunzip(
        values.kernel ? readInputFile("kernel", values.kernel) : readArtefact(DEFAULT_GUEST_DIR, "kernel"),
        "kernel",
      );
      if (!isLinuxImage(kernel) && !isElf(kernel))
        throw new UsageError(`${values.kernel ?? "the default kernel"} is neither a RISC-V Linux Image nor an ELF`);
      if (values.initrd) initrd = maybeGunzip(readInputFile("initrd", values.initrd), "initrd");
      else if (!values.kernel) initrd = readArtefact(DEFAULT_GUEST_DIR, "initrd");
    }
    if (mode === "full") {
      const fw = values.firmware ?? DEFAULT_FIRMWARE;
      if (!values.firmware && !existsSync(fw)) {
        throw new UsageError(`no firmware for full mode: install Debian's opensbi package (${fw}) or give --firmware`);
      }
      firmware = readInputFile("firmware", fw);
    }
  } catch (e) {
    if (e instanceof ImageError) throw new UsageError(e.message);
    throw e;
  }
  const virtioCount =
    (values.disk?.length ?? 0) + (values.net?.length ?? 0) + (values.share?.length ?? 0) + (values.vsock ? 1 : 0);
  if (virtioCount > VIRTIO_SLOTS_FOR_USER)
    throw new UsageError(
      `at most ${VIRTIO_SLOTS_FOR_USER} --disk, --net, --share and --vsock in all (the console and rng take 2 of ${PLATFORM.virtio.slots} virtio slots)`,
    );
  let vsockSpec;
  try {
    vsockSpec = values.vsock === undefined ? undefined : parseVsockSpec(values.vsock);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const shares = openShares(values.share ?? []);
  const disks: BlockBackend[] = [];
  const nets: { backend: NetBackend; mac: Uint8Array }[] = [];
  let vsock: { cid: number; backend: UnixSocketBackend } | undefined;
  try {
    for (const spec of values.disk ?? []) disks.push(await openDisk(spec));
    for (const [i, spec] of (values.net ?? []).entries()) nets.push(await openNet(spec, i));
    if (vsockSpec) {
      try {
        vsock = { cid: vsockSpec.cid, backend: await UnixSocketBackend.create(vsockSpec.uds) };
      } catch (e) {
        throw new UsageError(`--vsock ${values.vsock}: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    await closeAll(disks, nets, vsock);
    throw e;
  }

  const term = attachTerminal(
    (bytes) => vm?.pushInput(bytes),
    () => vm?.stop(),
    () => {},
  );
  let vm: Vm | null = null;
  term.onDrain(() => vm?.outputDrained());
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
          shares,
          nets,
          vsock,
          output: (b) => term.write(b),
          outputFull: () => term.full(),
        });
      } catch (e) {
        if (e instanceof FdtError) throw new UsageError(`--dtb ${values.dtb}: ${e.message}`);
        if (e instanceof LayoutError || e instanceof ElfError || e instanceof ImageError)
          throw new UsageError(e.message);
        throw e;
      }
      end = await vm.run();
      await vm.close();
      if (end.kind !== "reboot") break;
    }
  } finally {
    if (timer) clearTimeout(timer);
    term.endLine(); // paravm's messages and the host's prompt go below the guest's last line
    term.close();
    await closeAll(disks, nets, vsock);
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
  if (end.kind === "trapLoop") {
    process.stderr.write(`paravm: ${describeTrapLoop(end.loop)}\n`);
    return 126;
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
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--disk ${path}: ${code ? describeFileError(e) : (e as Error).message}`);
  }
}

/** One image twice would be two disks writing one file; the lock would blame this very process. */
function checkDistinctDisks(specs: string[]): void {
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const path = spec.split(",")[0];
    let key = path;
    try {
      key = realpathSync(path);
    } catch {
      // A missing file fails when it is opened, with its own message.
    }
    const first = seen.get(key);
    if (first !== undefined)
      throw new UsageError(`--disk ${path} given twice${first === path ? "" : ` (also as ${first})`}`);
    seen.set(key, path);
  }
}

/** --share HOSTDIR:TAG[,ro]… */
function openShares(specs: string[]): Share[] {
  const parsed = specs.map((s) => {
    try {
      return parseShareSpec(s);
    } catch (e) {
      throw new UsageError(`--share ${s}: ${(e as Error).message}`);
    }
  });
  try {
    checkDistinctTags(parsed);
  } catch (e) {
    throw new UsageError(`--share: ${(e as Error).message}`);
  }
  return parsed.map((s) => {
    try {
      return openShare(s);
    } catch (e) {
      throw new UsageError(`--share ${s.dir}: ${(e as Error).message}`);
    }
  });
}

/**
 * --net user[,…] | socket,path=DIR[,…]. Without mac=, a user card gets QEMU's MAC plus i; a
 * socket card a random one under QEMU's prefix, since its segment holds other VMs.
 */
async function openNet(spec: string, i: number): Promise<{ backend: NetBackend; mac: Uint8Array }> {
  let parsed;
  try {
    parsed = parseNetSpec(spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    if (parsed.kind === "socket") {
      const mac = parsed.mac ?? Uint8Array.of(0x52, 0x54, 0x00, ...randomBytes(3));
      return { backend: await SocketNetwork.open({ path: parsed.path }), mac };
    }
    const mac = parsed.mac ?? Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56 + i);
    return { backend: await UserNetwork.create({ hostfwd: parsed.hostfwd, guestMac: mac }), mac };
  } catch (e) {
    throw new UsageError(`--net ${spec}: ${(e as Error).message}`);
  }
}

async function closeAll(
  disks: BlockBackend[],
  nets: { backend: NetBackend }[],
  vsock?: { backend: UnixSocketBackend },
): Promise<void> {
  for (const d of disks) await (d as FileBackend).close();
  for (const n of nets) await n.backend.close();
  await vsock?.backend.close();
}
