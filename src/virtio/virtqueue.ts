// The split virtqueue (virtio 1.2 §2.7), the one implementation every device uses.
//
// Everything in the rings is written by the guest and trusted for nothing:
// - the three ring areas are checked once, when the driver sets QueueReady: inside RAM (so no
//   MMIO and no wrap past 2^64), aligned as the spec says, not overlapping each other;
// - every descriptor is read once into locals (no second fetch the guest could change in
//   between), and its buffer must lie inside RAM and, when device-writable, off the rings;
// - a chain is bounded by its table (the queue size, or the indirect table's length), so a
//   loop ends; an indirect table inside an indirect table, a readable descriptor after a
//   writable one, an index past the table, avail.idx more than a queue ahead: all of these
//   are driver bugs the spec forbids, and they mark the device DEVICE_NEEDS_RESET (through
//   `fail`) rather than guessing. The queue then stops until the driver resets the device;
// - the chains taken and not yet given back are counted (`inUse`): a driver has only `size`
//   descriptors, so one more would mean it reused a head still in use or published entries it
//   never filled (QEMU: "Virtqueue size exceeded"). That is a driver error too, and it is what
//   bounds the requests a device keeps in flight, and the host memory they hold, by the queue size.
//
// The queue's state is plain numbers (the registers and the ring indices), so a snapshot is
// this object plus guest RAM; the views into RAM are a cache rebuilt from it.

import { join64, type GuestMemory } from "./guestMemory.js";

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

/** The largest queue size the spec allows for split queues. */
export const MAX_QUEUE_SIZE = 32768;
/**
 * Descriptors in one indirect table. The spec allows len/16 up to 2^28; QEMU bounds a chain at
 * 1024 descriptors (VIRTQUEUE_MAX_SIZE) and Linux never builds more, so a larger table is refused.
 */
export const MAX_INDIRECT = 1024;
/** "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total." */
const MAX_CHAIN_BYTES = 0x1_0000_0000;
const DESC_SIZE = 16;

export interface VirtqueueState {
  /** QueueNum as written by the driver. */
  size: number;
  /** QueueReady: 1 once the driver enabled the queue and its rings checked out. */
  ready: number;
  descLo: number;
  descHi: number;
  driverLo: number;
  driverHi: number;
  deviceLo: number;
  deviceHi: number;
  /** Negotiated VIRTIO_F_EVENT_IDX / VIRTIO_F_INDIRECT_DESC, fixed when the queue is enabled. */
  eventIdx: number;
  indirect: number;
  /** The next avail ring slot to take (free-running 16-bit index). */
  lastAvail: number;
  /** used.idx as the device last wrote it. */
  usedIdx: number;
  /** used.idx when the device last decided about an interrupt (EVENT_IDX bookkeeping). */
  signalledUsed: number;
  signalledValid: number;
  /** Chains taken by pop() and not yet pushed (or rewound): at most `size`. */
  inUse: number;
  /** 1 after a malformed ring: the queue does nothing until reset. */
  broken: number;
  /** Bumped on every enable/disable/reset, so requests popped earlier can be recognised and dropped. */
  epoch: number;
}

export function newVirtqueueState(): VirtqueueState {
  return {
    size: 0,
    ready: 0,
    descLo: 0,
    descHi: 0,
    driverLo: 0,
    driverHi: 0,
    deviceLo: 0,
    deviceHi: 0,
    eventIdx: 0,
    indirect: 0,
    lastAvail: 0,
    usedIdx: 0,
    signalledUsed: 0,
    signalledValid: 0,
    inUse: 0,
    broken: 0,
    epoch: 0,
  };
}

/** One descriptor chain the driver made available: views into guest RAM, checked. */
export interface Chain {
  /** The head descriptor index, which goes back in the used ring. */
  readonly head: number;
  /** The queue's epoch when the chain was taken; a reset since then makes the chain stale. */
  readonly epoch: number;
  readonly readable: readonly Uint8Array[];
  readonly writable: readonly Uint8Array[];
  readonly readableLength: number;
  readonly writableLength: number;
}

interface Rings {
  size: number;
  desc: number;
  avail: number;
  used: number;
  descView: DataView;
  availView: DataView;
  usedView: DataView;
}

const EMPTY = new Uint8Array(0);

