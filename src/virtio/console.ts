// virtio-console (ID 3, §5.3) with a single port: receiveq 0 carries host input to the guest,
// transmitq 1 the guest's output to the host. No multiport (MULTIPORT is not offered, so the
// control queues do not exist) and no emergency write. With a size given, VIRTIO_CONSOLE_F_SIZE
// is offered and cols/rows sit in the config space.
//
// Input the guest has no buffers for yet waits in the state (no loss) and goes out as soon as
// the driver adds receive buffers.
//
// Output respects the host side: while `hostFull()` says the sink cannot take more (a pipe whose
// reader is slow, Node's write() having returned false), no transmit chain is taken; they stay
// in the ring, the guest's writes wait, and `resumeOutput()` (called by the VM once the sink
// drained) serves them on the next turn. A chain gives the host at most MAX_CHAIN_BYTES (Linux
// sends at most 32 KiB from a write() and a pipe's worth from splice); bytes past that, which
// only a chain of aliasing descriptors reaches, are dropped and counted. A turn copies at most
// the transport's budget.

import { gather, scatter } from "./chainBuffers.js";
import { serveChains } from "./serveChains.js";
import { featureBit, type VirtioDevice, type VirtioHost, type WorkBudget } from "./virtioDevice.js";

export const VIRTIO_CONSOLE_F_SIZE = 0;
const RECEIVEQ = 0;
const TRANSMITQ = 1;
const QUEUE_SIZE = 128;
/** struct virtio_console_config: cols u16, rows u16, max_nr_ports u32, emerg_wr u32. */
const CONFIG_SIZE = 12;
/** Output taken from one transmit chain. */
export const MAX_CHAIN_BYTES = 64 * 1024;

export interface ConsoleState {
  /** Host input not yet delivered. */
  pending: Uint8Array;
  cols: number;
  rows: number;
  /** 1 while transmit chains are held back because the host sink is full. */
  txBlocked: number;
  /** Output bytes dropped from chains longer than MAX_CHAIN_BYTES. */
  txTruncated: number;
}

export interface ConsoleSize {
  cols: number;
  rows: number;
}

export class VirtioConsole implements VirtioDevice {
  readonly name = "virtio-console";
  readonly deviceId = 3;
  readonly features: bigint;
  readonly queueSizes = [QUEUE_SIZE, QUEUE_SIZE];
  readonly state: ConsoleState;
  private host: VirtioHost | null = null;

  constructor(
    /** Bytes the guest transmitted (a copy, the callback may keep it). */
    private readonly output: (bytes: Uint8Array) => void,
    size?: ConsoleSize,
    /** Whether the host sink is full (Node: `writableNeedDrain`); output waits while it is. */
    private readonly hostFull: () => boolean = () => false,
  ) {
    this.features = size ? featureBit(VIRTIO_CONSOLE_F_SIZE) : 0n;
    this.state = {
      pending: new Uint8Array(0),
      cols: size?.cols ?? 0,
      rows: size?.rows ?? 0,
      txBlocked: 0,
      txTruncated: 0,
    };
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

  notify(queue: number, budget: WorkBudget): boolean {
    if (queue === RECEIVEQ) this.deliver();
    else if (queue === TRANSMITQ) return this.transmit(budget);
    return false;
  }

  /** The host sink may have drained: held-back output goes out on the next turn. */
  resumeOutput(): void {
    if (this.state.txBlocked === 0 || this.hostFull()) return;
    this.state.txBlocked = 0;
    this.host?.defer(TRANSMITQ);
  }

  reset(): void {
    // Pending input stays: it was typed for the guest and goes out once the driver is back.
    this.state.txBlocked = 0;
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

  /** Returns true when it stopped on the budget with chains possibly left. */
  private transmit(budget: WorkBudget): boolean {
    if (!this.host) return false;
    const blocked = () => {
      if (this.hostFull()) this.state.txBlocked = 1;
      return this.state.txBlocked === 1;
    };
    return serveChains(
      this.host,
      TRANSMITQ,
      budget,
      (chain, q) => {
        const n = Math.min(chain.readableLength, MAX_CHAIN_BYTES);
        const bytes = gather(chain.readable, 0, n);
        this.state.txTruncated += chain.readableLength - n;
        q.push(chain, 0);
        if (bytes.length) this.output(bytes);
        return n;
      },
      blocked,
    );
  }
}
