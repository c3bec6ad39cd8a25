// The contract between the virtio-mmio transport and a device model. A device knows its
// queues, features and config space; it does not know it sits behind MMIO (another transport,
// PCI one day, would drive the same device through the same two interfaces).

import type { Virtqueue } from "./virtqueue.js";

/** Generic feature bits (virtio 1.2 §6), offered by the transport for every device. */
export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;

/**
 * How much host work (bytes copied, filled or written out) one device does per run-loop turn,
 * whatever the rings hold. A notification is served synchronously inside the guest's MMIO store,
 * so without a bound a guest could make one store cost the host seconds (a chain of aliasing
 * descriptors is up to 4 GiB, a queue holds hundreds of them) and freeze the VM, its timers and
 * --timeout. A device that reaches the bound stops and returns true from notify(); the transport
 * calls it again on the next turn (VirtioMmio.poll), with a fresh allowance.
 */
export const TURN_BUDGET_BYTES = 256 * 1024;

/** What is left of a turn's allowance: a device subtracts what it did, and stops at zero or below. */
export interface WorkBudget {
  bytes: number;
}

export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** What the transport gives a device to work with. */
export interface VirtioHost {
  queue(index: number): Virtqueue;
  /** The features the driver accepted (valid once FEATURES_OK is set). */
  readonly features: bigint;
  /** DRIVER_OK is set and no reset is needed: the device may use its queues. */
  readonly running: boolean;
  /** After pushing used entries to a queue: raises the interrupt if the driver wants one. */
  usedBuffers(queue: number): void;
  /** The config space changed: bumps ConfigGeneration and raises a config-change interrupt. */
  configChanged(): void;
  /** The device met something it cannot recover from: DEVICE_NEEDS_RESET. */
  needsReset(reason: string): void;
  /**
   * Asks for notify(queue) on the next run-loop turn, as if the driver had notified: for work
   * the device held back (its host sink was full and has drained since).
   */
  defer(queue: number): void;
}

export interface VirtioDevice {
  /** The MMIO window's name in stats, e.g. "virtio-blk". */
  readonly name: string;
  /** Virtio device ID (§5): 2 block, 3 console, 4 entropy … */
  readonly deviceId: number;
  /** Device-specific feature bits offered; the transport adds the generic ones. */
  readonly features: bigint;
  /** QueueNumMax of each queue; the length is the number of queues. */
  readonly queueSizes: readonly number[];
  /** Plain serializable device state; the transport nests it in its own for snapshots. */
  readonly state: object;
  /** Called once by the transport before any other call. */
  attach(host: VirtioHost): void;
  /** The config space as little-endian bytes (read byte-accurately by the transport). */
  config(): Uint8Array;
  /** A driver write into the config space; devices without writable fields omit it. */
  writeConfig?(offset: number, bytes: Uint8Array): void;
  /**
   * The driver notified a queue (or DRIVER_OK was just set, or work was deferred): process what
   * is available, within `budget`. Returns true when it stopped on the budget with work left;
   * it is then called again on the next turn. Devices whose work per chain is small and bounded,
   * or asynchronous, may ignore the budget.
   */
  notify(queue: number, budget: WorkBudget): boolean | void;
  /** Device reset (Status = 0). Requests still in flight are dropped when they complete. */
  reset(): void;
}
