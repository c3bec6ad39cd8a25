import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_QUEUED_BYTES, SocketNetwork } from "../../src/net/socketNetwork.js";

const MAC = (n: number) => Uint8Array.of(0x52, 0x54, 0x00, 0, 0, n);
const BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

function frame(dst: Uint8Array, src: Uint8Array, payload: string): Uint8Array {
  const p = Buffer.from(payload);
  const f = new Uint8Array(14 + p.length);
  f.set(dst, 0);
  f.set(src, 6);
  f.set([0x88, 0xb5], 12); // local experimental ethertype
  f.set(p, 14);
  return f;
}

const text = (f: Uint8Array) => Buffer.from(f.subarray(14)).toString();

/** A backend with what it received as payload strings. */
async function station(dir: string): Promise<{ net: SocketNetwork; got: string[] }> {
  const net = await SocketNetwork.open({ path: dir });
  const got: string[] = [];
  net.onReceive((f) => got.push(text(f)));
  return { net, got };
}

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets frames in flight arrive (a round trip through the event loop and the kernel). */
const settle = () => new Promise((r) => setTimeout(r, 50));

const segment = () => mkdtempSync(join(tmpdir(), "pvnet-"));

test("socket network: two backends in one process exchange frames both ways", async () => {
  const dir = segment();
  const a = await station(dir);
  const b = await station(dir);
  assert.deepEqual(a.net.peerNames, [b.net.name]);
  assert.deepEqual(b.net.peerNames, [a.net.name]);
  a.net.send(frame(BROADCAST, MAC(1), "a to all"));
  b.net.send(frame(MAC(1), MAC(2), "b to a"));
  await until("both frames", () => a.got.length === 1 && b.got.length === 1);
  assert.deepEqual(b.got, ["a to all"]);
  assert.deepEqual(a.got, ["b to a"]);
  await a.net.close();
  await b.net.close();
  assert.deepEqual(readdirSync(dir), [], "each backend removes its socket file");
});

test("socket network: a third joins, unicast follows learned MACs, a closed one leaves", async () => {
  const dir = segment();
  const a = await station(dir);
  const b = await station(dir);
  const c = await station(dir);
  for (const s of [a, b, c]) assert.equal(s.net.peerNames.length, 2);
  a.net.send(frame(BROADCAST, MAC(1), "hello all"));
  b.net.send(frame(BROADCAST, MAC(2), "b here"));
  c.net.send(frame(BROADCAST, MAC(3), "c here"));
  await until("broadcasts", () => a.got.length === 2 && b.got.length === 2 && c.got.length === 2);
  assert.deepEqual(a.got.sort(), ["b here", "c here"]);
  assert.deepEqual(b.got.sort(), ["c here", "hello all"]);
  // a has learned where MAC 3 lives: the frame goes to c alone
  a.net.send(frame(MAC(3), MAC(1), "for c only"));
  await until("the unicast", () => c.got.length === 3);
  await settle();
  assert.equal(b.got.length, 2, "b never sees a frame for c");
  assert.equal(c.got[2], "for c only");
  // unknown unicast floods
  a.net.send(frame(MAC(9), MAC(1), "who?"));
  await until("the flood", () => b.got.length === 3 && c.got.length === 4);

  await b.net.close();
  await until("b's departure", () => a.net.peerNames.length === 1 && c.net.peerNames.length === 1);
  assert.equal(a.net.stats()["peers left"], 1);
  // b's MAC is forgotten: a frame for it floods to who is left, c
  a.net.send(frame(MAC(2), MAC(1), "for the departed b"));
  await until("c gets it", () => c.got.length === 5);
  assert.equal(c.got[4], "for the departed b");
  await a.net.close();
  await c.net.close();
});

