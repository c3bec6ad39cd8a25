// virtio-mmio version 2 (virtio 1.2 §4.2): the register window of one virtio device slot.
//
// Choices where the spec leaves room, all in the direction of ignoring what cannot be served:
// - Registers are 32-bit; other widths or misaligned accesses below 0x100 read 0 and are ignored.
//   The config space (0x100+) is read byte-accurately in 1, 2 or 4 bytes.
// - FEATURES_OK is refused (left clear, as §3.1.1 asks) when the driver accepted a feature the
//   device did not offer. A driver that leaves out VIRTIO_F_VERSION_1 is still served, with the
//   modern layout (the device "MAY fail" it, §6.1, but QEMU does not, and xv6 never sets it).
// - Queue registers are frozen after DRIVER_OK and while the queue is ready ("the driver MUST
//   NOT access" them then); QueueReady = 1 before FEATURES_OK is ignored too (the ring format
//   depends on the features). QueueReady = 0 is always honoured: it is how the spec says a
//   driver stops a queue.
// - A queue whose size or rings do not check out when enabled stays not ready and the device
//   goes DEVICE_NEEDS_RESET.
// - QueueNotify for a queue that does not exist (or before DRIVER_OK) is ignored: a notification
//   is only a hint that buffers may be available, so there is nothing to fail; the spec names no
//   error for it and Linux never does it.
// - DEVICE_NEEDS_RESET stops every queue, sets status bit 0x40 and, after DRIVER_OK, raises a
//   configuration-change interrupt (§2.1.2).
// - A notification is served inside the guest's store, within a per-turn allowance of host work
//   (TURN_BUDGET_BYTES) shared by the slot's queues. What does not fit is deferred: the queue's
//   bit in `state.deferred` (plain data, so a snapshot keeps it), served by poll(), which the
//   VM's run loop calls once per turn and which also renews the allowance. The guest sees a
//   device that is slower, never a host that stops.
// VendorID is QEMU's (0x554d4551, "QEMU"): bare-metal guests written for QEMU virt, xv6
// among them, check it before they use a device, and paravm keeps QEMU virt's interface.

import type { MmioDevice } from "../devices/device.js";
import type { GuestMemory } from "./guestMemory.js";
import {
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  TURN_BUDGET_BYTES,
  featureBit,
  type VirtioDevice,
  type VirtioHost,
  type WorkBudget,
} from "./virtioDevice.js";
import { Virtqueue, newVirtqueueState, type VirtqueueState } from "./virtqueue.js";

export const VIRTIO_MMIO_MAGIC = 0x74726976;
export const VIRTIO_MMIO_VERSION = 2;
export const VENDOR_ID = 0x554d4551;

/** Register offsets (§4.2.2). */
export const MMIO = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueReady: 0x044,
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  SHMSel: 0x0ac,
  SHMLenLow: 0x0b0,
  SHMLenHigh: 0x0b4,
  SHMBaseLow: 0x0b8,
  SHMBaseHigh: 0x0bc,
  ConfigGeneration: 0x0fc,
  Config: 0x100,
} as const;

/** Device status bits (§2.1). */
export const STATUS = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

export const INT_USED_BUFFER = 1;
export const INT_CONFIG_CHANGE = 2;

/** The window each slot occupies. */
export const VIRTIO_MMIO_SIZE = 0x1000;

export interface VirtioMmioState {
  status: number;
  deviceFeaturesSel: number;
  driverFeaturesSel: number;
  driverFeaturesLo: number;
  driverFeaturesHi: number;
  /** 1 if the driver set a bit above 63, which no device offers. */
  driverFeaturesBeyond: number;
  queueSel: number;
  interruptStatus: number;
  configGeneration: number;
  /** Why the device needs a reset, for diagnostics ("" when it does not). */
  error: string;
  /** Bit q set: queue q has work left for the next run-loop turn (see poll()). */
  deferred: number;
  queues: VirtqueueState[];
  device: object;
}

const GENERIC_FEATURES =
  featureBit(VIRTIO_F_VERSION_1) | featureBit(VIRTIO_F_INDIRECT_DESC) | featureBit(VIRTIO_F_EVENT_IDX);

export class VirtioMmio implements MmioDevice, VirtioHost {
  readonly name: string;
  readonly size = VIRTIO_MMIO_SIZE;
  readonly state: VirtioMmioState;
  /** Every feature this slot offers: the device's plus the transport's. */
  readonly offered: bigint;
  private readonly queues: Virtqueue[];
  /** What is left of this turn's host work; renewed by poll(). Not state: a turn is not machine state. */
  private readonly budget: WorkBudget = { bytes: TURN_BUDGET_BYTES };

