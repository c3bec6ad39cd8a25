// What bench/guest.ts runs in the guest, typed at its interactive busybox shell one command
// line at a time, and how each answer is checked. Each workload is timed by the guest's own
// clock: the shell reads /proc/uptime (10 ms resolution) just before and just after it, so
// neither boot, console latency nor the host's share of the line's typing is in the time.
// Both paravm's and QEMU's guest clocks follow host time.

import { createHash } from "node:crypto";
import type { GuestShell } from "../tests/guest/guestShell.js";

export interface Sizes {
  /** `seq 1 N | md5sum` in `sh -c` */
  seq: number;
  /** turns of a busybox sh `while` loop */
  loop: number;
  /** lines through `seq | while read | md5sum` at the interactive shell */
  pipe: number;
  /** MiB of the read-only disk that dd reads */
  diskMiB: number;
  /** `seq 1 N | md5sum` in the Debian-kernel guest */
  debianSeq: number;
}

export const FULL_SIZES: Sizes = { seq: 200_000, loop: 100_000, pipe: 20_000, diskMiB: 64, debianSeq: 50_000 };
export const QUICK_SIZES: Sizes = { seq: 20_000, loop: 5_000, pipe: 500, diskMiB: 8, debianSeq: 5_000 };

/** Seconds by the guest's clock, and by the host's from typing the line to its answer. */
export interface Timing {
  guest: number;
  host: number;
}

export interface Workload {
  key: string;
  /** What the table's row says, with the sizes filled in. */
  label(s: Sizes): string;
  /** Runs it and resolves with its times; rejects on a wrong answer. */
  run(vm: GuestShell, s: Sizes): Promise<Timing>;
}

const COMMAND_MS = 4 * 3600_000;
const BLOCK = 64 * 1024;

/** The md5 of what `seq 1 n` prints. */
function seqMd5(n: number): string {
  const h = createHash("md5");
  for (let i = 1; i <= n; i++) h.update(`${i}\n`);
  return h.digest("hex");
}

/**
 * Runs `command` between two reads of /proc/uptime and resolves with the seconds between
 * them and what the command printed.
 */
async function timed(vm: GuestShell, command: string): Promise<{ timing: Timing; out: string }> {
  const t0 = performance.now();
  const out = await vm.run(
    `read t0 _ </proc/uptime; ${command}; read t1 _ </proc/uptime; echo "@T $t0 $t1"`,
    COMMAND_MS,
  );
  const m = /@T ([\d.]+) ([\d.]+)\n/.exec(out);
  if (!m) throw new Error(`no guest times in ${JSON.stringify(out.slice(-500))}`);
  const timing = { guest: Number(m[2]) - Number(m[1]), host: (performance.now() - t0) / 1000 };
  return { timing, out: out.slice(0, m.index) };
}

async function md5Of(vm: GuestShell, command: string, n: number): Promise<Timing> {
  const { timing, out } = await timed(vm, command);
  const want = seqMd5(n);
  if (!new RegExp(`^${want}  -$`, "m").test(out))
    throw new Error(`${command}: printed ${JSON.stringify(out.slice(-300))}, not the md5 ${want}`);
  return timing;
}

/** `seq 1 N | md5sum` in `sh -c`, N from the sizes. */
function seqMd5Workload(key: string, n: (s: Sizes) => number): Workload {
  return {
    key,
    label: (s) => `\`seq 1 ${n(s)} | md5sum\` in \`sh -c\``,
    run: (vm, s) => md5Of(vm, `sh -c 'seq 1 ${n(s)} | md5sum'`, n(s)),
  };
}

export const SEQ = seqMd5Workload("seq", (s) => s.seq);

export const LOOP: Workload = {
  key: "loop",
  label: (s) => `busybox sh loop, ${s.loop} turns`,
  async run(vm, s) {
    const { timing, out } = await timed(
      vm,
      `sh -c 'i=0; while [ $i -lt ${s.loop} ]; do i=$((i+1)); done; echo "@I $i"'`,
    );
    if (!out.includes(`@I ${s.loop}\n`)) throw new Error(`sh loop: ${JSON.stringify(out.slice(-300))}`);
    return timing;
  },
};

/**
 * At the interactive shell: busybox `read` takes one byte per read(2) from the pipe, and
 * each line's `echo` is a write(2) that wakes md5sum, so every line costs several system
 * calls and context switches.
 */
export const PIPE: Workload = {
  key: "pipe",
  label: (s) => `\`seq 1 ${s.pipe} | while read l; do echo $l; done | md5sum\` at the shell`,
  run: (vm, s) => md5Of(vm, `seq 1 ${s.pipe} | while read l; do echo $l; done | md5sum`, s.pipe),
};

/** The whole disk, from a cold guest page cache. */
export const DD: Workload = {
  key: "dd",
  label: (s) => `\`dd if=/dev/vda of=/dev/null bs=64k\`, ${s.diskMiB} MiB`,
  async run(vm, s) {
    await vm.run("sync; echo 3 >/proc/sys/vm/drop_caches", COMMAND_MS);
    const { timing, out } = await timed(
      vm,
      `dd if=/dev/vda of=/dev/null bs=${BLOCK} 2>/tmp/dd.err; echo "@D $? $(head -n 1 /tmp/dd.err)"`,
    );
    const records = (s.diskMiB << 20) / BLOCK;
    if (!out.includes(`@D 0 ${records}+0 records in\n`)) throw new Error(`dd: ${JSON.stringify(out.slice(-300))}`);
    return timing;
  },
};

export const DEBIAN_SEQ = seqMd5Workload("debianSeq", (s) => s.debianSeq);

/** In the order one boot of the default guest runs them. */
export const DEFAULT_GUEST_WORKLOADS: Workload[] = [SEQ, LOOP, PIPE, DD];
