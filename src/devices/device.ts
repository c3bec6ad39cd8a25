// The shape every emulated device has: a plain serializable state and MMIO handlers.

export interface MmioDevice {
  readonly name: string;
  /** Plain data (numbers, strings, typed arrays): the device's whole state, for snapshots. */
  readonly state: object;
  /** A load of 1, 2 or 4 bytes at `offset` within the device's window; the value zero-extended. */
  mmioRead(offset: number, size: number): number;
  mmioWrite(offset: number, size: number, value: number): void;
  /** 8-byte accesses, where the device has 64-bit registers; otherwise the bus splits them. */
  mmioRead64?(offset: number): bigint;
  mmioWrite64?(offset: number, value: bigint): void;
}
