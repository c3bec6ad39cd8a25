/*
 * paravm bare-metal ISA test framework (RV64, M-mode entry).
 *
 * Written for paravm from the RISC-V unprivileged spec 20191213 and the
 * privileged spec 1.12.  Result convention ("tohost"):
 *   tohost = 1                    -> pass
 *   tohost = (testnum << 1) | 1   -> test number `testnum` failed
 * after which the program spins forever.
 *
 * Register conventions inside a test program:
 *   gp (x3)  TESTNUM: number of the running test case (set by every macro).
 *   t5, t6   scratch of the framework: any macro and any *expected* trap may
 *            clobber them.  Test code must not keep live values there.
 *   sp       points at a 4 KiB stack (pvm_stack_top) at start.
 *   all other registers are free.
 *
 * Usage:
 *   #include "common.h"
 *   PVM_TEST_BEGIN
 *       TEST_CASE(1, a0, 3, li a1, 1; addi a0, a1, 2)
 *       ...
 *   PVM_TEST_END          (falls through to PASS)
 *   optional .data after PVM_TEST_END
 *
 * Traps: mtvec/stvec point at default handlers that record
 * mcause/mtval/mepc/mstatus (or the S-mode equivalents) into pvm_trap_info
 * and FAIL unless a test armed an expectation with PVM_EXPECT(mode, label):
 *   PVM_EXPECT_JUMP   - handler continues at `label` in the handler's own
 *                       privilege mode (M or S) without executing xRET, so
 *                       mstatus still shows the trap-entry state
 *                       (xPP/xPIE set, xIE cleared).
 *   PVM_EXPECT_RETURN - handler sets xepc = label and executes xRET, i.e.
 *                       continues at `label` in the trapping mode.
 * An expectation is one-shot: the handler disarms it.
 */
#ifndef PARAVM_ISA_COMMON_H
#define PARAVM_ISA_COMMON_H

/* ---------------------------------------------------------------- constants */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define MSTATUS_SIE   0x2
#define MSTATUS_MIE   0x8
#define MSTATUS_SPIE  0x20
#define MSTATUS_UBE   0x40
#define MSTATUS_MPIE  0x80
#define MSTATUS_SPP   0x100
#define MSTATUS_MPP   0x1800
#define MSTATUS_MPP_S 0x0800
#define MSTATUS_MPP_M 0x1800
#define MSTATUS_FS    0x6000
#define MSTATUS_XS    0x18000
#define MSTATUS_MPRV  0x20000
#define MSTATUS_SUM   0x40000
#define MSTATUS_MXR   0x80000
#define MSTATUS_TVM   0x100000
#define MSTATUS_TW    0x200000
#define MSTATUS_TSR   0x400000
#define MSTATUS_UXL   0x300000000
#define MSTATUS_SXL   0xC00000000
#define MSTATUS_SBE   0x1000000000
#define MSTATUS_MBE   0x2000000000
#define MSTATUS_SD    0x8000000000000000

#define CAUSE_MISALIGNED_FETCH  0
#define CAUSE_FETCH_ACCESS      1
#define CAUSE_ILLEGAL_INSN      2
#define CAUSE_BREAKPOINT        3
#define CAUSE_MISALIGNED_LOAD   4
#define CAUSE_LOAD_ACCESS       5
#define CAUSE_MISALIGNED_STORE  6
#define CAUSE_STORE_ACCESS      7
#define CAUSE_ECALL_U           8
#define CAUSE_ECALL_S           9
#define CAUSE_ECALL_M           11
#define CAUSE_FETCH_PAGE_FAULT  12
#define CAUSE_LOAD_PAGE_FAULT   13
#define CAUSE_STORE_PAGE_FAULT  15

#define CAUSE_INTR    0x8000000000000000
#define IRQ_S_SOFT    1
#define IRQ_M_SOFT    3
#define IRQ_S_TIMER   5
#define IRQ_M_TIMER   7
#define IRQ_S_EXT     9
#define IRQ_M_EXT     11
#define MIP_SSIP  (1 << IRQ_S_SOFT)
#define MIP_MSIP  (1 << IRQ_M_SOFT)
#define MIP_STIP  (1 << IRQ_S_TIMER)
#define MIP_MTIP  (1 << IRQ_M_TIMER)
#define MIP_SEIP  (1 << IRQ_S_EXT)
#define MIP_MEIP  (1 << IRQ_M_EXT)

