// One VM: assembles the machine for a mode (pv or full), loads the guest, runs the harts
// round-robin on this thread, serves their exits, and says how the guest ended.

import { Exit, Hart } from "../cpu/hart.js";
import * as S from "../cpu/hartState.js";
import { Clint } from "../devices/clint.js";
import { GoldfishRtc } from "../devices/goldfishRtc.js";
import { Plic, plicContextLayout } from "../devices/plic.js";
import { Syscon } from "../devices/syscon.js";
import { Uart16550 } from "../devices/uart16550.js";
import { VirtioEmptySlot } from "../devices/virtioEmptySlot.js";
import type { BlockBackend } from "../virtio/blk/backend.js";
import { VirtioBlk } from "../virtio/blk/device.js";
import { VirtioP9 } from "../virtio/9p/device.js";
import type { Share } from "../virtio/9p/share.js";
import { VirtioConsole } from "../virtio/console.js";
import { VIRTIO_MMIO_SIZE, VirtioMmio } from "../virtio/mmioTransport.js";
import type { NetBackend } from "../virtio/net/backend.js";
import { VirtioNet } from "../virtio/net/device.js";
import { VirtioRng } from "../virtio/rng.js";
import type { VsockBackend } from "../virtio/vsock/backend.js";
import { VirtioVsock } from "../virtio/vsock/device.js";
import type { VirtioDevice } from "../virtio/virtioDevice.js";
import { Sbi } from "../hypervisor/sbi.js";
import { HsmState, type SbiHost } from "../hypervisor/sbiTypes.js";
import { MachineBus } from "../machine/bus.js";
import { buildDeviceTree } from "../machine/deviceTree.js";
import { checkDeviceTree } from "../machine/fdtCheck.js";
import { withChosen } from "../machine/fdtChosen.js";
import { elfExtent, isElf, loadElf, parseElf } from "../machine/elfLoader.js";
import { parseKernel } from "../machine/kernelFile.js";
import { VmMemory } from "../machine/memory.js";
import { PLATFORM } from "../machine/platform.js";
import { TIMEBASE_HZ, Timebase } from "../machine/timebase.js";
import { ExitStats } from "../util/exitStats.js";
import { LayoutError, planBoot } from "./bootLayout.js";
import { InputQueue } from "./inputQueue.js";
import { TRAP_CAUSES, type TrapLoop, TrapLoopWatch } from "./trapLoop.js";
import { HART_ISA } from "./isa.js";

export type GuestMode = "pv" | "full";

/** The consoles a guest can write to; host input goes to the one it wrote to last. */
type ConsoleDevice = "uart" | "virtio" | "sbi";

export interface VmConfig {
  mode: GuestMode;
  memoryBytes: number;
  cpus: number;
  /** A Linux Image (decompressed) or an S-mode ELF (machine/kernelFile.ts). */
  kernel?: Uint8Array;
  initrd?: Uint8Array;
  append: string;
  /** Full mode: the M-mode firmware (ELF or raw binary loaded at the start of RAM). */
  firmware?: Uint8Array;
  /** A device tree to use instead of the generated one. */
  dtb?: Uint8Array;
  output: (bytes: Uint8Array) => void;
  /**
   * Whether the host side of the console is full (stdout's `writableNeedDrain`): the virtio
   * console and DBCN take no guest output until it drains (then call `outputDrained()`).
   */
  outputFull?: () => boolean;
  /** Block devices (--disk), in order: /dev/vda, /dev/vdb … */
  disks?: BlockBackend[];
  /** Shared folders (--share), as virtio-9p devices. */
  shares?: Share[];
  /** Network cards (--net), in order: eth0, eth1 … */
  nets?: { backend: NetBackend; mac?: Uint8Array }[];
  /** A virtio-vsock device (--vsock): the guest's CID and where host connections go. */
  vsock?: { cid: number; backend: VsockBackend };
}

