// virtio-net (ID 1, §5.1): one receiveq/transmitq pair in front of a NetBackend.
//
// Offered: MAC (the address sits in the config space), STATUS (the link is always up) and
// MRG_RXBUF (a received frame may span several receive chains, counted in num_buffers). No
// checksum or segmentation offload: every frame is a whole, checksummed Ethernet frame, which
// keeps backends simple; a guest never notices beyond the CPU it spends on checksums.
//
// Transmit: the frame after the header goes to the backend. Frames shorter than an Ethernet
// header or longer than 1514 bytes are dropped and counted (the chain still goes back). A turn
// sends at most the transport's budget of bytes (a guest notifying after every frame cannot
// make one slice of guest time flood the backend); the rest goes on the next turn.
// Receive: frames from the backend wait in `state.pending` (bounded; beyond it they are
// dropped and counted) until the driver has receive buffers, and go out when it adds some
// (the notification on queue 0). A frame is written only when the buffers for all of it were
// found; otherwise the chains taken are handed back to the ring (Virtqueue.rewind) for later.
// Nothing the guest or the backend does throws out of the device.

import { gather, scatter } from "../chainBuffers.js";
import { serveChains } from "../serveChains.js";
import {
  featureBit,
  VIRTIO_F_VERSION_1,
  type VirtioDevice,
  type VirtioHost,
  type WorkBudget,
} from "../virtioDevice.js";
import type { Chain } from "../virtqueue.js";
import type { NetBackend } from "./backend.js";
import * as P from "./protocol.js";

const RECEIVEQ = 0;
const TRANSMITQ = 1;
const QUEUE_SIZE = 256;
/** Frames kept for the guest while it has no receive buffers: about 380 KB at most. */
export const DEFAULT_MAX_PENDING = 256;

/** What the device saw, for --stats. Plain numbers: part of the snapshot state. */
export interface NetCounters {
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
  /** Transmitted frames shorter than an Ethernet header. */
  txDroppedShort: number;
  /** Transmitted frames longer than 1514 bytes. */
  txDroppedLong: number;
  /** The backend threw on a frame. */
  txBackendErrors: number;
  /** Frames for the guest beyond the pending limit (the guest does not take them fast enough). */
  rxDroppedQueueFull: number;
  /** Frames for the guest larger than every buffer the driver could give. */
  rxDroppedNoRoom: number;
  /** Frames the backend delivered that are not Ethernet-sized. */
  rxDroppedBadFrame: number;
}

export interface VirtioNetOptions {
  /** The guest's MAC address; QEMU's 52:54:00:12:34:56 by default. */
  mac?: Uint8Array;
  /** Frames kept while the guest has no receive buffers. */
  maxPending?: number;
}

function newCounters(): NetCounters {
  return {
    txFrames: 0,
    txBytes: 0,
    rxFrames: 0,
    rxBytes: 0,
    txDroppedShort: 0,
    txDroppedLong: 0,
    txBackendErrors: 0,
    rxDroppedQueueFull: 0,
    rxDroppedNoRoom: 0,
    rxDroppedBadFrame: 0,
  };
}

export class VirtioNet implements VirtioDevice {
  readonly name = "virtio-net";
  readonly deviceId = 1;
  readonly features =
    featureBit(P.VIRTIO_NET_F_MAC) | featureBit(P.VIRTIO_NET_F_STATUS) | featureBit(P.VIRTIO_NET_F_MRG_RXBUF);
  readonly queueSizes = [QUEUE_SIZE, QUEUE_SIZE];
  readonly state: { pending: Uint8Array[]; counters: NetCounters };
  readonly mac: Uint8Array;
  private readonly maxPending: number;
  private readonly configBytes: Uint8Array;
  private host: VirtioHost | null = null;

  constructor(
    readonly backend: NetBackend,
    options: VirtioNetOptions = {},
  ) {
    this.mac = (options.mac ?? P.DEFAULT_MAC).slice(0, 6);
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.configBytes = P.netConfig(this.mac, P.VIRTIO_NET_S_LINK_UP);
    this.state = { pending: [], counters: newCounters() };
    backend.onReceive((frame) => this.receive(frame));
  }

  attach(host: VirtioHost): void {
    this.host = host;
  }

  config(): Uint8Array {
    return this.configBytes;
  }

  notify(queue: number, budget: WorkBudget): boolean {
    if (queue === RECEIVEQ) this.deliver();
    else if (queue === TRANSMITQ) return this.transmit(budget);
    return false;
  }

