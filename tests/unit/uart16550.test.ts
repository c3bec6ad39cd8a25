import { test } from "node:test";
import assert from "node:assert/strict";
import { Uart16550 } from "../../src/devices/uart16550.js";

const RBR = 0;
const THR = 0;
const IER = 1;
const IIR = 2;
const FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

function make() {
  const out: number[] = [];
  const line = { level: false, edges: 0 };
  const uart = new Uart16550(
    (b) => out.push(b),
    (l) => {
      line.level = l;
      line.edges++;
    },
  );
  const r = (off: number) => uart.mmioRead(off, 1);
  const w = (off: number, v: number) => uart.mmioWrite(off, 1, v);
  return { uart, out, line, r, w };
}

test("uart: THR writes go to the output; LSR says the transmitter is empty", () => {
  const { out, r, w } = make();
  w(THR, 0x41);
  w(THR, 0x142); // only the low byte
  assert.deepEqual(out, [0x41, 0x42]);
  assert.equal(r(LSR), 0x60);
  assert.equal(r(IIR), 0x01, "no interrupt, FIFOs off");
});

test("uart: the divisor latch hides RBR/THR and IER while DLAB is set", () => {
  const { out, r, w } = make();
  w(IER, 0x05);
  w(LCR, 0x83);
  w(0, 0x0c);
  w(1, 0x01);
  assert.equal(r(0), 0x0c);
  assert.equal(r(1), 0x01);
  assert.deepEqual(out, []);
  w(LCR, 0x03);
  assert.equal(r(IER), 0x05);
  assert.equal(r(LCR), 0x03);
  w(SCR, 0x5a);
  assert.equal(r(SCR), 0x5a);
});

test("uart: without FIFOs the receiver holds one byte; receive() back-pressures", () => {
  const { uart, r } = make();
  assert.equal(uart.receive(Uint8Array.of(1, 2, 3)), 1);
  assert.equal(uart.rxSpace(), 0);
  assert.equal(r(LSR) & 1, 1);
  assert.equal(r(RBR), 1);
  assert.equal(r(LSR) & 1, 0);
  assert.equal(r(LSR) & 2, 0, "no overrun: the caller kept the rest");
});

test("uart: the 16-byte FIFO takes what fits and gives it back in order", () => {
  const { uart, r, w } = make();
  w(FCR, 0x07);
  assert.equal(r(IIR) & 0xc0, 0xc0, "IIR shows FIFOs enabled");
  const input = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(uart.receive(input), 16);
  assert.equal(uart.receive(input.subarray(16)), 0);
  const got: number[] = [];
  for (let i = 0; i < 3; i++) got.push(r(RBR));
  assert.equal(uart.receive(input.subarray(16)), 3);
  while (r(LSR) & 1) got.push(r(RBR));
  assert.deepEqual(got, [...input.subarray(0, 19)]);
  uart.receive(Uint8Array.of(9));
  w(FCR, 0x03); // clear the receive FIFO
  assert.equal(r(LSR) & 1, 0);
  uart.receive(Uint8Array.of(9));
  w(FCR, 0x00); // switching FIFOs off empties them too
  assert.equal(r(LSR) & 1, 0);
  assert.equal(r(IIR) & 0xc0, 0);
});

test("uart: receive interrupt: data available at the trigger level, timeout below it", () => {
  const { uart, line, r, w } = make();
  w(FCR, 0x81); // FIFO on, trigger 8
  w(IER, 0x01);
  assert.equal(line.level, false);
  uart.receive(Uint8Array.of(1, 2, 3));
  assert.equal(line.level, true);
  assert.equal(r(IIR), 0xcc, "character timeout");
  uart.receive(new Uint8Array(5));
  assert.equal(r(IIR), 0xc4, "received data available");
  while (r(LSR) & 1) r(RBR);
  assert.equal(line.level, false);
  assert.equal(r(IIR), 0xc1);
});

