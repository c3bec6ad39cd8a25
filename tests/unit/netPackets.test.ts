import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import fc from "fast-check";
import { ByteQueue } from "../../src/net/byteQueue.js";
import { parseOptions } from "../../src/net/dhcp.js";
import * as E from "../../src/net/ethernet.js";
import * as IP from "../../src/net/ipv4.js";
import { buildTcp } from "../../src/net/tcpSegment.js";
import { buildUdp } from "../../src/net/udp.js";
import { GATEWAY_MAC, NETWORK } from "../../src/net/userNetwork.js";
import { GATEWAY, GUEST, GUEST_MAC, TestGuest, ipOf, str, text } from "./netGuest.js";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => Number.parseInt(h, 16));

/** A plain reference: sum of 16-bit big-endian words, carries folded, complemented. */
function referenceChecksum(words: Uint8Array): number {
  let sum = 0n;
  for (let i = 0; i < words.length; i += 2) sum += BigInt((words[i] << 8) | (words[i + 1] ?? 0));
  while (sum >> 16n) sum = (sum & 0xffffn) + (sum >> 16n);
  return Number(~sum & 0xffffn);
}

test("net: Internet checksum against RFC 1071's example and a textbook IPv4 header", () => {
  const rfc = hex("0001f203f4f5f6f7");
  assert.equal(IP.onesSum(rfc), 0xddf2);
  assert.equal(IP.internetChecksum(rfc), 0x220d);
  const header = hex("450000730000400040110000c0a80001c0a800c7");
  assert.equal(IP.internetChecksum(header), 0xb861);
  header.set([0xb8, 0x61], 10);
  assert.equal(IP.internetChecksum(header), 0, "a header holding its checksum sums to 0");
  assert.equal(IP.internetChecksum(hex("01")), 0xfeff, "an odd byte is the high half of a word");
});

test("net: IPv4, UDP and TCP builders checksum as a plain reference does", () => {
  const src = 0x0a00020f;
  const dst = 0x0a000202;
  const payload = text("paravm checksum!?");
  const udp = buildUdp(src, dst, 1234, 53, payload);
  const pseudo = (proto: number, len: number) =>
    Uint8Array.of(10, 0, 2, 15, 10, 0, 2, 2, 0, proto, len >> 8, len & 0xff);
  const zeroed = (b: Uint8Array, at: number) => {
    const c = b.slice();
    c[at] = c[at + 1] = 0;
    return c;
  };
  const cat = (a: Uint8Array, b: Uint8Array) => Uint8Array.of(...a, ...b);
  assert.equal((udp[6] << 8) | udp[7], referenceChecksum(cat(pseudo(17, udp.length), zeroed(udp, 6))));
  const tcp = buildTcp(
    src,
    dst,
    { srcPort: 40000, dstPort: 80, seq: 0xdeadbeef, ack: 7, flags: 0x18, window: 1000 },
    payload,
  );
  assert.equal((tcp[16] << 8) | tcp[17], referenceChecksum(cat(pseudo(6, tcp.length), zeroed(tcp, 16))));
  const ip = IP.buildIpv4(src, dst, IP.PROTO_UDP, udp);
  assert.equal((ip[10] << 8) | ip[11], referenceChecksum(zeroed(ip.subarray(0, 20), 10)));
  const parsed = IP.parseIpv4(ip);
  assert.ok(typeof parsed === "object");
  assert.deepEqual([parsed.src, parsed.dst, parsed.protocol, parsed.payload.length], [src, dst, 17, udp.length]);
  assert.equal(IP.formatIp(IP.parseIp("10.0.2.15")!), "10.0.2.15");
  assert.equal(IP.parseIp("10.0.2.256"), null);
});

