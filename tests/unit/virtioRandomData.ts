// Guest RAM contents and a vsock backend for random-ring tests (the property test and the
// fuzzer): data that often looks like virtio-blk requests, 9P messages or vsock packets, so
// that random rings reach the devices' request handling and not only their header checks.

import type { HostStream, StreamSink, VsockBackend } from "../../src/virtio/vsock/backend.js";
import { DATA_BASE, type FakeGuest } from "./virtioHarness.js";

/** 9P T-message types, and names, that the filler below writes into the data area. */
const P9_TYPES = [100, 104, 110, 12, 14, 116, 118, 40, 24, 26, 72, 76, 74, 120, 122, 108, 8, 16, 22, 52, 54, 30, 255];
const P9_NAMES = ["sub", "..", "f", "x", "", "/", "a\0b"];

/** A 9P message at `a`: Tversion, Tattach or Twalk often well-formed, other types with random fields. */
function fillP9(guest: FakeGuest, a: number, next: () => number): void {
  const type = P9_TYPES[next() % P9_TYPES.length];
  const bytes: number[] = [];
  const u16 = (v: number) => bytes.push(v & 0xff, (v >> 8) & 0xff);
  const u32 = (v: number) => {
    u16(v & 0xffff);
    u16(v >>> 16);
  };
  const str = (s: string) => {
    u16(s.length);
    bytes.push(...[...s].map((ch) => ch.charCodeAt(0)));
  };
  if (type === 100) {
    u32(next() % 3 ? 8192 : next());
    str("9P2000.L");
  } else if (type === 104) {
    u32(next() % 4);
    u32(0xffffffff);
    str("");
    str("");
    u32(0);
  } else if (type === 110) {
    u32(next() % 4);
    u32(next() % 4);
    u16(1);
    str(P9_NAMES[next() % P9_NAMES.length]);
  } else {
    for (let i = 0; i < 6; i++) u32(i === 0 ? next() % 4 : next());
  }
  const size = next() % 8 ? 7 + bytes.length : next() % 128;
  guest.w32(a, size);
  guest.w8(a + 4, type);
  guest.w16(a + 5, next() & 0xffff);
  bytes.slice(0, 56).forEach((b, i) => guest.w8(a + 7 + i, b));
}

/**
 * A vsock packet header at `a`: mostly from the guest's CID to the host on a few ports, with
 * ops, lengths and credit fields that make connections open, carry data, shut down and reset.
 */
function fillVsock(guest: FakeGuest, a: number, next: () => number): void {
  guest.w64(a, BigInt(next() % 8 ? 3 : next() % 5));
  guest.w64(a + 8, BigInt(next() % 8 ? 2 : next() % 5));
  guest.w32(a + 16, next() % 3);
  guest.w32(a + 20, next() % 3);
  guest.w32(a + 24, next() % 4 ? next() % 64 : next());
  guest.w16(a + 28, next() % 8 ? 1 : next() % 4);
  guest.w16(a + 30, next() % 8 ? 1 + (next() % 7) : next() & 0xffff);
  guest.w32(a + 32, next() % 4);
  guest.w32(a + 36, next() % 4 ? 4096 : next());
  guest.w32(a + 40, next() % 4 ? 0 : next());
}

/** Fills the data area with bytes that often look like virtio-blk requests, 9P messages or vsock packets. */
export function fillData(guest: FakeGuest, seed: number, vsock = false): void {
  let x = seed | 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let a = DATA_BASE; a < guest.end; a += 4) guest.w32(a, next());
  const types = [0, 1, 4, 8, 11, 13, 99];
  for (let a = DATA_BASE; a < Math.min(DATA_BASE + 400 * 64, guest.end - 64); a += 64) {
    if (vsock) {
      fillVsock(guest, a, next);
      continue;
    }
    if ((a - DATA_BASE) % 128) {
      fillP9(guest, a, next);
      continue;
    }
    guest.w32(a, types[next() % types.length]);
    guest.w64(a + 8, BigInt(next() % 72));
    // Behind it, a discard/write-zeroes segment.
    guest.w64(a + 16, BigInt(next() % 72));
    guest.w32(a + 24, next() % 16);
    guest.w32(a + 28, next() % 3);
  }
}

/**
 * A vsock backend whose host ends echo what the guest writes, at once (re-entering the device
 * while it handles the packet), and where port 1 refuses; host programs connect too.
 */
export class EchoVsockBackend implements VsockBackend {
  private accept: Parameters<VsockBackend["listen"]>[0] = null;
  connect(port: number, done: (stream: HostStream | null) => void): void {
    if (port === 1) return done(null);
    done(this.stream());
    // and a host program connects to the guest's port 0, 1 or 2
    this.accept?.({ guestPort: port, stream: this.stream(), settle: () => {} });
  }
  private stream(): HostStream {
    let sink: StreamSink | null = null;
    return {
      start: (s) => {
        sink = s;
        s.data(new Uint8Array(100).fill(0x5a));
      },
      write: (bytes, done) => {
        sink?.data(bytes.slice());
        done();
        if (bytes.length > 32) sink?.end();
      },
      end: () => sink?.closed(),
      pause: () => {},
      resume: () => {},
      destroy: () => {},
    };
  }
  listen(accept: Parameters<VsockBackend["listen"]>[0]): void {
    this.accept = accept;
  }
  async close(): Promise<void> {}
}
