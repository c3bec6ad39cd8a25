import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNetSpec, type UserNetSpec } from "../../src/net/netSpec.js";
import * as IP from "../../src/net/ipv4.js";
import { buildUdp } from "../../src/net/udp.js";
import { UserNetwork } from "../../src/net/userNetwork.js";
import { VirtioNet } from "../../src/virtio/net/device.js";
import { DESC_WRITE, FakeGuest, TestDriver } from "./virtioHarness.js";

test("--net user with hostfwd and mac options", () => {
  assert.deepEqual(parseNetSpec("user"), { kind: "user", hostfwd: [] });
  const s = parseNetSpec(
    "user,hostfwd=tcp::2222-:22,hostfwd=tcp:0.0.0.0:8080-10.0.2.15:80,mac=52:54:00:aa:bb:cc",
  ) as UserNetSpec;
  assert.deepEqual(s.hostfwd, [
    { hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 },
    { hostAddress: "0.0.0.0", hostPort: 8080, guestPort: 80 },
  ]);
  assert.deepEqual([...s.mac!], [0x52, 0x54, 0, 0xaa, 0xbb, 0xcc]);
  assert.deepEqual((parseNetSpec("user,hostfwd=:127.0.0.1:0-:7") as UserNetSpec).hostfwd, [
    { hostAddress: "127.0.0.1", hostPort: 0, guestPort: 7 },
  ]);
  for (const bad of [
    "tap",
    "user,hostfwd=tcp::22",
    "user,hostfwd=udp::53-:53",
    "user,hostfwd=tcp::70000-:22",
    "user,hostfwd=tcp::22-:0",
    "user,hostfwd=tcp::22-10.0.2.16:22",
    "user,hostfwd=tcp:300.1.1.1:22-:22",
    "user,mac=01:00:00:00:00:01",
    "user,mac=zz",
    "user,restrict=on",
    "socket",
    "socket,path=",
    "socket,path=/tmp/x,hostfwd=tcp::22-:22",
    "socket,path=/tmp/x,mac=ff:ff:ff:ff:ff:ff",
  ]) {
    assert.throws(() => parseNetSpec(bad), /^Error: --net /, bad);
  }
});

test("--net socket with path and mac options", () => {
  assert.deepEqual(parseNetSpec("socket,path=/tmp/seg"), { kind: "socket", path: "/tmp/seg" });
  assert.deepEqual(parseNetSpec("socket,mac=52:54:00:00:00:07,path=rel/dir"), {
    kind: "socket",
    path: "rel/dir",
    mac: Uint8Array.of(0x52, 0x54, 0, 0, 0, 7),
  });
});

test("virtio-net over the user network: a DHCP DISCOVER through the rings gets an OFFER", async () => {
  const net = await UserNetwork.create();
  const guest = new FakeGuest();
  const device = new VirtioNet(net);
  const drv = new TestDriver(guest, device);
  drv.start();
  const rx = guest.alloc(2048);
  drv.submit(0, [{ addr: rx, len: 2048, flags: DESC_WRITE }]);
  const bootp = new Uint8Array(244);
  bootp.set([1, 1, 6, 0, 1, 2, 3, 4]);
  bootp.set(device.mac, 28);
  bootp.set([99, 130, 83, 99, 53, 1, 1, 255], 236);
  const ip = IP.buildIpv4(0, 0xffffffff, IP.PROTO_UDP, buildUdp(0, 0xffffffff, 68, 67, bootp));
  const frame = new Uint8Array(12 + 14 + ip.length);
  frame.fill(0xff, 12, 18);
  frame.set(device.mac, 18);
  frame.set([0x08, 0x00], 24);
  frame.set(ip, 26);
  const tx = guest.alloc(frame.length, frame);
  drv.submit(1, [{ addr: tx, len: frame.length }]);
  assert.equal(drv.usedIdx(0), 1);
  const len = drv.usedElem(0, 0).len;
  const got = guest.read(rx + 12, len - 12);
  assert.deepEqual(got.subarray(0, 6), device.mac);
  const p = IP.parseIpv4(got.subarray(14));
  assert.ok(typeof p === "object");
  const options = p.payload.subarray(8 + 240);
  assert.deepEqual([...options.subarray(0, 3)], [53, 1, 2], "an OFFER");
  assert.equal(IP.readIp(p.payload, 8 + 16), 0x0a00020f);
  assert.equal(device.state.counters.rxFrames, 1);
  await net.close();
});
