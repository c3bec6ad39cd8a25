// NS16550A UART, as Linux's 8250 driver and OpenSBI expect it (registers one byte apart).
//
// Transmit is instantaneous: a THR write goes straight to `output`, so THR and the shift
// register are always empty again by the next access. Receive has a 16-byte FIFO fed by
// `receive()`, which accepts only what fits: the caller keeps the rest, so no input is lost
// and OE only arises in loopback mode, where the guest itself can overfill the FIFO.
// There is no timer: the receive "character timeout" (IIR 0x0C) is reported at once when data
// sits below the FIFO trigger level, as if the four character times had already passed.
//
// The host side can be full (stdout to a pipe nobody reads fast enough): then LSR stops saying
// THRE/TEMT and no THRE interrupt is raised, so a driver waits, as for a slow line, and
// hostDrained() raises the THRE interrupt owed once the host can take more. A byte written
// anyway still goes out (the VM stops the harts if that goes on, see Vm.outputStalled).

import type { MmioDevice } from "./device.js";

const RX_FIFO_SIZE = 16;

const IER_ERBFI = 0x01; // received data available
const IER_ETBEI = 0x02; // transmitter holding register empty
const IER_ELSI = 0x04; // receiver line status
const IER_EDSSI = 0x08; // modem status

const IIR_NONE = 0x01;
const IIR_RLS = 0x06;
const IIR_RDA = 0x04;
const IIR_TIMEOUT = 0x0c;
const IIR_THRE = 0x02;
const IIR_MSI = 0x00;
const IIR_FIFO_ENABLED = 0xc0;

const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;

const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

// With no modem attached the lines read as a null-modem cable would give them, as QEMU does.
const MSR_IDLE = 0xb0; // DCD, DSR, CTS
const TRIGGER_LEVELS = [1, 4, 8, 14];

export class Uart16550 implements MmioDevice {
  readonly name = "uart";
  readonly state = {
    rxFifo: new Uint8Array(RX_FIFO_SIZE),
    rxHead: 0,
    rxCount: 0,
    ier: 0,
    /** FCR bit 0 (FIFOs on) and bits 7:6 (receive trigger level); FCR itself is write-only. */
    fcr: 0,
    lcr: 0,
    mcr: 0,
    /** Sticky LSR error bits (OE), cleared by reading LSR. */
    lsrErrors: 0,
    msr: MSR_IDLE,
    scr: 0,
    dll: 0,
    dlm: 0,
    /** The THRE interrupt latch: set when THR empties or ETBEI is turned on, cleared by an IIR read reporting it or a THR write. */
    thrIpending: 0,
    /** The level last given to `irq`. */
    irqLine: 0,
    /** 1 when a THRE interrupt is owed for when the host side drains. */
    txWaiting: 0,
  };

  constructor(
    private readonly output: (byte: number) => void,
    private readonly irq: (level: boolean) => void = () => {},
    /** Whether the host side cannot take more output now (Node: stdout's `writableNeedDrain`). */
    private readonly hostFull: () => boolean = () => false,
  ) {}

  /** The host side may have drained: the THRE interrupt withheld while it was full comes now. */
  hostDrained(): void {
    const s = this.state;
    if (!s.txWaiting || this.hostFull()) return;
    s.txWaiting = 0;
    if (s.ier & IER_ETBEI) s.thrIpending = 1;
    this.updateIrq();
  }

  /** Offers input bytes; returns how many were taken (the rest must be offered again later). */
  receive(bytes: Uint8Array): number {
    if (this.state.mcr & MCR_LOOP) return 0; // in loopback the receive line is disconnected
    const n = Math.min(bytes.length, this.rxSpace());
    for (let i = 0; i < n; i++) this.pushRx(bytes[i]);
    if (n) this.updateIrq();
    return n;
  }

  /** How many bytes `receive` would take now. */
  rxSpace(): number {
    if (this.state.mcr & MCR_LOOP) return 0;
    return this.rxCapacity() - this.state.rxCount;
  }

