// npm run bench — real guest workloads in paravm (pv and full mode), QEMU (qemu-system-riscv64
// -machine virt, TCG, its own OpenSBI) and, when the user has a build of it, TinyEMU, all in
// one run on the same machine: paravm's default guest (guests/default), 256 MiB, one hart,
// a read-only virtio-blk disk of random bytes. What runs and how it is timed:
// bench/guestWorkloads.ts. Also a boot with more harts, and Debian's stock kernel
// (guests/debian/build.sh) booting and running a small CPU workload, when it is built.
//
// Every workload runs in a boot of its own, on every system in turn (paravm pv, paravm full,
// QEMU, TinyEMU), then the next workload; the table shows the median of the rounds (the peak
// RSS: the most of any boot). Progress goes to stderr, the markdown table to stdout, every
// sample to --json FILE. `npm run bench -- --help` lists the options.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, homedir, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { DEFAULT_GUEST_DIR, readArtefact } from "../src/machine/guestArtefacts.js";
import { GuestShell } from "../tests/guest/guestShell.js";
import { fillRandom } from "./randomFile.js";
import { systems as allSystems, type Guest, type Machine, type System, type SystemKey } from "./guestSystems.js";
import { addError, addSample, errorLines, markdownTable, newRow, type Row } from "./guestTable.js";
import {
  DEBIAN_SEQ,
  DEFAULT_GUEST_WORKLOADS,
  FULL_SIZES,
  QUICK_SIZES,
  type Sizes,
  type Workload,
} from "./guestWorkloads.js";

const USAGE = `Usage: npm run bench -- [options]

  --quick              small sizes and one round, for a fast check
  --rounds N           rounds (each runs every workload once on every system); default 3, --quick 1
  --seq N              seq 1 N | md5sum in sh -c (default ${FULL_SIZES.seq})
  --loop N             turns of the sh loop (default ${FULL_SIZES.loop})
  --pipe N             lines through seq | while read | md5sum (default ${FULL_SIZES.pipe})
  --disk-mib N         size of the disk dd reads (default ${FULL_SIZES.diskMiB})
  --debian-seq N       seq 1 N | md5sum in the Debian-kernel guest (default ${FULL_SIZES.debianSeq})
  --smp N              harts of the extra boot row (default 2; 1 leaves it out)
  --only pv,full,qemu,tinyemu
                       only these systems
  --debian DIR         the Debian-kernel guest (default $PARAVM_DEBIAN_GUEST or ~/.cache/paravm/debian)
  --tinyemu PATH       a TinyEMU build's temu (default $PARAVM_BENCH_TINYEMU; none: no TinyEMU)
  --tinyemu-bios FILE  its BIOS (default $PARAVM_BENCH_TINYEMU_BIOS, else bbl64.bin beside temu)
  --boot-timeout S     a boot that shows no prompt within S seconds fails (default 1800);
                       that system then skips the guest in the later rounds
  --json FILE          also write every sample as JSON
`;

const MEMORY_MIB = 256;

