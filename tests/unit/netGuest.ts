// The test plays the guest of a UserNetwork: it builds frames by hand (with the stack's own
// builders, whose output the checksum tests pin down) and waits for the frames that come back.

import * as E from "../../src/net/ethernet.js";
import * as IP from "../../src/net/ipv4.js";
import { buildTcp, parseTcp, type TcpFields, type TcpSegment } from "../../src/net/tcpSegment.js";
import { buildUdp, parseUdp, type UdpDatagram } from "../../src/net/udp.js";
import { GATEWAY_MAC, NETWORK, UserNetwork, type UserNetworkOptions } from "../../src/net/userNetwork.js";

export const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
export const GUEST = NETWORK.guest;
export const GATEWAY = NETWORK.gateway;

export class TestGuest {
  readonly frames: Uint8Array[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly net: UserNetwork) {
    net.onReceive((f) => {
      this.frames.push(f);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async start(options: UserNetworkOptions = {}): Promise<TestGuest> {
    return new TestGuest(await UserNetwork.create(options));
  }

  close(): Promise<void> {
    return this.net.close();
  }

  ipFrame(src: number, dst: number, protocol: number, payload: Uint8Array, dstMac = GATEWAY_MAC): Uint8Array {
    return E.buildEthernet(dstMac, GUEST_MAC, E.ETHERTYPE_IPV4, IP.buildIpv4(src, dst, protocol, payload));
  }

  udp(dst: number, srcPort: number, dstPort: number, payload: Uint8Array, src = GUEST): void {
    this.net.send(this.ipFrame(src, dst, IP.PROTO_UDP, buildUdp(src, dst, srcPort, dstPort, payload)));
  }

  tcp(f: Partial<TcpFields> & { srcPort: number; dstPort: number }, payload?: Uint8Array, dst = GATEWAY): void {
    const fields: TcpFields = { seq: 0, ack: 0, flags: 0, window: 65535, ...f };
    this.net.send(this.ipFrame(GUEST, dst, IP.PROTO_TCP, buildTcp(GUEST, dst, fields, payload)));
  }

  /** Takes (and removes) the first frame that `pick` accepts, waiting up to `ms` for it. */
  async take<T>(pick: (frame: Uint8Array) => T | null, ms = 3000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (let i = 0; i < this.frames.length; i++) {
        const v = pick(this.frames[i]);
        if (v !== null) {
          this.frames.splice(i, 1);
          return v;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no such frame arrived");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The next TCP segment to the guest (checksums checked by the parser), from port `from` if given. */
  takeTcp(from?: number, ms?: number): Promise<TcpSegment & { srcIp: number }> {
    return this.take((f) => {
      const p = ipOf(f);
      if (!p || p.protocol !== IP.PROTO_TCP) return null;
      const s = parseTcp(p.src, p.dst, p.payload);
      if (typeof s === "string") throw new Error(`bad TCP segment from the network: ${s}`);
      return from === undefined || s.srcPort === from ? { ...s, srcIp: p.src } : null;
    }, ms);
  }

  takeUdp(dstPort: number, ms?: number): Promise<UdpDatagram & { ip: IP.Ipv4Packet; mac: Uint8Array }> {
    return this.take((f) => {
      const p = ipOf(f);
      if (!p || p.protocol !== IP.PROTO_UDP) return null;
      const d = parseUdp(p.src, p.dst, p.payload);
      if (typeof d === "string") throw new Error(`bad UDP datagram from the network: ${d}`);
      return d.dstPort === dstPort ? { ...d, ip: p, mac: f.slice(0, 6) } : null;
    }, ms);
  }
}

/** The IPv4 packet in a frame (its header checksum checked), or null. */
export function ipOf(frame: Uint8Array): IP.Ipv4Packet | null {
  const e = E.parseEthernet(frame);
  if (!e || e.type !== E.ETHERTYPE_IPV4) return null;
  const p = IP.parseIpv4(e.payload);
  if (typeof p === "string") throw new Error(`bad IPv4 packet from the network: ${p}`);
  return p;
}

export const text = (s: string) => new TextEncoder().encode(s);
export const str = (b: Uint8Array) => new TextDecoder().decode(b);
