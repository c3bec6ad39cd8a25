// Where a hart's architectural state lives: a fixed block of the VM's WebAssembly.Memory,
// read through typed-array views, so that a later JIT and worker threads see the same bytes.

/** Bytes of registers and CSRs at the start of a hart's block. */
export const HART_REGS_BYTES = 4096;
/**
 * Entries in one TLB set (direct-mapped by virtual page number). 256 missed on pages 1 MiB
 * apart: a boot of the default guest walked the page tables 169 k times, 43 k with 1,024.
 */
export const TLB_ENTRIES = 1024;
/** Bytes per TLB entry: f64 virtual page tag (NaN when empty), u32 buffer offset of the page, u32 level | global << 8. */
export const TLB_ENTRY_BYTES = 16;
/**
 * Address spaces (satp values) whose translations the TLB keeps at once, so that a context
 * switch back to a recent process finds its entries (writing satp invalidates nothing, by the
 * privileged spec; sfence.vma does).
 */
export const TLB_BANKS = 8;
/**
 * TLB sets: per bank, fetch/load/store for U-mode, for S-mode, and load/store for S-mode with
 * SUM set (Linux toggles SUM around every user access); then fetch/load/store for M-mode. Traps
 * and returns switch sets and flush nothing.
 */
export const TLB_SETS_PER_BANK = 9;
export const TLB_SETS = TLB_BANKS * TLB_SETS_PER_BANK + 3;
/** Where the TLB starts in a hart's block: translated code probes it in place. */
export const TLB_OFFSET = HART_REGS_BYTES;
/**
 * The translated blocks' lookup table, probed by the dispatcher in WebAssembly (jit/): per entry
 * the buffer offset of the block's first instruction (0: empty) and its table index << 7 | its
 * length. Direct-mapped by that offset: 64 Ki entries cover 128 KiB of code without a
 * collision, so a kernel's code spread over megabytes rarely returns to jit/run.ts for a block
 * that is translated but lost its slot (16 Ki did, for one of three returns under a disk read).
 */
export const JIT_LOOKUP_OFFSET = TLB_OFFSET + TLB_SETS * TLB_ENTRIES * TLB_ENTRY_BYTES;
export const JIT_LOOKUP_ENTRIES = 65536;
/** Bytes reserved for one hart's block: registers, CSRs, the TLB and the block lookup table. */
export const HART_STATE_BYTES = Math.ceil((JIT_LOOKUP_OFFSET + JIT_LOOKUP_ENTRIES * 8) / 4096) * 4096;

// Slots of the BigInt64Array view (8 bytes each).
/** x0..x31; slot 32 is a sink that instructions with rd = x0 write to, so x0 stays zero. */
export const X = 0;
export const X_SINK = 32;
export const F = 40; // f0..f31 (F/D extensions)
export const PC = 72; // Float64 slot: pc is always a safe integer (see interpreter)
export const INSTRET = 73; // Float64 slot: instructions retired
// 64-bit CSRs.
export const MEPC = 80;
export const SEPC = 81;
export const MTVAL = 82;
export const STVAL = 83;
export const MSCRATCH = 84;
export const SSCRATCH = 85;
export const MTVEC = 86;
export const STVEC = 87;
export const SATP = 88;
export const MCAUSE = 89;
export const SCAUSE = 90;
export const MENVCFG = 91;
export const SENVCFG = 92;
export const MCYCLE_OFFSET = 93; // mcycle = instret + offset
export const MINSTRET_OFFSET = 94;
export const RESERVATION = 95; // LR/SC reserved physical address, -1 when none
export const PMPADDR = 96; // 16 entries
export const PMPCFG = 112; // pmpcfg0 and pmpcfg2 (8 entries each)
export const STIMECMP = 114;
/** Where a translated block's slow path leaves a loaded value (jit/). */
export const JIT_SCRATCH = 120;
// Slots of the Int32Array view (4 bytes each); they start after the 64-bit slots.
const I32_BASE = 2 * 128;
export const PRIV = I32_BASE + 0;
export const MSTATUS = I32_BASE + 1; // low 32 bits; the high bits are constants (UXL, SXL) and SD
export const MIP_SW = I32_BASE + 2; // bits software wrote (SSIP, STIP, SEIP)
export const MIP_HW = I32_BASE + 3; // lines driven by the platform (MSIP, MTIP, MEIP, SEIP, STIP)
export const MIE = I32_BASE + 4;
export const MIDELEG = I32_BASE + 5;
export const MEDELEG = I32_BASE + 6;
export const MCOUNTEREN = I32_BASE + 7;
export const SCOUNTEREN = I32_BASE + 8;
export const FCSR = I32_BASE + 9;
export const HARTID = I32_BASE + 10;
export const WFI = I32_BASE + 11; // 1 while the hart waits for an interrupt
// Buffer byte offsets of the TLB sets in force for fetches, loads and stores (privilege, MPRV
// and MPP decide), kept current by the MMU for the interpreter and translated code alike.
export const TLB_FETCH_SET = I32_BASE + 12;
export const TLB_LOAD_SET = I32_BASE + 13;
export const TLB_STORE_SET = I32_BASE + 14;
/** Set to 1 by a translated block's slow path when the hart must stop after the instruction. */
export const JIT_STOP = I32_BASE + 15;
/** Instructions the dispatcher had retired before the block it is running (for a trap's count). */
export const JIT_DONE = I32_BASE + 16;
/** The budget of the dispatcher's run, which a block that loops on itself turns within. */
export const JIT_BUDGET = I32_BASE + 17;

// mstatus bits (the low 32 bits, which is all that is stored).
export const MSTATUS_SIE = 1 << 1;
export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_SPIE = 1 << 5;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_SPP = 1 << 8;
export const MSTATUS_MPP = 3 << 11;
export const MSTATUS_FS = 3 << 13;
export const MSTATUS_MPRV = 1 << 17;
export const MSTATUS_SUM = 1 << 18;
export const MSTATUS_MXR = 1 << 19;
export const MSTATUS_TVM = 1 << 20;
export const MSTATUS_TW = 1 << 21;
export const MSTATUS_TSR = 1 << 22;

export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;

/** Typed views over one hart's state block. */
export class HartState {
  readonly x: BigInt64Array;
  /** The same x registers as 32-bit halves: x32[2r] low, x32[2r+1] high. */
  readonly x32: Int32Array;
  readonly s64: BigInt64Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;

  constructor(buffer: ArrayBufferLike, offset: number) {
    this.s64 = new BigInt64Array(buffer, offset, HART_REGS_BYTES / 8);
    this.f64 = new Float64Array(buffer, offset, HART_REGS_BYTES / 8);
    this.i32 = new Int32Array(buffer, offset, HART_REGS_BYTES / 4);
    this.x = new BigInt64Array(buffer, offset, 33);
    this.x32 = new Int32Array(buffer, offset, 66);
  }

  get pc(): number {
    return this.f64[PC];
  }
  set pc(v: number) {
    this.f64[PC] = v;
  }
  get priv(): number {
    return this.i32[PRIV];
  }
}
