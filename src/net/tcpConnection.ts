// One TCP connection between the guest and a host socket, with the user network as the
// guest's peer: the guest sees an ordinary TCP endpoint at 10.0.2.2, the bytes go through a
// Node socket. Either side opens: `fromGuest` (the guest's SYN; the SYN-ACK waits for the host
// connect, so a refusal becomes a RST) or `toGuest` (hostfwd: our SYN to the guest).
//
// Simplifications a link inside one process allows: no congestion control (the guest's window
// is the only limit), no window scaling, no SACK, out-of-order segments dropped (the guest
// retransmits). Data to the guest stays in `sendBuffer` until acknowledged and is resent from
// the first unacknowledged byte when the timer fires: the device drops frames when the guest
// does not take them, so loss happens. Windows: the guest's is respected; ours shrinks as the
// host socket's write buffer fills, so a slow host reader throttles the guest.
//
// Acknowledgements of in-order data are delayed to the end of the current event-loop turn
// (setImmediate): the VM runs the guest for a batch of milliseconds between turns, and every
// segment it sent in that batch is acknowledged by one ACK instead of one each. Each ACK costs
// the guest a receive interrupt and a pass through its stack, which at emulated speed halved
// its sending rate. Out-of-order, duplicate and FIN segments are still answered at once. The
// host socket is corked for the turn likewise, so the data of those segments is one write.

import { ByteQueue } from "./byteQueue.js";
import type { Counters } from "./counters.js";
import * as T from "./tcpSegment.js";

export type TcpState =
  | "connecting" // guest SYN seen, host connect pending
  | "synSent"
  | "synReceived"
  | "established"
  | "finWait1"
  | "finWait2"
  | "closeWait"
  | "closing"
  | "lastAck"
  | "timeWait"
  | "closed";

/** The host side: a net.Socket fits. */
export interface HostStream {
  write(data: Uint8Array): boolean;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  /** Optional write batching (net.Socket has both). */
  cork?(): void;
  uncork?(): void;
  readonly writableLength: number;
}

export interface TcpEnds {
  /** Our address and port as the guest sees them (10.0.2.2:P). */
  localIp: number;
  localPort: number;
  guestIp: number;
  guestPort: number;
}

/** The most we advertise without window scaling. */
const RECEIVE_WINDOW = 65535;
/** What we announce: a full Ethernet payload minus IP and TCP headers. */
export const OUR_MSS = 1460;
const DEFAULT_GUEST_MSS = 536;
/** Host bytes held for the guest before the host socket is paused (resumed at half). */
export const SEND_BUFFER_MAX = 256 * 1024;
const RTO_FIRST_MS = 250;
const RTO_MAX_MS = 8000;
const MAX_RETRIES = 10;
const TIME_WAIT_MS = 2000;

export class TcpConnection {
  state: TcpState;
  private readonly iss = (Math.random() * 0x1_0000_0000) >>> 0;
  private sndUna = this.iss;
  private sndNxt = this.iss;
  private sndWnd = 0;
  private rcvNxt = 0;
  private guestMss = DEFAULT_GUEST_MSS;
  private readonly sendBuffer = new ByteQueue();
  private hostEnded = false;
  private finSent = false;
  private hostPaused = false;
  private timer: NodeJS.Timeout | null = null;
  private retries = 0;
  private lastWindow = RECEIVE_WINDOW;
  private delayedAck: NodeJS.Immediate | null = null;
  private corked = false;

  private constructor(
    readonly ends: TcpEnds,
    private host: HostStream | null,
    private readonly transmit: (segment: Uint8Array) => void,
    private readonly counters: Counters,
    private readonly onClosed: (c: TcpConnection) => void,
    state: TcpState,
  ) {
    this.state = state;
  }

  /** The guest's SYN: the owner connects the host socket and calls hostConnected or hostFailed. */
  static fromGuest(
    ends: TcpEnds,
    syn: T.TcpSegment,
    out: (s: Uint8Array) => void,
    counters: Counters,
    onClosed: (c: TcpConnection) => void,
  ): TcpConnection {
    const c = new TcpConnection(ends, null, out, counters, onClosed, "connecting");
    c.rcvNxt = T.seqAdd(syn.seq, 1);
    c.sndWnd = syn.window;
    c.guestMss = Math.min(syn.mss ?? DEFAULT_GUEST_MSS, OUR_MSS);
    return c;
  }

