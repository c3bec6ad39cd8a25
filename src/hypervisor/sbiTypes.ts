// The SBI calling convention's vocabulary, and what the hypervisor needs from the VM.

import type { Hart } from "../cpu/hart.js";

export const SBI_SUCCESS = 0;
export const SBI_ERR_FAILED = -1;
export const SBI_ERR_NOT_SUPPORTED = -2;
export const SBI_ERR_INVALID_PARAM = -3;
export const SBI_ERR_DENIED = -4;
export const SBI_ERR_INVALID_ADDRESS = -5;
export const SBI_ERR_ALREADY_AVAILABLE = -6;
export const SBI_ERR_ALREADY_STARTED = -7;
export const SBI_ERR_ALREADY_STOPPED = -8;

/** HSM states of the SBI spec. */
export const enum HsmState {
  Started = 0,
  Stopped = 1,
  StartPending = 2,
  StopPending = 3,
  Suspended = 4,
  SuspendPending = 5,
  ResumePending = 6,
}

/** An SBI call's outcome: a0 (error) and a1 (value). */
export interface SbiRet {
  error: number;
  value: bigint;
}

export const ok = (value: bigint | number = 0n): SbiRet => ({ error: SBI_SUCCESS, value: BigInt(value) });
export const fail = (error: number): SbiRet => ({ error, value: 0n });

/** What the SBI extensions need from the VM that serves them. */
export interface SbiHost {
  readonly harts: readonly Hart[];
  hsmState(hart: number): HsmState;
  /** Starts a stopped hart in S-mode at addr with a0 = hartid, a1 = opaque. */
  startHart(hart: number, addr: number, opaque: bigint): void;
  /** Stops the calling hart (it leaves the run queue). */
  stopHart(hart: number): void;
  /** Retentive suspend: the hart waits for an interrupt as with wfi. */
  suspendHart(hart: number): void;
  /** Programs the S-mode timer of a hart (absolute time; all ones disarms). */
  setTimer(hart: number, deadline: bigint): void;
  consoleWrite(bytes: Uint8Array): void;
  /** The host side of the console is full: DBCN console_write takes nothing until it drains. */
  consoleFull(): boolean;
  /** Up to max bytes of console input that are waiting (possibly none). */
  consoleRead(max: number): Uint8Array;
  /** SRST: type 0 shutdown, 1 cold reboot, 2 warm reboot; reason 0 none, 1 failure. */
  reset(type: number, reason: number): void;
  /** Guest-physical RAM: a view of [addr, addr + length), or null if any of it is not RAM. */
  ram(addr: number, length: number): Uint8Array | null;
}