  reset(): void {
    // Frames queued for the old driver are stale for the next one (QEMU purges them too).
    this.state.pending = [];
  }

  /** A frame from the backend for the guest: queued, delivered as receive buffers allow. */
  receive(frame: Uint8Array): void {
    const c = this.state.counters;
    if (frame.length < P.MIN_FRAME || frame.length > P.MAX_FRAME) {
      c.rxDroppedBadFrame++;
      return;
    }
    if (this.state.pending.length >= this.maxPending) {
      c.rxDroppedQueueFull++;
      return;
    }
    this.state.pending.push(frame);
    this.deliver();
  }

  /** Counters with the names --stats prints. */
  stats(): Record<string, number> {
    const c = this.state.counters;
    return {
      "net tx frames": c.txFrames,
      "net tx bytes": c.txBytes,
      "net rx frames": c.rxFrames,
      "net rx bytes": c.rxBytes,
      "net tx dropped (short)": c.txDroppedShort,
      "net tx dropped (too long)": c.txDroppedLong,
      "net tx backend errors": c.txBackendErrors,
      "net rx dropped (queue full)": c.rxDroppedQueueFull,
      "net rx dropped (no room)": c.rxDroppedNoRoom,
      "net rx dropped (bad frame)": c.rxDroppedBadFrame,
      "net rx pending": this.state.pending.length,
    };
  }

  private negotiated(bit: number): boolean {
    return this.host !== null && (this.host.features & featureBit(bit)) !== 0n;
  }

  /** 12 bytes, or 10 for a legacy driver that negotiated neither VERSION_1 nor MRG_RXBUF. */
  private headerSize(): number {
    return this.negotiated(VIRTIO_F_VERSION_1) || this.negotiated(P.VIRTIO_NET_F_MRG_RXBUF)
      ? P.NET_HDR_SIZE
      : P.LEGACY_NET_HDR_SIZE;
  }

  /** Sends what the driver queued, within the turn's budget; true when it stopped on the budget. */
  private transmit(budget: WorkBudget): boolean {
    if (!this.host) return false;
    const c = this.state.counters;
    const header = this.headerSize();
    return serveChains(this.host, TRANSMITQ, budget, (chain, q) => {
      const length = chain.readableLength - header;
      // A copy taken before the chain goes back: the driver may reuse the buffer at once.
      const frame = length >= P.MIN_FRAME && length <= P.MAX_FRAME ? gather(chain.readable, header, length) : null;
      q.push(chain, 0);
      if (length < P.MIN_FRAME) c.txDroppedShort++;
      else if (!frame) c.txDroppedLong++;
      else {
        c.txFrames++;
        c.txBytes += length;
        try {
          this.backend.send(frame);
        } catch {
          c.txBackendErrors++;
        }
      }
      return frame ? frame.length : 0;
    });
  }

  private deliver(): void {
    const host = this.host;
    const pending = this.state.pending;
    if (!host?.running || pending.length === 0) return;
    const q = host.queue(RECEIVEQ);
    const c = this.state.counters;
    const header = this.headerSize();
    const mergeable = this.negotiated(P.VIRTIO_NET_F_MRG_RXBUF);
    let used = false;
    while (pending.length > 0) {
      const frame = pending[0];
      const need = header + frame.length;
      const chains: Chain[] = [];
      let room = 0;
      while (room < need && (mergeable || chains.length === 0) && chains.length < q.state.size) {
        const chain = q.pop();
        if (!chain) break;
        chains.push(chain);
        room += chain.writableLength;
      }
      if (room < need) {
        q.rewind(chains.length);
        // A lone chain without MRG_RXBUF, or the whole ring, is all the room this frame could get.
        const never = chains.length > 0 && (!mergeable || chains.length >= q.state.size);
        if (!never) break; // wait for the driver to add buffers
        pending.shift();
        c.rxDroppedNoRoom++;
        continue;
      }
      const packet = new Uint8Array(need);
      packet.set(P.rxHeader(header, chains.length));
      packet.set(frame, header);
      let at = 0;
      for (const chain of chains) {
        const n = scatter(chain.writable, 0, packet.subarray(at));
        at += n;
        q.push(chain, n);
      }
      pending.shift();
      c.rxFrames++;
      c.rxBytes += frame.length;
      used = true;
    }
    if (used) host.usedBuffers(RECEIVEQ);
  }
}