test("net: ARP requests for the gateway and DNS are answered; the guest's own address is not", async () => {
  const g = await TestGuest.start();
  const request = (target: number) =>
    E.buildEthernet(
      E.BROADCAST_MAC,
      GUEST_MAC,
      E.ETHERTYPE_ARP,
      Uint8Array.of(
        0,
        1,
        8,
        0,
        6,
        4,
        0,
        1,
        ...GUEST_MAC,
        10,
        0,
        2,
        15,
        0,
        0,
        0,
        0,
        0,
        0,
        ...[24, 16, 8, 0].map((s) => (target >>> s) & 0xff),
      ),
    );
  g.net.send(request(GATEWAY));
  assert.equal(g.frames.length, 1);
  const reply = g.frames.shift()!;
  assert.deepEqual(reply.subarray(0, 6), GUEST_MAC);
  assert.deepEqual(reply.subarray(6, 12), GATEWAY_MAC);
  assert.equal((reply[12] << 8) | reply[13], E.ETHERTYPE_ARP);
  const arp = reply.subarray(14);
  assert.equal(arp[7], 2, "a reply");
  assert.deepEqual(arp.subarray(8, 14), GATEWAY_MAC);
  assert.deepEqual([...arp.subarray(14, 18)], [10, 0, 2, 2]);
  assert.deepEqual(arp.subarray(18, 24), GUEST_MAC);
  assert.deepEqual([...arp.subarray(24, 28)], [10, 0, 2, 15]);
  g.net.send(request(NETWORK.dns));
  assert.deepEqual([...g.frames.shift()!.subarray(14 + 14, 14 + 18)], [10, 0, 2, 3]);
  g.net.send(request(GUEST));
  g.net.send(request(0x0a000263));
  assert.equal(g.frames.length, 0);
  assert.equal(g.net.stats()["arp replies"], 2);
  await g.close();
});

test("net: ICMP echo to the gateway is answered with the same id, sequence and data", async () => {
  const g = await TestGuest.start();
  const echo = Uint8Array.of(8, 0, 0, 0, 0x12, 0x34, 0, 7, ...text("ping data"));
  const sum = IP.internetChecksum(echo);
  echo[2] = sum >> 8;
  echo[3] = sum & 0xff;
  g.net.send(g.ipFrame(GUEST, GATEWAY, IP.PROTO_ICMP, echo));
  const p = ipOf(g.frames.shift()!)!;
  assert.equal(p.protocol, IP.PROTO_ICMP);
  assert.deepEqual([p.src, p.dst], [GATEWAY, GUEST]);
  assert.equal(p.payload[0], 0);
  assert.deepEqual(p.payload.subarray(4), echo.subarray(4));
  assert.equal(IP.internetChecksum(p.payload), 0);
  g.net.send(g.ipFrame(GUEST, 0x08080808, IP.PROTO_ICMP, echo));
  assert.equal(g.frames.length, 0);
  await g.close();
});

/** A BOOTREQUEST from the guest's MAC with a message type and more options. */
function dhcpMessage(type: number, xid: number, options: number[] = [], ciaddr = 0): Uint8Array {
  const opts = [53, 1, type, ...options, 255];
  const b = new Uint8Array(240 + opts.length);
  b.set([1, 1, 6, 0, xid >>> 24, (xid >>> 16) & 0xff, (xid >>> 8) & 0xff, xid & 0xff]);
  IP.writeIp(b, 12, ciaddr);
  b.set(GUEST_MAC, 28);
  b.set([99, 130, 83, 99], 236);
  b.set(opts, 240);
  return b;
}

const ip4 = (ip: number) => [24, 16, 8, 0].map((s) => (ip >>> s) & 0xff);

async function dhcpExchange(g: TestGuest, message: Uint8Array) {
  g.net.send(
    E.buildEthernet(
      E.BROADCAST_MAC,
      GUEST_MAC,
      E.ETHERTYPE_IPV4,
      IP.buildIpv4(0, 0xffffffff, IP.PROTO_UDP, buildUdp(0, 0xffffffff, 68, 67, message)),
    ),
  );
  const d = await g.takeUdp(68, 100);
  const options = parseOptions(d.payload)!;
  return { d, options, get: (code: number) => [...(options.get(code) ?? [])] };
}