  mmioRead(offset: number, _size: number): number {
    const s = this.state;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        return dlab ? s.dll : this.readRbr();
      case 1:
        return dlab ? s.dlm : s.ier;
      case 2:
        return this.readIir();
      case 3:
        return s.lcr;
      case 4:
        return s.mcr;
      case 5: {
        const lsr = this.lsr();
        if (s.lsrErrors) {
          s.lsrErrors = 0;
          this.updateIrq();
        }
        return lsr;
      }
      case 6: {
        const msr = s.msr;
        s.msr &= 0xf0; // reading clears the delta bits
        if (msr & 0x0f) this.updateIrq();
        return msr;
      }
      case 7:
        return s.scr;
    }
    return 0;
  }

  mmioWrite(offset: number, _size: number, value: number): void {
    const s = this.state;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    value &= 0xff;
    switch (offset) {
      case 0:
        if (dlab) s.dll = value;
        else this.writeThr(value);
        break;
      case 1:
        if (dlab) {
          s.dlm = value;
          break;
        }
        {
          const changed = (s.ier ^ value) & IER_ETBEI;
          s.ier = value & 0x0f;
          // Turning ETBEI on with THR empty raises THRE again even if an IIR read had cleared
          // it (QEMU and real parts do this; Linux's THRE probe in serial8250_do_startup tests it).
          if (changed) s.thrIpending = s.ier & IER_ETBEI ? 1 : 0;
        }
        break;
      case 2:
        this.writeFcr(value);
        break;
      case 3:
        s.lcr = value;
        break;
      case 4:
        this.writeMcr(value & 0x1f);
        break;
      case 7:
        s.scr = value;
        break;
      default:
        return;
    }
    this.updateIrq();
  }

  private rxCapacity(): number {
    return this.state.fcr & FCR_ENABLE ? RX_FIFO_SIZE : 1; // without FIFOs: the single RBR
  }

  private pushRx(byte: number): void {
    const s = this.state;
    s.rxFifo[(s.rxHead + s.rxCount) % RX_FIFO_SIZE] = byte;
    s.rxCount++;
  }

  private readRbr(): number {
    const s = this.state;
    if (s.rxCount === 0) return 0;
    const byte = s.rxFifo[s.rxHead];
    s.rxHead = (s.rxHead + 1) % RX_FIFO_SIZE;
    s.rxCount--;
    this.updateIrq();
    return byte;
  }

  private writeThr(value: number): void {
    const s = this.state;
    if (s.mcr & MCR_LOOP) {
      if (s.rxCount < this.rxCapacity()) this.pushRx(value);
      else s.lsrErrors |= LSR_OE;
    } else {
      this.output(value);
    }
    // The byte left at once: THR is empty again, which re-arms the THRE interrupt; unless the
    // host is full, and then hostDrained() raises it.
    const full = this.hostFull();
    if (full) s.txWaiting = 1;
    s.thrIpending = s.ier & IER_ETBEI && !full ? 1 : 0;
  }

  private writeFcr(value: number): void {
    const s = this.state;
    // Switching the FIFOs on or off empties them, as on the real part.
    if ((value ^ s.fcr) & FCR_ENABLE || value & FCR_CLEAR_RX) {
      s.rxHead = 0;
      s.rxCount = 0;
    }
    s.fcr = value & FCR_ENABLE ? value & 0xc1 : 0;
  }

  private writeMcr(value: number): void {
    const s = this.state;
    const before = s.msr;
    s.mcr = value;
    // Loopback wires the modem outputs back to the inputs: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD.
    const lines =
      value & MCR_LOOP
        ? ((value & 0x02) << 3) | ((value & 0x01) << 5) | ((value & 0x04) << 4) | ((value & 0x08) << 4)
        : MSR_IDLE;
    let delta = s.msr & 0x0f;
    const changed = (before ^ lines) & 0xf0;
    if (changed & 0x10) delta |= 0x01; // DCTS
    if (changed & 0x20) delta |= 0x02; // DDSR
    if (before & 0x40 && !(lines & 0x40)) delta |= 0x04; // TERI: trailing edge of RI
    if (changed & 0x80) delta |= 0x08; // DDCD
    s.msr = lines | delta;
  }

  private lsr(): number {
    const s = this.state;
    const empty = this.hostFull() ? 0 : LSR_THRE | LSR_TEMT;
    return (s.rxCount ? LSR_DR : 0) | s.lsrErrors | empty;
  }

  /** The highest-priority pending interrupt, in the 16550's order. */
  private iirId(): number {
    const s = this.state;
    if (s.ier & IER_ELSI && s.lsrErrors) return IIR_RLS;
    if (s.ier & IER_ERBFI && s.rxCount) {
      const trigger = s.fcr & FCR_ENABLE ? TRIGGER_LEVELS[s.fcr >> 6] : 1;
      return s.rxCount >= trigger ? IIR_RDA : IIR_TIMEOUT;
    }
    if (s.ier & IER_ETBEI && s.thrIpending) return IIR_THRE;
    if (s.ier & IER_EDSSI && s.msr & 0x0f) return IIR_MSI;
    return IIR_NONE;
  }

  private readIir(): number {
    const s = this.state;
    const id = this.iirId();
    if (id === IIR_THRE) {
      s.thrIpending = 0; // reading IIR acknowledges THRE when THRE is what it reports
      this.updateIrq();
    }
    return id | (s.fcr & FCR_ENABLE ? IIR_FIFO_ENABLED : 0);
  }

  private updateIrq(): void {
    const s = this.state;
    const level = this.iirId() !== IIR_NONE ? 1 : 0;
    if (level !== s.irqLine) {
      s.irqLine = level;
      this.irq(level === 1);
    }
  }
}
