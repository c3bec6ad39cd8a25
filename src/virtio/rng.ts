// virtio-rng (entropy device, ID 4, §5.4): one request queue; every device-writable buffer
// the driver hands over comes back filled with random bytes from the host.

import { randomFillSync } from "node:crypto";
import type { VirtioDevice, VirtioHost } from "./virtioDevice.js";

const QUEUE_SIZE = 64;

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

  notify(queue: number): void {
    const host = this.host;
    if (!host || queue !== 0) return;
    const q = host.queue(0);
    let used = false;
    for (let chain = q.pop(); chain; chain = q.pop()) {
      for (const b of chain.writable) this.fill(b);
      q.push(chain, chain.writableLength);
      used = true;
    }
    if (used) host.usedBuffers(0);
  }

  reset(): void {}
}
