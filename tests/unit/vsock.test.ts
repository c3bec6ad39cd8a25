// virtio-vsock through the MMIO transport, against real Unix sockets (Firecracker's
// convention): packets, connections both ways, data with credit, shutdown and reset.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VirtioVsock } from "../../src/virtio/vsock/device.js";
import * as P from "../../src/virtio/vsock/protocol.js";
import { parseVsockSpec, UnixSocketBackend } from "../../src/virtio/vsock/unixBackend.js";
import { GUEST_CID, RX_BUF, until, VsockGuest } from "./vsockGuest.js";

const dir = mkdtempSync(join(tmpdir(), "paravm-vsock-unit-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

interface Setup {
  uds: string;
  backend: UnixSocketBackend;
  device: VirtioVsock;
  g: VsockGuest;
  close(): Promise<void>;
}

async function setup(options: { bufAlloc?: number; maxConnections?: number; connectTimeoutMs?: number } = {}) {
  const uds = join(dir, `v${n++}.sock`);
  const backend = await UnixSocketBackend.create(uds, { connectTimeoutMs: options.connectTimeoutMs });
  const device = new VirtioVsock(GUEST_CID, backend, options);
  const g = new VsockGuest(device);
  const s: Setup = {
    uds,
    backend,
    device,
    g,
    close: async () => {
      device.close();
      await backend.close();
    },
  };
  return s;
}

/** A Unix server on PATH_port; its sockets are collected. */
async function hostServer(path: string): Promise<{ server: net.Server; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(path, r));
  return { server, sockets };
}

/** What a socket received; `closed` once the peer is gone (end of stream, or closed). */
function collect(s: net.Socket): { bytes: () => Buffer; ended: () => boolean; closed: () => boolean } {
  const chunks: Buffer[] = [];
  let ended = false;
  let closed = false;
  s.on("data", (d: Buffer) => chunks.push(d));
  s.on("end", () => (ended = true));
  s.on("close", () => (closed = true));
  s.on("error", () => {});
  return { bytes: () => Buffer.concat(chunks), ended: () => ended, closed: () => closed || ended };
}

const ops = (ps: { op: number }[]) => ps.map((p) => P.OP_NAMES[p.op] ?? p.op);

test("the packet header encodes and decodes the spec's 44-byte layout", () => {
  const h: P.VsockHeader = {
    srcCid: 0x1122334455667788n,
    dstCid: 2n,
    srcPort: 0xdeadbeef,
    dstPort: 5000,
    len: 4096,
    type: P.TYPE_STREAM,
    op: P.OP_CREDIT_REQUEST,
    flags: 3,
    bufAlloc: 262144,
    fwdCnt: 0xfffffffe,
  };
  const b = P.encodeHeader(h);
  assert.equal(b.length, 44);
  const v = new DataView(b.buffer);
  assert.equal(v.getBigUint64(0, true), 0x1122334455667788n);
  assert.equal(v.getBigUint64(8, true), 2n);
  assert.equal(v.getUint32(16, true), 0xdeadbeef);
  assert.equal(v.getUint32(20, true), 5000);
  assert.equal(v.getUint32(24, true), 4096);
  assert.equal(v.getUint16(28, true), 1);
  assert.equal(v.getUint16(30, true), 7);
  assert.equal(v.getUint32(32, true), 3);
  assert.equal(v.getUint32(36, true), 262144);
  assert.equal(v.getUint32(40, true), 0xfffffffe);
  assert.deepEqual(P.decodeHeader(b), h);
  assert.equal(P.decodeHeader(b.subarray(0, 43)), null);
  assert.deepEqual([...P.vsockConfig(3)], [3, 0, 0, 0, 0, 0, 0, 0]);
});

test("--vsock CID[,uds=PATH] parsing", () => {
  assert.deepEqual(parseVsockSpec("3,uds=/tmp/x.sock"), { cid: 3, uds: "/tmp/x.sock" });
  assert.match(parseVsockSpec("42").uds, /paravm-vsock-\d+\.sock$/);
  for (const bad of ["2", "0", "x", "3,foo=1", "4294967295", `3,uds=/${"a".repeat(100)}`])
    assert.throws(() => parseVsockSpec(bad), /--vsock/);
});

test("paravm run --vsock with a bad CID or a PATH that is not a socket: one line, exit 2", () => {
  const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
  const file = join(dir, "plain-file");
  writeFileSync(file, "not a socket");
  for (const [spec, why] of [
    ["2", /guest CID must be 3/],
    ["3,uds=" + file, /exists and is not a socket/],
    ["3,mtu=9000", /unknown option/],
  ] as const) {
    const r = spawnSync(process.execPath, [main, "run", "--vsock", spec], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, why);
  }
  assert.ok(existsSync(file), "a file that is not a socket is left alone");
});

test("device identity: ID 19, three queues, guest_cid in the config space, no device features", async () => {
  const s = await setup();
  try {
    assert.equal(s.device.deviceId, 19);
    assert.equal(s.device.queueSizes.length, 3);
    assert.equal(s.device.features, 0n);
    assert.deepEqual([...s.device.config()], [3, 0, 0, 0, 0, 0, 0, 0]);
    assert.throws(() => new VirtioVsock(2, s.backend), RangeError);
  } finally {
    await s.close();
  }
});

test("guest REQUEST to CID 2 port P reaches PATH_P: RESPONSE, then data both ways, SHUTDOWN, RST", async () => {
  const s = await setup();
  const { server, sockets } = await hostServer(`${s.uds}_5000`);
  try {
    s.g.send({ op: P.OP_REQUEST, srcPort: 1000, dstPort: 5000 });
    await until(() => s.g.packetsOf(1000, 5000).length > 0 && sockets.length === 1, "RESPONSE");
    const [resp] = s.g.packetsOf(1000, 5000);
    assert.equal(resp.op, P.OP_RESPONSE);
    assert.equal(resp.srcCid, 2n);
    assert.equal(resp.dstCid, 3n);
    assert.equal(resp.bufAlloc, 256 * 1024);
    const host = collect(sockets[0]);

    // guest → host
    const data = new Uint8Array(10000).map((_, i) => i * 13);
    s.g.send({ op: P.OP_RW, srcPort: 1000, dstPort: 5000 }, data);
    await until(() => host.bytes().length === data.length, "the host to get the guest's bytes");
    assert.deepEqual(new Uint8Array(host.bytes()), data);

    // host → guest: split into rx buffers
    const back = Buffer.alloc(9000, 7);
    sockets[0].write(back);
    const rw = () => s.g.packetsOf(1000, 5000).filter((p) => p.op === P.OP_RW);
    await until(() => rw().reduce((k, p) => k + p.len, 0) === back.length, "the guest to get the host's bytes");
    assert.ok(rw().every((p) => p.len <= RX_BUF - 44));
    assert.deepEqual(Buffer.concat(rw().map((p) => p.payload)), back);
    assert.equal(rw().at(-1)!.fwdCnt, 10000, "fwd_cnt reports the bytes the host took");

    // guest SHUTDOWN(SEND): the host sees end of stream; host end(): SHUTDOWN(SEND) to the guest
    s.g.send({ op: P.OP_SHUTDOWN, flags: P.SHUTDOWN_SEND, srcPort: 1000, dstPort: 5000 });
    await until(() => host.ended(), "the host to see end of stream");
    sockets[0].end();
    await until(() => s.g.packetsOf(1000, 5000).some((p) => p.op === P.OP_SHUTDOWN), "SHUTDOWN from the host's end");
    const shut = s.g.packetsOf(1000, 5000).find((p) => p.op === P.OP_SHUTDOWN)!;
    assert.equal(shut.flags & P.SHUTDOWN_SEND, P.SHUTDOWN_SEND);
    // both shut by the guest, nothing left to write: RST, the host socket closes
    s.g.send({ op: P.OP_SHUTDOWN, flags: P.SHUTDOWN_BOTH, srcPort: 1000, dstPort: 5000 });
    await until(() => s.g.packetsOf(1000, 5000).some((p) => p.op === P.OP_RST), "RST");
    await until(() => host.closed(), "the host socket to close");
    assert.equal(s.device.connectionCount, 0);
    assert.equal(s.device.state.counters.connectionsFromGuest, 1);
  } finally {
    server.close();
    await s.close();
  }
});

test("guest REQUEST to a port nobody listens on: RST", async () => {
  const s = await setup();
  try {
    s.g.send({ op: P.OP_REQUEST, srcPort: 1001, dstPort: 7777 });
    await until(() => s.g.packetsOf(1001, 7777).length > 0, "RST");
    assert.deepEqual(ops(s.g.packetsOf(1001, 7777)), ["RST"]);
    assert.equal(s.device.state.counters.refusedByHost, 1);
    assert.equal(s.device.connectionCount, 0);
  } finally {
    await s.close();
  }
});

test("host → guest data never exceeds the guest's credit; CREDIT_REQUEST when stalled, more after CREDIT_UPDATE", async () => {
  const s = await setup();
  const { server, sockets } = await hostServer(`${s.uds}_5001`);
  try {
    s.g.send({ op: P.OP_REQUEST, srcPort: 1002, dstPort: 5001, bufAlloc: 8192, fwdCnt: 0 });
    await until(() => sockets.length === 1 && s.g.packetsOf(1002, 5001).length > 0, "RESPONSE");
    sockets[0].write(Buffer.alloc(20000, 1));
    const rwBytes = () =>
      s.g
        .packetsOf(1002, 5001)
        .filter((p) => p.op === P.OP_RW)
        .reduce((k, p) => k + p.len, 0);
    await until(() => s.g.packetsOf(1002, 5001).some((p) => p.op === P.OP_CREDIT_REQUEST), "CREDIT_REQUEST");
    assert.equal(rwBytes(), 8192, "exactly the guest's buf_alloc");
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(rwBytes(), 8192, "and no more");
    assert.equal(s.g.packetsOf(1002, 5001).filter((p) => p.op === P.OP_CREDIT_REQUEST).length, 1, "asked once");
    // The guest read 8192: credit for 8192 more.
    s.g.send({ op: P.OP_CREDIT_UPDATE, srcPort: 1002, dstPort: 5001, bufAlloc: 8192, fwdCnt: 8192 });
    await until(() => rwBytes() === 16384, "the next 8192");
    s.g.send({ op: P.OP_CREDIT_UPDATE, srcPort: 1002, dstPort: 5001, bufAlloc: 65536, fwdCnt: 16384 });
    await until(() => rwBytes() === 20000, "the rest");
  } finally {
    server.close();
    await s.close();
  }
});

test("CREDIT_REQUEST gets CREDIT_UPDATE; consumed guest bytes come back as CREDIT_UPDATE", async () => {
  const s = await setup({ bufAlloc: 64 * 1024 });
  const { server, sockets } = await hostServer(`${s.uds}_5002`);
  try {
    s.g.send({ op: P.OP_REQUEST, srcPort: 1003, dstPort: 5002 });
    await until(() => sockets.length === 1 && s.g.packetsOf(1003, 5002).length > 0, "RESPONSE");
    const host = collect(sockets[0]);
    s.g.send({ op: P.OP_CREDIT_REQUEST, srcPort: 1003, dstPort: 5002 });
    const updates = () => s.g.packetsOf(1003, 5002).filter((p) => p.op === P.OP_CREDIT_UPDATE);
    await until(() => updates().length === 1, "CREDIT_UPDATE");
    assert.equal(updates()[0].bufAlloc, 64 * 1024);
    assert.equal(updates()[0].fwdCnt, 0);
    // 60 KiB in: the guest's view of our free space drops below a packet, so the update comes
    for (let i = 0; i < 15; i++) s.g.send({ op: P.OP_RW, srcPort: 1003, dstPort: 5002 }, new Uint8Array(4096));
    await until(() => host.bytes().length === 15 * 4096, "the host to read");
    await until(() => updates().some((u) => u.fwdCnt > 0), "a CREDIT_UPDATE as the host consumes");
    assert.ok(updates().at(-1)!.fwdCnt <= 15 * 4096);
    assert.equal(s.device.state.counters.creditOverrun, 0);
  } finally {
    server.close();
    await s.close();
  }
});

test("a host program's CONNECT P reaches guest port P: REQUEST, OK <port>, data both ways, RST closes it", async () => {
  const s = await setup();
  try {
    const client = net.connect({ path: s.uds, allowHalfOpen: true });
    const c = collect(client);
    client.write("CONNECT 52\n");
    await until(() => s.g.poll().length > 0 || s.g.received.length > 0, "REQUEST");
    const req = s.g.received[0];
    assert.equal(req.op, P.OP_REQUEST);
    assert.equal(req.dstPort, 52);
    assert.equal(req.dstCid, 3n);
    assert.equal(req.srcCid, 2n);
    assert.ok(req.srcPort >= 1 << 30);
    const hostPort = req.srcPort;
    client.write("early bytes"); // before OK: kept until the guest accepts
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.g.packetsOf(52, hostPort).filter((p) => p.op === P.OP_RW).length, 0);
    s.g.send({ op: P.OP_RESPONSE, srcPort: 52, dstPort: hostPort });
    await until(() => c.bytes().toString() === `OK ${hostPort}\n`, "OK line");
    const rw = () => s.g.packetsOf(52, hostPort).filter((p) => p.op === P.OP_RW);
    await until(() => rw().length > 0, "the early bytes");
    assert.equal(Buffer.from(rw()[0].payload).toString(), "early bytes");
    s.g.send({ op: P.OP_RW, srcPort: 52, dstPort: hostPort }, new TextEncoder().encode("hello host"));
    await until(() => c.bytes().toString().endsWith("hello host"), "guest bytes at the client");
    s.g.send({ op: P.OP_RST, srcPort: 52, dstPort: hostPort });
    await until(() => c.closed(), "the client to be closed");
    assert.equal(s.device.connectionCount, 0);
    assert.equal(s.device.state.counters.connectionsFromHost, 1);
  } finally {
    await s.close();
  }
});

