/*
 * priv_trap.S - synchronous traps and trap return (privileged spec 1.12):
 * ECALL from M/S/U (mcause 11/9/8), EBREAK, illegal instructions with
 * mtval = instruction bits, xRET executed at too low a privilege,
 * medeleg delegation to S (and its non-effect on traps taken in M),
 * MRET/SRET updates of MPP/SPP/MPIE/SPIE/MIE/SIE, MRET to U, SRET from M,
 * TSR/TVM/TW, and vectored mtvec/stvec dispatch of interrupts.
 */
#include "common.h"

#define ILLEGAL_CUSTOM0  .word 0x0000000b     /* custom-0 opcode: not implemented */
#define ILLEGAL_OP       .word 0x04000033     /* OP with funct7 = 0000010: reserved */

PVM_TEST_BEGIN

    /* ---------------- ECALL / EBREAK from each mode ---------------- */
    TEST_TRAP(1, CAUSE_ECALL_M, ecall)
    CHECK_TRAP_TVAL(0)
    CHECK_TRAP_LEVEL(PRV_M)
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_M)

    /* trap entry: MPIE <- MIE, MIE <- 0 */
    li TESTNUM, 2
    csrsi mstatus, MSTATUS_MIE
    TEST_TRAP(2, CAUSE_ECALL_M, ecall)
    CHECK_TRAP_STATUS(MSTATUS_MIE | MSTATUS_MPIE, MSTATUS_MPIE)
    CHECK_CSR_MASKED(mstatus, MSTATUS_MIE | MSTATUS_MPIE, MSTATUS_MPIE)
    csrci mstatus, MSTATUS_MIE
    /* and MPIE <- 0 when MIE was 0 */
    TEST_TRAP(3, CAUSE_ECALL_M, ecall)
    CHECK_TRAP_STATUS(MSTATUS_MIE | MSTATUS_MPIE, 0)

    li TESTNUM, 4
    PVM_M_ENTER(PRV_S)
    TEST_TRAP(4, CAUSE_ECALL_S, ecall)
    CHECK_TRAP_TVAL(0)
    CHECK_TRAP_LEVEL(PRV_M)
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_S)

    li TESTNUM, 5
    PVM_M_ENTER(PRV_U)
    TEST_TRAP(5, CAUSE_ECALL_U, ecall)
    CHECK_TRAP_TVAL(0)
    CHECK_TRAP_STATUS(MSTATUS_MPP, 0)

    /* EBREAK: mtval is 0 or the pc of the ebreak */
    TEST_TRAP(6, CAUSE_BREAKPOINT, ebreak)
    ld t5, pvm_trap_info + TI_TVAL
    beqz t5, 1f
    CHECK_TRAP_TVAL_ADDR(90002b)
