// A disk in a byte array: for tests and throwaway scratch disks.

import type { BlockBackend } from "./backend.js";

export interface MemoryBackendOptions {
  readOnly?: boolean;
  id?: string;
}

export class MemoryBackend implements BlockBackend {
  readonly size: number;
  readonly readOnly: boolean;
  readonly id: string;

  constructor(
    readonly bytes: Uint8Array,
    options: MemoryBackendOptions = {},
  ) {
    this.size = bytes.length;
    this.readOnly = options.readOnly ?? false;
    this.id = options.id ?? "paravm-memory";
  }

  private check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`bad range ${offset}+${length}`);
    }
    if (offset + length > this.size) throw new RangeError(`${offset}+${length} is past the end (${this.size})`);
  }

  private checkWrite(offset: number, length: number): void {
    if (this.readOnly) throw new Error("read-only disk");
    this.check(offset, length);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.checkWrite(offset, data.length);
    this.bytes.set(data, offset);
  }

  async flush(): Promise<void> {}

  async discard(offset: number, length: number): Promise<void> {
    this.checkWrite(offset, length);
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    this.checkWrite(offset, length);
    this.bytes.fill(0, offset, offset + length);
  }

  async close(): Promise<void> {}
}
