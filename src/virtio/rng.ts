// virtio-rng (entropy device, ID 4, §5.4): one request queue; every device-writable buffer
// the driver hands over comes back filled with random bytes from the host.
//
// The host work is bounded, whatever the ring holds: a chain gets at most MAX_CHAIN_BYTES of
// entropy (the used length says how much; the spec lets the device fill less than the buffer,
// and a driver asks for a few hundred bytes at a time, not for the up to 4 GiB that a chain of
// aliasing descriptors spans), and a turn fills at most the transport's budget, the rest of the
// queue being served on later turns.

import { randomFillSync } from "node:crypto";
import { serveChains } from "./serveChains.js";
import type { VirtioDevice, VirtioHost, WorkBudget } from "./virtioDevice.js";

const QUEUE_SIZE = 64;
/** Entropy given for one chain; the rest of its buffers is left alone (used length = this). */
export const MAX_CHAIN_BYTES = 64 * 1024;

export class VirtioRng implements VirtioDevice {
  readonly name = "virtio-rng";
  readonly deviceId = 4;
  readonly features = 0n;
  readonly queueSizes = [QUEUE_SIZE];
  /** Nothing beyond the queues, which the transport keeps. */
  readonly state = {};
  private host: VirtioHost | null = null;

  /** `fill` is the entropy source (tests may pass a deterministic one). */
  constructor(private readonly fill: (buffer: Uint8Array) => void = (b) => randomFillSync(b)) {}

  attach(host: VirtioHost): void {
    this.host = host;
  }

  config(): Uint8Array {
    return new Uint8Array(0);
  }

  notify(queue: number, budget: WorkBudget): boolean {
    if (!this.host || queue !== 0) return false;
    return serveChains(this.host, 0, budget, (chain, q) => {
      let filled = 0;
      for (const b of chain.writable) {
        if (filled === MAX_CHAIN_BYTES) break;
        const n = Math.min(b.length, MAX_CHAIN_BYTES - filled);
        this.fill(b.subarray(0, n));
        filled += n;
      }
      q.push(chain, filled);
      return filled;
    });
  }

  reset(): void {}
}