test("net: DHCP DISCOVER → OFFER and REQUEST → ACK carry what udhcpc needs", async () => {
  const g = await TestGuest.start();
  const offer = await dhcpExchange(g, dhcpMessage(1, 0xcafe0001, [55, 3, 1, 3, 6]));
  assert.deepEqual(offer.d.mac, GUEST_MAC);
  assert.deepEqual([offer.d.ip.src, offer.d.ip.dst, offer.d.srcPort], [GATEWAY, 0xffffffff, 67]);
  const b = offer.d.payload;
  assert.equal(b[0], 2, "BOOTREPLY");
  assert.equal(IP.readIp(b, 4), 0xcafe0001, "xid");
  assert.equal(IP.readIp(b, 16), GUEST, "yiaddr");
  assert.deepEqual(b.subarray(28, 34), GUEST_MAC);
  assert.ok(b.length >= 300);
  assert.deepEqual(offer.get(53), [2]);
  assert.deepEqual(offer.get(54), ip4(GATEWAY));
  assert.deepEqual(offer.get(51), ip4(86400));
  assert.deepEqual(offer.get(1), [255, 255, 255, 0]);
  assert.deepEqual(offer.get(3), ip4(GATEWAY));
  assert.deepEqual(offer.get(6), ip4(NETWORK.dns));
  const ack = await dhcpExchange(g, dhcpMessage(3, 0xcafe0002, [50, 4, ...ip4(GUEST), 54, 4, ...ip4(GATEWAY)]));
  assert.deepEqual(ack.get(53), [5]);
  assert.equal(IP.readIp(ack.d.payload, 16), GUEST);
  assert.deepEqual(ack.get(51), ip4(86400));
  // Renewal: ciaddr set, unicast back to the guest.
  const renew = await dhcpExchange(g, dhcpMessage(3, 0xcafe0003, [], GUEST));
  assert.deepEqual(renew.get(53), [5]);
  assert.equal(renew.d.ip.dst, GUEST);
  const nak = await dhcpExchange(g, dhcpMessage(3, 0xcafe0004, [50, 4, 10, 0, 2, 99]));
  assert.deepEqual(nak.get(53), [6]);
  assert.equal(IP.readIp(nak.d.payload, 16), 0);
  // A REQUEST for another server's offer, a RELEASE: no answer.
  await assert.rejects(dhcpExchange(g, dhcpMessage(3, 5, [50, 4, ...ip4(GUEST), 54, 4, 192, 168, 0, 1])));
  await assert.rejects(dhcpExchange(g, dhcpMessage(7, 6, [], GUEST)));
  await g.close();
});

test("net: DNS at 10.0.2.3 answers A queries from the resolver, NXDOMAIN otherwise", async () => {
  const g = await TestGuest.start({
    resolver: async (name) => {
      if (name === "host.test") return [0x01020304, 0x05060708];
      throw Object.assign(new Error("nope"), { code: "ENOTFOUND" });
    },
  });
  const query = (id: number, name: string, type: number) =>
    Uint8Array.of(
      id >> 8,
      id & 0xff,
      1,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      ...name.split(".").flatMap((l) => [l.length, ...text(l)]),
      0,
      0,
      type,
      0,
      1,
    );
  g.udp(NETWORK.dns, 5353, 53, query(0x4242, "host.test", 1));
  const a = await g.takeUdp(5353);
  assert.equal(a.ip.src, NETWORK.dns);
  assert.equal(a.srcPort, 53);
  const r = a.payload;
  assert.deepEqual([...r.subarray(0, 4)], [0x42, 0x42, 0x81, 0x80]);
  assert.equal(r[7], 2, "two answers");
  const first = 12 + 11 + 4; // header, question name, type and class
  assert.deepEqual([...r.subarray(first + 12, first + 16)], [1, 2, 3, 4]);
  g.udp(NETWORK.dns, 5354, 53, query(7, "missing.test", 1));
  assert.equal((await g.takeUdp(5354)).payload[3] & 0xf, 3);
  g.udp(NETWORK.dns, 5355, 53, query(8, "host.test", 28));
  const aaaa = (await g.takeUdp(5355)).payload;
  assert.deepEqual([aaaa[3] & 0xf, aaaa[7]], [0, 0]);
  await g.close();
});

test("net: UDP to the gateway is relayed to a host socket on 127.0.0.1 and back", async () => {
  const server = createSocket("udp4");
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  const port = server.address().port;
  server.on("message", (msg, from) => server.send(Buffer.concat([Buffer.from("re: "), msg]), from.port, from.address));
  const g = await TestGuest.start();
  g.udp(GATEWAY, 40001, port, text("hello host"));
  const d = await g.takeUdp(40001);
  assert.equal(str(d.payload), "re: hello host");
  assert.deepEqual([d.ip.src, d.ip.dst, d.srcPort], [GATEWAY, GUEST, port]);
  assert.equal(g.net.stats()["udp bindings open"], 1);
  await g.close();
  server.close();
});