test("socket network: frames of a wrong size are dropped and counted, both ways", async () => {
  const dir = segment();
  const a = await station(dir);
  const b = await station(dir);
  a.net.send(new Uint8Array(13));
  a.net.send(new Uint8Array(1515));
  a.net.send(frame(BROADCAST, MAC(1), "x".repeat(1500)));
  await until("the good frame", () => b.got.length === 1);
  const s = a.net.stats();
  assert.equal(s["dropped (frame too short)"], 1);
  assert.equal(s["dropped (frame too long)"], 1);
  assert.equal(s["frames to peers"], 1);

  // a peer speaking the protocol by hand, sending bad records
  const raw = createConnection({ path: join(dir, b.net.name) });
  const record = (bytes: Uint8Array) => {
    const r = Buffer.alloc(2 + bytes.length);
    r.writeUInt16BE(bytes.length);
    r.set(bytes, 2);
    return r;
  };
  let answer = "";
  raw.on("data", (d: Buffer) => (answer += d.toString("latin1")));
  await new Promise((r) => raw.once("connect", r));
  raw.write(record(Buffer.from("paravm-net1 999999-0.sock")));
  await until("b's hello", () => answer.includes(`paravm-net1 ${b.net.name}`));
  raw.write(Buffer.concat([record(new Uint8Array(5)), record(new Uint8Array(3000))]));
  raw.write(record(frame(BROADCAST, MAC(7), "by hand")));
  await until("the hand-made frame", () => b.got.includes("by hand"));
  const t = b.net.stats();
  assert.equal(t["dropped from peers (frame too short)"], 1);
  assert.equal(t["dropped from peers (frame too long)"], 1);
  raw.destroy();

  // a bad hello ends the connection
  const bad = createConnection({ path: join(dir, b.net.name) });
  const closed = new Promise((r) => bad.once("close", r));
  bad.on("error", () => {});
  bad.write(record(Buffer.from("hello?")));
  await closed;
  assert.equal(b.net.stats()["peers dropped (bad hello)"], 1);
  await a.net.close();
  await b.net.close();
});

test("socket network: a dead VM's socket file is removed; other files are left alone", async () => {
  const dir = segment();
  const stale = join(dir, "1-0.sock");
  // a process that listens and dies without closing leaves its socket file behind
  const r = spawnSync(process.execPath, [
    "-e",
    `require("net").createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, "SIGKILL"))`,
  ]);
  assert.equal(r.signal, "SIGKILL");
  assert.ok(existsSync(stale));
  writeFileSync(join(dir, "notes.sock"), "not a socket");
  const a = await station(dir);
  assert.ok(!existsSync(stale), "the stale socket is gone");
  assert.ok(existsSync(join(dir, "notes.sock")), "a plain file is never removed");
  assert.equal(a.net.stats()["stale sockets removed"], 1);
  assert.deepEqual(a.net.peerNames, []);
  a.net.send(frame(BROADCAST, MAC(1), "alone"));
  assert.equal(a.net.stats()["dropped (no peers)"], 1);
  await a.net.close();
});

test("socket network: a folder whose socket path would be too long is refused clearly", async () => {
  await assert.rejects(SocketNetwork.open({ path: join(segment(), "d".repeat(120)) }), /longer than 107 bytes/);
});

test("socket network: a peer that stops reading gets no more than a bounded backlog", async () => {
  const dir = segment();
  const a = await station(dir);
  const raw = createConnection({ path: join(dir, a.net.name) });
  await new Promise((r) => raw.once("connect", r));
  const hello = Buffer.from("paravm-net1 999999-1.sock");
  const r = Buffer.alloc(2 + hello.length);
  r.writeUInt16BE(hello.length);
  hello.copy(r, 2);
  raw.write(r);
  await until("the peer to register", () => a.net.peerNames.length === 1);
  raw.pause(); // a stopped VM: nothing is read any more
  const big = frame(BROADCAST, MAC(1), "y".repeat(1500));
  for (let i = 0; i < 2000; i++) a.net.send(big); // 3 MB
  const s = a.net.stats();
  assert.ok(s["dropped (peer busy)"] > 0, "frames beyond the backlog are dropped");
  assert.ok(
    s["frames to peers"] * 1516 < MAX_QUEUED_BYTES + (1 << 20),
    `the backlog stays bounded (${s["frames to peers"]} frames went out)`,
  );
  assert.equal(s["frames to peers"] + s["dropped (peer busy)"], 2000);
  raw.destroy();
  await a.net.close();
});