/* CLINT (same layout on QEMU spike and paravm) */
#define CLINT_BASE      0x02000000
#define CLINT_MSIP      0x02000000
#define CLINT_MTIMECMP  0x02004000
#define CLINT_MTIME     0x0200BFF8

/* satp */
#define SATP_MODE_SV39  0x8000000000000000
#define SATP_MODE_SV48  0x9000000000000000

/* PTE bits */
#define PTE_V 0x001
#define PTE_R 0x002
#define PTE_W 0x004
#define PTE_X 0x008
#define PTE_U 0x010
#define PTE_G 0x020
#define PTE_A 0x040
#define PTE_D 0x080

/* pvm_trap_info layout */
#define TI_SAVE0     0
#define TI_SAVE1     8
#define TI_SAVE2     16
#define TI_EXPECT    24
#define TI_RESUME    32
#define TI_CAUSE     40
#define TI_TVAL      48
#define TI_EPC       56
#define TI_STATUS    64
#define TI_COUNT     72
#define TI_LEVEL     80
#define TI_VECTOR    88     /* free for tests: e.g. which vector stub ran */
#define TI_USER      96     /* free for tests */
#define TI_SIZE      128

#define PVM_EXPECT_NONE   0
#define PVM_EXPECT_JUMP   1
#define PVM_EXPECT_RETURN 2

#define TESTNUM gp

/* ------------------------------------------------------- pass / fail / check */

#define PVM_PASS  j pvm_pass
#define PVM_FAIL  j pvm_fail

/* fail unless reg == expected (an immediate / constant expression) */
#define CHECK_EQ(reg, expected) \
    li t6, expected; beq reg, t6, 90000f; j pvm_fail; 90000:

/* fail unless reg == address of label */
#define CHECK_EQ_ADDR(reg, label) \
    la t6, label; beq reg, t6, 90000f; j pvm_fail; 90000:

/* fail unless reg1 == reg2 */
#define CHECK_EQ_REG(r1, r2) \
    beq r1, r2, 90000f; j pvm_fail; 90000:

/* fail unless csr == expected */
#define CHECK_CSR(csr, expected) \
    csrr t5, csr; CHECK_EQ(t5, expected)

/* fail unless (csr & mask) == expected */
#define CHECK_CSR_MASKED(csr, mask, expected) \
    csrr t5, csr; li t6, mask; and t5, t5, t6; CHECK_EQ(t5, expected)

/* fail unless (reg & mask) == expected; clobbers t5 */
#define CHECK_MASKED(reg, mask, expected) \
    li t6, mask; and t5, reg, t6; CHECK_EQ(t5, expected)

/*
 * TEST_CASE(n, reg, expected, code...): run code, then check reg == expected.
 */
#define TEST_CASE(n, reg, expected, ...) \
    li TESTNUM, n; \
    __VA_ARGS__; \
    CHECK_EQ(reg, expected)

/* ------------------------------------------------------------------- traps */

#define PVM_EXPECT(mode, label) \
    la t6, label; sd t6, pvm_trap_info + TI_RESUME, t5; \
    li t6, mode; sd t6, pvm_trap_info + TI_EXPECT, t5

#define PVM_DISARM \
    sd zero, pvm_trap_info + TI_EXPECT, t5

#define PVM_LOAD_TRAP(reg, field) \
    ld reg, pvm_trap_info + field

#define CHECK_TRAP_FIELD(field, expected) \
    ld t5, pvm_trap_info + field; CHECK_EQ(t5, expected)

#define CHECK_TRAP_FIELD_ADDR(field, label) \
    ld t5, pvm_trap_info + field; CHECK_EQ_ADDR(t5, label)

#define CHECK_TRAP_CAUSE(c)        CHECK_TRAP_FIELD(TI_CAUSE, c)
#define CHECK_TRAP_TVAL(v)         CHECK_TRAP_FIELD(TI_TVAL, v)
#define CHECK_TRAP_TVAL_ADDR(lbl)  CHECK_TRAP_FIELD_ADDR(TI_TVAL, lbl)
#define CHECK_TRAP_EPC(lbl)        CHECK_TRAP_FIELD_ADDR(TI_EPC, lbl)
#define CHECK_TRAP_LEVEL(lvl)      CHECK_TRAP_FIELD(TI_LEVEL, lvl)
/* (saved xstatus at trap time & mask) == expected */
#define CHECK_TRAP_STATUS(mask, expected) \
    ld t5, pvm_trap_info + TI_STATUS; CHECK_MASKED(t5, mask, expected)