1:
    li TESTNUM, 7
    PVM_M_ENTER(PRV_U)
    TEST_TRAP(7, CAUSE_BREAKPOINT, ebreak)
    CHECK_TRAP_STATUS(MSTATUS_MPP, 0)
    li TESTNUM, 8
    PVM_M_ENTER(PRV_S)
    TEST_TRAP(8, CAUSE_BREAKPOINT, ebreak)
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_S)

    /* ---------------- illegal instructions: mtval = instruction ---------------- */
    TEST_ILLEGAL(9, ILLEGAL_CUSTOM0)
    CHECK_TRAP_TVAL(0x0000000b)
    TEST_ILLEGAL(10, ILLEGAL_OP)
    CHECK_TRAP_TVAL(0x04000033)
    TEST_ILLEGAL(11, .word 0x00000000 + 0x0000)   /* 32-bit zero is 16-bit 0x0000 twice */
    CHECK_TRAP_TVAL(0)
    li TESTNUM, 12
    PVM_M_ENTER(PRV_U)
    TEST_ILLEGAL(12, ILLEGAL_OP)
    CHECK_TRAP_STATUS(MSTATUS_MPP, 0)
    /* xRET below its privilege */
    li TESTNUM, 13
    PVM_M_ENTER(PRV_U)
    TEST_ILLEGAL(13, mret)
    CHECK_TRAP_TVAL(0x30200073)
    li TESTNUM, 14
    PVM_M_ENTER(PRV_U)
    TEST_ILLEGAL(14, sret)
    CHECK_TRAP_TVAL(0x10200073)
    li TESTNUM, 15
    PVM_M_ENTER(PRV_S)
    TEST_ILLEGAL(15, mret)
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_S)
    /* M-level CSR from S and U */
    li TESTNUM, 16
    PVM_M_ENTER(PRV_S)
    TEST_ILLEGAL(16, csrr a0, mstatus)
    CHECK_TRAP_TVAL(0x30002573)
    li TESTNUM, 17
    PVM_M_ENTER(PRV_U)
    TEST_ILLEGAL(17, csrr a0, sstatus)

    /* ---------------- medeleg: delegation to S ---------------- */
    /* ecall from U delegated: handled in S, scause 8, SPP = U */
    li TESTNUM, 18
    li a0, (1 << CAUSE_ECALL_U)
    csrw medeleg, a0
    PVM_M_ENTER(PRV_U)
    TEST_TRAP(18, CAUSE_ECALL_U, ecall)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_TVAL(0)
    CHECK_TRAP_STATUS(MSTATUS_SPP, 0)
    /* now in S: the S handler continued here */
    PVM_ENTER_M                                 /* ecall from S: not delegated */
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_TRAP_LEVEL(PRV_M)

    /* SIE/SPIE on trap entry into S: SPIE <- SIE, SIE <- 0 */
    li TESTNUM, 19
    csrsi sstatus, MSTATUS_SIE
    PVM_M_ENTER(PRV_U)
    TEST_TRAP(19, CAUSE_ECALL_U, ecall)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_STATUS(MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP, MSTATUS_SPIE)
    csrr a0, sstatus
    CHECK_MASKED(a0, MSTATUS_SIE | MSTATUS_SPIE, MSTATUS_SPIE)
    PVM_ENTER_M

    /* ecall from S delegated: SPP = S; get back to M with an illegal mret */
    li TESTNUM, 20
    li a0, (1 << CAUSE_ECALL_S)
    csrw medeleg, a0
    PVM_M_ENTER(PRV_S)
    TEST_TRAP(20, CAUSE_ECALL_S, ecall)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_STATUS(MSTATUS_SPP, MSTATUS_SPP)
    PVM_ENTER_M_VIA_ILLEGAL
    CHECK_TRAP_LEVEL(PRV_M)

    /* delegated illegal instruction from S: stval = instruction bits */
    li TESTNUM, 21
    li a0, (1 << CAUSE_ILLEGAL_INSN)
    csrw medeleg, a0
    PVM_M_ENTER(PRV_S)
    TEST_ILLEGAL(21, ILLEGAL_CUSTOM0)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_TVAL(0x0000000b)
    PVM_ENTER_M
    /* delegation never applies to traps taken while in M */
    TEST_ILLEGAL(22, ILLEGAL_OP)
    CHECK_TRAP_LEVEL(PRV_M)
    li a0, (1 << CAUSE_ECALL_M) | (1 << CAUSE_BREAKPOINT)
    csrs medeleg, a0
    TEST_TRAP(23, CAUSE_BREAKPOINT, ebreak)
    CHECK_TRAP_LEVEL(PRV_M)
    /* delegated breakpoint from U */
    li TESTNUM, 24
    PVM_M_ENTER(PRV_U)
    TEST_TRAP(24, CAUSE_BREAKPOINT, ebreak)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_STATUS(MSTATUS_SPP, 0)
    CHECK_TRAP_EPC(90002b)
    PVM_ENTER_M
    /* a non-delegated cause from U still goes to M */
    li TESTNUM, 25
    PVM_M_ENTER(PRV_U)
    TEST_TRAP(25, CAUSE_ECALL_U, ecall)
    CHECK_TRAP_LEVEL(PRV_M)
    csrw medeleg, zero

    /* ---------------- MRET ---------------- */
    /* mret to M with MPIE=1: MIE <- 1, MPIE <- 1, MPP <- U (least privileged) */
    li TESTNUM, 26
    li a0, MSTATUS_MPP_M | MSTATUS_MPIE
    csrs mstatus, a0
    csrci mstatus, MSTATUS_MIE
    la a0, 1f
    csrw mepc, a0
    mret
    j pvm_fail
1:  CHECK_CSR_MASKED(mstatus, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MIE | MSTATUS_MPIE)
    csrci mstatus, MSTATUS_MIE
    /* mret with MPIE=0: MIE <- 0, MPIE <- 1 */
    li TESTNUM, 27
    li a0, MSTATUS_MPP_M
    csrs mstatus, a0
    li a0, MSTATUS_MPIE
    csrc mstatus, a0
    csrsi mstatus, MSTATUS_MIE
    la a0, 1f
    csrw mepc, a0
    mret
    j pvm_fail