function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export class Virtqueue {
  private rings: Rings | null = null;

  constructor(
    private readonly mem: GuestMemory,
    /** QueueNumMax: the largest size the device accepts for this queue. */
    readonly maxSize: number,
    readonly state: VirtqueueState,
    /** Called once when the driver broke the ring protocol; the transport sets NEEDS_RESET. */
    private readonly onFail: (reason: string) => void,
  ) {}

  /** Byte sizes of the three areas (the spec's table; the event fields are always counted). */
  private static areaSizes(n: number): [number, number, number] {
    return [DESC_SIZE * n, 6 + 2 * n, 6 + 8 * n];
  }

  /**
   * QueueReady = 1: checks the size and the three areas and starts the queue at index 0.
   * Returns why the queue cannot run, or null when it is running.
   */
  enable(eventIdx: boolean, indirect: boolean): string | null {
    const s = this.state;
    if (!isPowerOfTwo(s.size) || s.size > this.maxSize || s.size > MAX_QUEUE_SIZE) {
      return `queue size ${s.size} is not a power of two up to ${this.maxSize}`;
    }
    const desc = join64(s.descLo, s.descHi);
    const avail = join64(s.driverLo, s.driverHi);
    const used = join64(s.deviceLo, s.deviceHi);
    if (desc === null || avail === null || used === null) return "a ring address lies outside RAM";
    if (desc % 16 || avail % 2 || used % 4) return "a ring address is misaligned (desc 16, avail 2, used 4)";
    const [d, a, u] = Virtqueue.areaSizes(s.size);
    if (!this.mem.ram(desc, d) || !this.mem.ram(avail, a) || !this.mem.ram(used, u)) {
      return "a ring lies outside RAM";
    }
    const overlap = (x: number, xl: number, y: number, yl: number) => x < y + yl && y < x + xl;
    if (overlap(desc, d, avail, a) || overlap(desc, d, used, u) || overlap(avail, a, used, u)) {
      return "the rings overlap";
    }
    s.eventIdx = eventIdx ? 1 : 0;
    s.indirect = indirect ? 1 : 0;
    s.lastAvail = 0;
    s.usedIdx = 0;
    s.signalledUsed = 0;
    s.signalledValid = 0;
    s.inUse = 0;
    s.broken = 0;
    s.epoch++;
    s.ready = 1;
    return null;
  }

  /** QueueReady = 0 or a device reset: the queue stops, chains taken before are stale. */
  disable(): void {
    this.state.ready = 0;
    this.state.inUse = 0;
    this.state.epoch++;
    this.rings = null;
  }

  /** A device reset: every register back to its reset value (the epoch keeps counting). */
  reset(): void {
    const epoch = this.state.epoch;
    Object.assign(this.state, newVirtqueueState());
    this.state.epoch = epoch + 1;
    this.rings = null;
  }

  /** Another queue of the device failed: this one stops too, until the reset. */
  halt(): void {
    this.state.broken = 1;
  }

  get running(): boolean {
    return this.state.ready === 1 && this.state.broken === 0;
  }

  /** Whether a chain taken earlier may still be completed (no reset or error since). */
  isLive(chain: Chain): boolean {
    return chain.epoch === this.state.epoch && this.running;
  }

  /** The next available chain, or null when there is none (or the queue is stopped or broken). */
  pop(): Chain | null {
    const s = this.state;
    if (!this.running) return null;
    const r = this.views();
    if (!r) return this.fail("the rings left RAM");
    const n = s.size;
    const availIdx = r.availView.getUint16(2, true);
    const pending = (availIdx - s.lastAvail) & 0xffff;
    if (pending > n) {
      return this.fail(
        `avail.idx ${availIdx} is ${pending} entries past ${s.lastAvail}: more than the queue size ${n}`,
      );
    }
    if (pending !== 0) {
      if (s.inUse >= n) return this.fail(`a chain made available while all ${n} were in use (a reused head?)`);
      const head = r.availView.getUint16(4 + 2 * (s.lastAvail % n), true);
      s.lastAvail = (s.lastAvail + 1) & 0xffff;
      this.setAvailEvent(r);
      const chain = this.walk(head, r);
      if (chain) s.inUse++;
      return chain;
    }
    this.setAvailEvent(r);
    return null;
  }

  /**
   * Hands back the last `count` chains taken by pop() and not pushed (QEMU's virtqueue_rewind):
   * a device that needs several buffers for one packet and found too few leaves them with the
   * driver and tries again on the next notification. The caller must drop those chains. With
   * EVENT_IDX the driver is asked to notify at the next entry it adds, since the ones given
   * back are already published.
   */
  rewind(count: number): void {
    const s = this.state;
    if (!this.running || !(count > 0)) return;
    const n = Math.min(count, s.size, s.inUse);
    s.lastAvail = (s.lastAvail - n) & 0xffff;
    s.inUse -= n;
    const r = this.views();
    if (r && s.eventIdx) r.usedView.setUint16(4 + 8 * r.size, r.availView.getUint16(2, true), true);
  }

  /** EVENT_IDX: asks the driver for a notification when it makes the next entry available. */
  private setAvailEvent(r: Rings): void {
    if (this.state.eventIdx) r.usedView.setUint16(4 + 8 * r.size, this.state.lastAvail, true);
  }

  /** Follows a chain from `head`, checking every descriptor. */
  private walk(head: number, r: Rings): Chain | null {
    const s = this.state;
    const readable: Uint8Array[] = [];
    const writable: Uint8Array[] = [];
    let readableLength = 0;
    let writableLength = 0;
    let table = r.descView;
    let tableSize = s.size;
    let budget = s.size; // a chain visits at most every descriptor of its table once
    let nested = false;
    let i = head;
    for (;;) {
      if (i >= tableSize) return this.fail(`descriptor index ${i} is past the table of ${tableSize}`);
      if (budget-- === 0) return this.fail("a descriptor chain is longer than its table (a loop?)");
      const o = i * DESC_SIZE;
      const lo = table.getUint32(o, true);
      const hi = table.getUint32(o + 4, true);
      const len = table.getUint32(o + 8, true);
      const flags = table.getUint16(o + 12, true);
      const next = table.getUint16(o + 14, true);
      const addr = join64(lo, hi);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (!s.indirect) return this.fail("an indirect descriptor without VIRTIO_F_INDIRECT_DESC");
        if (nested) return this.fail("an indirect table inside an indirect table");
        if (flags & VIRTQ_DESC_F_NEXT) return this.fail("an indirect descriptor with NEXT set");
        if (len === 0 || len % DESC_SIZE || len / DESC_SIZE > MAX_INDIRECT) {
          return this.fail(`an indirect table of ${len} bytes (a multiple of 16, up to ${MAX_INDIRECT} entries)`);
        }
        const t = addr === null ? null : this.mem.ram(addr, len);
        if (!t) return this.fail("an indirect table outside RAM");
        table = dataView(t);
        tableSize = len / DESC_SIZE;
        budget = tableSize;
        nested = true;
        i = 0;
        continue;
      }
      // A zero-length buffer touches nothing; the spec does not forbid it, so it is kept as empty.
      const buf = len === 0 ? EMPTY : addr === null ? null : this.mem.ram(addr, len);
      if (!buf) return this.fail(`a buffer of ${len} bytes outside RAM`);
      if (flags & VIRTQ_DESC_F_WRITE) {
        if (len !== 0 && addr !== null && this.overlapsRings(addr, len, r)) {
          return this.fail("a device-writable buffer overlaps the rings");
        }
        writable.push(buf);
        writableLength += len;
      } else {
        if (writable.length) return this.fail("a device-readable descriptor after a device-writable one");
        readable.push(buf);
        readableLength += len;
      }
      if (readableLength + writableLength > MAX_CHAIN_BYTES) return this.fail("a chain longer than 2^32 bytes");
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      i = next;
    }
    return { head, epoch: s.epoch, readable, writable, readableLength, writableLength };
  }

  private overlapsRings(addr: number, len: number, r: Rings): boolean {
    const [d, a, u] = Virtqueue.areaSizes(r.size);
    const end = addr + len;
    return (
      (addr < r.desc + d && r.desc < end) ||
      (addr < r.avail + a && r.avail < end) ||
      (addr < r.used + u && r.used < end)
    );
  }

  /**
   * Returns a chain to the driver with the number of bytes written into its writable buffers.
   * A stale chain (the queue was reset or failed since it was taken) is dropped: false.
   */
  push(chain: Chain, written: number): boolean {
    if (!this.isLive(chain)) return false;
    const r = this.views();
    if (!r) return false;
    const s = this.state;
    const len = Math.max(0, Math.min(Math.floor(written) || 0, chain.writableLength, 0xffffffff));
    const slot = 4 + 8 * (s.usedIdx % s.size);
    r.usedView.setUint32(slot, chain.head, true);
    r.usedView.setUint32(slot + 4, len, true);
    s.usedIdx = (s.usedIdx + 1) & 0xffff;
    r.usedView.setUint16(2, s.usedIdx, true);
    if (s.inUse > 0) s.inUse--;
    return true;
  }

  /**
   * Whether the used entries pushed since the last call deserve an interrupt: with EVENT_IDX,
   * when used.idx passed the driver's used_event (§2.7.10, vring_need_event); without it,
   * unless the driver set VIRTQ_AVAIL_F_NO_INTERRUPT.
   */
  needsInterrupt(): boolean {
    const s = this.state;
    if (!this.running) return false;
    const r = this.views();
    if (!r) return false;
    const now = s.usedIdx;
    const old = s.signalledUsed;
    const valid = s.signalledValid === 1;
    s.signalledUsed = now;
    s.signalledValid = 1;
    if (valid && now === old) return false;
    if (s.eventIdx) {
      if (!valid) return true;
      const usedEvent = r.availView.getUint16(4 + 2 * s.size, true);
      return ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
    }
    return (r.availView.getUint16(0, true) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** Views of the three areas, rebuilt when the state changed under the cache (a restore). */
  private views(): Rings | null {
    const s = this.state;
    const desc = join64(s.descLo, s.descHi);
    const avail = join64(s.driverLo, s.driverHi);
    const used = join64(s.deviceLo, s.deviceHi);
    const c = this.rings;
    if (c && c.size === s.size && c.desc === desc && c.avail === avail && c.used === used) return c;
    if (desc === null || avail === null || used === null || !isPowerOfTwo(s.size)) return null;
    const [d, a, u] = Virtqueue.areaSizes(s.size);
    const dv = this.mem.ram(desc, d);
    const av = this.mem.ram(avail, a);
    const uv = this.mem.ram(used, u);
    if (!dv || !av || !uv) return null;
    this.rings = {
      size: s.size,
      desc,
      avail,
      used,
      descView: dataView(dv),
      availView: dataView(av),
      usedView: dataView(uv),
    };
    return this.rings;
  }

  private fail(reason: string): null {
    if (!this.state.broken) {
      this.state.broken = 1;
      this.onFail(reason);
    }
    return null;
  }
}
