// virtio-blk (ID 2, §5.2): one request queue in front of a BlockBackend.
//
// A request is a 16-byte header (readable), data (readable for writes, writable for reads) and
// a status byte, the last writable byte. Requests run asynchronously on the backend and
// complete out of order, as the spec allows; the used entry and the interrupt come when the
// backend's promise settles. A completion that arrives after a reset (or after the queue
// failed) finds its chain stale and is dropped without touching guest RAM.
//
// Bad requests get their answer in the status byte and never an exception: IOERR for a short
// header, a sector range past the end of the disk (or overflowing), a length that is not whole
// sectors, writes to a read-only disk and backend failures; UNSUPP for unknown request types,
// features the driver did not accept, unknown discard/write-zeroes flags and more segments than
// advertised. A request without even a status byte cannot be answered at all: the device goes
// DEVICE_NEEDS_RESET, as QEMU does.
//
// Host memory is bounded whatever the guest asks: at most a queue's worth of requests is in
// flight (the virtqueue refuses more, see virtqueue.ts), and a read or write moves through the
// host in pieces of at most CHUNK_BYTES, one after the other, so a request holds one piece of
// host memory at a time, however long its chain (up to 4 GiB of aliasing descriptors).
// Read data goes into the chain piece by piece; a piece that completes after a reset finds the
// chain stale and is not written.

import { gather, scatter } from "../chainBuffers.js";
import { join64 } from "../guestMemory.js";
import { InFlight } from "../inFlight.js";
import { featureBit, type VirtioDevice, type VirtioHost } from "../virtioDevice.js";
import type { Chain, Virtqueue } from "../virtqueue.js";
import type { BlockBackend } from "./backend.js";
import * as P from "./protocol.js";

const QUEUE_SIZE = 256;
/** The most host memory one request holds: its data goes through in pieces of this size. */
export const CHUNK_BYTES = 256 * 1024;

interface Outcome {
  status: number;
  /** Bytes for the start of the writable data area (GET_ID). */
  data?: Uint8Array;
  /** Bytes already written into the writable data area (IN). */
  written?: number;
}

const IOERR: Outcome = { status: P.VIRTIO_BLK_S_IOERR };
const UNSUPP: Outcome = { status: P.VIRTIO_BLK_S_UNSUPP };
const OK: Outcome = { status: P.VIRTIO_BLK_S_OK };

export class VirtioBlk implements VirtioDevice {
  readonly name = "virtio-blk";
  readonly deviceId = 2;
  readonly features: bigint;
  readonly queueSizes = [QUEUE_SIZE];
  /**
   * Nothing beyond the queues: requests in flight live in promises, so a snapshot is taken
   * once `idle()` resolves (after pausing the guest).
   */
  readonly state = {};
  private host: VirtioHost | null = null;
  private readonly configBytes: Uint8Array;
  private readonly capacitySectors: number;
  private readonly idBytes: Uint8Array;
  private readonly inFlight = new InFlight();

  constructor(readonly backend: BlockBackend) {
    this.capacitySectors = Math.floor(backend.size / P.SECTOR_SIZE);
    let f =
      featureBit(P.VIRTIO_BLK_F_SEG_MAX) |
      featureBit(P.VIRTIO_BLK_F_BLK_SIZE) |
      featureBit(P.VIRTIO_BLK_F_FLUSH) |
      featureBit(P.VIRTIO_BLK_F_DISCARD) |
      featureBit(P.VIRTIO_BLK_F_WRITE_ZEROES);
    if (backend.readOnly) f |= featureBit(P.VIRTIO_BLK_F_RO);
    this.features = f;
    // Two descriptors of a request are the header and the status byte (QEMU's seg_max).
    this.configBytes = P.blkConfig({
      capacitySectors: this.capacitySectors,
      segMax: QUEUE_SIZE - 2,
      blkSize: P.SECTOR_SIZE,
    });
    this.idBytes = new Uint8Array(P.VIRTIO_BLK_ID_BYTES);
    const id = new TextEncoder().encode(backend.id);
    this.idBytes.set(id.subarray(0, P.VIRTIO_BLK_ID_BYTES));
  }

  attach(host: VirtioHost): void {
    this.host = host;
  }

  config(): Uint8Array {
    return this.configBytes;
  }

  reset(): void {
    // Requests in flight complete into stale chains and are dropped by the queue.
  }

  /** Resolves when no request is in flight (before a snapshot, or in tests). */
  idle(): Promise<void> {
    return this.inFlight.idle();
  }

  notify(queue: number): void {
    const host = this.host;
    if (!host || queue !== 0) return;
    const q = host.queue(0);
    let used = false;
    for (let chain = q.pop(); chain; chain = q.pop()) {
      if (chain.writableLength < 1) {
        host.needsReset("virtio-blk: a request without a status byte");
        break;
      }
      let outcome: Outcome | Promise<Outcome>;
      try {
        outcome = this.request(q, chain);
      } catch {
        outcome = IOERR;
      }
      if (outcome instanceof Promise) this.track(q, chain, outcome);
      else used = this.complete(q, chain, outcome) || used;
    }
    if (used) host.usedBuffers(0);
  }

  private track(q: Virtqueue, chain: Chain, pending: Promise<Outcome>): void {
    this.inFlight.track(
      pending,
      () => IOERR,
      (outcome) => {
        if (this.complete(q, chain, outcome)) this.host?.usedBuffers(0);
      },
    );
  }