  constructor(
    mem: GuestMemory,
    readonly device: VirtioDevice,
    /** The slot's interrupt line (the VM connects it to PLIC source 1 + slot). */
    private readonly irq: (level: boolean) => void,
  ) {
    this.name = device.name;
    this.offered = device.features | GENERIC_FEATURES;
    this.state = {
      status: 0,
      deviceFeaturesSel: 0,
      driverFeaturesSel: 0,
      driverFeaturesLo: 0,
      driverFeaturesHi: 0,
      driverFeaturesBeyond: 0,
      queueSel: 0,
      interruptStatus: 0,
      configGeneration: 0,
      error: "",
      deferred: 0,
      queues: device.queueSizes.map(() => newVirtqueueState()),
      device: device.state,
    };
    this.queues = device.queueSizes.map(
      (max, i) => new Virtqueue(mem, max, this.state.queues[i], (reason) => this.needsReset(`queue ${i}: ${reason}`)),
    );
    device.attach(this);
  }

  // ---- VirtioHost

  queue(index: number): Virtqueue {
    return this.queues[index];
  }

  get features(): bigint {
    return (BigInt(this.state.driverFeaturesHi >>> 0) << 32n) | BigInt(this.state.driverFeaturesLo >>> 0);
  }

  get running(): boolean {
    return (this.state.status & (STATUS.DRIVER_OK | STATUS.DEVICE_NEEDS_RESET)) === STATUS.DRIVER_OK;
  }

  usedBuffers(queue: number): void {
    const q = this.queues[queue];
    if (!this.running || !q || !q.needsInterrupt()) return;
    this.raise(INT_USED_BUFFER);
  }

  configChanged(): void {
    this.state.configGeneration = (this.state.configGeneration + 1) >>> 0;
    if (this.state.status & STATUS.DRIVER_OK) this.raise(INT_CONFIG_CHANGE);
  }

  needsReset(reason: string): void {
    const s = this.state;
    if (s.status & STATUS.DEVICE_NEEDS_RESET) return;
    s.status |= STATUS.DEVICE_NEEDS_RESET;
    s.error = reason;
    for (const q of this.queues) q.halt();
    if (s.status & STATUS.DRIVER_OK) this.raise(INT_CONFIG_CHANGE);
  }

  defer(queue: number): void {
    if (queue >= 0 && queue < this.queues.length) this.state.deferred |= 1 << queue;
  }

  /** Whether a queue has work left for the next turn (the run loop does not sleep then). */
  get hasDeferred(): boolean {
    return this.state.deferred !== 0;
  }

  /** One run-loop turn: a fresh allowance of host work, spent first on the deferred queues. */
  poll(): void {
    this.budget.bytes = TURN_BUDGET_BYTES;
    const deferred = this.state.deferred;
    if (deferred === 0) return;
    this.state.deferred = 0;
    for (let q = 0; q < this.queues.length; q++) if (deferred & (1 << q)) this.serve(q);
  }

  /** Lets the device work on queue q within what is left of the turn, deferring the rest. */
  private serve(q: number): void {
    if (!this.running || !this.queues[q].running) return;
    if (this.budget.bytes <= 0 || this.device.notify(q, this.budget) === true) this.defer(q);
  }

  /** Re-drives the interrupt line from the state (after a snapshot restore). */
  updateIrq(): void {
    this.irq(this.state.interruptStatus !== 0);
  }

  private raise(bits: number): void {
    this.state.interruptStatus |= bits;
    this.irq(true);
  }

  // ---- MMIO

  mmioRead(offset: number, size: number): number {
    if (offset >= MMIO.Config) return this.readConfig(offset - MMIO.Config, size);
    if (size !== 4 || offset & 3) return 0;
    const s = this.state;
    const q = this.queues[s.queueSel];
    const qs = q?.state;
    switch (offset) {
      case MMIO.MagicValue:
        return VIRTIO_MMIO_MAGIC;
      case MMIO.Version:
        return VIRTIO_MMIO_VERSION;
      case MMIO.DeviceID:
        return this.device.deviceId;
      case MMIO.VendorID:
        return VENDOR_ID;
      case MMIO.DeviceFeatures:
        return s.deviceFeaturesSel > 1 ? 0 : Number((this.offered >> BigInt(32 * s.deviceFeaturesSel)) & 0xffffffffn);
      case MMIO.QueueNumMax:
        return q ? q.maxSize : 0;
      case MMIO.QueueNum:
        return qs ? qs.size : 0;
      case MMIO.QueueReady:
        return qs ? qs.ready : 0;
      case MMIO.QueueDescLow:
        return qs ? qs.descLo : 0;
      case MMIO.QueueDescHigh:
        return qs ? qs.descHi : 0;
      case MMIO.QueueDriverLow:
        return qs ? qs.driverLo : 0;
      case MMIO.QueueDriverHigh:
        return qs ? qs.driverHi : 0;
      case MMIO.QueueDeviceLow:
        return qs ? qs.deviceLo : 0;
      case MMIO.QueueDeviceHigh:
        return qs ? qs.deviceHi : 0;
      case MMIO.InterruptStatus:
        return s.interruptStatus;
      case MMIO.Status:
        return s.status;
      case MMIO.SHMLenLow:
      case MMIO.SHMLenHigh:
      case MMIO.SHMBaseLow:
      case MMIO.SHMBaseHigh:
        return 0xffffffff; // no shared memory regions: length and base read as -1
      case MMIO.ConfigGeneration:
        return s.configGeneration;
      default:
        return 0;
    }
  }

