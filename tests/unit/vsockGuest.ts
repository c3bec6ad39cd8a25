// A pretend vsock driver for the unit tests: a FakeGuest behind the MMIO transport, rx buffers
// posted and re-posted as the device uses them, packets sent on the tx queue.

import * as P from "../../src/virtio/vsock/protocol.js";
import type { VirtioVsock } from "../../src/virtio/vsock/device.js";
import { DESC_WRITE, FakeGuest, TestDriver } from "./virtioHarness.js";

export const GUEST_CID = 3;
const RXQ = 0;
const TXQ = 1;
const QSIZE = 16;
/** Linux's rx buffer: 4 KiB less the skb overhead, header included. */
export const RX_BUF = 3776;

export interface RxPacket extends P.VsockHeader {
  payload: Uint8Array;
}

export class VsockGuest {
  readonly guest = new FakeGuest();
  readonly drv: TestDriver;
  /** Every packet the device delivered, in order. */
  readonly received: RxPacket[] = [];
  private readonly rxAddr = new Map<number, number>();
  private seenUsed = 0;

  constructor(
    readonly device: VirtioVsock,
    /** Rx buffers posted at start (the queue holds 16). */
    rxBuffers = QSIZE,
  ) {
    this.drv = new TestDriver(this.guest, device);
    this.drv.start(undefined, QSIZE);
    for (let i = 0; i < rxBuffers; i++) this.postRx(this.guest.alloc(RX_BUF));
  }

  postRx(addr: number, length = RX_BUF): void {
    const head = this.drv.chain(RXQ, [{ addr, len: length, flags: DESC_WRITE }]);
    this.rxAddr.set(head, addr);
    this.drv.publish(RXQ, head);
    this.drv.kick(RXQ);
  }

  /** Collects what the device delivered since the last call, re-posting the buffers. */
  poll(): RxPacket[] {
    const fresh: RxPacket[] = [];
    const used = this.drv.usedIdx(RXQ);
    const repost: number[] = [];
    while (this.seenUsed !== used) {
      const e = this.drv.usedElem(RXQ, this.seenUsed);
      this.seenUsed = (this.seenUsed + 1) & 0xffff;
      const addr = this.rxAddr.get(e.id)!;
      const bytes = this.guest.read(addr, e.len);
      const h = P.decodeHeader(bytes);
      if (h) fresh.push({ ...h, payload: bytes.slice(P.HEADER_SIZE, P.HEADER_SIZE + h.len) });
      repost.push(addr);
    }
    this.received.push(...fresh);
    for (const a of repost) this.postRx(a);
    return fresh;
  }

  /** Sends one packet on the tx queue (header and payload in separate descriptors). */
  send(h: Partial<P.VsockHeader>, payload: Uint8Array = new Uint8Array(0), rawHeader?: Uint8Array): void {
    const header =
      rawHeader ??
      P.encodeHeader({
        srcCid: BigInt(GUEST_CID),
        dstCid: BigInt(P.HOST_CID),
        srcPort: 1000,
        dstPort: 5000,
        len: payload.length,
        type: P.TYPE_STREAM,
        op: P.OP_RW,
        flags: 0,
        bufAlloc: 256 * 1024,
        fwdCnt: 0,
        ...h,
      });
    const mark = this.guest.allocMark;
    this.drv.request(TXQ, payload.length ? [header, payload] : [header], []);
    this.guest.rewind(mark); // the device copied what it needs
  }

  /** The packets of the guest's connection (guestPort, hostPort) received so far. */
  packetsOf(guestPort: number, hostPort: number): RxPacket[] {
    this.poll();
    return this.received.filter((p) => p.dstPort === guestPort && p.srcPort === hostPort);
  }
}

/** Waits (on the event loop) until `cond` holds; throws after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