test("uart: THRE interrupt is the classic latch Linux's 8250 driver relies on", () => {
  const { line, r, w } = make();
  w(IER, 0x02); // turning ETBEI on with THR empty raises THRE
  assert.equal(line.level, true);
  assert.equal(r(IIR), 0x02);
  assert.equal(line.level, false, "reading IIR that reports THRE clears it");
  assert.equal(r(IIR), 0x01);
  w(THR, 0x41); // the byte leaves at once: THR empty again
  assert.equal(line.level, true);
  // serial8250_do_startup's probe: IER off then on again re-asserts THRE.
  r(IIR);
  w(IER, 0);
  w(IER, 0x02);
  assert.equal(r(IIR), 0x02);
  w(IER, 0);
  assert.equal(line.level, false);
});

test("uart: IIR priority: line status, then receive, then THRE, then modem status", () => {
  const { uart, r, w } = make();
  w(FCR, 0x01);
  w(MCR, 0x10); // loopback: the guest can overrun its own receive FIFO
  assert.equal(r(MSR), 0x0b, "entering loopback drops DCD, DSR, CTS: their deltas are set");
  for (let i = 0; i < 17; i++) w(THR, i);
  w(IER, 0x0f);
  assert.equal(r(IIR) & 0x0f, 0x06, "overrun");
  assert.equal(r(LSR) & 0x02, 0x02);
  assert.equal(r(LSR) & 0x02, 0, "reading LSR clears OE");
  assert.equal(r(IIR) & 0x0f, 0x04);
  for (let i = 0; i < 16; i++) assert.equal(r(RBR), i);
  assert.equal(r(IIR) & 0x0f, 0x02);
  w(MCR, 0x12); // RTS → CTS changes: delta CTS
  assert.equal(r(IIR) & 0x0f, 0x00, "modem status");
  assert.equal(r(MSR), 0x11);
  assert.equal(r(IIR) & 0x0f, 0x01);
  assert.equal(uart.receive(Uint8Array.of(1)), 0, "the receive line is disconnected in loopback");
});

test("uart: loopback mirrors modem control to modem status (autoconfig test)", () => {
  const { out, r, w } = make();
  assert.equal(r(MSR) & 0xf0, 0xb0);
  w(MCR, 0x1a); // loop, RTS, OUT2
  assert.equal(r(MSR) & 0xf0, 0x90);
  w(MCR, 0x1f);
  assert.equal(r(MSR) & 0xf0, 0xf0);
  w(THR, 0x55);
  assert.deepEqual(out, [], "loopback does not transmit");
  assert.equal(r(RBR), 0x55);
  w(MCR, 0x00);
  assert.equal(r(MSR) & 0xf0, 0xb0);
});

test("uart: unknown offsets read 0 and ignore writes", () => {
  const { uart, r, w } = make();
  w(8, 1);
  w(0xff, 1);
  assert.equal(r(8), 0);
  assert.equal(r(0xff), 0);
  assert.equal(uart.mmioRead(-1, 1), 0);
  assert.equal(r(RBR), 0, "empty receiver");
});

test("uart: while the host side is full, LSR and the interrupt withhold THRE until it drained", () => {
  const out: number[] = [];
  const full = { value: false };
  const line = { level: false };
  const uart = new Uart16550(
    (b) => out.push(b),
    (l) => (line.level = l),
    () => full.value,
  );
  const r = (off: number) => uart.mmioRead(off, 1);
  const w = (off: number, v: number) => uart.mmioWrite(off, 1, v);
  w(IER, 0x02); // ETBEI
  assert.equal(r(IIR) & 0x0f, 0x02, "THRE at first");
  full.value = true;
  assert.equal(r(LSR) & 0x60, 0, "no THRE/TEMT in LSR while the host is full");
  w(THR, 0x41); // a driver that writes regardless: the byte goes out (the VM stalls the harts)
  assert.equal(out.length, 1);
  assert.equal(line.level, false, "no THRE interrupt while full");
  uart.hostDrained();
  assert.equal(line.level, false, "still full: nothing");
  full.value = false;
  uart.hostDrained();
  assert.equal(line.level, true, "the owed THRE interrupt comes once the host drained");
  assert.equal(r(LSR) & 0x60, 0x60);
  assert.equal(r(IIR) & 0x0f, 0x02);
  w(THR, 0x42);
  assert.equal(out.at(-1), 0x42);
});