/* fail unless the recorded trap value equals the bits of the instruction at
 * the recorded epc (16 bits for a compressed instruction, 32 otherwise).
 * Only valid when the epc is also a valid M/S-mode address (identity map). */
#define CHECK_TRAP_TVAL_IS_INSN \
    ld t5, pvm_trap_info + TI_EPC; \
    lhu t6, 2(t5); lhu t5, 0(t5); slli t6, t6, 16; or t6, t6, t5; \
    andi t5, t6, 3; addi t5, t5, -3; beqz t5, 90005f; \
    slli t6, t6, 48; srli t6, t6, 48; \
90005: ld t5, pvm_trap_info + TI_TVAL; CHECK_EQ_REG(t5, t6)

/*
 * TEST_TRAP(n, cause, code...): code must trap (first instruction of `code`
 * is the expected epc) with the given cause.  Execution continues after the
 * macro in the privilege mode of the handler (M unless delegated), with the
 * trap-entry state left in mstatus/sstatus.
 */
#define TEST_TRAP(n, cause, ...) \
    li TESTNUM, n; \
    PVM_EXPECT(PVM_EXPECT_JUMP, 90001f); \
90002: __VA_ARGS__; \
    j pvm_fail; \
90001: \
    CHECK_TRAP_CAUSE(cause); \
    CHECK_TRAP_EPC(90002b)

/* Same, but the handler returns (xRET) to the instruction after `code`
 * in the trapping privilege mode. */
#define TEST_TRAP_RET(n, cause, ...) \
    li TESTNUM, n; \
    PVM_EXPECT(PVM_EXPECT_RETURN, 90001f); \
90002: __VA_ARGS__; \
    j pvm_fail; \
90001: \
    CHECK_TRAP_CAUSE(cause); \
    CHECK_TRAP_EPC(90002b)

/* Illegal-instruction trap whose mtval must equal the instruction bits. */
#define TEST_ILLEGAL(n, ...) \
    TEST_TRAP(n, CAUSE_ILLEGAL_INSN, __VA_ARGS__); \
    CHECK_TRAP_TVAL_IS_INSN

/* Illegal-instruction trap taken in place (xRET back), tval = insn bits. */
#define TEST_ILLEGAL_RET(n, ...) \
    TEST_TRAP_RET(n, CAUSE_ILLEGAL_INSN, __VA_ARGS__); \
    CHECK_TRAP_TVAL_IS_INSN

/* Code that must NOT trap (any trap fails through the default handler). */
#define TEST_NO_TRAP(n, ...) \
    li TESTNUM, n; __VA_ARGS__

/* ------------------------------------------------------ privilege switching */

/* From M-mode: continue at the next instruction in privilege `priv`
 * (PRV_M, PRV_S or PRV_U) via mret.  mstatus.MIE takes the value of MPIE. */
#define PVM_M_ENTER(priv) \
    li t6, MSTATUS_MPP; csrc mstatus, t6; \
    li t6, ((priv) << 11); csrs mstatus, t6; \
    la t6, 90003f; csrw mepc, t6; mret; 90003:

/* From S-mode: continue at the next instruction in privilege `priv`
 * (PRV_S or PRV_U) via sret. */
#define PVM_S_ENTER(priv) \
    li t6, MSTATUS_SPP; csrc sstatus, t6; \
    li t6, ((priv) << 8); csrs sstatus, t6; \
    la t6, 90004f; csrw sepc, t6; sret; 90004:

/* From S/U-mode (ecall not delegated): continue at the next instruction in
 * M-mode.  Records the ecall in pvm_trap_info. */
#define PVM_ENTER_M \
    PVM_EXPECT(PVM_EXPECT_JUMP, 90006f); ecall; j pvm_fail; 90006:

/* From S/U-mode even when ecall is delegated: an mret outside M-mode is
 * an illegal instruction; medeleg bit 2 must be clear. */
#define PVM_ENTER_M_VIA_ILLEGAL \
    PVM_EXPECT(PVM_EXPECT_JUMP, 90008f); mret; j pvm_fail; 90008:

/* From U-mode with ecall-from-U delegated to S: continue in S-mode. */
#define PVM_ENTER_S_DELEG \
    PVM_EXPECT(PVM_EXPECT_JUMP, 90007f); ecall; j pvm_fail; 90007:

/* Vector stubs for vectored mtvec/stvec tests: record K in
 * pvm_trap_info+TI_VECTOR, then run the default handler.
 * PVM_VECTOR_TABLE name, scratch_csr, handler, count */
