// How a device raises its interrupt line: on the interrupt controller (the PLIC), by source
// number. Lines are levels, so a device says what its line is now, not that an event happened.

export interface InterruptSink {
  setIrq(source: number, level: boolean): void;
}
