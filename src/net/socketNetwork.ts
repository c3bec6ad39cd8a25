// The `socket` network backend: an Ethernet segment shared by every paravm VM that names the
// same folder (`--net socket,path=DIR`), in one process or in several on this machine. No root,
// no relay server to start: each backend is one port of a learning hub spread over the VMs.
//
// Design. Node's dgram has no AF_UNIX datagram sockets (udp4/udp6 only), and UDP on 127.0.0.1
// would need a port registry and could hand frames to an unrelated program that took a dead
// VM's port. So each backend listens on a Unix *stream* socket DIR/<pid>-<n>.sock (the file
// system is the registry: only its owner's users can reach it, a leftover file of a dead VM
// answers ECONNREFUSED and is removed) and keeps one connection to every other backend:
//   - joining: listen first, then connect to every other *.sock in DIR. A backend that joins
//     later connects to us, so nobody watches the folder. Two that join at the same instant
//     may both connect to each other: frames then go out on the first connection of a peer and
//     are taken from any, so none is doubled.
//   - records on a connection: a 2-byte big-endian length, then that many bytes. The first
//     record each way is a hello, "paravm-net1 <name>"; the connecting side sends it first and
//     the accepting side answers once it has registered the peer, so when `open` resolves every
//     peer it found can already send to us.
//   - forwarding: a frame from the guest goes to the peer its destination MAC was last seen
//     from (source MACs of received frames are learned per peer), to every peer when the
//     destination is broadcast, multicast or not learned yet. Frames are never sent back to
//     their origin. A peer whose connection already holds MAX_QUEUED_BYTES unsent gets no more
//     frames until it drains (they are dropped and counted, as a busy Ethernet would lose them):
//     a stopped VM cannot make another one grow its memory.
//   - frames shorter than 14 or longer than 1514 bytes are dropped and counted, both from the
//     guest and from peers. A peer whose stream makes no sense (a bad hello) is disconnected.
// Delivery is in order and lossless between two running VMs (a stream), which suits guests that
// only expect Ethernet's weaker promise.
//
// It speaks Ethernet frames in the NetBackend shape (send, onReceive, close, stats), like
// UserNetwork, without importing virtio.

import { lstatSync, mkdirSync, readdirSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { Counters } from "./counters.js";
import * as E from "./ethernet.js";

const SUFFIX = ".sock";
const HELLO = "paravm-net1 ";
const MIN_FRAME = E.ETH_HEADER;
const MAX_FRAME = 1514;
/** Bytes waiting on one peer's connection beyond which its frames are dropped. */
export const MAX_QUEUED_BYTES = 512 * 1024;
/** How long `open` waits for the peers it found to answer (they join later if they answer late). */
const HELLO_WAIT_MS = 2000;
/** sockaddr_un.sun_path on Linux: 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export interface SocketNetworkOptions {
  /** The folder that names the segment (made if missing). */
  path: string;
}

interface Peer {
  name: string;
  /** Open connections to it; frames go out on the first. */
  sockets: Socket[];
}

/** Splits a byte stream into length-prefixed records. */
class RecordReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly record: (r: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    let at = 0;
    while (this.buffered.length - at >= 2) {
      const n = this.buffered.readUInt16BE(at);
      if (this.buffered.length - at - 2 < n) break;
      this.record(this.buffered.subarray(at + 2, at + 2 + n));
      at += 2 + n;
    }
    this.buffered = this.buffered.subarray(at);
  }
}

function record(bytes: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(2 + bytes.length);
  b.writeUInt16BE(bytes.length, 0);
  b.set(bytes, 2);
  return b;
}

function macKey(mac: Uint8Array): string {
  return E.formatMac(mac);
}

function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

let nextIndex = 0;

