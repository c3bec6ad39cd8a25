// virtio-vsock (ID 19, §5.10): stream sockets between the guest (CID from the config space) and
// the host (CID 2), with the host ends of the connections in a VsockBackend.
//
// Queues: rx 0 (packets for the guest), tx 1 (packets from the guest), event 2 (kept, never
// used: there is no transport reset to report without snapshots). Only STREAM sockets: no
// device feature is offered (SEQPACKET is not), so the driver assumes stream (§5.10.3).
//
// A connection is a (guest port, host port) pair. The guest opens one with REQUEST to CID 2,
// which the backend connects on the host (RESPONSE, or RST when nothing listens); a host
// program opens one through the backend, and the device sends REQUEST to the guest's port.
// Flow control is the spec's credit scheme, both ways:
// - towards the guest, never more than its buf_alloc − (tx_cnt − fwd_cnt) bytes in flight;
//   host bytes beyond that wait (bounded: the host stream is paused past a limit);
// - from the guest, our buf_alloc is advertised in every packet and fwd_cnt counts the bytes
//   the host took; a guest that sends past that credit is reset. CREDIT_UPDATE goes out as the
//   host consumes (when the guest's view of our free space runs low), and answers
//   CREDIT_REQUEST.
// SHUTDOWN half-closes the host stream (SEND) or drops what the host still sends (RCV); both
// flags and nothing left to write → RST, as Linux does. A host stream that ends becomes
// SHUTDOWN(SEND), one that closes SHUTDOWN(RCV|SEND), after its bytes went to the guest.
//
// Everything the guest sends is checked: a short header, a length past the buffer, a type
// other than STREAM, an unknown op, a source CID that is not the guest's, a destination that
// is not the host, a packet that does not fit the connection's state, a credit overrun: each
// is counted, and answered with RST (never to an RST), which also ends the connection it
// names. Packets for the guest that find no rx buffer wait (per connection, or in a bounded
// queue of resets; when that queue is full, tx processing stops until the guest takes them).
// The connection table is bounded. Connections hold host sockets, so they are not in `state`
// (a snapshot would drop them, as Firecracker does); the counters are.

import { gather, scatter } from "../chainBuffers.js";
import type { VirtioDevice, VirtioHost } from "../virtioDevice.js";
import type { Chain } from "../virtqueue.js";
import type { HostStream, IncomingConnection, StreamSink, VsockBackend } from "./backend.js";
import * as P from "./protocol.js";

const RXQ = 0;
const TXQ = 1;
const QUEUE_SIZE = 128;
/** Our receive buffer per connection (buf_alloc): what the guest may send before credit comes back. */
export const DEFAULT_BUF_ALLOC = 256 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 64;
/** Host bytes kept per connection for the guest before the host stream is paused. */
const HOST_BUFFER_LIMIT = 256 * 1024;
/** Resets waiting for rx buffers before tx processing stops. */
const MAX_CONTROL = 256;
/** Host ports of host-initiated connections count up from here (as Firecracker's). */
const FIRST_LOCAL_PORT = 1 << 30;

/** What the device saw, for --stats. Plain numbers: part of the snapshot state. */
export interface VsockCounters {
  txPackets: number;
  txBytes: number;
  rxPackets: number;
  rxBytes: number;
  connectionsFromGuest: number;
  connectionsFromHost: number;
  /** Guest REQUESTs the backend refused (nothing listens on the host port). */
  refusedByHost: number;
  /** Host connections the guest refused, or that could not be offered (no driver, table full). */
  refusedByGuest: number;
  rstSent: number;
  rstReceived: number;
  /** Hostile or broken packets, by reason: each got an RST (but short headers, which name nothing). */
  shortHeader: number;
  badLength: number;
  badType: number;
  badOp: number;
  badCid: number;
  creditOverrun: number;
  /** A packet that does not fit its connection's state, or names no connection. */
  badState: number;
  tooManyConnections: number;
  /** Rx buffers too small for a header, handed back empty. */
  rxBufferTooSmall: number;
  /** Resets dropped because the guest took none for too long. */
  controlDropped: number;
}