  /** hostfwd: a host client arrived; we open towards the guest. */
  static toGuest(
    ends: TcpEnds,
    host: HostStream,
    out: (s: Uint8Array) => void,
    counters: Counters,
    onClosed: (c: TcpConnection) => void,
  ): TcpConnection {
    const c = new TcpConnection(ends, host, out, counters, onClosed, "synSent");
    host.pause(); // nothing to carry until the guest answers
    c.sendSyn();
    return c;
  }

  hostConnected(host: HostStream): void {
    if (this.state !== "connecting") return host.destroy();
    this.host = host;
    this.state = "synReceived";
    this.sendSyn();
  }

  /** The host connect failed (refused, unreachable) or the host socket broke: RST to the guest. */
  hostFailed(): void {
    if (this.state === "closed" || this.state === "timeWait") return;
    this.counters.count("tcp resets sent (host failure)");
    if (this.state === "connecting") this.send(T.RST | T.ACK, 0);
    else this.send(T.RST | T.ACK, this.sndNxt);
    this.close(true);
  }

  hostData(data: Uint8Array): void {
    if (this.hostEnded || this.finSent || this.state === "closed") return;
    this.sendBuffer.push(data);
    if (this.sendBuffer.length > SEND_BUFFER_MAX && !this.hostPaused) {
      this.hostPaused = true;
      this.host?.pause();
    }
    this.output();
  }

  hostEnd(): void {
    this.hostEnded = true;
    this.output();
  }

  /** The host socket's write buffer drained: tell the guest the window opened again. */
  hostDrain(): void {
    if (this.lastWindow < OUR_MSS && this.synchronized()) this.sendAck();
  }

  /** Closes at once with a RST to the guest (shutdown of the network). */
  abort(): void {
    if (this.synchronized()) this.send(T.RST | T.ACK, this.sndNxt);
    this.close(true);
  }

  segment(s: T.TcpSegment): void {
    if (this.state === "closed") return;
    if (s.flags & T.RST) return this.reset(s);
    if (this.state === "synSent") return this.synAck(s);
    if (this.state === "connecting") return; // the guest resends its SYN; the answer comes with the host
    if (s.flags & T.SYN) {
      // A retransmitted SYN (our SYN-ACK was lost) or a bogus one: answer with where we are.
      if (this.state === "synReceived" && s.seq === T.seqAdd(this.rcvNxt, -1)) this.sendSyn();
      else this.sendAck();
      return;
    }
    if (!this.acceptable(s)) {
      this.counters.count(T.seqLt(s.seq, this.rcvNxt) ? "tcp duplicate segments" : "tcp dropped (out of window)");
      return this.sendAck();
    }
    if (!(s.flags & T.ACK)) return;
    if (!this.acknowledge(s)) return;
    this.receiveData(s);
    this.output();
  }

  private synchronized(): boolean {
    return !["connecting", "synSent", "closed"].includes(this.state);
  }

  private window(): number {
    return Math.max(0, RECEIVE_WINDOW - (this.host?.writableLength ?? 0));
  }

  /** RFC 9293 §3.10.7.4's acceptability test. */
  private acceptable(s: T.TcpSegment): boolean {
    const len = T.segmentLength(s);
    const wnd = this.window();
    const inWindow = (seq: number) => T.seqLe(this.rcvNxt, seq) && T.seqLt(seq, T.seqAdd(this.rcvNxt, wnd));
    if (len === 0) return wnd === 0 ? s.seq === this.rcvNxt : inWindow(s.seq);
    return wnd > 0 && (inWindow(s.seq) || inWindow(T.seqAdd(s.seq, len - 1)));
  }

  private reset(s: T.TcpSegment): void {
    const ok =
      this.state === "synSent"
        ? (s.flags & T.ACK) !== 0 && s.ack === T.seqAdd(this.iss, 1)
        : this.state === "connecting"
          ? s.seq === this.rcvNxt
          : this.acceptable(s);
    if (!ok) return void this.counters.count("tcp dropped (stray reset)");
    this.counters.count("tcp resets received");
    this.close(true);
  }

