// Console input waiting for the guest: bytes arrive from the host terminal whenever they
// like and leave as the guest's device takes them, so nothing typed is lost.

export class InputQueue {
  private chunks: Uint8Array[] = [];
  private length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  get size(): number {
    return this.length;
  }

  /** Takes up to max bytes from the front. */
  take(max: number): Uint8Array {
    const out = new Uint8Array(Math.min(max, this.length));
    let filled = 0;
    while (filled < out.length) {
      const c = this.chunks[0];
      const n = Math.min(c.length, out.length - filled);
      out.set(c.subarray(0, n), filled);
      filled += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    this.length -= filled;
    return out;
  }

  /** Gives the device what it accepts (it returns how many bytes it took); the rest stays. */
  offer(accept: (bytes: Uint8Array) => number): void {
    while (this.length > 0) {
      const c = this.chunks[0];
      const n = accept(c);
      if (n <= 0) return;
      this.take(n);
    }
  }
}
