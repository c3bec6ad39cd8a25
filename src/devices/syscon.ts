// The sifive,test0 syscon device: a guest writes 0x5555 to power off, 0x3333 | code << 16 to
// report failure, 0x7777 to reset.

import type { MmioDevice } from "./device.js";

export type SysconEvent = { kind: "poweroff" } | { kind: "fail"; code: number } | { kind: "reset" };

export class Syscon implements MmioDevice {
  readonly name = "syscon";
  readonly state = {};

  constructor(private readonly onEvent: (event: SysconEvent) => void) {}

  mmioRead(): number {
    return 0;
  }

  mmioWrite(offset: number, size: number, value: number): void {
    if (offset !== 0 || size < 2) return;
    const status = value & 0xffff;
    if (status === 0x5555) this.onEvent({ kind: "poweroff" });
    else if (status === 0x3333) this.onEvent({ kind: "fail", code: (value >>> 16) & 0xffff });
    else if (status === 0x7777) this.onEvent({ kind: "reset" });
  }
}
