/*
 * vm_sv39.S - Sv39 address translation (privileged spec 1.12, 4.3/4.4),
 * page tables built by the program:
 *   4 KiB pages, 2 MiB megapages, 1 GiB gigapages, misaligned superpages,
 *   R/W/X permission faults with the faulting VA in mtval/stval,
 *   the reserved W=1/R=0 encoding, V=0, a pointer PTE at the last level,
 *   reserved high PTE bits, U/S separation with SUM, MXR, non-canonical VAs,
 *   hardware A/D updates, sfence.vma after a PTE change, delegated page
 *   faults, instruction fetch through a non-identity mapping, and
 *   mstatus.MPRV for M-mode loads/stores.
 *
 * A/D: the spec allows either raising a page fault when A (or D on a store)
 * is clear, or updating the PTE in hardware.  paravm updates A/D in
 * hardware, like QEMU 7.2; these tests expect that.
 *
 * Virtual address map (root = pt_l2):
 *   0x0_4000_0000 [L2 1] -> pt_l1
 *       0x0_4000_0000 [L1 0] -> pt_l0 (4 KiB pages, see below)
 *       0x0_4020_0000 [L1 1] megapage -> PA 0x8000_0000, RWX
 *       0x0_4040_0000 [L1 2] megapage -> PA 0x8000_1000 (misaligned)
 *   0x0_8000_0000 [L2 2] gigapage identity, RWX, S only: code, data, tohost
 *   0x0_C000_0000 [L2 3] gigapage -> PA 0x8000_0000, RW, S only
 *   0x1_0000_0000 [L2 4] gigapage -> PA 0x8000_0000, RWX + U (user alias)
 *   0x1_4000_0000 [L2 5] gigapage -> PA 0x8020_0000 (misaligned)
 *   4 KiB pages at 0x4000_0000 + i * 0x1000 (pt_l0[i]):
 *     0 page_a RW      1 page_b RW+U     2 page_a R       3 page_a X
 *     4 page_a W only  5 invalid         6 page_c RW, A=D=0
 *     7 page_a / page_b (sfence test)    8 pointer PTE at level 0
 *     9 code page RX   10 code page RW   11 page_a RW, A=1 D=0
 *     12 page_a RW with reserved bit 60 set
 */
#include "common.h"

#define VA_BASE     0x40000000
#define VA_PAGE(i)  (VA_BASE + (i) * 0x1000)
#define VA_MEGA     0x40200000
#define VA_MEGA_BAD 0x40400000
#define VA_GIGA     0xC0000000
#define VA_UALIAS   0x100000000
#define VA_GIGA_BAD 0x140000000
#define UALIAS_OFF  (VA_UALIAS - 0x80000000)

#define MAGIC_A 0xaaaaaaaa11111111
#define MAGIC_B 0xbbbbbbbb22222222
#define MAGIC_C 0xcccccccc33333333

#define LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define LEAF_RW  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

/* enter S-mode and run `code`, which must take a page fault (to M) with the
 * given cause at its first instruction, mtval = value of va_reg */
#define S_FAULT(n, cause, va_reg, ...) \
    li TESTNUM, n; PVM_M_ENTER(PRV_S); \
    TEST_TRAP(n, cause, __VA_ARGS__); \
    CHECK_TRAP_LEVEL(PRV_M); CHECK_TRAP_TVAL_REG(va_reg); \
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_S)

/* enter S-mode, run `code` (no trap allowed), back to M, check reg */
#define S_CASE(n, reg, expected, ...) \
    li TESTNUM, n; PVM_M_ENTER(PRV_S); __VA_ARGS__; PVM_ENTER_M; \
    CHECK_EQ(reg, expected)

/* enter U-mode at the user alias of `label` (code ends with ecall) */
#define U_RUN(label) \
    la t6, label; li t5, UALIAS_OFF; add t6, t6, t5; csrw mepc, t6; \
    li t5, MSTATUS_MPP; csrc mstatus, t5; mret

