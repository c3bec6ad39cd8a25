// virtio-console (ID 3, §5.3) with a single port: receiveq 0 carries host input to the guest,
// transmitq 1 the guest's output to the host. No multiport (MULTIPORT is not offered, so the
// control queues do not exist) and no emergency write. With a size given, VIRTIO_CONSOLE_F_SIZE
// is offered and cols/rows sit in the config space.
//
// Input the guest has no buffers for yet waits in the state (no loss) and goes out as soon as
// the driver adds receive buffers.

import { gather, scatter } from "./chainBuffers.js";
import { featureBit, type VirtioDevice, type VirtioHost } from "./virtioDevice.js";

export const VIRTIO_CONSOLE_F_SIZE = 0;
const RECEIVEQ = 0;
const TRANSMITQ = 1;
const QUEUE_SIZE = 128;
/** struct virtio_console_config: cols u16, rows u16, max_nr_ports u32, emerg_wr u32. */
const CONFIG_SIZE = 12;

export interface ConsoleSize {
  cols: number;
  rows: number;
}

export class VirtioConsole implements VirtioDevice {
  readonly name = "virtio-console";
  readonly deviceId = 3;
  readonly features: bigint;
  readonly queueSizes = [QUEUE_SIZE, QUEUE_SIZE];
  readonly state: { pending: Uint8Array; cols: number; rows: number };
  private host: VirtioHost | null = null;

  constructor(
    /** Bytes the guest transmitted (a copy, the callback may keep it). */
    private readonly output: (bytes: Uint8Array) => void,
    size?: ConsoleSize,
  ) {
    this.features = size ? featureBit(VIRTIO_CONSOLE_F_SIZE) : 0n;
    this.state = { pending: new Uint8Array(0), cols: size?.cols ?? 0, rows: size?.rows ?? 0 };
  }

  attach(host: VirtioHost): void {
    this.host = host;
  }

  config(): Uint8Array {
    const b = new Uint8Array(CONFIG_SIZE);
    const v = new DataView(b.buffer);
    v.setUint16(0, this.state.cols & 0xffff, true);
    v.setUint16(2, this.state.rows & 0xffff, true);
    v.setUint32(4, 1, true); // max_nr_ports (only meaningful with MULTIPORT)
    return b;
  }

  /** The driver has set DRIVER_OK: input given now reaches it (once it adds buffers). */
  get driverReady(): boolean {
    return this.host?.running ?? false;
  }

  /** Host input for the guest: queued, delivered as receive buffers allow. */
  input(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const old = this.state.pending;
    const joined = new Uint8Array(old.length + bytes.length);
    joined.set(old);
    joined.set(bytes, old.length);
    this.state.pending = joined;
    this.deliver();
  }

  /** The terminal changed size (only reported when VIRTIO_CONSOLE_F_SIZE is offered). */
  resize(size: ConsoleSize): void {
    if (this.features === 0n) return;
    this.state.cols = size.cols;
    this.state.rows = size.rows;
    this.host?.configChanged();
  }

  notify(queue: number): void {
    if (queue === RECEIVEQ) this.deliver();
    else if (queue === TRANSMITQ) this.transmit();
  }

  reset(): void {
    // Pending input stays: it was typed for the guest and goes out once the driver is back.
  }

  private deliver(): void {
    const host = this.host;
    if (!host?.running || this.state.pending.length === 0) return;
    const q = host.queue(RECEIVEQ);
    let used = false;
    while (this.state.pending.length > 0) {
      const chain = q.pop();
      if (!chain) break;
      const n = scatter(chain.writable, 0, this.state.pending);
      this.state.pending = this.state.pending.slice(n);
      q.push(chain, n);
      used = true;
    }
    if (used) host.usedBuffers(RECEIVEQ);
  }

  private transmit(): void {
    const host = this.host;
    if (!host) return;
    const q = host.queue(TRANSMITQ);
    let used = false;
    for (let chain = q.pop(); chain; chain = q.pop()) {
      const bytes = gather(chain.readable, 0, chain.readableLength);
      q.push(chain, 0);
      used = true;
      if (bytes.length) this.output(bytes);
    }
    if (used) host.usedBuffers(TRANSMITQ);
  }
}