test("CONNECT to a guest port that refuses (RST), a bad CONNECT line, no answer in time: the client is closed", async () => {
  const s = await setup({ connectTimeoutMs: 100 });
  try {
    const refused = collect(
      net.connect(s.uds).on("connect", function (this: net.Socket) {
        this.write("CONNECT 9\n");
      }),
    );
    await until(() => s.g.poll().length > 0 || s.g.received.length > 0, "REQUEST");
    s.g.send({ op: P.OP_RST, srcPort: 9, dstPort: s.g.received[0].srcPort });
    await until(() => refused.closed(), "refused client closed");
    assert.equal(refused.bytes().length, 0, "no OK line");

    const bad = net.connect(s.uds);
    const b = collect(bad);
    bad.write("HELLO\n");
    await until(() => b.closed(), "bad line closed");

    const slow = net.connect(s.uds);
    const sl = collect(slow);
    slow.write("CONNECT 10\n");
    await until(() => sl.closed(), "timed-out client closed", 2000);
    s.g.poll();
    const toGuest = s.g.received.filter((p) => p.dstPort === 10);
    await until(() => s.g.packetsOf(10, toGuest[0].srcPort).some((p) => p.op === P.OP_RST), "RST to the guest");
    const st = s.backend.stats();
    assert.equal(st["vsock uds bad CONNECT lines"], 1);
    assert.equal(st["vsock uds CONNECT timeouts"], 1);
    assert.equal(s.device.connectionCount, 0);
  } finally {
    await s.close();
  }
});

test("close() releases the listening socket and every connection", async () => {
  const s = await setup();
  const { server, sockets } = await hostServer(`${s.uds}_5003`);
  s.g.send({ op: P.OP_REQUEST, srcPort: 1004, dstPort: 5003 });
  await until(() => sockets.length === 1 && s.g.packetsOf(1004, 5003).length > 0, "RESPONSE");
  const host = collect(sockets[0]);
  const client = net.connect(s.uds);
  const c = collect(client);
  client.write("CONNECT 1\n");
  await until(() => s.device.connectionCount === 2, "the CONNECT");
  await s.close();
  assert.equal(existsSync(s.uds), false);
  await until(() => host.closed() && c.closed(), "both sockets closed");
  assert.equal(s.device.connectionCount, 0);
  server.close();
});