export class SocketNetwork {
  readonly counters = new Counters();
  /** This backend's socket file name in the folder. */
  readonly name: string;
  private receive: ((frame: Uint8Array) => void) | null = null;
  private readonly peers = new Map<string, Peer>();
  /** Learned MAC → peer name. */
  private readonly macs = new Map<string, string>();
  private readonly sockets = new Set<Socket>();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly server: Server,
    name: string,
  ) {
    this.name = name;
    server.on("connection", (s) => this.accepted(s));
    server.on("error", () => this.counters.count("listener errors"));
  }

  /** Joins the segment in `options.path`: listens, then connects to every backend already there. */
  static async open(options: SocketNetworkOptions): Promise<SocketNetwork> {
    const dir = options.path;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { server, name } = await listenFresh(dir);
    const n = new SocketNetwork(dir, server, name);
    await n.join();
    return n;
  }

  /** Names of the peers connected now (socket file names), sorted. */
  get peerNames(): string[] {
    return [...this.peers.keys()].sort();
  }

  onReceive(callback: (frame: Uint8Array) => void): void {
    this.receive = callback;
  }

  /** A frame from the guest. */
  send(frame: Uint8Array): void {
    if (this.closed) return;
    const c = this.counters;
    c.count("frames from guest");
    if (frame.length < MIN_FRAME) return c.count("dropped (frame too short)");
    if (frame.length > MAX_FRAME) return c.count("dropped (frame too long)");
    const dst = frame.subarray(0, 6);
    const learned = E.isMulticastMac(dst) ? undefined : this.macs.get(macKey(dst));
    const peer = learned === undefined ? undefined : this.peers.get(learned);
    if (peer) return this.forward(peer, frame);
    if (this.peers.size === 0) return c.count("dropped (no peers)");
    for (const p of this.peers.values()) this.forward(p, frame);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      unlinkSync(join(this.path, this.name)); // nobody new finds us
    } catch {
      // already gone
    }
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  stats(): Record<string, number> {
    return { ...this.counters.snapshot(), "socket peers": this.peers.size };
  }

  private forward(peer: Peer, frame: Uint8Array): void {
    const s = peer.sockets[0];
    if (s.writableLength > MAX_QUEUED_BYTES) return this.counters.count("dropped (peer busy)");
    s.write(record(frame));
    this.counters.count("frames to peers");
  }

  /** Connects to every other socket in the folder; resolves when each answered, failed or timed out. */
  private async join(): Promise<void> {
    let entries: string[];
    try {
      entries = readdirSync(this.path);
    } catch {
      return;
    }
    const others = entries.filter((e) => e.endsWith(SUFFIX) && e !== this.name);
    await Promise.all(others.map((other) => this.connect(other)));
  }

  private connect(other: string): Promise<void> {
    return new Promise((resolve) => {
      const file = join(this.path, other);
      const s = createConnection({ path: file });
      const timer = setTimeout(resolve, HELLO_WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      let connected = false;
      s.once("connect", () => {
        connected = true;
        s.write(record(Buffer.from(HELLO + this.name)));
        this.wire(s, other, done);
      });
      s.once("error", (e) => {
        if (connected) return; // the close handler of wire() cleans up
        const code = errorCode(e);
        if (code === "ECONNREFUSED" && removeStale(file)) this.counters.count("stale sockets removed");
        else if (code !== "ENOENT") this.counters.count("peer connect errors");
        done();
      });
    });
  }

  private accepted(s: Socket): void {
    if (this.closed) return void s.destroy();
    this.wire(s, null, () => {});
  }

  /**
   * Reads records from a connection. `expected` is the peer's name when we connected (its hello
   * must say so); null when it connected to us (we answer its hello with ours).
   */
  private wire(s: Socket, expected: string | null, ready: () => void): void {
    this.sockets.add(s);
    let peer: Peer | null = null;
    const reader = new RecordReader((r) => {
      if (peer) return this.fromPeer(peer, r);
      const hello = r.toString("latin1");
      const name = hello.startsWith(HELLO) ? hello.slice(HELLO.length) : "";
      if (!name.endsWith(SUFFIX) || name.includes("/") || name === this.name || (expected && name !== expected)) {
        this.counters.count("peers dropped (bad hello)");
        return void s.destroy();
      }
      if (expected === null) s.write(record(Buffer.from(HELLO + this.name)));
      peer = this.register(name, s);
      ready();
    });
    s.on("data", (d: Buffer) => {
      if (!this.closed) reader.push(d);
    });
    s.on("error", () => {});
    s.on("close", () => {
      this.sockets.delete(s);
      if (peer) this.unregister(peer, s);
      ready();
    });
  }

  private register(name: string, s: Socket): Peer {
    let p = this.peers.get(name);
    if (!p) {
      p = { name, sockets: [] };
      this.peers.set(name, p);
      this.counters.count("peers joined");
    }
    p.sockets.push(s);
    return p;
  }

  private unregister(p: Peer, s: Socket): void {
    p.sockets = p.sockets.filter((x) => x !== s);
    if (p.sockets.length > 0 || this.peers.get(p.name) !== p) return;
    this.peers.delete(p.name);
    for (const [mac, name] of this.macs) if (name === p.name) this.macs.delete(mac);
    if (!this.closed) this.counters.count("peers left");
  }

  private fromPeer(p: Peer, r: Buffer): void {
    const c = this.counters;
    if (r.length < MIN_FRAME) return c.count("dropped from peers (frame too short)");
    if (r.length > MAX_FRAME) return c.count("dropped from peers (frame too long)");
    const src = r.subarray(6, 12);
    if (!E.isMulticastMac(src)) this.macs.set(macKey(src), p.name);
    c.count("frames to guest");
    // A copy: the record is a view into the stream's buffer.
    this.receive?.(Uint8Array.prototype.slice.call(r));
  }
}

/** Listens on DIR/<pid>-<n>.sock with a name no live backend holds (a stale file is replaced). */
async function listenFresh(dir: string): Promise<{ server: Server; name: string }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const name = `${process.pid}-${nextIndex++}${SUFFIX}`;
    const file = join(dir, name);
    if (Buffer.byteLength(file) > MAX_SOCKET_PATH) {
      throw new Error(`socket path ${file} is longer than ${MAX_SOCKET_PATH} bytes: choose a shorter folder`);
    }
    const server = createServer({ allowHalfOpen: false });
    const error = await new Promise<unknown>((resolve) => {
      server.once("error", resolve);
      server.listen(file, () => {
        server.off("error", resolve);
        resolve(null);
      });
    });
    if (!error) return { server, name };
    if (errorCode(error) !== "EADDRINUSE") throw error;
    // A file of that name: a dead process with our pid left it, or (rarely) another one holds it.
    if (!(await answers(file))) removeStale(file);
  }
  throw new Error(`no free socket name in ${dir}`);
}

/** Removes `file` if it is a socket (a VM's leftover); never another kind of file. */
function removeStale(file: string): boolean {
  try {
    if (!lstatSync(file).isSocket()) return false;
    unlinkSync(file);
    return true;
  } catch {
    return false; // someone else removed it first
  }
}

/** True when something listens on the Unix socket `file`. */
function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ path: file });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