  mmioWrite(offset: number, size: number, value: number): void {
    if (offset >= MMIO.Config) return this.writeConfig(offset - MMIO.Config, size, value);
    if (size !== 4 || offset & 3) return;
    const v = value >>> 0;
    const s = this.state;
    switch (offset) {
      case MMIO.DeviceFeaturesSel:
        s.deviceFeaturesSel = v;
        return;
      case MMIO.DriverFeaturesSel:
        s.driverFeaturesSel = v;
        return;
      case MMIO.DriverFeatures:
        if (s.status & STATUS.FEATURES_OK) return; // the features are fixed once accepted
        if (s.driverFeaturesSel === 0) s.driverFeaturesLo = v;
        else if (s.driverFeaturesSel === 1) s.driverFeaturesHi = v;
        else if (v !== 0) s.driverFeaturesBeyond = 1;
        return;
      case MMIO.QueueSel:
        s.queueSel = v;
        return;
      case MMIO.QueueNotify:
        if (v < this.queues.length) this.serve(v);
        return;
      case MMIO.InterruptACK:
        s.interruptStatus &= ~v;
        if (s.interruptStatus === 0) this.irq(false);
        return;
      case MMIO.Status:
        return this.writeStatus(v & 0xff);
      default:
        return this.writeQueue(offset, v);
    }
  }

  private writeQueue(offset: number, v: number): void {
    const s = this.state;
    const q = this.queues[s.queueSel];
    if (!q) return;
    const qs = q.state;
    if (offset === MMIO.QueueReady) {
      if (v === 0) {
        if (qs.ready) q.disable();
      } else if (!qs.ready && (s.status & (STATUS.FEATURES_OK | STATUS.DRIVER_OK)) === STATUS.FEATURES_OK) {
        const f = this.features;
        const why = q.enable(
          (f & featureBit(VIRTIO_F_EVENT_IDX)) !== 0n,
          (f & featureBit(VIRTIO_F_INDIRECT_DESC)) !== 0n,
        );
        if (why) this.needsReset(`queue ${s.queueSel}: ${why}`);
      }
      return;
    }
    if (qs.ready || s.status & STATUS.DRIVER_OK) return; // frozen
    switch (offset) {
      case MMIO.QueueNum:
        qs.size = v;
        return;
      case MMIO.QueueDescLow:
        qs.descLo = v;
        return;
      case MMIO.QueueDescHigh:
        qs.descHi = v;
        return;
      case MMIO.QueueDriverLow:
        qs.driverLo = v;
        return;
      case MMIO.QueueDriverHigh:
        qs.driverHi = v;
        return;
      case MMIO.QueueDeviceLow:
        qs.deviceLo = v;
        return;
      case MMIO.QueueDeviceHigh:
        qs.deviceHi = v;
        return;
    }
  }

  private writeStatus(v: number): void {
    const s = this.state;
    if (v === 0) return this.reset();
    // Bits only ever get set until the reset; DEVICE_NEEDS_RESET belongs to the device.
    let next = s.status | (v & ~STATUS.DEVICE_NEEDS_RESET);
    if (next & STATUS.FEATURES_OK && !(s.status & STATUS.FEATURES_OK) && !this.featuresAcceptable()) {
      next &= ~STATUS.FEATURES_OK;
    }
    // DRIVER_OK without accepted features is a legacy driver's sequence: not served.
    if (!(next & STATUS.FEATURES_OK)) next &= ~STATUS.DRIVER_OK;
    const starting = next & STATUS.DRIVER_OK && !(s.status & STATUS.DRIVER_OK);
    s.status = next;
    if (starting && this.running) {
      // Buffers made available before DRIVER_OK (and their notifications) were left alone.
      for (let q = 0; q < this.queues.length; q++) this.serve(q);
    }
  }

  private featuresAcceptable(): boolean {
    const s = this.state;
    const accepted = this.features;
    return s.driverFeaturesBeyond === 0 && (accepted & ~this.offered) === 0n;
  }

  /** Status = 0: the device and every queue back to their reset values. */
  private reset(): void {
    const s = this.state;
    s.status = 0;
    s.deviceFeaturesSel = 0;
    s.driverFeaturesSel = 0;
    s.driverFeaturesLo = 0;
    s.driverFeaturesHi = 0;
    s.driverFeaturesBeyond = 0;
    s.queueSel = 0;
    s.error = "";
    s.deferred = 0;
    for (const q of this.queues) q.reset();
    this.device.reset();
    if (s.interruptStatus !== 0) {
      s.interruptStatus = 0;
      this.irq(false);
    }
  }

  private readConfig(offset: number, size: number): number {
    const bytes = this.device.config();
    if (!(size === 1 || size === 2 || size === 4) || offset + size > bytes.length) return 0;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + bytes[offset + i];
    return v;
  }

  private writeConfig(offset: number, size: number, value: number): void {
    const bytes = this.device.config();
    if (!this.device.writeConfig || !(size === 1 || size === 2 || size === 4) || offset + size > bytes.length) return;
    const b = new Uint8Array(size);
    for (let i = 0; i < size; i++) b[i] = (value >>> (8 * i)) & 0xff;
    this.device.writeConfig(offset, b);
  }
}