test("net: hostile frames are dropped and counted, never thrown on", async () => {
  const g = await TestGuest.start();
  const udp = buildUdp(GUEST, GATEWAY, 1, 9, text("x"));
  const good = g.ipFrame(GUEST, GATEWAY, IP.PROTO_UDP, udp);
  const corrupt = (at: number, frame = good) => {
    const f = frame.slice();
    f[at] ^= 0x55;
    return f;
  };
  const tcp = g.ipFrame(
    GUEST,
    GATEWAY,
    IP.PROTO_TCP,
    buildTcp(GUEST, GATEWAY, { srcPort: 5, dstPort: 6, seq: 1, ack: 0, flags: 2, window: 100 }),
  );
  const fragment = good.slice();
  fragment[14 + 6] = 0x20; // more fragments
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(10), "dropped (frame too short)"],
    [new Uint8Array(1600), "dropped (frame too long)"],
    [corrupt(14 + 10), "ip dropped (checksum)"],
    [corrupt(14 + 20 + 8), "udp dropped (checksum)"],
    [corrupt(14 + 20 + 4, tcp), "tcp dropped (checksum)"],
    [good.subarray(0, 14 + 10), "ip dropped (short)"],
    [good.subarray(0, 14 + 22), "ip dropped (length)"],
    [E.buildEthernet(GATEWAY_MAC, GUEST_MAC, 0x86dd, new Uint8Array(40)), "dropped (ethertype)"],
    [E.buildEthernet(GATEWAY_MAC, GUEST_MAC, E.ETHERTYPE_ARP, new Uint8Array(8)), "arp dropped (malformed)"],
    [
      E.buildEthernet(Uint8Array.of(2, 0, 0, 0, 0, 1), GUEST_MAC, E.ETHERTYPE_IPV4, new Uint8Array(40)),
      "dropped (not our MAC)",
    ],
  ];
  for (const [frame, counter] of cases) {
    const before = g.net.counters.get(counter);
    assert.doesNotThrow(() => g.net.send(frame));
    assert.equal(g.net.counters.get(counter), before + 1, counter);
  }
  const fixFragment = IP.internetChecksum(((fragment[14 + 10] = fragment[14 + 11] = 0), fragment.subarray(14, 34)));
  fragment[14 + 10] = fixFragment >> 8;
  fragment[14 + 11] = fixFragment & 0xff;
  g.net.send(fragment);
  assert.equal(g.net.counters.get("ip dropped (fragment)"), 1);
  assert.equal(g.frames.length, 0);
  await g.close();
});

test("property: random frames never make the user network throw", async () => {
  const g = await TestGuest.start();
  const udp = buildUdp(GUEST, GATEWAY, 1, 67, new Uint8Array(300));
  const seeds = [
    g.ipFrame(GUEST, GATEWAY, IP.PROTO_UDP, udp),
    g.ipFrame(GUEST, NETWORK.dns, IP.PROTO_ICMP, new Uint8Array(16)),
    E.buildEthernet(E.BROADCAST_MAC, GUEST_MAC, E.ETHERTYPE_ARP, new Uint8Array(28)),
  ];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 1600 }),
        fc
          .tuple(fc.nat(seeds.length - 1), fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { maxLength: 8 }))
          .map(([i, edits]) => {
            const f = seeds[i].slice();
            for (const [at, v] of edits) if (at < f.length) f[at] = v;
            return f;
          }),
      ),
      (frame) => {
        g.net.send(frame);
      },
    ),
    { numRuns: 500 },
  );
  await g.close();
});

test("net: ByteQueue reads across chunks and drops from the front", () => {
  const q = new ByteQueue();
  q.push(text("hello "));
  q.push(text("wide "));
  q.push(text("world"));
  assert.equal(q.length, 16);
  assert.equal(str(q.peek(4, 6)), "o wide");
  q.drop(7);
  assert.equal(str(q.peek(0, 100)), "ide world");
  q.drop(100);
  assert.equal(q.length, 0);
  assert.equal(q.peek(0, 5).length, 0);
});