/** How a run ended. */
export type VmEnd =
  | { kind: "poweroff" }
  | { kind: "failure"; code: number }
  | { kind: "reboot" }
  | { kind: "stopped" }
  /** A hart traps again and again and retires nothing (trapLoop.ts): it can never go on. */
  | { kind: "trapLoop"; loop: TrapLoop };

const SLICE = 20_000;
const BATCH_MS = 20;
const NEVER = 0xffffffffffffffffn;
/**
 * Console bytes written while the host side is full (UART, SBI byte writes: they cannot wait
 * by themselves) before the harts stop until it drains, as a vCPU blocks on a full chardev.
 */
const HELD_OUTPUT_BYTES = 4096;

export class Vm implements SbiHost {
  readonly mem: VmMemory;
  readonly bus: MachineBus;
  readonly harts: Hart[] = [];
  private readonly trapWatches: TrapLoopWatch[];
  readonly stats = new ExitStats();
  readonly input = new InputQueue();
  private readonly timebase = new Timebase();
  private readonly sbi: Sbi;
  private readonly uart: Uart16550;
  private readonly plic: Plic;
  private readonly rtc: GoldfishRtc;
  private readonly clint: Clint | null = null;
  private readonly console: VirtioConsole;
  private readonly shares: VirtioP9[];
  private readonly nets: VirtioNet[];
  private readonly vsock: VirtioVsock | null;
  /** The virtio-mmio slots in use, polled every round for their deferred work. */
  private readonly transports: VirtioMmio[] = [];
  /**
   * Where input goes: the console the guest last wrote to (its /dev/console, after boot). Not
   * the virtio console before the guest wrote to it: Linux drops input that reaches the port
   * before its console is set up.
   */
  private activeConsole: ConsoleDevice | null;
  /** Per hart: HSM state (plain data, for snapshots); the SBI timer is the hart's stimecmp. */
  readonly state: { hsm: Int32Array };
  private end: VmEnd | null = null;
  /** Console bytes written since the host side became full. */
  private heldOutput = 0;
  private wake: (() => void) | null = null;

  constructor(readonly config: VmConfig) {
    const pv = config.mode === "pv";
    this.mem = new VmMemory(PLATFORM.ram.base, config.memoryBytes);
    this.bus = new MachineBus(this.mem, this.stats);
    this.state = { hsm: new Int32Array(config.cpus) };
    for (let h = 0; h < config.cpus; h++) {
      this.harts.push(
        new Hart(this.mem.memory, this.mem.hartStateOffset(h), this.bus, {
          hartId: h,
          sbiExits: pv,
          time: () => this.timebase.now(),
        }),
      );
    }
    this.trapWatches = this.harts.map((hart, h) => new TrapLoopWatch(hart, h));
    this.sbi = new Sbi(this, this.stats);
    // PLIC contexts in the order the device tree lists them (M and S per hart in full mode, S only in pv).
    const contexts = plicContextLayout(config.mode, config.cpus);
    this.plic = new Plic(contexts.length, (ctx, level) =>
      this.harts[contexts[ctx].hart].setInterruptLine(contexts[ctx].irq, level),
    );
    this.activeConsole = pv ? null : "uart";
    this.uart = new Uart16550(
      (b) => this.emit(Uint8Array.of(b), "uart"),
      (level) => this.plic.setIrq(PLATFORM.uart.irq, level),
      () => this.consoleFull(),
    );
    this.rtc = new GoldfishRtc(
      () => BigInt(Date.now()) * 1_000_000n,
      (level) => this.plic.setIrq(PLATFORM.rtc.irq, level),
    );
    this.bus.map(
      PLATFORM.syscon.base,
      PLATFORM.syscon.size,
      new Syscon((e) => this.syscon(e.kind, e.kind === "fail" ? e.code : 0)),
    );
    this.bus.map(PLATFORM.rtc.base, PLATFORM.rtc.size, this.rtc);
    this.bus.map(PLATFORM.plic.base, this.plic.size, this.plic);
    this.bus.map(PLATFORM.uart.base, PLATFORM.uart.size, this.uart);
    this.console = new VirtioConsole(
      (bytes) => this.emit(bytes, "virtio"),
      undefined,
      () => this.consoleFull(),
    );
    this.shares = (config.shares ?? []).map((s) => new VirtioP9(s.backend, s.tag));
    this.nets = (config.nets ?? []).map((n) => new VirtioNet(n.backend, { mac: n.mac }));
    this.vsock = config.vsock ? new VirtioVsock(config.vsock.cid, config.vsock.backend) : null;
    this.mapVirtio([
      ...(config.disks ?? []).map((d) => new VirtioBlk(d)),
      ...this.nets,
      ...this.shares,
      ...(this.vsock ? [this.vsock] : []),
      this.console,
      new VirtioRng(),
    ]);
    if (!pv) {
      this.clint = new Clint(this.harts, () => this.timebase.now());
      this.bus.map(PLATFORM.clint.base, PLATFORM.clint.size, this.clint);
    }
    this.load();
  }

