import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { Counters } from "../../src/net/counters.js";
import { MAX_QUEUED_BYTES, MAX_UDP_PAYLOAD, UdpRelay } from "../../src/net/udpRelay.js";

test("udp relay: datagrams the host has not sent yet are bounded per binding, the rest dropped and counted", async (t) => {
  const sink = createSocket("udp4");
  await new Promise<void>((r) => sink.bind(0, "127.0.0.1", r));
  const port = sink.address().port;
  const counters = new Counters();
  const relay = new UdpRelay("127.0.0.1", 4, () => {}, counters);
  t.after(() => {
    relay.close();
    sink.close();
  });
  const payload = new Uint8Array(MAX_UDP_PAYLOAD);
  // A guest flood inside one turn: the binding's socket is not even bound yet, so all of it waits.
  const flood = 4 * Math.ceil(MAX_QUEUED_BYTES / payload.length);
  for (let i = 0; i < flood; i++) relay.send(5000, port, payload);
  const relayed = counters.get("udp relayed to host");
  assert.ok(relayed * payload.length <= MAX_QUEUED_BYTES, `${relayed} datagrams queued`);
  assert.equal(counters.get("udp dropped (host busy)"), flood - relayed);
  // Once the host sent them, the binding takes more again.
  for (let i = 0; i < 400 && counters.get("udp relayed to host") === relayed; i++) {
    await new Promise((r) => setTimeout(r, 5));
    relay.send(5000, port, payload);
  }
  assert.equal(counters.get("udp relayed to host"), relayed + 1);
});
