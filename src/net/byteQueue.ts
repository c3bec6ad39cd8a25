// A FIFO of bytes kept as the chunks they arrived in: TCP's send buffer, where data is
// appended as the host socket delivers it, read at any offset for (re)transmission, and
// dropped from the front as the guest acknowledges it. No copy of the whole on every append.

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // bytes of chunks[0] already dropped
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.total += data.length;
  }

  /** Up to `length` bytes starting `offset` bytes in (a copy). */
  peek(offset: number, length: number): Uint8Array {
    const n = Math.max(0, Math.min(length, this.total - offset));
    const out = new Uint8Array(n);
    let skip = offset + this.head;
    let filled = 0;
    for (const c of this.chunks) {
      if (filled === n) break;
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const k = Math.min(c.length - skip, n - filled);
      out.set(c.subarray(skip, skip + k), filled);
      filled += k;
      skip = 0;
    }
    return out;
  }

  /** Forgets the first `n` bytes. */
  drop(n: number): void {
    let left = Math.min(n, this.total);
    this.total -= left;
    while (left > 0) {
      const room = this.chunks[0].length - this.head;
      if (left < room) {
        this.head += left;
        return;
      }
      left -= room;
      this.chunks.shift();
      this.head = 0;
    }
  }
}
