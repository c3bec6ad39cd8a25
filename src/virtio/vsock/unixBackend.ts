// The vsock backend of Firecracker's convention: host ends are Unix sockets.
//
// - The guest connects to host (CID 2) port P: the backend connects to the Unix socket
//   `PATH_P` (nothing listening there: the guest's connect is refused).
// - A host program connects to the Unix socket `PATH` and sends `CONNECT P\n`: the guest's
//   port P gets a REQUEST; when the guest accepts, the program reads `OK <hostport>\n` and the
//   connection carries raw bytes from then on; when it refuses (or does not answer within the
//   connect timeout), the Unix connection is closed.
// Half-closes cross in both directions (shutdown(SHUT_WR) on either side is a SHUTDOWN(SEND)).

import { lstatSync, unlinkSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HostStream, IncomingConnection, StreamSink, VsockBackend } from "./backend.js";
import { MAX_GUEST_CID, MIN_GUEST_CID } from "./protocol.js";

/** sun_path holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH = 107;
/** The longest `CONNECT P\n` line accepted. */
const MAX_LINE = 32;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface VsockSpec {
  cid: number;
  /** The Unix socket host programs connect to; `PATH_P` for guest connections to port P. */
  uds: string;
}

/** Where the Unix socket goes when `--vsock` names none. */
export function defaultSocketPath(): string {
  return join(tmpdir(), `paravm-vsock-${process.pid}.sock`);
}

/** `--vsock CID[,uds=PATH]`; errors are one line. */
export function parseVsockSpec(spec: string): VsockSpec {
  const [cidText, ...options] = spec.split(",");
  const cid = /^\d{1,10}$/.test(cidText) ? Number(cidText) : NaN;
  if (!(cid >= MIN_GUEST_CID && cid <= MAX_GUEST_CID))
    throw new Error(`--vsock ${spec}: the guest CID must be ${MIN_GUEST_CID}..${MAX_GUEST_CID}, not '${cidText}'`);
  let uds: string | undefined;
  for (const o of options) {
    if (o.startsWith("uds=") && o.length > 4) uds = o.slice(4);
    else throw new Error(`--vsock ${spec}: unknown option '${o}' (uds=PATH)`);
  }
  uds ??= defaultSocketPath();
  // PATH_4294967295 must fit too, or guest connections to high ports could not be made.
  if (Buffer.byteLength(uds) + 11 > MAX_SOCKET_PATH)
    throw new Error(`--vsock ${spec}: the socket path is too long (at most ${MAX_SOCKET_PATH - 11} bytes)`);
  return { cid, uds };
}

/** A Unix socket as the host end of a vsock connection. */
class SocketStream implements HostStream {
  private sink: StreamSink | null = null;
  private ended = false;
  private closed = false;
  private destroyed = false;

  constructor(
    private readonly socket: net.Socket,
    /** Bytes that came with the CONNECT line. */
    private early: Uint8Array | null = null,
  ) {
    socket.on("error", () => {}); // 'close' follows and says it
    socket.on("end", () => {
      this.ended = true;
      this.sink?.end();
    });
    socket.on("close", () => {
      this.closed = true;
      if (!this.destroyed) this.sink?.closed();
    });
  }

  start(sink: StreamSink): void {
    if (this.sink || this.destroyed) return;
    this.sink = sink;
    if (this.early?.length) sink.data(this.early);
    this.early = null;
    if (this.ended) sink.end();
    if (this.closed) {
      sink.closed();
      return;
    }
    this.socket.on("data", (b: Buffer) => this.sink?.data(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    this.socket.resume();
  }

  write(bytes: Uint8Array, done: () => void): void {
    if (this.destroyed || this.closed || !this.socket.writable) {
      done();
      return;
    }
    this.socket.write(bytes, () => done());
  }

  end(): void {
    if (!this.destroyed && !this.closed) this.socket.end();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (this.sink) this.socket.resume();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.socket.destroy();
  }
}

export interface UnixSocketBackendOptions {
  /** How long a `CONNECT P` waits for the guest to accept. */
  connectTimeoutMs?: number;
}

export class UnixSocketBackend implements VsockBackend {
  private accept: ((c: IncomingConnection) => void) | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly counters = { connects: 0, connectFailures: 0, incoming: 0, badLines: 0, timeouts: 0 };

  private constructor(
    readonly path: string,
    private readonly server: net.Server,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Listens on `path` (a stale socket there is replaced; any other file is an error). */
  static async create(path: string, options: UnixSocketBackendOptions = {}): Promise<UnixSocketBackend> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`${path}: too long for a Unix socket`);
    let existing;
    try {
      existing = lstatSync(path);
    } catch {
      existing = null;
    }
    if (existing) {
      if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket`);
      unlinkSync(path);
    }
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.unref();
    const backend = new UnixSocketBackend(path, server, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    server.on("connection", (s) => backend.hostConnects(s));
    server.on("error", () => {});
    return backend;
  }

  connect(port: number, done: (stream: HostStream | null) => void): void {
    if (this.closed) return done(null);
    const socket = net.connect({ path: `${this.path}_${port}`, allowHalfOpen: true });
    this.track(socket);
    let settled = false;
    socket.once("connect", () => {
      settled = true;
      this.counters.connects++;
      socket.pause();
      done(new SocketStream(socket));
    });
    socket.once("error", () => {
      if (settled) return;
      settled = true;
      this.counters.connectFailures++;
      socket.destroy();
      done(null);
    });
  }

  listen(accept: ((c: IncomingConnection) => void) | null): void {
    this.accept = accept;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.accept = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  stats(): Record<string, number> {
    const c = this.counters;
    return {
      "vsock uds connects to PATH_P": c.connects,
      "vsock uds connects failed": c.connectFailures,
      "vsock uds CONNECT requests": c.incoming,
      "vsock uds bad CONNECT lines": c.badLines,
      "vsock uds CONNECT timeouts": c.timeouts,
    };
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
  }

  /** A host program connected to PATH: reads its `CONNECT P\n`, then offers the guest the connection. */
  private hostConnects(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.track(socket);
    socket.on("error", () => {});
    let line = Buffer.alloc(0);
    const timer = this.timer(() => {
      this.counters.timeouts++;
      socket.destroy();
    });
    const onData = (b: Buffer) => {
      line = Buffer.concat([line, b]);
      const nl = line.indexOf(10);
      if (nl < 0) {
        if (line.length > MAX_LINE) bad();
        return;
      }
      socket.off("data", onData);
      socket.pause();
      const m = /^CONNECT (\d{1,10})\r?$/.exec(line.subarray(0, nl).toString("latin1"));
      const port = m ? Number(m[1]) : NaN;
      if (!(port <= 0xffffffff)) return bad();
      const accept = this.accept;
      if (!accept) {
        this.clear(timer);
        socket.destroy();
        return;
      }
      this.counters.incoming++;
      const early = line.subarray(nl + 1);
      let settled = false;
      accept({
        guestPort: port,
        stream: new SocketStream(socket, early.length ? new Uint8Array(early) : null),
        settle: (hostPort) => {
          if (settled) return;
          settled = true;
          this.clear(timer);
          if (hostPort === null) socket.destroy();
          else socket.write(`OK ${hostPort}\n`);
        },
      });
    };
    const bad = () => {
      this.counters.badLines++;
      this.clear(timer);
      socket.destroy();
    };
    socket.on("data", onData);
    socket.resume();
  }

  private timer(fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.connectTimeoutMs);
    t.unref();
    this.timers.add(t);
    return t;
  }

  private clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }
}
