// Campaign "sbi": an ecall with random EID, FID and hostile arguments from U, S or M mode on a
// random hart of a pv-mode Vm, through the real Hart and the real SBI dispatcher with the Vm
// as its host. From S the call must exit to the hypervisor and come back with a0 an SBI error
// code and pc past the ecall; from U it must trap to the guest's S-mode (ecall from U, as pv
// mode delegates it); from M to M. Guest-memory views are checked and counted, as are the
// bytes the SBI console writes: the work of one call is bounded.

import { Exit } from "../src/cpu/hart.js";
import * as S from "../src/cpu/hartState.js";
import { EID_BASE } from "../src/hypervisor/sbiBase.js";
import { EID_DBCN } from "../src/hypervisor/sbiDbcn.js";
import { EID_HSM } from "../src/hypervisor/sbiHsm.js";
import { EID_IPI, EID_RFENCE } from "../src/hypervisor/sbiIpiFence.js";
import { EID_SRST } from "../src/hypervisor/sbiSrst.js";
import { EID_STA } from "../src/hypervisor/sbiSta.js";
import { EID_TIME, Sbi } from "../src/hypervisor/sbi.js";
import { HsmState } from "../src/hypervisor/sbiTypes.js";
import { PLATFORM } from "../src/machine/platform.js";
import { ExitStats } from "../src/util/exitStats.js";
import { Vm } from "../src/vmm/vm.js";
import { type Campaign, type Trace, hex } from "./campaign.js";
import { FuzzFailure, WorkMeter, checkedRam } from "./checkedMemory.js";
import { fakeImage } from "./fakeImage.js";
import type { Prng } from "./prng.js";

const CPUS = 3;
const RAM = PLATFORM.ram.base;
const RAM_BYTES = 4 << 20;
const RAM_END = RAM + RAM_BYTES;
/** Each hart's ecall, and where its traps go. */
const CODE = (h: number) => RAM + 0x1000 + 16 * h;
const STVEC = RAM + 0x2000;
const MTVEC = RAM + 0x3000;
const ECALL = 0x00000073;
/** The most one call may write to the console: DBCN moves at most 1 MiB a call. */
const CONSOLE_BOUND = (1 << 20) + 1;

const EIDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, EID_BASE, EID_TIME, EID_IPI, EID_RFENCE, EID_HSM, EID_SRST, EID_DBCN, EID_STA];
/** SBI 3.0's error codes, SBI_SUCCESS to SBI_ERR_DENIED_LOCKED. */
const ERRORS = new Set([0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13]);

/** Arguments a real guest would pass: hart ids and masks, RAM addresses, lengths, zeros. */
function plausibleArg(rng: Prng): bigint {
  switch (rng.below(5)) {
    case 0:
      return 0n;
    case 1:
      return BigInt(rng.below(CPUS + 1));
    case 2:
      return BigInt(RAM + 64 * rng.below(RAM_BYTES / 64));
    case 3:
      return BigInt(rng.below(300));
    default:
      return -1n;
  }
}

function hostileArg(rng: Prng): bigint {
  switch (rng.weighted([3, 3, 2, 2, 2, 1, 1])) {
    case 0:
      return BigInt(rng.below(9));
    case 1:
      return rng.u64();
    case 2:
      return BigInt(
        rng.pick([RAM, RAM + 64 * rng.below(1 << 16), RAM_END - 64, RAM_END - 1, RAM_END, RAM - 1, 0x1000_1000]),
      );
    case 3:
      return rng.pick([-1n, 1n << 63n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + BigInt(RAM), 0xffff_ffffn]);
    case 4:
      return BigInt(rng.below(1 << 21));
    case 5:
      return BigInt(0x8000_0000 + rng.below(16));
    default:
      return BigInt(-rng.below(16));
  }
}

interface SbiTarget {
  vm: Vm;
  sbi: Sbi;
  meter: WorkMeter;
  console: { bytes: number };
}

export class SbiCampaign implements Campaign<SbiTarget> {
  readonly name = "sbi";
  readonly epoch = 20_000;
  private readonly byPriv = [0, 0, 0, 0];
  private maxConsole = 0;
  private maxCalls = 0;

  open(): SbiTarget {
    const console = { bytes: 0 };
    const vm = new Vm({
      mode: "pv",
      memoryBytes: RAM_BYTES,
      cpus: CPUS,
      kernel: fakeImage(),
      append: "",
      output: (b) => (console.bytes += b.length),
    });
    const meter = new WorkMeter();
    const plain = vm.ram.bind(vm);
    vm.ram = checkedRam(plain, vm.mem.buffer, vm.mem.ramOffset, RAM, RAM_BYTES, meter);
    return { vm, sbi: new Sbi(vm, new ExitStats()), meter, console };
  }

  close(): void {}

  figures(): Record<string, number> {
    return {
      "calls from U": this.byPriv[0],
      "from S": this.byPriv[1],
      "from M": this.byPriv[3],
      "most console bytes one call": this.maxConsole,
      "most guest-memory accesses one call": this.maxCalls,
    };
  }