1:  CHECK_CSR_MASKED(mstatus, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE)
    /* mret to S: the ecall that follows comes from S, and the S code saw MIE=MPIE */
    li TESTNUM, 28
    li a0, MSTATUS_MPIE
    csrs mstatus, a0
    PVM_M_ENTER(PRV_S)
    TEST_TRAP(28, CAUSE_ECALL_S, ecall)
    CHECK_TRAP_STATUS(MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE | MSTATUS_MPP_S)
    /* mret to U */
    li TESTNUM, 29
    li a0, MSTATUS_MPIE
    csrc mstatus, a0
    PVM_M_ENTER(PRV_U)
    TEST_TRAP(29, CAUSE_ECALL_U, ecall)
    CHECK_TRAP_STATUS(MSTATUS_MPIE | MSTATUS_MPP, 0)
    /* mret jumps to mepc exactly (2-byte aligned target is fine with C) */
    li TESTNUM, 30
    li a0, MSTATUS_MPP_M
    csrs mstatus, a0
    la a0, 2f
    csrw mepc, a0
    csrr a1, mepc
    CHECK_EQ_REG(a0, a1)
    mret
    j pvm_fail
    .align 2
    c.nop
2:

    /* ---------------- SRET ---------------- */
    /* sret in S with SPP=U, SPIE=1, SIE=0: goes to U, SIE <- 1, SPIE <- 1, SPP <- U */
    li TESTNUM, 31
    PVM_M_ENTER(PRV_S)
    li a0, MSTATUS_SPP
    csrc sstatus, a0
    li a0, MSTATUS_SPIE
    csrs sstatus, a0
    csrci sstatus, MSTATUS_SIE
    la a0, 1f
    csrw sepc, a0
    sret
    j pvm_fail
1:  TEST_TRAP(31, CAUSE_ECALL_U, ecall)
    CHECK_TRAP_STATUS(MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_MPP, MSTATUS_SIE | MSTATUS_SPIE)
    /* sret in S with SPP=S, SPIE=0: stays in S, SIE <- 0, SPIE <- 1, SPP <- U */
    li TESTNUM, 32
    PVM_M_ENTER(PRV_S)
    li a0, MSTATUS_SPP
    csrs sstatus, a0
    li a0, MSTATUS_SPIE
    csrc sstatus, a0
    csrsi sstatus, MSTATUS_SIE
    la a0, 1f
    csrw sepc, a0
    sret
    j pvm_fail
1:  csrr a1, sstatus
    CHECK_MASKED(a1, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP, MSTATUS_SPIE)
    TEST_TRAP(32, CAUSE_ECALL_S, ecall)
    /* sret executed in M-mode is legal: returns to SPP */
    li TESTNUM, 33
    li a0, MSTATUS_SPP
    csrc mstatus, a0
    la a0, 1f
    csrw sepc, a0
    sret
    j pvm_fail
1:  TEST_TRAP(33, CAUSE_ECALL_U, ecall)
    li TESTNUM, 34
    li a0, MSTATUS_SPP
    csrs mstatus, a0
    la a0, 1f
    csrw sepc, a0
    sret
    j pvm_fail
1:  TEST_TRAP(34, CAUSE_ECALL_S, ecall)
    /* sret from M with SPP=S leaves MPP alone and clears SPP */
    CHECK_CSR_MASKED(mstatus, MSTATUS_SPP, 0)

    /* ---------------- TSR / TVM / TW ---------------- */
    li TESTNUM, 35
    li a0, MSTATUS_TSR
    csrs mstatus, a0
    PVM_M_ENTER(PRV_S)
    la a0, pvm_fail
    csrw sepc, a0
    TEST_ILLEGAL(35, sret)
    /* TSR does not affect M-mode */
    li TESTNUM, 36
    li a0, MSTATUS_SPP
    csrs mstatus, a0
    la a0, 1f
    csrw sepc, a0
    sret
    j pvm_fail