  /** Puts the devices in the virtio-mmio slots in order; the rest answer "no device". */
  private mapVirtio(devices: VirtioDevice[]): void {
    if (devices.length > PLATFORM.virtio.slots) throw new Error(`at most ${PLATFORM.virtio.slots} virtio devices fit`);
    for (let i = 0; i < PLATFORM.virtio.slots; i++) {
      const base = PLATFORM.virtio.base + i * PLATFORM.virtio.stride;
      const irq = PLATFORM.virtio.firstIrq + i;
      if (i >= devices.length) {
        this.bus.map(base, PLATFORM.virtio.stride, new VirtioEmptySlot());
        continue;
      }
      const transport = new VirtioMmio(this, devices[i], (level) => {
        this.plic.setIrq(irq, level);
        if (level) this.wake?.(); // a completion from host I/O ends an idle sleep
      });
      this.bus.map(base, VIRTIO_MMIO_SIZE, transport);
      this.transports.push(transport);
    }
  }

  private load(): void {
    const cfg = this.config;
    const pv = cfg.mode === "pv";
    const kernel = cfg.kernel ? parseKernel(cfg.kernel, this.mem) : null;
    const dtbSize = 64 * 1024;
    const layout = planBoot(
      this.mem.ramBase,
      this.mem.ramSize,
      kernel ? kernel.start - this.mem.ramBase : 0x200000,
      kernel ? kernel.end - kernel.start : 0,
      cfg.initrd?.length ?? 0,
      dtbSize,
    );
    const ram = this.mem.ram();
    const at = (paddr: number) => paddr - this.mem.ramBase;
    kernel?.load(this.mem);
    if (cfg.initrd && layout.initrd) ram.set(cfg.initrd, at(layout.initrd.start));
    if (cfg.dtb) checkDeviceTree(cfg.dtb, { maxBytes: dtbSize, ramBase: this.mem.ramBase, ramSize: this.mem.ramSize });
    const dtb = cfg.dtb
      ? withChosen(cfg.dtb, { bootargs: cfg.append, initrd: layout.initrd ?? undefined })
      : buildDeviceTree({
          mode: cfg.mode,
          harts: cfg.cpus,
          ramBase: this.mem.ramBase,
          ramSize: this.mem.ramSize,
          bootargs: cfg.append,
          initrd: layout.initrd ?? undefined,
          isa: HART_ISA,
          timebaseHz: TIMEBASE_HZ,
          virtioSlots: PLATFORM.virtio.slots,
          stdout: pv ? "hvc" : "uart",
        });
    if (dtb.length > dtbSize) throw new LayoutError(`the device tree (${dtb.length} bytes) is larger than ${dtbSize}`);
    ram.set(dtb, at(layout.dtb));
    if (pv) {
      if (!kernel) throw new Error("pv mode needs a kernel");
      this.enterSupervisor(0, kernel.entry, BigInt(layout.dtb));
      this.state.hsm.fill(HsmState.Stopped);
      this.state.hsm[0] = HsmState.Started;
      return;
    }
    // Full mode: every hart starts in M-mode at the firmware, as on real hardware.
    if (!cfg.firmware) throw new Error("full mode needs a firmware");
    let entry = this.mem.ramBase;
    if (isElf(cfg.firmware)) {
      const image = parseElf(cfg.firmware);
      const extent = elfExtent(image);
      if (kernel && extent && extent.start < kernel.end && kernel.start < extent.end)
        throw new LayoutError("the firmware overlaps the kernel");
      loadElf(cfg.firmware, image, this.mem);
      entry = image.entry;
    } else {
      if (kernel && cfg.firmware.length > kernel.start - this.mem.ramBase)
        throw new LayoutError("the firmware overlaps the kernel");
      if (cfg.firmware.length > layout.fwInfo - this.mem.ramBase)
        throw new LayoutError(
          `the firmware (${cfg.firmware.length} bytes) does not fit in ${this.mem.ramSize} bytes of RAM`,
        );
      ram.set(cfg.firmware, 0);
    }
    // struct fw_dynamic_info { magic, version, next_addr, next_mode, options, boot_hart }
    const info = new DataView(this.mem.buffer, this.mem.ramOffset + at(layout.fwInfo), 48);
    info.setBigUint64(0, 0x4942534fn, true);
    info.setBigUint64(8, 2n, true);
    info.setBigUint64(16, BigInt(kernel ? kernel.entry : layout.kernel), true);
    info.setBigUint64(24, 1n, true); // next_mode: S
    info.setBigUint64(32, 0n, true);
    info.setBigUint64(40, 0xffffffffffffffffn, true); // boot_hart: any (lottery)
    this.harts.forEach((hart, h) => {
      hart.hart.pc = entry;
      hart.hart.x[10] = BigInt(h);
      hart.hart.x[11] = BigInt(layout.dtb);
      hart.hart.x[12] = BigInt(layout.fwInfo);
    });
    this.state.hsm.fill(HsmState.Started);
  }

