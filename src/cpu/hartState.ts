// Where a hart's architectural state lives: a fixed block of the VM's WebAssembly.Memory,
// read through typed-array views, so that a later JIT and worker threads see the same bytes.

/** Bytes reserved for one hart's state block. */
export const HART_STATE_BYTES = 4096;

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
    this.s64 = new BigInt64Array(buffer, offset, HART_STATE_BYTES / 8);
    this.f64 = new Float64Array(buffer, offset, HART_STATE_BYTES / 8);
    this.i32 = new Int32Array(buffer, offset, HART_STATE_BYTES / 4);
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
