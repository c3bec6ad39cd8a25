// The TLB against sfence.vma by address: after the page table changes and the guest fences an
// address, the next access there must walk the new table, for 4 KiB pages and for superpages
// (whose entries sit at the index of whichever of their 4 KiB pages was used first).

import { test } from "node:test";
import assert from "node:assert/strict";
import { Hart } from "../../src/cpu/hart.js";
import * as S from "../../src/cpu/hartState.js";
import { MachineBus } from "../../src/machine/bus.js";
import { VmMemory } from "../../src/machine/memory.js";

const RAM = 0x8000_0000;
const RAM_SIZE = 16 << 20;
const ROOT = RAM + 0x1000;
const L1 = RAM + 0x2000;
const L0 = RAM + 0x3000;
/** Two 2 MiB frames the megapage is switched between, and two 4 KiB frames for the small page. */
const FRAME_A = RAM + (4 << 20);
const FRAME_B = RAM + (6 << 20);
const SMALL_A = RAM + 0x10000;
const SMALL_B = RAM + 0x11000;
/** Virtual addresses: a megapage at 1 GiB + 2 MiB, a 4 KiB page at 1 GiB + 4 MiB. */
const MEGA = 0x4020_0000;
const SMALL = 0x4040_0000;

const pte = (pa: number, flags: number) => BigInt(Math.floor(pa / 4096)) * 1024n + BigInt(flags);
const LEAF = 0xc7; // V R W A D

function pagedHart() {
  const mem = new VmMemory(RAM, RAM_SIZE);
  const hart = new Hart(mem.memory, mem.hartStateOffset(0), new MachineBus(mem), { hartId: 0, time: () => 0n });
  const ram = new DataView(mem.buffer, mem.ramOffset, RAM_SIZE);
  const setPte = (table: number, index: number, value: bigint) =>
    ram.setBigUint64(table - RAM + 8 * index, value, true);
  setPte(ROOT, 1, pte(L1, 1)); // 1 GiB..2 GiB through L1
  setPte(L1, 1, pte(FRAME_A, LEAF)); // MEGA
  setPte(L1, 2, pte(L0, 1)); // SMALL's 2 MiB through L0
  setPte(L0, 0, pte(SMALL_A, LEAF));
  ram.setUint32(FRAME_A - RAM + 0x5000, 0xaaaa, true);
  ram.setUint32(FRAME_B - RAM + 0x5000, 0xbbbb, true);
  ram.setUint32(SMALL_A - RAM, 0x1111, true);
  ram.setUint32(SMALL_B - RAM, 0x2222, true);
  const h = hart.hart;
  h.s64[S.SATP] = (8n << 60n) | BigInt(ROOT / 4096);
  h.i32[S.PRIV] = S.PRIV_S;
  hart.mmu.satpChanged();
  hart.mmu.contextChanged();
  return { mmu: hart.mmu, setPte };
}

test("sfence.vma by an address inside a megapage drops it, wherever in the TLB it was filled", () => {
  const { mmu, setPte } = pagedHart();
  assert.equal(mmu.loadU(MEGA + 0x5000, 4), 0xaaaa); // filled at the index of page 5
  setPte(L1, 1, pte(FRAME_B, LEAF));
  mmu.flush(MEGA + 0x1ff000, null); // the megapage's last 4 KiB page: another index
  assert.equal(mmu.loadU(MEGA + 0x5000, 4), 0xbbbb);
  setPte(L1, 1, pte(FRAME_A, LEAF));
  mmu.flush(MEGA + 0x9000, 0); // by address and ASID (the entry is not global)
  assert.equal(mmu.loadU(MEGA + 0x5000, 4), 0xaaaa);
});

test("sfence.vma by address drops a 4 KiB page and keeps serving the megapage beside it", () => {
  const { mmu, setPte } = pagedHart();
  assert.equal(mmu.loadU(SMALL, 4), 0x1111);
  assert.equal(mmu.loadU(MEGA + 0x5000, 4), 0xaaaa);
  setPte(L0, 0, pte(SMALL_B, LEAF));
  mmu.flush(SMALL + 0x800, null);
  assert.equal(mmu.loadU(SMALL, 4), 0x2222);
  assert.equal(mmu.loadU(MEGA + 0x5000, 4), 0xaaaa);
});

test("a TLB entry that held a megapage and was refilled with a small page is flushed as the small page", () => {
  const { mmu, setPte } = pagedHart();
  const sameIndex = MEGA + 0x100000; // a page of the megapage with SMALL's TLB index (vpage & 255)
  assert.equal(mmu.loadU(sameIndex, 4), 0); // the megapage fills the entry SMALL uses
  assert.equal(mmu.loadU(SMALL, 4), 0x1111); // the small page takes the entry over
  setPte(L0, 0, pte(SMALL_B, LEAF));
  mmu.flush(SMALL, null);
  assert.equal(mmu.loadU(SMALL, 4), 0x2222);
  setPte(L1, 1, pte(FRAME_B, LEAF));
  mmu.flush(MEGA + 0x5000, null);
  assert.equal(mmu.loadU(MEGA + 0x5000, 4), 0xbbbb);
});