  /** pv mode: a hart enters the kernel in S-mode, as an SBI implementation leaves it. */
  private enterSupervisor(h: number, pc: number, a1: bigint): void {
    const hart = this.harts[h];
    const st = hart.hart;
    hart.reset(h, pc);
    st.i32[S.PRIV] = S.PRIV_S;
    // Everything S can handle goes to S: there is no M-mode software in pv mode.
    st.i32[S.MEDELEG] = 0xb1ff;
    st.i32[S.MIDELEG] = (1 << 1) | (1 << 5) | (1 << 9);
    st.i32[S.MIE] = (1 << 1) | (1 << 5) | (1 << 9);
    st.i32[S.MCOUNTEREN] = -1;
    // As OpenSBI leaves it: user mode may read cycle, time and instret (busybox's udhcpc and
    // ping read time; a kernel without perf events never sets scounteren itself).
    st.i32[S.SCOUNTEREN] = 7;
    st.s64[S.MENVCFG] = 1n << 63n; // Sstc on: the kernel programs stimecmp itself, without an SBI exit
    st.x[10] = BigInt(h);
    st.x[11] = a1;
    hart.mmu.contextChanged();
  }

  // ---- SbiHost

  hsmState(h: number): HsmState {
    return this.state.hsm[h];
  }

  startHart(h: number, addr: number, opaque: bigint): void {
    this.enterSupervisor(h, addr, opaque);
    this.state.hsm[h] = HsmState.Started;
  }

  stopHart(h: number): void {
    this.state.hsm[h] = HsmState.Stopped;
    this.harts[h].requestExit();
  }

  suspendHart(h: number): void {
    this.harts[h].hart.i32[S.WFI] = 1;
    this.harts[h].requestExit();
  }

