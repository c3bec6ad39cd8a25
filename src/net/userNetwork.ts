// The `user` network backend, QEMU's slirp in spirit: the guest sits alone on 10.0.2.0/24 with
// a gateway 10.0.2.2 that is the host (TCP and UDP to 10.0.2.2:P reach 127.0.0.1:P), a DNS
// server at 10.0.2.3 (the host's resolver) and a DHCP server handing out 10.0.2.15. hostfwd
// listens on host ports and opens TCP connections to the guest. Needs no privileges: every
// packet becomes an ordinary socket call.
//
// It speaks Ethernet frames, as a virtio-net backend does (the NetBackend shape, without
// importing it: this layer knows nothing of virtio). Everything the guest sends is checked
// and a frame that fails is dropped and counted by reason, never thrown on.

import { ARP_REQUEST, arpReply, parseArp } from "./arp.js";
import { Counters } from "./counters.js";
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, dhcpReply, type DhcpLease } from "./dhcp.js";
import { answerQuery, DNS_PORT, hostResolver, type Resolver } from "./dns.js";
import * as E from "./ethernet.js";
import { echoReply } from "./icmp.js";
import * as IP from "./ipv4.js";
import { TcpProxy, type HostForward } from "./tcpProxy.js";
import { parseTcp } from "./tcpSegment.js";
import { buildUdp, parseUdp } from "./udp.js";
import { UdpRelay } from "./udpRelay.js";

export const NETWORK = {
  gateway: 0x0a000202, // 10.0.2.2
  dns: 0x0a000203, // 10.0.2.3
  guest: 0x0a00020f, // 10.0.2.15
  netmask: 0xffffff00,
  broadcast: 0x0a0002ff,
  leaseSeconds: 86400,
};
/** The gateway's MAC: slirp's 52:55:0a:00:02:02, the address folded in. */
export const GATEWAY_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 0x02);
const DEFAULT_GUEST_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
const MAX_FRAME = 1514;
const MAX_DNS_IN_FLIGHT = 32;

export interface UserNetworkOptions {
  hostfwd?: readonly HostForward[];
  /** The guest's MAC until its first frame says otherwise (for a hostfwd SYN before any traffic). */
  guestMac?: Uint8Array;
  resolver?: Resolver;
  /** TCP connections at once, both directions together. */
  maxConnections?: number;
  /** UDP source ports of the guest relayed at once. */
  maxUdpBindings?: number;
  /** Where the gateway's ports lead on the host. */
  hostAddress?: string;
}

export class UserNetwork {
  readonly counters = new Counters();
  private receive: ((frame: Uint8Array) => void) | null = null;
  private guestMac: Uint8Array;
  private readonly tcp: TcpProxy;
  private readonly udp: UdpRelay;
  private readonly resolver: Resolver;
  private readonly lease: DhcpLease;
  private dnsInFlight = 0;
  private closed = false;

  private constructor(options: UserNetworkOptions) {
    const hostAddress = options.hostAddress ?? "127.0.0.1";
    this.guestMac = (options.guestMac ?? DEFAULT_GUEST_MAC).slice(0, 6);
    this.resolver = options.resolver ?? hostResolver;
    this.lease = {
      guestIp: NETWORK.guest,
      serverIp: NETWORK.gateway,
      router: NETWORK.gateway,
      dns: NETWORK.dns,
      netmask: NETWORK.netmask,
      leaseSeconds: NETWORK.leaseSeconds,
    };
    this.tcp = new TcpProxy(
      {
        gatewayIp: NETWORK.gateway,
        guestIp: NETWORK.guest,
        hostAddress,
        maxConnections: options.maxConnections ?? 256,
      },
      (src, dst, segment) => this.sendIp(src, dst, IP.PROTO_TCP, segment),
      this.counters,
    );
    this.udp = new UdpRelay(
      hostAddress,
      options.maxUdpBindings ?? 64,
      (srcPort, dstPort, payload) => this.sendUdp(NETWORK.gateway, srcPort, NETWORK.guest, dstPort, payload),
      this.counters,
    );
  }

  /** A network with its hostfwd listeners bound (rejects if a port is taken). */
  static async create(options: UserNetworkOptions = {}): Promise<UserNetwork> {
    const n = new UserNetwork(options);
    try {
      await n.tcp.listen(options.hostfwd ?? []);
    } catch (e) {
      await n.close();
      throw e;
    }
    return n;
  }

  /** The host ports of the forwards, in order (useful with hostPort 0). */
  get hostfwdPorts(): readonly number[] {
    return this.tcp.boundPorts;
  }

  onReceive(callback: (frame: Uint8Array) => void): void {
    this.receive = callback;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.tcp.close(); // its RSTs still reach the guest
    this.closed = true;
    this.udp.close();
  }

  stats(): Record<string, number> {
    return {
      ...this.counters.snapshot(),
      "tcp connections open": this.tcp.size,
      "udp bindings open": this.udp.size,
    };
  }

