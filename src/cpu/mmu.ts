// Virtual-to-physical translation (Sv39, Sv48), the software TLB, and guest memory access.
// Addresses are JavaScript numbers: every address that can succeed (RAM, MMIO, a canonical
// Sv39/Sv48 virtual address) is a safe integer; the interpreter turns anything else into a
// fault before it gets here.

import type { Bus } from "./bus.js";
import {
  HartState,
  MSTATUS,
  MSTATUS_MPRV,
  MSTATUS_MXR,
  MSTATUS_SUM,
  PRIV,
  PRIV_M,
  PRIV_U,
  SATP,
  TLB_ENTRIES,
  TLB_ENTRY_BYTES,
  TLB_FETCH_SET,
  TLB_LOAD_SET,
  TLB_OFFSET,
  TLB_BANKS,
  TLB_SETS,
  TLB_SETS_PER_BANK,
  TLB_STORE_SET,
} from "./hartState.js";
import { ACCESS_FAULT_CAUSE, ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PAGE_FAULT_CAUSE, TrapSignal } from "./trap.js";

const PAGE = 4096;
/** First entry of the M-mode sets, after the banks of the paged (U and S) sets. */
const M_SETS = TLB_BANKS * TLB_SETS_PER_BANK * TLB_ENTRIES;
const BANK_ENTRIES = TLB_SETS_PER_BANK * TLB_ENTRIES;
const NO_SATP = -1n; // never a satp value that selects a bank: MODE 15 is reserved
/** The store sets of every bank (U, S, S with SUM) and of M-mode. */
const STORE_SETS = [
  ...Array.from({ length: TLB_BANKS }, (_, b) =>
    [0, 3, 6].map((r) => b * BANK_ENTRIES + (r + ACCESS_STORE) * TLB_ENTRIES),
  ),
  [M_SETS + ACCESS_STORE * TLB_ENTRIES],
].flat();

/**
 * Pages of the VM memory (buffer offset / 4096) that translated code was made from (jit/), and
 * what to call before the first store to one of them goes through.
 */
export interface CodeWatch {
  readonly pages: Uint8Array;
  written(page: number): void;
}

function bankAsid(satp: bigint): number {
  return Number((satp >> 44n) & 0xffffn);
}

/** The region of `level` (1: 2 MiB, 2: 1 GiB, 3: 512 GiB) that virtual page vpage lies in. */
function superKey(vpage: number, level: number): number {
  return Math.floor(vpage / 2 ** (9 * level)) * 4 + level;
}

/** First entry of the regime's sets in the bank that starts at entry `bank` (sum: mstatus.SUM, for S). */
function regimeSets(priv: number, sum: number, bank: number): number {
  if (priv === PRIV_M) return M_SETS;
  return bank + (priv === PRIV_U ? 0 : sum ? 6 : 3) * TLB_ENTRIES;
}

export class Mmu {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly dv: DataView;
  readonly m64: BigInt64Array;
  readonly ramBase: number;
  readonly ramEnd: number;
  /** Buffer offset minus guest-physical address, for RAM. */
  readonly ramDelta: number;
  /**
   * The TLB, in the hart's block of the VM memory (translated code probes it in place): per
   * entry e, tlbTag[2e] is the virtual page number (NaN when empty) and tlbHost[4e + 2] the
   * buffer offset of the page; tlbHost[4e + 3] holds level | global << 8 for sfence.vma by
   * address, the level being log2(page size / 4096) / 9.
   */
  readonly tlbTag: Float64Array;
  readonly tlbHost: Uint32Array;
  /** Buffer byte offset of the TLB. */
  readonly tlbBase: number;
  /** First entry index of the fetch, load and store sets in force (see setsChanged). */
  readonly sets = new Int32Array(3);
  /** Physical address of the last access that went to the bus. */
  lastPaddr = 0;
  /**
   * Stores to pages with translated code: such a page has no entry in the store sets, so that a
   * store to it comes here and the translations are dropped first. The ISA lets code go stale
   * until FENCE.I, but guests such as xv6 reuse a page for a new program without one, and
   * QEMU notices the store.
   */
  private codeWatch: CodeWatch | null = null;
  /** Pages that an entry of the store sets may map (set at each fill, cleared by unmapStores). */
  private storeMapped: Uint8Array | null = null;
  /** The satp value each bank holds translations for, and the bank in force. */
  private readonly bankSatp = new BigInt64Array(TLB_BANKS).fill(NO_SATP);
  private bank = 0;
  private nextVictim = 0;
  /**
   * Entries filled with a superpage (2 MiB or larger), for sfence.vma by address: by region
   * (see superKey), so that a flush looks only at the superpages that can hold its address
   * (Linux maps the kernel with thousands of them and flushes single user pages often);
   * superOf[e] is the key e is filed under, NaN when none.
   */
  private readonly superpages = new Map<number, Set<number>>();
  private readonly superOf = new Float64Array(M_SETS).fill(NaN);

