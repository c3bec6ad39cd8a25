// npm run fuzz -- [--campaign rings|sbi|mmio|all] [--cases N | --cases rings=N,sbi=N,mmio=N]
//                 [--seed S] [--replay CASE] [--hang-ms MS] [--progress-ms MS]
//
// Randomized campaigns against the real device code (see README, "Fuzzing"). Each campaign runs
// in a worker thread; this thread prints progress, samples RSS and is the wall-clock watchdog:
// a case that runs longer than --hang-ms is reported as a hang, with its seed and index, and
// the campaign goes on after it. Every failure is printed with the command that replays it.

import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { CAMPAIGNS, type CampaignName, makeCampaign } from "./campaigns.js";
import { type CaseFailure, runCases } from "./runner.js";
import type { WorkerJob, WorkerMessage } from "./worker.js";

interface Options {
  campaigns: CampaignName[];
  cases: Map<CampaignName, number>;
  seed: number;
  replay: number | null;
  hangMs: number;
  progressMs: number;
}

function usage(why: string): never {
  console.error(`fuzz: ${why}`);
  console.error(
    "usage: npm run fuzz -- [--campaign rings|sbi|mmio|all] [--cases N|rings=N,sbi=N,mmio=N] [--seed S] [--replay CASE] [--hang-ms MS] [--progress-ms MS]",
  );
  process.exit(2);
}

function count(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) usage(`${what} wants a whole number, not "${text}"`);
  return n;
}

