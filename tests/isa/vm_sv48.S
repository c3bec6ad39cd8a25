/*
 * vm_sv48.S - Sv48 address translation (privileged spec 1.12, 4.5): the
 * four-level walk with page tables built by the program: 4 KiB pages,
 * megapages, gigapages, 512 GiB terapages, misaligned superpages at every
 * level, permission faults with the faulting VA in mtval, U/SUM, MXR,
 * canonical-address checks for 48-bit VAs, hardware A/D updates at every
 * leaf level, sfence.vma, and fetch through a non-identity mapping.
 * (See vm_sv39.S for the A/D policy: hardware update, as QEMU.)
 *
 * Virtual address map (root = pt_l3):
 *   0x0000_0000_0000 [L3 0] -> pt_l2
 *     0x0_4000_0000 [L2 1] -> pt_l1
 *         0x0_4000_0000 [L1 0] -> pt_l0: 4 KiB pages
 *             0 page_a RW   1 page_b RW+U   2 page_a R   3 page_a X
 *             4 invalid     5 page_c RW, A=D=0           6 code page RX
 *             7 page_a / page_b (sfence test)
 *         0x0_4020_0000 [L1 1] megapage -> PA 0x8000_0000
 *         0x0_4040_0000 [L1 2] megapage -> PA 0x8000_1000 (misaligned)
 *     0x0_8000_0000 [L2 2] gigapage identity, RWX, S only
 *     0x0_C000_0000 [L2 3] gigapage -> PA 0x8000_0000, RW
 *     0x1_0000_0000 [L2 4] gigapage -> PA 0x8000_0000, RWX + U
 *     0x1_4000_0000 [L2 5] gigapage -> PA 0x8020_0000 (misaligned)
 *   0x0080_0000_0000 [L3 1] terapage -> PA 0, RW, A=D=0
 *   0x0100_0000_0000 [L3 2] terapage -> PA 0x8000_0000 (misaligned)
 *   0x7f80_0000_0000 [L3 255] -> pt_l2 (same tables again, high half of
 *                                  the lower canonical range)
 */
#include "common.h"

#define VA_BASE     0x40000000
#define VA_PAGE(i)  (VA_BASE + (i) * 0x1000)
#define VA_MEGA     0x40200000
#define VA_MEGA_BAD 0x40400000
#define VA_GIGA     0xC0000000
#define VA_UALIAS   0x100000000
#define VA_GIGA_BAD 0x140000000
#define VA_TERA     0x008000000000
#define VA_TERA_BAD 0x010000000000
#define VA_HIGH     0x7f8000000000
#define UALIAS_OFF  (VA_UALIAS - 0x80000000)

#define MAGIC_A 0xaaaaaaaa11111111
#define MAGIC_B 0xbbbbbbbb22222222
#define MAGIC_C 0xcccccccc33333333

#define LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define LEAF_RW  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

#define S_FAULT(n, cause, va_reg, ...) \
    li TESTNUM, n; PVM_M_ENTER(PRV_S); \
    TEST_TRAP(n, cause, __VA_ARGS__); \
    CHECK_TRAP_LEVEL(PRV_M); CHECK_TRAP_TVAL_REG(va_reg); \
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_S)

#define S_CASE(n, reg, expected, ...) \
    li TESTNUM, n; PVM_M_ENTER(PRV_S); __VA_ARGS__; PVM_ENTER_M; \
    CHECK_EQ(reg, expected)