  /**
   * The SBI timer is stimecmp, as OpenSBI makes it on a hart with Sstc: pv harts run with
   * menvcfg.STCE set, so STIP follows stimecmp alone, and a deadline kept anywhere else would
   * be overruled (its interrupt cleared) at the next re-evaluation.
   */
  setTimer(h: number, deadline: bigint): void {
    const hart = this.harts[h];
    hart.hart.s64[S.STIMECMP] = BigInt.asIntN(64, deadline);
    hart.sstcDeadline();
  }

  consoleWrite(bytes: Uint8Array): void {
    this.emit(bytes, "sbi");
  }

  /** Guest output to the host; counted while the host side is full (see outputStalled). */
  private emit(bytes: Uint8Array, from: ConsoleDevice): void {
    this.activeConsole = from;
    if (this.consoleFull()) this.heldOutput += bytes.length;
    this.config.output(bytes);
  }

  /**
   * The host side is full and the guest wrote on regardless (a UART driver that does not look
   * at LSR, SBI putchar, which has no way to say "later"): the harts wait until stdout drains,
   * so that host memory does not fill with output nobody reads. Nothing is lost.
   */
  private outputStalled(): boolean {
    if (this.heldOutput === 0) return false;
    if (!this.consoleFull()) this.heldOutput = 0;
    return this.heldOutput > HELD_OUTPUT_BYTES;
  }

  consoleFull(): boolean {
    return this.config.outputFull?.() ?? false;
  }

  consoleRead(max: number): Uint8Array {
    this.activeConsole = "sbi"; // a guest that polls the SBI console gets what is typed
    return this.input.take(max);
  }

  reset(type: number, reason: number): void {
    this.finish(type === 0 ? (reason === 0 ? { kind: "poweroff" } : { kind: "failure", code: 1 }) : { kind: "reboot" });
  }

  ram(addr: number, length: number): Uint8Array | null {
    if (!Number.isSafeInteger(addr) || !this.mem.inRam(addr, length)) return null;
    return new Uint8Array(this.mem.buffer, this.mem.ramOffset + addr - this.mem.ramBase, length);
  }

  // ---- running

  private syscon(kind: string, code: number): void {
    this.finish(
      kind === "poweroff"
        ? { kind: "poweroff" }
        : kind === "fail"
          ? { kind: "failure", code: code || 1 }
          : { kind: "reboot" },
    );
  }

  private finish(end: VmEnd): void {
    if (!this.end) this.end = end;
    for (const h of this.harts) h.requestExit();
  }

  /** Ends the run from outside (Ctrl-A x, --timeout). */
  stop(): void {
    this.finish({ kind: "stopped" });
    this.wake?.();
  }

  /** The host side of the console drained: held-back output goes on, an idle sleep ends. */
  outputDrained(): void {
    this.wake?.();
  }

  /** Console input from the host. */
  pushInput(bytes: Uint8Array): void {
    this.input.push(bytes);
    this.wake?.();
  }

  /** Exits and the traps the guest's own M-mode handled, for --stats. */
  formatStats(): string {
    const traps = new ExitStats();
    const causes = TRAP_CAUSES;
    const irqs = [
      "irq 0",
      "SSI",
      "irq 2",
      "MSI",
      "irq 4",
      "STI",
      "irq 6",
      "MTI",
      "irq 8",
      "SEI",
      "irq 10",
      "MEI",
      "irq 12",
      "irq 13",
      "irq 14",
      "irq 15",
    ];
    for (const hart of this.harts) {
      hart.trapCounts.forEach((n, i) => {
        if (!n) return;
        const target = i >= 32 ? "S" : "M";
        const name = i & 16 ? `interrupt ${irqs[i & 15]}` : causes[i & 15];
        traps.add(`trap to ${target}: ${name}`, 0, n);
      });
    }
    // Devices that count what they dropped or refused (network cards, vsock), each with its backend.
    const counters = [...this.nets, ...(this.vsock ? [this.vsock] : [])].map((d) =>
      Object.entries({ ...d.stats(), ...d.backend.stats?.() })
        .map(([k, v]) => `\n${k.padEnd(40)} ${v}`)
        .join(""),
    );
    return `${this.stats.format()}\n\n${traps.format("guest trap (no exit)")}${counters.map((c) => `\n${c}`).join("")}`;
  }