function parse(argv: string[]): Options {
  const o: Options = {
    campaigns: [...CAMPAIGNS],
    cases: new Map(),
    seed: randomInt(2 ** 31),
    replay: null,
    hangMs: 10_000,
    progressMs: 5_000,
  };
  let cases = "10000";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} wants a value`);
    if (arg === "--campaign") {
      const v = value();
      if (v === "all") o.campaigns = [...CAMPAIGNS];
      else if ((CAMPAIGNS as readonly string[]).includes(v)) o.campaigns = [v as CampaignName];
      else usage(`unknown campaign "${v}"`);
    } else if (arg === "--cases") cases = value();
    else if (arg === "--seed") o.seed = count(value(), "--seed");
    else if (arg === "--replay") o.replay = count(value(), "--replay");
    else if (arg === "--hang-ms") o.hangMs = count(value(), "--hang-ms");
    else if (arg === "--progress-ms") o.progressMs = count(value(), "--progress-ms");
    else usage(`unknown argument "${arg}"`);
  }
  for (const part of cases.split(",")) {
    const [name, n] = part.includes("=") ? part.split("=") : [null, part];
    if (name !== null && !(CAMPAIGNS as readonly string[]).includes(name)) usage(`unknown campaign "${name}"`);
    for (const c of name === null ? CAMPAIGNS : [name as CampaignName]) o.cases.set(c, count(n, "--cases"));
  }
  if (o.replay !== null && o.campaigns.length !== 1) usage("--replay wants one --campaign");
  return o;
}

const MiB = 1024 * 1024;

interface Summary {
  campaign: string;
  cases: number;
  seconds: number;
  failures: CaseFailure[];
  hangs: number;
  peakRss: number;
  figures: Record<string, number>;
}

function replayCommand(f: CaseFailure): string {
  return `npm run fuzz -- --campaign ${f.campaign} --seed ${f.seed} --replay ${f.index}`;
}

function report(f: CaseFailure): void {
  const lines = f.message.split("\n");
  console.log(`FAIL ${f.campaign} seed ${f.seed} case ${f.index}: ${lines.slice(0, 4).join("\n    ")}`);
  console.log(`    replay: ${replayCommand(f)}`);
}

/** One campaign in workers, restarted after a case that hung; resolves with what happened. */
function runCampaign(o: Options, name: CampaignName): Promise<Summary> {
  const total = o.cases.get(name) ?? 0;
  const started = performance.now();
  const summary: Summary = {
    campaign: name,
    cases: total,
    seconds: 0,
    failures: [],
    hangs: 0,
    peakRss: 0,
    figures: {},
  };
  return new Promise((resolve) => {
    const start = (from: number) => {
      const heartbeat = new SharedArrayBuffer(8);
      const beat = new Int32Array(heartbeat);
      beat[0] = from;
      const job: WorkerJob = { campaign: name, seed: o.seed, from, to: total, heartbeat };
      const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: job });
      let done = false;
      let lastCase = -1;
      let since = performance.now();
      let lastPrint = performance.now();
      const tick = setInterval(() => {
        summary.peakRss = Math.max(summary.peakRss, process.memoryUsage.rss());
        const now = performance.now();
        const current = Atomics.load(beat, 0);
        if (current !== lastCase) {
          lastCase = current;
          since = now;
        } else if (now - since > o.hangMs && !done) {
          done = true;
          clearInterval(tick);
          const failure = {
            campaign: name,
            seed: o.seed,
            index: current,
            message: `hang: no progress in ${o.hangMs} ms`,
          };
          summary.hangs++;
          summary.failures.push(failure);
          report(failure);
          void worker.terminate();
          if (current + 1 < total) start(current + 1);
          else finish();
          return;
        }
        if (now - lastPrint >= o.progressMs) {
          lastPrint = now;
          const n = Atomics.load(beat, 0);
          const secs = (now - started) / 1000;
          console.log(
            `[${name}] ${n}/${total} cases, ${Math.round(n / secs)}/s, rss ${Math.round(process.memoryUsage.rss() / MiB)} MiB, ${summary.failures.length} failed`,
          );
        }
      }, 200);
      worker.on("message", (m: WorkerMessage) => {
        if (m.kind === "failed") {
          summary.failures.push(m.failure);
          report(m.failure);
        } else {
          summary.figures = m.figures;
        }
      });
      worker.on("error", (e) => {
        const failure = {
          campaign: name,
          seed: o.seed,
          index: Atomics.load(beat, 0),
          message: `worker died: ${e.stack}`,
        };
        summary.failures.push(failure);
        report(failure);
      });
      worker.on("exit", () => {
        clearInterval(tick);
        if (done) return;
        done = true;
        const current = Atomics.load(beat, 0);
        if (Atomics.load(beat, 1) < total - from) {
          // Ended before its last case (an escaped error killed it): go on after that case.
          if (current + 1 < total) return start(current + 1);
        }
        finish();
      });
    };
    const finish = () => {
      summary.seconds = (performance.now() - started) / 1000;
      summary.peakRss = Math.max(summary.peakRss, process.memoryUsage.rss());
      resolve(summary);
    };
    if (total === 0) finish();
    else start(0);
  });
}

async function replay(o: Options): Promise<void> {
  const name = o.campaigns[0];
  const campaign = makeCampaign(name);
  const index = o.replay!;
  const from = index - (index % campaign.epoch);
  console.log(`replaying ${name} seed ${o.seed} case ${index} (from case ${from}, the start of its epoch)`);
  let failed = false;
  await runCases(campaign, o.seed, from, index + 1, {
    starting: () => {},
    failed: (f) => {
      if (f.index === index) failed = true;
      console.log(`case ${f.index} FAILED: ${f.index === index ? f.message : f.message.split("\n")[0]}`);
    },
    trace: (i) => (i === index ? (line) => console.log(`  ${line}`) : null),
  });
  console.log(failed ? "the case fails" : "the case passes");
  process.exitCode = failed ? 1 : 0;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  // The campaigns' host folders (9p shares) go below one folder, removed at the end even when a
  // worker was stopped in a hang and could not remove its own.
  const scratch = mkdtempSync(join(tmpdir(), "paravm-fuzz-"));
  process.env.TMPDIR = scratch;
  try {
    await campaigns(o);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function campaigns(o: Options): Promise<void> {
  if (o.replay !== null) return replay(o);
  const plan = o.campaigns.map((c) => `${c} ${o.cases.get(c)}`).join(", ");
  console.log(`fuzz: seed ${o.seed}; cases: ${plan}; hang bound ${o.hangMs} ms per case`);
  const summaries: Summary[] = [];
  for (const name of o.campaigns) summaries.push(await runCampaign(o, name));
  console.log(`\nseed ${o.seed}`);
  console.log("campaign   cases        seconds  cases/s   exceptions  hangs  peak RSS");
  for (const s of summaries) {
    const exceptions = s.failures.length - s.hangs - s.failures.filter((f) => f.message.includes("work bound")).length;
    const workHangs = s.failures.filter((f) => f.message.includes("work bound")).length;
    console.log(
      `${s.campaign.padEnd(10)} ${String(s.cases).padEnd(12)} ${s.seconds.toFixed(1).padStart(7)}  ${String(Math.round(s.cases / Math.max(s.seconds, 1e-9))).padStart(7)}   ${String(exceptions).padStart(10)}  ${String(s.hangs + workHangs).padStart(5)}  ${Math.round(s.peakRss / MiB)} MiB`,
    );
    const figures = Object.entries(s.figures).map(([k, v]) => `${k} ${v}`);
    if (figures.length) console.log(`           ${figures.join(", ")}`);
  }
  const total = summaries.reduce((n, s) => n + s.cases, 0);
  const failed = summaries.reduce((n, s) => n + s.failures.length, 0);
  console.log(`total ${total} cases, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

await main();
