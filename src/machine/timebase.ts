// The platform timebase (mtime and the time CSR): 10 MHz, as QEMU virt, from the host's
// monotonic clock.

export const TIMEBASE_HZ = 10_000_000;

export class Timebase {
  private readonly start = process.hrtime.bigint();

  /** Ticks since the VM started. */
  now(): bigint {
    return (process.hrtime.bigint() - this.start) / 100n;
  }
}