  constructor(
    readonly hart: HartState,
    readonly bus: Bus,
    private readonly trap: TrapSignal,
    buffer: ArrayBufferLike,
  ) {
    this.u8 = new Uint8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.dv = new DataView(buffer);
    this.m64 = new BigInt64Array(buffer);
    this.ramBase = bus.ramBase;
    this.ramEnd = bus.ramBase + bus.ramSize;
    this.ramDelta = bus.ramOffset - bus.ramBase;
    this.tlbBase = hart.s64.byteOffset + TLB_OFFSET;
    this.tlbTag = new Float64Array(buffer, this.tlbBase, (TLB_SETS * TLB_ENTRIES * TLB_ENTRY_BYTES) / 8);
    this.tlbHost = new Uint32Array(buffer, this.tlbBase, (TLB_SETS * TLB_ENTRIES * TLB_ENTRY_BYTES) / 4);
    this.flushAll();
  }

  flushAll(): void {
    this.tlbTag.fill(NaN);
    this.forgetSuperpages();
    this.bankSatp.fill(NO_SATP);
    this.bankSatp[0] = this.hart.s64[SATP];
    this.bank = 0;
    this.setsChanged();
  }

  /** Drops every translation that depends on satp, SUM or MXR (the U and S sets of every bank). */
  flushPaged(): void {
    this.tlbTag.fill(NaN, 0, 2 * M_SETS);
    this.forgetSuperpages();
  }

  private forgetSuperpages(): void {
    this.superpages.clear();
    this.superOf.fill(NaN);
  }

  /** Files entry e under the region of vpage at `level` (0: not a superpage, filed nowhere). */
  private fileSuperpage(e: number, vpage: number, level: number): void {
    const key = level === 0 ? NaN : superKey(vpage, level);
    const old = this.superOf[e];
    if (old === key || (old !== old && key !== key)) return;
    if (old === old) this.superpages.get(old)!.delete(e);
    this.superOf[e] = key;
    if (key !== key) return;
    let set = this.superpages.get(key);
    if (set === undefined) this.superpages.set(key, (set = new Set()));
    set.add(e);
  }

  /** sfence.vma: drop the entries for vaddr (or all, when null) and asid (or all, when null). */
  flush(vaddr: number | null, asid: number | null): void {
    if (vaddr === null && asid === null) return this.flushPaged();
    if (vaddr === null) {
      // Every address of one ASID: drop the banks of that ASID whole (global entries too, which
      // the TLB may always forget).
      for (let b = 0; b < TLB_BANKS; b++) {
        if (bankAsid(this.bankSatp[b]) === asid)
          this.tlbTag.fill(NaN, 2 * b * BANK_ENTRIES, 2 * (b + 1) * BANK_ENTRIES);
      }
      return;
    }
    // A 4 KiB entry for vaddr can only sit at its index in each set; superpage entries, filled
    // at the index of whichever page of them was used, are remembered apart.
    const vpage = Math.floor(vaddr / PAGE);
    const index = vpage & (TLB_ENTRIES - 1);
    for (let e = index; e < M_SETS; e += TLB_ENTRIES) this.flushEntry(e, vaddr, asid);
    for (let level = 1; level <= 3; level++) {
      const set = this.superpages.get(superKey(vpage, level));
      if (set === undefined) continue;
      for (const e of set) if (!this.flushEntry(e, vaddr, asid)) this.fileSuperpage(e, 0, 0);
    }
  }

  /** Drops entry e if it matches; returns whether it still holds a superpage. */
  private flushEntry(e: number, vaddr: number | null, asid: number | null): boolean {
    const tag = this.tlbTag[2 * e];
    if (tag !== tag) return false;
    const meta = this.tlbHost[4 * e + 3];
    if (asid !== null && (meta >> 8 || asid !== bankAsid(this.bankSatp[Math.floor(e / BANK_ENTRIES)]))) return true;
    if (vaddr !== null) {
      const span = 2 ** (9 * (meta & 0xff));
      if (Math.floor(tag / span) !== Math.floor(Math.floor(vaddr / PAGE) / span)) return (meta & 0xff) !== 0;
    }
    this.tlbTag[2 * e] = NaN;
    return false;
  }