const { values: opt } = parseArgs({
  options: {
    quick: { type: "boolean" },
    rounds: { type: "string" },
    seq: { type: "string" },
    loop: { type: "string" },
    pipe: { type: "string" },
    "disk-mib": { type: "string" },
    "debian-seq": { type: "string" },
    smp: { type: "string" },
    only: { type: "string" },
    debian: { type: "string" },
    tinyemu: { type: "string" },
    "tinyemu-bios": { type: "string" },
    "boot-timeout": { type: "string" },
    json: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (opt.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function count(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} wants a whole number >= ${min}, not '${v}'\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const base = opt.quick ? QUICK_SIZES : FULL_SIZES;
const sizes: Sizes = {
  seq: count("seq", opt.seq, base.seq),
  loop: count("loop", opt.loop, base.loop),
  pipe: count("pipe", opt.pipe, base.pipe),
  diskMiB: count("disk-mib", opt["disk-mib"], base.diskMiB),
  debianSeq: count("debian-seq", opt["debian-seq"], base.debianSeq),
};
const rounds = count("rounds", opt.rounds, opt.quick ? 1 : 3);
const smp = count("smp", opt.smp, 2);
const bootMs = count("boot-timeout", opt["boot-timeout"], 1800) * 1000;

const progress = (s: string): void => void process.stderr.write(s + "\n");
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

const tmp = mkdtempSync(join(tmpdir(), "paravm-bench-guest-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

function tinyemuOption(): { temu: string; bios: string } | undefined {
  const temu = opt.tinyemu ?? process.env.PARAVM_BENCH_TINYEMU;
  if (!temu) return undefined;
  const bios = opt["tinyemu-bios"] ?? process.env.PARAVM_BENCH_TINYEMU_BIOS ?? join(dirname(temu), "bbl64.bin");
  for (const f of [temu, bios])
    if (!existsSync(f)) {
      process.stderr.write(`TinyEMU: no ${f} (--tinyemu PATH, --tinyemu-bios FILE)\n`);
      process.exit(2);
    }
  return { temu, bios };
}

const only = opt.only?.split(",") as SystemKey[] | undefined;
const known: SystemKey[] = ["pv", "full", "qemu", "tinyemu"];
const unknown = only?.filter((k) => !known.includes(k));
if (unknown?.length) {
  process.stderr.write(`--only: no system '${unknown.join(",")}'\n${USAGE}`);
  process.exit(2);
}
const systems = allSystems({ only, tinyemu: tinyemuOption(), tmp });
if (!systems.length) {
  process.stderr.write(`--only: none of ${opt.only} is run (tinyemu wants --tinyemu PATH)\n`);
  process.exit(2);
}

/** A gunzipped kernel in tmp (QEMU and TinyEMU load no gzip). */
function rawKernel(name: string, gz: Uint8Array): string {
  const path = join(tmp, `${name}.Image`);
  writeFileSync(path, gunzipSync(gz));
  return path;
}

const defaultGuest: Guest = {
  name: "default",
  kernel: rawKernel("default", readArtefact(DEFAULT_GUEST_DIR, "kernel")),
  initrd: join(DEFAULT_GUEST_DIR, "initramfs.cpio.gz"),
  append: {},
};

const debianDir = opt.debian ?? process.env.PARAVM_DEBIAN_GUEST ?? join(homedir(), ".cache", "paravm", "debian");
function debianGuest(): { guest: Guest; release: string } | undefined {
  if (!existsSync(join(debianDir, "artefacts.json"))) return undefined;
  const manifest = JSON.parse(readFileSync(join(debianDir, "artefacts.json"), "utf8")) as {
    kernel: { release?: string };
    append?: string;
  };
  const append = manifest.append ?? "console=ttyS0 cryptomgr.notests";
  return {
    release: manifest.kernel.release ?? "?",
    guest: {
      name: "debian",
      kernel: rawKernel("debian", readArtefact(debianDir, "kernel")),
      initrd: join(debianDir, "initramfs.cpio.gz"),
      append: { pv: append, full: append, qemu: append },
    },
  };
}
const debian = debianGuest();

const disk = join(tmp, "disk.img");
fillRandom(disk, sizes.diskMiB);

const row = newRow;
const bootRow = row("boot", "process start → shell prompt (host wall time, every boot of the default guest)");
const workloadRows = new Map<Workload, Row>(DEFAULT_GUEST_WORKLOADS.map((w) => [w, row(w.key, w.label(sizes))]));
const rssRow: Row = {
  ...row("rss", "peak host RSS of the emulator (default guest, most of any boot)", "MiB"),
  statistic: "max",
};
const smpRow = row("bootSmp", `process start → shell prompt, ${smp} harts (paravm --cpus ${smp}, QEMU -smp ${smp})`);
const debianLabel = debian ? `Debian's kernel ${debian.release}` : "Debian's stock kernel";
const debianBootRow = row("debianBoot", `${debianLabel}: process start → shell prompt`);
const debianSeqRow = row(DEBIAN_SEQ.key, `${debianLabel}: ${DEBIAN_SEQ.label(sizes)}`);
const rows = [bootRow, ...workloadRows.values(), rssRow];
if (smp > 1) rows.push(smpRow);
rows.push(debianBootRow, debianSeqRow);
if (!debian)
  for (const r of [debianBootRow, debianSeqRow])
    r.skipped = `not built: run guests/debian/build.sh (looked in ${debianDir})`;
for (const s of systems) {
  if (s.maxCpus < smp) (smpRow.notApplicable ??= {})[s.key] = `${s.maxCpus} hart`;
  if (s.key === "tinyemu")
    for (const r of [debianBootRow, debianSeqRow]) (r.notApplicable ??= {})[s.key] = "no UART for its console";
}

/** VmHWM of a live process, in MiB. */
function peakRssMiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** "system guest harts" of the boots that failed: later rounds do not try them again. */
const unbootable = new Set<string>();

/**
 * One boot: times spawn → prompt into `boot`, runs `work` if any, reads the peak RSS into
 * `rss`, powers off. Every workload gets a boot of its own, so what one leaves behind (the
 * guest's page cache, the emulator's translation caches) never changes another's time.
 */
async function session(
  round: string,
  system: System,
  guest: Guest,
  machine: Machine,
  boot: Row,
  work?: [Workload, Row],
  rss?: Row,
): Promise<void> {
  const harts = machine.cpus > 1 ? ` (${machine.cpus} harts)` : "";
  const tag = `[${round}] ${system.name}${harts}, ${guest.name} guest`;
  const which = `${system.key} ${guest.name} ${machine.cpus}`;
  if (unbootable.has(which)) {
    progress(`${tag}: skipped (no prompt in an earlier round)`);
    return;
  }
  const t0 = performance.now();
  const vm = new GuestShell(system.start(guest, machine));
  const pending = new Set([boot, ...(work ? [work[1]] : []), ...(rss ? [rss] : [])]);
  try {
    await vm.booted(bootMs).catch((e: Error) => {
      unbootable.add(which);
      throw e;
    });
    const seconds = (performance.now() - t0) / 1000;
    addSample(boot, system.key, seconds);
    pending.delete(boot);
    progress(`${tag}: boot ${seconds.toFixed(2)} s`);
    if (work) {
      const [w, r] = work;
      await vm.run("dmesg -n 1", 60_000);
      const t = await w.run(vm, sizes);
      addSample(r, system.key, t.guest, t.host);
      pending.delete(r);
      progress(`${tag}: ${w.key} ${t.guest.toFixed(2)} s by the guest clock (${t.host.toFixed(2)} s host)`);
    }
    if (rss && vm.child.pid !== undefined) {
      const mib = peakRssMiB(vm.child.pid);
      addSample(rss, system.key, mib);
      pending.delete(rss);
      progress(`${tag}: peak RSS ${mib.toFixed(0)} MiB`);
    }
    await vm.poweroff(30_000);
  } catch (e) {
    for (const r of pending) addError(r, system.key, (e as Error).message);
    const [first, ...rest] = (e as Error).message.split("\n");
    progress(`${tag}: failed: ${first}\n${rest.join("\n").slice(-800)}`);
  } finally {
    vm.kill();
  }
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n")[0];
  } catch {
    return "not found";
  }
}

const started = new Date();
const loadBefore = load();
const environment = {
  started: started.toISOString(),
  loadBefore,
  cpus: cpus().length,
  node: process.version,
  qemu: version("qemu-system-riscv64", ["--version"]),
  jit: process.env.PARAVM_JIT ?? "default",
};
progress(
  `${rounds} round(s) of ${systems.map((s) => s.name).join(", ")}; sizes ${JSON.stringify(sizes)}; ` +
    `load average ${loadBefore} on ${environment.cpus} CPUs`,
);

function writeJson(finished: boolean): void {
  if (!opt.json) return;
  const names = systems.map(({ key, name }) => ({ key, name }));
  const data = { ...environment, finished, loadNow: load(), rounds, statistic: "median", sizes, systems: names, rows };
  writeFileSync(opt.json, JSON.stringify(data, null, 2) + "\n");
}

// Interleaved: each workload runs on every system in turn before the next one starts, so
// the machine's other load falls on all of them alike.
const machine: Machine = { memoryMiB: MEMORY_MIB, cpus: 1, disk };
for (let i = 1; i <= rounds; i++) {
  const round = `${i}/${rounds}`;
  for (const work of workloadRows)
    for (const s of systems) await session(round, s, defaultGuest, machine, bootRow, work, rssRow);
  if (smp > 1)
    for (const s of systems.filter((s) => s.maxCpus >= smp))
      await session(round, s, defaultGuest, { ...machine, cpus: smp }, smpRow);
  if (debian)
    for (const s of systems.filter((s) => s.key !== "tinyemu"))
      await session(round, s, debian.guest, machine, debianBootRow, [DEBIAN_SEQ, debianSeqRow]);
  writeJson(false);
}
writeJson(true);

const names = systems.map((s) => s.name).join(", ");
console.log(
  `Guest workloads, ${names}: median of ${rounds} round(s), interleaved (each workload in a boot of its own, on every system in turn). ` +
    `Default guest, ${MEMORY_MIB} MiB, one hart, a ${sizes.diskMiB} MiB read-only virtio-blk disk; times by the guest's ` +
    `/proc/uptime (10 ms) except the boots. ${started.toISOString()}, load average ${loadBefore} before and ` +
    `${load()} after, ${environment.cpus} CPUs; ${environment.qemu}.\n`,
);
console.log(markdownTable(rows, systems));
const errors = errorLines(rows, systems);
if (errors.length) console.log("\n" + errors.map((e) => `- ${e}`).join("\n"));
