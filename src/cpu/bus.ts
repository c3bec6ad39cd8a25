// What the hart sees of the machine: RAM as a window of the shared memory, and physical
// loads and stores for everything else. The machine implements it; cpu/ knows no devices.

export interface Bus {
  /** Guest-physical base address of RAM. */
  readonly ramBase: number;
  /** RAM size in bytes. */
  readonly ramSize: number;
  /** Byte offset of RAM's first byte in the memory buffer. */
  readonly ramOffset: number;
  /**
   * A load from a non-RAM physical address. Sizes 1, 2 and 4 return a number (zero-extended),
   * size 8 a bigint; null means nothing answers there (an access fault).
   */
  read(paddr: number, size: number): number | bigint | null;
  /** A store to a non-RAM physical address; false means nothing answers there (an access fault). */
  write(paddr: number, size: number, value: number | bigint): boolean;
}
