// A file of random bytes for the benchmarks' disks and shares: not sparse and not
// compressible, so every read the guest makes comes from the host page cache.

import { randomFillSync } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";

export function fillRandom(path: string, mib: number): void {
  const chunk = new Uint8Array(1 << 20);
  const fd = openSync(path, "w");
  try {
    for (let i = 0; i < mib; i++) writeSync(fd, randomFillSync(chunk));
  } finally {
    closeSync(fd);
  }
}