.macro PVM_VEC_STUB k, scratch, handler
    csrrw t0, \scratch, t0
    sd t1, TI_SAVE1(t0)
    li t1, \k
    sd t1, TI_VECTOR(t0)
    ld t1, TI_SAVE1(t0)
    csrrw t0, \scratch, t0
    j \handler
.endm

.macro PVM_VECTOR_TABLE name, scratch, handler
    .align 8
\name:
    .option push
    .option norvc
    j \name\()_0
    j \name\()_1
    j \name\()_2
    j \name\()_3
    j \name\()_4
    j \name\()_5
    j \name\()_6
    j \name\()_7
    j \name\()_8
    j \name\()_9
    j \name\()_10
    j \name\()_11
    j \name\()_12
    j \name\()_13
    j \name\()_14
    j \name\()_15
    .option pop
\name\()_0:  PVM_VEC_STUB 0, \scratch, \handler
\name\()_1:  PVM_VEC_STUB 1, \scratch, \handler
\name\()_2:  PVM_VEC_STUB 2, \scratch, \handler
\name\()_3:  PVM_VEC_STUB 3, \scratch, \handler
\name\()_4:  PVM_VEC_STUB 4, \scratch, \handler
\name\()_5:  PVM_VEC_STUB 5, \scratch, \handler
\name\()_6:  PVM_VEC_STUB 6, \scratch, \handler
\name\()_7:  PVM_VEC_STUB 7, \scratch, \handler
\name\()_8:  PVM_VEC_STUB 8, \scratch, \handler
\name\()_9:  PVM_VEC_STUB 9, \scratch, \handler
\name\()_10: PVM_VEC_STUB 10, \scratch, \handler
\name\()_11: PVM_VEC_STUB 11, \scratch, \handler
\name\()_12: PVM_VEC_STUB 12, \scratch, \handler
\name\()_13: PVM_VEC_STUB 13, \scratch, \handler
\name\()_14: PVM_VEC_STUB 14, \scratch, \handler
\name\()_15: PVM_VEC_STUB 15, \scratch, \handler
.endm

/* ------------------------------------------------------------ paging helpers */

/* table[index] = PTE for physical address in pa_reg with the given flags
 * (flags < 0x800) plus extra_hi (OR-ed in as a 64-bit constant) */
#define SET_PTE_HI(table, index, pa_reg, flags, extra_hi) \
    srli t5, pa_reg, 12; slli t5, t5, 10; ori t5, t5, flags; \
    li t6, extra_hi; or t5, t5, t6; \
    la t6, table + (index) * 8; sd t5, 0(t6)
#define SET_PTE(table, index, pa_reg, flags) \
    srli t5, pa_reg, 12; slli t5, t5, 10; ori t5, t5, flags; \
    la t6, table + (index) * 8; sd t5, 0(t6)
/* same, physical address given as a constant */
#define SET_PTE_PA(table, index, pa, flags) \
    li t5, ((pa) >> 12) << 10; ori t5, t5, flags; \
    la t6, table + (index) * 8; sd t5, 0(t6)
/* table[index] = 0 */
#define CLEAR_PTE(table, index) \
    la t6, table + (index) * 8; sd zero, 0(t6)
/* reg = table[index] */
#define LOAD_PTE(reg, table, index) \
    la t6, table + (index) * 8; ld reg, 0(t6)

/* fail unless the recorded trap value equals reg */
#define CHECK_TRAP_TVAL_REG(reg) \
    ld t5, pvm_trap_info + TI_TVAL; CHECK_EQ_REG(t5, reg)

/* -------------------------------------------------------- program skeleton */

.macro PVM_TEST_BEGIN
    .section .text.init, "ax", @progbits
    .option push
    .option norvc
    .globl _start
_start:
    li TESTNUM, 0
    /* mtvec first, so that anything below that traps fails loudly */
    la t0, pvm_m_trap_handler
    csrw mtvec, t0
    la t0, pvm_trap_info
    csrw mscratch, t0
    csrw sscratch, t0
    la t0, pvm_s_trap_handler
    csrw stvec, t0
    csrw mie, zero
    csrw mideleg, zero
    csrw medeleg, zero
    csrw mip, zero
    csrw satp, zero
    csrw mstatus, zero
    /* PMP: one NAPOT entry covering everything, RWX, so that S/U-mode may
     * access memory.  PMP may be absent: guard with a temporary mtvec. */
    la t0, 1f
    csrw mtvec, t0
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    .align 2
1:  la t0, pvm_m_trap_handler
    csrw mtvec, t0
    la sp, pvm_stack_top
    li t0, 0
    li t1, 0
    li t2, 0
    j pvm_tests

    /* ---- default M-mode trap handler ---- */
    .align 2
    .globl pvm_m_trap_handler