/* M-mode load with MPRV=1 and MPP=priv */
#define MPRV_LOAD(priv, rd, va_reg) \
    li t5, MSTATUS_MPP; csrc mstatus, t5; \
    li t5, MSTATUS_MPRV | ((priv) << 11); csrs mstatus, t5; \
    ld rd, 0(va_reg); \
    li t5, MSTATUS_MPRV; csrc mstatus, t5

PVM_TEST_BEGIN

    /* ---------------- build the page tables (in M-mode) ---------------- */
    la a0, pt_start
    la a1, pt_end
1:  sd zero, 0(a0)
    addi a0, a0, 8
    bltu a0, a1, 1b

    la a0, page_a
    li a1, MAGIC_A
    sd a1, 0(a0)
    la a0, page_b
    li a1, MAGIC_B
    sd a1, 0(a0)
    la a0, page_c
    li a1, MAGIC_C
    sd a1, 0(a0)

    la a0, pt_l1
    SET_PTE(pt_l2, 1, a0, PTE_V)
    SET_PTE_PA(pt_l2, 2, 0x80000000, LEAF_RWX)
    SET_PTE_PA(pt_l2, 3, 0x80000000, LEAF_RW)
    SET_PTE_PA(pt_l2, 4, 0x80000000, LEAF_RWX | PTE_U)
    SET_PTE_PA(pt_l2, 5, 0x80200000, LEAF_RWX)
    la a0, pt_l0
    SET_PTE(pt_l1, 0, a0, PTE_V)
    SET_PTE_PA(pt_l1, 1, 0x80000000, LEAF_RWX)
    SET_PTE_PA(pt_l1, 2, 0x80001000, LEAF_RWX)
    la a0, page_a
    la a1, page_b
    la a2, page_c
    la a3, s_snippet
    srli a3, a3, 12
    slli a3, a3, 12                     /* code page holding s_snippet */
    SET_PTE(pt_l0, 0, a0, LEAF_RW)
    SET_PTE(pt_l0, 1, a1, LEAF_RW | PTE_U)
    SET_PTE(pt_l0, 2, a0, PTE_V | PTE_R | PTE_A)
    SET_PTE(pt_l0, 3, a0, PTE_V | PTE_X | PTE_A)
    SET_PTE(pt_l0, 4, a0, PTE_V | PTE_W | PTE_A | PTE_D)
    CLEAR_PTE(pt_l0, 5)
    SET_PTE(pt_l0, 6, a2, PTE_V | PTE_R | PTE_W)
    SET_PTE(pt_l0, 7, a0, LEAF_RW)
    la a4, pt_l0_extra
    SET_PTE(pt_l0, 8, a4, PTE_V)        /* non-leaf at the last level */
    SET_PTE(pt_l0, 9, a3, PTE_V | PTE_R | PTE_X | PTE_A)
    SET_PTE(pt_l0, 10, a3, LEAF_RW)
    SET_PTE(pt_l0, 11, a0, PTE_V | PTE_R | PTE_W | PTE_A)
    SET_PTE_HI(pt_l0, 12, a0, LEAF_RW, 0x1000000000000000)

    la a0, pt_l2
    srli a0, a0, 12
    li a1, SATP_MODE_SV39
    or a0, a0, a1
    csrw satp, a0
    sfence.vma
    li TESTNUM, 1
    csrr a1, satp
    CHECK_EQ_REG(a1, a0)

    /* ---------------- successful translations ---------------- */
    /* S code runs through the identity gigapage already */
    S_CASE(2, a0, MAGIC_A, li a1, VA_PAGE(0); ld a0, 0(a1))
    /* a store through the VA reaches the physical page */
    li TESTNUM, 3
    PVM_M_ENTER(PRV_S)
    li a1, VA_PAGE(0)
    li a2, 0x0123456789abcdef
    sd a2, 8(a1)
    PVM_ENTER_M
    la a1, page_a
    ld a0, 8(a1)
    CHECK_EQ(a0, 0x0123456789abcdef)
    /* megapage: offset within the 2 MiB page is kept */
    la s1, page_b
    li a0, 0x80000000
    sub s1, s1, a0                      /* page_b's offset from RAM base */
    S_CASE(4, a0, MAGIC_B, li a1, VA_MEGA; add a1, a1, s1; ld a0, 0(a1))
    /* gigapage */
    S_CASE(5, a0, MAGIC_B, li a1, VA_GIGA; add a1, a1, s1; ld a0, 0(a1))
    /* a read-only page reads fine */
    S_CASE(6, a0, MAGIC_A, li a1, VA_PAGE(2); ld a0, 0(a1))
    /* 32-bit and byte accesses at an offset within a page */
    S_CASE(7, a0, 0x0123456789abcdef, li a1, VA_PAGE(0); lwu a0, 12(a1); slli a0, a0, 32; lwu a2, 8(a1); or a0, a0, a2)

    /* ---------------- misaligned superpages ---------------- */
    li s2, VA_MEGA_BAD
    S_FAULT(8, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    li s2, VA_GIGA_BAD + 0x18
    S_FAULT(9, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    li s2, VA_MEGA_BAD + 0x123
    S_FAULT(10, CAUSE_STORE_PAGE_FAULT, s2, sb a0, 0(s2))

    /* ---------------- permission faults ---------------- */
    /* store to R-only page */
    li s2, VA_PAGE(2) + 0x10
    S_FAULT(11, CAUSE_STORE_PAGE_FAULT, s2, sd a0, 0(s2))
    /* AMO to R-only page: store/AMO page fault */
    S_FAULT(12, CAUSE_STORE_PAGE_FAULT, s2, amoadd.d a0, a0, (s2))
    /* load from X-only page */
    li s2, VA_PAGE(3) + 8
    S_FAULT(13, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    /* ... allowed with MXR */
    li a0, MSTATUS_MXR
    csrs mstatus, a0
    S_CASE(14, a0, 0x0123456789abcdef, li a1, VA_PAGE(3); ld a0, 8(a1))
    /* MXR does not make it writable */
    S_FAULT(15, CAUSE_STORE_PAGE_FAULT, s2, sd a0, 0(s2))
    li a0, MSTATUS_MXR
    csrc mstatus, a0
    /* W=1, R=0 is reserved: any access faults */
    li s2, VA_PAGE(4)
    S_FAULT(16, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    S_FAULT(17, CAUSE_STORE_PAGE_FAULT, s2, sd a0, 0(s2))
    /* V=0 */
    li s2, VA_PAGE(5) + 0xff8
    S_FAULT(18, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    S_FAULT(19, CAUSE_STORE_PAGE_FAULT, s2, sw a0, 0(s2))
    /* pointer PTE at level 0 */
    li s2, VA_PAGE(8)
    S_FAULT(20, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    /* unmapped: root entry 0 is invalid */
    li s2, 0x1000
    S_FAULT(21, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    /* non-canonical: bits 63:39 must equal bit 38 */
    li s2, 0x0000008000000000
    S_FAULT(22, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    li s2, 0xffffff0080000000
    S_FAULT(23, CAUSE_STORE_PAGE_FAULT, s2, sd a0, 0(s2))
    /* reserved PTE bits 63:54 set (no Svnapot/Svpbmt): page fault */
    li s2, VA_PAGE(12)
    S_FAULT(24, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))

    /* ---------------- instruction fetch ---------------- */
    /* through a non-identity X mapping (the page holding s_snippet) */
    la s3, s_snippet
    li a0, 0xfff
    and s3, s3, a0
    li a0, VA_PAGE(9)
    add s3, s3, a0                      /* VA of s_snippet in page 9 */
    S_CASE(25, a0, 42, li a0, 41; jalr ra, 0(s3))
    /* fetch from a non-X page: instruction page fault, mtval = mepc = VA */
    la s3, s_snippet
    li a0, 0xfff
    and s3, s3, a0
    li a0, VA_PAGE(10)
    add s3, s3, a0
    li TESTNUM, 26
    PVM_M_ENTER(PRV_S)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    jalr ra, 0(s3)
    j pvm_fail
1:  CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE_FAULT)
    CHECK_TRAP_TVAL_REG(s3)
    ld t5, pvm_trap_info + TI_EPC
    CHECK_EQ_REG(t5, s3)
    /* fetch from an unmapped page */
    li s3, 0x3000
    li TESTNUM, 27
    PVM_M_ENTER(PRV_S)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    jr s3
    j pvm_fail
1:  CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE_FAULT)
    CHECK_TRAP_TVAL_REG(s3)
    /* S may never execute a U page, even with SUM */
    li a0, MSTATUS_SUM
    csrs mstatus, a0
    la s3, 1f
    li a0, UALIAS_OFF
    add s3, s3, a0
    li TESTNUM, 28
    PVM_M_ENTER(PRV_S)
    PVM_EXPECT(PVM_EXPECT_JUMP, 2f)
    jr s3
1:  j pvm_fail
2:  CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE_FAULT)
    CHECK_TRAP_TVAL_REG(s3)
    li a0, MSTATUS_SUM
    csrc mstatus, a0

    /* ---------------- U/S separation and SUM ---------------- */
    li s2, VA_PAGE(1)
    S_FAULT(29, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    S_FAULT(30, CAUSE_STORE_PAGE_FAULT, s2, sd a0, 0(s2))
    li a0, MSTATUS_SUM
    csrs mstatus, a0
    S_CASE(31, a0, MAGIC_B, li a1, VA_PAGE(1); ld a0, 0(a1))
    S_CASE(32, a0, 0x77, li a1, VA_PAGE(1); li a2, 0x77; sd a2, 16(a1); ld a0, 16(a1))
    li a0, MSTATUS_SUM
    csrc mstatus, a0
    /* U-mode: its own page works */
    li TESTNUM, 33
    li a1, VA_PAGE(1)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    U_RUN(u_load)
1:  CHECK_TRAP_CAUSE(CAUSE_ECALL_U)
    CHECK_EQ(a0, MAGIC_B)
    /* U-mode: S page faults */
    li TESTNUM, 34
    li a1, VA_PAGE(0)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    U_RUN(u_load)
1:  CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE_FAULT)
    CHECK_TRAP_TVAL_REG(a1)
    la a2, u_load
    li a3, UALIAS_OFF
    add a2, a2, a3
    ld t5, pvm_trap_info + TI_EPC
    CHECK_EQ_REG(t5, a2)
    li TESTNUM, 35
    li a1, VA_GIGA
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    U_RUN(u_store)
1:  CHECK_TRAP_CAUSE(CAUSE_STORE_PAGE_FAULT)
    CHECK_TRAP_TVAL_REG(a1)
    /* U-mode: fetching from an S page faults */
    li TESTNUM, 36
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    la t6, u_load                       /* identity VA: S-only page */
    csrw mepc, t6
    li t5, MSTATUS_MPP
    csrc mstatus, t5
    mret
1:  CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE_FAULT)
    CHECK_TRAP_TVAL_ADDR(u_load)
    CHECK_TRAP_EPC(u_load)

    /* ---------------- hardware A/D updates ---------------- */
    li TESTNUM, 37
    LOAD_PTE(a0, pt_l0, 6)
    CHECK_MASKED(a0, PTE_A | PTE_D, 0)
    S_CASE(38, a0, MAGIC_C, li a1, VA_PAGE(6); ld a0, 0(a1))
    li TESTNUM, 39
    LOAD_PTE(a0, pt_l0, 6)
    CHECK_MASKED(a0, PTE_A | PTE_D, PTE_A)          /* load sets A only */
    li TESTNUM, 40
    PVM_M_ENTER(PRV_S)
    li a1, VA_PAGE(6)
    sd zero, 8(a1)
    PVM_ENTER_M
    LOAD_PTE(a0, pt_l0, 6)
    CHECK_MASKED(a0, PTE_A | PTE_D, PTE_A | PTE_D)  /* store sets D */
    /* store to A=1, D=0 page sets D; other bits unchanged */
    li TESTNUM, 41
    PVM_M_ENTER(PRV_S)
    li a1, VA_PAGE(11)
    sd zero, 16(a1)
    PVM_ENTER_M
    LOAD_PTE(a0, pt_l0, 11)
    la a1, page_a
    srli a1, a1, 12
    slli a1, a1, 10
    ori a1, a1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    CHECK_EQ_REG(a0, a1)
    /* a store that faults (R-only page with A=1) does not set D */
    li TESTNUM, 42
    LOAD_PTE(a0, pt_l0, 2)
    CHECK_MASKED(a0, PTE_D, 0)
    /* gigapage with A=D=0: a store sets both */
    li TESTNUM, 43
    SET_PTE_PA(pt_l2, 3, 0x80000000, PTE_V | PTE_R | PTE_W)
    sfence.vma
    PVM_M_ENTER(PRV_S)
    li a1, VA_GIGA
    add a1, a1, s1
    sd zero, 24(a1)
    PVM_ENTER_M
    LOAD_PTE(a0, pt_l2, 3)
    CHECK_MASKED(a0, PTE_A | PTE_D, PTE_A | PTE_D)

    /* ---------------- sfence.vma ---------------- */
    S_CASE(44, a0, MAGIC_A, li a1, VA_PAGE(7); ld a0, 0(a1))
    la a1, page_b
    SET_PTE(pt_l0, 7, a1, LEAF_RW)
    sfence.vma
    S_CASE(45, a0, MAGIC_B, li a1, VA_PAGE(7); ld a0, 0(a1))
    /* remap back and flush from S-mode with an address operand */
    la a1, page_a
    SET_PTE(pt_l0, 7, a1, LEAF_RW)
    S_CASE(46, a0, MAGIC_A, li a1, VA_PAGE(7); sfence.vma a1, zero; ld a0, 0(a1))
    /* invalidate: the page now faults */
    CLEAR_PTE(pt_l0, 7)
    li s2, VA_PAGE(7)
    li TESTNUM, 47
    PVM_M_ENTER(PRV_S)
    sfence.vma s2
    TEST_TRAP(47, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(s2))
    CHECK_TRAP_TVAL_REG(s2)

    /* ---------------- delegated page faults: handled in S ---------------- */
    li a0, (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT) | (1 << CAUSE_FETCH_PAGE_FAULT)
    csrw medeleg, a0
    li s2, VA_PAGE(5) + 0x40
    li TESTNUM, 48
    PVM_M_ENTER(PRV_S)
    TEST_TRAP(48, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(s2))
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_TVAL_REG(s2)
    TEST_TRAP(49, CAUSE_STORE_PAGE_FAULT, sd a0, 0(s2))
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_TVAL_REG(s2)
    csrr a0, stval
    CHECK_EQ_REG(a0, s2)
    PVM_ENTER_M
    /* from U: delegated fault lands in S with SPP = U */
    li TESTNUM, 50
    li a1, VA_PAGE(0)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    U_RUN(u_load)
1:  CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE_FAULT)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_STATUS(MSTATUS_SPP, 0)
    CHECK_TRAP_TVAL_REG(a1)
    PVM_ENTER_M
    csrw medeleg, zero

    /* ---------------- mstatus.MPRV (M-mode loads/stores) ---------------- */
    /* MPP=S: translated with S permissions */
    li TESTNUM, 51
    li a1, VA_PAGE(0)
    MPRV_LOAD(PRV_S, a0, a1)
    CHECK_EQ(a0, MAGIC_A)
    /* MPP=U: U page fine */
    li TESTNUM, 52
    li a1, VA_PAGE(1)
    MPRV_LOAD(PRV_U, a0, a1)
    CHECK_EQ(a0, MAGIC_B)
    /* MPP=U: S page faults (the trap is taken in M, from M) */
    li TESTNUM, 53
    li a1, VA_PAGE(0)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    MPRV_LOAD(PRV_U, a0, a1)
    j pvm_fail
1:  li t5, MSTATUS_MPRV
    csrc mstatus, t5
    CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE_FAULT)
    CHECK_TRAP_TVAL_REG(a1)
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_M)
    /* MPP=S without SUM: U page faults; with SUM it works */
    li TESTNUM, 54
    li a1, VA_PAGE(1)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    MPRV_LOAD(PRV_S, a0, a1)
    j pvm_fail