  /** hostfwd: the guest's answer to our SYN. */
  private synAck(s: T.TcpSegment): void {
    if (!(s.flags & T.ACK) || s.ack !== T.seqAdd(this.iss, 1)) {
      if (s.flags & T.ACK) this.transmit(this.build({ seq: s.ack, ack: 0, flags: T.RST }));
      return;
    }
    if (!(s.flags & T.SYN)) return;
    this.rcvNxt = T.seqAdd(s.seq, 1);
    this.sndUna = s.ack;
    this.sndWnd = s.window;
    this.guestMss = Math.min(s.mss ?? DEFAULT_GUEST_MSS, OUR_MSS);
    this.state = "established";
    this.counters.count("tcp connections established");
    this.stopTimer();
    this.sendAck();
    this.host?.resume();
    this.output(); // whatever the host sent meanwhile
  }

  /** The ACK field: frees acknowledged bytes and moves the state on. False when the segment is done with. */
  private acknowledge(s: T.TcpSegment): boolean {
    if (T.seqLt(this.sndNxt, s.ack)) {
      this.sendAck(); // acknowledges something never sent
      return false;
    }
    if (this.state === "synReceived") {
      if (!T.seqLt(this.sndUna, s.ack)) {
        this.transmit(this.build({ seq: s.ack, ack: 0, flags: T.RST }));
        return false;
      }
      this.state = "established";
      this.counters.count("tcp connections established");
      this.sndUna = T.seqAdd(this.sndUna, 1); // our SYN
    }
    if (T.seqLe(this.sndUna, s.ack)) this.sndWnd = s.window;
    if (T.seqLt(this.sndUna, s.ack)) {
      const acked = T.seqDiff(s.ack, this.sndUna);
      this.sendBuffer.drop(acked);
      this.sndUna = s.ack;
      this.retries = 0;
      this.stopTimer();
      if (this.hostPaused && this.sendBuffer.length <= SEND_BUFFER_MAX / 2) {
        this.hostPaused = false;
        this.host?.resume();
      }
      if (this.finSent && this.sndUna === this.sndNxt) return this.finAcked();
    }
    return true;
  }

  private finAcked(): boolean {
    if (this.state === "finWait1") this.state = "finWait2";
    else if (this.state === "closing") this.enterTimeWait();
    else if (this.state === "lastAck") {
      this.close(false);
      return false;
    }
    return true;
  }

  private receiveData(s: T.TcpSegment): void {
    let data = s.payload;
    let seq = s.seq;
    if (T.seqLt(seq, this.rcvNxt)) {
      const skip = T.seqDiff(this.rcvNxt, seq);
      data = data.subarray(Math.min(skip, data.length));
      seq = this.rcvNxt;
    }
    const fin = (s.flags & T.FIN) !== 0;
    if (seq !== this.rcvNxt) {
      this.counters.count("tcp dropped (out of order)");
      return this.sendAck();
    }
    const open = this.state === "established" || this.state === "finWait1" || this.state === "finWait2";
    let needAck = false;
    if (data.length > 0 && open) {
      const take = data.subarray(0, this.window());
      if (take.length) {
        this.corkHost();
        this.host?.write(take.slice());
        this.rcvNxt = T.seqAdd(this.rcvNxt, take.length);
      }
      needAck = true;
      if (take.length < data.length) return this.sendAck(); // the rest (and a FIN) come again
    }
    if (needAck && !fin) return this.delayAck();
    if (fin && open) {
      this.rcvNxt = T.seqAdd(this.rcvNxt, 1);
      this.host?.end();
      if (this.state === "established") this.state = "closeWait";
      else if (this.state === "finWait1") this.state = "closing";
      else this.enterTimeWait();
      needAck = true;
    } else if (fin) needAck = true; // a retransmitted FIN: the ACK was lost
    if (needAck) this.sendAck();
  }

  /** Sends what the guest's window allows, then the FIN once the host ended and all is sent. */
  private output(): void {
    // finWait1, closing and lastAck still owe the guest data or the FIN after a timeout.
    if (!["established", "closeWait", "finWait1", "closing", "lastAck"].includes(this.state)) return;
    while (!this.finSent) {
      const offset = T.seqDiff(this.sndNxt, this.sndUna);
      const unsent = this.sendBuffer.length - offset;
      if (unsent > 0) {
        const n = Math.min(unsent, this.guestMss, this.sndWnd - offset);
        if (n <= 0) break; // window full: the timer probes
        this.send(T.ACK | T.PSH, this.sndNxt, this.sendBuffer.peek(offset, n));
        this.sndNxt = T.seqAdd(this.sndNxt, n);
        continue;
      }
      if (this.hostEnded) {
        this.send(T.FIN | T.ACK, this.sndNxt);
        this.sndNxt = T.seqAdd(this.sndNxt, 1);
        this.finSent = true;
        if (this.state === "established") this.state = "finWait1";
        else if (this.state === "closeWait") this.state = "lastAck";
      }
      break;
    }
    if (this.sndNxt !== this.sndUna || this.sendBuffer.length > 0) this.startTimer();
  }

