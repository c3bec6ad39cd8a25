// TCP through the user network with real host sockets: the test plays the guest, segment by
// segment, and checks both ends (checksums are checked by the parser in netGuest.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { ACK, FIN, PSH, RST, SYN } from "../../src/net/tcpSegment.js";
import { GATEWAY, GUEST, TestGuest, str, text } from "./netGuest.js";

/** A host server on 127.0.0.1; `close` also ends its half-open sockets, which would keep it alive. */
async function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const close = () => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  return { server, port: typeof address === "object" && address ? address.port : 0, close };
}

/** The guest side of an open connection: its next sequence number and what it has received. */
interface GuestConn {
  g: TestGuest;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  dst?: number;
}

async function handshake(g: TestGuest, srcPort: number, dstPort: number, window = 65535): Promise<GuestConn> {
  g.tcp({ srcPort, dstPort, seq: 1000, flags: SYN, window, mss: 1460 });
  const synAck = await g.takeTcp(dstPort);
  assert.equal(synAck.flags, SYN | ACK);
  assert.equal(synAck.ack, 1001);
  assert.equal(synAck.mss, 1460);
  assert.equal(synAck.srcIp, GATEWAY);
  const c = { g, srcPort, dstPort, seq: 1001, ack: (synAck.seq + 1) >>> 0 };
  g.tcp({ srcPort, dstPort, seq: c.seq, ack: c.ack, flags: ACK, window });
  return c;
}

function send(c: GuestConn, flags: number, payload?: Uint8Array, window = 65535): void {
  c.g.tcp({ srcPort: c.srcPort, dstPort: c.dstPort, seq: c.seq, ack: c.ack, flags, window }, payload, c.dst);
  c.seq = (c.seq + (payload?.length ?? 0) + (flags & FIN ? 1 : 0)) >>> 0;
}

/**
 * Receives the stream until the network's FIN, acknowledging as it goes; checks that segments
 * come in order, fit the MSS and never exceed the window the guest advertised.
 */
async function receiveAll(c: GuestConn, window: number, mss: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let unacked = 0;
  for (;;) {
    const s = await c.g.takeTcp(c.dstPort);
    assert.equal(s.seq, c.ack, "in order, nothing skipped");
    assert.ok(s.payload.length <= mss, `segment of ${s.payload.length} within the MSS`);
    unacked += s.payload.length;
    assert.ok(unacked <= window, `${unacked} bytes in flight within the window ${window}`);
    parts.push(s.payload.slice());
    c.ack = (c.ack + s.payload.length + (s.flags & FIN ? 1 : 0)) >>> 0;
    if (s.flags & FIN || unacked > window / 2 || c.g.frames.length === 0) {
      send(c, ACK, undefined, window);
      unacked = 0;
    }
    if (s.flags & FIN) break;
  }
  return Buffer.concat(parts);
}

test("tcp: a guest connection to the gateway reaches the host server and the reply comes back in order", async () => {
  const received: Buffer[] = [];
  const big = Buffer.alloc(100_000, 0);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const { close, port } = await listen((s) => {
    s.on("data", (d) => received.push(d));
    s.on("end", () => {
      s.write("pong:" + Buffer.concat(received).toString());
      s.end(big);
    });
  });
  const g = await TestGuest.start();
  const c = await handshake(g, 40000, port, 8000);
  send(c, ACK | PSH, text("hello "), 8000);
  send(c, ACK | PSH, text("world"), 8000);
  // both segments came in one event-loop turn: one ACK covers them, at the end of the turn
  assert.equal(g.frames.length, 0, "the ACK waits for the end of the turn");
  assert.equal((await g.takeTcp(port)).ack, 1001 + 11);
  await new Promise((r) => setImmediate(r));
  assert.equal(g.frames.length, 0, "no second ACK");
  send(c, FIN | ACK, undefined, 8000);
  const all = await receiveAll(c, 8000, 1460);
  assert.equal(str(all.subarray(0, 16)), "pong:hello world");
  assert.deepEqual(Buffer.from(all.subarray(16)), big);
  await waitFor(() => g.net.stats()["tcp connections open"] === 0);
  assert.equal(g.net.stats()["tcp connections established"], 1);
  await g.close();
  close();
});

test("tcp: connection refused on the host becomes a RST; so do strangers and segments for no connection", async () => {
  const { server, port } = await listen(() => {});
  await new Promise((resolve) => server.close(resolve)); // now nothing listens there
  const g = await TestGuest.start();
  g.tcp({ srcPort: 40001, dstPort: port, seq: 5000, flags: SYN });
  const rst = await g.takeTcp(port);
  assert.equal(rst.flags, RST | ACK);
  assert.equal(rst.ack, 5001);
  g.tcp({ srcPort: 40002, dstPort: 80, seq: 1, flags: SYN }, undefined, 0x5db8d822);
  assert.equal((await g.takeTcp(80)).flags & RST, RST);
  g.tcp({ srcPort: 40003, dstPort: 9, seq: 77, ack: 123456, flags: ACK });
  const stray = await g.takeTcp(9);
  assert.deepEqual([stray.flags, stray.seq], [RST, 123456]);
  g.tcp({ srcPort: 40003, dstPort: 9, seq: 77, flags: RST });
  assert.equal(g.frames.length, 0, "no RST for a RST");
  await g.close();
});