  /** Reads [offset, offset + length) into the chain's writable bytes, one piece at a time. */
  private async readInto(q: Virtqueue, chain: Chain, offset: number, length: number): Promise<Outcome> {
    for (let at = 0; at < length; at += CHUNK_BYTES) {
      const n = Math.min(CHUNK_BYTES, length - at);
      const data = await this.backend.read(offset + at, n);
      if (data.length !== n) return IOERR;
      if (!q.isLive(chain)) return IOERR; // dropped by complete(); guest RAM stays untouched
      scatter(chain.writable, at, data);
    }
    return { status: P.VIRTIO_BLK_S_OK, written: length };
  }

  /** Writes the chain's data after the header to [offset, offset + length), one piece at a time. */
  private async writeFrom(q: Virtqueue, chain: Chain, offset: number, length: number): Promise<Outcome> {
    for (let at = 0; at < length; at += CHUNK_BYTES) {
      if (!q.isLive(chain)) return IOERR; // the driver reset the device: the rest is not its wish any more
      const n = Math.min(CHUNK_BYTES, length - at);
      // A copy: the backend writes what the guest handed over now, whatever it does next.
      await this.backend.write(offset + at, gather(chain.readable, P.REQUEST_HEADER_SIZE + at, n));
    }
    return OK;
  }

  /** Writes the data and status into the chain and returns it; false if the chain went stale. */
  private complete(q: Virtqueue, chain: Chain, outcome: Outcome): boolean {
    if (!q.isLive(chain)) return false;
    const statusAt = chain.writableLength - 1;
    const n = outcome.data ? scatter(chain.writable, 0, outcome.data.subarray(0, statusAt)) : (outcome.written ?? 0);
    scatter(chain.writable, statusAt, Uint8Array.of(outcome.status));
    return q.push(chain, n + 1);
  }

  private negotiated(bit: number): boolean {
    return this.host !== null && (this.host.features & featureBit(bit)) !== 0n;
  }

  private request(q: Virtqueue, chain: Chain): Outcome | Promise<Outcome> {
    const header = gather(chain.readable, 0, P.REQUEST_HEADER_SIZE);
    if (header.length < P.REQUEST_HEADER_SIZE) return IOERR;
    const h = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const type = h.getUint32(0, true);
    const sector = join64(h.getUint32(8, true), h.getUint32(12, true));
    const inLength = chain.writableLength - 1; // data the device may write, before the status byte
    const outLength = chain.readableLength - P.REQUEST_HEADER_SIZE; // data after the header
    const b = this.backend;
    switch (type) {
      case P.VIRTIO_BLK_T_IN: {
        const offset = this.range(sector, inLength);
        if (offset === null) return IOERR;
        if (inLength === 0) return OK;
        return this.readInto(q, chain, offset, inLength);
      }
      case P.VIRTIO_BLK_T_OUT: {
        if (b.readOnly) return IOERR;
        const offset = this.range(sector, outLength);
        if (offset === null) return IOERR;
        if (outLength === 0) return OK;
        return this.writeFrom(q, chain, offset, outLength);
      }
      case P.VIRTIO_BLK_T_FLUSH:
        if (!this.negotiated(P.VIRTIO_BLK_F_FLUSH)) return UNSUPP;
        return b.flush().then(() => OK);
      case P.VIRTIO_BLK_T_GET_ID:
        return { status: P.VIRTIO_BLK_S_OK, data: this.idBytes.subarray(0, Math.min(inLength, this.idBytes.length)) };
      case P.VIRTIO_BLK_T_DISCARD:
      case P.VIRTIO_BLK_T_WRITE_ZEROES:
        return this.discardOrZero(type === P.VIRTIO_BLK_T_DISCARD, chain, outLength);
      default:
        return UNSUPP;
    }
  }

  private discardOrZero(discard: boolean, chain: Chain, outLength: number): Outcome | Promise<Outcome> {
    if (!this.negotiated(discard ? P.VIRTIO_BLK_F_DISCARD : P.VIRTIO_BLK_F_WRITE_ZEROES)) return UNSUPP;
    if (this.backend.readOnly) return IOERR;
    if (outLength < P.SEGMENT_SIZE || outLength % P.SEGMENT_SIZE) return IOERR;
    const maxSeg = discard ? P.MAX_DISCARD_SEG : P.MAX_WRITE_ZEROES_SEG;
    if (outLength / P.SEGMENT_SIZE > maxSeg) return UNSUPP;
    const seg = gather(chain.readable, P.REQUEST_HEADER_SIZE, P.SEGMENT_SIZE);
    const v = new DataView(seg.buffer, seg.byteOffset, seg.byteLength);
    const sector = join64(v.getUint32(0, true), v.getUint32(4, true));
    const count = v.getUint32(8, true);
    const flags = v.getUint32(12, true);
    if (count > (discard ? P.MAX_DISCARD_SECTORS : P.MAX_WRITE_ZEROES_SECTORS)) return IOERR;
    const offset = this.range(sector, count * P.SECTOR_SIZE);
    if (offset === null) return IOERR;
    // §5.2.6.2: unknown flags are UNSUPP, and so is unmap on a discard.
    if (flags & ~P.VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP || (discard && flags)) return UNSUPP;
    if (count === 0) return OK;
    const length = count * P.SECTOR_SIZE;
    const done = discard ? this.backend.discard(offset, length) : this.backend.writeZeroes(offset, length);
    return done.then(() => OK);
  }

  /** The byte offset of a whole-sector range inside the disk, or null (past the end, overflow). */
  private range(sector: number | null, length: number): number | null {
    if (sector === null || length < 0 || length % P.SECTOR_SIZE) return null;
    if (sector > this.capacitySectors) return null;
    const offset = sector * P.SECTOR_SIZE; // exact: sector is at most size / 512
    return offset + length <= this.capacitySectors * P.SECTOR_SIZE ? offset : null;
  }
}
