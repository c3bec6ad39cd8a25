// A campaign's cases in a worker thread, so that the main thread's watchdog can see a case
// that never ends (by its heartbeat) and stop it.

import { parentPort, workerData } from "node:worker_threads";
import { type CampaignName, makeCampaign } from "./campaigns.js";
import { type CaseFailure, runCases } from "./runner.js";

export interface WorkerJob {
  campaign: CampaignName;
  seed: number;
  from: number;
  to: number;
  /** [0]: the case running now; [1]: cases finished. */
  heartbeat: SharedArrayBuffer;
}

export type WorkerMessage =
  { kind: "failed"; failure: CaseFailure } | { kind: "done"; figures: Record<string, number> };

const job = workerData as WorkerJob;
const beat = new Int32Array(job.heartbeat);
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
let current = job.from;

// Device code that throws from a callback (a host I/O completion) is a defect of the case running.
const escaped = (e: unknown) =>
  post({
    kind: "failed",
    failure: {
      campaign: job.campaign,
      seed: job.seed,
      index: current,
      message: `escaped asynchronously: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    },
  });
process.on("uncaughtException", escaped);
process.on("unhandledRejection", escaped);

const campaign = makeCampaign(job.campaign);
await runCases(campaign, job.seed, job.from, job.to, {
  starting: (index) => {
    current = index;
    Atomics.store(beat, 0, index);
    Atomics.store(beat, 1, index - job.from);
  },
  failed: (failure) => post({ kind: "failed", failure }),
  trace: () => null,
});
Atomics.store(beat, 1, job.to - job.from);
post({ kind: "done", figures: campaign.figures() });
