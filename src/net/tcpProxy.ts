// The TCP side of the user network: a table of connections between guest endpoints and host
// sockets. A guest SYN to the gateway (10.0.2.2:P) opens a host connection to 127.0.0.1:P; a
// host client on a forwarded port (hostfwd) becomes a connection from 10.0.2.2 to the guest.
// A segment for no connection gets a RST, and so does a SYN beyond the connection limit or to
// an address other than the gateway (this network reaches the host, not the Internet).

import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Counters } from "./counters.js";
import { TcpConnection, type TcpEnds } from "./tcpConnection.js";
import { ACK, RST, SYN, buildTcp, resetFor, type TcpSegment } from "./tcpSegment.js";

export interface HostForward {
  /** Host address to listen on (127.0.0.1 unless given). */
  hostAddress: string;
  /** 0 picks a free port: see `boundPorts`. */
  hostPort: number;
  guestPort: number;
}

export interface TcpProxyOptions {
  gatewayIp: number;
  guestIp: number;
  /** Where connections to the gateway go on the host. */
  hostAddress: string;
  maxConnections: number;
}

/** Hands a TCP segment to the guest, from `src` to `dst`. */
export type TcpOutput = (src: number, dst: number, segment: Uint8Array) => void;

const FIRST_LOCAL_PORT = 49152;

function key(guestIp: number, guestPort: number, localIp: number, localPort: number): string {
  return `${guestIp}:${guestPort}-${localIp}:${localPort}`;
}

export class TcpProxy {
  private readonly connections = new Map<string, TcpConnection>();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private nextLocalPort = FIRST_LOCAL_PORT;
  /** The host ports actually listened on, in the order of the forwards. */
  readonly boundPorts: number[] = [];

  constructor(
    private readonly options: TcpProxyOptions,
    private readonly out: TcpOutput,
    private readonly counters: Counters,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  /** A segment from the guest (checksum already checked). */
  segment(srcIp: number, dstIp: number, s: TcpSegment): void {
    const existing = this.connections.get(key(srcIp, s.srcPort, dstIp, s.dstPort));
    if (existing) return existing.segment(s);
    if ((s.flags & (SYN | ACK | RST)) === SYN) {
      if (dstIp !== this.options.gatewayIp) return this.refuse(srcIp, dstIp, s, "tcp refused (not the gateway)");
      if (this.connections.size >= this.options.maxConnections) {
        return this.refuse(srcIp, dstIp, s, "tcp refused (connection limit)");
      }
      return this.connectHost(srcIp, dstIp, s);
    }
    if (!(s.flags & RST)) this.refuse(srcIp, dstIp, s, "tcp resets sent (no connection)");
  }

  private refuse(srcIp: number, dstIp: number, s: TcpSegment, reason: string): void {
    const r = resetFor(s);
    if (!r) return;
    this.counters.count(reason);
    this.out(dstIp, srcIp, buildTcp(dstIp, srcIp, r));
  }

  private ends(guestIp: number, guestPort: number, localIp: number, localPort: number): TcpEnds {
    return { guestIp, guestPort, localIp, localPort };
  }

  private add(c: TcpConnection): void {
    const e = c.ends;
    this.connections.set(key(e.guestIp, e.guestPort, e.localIp, e.localPort), c);
  }

  private readonly closed = (c: TcpConnection): void => {
    const e = c.ends;
    this.connections.delete(key(e.guestIp, e.guestPort, e.localIp, e.localPort));
  };

  private connectHost(guestIp: number, gatewayIp: number, syn: TcpSegment): void {
    const ends = this.ends(guestIp, syn.srcPort, gatewayIp, syn.dstPort);
    const c = TcpConnection.fromGuest(ends, syn, this.emit(ends), this.counters, this.closed);
    this.add(c);
    this.counters.count("tcp connections to host");
    const socket = createConnection({ host: this.options.hostAddress, port: syn.dstPort, allowHalfOpen: true });
    socket.once("connect", () => c.hostConnected(socket));
    this.wire(socket, c);
  }

  private emit(e: TcpEnds): (segment: Uint8Array) => void {
    return (segment) => this.out(e.localIp, e.guestIp, segment);
  }

  /** Host socket events into the connection; a socket that closes before its end is a failure. */
  private wire(socket: Socket, c: TcpConnection): void {
    let ended = false;
    this.sockets.add(socket);
    socket.on("data", (d: Buffer) => c.hostData(d));
    socket.on("end", () => {
      ended = true;
      c.hostEnd();
    });
    socket.on("drain", () => c.hostDrain());
    socket.on("error", () => this.counters.count("tcp host socket errors"));
    socket.on("close", (hadError) => {
      this.sockets.delete(socket);
      if (hadError || !ended) c.hostFailed();
    });
  }

  /** Listens on every forward's host port; rejects (after closing what was opened) if one cannot. */
  async listen(forwards: readonly HostForward[]): Promise<void> {
    for (const f of forwards) {
      const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket, f));
      this.servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(f.hostPort, f.hostAddress, () => {
          server.off("error", reject);
          resolve();
        });
      });
      server.on("error", () => this.counters.count("hostfwd listener errors"));
      const address = server.address();
      this.boundPorts.push(typeof address === "object" && address ? address.port : f.hostPort);
    }
  }

  private accept(socket: Socket, f: HostForward): void {
    if (this.connections.size >= this.options.maxConnections) {
      this.counters.count("hostfwd refused (connection limit)");
      socket.destroy();
      return;
    }
    const ends = this.ends(this.options.guestIp, f.guestPort, this.options.gatewayIp, this.localPort(f.guestPort));
    this.counters.count("hostfwd connections");
    const c = TcpConnection.toGuest(ends, socket, this.emit(ends), this.counters, this.closed);
    this.add(c);
    this.wire(socket, c);
  }

  /** A gateway port no live connection to the same guest port uses. */
  private localPort(guestPort: number): number {
    for (;;) {
      const p = this.nextLocalPort;
      this.nextLocalPort = p === 65535 ? FIRST_LOCAL_PORT : p + 1;
      if (!this.connections.has(key(this.options.guestIp, guestPort, this.options.gatewayIp, p))) return p;
    }
  }

  async close(): Promise<void> {
    for (const c of [...this.connections.values()]) c.abort();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