  /**
   * Picks the TLB sets for the privilege in force (data accesses: MPP's when MPRV is set in
   * M-mode), in this object and in the hart's block for translated code. Called whenever the
   * privilege or mstatus.MPRV/MPP change.
   */
  setsChanged(): void {
    const h = this.hart;
    const priv = h.i32[PRIV];
    const mstatus = h.i32[MSTATUS];
    const dataPriv = priv === PRIV_M && mstatus & MSTATUS_MPRV ? (mstatus >> 11) & 3 : priv;
    const bank = this.bank * BANK_ENTRIES;
    const data = regimeSets(dataPriv, mstatus & MSTATUS_SUM, bank);
    this.sets[ACCESS_FETCH] = regimeSets(priv, 0, bank) + ACCESS_FETCH * TLB_ENTRIES;
    // ACCESS_LOAD and ACCESS_STORE are 1 and 2: S-mode with SUM has its load/store sets at 7, 8.
    this.sets[ACCESS_LOAD] = data + ACCESS_LOAD * TLB_ENTRIES;
    this.sets[ACCESS_STORE] = data + ACCESS_STORE * TLB_ENTRIES;
    h.i32[TLB_FETCH_SET] = this.tlbBase + this.sets[ACCESS_FETCH] * TLB_ENTRY_BYTES;
    h.i32[TLB_LOAD_SET] = this.tlbBase + this.sets[ACCESS_LOAD] * TLB_ENTRY_BYTES;
    h.i32[TLB_STORE_SET] = this.tlbBase + this.sets[ACCESS_STORE] * TLB_ENTRY_BYTES;
  }

  fault(cause: number, tval: number | bigint): never {
    this.trap.cause = cause;
    this.trap.tval = tval;
    throw this.trap;
  }