#define U_RUN(label) \
    la t6, label; li t5, UALIAS_OFF; add t6, t6, t5; csrw mepc, t6; \
    li t5, MSTATUS_MPP; csrc mstatus, t5; mret

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

    la a0, pt_l2
    SET_PTE(pt_l3, 0, a0, PTE_V)
    SET_PTE(pt_l3, 255, a0, PTE_V)
    SET_PTE_PA(pt_l3, 1, 0x0, PTE_V | PTE_R | PTE_W)
    SET_PTE_PA(pt_l3, 2, 0x80000000, LEAF_RW)
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
    slli a3, a3, 12
    SET_PTE(pt_l0, 0, a0, LEAF_RW)
    SET_PTE(pt_l0, 1, a1, LEAF_RW | PTE_U)
    SET_PTE(pt_l0, 2, a0, PTE_V | PTE_R | PTE_A)
    SET_PTE(pt_l0, 3, a0, PTE_V | PTE_X | PTE_A)
    CLEAR_PTE(pt_l0, 4)
    SET_PTE(pt_l0, 5, a2, PTE_V | PTE_R | PTE_W)
    SET_PTE(pt_l0, 6, a3, PTE_V | PTE_R | PTE_X | PTE_A)
    SET_PTE(pt_l0, 7, a0, LEAF_RW)

    la a0, pt_l3
    srli a0, a0, 12
    li a1, SATP_MODE_SV48
    or a0, a0, a1
    csrw satp, a0
    sfence.vma
    li TESTNUM, 1
    csrr a1, satp
    CHECK_EQ_REG(a1, a0)                /* Sv48 is supported */

    la s1, page_b
    li a0, 0x80000000
    sub s1, s1, a0                      /* page_b's offset from RAM base */

    /* ---------------- each leaf level ---------------- */
    S_CASE(2, a0, MAGIC_A, li a1, VA_PAGE(0); ld a0, 0(a1))
    S_CASE(3, a0, MAGIC_B, li a1, VA_MEGA; add a1, a1, s1; ld a0, 0(a1))
    S_CASE(4, a0, MAGIC_B, li a1, VA_GIGA; add a1, a1, s1; ld a0, 0(a1))
    /* terapage: VA_TERA + PA */
    li TESTNUM, 5
    LOAD_PTE(a0, pt_l3, 1)
    CHECK_MASKED(a0, PTE_A | PTE_D, 0)
    S_CASE(6, a0, MAGIC_B, la a1, page_b; li a2, VA_TERA; add a1, a1, a2; ld a0, 0(a1))
    li TESTNUM, 7
    LOAD_PTE(a0, pt_l3, 1)
    CHECK_MASKED(a0, PTE_A | PTE_D, PTE_A)
    S_CASE(8, a0, 0x1234, la a1, page_b; li a2, VA_TERA; add a1, a1, a2; li a3, 0x1234; sd a3, 8(a1); ld a0, 8(a1))
    li TESTNUM, 9
    LOAD_PTE(a0, pt_l3, 1)
    CHECK_MASKED(a0, PTE_A | PTE_D, PTE_A | PTE_D)
    la a1, page_b
    ld a0, 8(a1)
    CHECK_EQ(a0, 0x1234)
    /* the same tables reached from another root entry */
    S_CASE(10, a0, MAGIC_A, li a1, VA_HIGH + VA_PAGE(0); ld a0, 0(a1))

    /* ---------------- misaligned superpages ---------------- */
    li s2, VA_MEGA_BAD + 8
    S_FAULT(11, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    li s2, VA_GIGA_BAD
    S_FAULT(12, CAUSE_STORE_PAGE_FAULT, s2, sd a0, 0(s2))
    li s2, VA_TERA_BAD + 0x80000000
    S_FAULT(13, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))

    /* ---------------- canonical addresses: bits 63:48 = bit 47 ---------------- */
    li s2, 0x0000800000000000
    S_FAULT(14, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    li s2, 0x0001000040000000
    S_FAULT(15, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    /* canonical upper half, unmapped (root entry 256 invalid) */
    li s2, 0xffff800000000000
    S_FAULT(16, CAUSE_STORE_PAGE_FAULT, s2, sd a0, 0(s2))
    /* bit 39 set: non-canonical under Sv39 but a valid Sv48 address */
    S_CASE(17, a0, MAGIC_A, la a1, page_a; li a2, VA_TERA; or a1, a1, a2; ld a0, 0(a1))

    /* ---------------- permissions ---------------- */
    li s2, VA_PAGE(2) + 0x20
    S_FAULT(18, CAUSE_STORE_PAGE_FAULT, s2, sd a0, 0(s2))
    li s2, VA_PAGE(3)
    S_FAULT(19, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    li a0, MSTATUS_MXR
    csrs mstatus, a0
    S_CASE(20, a0, MAGIC_A, li a1, VA_PAGE(3); ld a0, 0(a1))
    li a0, MSTATUS_MXR
    csrc mstatus, a0
    li s2, VA_PAGE(4) + 4
    S_FAULT(21, CAUSE_LOAD_PAGE_FAULT, s2, lw a0, 0(s2))
    /* terapage without X: fetch faults */
    la s2, 1f
    li a0, VA_TERA
    add s2, s2, a0
    li TESTNUM, 22
    PVM_M_ENTER(PRV_S)
    PVM_EXPECT(PVM_EXPECT_JUMP, 2f)
    jr s2
1:  j pvm_fail
2:  CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE_FAULT)
    CHECK_TRAP_TVAL_REG(s2)

    /* ---------------- U/S and SUM ---------------- */
    li s2, VA_PAGE(1)
    S_FAULT(23, CAUSE_LOAD_PAGE_FAULT, s2, ld a0, 0(s2))
    li a0, MSTATUS_SUM
    csrs mstatus, a0
    S_CASE(24, a0, MAGIC_B, li a1, VA_PAGE(1); ld a0, 0(a1))
    li a0, MSTATUS_SUM
    csrc mstatus, a0
    li TESTNUM, 25
    li a1, VA_PAGE(1)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    U_RUN(u_load)
1:  CHECK_TRAP_CAUSE(CAUSE_ECALL_U)
    CHECK_EQ(a0, MAGIC_B)
    li TESTNUM, 26
    li a1, VA_PAGE(0)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    U_RUN(u_load)
1:  CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE_FAULT)
    CHECK_TRAP_TVAL_REG(a1)
    CHECK_TRAP_STATUS(MSTATUS_MPP, 0)

    /* ---------------- fetch through a 4 KiB non-identity mapping ---------------- */
    la s3, s_snippet
    li a0, 0xfff
    and s3, s3, a0
    li a0, VA_PAGE(6)
    add s3, s3, a0
    S_CASE(27, a0, 8, li a0, 7; jalr ra, 0(s3))

    /* ---------------- A/D on a 4 KiB page ---------------- */
    S_CASE(28, a0, MAGIC_C, li a1, VA_PAGE(5); ld a0, 0(a1))
    li TESTNUM, 29
    LOAD_PTE(a0, pt_l0, 5)
    CHECK_MASKED(a0, PTE_A | PTE_D, PTE_A)
    S_CASE(30, a0, 0, li a1, VA_PAGE(5); sd zero, 8(a1); ld a0, 8(a1))
    li TESTNUM, 31
    LOAD_PTE(a0, pt_l0, 5)
    CHECK_MASKED(a0, PTE_A | PTE_D, PTE_A | PTE_D)

    /* ---------------- sfence.vma ---------------- */
    S_CASE(32, a0, MAGIC_A, li a1, VA_PAGE(7); ld a0, 0(a1))
    la a1, page_c
    SET_PTE(pt_l0, 7, a1, LEAF_RW)
    sfence.vma
    S_CASE(33, a0, MAGIC_C, li a1, VA_PAGE(7); ld a0, 0(a1))
    /* change a non-leaf entry: redirect L2[1] to an empty table */
    la a1, pt_empty
    SET_PTE(pt_l2, 1, a1, PTE_V)
    li s2, VA_PAGE(7)
    li TESTNUM, 34
    PVM_M_ENTER(PRV_S)
    sfence.vma zero, zero
    TEST_TRAP(34, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(s2))
    CHECK_TRAP_TVAL_REG(s2)
    la a1, pt_l1
    SET_PTE(pt_l2, 1, a1, PTE_V)
    S_CASE(35, a0, MAGIC_C, li a1, VA_PAGE(7); sfence.vma; ld a0, 0(a1))

    /* ---------------- switching satp from S-mode: Sv48 -> Bare ---------------- */
    li TESTNUM, 36
    PVM_M_ENTER(PRV_S)
    csrw satp, zero
    sfence.vma
    la a1, page_a                       /* now a physical address */
    ld a0, 0(a1)
    PVM_ENTER_M
    CHECK_EQ(a0, MAGIC_A)

PVM_TEST_END

    .text
    .balign 64
s_snippet:
    addi a0, a0, 1
    ret

u_load:
    ld a0, 0(a1)
    ecall

    .bss
    .balign 4096
pt_start:
pt_l3:    .zero 4096
pt_l2:    .zero 4096
pt_l1:    .zero 4096
pt_l0:    .zero 4096
pt_empty: .zero 4096
pt_end:
page_a:   .zero 4096
page_b:   .zero 4096
page_c:   .zero 4096