  /** A frame from the guest. */
  send(frame: Uint8Array): void {
    if (this.closed) return;
    const c = this.counters;
    c.count("frames from guest");
    if (frame.length > MAX_FRAME) return c.count("dropped (frame too long)");
    const eth = E.parseEthernet(frame);
    if (!eth) return c.count("dropped (frame too short)");
    if (!E.isMulticastMac(eth.dst) && !E.sameMac(eth.dst, GATEWAY_MAC)) return c.count("dropped (not our MAC)");
    if (E.isMulticastMac(eth.src)) return c.count("dropped (multicast source MAC)");
    this.guestMac = eth.src.slice();
    if (eth.type === E.ETHERTYPE_ARP) return this.arp(eth.payload);
    if (eth.type === E.ETHERTYPE_IPV4) return this.ipv4(eth.payload);
    c.count("dropped (ethertype)");
  }

  private arp(payload: Uint8Array): void {
    const req = parseArp(payload);
    if (!req) return this.counters.count("arp dropped (malformed)");
    if (req.op !== ARP_REQUEST) return this.counters.count("arp ignored");
    // The guest's own address is never answered: its duplicate-address probe must stay silent.
    const reply = arpReply(req, req.targetIp === NETWORK.dns ? NETWORK.dns : NETWORK.gateway, GATEWAY_MAC);
    if (!reply) return this.counters.count("arp ignored");
    this.counters.count("arp replies");
    this.deliver(E.buildEthernet(req.senderMac, GATEWAY_MAC, E.ETHERTYPE_ARP, reply));
  }

  private ipv4(bytes: Uint8Array): void {
    const p = IP.parseIpv4(bytes);
    if (typeof p === "string") return this.counters.count(`ip dropped (${p})`);
    const ours = p.dst === NETWORK.gateway || p.dst === NETWORK.dns;
    const broadcast = p.dst === 0xffffffff || p.dst === NETWORK.broadcast;
    if (!ours && !broadcast && p.protocol !== IP.PROTO_TCP) return this.counters.count("ip dropped (unreachable)");
    switch (p.protocol) {
      case IP.PROTO_ICMP:
        return this.icmp(p, ours);
      case IP.PROTO_UDP:
        return this.udpIn(p, ours);
      case IP.PROTO_TCP: {
        const s = parseTcp(p.src, p.dst, p.payload);
        if (typeof s === "string") return this.counters.count(`tcp dropped (${s})`);
        return this.tcp.segment(p.src, p.dst, s);
      }
      default:
        this.counters.count("ip dropped (protocol)");
    }
  }

  private icmp(p: IP.Ipv4Packet, ours: boolean): void {
    const reply = ours ? echoReply(p.payload) : null;
    if (!reply) return this.counters.count("icmp dropped");
    this.counters.count("icmp echo replies");
    this.sendIp(p.dst, p.src, IP.PROTO_ICMP, reply);
  }

  private udpIn(p: IP.Ipv4Packet, ours: boolean): void {
    const d = parseUdp(p.src, p.dst, p.payload);
    if (typeof d === "string") return this.counters.count(`udp dropped (${d})`);
    if (d.dstPort === DHCP_SERVER_PORT) return this.dhcp(d.payload);
    if (p.dst === NETWORK.dns && d.dstPort === DNS_PORT) return this.dns(p.src, d.srcPort, d.payload);
    if (p.dst === NETWORK.gateway) return this.udp.send(d.srcPort, d.dstPort, d.payload);
    this.counters.count(ours ? "udp dropped (no service)" : "udp dropped (broadcast)");
  }

  private dhcp(message: Uint8Array): void {
    const a = dhcpReply(message, this.lease);
    if (!a) return this.counters.count("dhcp ignored");
    this.counters.count(`dhcp sent type ${a.type}`);
    const udp = buildUdp(NETWORK.gateway, a.dstIp, DHCP_SERVER_PORT, DHCP_CLIENT_PORT, a.payload);
    const ip = IP.buildIpv4(NETWORK.gateway, a.dstIp, IP.PROTO_UDP, udp);
    this.deliver(E.buildEthernet(a.clientMac, GATEWAY_MAC, E.ETHERTYPE_IPV4, ip));
  }

  private dns(guestIp: number, guestPort: number, query: Uint8Array): void {
    if (this.dnsInFlight >= MAX_DNS_IN_FLIGHT) return this.counters.count("dns dropped (too many queries)");
    this.dnsInFlight++;
    this.counters.count("dns queries");
    answerQuery(query.slice(), this.resolver)
      .then((answer) => {
        if (answer) this.sendUdp(NETWORK.dns, DNS_PORT, guestIp, guestPort, answer);
        else this.counters.count("dns dropped (malformed)");
      })
      .catch(() => this.counters.count("dns errors"))
      .finally(() => this.dnsInFlight--);
  }

  private sendUdp(src: number, srcPort: number, dst: number, dstPort: number, payload: Uint8Array): void {
    this.sendIp(src, dst, IP.PROTO_UDP, buildUdp(src, dst, srcPort, dstPort, payload));
  }

  private sendIp(src: number, dst: number, protocol: number, payload: Uint8Array): void {
    const ip = IP.buildIpv4(src, dst, protocol, payload);
    this.deliver(E.buildEthernet(this.guestMac, GATEWAY_MAC, E.ETHERTYPE_IPV4, ip));
  }

  private deliver(frame: Uint8Array): void {
    if (this.closed || !this.receive) return;
    if (frame.length > MAX_FRAME) return this.counters.count("dropped (reply too long)");
    this.counters.count("frames to guest");
    this.receive(frame);
  }
}
