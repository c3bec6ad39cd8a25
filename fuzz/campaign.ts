// What every fuzzing campaign provides to the runner: a target (the devices under test, built
// fresh every `epoch` cases so that a case replays from its epoch's start) and one case.

import type { Prng } from "./prng.js";

/** Where a replayed case says what it does; null while a campaign runs at speed. */
export type Trace = ((line: string) => void) | null;

export interface Campaign<T> {
  readonly name: string;
  /** Cases run against one target before a fresh one is built. */
  readonly epoch: number;
  open(rng: Prng): Promise<T> | T;
  /** One case; throws (or rejects) on a defect. */
  run(target: T, rng: Prng, trace: Trace): Promise<void> | void;
  close(target: T): Promise<void> | void;
  /** Campaign-wide figures for the summary (the most work one case did …). */
  figures(): Record<string, number>;
}

export const hex = (v: number | bigint): string => `0x${v.toString(16)}`;
