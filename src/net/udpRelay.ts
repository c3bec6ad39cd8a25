// UDP from the guest to the gateway (10.0.2.2:P) goes to the host's 127.0.0.1:P through one
// dgram socket per guest source port, and what comes back to that socket returns to the guest
// as from 10.0.2.2. Bindings idle for a minute are closed; their number is bounded. Datagrams
// the host has not sent yet (before the socket is bound, or while the kernel's buffer is full)
// are bounded per binding; past that they are dropped and counted, as a busy network would.

import { createSocket, type Socket } from "node:dgram";
import type { Counters } from "./counters.js";

/** The largest UDP payload one unfragmented frame carries: 1514 − 14 − 20 − 8. */
export const MAX_UDP_PAYLOAD = 1472;
const IDLE_MS = 60_000;
/** Bytes of datagrams one binding holds that the host has not sent yet. */
export const MAX_QUEUED_BYTES = 256 * 1024;

interface Binding {
  socket: Socket;
  timer: NodeJS.Timeout;
  /** Bytes handed to socket.send whose callback has not run yet. */
  queued: number;
}

/** A datagram for the guest: from the gateway's `srcPort` to the guest's `dstPort`. */
export type UdpOutput = (srcPort: number, dstPort: number, payload: Uint8Array) => void;

export class UdpRelay {
  private readonly bindings = new Map<number, Binding>();
  private closed = false;

  constructor(
    private readonly hostAddress: string,
    private readonly maxBindings: number,
    private readonly out: UdpOutput,
    private readonly counters: Counters,
  ) {}

  get size(): number {
    return this.bindings.size;
  }

  send(guestPort: number, dstPort: number, payload: Uint8Array): void {
    if (this.closed) return;
    if (dstPort === 0) return void this.counters.count("udp dropped (port 0)");
    let b = this.bindings.get(guestPort);
    if (!b) {
      if (this.bindings.size >= this.maxBindings) return void this.counters.count("udp dropped (binding limit)");
      b = this.bind(guestPort);
    }
    b.timer.refresh();
    if (b.queued + payload.length > MAX_QUEUED_BYTES) return void this.counters.count("udp dropped (host busy)");
    this.counters.count("udp relayed to host");
    const binding = b;
    binding.queued += payload.length;
    b.socket.send(payload, dstPort, this.hostAddress, () => (binding.queued -= payload.length));
  }

  private bind(guestPort: number): Binding {
    const socket = createSocket("udp4");
    socket.on("message", (msg, from) => {
      if (msg.length > MAX_UDP_PAYLOAD) return void this.counters.count("udp dropped (reply too big)");
      this.counters.count("udp relayed to guest");
      this.out(from.port, guestPort, msg);
    });
    socket.on("error", () => {
      this.counters.count("udp host socket errors");
      this.unbind(guestPort);
    });
    socket.bind(0, this.hostAddress);
    socket.unref();
    const timer = setTimeout(() => this.unbind(guestPort), IDLE_MS);
    timer.unref();
    const b = { socket, timer, queued: 0 };
    this.bindings.set(guestPort, b);
    return b;
  }

  private unbind(guestPort: number): void {
    const b = this.bindings.get(guestPort);
    if (!b) return;
    this.bindings.delete(guestPort);
    clearTimeout(b.timer);
    try {
      b.socket.close();
    } catch {
      // already closed after an error
    }
  }

  close(): void {
    this.closed = true;
    for (const port of [...this.bindings.keys()]) this.unbind(port);
  }
}
