import { test } from "node:test";
import assert from "node:assert/strict";
import { Hart } from "../../src/cpu/hart.js";
import * as S from "../../src/cpu/hartState.js";
import { MachineBus } from "../../src/machine/bus.js";
import { VmMemory } from "../../src/machine/memory.js";
import { Sbi } from "../../src/hypervisor/sbi.js";
import { HsmState, type SbiHost } from "../../src/hypervisor/sbiTypes.js";
import { ExitStats } from "../../src/util/exitStats.js";

const RAM = 0x8000_0000;

function machine(harts = 2) {
  const mem = new VmMemory(RAM, 1 << 20);
  const bus = new MachineBus(mem);
  const hs = Array.from(
    { length: harts },
    (_, h) => new Hart(mem.memory, mem.hartStateOffset(h), bus, { hartId: h, sbiExits: true, time: () => 0n }),
  );
  const out: number[] = [];
  const log: string[] = [];
  const hsm = new Array(harts).fill(HsmState.Stopped);
  hsm[0] = HsmState.Started;
  const sink = { full: false };
  const host: SbiHost = {
    harts: hs,
    hsmState: (h) => hsm[h],
    startHart: (h, addr, opaque) => {
      hsm[h] = HsmState.Started;
      log.push(`start ${h} ${addr.toString(16)} ${opaque}`);
    },
    stopHart: (h) => (hsm[h] = HsmState.Stopped),
    suspendHart: (h) => log.push(`suspend ${h}`),
    setTimer: (h, t) => log.push(`timer ${h} ${t}`),
    consoleWrite: (b) => b.forEach((v) => out.push(v)),
    consoleFull: () => sink.full,
    consoleRead: (max) => Uint8Array.from([0x41, 0x42]).subarray(0, max),
    reset: (type, reason) => log.push(`reset ${type} ${reason}`),
    ram: (addr, len) =>
      Number.isSafeInteger(addr) && mem.inRam(addr, len)
        ? new Uint8Array(mem.buffer, mem.ramOffset + addr - RAM, len)
        : null,
  };
  const stats = new ExitStats();
  const sbi = new Sbi(host, stats);
  const call = (eid: number, fid: number, ...args: bigint[]) => {
    const x = hs[0].hart.x;
    x[17] = BigInt(eid);
    x[16] = BigInt(fid);
    args.forEach((v, i) => (x[10 + i] = v));
    hs[0].hart.pc = RAM;
    sbi.call(0);
    assert.equal(hs[0].hart.pc, RAM + 4, "the ecall is stepped over");
    return { error: Number(x[10]), value: x[11] };
  };
  return { mem, hs, out, log, call, stats, hsm, sink };
}

test("BASE reports spec 3.0, paravm's implementation ID, and probes", () => {
  const { call } = machine();
  assert.deepEqual(call(0x10, 0), { error: 0, value: 0x03000000n });
  assert.deepEqual(call(0x10, 1), { error: 0, value: 0x7061n });
  assert.equal(call(0x10, 3, 0x54494d45n).value, 1n, "TIME is there");
  assert.equal(call(0x10, 3, 0x504d55n).value, 0n, "PMU is not");
});

test("unknown extensions and functions answer not supported", () => {
  const { call } = machine();
  assert.equal(call(0x12345678, 0).error, -2);
  assert.equal(call(0x10, 99).error, -2);
  assert.equal(call(0x54494d45, 1).error, -2);
});

test("TIME and legacy set_timer program the caller's timer", () => {
  const { call, log } = machine();
  call(0x54494d45, 0, 12345n);
  call(0, 0, 99n);
  assert.deepEqual(log, ["timer 0 12345", "timer 0 99"]);
});

test("IPI sets SSIP on the selected harts and refuses harts that do not exist", () => {
  const { call, hs } = machine(2);
  assert.equal(call(0x735049, 0, 0b10n, 0n).error, 0);
  assert.equal(hs[1].hart.i32[S.MIP_SW] & 2, 2);
  assert.equal(hs[0].hart.i32[S.MIP_SW] & 2, 0);
  assert.equal(call(0x735049, 0, 0b100n, 0n).error, -3, "hart 2 does not exist");
  assert.equal(call(0x735049, 0, 1n, 5n).error, -3, "base past the last hart");
  assert.equal(call(0x735049, 0, 0n, -1n).error, 0, "base -1 means all");
});