function newCounters(): VsockCounters {
  return {
    txPackets: 0,
    txBytes: 0,
    rxPackets: 0,
    rxBytes: 0,
    connectionsFromGuest: 0,
    connectionsFromHost: 0,
    refusedByHost: 0,
    refusedByGuest: 0,
    rstSent: 0,
    rstReceived: 0,
    shortHeader: 0,
    badLength: 0,
    badType: 0,
    badOp: 0,
    badCid: 0,
    creditOverrun: 0,
    badState: 0,
    tooManyConnections: 0,
    rxBufferTooSmall: 0,
    controlDropped: 0,
  };
}

export interface VirtioVsockOptions {
  maxConnections?: number;
  /** Our buf_alloc per connection. */
  bufAlloc?: number;
}

type ConnState =
  /** The guest sent REQUEST; the backend is connecting. */
  | "connecting"
  /** A host program asked; REQUEST is (to be) sent, waiting for RESPONSE. */
  | "requesting"
  | "established"
  /** We sent SHUTDOWN(RCV|SEND); waiting for the guest's RST. */
  | "closing";

class Connection {
  state: ConnState;
  stream: HostStream | null = null;
  incoming: IncomingConnection | null = null;
  /** Packets owed to the guest, sent as rx buffers allow. */
  sendRequest = false;
  sendResponse = false;
  creditUpdate = false;
  creditRequested = false;
  /** SHUTDOWN flags we sent. */
  shutdownSent = 0;
  // guest → host
  rxCnt = 0;
  fwdCnt = 0;
  reportedFwdCnt = 0;
  guestSendShut = false;
  guestRcvShut = false;
  // host → guest
  readonly out: Uint8Array[] = [];
  outBytes = 0;
  paused = false;
  txCnt = 0;
  peerBufAlloc = 0;
  peerFwdCnt = 0;
  hostEnded = false;
  hostClosed = false;

  constructor(
    readonly guestPort: number,
    readonly hostPort: number,
    state: ConnState,
  ) {
    this.state = state;
  }

  get key(): string {
    return connKey(this.guestPort, this.hostPort);
  }

  /** Bytes we may still send: the guest's buf_alloc minus what is in flight. */
  get credit(): number {
    const inFlight = (this.txCnt - this.peerFwdCnt) >>> 0;
    return Math.max(0, this.peerBufAlloc - inFlight);
  }

  /** Takes `n` bytes (n ≤ outBytes) from the front of the host's bytes. */
  take(n: number): Uint8Array {
    const first = this.out[0];
    let bytes: Uint8Array;
    if (first.length >= n) {
      bytes = first.subarray(0, n);
      if (first.length === n) this.out.shift();
      else this.out[0] = first.subarray(n);
    } else {
      bytes = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const c = this.out[0];
        const k = Math.min(c.length, n - at);
        bytes.set(c.subarray(0, k), at);
        at += k;
        if (k === c.length) this.out.shift();
        else this.out[0] = c.subarray(k);
      }
    }
    this.outBytes -= n;
    return bytes;
  }

  dropOut(): void {
    this.out.length = 0;
    this.outBytes = 0;
  }
}

function connKey(guestPort: number, hostPort: number): string {
  return `${guestPort}:${hostPort}`;
}

interface Packet {
  header: P.VsockHeader;
  payload: Uint8Array | null;
}

export class VirtioVsock implements VirtioDevice {
  readonly name = "virtio-vsock";
  readonly deviceId = 19;
  readonly features = 0n;
  readonly queueSizes = [QUEUE_SIZE, QUEUE_SIZE, QUEUE_SIZE];
  readonly state: { guestCid: number; counters: VsockCounters };
  private readonly maxConnections: number;
  private readonly bufAlloc: number;
  private readonly configBytes: Uint8Array;
  private host: VirtioHost | null = null;
  private readonly conns = new Map<string, Connection>();
  /** Connections that may have a packet for the guest, in round-robin order. */
  private readonly ready = new Set<Connection>();
  /** Resets for connections that are gone (or never were). */
  private readonly control: P.VsockHeader[] = [];
  private nextLocalPort = FIRST_LOCAL_PORT;
  private inTransmit = false;
  private txThrottled = false;
  private closed = false;