pvm_m_trap_handler:
    csrrw t0, mscratch, t0
    sd t1, TI_SAVE1(t0)
    sd t2, TI_SAVE2(t0)
    csrr t1, mscratch
    sd t1, TI_SAVE0(t0)
    csrw mscratch, t0
    csrr t1, mcause
    sd t1, TI_CAUSE(t0)
    csrr t1, mtval
    sd t1, TI_TVAL(t0)
    csrr t1, mepc
    sd t1, TI_EPC(t0)
    csrr t1, mstatus
    sd t1, TI_STATUS(t0)
    ld t1, TI_COUNT(t0)
    addi t1, t1, 1
    sd t1, TI_COUNT(t0)
    li t1, PRV_M
    sd t1, TI_LEVEL(t0)
    ld t1, TI_EXPECT(t0)
    sd zero, TI_EXPECT(t0)
    beqz t1, pvm_fail
    ld t6, TI_RESUME(t0)
    li t2, PVM_EXPECT_RETURN
    beq t1, t2, 2f
    ld t1, TI_SAVE1(t0)
    ld t2, TI_SAVE2(t0)
    ld t0, TI_SAVE0(t0)
    jr t6
2:  csrw mepc, t6
    ld t1, TI_SAVE1(t0)
    ld t2, TI_SAVE2(t0)
    ld t0, TI_SAVE0(t0)
    mret

    /* ---- default S-mode trap handler (needs pvm_trap_info mapped 1:1) ---- */
    .align 2
    .globl pvm_s_trap_handler
pvm_s_trap_handler:
    csrrw t0, sscratch, t0
    sd t1, TI_SAVE1(t0)
    sd t2, TI_SAVE2(t0)
    csrr t1, sscratch
    sd t1, TI_SAVE0(t0)
    csrw sscratch, t0
    csrr t1, scause
    sd t1, TI_CAUSE(t0)
    csrr t1, stval
    sd t1, TI_TVAL(t0)
    csrr t1, sepc
    sd t1, TI_EPC(t0)
    csrr t1, sstatus
    sd t1, TI_STATUS(t0)
    ld t1, TI_COUNT(t0)
    addi t1, t1, 1
    sd t1, TI_COUNT(t0)
    li t1, PRV_S
    sd t1, TI_LEVEL(t0)
    ld t1, TI_EXPECT(t0)
    sd zero, TI_EXPECT(t0)
    beqz t1, pvm_fail
    ld t6, TI_RESUME(t0)
    li t2, PVM_EXPECT_RETURN
    beq t1, t2, 2f
    ld t1, TI_SAVE1(t0)
    ld t2, TI_SAVE2(t0)
    ld t0, TI_SAVE0(t0)
    jr t6
2:  csrw sepc, t6
    ld t1, TI_SAVE1(t0)
    ld t2, TI_SAVE2(t0)
    ld t0, TI_SAVE0(t0)
    sret

    /* ---- pass / fail ---- */
    .globl pvm_pass
pvm_pass:
    fence
    li t0, 1
    la t1, tohost
    sd t0, 0(t1)
3:  j 3b

    .globl pvm_fail
pvm_fail:
    fence
    bnez TESTNUM, 4f
    li TESTNUM, 255         /* failure before the first test case */
4:  slli t0, TESTNUM, 1
    ori t0, t0, 1
    la t1, tohost
    sd t0, 0(t1)
5:  j 5b
    .option pop

    .text
    .globl pvm_tests
pvm_tests:
.endm

.macro PVM_TEST_END
    li TESTNUM, 0
    j pvm_pass

    .data
    .align 6
    .globl pvm_trap_info
pvm_trap_info:
    .zero TI_SIZE

    .bss
    .align 4
pvm_stack:
    .zero 4096
    .globl pvm_stack_top
pvm_stack_top:

    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
    .type tohost, @object
    .size tohost, 8
tohost: .dword 0
    .align 6
    .globl fromhost
    .type fromhost, @object
    .size fromhost, 8
fromhost: .dword 0

    .text
.endm

#endif