1:  li t5, MSTATUS_MPRV
    csrc mstatus, t5
    CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE_FAULT)
    li TESTNUM, 55
    li a0, MSTATUS_SUM
    csrs mstatus, a0
    MPRV_LOAD(PRV_S, a0, a1)
    CHECK_EQ(a0, MAGIC_B)
    li a0, MSTATUS_SUM
    csrc mstatus, a0
    /* MXR applies to MPRV accesses */
    li TESTNUM, 56
    li a1, VA_PAGE(3)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    MPRV_LOAD(PRV_S, a0, a1)
    j pvm_fail
1:  li t5, MSTATUS_MPRV
    csrc mstatus, t5
    CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE_FAULT)
    PVM_DISARM
    li TESTNUM, 57
    li a0, MSTATUS_MXR
    csrs mstatus, a0
    MPRV_LOAD(PRV_S, a0, a1)
    CHECK_EQ(a0, MAGIC_A)
    li a0, MSTATUS_MXR
    csrc mstatus, a0
    /* MPRV store with MPP=S */
    li TESTNUM, 58
    li a1, VA_PAGE(0)
    li a2, 0x5a5a
    li t5, MSTATUS_MPP
    csrc mstatus, t5
    li t5, MSTATUS_MPRV | MSTATUS_MPP_S
    csrs mstatus, t5
    sd a2, 32(a1)
    li t5, MSTATUS_MPRV
    csrc mstatus, t5
    la a1, page_a
    ld a0, 32(a1)
    CHECK_EQ(a0, 0x5a5a)
    /* MPRV with MPP=M: no translation */
    li TESTNUM, 59
    la a1, page_c
    MPRV_LOAD(PRV_M, a0, a1)
    CHECK_EQ(a0, MAGIC_C)
    /* M-mode itself is never translated (MPRV=0) */
    li TESTNUM, 60
    la a1, page_a
    ld a0, 0(a1)
    CHECK_EQ(a0, MAGIC_A)

    /* ---------------- satp = Bare again: S sees physical memory ---------------- */
    csrw satp, zero
    sfence.vma
    S_CASE(61, a0, MAGIC_B, la a1, page_b; ld a0, 0(a1))

PVM_TEST_END

    /* S-mode snippet executed through pt_l0[9]/[10]: increments a0 */
    .text
    .balign 64
s_snippet:
    addi a0, a0, 1
    ret

    /* U-mode snippets, executed through the user alias */
u_load:
    ld a0, 0(a1)
    ecall
u_store:
    sd a2, 0(a1)
    ecall

    .bss
    .balign 4096
pt_start:
pt_l2:       .zero 4096
pt_l1:       .zero 4096
pt_l0:       .zero 4096
pt_l0_extra: .zero 4096
pt_end:
page_a:      .zero 4096
page_b:      .zero 4096
page_c:      .zero 4096