1:  TEST_TRAP(36, CAUSE_ECALL_S, ecall)
    li a0, MSTATUS_TSR
    csrc mstatus, a0

    li TESTNUM, 37
    li a0, MSTATUS_TVM
    csrs mstatus, a0
    PVM_M_ENTER(PRV_S)
    TEST_ILLEGAL(37, csrr a0, satp)
    li TESTNUM, 38
    PVM_M_ENTER(PRV_S)
    TEST_ILLEGAL(38, csrw satp, zero)
    li TESTNUM, 39
    PVM_M_ENTER(PRV_S)
    TEST_ILLEGAL(39, sfence.vma)
    li TESTNUM, 40
    PVM_M_ENTER(PRV_S)
    TEST_ILLEGAL(40, sfence.vma a0, zero)
    /* M-mode unaffected by TVM */
    TEST_NO_TRAP(41, csrr a0, satp; csrw satp, zero; sfence.vma)
    li a0, MSTATUS_TVM
    csrc mstatus, a0
    /* TVM=0: S may access satp and run sfence.vma */
    li TESTNUM, 42
    PVM_M_ENTER(PRV_S)
    csrr a0, satp
    csrw satp, zero
    sfence.vma
    TEST_TRAP(42, CAUSE_ECALL_S, ecall)

    /* TW=1: WFI in S traps (nothing pending, so it would wait forever) */
    li TESTNUM, 43
    csrw mie, zero
    li a0, MSTATUS_TW
    csrs mstatus, a0
    PVM_M_ENTER(PRV_S)
    TEST_ILLEGAL(43, wfi)
    CHECK_TRAP_TVAL(0x10500073)
    li TESTNUM, 44
    PVM_M_ENTER(PRV_U)
    TEST_ILLEGAL(44, wfi)
    li a0, MSTATUS_TW
    csrc mstatus, a0
    /* TW=0: WFI in U-mode still traps (S-mode implemented, nothing pending) */
    li TESTNUM, 45
    PVM_M_ENTER(PRV_U)
    TEST_ILLEGAL(45, wfi)

    /* ---------------- vectored mtvec ---------------- */
    la a0, mvec
    ori a0, a0, 1
    csrw mtvec, a0
    csrr a1, mtvec
    li TESTNUM, 46
    CHECK_EQ_REG(a0, a1)                /* MODE=1 (vectored) is supported */
    sd zero, pvm_trap_info + TI_VECTOR, t5
    /* synchronous exceptions go to BASE */
    TEST_TRAP(47, CAUSE_ECALL_M, ecall)
    CHECK_TRAP_FIELD(TI_VECTOR, 0)
    /* supervisor software interrupt (mip.SSIP set by M, not delegated) -> BASE + 4*1 */
    li TESTNUM, 48
    PVM_EXPECT(PVM_EXPECT_JUMP, 2f)
    li a0, MIP_SSIP
    csrw mie, a0
    csrs mip, a0
    csrsi mstatus, MSTATUS_MIE
    li a1, 1000
1:  addi a1, a1, -1
    bnez a1, 1b
    j pvm_fail
2:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    CHECK_TRAP_FIELD(TI_VECTOR, IRQ_S_SOFT)
    CHECK_CSR_MASKED(mstatus, MSTATUS_MIE, 0)
    csrc mip, a0
    /* supervisor timer interrupt (mip.STIP set by M) -> BASE + 4*5 */
    li TESTNUM, 49
    PVM_EXPECT(PVM_EXPECT_JUMP, 2f)
    li a0, MIP_STIP
    csrw mie, a0
    csrs mip, a0
    csrsi mstatus, MSTATUS_MIE
    li a1, 1000
1:  addi a1, a1, -1
    bnez a1, 1b
    j pvm_fail
2:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_TIMER)
    CHECK_TRAP_FIELD(TI_VECTOR, IRQ_S_TIMER)
    csrc mip, a0
    /* machine software interrupt via the CLINT msip register -> BASE + 4*3 */
    li TESTNUM, 50
    PVM_EXPECT(PVM_EXPECT_JUMP, 2f)
    li a0, MIP_MSIP
    csrw mie, a0
    li a2, CLINT_MSIP
    li a3, 1
    sw a3, 0(a2)
    csrsi mstatus, MSTATUS_MIE
    li a1, 1000
1:  addi a1, a1, -1
    bnez a1, 1b
    j pvm_fail
2:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_SOFT)
    CHECK_TRAP_FIELD(TI_VECTOR, IRQ_M_SOFT)
    sw zero, 0(a2)
    csrw mie, zero
    la a0, pvm_m_trap_handler
    csrw mtvec, a0

    /* ---------------- vectored stvec ---------------- */
    la a0, svec
    ori a0, a0, 1
    csrw stvec, a0
    csrr a1, stvec
    li TESTNUM, 51
    CHECK_EQ_REG(a0, a1)
    li a0, MIP_SSIP
    csrw mideleg, a0
    li a0, (1 << CAUSE_ECALL_U)
    csrw medeleg, a0
    sd zero, pvm_trap_info + TI_VECTOR, t5
    /* delegated exception: S BASE */
    li TESTNUM, 52
    PVM_M_ENTER(PRV_U)
    TEST_TRAP(52, CAUSE_ECALL_U, ecall)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_FIELD(TI_VECTOR, 0)
    /* delegated SSIP taken in S with SIE=1 -> S BASE + 4 */
    li TESTNUM, 53
    PVM_EXPECT(PVM_EXPECT_JUMP, 2f)
    li a0, MIP_SSIP
    csrw sie, a0
    csrs sip, a0
    csrsi sstatus, MSTATUS_SIE
    li a1, 1000
1:  addi a1, a1, -1
    bnez a1, 1b
    j pvm_fail
2:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_FIELD(TI_VECTOR, IRQ_S_SOFT)
    CHECK_TRAP_STATUS(MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE)
    li a0, MIP_SSIP
    csrc sip, a0
    csrw sie, zero
    PVM_ENTER_M
    csrw medeleg, zero
    csrw mideleg, zero
    la a0, pvm_s_trap_handler
    csrw stvec, a0

    /* ---------------- access faults: nothing at physical 64 GiB ---------------- */
    li s0, 0x1000000000
    TEST_TRAP(57, CAUSE_LOAD_ACCESS, ld a0, 0(s0))
    CHECK_TRAP_TVAL_REG(s0)
    TEST_TRAP(58, CAUSE_STORE_ACCESS, sw a0, 8(s0))
    addi s1, s0, 8
    CHECK_TRAP_TVAL_REG(s1)
    /* (59: AMO access fault, at the end) */
    li TESTNUM, 60
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    jalr ra, 0(s0)
    j pvm_fail
1:  CHECK_TRAP_CAUSE(CAUSE_FETCH_ACCESS)
    CHECK_TRAP_TVAL_REG(s0)
    ld t5, pvm_trap_info + TI_EPC
    CHECK_EQ_REG(t5, s0)
    /* from S-mode too (PMP allows everything, so it is the missing device) */
    li TESTNUM, 61
    PVM_M_ENTER(PRV_S)
    TEST_TRAP(61, CAUSE_LOAD_ACCESS, lw a0, 4(s0))
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_S)

#ifndef PVM_QEMU_COMPAT
    /* ---------------- MRET to a mode below M clears MPRV (priv 1.12) ---------------- */
    /* QEMU 7.2 leaves MPRV set. */
    li TESTNUM, 54
    li a0, MSTATUS_MPRV
    csrs mstatus, a0
    PVM_M_ENTER(PRV_S)
    PVM_ENTER_M
    CHECK_CSR_MASKED(mstatus, MSTATUS_MPRV, 0)
    li TESTNUM, 55
    li a0, MSTATUS_MPRV
    csrs mstatus, a0
    li a0, MSTATUS_SPP
    csrc mstatus, a0
    la a0, 1f
    csrw sepc, a0
    sret                                 /* SRET from M to U also clears MPRV */
1:  PVM_ENTER_M
    CHECK_CSR_MASKED(mstatus, MSTATUS_MPRV, 0)

    /* ---------------- AMO to a missing device: store/AMO access fault ---------------- */
    /* QEMU 7.2 reports a load access fault (5) for AMOs. */
    li s0, 0x1000000000
    TEST_TRAP(59, CAUSE_STORE_ACCESS, amoadd.d a0, a0, (s0))
    CHECK_TRAP_TVAL_REG(s0)
#endif
    /* MRET to M keeps MPRV */
    li TESTNUM, 56
    li a0, MSTATUS_MPRV | MSTATUS_MPP_M
    csrs mstatus, a0
    la a0, 1f
    csrw mepc, a0
    mret
1:  CHECK_CSR_MASKED(mstatus, MSTATUS_MPRV, MSTATUS_MPRV)
    li a0, MSTATUS_MPRV
    csrc mstatus, a0

PVM_TEST_END

    PVM_VECTOR_TABLE mvec, mscratch, pvm_m_trap_handler
    PVM_VECTOR_TABLE svec, sscratch, pvm_s_trap_handler
