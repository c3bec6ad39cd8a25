// Guest RAM as the fuzzer hands it to device code: every view a device gets is checked to lie
// inside the guest's RAM (nothing else of the host's memory), and every call is counted as
// work, so that a case that does unbounded work is caught by count, not only by the clock.

import type { GuestMemory } from "../src/virtio/guestMemory.js";

export class FuzzFailure extends Error {}

export class WorkMeter {
  /** ram() calls and bytes handed out since the last reset. */
  calls = 0;
  bytes = 0;
  /** The most either reached in one case, over the campaign. */
  maxCalls = 0;
  /** A view outside guest RAM that was asked for (device code might catch an exception, not this). */
  violation = "";

  /** Past this many calls the case is stopped where it is (a device in a loop). */
  limit = Infinity;

  /** Starts a case that may do at most `limit` calls. */
  reset(limit = Infinity): void {
    this.calls = 0;
    this.bytes = 0;
    this.violation = "";
    this.limit = limit;
  }

  /** Ends a case: throws if a view left guest RAM or the case did more than `bound` calls. */
  check(bound: number): void {
    if (this.violation) throw new FuzzFailure(this.violation);
    if (this.calls > this.maxCalls) this.maxCalls = this.calls;
    if (this.calls > bound) throw new FuzzFailure(`work bound: ${this.calls} guest-memory accesses > ${bound}`);
  }
}

/**
 * Wraps `ram` (a GuestMemory's or a Vm's) so that each view is checked against the host bytes
 * that hold guest RAM: [ramStart, ramStart + ramSize) of `buffer`.
 */
export function checkedRam(
  ram: (addr: number, length: number) => Uint8Array | null,
  buffer: ArrayBufferLike,
  ramStart: number,
  ramBase: number,
  ramSize: number,
  meter: WorkMeter,
): GuestMemory["ram"] {
  return (addr, length) => {
    if (++meter.calls > meter.limit) {
      meter.violation ||= `work bound: more than ${meter.limit} guest-memory accesses`;
      throw new FuzzFailure(meter.violation);
    }
    const view = ram(addr, length);
    if (view === null) return null;
    meter.bytes += view.length;
    const off = view.byteOffset - ramStart;
    if (
      view.buffer !== buffer ||
      view.length !== length ||
      off !== addr - ramBase ||
      off < 0 ||
      off + view.length > ramSize
    ) {
      meter.violation ||= `ram(0x${addr.toString(16)}, ${length}) gave host bytes outside guest RAM at ${off}`;
      return null;
    }
    return view;
  };
}
