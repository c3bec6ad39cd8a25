// The goldfish RTC (Linux drivers/rtc/rtc-goldfish.c, QEMU hw/rtc/goldfish_rtc.c): a 64-bit
// nanosecond clock read as two 32-bit halves, and one alarm. Guest time is the host clock
// plus an offset, so a guest that sets the clock moves only its own view of time. The alarm
// has no host timer behind it: the run loop calls `update()`, which fires it once due.

import type { MmioDevice } from "./device.js";

const TIME_LOW = 0x00;
const TIME_HIGH = 0x04;
const ALARM_LOW = 0x08;
const ALARM_HIGH = 0x0c;
const IRQ_ENABLED = 0x10;
const CLEAR_ALARM = 0x14;
const ALARM_STATUS = 0x18;
const CLEAR_INTERRUPT = 0x1c;

const MASK32 = 0xffffffffn;

export class GoldfishRtc implements MmioDevice {
  readonly name = "rtc";
  readonly state = {
    /** Guest time minus host time, in ns. */
    offset: new BigInt64Array(1),
    /** The alarm time (guest ns); its high half is written first, the low half arms it. */
    alarm: new BigUint64Array(1),
    alarmRunning: 0,
    irqEnabled: 0,
    irqPending: 0,
    /** TIME_HIGH as latched by the last TIME_LOW read, so the two halves form one instant. */
    timeHigh: 0,
    irqLine: 0,
  };

  constructor(
    private readonly now: () => bigint,
    private readonly irq: (level: boolean) => void = () => {},
  ) {}

  /** Guest time in ns. */
  time(): bigint {
    return BigInt.asUintN(64, this.now() + this.state.offset[0]);
  }

  /** Fires the alarm if it is due; returns the guest time (ns) it is still waiting for, or null. */
  update(): bigint | null {
    const s = this.state;
    if (!s.alarmRunning) return null;
    if (this.time() < s.alarm[0]) return s.alarm[0];
    s.alarmRunning = 0;
    s.irqPending = 1;
    this.updateIrq();
    return null;
  }

  mmioRead(offset: number, size: number): number {
    if (size !== 4) return 0;
    const s = this.state;
    switch (offset) {
      case TIME_LOW: {
        const t = this.time();
        s.timeHigh = Number(t >> 32n);
        return Number(t & MASK32);
      }
      case TIME_HIGH:
        return s.timeHigh;
      case ALARM_LOW:
        return Number(s.alarm[0] & MASK32);
      case ALARM_HIGH:
        return Number(s.alarm[0] >> 32n);
      case IRQ_ENABLED:
        return s.irqEnabled;
      case ALARM_STATUS:
        return s.alarmRunning;
    }
    return 0;
  }

  mmioWrite(offset: number, size: number, value: number): void {
    if (size !== 4) return;
    const s = this.state;
    const v = BigInt(value >>> 0);
    switch (offset) {
      case TIME_LOW:
      case TIME_HIGH: {
        // Setting one half keeps the other half of the current time, as QEMU does.
        const cur = this.time();
        const next = offset === TIME_LOW ? (cur & ~MASK32) | v : (cur & MASK32) | (v << 32n);
        s.offset[0] = BigInt.asIntN(64, s.offset[0] + (next - cur));
        return;
      }
      case ALARM_LOW:
        s.alarm[0] = (s.alarm[0] & ~MASK32) | v;
        s.alarmRunning = 1;
        this.update(); // an alarm already in the past fires at once
        return;
      case ALARM_HIGH:
        s.alarm[0] = (s.alarm[0] & MASK32) | (v << 32n);
        return;
      case IRQ_ENABLED:
        s.irqEnabled = value & 1;
        break;
      case CLEAR_ALARM:
        s.alarmRunning = 0;
        break;
      case CLEAR_INTERRUPT:
        s.irqPending = 0;
        break;
      default:
        return;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const s = this.state;
    const level = s.irqEnabled && s.irqPending ? 1 : 0;
    if (level !== s.irqLine) {
      s.irqLine = level;
      this.irq(level === 1);
    }
  }
}
