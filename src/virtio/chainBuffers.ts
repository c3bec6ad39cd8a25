// Copying in and out of a chain's buffer lists, which split one logical byte stream across
// descriptors wherever the driver chose (the spec forbids devices to assume any framing).

/** Copies `length` bytes starting at byte `offset` of the stream; fewer if the buffers end first. */
export function gather(buffers: readonly Uint8Array[], offset: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, length));
  let skip = offset;
  let filled = 0;
  for (const b of buffers) {
    if (filled === out.length) break;
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    const n = Math.min(b.length - skip, out.length - filled);
    out.set(b.subarray(skip, skip + n), filled);
    filled += n;
    skip = 0;
  }
  return filled === out.length ? out : out.subarray(0, filled);
}

/** Writes `data` at byte `offset` of the stream, as far as the buffers reach; returns bytes written. */
export function scatter(buffers: readonly Uint8Array[], offset: number, data: Uint8Array): number {
  let skip = offset;
  let done = 0;
  for (const b of buffers) {
    if (done === data.length) break;
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    const n = Math.min(b.length - skip, data.length - done);
    b.set(data.subarray(done, done + n), skip);
    done += n;
    skip = 0;
  }
  return done;
}