test("HSM starts a stopped hart, refuses bad harts, addresses and double starts", () => {
  const { call, log } = machine(2);
  assert.equal(call(0x48534d, 2, 1n).value, BigInt(HsmState.Stopped));
  assert.equal(call(0x48534d, 0, 1n, BigInt(RAM + 0x1000), 7n).error, 0);
  assert.deepEqual(log, [`start 1 ${(RAM + 0x1000).toString(16)} 7`]);
  assert.equal(call(0x48534d, 0, 1n, BigInt(RAM), 0n).error, -6, "already started");
  assert.equal(call(0x48534d, 0, 9n, BigInt(RAM), 0n).error, -3, "no such hart");
  assert.equal(call(0x48534d, 0, 0n, 0x1000n, 0n).error, -5, "start address outside RAM");
  assert.equal(call(0x48534d, 0, 0n, -1n, 0n).error, -5, "start address beyond any RAM");
  assert.equal(call(0x48534d, 2, -1n).error, -3);
});

test("DBCN writes guest memory to the console and checks the buffer", () => {
  const { call, out, mem } = machine();
  new Uint8Array(mem.buffer, mem.ramOffset + 0x100, 5).set([104, 101, 108, 108, 111]);
  assert.deepEqual(call(0x4442434e, 0, 5n, BigInt(RAM + 0x100), 0n), { error: 0, value: 5n });
  assert.equal(String.fromCharCode(...out), "hello");
  assert.equal(call(0x4442434e, 0, 5n, 0x1000n, 0n).error, -3, "not RAM");
  assert.equal(call(0x4442434e, 0, 5n, BigInt(RAM), 1n).error, -3, "above 2^64");
  assert.equal(call(0x4442434e, 0, 1n << 40n, BigInt(RAM), 0n).error, -3, "longer than RAM");
  assert.equal(call(0x4442434e, 0, 16n, BigInt(RAM + (1 << 20) - 8), 0n).error, -3, "runs off the end of RAM");
  assert.deepEqual(
    call(0x4442434e, 1, 4n, BigInt(RAM + 0x200), 0n),
    { error: 0, value: 2n },
    "read takes what is waiting",
  );
  assert.deepEqual([...new Uint8Array(mem.buffer, mem.ramOffset + 0x200, 2)], [0x41, 0x42]);
  call(0x4442434e, 2, 0x21n);
  assert.equal(out.at(-1), 0x21);
});

test("DBCN console_write takes nothing while the host side is full, and a bounded share per call", () => {
  const { call, out, sink } = machine();
  sink.full = true;
  assert.deepEqual(call(0x4442434e, 0, 5n, BigInt(RAM + 0x100), 0n), { error: 0, value: 0n }, "no write while full");
  assert.equal(out.length, 0);
  sink.full = false;
  const n = 1 << 19; // the whole of RAM after the first half: one call moves at most 64 KiB of it
  assert.deepEqual(call(0x4442434e, 0, BigInt(n), BigInt(RAM + n), 0n), { error: 0, value: 65536n });
  assert.equal(out.length, 65536);
});

test("SRST validates its arguments", () => {
  const { call, log } = machine();
  assert.equal(call(0x53525354, 0, 3n, 0n).error, -3);
  assert.equal(call(0x53525354, 0, 0n, 2n).error, -3);
  assert.equal(call(0x53525354, 0, 0n, 1n).error, 0);
  assert.deepEqual(log, ["reset 0 1"]);
});

test("legacy calls: putchar, getchar, and a send_ipi mask pointer that is not mapped", () => {
  const { call, out } = machine();
  call(1, 0, 0x5an);
  assert.equal(out.at(-1), 0x5a);
  assert.equal(call(2, 0).error, 0x41, "getchar returns the byte in a0");
  assert.equal(call(4, 0, 0x10n).error, -5, "a pointer outside RAM");
});

test("STA checks alignment and address", () => {
  const { call } = machine();
  assert.equal(call(0x535441, 0, BigInt(RAM + 8), 0n, 0n).error, -3, "not 64-byte aligned");
  assert.equal(call(0x535441, 0, 0x1000n, 0n, 0n).error, -5, "not RAM");
  assert.equal(call(0x535441, 0, BigInt(RAM + 64), 0n, 1n).error, -3, "unknown flags");
  assert.equal(call(0x535441, 0, BigInt(RAM + 64), 0n, 0n).error, 0);
  assert.equal(call(0x535441, 0, -1n, -1n, 0n).error, 0, "disable");
});

test("every call is counted as an exit", () => {
  const { call, stats } = machine();
  call(1, 0, 0x41n);
  call(1, 0, 0x42n);
  call(0x10, 0);
  const e = stats.entries();
  assert.equal(e.find((r) => r.cause === "sbi legacy putchar")?.count, 2);
  assert.equal(e.find((r) => r.cause === "sbi BASE 0")?.count, 1);
});