  constructor(
    readonly guestCid: number,
    readonly backend: VsockBackend,
    options: VirtioVsockOptions = {},
  ) {
    if (!Number.isInteger(guestCid) || guestCid < P.MIN_GUEST_CID || guestCid > P.MAX_GUEST_CID)
      throw new RangeError(`a guest CID is ${P.MIN_GUEST_CID}..${P.MAX_GUEST_CID}, not ${guestCid}`);
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.bufAlloc = options.bufAlloc ?? DEFAULT_BUF_ALLOC;
    this.configBytes = P.vsockConfig(guestCid);
    this.state = { guestCid, counters: newCounters() };
    backend.listen((c) => this.incoming(c));
  }

  attach(host: VirtioHost): void {
    this.host = host;
  }

  config(): Uint8Array {
    return this.configBytes;
  }

  notify(queue: number): void {
    if (this.closed) return;
    if (queue === RXQ) this.deliver();
    else if (queue === TXQ) this.transmit();
    // The event queue's buffers stay with the device: no event is ever reported.
  }

  reset(): void {
    // The driver is gone: so are its sockets. Host ends are closed, nothing is owed.
    for (const c of [...this.conns.values()]) this.teardown(c, false);
    this.control.length = 0;
    this.txThrottled = false;
  }

  /** After the run: closes every host stream and stops taking host connections. */
  close(): void {
    this.closed = true;
    this.backend.listen(null);
    this.reset();
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Counters with the names --stats prints. */
  stats(): Record<string, number> {
    const c = this.state.counters;
    return {
      "vsock tx packets": c.txPackets,
      "vsock tx bytes": c.txBytes,
      "vsock rx packets": c.rxPackets,
      "vsock rx bytes": c.rxBytes,
      "vsock connections from guest": c.connectionsFromGuest,
      "vsock connections from host": c.connectionsFromHost,
      "vsock refused by host": c.refusedByHost,
      "vsock refused by guest": c.refusedByGuest,
      "vsock rst sent": c.rstSent,
      "vsock rst received": c.rstReceived,
      "vsock bad packets (short header)": c.shortHeader,
      "vsock bad packets (length)": c.badLength,
      "vsock bad packets (type)": c.badType,
      "vsock bad packets (op)": c.badOp,
      "vsock bad packets (cid)": c.badCid,
      "vsock bad packets (state)": c.badState,
      "vsock credit overruns": c.creditOverrun,
      "vsock too many connections": c.tooManyConnections,
      "vsock rx buffers too small": c.rxBufferTooSmall,
      "vsock resets dropped": c.controlDropped,
      "vsock connections open": this.conns.size,
    };
  }

  // ---- from the guest

  private transmit(): void {
    const host = this.host;
    if (!host || this.inTransmit) return;
    this.inTransmit = true;
    try {
      const q = host.queue(TXQ);
      for (;;) {
        let used = false;
        this.txThrottled = false;
        for (;;) {
          if (this.control.length >= MAX_CONTROL) {
            this.txThrottled = true;
            break;
          }
          const chain = q.pop();
          if (!chain) break;
          this.receivePacket(chain);
          q.push(chain, 0);
          used = true;
        }
        if (used) host.usedBuffers(TXQ);
        this.deliver();
        // Resets went out: go on with the packets left behind, if the guest took some.
        if (!this.txThrottled || this.control.length >= MAX_CONTROL) break;
      }
    } finally {
      this.inTransmit = false;
    }
  }

  private receivePacket(chain: Chain): void {
    const c = this.state.counters;
    c.txPackets++;
    const h = P.decodeHeader(gather(chain.readable, 0, P.HEADER_SIZE));
    if (!h) {
      c.shortHeader++;
      return;
    }
    if (h.len > chain.readableLength - P.HEADER_SIZE) return this.reject(h, "badLength");
    if (h.type !== P.TYPE_STREAM) return this.reject(h, "badType");
    if (h.srcCid !== BigInt(this.guestCid) || h.dstCid !== BigInt(P.HOST_CID)) return this.reject(h, "badCid");
    if (!(h.op >= P.OP_REQUEST && h.op <= P.OP_CREDIT_REQUEST)) return this.reject(h, "badOp");

    const conn = this.conns.get(connKey(h.srcPort, h.dstPort));
    if (!conn) {
      if (h.op === P.OP_REQUEST) this.guestConnects(h);
      else if (h.op === P.OP_RST) c.rstReceived++;
      else this.reject(h, "badState");
      return;
    }
    // Every header carries the sender's buffer space (§5.10.6.3).
    conn.peerBufAlloc = h.bufAlloc;
    conn.peerFwdCnt = h.fwdCnt;
    // One CREDIT_REQUEST per stall: asked again only once credit came back and ran out again.
    if (conn.credit > 0) conn.creditRequested = false;
    switch (h.op) {
      case P.OP_REQUEST:
        return this.reject(h, "badState");
      case P.OP_RESPONSE:
        if (conn.state !== "requesting" || conn.sendRequest) return this.reject(h, "badState");
        conn.state = "established";
        c.connectionsFromHost++;
        conn.incoming?.settle(conn.hostPort);
        conn.incoming = null;
        break;
      case P.OP_RST:
        c.rstReceived++;
        if (conn.state === "requesting") c.refusedByGuest++;
        return this.teardown(conn, false);
      case P.OP_SHUTDOWN:
        if (conn.state !== "established" && conn.state !== "closing") return this.reject(h, "badState");
        if (h.flags & P.SHUTDOWN_RCV) {
          conn.guestRcvShut = true;
          conn.dropOut();
          if (conn.paused) {
            conn.paused = false;
            conn.stream?.resume();
          }
        }
        if (h.flags & P.SHUTDOWN_SEND && !conn.guestSendShut) {
          conn.guestSendShut = true;
          conn.stream?.end();
        }
        if (this.finishedByGuest(conn)) return;
        break;
      case P.OP_RW:
        if (conn.state !== "established" && conn.state !== "closing") return this.reject(h, "badState");
        if (conn.guestSendShut) return this.reject(h, "badState");
        if (h.len > 0) {
          const buffered = (conn.rxCnt - conn.fwdCnt) >>> 0;
          if (buffered + h.len > this.bufAlloc) return this.reject(h, "creditOverrun");
          this.guestData(conn, gather(chain.readable, P.HEADER_SIZE, h.len));
        }
        break;
      case P.OP_CREDIT_UPDATE:
        break;
      case P.OP_CREDIT_REQUEST:
        conn.creditUpdate = true;
        break;
    }
    this.ready.add(conn);
  }

  /** A bad packet: counted, answered with RST, and the connection it names (if any) ends. */
  private reject(h: P.VsockHeader, why: keyof VsockCounters): void {
    this.state.counters[why]++;
    if (h.op === P.OP_RST) return;
    const conn = h.dstCid === BigInt(P.HOST_CID) ? this.conns.get(connKey(h.srcPort, h.dstPort)) : undefined;
    if (conn) this.teardown(conn, false);
    this.queueRst({
      srcCid: h.dstCid,
      dstCid: BigInt(this.guestCid),
      srcPort: h.dstPort,
      dstPort: h.srcPort,
    });
  }

  private guestConnects(h: P.VsockHeader): void {
    const c = this.state.counters;
    if (this.conns.size >= this.maxConnections) return this.reject(h, "tooManyConnections");
    const conn = new Connection(h.srcPort, h.dstPort, "connecting");
    conn.peerBufAlloc = h.bufAlloc;
    conn.peerFwdCnt = h.fwdCnt;
    this.conns.set(conn.key, conn);
    this.backend.connect(h.dstPort, (stream) => {
      if (this.conns.get(conn.key) !== conn || this.closed) {
        stream?.destroy(); // the guest gave up (RST), or the device was reset
        return;
      }
      if (!stream) {
        c.refusedByHost++;
        this.teardown(conn, true);
      } else {
        c.connectionsFromGuest++;
        conn.stream = stream;
        conn.state = "established";
        conn.sendResponse = true;
        this.ready.add(conn);
        stream.start(this.sink(conn));
      }
      this.deliver();
    });
  }

  private guestData(conn: Connection, bytes: Uint8Array): void {
    this.state.counters.txBytes += bytes.length;
    conn.rxCnt = (conn.rxCnt + bytes.length) >>> 0;
    const stream = conn.stream;
    if (!stream || conn.hostClosed) {
      // The host end is gone: what the guest sent before it learnt so is dropped.
      this.consumed(conn, bytes.length);
      return;
    }
    stream.write(bytes, () => {
      if (this.conns.get(conn.key) !== conn) return;
      this.consumed(conn, bytes.length);
      this.deliver();
    });
  }

  /** The host took `n` of the guest's bytes: credit goes back, in CREDIT_UPDATE when it runs low. */
  private consumed(conn: Connection, n: number): void {
    conn.fwdCnt = (conn.fwdCnt + n) >>> 0;
    if (this.finishedByGuest(conn)) return;
    const unreported = (conn.fwdCnt - conn.reportedFwdCnt) >>> 0;
    const guestView = this.bufAlloc - ((conn.rxCnt - conn.reportedFwdCnt) >>> 0);
    if (unreported >= this.bufAlloc / 4 || (unreported > 0 && guestView < P.MAX_PACKET_PAYLOAD)) {
      conn.creditUpdate = true;
      this.ready.add(conn);
    }
  }

  /** Both directions shut by the guest and every byte written: RST, and the connection ends. */
  private finishedByGuest(conn: Connection): boolean {
    if (!(conn.guestSendShut && conn.guestRcvShut) || conn.rxCnt !== conn.fwdCnt) return false;
    this.teardown(conn, true);
    return true;
  }

  // ---- from the host

  private incoming(c: IncomingConnection): void {
    const counters = this.state.counters;
    if (this.closed || !this.host?.running || this.conns.size >= this.maxConnections) {
      counters.refusedByGuest++;
      if (this.conns.size >= this.maxConnections) counters.tooManyConnections++;
      c.settle(null);
      return;
    }
    let port = this.nextLocalPort;
    while (this.conns.has(connKey(c.guestPort, port))) port = port >= 0xfffffffe ? FIRST_LOCAL_PORT : port + 1;
    this.nextLocalPort = port >= 0xfffffffe ? FIRST_LOCAL_PORT : port + 1;
    const conn = new Connection(c.guestPort, port, "requesting");
    conn.incoming = c;
    conn.stream = c.stream;
    conn.sendRequest = true;
    this.conns.set(conn.key, conn);
    this.ready.add(conn);
    // Started now, so that a program that goes away is noticed; its bytes wait for RESPONSE.
    c.stream.start(this.sink(conn));
    this.deliver();
  }

  private sink(conn: Connection): StreamSink {
    const live = () => this.conns.get(conn.key) === conn;
    return {
      data: (bytes) => {
        if (!live() || conn.guestRcvShut || conn.hostEnded || bytes.length === 0) return;
        conn.out.push(bytes);
        conn.outBytes += bytes.length;
        if (conn.outBytes >= HOST_BUFFER_LIMIT && !conn.paused) {
          conn.paused = true;
          conn.stream?.pause();
        }
        this.ready.add(conn);
        this.deliver();
      },
      end: () => {
        if (!live()) return;
        conn.hostEnded = true;
        this.ready.add(conn);
        this.deliver();
      },
      closed: () => {
        if (!live()) return;
        conn.stream = null;
        conn.hostEnded = true;
        conn.hostClosed = true;
        if (conn.state === "requesting") {
          // The host program went away before the guest answered.
          this.teardown(conn, !conn.sendRequest);
        } else this.ready.add(conn);
        this.deliver();
      },
    };
  }

  // ---- to the guest

  private deliver(): void {
    const host = this.host;
    if (!host?.running || this.closed) return;
    const q = host.queue(RXQ);
    const c = this.state.counters;
    let used = false;
    while (this.control.length > 0 || this.ready.size > 0) {
      const chain = q.pop();
      if (!chain) break;
      const room = chain.writableLength;
      if (room < P.HEADER_SIZE) {
        c.rxBufferTooSmall++;
        q.push(chain, 0);
        used = true;
        continue;
      }
      const packet = this.nextPacket(Math.min(room - P.HEADER_SIZE, P.MAX_PACKET_PAYLOAD));
      if (!packet) {
        q.rewind(1);
        break;
      }
      const h = packet.header;
      const n = packet.payload?.length ?? 0;
      h.len = n;
      scatter(chain.writable, 0, P.encodeHeader(h));
      if (packet.payload) scatter(chain.writable, P.HEADER_SIZE, packet.payload);
      q.push(chain, P.HEADER_SIZE + n);
      used = true;
      c.rxPackets++;
      c.rxBytes += n;
      if (h.op === P.OP_RST) c.rstSent++;
    }
    if (used) host.usedBuffers(RXQ);
    if (this.txThrottled && this.control.length < MAX_CONTROL) this.transmit();
  }

  /** The next packet for the guest: resets first, then the connections in turn. */
  private nextPacket(room: number): Packet | null {
    const rst = this.control.shift();
    if (rst) return { header: rst, payload: null };
    for (const conn of this.ready) {
      this.ready.delete(conn);
      const p = this.connPacket(conn, room);
      if (p) {
        this.ready.add(conn); // to the back: it may have more
        return p;
      }
    }
    return null;
  }

  private connPacket(conn: Connection, room: number): Packet | null {
    if (this.conns.get(conn.key) !== conn) return null;
    if (conn.sendRequest) {
      conn.sendRequest = false;
      return this.packet(conn, P.OP_REQUEST);
    }
    if (conn.state === "connecting" || conn.state === "requesting") return null;
    if (conn.sendResponse) {
      conn.sendResponse = false;
      return this.packet(conn, P.OP_RESPONSE);
    }
    if (conn.outBytes > 0 && !conn.guestRcvShut) {
      const n = Math.min(conn.credit, room, conn.outBytes);
      if (n > 0) {
        const payload = conn.take(n);
        conn.txCnt = (conn.txCnt + n) >>> 0;
        if (conn.paused && conn.outBytes < HOST_BUFFER_LIMIT / 2) {
          conn.paused = false;
          conn.stream?.resume();
        }
        return { header: this.header(conn, P.OP_RW), payload };
      }
      if (conn.credit === 0 && !conn.creditRequested) {
        conn.creditRequested = true;
        return this.packet(conn, P.OP_CREDIT_REQUEST);
      }
    }
    if (conn.creditUpdate) return this.packet(conn, P.OP_CREDIT_UPDATE);
    if (conn.hostEnded && (conn.outBytes === 0 || conn.guestRcvShut)) {
      const flags = conn.hostClosed ? P.SHUTDOWN_BOTH : P.SHUTDOWN_SEND;
      if ((conn.shutdownSent & flags) !== flags) {
        conn.shutdownSent |= flags;
        if (flags === P.SHUTDOWN_BOTH) conn.state = "closing";
        const p = this.packet(conn, P.OP_SHUTDOWN);
        p.header.flags = flags;
        return p;
      }
    }
    return null;
  }

  private packet(conn: Connection, op: number): Packet {
    return { header: this.header(conn, op), payload: null };
  }

  /** A header from the host end of `conn`, with our credit (which it reports). */
  private header(conn: Connection, op: number): P.VsockHeader {
    conn.reportedFwdCnt = conn.fwdCnt;
    conn.creditUpdate = false;
    return {
      srcCid: BigInt(P.HOST_CID),
      dstCid: BigInt(this.guestCid),
      srcPort: conn.hostPort,
      dstPort: conn.guestPort,
      len: 0,
      type: P.TYPE_STREAM,
      op,
      flags: 0,
      bufAlloc: this.bufAlloc,
      fwdCnt: conn.fwdCnt,
    };
  }

  private queueRst(h: Pick<P.VsockHeader, "srcCid" | "dstCid" | "srcPort" | "dstPort">): void {
    if (this.control.length >= 2 * MAX_CONTROL) {
      this.state.counters.controlDropped++;
      return;
    }
    this.control.push({ ...h, len: 0, type: P.TYPE_STREAM, op: P.OP_RST, flags: 0, bufAlloc: 0, fwdCnt: 0 });
  }

  /** Forgets a connection: its host stream is closed; with `rst`, the guest is told. */
  private teardown(conn: Connection, rst: boolean): void {
    if (this.conns.get(conn.key) !== conn) return;
    this.conns.delete(conn.key);
    this.ready.delete(conn);
    conn.dropOut();
    const stream = conn.stream;
    conn.stream = null;
    stream?.destroy();
    const incoming = conn.incoming;
    conn.incoming = null;
    incoming?.settle(null);
    if (rst) {
      this.queueRst({
        srcCid: BigInt(P.HOST_CID),
        dstCid: BigInt(this.guestCid),
        srcPort: conn.hostPort,
        dstPort: conn.guestPort,
      });
    }
  }
}