  run(t: SbiTarget, rng: Prng, trace: Trace): void {
    const { vm, sbi, meter } = t;
    const h = rng.below(CPUS);
    const priv = [S.PRIV_U, S.PRIV_S, S.PRIV_M][rng.weighted([1, 4, 1])];
    this.byPriv[priv]++;
    // A hart that HSM stopped (or that a reset left anywhere) starts afresh; the others keep
    // what earlier calls did to them, less pending interrupts (taken before the ecall).
    if (vm.hsmState(h) !== HsmState.Started || rng.chance(0.01)) vm.startHart(h, CODE(h), 0n);
    const hart = vm.harts[h];
    const st = hart.hart;
    new DataView(vm.mem.buffer, vm.mem.ramOffset + CODE(h) - RAM, 4).setUint32(0, ECALL, true);
    st.pc = CODE(h);
    st.i32[S.MIP_SW] = 0;
    st.i32[S.MIP_HW] = 0;
    st.i32[S.WFI] = 0;
    st.i32[S.PRIV] = priv;
    st.s64[S.STVEC] = BigInt(STVEC);
    st.s64[S.MTVEC] = BigInt(MTVEC);
    const eid = (rng.chance(0.85) ? rng.pick(EIDS) : rng.chance(0.5) ? rng.u32() : 0x0900_0000 + rng.below(256)) >>> 0;
    const fid = rng.chance(0.8) ? rng.below(8) : rng.u32();
    st.x[17] = BigInt.asIntN(64, (rng.chance(0.1) ? rng.u64() << 32n : 0n) | BigInt(eid));
    st.x[16] = BigInt(fid);
    const plausible = rng.chance(0.5);
    for (let i = 10; i <= 15; i++) {
      st.x[i] = BigInt.asIntN(64, plausible && rng.chance(0.8) ? plausibleArg(rng) : hostileArg(rng));
    }
    if (rng.chance(0.05)) vm.pushInput(new Uint8Array(rng.below(64)).fill(0x41));
    const a1 = st.x[11];
    trace?.(
      `hart ${h} priv ${priv} eid ${hex(eid)} fid ${hex(fid)} a0..a5 ${[10, 11, 12, 13, 14, 15].map((i) => hex(BigInt.asUintN(64, st.x[i]))).join(" ")}`,
    );
    meter.reset(64);
    t.console.bytes = 0;
    const exit = hart.run(1);
    trace?.(`exit ${exit}, pc ${hex(st.pc)}, priv ${st.i32[S.PRIV]}`);
    if (priv === S.PRIV_S) {
      if (exit !== Exit.SbiCall || st.pc !== CODE(h))
        throw new FuzzFailure(`ecall from S: exit ${exit}, pc ${hex(st.pc)}`);
      // Translation may be on by now (the legacy calls read hart masks through it), rooted anywhere.
      const satp = rng.chance(0.1) ? (8n << 60n) | BigInt(rng.below(1 << 21) + RAM / 4096) : 0n;
      st.s64[S.SATP] = satp;
      hart.mmu.contextChanged();
      sbi.call(h);
      st.s64[S.SATP] = 0n;
      hart.mmu.contextChanged();
      const a0 = Number(st.x[10]);
      trace?.(`a0 ${st.x[10]}, a1 ${st.x[11]}`);
      if (st.pc !== CODE(h) + 4) throw new FuzzFailure(`the ecall was not stepped over: pc ${hex(st.pc)}`);
      if (eid > 8 && !ERRORS.has(a0)) throw new FuzzFailure(`a0 = ${st.x[10]} is no SBI error code`);
      if (eid <= 8 && eid !== 2 && st.x[11] !== a1) throw new FuzzFailure("a legacy call changed a1");
      this.runOthers(t, rng, h);
    } else {
      const [cause, epc, vec, to] =
        priv === S.PRIV_U ? [S.SCAUSE, S.SEPC, STVEC, S.PRIV_S] : [S.MCAUSE, S.MEPC, MTVEC, S.PRIV_M];
      const want = priv === S.PRIV_U ? 8n : 11n;
      if (exit === Exit.SbiCall) throw new FuzzFailure(`an ecall from ${priv} left the guest`);
      if (st.s64[cause] !== want || st.s64[epc] !== BigInt(CODE(h)) || st.pc !== vec || st.i32[S.PRIV] !== to) {
        throw new FuzzFailure(`ecall from ${priv}: cause ${st.s64[cause]}, epc ${hex(st.s64[epc])}, pc ${hex(st.pc)}`);
      }
    }
    this.maxConsole = Math.max(this.maxConsole, t.console.bytes);
    if (t.console.bytes > CONSOLE_BOUND) throw new FuzzFailure(`one call wrote ${t.console.bytes} console bytes`);
    meter.check(8);
    this.maxCalls = Math.max(this.maxCalls, meter.maxCalls);
  }

  /** Now and then another started hart (HSM may have started one anywhere) runs a few instructions. */
  private runOthers(t: SbiTarget, rng: Prng, caller: number): void {
    if (!rng.chance(0.1)) return;
    for (let h = 0; h < CPUS; h++) {
      if (h === caller || t.vm.hsmState(h) !== HsmState.Started) continue;
      if (t.vm.harts[h].run(rng.int(1, 16)) === Exit.SbiCall) t.sbi.call(h);
    }
  }
}
