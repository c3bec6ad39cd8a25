// Runs the cases [from, to) of a campaign: a fresh target at every epoch boundary, each case
// with its own generator seeded from (seed, campaign, case), so case n replays alone from the
// start of its epoch. Failures are reported and the run goes on with the same target (so that
// a later case replays exactly too).

import type { Campaign, Trace } from "./campaign.js";
import { Prng, seedOf } from "./prng.js";

export interface CaseFailure {
  campaign: string;
  seed: number;
  index: number;
  message: string;
}

/** A stable number for a campaign's name, mixed into every seed it draws. */
function nameId(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return h;
}

export const caseRng = (name: string, seed: number, index: number): Prng => new Prng(seedOf(seed, nameId(name), index));
const targetRng = (name: string, seed: number, epoch: number): Prng =>
  new Prng(seedOf(seed, nameId(name), epoch, 0x7a26e7));

export interface RunHooks {
  /** Called before case `index` starts (the watchdog's heartbeat). */
  starting(index: number): void;
  failed(failure: CaseFailure): void;
  /** The trace of case `index` (replays only). */
  trace(index: number): Trace;
}

export async function runCases<T>(
  campaign: Campaign<T>,
  seed: number,
  from: number,
  to: number,
  hooks: RunHooks,
): Promise<void> {
  let target: T | null = null;
  let epoch = -1;
  for (let index = from; index < to; index++) {
    const e = Math.floor(index / campaign.epoch);
    if (e !== epoch || target === null) {
      if (target !== null) await campaign.close(target);
      epoch = e;
      target = await campaign.open(targetRng(campaign.name, seed, e));
    }
    hooks.starting(index);
    try {
      await campaign.run(target, caseRng(campaign.name, seed, index), hooks.trace(index));
    } catch (e) {
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      hooks.failed({ campaign: campaign.name, seed, index, message });
    }
  }
  if (target !== null) await campaign.close(target);
}