test("tcp: hostfwd turns a host client into a connection to the guest's port", async () => {
  const g = await TestGuest.start({ hostfwd: [{ hostAddress: "127.0.0.1", hostPort: 0, guestPort: 8080 }] });
  const hostPort = g.net.hostfwdPorts[0];
  const client = connect({ host: "127.0.0.1", port: hostPort, allowHalfOpen: true });
  const got: Buffer[] = [];
  client.on("data", (d) => got.push(d));
  const ended = new Promise<void>((resolve) => client.on("end", resolve));
  const syn = await g.takeTcp();
  assert.equal(syn.flags, SYN);
  assert.equal(syn.dstPort, 8080);
  assert.equal(syn.srcIp, GATEWAY);
  assert.equal(syn.mss, 1460);
  // The guest accepts: SYN-ACK from 10.0.2.15:8080.
  const c: GuestConn = { g, srcPort: 8080, dstPort: syn.srcPort, seq: 9000, ack: (syn.seq + 1) >>> 0 };
  send(c, SYN | ACK);
  c.seq = 9001;
  const ack = await g.takeTcp(syn.srcPort);
  assert.deepEqual([ack.flags, ack.seq, ack.ack], [ACK, c.ack, 9001]);
  client.write("GET /");
  const data = await g.takeTcp(syn.srcPort);
  assert.equal(str(data.payload), "GET /");
  c.ack = (c.ack + 5) >>> 0;
  send(c, ACK | PSH, text("200 OK"));
  await g.takeTcp(syn.srcPort); // its ACK
  send(c, FIN | ACK);
  assert.equal((await g.takeTcp(syn.srcPort)).ack, c.seq, "the FIN is acknowledged");
  await ended;
  assert.equal(Buffer.concat(got).toString(), "200 OK");
  client.end();
  const fin = await g.takeTcp(syn.srcPort);
  assert.ok(fin.flags & FIN);
  c.ack = (c.ack + 1) >>> 0;
  send(c, ACK);
  await waitFor(() => g.net.stats()["tcp connections open"] === 0);
  assert.equal(g.net.stats()["hostfwd connections"], 1);
  await g.close();
});

test("tcp: out-of-window and out-of-order segments are dropped and counted, answered with an ACK", async () => {
  const received: Buffer[] = [];
  const { close, port } = await listen((s) => s.on("data", (d) => received.push(d)));
  const g = await TestGuest.start();
  const c = await handshake(g, 40010, port);
  g.tcp({ srcPort: 40010, dstPort: port, seq: c.seq + 200_000, ack: c.ack, flags: ACK | PSH }, text("far"));
  assert.equal((await g.takeTcp(port)).ack, c.seq);
  assert.equal(g.net.counters.get("tcp dropped (out of window)"), 1);
  g.tcp({ srcPort: 40010, dstPort: port, seq: c.seq + 10, ack: c.ack, flags: ACK | PSH }, text("later"));
  assert.equal((await g.takeTcp(port)).ack, c.seq);
  assert.equal(g.net.counters.get("tcp dropped (out of order)"), 1);
  send(c, ACK | PSH, text("now"));
  g.tcp({ srcPort: 40010, dstPort: port, seq: c.seq - 3, ack: c.ack, flags: ACK | PSH }, text("now")); // a duplicate
  // the duplicate is answered at once, and that ACK covers "now" as well
  assert.equal((await g.takeTcp(port)).ack, c.seq);
  assert.equal(g.net.counters.get("tcp duplicate segments"), 1);
  await waitFor(() => Buffer.concat(received).toString() === "now");
  // A RST from the guest closes the host socket.
  send(c, RST);
  await waitFor(() => g.net.stats()["tcp connections open"] === 0);
  await g.close();
  close();
});

test("tcp: unacknowledged data is sent again; a zero window is probed", async () => {
  const { close, port } = await listen((s) => s.write("unacked"));
  const g = await TestGuest.start();
  const c = await handshake(g, 40020, port);
  const first = await g.takeTcp(port);
  assert.equal(str(first.payload), "unacked");
  const again = await g.takeTcp(port, 2000);
  assert.deepEqual([again.seq, str(again.payload)], [first.seq, "unacked"]);
  assert.ok(g.net.counters.get("tcp retransmissions") >= 1);
  c.ack = (c.ack + 7) >>> 0;
  send(c, ACK, undefined, 0); // everything taken, but no room for more
  await g.close();
  close();

  const { close: close2, port: p2 } = await listen((s) => s.write("waiting"));
  const g2 = await TestGuest.start();
  await handshake(g2, 40021, p2, 0);
  const probe = await g2.takeTcp(p2, 2000);
  assert.equal(str(probe.payload), "w");
  assert.ok(g2.net.counters.get("tcp window probes") >= 1);
  await g2.close();
  close2();
});

test("tcp: the connection limit refuses further SYNs with a RST", async () => {
  const { close, port } = await listen(() => {});
  const g = await TestGuest.start({ maxConnections: 2 });
  await handshake(g, 41000, port);
  await handshake(g, 41001, port);
  g.tcp({ srcPort: 41002, dstPort: port, seq: 1, flags: SYN });
  assert.equal((await g.takeTcp(port)).flags, RST | ACK);
  assert.equal(g.net.counters.get("tcp refused (connection limit)"), 1);
  await g.close();
  close();
  assert.equal(GUEST, 0x0a00020f);
});

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
