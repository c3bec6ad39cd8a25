// Where a virtio-net device's frames go and come from. The device speaks virtio; a backend
// speaks Ethernet: the user-mode network (src/net/), a shared segment, or a test double.
// Frames cross in both directions as whole Ethernet frames without the virtio header.

export interface NetBackend {
  /** A frame the guest transmitted (a copy: the backend may keep it). */
  send(frame: Uint8Array): void;
  /** Registers where frames for the guest go; the device calls it once, when it is built. */
  onReceive(callback: (frame: Uint8Array) => void): void;
  /** Stops timers, sockets and listeners; no frame is delivered after it resolves. */
  close(): Promise<void>;
  /** Counters for --stats (frames, drops by reason …); names are the backend's. */
  stats?(): Record<string, number>;
}

/**
 * A backend for tests and for wiring checks: keeps what the guest sent, and `inject` hands a
 * frame to the guest. With `echo`, every frame the guest sends comes straight back.
 */
export class LoopbackBackend implements NetBackend {
  readonly sent: Uint8Array[] = [];
  private receive: ((frame: Uint8Array) => void) | null = null;
  private closed = false;

  constructor(private readonly echo = false) {}

  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.sent.push(frame);
    if (this.echo) this.inject(frame.slice());
  }

  onReceive(callback: (frame: Uint8Array) => void): void {
    this.receive = callback;
  }

  /** A frame for the guest, as a real backend would deliver it. */
  inject(frame: Uint8Array): void {
    if (!this.closed) this.receive?.(frame);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  stats(): Record<string, number> {
    return { "loopback frames sent": this.sent.length };
  }
}
