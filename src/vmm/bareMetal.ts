// Runs a bare-metal ELF on one hart in M-mode (the `paravm elf` command): RAM, CLINT, UART
// and syscon, and the riscv-tests `tohost` convention for the verdict.

import { Exit, Hart } from "../cpu/hart.js";
import { Clint } from "../devices/clint.js";
import { Syscon, type SysconEvent } from "../devices/syscon.js";
import { Uart16550 } from "../devices/uart16550.js";
import { MachineBus } from "../machine/bus.js";
import { loadElf, parseElf } from "../machine/elfLoader.js";
import { VmMemory } from "../machine/memory.js";
import { Timebase } from "../machine/timebase.js";
import { PLATFORM } from "../machine/platform.js";
import { type TrapLoop, TrapLoopWatch, trapsTaken } from "./trapLoop.js";

export type BareMetalResult =
  | { kind: "pass"; instructions: number }
  | { kind: "fail"; test: number; instructions: number }
  | { kind: "budget"; instructions: number }
  | { kind: "stuck"; instructions: number }
  | { kind: "trapLoop"; loop: TrapLoop; instructions: number }
  | { kind: "timeout"; instructions: number }
  | { kind: "reset"; instructions: number };

export interface BareMetalOptions {
  elf: Uint8Array;
  memoryBytes: number;
  /** The limit on instructions retired plus traps taken (a trap that retires nothing still counts). */
  maxInstructions: number;
  /** Host milliseconds after which a program still running is stopped. */
  timeoutMs?: number;
  output: (bytes: Uint8Array) => void;
  /** Called once the program has ended, with guest RAM and the ELF's symbols (tests read results there). */
  inspect?: (ram: Uint8Array, ramBase: number, symbols: Map<string, number>) => void;
}

const SLICE = 20_000;

export function runBareMetal(opts: BareMetalOptions): BareMetalResult {
  let memory: VmMemory | null = null;
  let syms = new Map<string, number>();
  try {
    return runLoop(opts, (m, s) => ((memory = m), (syms = s)));
  } finally {
    const m = memory as VmMemory | null;
    if (m && opts.inspect) opts.inspect(m.ram(), m.ramBase, syms);
  }
}

function runLoop(opts: BareMetalOptions, made: (mem: VmMemory, symbols: Map<string, number>) => void): BareMetalResult {
  const image = parseElf(opts.elf);
  const mem = new VmMemory(PLATFORM.ram.base, opts.memoryBytes);
  loadElf(opts.elf, image, mem);
  made(mem, image.symbols);
  const bus = new MachineBus(mem);
  const timebase = new Timebase();
  const hart = new Hart(mem.memory, mem.hartStateOffset(0), bus, { hartId: 0, time: () => timebase.now() });
  hart.hart.pc = image.entry;
  let pending: number[] = [];
  const flush = () => {
    if (pending.length) opts.output(Uint8Array.from(pending));
    pending = [];
  };
  let event: SysconEvent | null = null;
  bus.map(
    PLATFORM.syscon.base,
    PLATFORM.syscon.size,
    new Syscon((e) => {
      event = e;
      hart.requestExit();
    }),
  );
  const clint = new Clint([hart], () => timebase.now());
  bus.map(PLATFORM.clint.base, PLATFORM.clint.size, clint);
  bus.map(PLATFORM.uart.base, PLATFORM.uart.size, new Uart16550((b) => pending.push(b)));

  const tohost = image.symbols.get("tohost");
  const fromhost = image.symbols.get("fromhost");
  const view = new DataView(mem.buffer);
  const ramAt = (paddr: number | undefined) =>
    paddr !== undefined && mem.inRam(paddr, 8) ? mem.ramOffset + paddr - mem.ramBase : -1;
  const tohostAt = ramAt(tohost);
  const fromhostAt = ramAt(fromhost);
  const count = () => hart.retired();
  /** What the limit counts: instructions and the traps between them, which retire nothing. */
  const steps = () => count() + trapsTaken(hart);
  const watch = new TrapLoopWatch(hart, 0);
  const deadline = performance.now() + (opts.timeoutMs ?? Infinity);

  for (;;) {
    clint.update();
    const exit = hart.run(Math.min(SLICE, opts.maxInstructions - steps() + 1));
    flush();
    const ev = event as SysconEvent | null;
    if (ev) {
      if (ev.kind === "poweroff") return { kind: "pass", instructions: count() };
      if (ev.kind === "fail") return { kind: "fail", test: ev.code, instructions: count() };
      return { kind: "reset", instructions: count() };
    }
    if (tohostAt >= 0) {
      const v = view.getBigUint64(tohostAt, true);
      if (v !== 0n) {
        if (v & 1n) {
          const test = Number(v >> 1n);
          return test === 0 ? { kind: "pass", instructions: count() } : { kind: "fail", test, instructions: count() };
        }
        // HTIF console: device 1, command 1 prints the low byte.
        if (v >> 56n === 1n && ((v >> 48n) & 0xffn) === 1n) opts.output(Uint8Array.of(Number(v & 0xffn)));
        view.setBigUint64(tohostAt, 0n, true);
        if (fromhostAt >= 0) view.setBigUint64(fromhostAt, ((v >> 48n) << 48n) | 1n, true);
      }
    }
    if (steps() > opts.maxInstructions) return { kind: "budget", instructions: count() };
    const loop = exit === Exit.Budget ? watch.check() : null;
    if (loop) return { kind: "trapLoop", loop, instructions: count() };
    if (performance.now() > deadline) return { kind: "timeout", instructions: count() };
    if (exit === Exit.Wfi) {
      const timer = clint.update();
      if (timer === 0xffffffffffffffffn) return { kind: "stuck", instructions: count() };
      const waitTicks = Number(timer - timebase.now());
      if (waitTicks > 0) sleepMs(Math.min(10, waitTicks / 10_000));
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