  /** After the run: closes what the devices hold open on the host (9p's files, vsock's connections). */
  async close(): Promise<void> {
    for (const s of this.shares) await s.close();
    this.vsock?.close();
  }

  instructions(): number {
    return this.harts.reduce((n, h) => n + h.retired(), 0);
  }

  async run(): Promise<VmEnd> {
    while (!this.end) {
      const started = performance.now();
      let idle = false;
      while (!this.end && performance.now() - started < BATCH_MS) {
        idle = this.round();
        if (idle) break;
      }
      if (this.end) break;
      if (idle) await this.sleep();
      else await new Promise((r) => setImmediate(r));
    }
    return this.end ?? { kind: "stopped" };
  }

  /** Runs every started hart for one slice; true when all of them wait. */
  private round(): boolean {
    this.updateDevices();
    if (this.outputStalled()) return true;
    let idle = true;
    for (let h = 0; h < this.harts.length; h++) {
      if (this.state.hsm[h] !== HsmState.Started || this.end) continue;
      const hart = this.harts[h];
      const exit = hart.run(SLICE);
      if (exit === Exit.SbiCall) this.sbi.call(h);
      const loop = exit === Exit.Budget ? this.trapWatches[h].check() : null;
      if (loop) this.finish({ kind: "trapLoop", loop });
      if (exit === Exit.Wfi) this.stats.add("wfi");
      else idle = false;
    }
    return idle;
  }

  private updateDevices(): void {
    for (const hart of this.harts) hart.sstcDeadline();
    this.clint?.update();
    this.rtc.update();
    this.routeInput();
    this.console.resumeOutput();
    this.uart.hostDrained();
    for (const t of this.transports) t.poll();
  }

  /**
   * Host input goes to the console the guest wrote to last. The UART's waits until the driver
   * enables receive interrupts: bytes sent before that would be flushed by the driver's
   * start-up, and a script's commands lost. The SBI console (getchar, DBCN read) takes input
   * when the guest asks for it.
   */
  private routeInput(): void {
    if (this.input.size === 0) return;
    if (this.activeConsole === "virtio") {
      if (this.console.driverReady) this.console.input(this.input.take(this.input.size));
    } else if (this.activeConsole === "uart") {
      if (this.uart.state.ier & 1) this.input.offer((b) => this.uart.receive(b));
    }
  }

  /** Sleeps until the next timer deadline or console input. */
  private async sleep(): Promise<void> {
    const now = this.timebase.now();
    let next = NEVER;
    for (const hart of this.harts) {
      const t = hart.sstcDeadline();
      if (t !== null && t < next) next = t;
    }
    if (this.clint) {
      const c = this.clint.update();
      if (c < next) next = c;
    }
    const stalled = this.outputStalled();
    // Device work left over from the last round: the next round does it, once the event loop ran.
    if (!stalled && this.transports.some((t) => t.hasDeferred)) return new Promise((r) => setImmediate(r));
    if (!stalled && this.input.size > 0) {
      if (this.activeConsole === "sbi") return; // the guest polls for it
      // Input the UART can take now is work, not a reason to wait: the next round hands it over
      // (a guest that drained the receive FIFO and went to wfi would otherwise get the rest only
      // at its next timer deadline, or after 100 ms, every 16 bytes).
      if (this.activeConsole === "uart" && this.uart.state.ier & 1 && this.uart.rxSpace() > 0) return;
    }
    const ms = next === NEVER || stalled ? 100 : Math.max(0, Math.min(100, Number(next - now) / (TIMEBASE_HZ / 1000)));
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
    this.stats.add("idle sleep", Number(process.hrtime.bigint() - t0));
  }
}