  /**
   * Buffer offset of vaddr for an access of `size` bytes that lies within one page, or -1
   * when the physical address is not RAM (then lastPaddr holds it). Fills the TLB.
   */
  translate(vaddr: number, access: number): number {
    const hart = this.hart;
    let priv = hart.i32[PRIV];
    const mstatus = hart.i32[MSTATUS];
    if (access !== ACCESS_FETCH && priv === PRIV_M && mstatus & MSTATUS_MPRV) priv = (mstatus >> 11) & 3;
    let paddr: number;
    let level = 0;
    let global = 0;
    const satp = hart.s64[SATP];
    const mode = priv === PRIV_M ? 0 : Number((satp >> 60n) & 0xfn);
    if (mode === 0) {
      if (vaddr < 0 || vaddr >= 2 ** 56) this.fault(ACCESS_FAULT_CAUSE[access], vaddr);
      paddr = vaddr;
    } else {
      const levels = mode === 8 ? 3 : 4;
      const half = 2 ** (11 + 9 * levels);
      if (vaddr < -half || vaddr >= half) this.fault(PAGE_FAULT_CAUSE[access], vaddr);
      let table = Number(satp & 0xfffffffffffn) * PAGE;
      let i = levels - 1;
      let lo = 0;
      let hi = 0;
      let pteOff = 0;
      for (;;) {
        const vpn = Math.floor(vaddr / 2 ** (12 + 9 * i)) & 0x1ff;
        const pteAddr = table + vpn * 8;
        if (pteAddr < this.ramBase || pteAddr + 8 > this.ramEnd) this.fault(ACCESS_FAULT_CAUSE[access], vaddr);
        pteOff = pteAddr + this.ramDelta;
        lo = this.dv.getInt32(pteOff, true);
        hi = this.dv.getInt32(pteOff + 4, true);
        // Bits 54..63 (PBMT, N and reserved) must be zero: Svpbmt and Svnapot are not implemented.
        if (hi >>> 22 !== 0 || !(lo & 1) || (lo & 6) === 4) this.fault(PAGE_FAULT_CAUSE[access], vaddr);
        if (lo & 10) break; // R or X: a leaf
        // A, D and U are reserved in a non-leaf PTE.
        if (i === 0 || lo & 0xd0) this.fault(PAGE_FAULT_CAUSE[access], vaddr);
        table = ((hi & 0x3fffff) * 0x400000 + (lo >>> 10)) * PAGE;
        i--;
      }
      const ppn = (hi & 0x3fffff) * 0x400000 + (lo >>> 10);
      const span = 2 ** (9 * i);
      if (ppn % span !== 0) this.fault(PAGE_FAULT_CAUSE[access], vaddr);
      // Permission checks.
      const user = (lo & 16) !== 0;
      if (priv === PRIV_U ? !user : user && (access === ACCESS_FETCH || !(mstatus & MSTATUS_SUM)))
        this.fault(PAGE_FAULT_CAUSE[access], vaddr);
      if (access === ACCESS_FETCH) {
        if (!(lo & 8)) this.fault(PAGE_FAULT_CAUSE[access], vaddr);
      } else if (access === ACCESS_LOAD) {
        if (!(lo & 2) && !(mstatus & MSTATUS_MXR && lo & 8)) this.fault(PAGE_FAULT_CAUSE[access], vaddr);
      } else if (!(lo & 4)) this.fault(PAGE_FAULT_CAUSE[access], vaddr);
      // Hardware update of A and D (the PTE is in RAM: checked above).
      const want = access === ACCESS_STORE ? 0xc0 : 0x40;
      if ((lo & want) !== want) this.dv.setInt32(pteOff, lo | want, true);
      const inPage = ((vaddr % (span * PAGE)) + span * PAGE) % (span * PAGE);
      paddr = ppn * PAGE + inPage;
      level = i;
      global = (lo >> 5) & 1;
    }
    const vpage = Math.floor(vaddr / PAGE);
    if (paddr >= this.ramBase && paddr < this.ramEnd) {
      const hostPage = paddr - (paddr & 0xfff) + this.ramDelta;
      const e = this.sets[access] + (vpage & (TLB_ENTRIES - 1));
      this.tlbTag[2 * e] = vpage;
      this.tlbHost[4 * e + 2] = hostPage;
      this.tlbHost[4 * e + 3] = level | (global << 8);
      if (e < M_SETS) this.fileSuperpage(e, vpage, level);
      if (access === ACCESS_STORE && this.codeWatch !== null) {
        const page = hostPage / PAGE;
        if (this.codeWatch.pages[page]) this.codeWatch.written(page);
        this.storeMapped![page] = 1;
      }
      return hostPage + (paddr & 0xfff);
    }
    this.lastPaddr = paddr;
    return -1;
  }

  /** Tells `watch` of stores to its pages from now on; called before the hart runs (the TLB is empty). */
  watchCode(watch: CodeWatch): void {
    this.codeWatch = watch;
    this.storeMapped = new Uint8Array(watch.pages.length);
  }

  /** Drops the store-set entries that map buffer page `page` (it now holds translated code). */
  unmapStores(page: number): void {
    if (!this.storeMapped![page]) return;
    this.storeMapped![page] = 0;
    const host = page * PAGE;
    for (const set of STORE_SETS)
      for (let e = set; e < set + TLB_ENTRIES; e++) if (this.tlbHost[4 * e + 2] === host) this.tlbTag[2 * e] = NaN;
  }

  /** Buffer offset for a RAM access, or -1 for MMIO (lastPaddr set); size-byte accesses within a page. */
  offset(vaddr: number, access: number): number {
    const vpage = Math.floor(vaddr / PAGE);
    const e = this.sets[access] + (vpage & (TLB_ENTRIES - 1));
    if (this.tlbTag[2 * e] === vpage) return this.tlbHost[4 * e + 2] + (vaddr & 0xfff);
    return this.translate(vaddr, access);
  }

  // ---- data loads: results are returned as numbers (sizes ≤ 4) or written into x registers.

  /** Zero-extended load of 1, 2 or 4 bytes. */
  loadU(vaddr: number, size: number): number {
    if ((vaddr & 0xfff) > PAGE - size) return this.loadCrossing(vaddr, size);
    const off = this.offset(vaddr, ACCESS_LOAD);
    if (off >= 0) {
      if (size === 4) return this.dv.getUint32(off, true);
      if (size === 1) return this.u8[off];
      return this.dv.getUint16(off, true);
    }
    return this.mmioRead(vaddr, size) as number;
  }

