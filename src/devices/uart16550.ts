// NS16550A UART, transmit side: THR writes go to the host, LSR always reports the
// transmitter empty. (Receive, FIFOs and interrupts are not implemented yet.)

import type { MmioDevice } from "./device.js";

const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

export class Uart16550 implements MmioDevice {
  readonly name = "uart";
  readonly state = { lcr: 0, ier: 0, mcr: 0, scr: 0, dll: 0, dlm: 0 };

  constructor(private readonly output: (byte: number) => void) {}

  mmioRead(offset: number): number {
    const s = this.state;
    const dlab = (s.lcr & 0x80) !== 0;
    switch (offset) {
      case 0:
        return dlab ? s.dll : 0;
      case 1:
        return dlab ? s.dlm : s.ier;
      case 2:
        return 0x01; // IIR: no interrupt pending
      case 3:
        return s.lcr;
      case 4:
        return s.mcr;
      case 5:
        return LSR_THRE | LSR_TEMT;
      case 7:
        return s.scr;
    }
    return 0;
  }

  mmioWrite(offset: number, _size: number, value: number): void {
    const s = this.state;
    const dlab = (s.lcr & 0x80) !== 0;
    value &= 0xff;
    switch (offset) {
      case 0:
        if (dlab) s.dll = value;
        else this.output(value);
        break;
      case 1:
        if (dlab) s.dlm = value;
        else s.ier = value & 0x0f;
        break;
      case 3:
        s.lcr = value;
        break;
      case 4:
        s.mcr = value & 0x1f;
        break;
      case 7:
        s.scr = value;
        break;
    }
  }
}
