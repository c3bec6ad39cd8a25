// Where a virtio-vsock device's connections end on the host. The device speaks the vsock
// protocol (packets, credit, connection states); a backend speaks byte streams: Unix sockets
// (Firecracker's convention, unixBackend.ts), or a test double. One stream per connection.

/** Where a host stream's events go; the device gives one to `HostStream.start`. */
export interface StreamSink {
  /** Bytes from the host for the guest (the sink may keep the array). */
  data(bytes: Uint8Array): void;
  /** The host will send no more (it half-closed); writes may still be accepted. */
  end(): void;
  /** The stream is gone (closed or failed): no more events, writes are dropped. */
  closed(): void;
}

/** The host end of one connection. */
export interface HostStream {
  /** Starts delivering the host's bytes to `sink`; called once, when the connection is up. */
  start(sink: StreamSink): void;
  /** Bytes from the guest; `done` runs once the host took them (the guest's credit comes back). */
  write(bytes: Uint8Array, done: () => void): void;
  /** The guest will send no more: a half-close once the writes before it went out. */
  end(): void;
  /** Flow control: stop delivering data until resume(). */
  pause(): void;
  resume(): void;
  /** Tears the stream down (no sink event follows). */
  destroy(): void;
}

/** A host program asks for a connection to a guest port. */
export interface IncomingConnection {
  readonly guestPort: number;
  readonly stream: HostStream;
  /** The guest accepted, from host port `hostPort`; or refused (null). Called once. */
  settle(hostPort: number | null): void;
}

export interface VsockBackend {
  /** The guest connects to host port `port`: `done` gets the stream, or null when refused. */
  connect(port: number, done: (stream: HostStream | null) => void): void;
  /**
   * Registers where host-initiated connections go (the device, once built); null detaches
   * (a device being replaced, on a reboot), and connections asked for then are refused.
   */
  listen(accept: ((c: IncomingConnection) => void) | null): void;
  /** Closes listeners and every stream; no callback runs after it resolves. */
  close(): Promise<void>;
  /** Counters for --stats; names are the backend's. */
  stats?(): Record<string, number>;
}

/** A backend with nothing behind it: every connection refused (tests, `--vsock CID` wiring checks). */
export class RefusingBackend implements VsockBackend {
  connect(_port: number, done: (stream: HostStream | null) => void): void {
    done(null);
  }
  listen(): void {}
  async close(): Promise<void> {}
}