  /**
   * Retransmission: everything from the first unacknowledged byte again (go-back-N). With the
   * guest's window at zero, a probe of one byte instead, which makes the guest answer with its
   * current window; probes go on as long as the guest keeps a slow reader alive.
   */
  private timeout(): void {
    this.timer = null;
    const probe = this.sndWnd === 0 && this.sendBuffer.length > 0 && this.synchronized();
    if (probe) this.retries = Math.min(this.retries + 1, 5);
    else if (++this.retries > MAX_RETRIES) {
      this.counters.count("tcp connections timed out");
      return this.abort();
    }
    this.counters.count(probe ? "tcp window probes" : "tcp retransmissions");
    if (this.state === "synSent" || this.state === "synReceived") return this.sendSyn();
    this.sndNxt = this.sndUna;
    this.finSent = false; // hostEnded still holds: output() sends the FIN again after the data
    if (probe) {
      this.send(T.ACK, this.sndNxt, this.sendBuffer.peek(0, 1));
      this.sndNxt = T.seqAdd(this.sndNxt, 1);
    }
    this.output();
  }

  private startTimer(): void {
    if (this.timer) return;
    const ms = Math.min(RTO_FIRST_MS * 2 ** this.retries, RTO_MAX_MS);
    this.timer = setTimeout(() => this.timeout(), ms);
    this.timer.unref(); // a connection alone does not keep paravm running
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private enterTimeWait(): void {
    this.state = "timeWait";
    this.stopTimer();
    // Long enough to ACK a retransmitted FIN; then the entry goes.
    this.timer = setTimeout(() => this.close(false), TIME_WAIT_MS);
    this.timer.unref();
  }

  /**
   * Forgets the connection. A graceful close leaves the host socket alone: both directions were
   * ended, and destroying it could discard bytes for the host still in its write buffer.
   */
  private close(destroy: boolean): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.stopTimer();
    if (this.delayedAck) clearImmediate(this.delayedAck);
    this.delayedAck = null;
    if (destroy) this.host?.destroy();
    this.onClosed(this);
  }

  private sendSyn(): void {
    this.sndNxt = T.seqAdd(this.iss, 1); // the SYN takes one sequence number
    const flags = this.state === "synSent" ? T.SYN : T.SYN | T.ACK;
    this.transmit(this.build({ seq: this.iss, ack: flags & T.ACK ? this.rcvNxt : 0, flags, mss: OUR_MSS }));
    this.startTimer();
  }

  private sendAck(): void {
    this.send(T.ACK, this.sndNxt);
  }

  /** Host writes of this turn go out as one (a system call each cost more than the copy). */
  private corkHost(): void {
    const host = this.host;
    if (this.corked || !host?.cork || !host.uncork) return;
    this.corked = true;
    host.cork();
    setImmediate(() => {
      this.corked = false;
      host.uncork!();
    });
  }

  /** An ACK at the end of this turn, unless a segment of ours carries it first. */
  private delayAck(): void {
    if (this.delayedAck) return;
    this.delayedAck = setImmediate(() => {
      this.delayedAck = null;
      if (this.synchronized()) this.sendAck();
    });
  }

  private send(flags: number, seq: number, payload?: Uint8Array): void {
    if (flags & T.ACK && this.delayedAck) {
      clearImmediate(this.delayedAck);
      this.delayedAck = null;
    }
    this.transmit(this.build({ seq, ack: flags & T.ACK ? this.rcvNxt : 0, flags }, payload));
  }

  private build(f: { seq: number; ack: number; flags: number; mss?: number }, payload?: Uint8Array): Uint8Array {
    const window = this.window();
    this.lastWindow = window;
    const e = this.ends;
    return T.buildTcp(e.localIp, e.guestIp, { srcPort: e.localPort, dstPort: e.guestPort, window, ...f }, payload);
  }
}