  /** 64-bit load. */
  load64(vaddr: number): bigint {
    if ((vaddr & 0xfff) > PAGE - 8) {
      const lo = this.loadCrossing(vaddr, 4);
      const hi = this.loadCrossing(vaddr + 4, 4);
      return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    }
    const off = this.offset(vaddr, ACCESS_LOAD);
    if (off >= 0) {
      if ((off & 7) === 0) return this.m64[off >>> 3];
      return this.dv.getBigInt64(off, true);
    }
    return BigInt.asIntN(64, BigInt(this.mmioRead(vaddr, 8)));
  }

  private mmioRead(vaddr: number, size: number): number | bigint {
    const v = this.bus.read(this.lastPaddr, size);
    if (v === null) this.fault(ACCESS_FAULT_CAUSE[ACCESS_LOAD], vaddr);
    return v;
  }

  /** A load that straddles a page boundary: byte by byte, each byte translated. */
  private loadCrossing(vaddr: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.loadU(vaddr + i, 1);
    return v;
  }

  // ---- data stores

  /** Store of 1, 2 or 4 bytes (value's low bits). */
  store(vaddr: number, size: number, value: number): void {
    if ((vaddr & 0xfff) > PAGE - size) return this.storeCrossing(vaddr, size, BigInt(value));
    const off = this.offset(vaddr, ACCESS_STORE);
    if (off >= 0) {
      if (size === 4) this.dv.setInt32(off, value, true);
      else if (size === 1) this.u8[off] = value;
      else this.dv.setInt16(off, value, true);
      return;
    }
    this.mmioWrite(vaddr, size, size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff));
  }

  store64(vaddr: number, value: bigint): void {
    if ((vaddr & 0xfff) > PAGE - 8) return this.storeCrossing(vaddr, 8, value);
    const off = this.offset(vaddr, ACCESS_STORE);
    if (off >= 0) {
      if ((off & 7) === 0) this.m64[off >>> 3] = value;
      else this.dv.setBigInt64(off, value, true);
      return;
    }
    this.mmioWrite(vaddr, 8, BigInt.asUintN(64, value));
  }

  private mmioWrite(vaddr: number, size: number, value: number | bigint): void {
    if (!this.bus.write(this.lastPaddr, size, value)) this.fault(ACCESS_FAULT_CAUSE[ACCESS_STORE], vaddr);
  }

  /** A store that straddles a page boundary: both pages are translated before any byte is written. */
  private storeCrossing(vaddr: number, size: number, value: bigint): void {
    const split = PAGE - (vaddr & 0xfff);
    this.offset(vaddr, ACCESS_STORE);
    this.offset(vaddr + split, ACCESS_STORE);
    for (let i = 0; i < size; i++) this.store(vaddr + i, 1, Number((value >> BigInt(8 * i)) & 0xffn));
  }

  /** Physical address of a load or store (for LR/SC and AMOs, which must be naturally aligned). */
  physical(vaddr: number, access: number): number {
    const off = this.offset(vaddr, access);
    return off >= 0 ? off - this.ramDelta : this.lastPaddr;
  }

  // ---- instruction fetch

  /** Fetch a 16-bit parcel; faults carry vaddr. */
  fetch16(vaddr: number): number {
    const off = this.offset(vaddr, ACCESS_FETCH);
    if (off >= 0) return this.u16[off >>> 1];
    // Instructions run from RAM only: a fetch from MMIO is an access fault.
    return this.fault(ACCESS_FAULT_CAUSE[ACCESS_FETCH], vaddr);
  }

  /** The privilege changed (trap entry, mret/sret, a hart started): switch TLB sets, flush nothing. */
  contextChanged(): void {
    this.setsChanged();
  }

  /** satp was written: switch to the bank that holds its translations, or recycle one for it. */
  satpChanged(): void {
    const satp = this.hart.s64[SATP];
    let bank = this.bankSatp.indexOf(satp);
    if (bank < 0) {
      bank = this.nextVictim;
      this.nextVictim = (bank + 1) % TLB_BANKS;
      this.bankSatp[bank] = satp;
      this.tlbTag.fill(NaN, 2 * bank * BANK_ENTRIES, 2 * (bank + 1) * BANK_ENTRIES);
    }
    this.bank = bank;
    this.setsChanged();
  }

  /** mstatus changed from `old` to `next`: MXR changes permissions, SUM, MPRV and MPP the sets in force. */
  mstatusChanged(old: number, next: number): void {
    if ((old ^ next) & MSTATUS_MXR) this.flushPaged();
    this.setsChanged();
  }
}
